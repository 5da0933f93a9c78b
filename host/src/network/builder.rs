//! Configuring a [`Network`] (connect timeout, DNS overrides, policy, extra trust anchors), and
//! the TLS configuration and pool settings every route, direct or proxied, is built with.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::dns::GaiResolver;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use wasmtime_wasi_http::WasiBody;

use super::body::{MAX_RESPONSE_HEAD_BYTES, MAX_RESPONSE_HEADERS};
use super::policy::{AllowAll, NetworkPolicy};
use super::resolve::Resolver;
use super::{Inner, Network};

/// The default the `client` interface documents for `timeouts.connect-ms`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The usual HTTP client default (hyper-util, reqwest). Chromium keeps used sockets for up to
/// 5 minutes, but most servers drop idle keep-alive connections well before that, so a longer
/// lifetime would mostly keep stale connections around.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Chromium opens at most 6 connections per host; keeping more idle than that would only hold
/// sockets that a Chromium-like workload never needs at once.
const POOL_MAX_IDLE_PER_HOST: usize = 6;

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
pub(super) fn with_tls<C>(connector: C, tls: &rustls::ClientConfig) -> HttpsConnector<C> {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector)
}

/// A keep-alive pool over `connector` with the network's limits.
pub(super) fn pooled_client<C>(connector: C) -> Client<C, WasiBody>
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::test_server::{get, hold, serve};
    use wasmtime_wasi_http::Error;

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
}
