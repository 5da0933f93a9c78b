//! Which requests may reach the network at all.

#[cfg(doc)]
use wasmtime_wasi_http::Error;

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

pub(super) struct AllowAll;

impl NetworkPolicy for AllowAll {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;
    use crate::network::test_server::{get, read_head, serve};
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Mutex};
    use tokio::io::AsyncWriteExt;
    use wasmtime_wasi_http::Error;

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
}
