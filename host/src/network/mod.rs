//! The host's network layer: one pooled HTTP/1.1 client shared by every request the component
//! sends, and the classification of network failures into `wasi:http` error codes.
//!
//! wasmtime-wasi-http's stock `default_send_request` dials a new TCP (and TLS) connection for
//! every request. Chromium, and therefore Electron's `net` module, keeps connections alive and
//! reuses them, which servers can observe (connection-bound auth such as NTLM, per-connection
//! rate limits, TLS session costs). [`Network`] implements [`WasiHttpHooks`] so the component's
//! outgoing requests go through a keep-alive pool instead.
//!
//! The guest turns the `wasi:http` error code of a failed request into Chromium's `net::ERR_*`
//! name, so the mapping in [`classify_error`] is as precise as the underlying libraries allow.
//!
//! A request can also be routed through an HTTP proxy ([`Network::via_proxy`]), with proxy
//! authentication answered here in the host; see [`Proxy`] for how that works.
//!
//! # Error mapping
//!
//! | Cause (innermost recognised one in the source chain) | [`Error`] variant |
//! |---|---|
//! | request rejected by the [`NetworkPolicy`] | `HttpRequestDenied` |
//! | the proxy: unreachable, or its CONNECT answer not 2xx/407 | (6) |
//! | host name did not resolve (lookup failed or gave no address) | `DnsError` (1) |
//! | host name unusable as a TLS server name | `DnsError` (2) |
//! | io `ConnectionRefused` | `ConnectionRefused` |
//! | connect phase (pool, DNS, TCP, TLS) over the connect timeout | `ConnectionTimeout` |
//! | io `NetworkUnreachable`, `HostUnreachable`, `NetworkDown`, `AddrNotAvailable` | (5) |
//! | rustls: certificate expired or not yet valid | (3) `net::ERR_CERT_DATE_INVALID` |
//! | rustls: unknown issuer (e.g. self-signed) | (3) `net::ERR_CERT_AUTHORITY_INVALID` |
//! | rustls: certificate not valid for the host name | (3) `net::ERR_CERT_COMMON_NAME_INVALID` |
//! | rustls: any other certificate problem | `TlsCertificateError` |
//! | rustls: alert sent by the server | `TlsAlertReceived` (4) |
//! | rustls: anything else (e.g. the server does not speak TLS) | `TlsProtocolError` |
//! | hyper: connection closed before a complete head or body | `HttpResponseIncomplete` |
//! | io `UnexpectedEof` while reading the response (short body) | `HttpResponseIncomplete` |
//! | io `UnexpectedEof` during the connect phase (TLS handshake) | `ConnectionTerminated` |
//! | io `ConnectionReset`, `ConnectionAborted`, `BrokenPipe` | `ConnectionTerminated` |
//! | hyper: request canceled because its connection closed | `ConnectionTerminated` |
//! | response head over 256 KiB or over 1000 header lines | `HttpResponseHeaderSectionSize(None)` |
//! | hyper: any other parse error | `HttpProtocolError` |
//! | no response head within the first-byte timeout | `ConnectionReadTimeout` |
//! | no body frame within the between-bytes timeout | `ConnectionReadTimeout` |
//! | io `TimedOut` after the connect phase | `ConnectionReadTimeout` |
//! | a `wasi:http` error raised by the request body (guest side) | that same error |
//! | anything unrecognised during the connect phase | `InternalError(Some(description))` |
//! | anything unrecognised after the connect phase | `HttpProtocolError` |
//!
//! 1. `DnsError { rcode: Some("name not resolved"), info_code: None }`
//! 2. `DnsError { rcode: Some("invalid dns name"), info_code: None }`
//! 3. `InternalError(Some(name))`: `wasi:http` has a single `tls-certificate-error` without
//!    detail, so Chromium's name goes through the channel the WIT documents for exact names
//!    (`net-error`)
//! 4. `TlsAlertReceived { alert_id: Some(alert number), alert_message: Some(alert name) }`
//! 5. `DestinationUnavailable`
//! 6. `InternalError(Some("net::ERR_PROXY_CONNECTION_FAILED"))`, which the guest reports under
//!    that Chromium name (a failed tunnel is Chromium's `ERR_TUNNEL_CONNECTION_FAILED`, which
//!    the contract does not list, so it is reported the same way)

