//! HTTPS through the Rust host (issue 12 item 2's extra CA; checklist A2 end to end): loopback
//! TLS origins with the JavaScript package's test certificates (`js/test/fixtures/`, a test CA
//! and certificates for 127.0.0.1 signed by it), trusted only through
//! `NetworkBuilder::add_root_certificates_pem`.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use electron_net_host::{Network, RequestOptions};
use electron_net_tests::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn fixture(name: &str) -> String {
    format!("{}/../js/test/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A TLS origin on 127.0.0.1 presenting `certificate`; answers every request (one per
/// connection) with the raw response `answer` gives, and records what it received.
struct TlsServer {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl TlsServer {
    fn start(
        certificate: &str,
        answer: impl Fn(&Received) -> String + Send + Sync + 'static,
    ) -> TlsServer {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(fixture(certificate))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, log, answer) = (config.clone(), log.clone(), answer.clone());
                std::thread::spawn(move || {
                    let connection = rustls::ServerConnection::new(config).unwrap();
                    let mut stream = rustls::StreamOwned::new(connection, tcp);
                    // A failed handshake (the client refused the certificate) ends here.
                    let Some(request) = read_request(&mut BufReader::new(&mut stream), 0) else {
                        return;
                    };
                    let response = answer(&request);
                    log.lock().unwrap().push(request);
                    let _ = stream.write_all(response.as_bytes());
                    let _ = stream.flush();
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                });
            }
        });
        TlsServer { port, received }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }
}

fn ok(_: &Received) -> String {
    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure".into()
}

/// A client that trusts the test CA besides the webpki roots.
fn trusting_client() -> Client {
    let pem = std::fs::read(fixture("ca.pem")).unwrap();
    let network = Network::builder()
        .add_root_certificates_pem(&pem)
        .unwrap()
        .build();
    client_builder().network(network).build_blocking().unwrap()
}

#[test]
fn a_certificate_from_an_added_ca_is_trusted() {
    let server = TlsServer::start("valid.pem", ok);
    let events = get(&trusting_client(), &server.url("/"));
    assert_eq!(response(&events).map(|head| head.status_code), Some(200));
    assert_eq!(body(&events), b"secure");
    // Over https Chromium also asks for br and zstd.
    let received = server.received.lock().unwrap()[0].clone();
    assert_eq!(
        received.header("accept-encoding"),
        Some("gzip, deflate, br, zstd")
    );
}

#[test]
fn without_the_ca_the_same_certificate_is_untrusted() {
    let server = TlsServer::start("valid.pem", ok);
    let events = get(&client(), &server.url("/"));
    assert_eq!(
        error_message(&events).as_deref(),
        Some("net::ERR_CERT_AUTHORITY_INVALID")
    );
    assert!(server.received.lock().unwrap().is_empty());
}

#[test]
fn expired_wrong_name_and_self_signed_certificates_fail_with_chromiums_names() {
    let client = trusting_client();
    for (certificate, expected) in [
        ("expired.pem", "net::ERR_CERT_DATE_INVALID"),
        ("wrong-name.pem", "net::ERR_CERT_COMMON_NAME_INVALID"),
        ("self-signed.pem", "net::ERR_CERT_AUTHORITY_INVALID"),
    ] {
        let server = TlsServer::start(certificate, ok);
        let events = get(&client, &server.url("/"));
        assert_eq!(
            error_message(&events).as_deref(),
            Some(expected),
            "{certificate}"
        );
        assert!(server.received.lock().unwrap().is_empty(), "{certificate}");
    }
}

#[test]
fn an_invalid_ca_file_is_refused() {
    let error = Network::builder()
        .add_root_certificates_pem(b"not a certificate")
        .unwrap_err();
    assert!(
        error.to_string().starts_with("invalid CA certificates"),
        "{error}"
    );
}

/// Checklist A2: on an https → http redirect to the same host, user-set `Authorization` and
/// `Cookie` are dropped and no `Referer` goes out (strict-origin-when-cross-origin downgrade).
#[test]
fn an_https_to_http_redirect_drops_credentials_and_the_referer() {
    let plain = Server::start(|_, conn| {
        conn.respond(200, &[], "landed");
        After::Close
    });
    let landing = plain.url("/landing");
    let secure = TlsServer::start("valid.pem", move |_| {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {landing}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    });
    let options = RequestOptions {
        headers: vec![
            ("Authorization".into(), "Bearer secret".into()),
            ("Cookie".into(), "session=secret".into()),
            ("Referer".into(), secure.url("/page")),
        ],
        ..RequestOptions::url(secure.url("/start"))
    };
    let client = trusting_client();
    let mut request = client.request(&options).unwrap();
    request.end(None).unwrap();
    let events = request.events_until_done().unwrap();
    assert_eq!(body(&events), b"landed");

    let first = secure.received.lock().unwrap()[0].clone();
    assert_eq!(first.header("authorization"), Some("Bearer secret"));
    assert_eq!(first.header("cookie"), Some("session=secret"));
    let landed = &plain.received()[0];
    assert_eq!(landed.header("authorization"), None);
    assert_eq!(landed.header("cookie"), None);
    assert_eq!(landed.header("referer"), None);
}
