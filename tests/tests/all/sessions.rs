//! Session partitions through the real component: Electron's cookie rules (behaviour §9),
//! partition isolation, `persist:` partitions across a restart, and the auth cache (checklist D21,
//! E24).

use std::sync::Arc;

use electron_net_host::{
    CookieDetails, CookieFilter, Credentials, Event, RequestOptions, Sessions,
};
use electron_net_tests::*;

/// `/set` sets `a=1`; every request's Cookie header is recorded by the harness.
fn cookie_server() -> Server {
    Server::start(|req, conn| {
        if req.target.starts_with("/set") {
            conn.respond(200, &[("Set-Cookie", "a=1; Path=/; Max-Age=3600")], "set");
        } else {
            conn.respond(200, &[], "ok");
        }
        After::KeepAlive
    })
}

fn client_with(sessions: &Sessions) -> Client {
    client_builder()
        .sessions(Arc::new(sessions.clone()))
        .build_blocking()
        .unwrap()
}

fn send(client: &Client, options: RequestOptions) -> Vec<Event> {
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    request.events_until_done().unwrap()
}

/// Sets a cookie with `configure`d options, then checks what a second such request sends and
/// what the jar holds.
fn round_trip(
    configure: impl Fn(RequestOptions, &Server) -> RequestOptions,
) -> (Option<String>, usize) {
    let server = cookie_server();
    let sessions = Sessions::new();
    let client = client_with(&sessions);
    send(
        &client,
        configure(RequestOptions::url(server.url("/set")), &server),
    );
    send(
        &client,
        configure(RequestOptions::url(server.url("/check")), &server),
    );
    let sent = server.received()[1].header("cookie").map(str::to_owned);
    let stored = sessions.cookies("").get(&CookieFilter::default()).len();
    (sent, stored)
}

#[test]
fn default_request_neither_sends_nor_stores_cookies() {
    assert_eq!(round_trip(|o, _| o), (None, 0));
}

#[test]
fn use_session_cookies_sends_and_stores() {
    let (sent, stored) = round_trip(|o, _| RequestOptions {
        use_session_cookies: true,
        ..o
    });
    assert_eq!((sent.as_deref(), stored), (Some("a=1"), 1));
}

#[test]
fn credentials_include_sends_and_stores_without_use_session_cookies() {
    let (sent, stored) = round_trip(|o, _| RequestOptions {
        credentials: Some("include".into()),
        ..o
    });
    assert_eq!((sent.as_deref(), stored), (Some("a=1"), 1));
}

#[test]
fn credentials_omit_wins_over_use_session_cookies() {
    let (sent, stored) = round_trip(|o, _| RequestOptions {
        credentials: Some("omit".into()),
        use_session_cookies: true,
        ..o
    });
    assert_eq!((sent, stored), (None, 0));
}

#[test]
fn same_origin_uses_cookies_only_against_origin() {
    let (sent, stored) = round_trip(|o, server| RequestOptions {
        credentials: Some("same-origin".into()),
        origin: Some(server.url("")),
        ..o
    });
    assert_eq!((sent.as_deref(), stored), (Some("a=1"), 1));
    let (sent, stored) = round_trip(|o, _| RequestOptions {
        credentials: Some("same-origin".into()),
        origin: Some("http://elsewhere.example".into()),
        ..o
    });
    assert_eq!((sent, stored), (None, 0));
}

#[test]
fn user_set_cookie_header_is_sent_unchanged_when_the_jar_is_off() {
    let server = cookie_server();
    let client = client();
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    request.set_header("Cookie", "mine=yes; other=2").unwrap();
    request.end(None).unwrap();
    request.events_until_done().unwrap();
    assert_eq!(
        server.received()[0].header("cookie"),
        Some("mine=yes; other=2")
    );
}

