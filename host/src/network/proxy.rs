//! Sending through an HTTP proxy, and answering the proxy's logins (407) in the host.
//!
//! wasmtime-wasi-http strips `Proxy-Authenticate` and `Proxy-Authorization` in both directions,
//! so the component can neither see a proxy's challenge nor answer it: proxy authentication
//! happens here, in the `send_request` hook, and the component only ever sees the final
//! response. The behaviour is documented on [`Proxy`].

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION};
use http::uri::Scheme;
use http::{HeaderMap, HeaderValue, Method, Request, Response, Uri, Version};
use http_auth::{PasswordClient, PasswordParams};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame, SizeHint};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_service::Service;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::{Network, Resolver, deadline, finish, lock, pooled_client, with_tls};
use crate::bindings::electron::net::types::{AuthInfo, Credentials};
use crate::credentials::CredentialProvider;

/// The most of a request body kept in memory so that it can be sent again after a 407.
const MAX_REPLAY_BODY: usize = 8 * 1024 * 1024;

/// How many times one request asks the [`CredentialProvider`] for proxy credentials.
const MAX_PROVIDER_ROUNDS: u32 = 5;

/// The largest CONNECT response head read before giving up on the proxy.
const MAX_CONNECT_HEAD: usize = 64 * 1024;

/// An HTTP proxy: `http://[user:password@]host[:port]` (port 80 by default).
///
/// Parse one with [`Proxy::parse`] or `str::parse`; give it to a partition with
/// [`Sessions::set_proxy`](crate::Sessions::set_proxy), or to a network handle with
/// [`Network::via_proxy`]. The user name and password, if any, answer the proxy's first
/// challenge without asking anyone. `Display` and `Debug` never show them.
///
/// # How requests use it
///
/// wasmtime-wasi-http strips `Proxy-Authenticate` and `Proxy-Authorization` in both directions,
/// so the component can neither see a proxy's challenge nor answer it: proxy logins are
/// answered by the host's network hook, and the component only sees the final response (no
/// `login` event for a 407).
///
/// - Routing. An `http://` request goes to the proxy in absolute form (`GET http://host/path`);
///   an `https://` request goes through a `CONNECT host:port` tunnel, with TLS to the origin
///   inside it. Each (partition, proxy) pair has its own keep-alive pool, so proxied and direct
///   connections never mix, nor do the tunnels two partitions authenticated.
/// - Challenges. On a 407 (to an absolute-form request, or to the CONNECT) the host picks the
///   strongest challenge it can answer (Digest over Basic) and tries, in order: the credentials
///   in the proxy URL's userinfo (without asking), credentials this route accepted before for
///   that realm, then the request's [`CredentialProvider`] with
///   `AuthInfo { is_proxy: true, scheme, host, port, realm }` of the proxy and an attempt
///   counter starting at 1. Rejected credentials are forgotten and never offered twice; it
///   gives up when the provider declines, answers with credentials already rejected, or has
///   been asked 5 times. Giving up delivers the 407 as the response (the component cannot see
///   the challenge, so it delivers it like any response). A CONNECT's 407 is delivered
///   without the proxy's headers and body: they would appear under the https origin's URL.
/// - Cache. Accepted credentials are kept per route (proxy origin, partition) with their realm
///   and sent preemptively on later requests: on every absolute-form request, on every new
///   CONNECT. A Digest answer keeps its nonce and counts `nc` up.
/// - Bodies. An absolute-form request's body is consumed by the attempt the proxy rejects. When
///   a retry may be needed (no cached credentials were sent) the body is recorded while it
///   streams, up to 8 MiB, and replayed for the retry; past that bound, or when cached
///   credentials were rejected after the body was streamed, the 407 is delivered instead: never
///   an empty or partial resend. Nothing waits for the body before sending. A CONNECT happens
///   before the body is read, so tunnelled requests never need a copy.
/// - Authenticating a tunnel. The CONNECT after a 407 is a probe on a fresh connection; once the
///   proxy accepts the credentials they are cached and the request goes out through the pool,
///   whose connector sends them on its own CONNECT. This costs one extra connection on the
///   first login, and keeps unverified credentials out of the shared pool.
/// - Confinement. `Proxy-Authorization` is only ever added by a route, for its own proxy: on
///   an absolute-form request sent on that proxy's pool, or on the CONNECT request (never
///   inside the tunnel). Any such header already on a request is dropped. Neither credentials
///   nor the proxy URL's userinfo appear in errors or `Debug` output.
/// - Errors. The proxy unreachable (name, refusal, reset) or a CONNECT answered with anything
///   but 2xx or 407 gives `net::ERR_PROXY_CONNECTION_FAILED` (Chromium says
///   `ERR_TUNNEL_CONNECTION_FAILED` for the latter, which the contract does not list). The
///   connect timeout still covers dialing the proxy, the CONNECT and TLS, and gives the usual
///   connect timeout error.
///
/// The provider is a synchronous callback that may wait for a person; it runs on Tokio's
/// blocking pool so the runtime's workers keep going.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Proxy {
    host: String,
    port: u16,
    userinfo: Option<Userinfo>,
}

/// A user name and password, kept out of `Debug` output.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Userinfo {
    username: String,
    password: String,
}

/// Why a proxy URL was rejected. The message never repeats the URL, which may hold a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidProxy {
    reason: &'static str,
}

impl Proxy {
    /// Parses `http://[user:password@]host[:port]`; a trailing `/` is allowed. Other schemes
    /// (`https://`, `socks5://`, ...) and URLs with a path, query or fragment are rejected.
    pub fn parse(url: &str) -> Result<Proxy, InvalidProxy> {
        let invalid = |reason| Err(InvalidProxy { reason });
        let Ok(parsed) = url::Url::parse(url.trim()) else {
            return invalid("expected http://[user:password@]host[:port]");
        };
        if parsed.scheme() != "http" {
            return invalid("only http:// proxies are supported");
        }
        let Some(host) = parsed.host_str().filter(|host| !host.is_empty()) else {
            return invalid("the URL has no host");
        };
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return invalid("a proxy URL has no path or query");
        }
        if parsed.fragment().is_some() {
            return invalid("a proxy URL has no fragment");
        }
        let port = parsed.port_or_known_default().unwrap_or(80);
        let decode = |raw: &str| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .map(|text| text.into_owned())
        };
        let userinfo = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            (username, password) => match (decode(username), decode(password.unwrap_or(""))) {
                (Ok(username), Ok(password)) => Some(Userinfo { username, password }),
                _ => return invalid("the user name or password is not UTF-8"),
            },
        };
        let proxy = Proxy {
            host: host.to_owned(),
            port,
            userinfo,
        };
        if Uri::try_from(proxy.to_string()).is_err() {
            return invalid("the host cannot be dialed");
        }
        Ok(proxy)
    }

    /// The proxy's host name or IP address (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// True when the URL carried a user name or password.
    pub fn has_credentials(&self) -> bool {
        self.userinfo.is_some()
    }

    /// `http://host:port`, what the pool dials.
    fn uri(&self) -> Uri {
        Uri::try_from(self.to_string()).expect("checked by Proxy::parse")
    }
}

