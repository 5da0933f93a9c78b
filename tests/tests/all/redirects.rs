//! Redirects (behaviour §5-§6, §10; security checklist A1-A3, A5-A8, B9-B11).

use electron_net_host::{Event, RedirectInfo, RequestOptions};
use electron_net_tests::*;

/// Creates a request from `options` and ends it with `body`.
fn send(client: &Client, options: &RequestOptions, body: Option<&[u8]>) -> ClientRequest {
    let mut request = client.request(options).expect("request");
    request.end(body).expect("end");
    request
}

/// `options` with extra request headers.
fn with_headers(mut options: RequestOptions, headers: &[(&str, &str)]) -> RequestOptions {
    options.headers = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    options
}

fn redirects(events: &[Event]) -> Vec<&RedirectInfo> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Redirect(info) => Some(info),
            _ => None,
        })
        .collect()
}

/// Every value the redirect event lists for `name`.
fn redirect_header<'a>(info: &'a RedirectInfo, name: &str) -> Option<&'a [String]> {
    info.headers
        .iter()
        .find(|h| h.name == name)
        .map(|h| h.values.as_slice())
}

fn targets(server: &Server) -> Vec<String> {
    server.received().into_iter().map(|r| r.target).collect()
}

/// The port in the request's `Host` header: lets a handler redirect to itself under another name.
fn port_of(req: &Received) -> u16 {
    let host = req.header("host").expect("host header");
    host.rsplit(':').next().unwrap().parse().expect("port")
}

