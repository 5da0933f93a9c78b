//! Request bodies: buffered vs chunked, backpressure, progress (behaviour §4, §9).

use electron_net_host::{Event, RequestOptions};
use electron_net_tests::*;

fn echo_length_server() -> Server {
    Server::start(|req, conn| {
        let digest = req.body.iter().fold(0u64, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(u64::from(*b))
        });
        conn.respond(200, &[], format!("{} {}", req.body.len(), digest));
        After::KeepAlive
    })
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn expected(body: &[u8]) -> String {
    let digest = body.iter().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(*b))
    });
    format!("{} {}", body.len(), digest)
}

#[test]
fn buffered_body_of_several_megabytes_goes_out_with_content_length() {
    let server = echo_length_server();
    let data = pattern(5 * 1024 * 1024 + 3);
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    for chunk in data.chunks(100_000) {
        assert!(request.write(chunk).unwrap());
    }
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(String::from_utf8(body(&events)).unwrap(), expected(&data));
    let received = &server.received()[0];
    assert!(!received.chunked);
    assert_eq!(received.header("content-length"), Some("5242883"));
}

#[test]
fn chunked_body_of_several_megabytes_streams_with_backpressure() {
    let server = echo_length_server();
    let data = pattern(4 * 1024 * 1024 + 11);
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "PUT")).unwrap();
    request.set_chunked_encoding(true).unwrap();
    let mut events = Vec::new();
    let mut saw_backpressure = false;
    for chunk in data.chunks(256 * 1024) {
        if !request.write(chunk).unwrap() {
            saw_backpressure = true;
            // Wait for drain like a Writable would, collecting what happens meanwhile.
            loop {
                let batch = request.wait_events(64, 0, 1000).unwrap();
                let drained = batch.iter().any(|e| matches!(e, Event::Drain));
                events.extend(batch);
                if drained {
                    break;
                }
            }
        }
    }
    request.end(None).unwrap();
    events.extend(request.events_until_done().unwrap());
    assert!(saw_backpressure, "write() must ask the caller to wait");
    assert_eq!(String::from_utf8(body(&events)).unwrap(), expected(&data));
    let received = &server.received()[0];
    assert!(received.chunked, "streamed as Transfer-Encoding: chunked");
    assert_eq!(received.header("content-length"), None);
    let order = names_without_progress(&events);
    let finish = order.iter().position(|n| *n == "finish").unwrap();
    let response = order.iter().position(|n| *n == "response").unwrap();
    assert!(finish < response, "{order:?}");
}

#[test]
fn chunked_request_starts_on_first_write() {
    let (seen, seen_rx) = std::sync::mpsc::channel();
    let server = Server::start(move |req, conn| {
        seen.send(req.method.clone()).unwrap();
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.set_chunked_encoding(true).unwrap();
    request.write(b"first").unwrap();
    // Headers and the first chunk go out before end(); the server only answers once the body
    // ends, so the request being started shows in the upload progress.
    let mut events = Vec::new();
    while !events.iter().any(|e| matches!(e, Event::UploadProgress(_))) {
        events.extend(request.wait_events(16, 0, 1000).unwrap());
    }
    let progress = request.upload_progress().unwrap();
    assert!(progress.started && progress.active);
    assert_eq!(progress.current, 5.0);
    request.end(Some(b" second")).unwrap();
    events.extend(request.events_until_done().unwrap());
    assert_eq!(seen_rx.recv().unwrap(), "POST");
    assert_eq!(server.received()[0].body, b"first second");
}

#[test]
fn end_without_body_sends_content_length_zero_for_post_and_put_only() {
    let server = echo_length_server();
    let client = client();
    for method in ["POST", "PUT", "GET", "DELETE"] {
        let mut request = client.request(&options(&server.url("/"), method)).unwrap();
        request.end(None).unwrap();
        request.events_until_done().unwrap();
    }
    let received = server.received();
    assert_eq!(received[0].header("content-length"), Some("0"));
    assert_eq!(received[1].header("content-length"), Some("0"));
    assert_eq!(received[2].header("content-length"), None);
    assert_eq!(received[3].header("content-length"), None);
}

#[test]
fn get_with_a_body_is_allowed_and_sent() {
    let server = echo_length_server();
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(Some(b"payload")).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        String::from_utf8(body(&events)).unwrap(),
        expected(b"payload")
    );
    assert_eq!(server.received()[0].method, "GET");
}

#[test]
fn write_after_end_fails_and_the_request_continues() {
    let server = echo_length_server();
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.end(Some(b"abc")).unwrap();
    assert_eq!(
        request.write(b"more").unwrap_err().to_string(),
        "write after end"
    );
    assert_eq!(
        request.end(Some(b"more")).unwrap_err().to_string(),
        "write after end"
    );
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(String::from_utf8(body(&events)).unwrap(), expected(b"abc"));
}

#[test]
fn chunked_encoding_can_be_set_once_and_only_before_start() {
    let server = echo_length_server();
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    assert!(!request.chunked_encoding().unwrap());
    request.set_chunked_encoding(false).unwrap();
    assert_eq!(
        request.set_chunked_encoding(true).unwrap_err().to_string(),
        "chunkedEncoding can only be set once"
    );
    request.end(None).unwrap();
    request.events_until_done().unwrap();

    let mut started = client.request(&options(&server.url("/"), "POST")).unwrap();
    started.end(None).unwrap();
    started.events_until_done().unwrap();
    assert_eq!(
        started.set_chunked_encoding(true).unwrap_err().to_string(),
        "chunkedEncoding can only be set before the request is started"
    );
}

/// Electron drops data written before switching to chunked; this project keeps it (documented).
#[test]
fn data_written_before_switching_to_chunked_is_kept() {
    let server = echo_length_server();
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.write(b"early ").unwrap();
    request.set_chunked_encoding(true).unwrap();
    request.end(Some(b"late")).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        String::from_utf8(body(&events)).unwrap(),
        expected(b"early late")
    );
}