#[test]
fn cookies_are_recomputed_on_every_redirect_hop() {
    let server = Server::start(|req, conn| {
        match req.target.as_str() {
            "/start" => conn.respond(
                302,
                &[("Set-Cookie", "hop=1; Path=/"), ("Location", "/next")],
                "",
            ),
            _ => conn.respond(200, &[], "ok"),
        }
        After::KeepAlive
    });
    let sessions = Sessions::new();
    let client = client_with(&sessions);
    let options = RequestOptions {
        use_session_cookies: true,
        ..RequestOptions::url(server.url("/start"))
    };
    let events = send(&client, options);
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = server.received();
    assert_eq!(received[0].header("cookie"), None);
    assert_eq!(
        received[1].header("cookie"),
        Some("hop=1"),
        "set by the redirect itself"
    );

    // A host-only cookie for 127.0.0.1 does not follow a redirect to localhost.
    let other = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let to_other_host = localhost_url(&other, "/");
    let bouncer = Server::start(move |_, conn| {
        conn.respond(302, &[("Location", &to_other_host)], "");
        After::KeepAlive
    });
    let options = RequestOptions {
        use_session_cookies: true,
        ..RequestOptions::url(bouncer.url("/"))
    };
    sessions
        .cookies("")
        .set(&CookieDetails {
            url: bouncer.url("/"),
            name: Some("here".into()),
            value: Some("only".into()),
            ..CookieDetails::default()
        })
        .unwrap();
    send(&client, options);
    assert_eq!(
        bouncer.received()[0].header("cookie"),
        Some("hop=1; here=only")
    );
    assert_eq!(other.received()[0].header("cookie"), None);
}

#[test]
fn partitions_never_share_cookies() {
    let server = cookie_server();
    let sessions = Sessions::new();
    let client = client_with(&sessions);
    let in_partition = |path: &str, partition: &str| RequestOptions {
        use_session_cookies: true,
        partition: Some(partition.into()),
        ..RequestOptions::url(server.url(path))
    };
    send(&client, in_partition("/set", "one"));
    send(&client, in_partition("/check", "two"));
    send(&client, in_partition("/check", "one"));
    let received = server.received();
    assert_eq!(received[1].header("cookie"), None);
    assert_eq!(received[2].header("cookie"), Some("a=1"));
    assert!(
        sessions
            .cookies("two")
            .get(&CookieFilter::default())
            .is_empty()
    );
    assert!(
        sessions
            .cookies("")
            .get(&CookieFilter::default())
            .is_empty()
    );
}

#[test]
fn cookies_set_through_the_admin_api_are_sent_and_response_cookies_are_listed() {
    let server = cookie_server();
    let sessions = Sessions::new();
    sessions
        .cookies("")
        .set(&CookieDetails {
            url: server.url("/"),
            name: Some("admin".into()),
            value: Some("set".into()),
            ..CookieDetails::default()
        })
        .unwrap();
    let client = client_with(&sessions);
    send(
        &client,
        RequestOptions {
            use_session_cookies: true,
            ..RequestOptions::url(server.url("/set"))
        },
    );
    assert_eq!(server.received()[0].header("cookie"), Some("admin=set"));
    let cookies = sessions.cookies("").get(&CookieFilter {
        name: Some("a".into()),
        ..CookieFilter::default()
    });
    assert_eq!(cookies.len(), 1);
    assert_eq!(cookies[0].value, "1");
    assert_eq!(cookies[0].domain, "127.0.0.1");
    assert!(cookies[0].host_only && !cookies[0].session);
    sessions.cookies("").remove(&server.url("/"), "a");
    assert_eq!(sessions.cookies("").get(&CookieFilter::default()).len(), 1);
}