impl FromStr for Proxy {
    type Err = InvalidProxy;

    fn from_str(url: &str) -> Result<Proxy, InvalidProxy> {
        Proxy::parse(url)
    }
}

impl fmt::Display for Proxy {
    /// `http://host:port`, without the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}:{}", self.host, self.port)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.to_string())
            .field("has_credentials", &self.has_credentials())
            .finish()
    }
}

impl fmt::Debug for Userinfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Userinfo(..)")
    }
}

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid proxy URL: {}", self.reason)
    }
}

impl StdError for InvalidProxy {}

/// The error the guest reports as `net::ERR_PROXY_CONNECTION_FAILED`.
pub(super) fn connection_failed() -> Error {
    Error::InternalError(Some("net::ERR_PROXY_CONNECTION_FAILED".into()))
}

/// Why the proxy could not be used. Display texts name no credentials.
#[derive(Debug)]
pub(super) enum ProxyFailure {
    /// Dialing the proxy failed (its name, a refusal, ...).
    Unreachable(Box<dyn StdError + Send + Sync>),
    /// The proxy answered CONNECT with 407; the `Proxy-Authenticate` values.
    AuthRequired(Vec<String>),
    /// The proxy did not open the tunnel: another status (if it sent one), or no valid answer.
    Tunnel(Option<u16>),
}

impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyFailure::Unreachable(_) => f.write_str("could not connect to the proxy"),
            ProxyFailure::AuthRequired(_) => f.write_str("the proxy requires authentication"),
            ProxyFailure::Tunnel(Some(status)) => {
                write!(f, "the proxy refused the tunnel with status {status}")
            }
            ProxyFailure::Tunnel(None) => f.write_str("the proxy gave no valid CONNECT answer"),
        }
    }
}

impl StdError for ProxyFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ProxyFailure::Unreachable(cause) => Some(cause.as_ref()),
            _ => None,
        }
    }
}

/// What [`Network::dispatch`] fails with.
pub(super) enum Failure {
    /// A classified error, for the guest.
    Error(Error),
    /// The proxy answered the CONNECT with 407; the `Proxy-Authenticate` values.
    TunnelAuth(Vec<String>),
}

impl Failure {
    /// Classifies an error of the pooled client.
    pub(super) fn from_client(error: &hyper_util::client::legacy::Error) -> Failure {
        for cause in super::error_chain(error) {
            if let Some(ProxyFailure::AuthRequired(challenges)) =
                cause.downcast_ref::<ProxyFailure>()
            {
                return Failure::TunnelAuth(challenges.clone());
            }
        }
        Failure::Error(super::classify_error(error))
    }

    /// The error for the guest; a CONNECT 407 outside a proxy route cannot happen.
    pub(super) fn into_error(self) -> Error {
        match self {
            Failure::Error(error) => error,
            Failure::TunnelAuth(_) => connection_failed(),
        }
    }
}

/// Credentials a route's proxy accepted, with the challenge state that answers it again.
struct Accepted {
    realm: String,
    scheme: &'static str,
    credentials: Userinfo,
    challenge: PasswordClient,
}

impl Accepted {
    /// The `Proxy-Authorization` value for one request (Digest counts its `nc` up).
    fn authorization(&mut self, method: &str, uri: &str) -> Option<HeaderValue> {
        authorization(&mut self.challenge, &self.credentials, method, uri)
    }
}

