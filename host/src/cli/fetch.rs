//! `electron-net URL`: one request, curl-style.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use console::Term;
use directories::ProjectDirs;
use electron_net_host::{
    AuthInfo, CredentialProvider, Credentials, ErrorCode, Event, Network, Proxy, RedirectInfo,
    RequestError, RequestOptions, ResponseHead, Sessions, Timeouts,
};

use super::progress::Progress;
use super::transfer::{self, Body, Reaction};
use super::{EXIT_FAILED, EXIT_USAGE, EngineArgs, electron_message, trace};

/// `--fail` and a status of 400 or more, as curl's `-f`.
const EXIT_HTTP_ERROR: u8 = 22;

#[derive(Args)]
pub struct RequestArgs {
    /// The URL to request (http: or https:)
    #[arg(required = true)]
    url: Option<String>,

    /// Request method [default: GET, or POST when a body is given]
    #[arg(short = 'X', long)]
    method: Option<String>,

    /// Add a request header (repeatable)
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,

    /// Send STRING as the request body
    #[arg(short = 'd', long, value_name = "STRING", group = "body")]
    data: Option<String>,

    /// Send the file's contents as the request body ('-' reads stdin)
    #[arg(long, value_name = "PATH", group = "body")]
    data_file: Option<PathBuf>,

    /// Stream the body with Transfer-Encoding: chunked as it is read, pausing whenever write()
    /// asks to wait for 'drain', instead of sending it in one piece with Content-Length
    #[arg(long, requires = "body")]
    chunked: bool,

    /// follow: follow redirects (each is shown by --trace); error: fail on a redirect; manual:
    /// do not follow, report the redirect (with -i, its status and headers) and exit 0, as
    /// Electron does when the 'redirect' handler does not call followRedirect()
    #[arg(long, value_name = "MODE", default_value = "follow",
          value_parser = ["follow", "error", "manual"])]
    redirect: String,

    /// With --redirect manual: call followRedirect() on every redirect, as a handler would
    #[arg(long)]
    follow_manual: bool,

    /// Session partition for cookies and accepted credentials; a persist:NAME partition keeps
    /// them in the data directory across runs [default: the default session, in memory]
    #[arg(long, value_name = "NAME")]
    partition: Option<String>,

    /// Route the partition's requests through this HTTP proxy (http://[USER:PASSWORD@]HOST:PORT);
    /// a proxy that asks for credentials is answered from the URL or, on a terminal, a prompt
    #[arg(short = 'x', long, value_name = "URL")]
    proxy: Option<String>,

    /// Also trust the CA certificates in this PEM file, as curl's --cacert does (the compiled-in
    /// webpki roots stay trusted)
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,

    /// Where persist: partitions are kept [default: the user's data directory]
    #[arg(long, value_name = "DIR", env = "ELECTRON_NET_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Electron's credentials mode (cookies and server authentication)
    #[arg(long, value_name = "MODE", value_parser = ["include", "omit", "same-origin"])]
    credentials: Option<String>,

    /// Send and store the session's cookies (Electron's useSessionCookies)
    #[arg(long)]
    use_session_cookies: bool,

    /// Answer the URL's own server's login with these credentials (never another host's after a
    /// redirect; curl does the same). Without ':PASSWORD' the password is prompted for. Without
    /// --user, logins are prompted for on a terminal and declined otherwise, which delivers the
    /// 401 as the response.
    #[arg(short = 'u', long, value_name = "USER[:PASSWORD]")]
    user: Option<String>,

    /// The initiator's origin (Sec-Fetch-Site, same-origin credentials, SameSite cookies)
    /// [default: the URL's own origin]
    #[arg(long, value_name = "ORIGIN")]
    origin: Option<String>,

    /// Give up connecting after SECONDS (0: never) [default: 30]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    connect_timeout: Option<u32>,

    /// Give up when the server is silent for SECONDS, waiting for the response head or between
    /// two pieces of the body (0: never) [default: 300]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<u32>,

    /// Give up on the whole transfer after SECONDS, redirects and body included, like curl's
    /// --max-time (0: never) [default: never]
    #[arg(short = 'm', long, value_name = "SECONDS", value_parser = parse_seconds)]
    max_time: Option<u32>,

    /// Print every event, in order, to stderr ('>' request, '<' response, '*' other)
    #[arg(long)]
    trace: bool,

    /// Print the response status line and headers before the body
    #[arg(short = 'i', long)]
    include: bool,

    /// Write the response to FILE (created when the response starts) instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// When the status is 400 or more, print no body and exit 22
    #[arg(short = 'f', long)]
    fail: bool,

    #[command(flatten)]
    engine: EngineArgs,
}

