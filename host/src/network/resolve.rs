//! Host name resolution: configured overrides first, then the system resolver, with failed
//! lookups marked so that classification recognises them.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use tower_service::Service;

/// Resolves host names, answering configured overrides without a lookup.
#[derive(Clone)]
pub(super) struct Resolver {
    pub(super) overrides: Arc<HashMap<String, SocketAddr>>,
    pub(super) system: GaiResolver,
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
pub(super) struct NameNotResolved {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::test_server::{TestServer, get, read_body, read_head, serve};
    use crate::network::{Network, classify_error};
    use std::sync::atomic::Ordering;
    use tokio::io::AsyncWriteExt;
    use wasmtime_wasi_http::Error;

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
}
