//! The async client: requests run on the caller's tokio runtime, each on a worker instance taken
//! from the pool for as long as the request lives.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceAny;

use crate::bindings::electron::net::types::{
    Credentials, ErrorClass, ErrorCode, NetError, RequestError, UploadProgress,
};
use crate::bindings::exports::electron::net::client::{Event, RequestOptions, Timeouts};
use crate::component::COMPONENT;
use crate::credentials::{CredentialProvider, NoCredentials};
use crate::error::Error;
use crate::network::Network;
use crate::session::{SessionStore, Sessions};
use crate::worker::{Worker, WorkerLimits, Workers};

/// Runs ClientRequests through the component, on the tokio runtime of whoever awaits them. Cheap
/// to clone; clones share the compiled component, the worker pool, the connection pool, the
/// sessions and the credentials callback.
///
/// Pooled connections are driven by tasks on the runtime that opened them, so keep one client
/// per runtime (or use [`crate::blocking::Client`], which owns its runtime).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    workers: Workers,
    network: Network,
}

/// Configures a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    component: Option<Vec<u8>>,
    cache_dir: Option<PathBuf>,
    network: Option<Network>,
    sessions: Option<Arc<dyn SessionStore>>,
    credentials: Option<Arc<dyn CredentialProvider>>,
    limits: Option<WorkerLimits>,
}

impl ClientBuilder {
    /// Runs another build of the component instead of the embedded one.
    pub fn component(mut self, bytes: Vec<u8>) -> Self {
        self.component = Some(bytes);
        self
    }

    /// Keeps the compiled component in this directory, so later clients skip compilation.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The network (connection pool, timeouts, allow-list); default [`Network::builder`]'s.
    pub fn network(mut self, network: Network) -> Self {
        self.network = Some(network);
        self
    }

    /// Where session partitions live; default in-memory [`Sessions`].
    pub fn sessions(mut self, sessions: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// Answers logins before they reach the caller; default [`NoCredentials`].
    pub fn credentials(mut self, credentials: Arc<dyn CredentialProvider>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// When worker instances are replaced and what each may hold; default
    /// [`WorkerLimits::default`].
    pub fn worker_limits(mut self, limits: WorkerLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Compiles (or loads from the cache) and links the component.
    pub fn build(self) -> Result<Client, Error> {
        let bytes = self.component.as_deref().unwrap_or(COMPONENT);
        let (engine, pre) = crate::component::prepare(bytes, self.cache_dir.as_deref())?;
        let workers = Workers::new(
            engine,
            pre,
            self.limits.unwrap_or_default(),
            self.sessions.unwrap_or_else(|| Arc::new(Sessions::new())),
            self.credentials.unwrap_or_else(|| Arc::new(NoCredentials)),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                workers,
                network: self.network.unwrap_or_default(),
            }),
        })
    }

    /// Builds a [`crate::blocking::Client`] on a runtime of its own.
    pub fn build_blocking(self) -> Result<crate::blocking::Client, Error> {
        crate::blocking::Client::from_async(self.build()?)
    }
}

impl Client {
    /// A client with the embedded component and default network, sessions and credentials.
    pub fn new() -> Result<Client, Error> {
        Client::builder().build()
    }

    /// Configures a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The shared network.
    pub fn network(&self) -> &Network {
        &self.inner.network
    }

    /// The shared sessions.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        self.inner.workers.sessions()
    }

    /// How many component instances this client has created so far (workers are reused, so this
    /// grows with concurrency and recycling, not with the number of requests).
    pub fn instances_created(&self) -> u64 {
        self.inner.workers.instantiated()
    }

    /// Creates a request (Electron's `net.request(options)`). Nothing is sent until it is
    /// ended (or, chunked, written) and polled.
    ///
    /// Fails with the component's validation errors, e.g. `TypeError('Invalid URL')`.
    ///
    /// The request's partition (default `""`) decides its proxy ([`SessionStore::proxy`]);
    /// proxy logins are answered by the client's [`CredentialProvider`].
    pub async fn request(&self, options: &RequestOptions) -> Result<ClientRequest, Error> {
        let partition = options.partition.clone().unwrap_or_default();
        let workers = &self.inner.workers;
        let network = match workers.sessions().proxy(&partition) {
            Some(proxy) => {
                self.inner
                    .network
                    .via_proxy(&proxy, &partition, workers.credentials().clone())
            }
            None => self.inner.network.clone(),
        };
        let mut worker = workers.checkout(&partition, network).await?;
        let created = worker
            .instance
            .electron_net_client()
            .client_request()
            .call_create(&mut worker.store, options)
            .await;
        match created {
            Ok(Ok(resource)) => Ok(ClientRequest {
                client: self.inner.clone(),
                partition,
                worker: Some(worker),
                resource: Some(resource),
                seen: Seen::default(),
                done: false,
            }),
            Ok(Err(error)) => {
                // Nothing was created: the worker is as good as before.
                workers.checkin(&partition, worker);
                Err(error.into())
            }
            Err(trap) => Err(trap.into()),
        }
    }
}

