//! Property test (issue 13 item 1, checklist A4): no credential is ever sent to an origin
//! other than the one it belongs to, over whole redirect chains, through the real component.
//!
//! Origin A (`127.0.0.1:PA`) holds every kind of credential: a host-only jar cookie, an
//! auth-cache entry used for preemptive Basic, URL userinfo on the first hop, Basic and Digest
//! logins answered during the chain. B (`127.0.0.1:PB`, another port) and L (`localhost:PA`,
//! another host on the same server) never ask for any. Random chains of redirects between them
//! must never bring `Authorization` to B or L, nor A's host-only cookie to L (cookies ignore
//! ports, so B may get it). 48 cases under `cargo test`; `PROPTEST_CASES=1000` for a long run.

use std::sync::Arc;

use electron_net_host::{Credentials, RequestOptions, Sessions};
use electron_net_tests::*;
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Origin {
    A,
    B,
    L,
}

#[derive(Clone, Copy, Debug)]
enum Guard {
    Open,
    Basic,
    Digest,
}

/// `/hop/<guard>/<rest>`: `rest` is the remaining chain as `A-basic.B-open...`.
fn hop_path(hops: &[(Origin, Guard)]) -> String {
    let encode = |(origin, guard): &(Origin, Guard)| format!("{origin:?}-{guard:?}");
    let rest: Vec<String> = hops.iter().skip(1).map(encode).collect();
    format!("/hop/{:?}/{}", hops[0].1, rest.join("."))
}

struct Origins {
    a: Server,
    b: Server,
}

impl Origins {
    fn base(&self, origin: Origin) -> String {
        match origin {
            Origin::A => self.a.url(""),
            Origin::B => self.b.url(""),
            Origin::L => localhost_url(&self.a, ""),
        }
    }
}

fn handler(req: &Received, conn: &mut Conn, others: &OriginsPorts) -> After {
    let Some(rest) = req.target.strip_prefix("/hop/") else {
        if req.target == "/set" {
            conn.respond(200, &[("Set-Cookie", "a=1; Path=/")], "set");
        } else if req.target == "/login" && req.header("authorization").is_none() {
            conn.respond(401, &[("WWW-Authenticate", "Basic realm=\"a\"")], "");
        } else {
            conn.respond(200, &[], "ok");
        }
        return After::KeepAlive;
    };
    let (guard, chain) = rest.split_once('/').unwrap_or((rest, ""));
    let challenge = match (guard, req.header("authorization")) {
        ("Basic", None) => Some("Basic realm=\"a\"".to_owned()),
        ("Digest", auth) if !auth.is_some_and(|a| a.starts_with("Digest ")) => {
            Some("Digest realm=\"d\", qop=\"auth\", algorithm=MD5, nonce=\"n0\"".to_owned())
        }
        _ => None,
    };
    if let Some(challenge) = challenge {
        conn.respond(401, &[("WWW-Authenticate", challenge.as_str())], "");
        return After::KeepAlive;
    }
    let mut hops = chain.split('.').filter(|s| !s.is_empty());
    match hops.next() {
        None => conn.respond(200, &[], "end"),
        Some(next) => {
            let (origin, guard) = next.split_once('-').unwrap();
            let base = match origin {
                "A" => format!("http://127.0.0.1:{}", others.a),
                "B" => format!("http://127.0.0.1:{}", others.b),
                _ => format!("http://localhost:{}", others.a),
            };
            let rest: Vec<&str> = hops.collect();
            let location = format!("{base}/hop/{guard}/{}", rest.join("."));
            conn.respond(302, &[("Location", location.as_str())], "");
        }
    }
    After::KeepAlive
}

struct OriginsPorts {
    a: u16,
    b: u16,
}

fn origin() -> impl Strategy<Value = Origin> {
    prop_oneof![Just(Origin::A), Just(Origin::B), Just(Origin::L)]
}

fn guard() -> impl Strategy<Value = Guard> {
    prop_oneof![Just(Guard::Open), Just(Guard::Basic), Just(Guard::Digest)]
}

#[test]
fn no_credential_reaches_another_origin_over_any_redirect_chain() {
    // Two servers, each told the other's port once both listen.
    let ports = Arc::new(std::sync::OnceLock::<OriginsPorts>::new());
    let (pa, pb) = (ports.clone(), ports.clone());
    let a = Server::start(move |req, conn| handler(req, conn, pa.get().unwrap()));
    let b = Server::start(move |req, conn| handler(req, conn, pb.get().unwrap()));
    let _ = ports.set(OriginsPorts {
        a: a.port(),
        b: b.port(),
    });
    let origins = Origins { a, b };

    proptest!(ProptestConfig::with_cases(48), |(
        first in guard(),
        rest in prop::collection::vec((origin(), guard()), 0..4),
        userinfo in any::<bool>(),
    )| {
        // Only A asks for credentials: B and L hops never challenge.
        let mut hops = vec![(Origin::A, first)];
        hops.extend(rest.into_iter().map(|(origin, guard)| match origin {
            Origin::A => (origin, guard),
            _ => (origin, Guard::Open),
        }));

        let sessions = Sessions::new();
        let client = client_builder()
            .sessions(Arc::new(sessions.clone()))
            // Another password per scheme: after a preemptive Basic answer is refused by a
            // Digest hop, the Digest answer is a different one, not a rejected one offered again.
            .credentials(RecordingProvider::by_challenge(|info, _| {
                Some(Credentials {
                    username: "alice".into(),
                    password: format!("{}-pass", info.scheme),
                })
            }))
            .build_blocking()
            .unwrap();
        let send = |url: String| {
            let options = RequestOptions { use_session_cookies: true, ..RequestOptions::url(url) };
            let mut request = client.request(&options).unwrap();
            request.end(None).unwrap();
            request.events_until_done().unwrap()
        };
        // A's credentials: a host-only cookie and an auth-cache entry for the whole origin.
        send(origins.a.url("/set"));
        send(origins.a.url("/login"));
        let (seen_a, seen_b) = (origins.a.received().len(), origins.b.received().len());

        let mut start = format!("{}{}", origins.base(Origin::A), hop_path(&hops));
        if userinfo {
            start = start.replacen("http://", "http://bob:builder@", 1);
        }
        let events = send(start);
        // The chain ends at its last hop, or at a login the component declines to answer again
        // (a preemptive Basic answer refused by a Digest hop is not offered twice in one
        // request); either way nothing may have leaked on the way.
        let status = response(&events).map(|head| head.status_code);
        prop_assert!(matches!(status, Some(200 | 401)), "{:?}", status);

        let at_a: Vec<Received> = origins.a.received().split_off(seen_a);
        let at_b: Vec<Received> = origins.b.received().split_off(seen_b);
        for request in &at_b {
            prop_assert_eq!(request.header("authorization"), None, "B got {:?}", request.target);
        }
        for request in at_a.iter().filter(|r| r.header("host").is_some_and(|h| h.starts_with("localhost"))) {
            prop_assert_eq!(request.header("authorization"), None, "L got {:?}", request.target);
            prop_assert_eq!(request.header("cookie"), None, "L got A's cookie at {:?}", request.target);
        }
    });
}
