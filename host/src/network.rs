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

mod proxy;

use std::collections::HashMap;
use std::error::Error as StdError;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::uri::Scheme;
use http::{Request, Response, Version};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::client::legacy::connect::{Connect, HttpConnector, capture_connection};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::time::{Instant, Sleep};
use tower_service::Service;
use wasmtime_wasi_http::p2::bindings::http::types as p2;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::credentials::CredentialProvider;
use proxy::{Failure, Proxied, ProxyFailure, Route};
pub use proxy::{InvalidProxy, Proxy};

/// The default the `client` interface documents for `timeouts.connect-ms`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The usual HTTP client default (hyper-util, reqwest). Chromium keeps used sockets for up to
/// 5 minutes, but most servers drop idle keep-alive connections well before that, so a longer
/// lifetime would mostly keep stale connections around.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Chromium opens at most 6 connections per host; keeping more idle than that would only hold
/// sockets that a Chromium-like workload never needs at once.
const POOL_MAX_IDLE_PER_HOST: usize = 6;

/// hyper refuses responses with more than 100 header lines by default, which real sites exceed
/// (long `Set-Cookie` lists). Chromium limits the head's size, not its line count, so the count
/// limit is only a backstop against heads made of tiny lines; the byte limit below is the real one.
const MAX_RESPONSE_HEADERS: usize = 1000;

/// Chromium rejects response heads larger than 256 KiB (`ERR_RESPONSE_HEADERS_TOO_BIG`). hyper's
/// read-buffer ceiling is set to the same size so memory stays bounded while a head arrives;
/// `Network::send` applies the exact limit once the head is parsed.
const MAX_RESPONSE_HEAD_BYTES: usize = 256 * 1024;

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

/// Decides which requests may reach the network at all (an allow-list hook).
///
/// The policy runs before a connection is looked up or opened, so a denied request never causes
/// DNS lookups or connections; it fails with [`Error::HttpRequestDenied`].
pub trait NetworkPolicy: Send + Sync {
    /// Returns whether `request` (method, absolute URI, headers) may be sent. Allows everything
    /// unless overridden.
    fn allow(&self, request: &http::request::Parts) -> bool {
        let _ = request;
        true
    }
}

struct AllowAll;

impl NetworkPolicy for AllowAll {}

/// Configures a [`Network`]; created by [`Network::builder`].
pub struct NetworkBuilder {
    connect_timeout: Duration,
    overrides: HashMap<String, SocketAddr>,
    policy: Arc<dyn NetworkPolicy>,
    extra_roots: Vec<CertificateDer<'static>>,
}

/// Why [`NetworkBuilder::add_root_certificates_pem`] refused its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidCertificates {
    reason: String,
}

impl fmt::Display for InvalidCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid CA certificates: {}", self.reason)
    }
}

impl StdError for InvalidCertificates {}

impl Network {
    /// Starts configuring a network with the defaults: 30 s connect timeout, system DNS, every
    /// request allowed.
    pub fn builder() -> NetworkBuilder {
        NetworkBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            overrides: HashMap::new(),
            policy: Arc::new(AllowAll),
            extra_roots: Vec::new(),
        }
    }

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

/// Hands a response head to wasmtime: checks the head's size and wraps the body.
fn finish(
    response: Response<Incoming>,
    options: &RequestOptions,
) -> Result<Response<WasiBody>, Error> {
    // hyper's buffer ceiling only stops heads that are still incomplete when the buffer
    // fills, and a single large read can overshoot it; this makes the limit exact.
    if head_size(&response) > MAX_RESPONSE_HEAD_BYTES {
        return Err(Error::HttpResponseHeaderSectionSize(None));
    }
    Ok(response
        .map(|incoming| ResponseBody::new(incoming, options.between_bytes_timeout).boxed_unsync()))
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

impl NetworkBuilder {
    /// Connect timeout used when a request does not set one (default 30 s). It covers pool
    /// wait, DNS, TCP connect and TLS handshake; see [`Network::send`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sends requests for `host` to `addr` instead of resolving it (like reqwest's `resolve`).
    ///
    /// The host name is matched case-insensitively. Through a proxy it applies to the proxy's
    /// host name, not to the request's, which the proxy resolves. The URI's explicit port wins over
    /// `addr`'s port; without one, `addr`'s port is used unless it is 0, in which case the
    /// scheme's default port applies. TLS still verifies the certificate against `host`.
    pub fn resolve(mut self, host: &str, addr: SocketAddr) -> Self {
        self.overrides.insert(host.to_ascii_lowercase(), addr);
        self
    }

    /// Installs the policy consulted before every request (default: allow everything).
    pub fn policy(mut self, policy: Arc<dyn NetworkPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// Trusts the CA certificates in `pem` (one or more `CERTIFICATE` blocks) as well as the
    /// compiled-in webpki roots: a corporate CA or a development server's (curl's `--cacert`).
    /// Fails when `pem` holds no certificate or one that cannot be a trust anchor.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, InvalidCertificates> {
        let invalid = |reason: String| InvalidCertificates { reason };
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(error.to_string()))?;
        if certificates.is_empty() {
            return Err(invalid("no CERTIFICATE block".into()));
        }
        let mut check = rustls::RootCertStore::empty();
        for certificate in &certificates {
            check
                .add(certificate.clone())
                .map_err(|error| invalid(error.to_string()))?;
        }
        self.extra_roots.extend(certificates);
        Ok(self)
    }

    /// Creates the network. No connection is opened until the first request.
    pub fn build(self) -> Network {
        let resolver = Resolver {
            overrides: Arc::new(self.overrides),
            system: GaiResolver::new(),
        };
        let mut http = HttpConnector::new_with_resolver(resolver);
        // The connector must also dial for https URIs; hyper-rustls wraps those in TLS.
        http.enforce_http(false);
        http.set_nodelay(true);
        // The connect timeout is enforced around the whole connect phase in `send`, per
        // request; a connector-level limit would cap requests that ask for a longer one.
        http.set_connect_timeout(None);

        let tls = client_config(&self.extra_roots);
        Network {
            inner: Arc::new(Inner {
                client: pooled_client(with_tls(http.clone(), &tls)),
                dialer: http,
                routes: Mutex::default(),
                connect_timeout: self.connect_timeout,
                policy: self.policy,
                tls,
            }),
            proxy: None,
        }
    }
}

