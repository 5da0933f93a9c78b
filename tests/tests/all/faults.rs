//! Server faults and Chromium's error names (behaviour §8; checklist C14-C15, F25-F26).

use std::io::Read;
use std::time::{Duration, Instant};

use electron_net_host::{Network, RequestOptions, Timeouts};
use electron_net_tests::*;

fn error_of(url: &str) -> String {
    error_message(&get(&client(), url)).expect("an error event")
}

#[test]
fn server_closing_before_any_response_is_empty_response() {
    let server = Server::start(|_, _conn| After::Close);
    assert_eq!(error_of(&server.url("/")), "net::ERR_EMPTY_RESPONSE");
}

#[test]
fn connection_reset_before_response_is_connection_reset() {
    let server = Server::start(|_, conn| {
        let stream = conn.stream.try_clone().unwrap();
        Conn { stream }.reset();
        After::Close
    });
    assert_eq!(error_of(&server.url("/")), "net::ERR_CONNECTION_RESET");
}

#[test]
fn body_shorter_than_content_length_is_content_length_mismatch() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        After::Close
    });
    let events = get(&client(), &server.url("/"));
    assert_eq!(body(&events), b"abc");
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_CONTENT_LENGTH_MISMATCH")
    );
}

#[test]
fn truncated_chunked_body_is_incomplete_chunked_encoding() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nwor");
        After::Close
    });
    let events = get(&client(), &server.url("/"));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_INCOMPLETE_CHUNKED_ENCODING")
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
}

#[test]
fn server_killing_an_upload_fails_with_a_connection_error() {
    let server = Server::start(|_, _| After::Close);
    // The harness reads whole requests, so answer a huge upload by slamming the door early.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut first = [0u8; 4096];
        let _ = stream.read(&mut first);
        Conn { stream }.reset();
    });
    drop(server);
    let client = client();
    let mut request = client
        .request(&options(&format!("http://127.0.0.1:{port}/"), "POST"))
        .unwrap();
    request.end(Some(&vec![7u8; 8 * 1024 * 1024])).unwrap();
    let events = request.events_until_done().unwrap();
    let message = error_message(&events).unwrap();
    assert!(
        [
            "net::ERR_CONNECTION_RESET",
            "net::ERR_CONNECTION_ABORTED",
            "net::ERR_FAILED",
            "net::ERR_EMPTY_RESPONSE"
        ]
        .contains(&message.as_str()),
        "{message}"
    );
}

#[test]
fn unresolvable_host_is_name_not_resolved() {
    assert_eq!(
        error_of("http://does-not-exist.invalid/"),
        "net::ERR_NAME_NOT_RESOLVED"
    );
}

#[test]
fn slow_first_byte_times_out_within_the_budget() {
    let server = Server::start(|_, conn| {
        std::thread::sleep(Duration::from_secs(3));
        conn.respond(200, &[], "late");
        After::Close
    });
    let options = RequestOptions {
        timeouts: Timeouts {
            connect_ms: None,
            first_byte_ms: Some(300),
            between_bytes_ms: None,
            total_ms: None,
        },
        ..RequestOptions::url(server.url("/"))
    };
    let client = client();
    let started = Instant::now();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_TIMED_OUT")
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up before the server answered"
    );
}

#[test]
fn stalled_body_times_out_between_bytes() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");
        std::thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let options = RequestOptions {
        timeouts: Timeouts {
            connect_ms: None,
            first_byte_ms: None,
            between_bytes_ms: Some(300),
            total_ms: None,
        },
        ..RequestOptions::url(server.url("/"))
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_TIMED_OUT")
    );
    assert_eq!(body(&events), b"some");
}

#[test]
fn two_different_content_lengths_are_an_error() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
        After::Close
    });
    let message = error_of(&server.url("/"));
    assert!(
        message == "net::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH"
            || message == "net::ERR_INVALID_HTTP_RESPONSE",
        "{message}"
    );
}

#[test]
fn two_different_locations_are_an_error() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 302 Found\r\nLocation: /a\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n");
        After::Close
    });
    assert_eq!(
        error_of(&server.url("/")),
        "net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION"
    );
}

#[test]
fn response_with_150_headers_and_200_set_cookie_lines_arrives_intact() {
    let server = Server::start(|_, conn| {
        let mut head = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..150 {
            head.push_str(&format!("X-Header-{i}: {i}\r\n"));
        }
        for i in 0..200 {
            head.push_str(&format!("Set-Cookie: c{i}=v{i}; Path=/\r\n"));
        }
        head.push_str("Content-Length: 2\r\n\r\nok");
        conn.raw(head);
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/"));
    let head = response(&events).expect("response");
    let set_cookie = head
        .headers
        .iter()
        .find(|h| h.name == "set-cookie")
        .expect("set-cookie");
    assert_eq!(set_cookie.values.len(), 200);
    assert_eq!(set_cookie.values[199], "c199=v199; Path=/");
    assert_eq!(
        head.headers
            .iter()
            .filter(|h| h.name.starts_with("x-header-"))
            .count(),
        150
    );
}

#[test]
fn oversized_response_head_is_response_headers_too_big() {
    let server = Server::start(|_, conn| {
        let mut head = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..400 {
            head.push_str(&format!("X-Big-{i}: {}\r\n", "v".repeat(1000)));
        }
        head.push_str("Content-Length: 0\r\n\r\n");
        conn.raw(head);
        After::Close
    });
    assert_eq!(
        error_of(&server.url("/")),
        "net::ERR_RESPONSE_HEADERS_TOO_BIG"
    );
}

#[test]
fn garbage_instead_of_http_is_invalid_http_response() {
    let server = Server::start(|_, conn| {
        conn.raw("SSH-2.0-OpenSSH\r\n\r\n");
        After::Close
    });
    assert_eq!(error_of(&server.url("/")), "net::ERR_INVALID_HTTP_RESPONSE");
}

#[test]
fn network_policy_denial_is_blocked_by_client() {
    struct DenyAll;
    impl electron_net_host::NetworkPolicy for DenyAll {
        fn allow(&self, _: &http::request::Parts) -> bool {
            false
        }
    }
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "no");
        After::KeepAlive
    });
    let network = Network::builder()
        .policy(std::sync::Arc::new(DenyAll))
        .build();
    let client = client_builder().network(network).build_blocking().unwrap();
    let events = get(&client, &server.url("/"));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_BLOCKED_BY_CLIENT")
    );
    assert!(server.received().is_empty());
}

#[test]
fn only_if_cached_is_a_cache_miss_without_touching_the_network() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "no");
        After::KeepAlive
    });
    let options = RequestOptions {
        cache: Some("only-if-cached".into()),
        ..RequestOptions::url(server.url("/"))
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_CACHE_MISS")
    );
    assert!(server.received().is_empty());
}
