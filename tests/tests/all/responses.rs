//! IncomingMessage fields and response-body flow (behaviour §9; checklist F26-F28).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use electron_net_host::{Event, RequestOptions};
use electron_net_tests::*;

#[test]
fn status_message_and_http_version_are_reported() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n");
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/"));
    let head = response(&events).unwrap();
    assert_eq!(head.status_code, 404);
    // wasi:http carries no reason phrase: it is synthesized from the code.
    assert_eq!(head.status_message, "Not Found");
    assert_eq!((head.http_version_major, head.http_version_minor), (1, 1));
}

#[test]
fn headers_are_folded_by_electron_rules_and_set_cookie_stays_a_list() {
    let server = Server::start(|_, conn| {
        conn.raw(concat!(
            "HTTP/1.1 200 OK\r\n",
            "Content-Type: text/plain\r\n",
            "Content-Type: text/html\r\n",
            "X-Multi: a\r\n",
            "X-Multi: b\r\n",
            "Set-Cookie: a=1\r\n",
            "Set-Cookie: b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\n",
            "Content-Length: 0\r\n\r\n"
        ));
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/"));
    let head = response(&events).unwrap();
    let folded = |name: &str| {
        head.headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| h.values.clone())
            .unwrap()
    };
    assert_eq!(folded("content-type"), ["text/plain"]);
    assert_eq!(folded("x-multi"), ["a, b"]);
    assert_eq!(
        folded("set-cookie"),
        ["a=1", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT"]
    );
    let raw: Vec<_> = head
        .raw_headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .collect();
    assert_eq!(raw.len(), 2, "raw headers keep every line");
}

#[test]
fn head_204_and_304_have_no_body() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/204" => conn.raw("HTTP/1.1 204 No Content\r\n\r\n"),
            "/304" => conn.raw("HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"),
            _ => conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
        }
        After::KeepAlive
    });
    let client = client();
    for path in ["/204", "/304"] {
        let events = get(&client, &server.url(path));
        assert_eq!(
            names(&events),
            ["finish", "close", "response", "end", "response-close"],
            "{path}"
        );
    }
    let mut head = client
        .request(&options(&server.url("/head"), "HEAD"))
        .unwrap();
    head.end(None).unwrap();
    let events = head.events_until_done().unwrap();
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert!(body(&events).is_empty());
    assert!(
        error_message(&events).is_none(),
        "HEAD reads no body despite Content-Length"
    );
}

#[test]
fn informational_responses_are_skipped() {
    let server = Server::start(|_, conn| {
        conn.raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
        conn.respond(200, &[], "final");
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/"));
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"final");
}

#[test]
fn unread_response_slows_the_server_down() {
    let pushed = Arc::new(AtomicUsize::new(0));
    let counter = pushed.clone();
    let server = Server::start(move |_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 26214400\r\n\r\n");
        let chunk = vec![b'x'; 1024 * 1024];
        conn.stream
            .set_write_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        for _ in 0..25 {
            if std::io::Write::write_all(&mut conn.stream, &chunk).is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
        After::Close
    });
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(None).unwrap();
    // Take the head but never ask for body bytes.
    let mut events = Vec::new();
    while response(&events).is_none() {
        events.extend(request.wait_events(16, 0, 1000).unwrap());
    }
    for _ in 0..30 {
        let batch = request.poll_events(64, 0).unwrap();
        assert!(batch.iter().all(|e| !matches!(e, Event::Data(_))));
        std::thread::sleep(Duration::from_millis(100));
    }
    let accepted = pushed.load(Ordering::SeqCst);
    assert!(
        accepted < 25,
        "the server pushed all {accepted} MiB into a client that does not read"
    );
    // Reading resumes the flow.
    let batch = request.wait_events(64, 64 * 1024, 1000).unwrap();
    assert!(batch.iter().any(|e| matches!(e, Event::Data(_))));
}

#[test]
fn max_bytes_bounds_each_batch_of_body() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], vec![b'y'; 200_000]);
        After::KeepAlive
    });
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(None).unwrap();
    let mut total = 0;
    while !request.is_done().unwrap() {
        for event in request.wait_events(64, 1000, 1000).unwrap() {
            if let Event::Data(bytes) = event {
                assert!(bytes.len() <= 1000, "{}", bytes.len());
                total += bytes.len();
            }
        }
    }
    assert_eq!(total, 200_000);
}