/// TLS for every connection: the compiled-in webpki roots plus the builder's extra ones.
fn client_config(extra_roots: &[CertificateDer<'static>]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // Checked by `add_root_certificates_pem`.
    let (_added, _ignored) = roots.add_parsable_certificates(extra_roots.iter().cloned());
    // Only ring is compiled in, but selecting it explicitly keeps this independent of
    // whichever process-wide default provider another crate might install.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports rustls' default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Wraps `connector` so that `https` URIs get TLS with `tls` on top of what it returns.
fn with_tls<C>(connector: C, tls: &rustls::ClientConfig) -> HttpsConnector<C> {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector)
}

/// A keep-alive pool over `connector` with the network's limits.
fn pooled_client<C>(connector: C) -> Client<C, WasiBody>
where
    C: Connect + Clone,
{
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .http1_max_buf_size(MAX_RESPONSE_HEAD_BYTES)
        .build(connector)
}

impl fmt::Debug for NetworkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("overrides", &self.overrides)
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
        to_p2(classify_error(err))
    }

    fn p2_error_from_connect(&mut self, err: &io::Error) -> p2::ErrorCode {
        let chain = error_chain(err);
        to_p2(
            classify_chain(&chain, Phase::Connect)
                .unwrap_or_else(|| unrecognised(&chain, Phase::Connect)),
        )
    }

    fn p2_error_from_tls(&mut self, err: &io::Error) -> p2::ErrorCode {
        let chain = error_chain(err);
        to_p2(classify_chain(&chain, Phase::Connect).unwrap_or(Error::TlsProtocolError))
    }
}

/// Resolves host names, answering configured overrides without a lookup.
#[derive(Clone)]
struct Resolver {
    overrides: Arc<HashMap<String, SocketAddr>>,
    system: GaiResolver,
}

type Addrs = std::vec::IntoIter<SocketAddr>;

impl Service<Name> for Resolver {
    type Response = Addrs;
    type Error = NameNotResolved;
    type Future = Pin<Box<dyn Future<Output = Result<Addrs, NameNotResolved>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), NameNotResolved>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let host = name.as_str().to_ascii_lowercase();
        if let Some(addr) = self.overrides.get(&host).copied() {
            return Box::pin(std::future::ready(Ok(vec![addr].into_iter())));
        }
        let lookup = self.system.call(name);
        Box::pin(async move {
            match lookup.await {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    if addrs.is_empty() {
                        Err(NameNotResolved { host, cause: None })
                    } else {
                        Ok(addrs.into_iter())
                    }
                }
                Err(cause) => Err(NameNotResolved {
                    host,
                    cause: Some(cause),
                }),
            }
        })
    }
}

/// Marks a failed lookup unambiguously: getaddrinfo's io errors carry no usable `ErrorKind`,
/// and their text differs between libcs.
#[derive(Debug)]
struct NameNotResolved {
    host: String,
    cause: Option<io::Error>,
}

impl fmt::Display for NameNotResolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not resolve host name {:?}", self.host)
    }
}