/// A server that answers `/start` with a `status` redirect to `location`, and anything else with
/// 200 `landed`.
fn redirecting_server(status: u16, location: &'static str) -> Server {
    Server::start(move |req, conn| {
        if req.target == "/start" {
            conn.respond(status, &[("Location", location)], "");
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    })
}

#[test]
fn follow_mode_emits_redirect_with_status_method_absolute_url_and_headers_then_follows() {
    let server = Server::start(|req, conn| {
        if req.target == "/start" {
            conn.respond(
                302,
                &[
                    ("Location", "/next?x=1"),
                    ("X-Multi", "a"),
                    ("X-Multi", "b"),
                ],
                "",
            );
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/start"));
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "redirect",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    let info = redirects(&events)[0];
    assert_eq!(info.status_code, 302);
    assert_eq!(info.method, "GET");
    assert_eq!(info.url, server.url("/next?x=1"));
    assert_eq!(redirect_header(info, "location").unwrap(), ["/next?x=1"]);
    assert_eq!(redirect_header(info, "x-multi").unwrap(), ["a", "b"]);
    for header in &info.headers {
        assert_eq!(header.name, header.name.to_ascii_lowercase());
    }
    let head = response(&events).unwrap();
    assert_eq!(head.status_code, 200);
    assert_eq!(head.url, server.url("/next?x=1"));
    assert_eq!(body(&events), b"landed");
    assert_eq!(targets(&server), ["/start", "/next?x=1"]);
}

#[test]
fn should_not_follow_redirect_when_request_is_aborted_in_redirect_handler() {
    let server = redirecting_server(302, "/next");
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/start")), None);
    let events = drive_with(&mut request, |request, event| {
        if let Event::Redirect(_) = event {
            request.abort().unwrap();
        }
    });
    assert_eq!(names(&events), ["finish", "close", "redirect", "abort"]);
    assert_eq!(targets(&server), ["/start"]);
}

#[test]
fn should_not_follow_redirect_if_redirect_mode_is_error() {
    let server = redirecting_server(302, "/next");
    let options = RequestOptions {
        redirect: Some("error".into()),
        ..RequestOptions::url(server.url("/start"))
    };
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(names(&events), ["finish", "close", "error"]);
    assert_eq!(
        error_message(&events).unwrap(),
        "Attempted to redirect, but redirect policy was 'error'"
    );
    assert_eq!(targets(&server), ["/start"]);
}

#[test]
fn manual_mode_follows_when_follow_redirect_is_called_in_the_handler() {
    let server = redirecting_server(301, "/next");
    let options = RequestOptions {
        redirect: Some("manual".into()),
        ..RequestOptions::url(server.url("/start"))
    };
    let client = client();
    let mut request = send(&client, &options, None);
    let events = drive_with(&mut request, |request, event| {
        if let Event::Redirect(_) = event {
            request.follow_redirect().unwrap();
        }
    });
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "redirect",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    let info = redirects(&events)[0];
    assert_eq!(info.status_code, 301);
    assert_eq!(info.url, server.url("/next"));
    assert_eq!(body(&events), b"landed");
    assert_eq!(targets(&server), ["/start", "/next"]);
}

#[test]
fn manual_mode_without_follow_redirect_fails_with_redirect_was_cancelled() {
    let server = redirecting_server(302, "/next");
    let options = RequestOptions {
        redirect: Some("manual".into()),
        ..RequestOptions::url(server.url("/start"))
    };
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(names(&events), ["finish", "close", "redirect", "error"]);
    assert_eq!(error_message(&events).unwrap(), "Redirect was cancelled");
    assert_eq!(targets(&server), ["/start"]);
}

#[test]
fn manual_mode_abort_in_the_handler_emits_abort_without_redirect_was_cancelled() {
    let server = redirecting_server(302, "/next");
    let options = RequestOptions {
        redirect: Some("manual".into()),
        ..RequestOptions::url(server.url("/start"))
    };
    let client = client();
    let mut request = send(&client, &options, None);
    let events = drive_with(&mut request, |request, event| {
        if let Event::Redirect(_) = event {
            request.abort().unwrap();
        }
    });
    assert_eq!(names(&events), ["finish", "close", "redirect", "abort"]);
    assert_eq!(error_message(&events), None);
    assert_eq!(targets(&server), ["/start"]);
}

#[test]
fn follow_redirect_outside_the_redirect_handler_throws() {
    let server = redirecting_server(302, "/next");
    let expected = "followRedirect() called, but was not waiting for a redirect";
    let options = RequestOptions {
        redirect: Some("manual".into()),
        ..RequestOptions::url(server.url("/start"))
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    // Before anything was sent.
    let early = request.follow_redirect().unwrap_err();
    assert_eq!(early.to_string(), expected);
    request.end(None).unwrap();
    let mut seen = drive_until(&mut request, |e| matches!(e, Event::Redirect(_)));
    // The next poll decides the redirect: too late afterwards.
    seen.extend(request.events_until_done().unwrap());
    assert_eq!(names(&seen), ["finish", "close", "redirect", "error"]);
    let late = request.follow_redirect().unwrap_err();
    assert_eq!(late.to_string(), expected);
    assert!(late.request_error().is_some());
    assert_eq!(targets(&server), ["/start"]);
}

/// Electron (`net-client-request.ts`): "Calling followRedirect() when the redirect policy is
/// 'follow' is allowed but does nothing"; the WIT fails it only "when no redirect event is
/// pending".
#[test]
fn follow_redirect_in_the_handler_under_follow_mode_is_allowed_and_does_nothing() {
    let server = redirecting_server(302, "/next");
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/start")), None);
    let mut outcome = None;
    let events = drive_with(&mut request, |request, event| {
        if let Event::Redirect(_) = event {
            outcome = Some(request.follow_redirect().map_err(|e| e.to_string()));
        }
    });
    assert_eq!(outcome, Some(Ok(())));
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "redirect",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    assert_eq!(targets(&server), ["/start", "/next"]);
}

/// Electron's manual-mode callback only sets a flag, so a second call in the same handler is
/// harmless; the redirect is still pending then.
#[test]
fn follow_redirect_twice_in_the_handler_under_manual_mode_follows_once() {
    let server = redirecting_server(302, "/next");
    let options = RequestOptions {
        redirect: Some("manual".into()),
        ..RequestOptions::url(server.url("/start"))
    };
    let client = client();
    let mut request = send(&client, &options, None);
    let mut outcomes = Vec::new();
    let events = drive_with(&mut request, |request, event| {
        if let Event::Redirect(_) = event {
            outcomes.push(request.follow_redirect().map_err(|e| e.to_string()));
            outcomes.push(request.follow_redirect().map_err(|e| e.to_string()));
        }
    });
    assert_eq!(outcomes, [Ok(()), Ok(())]);
    assert_eq!(body(&events), b"landed");
    assert_eq!(targets(&server), ["/start", "/next"]);
}

#[test]
fn post_on_301_and_302_becomes_get_without_body_or_body_headers() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/301" => conn.respond(301, &[("Location", "/next")], ""),
            "/302" => conn.respond(302, &[("Location", "/next")], ""),
            _ => conn.respond(200, &[], "landed"),
        }
        After::KeepAlive
    });
    let client = client();
    for status in [301, 302] {
        let options = with_headers(
            options(&server.url(&format!("/{status}")), "POST"),
            &[
                ("Content-Type", "text/plain"),
                ("Content-Encoding", "identity"),
                ("Content-Language", "en"),
                ("Content-Location", "/doc"),
                ("X-Custom", "kept"),
            ],
        );
        let events = send(&client, &options, Some(b"payload"))
            .events_until_done()
            .unwrap();
        assert_eq!(error_message(&events), None, "{status}");
        assert_eq!(redirects(&events)[0].method, "GET", "{status}");
        assert_eq!(response(&events).unwrap().status_code, 200, "{status}");
        let received = server.received();
        let first = &received[received.len() - 2];
        assert_eq!(first.method, "POST");
        assert_eq!(first.body, b"payload");
        assert_eq!(first.header("content-type"), Some("text/plain"));
        let second = received.last().unwrap();
        assert_eq!(second.method, "GET", "{status}");
        assert_eq!(second.target, "/next", "{status}");
        assert!(second.body.is_empty(), "{status}");
        for name in [
            "content-length",
            "content-type",
            "content-encoding",
            "content-language",
            "content-location",
            "transfer-encoding",
            "origin",
        ] {
            assert_eq!(second.header(name), None, "{status}: {name}");
        }
        assert_eq!(second.header("x-custom"), Some("kept"), "{status}");
    }
}

#[test]
fn put_on_302_stays_put_with_its_body() {
    let server = redirecting_server(302, "/next");
    let options = with_headers(
        options(&server.url("/start"), "PUT"),
        &[("Content-Type", "text/plain")],
    );
    let events = send(&client(), &options, Some(b"the document"))
        .events_until_done()
        .unwrap();
    assert_eq!(redirects(&events)[0].method, "PUT");
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].method, "PUT");
    assert_eq!(received[1].target, "/next");
    assert_eq!(received[1].body, b"the document");
    assert_eq!(received[1].header("content-length"), Some("12"));
    assert_eq!(received[1].header("content-type"), Some("text/plain"));
}

