//! The composed artifacts under a stock runtime: `target/components/fetch-gateway.wasm` (the
//! example gateway plugged with the standalone component) served by stock `wasmtime serve`
//! (wasmtime-cli 48, which `scripts/test.sh` installs), fetching from loopback servers. Requests
//! to the gateway go through this crate's own client.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use electron_net_tests::*;

/// `wasmtime serve` on a loopback port, killed when dropped.
struct Serve {
    child: Child,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(component: &str) -> Serve {
        let wasmtime = wasmtime_cli();
        // A port that was free a moment ago: `wasmtime serve` does not report an ephemeral one.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        // `-Scli`: a Rust component's standard library imports wasi:cli (environment, exit,
        // stdio), which `wasmtime serve` links only when asked.
        let mut child = Command::new(&wasmtime)
            .args([
                "serve",
                "-Scli",
                "--addr",
                &format!("127.0.0.1:{port}"),
                component,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", wasmtime.display()));
        // It compiles the component first; it listens once it says so.
        let mut stderr = BufReader::new(child.stderr.take().expect("piped")).lines();
        let mut said = String::new();
        loop {
            match stderr.next() {
                Some(Ok(line)) if line.contains("Serving HTTP") => break,
                Some(Ok(line)) => said.push_str(&line),
                _ => panic!("wasmtime serve exited: {said}"),
            }
        }
        // Later output (a guest's panic message) goes nowhere; the pipe must not fill up.
        std::thread::spawn(move || stderr.for_each(drop));
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "wasmtime serve does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Serve { child, port }
    }

    fn url(&self, target: &str) -> String {
        let mut url = format!("http://127.0.0.1:{}/fetch", self.port);
        if !target.is_empty() {
            url.push_str("?url=");
            url.extend(url_escape(target));
        }
        url
    }

    /// The most resident memory the runtime process ever had, in bytes.
    fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .expect("VmHWM");
        kib * 1024
    }
}

/// A stock command-line tool that `scripts/test.sh` installs: `$ENV_VAR`, else `name` on the PATH
/// or in cargo's bin directory. Its `--version` must start with `version`.
fn tool(name: &str, env_var: &str, version: &str, install: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::var_os(env_var)
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path).map(|dir| dir.join(name)))
        .chain(
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin").join(name)),
        );
    for candidate in candidates {
        if let Ok(output) = Command::new(&candidate).arg("--version").output() {
            let found = String::from_utf8_lossy(&output.stdout);
            assert!(
                found.starts_with(version),
                "{} is {found}; these tests need {version}",
                candidate.display()
            );
            return candidate;
        }
    }
    panic!("{name} is not installed: `{install}` (scripts/test.sh does this)");
}

fn wasmtime_cli() -> PathBuf {
    tool(
        "wasmtime",
        "WASMTIME",
        "wasmtime 48.",
        "cargo install --locked wasmtime-cli@48.0.8",
    )
}

fn url_escape(value: &str) -> impl Iterator<Item = String> + '_ {
    value.bytes().map(|byte| match byte {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
            char::from(byte).to_string()
        }
        _ => format!("%{byte:02X}"),
    })
}

fn gateway() -> Serve {
    Serve::start(electron_net_components::FETCH_GATEWAY_PATH)
}

fn redirect_with_cookie_server() -> Server {
    Server::start(|request, conn| {
        match request.target.as_str() {
            "/start" => conn.respond(302, &[("Location", "/middle")], ""),
            "/middle" => conn.respond(
                302,
                &[("Location", "/end"), ("Set-Cookie", "hop=middle; Path=/")],
                "",
            ),
            _ => conn.respond(200, &[("Content-Type", "text/plain")], "the end"),
        }
        After::KeepAlive
    })
}

fn status(events: &[electron_net_host::Event]) -> u16 {
    response(events).expect("a response").status_code
}

#[test]
fn a_redirect_chain_carries_a_cookie_set_by_one_hop_to_the_next() {
    let upstream = redirect_with_cookie_server();
    let serve = gateway();
    let client = client();
    let events = get(&client, &serve.url(&upstream.url("/start")));
    assert_eq!(status(&events), 200);
    assert_eq!(body(&events), b"the end");
    let head = response(&events).unwrap();
    let content_type = head.headers.iter().find(|h| h.name == "content-type");
    assert_eq!(
        content_type.map(|h| h.values.as_slice()),
        Some(&["text/plain".to_owned()][..])
    );
    // The upstream's cookies stay in the gateway's jar.
    assert!(head.headers.iter().all(|h| h.name != "set-cookie"));

    let received = upstream.received();
    let paths: Vec<&str> = received.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(paths, ["/start", "/middle", "/end"]);
    assert_eq!(received[1].header("cookie"), None);
    assert_eq!(received[2].header("cookie"), Some("hop=middle"));
}