impl RequestOptions {
    /// Options for a bare URL, like Electron's `net.request('https://…')` (which also makes the
    /// URL's own origin the request's `origin`).
    pub fn url(url: impl Into<String>) -> RequestOptions {
        RequestOptions {
            from_string: true,
            url: Some(url.into()),
            ..RequestOptions::empty()
        }
    }

    /// Options with nothing set: the URL is composed from `protocol`, `host`, `hostname`, `port`
    /// and `path` defaults (`http://localhost/`).
    pub fn empty() -> RequestOptions {
        RequestOptions {
            from_string: false,
            url: None,
            method: None,
            headers: Vec::new(),
            partition: None,
            credentials: None,
            use_session_cookies: false,
            protocol: None,
            host: None,
            hostname: None,
            port: None,
            path: None,
            redirect: None,
            origin: None,
            referrer_policy: None,
            cache: None,
            priority: None,
            priority_incremental: None,
            bypass_custom_protocol_handlers: false,
            timeouts: Timeouts {
                connect_ms: None,
                first_byte_ms: None,
                between_bytes_ms: None,
                total_ms: None,
            },
        }
    }
}

/// What the caller has already seen, so that a trap can end the request with the events Electron
/// would still owe.
#[derive(Default)]
struct Seen {
    close: bool,
    response: bool,
    /// The worker trapped: the next poll ends the request with an error.
    trapped: bool,
    /// The worker trapped because it hit a [`WorkerLimits`] limit.
    limit_hit: bool,
}

/// One request, driven from async Rust (the typed twin of the JavaScript `ClientRequest`).
///
/// Every method runs the component on the awaiting task; nothing blocks a thread. Dropping the
/// request before it is done cancels it (its connection is closed, not reused).
pub struct ClientRequest {
    client: Arc<Inner>,
    partition: String,
    /// `None` once the worker trapped and was discarded.
    worker: Option<Worker>,
    resource: Option<ResourceAny>,
    seen: Seen,
    /// The last event was handed out; nothing more will come.
    done: bool,
}

/// Calls a method of the request's resource on its worker; a trap discards the worker.
macro_rules! guest {
    ($self:ident . $call:ident ( $($arg:expr),* )) => {{
        match ($self.worker.as_mut(), $self.resource) {
            (Some(worker), Some(resource)) => {
                let result = worker
                    .instance
                    .electron_net_client()
                    .client_request()
                    .$call(&mut worker.store, resource $(, $arg)*)
                    .await;
                if result.is_err() {
                    $self.discard_worker();
                }
                result.map_err(Error::from)
            }
            _ => Err(Error::request_over()),
        }
    }};
}