#[test]
fn see_other_turns_every_method_but_head_into_get() {
    let server = Server::start(|req, conn| {
        if req.target == "/303" {
            conn.respond(303, &[("Location", "/next")], "");
        } else {
            conn.respond(200, &[], "");
        }
        After::KeepAlive
    });
    let client = client();
    for (method, body, new_method) in [
        ("DELETE", Some(&b"gone"[..]), "GET"),
        ("PUT", Some(&b"data"[..]), "GET"),
        ("POST", Some(&b"form"[..]), "GET"),
        ("HEAD", None, "HEAD"),
    ] {
        let events = send(&client, &options(&server.url("/303"), method), body)
            .events_until_done()
            .unwrap();
        assert_eq!(error_message(&events), None, "{method}");
        assert_eq!(redirects(&events)[0].method, new_method, "{method}");
        assert_eq!(response(&events).unwrap().status_code, 200, "{method}");
        let received = server.received();
        let first = &received[received.len() - 2];
        assert_eq!(first.method, method);
        let last = received.last().unwrap();
        assert_eq!(last.method, new_method, "{method}");
        assert_eq!(last.target, "/next", "{method}");
        assert!(last.body.is_empty(), "{method}");
        assert_eq!(last.header("content-length"), None, "{method}");
    }
}

