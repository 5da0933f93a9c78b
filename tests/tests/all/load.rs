//! Load and isolation (issue 13 item 2): 400 requests in two waves of 200 at once, across four
//! partitions, each with its own cookie, its own login in the auth cache and its own body,
//! through one client's shared connection pool. Nothing may cross between partitions or
//! requests, and requests after the waves reuse the pool's connections.

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use electron_net_host::{AuthInfo, CredentialProvider, Credentials, RequestOptions};
use electron_net_tests::*;
use tokio::task::JoinSet;

const PARTITIONS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];
const WAVE: usize = 200;

/// Answers a partition's login with that partition's own user name.
struct OwnUser;

impl CredentialProvider for OwnUser {
    fn provide_credentials(
        &self,
        partition: &str,
        _: &str,
        _: &AuthInfo,
        _: u32,
    ) -> Option<Credentials> {
        Some(Credentials {
            username: partition.to_owned(),
            password: format!("{partition}-secret"),
        })
    }
}

/// `/p/<partition>/...` wants Basic credentials of that partition's user. `/p/<p>/login` sets
/// the partition's cookie; every answer echoes what the request carried.
fn server() -> Server {
    Server::start(|req, conn| {
        let partition = req.target.split('/').nth(2).unwrap_or_default().to_owned();
        let expected = format!(
            "Basic {}",
            STANDARD.encode(format!("{partition}:{partition}-secret"))
        );
        if req.header("authorization") != Some(expected.as_str()) {
            conn.respond(401, &[("WWW-Authenticate", "Basic realm=\"load\"")], "who?");
            return After::KeepAlive;
        }
        let echo = format!(
            "{}|{}|{}",
            req.target,
            req.header("cookie").unwrap_or("-"),
            String::from_utf8_lossy(&req.body)
        );
        if req.target.ends_with("/login") {
            let cookie = format!("sid={partition}; Path=/");
            conn.respond(200, &[("Set-Cookie", cookie.as_str())], echo);
        } else {
            conn.respond(200, &[], echo);
        }
        After::KeepAlive
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_requests_in_four_partitions_never_cross_and_reuse_connections() {
    let server = server();
    let client = client_builder()
        .credentials(Arc::new(OwnUser))
        .build()
        .expect("client");
    let send = |partition: &'static str, path: String, body: Option<String>| {
        let client = client.clone();
        let url = server.url(&path);
        async move {
            let options = RequestOptions {
                partition: Some(partition.to_owned()),
                use_session_cookies: true,
                method: Some(if body.is_some() { "POST" } else { "GET" }.to_owned()),
                ..RequestOptions::url(url)
            };
            let mut request = client.request(&options).await.expect("request");
            request
                .end(body.as_deref().map(str::as_bytes))
                .await
                .expect("end");
            request.events_until_done().await.expect("events")
        }
    };

    // Each partition logs in once: the provider answers, the cookie and the credentials land in
    // that partition only.
    for partition in PARTITIONS {
        let events = send(partition, format!("/p/{partition}/login"), None).await;
        assert_eq!(
            response(&events).map(|h| h.status_code),
            Some(200),
            "{partition}"
        );
    }

    for wave in 0..2 {
        let mut set = JoinSet::new();
        for index in 0..WAVE {
            let partition = PARTITIONS[index % PARTITIONS.len()];
            let path = format!("/p/{partition}/item/{wave}/{index}");
            let sent = format!("body of {partition} {wave} {index}");
            let request = send(partition, path.clone(), Some(sent.clone()));
            set.spawn(async move {
                let events = request.await;
                // Preemptive Basic from the partition's auth cache (a 401 would mean none was
                // sent), the partition's own cookie, and this request's own body.
                assert_eq!(
                    response(&events).map(|h| h.status_code),
                    Some(200),
                    "{path}"
                );
                assert_eq!(
                    String::from_utf8_lossy(&body(&events)),
                    format!("{path}|sid={partition}|{sent}")
                );
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.expect("request task");
        }
    }

    // Then requests one at a time across the partitions: after 400 concurrent ones, the shared
    // pool must serve them on kept-alive connections (at most one new connection, in case none
    // stayed idle). Whether the second wave already picked up the first wave's idle
    // connections depends on timing, so that is not asserted.
    let before_sequential = server.received().len();
    for (index, partition) in PARTITIONS.iter().cycle().take(12).enumerate() {
        let path = format!("/p/{partition}/item/after/{index}");
        let events = send(partition, path.clone(), Some("after".into())).await;
        assert_eq!(
            String::from_utf8_lossy(&body(&events)),
            format!("{path}|sid={partition}|after")
        );
    }

    let received = server.received();
    // Every item request went out with its own partition's credentials at the first try: no
    // 401 round trips, so exactly one request per item reached the server.
    let items = received
        .iter()
        .filter(|r| r.target.contains("/item/"))
        .count();
    assert_eq!(items, 2 * WAVE + 12);
    let known: HashSet<usize> = received[..before_sequential]
        .iter()
        .map(|r| r.connection)
        .collect();
    let new_connections: HashSet<usize> = received[before_sequential..]
        .iter()
        .map(|r| r.connection)
        .filter(|c| !known.contains(c))
        .collect();
    assert!(
        new_connections.len() <= 1,
        "12 sequential requests opened {} new connections",
        new_connections.len()
    );
}