#[test]
fn large_download_arrives_complete() {
    const SIZE: usize = 32 * 1024 * 1024;
    let server = Server::start(|_, conn| {
        conn.raw(format!("HTTP/1.1 200 OK\r\nContent-Length: {SIZE}\r\n\r\n"));
        let chunk: Vec<u8> = (0..65536).map(|i| (i % 253) as u8).collect();
        for _ in 0..SIZE / chunk.len() {
            conn.raw(&chunk);
        }
        After::Close
    });
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.end(None).unwrap();
    let mut received = 0usize;
    let mut checksum = 0u64;
    while !request.is_done().unwrap() {
        for event in request.wait_events(64, 1 << 20, 1000).unwrap() {
            if let Event::Data(bytes) = event {
                for (i, b) in bytes.iter().enumerate() {
                    checksum = checksum
                        .wrapping_add(((received + i) % 65536 % 253) as u64 ^ u64::from(*b));
                }
                received += bytes.len();
            }
        }
    }
    assert_eq!(received, SIZE);
    assert_eq!(checksum, 0, "every byte arrived in order");
}

#[test]
fn concurrent_requests_never_cross_bodies_or_headers() {
    let server = Server::start(|req, conn| {
        let token = req.header("x-token").unwrap_or("none").to_owned();
        conn.respond(
            200,
            &[("X-Echo", &token)],
            format!("{token}:{}", req.body.len()),
        );
        After::KeepAlive
    });
    let client = client();
    let results = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|scope| {
        for worker in 0..10 {
            let client = client.clone();
            let results = results.clone();
            let url = server.url("/");
            scope.spawn(move || {
                for i in 0..10 {
                    let token = format!("t{worker}-{i}");
                    let mut request = client.request(&options(&url, "POST")).unwrap();
                    request.set_header("X-Token", &token).unwrap();
                    request.end(Some(token.as_bytes())).unwrap();
                    let events = request.events_until_done().unwrap();
                    let echo = response(&events)
                        .unwrap()
                        .raw_headers
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case("x-echo"))
                        .map(|(_, v)| v.clone())
                        .unwrap();
                    let body = String::from_utf8(body(&events)).unwrap();
                    results.lock().unwrap().push((token, echo, body));
                }
            });
        }
    });
    let results = results.lock().unwrap();
    assert_eq!(results.len(), 100);
    for (token, echo, body) in results.iter() {
        assert_eq!(echo, token);
        assert_eq!(body, &format!("{token}:{}", token.len()));
    }
}

#[test]
fn sequential_requests_reuse_a_pooled_connection() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let client = client();
    for _ in 0..5 {
        get(&client, &server.url("/"));
    }
    let connections: std::collections::HashSet<_> =
        server.received().iter().map(|r| r.connection).collect();
    assert!(connections.len() <= 2, "{connections:?}");
}

#[test]
fn requests_driven_only_by_non_blocking_polls_complete() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], vec![b'z'; 1024]);
        After::KeepAlive
    });
    let client = client();
    for _ in 0..30 {
        let mut request = client
            .request(&RequestOptions::url(server.url("/")))
            .unwrap();
        request.end(None).unwrap();
        let mut events = Vec::new();
        while !request.is_done().unwrap() {
            events.extend(request.poll_events(64, 1 << 20).unwrap());
        }
        assert_eq!(error_message(&events), None);
        assert_eq!(body(&events).len(), 1024);
    }
}

#[test]
fn a_reader_pausing_longer_than_the_between_bytes_limit_is_not_timed_out() {
    let (resumed, wait_resume) = std::sync::mpsc::channel::<()>();
    let wait_resume = Mutex::new(wait_resume);
    let server = Server::start(move |_, conn| {
        conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst");
        let _ = wait_resume
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(100));
        conn.raw("later");
        After::Close
    });
    let options = RequestOptions {
        timeouts: electron_net_host::Timeouts {
            connect_ms: None,
            first_byte_ms: None,
            between_bytes_ms: Some(400),
            total_ms: None,
        },
        ..RequestOptions::url(server.url("/"))
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let mut events = Vec::new();
    while body(&events).len() < 5 {
        events.extend(request.wait_events(16, 1 << 20, 1000).unwrap());
    }
    // The consumer stops reading for longer than the limit, then comes back.
    request.poll_events(16, 0).unwrap();
    std::thread::sleep(Duration::from_millis(900));
    resumed.send(()).unwrap();
    events.extend(request.events_until_done().unwrap());
    assert_eq!(error_message(&events), None);
    assert_eq!(body(&events), b"firstlater");
}
