//! The host against a native pooled hyper-util client and a minimal `wstd` component, through the
//! same loopback server in one run.
//!
//! Run with `cargo bench -p electron-net-host` (release build). Every contender is warmed up
//! first; then blocks of each are interleaved round by round, so that a machine that speeds up
//! or slows down over the run affects all of them alike, and the median block is reported.
//!
//! What is measured: CPU time of the client's thread per request (the server runs on a thread
//! of its own, as a remote server would, and is left out), and wall time. The client, the
//! connection tasks and the component all run on that one thread: a current-thread runtime, as
//! an embedder would give them. Ratios are native time / our time (higher is better, 1.0 is
//! native speed), from CPU time except `seq_1ms`, which is about latency and uses wall time.
//! `vs_wstd_*` is the wstd component's time / ours. `rss_mib` is the peak growth of the process's
//! resident memory while the async API moves 1 GiB each way.
//!
//! Environment overrides, for quick runs: `BENCH_SEQ` (requests per sequential block, 1000),
//! `BENCH_ROUNDS` (blocks per contender, 5), `BENCH_WARMUP` (requests per contender before
//! measuring, 3000), `BENCH_BIG_MIB` (size of the big transfers, 1024), `BENCH_BIG_ROUNDS` (3).
//! `BENCH_PROFILE=seq`, `conc`, `native-seq` or `wstd-seq` runs only that case (`BENCH_ROUNDS` blocks), to be
//! profiled: `perf record -g target/release/deps/requests-*`.
//!
//! Last, a soak: `BENCH_SOAK` (100,000) sequential GETs through the async API, the process's
//! resident memory sampled every tenth of them; the growth after the first tenth (the warm-up)
//! is reported. `BENCH_PROFILE=soak` runs only that.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use electron_net_host::{Client, ClientRequest, Event, Network, RequestOptions, blocking};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::task::JoinSet;
use wasmtime::component::{Component, Linker, ResourceTable, TypedFunc};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

