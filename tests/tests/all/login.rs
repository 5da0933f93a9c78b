//! HTTP authentication: the `login` event, the session's auth cache and the host's credentials
//! callback (behaviour §7, §9; security checklist A4, E22-E24).

use std::collections::HashMap;

use electron_net_host::{AuthInfo, Credentials, Event, RequestOptions};
use electron_net_tests::*;
use md5::{Digest, Md5};

/// `Authorization` for Aladdin / open sesame (RFC 7617 §2).
const ALADDIN: &str = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
const CHALLENGE: (&str, &str) = ("WWW-Authenticate", "Basic realm=\"r\"");

fn aladdin() -> Credentials {
    Credentials {
        username: "Aladdin".into(),
        password: "open sesame".into(),
    }
}

fn credentials(username: &str, password: &str) -> Credentials {
    Credentials {
        username: username.into(),
        password: password.into(),
    }
}

/// A server that wants Basic Aladdin / open sesame for realm "r" on every path.
fn basic_server() -> Server {
    Server::start(|req, conn| {
        if req.header("authorization") == Some(ALADDIN) {
            conn.respond(200, &[], "welcome");
        } else {
            conn.respond(401, &[CHALLENGE], "denied");
        }
        After::KeepAlive
    })
}

fn send(client: &Client, options: &RequestOptions, body: Option<&[u8]>) -> ClientRequest {
    let mut request = client.request(options).expect("request");
    request.end(body).expect("end");
    request
}

fn logins(events: &[Event]) -> Vec<&AuthInfo> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Login(info) => Some(info),
            _ => None,
        })
        .collect()
}

/// Drives `request`, answering the n-th `login` with `answers[n]` (None once they run out).
fn answering(request: &mut ClientRequest, answers: Vec<Option<Credentials>>) -> Vec<Event> {
    let mut answers = answers.into_iter();
    drive_with(request, |request, event| {
        if let Event::Login(_) = event {
            request.answer_login(answers.next().flatten()).unwrap();
        }
    })
}

/// The folded response header `name`.
fn response_header<'a>(events: &'a [Event], name: &str) -> Option<&'a [String]> {
    response(events)?
        .headers
        .iter()
        .find(|h| h.name == name)
        .map(|h| h.values.as_slice())
}

#[test]
fn basic_challenge_emits_login_with_auth_info() {
    let server = basic_server();
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(&mut request, vec![None]);
    let infos = logins(&events);
    assert_eq!(infos.len(), 1);
    assert_eq!(
        *infos[0],
        AuthInfo {
            is_proxy: false,
            scheme: "basic".into(),
            host: "127.0.0.1".into(),
            port: server.port(),
            realm: "r".into(),
        }
    );
}

#[test]
fn login_with_credentials_retries_with_basic_authorization() {
    let server = basic_server();
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(&mut request, vec![Some(aladdin())]);
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "login",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"welcome");
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].header("authorization"), None);
    assert_eq!(received[1].header("authorization"), Some(ALADDIN));
}

#[test]
fn login_retry_resends_a_buffered_post_body() {
    let server = basic_server();
    let client = client();
    let mut request = send(
        &client,
        &options(&server.url("/upload"), "POST"),
        Some(b"field=value&other=1"),
    );
    let events = answering(&mut request, vec![Some(aladdin())]);
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = server.received();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/upload");
        assert_eq!(request.body, b"field=value&other=1");
    }
    assert_eq!(received[1].header("content-length"), Some("19"));
}

#[test]
fn login_without_credentials_delivers_the_401_and_its_body() {
    let server = basic_server();
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(&mut request, vec![None]);
    assert_eq!(
        names(&events),
        [
            "finish",
            "close",
            "login",
            "response",
            "data",
            "end",
            "response-close"
        ]
    );
    assert_eq!(error_message(&events), None);
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(body(&events), b"denied");
    assert_eq!(server.received().len(), 1);
}

#[test]
fn login_without_listener_delivers_the_401() {
    let server = basic_server();
    let events = get(&client(), &server.url("/"));
    assert_eq!(logins(&events).len(), 1);
    assert_eq!(error_message(&events), None);
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(body(&events), b"denied");
}

#[test]
fn abort_while_waiting_for_a_login_answer_emits_abort() {
    let server = basic_server();
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = drive_with(&mut request, |request, event| {
        if let Event::Login(_) = event {
            request.abort().unwrap();
        }
    });
    assert_eq!(names(&events), ["finish", "close", "login", "abort"]);
    assert_eq!(server.received().len(), 1);
}

