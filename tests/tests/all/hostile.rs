//! Slow and hostile servers (issue 13 item 4): every case ends in an error or a clean response
//! within its budget, never in a hang. Budgets are generous: the point is that the request ends,
//! and the timing bounds only tell a working deadline from none at all.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use electron_net_host::{Credentials, Event, RequestOptions, Timeouts};
use electron_net_tests::*;

/// Writes `bytes` one at a time, `interval` apart, until the client goes away.
fn trickle(conn: &mut Conn, bytes: impl IntoIterator<Item = u8>, interval: Duration) {
    for byte in bytes {
        if conn.stream.write_all(&[byte]).is_err() {
            return;
        }
        std::thread::sleep(interval);
    }
}

/// Writes `chunk` over and over until the client goes away.
fn endless(conn: &mut Conn, chunk: &[u8]) {
    while conn.stream.write_all(chunk).is_ok() {}
}

fn with_total(url: String, total_ms: u32) -> RequestOptions {
    RequestOptions {
        timeouts: Timeouts {
            connect_ms: None,
            first_byte_ms: None,
            between_bytes_ms: None,
            total_ms: Some(total_ms),
        },
        ..RequestOptions::url(url)
    }
}

/// Runs `options` to the end and returns the events and how long it took.
fn timed(options: &RequestOptions) -> (Vec<Event>, Duration) {
    let client = client();
    let started = Instant::now();
    let mut request = client.request(options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    (events, started.elapsed())
}

#[test]
fn a_trickled_head_is_cut_off_by_the_total_deadline() {
    // Every byte comes well within the first-byte and between-bytes limits; only the total
    // limit stops a head that never ends.
    let server = Server::start(|_, conn| {
        let head = b"HTTP/1.1 200 OK\r\nX-Slow: ".iter().copied();
        trickle(
            conn,
            head.chain(std::iter::repeat(b'a')),
            Duration::from_millis(20),
        );
        After::Close
    });
    let (events, elapsed) = timed(&with_total(server.url("/"), 800));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_TIMED_OUT")
    );
    assert_eq!(names(&events), ["finish", "close", "error"]);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn a_trickled_body_is_cut_off_by_the_total_deadline_after_its_response() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
        trickle(conn, std::iter::repeat(b'x'), Duration::from_millis(20));
        After::Close
    });
    let (events, elapsed) = timed(&with_total(server.url("/"), 800));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_TIMED_OUT")
    );
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "response",
            "data",
            "error",
            "response-close"
        ]
    );
    assert!(!body(&events).is_empty());
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn a_response_that_never_ends_is_cut_off_by_the_total_deadline() {
    // An endless series of well-formed 16 KiB chunks.
    let chunk = {
        let mut chunk = b"4000\r\n".to_vec();
        chunk.extend(std::iter::repeat_n(b'z', 0x4000));
        chunk.extend(b"\r\n");
        chunk
    };
    let server = Server::start(move |_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        endless(conn, &chunk);
        After::Close
    });
    let (events, elapsed) = timed(&with_total(server.url("/"), 1000));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_TIMED_OUT")
    );
    assert!(body(&events).len() > 0x4000);
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[test]
fn without_a_total_deadline_a_slow_but_finite_body_completes() {
    // The total limit is off by default, as in Electron: a slow download is not an error.
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n");
        trickle(conn, *b"01234567890123456789", Duration::from_millis(50));
        After::Close
    });
    let events = get(&client(), &server.url("/"));
    assert_eq!(body(&events), b"01234567890123456789");
    assert_eq!(names(&events).last(), Some(&"response-close"));
}

#[test]
fn an_endless_header_line_fails_fast() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nX-Endless: ");
        endless(conn, &[b'a'; 8192]);
        After::Close
    });
    let (events, elapsed) = timed(&RequestOptions::url(server.url("/")));
    let message = error_message(&events).unwrap();
    assert!(
        [
            "net::ERR_RESPONSE_HEADERS_TOO_BIG",
            "net::ERR_INVALID_HTTP_RESPONSE"
        ]
        .contains(&message.as_str()),
        "{message}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn an_endless_chunk_size_line_fails_fast() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        endless(conn, &[b'1'; 8192]);
        After::Close
    });
    let (events, elapsed) = timed(&RequestOptions::url(server.url("/")));
    assert_eq!(
        names(&events),
        ["finish", "close", "response", "error", "response-close"]
    );
    assert!(error_message(&events).unwrap().starts_with("net::ERR_"));
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn a_100_mb_set_cookie_fails_fast_and_stores_nothing() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nSet-Cookie: big=");
        let chunk = [b'c'; 64 * 1024];
        for _ in 0..(100 << 20) / chunk.len() {
            if conn.stream.write_all(&chunk).is_err() {
                break;
            }
        }
        conn.raw("\r\nContent-Length: 0\r\n\r\n");
        After::Close
    });
    let sessions = electron_net_host::Sessions::new();
    let client = client_builder()
        .sessions(Arc::new(sessions.clone()))
        .build_blocking()
        .unwrap();
    let started = Instant::now();
    let mut request = client
        .request(&RequestOptions {
            use_session_cookies: true,
            ..RequestOptions::url(server.url("/"))
        })
        .unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_RESPONSE_HEADERS_TOO_BIG")
    );
    assert!(sessions.cookies("").get(&Default::default()).is_empty());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_407_from_a_server_that_is_not_our_proxy_never_reaches_the_credentials_provider() {
    let server = Server::start(|_, conn| {
        conn.respond(
            407,
            &[("Proxy-Authenticate", "Basic realm=\"trap\"")],
            "proxy auth required",
        );
        After::KeepAlive
    });
    let provider = RecordingProvider::always(Credentials {
        username: "never".into(),
        password: "sent".into(),
    });
    let client = client_builder()
        .credentials(provider.clone())
        .build_blocking()
        .unwrap();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert!(provider.calls().is_empty());
    assert!(!events.iter().any(|event| matches!(event, Event::Login(_))));
    assert_eq!(response(&events).unwrap().status_code, 407);
    assert_eq!(body(&events), b"proxy auth required");
    // Only the one request: no retry with credentials.
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.received()[0].header("proxy-authorization"), None);
}

#[test]
fn the_total_deadline_covers_an_upload_into_a_server_that_stops_reading() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        // Accept and never read: the upload fills the socket buffers and stalls.
        let (stream, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(10));
        drop(stream);
    });
    let options = RequestOptions {
        method: Some("POST".into()),
        ..with_total(format!("http://127.0.0.1:{port}/"), 800)
    };
    let client = client();
    let started = Instant::now();
    let mut request = client.request(&options).unwrap();
    request.end(Some(&vec![1u8; 32 << 20])).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_TIMED_OUT")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