const SMALL: usize = 1024;
const CONCURRENCY: usize = 64;
/// Batches of 64 concurrent GETs per block.
const CONCURRENT_BATCHES: usize = 16;
/// Requests per block against the server that answers after 1 ms.
const SLOW_REQUESTS: usize = 200;
/// The piece a chunked upload writes at a time.
const UPLOAD_PIECE: usize = 1 << 20;
/// Response body taken per poll of the component.
const MAX_BYTES: u32 = 1 << 20;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seq = setting("BENCH_SEQ", 1000);
    let rounds = setting("BENCH_ROUNDS", 5);
    let warmup = setting("BENCH_WARMUP", 3000);
    let big = setting("BENCH_BIG_MIB", 1024) as u64 * (1 << 20);
    let big_rounds = setting("BENCH_BIG_ROUNDS", 3);

    // The server runs on its own thread, as a remote server would.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let addr = server_runtime.block_on(start_server());
    let base = format!("http://{addr}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let native = Native::new();
    let ours = Client::new().expect("client");
    let facade = blocking::Client::new().expect("blocking client");
    let mut peer = runtime.block_on(Peer::new());

    let small = format!("{base}/small");
    let slow = format!("{base}/slow");
    let big_url = format!("{base}/big/{big}");
    let upload_url = format!("{base}/upload");

    let soak_requests = setting("BENCH_SOAK", 100_000);
    if std::env::var("BENCH_PROFILE").as_deref() == Ok("soak") {
        soak(&runtime, &ours, &small, soak_requests);
        return;
    }
    // `BENCH_PROFILE=seq` (or `conc`, `native-seq`, `wstd-seq`) runs only that case, for a profiler.
    if let Ok(case) = std::env::var("BENCH_PROFILE") {
        runtime.block_on(async {
            for _ in 0..rounds {
                match case.as_str() {
                    "conc" => ours_concurrent(&ours, &small).await,
                    "native-seq" => native.seq(&small, seq).await,
                    // Native with a 300 s deadline per request, as every wasi:http request has.
                    "native-deadline-seq" => {
                        for _ in 0..seq {
                            let get = native.get(&small);
                            let got = tokio::time::timeout(Duration::from_secs(300), get).await;
                            assert_eq!(got.expect("in time"), SMALL as u64);
                        }
                    }
                    "wstd-seq" => peer.seq(&small, seq).await,
                    _ => ours_seq(&ours, &small, seq).await,
                }
            }
        });
        return;
    }

    eprintln!("warming up: {warmup} sequential GETs per contender");
    runtime.block_on(async {
        for _ in 0..warmup {
            native.get(&small).await;
            ours_get(&ours, &small).await;
            peer.get(&small).await;
        }
    });
    for _ in 0..warmup {
        facade_get(&facade, &small);
    }

    println!("sequential 1 KiB GETs, {rounds} interleaved blocks of {seq}, median per request:");
    let mut table = Table::new(seq as u32);
    for _ in 0..rounds {
        table.add(
            "native",
            measure(|| runtime.block_on(native.seq(&small, seq))),
        );
        table.add(
            "async",
            measure(|| runtime.block_on(ours_seq(&ours, &small, seq))),
        );
        table.add("blocking", measure(|| facade_seq(&facade, &small, seq)));
        table.add("wstd", measure(|| runtime.block_on(peer.seq(&small, seq))));
    }
    let seq_table = table.print();

    let conc = CONCURRENCY * CONCURRENT_BATCHES;
    println!(
        "\n{CONCURRENCY} concurrent 1 KiB GETs, {rounds} blocks of {conc}, median per request:"
    );
    let mut table = Table::new(conc as u32);
    for _ in 0..rounds {
        table.add(
            "native",
            measure(|| runtime.block_on(native.concurrent(&small))),
        );
        table.add(
            "async",
            measure(|| runtime.block_on(ours_concurrent(&ours, &small))),
        );
        table.add("blocking", measure(|| facade_concurrent(&facade, &small)));
    }
    println!(
        "  (blocking: {CONCURRENCY} OS threads; their CPU time is not on the measured thread)"
    );
    let conc_table = table.print();

    println!(
        "\nsequential GETs answered after 1 ms, {rounds} blocks of {SLOW_REQUESTS}, median per request:"
    );
    let mut table = Table::new(SLOW_REQUESTS as u32);
    for _ in 0..rounds {
        table.add(
            "native",
            measure(|| runtime.block_on(native.seq(&slow, SLOW_REQUESTS))),
        );
        table.add(
            "async",
            measure(|| runtime.block_on(ours_seq(&ours, &slow, SLOW_REQUESTS))),
        );
    }
    let slow_table = table.print();

    let mib = big >> 20;
    println!("\n{mib} MiB download, {big_rounds} blocks, median per MiB:");
    let mut table = Table::new(mib as u32);
    let mut rss_growth = 0;
    for _ in 0..big_rounds {
        table.add(
            "native",
            measure(|| runtime.block_on(native.download(&big_url, big))),
        );
        let (sample, growth) = with_peak_rss(|| {
            measure(|| {
                let got = runtime.block_on(ours_run(&ours, &big_url, None));
                assert_eq!(got, big);
            })
        });
        rss_growth = rss_growth.max(growth);
        table.add("async", sample);
        table.add(
            "wstd",
            measure(|| runtime.block_on(peer.download(&big_url, big))),
        );
    }
    let down_table = table.print();

    println!("\n{mib} MiB chunked upload in 1 MiB writes, {big_rounds} blocks, median per MiB:");
    let mut table = Table::new(mib as u32);
    for _ in 0..big_rounds {
        table.add(
            "native",
            measure(|| runtime.block_on(native.upload(&upload_url, big))),
        );
        let (sample, growth) = with_peak_rss(|| {
            measure(|| {
                let answer = runtime.block_on(ours_run(&ours, &upload_url, Some(big)));
                assert_eq!(answer, big.to_string().len() as u64);
            })
        });
        rss_growth = rss_growth.max(growth);
        table.add("async", sample);
        table.add(
            "wstd",
            measure(|| runtime.block_on(peer.upload(&upload_url, big))),
        );
    }
    let up_table = table.print();

    println!(
        "\ncomponent instances created by the async client over the whole run: {}",
        ours.instances_created()
    );
    println!(
        "TCP connections the server accepted: {}",
        ACCEPTED.load(Ordering::Relaxed)
    );
    println!("peak RSS growth while the async API moved {mib} MiB each way: {rss_growth} MiB");
    soak(&runtime, &ours, &small, soak_requests);
    let cpu = |table: &Summary, a: &str, b: &str| table.cpu(a) / table.cpu(b);
    println!(
        "summary: seq={:.2} conc64={:.2} down1g={:.2} up1g={:.2} seq_1ms={:.2} vs_wstd_seq={:.2} vs_wstd_down={:.2} rss_mib={}",
        cpu(&seq_table, "native", "async"),
        cpu(&conc_table, "native", "async"),
        cpu(&down_table, "native", "async"),
        cpu(&up_table, "native", "async"),
        slow_table.wall("native") / slow_table.wall("async"),
        cpu(&seq_table, "wstd", "async"),
        cpu(&down_table, "wstd", "async"),
        rss_growth,
    );
}