impl StdError for NameNotResolved {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.cause
            .as_ref()
            .map(|cause| cause as &(dyn StdError + 'static))
    }
}

/// The response body handed to wasmtime: errors are classified like request errors, and the
/// between-bytes timeout is enforced.
struct ResponseBody {
    incoming: Incoming,
    between_bytes: Option<(Duration, Pin<Box<Sleep>>)>,
    // After an error the body is finished; hyper's body would report the same failure again.
    failed: bool,
    // The last poll found nothing. Only time spent waiting for the server counts: a consumer
    // that stops reading for a while (backpressure) must not find its timer already expired.
    waiting: bool,
}

impl ResponseBody {
    fn new(incoming: Incoming, between_bytes: Option<Duration>) -> Self {
        ResponseBody {
            incoming,
            between_bytes: between_bytes
                .map(|limit| (limit, Box::pin(tokio::time::sleep_until(deadline(limit))))),
            failed: false,
            waiting: false,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if !this.waiting
            && let Some((limit, timer)) = &mut this.between_bytes
        {
            timer.as_mut().reset(deadline(*limit));
        }
        this.waiting = false;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(error))) => {
                this.failed = true;
                Poll::Ready(Some(Err(classify_error(&error))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                this.waiting = true;
                match &mut this.between_bytes {
                    Some((_, timer)) => {
                        ready!(timer.as_mut().poll(cx));
                        this.failed = true;
                        Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
                    }
                    None => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

/// The size of the head as it was on the wire (status line, header lines, blank line), give or
/// take the reason phrase, which hyper does not keep.
fn head_size<B>(response: &Response<B>) -> usize {
    const STATUS_LINE: usize = "HTTP/1.1 200 \r\n".len();
    let lines: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + ": ".len() + value.len() + "\r\n".len())
        .sum();
    STATUS_LINE + lines + "\r\n".len()
}

/// `now + limit`, saturating: tokio panics on instants that overflow, and "huge" is a legitimate
/// way for a caller to say "no limit".
fn deadline(limit: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(limit)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 60 * 60))
}

/// Where in a request's life an error happened; the same io error means different things
/// before and after a connection exists (a timeout while connecting is `ConnectionTimeout`,
/// later it is `ConnectionReadTimeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Pool checkout, DNS, TCP connect, TLS handshake.
    Connect,
    /// Writing the request, reading the response head and body.
    Exchange,
}

/// Classifies an error from sending a request or reading its response into the `wasi:http`
/// error the guest should see (see the module documentation for the table).
///
/// Accepts the client's own error (`hyper_util::client::legacy::Error`), `hyper::Error`s from a
/// response body, io errors, and anything wrapping them: the whole source chain is inspected,
/// including the errors io errors wrap, and the most specific (innermost) recognised cause
/// decides. Whether the failure happened while connecting is read from the client error.
pub fn classify_error(error: &(dyn StdError + 'static)) -> Error {
    let chain = error_chain(error);
    let connecting = chain.iter().any(|error| {
        error
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(|error| error.is_connect())
    });
    let phase = if connecting {
        Phase::Connect
    } else {
        Phase::Exchange
    };
    classify_chain(&chain, phase).unwrap_or_else(|| unrecognised(&chain, phase))
}

/// The error and its causes, outermost first. `io::Error::source` skips the error an io error
/// wraps (it returns that error's source), which would hide e.g. rustls' error inside the io
/// error tokio-rustls returns, so io errors are descended through `get_ref` instead.
fn error_chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    // A cyclic or absurdly deep chain must not hang or exhaust memory.
    const MAX_DEPTH: usize = 64;
    let mut chain = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        if chain.len() == MAX_DEPTH {
            break;
        }
        chain.push(current);
        next = match current.downcast_ref::<io::Error>() {
            Some(io_error) => io_error
                .get_ref()
                .map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    chain
}

fn classify_chain(chain: &[&(dyn StdError + 'static)], phase: Phase) -> Option<Error> {
    // Whatever went wrong on the way to the proxy (its name, a refusal), the request failed
    // because the proxy could not be used.
    if chain.iter().any(|error| error.is::<ProxyFailure>()) {
        return Some(proxy::connection_failed());
    }
    // A failed lookup wraps whatever getaddrinfo said, whose io kind must not win.
    if chain.iter().any(|error| error.is::<NameNotResolved>()) {
        return Some(name_not_resolved());
    }
    chain
        .iter()
        .rev()
        .find_map(|error| classify_one(*error, phase))
}

fn classify_one(error: &(dyn StdError + 'static), phase: Phase) -> Option<Error> {
    if let Some(error) = error.downcast_ref::<Error>() {
        return Some(copy_error(error));
    }
    if let Some(error) = error.downcast_ref::<rustls::Error>() {
        return Some(tls_error(error));
    }
    if error.is::<rustls::pki_types::InvalidDnsNameError>() {
        return Some(Error::DnsError {
            rcode: Some("invalid dns name".into()),
            info_code: None,
        });
    }
    if let Some(error) = error.downcast_ref::<io::Error>() {
        return io_error(error.kind(), phase);
    }
    if let Some(error) = error.downcast_ref::<hyper::Error>() {
        return hyper_error(error, phase);
    }
    if error.is::<tokio::time::error::Elapsed>() {
        return Some(timed_out(phase));
    }
    None
}

fn io_error(kind: io::ErrorKind, phase: Phase) -> Option<Error> {
    use io::ErrorKind as K;
    Some(match kind {
        K::ConnectionRefused => Error::ConnectionRefused,
        K::TimedOut => timed_out(phase),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Error::ConnectionTerminated,
        K::UnexpectedEof => match phase {
            // A peer hanging up mid-handshake is a closed connection, not a short response.
            Phase::Connect => Error::ConnectionTerminated,
            Phase::Exchange => Error::HttpResponseIncomplete,
        },
        K::NetworkUnreachable | K::HostUnreachable | K::NetworkDown | K::AddrNotAvailable => {
            Error::DestinationUnavailable
        }
        // hyper-util's way of saying that no address was left to try.
        K::NotConnected if phase == Phase::Connect => Error::DestinationUnavailable,
        _ => return None,
    })
}

fn hyper_error(error: &hyper::Error, phase: Phase) -> Option<Error> {
    if error.is_incomplete_message() {
        Some(Error::HttpResponseIncomplete)
    } else if error.is_parse_too_large() {
        Some(Error::HttpResponseHeaderSectionSize(None))
    } else if error.is_parse() {
        Some(Error::HttpProtocolError)
    } else if error.is_timeout() {
        Some(timed_out(phase))
    } else if error.is_canceled() || error.is_closed() {
        Some(Error::ConnectionTerminated)
    } else {
        None
    }
}

fn timed_out(phase: Phase) -> Error {
    match phase {
        Phase::Connect => Error::ConnectionTimeout,
        Phase::Exchange => Error::ConnectionReadTimeout,
    }
}

fn name_not_resolved() -> Error {
    Error::DnsError {
        rcode: Some("name not resolved".into()),
        info_code: None,
    }
}

fn tls_error(error: &rustls::Error) -> Error {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(problem) => {
            // Chromium's exact name, through the channel the WIT documents for it
            // (`net-error`: `internal-error(some("net::ERR_<NAME>"))`).
            let name = match problem {
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => "net::ERR_CERT_DATE_INVALID",
                C::UnknownIssuer => "net::ERR_CERT_AUTHORITY_INVALID",
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "net::ERR_CERT_COMMON_NAME_INVALID"
                }
                _ => return Error::TlsCertificateError,
            };
            Error::InternalError(Some(name.into()))
        }
        rustls::Error::NoCertificatesPresented | rustls::Error::InvalidCertRevocationList(_) => {
            Error::TlsCertificateError
        }
        rustls::Error::AlertReceived(alert) => Error::TlsAlertReceived {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        },
        _ => Error::TlsProtocolError,
    }
}

fn unrecognised(chain: &[&(dyn StdError + 'static)], phase: Phase) -> Error {
    match phase {
        // No wasi:http code means "connecting failed for some other reason"; keeping the text
        // makes the failure diagnosable instead of disguising it as e.g. a refusal.
        Phase::Connect => Error::InternalError(Some(
            chain
                .iter()
                .map(|error| error.to_string())
                .collect::<Vec<_>>()
                .join(": "),
        )),
        Phase::Exchange => Error::HttpProtocolError,
    }
}

/// `wasmtime_wasi_http::Error` is not `Clone`; errors that only carry data are copied, the
/// ones wrapping library errors are classified.
fn copy_error(error: &Error) -> Error {
    match error {
        Error::Hyper(error) => classify_error(error),
        Error::Connect(error) => {
            let chain = error_chain(error);
            classify_chain(&chain, Phase::Connect)
                .unwrap_or_else(|| unrecognised(&chain, Phase::Connect))
        }
        Error::Tls(error) => {
            classify_chain(&error_chain(error), Phase::Connect).unwrap_or(Error::TlsProtocolError)
        }
        Error::HttpRequestBodySize(size) => Error::HttpRequestBodySize(*size),
        Error::DnsTimeout => Error::DnsTimeout,
        Error::DnsError { rcode, info_code } => Error::DnsError {
            rcode: rcode.clone(),
            info_code: *info_code,
        },
        Error::DestinationNotFound => Error::DestinationNotFound,
        Error::DestinationUnavailable => Error::DestinationUnavailable,
        Error::DestinationIpProhibited => Error::DestinationIpProhibited,
        Error::DestinationIpUnroutable => Error::DestinationIpUnroutable,
        Error::ConnectionRefused => Error::ConnectionRefused,
        Error::ConnectionTerminated => Error::ConnectionTerminated,
        Error::ConnectionTimeout => Error::ConnectionTimeout,
        Error::ConnectionReadTimeout => Error::ConnectionReadTimeout,
        Error::ConnectionWriteTimeout => Error::ConnectionWriteTimeout,
        Error::ConnectionLimitReached => Error::ConnectionLimitReached,
        Error::TlsProtocolError => Error::TlsProtocolError,
        Error::TlsCertificateError => Error::TlsCertificateError,
        Error::TlsAlertReceived {
            alert_id,
            alert_message,
        } => Error::TlsAlertReceived {
            alert_id: *alert_id,
            alert_message: alert_message.clone(),
        },
        Error::HttpRequestDenied => Error::HttpRequestDenied,
        Error::HttpRequestLengthRequired => Error::HttpRequestLengthRequired,
        Error::HttpRequestMethodInvalid => Error::HttpRequestMethodInvalid,
        Error::HttpRequestUriInvalid => Error::HttpRequestUriInvalid,
        Error::HttpRequestUriTooLong => Error::HttpRequestUriTooLong,
        Error::HttpRequestHeaderSectionSize(size) => Error::HttpRequestHeaderSectionSize(*size),
        Error::HttpRequestHeaderSize {
            field_name,
            field_size,
        } => Error::HttpRequestHeaderSize {
            field_name: field_name.clone(),
            field_size: *field_size,
        },
        Error::HttpRequestTrailerSectionSize(size) => Error::HttpRequestTrailerSectionSize(*size),
        Error::HttpRequestTrailerSize {
            field_name,
            field_size,
        } => Error::HttpRequestTrailerSize {
            field_name: field_name.clone(),
            field_size: *field_size,
        },
        Error::HttpResponseIncomplete => Error::HttpResponseIncomplete,
        Error::HttpResponseHeaderSectionSize(size) => Error::HttpResponseHeaderSectionSize(*size),
        Error::HttpResponseHeaderSize {
            field_name,
            field_size,
        } => Error::HttpResponseHeaderSize {
            field_name: field_name.clone(),
            field_size: *field_size,
        },
        Error::HttpResponseBodySize(size) => Error::HttpResponseBodySize(*size),
        Error::HttpResponseTrailerSectionSize(size) => Error::HttpResponseTrailerSectionSize(*size),
        Error::HttpResponseTrailerSize {
            field_name,
            field_size,
        } => Error::HttpResponseTrailerSize {
            field_name: field_name.clone(),
            field_size: *field_size,
        },
        Error::HttpResponseTransferCoding(coding) => {
            Error::HttpResponseTransferCoding(coding.clone())
        }
        Error::HttpResponseContentCoding(coding) => {
            Error::HttpResponseContentCoding(coding.clone())
        }
        Error::HttpResponseTimeout => Error::HttpResponseTimeout,
        Error::HttpUpgradeFailed => Error::HttpUpgradeFailed,
        Error::HttpProtocolError => Error::HttpProtocolError,
        Error::LoopDetected => Error::LoopDetected,
        Error::ConfigurationError => Error::ConfigurationError,
        Error::InternalError(message) => Error::InternalError(message.clone()),
        // The enum is non-exhaustive; a variant added upstream is at least reported verbatim.
        other => Error::InternalError(Some(other.to_string())),
    }
}

/// The error code behind a failed body stream, for `wasi:http/types.http-error-code`.
///
/// wasmtime-wasi-http 48 stores body errors as its own [`Error`] but its `http-error-code` only
/// recognises p2 `ErrorCode`s, so every body failure (timeout, truncation, reset) would reach the
/// guest without a code; this reads both.
pub(crate) fn stream_error_code(error: &wasmtime::Error) -> Option<p2::ErrorCode> {
    if let Some(code) = error.downcast_ref::<p2::ErrorCode>() {
        return Some(code.clone());
    }
    error
        .downcast_ref::<Error>()
        .map(|error| to_p2(copy_error(error)))
}

/// The p2 hooks must answer with a p2 `ErrorCode`; wasmtime's own conversion is crate-private.
fn to_p2(error: Error) -> p2::ErrorCode {
    use p2::ErrorCode as E;
    match error {
        Error::Hyper(_) | Error::Connect(_) | Error::Tls(_) => to_p2(copy_error(&error)),
        Error::HttpRequestBodySize(size) => E::HttpRequestBodySize(size),
        Error::DnsTimeout => E::DnsTimeout,
        Error::DnsError { rcode, info_code } => {
            E::DnsError(p2::DnsErrorPayload { rcode, info_code })
        }
        Error::DestinationNotFound => E::DestinationNotFound,
        Error::DestinationUnavailable => E::DestinationUnavailable,
        Error::DestinationIpProhibited => E::DestinationIpProhibited,
        Error::DestinationIpUnroutable => E::DestinationIpUnroutable,
        Error::ConnectionRefused => E::ConnectionRefused,
        Error::ConnectionTerminated => E::ConnectionTerminated,
        Error::ConnectionTimeout => E::ConnectionTimeout,
        Error::ConnectionReadTimeout => E::ConnectionReadTimeout,
        Error::ConnectionWriteTimeout => E::ConnectionWriteTimeout,
        Error::ConnectionLimitReached => E::ConnectionLimitReached,
        Error::TlsProtocolError => E::TlsProtocolError,
        Error::TlsCertificateError => E::TlsCertificateError,
        Error::TlsAlertReceived {
            alert_id,
            alert_message,
        } => E::TlsAlertReceived(p2::TlsAlertReceivedPayload {
            alert_id,
            alert_message,
        }),
        Error::HttpRequestDenied => E::HttpRequestDenied,
        Error::HttpRequestLengthRequired => E::HttpRequestLengthRequired,
        Error::HttpRequestMethodInvalid => E::HttpRequestMethodInvalid,
        Error::HttpRequestUriInvalid => E::HttpRequestUriInvalid,
        Error::HttpRequestUriTooLong => E::HttpRequestUriTooLong,
        Error::HttpRequestHeaderSectionSize(size) => E::HttpRequestHeaderSectionSize(size),
        Error::HttpRequestHeaderSize {
            field_name,
            field_size,
        } => E::HttpRequestHeaderSize(Some(p2::FieldSizePayload {
            field_name,
            field_size,
        })),
        Error::HttpRequestTrailerSectionSize(size) => E::HttpRequestTrailerSectionSize(size),
        Error::HttpRequestTrailerSize {
            field_name,
            field_size,
        } => E::HttpRequestTrailerSize(p2::FieldSizePayload {
            field_name,
            field_size,
        }),
        Error::HttpResponseIncomplete => E::HttpResponseIncomplete,
        Error::HttpResponseHeaderSectionSize(size) => E::HttpResponseHeaderSectionSize(size),
        Error::HttpResponseHeaderSize {
            field_name,
            field_size,
        } => E::HttpResponseHeaderSize(p2::FieldSizePayload {
            field_name,
            field_size,
        }),
        Error::HttpResponseBodySize(size) => E::HttpResponseBodySize(size),
        Error::HttpResponseTrailerSectionSize(size) => E::HttpResponseTrailerSectionSize(size),
        Error::HttpResponseTrailerSize {
            field_name,
            field_size,
        } => E::HttpResponseTrailerSize(p2::FieldSizePayload {
            field_name,
            field_size,
        }),
        Error::HttpResponseTransferCoding(coding) => E::HttpResponseTransferCoding(coding),
        Error::HttpResponseContentCoding(coding) => E::HttpResponseContentCoding(coding),
        Error::HttpResponseTimeout => E::HttpResponseTimeout,
        Error::HttpUpgradeFailed => E::HttpUpgradeFailed,
        Error::HttpProtocolError => E::HttpProtocolError,
        Error::LoopDetected => E::LoopDetected,
        Error::ConfigurationError => E::ConfigurationError,
        Error::InternalError(message) => E::InternalError(message),
        other => E::InternalError(Some(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Empty;
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

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
    async fn respond_once(response: &'static [u8]) -> TestServer {
        serve(move |mut stream, _| async move {
            if read_head(&mut stream).await.is_some() {
                let _ = stream.write_all(response).await;
            }
        })
        .await
    }

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
    async fn refused_connection_maps_to_connection_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let error = Network::default()
            .send(get(&format!("http://{addr}/")), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::ConnectionRefused), "{error:?}");
    }

    #[tokio::test]
    async fn unresolvable_name_maps_to_dns_error() {
        let error = Network::default()
            .send(get("http://no-such-host.invalid/"), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(
            matches!(
                &error,
                Error::DnsError { rcode: Some(rcode), info_code: None }
                    if rcode == "name not resolved"
            ),
            "{error:?}"
        );
    }

    /// Echoes the request's `Host` header as the body.
    async fn echo_host() -> TestServer {
        serve(|mut stream, _| async move {
            if let Some(head) = read_head(&mut stream).await {
                let host = head
                    .lines()
                    .find_map(|line| line.strip_prefix("host: ").or(line.strip_prefix("Host: ")))
                    .unwrap_or("")
                    .to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{host}",
                    host.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            }
        })
        .await
    }

    #[tokio::test]
    async fn resolve_override_reaches_the_mapped_address() {
        let server = echo_host().await;
        let network = Network::builder()
            .resolve("Home.Example.Org", server.addr)
            .build();
        let response = network
            .send(get("http://home.example.org/index.html"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(read_body(response).await.unwrap(), "home.example.org");
        assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn resolve_override_without_port_uses_the_uri_port() {
        let server = echo_host().await;
        let ip_only = SocketAddr::new(server.addr.ip(), 0);
        let network = Network::builder()
            .resolve("api.example.org", ip_only)
            .build();
        let uri = format!("http://api.example.org:{}/", server.addr.port());
        let response = network.send(get(&uri), None).await.unwrap();
        let expected_host = format!("api.example.org:{}", server.addr.port());
        assert_eq!(read_body(response).await.unwrap(), expected_host);
    }

    #[tokio::test]
    async fn policy_denies_before_connecting() {
        struct OnlyPublic;
        impl NetworkPolicy for OnlyPublic {
            fn allow(&self, request: &http::request::Parts) -> bool {
                request.uri.path().starts_with("/public")
            }
        }
        let paths: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = paths.clone();
        let server = serve(move |mut stream, _| {
            let record = record.clone();
            async move {
                while let Some(head) = read_head(&mut stream).await {
                    let path = head.split(' ').nth(1).unwrap_or("").to_string();
                    record.lock().unwrap().push(path);
                    let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
                }
            }
        })
        .await;
        let network = Network::builder().policy(Arc::new(OnlyPublic)).build();

        let denied = network
            .send(get(&format!("http://{}/secret", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(denied, Error::HttpRequestDenied), "{denied:?}");

        // The allowed request is the server's first sight of this client.
        let allowed = network
            .send(get(&format!("http://{}/public", server.addr)), None)
            .await
            .unwrap();
        assert_eq!(allowed.status(), 204);
        assert_eq!(*paths.lock().unwrap(), ["/public"]);
        assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn many_headers_arrive_intact() {
        let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        for i in 0..300 {
            head.push_str(&format!("X-Header-{i}: value-{i}\r\n"));
        }
        for i in 0..200 {
            head.push_str(&format!("Set-Cookie: c{i}=v{i}; Path=/\r\n"));
        }
        head.push_str("\r\n");
        let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
        let server = respond_once(head).await;

        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        let headers = response.headers();
        for i in 0..300 {
            assert_eq!(
                headers[format!("x-header-{i}").as_str()],
                format!("value-{i}")
            );
        }
        let cookies: Vec<_> = headers
            .get_all("set-cookie")
            .iter()
            .map(|value| value.to_str().unwrap().to_string())
            .collect();
        assert_eq!(cookies.len(), 200);
        assert_eq!(cookies[0], "c0=v0; Path=/");
        assert_eq!(cookies[199], "c199=v199; Path=/");
    }

    #[tokio::test]
    async fn too_many_header_lines_is_a_header_section_size_error() {
        let mut head = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..MAX_RESPONSE_HEADERS + 1 {
            head.push_str(&format!("X-{i}: v\r\n"));
        }
        head.push_str("Content-Length: 0\r\n\r\n");
        let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
        let server = respond_once(head).await;
        let error = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(
            matches!(error, Error::HttpResponseHeaderSectionSize(None)),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn oversized_head_is_a_header_section_size_error() {
        // Just over the limit (caught after parsing) and far over it (caught by hyper while
        // the head is still arriving).
        for value_len in [MAX_RESPONSE_HEAD_BYTES, 4 * MAX_RESPONSE_HEAD_BYTES] {
            let head = format!(
                "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
                "a".repeat(value_len)
            );
            let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
            let server = respond_once(head).await;
            let error = Network::default()
                .send(get(&format!("http://{}/", server.addr)), None)
                .await
                .map(|response| response.status())
                .unwrap_err();
            assert!(
                matches!(error, Error::HttpResponseHeaderSectionSize(None)),
                "{value_len}: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn head_just_under_the_limit_is_accepted() {
        let overhead = "HTTP/1.1 200 \r\nx-big: \r\ncontent-length: 0\r\n\r\n".len();
        let head = format!(
            "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
            "a".repeat(MAX_RESPONSE_HEAD_BYTES - overhead)
        );
        let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
        let server = respond_once(head).await;
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        assert_eq!(
            response.headers()["x-big"].len(),
            MAX_RESPONSE_HEAD_BYTES - overhead
        );
    }

    #[tokio::test]
    async fn malformed_head_is_a_protocol_error() {
        let server = respond_once(b"THIS IS NOT HTTP\r\n\r\n").await;
        let error = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::HttpProtocolError), "{error:?}");
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
    async fn stalled_body_hits_the_between_bytes_timeout() {
        let server = serve(|mut stream, _| async move {
            read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                .await;
            hold(stream).await;
        })
        .await;
        let options = RequestOptions {
            between_bytes_timeout: Some(Duration::from_millis(100)),
            ..RequestOptions::default()
        };
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), Some(options))
            .await
            .unwrap();
        let mut body = response.into_body();
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "hello");
        let error = body.frame().await.unwrap().unwrap_err();
        assert!(matches!(error, Error::ConnectionReadTimeout), "{error:?}");
        assert!(body.frame().await.is_none());
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
    async fn builder_connect_timeout_is_the_default() {
        let server = serve(|stream, _| hold(stream)).await;
        let network = Network::builder()
            .connect_timeout(Duration::from_millis(100))
            .build();
        let error = network
            .send(get(&format!("https://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::ConnectionTimeout), "{error:?}");
    }

    #[tokio::test]
    async fn short_content_length_body_is_incomplete() {
        let server =
            respond_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789").await;
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let error = read_body(response).await.unwrap_err();
        assert!(matches!(error, Error::HttpResponseIncomplete), "{error:?}");
    }

    #[tokio::test]
    async fn truncated_chunked_body_is_incomplete() {
        let server =
            respond_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                .await;
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        let error = read_body(response).await.unwrap_err();
        assert!(matches!(error, Error::HttpResponseIncomplete), "{error:?}");
    }

    #[tokio::test]
    async fn close_before_complete_head_is_incomplete() {
        for partial in [&b""[..], b"HTTP/1.1 200 OK\r\nX-Partial: "] {
            let server = respond_once(partial).await;
            let error = Network::default()
                .send(get(&format!("http://{}/", server.addr)), None)
                .await
                .map(|response| response.status())
                .unwrap_err();
            assert!(matches!(error, Error::HttpResponseIncomplete), "{error:?}");
        }
    }

    #[tokio::test]
    async fn reset_mid_body_is_connection_terminated() {
        let server = serve(|mut stream, _| async move {
            read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                .await;
            // Zero linger turns the close into a RST.
            stream.set_zero_linger().unwrap();
        })
        .await;
        let result = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await;
        // The RST may overtake the head in the client's receive path.
        let error = match result {
            Ok(response) => read_body(response).await.unwrap_err(),
            Err(error) => error,
        };
        assert!(matches!(error, Error::ConnectionTerminated), "{error:?}");
    }

    #[tokio::test]
    async fn plaintext_server_on_https_is_a_tls_protocol_error() {
        let server = serve(|mut stream, _| async move {
            let mut hello = [0u8; 4096];
            let _ = stream.read(&mut hello).await;
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            // Waiting for the client to give up avoids a RST racing the bytes above.
            let _ = stream.read(&mut hello).await;
        })
        .await;
        let error = Network::default()
            .send(get(&format!("https://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::TlsProtocolError), "{error:?}");
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

    fn wrapped(inner: impl Into<Box<dyn StdError + Send + Sync>>) -> io::Error {
        // tokio-rustls and hyper-rustls nest errors exactly like this.
        io::Error::other(io::Error::new(io::ErrorKind::InvalidData, inner))
    }

    #[test]
    fn certificate_problems_carry_chromium_details() {
        use rustls::CertificateError as C;
        let cases = [
            (C::Expired, Some("net::ERR_CERT_DATE_INVALID")),
            (C::NotValidYet, Some("net::ERR_CERT_DATE_INVALID")),
            (C::UnknownIssuer, Some("net::ERR_CERT_AUTHORITY_INVALID")),
            (
                C::NotValidForName,
                Some("net::ERR_CERT_COMMON_NAME_INVALID"),
            ),
            (C::BadSignature, None),
        ];
        for (problem, detail) in cases {
            let error = wrapped(rustls::Error::InvalidCertificate(problem));
            let classified = classify_error(&error);
            match detail {
                Some(detail) => assert!(
                    matches!(
                        &classified,
                        Error::InternalError(Some(m)) if m == detail
                    ),
                    "{classified:?}"
                ),
                None => assert!(
                    matches!(classified, Error::TlsCertificateError),
                    "{classified:?}"
                ),
            }
        }
    }

    #[test]
    fn tls_alerts_and_other_tls_failures() {
        let alert = wrapped(rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert!(matches!(
            classify_error(&alert),
            Error::TlsAlertReceived {
                alert_id: Some(40),
                alert_message: Some(_)
            }
        ));
        let other = wrapped(rustls::Error::DecryptError);
        assert!(matches!(classify_error(&other), Error::TlsProtocolError));
    }

    #[test]
    fn io_kinds_map_by_phase() {
        let chain_of = |kind| io::Error::new(kind, "boom");
        let connect = |kind| {
            let error = chain_of(kind);
            classify_chain(&error_chain(&error), Phase::Connect)
        };
        let exchange = |kind| classify_error(&chain_of(kind));
        assert!(matches!(
            connect(io::ErrorKind::TimedOut),
            Some(Error::ConnectionTimeout)
        ));
        assert!(matches!(
            exchange(io::ErrorKind::TimedOut),
            Error::ConnectionReadTimeout
        ));
        assert!(matches!(
            connect(io::ErrorKind::HostUnreachable),
            Some(Error::DestinationUnavailable)
        ));
        assert!(matches!(
            connect(io::ErrorKind::NetworkUnreachable),
            Some(Error::DestinationUnavailable)
        ));
        assert!(matches!(
            exchange(io::ErrorKind::ConnectionReset),
            Error::ConnectionTerminated
        ));
        assert!(matches!(
            exchange(io::ErrorKind::BrokenPipe),
            Error::ConnectionTerminated
        ));
        assert!(matches!(
            exchange(io::ErrorKind::UnexpectedEof),
            Error::HttpResponseIncomplete
        ));
        assert!(matches!(
            connect(io::ErrorKind::UnexpectedEof),
            Some(Error::ConnectionTerminated)
        ));
        assert!(matches!(
            exchange(io::ErrorKind::Other),
            Error::HttpProtocolError
        ));
    }

    #[test]
    fn lookup_failure_wins_over_the_resolver_io_error() {
        let error = NameNotResolved {
            host: "x.invalid".into(),
            cause: Some(io::Error::from(io::ErrorKind::TimedOut)),
        };
        let wrapped = io::Error::other(error);
        assert!(matches!(
            classify_error(&wrapped),
            Error::DnsError {
                rcode: Some(_),
                info_code: None
            }
        ));
    }

    #[test]
    fn guest_errors_pass_through_unchanged() {
        let error = io::Error::other(Error::HttpRequestBodySize(Some(5)));
        assert!(matches!(
            classify_error(&error),
            Error::HttpRequestBodySize(Some(5))
        ));
    }

    #[test]
    fn p2_hooks_use_the_same_classification() {
        let mut network = Network::default();
        assert!(matches!(
            network.p2_error_from_connect(&io::Error::from(io::ErrorKind::ConnectionRefused)),
            p2::ErrorCode::ConnectionRefused
        ));
        assert!(matches!(
            network.p2_error_from_connect(&io::Error::from(io::ErrorKind::TimedOut)),
            p2::ErrorCode::ConnectionTimeout
        ));
        let tls = wrapped(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert!(matches!(
            network.p2_error_from_tls(&tls),
            p2::ErrorCode::InternalError(Some(m)) if m == "net::ERR_CERT_AUTHORITY_INVALID"
        ));
    }

    #[tokio::test]
    async fn p2_hyper_hook_maps_incomplete_bodies() {
        // A real hyper body error: read the raw `Incoming` of a truncated response.
        let server = respond_once(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234").await;
        let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let response = client
            .get(format!("http://{}/", server.addr).parse().unwrap())
            .await
            .unwrap();
        let error = response.into_body().collect().await.unwrap_err();
        let mut network = Network::default();
        assert!(matches!(
            network.p2_error_from_hyper(&error),
            p2::ErrorCode::HttpResponseIncomplete
        ));
    }
}