#[test]
fn answer_login_when_not_waiting_for_a_login_throws() {
    let server = basic_server();
    let client = client();
    let expected = "login callback called, but was not waiting for a login";
    let mut request = client
        .request(&RequestOptions::url(server.url("/")))
        .unwrap();
    let early = request.answer_login(Some(aladdin())).unwrap_err();
    assert_eq!(early.to_string(), expected);
    request.end(None).unwrap();
    let mut second = None;
    let events = drive_with(&mut request, |request, event| {
        if let Event::Login(_) = event {
            request.answer_login(Some(aladdin())).unwrap();
            second = Some(request.answer_login(None).unwrap_err().to_string());
        }
    });
    assert_eq!(second.as_deref(), Some(expected));
    assert_eq!(response(&events).unwrap().status_code, 200);
    let late = request.answer_login(None).unwrap_err();
    assert_eq!(late.to_string(), expected);
}

#[test]
fn wrong_credentials_emit_another_login_for_every_attempt() {
    let server = basic_server();
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(
        &mut request,
        vec![
            Some(credentials("Aladdin", "wrong")),
            Some(credentials("Aladdin", "still wrong")),
            None,
        ],
    );
    assert_eq!(logins(&events).len(), 3);
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(body(&events), b"denied");
    let sent: Vec<Option<String>> = server
        .received()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        [
            None,
            Some("Basic QWxhZGRpbjp3cm9uZw==".to_owned()),
            Some("Basic QWxhZGRpbjpzdGlsbCB3cm9uZw==".to_owned()),
        ]
    );
}

#[test]
fn credentials_omit_delivers_the_401_without_login() {
    let server = basic_server();
    let options = RequestOptions {
        credentials: Some("omit".into()),
        ..RequestOptions::url(server.url("/"))
    };
    let events = send(&client(), &options, None).events_until_done().unwrap();
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
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(
        response_header(&events, "www-authenticate").unwrap(),
        ["Basic realm=\"r\""]
    );
    assert_eq!(body(&events), b"denied");
}

#[test]
fn credential_provider_answers_before_the_login_event() {
    let server = basic_server();
    let provider = RecordingProvider::always(aladdin());
    let client = client_builder()
        .credentials(provider.clone())
        .build_blocking()
        .unwrap();
    let options = RequestOptions {
        partition: Some("provider".into()),
        ..RequestOptions::url(server.url("/secret"))
    };
    let events = send(&client, &options, None).events_until_done().unwrap();
    assert!(logins(&events).is_empty());
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"welcome");
    let calls = provider.calls();
    assert_eq!(calls.len(), 1);
    let (partition, url, info, attempt) = &calls[0];
    assert_eq!(partition, "provider");
    assert_eq!(url, &server.url("/secret"));
    assert_eq!(info.scheme, "basic");
    assert_eq!(info.realm, "r");
    assert_eq!(info.port, server.port());
    assert!(!info.is_proxy);
    assert_eq!(*attempt, 1);
    assert_eq!(server.received()[1].header("authorization"), Some(ALADDIN));
}

#[test]
fn credential_provider_repeating_rejected_credentials_does_not_loop() {
    let server = basic_server();
    let provider = RecordingProvider::always(credentials("Aladdin", "wrong"));
    let client = client_builder()
        .credentials(provider.clone())
        .build_blocking()
        .unwrap();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(&mut request, vec![None]);
    // The provider's answer went to the server once; once rejected, the caller is asked.
    assert_eq!(logins(&events).len(), 1);
    assert_eq!(response(&events).unwrap().status_code, 401);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].header("authorization"),
        Some("Basic QWxhZGRpbjp3cm9uZw==")
    );
    let attempts: Vec<u32> = provider.calls().iter().map(|c| c.3).collect();
    assert_eq!(attempts.first(), Some(&1));
}

#[test]
fn accepted_credentials_are_cached_for_the_session() {
    let server = basic_server();
    let client = client();
    let mut first = send(
        &client,
        &RequestOptions::url(server.url("/private/a")),
        None,
    );
    let events = answering(&mut first, vec![Some(aladdin())]);
    assert_eq!(logins(&events).len(), 1);
    assert_eq!(response(&events).unwrap().status_code, 200);
    let before = server.received().len();

    let mut second = send(
        &client,
        &RequestOptions::url(server.url("/private/b")),
        None,
    );
    let events = answering(&mut second, vec![None]);
    assert!(logins(&events).is_empty(), "{:?}", names(&events));
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"welcome");
    let received = server.received();
    assert_eq!(received.last().unwrap().target, "/private/b");
    assert_eq!(
        received.last().unwrap().header("authorization"),
        Some(ALADDIN)
    );
    assert!(received.len() - before <= 2);
}

