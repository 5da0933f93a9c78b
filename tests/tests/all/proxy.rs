//! Per-partition HTTP proxies and proxy authentication (behaviour §7, §9; security checklist
//! A1, E24), through the real component and host and a loopback forward proxy.
//!
//! https through a CONNECT tunnel needs a trusted test certificate, which the host's webpki
//! roots rule out; the tunnel is covered by the host's unit tests (`network::proxy`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use electron_net_host::{AuthInfo, Credentials, Event, Proxy, RequestOptions, Sessions};
use electron_net_tests::*;

/// `user:pass` in Basic.
const USER_PASS: &str = "Basic dXNlcjpwYXNz";

/// A forward proxy for absolute-form requests. With `auth`, it wants Basic `user:pass` and
/// answers anything else with a 407 (realm "proxy"); accepted requests are forwarded to the
/// origin without the hop-by-hop `Proxy-Authorization`. `received()` is what the proxy saw.
fn forward_proxy(auth: bool) -> Server {
    Server::start(move |request, conn| {
        if auth && request.header("proxy-authorization") != Some(USER_PASS) {
            let challenge = ("Proxy-Authenticate", "Basic realm=\"proxy\"");
            conn.respond(407, &[challenge], "proxy says no");
            return After::KeepAlive;
        }
        forward(request, conn);
        After::KeepAlive
    })
}

