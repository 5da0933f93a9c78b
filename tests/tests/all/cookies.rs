//! The 222 http-state parser vectors (checklist D16) through the real component: the response to
//! `/cookie-parser?NNNN` carries the vector's `Set-Cookie` lines, the next request goes to its
//! `sent-to` URL, and the `Cookie` header the server receives must list the expected cookies in
//! order. The jar's clock is frozen at 2011-01-01, when the vectors were written.
//!
//! The vectors say port 8888; the server listens on a random port, so every vector host resolves
//! to it and `:8888` in `sent-to` URLs becomes the real port. Cookies ignore ports, and the
//! `Set-Cookie` lines are sent untouched (`Domain=home.example.org:8888` must still be refused).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use electron_net_host::{Event, FixedClock, Network, RequestOptions, Sessions};
use electron_net_tests::*;
use serde_json::Value;

/// Vectors that contradict RFC 6265bis and checklist D20: they expect a line with a NUL or CR
/// to be cut short, but such a line is ignored entirely (here the response is already refused
/// by the HTTP parser, which never accepts those bytes in a header). Nothing may be sent.
const CONTRADICTED: [&str; 2] = ["DISABLED_CHROMIUM0022", "DISABLED_CHROMIUM0023"];

const HOSTS: [&str; 4] = [
    "home.example.org",
    "sibling.example.org",
    "subdomain.home.example.org",
    "sibling.home.example.org",
];

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/http-state/parser.json");
    let text = std::fs::read_to_string(path).expect("tests/data/http-state/parser.json");
    match serde_json::from_str(&text).expect("valid JSON") {
        Value::Array(cases) => cases,
        _ => panic!("parser.json is a list of cases"),
    }
}

fn fetch(client: &Client, url: &str, partition: &str) -> Vec<Event> {
    let options = RequestOptions {
        use_session_cookies: true,
        partition: Some(partition.to_owned()),
        ..RequestOptions::url(url)
    };
    let mut request = client.request(&options).expect("request");
    request.end(None).expect("end");
    request.events_until_done().expect("events")
}

#[test]
fn http_state_parser_vectors_through_the_component() {
    let cases = cases();
    assert_eq!(cases.len(), 222);
    let set_cookies: HashMap<String, Vec<String>> = cases
        .iter()
        .map(|case| {
            let lines = case["received"].as_array().unwrap();
            let lines = lines
                .iter()
                .map(|l| l.as_str().unwrap().to_owned())
                .collect();
            (case["test"].as_str().unwrap().to_owned(), lines)
        })
        .collect();
    let server = Server::start(move |request, conn| {
        let lines = request
            .target
            .strip_prefix("/cookie-parser?")
            .and_then(|test| set_cookies.get(test));
        let headers: Vec<(&str, &str)> = lines
            .into_iter()
            .flatten()
            .map(|line| ("Set-Cookie", line.as_str()))
            .collect();
        conn.respond(200, &headers, "");
        After::KeepAlive
    });
    let port = server.port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let network = HOSTS
        .iter()
        .fold(Network::builder(), |network, host| {
            network.resolve(host, addr)
        })
        .build();
    let sessions = Sessions::builder()
        .clock(Arc::new(FixedClock::new(FixedClock::HTTP_STATE_EPOCH)))
        .build()
        .expect("in-memory sessions");
    let client = client_builder()
        .network(network)
        .sessions(Arc::new(sessions))
        .build_blocking()
        .expect("client");

    let mut failures = Vec::new();
    for case in &cases {
        let test = case["test"].as_str().unwrap();
        // One partition per vector: each starts with an empty jar.
        let partition = format!("http-state-{test}");
        fetch(
            &client,
            &format!("http://home.example.org:{port}/cookie-parser?{test}"),
            &partition,
        );
        let result = format!("http://home.example.org:{port}/cookie-parser-result?{test}");
        let sent_to = match case["sent-to"].as_str() {
            Some(relative) if relative.starts_with('/') => {
                format!("http://home.example.org:{port}{relative}")
            }
            Some(absolute) => absolute.replace(":8888", &format!(":{port}")),
            None => result,
        };
        let events = fetch(&client, &sent_to, &partition);
        assert!(
            response(&events).is_some(),
            "{test}: {:?}",
            error_message(&events)
        );
        let received = server.received().pop().expect("a request");
        assert!(
            received.target.starts_with("/cookie-parser-result"),
            "{test}: {}",
            received.target
        );
        let cookie = received.header("cookie").map(str::to_owned);
        let expected = if CONTRADICTED.contains(&test) {
            None
        } else {
            let sent: Vec<String> = case["sent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    format!(
                        "{}={}",
                        c["name"].as_str().unwrap(),
                        c["value"].as_str().unwrap()
                    )
                })
                .collect();
            (!sent.is_empty()).then(|| sent.join("; "))
        };
        if cookie != expected {
            failures.push(format!("{test}: sent {cookie:?}, expected {expected:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 222 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The http-state date vectors (checklist D16) through the real component: each date arrives as
/// the `Expires` of a `Set-Cookie` from a loopback server, with the jar's clock frozen one day
/// before the expected instant; the stored cookie must expire exactly then, and an unparsable
/// date must leave a session cookie.
#[test]
fn http_state_date_vectors_through_the_component() {
    let mut total = 0;
    let mut failures = Vec::new();
    for file in ["examples.json", "bsd-examples.json"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/http-state/dates/").to_owned() + file;
        // The BSD file opens with its licence as `//` comment lines, which JSON does not allow.
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
        for case in cases {
            total += 1;
            let date = case["test"].as_str().unwrap().to_owned();
            let expected = case["expected"].as_str().map(|text| {
                let time = httpdate::parse_http_date(text).expect("expected dates are HTTP dates");
                match time.duration_since(std::time::UNIX_EPOCH) {
                    Ok(after) => after.as_secs() as i64,
                    Err(before) => -(before.duration().as_secs() as i64),
                }
            });
            let line = format!("d=1; Expires={date}");
            let server = Server::start(move |_, conn| {
                conn.respond(200, &[("Set-Cookie", &line)], "");
                After::KeepAlive
            });
            let clock = FixedClock::new(expected.map_or(1_293_840_000, |t| t - 86_400));
            let sessions = Sessions::builder().clock(Arc::new(clock)).build().unwrap();
            let client = client_builder()
                .sessions(Arc::new(sessions.clone()))
                .build_blocking()
                .unwrap();
            let mut request = client
                .request(&RequestOptions {
                    use_session_cookies: true,
                    ..RequestOptions::url(server.url("/"))
                })
                .unwrap();
            request.end(None).unwrap();
            request.events_until_done().unwrap();
            let stored = sessions.cookies("").get(&Default::default());
            let got = stored.first().map(|cookie| cookie.expiration_date);
            let want = Some(expected.map(|t| t as f64));
            if stored.len() != 1 || got != want {
                failures.push(format!(
                    "{file} {date:?}: stored {got:?}, expected {want:?}"
                ));
            }
        }
    }
    println!(
        "http-state date vectors through the component: {} of {total} pass",
        total - failures.len()
    );
    assert_eq!(total, 70);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
