//! Sending through an HTTP proxy, and answering the proxy's logins (407) in the host.
//!
//! wasmtime-wasi-http strips `Proxy-Authenticate` and `Proxy-Authorization` in both directions,
//! so the component can neither see a proxy's challenge nor answer it: proxy authentication
//! happens here, in the `send_request` hook, and the component only ever sees the final
//! response. The behaviour is documented on [`Proxy`].

mod failure;
mod login;
mod replay;
mod route;
mod send;
#[cfg(test)]
mod test_proxy;
mod tunnel;

use std::error::Error as StdError;
use std::fmt;
use std::str::FromStr;

use http::Uri;

pub(super) use failure::{Failure, ProxyFailure, connection_failed};
pub(super) use route::Route;
pub(super) use send::Proxied;

#[cfg(doc)]
use crate::credentials::CredentialProvider;
#[cfg(doc)]
use crate::network::Network;

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

#[cfg(test)]
mod tests {
    use super::test_proxy::{USER_PASS, mock_proxy};
    use super::*;
    use crate::credentials::NoCredentials;
    use crate::network::Network;
    use crate::network::test_server::empty_body;
    use http::Request;
    use http::header::PROXY_AUTHORIZATION;
    use std::sync::Arc;

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
    async fn direct_requests_never_carry_proxy_authorization() {
        let (server, log) = mock_proxy(|_| "HTTP/1.1 204 No Content\r\n\r\n".into()).await;
        let request = Request::get(format!("http://{}/", server.addr))
            .header(PROXY_AUTHORIZATION, USER_PASS)
            .body(empty_body())
            .unwrap();
        let response = Network::default().send(request, None).await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(log.lock().unwrap()[0].header("proxy-authorization"), None);
    }
}
