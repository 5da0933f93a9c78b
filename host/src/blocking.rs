//! The blocking facade: the async [`crate::Client`] driven on a runtime the facade owns, for
//! callers that are not async. Never call it from inside an async task (tokio refuses to block a
//! runtime thread); use the async API there.
//!
//! The component runs on the calling thread. The connections run on one worker thread of the
//! facade's own runtime, so a request makes progress between calls, as Electron's does (a
//! request sent with `end` reaches the server even if the caller polls only later), and
//! concurrent callers on many threads share one connection pool.

use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::bindings::electron::net::types::{Credentials, UploadProgress};
use crate::bindings::exports::electron::net::client::{Event, RequestOptions};
use crate::error::Error;
use crate::network::Network;
use crate::session::SessionStore;

/// A [`crate::Client`] whose methods block. Cheap to clone; clones share everything, including
/// the runtime.
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<Runtime>,
}

impl Client {
    /// A client with the embedded component and default network, sessions and credentials.
    pub fn new() -> Result<Client, Error> {
        crate::Client::builder().build_blocking()
    }

    /// Wraps an async client; its requests then run on this facade's runtime.
    pub fn from_async(inner: crate::Client) -> Result<Client, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("electron-net")
            .enable_all()
            .build()
            .map_err(|error| Error::from(wasmtime::Error::from(error)))?;
        Ok(Client {
            inner,
            runtime: Arc::new(runtime),
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// The shared network.
    pub fn network(&self) -> &Network {
        self.inner.network()
    }

    /// The shared sessions.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        self.inner.sessions()
    }

    /// See [`crate::Client::request`].
    pub fn request(&self, options: &RequestOptions) -> Result<ClientRequest, Error> {
        let inner = self.runtime.block_on(self.inner.request(options))?;
        Ok(ClientRequest {
            inner,
            runtime: self.runtime.clone(),
        })
    }
}

/// A [`crate::ClientRequest`] whose methods block the calling thread.
pub struct ClientRequest {
    inner: crate::ClientRequest,
    runtime: Arc<Runtime>,
}

impl ClientRequest {
    fn block<T>(&mut self, call: impl AsyncFnOnce(&mut crate::ClientRequest) -> T) -> T {
        self.runtime.block_on(call(&mut self.inner))
    }

    /// Electron's `setHeader(name, value)`.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.block(async |r| r.set_header(name, value).await)
    }

    /// Electron's `getHeader(name)`.
    pub fn get_header(&mut self, name: &str) -> Result<Option<String>, Error> {
        self.block(async |r| r.get_header(name).await)
    }

    /// Electron's `removeHeader(name)`.
    pub fn remove_header(&mut self, name: &str) -> Result<(), Error> {
        self.block(async |r| r.remove_header(name).await)
    }

    /// Every header as (name as given, value), in insertion order.
    pub fn header_entries(&mut self) -> Result<Vec<(String, String)>, Error> {
        self.block(async |r| r.header_entries().await)
    }

    /// Electron's `chunkedEncoding` getter.
    pub fn chunked_encoding(&mut self) -> Result<bool, Error> {
        self.block(async |r| r.chunked_encoding().await)
    }

    /// Electron's `chunkedEncoding` setter.
    pub fn set_chunked_encoding(&mut self, value: bool) -> Result<(), Error> {
        self.block(async |r| r.set_chunked_encoding(value).await)
    }

    /// Electron's `write(chunk)`: returns false when the caller should wait for [`Event::Drain`].
    pub fn write(&mut self, data: &[u8]) -> Result<bool, Error> {
        self.block(async |r| r.write(data).await)
    }

    /// Electron's `end([chunk])`.
    pub fn end(&mut self, data: Option<&[u8]>) -> Result<(), Error> {
        self.block(async |r| r.end(data).await)
    }

    /// Electron's `abort()`.
    pub fn abort(&mut self) -> Result<(), Error> {
        self.block(async |r| r.abort().await)
    }

    /// Electron's `followRedirect()`, valid between a redirect event and the next poll.
    pub fn follow_redirect(&mut self) -> Result<(), Error> {
        self.block(async |r| r.follow_redirect().await)
    }

    /// Answers a pending `login` event: credentials retry, `None` delivers the 401/407.
    pub fn answer_login(&mut self, answer: Option<Credentials>) -> Result<(), Error> {
        self.block(async |r| r.answer_login(answer).await)
    }

    /// Electron's `getUploadProgress()`.
    pub fn upload_progress(&mut self) -> Result<UploadProgress, Error> {
        self.block(async |r| r.upload_progress().await)
    }

    /// See [`crate::ClientRequest::poll_events`].
    pub fn poll_events(&mut self, max_events: u32, max_bytes: u32) -> Result<Vec<Event>, Error> {
        self.block(async |r| r.poll_events(max_events, max_bytes).await)
    }

    /// Blocks until there are events, the request waits for the caller, or `timeout_ms` passed
    /// (see [`crate::ClientRequest::next_events`]).
    pub fn wait_events(
        &mut self,
        max_events: u32,
        max_bytes: u32,
        timeout_ms: u32,
    ) -> Result<Vec<Event>, Error> {
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        self.block(async |r| r.next_events(max_events, max_bytes, timeout).await)
    }

    /// True once the last event was delivered.
    pub fn is_done(&mut self) -> Result<bool, Error> {
        Ok(self.inner.is_done())
    }

    /// See [`crate::ClientRequest::events_until_done`].
    pub fn events_until_done(&mut self) -> Result<Vec<Event>, Error> {
        self.block(async |r| r.events_until_done().await)
    }
}