#[test]
fn another_partition_gets_its_own_login() {
    let server = basic_server();
    let client = client();
    let mut first = send(
        &client,
        &RequestOptions::url(server.url("/private/a")),
        None,
    );
    let events = answering(&mut first, vec![Some(aladdin())]);
    assert_eq!(response(&events).unwrap().status_code, 200);

    let options = RequestOptions {
        partition: Some("other".into()),
        ..RequestOptions::url(server.url("/private/a"))
    };
    let mut second = send(&client, &options, None);
    let events = answering(&mut second, vec![None]);
    assert_eq!(logins(&events).len(), 1);
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(
        server.received().last().unwrap().header("authorization"),
        None
    );
}

#[test]
fn credentials_from_a_login_are_not_sent_to_another_origin_after_a_redirect() {
    // Same host, same realm, another port: another protection space.
    let other = basic_server();
    let other_url = other.url("/landed");
    let server = Server::start(move |req, conn| {
        if req.header("authorization") == Some(ALADDIN) {
            conn.respond(302, &[("Location", &other_url)], "");
        } else {
            conn.respond(401, &[CHALLENGE], "denied");
        }
        After::KeepAlive
    });
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/start")), None);
    let events = answering(&mut request, vec![Some(aladdin()), None]);
    let infos = logins(&events);
    assert_eq!(infos.len(), 2, "{:?}", names(&events));
    assert_eq!(infos[0].port, server.port());
    assert_eq!(infos[1].port, other.port());
    assert_eq!(response(&events).unwrap().status_code, 401);
    let landed = other.received();
    assert_eq!(landed.len(), 1);
    assert_eq!(landed[0].header("authorization"), None);
}

