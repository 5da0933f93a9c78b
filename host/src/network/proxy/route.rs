//! What one (partition, proxy) pair shares between requests.

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use wasmtime_wasi_http::WasiBody;

use super::login::{Accepted, AuthCache, Offer};
use super::tunnel::{Dialer, ProxyConnector};
use super::{Proxy, Userinfo};
use crate::network::builder::{pooled_client, with_tls};
use crate::network::lock;
use crate::network::resolve::Resolver;

/// What one (partition, proxy) pair shares between requests: its pool and the credentials its
/// proxy accepted (one protection space: this proxy, this partition, the cached realm).
pub(in crate::network) struct Route {
    pub(super) proxy: Proxy,
    pub(super) client: Client<HttpsConnector<ProxyConnector>, WasiBody>,
    pub(super) dialer: Dialer,
    pub(super) auth: AuthCache,
}

impl Route {
    pub(in crate::network) fn new(
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
    pub(super) fn preemptive(&self, method: &str, uri: &str) -> Option<Offer> {
        let mut cache = lock(&self.auth);
        let accepted = cache.as_mut()?;
        Some(Offer {
            authorization: accepted.authorization(method, uri)?,
            credentials: accepted.credentials.clone(),
            fresh: None,
        })
    }

    pub(super) fn cached_credentials(&self) -> Option<Userinfo> {
        lock(&self.auth)
            .as_ref()
            .map(|accepted| accepted.credentials.clone())
    }

    pub(super) fn cached_for(&self, realm: &str, scheme: &str) -> Option<Userinfo> {
        lock(&self.auth)
            .as_ref()
            .filter(|accepted| accepted.realm == realm && accepted.scheme == scheme)
            .map(|accepted| accepted.credentials.clone())
    }

    /// Remembers an offer the proxy accepted (cached offers are already remembered).
    pub(super) fn accept(&self, offer: Offer) {
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
    pub(super) fn forget(&self, credentials: &Userinfo) {
        let mut cache = lock(&self.auth);
        if cache
            .as_ref()
            .is_some_and(|accepted| accepted.credentials == *credentials)
        {
            *cache = None;
        }
    }
}
