//! Mock proxies and a recording credential provider for the proxy modules' tests, on the
//! network's shared loopback test server.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wasmtime_wasi_http::Error;

use super::Proxy;
use crate::bindings::electron::net::types::{AuthInfo, Credentials};
use crate::credentials::CredentialProvider;
use crate::network::test_server::{TestServer, serve};

/// `user:pass` in Basic.
pub(super) const USER_PASS: &str = "Basic dXNlcjpwYXNz";
const CHALLENGE: &str = "Basic realm=\"proxy\"";

/// A request as a mock proxy saw it.
#[derive(Clone, Debug)]
pub(super) struct Seen {
    pub(super) connection: usize,
    pub(super) head: String,
    pub(super) body: Vec<u8>,
}

impl Seen {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

pub(super) type Log = Arc<Mutex<Vec<Seen>>>;

/// Reads one request (head and Content-Length body) from a keep-alive connection.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 65536];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8(buffer.drain(..end).collect()).unwrap();
    let length = head
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    while buffer.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buffer.drain(..length).collect();
    Some((head, body))
}

/// A proxy for absolute-form requests answering each with `answer(request)`, recording all.
pub(super) async fn mock_proxy(answer: fn(&Seen) -> String) -> (TestServer, Log) {
    let log = Log::default();
    let record = log.clone();
    let server = serve(move |mut stream, connection| {
        let record = record.clone();
        async move {
            let mut buffer = Vec::new();
            while let Some((head, body)) = read_request(&mut stream, &mut buffer).await {
                let seen = Seen {
                    connection,
                    head,
                    body,
                };
                record.lock().unwrap().push(seen.clone());
                if stream.write_all(answer(&seen).as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (server, log)
}

/// 200 with `user:pass`, else 407 with a Basic challenge.
pub(super) fn wants_user_pass(seen: &Seen) -> String {
    if seen.header("proxy-authorization") == Some(USER_PASS) {
        let body = String::from_utf8_lossy(&seen.body).into_owned();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    } else {
        format!(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: {CHALLENGE}\r\n\
             Content-Length: 6\r\n\r\ndenied"
        )
    }
}

/// Records every call; answers attempt n with `answer(n)`.
pub(super) struct Provider {
    calls: Mutex<Vec<(String, String, AuthInfo, u32)>>,
    answer: fn(u32) -> Option<Credentials>,
}

impl Provider {
    pub(super) fn new(answer: fn(u32) -> Option<Credentials>) -> Arc<Provider> {
        Arc::new(Provider {
            calls: Mutex::default(),
            answer,
        })
    }

    pub(super) fn calls(&self) -> Vec<(String, String, AuthInfo, u32)> {
        self.calls.lock().unwrap().clone()
    }
}

impl CredentialProvider for Provider {
    fn provide_credentials(
        &self,
        partition: &str,
        url: &str,
        info: &AuthInfo,
        attempt: u32,
    ) -> Option<Credentials> {
        let call = (partition.to_owned(), url.to_owned(), info.clone(), attempt);
        self.calls.lock().unwrap().push(call);
        (self.answer)(attempt)
    }
}

pub(super) fn user_pass(_: u32) -> Option<Credentials> {
    Some(Credentials {
        username: "user".into(),
        password: "pass".into(),
    })
}

pub(super) fn proxy_at(server: &TestServer) -> Proxy {
    Proxy::parse(&format!("http://{}", server.addr)).unwrap()
}

pub(super) fn is_proxy_connection_failed(error: &Error) -> bool {
    matches!(error, Error::InternalError(Some(m)) if m == "net::ERR_PROXY_CONNECTION_FAILED")
}