/// `requests` sequential GETs through the async API with resident memory sampled every tenth;
/// prints the samples and the growth after the first tenth.
fn soak(runtime: &tokio::runtime::Runtime, ours: &Client, url: &str, requests: usize) {
    let step = (requests / 10).max(1);
    let mut samples = Vec::new();
    for _ in 0..requests.div_ceil(step) {
        runtime.block_on(ours_seq(ours, url, step));
        samples.push(status_kib("VmRSS:") >> 10);
    }
    let after_warmup = samples[0];
    let growth = samples
        .iter()
        .max()
        .unwrap_or(&after_warmup)
        .saturating_sub(after_warmup);
    println!(
        "soak: {requests} sequential GETs, RSS every {step} (MiB): {samples:?}; growth after the first {step}: {growth} MiB"
    );
}

/// One block's cost.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    /// TCP connections the server accepted during the block.
    connections: usize,
}

fn measure(block: impl FnOnce()) -> Sample {
    let connections = ACCEPTED.load(Ordering::Relaxed);
    let cpu = thread_cpu();
    let wall = Instant::now();
    block();
    Sample {
        wall: wall.elapsed(),
        cpu: thread_cpu() - cpu,
        connections: ACCEPTED.load(Ordering::Relaxed) - connections,
    }
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Runs `block` and returns how far the process's resident memory rose above where it started
/// (peak, in MiB). Linux resets the peak when "5" is written to `clear_refs`.
fn with_peak_rss<T>(block: impl FnOnce() -> T) -> (T, u64) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS:");
    let result = block();
    let peak = status_kib("VmHWM:");
    (result, peak.saturating_sub(before) >> 10)
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Samples per contender, in the order contenders were first added.
struct Table {
    unit: u32,
    rows: Vec<(&'static str, Vec<Sample>)>,
}

/// Median cost per unit (request or MiB) of each contender.
struct Summary {
    rows: Vec<(&'static str, f64, f64)>,
}

impl Table {
    fn new(unit: u32) -> Table {
        Table {
            unit,
            rows: Vec::new(),
        }
    }

    fn add(&mut self, name: &'static str, sample: Sample) {
        match self.rows.iter_mut().find(|(row, _)| *row == name) {
            Some((_, samples)) => samples.push(sample),
            None => self.rows.push((name, vec![sample])),
        }
    }

    /// Prints each contender's medians (us per unit) and its ratio to native.
    fn print(&self) -> Summary {
        let median = |samples: &[Sample], pick: fn(&Sample) -> Duration| {
            let mut values: Vec<f64> = samples
                .iter()
                .map(|sample| pick(sample).as_secs_f64() * 1e6 / f64::from(self.unit))
                .collect();
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        let rows: Vec<_> = self
            .rows
            .iter()
            .map(|(name, samples)| {
                (
                    *name,
                    median(samples, |s| s.cpu),
                    median(samples, |s| s.wall),
                )
            })
            .collect();
        let (_, native_cpu, native_wall) = rows[0];
        for ((name, cpu, wall), (_, samples)) in rows.iter().zip(&self.rows) {
            let connections: usize = samples.iter().map(|s| s.connections).sum();
            println!(
                "  {name:<9} cpu {cpu:>9.1} us  wall {wall:>9.1} us   native/this: cpu {:.2}  wall {:.2}   ({connections} new connections)",
                native_cpu / cpu,
                native_wall / wall
            );
        }
        Summary { rows }
    }
}

impl Summary {
    fn row(&self, name: &str) -> (f64, f64) {
        let (_, cpu, wall) = self
            .rows
            .iter()
            .find(|(row, ..)| *row == name)
            .expect("row");
        (*cpu, *wall)
    }

    fn cpu(&self, name: &str) -> f64 {
        self.row(name).0
    }

    fn wall(&self, name: &str) -> f64 {
        self.row(name).1
    }
}

// --- the server -------------------------------------------------------------------------------

static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

/// Zeros, served or sent in pieces of a shared buffer.
struct Zeros {
    left: u64,
    piece: Bytes,
}

impl Zeros {
    fn new(total: u64, piece: usize) -> Zeros {
        Zeros {
            left: total,
            piece: Bytes::from(vec![b'x'; piece]),
        }
    }
}

impl Body for Zeros {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let take = self.left.min(self.piece.len() as u64) as usize;
        self.left -= take as u64;
        Poll::Ready((take > 0).then(|| Ok(Frame::data(self.piece.slice(..take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown, so that an upload goes out chunked.
        SizeHint::default()
    }
}

type ServerBody = BoxBody<Bytes, Infallible>;

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
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(route))
                    .await;
            });
        }
    });
    addr
}

/// `/small`, `/slow` (1 ms late), `/big/N` (N bytes, streamed with Content-Length), `/upload`
/// (answers the number of bytes received).
async fn route(
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<ServerBody>, Infallible> {
    static SMALL_BODY: [u8; SMALL] = [b'x'; SMALL];
    let path = request.uri().path().to_owned();
    let body = if path == "/small" {
        Full::new(Bytes::from_static(&SMALL_BODY)).boxed()
    } else if path == "/slow" {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Full::new(Bytes::from_static(&SMALL_BODY)).boxed()
    } else if let Some(size) = path.strip_prefix("/big/") {
        let size: u64 = size.parse().unwrap_or(0);
        let response = hyper::Response::builder()
            .header("content-length", size)
            .body(Zeros::new(size, 256 << 10).boxed())
            .expect("response");
        return Ok(response);
    } else {
        let mut body = request.into_body();
        let mut received = 0u64;
        while let Some(Ok(frame)) = body.frame().await {
            received += frame.data_ref().map_or(0, |data| data.len() as u64);
        }
        Full::new(Bytes::from(received.to_string())).boxed()
    };
    Ok(hyper::Response::new(body))
}

// --- the native client ------------------------------------------------------------------------

struct Native {
    client: HyperClient<HttpConnector, ServerBody>,
}

impl Native {
    fn new() -> Native {
        Native {
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    async fn send(&self, request: hyper::Request<ServerBody>) -> u64 {
        let response = self.client.request(request).await.expect("native request");
        let mut body = response.into_body();
        let mut length = 0;
        while let Some(frame) = body.frame().await {
            length += frame
                .expect("body")
                .data_ref()
                .map_or(0, |d| d.len() as u64);
        }
        length
    }

    async fn get(&self, url: &str) -> u64 {
        let request = hyper::Request::get(url)
            .body(Empty::new().boxed())
            .expect("request");
        self.send(request).await
    }

    async fn seq(&self, url: &str, requests: usize) {
        for _ in 0..requests {
            assert_eq!(self.get(url).await, SMALL as u64);
        }
    }

    async fn concurrent(&self, url: &str) {
        for _ in 0..CONCURRENT_BATCHES {
            let mut set = JoinSet::new();
            for _ in 0..CONCURRENCY {
                let client = self.client.clone();
                let url = url.to_owned();
                set.spawn(async move { Native { client }.get(&url).await });
            }
            while let Some(length) = set.join_next().await {
                assert_eq!(length.expect("task"), SMALL as u64);
            }
        }
    }

    async fn download(&self, url: &str, size: u64) {
        assert_eq!(self.get(url).await, size);
    }

    async fn upload(&self, url: &str, size: u64) {
        let request = hyper::Request::post(url)
            .body(Zeros::new(size, UPLOAD_PIECE).boxed())
            .expect("request");
        assert_eq!(self.send(request).await, size.to_string().len() as u64);
    }
}

// --- this crate's client ----------------------------------------------------------------------

async fn ours_get(client: &Client, url: &str) -> u64 {
    ours_run(client, url, None).await
}

async fn ours_seq(client: &Client, url: &str, requests: usize) {
    for _ in 0..requests {
        assert_eq!(ours_get(client, url).await, SMALL as u64);
    }
}

async fn ours_concurrent(client: &Client, url: &str) {
    for _ in 0..CONCURRENT_BATCHES {
        let mut set = JoinSet::new();
        for _ in 0..CONCURRENCY {
            let client = client.clone();
            let url = url.to_owned();
            set.spawn(async move { ours_get(&client, &url).await });
        }
        while let Some(length) = set.join_next().await {
            assert_eq!(length.expect("task"), SMALL as u64);
        }
    }
}

/// A GET, or with `upload` a chunked POST of that many bytes; returns the response body's length.
async fn ours_run(client: &Client, url: &str, upload: Option<u64>) -> u64 {
    let options = RequestOptions {
        method: Some(if upload.is_some() { "POST" } else { "GET" }.into()),
        ..RequestOptions::url(url)
    };
    let mut request = client.request(&options).await.expect("request");
    let mut left = upload.unwrap_or(0);
    if upload.is_some() {
        request.set_chunked_encoding(true).await.expect("chunked");
    } else {
        request.end(None).await.expect("end");
    }
    static PIECE: [u8; UPLOAD_PIECE] = [b'x'; UPLOAD_PIECE];
    let mut may_write = true;
    let mut received = 0;
    while !request.is_done() {
        while may_write && left > 0 {
            let take = left.min(UPLOAD_PIECE as u64) as usize;
            may_write = request.write(&PIECE[..take]).await.expect("write");
            left -= take as u64;
            if left == 0 {
                request.end(None).await.expect("end");
            }
        }
        received += next_events(&mut request, &mut may_write).await;
    }
    received
}

async fn next_events(request: &mut ClientRequest, may_write: &mut bool) -> u64 {
    let events = request
        .next_events(64, MAX_BYTES, Duration::from_secs(10))
        .await
        .expect("events");
    let mut received = 0;
    for event in events {
        match event {
            Event::Data(bytes) => received += bytes.len() as u64,
            Event::Drain => *may_write = true,
            Event::Error(error) => panic!("{}", error.message),
            _ => {}
        }
    }
    received
}

fn facade_get(client: &blocking::Client, url: &str) -> u64 {
    let mut request = client.request(&RequestOptions::url(url)).expect("request");
    request.end(None).expect("end");
    let mut received = 0;
    while !request.is_done().expect("done") {
        for event in request.wait_events(64, MAX_BYTES, 10_000).expect("events") {
            match event {
                Event::Data(bytes) => received += bytes.len() as u64,
                Event::Error(error) => panic!("{}", error.message),
                _ => {}
            }
        }
    }
    received
}

fn facade_seq(client: &blocking::Client, url: &str, requests: usize) {
    for _ in 0..requests {
        assert_eq!(facade_get(client, url), SMALL as u64);
    }
}

fn facade_concurrent(client: &blocking::Client, url: &str) {
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY {
            scope.spawn(|| {
                for _ in 0..CONCURRENT_BATCHES {
                    assert_eq!(facade_get(client, url), SMALL as u64);
                }
            });
        }
    });
}

// --- the wstd peer ----------------------------------------------------------------------------

/// The peer's store data: WASI and wasi:http over this crate's `Network`, so both components
/// share one kind of connection pool.
struct PeerState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    network: Network,
}

impl WasiView for PeerState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PeerState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.network,
        }
    }
}