mod body;
mod builder;
mod classify;
mod policy;
mod proxy;
mod resolve;
#[cfg(test)]
mod test_server;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::uri::Scheme;
use http::{Request, Response, Version};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector, capture_connection};
use wasmtime_wasi_http::p2::bindings::http::types as p2;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::credentials::CredentialProvider;
use body::{deadline, finish};
use proxy::{Failure, Proxied, Route};
use resolve::Resolver;

pub use builder::{InvalidCertificates, NetworkBuilder};
pub use classify::classify_error;
pub(crate) use classify::stream_error_code;
pub use policy::NetworkPolicy;
pub use proxy::{InvalidProxy, Proxy};

type Connector = HttpsConnector<HttpConnector<Resolver>>;

/// The host's HTTP client: a keep-alive connection pool (HTTP/1.1 over TCP or TLS) shared by
/// every clone.
///
/// Cloning is cheap and every clone sends through the same pool, so one `Network` per host
/// process (or per session partition, if partitions must not share connections) is enough.
/// It implements [`WasiHttpHooks`], so it can be handed to wasmtime-wasi-http as the hooks of a
/// `WasiHttpCtxView`; [`Network::send`] is the same operation for direct callers.
///
/// Requests must be sent from within a Tokio runtime: the pool spawns the tasks that drive its
/// connections on the current runtime, and pooled connections die with that runtime.
///
/// A `Network` sends directly; [`Network::via_proxy`] gives a handle on the same network that
/// sends through a proxy instead.
#[derive(Clone)]
pub struct Network {
    inner: Arc<Inner>,
    /// Set on handles from [`Network::via_proxy`].
    proxy: Option<Arc<Proxied>>,
}

struct Inner {
    client: Client<Connector, WasiBody>,
    /// Dials TCP with the network's resolver; proxy routes build their connectors on it.
    dialer: HttpConnector<Resolver>,
    /// One pool and one proxy-credentials cache per (partition, proxy), created on first use.
    routes: Mutex<HashMap<(String, Proxy), Arc<Route>>>,
    connect_timeout: Duration,
    policy: Arc<dyn NetworkPolicy>,
    /// TLS for every connection, direct or through a proxy.
    tls: Arc<rustls::ClientConfig>,
}

