//! `electron-net cookies`: Electron's `session.cookies` (get, set, remove) for a `persist:`
//! partition, the only kind that outlives a run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use electron_net_host::{Cookie, CookieDetails, CookieFilter, SameSite, Sessions};

use super::{EXIT_FAILED, EXIT_USAGE};

/// What to do with the partition's cookies.
#[derive(Args)]
pub struct CookiesArgs {
    #[command(subcommand)]
    action: Action,
    /// The partition; only persist:NAME partitions keep cookies between runs
    #[arg(
        long,
        value_name = "NAME",
        global = true,
        default_value = "persist:default"
    )]
    partition: String,
    /// Where persist: partitions are kept [default: the user's data directory]
    #[arg(long, value_name = "DIR", env = "ELECTRON_NET_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Action {
    /// List cookies (cookies.get), one per line, in the order a request would send them
    List {
        /// Only cookies that would be sent to this URL
        #[arg(long)]
        url: Option<String>,
        /// Only this name
        #[arg(long)]
        name: Option<String>,
        /// Only this domain or its subdomains
        #[arg(long)]
        domain: Option<String>,
    },
    /// Set a cookie (cookies.set)
    Set {
        /// The URL the cookie is for (default domain and path; https allows Secure)
        #[arg(long)]
        url: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        value: String,
        /// Domain attribute; without it the cookie is host-only
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        path: Option<String>,
        #[arg(long)]
        secure: bool,
        #[arg(long)]
        http_only: bool,
        /// Expiry in seconds since the UNIX epoch; without it a session cookie, which a persist:
        /// partition does not keep
        #[arg(long, value_name = "SECONDS")]
        expires: Option<f64>,
        #[arg(long, value_name = "MODE",
              value_parser = ["unspecified", "no_restriction", "lax", "strict"])]
        same_site: Option<String>,
    },
    /// Remove the cookie NAME that would be sent to URL (cookies.remove)
    Remove {
        #[arg(long)]
        url: String,
        #[arg(long)]
        name: String,
    },
}

pub fn run(args: CookiesArgs) -> ExitCode {
    if !args.partition.starts_with("persist:") {
        eprintln!(
            "electron-net: only persist: partitions keep cookies between runs; \
             use --partition persist:NAME"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let sessions = match super::fetch::data_dir(args.data_dir)
        .map_err(|failure| failure.to_string())
        .and_then(|dir| {
            // `{:#}` prints the cause after the error, e.g. SQLite's reason.
            Sessions::with_data_dir(dir)
                .map_err(|error| format!("{:#}", anyhow::Error::from(error)))
        }) {
        Ok(sessions) => sessions,
        Err(message) => {
            eprintln!("electron-net: {message}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let cookies = sessions.cookies(&args.partition);
    match args.action {
        Action::List { url, name, domain } => {
            let filter = CookieFilter {
                url,
                name,
                domain,
                ..CookieFilter::default()
            };
            for cookie in cookies.get(&filter) {
                println!("{}", describe(&cookie));
            }
        }
        Action::Set {
            url,
            name,
            value,
            domain,
            path,
            secure,
            http_only,
            expires,
            same_site,
        } => {
            let details = CookieDetails {
                url,
                name: Some(name),
                value: Some(value),
                domain,
                path,
                secure: secure.then_some(true),
                http_only: Some(http_only),
                expiration_date: expires,
                same_site: same_site.as_deref().map(same_site_from),
            };
            if let Err(rejection) = cookies.set(&details) {
                eprintln!("electron-net: {rejection}");
                return ExitCode::from(EXIT_FAILED);
            }
        }
        Action::Remove { url, name } => cookies.remove(&url, &name),
    }
    // The process ends here: a write kept after a failure gets its last chance now.
    if let Err(error) = sessions.flush_store() {
        eprintln!("electron-net: {:#}", anyhow::Error::from(error));
        return ExitCode::from(EXIT_FAILED);
    }
    if let Some(warning) = sessions.persistence_error() {
        eprintln!("electron-net: warning: {warning}");
    }
    ExitCode::SUCCESS
}

fn same_site_from(name: &str) -> SameSite {
    match name {
        "no_restriction" => SameSite::NoRestriction,
        "lax" => SameSite::Lax,
        "strict" => SameSite::Strict,
        _ => SameSite::Unspecified,
    }
}

/// One line in Electron's vocabulary: `name=value; domain=…; path=…; flags; sameSite=…`.
fn describe(cookie: &Cookie) -> String {
    let mut line = format!(
        "{}={}; domain={}; path={}",
        cookie.name, cookie.value, cookie.domain, cookie.path
    );
    if cookie.host_only {
        line += "; hostOnly";
    }
    if cookie.secure {
        line += "; secure";
    }
    if cookie.http_only {
        line += "; httpOnly";
    }
    match cookie.expiration_date {
        Some(date) => line += &format!("; expirationDate={date}"),
        None => line += "; session",
    }
    let same_site = match cookie.same_site {
        SameSite::Unspecified => "unspecified",
        SameSite::NoRestriction => "no_restriction",
        SameSite::Lax => "lax",
        SameSite::Strict => "strict",
    };
    line + "; sameSite=" + same_site
}
