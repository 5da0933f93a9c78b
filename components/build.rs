//! Builds the project's components for `wasm32-wasip2` and composes them, so that `cargo build`
//! and `cargo test` need no other step. Cargo's artifact dependencies are nightly-only, hence one
//! nested `cargo build` of every component crate, always release and built for size, in a target
//! directory shared by every profile of the host and by the JavaScript package's build.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

/// The files under `components/`, each with the variable `src/lib.rs` reads its path from.
const CLIENT_FILE: (&str, &str) = ("electron-net-client.wasm", "ELECTRON_NET_CLIENT");
const SESSION_FILE: (&str, &str) = ("electron-net-session.wasm", "ELECTRON_NET_SESSION");
const CREDENTIALS_FILE: (&str, &str) = (
    "electron-net-credentials-decline.wasm",
    "ELECTRON_NET_CREDENTIALS_DECLINE",
);
const STANDALONE_FILE: (&str, &str) = ("electron-net-standalone.wasm", "ELECTRON_NET_STANDALONE");
const GATEWAY_FILE: (&str, &str) = ("fetch-gateway.wasm", "ELECTRON_NET_FETCH_GATEWAY");
/// The example before the standalone component is plugged in (no variable: only wac reads it).
const UNPLUGGED_GATEWAY: &str = "fetch-gateway-unplugged.wasm";

/// The component crates and the file each becomes under `components/`.
const CRATES: [(&str, &str); 4] = [
    ("electron-net-guest", CLIENT_FILE.0),
    ("electron-net-session-component", SESSION_FILE.0),
    ("electron-net-credentials-decline", CREDENTIALS_FILE.0),
    ("fetch-gateway", UNPLUGGED_GATEWAY),
];

const TYPES: &str = "electron:net/types@0.1.0";
const CLIENT: &str = "electron:net/client@0.1.0";
const SESSION: &str = "electron:net/session@0.1.0";
const COOKIE_ADMIN: &str = "electron:net/cookie-admin@0.1.0";
const CREDENTIALS: &str = "electron:net/credentials@0.1.0";

fn main() -> Result<()> {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").context("set by cargo")?);
    let root = manifest_dir
        .parent()
        .context("components/ lives in the workspace")?;
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_relative() {
                root.join(dir)
            } else {
                dir
            }
        })
        .unwrap_or_else(|| root.join("target"));
    let out = target.join("components");

    for path in [
        "guest",
        "session",
        "session-component",
        "credentials-decline",
        "examples/fetch-gateway",
        "wit",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }

    let built = build(root, &target.join("wasm-build"))?;
    fs::create_dir_all(&out)?;
    for (krate, file) in CRATES {
        let from = built.join(format!("{}.wasm", krate.replace('-', "_")));
        fs::copy(&from, out.join(file)).with_context(|| format!("copying {}", from.display()))?;
    }

    let standalone = out.join(STANDALONE_FILE.0);
    fs::write(&standalone, compose_standalone(&out)?)?;
    fs::write(
        out.join(GATEWAY_FILE.0),
        plug(&out.join(UNPLUGGED_GATEWAY), &standalone)?,
    )?;

    for (file, var) in [
        CLIENT_FILE,
        SESSION_FILE,
        CREDENTIALS_FILE,
        STANDALONE_FILE,
        GATEWAY_FILE,
    ] {
        println!("cargo:rustc-env={var}={}", out.join(file).display());
    }
    Ok(())
}

/// One nested `cargo build` of every component crate; returns the directory of the `.wasm` files.
fn build(root: &Path, target_dir: &Path) -> Result<PathBuf> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip2",
        ])
        .arg("--target-dir")
        .arg(target_dir)
        // Built small, whatever profile builds the host: size is what a component is shipped at.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort");
    for (krate, _) in CRATES {
        command.args(["-p", krate]);
    }
    // Flags, wrappers (clippy's check-only driver) and targets meant for the host must not leak in.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .context("running cargo for the components")?;
    anyhow::ensure!(
        status.success(),
        "building the components failed; run `rustup target add wasm32-wasip2` if the target is missing"
    );
    Ok(target_dir.join("wasm32-wasip2/release"))
}

/// The standalone component: the client with the session provider and the declining credentials
/// provider as its `session` and `credentials`. Every other import of the three (wasi:http,
/// clocks, streams, ...) becomes an import of the whole.
fn compose_standalone(dir: &Path) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let client = register(&mut graph, "electron-net:client", &dir.join(CLIENT_FILE.0))?;
    let session = register(
        &mut graph,
        "electron-net:session",
        &dir.join(SESSION_FILE.0),
    )?;
    let credentials = register(
        &mut graph,
        "electron-net:credentials",
        &dir.join(CREDENTIALS_FILE.0),
    )?;

    // The session provider defines the shared types for everyone (see its world).
    let session = graph.instantiate(session);
    let credentials = graph.instantiate(credentials);
    connect(&mut graph, session, credentials, TYPES)?;
    let client = graph.instantiate(client);
    connect(&mut graph, session, client, TYPES)?;
    connect(&mut graph, session, client, SESSION)?;
    connect(&mut graph, credentials, client, CREDENTIALS)?;
    export(&mut graph, session, TYPES)?;
    export(&mut graph, client, CLIENT)?;
    export(&mut graph, session, COOKIE_ADMIN)?;
    encode(&graph)
}

/// What `wac plug --plug <plug> <socket>` does: the socket's imports that the plug exports come
/// from an instance of the plug; the socket's exports are the result's.
fn plug(socket: &Path, plug: &Path) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let socket = register(&mut graph, "electron-net:socket", socket)?;
    let plug = register(&mut graph, "electron-net:plug", plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket)?;
    encode(&graph)
}

fn register(graph: &mut CompositionGraph, name: &str, path: &Path) -> Result<PackageId> {
    let package = Package::from_file(name, None, path, graph.types_mut())
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(graph.register_package(package)?)
}

fn connect(graph: &mut CompositionGraph, from: NodeId, to: NodeId, name: &str) -> Result<()> {
    let export = graph.alias_instance_export(from, name)?;
    graph
        .set_instantiation_argument(to, name, export)
        .with_context(|| format!("plugging {name}"))
}

fn export(graph: &mut CompositionGraph, from: NodeId, name: &str) -> Result<()> {
    let export = graph.alias_instance_export(from, name)?;
    graph
        .export(export, name)
        .with_context(|| format!("exporting {name}"))
}

fn encode(graph: &CompositionGraph) -> Result<Vec<u8>> {
    Ok(graph.encode(EncodeOptions {
        define_components: true,
        validate: true,
        ..EncodeOptions::default()
    })?)
}