fn forward(request: &Received, conn: &mut Conn) {
    let rest = request
        .target
        .strip_prefix("http://")
        .expect("an absolute-form request");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
    for (name, value) in &request.headers {
        let hop_by_hop = ["proxy-authorization", "connection", "content-length"]
            .iter()
            .any(|hop| name.eq_ignore_ascii_case(hop));
        if !hop_by_hop {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", request.body.len()));
    let mut origin = TcpStream::connect(authority).expect("connect to the origin");
    origin.write_all(head.as_bytes()).unwrap();
    origin.write_all(&request.body).unwrap();
    // Relay one Content-Length response (the only kind the test origins send).
    let mut reader = BufReader::new(origin);
    let mut response = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
        response.extend_from_slice(line.as_bytes());
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    response.extend_from_slice(&body);
    conn.raw(response);
}

/// An origin answering `origin:` + the request body.
fn origin() -> Server {
    Server::start(|request, conn| {
        let mut body = b"origin:".to_vec();
        body.extend_from_slice(&request.body);
        conn.respond(200, &[], body);
        After::KeepAlive
    })
}

fn user_pass(_: u32) -> Option<Credentials> {
    Some(Credentials {
        username: "user".into(),
        password: "pass".into(),
    })
}

/// A client whose partition `partition` goes through `proxy`.
fn proxied_client(proxy: &str, partition: &str, provider: Arc<RecordingProvider>) -> Client {
    let sessions = Sessions::new();
    sessions.set_proxy(partition, Some(proxy.parse::<Proxy>().expect("proxy URL")));
    client_builder()
        .sessions(Arc::new(sessions))
        .credentials(provider)
        .build_blocking()
        .expect("client")
}

fn in_partition(url: &str, partition: &str, method: &str) -> RequestOptions {
    RequestOptions {
        partition: Some(partition.to_owned()),
        ..options(url, method)
    }
}

fn send(client: &Client, options: &RequestOptions, body: Option<&[u8]>) -> Vec<Event> {
    let mut request = client.request(options).expect("request");
    request.end(body).expect("end");
    request.events_until_done().expect("events")
}

fn proxy_authorizations(server: &Server) -> Vec<Option<String>> {
    server
        .received()
        .iter()
        .map(|request| request.header("proxy-authorization").map(str::to_owned))
        .collect()
}

#[test]
fn only_the_partition_with_a_proxy_goes_through_it() {
    let origin = origin();
    let proxy = forward_proxy(false);
    let client = proxied_client(&proxy.url(""), "proxied", RecordingProvider::new(|_| None));

    let events = send(
        &client,
        &in_partition(&origin.url("/a"), "proxied", "GET"),
        None,
    );
    assert_eq!(body(&events), b"origin:");
    let events = send(&client, &in_partition(&origin.url("/b"), "", "GET"), None);
    assert_eq!(body(&events), b"origin:");
    let events = send(
        &client,
        &in_partition(&origin.url("/c"), "other", "GET"),
        None,
    );
    assert_eq!(body(&events), b"origin:");

    // The proxy saw the proxied request only, in absolute form.
    let seen: Vec<String> = proxy.received().iter().map(|r| r.target.clone()).collect();
    assert_eq!(seen, [origin.url("/a")]);
    let at_origin: Vec<String> = origin.received().iter().map(|r| r.target.clone()).collect();
    assert_eq!(at_origin, ["/a", "/b", "/c"]);
}

#[test]
fn proxy_login_asks_the_provider_and_resends_the_body() {
    let origin = origin();
    let proxy = forward_proxy(true);
    let provider = RecordingProvider::new(user_pass);
    let client = proxied_client(&proxy.url(""), "p", provider.clone());
    let url = origin.url("/upload");

    let events = send(
        &client,
        &in_partition(&url, "p", "POST"),
        Some(b"hello proxy"),
    );
    // The login happened in the host: the caller sees a plain success, no `login` event.
    assert_eq!(
        names_without_progress(&events),
        [
            "finish",
            "close",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"origin:hello proxy");

    let calls = provider.calls();
    assert_eq!(calls.len(), 1);
    let (partition, called_url, info, attempt) = &calls[0];
    assert_eq!(
        (partition.as_str(), called_url.as_str(), *attempt),
        ("p", url.as_str(), 1)
    );
    assert_eq!(
        *info,
        AuthInfo {
            is_proxy: true,
            scheme: "basic".into(),
            host: "127.0.0.1".into(),
            port: proxy.port(),
            realm: "proxy".into(),
        }
    );

    // Both attempts carried the whole body; only the retry carried the credentials.
    let at_proxy = proxy.received();
    assert_eq!(at_proxy.len(), 2);
    assert!(at_proxy.iter().all(|r| r.body == b"hello proxy"));
    assert_eq!(proxy_authorizations(&proxy), [None, Some(USER_PASS.into())]);

    // A direct request to the same origin afterwards: still nothing for the origin.
    send(&client, &RequestOptions::url(origin.url("/direct")), None);
    let at_origin = origin.received();
    assert_eq!(at_origin.len(), 2);
    assert!(
        at_origin
            .iter()
            .all(|r| r.header("proxy-authorization").is_none())
    );
    assert_eq!(at_origin[0].body, b"hello proxy");
}

#[test]
fn accepted_proxy_credentials_are_reused_without_asking() {
    let origin = origin();
    let proxy = forward_proxy(true);
    let provider = RecordingProvider::new(user_pass);
    let client = proxied_client(&proxy.url(""), "p", provider.clone());

    for path in ["/one", "/two", "/three"] {
        let events = send(&client, &in_partition(&origin.url(path), "p", "GET"), None);
        assert_eq!(response(&events).unwrap().status_code, 200);
    }
    assert_eq!(provider.calls().len(), 1);
    // After the first login the credentials go out with the first try.
    assert_eq!(
        proxy_authorizations(&proxy),
        [
            None,
            Some(USER_PASS.into()),
            Some(USER_PASS.into()),
            Some(USER_PASS.into())
        ]
    );
}

#[test]
fn wrong_proxy_credentials_are_bounded_then_the_407_is_delivered() {
    fn same_wrong_answer(_: u32) -> Option<Credentials> {
        Some(Credentials {
            username: "user".into(),
            password: "wrong".into(),
        })
    }
    fn new_wrong_answer(attempt: u32) -> Option<Credentials> {
        Some(Credentials {
            username: "user".into(),
            password: format!("wrong{attempt}"),
        })
    }
    // An answer already rejected stops at once; fresh wrong answers stop after 5 rounds.
    type Answer = fn(u32) -> Option<Credentials>;
    let cases: [(Answer, u32, usize); 2] = [(same_wrong_answer, 2, 2), (new_wrong_answer, 5, 6)];
    for (answer, asked, sent) in cases {
        let origin = origin();
        let proxy = forward_proxy(true);
        let provider = RecordingProvider::new(answer);
        let client = proxied_client(&proxy.url(""), "p", provider.clone());

        let events = send(&client, &in_partition(&origin.url("/"), "p", "GET"), None);
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
        let head = response(&events).unwrap();
        assert_eq!(
            (head.status_code, head.status_message.as_str()),
            (407, "Proxy Authentication Required")
        );
        assert_eq!(body(&events), b"proxy says no");
        let attempts: Vec<u32> = provider.calls().iter().map(|call| call.3).collect();
        assert_eq!(attempts, (1..=asked).collect::<Vec<_>>());
        assert_eq!(proxy.received().len(), sent);
        assert!(origin.received().is_empty());
    }
}

#[test]
fn declined_proxy_login_delivers_the_407() {
    let proxy = forward_proxy(true);
    let provider = RecordingProvider::new(|_| None);
    let client = proxied_client(&proxy.url(""), "p", provider.clone());
    let events = send(
        &client,
        &in_partition("http://origin.invalid/", "p", "GET"),
        None,
    );
    assert_eq!(response(&events).unwrap().status_code, 407);
    assert_eq!(error_message(&events), None);
    assert_eq!(provider.calls().len(), 1);
}

#[test]
fn proxy_url_userinfo_is_used_without_asking() {
    let origin = origin();
    let proxy = forward_proxy(true);
    let provider = RecordingProvider::new(|_| None);
    let url = format!("http://user:pass@127.0.0.1:{}", proxy.port());
    let client = proxied_client(&url, "", provider.clone());

    let events = send(&client, &options(&origin.url("/"), "GET"), None);
    assert_eq!(body(&events), b"origin:");
    assert!(provider.calls().is_empty());
    assert_eq!(proxy_authorizations(&proxy), [None, Some(USER_PASS.into())]);
}

#[test]
fn unreachable_proxy_is_err_proxy_connection_failed() {
    let origin = origin();
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    let client = proxied_client(&proxy, "", RecordingProvider::new(|_| None));
    let events = get(&client, &origin.url("/"));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_PROXY_CONNECTION_FAILED")
    );
    assert!(origin.received().is_empty());
}

#[test]
fn user_set_proxy_authorization_is_rejected_and_never_sent() {
    let proxy = forward_proxy(false);
    let client = proxied_client(&proxy.url(""), "", RecordingProvider::new(|_| None));
    let mut request = client
        .request(&RequestOptions::url("http://origin.invalid/"))
        .expect("request");
    request
        .set_header("Proxy-Authorization", USER_PASS)
        .expect("setHeader does not throw for restricted headers");
    request.end(None).expect("end");
    let events = request.events_until_done().expect("events");
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_INVALID_ARGUMENT")
    );
    assert!(proxy.received().is_empty());
}

#[test]
fn proxy_urls_other_than_http_are_rejected() {
    for url in ["https://proxy:443", "socks5://proxy:1080", "proxy:8080"] {
        let error = url.parse::<Proxy>().unwrap_err();
        assert!(
            error.to_string().starts_with("invalid proxy URL: "),
            "{error}"
        );
    }
}