#[test]
fn redirects_307_and_308_resend_a_buffered_body_unchanged() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/307" => conn.respond(307, &[("Location", "/next")], ""),
            "/308" => conn.respond(308, &[("Location", "/next")], ""),
            _ => conn.respond(200, &[], "landed"),
        }
        After::KeepAlive
    });
    let payload: Vec<u8> = (0..6000u32).map(|i| (i * 7 % 251) as u8).collect();
    let client = client();
    for status in [307, 308] {
        let options = with_headers(
            options(&server.url(&format!("/{status}")), "POST"),
            &[("Content-Type", "application/octet-stream")],
        );
        let events = send(&client, &options, Some(&payload))
            .events_until_done()
            .unwrap();
        assert_eq!(error_message(&events), None, "{status}");
        let info = redirects(&events)[0];
        assert_eq!(info.status_code, status);
        assert_eq!(info.method, "POST");
        assert_eq!(response(&events).unwrap().status_code, 200);
        let received = server.received();
        let first = &received[received.len() - 2];
        let second = received.last().unwrap();
        assert_eq!(first.body, payload, "{status}");
        assert_eq!(second.method, "POST", "{status}");
        assert_eq!(second.target, "/next", "{status}");
        assert_eq!(second.body, payload, "{status}");
        assert_eq!(second.header("content-length"), Some("6000"), "{status}");
        assert_eq!(
            second.header("content-type"),
            Some("application/octet-stream"),
            "{status}"
        );
    }
}

#[test]
fn redirect_307_or_308_with_a_streamed_body_fails_instead_of_resending_it_empty() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/307" => conn.respond(307, &[("Location", "/next")], ""),
            "/308" => conn.respond(308, &[("Location", "/next")], ""),
            _ => conn.respond(200, &[], "landed"),
        }
        After::KeepAlive
    });
    let client = client();
    for status in [307, 308] {
        let mut request = client
            .request(&options(&server.url(&format!("/{status}")), "POST"))
            .unwrap();
        request.set_chunked_encoding(true).unwrap();
        request.write(b"chunk one, ").unwrap();
        request.write(b"chunk two").unwrap();
        request.end(None).unwrap();
        let events = request.events_until_done().unwrap();
        assert_eq!(
            error_message(&events).as_deref(),
            Some("net::ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED"),
            "{status}: {:?}",
            names(&events)
        );
        assert!(response(&events).is_none(), "{status}");
        assert_eq!(names(&events).last(), Some(&"error"));
    }
    let received = server.received();
    assert_eq!(targets(&server), ["/307", "/308"]);
    for request in &received {
        assert!(request.chunked);
        assert_eq!(request.body, b"chunk one, chunk two");
    }
}

#[test]
fn redirect_to_a_non_http_scheme_fails_with_unsafe_redirect_and_fetches_nothing() {
    let server = Server::start(|req, conn| {
        let port = port_of(req);
        let location = match req.target.as_str() {
            "/to/file" => "file:///etc/passwd".to_owned(),
            "/to/data" => "data:text/plain,hello".to_owned(),
            "/to/about" => "about:blank".to_owned(),
            "/to/blob" => format!("blob:http://127.0.0.1:{port}/fetched-blob"),
            "/to/filesystem" => format!("filesystem:http://127.0.0.1:{port}/temporary/fetched"),
            "/to/ftp" => format!("ftp://127.0.0.1:{port}/fetched-ftp"),
            _ => {
                conn.respond(200, &[], "should never be fetched");
                return After::KeepAlive;
            }
        };
        conn.respond(302, &[("Location", &location)], "");
        After::KeepAlive
    });
    let client = client();
    let schemes = ["file", "data", "about", "blob", "filesystem", "ftp"];
    for scheme in schemes {
        let events = get(&client, &server.url(&format!("/to/{scheme}")));
        assert_eq!(names(&events), ["finish", "close", "error"], "{scheme}");
        assert_eq!(
            error_message(&events).unwrap(),
            "net::ERR_UNSAFE_REDIRECT",
            "{scheme}"
        );
    }
    let expected: Vec<String> = schemes.iter().map(|s| format!("/to/{s}")).collect();
    assert_eq!(targets(&server), expected);
}