#[test]
fn unknown_scheme_delivers_the_401_without_login() {
    let server = Server::start(|_, conn| {
        conn.respond(401, &[("WWW-Authenticate", "Negotiate")], "negotiate");
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
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(body(&events), b"negotiate");
    assert_eq!(server.received().len(), 1);
}

#[test]
fn credentials_in_the_url_answer_the_challenge_without_login() {
    let server = Server::start(|req, conn| {
        if req.header("authorization") == Some("Basic dXNlcjpwYXNz") {
            conn.respond(200, &[], "welcome");
        } else {
            conn.respond(401, &[CHALLENGE], "denied");
        }
        After::KeepAlive
    });
    let url = format!("http://user:pass@127.0.0.1:{}/", server.port());
    let events = get(&client(), &url);
    assert!(logins(&events).is_empty(), "{:?}", names(&events));
    assert_eq!(response(&events).unwrap().status_code, 200);
    let received = server.received();
    assert_eq!(
        received.last().unwrap().header("authorization"),
        Some("Basic dXNlcjpwYXNz")
    );
}

#[test]
fn colon_in_a_basic_user_name_fails_with_invalid_auth_credentials() {
    let server = basic_server();
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(
        &mut request,
        vec![Some(credentials("Ala:ddin", "open sesame"))],
    );
    assert_eq!(names(&events), ["finish", "close", "login", "error"]);
    assert_eq!(
        error_message(&events).unwrap(),
        "net::ERR_INVALID_AUTH_CREDENTIALS"
    );
    assert_eq!(server.received().len(), 1);
}

// ----- Digest (RFC 7616, MD5, qop=auth) -----

const DIGEST_REALM: &str = "digest@loopback";

fn md5_hex(text: &str) -> String {
    format!("{:x}", Md5::digest(text.as_bytes()))
}

/// The `response` parameter of RFC 7616 §3.4.1 for MD5 and qop=auth.
#[allow(clippy::too_many_arguments)]
fn digest_response(
    username: &str,
    realm: &str,
    password: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    nc: &str,
    cnonce: &str,
) -> String {
    let ha1 = md5_hex(&format!("{username}:{realm}:{password}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
}

/// The parameters of a `Digest ...` credentials header, names lowercased, quotes removed.
fn digest_params(header: &str) -> Option<HashMap<String, String>> {
    let (scheme, rest) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let mut params = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(' ' | ',' | '\t')) {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if chars.next().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    Some(params)
}

/// The nonce of a request's Digest credentials when they are valid for Mufasa / Circle of Life.
fn valid_digest_nonce(req: &Received) -> Option<String> {
    let params = digest_params(req.header("authorization")?)?;
    let get = |name: &str| params.get(name).map(String::as_str);
    let (uri, nonce, nc, cnonce) = (get("uri")?, get("nonce")?, get("nc")?, get("cnonce")?);
    let valid = get("username") == Some("Mufasa")
        && get("realm") == Some(DIGEST_REALM)
        && get("qop") == Some("auth")
        && get("opaque") == Some("opaque-value")
        && uri == req.target
        && get("response")
            == Some(
                digest_response(
                    "Mufasa",
                    DIGEST_REALM,
                    "Circle of Life",
                    &req.method,
                    uri,
                    nonce,
                    nc,
                    cnonce,
                )
                .as_str(),
            );
    valid.then(|| nonce.to_owned())
}

fn digest_challenge(nonce: &str, stale: bool) -> String {
    let stale = if stale { ", stale=true" } else { "" };
    format!(
        "Digest realm=\"{DIGEST_REALM}\", qop=\"auth\", algorithm=MD5, nonce=\"{nonce}\", \
         opaque=\"opaque-value\"{stale}"
    )
}

fn mufasa() -> Credentials {
    credentials("Mufasa", "Circle of Life")
}

#[test]
fn digest_challenge_is_answered_after_login() {
    // The verifier itself against RFC 7616 §3.9.1.
    assert_eq!(
        digest_response(
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            "00000001",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        ),
        "8ca523f5e9506fed4657c9700eebdbec"
    );
    let server = Server::start(|req, conn| {
        if valid_digest_nonce(req).as_deref() == Some("nonce-1") {
            conn.respond(200, &[], "digest ok");
        } else {
            let challenge = digest_challenge("nonce-1", false);
            conn.respond(401, &[("WWW-Authenticate", &challenge)], "denied");
        }
        After::KeepAlive
    });
    let client = client();
    let mut request = send(
        &client,
        &RequestOptions::url(server.url("/dir/index.html?q=1")),
        None,
    );
    let events = answering(&mut request, vec![Some(mufasa())]);
    let infos = logins(&events);
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].scheme, "digest");
    assert_eq!(infos[0].realm, DIGEST_REALM);
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"digest ok");
    assert_eq!(server.received().len(), 2);
}

#[test]
fn digest_stale_nonce_is_retried_once_without_login() {
    let server = Server::start(|req, conn| {
        let (nonce, stale) = match valid_digest_nonce(req).as_deref() {
            Some("nonce-2") => {
                conn.respond(200, &[], "fresh nonce ok");
                return After::KeepAlive;
            }
            // Right credentials, expired nonce.
            Some("nonce-1") => ("nonce-2", true),
            _ => ("nonce-1", false),
        };
        let challenge = digest_challenge(nonce, stale);
        conn.respond(401, &[("WWW-Authenticate", &challenge)], "denied");
        After::KeepAlive
    });
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(&mut request, vec![Some(mufasa())]);
    assert_eq!(logins(&events).len(), 1, "{:?}", names(&events));
    assert_eq!(response(&events).unwrap().status_code, 200);
    assert_eq!(body(&events), b"fresh nonce ok");
    let nonces: Vec<Option<String>> = server.received().iter().map(valid_digest_nonce).collect();
    assert_eq!(
        nonces,
        [None, Some("nonce-1".to_owned()), Some("nonce-2".to_owned())]
    );
}

/// A server that answers `stale=true` to every answer gets one silent retry (checklist E23),
/// then the credentials count as refused: the caller is asked again.
#[test]
fn a_server_that_is_always_stale_gets_one_silent_retry() {
    let server = Server::start(|req, conn| {
        let (nonce, stale) = match valid_digest_nonce(req) {
            Some(nonce) => (format!("{nonce}+"), true),
            None => ("nonce-1".to_owned(), false),
        };
        let challenge = digest_challenge(&nonce, stale);
        conn.respond(401, &[("WWW-Authenticate", &challenge)], "denied");
        After::KeepAlive
    });
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/")), None);
    let events = answering(&mut request, vec![Some(mufasa()), None]);
    assert_eq!(logins(&events).len(), 2, "{:?}", names(&events));
    assert_eq!(response(&events).unwrap().status_code, 401);
    let nonces: Vec<Option<String>> = server.received().iter().map(valid_digest_nonce).collect();
    assert_eq!(
        nonces,
        [
            None,
            Some("nonce-1".to_owned()),
            Some("nonce-1+".to_owned())
        ]
    );
}

// ----- Paths the issue-13 audit found untested -----

/// A chunked body went out once and cannot be sent again: answering the login of a 401 to it
/// fails the request with Chromium's rewind error, after the login event.
#[test]
fn a_401_on_a_chunked_body_cannot_be_retried() {
    let server = basic_server();
    let client = client();
    let mut request = client
        .request(&RequestOptions {
            method: Some("POST".into()),
            ..RequestOptions::url(server.url("/upload"))
        })
        .unwrap();
    request.set_chunked_encoding(true).unwrap();
    request.write(b"streamed once").unwrap();
    request.end(None).unwrap();
    let events = answering(&mut request, vec![Some(aladdin())]);
    assert_eq!(logins(&events).len(), 1);
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED")
    );
    // The body went out once, with no credentials; no second attempt reached the server.
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body, b"streamed once");
}

