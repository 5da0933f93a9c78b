//! The `electron-net` binary end to end: exit codes, Electron's messages, the demo, and a
//! `persist:` partition keeping a login session across two runs.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_electron-net");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("electron-net-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A shared compilation cache, so only the first run compiles the component.
fn electron_net(args: &[&str]) -> Output {
    let cache = std::env::temp_dir().join("electron-net-test-cache");
    Command::new(BIN)
        .args(args)
        .env("ELECTRON_NET_CACHE_DIR", cache)
        .output()
        .expect("run electron-net")
}

/// A loopback server answering every request with `answer(head)`; returns the heads it saw.
fn serve(answer: fn(&str) -> String) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut head = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        head.push_str(&line);
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let response = answer(&head);
                    log.lock().unwrap().push(head);
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, seen)
}

#[test]
fn closed_port_prints_electrons_error_and_exits_1() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = electron_net(&[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("net::ERR_CONNECTION_REFUSED"));
}

#[test]
fn max_time_ends_a_body_that_never_completes() {
    // The server sends part of the body and then nothing more, without closing.
    let (port, _) = serve(|_| "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial".into());
    let output = electron_net(&["-m", "0.5", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("net::ERR_TIMED_OUT"));
    assert_eq!(output.stdout, b"partial");
}

#[test]
fn cacert_takes_a_pem_file_and_refuses_anything_else() {
    let dir = temp_dir("cacert");
    let bogus = dir.join("bogus.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let output = electron_net(&["--cacert", bogus.to_str().unwrap(), "http://127.0.0.1:9/"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid CA certificates"));

    // A real CA file is accepted (the request then fails only for the closed port).
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../js/test/fixtures/ca.pem");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = electron_net(&["--cacert", ca, &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("net::ERR_CONNECTION_REFUSED"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn invalid_url_is_a_usage_error_with_electrons_type_error() {
    let output = electron_net(&["not a url"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("TypeError: Invalid URL"));
}

#[test]
fn demo_runs_offline_and_succeeds() {
    let output = electron_net(&["demo"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn body_goes_to_stdout_and_trace_shows_the_event_order() {
    let (port, _) = serve(|_| "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".into());
    let output = electron_net(&["--trace", &format!("http://127.0.0.1:{port}/")]);
    assert!(output.status.success());
    assert_eq!(output.stdout, b"hello");
    let trace = String::from_utf8_lossy(&output.stderr);
    let finish = trace.find("finish").expect("finish traced");
    let response = trace.find("200").expect("status traced");
    assert!(finish < response, "{trace}");
}

/// Issue 3: `--partition persist:NAME` keeps a login session across two runs.
#[test]
fn persist_partition_keeps_a_login_session_across_runs() {
    let (port, seen) = serve(|head| {
        if !head.contains("authorization: Basic dXNlcjpwYXNz") {
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\n\
             Content-Length: 2\r\n\r\nno"
                .into()
        } else if head.starts_with("GET /login") {
            "HTTP/1.1 200 OK\r\nSet-Cookie: sid=7; Max-Age=3600\r\nContent-Length: 2\r\n\r\nin"
                .into()
        } else {
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain".into()
        }
    });
    let data = temp_dir("persist");
    let data = data.to_str().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let first = electron_net(&[
        "--partition",
        "persist:work",
        "--data-dir",
        data,
        "--use-session-cookies",
        "--user",
        "user:pass",
        &format!("{base}/login"),
    ]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(first.stdout, b"in");
    // No --user this time, and stdin is not a terminal: only the stored session can get in.
    let second = electron_net(&[
        "--partition",
        "persist:work",
        "--data-dir",
        data,
        "--use-session-cookies",
        &format!("{base}/later"),
    ]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(second.stdout, b"again");
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert!(last.contains("cookie: sid=7"), "{last}");
    let listed = electron_net(&[
        "cookies",
        "list",
        "--partition",
        "persist:work",
        "--data-dir",
        data,
    ]);
    assert!(String::from_utf8_lossy(&listed.stdout).starts_with("sid=7; domain=127.0.0.1"));
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn cookies_subcommand_sets_lists_and_removes() {
    let data = temp_dir("cookies");
    let data = data.to_str().unwrap();
    let set = electron_net(&[
        "cookies",
        "set",
        "--url",
        "https://example.com/",
        "--name",
        "a",
        "--value",
        "1",
        "--expires",
        "4102444800",
        "--partition",
        "persist:p",
        "--data-dir",
        data,
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let listed = electron_net(&[
        "cookies",
        "list",
        "--partition",
        "persist:p",
        "--data-dir",
        data,
    ]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.starts_with("a=1; domain=example.com; path=/; hostOnly"),
        "{listed}"
    );
    let refused = electron_net(&[
        "cookies",
        "set",
        "--url",
        "https://example.com/",
        "--name",
        "b",
        "--domain",
        "com",
        "--partition",
        "persist:p",
        "--data-dir",
        data,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    electron_net(&[
        "cookies",
        "remove",
        "--url",
        "https://example.com/",
        "--name",
        "a",
        "--partition",
        "persist:p",
        "--data-dir",
        data,
    ]);
    let listed = electron_net(&[
        "cookies",
        "list",
        "--partition",
        "persist:p",
        "--data-dir",
        data,
    ]);
    assert!(listed.stdout.is_empty());
    let _ = std::fs::remove_dir_all(data);
}

/// Two processes on one data directory: this test's `Sessions` stays open while `electron-net`
/// processes read and write the same `persist:` partition.
#[test]
fn a_running_process_and_the_cli_see_each_others_committed_cookies() {
    use electron_net_host::{CookieDetails, CookieFilter, Sessions};

    let dir = temp_dir("two-processes");
    let data = dir.to_str().unwrap();
    let sessions = Sessions::with_data_dir(&dir).unwrap();
    let cookies = sessions.cookies("persist:shared");
    cookies
        .set(&CookieDetails {
            url: "https://a.test/".into(),
            name: Some("ours".into()),
            value: Some("1".into()),
            expiration_date: Some(4_102_444_800.0),
            ..CookieDetails::default()
        })
        .unwrap();
    let list = || {
        let listed = electron_net(&[
            "cookies",
            "list",
            "--partition",
            "persist:shared",
            "--data-dir",
            data,
        ]);
        assert!(listed.status.success());
        String::from_utf8_lossy(&listed.stdout).into_owned()
    };
    assert!(list().starts_with("ours=1; domain=a.test"), "{}", list());

    let set = electron_net(&[
        "cookies",
        "set",
        "--url",
        "https://a.test/",
        "--name",
        "theirs",
        "--value",
        "2",
        "--expires",
        "4102444800",
        "--partition",
        "persist:shared",
        "--data-dir",
        data,
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let names: Vec<String> = cookies
        .get(&CookieFilter::default())
        .into_iter()
        .map(|cookie| cookie.name)
        .collect();
    assert_eq!(names, ["ours", "theirs"]);

    // A removal in this process reaches the next one too.
    cookies.remove("https://a.test/", "ours");
    assert!(list().starts_with("theirs=2;"), "{}", list());
    assert_eq!(list().lines().count(), 1);
    assert_eq!(sessions.persistence_error(), None);
    drop(sessions);
    let _ = std::fs::remove_dir_all(dir);
}