/// Electron crashes here (behaviour §10); the component sends an empty chunked body.
#[test]
fn chunked_end_without_write_sends_an_empty_body() {
    let server = echo_length_server();
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.set_chunked_encoding(true).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(String::from_utf8(body(&events)).unwrap(), expected(b""));
}

#[test]
fn upload_progress_starts_inactive_and_reaches_the_total() {
    let server = echo_length_server();
    let data = pattern(300_000);
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    let before = request.upload_progress().unwrap();
    assert!(!before.active && !before.started);
    assert_eq!((before.current, before.total), (0.0, 0.0));
    request.end(Some(&data)).unwrap();
    let events = request.events_until_done().unwrap();
    let reports: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::UploadProgress(p) => Some(*p),
            _ => None,
        })
        .collect();
    let last = reports.last().expect("at least one progress report");
    assert_eq!((last.current, last.total), (300_000.0, 300_000.0));
    assert!(reports.windows(2).all(|w| w[0].current <= w[1].current));
    let order = names(&events);
    let last_progress = order.iter().rposition(|n| *n == "upload-progress").unwrap();
    let response = order.iter().position(|n| *n == "response").unwrap();
    assert!(
        last_progress < response,
        "final progress comes before the response"
    );
    let after = request.upload_progress().unwrap();
    assert!(after.active && after.started);
    assert_eq!(after.current, 300_000.0);
}

/// A server that answers before the upload ends (an echo streaming back) must not stop the upload:
/// `finish` still comes and every byte makes the round trip.
#[test]
fn chunked_upload_keeps_flowing_after_an_early_response() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
            line.clear();
        }
        writer
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap();
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            std::io::Read::read_exact(&mut reader, &mut chunk).unwrap();
            if size == 0 {
                writer.write_all(b"0\r\n\r\n").unwrap();
                return;
            }
            write!(writer, "{size:x}\r\n").unwrap();
            writer.write_all(&chunk).unwrap();
        }
    });
    let client = client();
    let mut request = client
        .request(&options(&format!("http://127.0.0.1:{port}/"), "POST"))
        .unwrap();
    request.set_chunked_encoding(true).unwrap();
    let mut events = Vec::new();
    let mut sent = Vec::new();
    for i in 0..20u8 {
        let piece = vec![b'a' + i; 1000];
        request.write(&piece).unwrap();
        sent.extend_from_slice(&piece);
        // Let the echo come back while the upload is still going.
        for _ in 0..3 {
            events.extend(request.wait_events(64, 1 << 20, 50).unwrap());
        }
    }
    assert!(
        response(&events).is_some(),
        "the response started before end()"
    );
    request.end(None).unwrap();
    events.extend(request.events_until_done().unwrap());
    assert_eq!(error_message(&events), None);
    assert!(names(&events).contains(&"finish"));
    assert_eq!(body(&events), sent);
}

/// A buffered body is capped at 128 MiB (it is kept whole for redirects and logins): the write
/// that would pass the cap fails with a clear error and is refused, everything accepted before
/// stays, and `end()` still sends exactly that.
#[test]
fn a_buffered_body_over_128_mib_is_refused_and_what_was_accepted_is_sent() {
    let server = echo_length_server();
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    let half = pattern(64 << 20);
    assert!(request.write(&half).unwrap());
    assert!(request.write(&half).unwrap());
    let error = request.write(b"one byte too many").unwrap_err();
    let refused = error.request_error().expect("a request error");
    assert_eq!(
        refused.message,
        "The request body exceeds 128 MiB; send larger bodies with chunkedEncoding"
    );
    assert!(!error.is_type_error());
    // The same from end(data): refused, and the request is still open.
    assert!(request.end(Some(b"x")).is_err());
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    let mut whole = half.clone();
    whole.extend_from_slice(&half);
    assert_eq!(String::from_utf8(body(&events)).unwrap(), expected(&whole));

    // Chunked bodies have no such cap: they are never kept.
    let mut request = client.request(&options(&server.url("/"), "POST")).unwrap();
    request.set_chunked_encoding(true).unwrap();
    for _ in 0..3 {
        if !request.write(&half).unwrap() {
            while !request
                .wait_events(64, 0, 1000)
                .unwrap()
                .iter()
                .any(|event| matches!(event, Event::Drain))
            {}
        }
    }
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert!(
        String::from_utf8(body(&events))
            .unwrap()
            .starts_with(&format!("{} ", 3 * half.len()))
    );
}
