//! Fetch metadata: `Sec-Fetch-Site`, `-Mode`, `-Dest`, `-User` (behaviour §2-§3).

use std::net::SocketAddr;

use electron_net_host::{Network, RequestOptions};
use electron_net_tests::*;

fn ok_server() -> Server {
    Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    })
}

/// Options for `url` as an object without `origin` (unlike a bare URL string).
fn object(url: &str) -> RequestOptions {
    RequestOptions {
        url: Some(url.to_owned()),
        ..RequestOptions::empty()
    }
}

fn with_headers(mut options: RequestOptions, headers: &[(&str, &str)]) -> RequestOptions {
    options.headers = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    options
}

/// Sends `options` to completion and returns the events.
fn run(client: &Client, options: &RequestOptions) -> Vec<electron_net_host::Event> {
    let mut request = client.request(options).expect("request");
    request.end(None).expect("end");
    request.events_until_done().expect("events")
}

fn sec_fetch(request: &Received) -> [Option<&str>; 4] {
    [
        request.header("sec-fetch-site"),
        request.header("sec-fetch-mode"),
        request.header("sec-fetch-dest"),
        request.header("sec-fetch-user"),
    ]
}

#[test]
fn request_without_origin_to_loopback_sends_site_none_mode_no_cors_dest_empty() {
    let server = ok_server();
    let events = run(&client(), &object(&server.url("/")));
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(
        sec_fetch(&server.received()[0]),
        [Some("none"), Some("no-cors"), Some("empty"), None]
    );
}

#[test]
fn localhost_is_potentially_trustworthy() {
    let server = ok_server();
    run(&client(), &object(&localhost_url(&server, "/")));
    assert_eq!(
        sec_fetch(&server.received()[0]),
        [Some("none"), Some("no-cors"), Some("empty"), None]
    );
}

#[test]
fn no_fetch_metadata_to_a_url_that_is_not_potentially_trustworthy() {
    let server = ok_server();
    let network = Network::builder()
        .resolve(
            "plain.test",
            SocketAddr::from(([127, 0, 0, 1], server.port())),
        )
        .build();
    let client = client_builder().network(network).build_blocking().unwrap();
    let url = format!("http://plain.test:{}/", server.port());
    let events = run(&client, &object(&url));
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = server.received();
    assert_eq!(
        received[0].header("host"),
        Some(format!("plain.test:{}", server.port()).as_str())
    );
    assert_eq!(sec_fetch(&received[0]), [None, None, None, None]);
}

#[test]
fn origin_equal_to_the_url_origin_is_same_origin() {
    let server = ok_server();
    let options = RequestOptions {
        origin: Some(server.url("")),
        ..object(&server.url("/path"))
    };
    run(&client(), &options);
    assert_eq!(
        server.received()[0].header("sec-fetch-site"),
        Some("same-origin")
    );
}

#[test]
fn origin_on_another_port_of_the_same_host_is_same_site() {
    let server = ok_server();
    let options = RequestOptions {
        origin: Some(format!("http://127.0.0.1:{}", closed_port())),
        ..object(&server.url("/"))
    };
    run(&client(), &options);
    assert_eq!(
        server.received()[0].header("sec-fetch-site"),
        Some("same-site")
    );
}

#[test]
fn origin_on_another_host_is_cross_site() {
    let server = ok_server();
    let options = RequestOptions {
        origin: Some(localhost_url(&server, "")),
        ..object(&server.url("/"))
    };
    run(&client(), &options);
    assert_eq!(
        server.received()[0].header("sec-fetch-site"),
        Some("cross-site")
    );
}

#[test]
fn user_set_sec_fetch_site_is_overwritten_and_sec_fetch_mode_kept() {
    let server = ok_server();
    let options = with_headers(
        object(&server.url("/")),
        &[
            ("Sec-Fetch-Site", "same-origin"),
            ("Sec-Fetch-Mode", "cors"),
        ],
    );
    run(&client(), &options);
    let received = server.received();
    assert_eq!(received[0].header("sec-fetch-site"), Some("none"));
    assert_eq!(received[0].header("sec-fetch-mode"), Some("cors"));
    assert_eq!(received[0].header("sec-fetch-dest"), Some("empty"));
}

#[test]
fn sec_fetch_user_is_sent_only_when_requested() {
    let server = ok_server();
    let options = with_headers(object(&server.url("/")), &[("Sec-Fetch-User", "?1")]);
    run(&client(), &options);
    assert_eq!(server.received()[0].header("sec-fetch-user"), Some("?1"));
}

