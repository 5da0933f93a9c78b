//! The command line: argument parsing, dispatch, and what the request command and the demo share.

mod cookies;
mod demo;
mod fetch;
mod progress;
mod trace;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use directories::ProjectDirs;
use electron_net_host::{Client, ClientBuilder, ErrorClass, RequestError};

/// The request failed (Electron's error is printed), or the CLI itself could not run.
const EXIT_FAILED: u8 = 1;
/// Invalid arguments, including options Electron rejects synchronously.
const EXIT_USAGE: u8 = 2;

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0   a response arrived, whatever its status (like curl without -f)
  1   the request failed; Electron's error is printed, e.g. net::ERR_CONNECTION_REFUSED
  2   invalid arguments, including options Electron rejects when the request is created,
      e.g. TypeError: Invalid URL
  22  --fail and the status was 400 or more";

/// Electron's net.request() from the command line: the ClientRequest WebAssembly component run
/// by wasmtime, with Electron's semantics, events and error messages.
#[derive(Parser)]
#[command(
    name = "electron-net",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXIT_STATUS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    request: fetch::RequestArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Tour a GET, a redirect chain, a login, a chunked upload and an abort against a loopback
    /// server in this process (no network needed); exits non-zero if a step misbehaves
    Demo(EngineArgs),
    /// List, set or remove the cookies of a persist: partition (Electron's session.cookies)
    Cookies(cookies::CookiesArgs),
}

/// How the component is loaded.
#[derive(Args)]
struct EngineArgs {
    /// Keep the compiled component in DIR so later runs start fast [default: the user's cache
    /// directory]
    #[arg(long, value_name = "DIR", env = "ELECTRON_NET_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Run this build of the component (.wasm) instead of the embedded one
    #[arg(long, value_name = "PATH")]
    component: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Demo(engine)) => demo::run(&engine),
        Some(Command::Cookies(args)) => cookies::run(args),
        None => fetch::run(cli.request),
    }
}

/// A client builder for the chosen component. Compiling the component costs far more than a
/// request, so the compiled form is kept in a cache directory; without one every run compiles
/// again.
fn client_builder(engine: &EngineArgs) -> anyhow::Result<ClientBuilder> {
    let mut builder = Client::builder();
    let cache_dir = engine.cache_dir.clone().or_else(|| {
        ProjectDirs::from("", "", "electron-net").map(|dirs| dirs.cache_dir().to_owned())
    });
    if let Some(dir) = cache_dir {
        builder = builder.cache_dir(dir);
    }
    if let Some(path) = &engine.component {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        builder = builder.component(bytes);
    }
    Ok(builder)
}

/// The CLI's runtime: one request at a time, so one thread drives the component and the
/// connections alike.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// An error as Electron shows it: `TypeError: Invalid URL`, `net::ERR_CONNECTION_REFUSED`.
fn electron_message(error: &RequestError) -> String {
    match error.class {
        ErrorClass::TypeError => format!("TypeError: {}", error.message),
        ErrorClass::Error => error.message.clone(),
    }
}
