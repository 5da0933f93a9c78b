//! Option parsing and URL composition (behaviour §2), observed through the real component.

use electron_net_host::{ErrorClass, RequestOptions};
use electron_net_tests::*;

fn create_error(options: &RequestOptions) -> electron_net_host::Error {
    match client().request(options) {
        Ok(_) => panic!("expected a synchronous error"),
        Err(error) => error,
    }
}

#[test]
fn invalid_url_throws_type_error_synchronously() {
    let error = create_error(&RequestOptions::url("not a url"));
    assert_eq!(error.to_string(), "Invalid URL");
    assert!(error.is_type_error());
    assert!(!error.is_runtime());
}

#[test]
fn non_http_protocol_throws() {
    let error = create_error(&RequestOptions::url("ftp://example.com/"));
    assert_eq!(
        error.to_string(),
        "ClientRequest only supports http: and https: protocols"
    );
    assert_eq!(error.request_error().unwrap().class, ErrorClass::Error);
    let composed = RequestOptions {
        protocol: Some("file:".into()),
        ..RequestOptions::empty()
    };
    assert_eq!(
        create_error(&composed).to_string(),
        "ClientRequest only supports http: and https: protocols"
    );
}

#[test]
fn unknown_redirect_mode_throws() {
    let options = RequestOptions {
        redirect: Some("sometimes".into()),
        ..RequestOptions::url("http://127.0.0.1/")
    };
    assert_eq!(
        create_error(&options).to_string(),
        "redirect mode should be one of follow, error or manual"
    );
}

#[test]
fn same_origin_credentials_require_origin() {
    let options = RequestOptions {
        credentials: Some("same-origin".into()),
        from_string: false,
        ..RequestOptions::url("http://127.0.0.1/")
    };
    assert_eq!(
        create_error(&options).to_string(),
        "credentials: same-origin requires origin to be set"
    );
}

#[test]
fn path_with_space_throws_type_error() {
    let options = RequestOptions {
        path: Some("/a b".into()),
        ..RequestOptions::empty()
    };
    let error = create_error(&options);
    assert_eq!(
        error.to_string(),
        "Request path contains unescaped characters"
    );
    assert!(error.is_type_error());
}

#[test]
fn invalid_credentials_cache_and_priority_values_are_ignored() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let options = RequestOptions {
        credentials: Some("sometimes".into()),
        cache: Some("whatever".into()),
        priority: Some("urgent".into()),
        referrer_policy: Some("nonsense".into()),
        ..RequestOptions::url(server.url("/"))
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(response(&events).unwrap().status_code, 200);
}

#[test]
fn url_is_composed_from_host_path_and_port_options() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    // `host` is used as is and `port`/`hostname` are then ignored; the fragment never goes out.
    let options = RequestOptions {
        protocol: Some("http:".into()),
        host: Some(format!("127.0.0.1:{}", server.port())),
        hostname: Some("ignored.invalid".into()),
        port: Some("1".into()),
        path: Some("/p?q=1#h".into()),
        ..RequestOptions::empty()
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        response(&events).unwrap().url,
        format!("http://127.0.0.1:{}/p?q=1#h", server.port())
    );
    let received = server.received();
    assert_eq!(received[0].target, "/p?q=1");
    assert_eq!(
        received[0].header("host").unwrap(),
        format!("127.0.0.1:{}", server.port())
    );
}

#[test]
fn hostname_and_port_compose_when_host_is_absent() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let options = RequestOptions {
        hostname: Some("127.0.0.1".into()),
        port: Some(server.port().to_string()),
        ..RequestOptions::empty()
    };
    let client = client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(
        response(&events).unwrap().url,
        format!("http://127.0.0.1:{}/", server.port())
    );
    assert_eq!(server.received()[0].target, "/");
}

#[test]
fn method_is_upper_cased() {
    let server = Server::start(|_, conn| {
        conn.respond(200, &[], "ok");
        After::KeepAlive
    });
    let client = client();
    let mut request = client.request(&options(&server.url("/"), "patch")).unwrap();
    request.end(Some(b"x")).unwrap();
    request.events_until_done().unwrap();
    assert_eq!(server.received()[0].method, "PATCH");
}

#[test]
fn bare_host_name_with_crlf_cannot_inject_a_header() {
    let options = RequestOptions {
        hostname: Some("127.0.0.1\r\nX-Injected: 1".into()),
        ..RequestOptions::empty()
    };
    assert_eq!(create_error(&options).to_string(), "Invalid URL");
}
