//! The async API on the caller's runtime, and the worker instances behind both APIs: reuse,
//! recycling, partitions, limits and traps.

use std::time::Duration;

use electron_net_host::{Event, NetError, RequestOptions, WorkerLimits};
use electron_net_tests::*;
use tokio::task::JoinSet;

fn hello_server() -> Server {
    Server::start(|req, conn| {
        conn.respond(200, &[("Content-Type", "text/plain")], &req.target);
        After::KeepAlive
    })
}

/// An async client with the test binary's compilation cache.
fn async_client(limits: WorkerLimits) -> electron_net_host::Client {
    client_builder()
        .worker_limits(limits)
        .build()
        .expect("client")
}

/// The blocking facade over the same, for tests that drive requests from plain threads.
fn blocking_client(limits: WorkerLimits) -> Client {
    client_builder()
        .worker_limits(limits)
        .build_blocking()
        .expect("client")
}

async fn async_get(client: &electron_net_host::Client, url: &str) -> Vec<Event> {
    let mut request = client
        .request(&RequestOptions::url(url))
        .await
        .expect("request");
    request.end(None).await.expect("end");
    request.events_until_done().await.expect("events")
}

fn status(events: &[Event]) -> Option<u16> {
    response(events).map(|head| head.status_code)
}

#[tokio::test]
async fn async_requests_run_concurrently_on_the_callers_runtime() {
    let server = hello_server();
    let client = async_client(WorkerLimits::default());
    let mut set = JoinSet::new();
    for index in 0..16 {
        let client = client.clone();
        let url = server.url(&format!("/{index}"));
        set.spawn(async move { (index, async_get(&client, &url).await) });
    }
    while let Some(joined) = set.join_next().await {
        let (index, events) = joined.expect("task");
        assert_eq!(status(&events), Some(200));
        assert_eq!(body(&events), format!("/{index}").as_bytes());
        assert_eq!(names(&events).last(), Some(&"response-close"));
    }
    // A worker per request in flight at most, and far fewer than one per request later on.
    assert!(client.instances_created() <= 16);
    let before = client.instances_created();
    for _ in 0..20 {
        assert_eq!(
            status(&async_get(&client, &server.url("/")).await),
            Some(200)
        );
    }
    assert_eq!(
        client.instances_created(),
        before,
        "idle workers are reused"
    );
}

#[test]
fn sequential_requests_share_one_worker() {
    let server = hello_server();
    let client = client();
    for _ in 0..30 {
        assert_eq!(status(&get(&client, &server.url("/"))), Some(200));
    }
    assert_eq!(client.as_async().instances_created(), 1);
}

#[test]
fn a_worker_is_replaced_after_max_requests() {
    let server = hello_server();
    let client = blocking_client(WorkerLimits {
        max_requests: 3,
        ..WorkerLimits::default()
    });
    for _ in 0..10 {
        assert_eq!(status(&get(&client, &server.url("/"))), Some(200));
    }
    // Requests 1-3, 4-6, 7-9 and 10 each had a worker of their own.
    assert_eq!(client.as_async().instances_created(), 4);
}

#[test]
fn partitions_never_share_a_worker() {
    let server = hello_server();
    let client = client();
    for round in 0..6 {
        let partition = if round % 2 == 0 { "a" } else { "persist:b" };
        let options = RequestOptions {
            partition: Some(partition.into()),
            ..RequestOptions::url(server.url("/"))
        };
        let mut request = client.request(&options).expect("request");
        request.end(None).expect("end");
        assert_eq!(
            status(&request.events_until_done().expect("events")),
            Some(200)
        );
    }
    assert_eq!(client.as_async().instances_created(), 2);
}

/// Far below the default, but above what the component needs to start and serve small requests.
const SMALL_MEMORY: usize = 8 << 20;

fn limited_client() -> Client {
    blocking_client(WorkerLimits {
        memory_limit: SMALL_MEMORY,
        ..WorkerLimits::default()
    })
}

