//! Why a proxy could not be used, and how that reaches the guest.

use std::error::Error as StdError;
use std::fmt;

use wasmtime_wasi_http::Error;

#[cfg(doc)]
use crate::network::Network;
use crate::network::classify::{classify_error, error_chain};

/// The error the guest reports as `net::ERR_PROXY_CONNECTION_FAILED`.
pub(in crate::network) fn connection_failed() -> Error {
    Error::InternalError(Some("net::ERR_PROXY_CONNECTION_FAILED".into()))
}

/// Why the proxy could not be used. Display texts name no credentials.
#[derive(Debug)]
pub(in crate::network) enum ProxyFailure {
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
pub(in crate::network) enum Failure {
    /// A classified error, for the guest.
    Error(Error),
    /// The proxy answered the CONNECT with 407; the `Proxy-Authenticate` values.
    TunnelAuth(Vec<String>),
}

impl Failure {
    /// Classifies an error of the pooled client.
    pub(in crate::network) fn from_client(error: &hyper_util::client::legacy::Error) -> Failure {
        for cause in error_chain(error) {
            if let Some(ProxyFailure::AuthRequired(challenges)) =
                cause.downcast_ref::<ProxyFailure>()
            {
                return Failure::TunnelAuth(challenges.clone());
            }
        }
        Failure::Error(classify_error(error))
    }

    /// The error for the guest; a CONNECT 407 outside a proxy route cannot happen.
    pub(in crate::network) fn into_error(self) -> Error {
        match self {
            Failure::Error(error) => error,
            Failure::TunnelAuth(_) => connection_failed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_proxy::is_proxy_connection_failed;
    use crate::credentials::NoCredentials;
    use crate::network::test_server::get;
    use crate::network::{Network, Proxy};
    use std::sync::Arc;
    use tokio::net::TcpListener;

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
}
