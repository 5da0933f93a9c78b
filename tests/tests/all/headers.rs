//! Request headers (behaviour §3; checklist C12-C13; C14, response headers, is in faults.rs).

use electron_net_host::{Event, RequestOptions};
use electron_net_tests::*;

fn echo_server() -> Server {
    Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    })
}

#[test]
fn set_header_rejects_invalid_names_and_values_with_electron_messages() {
    let client = client();
    let mut request = client
        .request(&RequestOptions::url("http://127.0.0.1/"))
        .unwrap();
    for (name, message) in [
        ("a b", "Invalid header name: 'a b'"),
        ("a:b", "Invalid header name: 'a:b'"),
        ("", "Invalid header name: ''"),
        ("x\r\ny", "Invalid header name: 'x\r\ny'"),
    ] {
        let error = request.set_header(name, "v").unwrap_err();
        assert_eq!(error.to_string(), message);
    }
    for value in ["a\rb", "a\nb", "a\0b"] {
        let error = request.set_header("X-Test", value).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Invalid value for header 'X-Test': '{value}'")
        );
    }
}

#[test]
fn headers_are_case_insensitive_and_keep_their_position() {
    let client = client();
    let mut request = client
        .request(&RequestOptions::url("http://127.0.0.1/"))
        .unwrap();
    request.set_header("X-First", "1").unwrap();
    request.set_header("X-Second", "2").unwrap();
    request.set_header("x-FIRST", "3").unwrap();
    assert_eq!(request.get_header("X-FIRST").unwrap().as_deref(), Some("3"));
    assert_eq!(
        request.header_entries().unwrap(),
        [
            ("x-FIRST".to_owned(), "3".to_owned()),
            ("X-Second".to_owned(), "2".to_owned())
        ]
    );
    request.remove_header("x-second").unwrap();
    assert_eq!(request.get_header("X-Second").unwrap(), None);
}

#[test]
fn headers_go_out_in_insertion_order() {
    let server = echo_server();
    get_with_headers(
        &client(),
        &server.url("/"),
        &[("X-C", "3"), ("X-A", "1"), ("X-B", "2")],
    );
    let received = &server.received()[0];
    let custom: Vec<_> = received
        .headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    assert_eq!(
        custom,
        [
            ("x-c".to_owned(), "3".to_owned()),
            ("x-a".to_owned(), "1".to_owned()),
            ("x-b".to_owned(), "2".to_owned())
        ]
    );
}

#[test]
fn set_header_after_write_or_start_throws() {
    let server = echo_server();
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.write(b"").unwrap();
    assert_eq!(
        request.set_header("X-Late", "1").unwrap_err().to_string(),
        "Can't set headers after they are sent"
    );
    assert_eq!(
        request.remove_header("X-Late").unwrap_err().to_string(),
        "Can't remove headers after they are sent"
    );
    request.end(None).unwrap();
    request.events_until_done().unwrap();
}

fn fails_with_invalid_argument(name: &str, value: &str) {
    let server = echo_server();
    let events = get_with_headers(&client(), &server.url("/"), &[(name, value)]);
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_INVALID_ARGUMENT"),
        "{name}: {value}"
    );
    assert_eq!(names(&events), ["finish", "close", "error"]);
    assert!(
        server.received().is_empty(),
        "{name} must not reach the server"
    );
}

#[test]
fn restricted_headers_fail_the_request_asynchronously() {
    for (name, value) in [
        ("Content-Length", "5"),
        ("Host", "example.com"),
        ("Trailer", "x"),
        ("TE", "trailers"),
        ("Upgrade", "websocket"),
        ("Cookie2", "x"),
        ("Keep-Alive", "5"),
        ("Transfer-Encoding", "chunked"),
        ("Set-Cookie", "a=b"),
        ("Proxy-Authorization", "Basic x"),
        ("Proxy-Whatever", "1"),
        ("Connection", "upgrade"),
        ("X-HTTP-Method-Override", "TRACE"),
        ("X-HTTP-Method", "connect"),
        ("X-Method-Override", "track"),
    ] {
        fails_with_invalid_argument(name, value);
    }
}

#[test]
fn allowed_sensitive_headers_are_sent() {
    let server = echo_server();
    let events = get_with_headers(
        &client(),
        &server.url("/"),
        &[
            ("Authorization", "Bearer t"),
            ("Cookie", "a=b"),
            ("Connection", "close"),
        ],
    );
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = &server.received()[0];
    assert_eq!(received.header("authorization"), Some("Bearer t"));
    assert_eq!(received.header("cookie"), Some("a=b"));
}

/// Decision (checklist C13): `\x01` is accepted by setHeader like Chromium, but wasi:http hosts
/// cannot put it on the wire, so the request fails with ERR_INVALID_ARGUMENT, never a trap.
#[test]
fn control_byte_in_value_is_accepted_then_fails_the_request() {
    fails_with_invalid_argument("X-Control", "a\u{1}b");
}

#[test]
fn non_ascii_values_are_sent_as_utf8() {
    let server = echo_server();
    get_with_headers(&client(), &server.url("/"), &[("X-Name", "Zoë")]);
    assert_eq!(server.received()[0].header("x-name"), Some("Zoë"));
}

#[test]
fn a_thousand_headers_do_not_trap_the_instance() {
    let server = echo_server();
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    for i in 0..1000 {
        request.set_header(&format!("X-H{i}"), "value").unwrap();
    }
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    // Either the server takes it or refuses it; what matters is an event, not a trap.
    assert!(
        response(&events).is_some() || error_message(&events).is_some(),
        "{:?}",
        names(&events)
    );
}

#[test]
fn huge_header_value_gives_an_error_event_not_a_trap() {
    let server = echo_server();
    let events = get_with_headers(
        &client(),
        &server.url("/"),
        &[("X-Big", &"a".repeat(2 * 1024 * 1024))],
    );
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_INVALID_ARGUMENT")
    );
    assert!(matches!(events.last(), Some(Event::Error(_))));
}

#[test]
fn options_headers_are_validated_like_set_header() {
    let options = RequestOptions {
        headers: vec![("Bad Name".into(), "v".into())],
        ..RequestOptions::url("http://127.0.0.1/")
    };
    let error = client().request(&options).err().expect("must throw");
    assert_eq!(error.to_string(), "Invalid header name: 'Bad Name'");
}

#[test]
fn user_agent_is_sent_by_default_and_user_value_wins() {
    let server = echo_server();
    let client = client();
    get(&client, &server.url("/"));
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.set_header("User-Agent", "mine/1").unwrap();
    request.end(None).unwrap();
    request.events_until_done().unwrap();
    let received = server.received();
    assert!(
        received[0]
            .header("user-agent")
            .unwrap()
            .starts_with("electron-net/")
    );
    assert_eq!(received[1].header("user-agent"), Some("mine/1"));
}

#[test]
fn headers_and_encoding_are_fixed_once_end_is_called() {
    let client = client();
    let mut request = client
        .request(&RequestOptions::url("http://127.0.0.1:9/"))
        .unwrap();
    request.end(None).unwrap();
    assert_eq!(
        request.set_header("X-Late", "1").unwrap_err().to_string(),
        "Can't set headers after they are sent"
    );
    assert_eq!(
        request.remove_header("X-Late").unwrap_err().to_string(),
        "Can't remove headers after they are sent"
    );
    assert_eq!(
        request.set_chunked_encoding(true).unwrap_err().to_string(),
        "chunkedEncoding can only be set before the request is started"
    );
}