#[test]
fn electron_errors_become_502_and_bad_urls_400_with_electrons_messages() {
    let serve = gateway();
    let client = client();

    let refused = get(
        &client,
        &serve.url(&format!("http://127.0.0.1:{}/", closed_port())),
    );
    assert_eq!(status(&refused), 502);
    assert_eq!(body(&refused), b"net::ERR_CONNECTION_REFUSED\n");

    for target in ["", "not a url", "ftp://example.com/"] {
        let events = get(&client, &serve.url(target));
        assert_eq!(status(&events), 400, "{target:?}");
        let expected: &[u8] = if target.starts_with("ftp") {
            b"ClientRequest only supports http: and https: protocols\n"
        } else {
            b"TypeError: Invalid URL\n"
        };
        assert_eq!(body(&events), expected, "{target:?}");
    }
}

#[test]
fn a_64_mib_body_streams_through_in_flat_memory() {
    const SIZE: usize = 64 << 20;
    let payload: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let upstream = Server::start(move |_, conn| {
        conn.respond(
            200,
            &[("Content-Type", "application/octet-stream")],
            &payload,
        );
        After::Close
    });
    let serve = gateway();
    let client = client();
    // One small transfer first, so the peak below is the runtime's, not its start-up's.
    let small = Server::start(|_, conn| {
        conn.respond(200, &[], "warm");
        After::Close
    });
    assert_eq!(body(&get(&client, &serve.url(&small.url("/")))), b"warm");
    let before = serve.peak_rss();

    let events = get(&client, &serve.url(&upstream.url("/big")));
    assert_eq!(status(&events), 200);
    let received = body(&events);
    assert_eq!(received.len(), SIZE);
    assert!(
        received
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i % 251) as u8)
    );
    let growth = serve.peak_rss().saturating_sub(before);
    assert!(
        growth < 24 << 20,
        "wasmtime serve's peak RSS grew by {} MiB for a {} MiB body",
        growth >> 20,
        SIZE >> 20
    );
}

/// README "Composing", as written: `wac compose components/standalone.wac` with the three
/// components, then `wac plug` of the result into the unplugged gateway, served by
/// `wasmtime serve`.
#[test]
fn the_readme_wac_commands_compose_a_working_gateway() {
    let wac = tool(
        "wac",
        "WAC",
        "wac-cli 0.12.",
        "cargo install --locked wac-cli@0.12.0",
    );
    let components = std::path::Path::new(electron_net_components::CLIENT_PATH)
        .parent()
        .expect("target/components");
    let out = std::env::temp_dir().join(format!("electron-net-wac-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let output = Command::new(&wac).args(args).output().expect("run wac");
        assert!(
            output.status.success(),
            "wac {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let standalone = out.join("my-standalone.wasm");
    let dep =
        |name: &str, file: &str| format!("electron-net:{name}={}", components.join(file).display());
    let (client_dep, session_dep, credentials_dep) = (
        dep("client", "electron-net-client.wasm"),
        dep("session", "electron-net-session.wasm"),
        dep("credentials", "electron-net-credentials-decline.wasm"),
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../components/standalone.wac");
    run(&[
        "compose".as_ref(),
        script.as_ref(),
        "-o".as_ref(),
        standalone.as_os_str(),
        "--dep".as_ref(),
        client_dep.as_ref(),
        "--dep".as_ref(),
        session_dep.as_ref(),
        "--dep".as_ref(),
        credentials_dep.as_ref(),
    ]);
    let composed = out.join("composed.wasm");
    let unplugged = components.join("fetch-gateway-unplugged.wasm");
    run(&[
        "plug".as_ref(),
        "--plug".as_ref(),
        standalone.as_os_str(),
        unplugged.as_os_str(),
        "-o".as_ref(),
        composed.as_os_str(),
    ]);

    let upstream = redirect_with_cookie_server();
    let serve = Serve::start(composed.to_str().expect("a UTF-8 temp path"));
    let events = get(&client(), &serve.url(&upstream.url("/start")));
    assert_eq!(status(&events), 200);
    assert_eq!(body(&events), b"the end");
    assert_eq!(upstream.received()[2].header("cookie"), Some("hop=middle"));
    let _ = std::fs::remove_dir_all(&out);
}