#[test]
fn unparsable_location_fails_with_invalid_redirect() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/bracket" => conn.respond(302, &[("Location", "http://[::1")], ""),
            "/port" => conn.respond(302, &[("Location", "http://127.0.0.1:99999/")], ""),
            _ => conn.respond(200, &[], "landed"),
        }
        After::KeepAlive
    });
    let client = client();
    for path in ["/bracket", "/port"] {
        let events = get(&client, &server.url(path));
        assert_eq!(names(&events), ["finish", "close", "error"], "{path}");
        assert_eq!(
            error_message(&events).unwrap(),
            "net::ERR_INVALID_REDIRECT",
            "{path}"
        );
    }
    assert_eq!(targets(&server), ["/bracket", "/port"]);
}

#[test]
fn redirect_status_without_location_is_delivered_as_the_response() {
    let server = Server::start(|req, conn| {
        let status = req.target[1..].parse().unwrap();
        conn.respond(
            status,
            &[("X-Status", &req.target[1..])],
            "no location here",
        );
        After::KeepAlive
    });
    let client = client();
    for status in [301u16, 302, 303, 307, 308] {
        let events = get(&client, &server.url(&format!("/{status}")));
        assert_eq!(
            names(&events),
            [
                "finish",
                "close",
                "response",
                "data",
                "end",
                "response-close"
            ],
            "{status}"
        );
        assert_eq!(response(&events).unwrap().status_code, status);
        assert_eq!(body(&events), b"no location here");
    }
    assert_eq!(server.received().len(), 5);
}

/// `/chain/LIMIT/N` redirects to `/chain/LIMIT/N+1` until N reaches LIMIT.
fn chain_server() -> Server {
    Server::start(|req, conn| {
        let parts: Vec<u32> = req
            .target
            .trim_start_matches("/chain/")
            .split('/')
            .map(|p| p.parse().unwrap())
            .collect();
        let (limit, n) = (parts[0], parts[1]);
        if n < limit {
            let next = format!("/chain/{limit}/{}", n + 1);
            conn.respond(302, &[("Location", &next)], "");
        } else {
            conn.respond(200, &[], "end of chain");
        }
        After::KeepAlive
    })
}

#[test]
fn twenty_redirects_are_followed() {
    let server = chain_server();
    let events = get(&client(), &server.url("/chain/20/0"));
    assert_eq!(error_message(&events), None);
    assert_eq!(redirects(&events).len(), 20);
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(response(&events).unwrap().url, server.url("/chain/20/20"));
    assert_eq!(body(&events), b"end of chain");
    assert_eq!(server.received().len(), 21);
}

#[test]
fn the_twenty_first_redirect_fails_with_too_many_redirects() {
    let server = chain_server();
    let events = get(&client(), &server.url("/chain/21/0"));
    assert_eq!(
        error_message(&events).unwrap(),
        "net::ERR_TOO_MANY_REDIRECTS"
    );
    assert_eq!(redirects(&events).len(), 20);
    assert!(response(&events).is_none());
    assert_eq!(names(&events).last(), Some(&"error"));
    // The 21st redirect response was received but not followed.
    assert_eq!(server.received().len(), 21);
    assert_eq!(server.received().last().unwrap().target, "/chain/21/20");
}