/// The `Proxy-Authorization` value answering `challenge` for one request, marked sensitive.
/// `None` when the credentials cannot be expressed (a `:` in a Basic user name, RFC 7617 §2).
fn authorization(
    challenge: &mut PasswordClient,
    credentials: &Userinfo,
    method: &str,
    uri: &str,
) -> Option<HeaderValue> {
    if matches!(challenge, PasswordClient::Basic(_)) && credentials.username.contains(':') {
        return None;
    }
    let value = challenge
        .respond(&PasswordParams {
            username: &credentials.username,
            password: &credentials.password,
            uri,
            method,
            body: None,
        })
        .ok()?;
    let mut value = HeaderValue::try_from(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

type AuthCache = Arc<Mutex<Option<Accepted>>>;

/// What one (partition, proxy) pair shares between requests: its pool and the credentials its
/// proxy accepted (one protection space: this proxy, this partition, the cached realm).
pub(super) struct Route {
    proxy: Proxy,
    client: Client<HttpsConnector<ProxyConnector>, WasiBody>,
    dialer: Dialer,
    auth: AuthCache,
}

impl Route {
    pub(super) fn new(
        proxy: Proxy,
        tcp: HttpConnector<Resolver>,
        tls: &rustls::ClientConfig,
    ) -> Route {
        let dialer = Dialer {
            tcp,
            proxy: proxy.uri(),
        };
        let auth = AuthCache::default();
        let connector = ProxyConnector {
            dialer: dialer.clone(),
            auth: auth.clone(),
        };
        Route {
            proxy,
            client: pooled_client(with_tls(connector, tls)),
            dialer,
            auth,
        }
    }

    /// The cached credentials' header for a request, sent before any challenge.
    fn preemptive(&self, method: &str, uri: &str) -> Option<Offer> {
        let mut cache = lock(&self.auth);
        let accepted = cache.as_mut()?;
        Some(Offer {
            authorization: accepted.authorization(method, uri)?,
            credentials: accepted.credentials.clone(),
            fresh: None,
        })
    }

    fn cached_credentials(&self) -> Option<Userinfo> {
        lock(&self.auth)
            .as_ref()
            .map(|accepted| accepted.credentials.clone())
    }

    fn cached_for(&self, realm: &str, scheme: &str) -> Option<Userinfo> {
        lock(&self.auth)
            .as_ref()
            .filter(|accepted| accepted.realm == realm && accepted.scheme == scheme)
            .map(|accepted| accepted.credentials.clone())
    }

    /// Remembers an offer the proxy accepted (cached offers are already remembered).
    fn accept(&self, offer: Offer) {
        if let Some((realm, scheme, challenge)) = offer.fresh {
            *lock(&self.auth) = Some(Accepted {
                realm,
                scheme,
                credentials: offer.credentials,
                challenge,
            });
        }
    }

    /// Forgets rejected credentials, unless another request has cached others meanwhile.
    fn forget(&self, credentials: &Userinfo) {
        let mut cache = lock(&self.auth);
        if cache
            .as_ref()
            .is_some_and(|accepted| accepted.credentials == *credentials)
        {
            *cache = None;
        }
    }
}

/// Credentials on their way to the proxy.
struct Offer {
    authorization: HeaderValue,
    credentials: Userinfo,
    /// The realm, scheme and challenge state when they are not from the cache.
    fresh: Option<(String, &'static str, PasswordClient)>,
}

/// Opens TCP connections to the proxy.
#[derive(Clone)]
struct Dialer {
    tcp: HttpConnector<Resolver>,
    proxy: Uri,
}

impl Dialer {
    async fn dial(&self) -> Result<TokioIo<TcpStream>, ProxyFailure> {
        self.tcp
            .clone()
            .call(self.proxy.clone())
            .await
            .map_err(|error| ProxyFailure::Unreachable(error.into()))
    }

    /// Opens a tunnel to `authority` with `authorization` on a new connection and drops it:
    /// tells whether the proxy accepts these credentials.
    async fn probe(
        &self,
        authority: &str,
        authorization: &HeaderValue,
    ) -> Result<(), ProxyFailure> {
        let mut io = self.dial().await?;
        open_tunnel(io.inner_mut(), authority, Some(authorization)).await
    }
}

/// `host:port` for a CONNECT to `uri`.
fn connect_authority(uri: &Uri) -> String {
    format!(
        "{}:{}",
        uri.host().unwrap_or_default(),
        uri.port_u16().unwrap_or(443)
    )
}

/// Sends `CONNECT authority` and reads the proxy's answer; on success `stream` is the tunnel.
async fn open_tunnel(
    stream: &mut TcpStream,
    authority: &str,
    authorization: Option<&HeaderValue>,
) -> Result<(), ProxyFailure> {
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n").into_bytes();
    if let Some(value) = authorization {
        head.extend_from_slice(b"Proxy-Authorization: ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let unreachable = |error: io::Error| ProxyFailure::Unreachable(error.into());
    stream.write_all(&head).await.map_err(unreachable)?;

    let mut answer = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = stream.read(&mut chunk).await.map_err(unreachable)?;
        if read == 0 {
            return Err(ProxyFailure::Tunnel(None));
        }
        answer.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&answer) {
            Ok(httparse::Status::Complete(length)) => {
                return match response.code.unwrap_or_default() {
                    // Bytes after a 2xx would belong to the tunnel, where TLS speaks first.
                    200..=299 if length == answer.len() => Ok(()),
                    407 => Err(ProxyFailure::AuthRequired(
                        response
                            .headers
                            .iter()
                            .filter(|header| header.name.eq_ignore_ascii_case("proxy-authenticate"))
                            .filter_map(|header| std::str::from_utf8(header.value).ok())
                            .map(str::to_owned)
                            .collect(),
                    )),
                    status => Err(ProxyFailure::Tunnel(Some(status))),
                };
            }
            Ok(httparse::Status::Partial) if answer.len() < MAX_CONNECT_HEAD => {}
            _ => return Err(ProxyFailure::Tunnel(None)),
        }
    }
}

/// The connector of a route's pool: every connection goes to the proxy; `https` destinations
/// get a CONNECT tunnel (TLS is added on top by the wrapping `HttpsConnector`).
#[derive(Clone)]
struct ProxyConnector {
    dialer: Dialer,
    auth: AuthCache,
}

impl Service<Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = ProxyFailure;
    type Future = Pin<Box<dyn Future<Output = Result<ProxyStream, ProxyFailure>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ProxyFailure>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let dialer = self.dialer.clone();
        let tunnel = (destination.scheme() == Some(&Scheme::HTTPS)).then(|| {
            let authority = connect_authority(&destination);
            let authorization = lock(&self.auth)
                .as_mut()
                .and_then(|accepted| accepted.authorization("CONNECT", &authority));
            (authority, authorization)
        });
        Box::pin(async move {
            let mut io = dialer.dial().await?;
            let absolute_form = match tunnel {
                Some((authority, authorization)) => {
                    open_tunnel(io.inner_mut(), &authority, authorization.as_ref()).await?;
                    false
                }
                None => true,
            };
            Ok(ProxyStream { io, absolute_form })
        })
    }
}

/// A connection to the proxy: plain (requests in absolute form) or a tunnel.
struct ProxyStream {
    io: TokioIo<TcpStream>,
    absolute_form: bool,
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        // `proxy(true)` makes the pool write absolute-form request lines.
        self.io.connected().proxy(self.absolute_form)
    }
}

impl hyper::rt::Read for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// One request's use of a route: the route, and who answers the proxy's logins.
pub(super) struct Proxied {
    route: Arc<Route>,
    partition: String,
    credentials: Arc<dyn CredentialProvider>,
}

/// A request's head, kept to build the request again for a retry.
struct Head {
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
}

impl Head {
    fn request(&self, body: WasiBody, authorization: Option<&Offer>) -> Request<WasiBody> {
        let mut request = Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        if let Some(offer) = authorization {
            request
                .headers_mut()
                .insert(PROXY_AUTHORIZATION, offer.authorization.clone());
        }
        request
    }
}

impl Proxied {
    pub(super) fn new(
        route: Arc<Route>,
        partition: &str,
        credentials: Arc<dyn CredentialProvider>,
    ) -> Proxied {
        Proxied {
            route,
            partition: partition.to_owned(),
            credentials,
        }
    }

    pub(super) fn proxy(&self) -> &Proxy {
        &self.route.proxy
    }