pub(super) enum Failure {
    Usage(String),
    Failed(anyhow::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Failed(error) => write!(f, "{error:#}"),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure::Failed(error.into())
    }
}

pub fn run(args: RequestArgs) -> ExitCode {
    let fetched = super::runtime()
        .map_err(Failure::from)
        .and_then(|runtime| runtime.block_on(fetch(args)));
    match fetched {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("electron-net: {message}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Failed(error)) => {
            eprintln!("electron-net: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

async fn fetch(mut args: RequestArgs) -> Result<ExitCode, Failure> {
    let url = args
        .url
        .take()
        .expect("clap requires the URL when there is no subcommand");
    let manual = args.redirect == "manual";
    if args.follow_manual && !manual {
        return Err(Failure::Usage(
            "--follow-manual needs --redirect manual".into(),
        ));
    }
    // Where prompts can be both shown and answered.
    let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
    let user = match &args.user {
        Some(_) => Some(UserCredentials::new(&url, &args, interactive)?),
        None => None,
    };
    let has_body = args.data.is_some() || args.data_file.is_some();
    let default_method = if has_body { "POST" } else { "GET" };
    let method = args.method.take().unwrap_or_else(|| default_method.into());
    let options = RequestOptions {
        method: Some(method),
        headers: args.headers,
        partition: args.partition,
        credentials: args.credentials,
        use_session_cookies: args.use_session_cookies,
        redirect: Some(args.redirect),
        origin: args.origin,
        timeouts: Timeouts {
            connect_ms: args.connect_timeout,
            first_byte_ms: args.timeout,
            between_bytes_ms: args.timeout,
            total_ms: args.max_time,
        },
        ..RequestOptions::url(url)
    };

    let answers_logins = user.is_some();
    let mut builder = super::client_builder(&args.engine)?;
    if user.is_some() || interactive {
        builder = builder.credentials(Arc::new(CliCredentials {
            user,
            prompt_for_proxy: interactive,
        }));
    }
    if let Some(path) = args.cacert.take() {
        let pem = std::fs::read(&path)
            .map_err(|error| Failure::Usage(format!("reading {}: {error}", path.display())))?;
        let network = Network::builder()
            .add_root_certificates_pem(&pem)
            .map_err(|error| Failure::Usage(format!("{}: {error}", path.display())))?
            .build();
        builder = builder.network(network);
    }
    let proxy = match args.proxy.take() {
        Some(proxy) => Some(
            proxy
                .parse::<Proxy>()
                .map_err(|error| Failure::Usage(error.to_string()))?,
        ),
        None => None,
    };
    // Opening the store costs time, so only requests in a persist: partition pay for it.
    let persistent = options
        .partition
        .as_ref()
        .is_some_and(|p| p.starts_with("persist:"));
    let sessions = if persistent {
        Some(Sessions::with_data_dir(data_dir(args.data_dir.take())?)?)
    } else if proxy.is_some() {
        Some(Sessions::new())
    } else {
        None
    };
    if let (Some(sessions), Some(proxy)) = (&sessions, proxy) {
        sessions.set_proxy(options.partition.as_deref().unwrap_or(""), Some(proxy));
    }
    if let Some(sessions) = &sessions {
        builder = builder.sessions(Arc::new(sessions.clone()));
    }
    let client = builder.build()?;
    let mut request =
        client
            .request(&options)
            .await
            .map_err(|error| match error.request_error() {
                Some(error) => Failure::Usage(electron_message(error)),
                None => error.into(),
            })?;
    // Read only now, so that arguments Electron rejects fail before stdin is consumed.
    let body = body(args.data, args.data_file, args.chunked)?;

    let body_to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let mut progress =
        Progress::new(!args.trace && io::stderr().is_terminal() && !body_to_terminal);
    let mut output = Output {
        path: args.output,
        sink: None,
    };
    let mut error = None;
    let mut refused_status = None;
    let mut unfollowed_redirect = None;
    let result = transfer::drive(&mut request, body, |event| {
        if args.trace {
            for line in trace::lines(&event) {
                eprintln!("{line}");
            }
        }
        Ok(match event {
            Event::Response(head) if args.fail && head.status_code >= 400 => {
                refused_status = Some(trace::status_line(&head));
                Reaction::Abort
            }
            Event::Response(head) => {
                progress.download(content_length(&head));
                if args.include {
                    output.write(response_head(&head).as_bytes())?;
                }
                Reaction::Nothing
            }
            Event::Data(bytes) if refused_status.is_none() => {
                output.write(&bytes)?;
                progress.received(bytes.len() as u64);
                Reaction::Nothing
            }
            Event::Redirect(_) if manual && args.follow_manual => Reaction::FollowRedirect,
            Event::Redirect(info) if manual => {
                if args.include {
                    output.write(redirect_head(&info).as_bytes())?;
                }
                unfollowed_redirect = Some(info);
                Reaction::Nothing
            }
            Event::Login(info) => {
                // A login reaching us under --user means the server rejected those credentials
                // or another host asks: decline, so the 401 is delivered.
                let answer = if interactive && !answers_logins {
                    progress.suspend(|| prompt_login(&info))?
                } else {
                    None
                };
                Reaction::AnswerLogin(answer)
            }
            Event::UploadProgress(upload) => {
                let total = (!args.chunked).then_some(upload.total as u64);
                progress.upload(upload.current as u64, total);
                Reaction::Nothing
            }
            Event::Error(request_error) => {
                error = Some(request_error);
                Reaction::Nothing
            }
            _ => Reaction::Nothing,
        })
    })
    .await;
    progress.finish();
    result?;
    if let Some(sessions) = sessions {
        // The process ends after this request: a write kept after a failure gets its last
        // chance now.
        if let Err(error) = sessions.flush_store() {
            let error = anyhow::Error::from(error);
            eprintln!("electron-net: warning: the session could not be saved: {error:#}");
        } else if let Some(warning) = sessions.persistence_error() {
            eprintln!("electron-net: warning: {warning}");
        }
    }

    Ok(outcome(
        error,
        unfollowed_redirect,
        refused_status,
        args.trace,
    ))
}

/// Reports how the request ended and picks the exit status.
fn outcome(
    error: Option<RequestError>,
    unfollowed_redirect: Option<RedirectInfo>,
    refused_status: Option<String>,
    trace: bool,
) -> ExitCode {
    match (error, unfollowed_redirect) {
        // Not following is what --redirect manual asked for, not a failure.
        (Some(error), Some(info)) if matches!(error.code, ErrorCode::RedirectCancelled) => {
            if !trace {
                eprintln!(
                    "electron-net: not following the {} redirect to {} (--redirect manual)",
                    info.status_code, info.url
                );
            }
            ExitCode::SUCCESS
        }
        (Some(error), _) => {
            eprintln!("electron-net: {}", electron_message(&error));
            ExitCode::from(EXIT_FAILED)
        }
        (None, _) => match refused_status {
            Some(status) => {
                eprintln!("electron-net: the server answered {status}");
                ExitCode::from(EXIT_HTTP_ERROR)
            }
            None => ExitCode::SUCCESS,
        },
    }
}

pub(super) fn data_dir(chosen: Option<PathBuf>) -> Result<PathBuf, Failure> {
    let default =
        || ProjectDirs::from("", "", "electron-net").map(|dirs| dirs.data_dir().to_owned());
    chosen.or_else(default).ok_or_else(|| {
        Failure::Usage("no data directory for persist: partitions; use --data-dir".into())
    })
}

/// `Name: value`, either side trimmed. The component validates the name and value, with
/// Electron's messages.
fn parse_header(header: &str) -> Result<(String, String), String> {
    let (name, value) = header.split_once(':').ok_or("expected 'Name: value'")?;
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

/// Seconds, fractions allowed, as the milliseconds the timeouts record takes.
fn parse_seconds(seconds: &str) -> Result<u32, String> {
    let millis = seconds
        .parse::<f64>()
        .map(|seconds| (seconds * 1000.0).round())
        .map_err(|_| format!("'{seconds}' is not a number of seconds"))?;
    if !(0.0..=f64::from(u32::MAX)).contains(&millis) {
        return Err(format!("{seconds} seconds is out of range"));
    }
    Ok(millis as u32)
}

fn body(data: Option<String>, file: Option<PathBuf>, chunked: bool) -> Result<Body, Failure> {
    let mut source: Box<dyn Read> = match (data, file) {
        (Some(data), _) => Box::new(io::Cursor::new(data.into_bytes())),
        (None, Some(path)) if path.as_os_str() == "-" => Box::new(io::stdin()),
        (None, Some(path)) => match File::open(&path) {
            Ok(file) => Box::new(file),
            Err(error) => return Err(Failure::Usage(format!("{}: {error}", path.display()))),
        },
        (None, None) => return Ok(Body::Empty),
    };
    if chunked {
        return Ok(Body::Chunked(source));
    }
    let mut data = Vec::new();
    source
        .read_to_end(&mut data)
        .context("reading the request body")?;
    Ok(Body::Buffered(data))
}

/// `--user`, offered only to the requested URL's own host and port: after a redirect to another
/// server that server gets a `login` event of its own (security checklist A.4). The library's
/// `StaticCredentials` does the same; this one also reports its answers under `--trace`.
struct UserCredentials {
    host: String,
    port: u16,
    credentials: Credentials,
    /// Shows the answers under `--trace`, since they never become `login` events.
    trace: bool,
}

impl UserCredentials {
    fn new(url: &str, args: &RequestArgs, interactive: bool) -> Result<UserCredentials, Failure> {
        let user = args.user.as_deref().unwrap_or_default();
        let (username, password) = match user.split_once(':') {
            Some((username, password)) => (username.to_owned(), password.to_owned()),
            None if interactive => {
                eprint!("Password for {user}: ");
                let password = Term::stderr().read_secure_line()?;
                (user.to_owned(), password)
            }
            None => {
                return Err(Failure::Usage(
                    "--user needs USER:PASSWORD when stdin is not a terminal".into(),
                ));
            }
        };
        // An unparsable URL fails later with Electron's own error.
        let url = url::Url::parse(url).ok();
        Ok(UserCredentials {
            host: url
                .as_ref()
                .and_then(|url| url.host_str())
                .unwrap_or_default()
                .to_owned(),
            port: url
                .and_then(|url| url.port_or_known_default())
                .unwrap_or_default(),
            credentials: Credentials { username, password },
            trace: args.trace,
        })
    }
}

impl UserCredentials {
    fn answer(&self, info: &AuthInfo) -> Option<Credentials> {
        let own_server = !info.is_proxy && info.host == self.host && info.port == self.port;
        if own_server && self.trace {
            eprintln!("* answering the {} login from --user", info.scheme);
        }
        own_server.then(|| self.credentials.clone())
    }
}

/// The CLI's answers to challenges the host sees first: `--user` for the URL's own server, and a
/// terminal prompt for a proxy (server logins without `--user` arrive as `login` events).
struct CliCredentials {
    user: Option<UserCredentials>,
    prompt_for_proxy: bool,
}

impl CredentialProvider for CliCredentials {
    fn provide_credentials(
        &self,
        _: &str,
        _: &str,
        info: &AuthInfo,
        _: u32,
    ) -> Option<Credentials> {
        if info.is_proxy {
            return if self.prompt_for_proxy {
                prompt_login(info).ok().flatten()
            } else {
                None
            };
        }
        self.user.as_ref().and_then(|user| user.answer(info))
    }
}

/// Asks on the terminal; an empty user name declines (the 401 is delivered).
fn prompt_login(info: &AuthInfo) -> io::Result<Option<Credentials>> {
    let who = if info.is_proxy { "Proxy" } else { "Server" };
    eprintln!(
        "{who} {}:{} asks for {} credentials (realm \"{}\").",
        info.host, info.port, info.scheme, info.realm
    );
    eprint!("User name (empty to decline): ");
    let mut username = String::new();
    io::stdin().read_line(&mut username)?;
    let username = username.trim_end_matches(['\r', '\n']).to_owned();
    if username.is_empty() {
        return Ok(None);
    }
    eprint!("Password: ");
    let password = Term::stderr().read_secure_line()?;
    Ok(Some(Credentials { username, password }))
}

fn content_length(head: &ResponseHead) -> Option<u64> {
    let header = head
        .headers
        .iter()
        .find(|header| header.name == "content-length")?;
    header.values.first()?.parse().ok()
}

/// What `-i` prints: the head as received, then a blank line.
fn response_head(head: &ResponseHead) -> String {
    let mut text = trace::status_line(head) + "\n";
    for (name, value) in &head.raw_headers {
        text += &format!("{name}: {value}\n");
    }
    text + "\n"
}

/// What `-i` prints for a redirect that is not followed; the component reports its headers by
/// lowercase name and no reason phrase, so the `http` crate supplies the canonical one.
fn redirect_head(info: &RedirectInfo) -> String {
    let reason = http::StatusCode::from_u16(info.status_code)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or_default();
    let mut text = format!("HTTP/1.1 {} {reason}\n", info.status_code);
    for header in &info.headers {
        for value in &header.values {
            text += &format!("{}: {value}\n", header.name);
        }
    }
    text + "\n"
}

/// Stdout, or a file created when the response starts, so a request that fails before that
/// leaves no empty file behind.
struct Output {
    path: Option<PathBuf>,
    sink: Option<Box<dyn Write>>,
}

impl Output {
    /// Writes and flushes at once, so a slowly streamed response shows up as it arrives.
    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let sink: Box<dyn Write> = match self.sink.take() {
            Some(sink) => sink,
            None => match &self.path {
                Some(path) => Box::new(
                    File::create(path).with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(io::stdout().lock()),
            },
        };
        let sink = self.sink.insert(sink);
        sink.write_all(bytes)
            .and_then(|()| sink.flush())
            .context("writing the response")
    }
}