impl ClientRequest {
    /// Electron's `setHeader(name, value)`.
    pub async fn set_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        Ok(guest!(self.call_set_header(name, value))??)
    }

    /// Electron's `getHeader(name)`.
    pub async fn get_header(&mut self, name: &str) -> Result<Option<String>, Error> {
        guest!(self.call_get_header(name))
    }

    /// Electron's `removeHeader(name)`.
    pub async fn remove_header(&mut self, name: &str) -> Result<(), Error> {
        Ok(guest!(self.call_remove_header(name))??)
    }

    /// Every header as (name as given, value), in insertion order.
    pub async fn header_entries(&mut self) -> Result<Vec<(String, String)>, Error> {
        guest!(self.call_header_entries())
    }

    /// Electron's `chunkedEncoding` getter.
    pub async fn chunked_encoding(&mut self) -> Result<bool, Error> {
        guest!(self.call_chunked_encoding())
    }

    /// Electron's `chunkedEncoding` setter.
    pub async fn set_chunked_encoding(&mut self, value: bool) -> Result<(), Error> {
        Ok(guest!(self.call_set_chunked_encoding(value))??)
    }

    /// Electron's `write(chunk)`: returns false when the caller should wait for [`Event::Drain`].
    ///
    /// A body too large for the worker's memory limit is not a caller's mistake but a failed
    /// request: the call succeeds (returning false) and the next poll delivers
    /// `net::ERR_INSUFFICIENT_RESOURCES`, as a network failure would be.
    pub async fn write(&mut self, data: &[u8]) -> Result<bool, Error> {
        match guest!(self.call_write(data)) {
            Err(_) if self.seen.trapped => Ok(false),
            result => Ok(result??),
        }
    }

    /// Electron's `end([chunk])`. Like [`ClientRequest::write`], a trap surfaces as the next
    /// poll's error event.
    pub async fn end(&mut self, data: Option<&[u8]>) -> Result<(), Error> {
        match guest!(self.call_end(data)) {
            Err(_) if self.seen.trapped => Ok(()),
            result => Ok(result??),
        }
    }

    /// Electron's `abort()`.
    pub async fn abort(&mut self) -> Result<(), Error> {
        guest!(self.call_abort())
    }

    /// Electron's `followRedirect()`, valid between a redirect event and the next poll.
    pub async fn follow_redirect(&mut self) -> Result<(), Error> {
        Ok(guest!(self.call_follow_redirect())??)
    }

    /// Answers a pending `login` event: credentials retry, `None` delivers the 401/407.
    pub async fn answer_login(&mut self, answer: Option<Credentials>) -> Result<(), Error> {
        Ok(guest!(self.call_answer_login(answer.as_ref()))??)
    }

    /// Electron's `getUploadProgress()`.
    pub async fn upload_progress(&mut self) -> Result<UploadProgress, Error> {
        guest!(self.call_get_upload_progress())
    }

    /// Makes progress without waiting; returns up to `max_events` events, taking at most
    /// `max_bytes` of response body from the network.
    ///
    /// It first yields to the runtime once, so that a caller polling in a loop still lets the
    /// runtime drive the connection (on a current-thread runtime nothing else would).
    pub async fn poll_events(
        &mut self,
        max_events: u32,
        max_bytes: u32,
    ) -> Result<Vec<Event>, Error> {
        tokio::task::yield_now().await;
        let polled = guest!(self.call_poll_events(max_events, max_bytes));
        self.after_poll(polled).await
    }

    /// Waits until there are events, the request waits for the caller (an answer, a decision or
    /// more body), or `timeout` passed; returns up to `max_events` events, taking at most
    /// `max_bytes` of response body.
    pub async fn next_events(
        &mut self,
        max_events: u32,
        max_bytes: u32,
        timeout: Duration,
    ) -> Result<Vec<Event>, Error> {
        let timeout_ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        let polled = guest!(self.call_blocking_poll_events(max_events, max_bytes, timeout_ms));
        self.after_poll(polled).await
    }

    /// True once the last event was delivered.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Drives the request to its end and returns every event. Logins are declined (the 401 is
    /// delivered) and manual redirects are not followed, as Electron does without listeners. The
    /// response body is read without limit.
    pub async fn events_until_done(&mut self) -> Result<Vec<Event>, Error> {
        let mut all = Vec::new();
        while !self.is_done() {
            let events = self
                .next_events(64, 1 << 20, Duration::from_secs(1))
                .await?;
            for event in &events {
                if let Event::Login(_) = event {
                    self.answer_login(None).await?;
                }
            }
            all.extend(events);
        }
        Ok(all)
    }

    /// Tracks what the caller saw; a trap becomes the events that end the request.
    async fn after_poll(&mut self, polled: Result<Vec<Event>, Error>) -> Result<Vec<Event>, Error> {
        let events = match polled {
            Ok(events) => events,
            Err(_) if self.seen.trapped && !self.done => return Ok(self.trap_events()),
            Err(error) => return Err(error),
        };
        let mut maybe_over = false;
        for event in &events {
            match event {
                Event::Response(_) => self.seen.response = true,
                Event::Close => {
                    self.seen.close = true;
                    maybe_over = true;
                }
                Event::ResponseClose | Event::Error(_) | Event::Abort => maybe_over = true,
                _ => {}
            }
        }
        if maybe_over && guest!(self.call_is_done())? {
            self.done = true;
        }
        Ok(events)
    }

    /// The events that end a request whose worker trapped: an error, then the close Electron
    /// still owes.
    fn trap_events(&mut self) -> Vec<Event> {
        self.done = true;
        let mut events = vec![Event::Error(trap_error(self.seen.limit_hit))];
        if self.seen.response {
            events.push(Event::ResponseClose);
        } else if !self.seen.close {
            events.push(Event::Close);
        }
        events
    }

    fn discard_worker(&mut self) {
        if let Some(worker) = self.worker.take() {
            self.seen.trapped = true;
            self.seen.limit_hit = worker.store.data().gauge.exceeded();
        }
        self.resource = None;
    }
}

impl Drop for ClientRequest {
    fn drop(&mut self) {
        // A request dropped before it was done takes its worker with it: dropping the store
        // drops every wasi:http handle, which closes the connection, and a worker is never
        // handed on with a half-finished request inside.
        //
        // A finished request answers Electron's calls (abort() is a no-op, followRedirect()
        // throws) until it is dropped; only then does its worker serve another request, which
        // first drops the old resource (that needs an await, which Drop cannot do).
        if let (true, Some(mut worker), Some(resource)) =
            (self.done, self.worker.take(), self.resource.take())
        {
            worker.finished = Some(resource);
            self.client.workers.checkin(&self.partition, worker);
        }
    }
}

/// The error event for a request whose worker trapped. The component cannot word it (it is
/// gone), so this is the one message the host writes itself.
fn trap_error(limit_hit: bool) -> RequestError {
    let (net, name) = if limit_hit {
        (
            NetError::InsufficientResources,
            "net::ERR_INSUFFICIENT_RESOURCES",
        )
    } else {
        (NetError::Failed, "net::ERR_FAILED")
    };
    RequestError {
        code: ErrorCode::Net(net),
        class: ErrorClass::Error,
        message: name.to_owned(),
    }
}