#[test]
fn relative_locations_resolve_against_the_current_url() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/a/b/start" => conn.respond(302, &[("Location", "../c/next?q=1")], ""),
            "/a/c/next?q=1" => conn.respond(302, &[("Location", "?r=2")], ""),
            _ => conn.respond(200, &[], "landed"),
        }
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/a/b/start"));
    let urls: Vec<&str> = redirects(&events).iter().map(|i| i.url.as_str()).collect();
    assert_eq!(
        urls,
        [server.url("/a/c/next?q=1"), server.url("/a/c/next?r=2")]
    );
    assert_eq!(response(&events).unwrap().url, server.url("/a/c/next?r=2"));
    assert_eq!(
        targets(&server),
        ["/a/b/start", "/a/c/next?q=1", "/a/c/next?r=2"]
    );
}

#[test]
fn location_with_encoded_crlf_in_the_path_cannot_inject_a_header() {
    let server = Server::start(|req, conn| {
        if req.target == "/start" {
            conn.respond(
                302,
                &[("Location", "/next%0D%0AX-Injected:%20yes%0D%0A%0D%0A")],
                "",
            );
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/start"));
    assert_eq!(error_message(&events), None);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].target,
        "/next%0D%0AX-Injected:%20yes%0D%0A%0D%0A"
    );
    assert_eq!(received[1].header("x-injected"), None);
    let url = &redirects(&events)[0].url;
    assert!(!url.bytes().any(|b| b.is_ascii_control()), "{url:?}");
}

#[test]
fn location_with_crlf_or_encoded_slash_in_the_host_fails_with_invalid_redirect() {
    let server = Server::start(|req, conn| {
        let port = port_of(req);
        let location = match req.target.as_str() {
            "/crlf" => format!("http://127.0.0.1%0D%0AX-Injected:%20yes:{port}/"),
            "/slash" => format!("http://localhost%2F.127.0.0.1:{port}/evil"),
            "/slash2" => format!("http://127.0.0.1%2Fevil:{port}/"),
            _ => {
                conn.respond(200, &[], "should never be fetched");
                return After::KeepAlive;
            }
        };
        conn.respond(302, &[("Location", &location)], "");
        After::KeepAlive
    });
    let client = client();
    for path in ["/crlf", "/slash", "/slash2"] {
        let events = get(&client, &server.url(path));
        assert_eq!(names(&events), ["finish", "close", "error"], "{path}");
        assert_eq!(
            error_message(&events).unwrap(),
            "net::ERR_INVALID_REDIRECT",
            "{path}"
        );
    }
    let received = server.received();
    assert_eq!(targets(&server), ["/crlf", "/slash", "/slash2"]);
    assert!(received.iter().all(|r| r.header("x-injected").is_none()));
}

#[test]
fn hash_in_location_host_cannot_retarget_the_request() {
    let server = Server::start(|req, conn| {
        let port = port_of(req);
        if req.target == "/start" {
            let location = format!("http://localhost:{port}#@127.0.0.1:{port}/evil");
            conn.respond(302, &[("Location", &location)], "");
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    });
    let events = get(&client(), &server.url("/start"));
    assert_eq!(error_message(&events), None);
    let port = server.port();
    let info = redirects(&events)[0];
    assert!(
        info.url.starts_with(&format!("http://localhost:{port}/")),
        "{}",
        info.url
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].target, "/");
    assert_eq!(
        received[1].header("host"),
        Some(format!("localhost:{port}").as_str())
    );
}

const CREDENTIALS: &[(&str, &str)] = &[
    ("Authorization", "Bearer secret-token"),
    ("Cookie", "session=secret"),
    ("X-Custom", "kept"),
];

fn assert_credentials_sent(request: &Received) {
    assert_eq!(
        request.header("authorization"),
        Some("Bearer secret-token"),
        "{}",
        request.target
    );
    assert_eq!(
        request.header("cookie"),
        Some("session=secret"),
        "{}",
        request.target
    );
    assert_eq!(
        request.header("x-custom"),
        Some("kept"),
        "{}",
        request.target
    );
}

fn assert_credentials_stripped(request: &Received) {
    assert_eq!(request.header("authorization"), None, "{}", request.target);
    assert_eq!(request.header("cookie"), None, "{}", request.target);
    assert_eq!(
        request.header("proxy-authorization"),
        None,
        "{}",
        request.target
    );
    assert_eq!(
        request.header("x-custom"),
        Some("kept"),
        "{}",
        request.target
    );
}

#[test]
fn authorization_and_cookie_are_not_sent_to_another_host_after_a_redirect() {
    let server = Server::start(|req, conn| {
        if req.target == "/start" {
            let location = format!("http://localhost:{}/landed", port_of(req));
            conn.respond(302, &[("Location", &location)], "");
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    });
    let options = with_headers(RequestOptions::url(server.url("/start")), CREDENTIALS);
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_credentials_sent(&received[0]);
    assert_eq!(
        received[1].header("host"),
        Some(format!("localhost:{}", server.port()).as_str())
    );
    assert_credentials_stripped(&received[1]);
}

#[test]
fn authorization_and_cookie_are_not_sent_to_another_port_of_the_same_host() {
    let other = Server::start(|_, conn| {
        conn.respond(200, &[], "other port");
        After::KeepAlive
    });
    let other_url = other.url("/landed");
    let server = Server::start(move |_, conn| {
        conn.respond(302, &[("Location", &other_url)], "");
        After::KeepAlive
    });
    let options = with_headers(RequestOptions::url(server.url("/start")), CREDENTIALS);
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(body(&events), b"other port");
    assert_credentials_sent(&server.received()[0]);
    let landed = other.received();
    assert_eq!(landed.len(), 1);
    assert_credentials_stripped(&landed[0]);
}

#[test]
fn dropped_credentials_are_not_restored_on_a_redirect_back_to_the_first_host() {
    let server = Server::start(|req, conn| {
        let port = port_of(req);
        match req.target.as_str() {
            "/start" => {
                let location = format!("http://localhost:{port}/bounce");
                conn.respond(302, &[("Location", &location)], "");
            }
            "/bounce" => {
                let location = format!("http://127.0.0.1:{port}/back");
                conn.respond(302, &[("Location", &location)], "");
            }
            _ => conn.respond(200, &[], "back home"),
        }
        After::KeepAlive
    });
    let options = with_headers(RequestOptions::url(server.url("/start")), CREDENTIALS);
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(body(&events), b"back home");
    let received = server.received();
    assert_eq!(
        targets(&server),
        ["/start", "/bounce", "/back"],
        "{received:?}"
    );
    assert_credentials_sent(&received[0]);
    assert_credentials_stripped(&received[1]);
    assert_eq!(
        received[2].header("host"),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
    assert_credentials_stripped(&received[2]);
}

#[test]
fn same_origin_redirects_keep_authorization_and_cookie() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/start" => conn.respond(302, &[("Location", "/middle")], ""),
            "/middle" => conn.respond(307, &[("Location", "/end")], ""),
            _ => conn.respond(200, &[], "landed"),
        }
        After::KeepAlive
    });
    let options = with_headers(RequestOptions::url(server.url("/start")), CREDENTIALS);
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(body(&events), b"landed");
    let received = server.received();
    assert_eq!(targets(&server), ["/start", "/middle", "/end"]);
    for request in &received {
        assert_credentials_sent(request);
    }
}

