//! Electron's event order table (behaviour §5): what users get, row by row.

use std::sync::mpsc;
use std::time::Duration;

use electron_net_host::{Event, RequestOptions};
use electron_net_tests::*;

#[test]
fn get_success_emits_finish_close_response_data_end_close() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[("Content-Type", "text/plain")], "hello");
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/"));
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    assert_eq!(body(&events), b"hello");
    let head = response(&events).unwrap();
    assert_eq!(head.status_code, 200);
    assert_eq!(head.status_message, "OK");
}

#[test]
fn connection_refused_emits_finish_close_error() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let events = get(&client(), &url);
    assert_eq!(names(&events), ["finish", "close", "error"]);
    assert_eq!(
        error_message(&events).unwrap(),
        "net::ERR_CONNECTION_REFUSED"
    );
}

#[test]
fn abort_before_end_emits_abort_close() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "unexpected");
        After::KeepAlive
    });
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.write(b"partial").unwrap();
    request.abort().unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(names(&events), ["abort", "close"]);
    assert!(server.received().is_empty(), "nothing may be sent");
}

#[test]
fn abort_after_end_before_response_emits_finish_close_abort() {
    let (arrived, wait_arrival) = mpsc::channel();
    let (_release, hold) = mpsc::channel::<()>();
    let hold = std::sync::Mutex::new(hold);
    let server = Server::start(move |_, _conn| {
        arrived.send(()).unwrap();
        // Never answer: the client aborts while waiting for the head.
        let _ = hold.lock().unwrap().recv_timeout(Duration::from_secs(5));
        After::Close
    });
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(None).unwrap();
    let mut events = request.poll_events(16, 0).unwrap();
    wait_arrival.recv_timeout(Duration::from_secs(10)).unwrap();
    request.abort().unwrap();
    events.extend(request.events_until_done().unwrap());
    assert_eq!(names(&events), ["finish", "close", "abort"]);
}

#[test]
fn abort_after_response_started_closes_response_without_end_or_error() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nfirst bytes");
        std::thread::sleep(Duration::from_secs(2));
        After::Close
    });
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(None).unwrap();
    let mut events = drive_until(&mut request, |e| matches!(e, Event::Response(_)));
    request.abort().unwrap();
    events.extend(request.events_until_done().unwrap());
    let names = names(&events);
    assert_eq!(
        names,
        ["finish", "close", "response", "abort", "response-close"]
    );
}

#[test]
fn abort_is_emitted_at_most_once_and_nothing_follows_the_last_close() {
    let client = client();
    let mut request = client
        .request(&RequestOptions::url("http://127.0.0.1:9/"))
        .unwrap();
    request.abort().unwrap();
    request.abort().unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(names(&events), ["abort", "close"]);
    request.abort().unwrap();
    assert!(request.poll_events(16, 1024).unwrap().is_empty());
    assert!(request.is_done().unwrap());
}

#[test]
fn body_failing_mid_stream_errors_request_then_closes_response() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much");
        After::Close
    });
    let events = get(&client(), &server.url("/"));
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
    assert_eq!(
        error_message(&events).unwrap(),
        "net::ERR_CONTENT_LENGTH_MISMATCH"
    );
}

#[test]
fn buffered_post_reports_finish_at_end_before_any_network_activity() {
    let server = Server::start(|req, conn| {
        conn.respond(200, &[], format!("{}", req.body.len()));
        After::KeepAlive
    });
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.write(b"abc").unwrap();
    request.end(Some(b"def")).unwrap();
    let first = request.poll_events(2, 0).unwrap();
    assert_eq!(names(&first), ["finish", "close"]);
    let rest = request.events_until_done().unwrap();
    assert_eq!(body(&rest), b"6");
}
