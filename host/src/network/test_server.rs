//! The loopback HTTP server the network's unit tests talk to (direct requests, and the mock
//! proxies of the proxy modules), and the requests and bodies they exchange with it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Empty};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wasmtime_wasi_http::{Error, WasiBody};

/// A loopback server running `handler` for every accepted connection, which it receives
/// with the connection's index (0 for the first accepted one).
pub(super) struct TestServer {
    pub(super) addr: SocketAddr,
    pub(super) accepted: Arc<AtomicUsize>,
}

pub(super) async fn serve<F, Fut>(handler: F) -> TestServer
where
    F: Fn(TcpStream, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let index = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(stream, index));
        }
    });
    TestServer { addr, accepted }
}

/// Reads one request head; `None` once the client has closed the connection. The client
/// never pipelines and tests send no request bodies, so reading past the head is impossible.
pub(super) async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(String::from_utf8(head).unwrap())
}

/// Keeps the connection open (and unanswered) until the test's runtime shuts down.
pub(super) async fn hold(stream: TcpStream) {
    let _open = stream;
    std::future::pending::<()>().await;
}

pub(super) fn empty_body() -> WasiBody {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed_unsync()
}

pub(super) fn get(uri: &str) -> Request<WasiBody> {
    Request::get(uri).body(empty_body()).unwrap()
}

pub(super) async fn read_body(response: Response<WasiBody>) -> Result<Bytes, Error> {
    Ok(response.into_body().collect().await?.to_bytes())
}

/// Sends `response` verbatim to the first request on each connection, then closes.
pub(super) async fn respond_once(response: &'static [u8]) -> TestServer {
    serve(move |mut stream, _| async move {
        if read_head(&mut stream).await.is_some() {
            let _ = stream.write_all(response).await;
        }
    })
    .await
}