#[test]
fn navigation_destination_without_navigate_mode_fails() {
    let server = ok_server();
    let client = client();
    for dest in ["document", "frame", "iframe", "fencedframe"] {
        let options = with_headers(object(&server.url("/")), &[("Sec-Fetch-Dest", dest)]);
        let events = run(&client, &options);
        assert_eq!(names(&events), ["finish", "close", "error"], "{dest}");
        assert_eq!(
            error_message(&events).unwrap(),
            "sec-fetch-dest of 'document', 'frame', 'iframe' or 'fencedframe' requires \
             sec-fetch-mode 'navigate'",
            "{dest}"
        );
    }
    assert!(server.received().is_empty());
}

#[test]
fn navigation_destination_with_navigate_mode_is_sent() {
    let server = ok_server();
    let client = client();
    for dest in ["document", "frame", "iframe", "fencedframe"] {
        let options = with_headers(
            object(&server.url("/")),
            &[("Sec-Fetch-Dest", dest), ("Sec-Fetch-Mode", "navigate")],
        );
        let events = run(&client, &options);
        assert_eq!(error_message(&events), None, "{dest}");
        let received = server.received();
        let last = received.last().unwrap();
        assert_eq!(last.header("sec-fetch-dest"), Some(dest));
        assert_eq!(last.header("sec-fetch-mode"), Some("navigate"));
    }
    assert_eq!(server.received().len(), 4);
}

#[test]
fn sec_fetch_site_is_the_worst_over_the_redirect_chain() {
    let server = Server::start(|req, conn| {
        let host = req.header("host").unwrap().to_owned();
        let port = host.rsplit(':').next().unwrap();
        match req.target.as_str() {
            "/start" => {
                let location = format!("http://localhost:{port}/away");
                conn.respond(302, &[("Location", &location)], "");
            }
            "/away" => {
                let location = format!("http://127.0.0.1:{port}/back");
                conn.respond(302, &[("Location", &location)], "");
            }
            _ => conn.respond(200, &[], "back"),
        }
        After::KeepAlive
    });
    let options = RequestOptions {
        origin: Some(server.url("")),
        ..object(&server.url("/start"))
    };
    let events = run(&client(), &options);
    assert_eq!(body(&events), b"back");
    let sites: Vec<(String, Option<String>)> = server
        .received()
        .iter()
        .map(|r| {
            (
                r.target.clone(),
                r.header("sec-fetch-site").map(str::to_owned),
            )
        })
        .collect();
    let site = |s: &str| Some(s.to_owned());
    assert_eq!(
        sites,
        [
            ("/start".to_owned(), site("same-origin")),
            ("/away".to_owned(), site("cross-site")),
            ("/back".to_owned(), site("cross-site")),
        ]
    );
}

#[test]
fn string_url_implicitly_sets_origin_to_its_own_origin() {
    let server = ok_server();
    let client = client();
    // `net.request('http://…')`: the URL's own origin is the initiator.
    run(&client, &RequestOptions::url(server.url("/")));
    // The same URL as an object has no initiator.
    run(&client, &object(&server.url("/")));
    // A POST from a string URL carries that origin.
    let mut request = client
        .request(&options(&server.url("/post"), "POST"))
        .unwrap();
    request.end(Some(b"x")).unwrap();
    request.events_until_done().unwrap();
    let received = server.received();
    assert_eq!(received[0].header("sec-fetch-site"), Some("same-origin"));
    assert_eq!(received[1].header("sec-fetch-site"), Some("none"));
    assert_eq!(received[2].header("origin"), Some(server.url("").as_str()));
    assert_eq!(received[2].header("sec-fetch-site"), Some("same-origin"));
}

/// Without the `origin` option, a user-set `Origin` header is the initiator (behaviour contract
/// §12): Electron sends `same-origin` for it where a request without one says `none`.
#[test]
fn an_origin_header_counts_as_the_initiator_without_the_option() {
    let server = ok_server();
    let client = client();
    for (origin, expected) in [
        (server.url(""), "same-origin"),
        (format!("http://127.0.0.1:{}", closed_port()), "same-site"),
        (localhost_url(&server, ""), "cross-site"),
        ("null".to_owned(), "cross-site"),
    ] {
        run(
            &client,
            &with_headers(object(&server.url("/")), &[("Origin", &origin)]),
        );
        let received = server.received();
        let last = received.last().unwrap();
        assert_eq!(last.header("sec-fetch-site"), Some(expected), "{origin}");
        // The header itself goes out as the user set it.
        assert_eq!(last.header("origin"), Some(origin.as_str()));
    }

    // The option wins over the header.
    let options = RequestOptions {
        origin: Some(localhost_url(&server, "")),
        ..with_headers(object(&server.url("/")), &[("Origin", &server.url(""))])
    };
    run(&client, &options);
    assert_eq!(
        server.received().last().unwrap().header("sec-fetch-site"),
        Some("cross-site")
    );
}
