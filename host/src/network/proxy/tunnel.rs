//! The connections of a route's pool: TCP to the proxy, with a CONNECT tunnel for `https`
//! destinations.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::uri::Scheme;
use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_service::Service;

use super::ProxyFailure;
use super::login::AuthCache;
use crate::network::lock;
use crate::network::resolve::Resolver;

/// The largest CONNECT response head read before giving up on the proxy.
const MAX_CONNECT_HEAD: usize = 64 * 1024;

/// Opens TCP connections to the proxy.
#[derive(Clone)]
pub(super) struct Dialer {
    pub(super) tcp: HttpConnector<Resolver>,
    pub(super) proxy: Uri,
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
    pub(super) async fn probe(
        &self,
        authority: &str,
        authorization: &HeaderValue,
    ) -> Result<(), ProxyFailure> {
        let mut io = self.dial().await?;
        open_tunnel(io.inner_mut(), authority, Some(authorization)).await
    }
}

/// `host:port` for a CONNECT to `uri`.
pub(super) fn connect_authority(uri: &Uri) -> String {
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
pub(super) struct ProxyConnector {
    pub(super) dialer: Dialer,
    pub(super) auth: AuthCache,
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
pub(super) struct ProxyStream {
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

#[cfg(test)]
mod tests {
    use super::super::test_proxy::{
        Provider, USER_PASS, is_proxy_connection_failed, proxy_at, user_pass,
    };
    use crate::credentials::NoCredentials;
    use crate::network::test_server::{TestServer, get, hold, read_body, read_head, serve};
    use crate::network::{Error, Network};
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
}