impl Network {
    /// Sends `request` through the connection pool and returns the response once its head has
    /// arrived; the body streams afterwards and reports failures as [`Error`]s of its own.
    ///
    /// The URI must be absolute (`http` or `https` with a host), as wasmtime-wasi-http produces
    /// it. A `Host` header already present is kept; otherwise one is derived from the URI.
    ///
    /// Timeouts from `options` (all optional):
    /// - `connect_timeout` (default: the builder's) bounds everything up to having a usable
    ///   connection: waiting for the pool, DNS, TCP connect and the TLS handshake. Exceeding it
    ///   gives [`Error::ConnectionTimeout`]. A reused pooled connection satisfies it at once.
    /// - `first_byte_timeout` (default: none) runs from having the connection to having the
    ///   complete response head, and gives [`Error::ConnectionReadTimeout`].
    /// - `between_bytes_timeout` (default: none) bounds the wait for each body frame, counted
    ///   from the head or the previous frame, and gives [`Error::ConnectionReadTimeout`] on the
    ///   body.
    ///
    /// A zero duration is not special: whatever can complete without waiting still does, and
    /// anything that has to wait fails at once. Callers wanting "no limit" pass `None` (first
    /// byte, between bytes) or a very large value (any duration is accepted).
    ///
    /// A response head larger than 256 KiB (Chromium's limit, counted as the raw header lines)
    /// fails with [`Error::HttpResponseHeaderSectionSize`], as does one with more than 1000
    /// header lines.
    ///
    /// A `Proxy-Authorization` header on `request` is dropped: only a proxy route
    /// ([`Network::via_proxy`]) sends one, to its own proxy.
    pub async fn send(
        &self,
        request: Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<Response<WasiBody>, Error> {
        let (mut parts, body) = request.into_parts();
        if !self.inner.policy.allow(&parts) {
            return Err(Error::HttpRequestDenied);
        }
        let supported_scheme = matches!(
            parts.uri.scheme(),
            Some(scheme) if *scheme == Scheme::HTTP || *scheme == Scheme::HTTPS
        );
        if !supported_scheme || parts.uri.host().is_none() {
            return Err(Error::HttpRequestUriInvalid);
        }
        // The pool only speaks HTTP/1.1; a guest asking for another version would otherwise be
        // rejected by the client with an unhelpful "unsupported version" error.
        parts.version = Version::HTTP_11;
        // Only a proxy route adds this header, for its own proxy; it never goes anywhere else.
        parts.headers.remove(http::header::PROXY_AUTHORIZATION);
        let request = Request::from_parts(parts, body);
        let options = options.unwrap_or_default();
        match &self.proxy {
            Some(proxied) => proxied.send(self, request, &options).await,
            None => {
                let response = self
                    .dispatch(&self.inner.client, request, &options)
                    .await
                    .map_err(Failure::into_error)?;
                finish(response, &options)
            }
        }
    }

    /// A handle on this network whose requests go through `proxy` on behalf of `partition`;
    /// the proxy's logins (407) are answered with `credentials` (see [`Proxy`]).
    ///
    /// Every (partition, proxy) pair gets its own connection pool and its own cache of accepted
    /// proxy credentials, kept inside this network and shared by all its clones, so neither
    /// proxied and direct connections nor the proxy credentials of two partitions ever mix.
    pub fn via_proxy(
        &self,
        proxy: &Proxy,
        partition: &str,
        credentials: Arc<dyn CredentialProvider>,
    ) -> Network {
        let route = lock(&self.inner.routes)
            .entry((partition.to_owned(), proxy.clone()))
            .or_insert_with(|| {
                Arc::new(Route::new(
                    proxy.clone(),
                    self.inner.dialer.clone(),
                    &self.inner.tls,
                ))
            })
            .clone();
        Network {
            inner: self.inner.clone(),
            proxy: Some(Arc::new(Proxied::new(route, partition, credentials))),
        }
    }

    /// The proxy this handle sends through, if any.
    pub fn proxy(&self) -> Option<&Proxy> {
        self.proxy.as_ref().map(|proxied| proxied.proxy())
    }

    /// Sends `request` on `client` and waits for the response head, applying the connect and
    /// first-byte timeouts (see [`Network::send`]).
    async fn dispatch<C>(
        &self,
        client: &Client<C, WasiBody>,
        mut request: Request<WasiBody>,
        options: &RequestOptions,
    ) -> Result<Response<Incoming>, Failure>
    where
        C: Connect + Clone + Send + Sync + 'static,
    {
        let connect_timeout = options
            .connect_timeout
            .unwrap_or(self.inner.connect_timeout);

        // The legacy client hides the boundary between "connection obtained" and "waiting for
        // the response"; the captured connection metadata is published exactly at that
        // boundary (after pool checkout or connect, before the request is written), which is
        // where the connect timeout must stop and the first-byte timeout must start.
        let mut connection = capture_connection(&mut request);
        let mut pending = client.request(request);
        let connect_phase = async {
            let captured = async { connection.wait_for_connection_metadata().await.is_some() };
            let connected = tokio::select! {
                biased;
                result = &mut pending => return Some(result),
                connected = captured => connected,
            };
            if connected {
                None
            } else {
                // The client dropped the request without a connection: its own error follows.
                Some((&mut pending).await)
            }
        };
        let head = match tokio::time::timeout_at(deadline(connect_timeout), connect_phase).await {
            Err(_elapsed) => return Err(Failure::Error(Error::ConnectionTimeout)),
            Ok(Some(result)) => result,
            Ok(None) => match options.first_byte_timeout {
                Some(limit) => tokio::time::timeout_at(deadline(limit), &mut pending)
                    .await
                    .map_err(|_elapsed| Failure::Error(Error::ConnectionReadTimeout))?,
                None => pending.await,
            },
        };
        head.map_err(|error| Failure::from_client(&error))
    }
}

/// Locks `mutex`, also after a panic elsewhere (the guarded data stays consistent: every
/// critical section here is a single assignment or lookup).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Default for Network {
    /// Same as `Network::builder().build()`.
    fn default() -> Self {
        Network::builder().build()
    }
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("proxy", &self.proxy())
            .finish_non_exhaustive()
    }
}