#[test]
fn user_set_proxy_authorization_fails_with_invalid_argument_and_is_never_sent() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "should never be fetched");
        After::KeepAlive
    });
    let options = with_headers(
        RequestOptions::url(server.url("/start")),
        &[("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")],
    );
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(names(&events), ["finish", "close", "error"]);
    assert_eq!(error_message(&events).unwrap(), "net::ERR_INVALID_ARGUMENT");
    assert!(server.received().is_empty());
}

#[test]
fn referer_is_sent_without_userinfo_and_fragment() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let referer = format!(
        "http://user:secret@127.0.0.1:{}/page?q=1#fragment",
        server.port()
    );
    let options = with_headers(
        RequestOptions::url(server.url("/")),
        &[("Referer", &referer)],
    );
    send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(
        server.received()[0].header("referer"),
        Some(server.url("/page?q=1").as_str())
    );
}

#[test]
fn referrer_policy_no_referrer_sends_no_referer() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let options = RequestOptions {
        referrer_policy: Some("no-referrer".into()),
        ..with_headers(
            RequestOptions::url(server.url("/")),
            &[("Referer", &server.url("/page"))],
        )
    };
    send(&client(), &options, None).events_until_done().unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("referer"), None);
}

#[test]
fn referrer_policy_origin_sends_only_the_origin() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let options = RequestOptions {
        referrer_policy: Some("origin".into()),
        ..with_headers(
            RequestOptions::url(server.url("/")),
            &[("Referer", &server.url("/page?q=1#f"))],
        )
    };
    send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(
        server.received()[0].header("referer"),
        Some(server.url("/").as_str())
    );
}

