//! Answering a proxy's login (407): the credentials a route's proxy accepted, and one request's
//! search for credentials to offer next.

use std::sync::{Arc, Mutex};

use http::HeaderValue;
use http_auth::{PasswordClient, PasswordParams};

use super::Userinfo;
use super::send::Proxied;
use crate::bindings::electron::net::types::{AuthInfo, Credentials};
#[cfg(doc)]
use crate::credentials::CredentialProvider;

/// How many times one request asks the [`CredentialProvider`] for proxy credentials.
const MAX_PROVIDER_ROUNDS: u32 = 5;

/// Credentials a route's proxy accepted, with the challenge state that answers it again.
pub(super) struct Accepted {
    pub(super) realm: String,
    pub(super) scheme: &'static str,
    pub(super) credentials: Userinfo,
    pub(super) challenge: PasswordClient,
}

impl Accepted {
    /// The `Proxy-Authorization` value for one request (Digest counts its `nc` up).
    pub(super) fn authorization(&mut self, method: &str, uri: &str) -> Option<HeaderValue> {
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

pub(super) type AuthCache = Arc<Mutex<Option<Accepted>>>;

/// Credentials on their way to the proxy.
pub(super) struct Offer {
    pub(super) authorization: HeaderValue,
    pub(super) credentials: Userinfo,
    /// The realm, scheme and challenge state when they are not from the cache.
    pub(super) fresh: Option<(String, &'static str, PasswordClient)>,
}

/// One request's proxy login: which credentials were tried, how often the provider was asked.
pub(super) struct Login<'a> {
    proxied: &'a Proxied,
    url: &'a str,
    asked: u32,
    rejected: Vec<Userinfo>,
    tried_userinfo: bool,
    retried_stale: bool,
}

impl<'a> Login<'a> {
    pub(super) fn new(proxied: &'a Proxied, url: &'a str) -> Login<'a> {
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
    pub(super) fn reject(&mut self, credentials: Option<Userinfo>) {
        if let Some(credentials) = credentials {
            self.proxied.route.forget(&credentials);
            self.rejected.push(credentials);
        }
    }

    /// The next credentials to answer `challenges` with, after `rejected` (what the failed
    /// attempt sent, if anything) was refused; `None` to give up and deliver the 407.
    pub(super) async fn next(
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

#[cfg(test)]
mod tests {
    use super::super::test_proxy::{
        Provider, Seen, mock_proxy, proxy_at, user_pass, wants_user_pass,
    };
    use crate::bindings::electron::net::types::Credentials;
    use crate::network::test_server::{get, read_body};
    use crate::network::{Network, Proxy};

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
}