impl WasiHttpHooks for Network {
    fn send_request(
        &mut self,
        request: Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                )>,
            > + Send,
    > {
        // Response-side failures already reach the guest through the mapped body errors, so
        // there is nothing to watch `fut` for (the stock implementation ignores it too).
        drop(fut);
        // The guest enforces the between-bytes limit itself, and only it knows when its caller
        // stopped reading on purpose (backpressure): wasmtime polls the body on every
        // non-blocking read, so a timer here would also count time nobody was waiting.
        let options = options.map(|options| RequestOptions {
            between_bytes_timeout: None,
            ..options
        });
        let network = self.clone();
        Box::new(async move {
            let response = network.send(request, options).await?;
            // The pool's background tasks drive the connection, so there is no per-request
            // I/O future whose failure the request's constructor would need to hear about.
            let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(async { Ok(()) });
            Ok((response, io))
        })
    }

    fn p2_error_from_hyper(&mut self, err: &hyper::Error) -> p2::ErrorCode {
        classify::classify(err)
    }

    fn p2_error_from_connect(&mut self, err: &io::Error) -> p2::ErrorCode {
        classify::classify_connect(err)
    }

    fn p2_error_from_tls(&mut self, err: &io::Error) -> p2::ErrorCode {
        classify::classify_tls(err)
    }
}

#[cfg(test)]
mod tests {
    use super::test_server::{get, hold, read_body, read_head, serve};
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::atomic::Ordering;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn network_is_shareable_across_threads() {
        fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync_clone::<Network>();
    }

    #[tokio::test]
    async fn sequential_requests_reuse_one_connection() {
        let served: Arc<Mutex<BTreeMap<usize, usize>>> = Arc::default();
        let record = served.clone();
        let server = serve(move |mut stream, index| {
            let record = record.clone();
            async move {
                while read_head(&mut stream).await.is_some() {
                    *record.lock().unwrap().entry(index).or_default() += 1;
                    let body = format!("conn-{index}");
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
        })
        .await;
        let network = Network::default();
        let uri = format!("http://{}/", server.addr);

        let first = network.send(get(&uri), None).await.unwrap();
        assert_eq!(read_body(first).await.unwrap(), "conn-0");
        let second = network.send(get(&uri), None).await.unwrap();
        assert_eq!(read_body(second).await.unwrap(), "conn-0");

        // The legacy client may also finish a speculative connect it started while the idle
        // connection was on its way back to the pool (and pool it), so the number of accepts
        // is not the measure of reuse; which connection served each request is.
        assert_eq!(*served.lock().unwrap(), BTreeMap::from([(0, 2)]));
        assert!(server.accepted.load(Ordering::SeqCst) >= 1);
    }

    #[tokio::test]
    async fn no_head_within_first_byte_timeout_is_a_read_timeout() {
        let server = serve(|mut stream, _| async move {
            read_head(&mut stream).await;
            hold(stream).await;
        })
        .await;
        let options = RequestOptions {
            first_byte_timeout: Some(Duration::from_millis(100)),
            ..RequestOptions::default()
        };
        let error = Network::default()
            .send(get(&format!("http://{}/", server.addr)), Some(options))
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::ConnectionReadTimeout), "{error:?}");
    }

    #[tokio::test]
    async fn stalled_tls_handshake_hits_the_connect_timeout() {
        // TCP connects, but the server never answers the ClientHello: the connect phase
        // includes the TLS handshake, so this is a connect timeout, not a read timeout.
        let server = serve(|stream, _| hold(stream)).await;
        let options = RequestOptions {
            connect_timeout: Some(Duration::from_millis(100)),
            first_byte_timeout: Some(Duration::from_secs(60)),
            ..RequestOptions::default()
        };
        let error = Network::default()
            .send(get(&format!("https://{}/", server.addr)), Some(options))
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::ConnectionTimeout), "{error:?}");
        assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn relative_uri_is_rejected() {
        let error = Network::default()
            .send(get("/relative"), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::HttpRequestUriInvalid), "{error:?}");
    }
}
