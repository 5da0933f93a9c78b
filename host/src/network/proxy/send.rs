//! Sending one request through a route: in absolute form to the proxy, or through a tunnel,
//! answering the proxy's logins on the way.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION};
use http::uri::Scheme;
use http::{HeaderMap, HeaderValue, Method, Request, Response, Uri, Version};
use http_body_util::{BodyExt, Empty};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::login::{Login, Offer};
use super::replay::Recorder;
use super::route::Route;
use super::tunnel::connect_authority;
use super::{Failure, Proxy, ProxyFailure, connection_failed};
use crate::credentials::CredentialProvider;
use crate::network::Network;
use crate::network::body::{deadline, finish};

/// The most of a request body kept in memory so that it can be sent again after a 407.
const MAX_REPLAY_BODY: usize = 8 * 1024 * 1024;

/// One request's use of a route: the route, and who answers the proxy's logins.
pub(in crate::network) struct Proxied {
    pub(super) route: Arc<Route>,
    pub(super) partition: String,
    pub(super) credentials: Arc<dyn CredentialProvider>,
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
    pub(in crate::network) fn new(
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

    pub(in crate::network) fn proxy(&self) -> &Proxy {
        &self.route.proxy
    }

    /// Sends `request` (validated by [`Network::send`]) through the route's proxy.
    pub(in crate::network) async fn send(
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

#[cfg(test)]
mod tests {
    use super::super::test_proxy::{
        Provider, USER_PASS, mock_proxy, proxy_at, user_pass, wants_user_pass,
    };
    use super::*;
    use crate::bindings::electron::net::types::AuthInfo;
    use crate::credentials::NoCredentials;
    use crate::network::test_server::{get, read_body};
    use http_body_util::Full;

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
}