#[test]
fn referer_is_reduced_to_its_origin_on_a_cross_origin_redirect() {
    let server = Server::start(|req, conn| {
        if req.target == "/start" {
            let location = format!("http://localhost:{}/next", port_of(req));
            conn.respond(302, &[("Location", &location)], "");
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    });
    let options = with_headers(
        RequestOptions::url(server.url("/start")),
        &[("Referer", &server.url("/page?q=1"))],
    );
    let events = send(&client(), &options, None).events_until_done().unwrap();
    assert_eq!(body(&events), b"landed");
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("referer"),
        Some(server.url("/page?q=1").as_str())
    );
    assert_eq!(
        received[1].header("referer"),
        Some(server.url("/").as_str())
    );
}

#[test]
fn origin_is_null_after_a_cross_origin_307_of_a_post() {
    let server = Server::start(|req, conn| {
        if req.target == "/start" {
            let location = format!("http://localhost:{}/next", port_of(req));
            conn.respond(307, &[("Location", &location)], "");
        } else {
            conn.respond(200, &[], "landed");
        }
        After::KeepAlive
    });
    let options = RequestOptions {
        origin: Some(server.url("")),
        ..options(&server.url("/start"), "POST")
    };
    let events = send(&client(), &options, Some(b"form=1"))
        .events_until_done()
        .unwrap();
    assert_eq!(body(&events), b"landed");
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].header("origin"), Some(server.url("").as_str()));
    assert_eq!(received[1].method, "POST");
    assert_eq!(received[1].body, b"form=1");
    assert_eq!(received[1].header("origin"), Some("null"));
}

/// The redirect decision waits until the caller has been handed the `redirect` event, even when
/// it takes events one at a time.
#[test]
fn redirect_decision_waits_until_the_event_is_delivered() {
    let target = Server::start(|_, conn| {
        conn.respond(200, &[], "arrived");
        After::KeepAlive
    });
    let location = target.url("/");
    let server = Server::start(move |_, conn| {
        conn.respond(302, &[("Location", &location)], "");
        After::KeepAlive
    });
    let client = client();
    let options = RequestOptions {
        redirect: Some("manual".into()),
        ..RequestOptions::url(server.url("/"))
    };
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let mut events = Vec::new();
    while !request.is_done().unwrap() {
        for event in request.wait_events(1, 1 << 20, 1000).unwrap() {
            if let Event::Redirect(_) = event {
                request.follow_redirect().unwrap();
            }
            events.push(event);
        }
    }
    assert_eq!(error_message(&events), None);
    assert_eq!(body(&events), b"arrived");
}
