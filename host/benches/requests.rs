//! Sequential small GETs through the component vs a native pooled hyper client, against the same
//! loopback keep-alive server in the same run. Prints requests/s and the ratio.
//!
//! Run with `cargo bench -p electron-net-host` (release build). `BENCH_REQUESTS` sets the count.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use electron_net_host::{Client, Event, RequestOptions};
use http_body_util::{BodyExt, Empty, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};

const BODY: [u8; 1024] = [b'x'; 1024];

fn main() {
    let requests: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    // The server runs on its own thread, as a remote server would.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let addr = server_runtime.block_on(start_server());
    let url = format!("http://{addr}/");
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let accepted = || ACCEPTED.load(std::sync::atomic::Ordering::Relaxed);
    let native = client_runtime.block_on(native_gets(&url, requests));
    let native_connections = accepted();
    let component = component_gets(&url, requests);
    let component_connections = accepted() - native_connections;
    let create = component_create_only(requests);

    println!("sequential 1 KiB GETs over keep-alive loopback, {requests} each (best of 3 runs)");
    let micros = |elapsed: Duration| elapsed.as_secs_f64() * 1e6 / requests as f64;
    println!(
        "  native hyper-util client : {:>8.0} req/s ({:.0} us each)",
        per_second(native, requests),
        micros(native)
    );
    println!(
        "  component (wasmtime)     : {:>8.0} req/s ({:.0} us each)",
        per_second(component, requests),
        micros(component)
    );
    println!(
        "  ratio component/native   : {:>8.2}x",
        native.as_secs_f64() / component.as_secs_f64()
    );
    println!(
        "  TCP connections opened   : native {native_connections}, component {component_connections}"
    );
    println!(
        "  instantiate + create + drop without network: {:.1} us each",
        create.as_secs_f64() * 1e6 / requests as f64
    );
}

fn per_second(elapsed: Duration, requests: usize) -> f64 {
    requests as f64 / elapsed.as_secs_f64()
}

static ACCEPTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::spawn(async move {
                let service = service_fn(|_request| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(&BODY))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

async fn native_gets(url: &str, requests: usize) -> Duration {
    let client = HyperClient::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri: hyper::Uri = url.parse().expect("uri");
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..requests {
            let response = client.get(uri.clone()).await.expect("native get");
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            assert_eq!(body.len(), BODY.len());
        }
        best = best.min(started.elapsed());
    }
    best
}

fn component_gets(url: &str, requests: usize) -> Duration {
    let client = Client::new().expect("client");
    let options = RequestOptions::url(url);
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..requests {
            let mut request = client.request(&options).expect("request");
            request.end(None).expect("end");
            let mut received = 0;
            while !request.is_done().expect("done") {
                for event in request.wait_events(64, 1 << 20, 10_000).expect("events") {
                    match event {
                        Event::Data(bytes) => received += bytes.len(),
                        Event::Error(error) => panic!("{}", error.message),
                        _ => {}
                    }
                }
            }
            assert_eq!(received, BODY.len());
        }
        best = best.min(started.elapsed());
    }
    best
}

fn component_create_only(requests: usize) -> Duration {
    let client = Client::new().expect("client");
    let options = RequestOptions::url("http://127.0.0.1:9/");
    let started = Instant::now();
    for _ in 0..requests {
        drop(client.request(&options).expect("request"));
    }
    started.elapsed()
}