#[test]
fn a_body_over_the_memory_limit_fails_with_insufficient_resources() {
    let server = hello_server();
    let client = limited_client();
    let mut request = client
        .request(&options(&server.url("/upload"), "POST"))
        .expect("request");
    request
        .end(Some(&vec![b'x'; 2 * SMALL_MEMORY]))
        .expect("a trap is reported as an event, not as an error of end()");
    let events = request.events_until_done().expect("events");
    assert_eq!(names(&events), ["error", "close"]);
    match &events[0] {
        Event::Error(error) => {
            assert_eq!(error.message, "net::ERR_INSUFFICIENT_RESOURCES");
            assert!(matches!(
                error.code,
                electron_net_host::ErrorCode::Net(NetError::InsufficientResources)
            ));
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert!(request.is_done().expect("is_done"));
    // Nothing of the request reached the server, and the client goes on with a fresh worker.
    assert!(server.received().is_empty());
    assert_eq!(status(&get(&client, &server.url("/after"))), Some(200));
    assert_eq!(client.as_async().instances_created(), 2);
}

#[test]
fn a_trap_ends_only_the_request_that_caused_it() {
    let server = Server::start(|req, conn| {
        if req.target == "/slow" {
            conn.raw("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfir");
            std::thread::sleep(Duration::from_millis(300));
            conn.raw("st!");
        } else {
            conn.respond(200, &[], "ok");
        }
        After::Close
    });
    let client = limited_client();
    let mut slow = client
        .request(&RequestOptions::url(server.url("/slow")))
        .expect("request");
    slow.end(None).expect("end");
    let first = drive_until(&mut slow, |event| matches!(event, Event::Response(_)));
    assert_eq!(status(&first), Some(200));

    // A second request, on a worker of its own, traps while the first is half-way through.
    let mut big = client
        .request(&options(&server.url("/upload"), "POST"))
        .expect("request");
    big.end(Some(&vec![b'x'; 2 * SMALL_MEMORY])).expect("end");
    let failed = big.events_until_done().expect("events");
    assert_eq!(
        error_message(&failed).as_deref(),
        Some("net::ERR_INSUFFICIENT_RESOURCES")
    );

    let rest = slow.events_until_done().expect("events");
    assert_eq!(body(&rest), b"first!");
    assert_eq!(names(&rest).last(), Some(&"response-close"));
    assert_eq!(error_message(&rest), None);
}

/// A server that answers in four ways in turn: at once, 1 ms late, chunked with a pause inside
/// the body, and closing the connection after the response.
fn varied_server() -> Server {
    Server::start(|req, conn| {
        let n: usize = req.target.trim_start_matches('/').parse().unwrap_or(0);
        match n % 4 {
            0 => conn.respond(200, &[], "now"),
            1 => {
                std::thread::sleep(Duration::from_millis(1));
                conn.respond(200, &[], "late");
            }
            2 => {
                conn.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nchu\r\n");
                std::thread::sleep(Duration::from_millis(1));
                conn.raw("3\r\nnks\r\n0\r\n\r\n");
            }
            _ => {
                conn.respond(200, &[("Connection", "close")], "closing");
                return After::Close;
            }
        }
        After::KeepAlive
    })
}

fn expected_body(n: usize) -> &'static [u8] {
    [&b"now"[..], b"late", b"chunks", b"closing"][n % 4]
}

/// Any request taking this long has stalled: each needs a few milliseconds.
const STALL: Duration = Duration::from_secs(10);

/// A lost wake-up (a response that arrived but whose waiter is never woken) shows up as a request
/// that never ends. Thousands of requests, many in flight at once, each with a deadline: the
/// async API from concurrent tasks, and the blocking facade from several threads sharing its
/// runtime (where one thread's poll must wake another's).
#[tokio::test]
async fn thousands_of_requests_never_stall_on_the_async_api() {
    let server = varied_server();
    let client = async_client(WorkerLimits::default());
    let mut set = JoinSet::new();
    for task in 0..8 {
        let client = client.clone();
        let base = server.url("");
        set.spawn(async move {
            for i in 0..250 {
                let n = task * 1000 + i;
                let url = format!("{base}/{n}");
                let events = tokio::time::timeout(STALL, async_get(&client, &url))
                    .await
                    .unwrap_or_else(|_| panic!("request {n} stalled"));
                assert_eq!(body(&events), expected_body(n), "request {n}");
                assert_eq!(error_message(&events), None, "request {n}");
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.expect("task");
    }
}

#[test]
fn thousands_of_requests_never_stall_on_the_blocking_facade() {
    let server = varied_server();
    let client = client();
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let client = &client;
            let server = &server;
            scope.spawn(move || {
                for i in 0..250 {
                    let n = thread * 1000 + i;
                    let started = std::time::Instant::now();
                    let mut request = client
                        .request(&RequestOptions::url(server.url(&format!("/{n}"))))
                        .expect("request");
                    request.end(None).expect("end");
                    let mut events = Vec::new();
                    while !request.is_done().expect("is_done") {
                        assert!(started.elapsed() < STALL, "request {n} stalled");
                        events.extend(request.wait_events(64, 1 << 20, 100).expect("events"));
                    }
                    assert_eq!(body(&events), expected_body(n), "request {n}");
                    assert_eq!(error_message(&events), None, "request {n}");
                }
            });
        }
    });
}

/// Cookies never cross partitions when many requests of several partitions run at once on
/// pooled workers and shared connections.
#[tokio::test]
async fn concurrent_partitions_keep_their_cookies_apart() {
    let server = Server::start(|req, conn| {
        match req.target.strip_prefix("/set?p=") {
            Some(partition) => {
                let cookie = format!("who={partition}; Path=/");
                conn.respond(200, &[("Set-Cookie", cookie.as_str())], "set");
            }
            None => conn.respond(200, &[], req.header("cookie").unwrap_or("")),
        }
        After::KeepAlive
    });
    let client = async_client(WorkerLimits::default());
    let request = |partition: String, path: String| {
        let client = client.clone();
        let url = server.url(&path);
        async move {
            let options = RequestOptions {
                partition: Some(partition),
                use_session_cookies: true,
                ..RequestOptions::url(url)
            };
            let mut request = client.request(&options).await.expect("request");
            request.end(None).await.expect("end");
            request.events_until_done().await.expect("events")
        }
    };
    let mut set = JoinSet::new();
    for index in 0..8 {
        let partition = format!("p{index}");
        let set_cookie = request(partition.clone(), format!("/set?p={partition}"));
        let echoes: Vec<_> = (0..25)
            .map(|_| request(partition.clone(), "/echo".into()))
            .collect();
        set.spawn(async move {
            assert_eq!(body(&set_cookie.await), b"set");
            for echo in echoes {
                let events = echo.await;
                assert_eq!(
                    String::from_utf8_lossy(&body(&events)),
                    format!("who={partition}")
                );
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.expect("task");
    }
}