type GetFn = TypedFunc<(String,), (Result<u64, String>,)>;
type UploadFn = TypedFunc<(String, u64, u32), (Result<u64, String>,)>;

/// One long-lived instance of the wstd component.
struct Peer {
    store: Store<PeerState>,
    get: GetFn,
    upload: UploadFn,
}

impl Peer {
    async fn new() -> Peer {
        let bytes = std::fs::read(build_peer()).expect("read the wstd peer");
        let engine = Engine::default();
        let component = Component::new(&engine, bytes).expect("compile the wstd peer");
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("link wasi");
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).expect("link http");
        let state = PeerState {
            table: ResourceTable::new(),
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            network: Network::builder().build(),
        };
        let mut store = Store::new(&engine, state);
        let instance = linker
            .instantiate_async(&mut store, &component)
            .await
            .expect("instantiate the wstd peer");
        let get = instance.get_typed_func(&mut store, "get").expect("get");
        let upload = instance
            .get_typed_func(&mut store, "upload")
            .expect("upload");
        Peer { store, get, upload }
    }

    async fn get(&mut self, url: &str) -> u64 {
        let (result,) = self
            .get
            .call_async(&mut self.store, (url.to_owned(),))
            .await
            .expect("call the wstd peer");
        result.expect("wstd get")
    }

    async fn seq(&mut self, url: &str, requests: usize) {
        for _ in 0..requests {
            assert_eq!(self.get(url).await, SMALL as u64);
        }
    }

    async fn download(&mut self, url: &str, size: u64) {
        assert_eq!(self.get(url).await, size);
    }

    async fn upload(&mut self, url: &str, size: u64) {
        let (result,) = self
            .upload
            .call_async(&mut self.store, (url.to_owned(), size, UPLOAD_PIECE as u32))
            .await
            .expect("call the wstd peer");
        assert_eq!(result.expect("wstd upload"), size.to_string().len() as u64);
    }
}

/// Builds the peer as the guest is built (release, size-optimised, LTO) and returns its path.
fn build_peer() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target_dir = root.join("target/bench-peer");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "electron-net-wstd-peer",
        ])
        .args(["--target", "wasm32-wasip2", "--target-dir"])
        .arg(&target_dir)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .expect("run cargo for the wstd peer");
    assert!(status.success(), "building the wstd peer failed");
    target_dir.join("wasm32-wasip2/release/electron_net_wstd_peer.wasm")
}