    /// Sends `request` (validated by [`Network::send`]) through the route's proxy.
    pub(super) async fn send(
        &self,
        network: &Network,
        request: Request<WasiBody>,
        options: &RequestOptions,
    ) -> Result<Response<WasiBody>, Error> {
        let (parts, body) = request.into_parts();
        let head = Head {
            method: parts.method,
            uri: parts.uri,
            version: parts.version,
            headers: parts.headers,
        };
        if head.uri.scheme() == Some(&Scheme::HTTPS) {
            self.send_tunnelled(network, head, body, options).await
        } else {
            self.send_absolute(network, head, body, options).await
        }
    }

    async fn send_absolute(
        &self,
        network: &Network,
        head: Head,
        body: WasiBody,
        options: &RequestOptions,
    ) -> Result<Response<WasiBody>, Error> {
        let target = head.uri.to_string();
        let method = head.method.as_str();
        let mut login = Login::new(self, &target);
        let mut offer = self.route.preemptive(method, &target);
        // Without cached credentials a 407 is likely: keep the body for the retry.
        let limit = if offer.is_some() { 0 } else { MAX_REPLAY_BODY };
        let body = Recorder::new(body, limit);
        let mut attempt = body.attempt().expect("a new body is replayable");
        loop {
            let request = head.request(attempt, offer.as_ref());
            let response = network
                .dispatch(&self.route.client, request, options)
                .await
                .map_err(Failure::into_error)?;
            if response.status() != http::StatusCode::PROXY_AUTHENTICATION_REQUIRED {
                if let Some(offer) = offer.take() {
                    self.route.accept(offer);
                }
                return finish(response, options);
            }
            let challenges = header_values(response.headers());
            let rejected = offer.take().map(|offer| offer.credentials);
            if !body.replayable() {
                login.reject(rejected);
                return finish(response, options);
            }
            offer = login.next(&challenges, rejected, method, &target).await;
            // The 407 is dropped only once the next attempt has its whole body; the attempt
            // that got it may still be streaming until then.
            match offer.as_ref().and_then(|_| body.attempt()) {
                Some(next) => attempt = next,
                None => return finish(response, options),
            }
        }
    }

    async fn send_tunnelled(
        &self,
        network: &Network,
        head: Head,
        body: WasiBody,
        options: &RequestOptions,
    ) -> Result<Response<WasiBody>, Error> {
        let target = head.uri.to_string();
        let authority = connect_authority(&head.uri);
        // The tunnel is open before the body is read: a CONNECT 407 leaves it untouched.
        let body = Recorder::new(body, 0);
        let cached = self.route.cached_credentials();
        let first = body.attempt().expect("a new body is replayable");
        let mut challenges = match network
            .dispatch(&self.route.client, head.request(first, None), options)
            .await
        {
            Ok(response) => return finish(response, options),
            Err(Failure::Error(error)) => return Err(error),
            Err(Failure::TunnelAuth(challenges)) => challenges,
        };
        let mut login = Login::new(self, &target);
        let mut rejected = cached;
        let connect_timeout = options
            .connect_timeout
            .unwrap_or(network.inner.connect_timeout);
        loop {
            let Some(offer) = login
                .next(&challenges, rejected.take(), "CONNECT", &authority)
                .await
            else {
                return Ok(proxy_auth_required());
            };
            let probe = self.route.dialer.probe(&authority, &offer.authorization);
            match tokio::time::timeout_at(deadline(connect_timeout), probe).await {
                Err(_elapsed) => return Err(Error::ConnectionTimeout),
                Ok(Ok(())) => {
                    self.route.accept(offer);
                    break;
                }
                Ok(Err(ProxyFailure::AuthRequired(again))) => {
                    challenges = again;
                    rejected = Some(offer.credentials);
                }
                Ok(Err(_)) => return Err(connection_failed()),
            }
        }
        let Some(body) = body.attempt() else {
            return Ok(proxy_auth_required());
        };
        match network
            .dispatch(&self.route.client, head.request(body, None), options)
            .await
        {
            Ok(response) => finish(response, options),
            Err(Failure::Error(error)) => Err(error),
            Err(Failure::TunnelAuth(_)) => Ok(proxy_auth_required()),
        }
    }
}