/// A `persist:` partition keeps its cookies and accepted credentials across a restart of the
/// host (a new `Sessions` and `Client` on the same directory).
#[test]
fn persist_partition_survives_a_restart_with_cookies_and_credentials() {
    let server = Server::start(|req, conn| {
        if req.header("authorization") != Some("Basic dXNlcjpwYXNz") {
            conn.respond(401, &[("WWW-Authenticate", "Basic realm=\"r\"")], "no");
        } else if req.target == "/login" {
            conn.respond(200, &[("Set-Cookie", "sid=42; Max-Age=3600")], "in");
        } else {
            conn.respond(200, &[], "again");
        }
        After::KeepAlive
    });
    let dir = std::env::temp_dir().join(format!("electron-net-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = |path: &str| RequestOptions {
        use_session_cookies: true,
        partition: Some("persist:profile".into()),
        ..RequestOptions::url(server.url(path))
    };
    {
        let sessions = Sessions::with_data_dir(&dir).unwrap();
        let client = client_with(&sessions);
        let mut request = client.request(&options("/login")).unwrap();
        request.end(None).unwrap();
        let events = drive_with(&mut request, |request, event| {
            if let Event::Login(_) = event {
                request
                    .answer_login(Some(Credentials {
                        username: "user".into(),
                        password: "pass".into(),
                    }))
                    .unwrap();
            }
        });
        assert_eq!(response(&events).unwrap().status_code, 200);
        assert_eq!(sessions.persistence_error(), None);
    }
    let sessions = Sessions::with_data_dir(&dir).unwrap();
    let client = client_with(&sessions);
    let events = send(&client, options("/later"));
    assert!(
        !events.iter().any(|e| matches!(e, Event::Login(_))),
        "no login after restart"
    );
    assert_eq!(response(&events).unwrap().status_code, 200);
    let last = server.received().pop().unwrap();
    assert_eq!(last.header("cookie"), Some("sid=42"));
    assert_eq!(last.header("authorization"), Some("Basic dXNlcjpwYXNz"));
    // An in-memory partition of the same name prefix-less sees nothing.
    assert!(
        sessions
            .cookies("profile")
            .get(&CookieFilter::default())
            .is_empty()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Checklist E24 (curl CVE-2015-3236): credentials accepted for one partition are not used by a
/// request of another partition, even on the same pooled connection.
#[test]
fn credentials_are_never_reused_by_another_partition_on_a_shared_connection() {
    let server = Server::start(|req, conn| {
        if req.header("authorization").is_some() {
            conn.respond(200, &[], "in");
        } else {
            conn.respond(401, &[("WWW-Authenticate", "Basic realm=\"r\"")], "no");
        }
        After::KeepAlive
    });
    let client = client();
    let options = |partition: &str| RequestOptions {
        partition: Some(partition.into()),
        ..RequestOptions::url(server.url("/"))
    };
    let mut first = client.request(&options("a")).unwrap();
    first.end(None).unwrap();
    drive_with(&mut first, |request, event| {
        if let Event::Login(_) = event {
            request
                .answer_login(Some(Credentials {
                    username: "u".into(),
                    password: "p".into(),
                }))
                .unwrap();
        }
    });
    let events = send(&client, options("b"));
    assert!(events.iter().any(|e| matches!(e, Event::Login(_))));
    assert_eq!(response(&events).unwrap().status_code, 401);
    let last = server.received().pop().unwrap();
    assert_eq!(last.header("authorization"), None);
}

/// Chromium treats loopback http as potentially trustworthy (behaviour contract §12): a `Secure`
/// cookie set by `http://127.0.0.1` is stored and sent back there, and `cookies.set` accepts one
/// for `http://localhost`.
#[test]
fn secure_cookies_work_on_loopback_http() {
    let server = Server::start(|req, conn| {
        if req.target == "/set" {
            conn.respond(200, &[("Set-Cookie", "s=1; Secure; Path=/")], "set");
        } else {
            conn.respond(200, &[], "ok");
        }
        After::KeepAlive
    });
    let sessions = Sessions::new();
    let client = client_with(&sessions);
    for path in ["/set", "/check"] {
        send(
            &client,
            RequestOptions {
                use_session_cookies: true,
                ..RequestOptions::url(server.url(path))
            },
        );
    }
    assert_eq!(server.received()[1].header("cookie"), Some("s=1"));

    let details = CookieDetails {
        url: "http://localhost/".into(),
        name: Some("t".into()),
        value: Some("2".into()),
        secure: Some(true),
        ..CookieDetails::default()
    };
    sessions.cookies("").set(&details).unwrap();
    let stored = sessions.cookies("").get(&CookieFilter {
        name: Some("t".into()),
        ..CookieFilter::default()
    });
    assert!(stored[0].secure);
}

/// With no `origin` option, a user-set `Origin` header is the initiator for SameSite
/// (behaviour contract §12): a cross-site one keeps a Strict cookie at home.
#[test]
fn an_origin_header_is_the_initiator_for_samesite() {
    let server = Server::start(|req, conn| {
        if req.target == "/set" {
            conn.respond(200, &[("Set-Cookie", "strict=1; SameSite=Strict")], "set");
        } else {
            conn.respond(200, &[], "ok");
        }
        After::KeepAlive
    });
    let sessions = Sessions::new();
    let client = client_with(&sessions);
    let object = |path: &str, origin: &str| RequestOptions {
        url: Some(server.url(path)),
        use_session_cookies: true,
        headers: vec![("Origin".into(), origin.into())],
        ..RequestOptions::empty()
    };
    send(&client, object("/set", &server.url("")));
    send(&client, object("/same", &server.url("")));
    send(&client, object("/cross", "http://elsewhere.example"));
    let received = server.received();
    assert_eq!(received[1].header("cookie"), Some("strict=1"));
    assert_eq!(received[2].header("cookie"), None);
}