/// A server that refuses every answer gets at most ten rounds of them (Chromium's limit), then
/// the caller gets its 401.
#[test]
fn logins_stop_after_ten_rounds() {
    let server = basic_server();
    // Always new credentials, so the never-twice rule does not end it early.
    let provider =
        RecordingProvider::new(|attempt| Some(credentials("user", &format!("try-{attempt}"))));
    let client = client_builder()
        .credentials(provider.clone())
        .build_blocking()
        .unwrap();
    let events = send(&client, &RequestOptions::url(server.url("/")), None)
        .events_until_done()
        .unwrap();
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert!(
        logins(&events).is_empty(),
        "the provider answered every round"
    );
    assert_eq!(provider.calls().len(), 10);
    // The first request plus ten answered rounds.
    assert_eq!(server.received().len(), 11);
}

/// Digest state belongs to one hop: after a redirect within the origin, the next protected
/// resource gets a fresh challenge answered from the auth cache (no second login), with the new
/// nonce and a new count.
#[test]
fn digest_state_starts_over_after_a_redirect() {
    let server = Server::start(|req, conn| {
        let (path, nonce) = if req.target.starts_with("/first") {
            ("/first", "nonce-first")
        } else {
            ("/second", "nonce-second")
        };
        match valid_digest_nonce(req) {
            Some(n) if n == nonce && path == "/first" => {
                conn.respond(302, &[("Location", "/second")], "")
            }
            Some(n) if n == nonce => conn.respond(200, &[], "second ok"),
            _ => {
                let challenge = digest_challenge(nonce, false);
                conn.respond(401, &[("WWW-Authenticate", &challenge)], "denied");
            }
        }
        After::KeepAlive
    });
    let client = client();
    let mut request = send(&client, &RequestOptions::url(server.url("/first")), None);
    let events = answering(&mut request, vec![Some(mufasa())]);
    assert_eq!(
        logins(&events).len(),
        1,
        "the cache answered the second challenge"
    );
    assert_eq!(body(&events), b"second ok");
    let received = server.received();
    let targets: Vec<&str> = received.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/first", "/first", "/second", "/second"]);
    // The redirected request carried no stale Digest answer for the old nonce.
    assert_eq!(received[2].header("authorization"), None);
    let params = digest_params(received[3].header("authorization").unwrap()).unwrap();
    assert_eq!(params["nonce"], "nonce-second");
    assert_eq!(params["nc"], "00000001");
}

/// A Digest challenge with an algorithm the component cannot compute is not answerable: no
/// login, the 401 is delivered as the response.
#[test]
fn digest_with_an_unknown_algorithm_delivers_the_401() {
    let server = Server::start(|_, conn| {
        conn.respond(
            401,
            &[(
                "WWW-Authenticate",
                "Digest realm=\"r\", qop=\"auth\", algorithm=SHA3-FANCY, nonce=\"n\"",
            )],
            "denied",
        );
        After::KeepAlive
    });
    let provider = RecordingProvider::always(mufasa());
    let client = client_builder()
        .credentials(provider.clone())
        .build_blocking()
        .unwrap();
    let events = send(&client, &RequestOptions::url(server.url("/")), None)
        .events_until_done()
        .unwrap();
    assert!(logins(&events).is_empty());
    assert!(provider.calls().is_empty());
    assert_eq!(response(&events).unwrap().status_code, 401);
    assert_eq!(body(&events), b"denied");
    assert_eq!(server.received().len(), 1);
}