/// The `Proxy-Authenticate` values of a response.
fn header_values(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(PROXY_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// The 407 delivered when a tunnel's login gives up: the proxy's own headers and body are left
/// out, as they would otherwise be shown as the https origin's.
fn proxy_auth_required() -> Response<WasiBody> {
    let body = Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = http::StatusCode::PROXY_AUTHENTICATION_REQUIRED;
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

/// One request's proxy login: which credentials were tried, how often the provider was asked.
struct Login<'a> {
    proxied: &'a Proxied,
    url: &'a str,
    asked: u32,
    rejected: Vec<Userinfo>,
    tried_userinfo: bool,
    retried_stale: bool,
}

impl<'a> Login<'a> {
    fn new(proxied: &'a Proxied, url: &'a str) -> Login<'a> {
        Login {
            proxied,
            url,
            asked: 0,
            rejected: Vec::new(),
            tried_userinfo: false,
            retried_stale: false,
        }
    }

    /// Records credentials the proxy rejected: forgotten by the route, never offered again.
    fn reject(&mut self, credentials: Option<Userinfo>) {
        if let Some(credentials) = credentials {
            self.proxied.route.forget(&credentials);
            self.rejected.push(credentials);
        }
    }

    /// The next credentials to answer `challenges` with, after `rejected` (what the failed
    /// attempt sent, if anything) was refused; `None` to give up and deliver the 407.
    async fn next(
        &mut self,
        challenges: &[String],
        rejected: Option<Userinfo>,
        method: &str,
        uri: &str,
    ) -> Option<Offer> {
        let challenge = challenges
            .iter()
            .fold(PasswordClient::builder(), |builder, value| {
                builder.challenges(value)
            })
            .build();
        let Ok(mut challenge) = challenge else {
            self.reject(rejected);
            return None;
        };
        let (scheme, realm) = match &challenge {
            PasswordClient::Basic(basic) => ("basic", basic.realm().to_owned()),
            PasswordClient::Digest(digest) => ("digest", digest.realm().to_owned()),
            _ => ("unknown", String::new()),
        };
        let stale = matches!(&challenge, PasswordClient::Digest(digest) if digest.stale());
        let mut candidate = match rejected {
            // Right credentials, expired nonce: answer the fresh challenge once, silently.
            Some(sent) if stale && !self.retried_stale => {
                self.retried_stale = true;
                Some(sent)
            }
            sent => {
                self.reject(sent);
                None
            }
        };
        loop {
            let credentials = match candidate.take() {
                Some(credentials) => credentials,
                None => self.candidate(scheme, &realm).await?,
            };
            if let Some(authorization) = authorization(&mut challenge, &credentials, method, uri) {
                return Some(Offer {
                    authorization,
                    credentials,
                    fresh: Some((realm, scheme, challenge)),
                });
            }
            // Not expressible in this scheme: as good as rejected.
            self.rejected.push(credentials);
        }
    }

    /// Credentials not yet rejected: the proxy URL's, the route's cached ones, the provider's.
    async fn candidate(&mut self, scheme: &str, realm: &str) -> Option<Userinfo> {
        let route = &self.proxied.route;
        if !self.tried_userinfo {
            self.tried_userinfo = true;
            if let Some(userinfo) = route.proxy.userinfo.clone().filter(|u| self.is_new(u)) {
                return Some(userinfo);
            }
        }
        if let Some(cached) = route.cached_for(realm, scheme).filter(|c| self.is_new(c)) {
            return Some(cached);
        }
        if self.asked == MAX_PROVIDER_ROUNDS {
            return None;
        }
        self.asked += 1;
        let provider = self.proxied.credentials.clone();
        let partition = self.proxied.partition.clone();
        let url = self.url.to_owned();
        let info = AuthInfo {
            is_proxy: true,
            scheme: scheme.to_owned(),
            host: route.proxy.host.clone(),
            port: route.proxy.port,
            realm: realm.to_owned(),
        };
        let attempt = self.asked;
        let answer = tokio::task::spawn_blocking(move || {
            provider.provide_credentials(&partition, &url, &info, attempt)
        })
        .await
        .ok()
        .flatten()?;
        let Credentials { username, password } = answer;
        // An answer that was already refused would only be refused again.
        Some(Userinfo { username, password }).filter(|answer| self.is_new(answer))
    }

    fn is_new(&self, credentials: &Userinfo) -> bool {
        !self.rejected.contains(credentials)
    }
}

/// A request body that keeps what it streams (up to a limit), so that the request can be sent
/// again after a 407. Each attempt reads the kept part first, then continues with the source;
/// an attempt replaced by a newer one stops with an error.
struct Recorder {
    shared: Arc<Mutex<Recording>>,
}

struct Recording {
    source: WasiBody,
    /// The source's size hint before anything was read.
    hint: SizeHint,
    kept: Vec<Kept>,
    kept_bytes: usize,
    limit: usize,
    /// The source has ended.
    ended: bool,
    /// Something read from the source is not kept: no further attempt is possible.
    lost: bool,
    /// The attempt allowed to read.
    current: u64,
}

enum Kept {
    Data(Bytes),
    Trailers(HeaderMap),
}

impl Recording {
    fn keep(&mut self, frame: &Frame<Bytes>) {
        if self.lost {
            return;
        }
        if let Some(data) = frame.data_ref() {
            if self.kept_bytes + data.len() > self.limit {
                self.lose();
                return;
            }
            self.kept_bytes += data.len();
            self.kept.push(Kept::Data(data.clone()));
        } else if let Some(trailers) = frame.trailers_ref() {
            self.kept.push(Kept::Trailers(trailers.clone()));
        }
    }

    fn lose(&mut self) {
        self.lost = true;
        self.kept = Vec::new();
        self.kept_bytes = 0;
    }
}

impl Recorder {
    /// Keeps at most `limit` bytes of `source`; beyond that the body can be sent only once.
    fn new(source: WasiBody, limit: usize) -> Recorder {
        let hint = source.size_hint();
        Recorder {
            shared: Arc::new(Mutex::new(Recording {
                source,
                hint,
                kept: Vec::new(),
                kept_bytes: 0,
                limit,
                ended: false,
                lost: false,
                current: 0,
            })),
        }
    }

    /// Whether a new attempt can send the whole body.
    fn replayable(&self) -> bool {
        !lock(&self.shared).lost
    }

    /// The body for a new attempt (earlier attempts' bodies stop), or `None` once something
    /// read was not kept.
    fn attempt(&self) -> Option<WasiBody> {
        let mut recording = lock(&self.shared);
        if recording.lost {
            return None;
        }
        recording.current += 1;
        Some(
            Attempt {
                shared: self.shared.clone(),
                attempt: recording.current,
                position: 0,
                sent: 0,
            }
            .boxed_unsync(),
        )
    }
}

/// One attempt's view of a [`Recorder`].
struct Attempt {
    shared: Arc<Mutex<Recording>>,
    attempt: u64,
    /// Kept frames already sent by this attempt.
    position: usize,
    /// Body bytes already sent by this attempt.
    sent: u64,
}

impl Body for Attempt {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let mut recording = lock(&this.shared);
        if recording.current != this.attempt {
            let message = "request body taken over by a retry";
            return Poll::Ready(Some(Err(Error::InternalError(Some(message.into())))));
        }
        if let Some(kept) = recording.kept.get(this.position) {
            this.position += 1;
            let frame = match kept {
                Kept::Data(data) => {
                    this.sent += data.len() as u64;
                    Frame::data(data.clone())
                }
                Kept::Trailers(trailers) => Frame::trailers(trailers.clone()),
            };
            return Poll::Ready(Some(Ok(frame)));
        }
        if recording.ended {
            return Poll::Ready(None);
        }
        match ready!(Pin::new(&mut recording.source).poll_frame(cx)) {
            None => {
                recording.ended = true;
                Poll::Ready(None)
            }
            Some(Err(error)) => {
                recording.lose();
                Poll::Ready(Some(Err(error)))
            }
            Some(Ok(frame)) => {
                recording.keep(&frame);
                this.position = recording.kept.len();
                if let Some(data) = frame.data_ref() {
                    this.sent += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let recording = lock(&self.shared);
        recording.current == self.attempt
            && self.position >= recording.kept.len()
            && (recording.ended || recording.source.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        match lock(&self.shared).hint.exact() {
            Some(total) => SizeHint::with_exact(total.saturating_sub(self.sent)),
            None => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{TestServer, get, hold, read_body, read_head, serve};
    use super::*;
    use crate::credentials::NoCredentials;
    use http_body_util::Full;
    use std::sync::atomic::Ordering;
    use tokio::net::TcpListener;

    /// `user:pass` in Basic.
    const USER_PASS: &str = "Basic dXNlcjpwYXNz";
    const CHALLENGE: &str = "Basic realm=\"proxy\"";

    /// A request as a mock proxy saw it.
    #[derive(Clone, Debug)]
    struct Seen {
        connection: usize,
        head: String,
        body: Vec<u8>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.head.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim())
            })
        }
    }

    type Log = Arc<Mutex<Vec<Seen>>>;

    /// Reads one request (head and Content-Length body) from a keep-alive connection.
    async fn read_request(
        stream: &mut TcpStream,
        buffer: &mut Vec<u8>,
    ) -> Option<(String, Vec<u8>)> {
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
    async fn mock_proxy(answer: fn(&Seen) -> String) -> (TestServer, Log) {
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
    fn wants_user_pass(seen: &Seen) -> String {
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
    struct Provider {
        calls: Mutex<Vec<(String, String, AuthInfo, u32)>>,
        answer: fn(u32) -> Option<Credentials>,
    }

    impl Provider {
        fn new(answer: fn(u32) -> Option<Credentials>) -> Arc<Provider> {
            Arc::new(Provider {
                calls: Mutex::default(),
                answer,
            })
        }

        fn calls(&self) -> Vec<(String, String, AuthInfo, u32)> {
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

    fn user_pass(_: u32) -> Option<Credentials> {
        Some(Credentials {
            username: "user".into(),
            password: "pass".into(),
        })
    }

    fn proxy_at(server: &TestServer) -> Proxy {
        Proxy::parse(&format!("http://{}", server.addr)).unwrap()
    }

    fn post(uri: &str, body: &'static [u8]) -> Request<WasiBody> {
        Request::post(uri)
            .header(CONTENT_LENGTH, body.len())
            .body(
                Full::new(Bytes::from_static(body))
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
            .unwrap()
    }

    fn body_of(frames: Vec<Frame<Bytes>>) -> Vec<u8> {
        frames
            .into_iter()
            .filter_map(|frame| frame.into_data().ok())
            .flat_map(|data| data.to_vec())
            .collect()
    }

    async fn frames(mut body: WasiBody) -> Result<Vec<Frame<Bytes>>, Error> {
        let mut frames = Vec::new();
        while let Some(frame) = body.frame().await {
            frames.push(frame?);
        }
        Ok(frames)
    }

    fn is_proxy_connection_failed(error: &Error) -> bool {
        matches!(error, Error::InternalError(Some(m)) if m == "net::ERR_PROXY_CONNECTION_FAILED")
    }

    #[test]
    fn parses_http_proxy_urls() {
        let proxy = Proxy::parse("http://Proxy.Example:3128").unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.example", 3128));
        assert!(!proxy.has_credentials());
        assert_eq!(Proxy::parse("http://proxy.example/").unwrap().port(), 80);
        assert_eq!(Proxy::parse("http://[::1]:8080").unwrap().host(), "[::1]");
        let proxy: Proxy = " http://us%40er:p%3Ass@127.0.0.1:8080/ ".parse().unwrap();
        assert_eq!(
            proxy.userinfo,
            Some(Userinfo {
                username: "us@er".into(),
                password: "p:ss".into()
            })
        );
        assert_eq!(proxy.to_string(), "http://127.0.0.1:8080");
    }

    #[test]
    fn rejects_other_schemes_and_parts() {
        for url in [
            "https://user:secret@proxy:443",
            "socks5://user:secret@proxy:1080",
            "proxy:8080",
            "http://user:secret@proxy:8080/path",
            "http://proxy:8080/?q",
            "http://proxy:8080#f",
            "http://user:%FF@proxy:8080",
            "",
        ] {
            let error = Proxy::parse(url).unwrap_err();
            assert!(!error.to_string().contains("secret"), "{url}: {error}");
        }
        assert_eq!(
            Proxy::parse("https://proxy:443").unwrap_err().to_string(),
            "invalid proxy URL: only http:// proxies are supported"
        );
    }

    #[test]
    fn credentials_stay_out_of_display_and_debug() {
        let proxy = Proxy::parse("http://user:secret@proxy:8080").unwrap();
        assert!(proxy.has_credentials());
        let shown = format!("{proxy} {proxy:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("user"),
            "{shown}"
        );
        let network = Network::default().via_proxy(&proxy, "", Arc::new(NoCredentials));
        assert!(!format!("{network:?}").contains("secret"));
    }

    #[tokio::test]
    async fn http_goes_to_the_proxy_in_absolute_form() {
        let (server, log) =
            mock_proxy(|_| "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhey".into()).await;
        let network = Network::default().via_proxy(&proxy_at(&server), "", Arc::new(NoCredentials));
        // The origin's name is never resolved here: the proxy does that.
        for _ in 0..2 {
            let response = network
                .send(get("http://origin.invalid/p?q=1"), None)
                .await
                .unwrap();
            assert_eq!(read_body(response).await.unwrap(), "hey");
        }
        let log = log.lock().unwrap().clone();
        assert!(
            log[0]
                .head
                .starts_with("GET http://origin.invalid/p?q=1 HTTP/1.1\r\n"),
            "{}",
            log[0].head
        );
        assert_eq!(log[0].header("host"), Some("origin.invalid"));
        assert_eq!(log[0].header("proxy-authorization"), None);
        // Kept alive: both requests on one connection to the proxy.
        assert_eq!((log.len(), log[1].connection), (2, 0));
    }

    #[tokio::test]
    async fn basic_login_retries_with_the_body_and_caches_per_partition() {
        let (server, log) = mock_proxy(wants_user_pass).await;
        let provider = Provider::new(user_pass);
        let network = Network::default();
        let proxy = proxy_at(&server);
        let via = |partition| network.via_proxy(&proxy, partition, provider.clone());

        let response = via("a")
            .send(post("http://origin.invalid/up", b"payload"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(read_body(response).await.unwrap(), "payload");
        let calls = provider.calls();
        assert_eq!(calls.len(), 1);
        let (partition, url, info, attempt) = &calls[0];
        assert_eq!(
            (partition.as_str(), url.as_str(), *attempt),
            ("a", "http://origin.invalid/up", 1)
        );
        assert_eq!(
            *info,
            AuthInfo {
                is_proxy: true,
                scheme: "basic".into(),
                host: "127.0.0.1".into(),
                port: server.addr.port(),
                realm: "proxy".into(),
            }
        );

        // Cached for partition "a": sent before any challenge, no second question.
        let response = via("a")
            .send(post("http://origin.invalid/again", b"x"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(provider.calls().len(), 1);
        // Partition "b" has its own cache.
        let response = via("b")
            .send(get("http://origin.invalid/"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(provider.calls().len(), 2);

        let log = log.lock().unwrap().clone();
        let sent: Vec<_> = log
            .iter()
            .map(|seen| (seen.header("proxy-authorization"), seen.body.as_slice()))
            .collect();
        assert_eq!(
            sent,
            [
                (None, &b"payload"[..]),
                (Some(USER_PASS), b"payload"),
                (Some(USER_PASS), b"x"),
                (None, b""),
                (Some(USER_PASS), b""),
            ]
        );
    }

    #[tokio::test]
    async fn body_over_the_replay_bound_gets_the_407_not_a_resend() {
        let (server, log) = mock_proxy(wants_user_pass).await;
        let provider = Provider::new(user_pass);
        let network = Network::default().via_proxy(&proxy_at(&server), "", provider.clone());
        let big: &'static [u8] = Box::leak(vec![b'x'; MAX_REPLAY_BODY + 1].into_boxed_slice());
        let response = network
            .send(post("http://origin.invalid/", big), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 407);
        // Nobody was asked for credentials that could not be used.
        assert!(provider.calls().is_empty());
        let log = log.lock().unwrap();
        assert_eq!((log.len(), log[0].body.len()), (1, big.len()));
    }

    #[tokio::test]
    async fn userinfo_answers_without_asking() {
        let (server, log) = mock_proxy(wants_user_pass).await;
        let provider = Provider::new(|_| None);
        let proxy = Proxy::parse(&format!("http://user:pass@{}", server.addr)).unwrap();
        let network = Network::default().via_proxy(&proxy, "", provider.clone());
        let response = network
            .send(get("http://origin.invalid/"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(provider.calls().is_empty());
        assert_eq!(log.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn rejected_logins_are_bounded_then_the_407_is_delivered() {
        fn always_wrong(_: u32) -> Option<Credentials> {
            Some(Credentials {
                username: "user".into(),
                password: "wrong".into(),
            })
        }
        fn new_wrong_each_time(attempt: u32) -> Option<Credentials> {
            Some(Credentials {
                username: "user".into(),
                password: format!("wrong{attempt}"),
            })
        }
        for (answer, expected_calls) in
            [(always_wrong as fn(u32) -> _, 2), (new_wrong_each_time, 5)]
        {
            let (server, log) = mock_proxy(wants_user_pass).await;
            let provider = Provider::new(answer);
            let network = Network::default().via_proxy(&proxy_at(&server), "", provider.clone());
            let response = network
                .send(get("http://origin.invalid/"), None)
                .await
                .unwrap();
            assert_eq!(response.status(), 407);
            assert_eq!(read_body(response).await.unwrap(), "denied");
            let attempts: Vec<u32> = provider.calls().iter().map(|call| call.3).collect();
            assert_eq!(attempts, (1..=expected_calls).collect::<Vec<_>>());
            // The first request, then one per fresh answer.
            let fresh = if expected_calls == 2 { 1 } else { 5 };
            assert_eq!(log.lock().unwrap().len(), 1 + fresh);
        }
    }

    #[tokio::test]
    async fn rejected_cached_credentials_are_forgotten() {
        let (server, _log) = mock_proxy(wants_user_pass).await;
        let provider = Provider::new(user_pass);
        let network = Network::default().via_proxy(&proxy_at(&server), "", provider.clone());
        network
            .send(get("http://origin.invalid/"), None)
            .await
            .unwrap();
        // The proxy now rejects them (a changed password): forgotten, and asked again.
        network
            .proxy
            .as_ref()
            .unwrap()
            .route
            .auth
            .lock()
            .unwrap()
            .as_mut()
            .unwrap()
            .credentials
            .password = "old".into();
        let response = network
            .send(get("http://origin.invalid/"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(provider.calls().len(), 2);
    }

    #[tokio::test]
    async fn digest_login_uses_the_absolute_uri() {
        fn wants_digest(seen: &Seen) -> String {
            match seen.header("proxy-authorization") {
                Some(value)
                    if value.starts_with("Digest ")
                        && value.contains("uri=\"http://origin.invalid/d\"") =>
                {
                    "HTTP/1.1 204 No Content\r\n\r\n".into()
                }
                _ => "HTTP/1.1 407 Nope\r\nProxy-Authenticate: Basic realm=\"b\"\r\n\
                      Proxy-Authenticate: Digest realm=\"d\", nonce=\"n\", qop=\"auth\"\r\n\
                      Content-Length: 0\r\n\r\n"
                    .into(),
            }
        }
        let (server, _log) = mock_proxy(wants_digest).await;
        let provider = Provider::new(user_pass);
        let network = Network::default().via_proxy(&proxy_at(&server), "", provider.clone());
        let response = network
            .send(get("http://origin.invalid/d"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(provider.calls()[0].2.scheme, "digest");
        assert_eq!(provider.calls()[0].2.realm, "d");
    }

    #[tokio::test]
    async fn unreachable_proxy_is_proxy_connection_failed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let proxy = Proxy::parse(&format!("http://{addr}")).unwrap();
        let network = Network::default().via_proxy(&proxy, "", Arc::new(NoCredentials));
        for target in ["http://origin.invalid/", "https://origin.invalid/"] {
            let error = network
                .send(get(target), None)
                .await
                .map(|r| r.status())
                .unwrap_err();
            assert!(is_proxy_connection_failed(&error), "{target}: {error:?}");
        }
        let unresolvable = Proxy::parse("http://no-such-proxy.invalid:3128").unwrap();
        let network = Network::default().via_proxy(&unresolvable, "", Arc::new(NoCredentials));
        let error = network
            .send(get("http://origin.invalid/"), None)
            .await
            .map(|r| r.status())
            .unwrap_err();
        assert!(is_proxy_connection_failed(&error), "{error:?}");
    }

    #[tokio::test]
    async fn direct_requests_never_carry_proxy_authorization() {
        let (server, log) = mock_proxy(|_| "HTTP/1.1 204 No Content\r\n\r\n".into()).await;
        let request = Request::get(format!("http://{}/", server.addr))
            .header(PROXY_AUTHORIZATION, USER_PASS)
            .body(super::super::tests::empty_body())
            .unwrap();
        let response = Network::default().send(request, None).await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(log.lock().unwrap()[0].header("proxy-authorization"), None);
    }

    /// Each CONNECT head a mock proxy saw, with the first byte sent in the tunnel.
    type ConnectLog = Arc<Mutex<Vec<(String, Option<u8>)>>>;

    /// A CONNECT proxy recording a [`ConnectLog`]; `answer` decides the CONNECT response.
    async fn connect_proxy(answer: fn(&str) -> &'static str) -> (TestServer, ConnectLog) {
        let log = ConnectLog::default();
        let record = log.clone();
        let server = serve(move |mut stream, _| {
            let record = record.clone();
            async move {
                let Some(head) = read_head(&mut stream).await else {
                    return;
                };
                let response = answer(&head);
                let _ = stream.write_all(response.as_bytes()).await;
                let first = if response.starts_with("HTTP/1.1 200") {
                    let mut byte = [0u8; 1];
                    matches!(stream.read(&mut byte).await, Ok(1)).then_some(byte[0])
                } else {
                    None
                };
                record.lock().unwrap().push((head, first));
            }
        })
        .await;
        (server, log)
    }

    #[tokio::test]
    async fn https_goes_through_a_connect_tunnel_with_tls_inside() {
        let (server, log) = connect_proxy(|_| "HTTP/1.1 200 Connection established\r\n\r\n").await;
        let network = Network::default().via_proxy(&proxy_at(&server), "", Arc::new(NoCredentials));
        // The mock closes after the ClientHello, so the request itself fails (in TLS).
        let error = network
            .send(get("https://origin.invalid:8443/secret"), None)
            .await
            .map(|r| r.status())
            .unwrap_err();
        assert!(!is_proxy_connection_failed(&error), "{error:?}");
        let log = log.lock().unwrap().clone();
        let (head, first) = &log[0];
        assert!(
            head.starts_with(
                "CONNECT origin.invalid:8443 HTTP/1.1\r\nHost: origin.invalid:8443\r\n"
            ),
            "{head}"
        );
        assert!(!head.to_ascii_lowercase().contains("proxy-authorization"));
        // 0x16: a TLS handshake record, i.e. the ClientHello to the origin.
        assert_eq!(*first, Some(0x16));
    }

    #[tokio::test]
    async fn connect_login_probes_then_tunnels_with_cached_credentials() {
        let (server, log) = connect_proxy(|head| {
            if head.contains(&format!("Proxy-Authorization: {USER_PASS}\r\n")) {
                "HTTP/1.1 200 OK\r\n\r\n"
            } else {
                "HTTP/1.1 407 Login\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\n\r\n"
            }
        })
        .await;
        let provider = Provider::new(user_pass);
        let network = Network::default().via_proxy(&proxy_at(&server), "p", provider.clone());
        let error = network
            .send(get("https://origin.invalid/"), None)
            .await
            .map(|r| r.status())
            .unwrap_err();
        assert!(!is_proxy_connection_failed(&error), "{error:?}");
        let calls = provider.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (calls[0].2.is_proxy, calls[0].2.realm.as_str(), calls[0].3),
            (true, "proxy", 1)
        );
        // The 407, the probe (closed without a byte), then the pool's tunnel carrying TLS.
        let mut log = log.lock().unwrap().clone();
        log.sort_by_key(|(head, first)| (head.contains("Authorization"), first.is_some()));
        let summary: Vec<_> = log
            .iter()
            .map(|(head, first)| (head.contains(USER_PASS), *first))
            .collect();
        assert_eq!(summary, [(false, None), (true, None), (true, Some(0x16))]);
        assert_eq!(server.accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn declined_connect_login_delivers_a_bare_407() {
        let (server, _log) = connect_proxy(|_| {
            "HTTP/1.1 407 Login\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nX-Proxy: yes\r\nContent-Length: 5\r\n\r\nproxy"
        })
        .await;
        let network = Network::default().via_proxy(&proxy_at(&server), "", Arc::new(NoCredentials));
        let response = network
            .send(get("https://origin.invalid/"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 407);
        assert!(response.headers().get("x-proxy").is_none());
        assert_eq!(read_body(response).await.unwrap(), "");
    }

    #[tokio::test]
    async fn refused_tunnel_is_proxy_connection_failed() {
        let (server, _log) =
            connect_proxy(|_| "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").await;
        let network = Network::default().via_proxy(&proxy_at(&server), "", Arc::new(NoCredentials));
        let error = network
            .send(get("https://origin.invalid/"), None)
            .await
            .map(|r| r.status())
            .unwrap_err();
        assert!(is_proxy_connection_failed(&error), "{error:?}");
    }

    #[tokio::test]
    async fn stalled_proxy_hits_the_connect_timeout() {
        let server = serve(|stream, _| hold(stream)).await;
        let network = Network::builder()
            .connect_timeout(std::time::Duration::from_millis(100))
            .build()
            .via_proxy(&proxy_at(&server), "", Arc::new(NoCredentials));
        let error = network
            .send(get("https://origin.invalid/"), None)
            .await
            .map(|r| r.status())
            .unwrap_err();
        assert!(matches!(error, Error::ConnectionTimeout), "{error:?}");
    }

    fn full(data: &'static [u8]) -> WasiBody {
        Full::new(Bytes::from_static(data))
            .map_err(|never| match never {})
            .boxed_unsync()
    }

    #[tokio::test]
    async fn recorder_replays_what_it_kept_and_stops_older_attempts() {
        let recorder = Recorder::new(full(b"0123456789"), 10);
        let first = recorder.attempt().unwrap();
        assert_eq!(first.size_hint().exact(), Some(10));
        assert_eq!(body_of(frames(first).await.unwrap()), b"0123456789");
        assert!(recorder.replayable());
        let mut second = recorder.attempt().unwrap();
        let third = recorder.attempt().unwrap();
        assert!(second.frame().await.unwrap().is_err());
        assert_eq!(body_of(frames(third).await.unwrap()), b"0123456789");
    }

    #[tokio::test]
    async fn recorder_past_its_limit_sends_once() {
        let recorder = Recorder::new(full(b"0123456789"), 9);
        assert_eq!(
            body_of(frames(recorder.attempt().unwrap()).await.unwrap()),
            b"0123456789"
        );
        assert!(!recorder.replayable());
        assert!(recorder.attempt().is_none());
        // An empty body is always replayable, even with nothing kept.
        let empty = Recorder::new(super::super::tests::empty_body(), 0);
        assert!(frames(empty.attempt().unwrap()).await.unwrap().is_empty());
        assert!(empty.attempt().is_some());
    }
}
