//! The engine, the linked component and the shared host services, created once; cheap
//! per-request stores on top.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Config, Engine, Store};

use crate::bindings::electron::net::types::{Credentials, UploadProgress};
use crate::bindings::exports::electron::net::client::{Event, RequestOptions, Timeouts};
use crate::bindings::{Component as Bindings, ComponentPre};
use crate::credentials::{CredentialProvider, NoCredentials};
use crate::error::Error;
use crate::network::Network;
use crate::session::{SessionStore, Sessions};
use crate::state::HostState;

/// The component this crate was built with (see `build.rs`).
pub const COMPONENT: &[u8] = include_bytes!(env!("ELECTRON_NET_COMPONENT"));

/// Runs ClientRequests through the component. Cheap to clone; clones share the compiled
/// component, the connection pool, the sessions and the credentials callback.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    pre: ComponentPre<HostState>,
    network: Network,
    sessions: Arc<dyn SessionStore>,
    credentials: Arc<dyn CredentialProvider>,
}

/// Configures a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    component: Option<Vec<u8>>,
    cache_dir: Option<PathBuf>,
    network: Option<Network>,
    sessions: Option<Arc<dyn SessionStore>>,
    credentials: Option<Arc<dyn CredentialProvider>>,
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

    /// Compiles (or loads from the cache) and links the component.
    pub fn build(self) -> Result<Client, Error> {
        let engine = Engine::new(&Config::new())?;
        let bytes = self.component.as_deref().unwrap_or(COMPONENT);
        let component = load_component(&engine, bytes, self.cache_dir.as_deref())?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        repair_http_error_code(&mut linker)?;
        crate::state::add_to_linker(&mut linker, |state| &mut state.electron_net)?;
        let pre = ComponentPre::new(linker.instantiate_pre(&component)?)?;
        let network = match self.network {
            Some(network) => network,
            None => Network::builder().build(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                engine,
                pre,
                network,
                sessions: self.sessions.unwrap_or_else(|| Arc::new(Sessions::new())),
                credentials: self.credentials.unwrap_or_else(|| Arc::new(NoCredentials)),
            }),
        })
    }
}

/// Replaces wasmtime's `wasi:http/types.http-error-code` with one that also recognises the errors
/// wasmtime itself stores for failed body streams (see [`crate::network::stream_error_code`]).
fn repair_http_error_code(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    use wasmtime::component::Resource;
    use wasmtime_wasi::p2::IoError;
    use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;

    linker.allow_shadowing(true);
    let result = linker.instance("wasi:http/types@0.2.12")?.func_wrap(
        "http-error-code",
        |store, (error,): (Resource<IoError>,)| -> wasmtime::Result<(Option<ErrorCode>,)> {
            let error = store.data().table.get(&error)?;
            Ok((crate::network::stream_error_code(error),))
        },
    );
    linker.allow_shadowing(false);
    result
}

/// Loads a precompiled copy when the cache has one for these exact bytes and this engine,
/// otherwise compiles and stores one. Cache failures only cost the compilation.
fn load_component(
    engine: &Engine,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> Result<Component, Error> {
    let Some(dir) = cache_dir else {
        return Ok(Component::new(engine, bytes)?);
    };
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = dir.join(format!("electron-net-{:016x}.cwasm", hasher.finish()));
    // SAFETY: the file is one this function wrote into the user's own cache directory, named by
    // the hash of the component and the engine's settings; wasmtime checks the header it wrote.
    if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
        return Ok(component);
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(serialized) = component.serialize() {
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        let stored = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&temporary, serialized))
            .and_then(|()| std::fs::rename(&temporary, &path));
        if stored.is_err() {
            let _ = std::fs::remove_file(&temporary);
        } else {
            remove_stale_compilations(dir, &path);
        }
    }
    Ok(component)
}

/// Other builds' compiled components (older guests or wasmtime versions) are never loaded again.
fn remove_stale_compilations(dir: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path != current && name.starts_with("electron-net-") && name.ends_with(".cwasm") {
            let _ = std::fs::remove_file(path);
        }
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
        &self.inner.sessions
    }

    /// Creates a request (Electron's `net.request(options)`). Nothing is sent until it is
    /// ended (or, chunked, written) and polled.
    ///
    /// Fails with the component's validation errors, e.g. `TypeError('Invalid URL')`.
    ///
    /// The request's partition (default `""`) decides its proxy ([`SessionStore::proxy`]);
    /// proxy logins are answered by the client's [`CredentialProvider`].
    pub fn request(&self, options: &RequestOptions) -> Result<ClientRequest, Error> {
        let partition = options.partition.as_deref().unwrap_or("");
        let network = match self.inner.sessions.proxy(partition) {
            Some(proxy) => {
                self.inner
                    .network
                    .via_proxy(&proxy, partition, self.inner.credentials.clone())
            }
            None => self.inner.network.clone(),
        };
        let state = HostState::new(
            network,
            self.inner.sessions.clone(),
            self.inner.credentials.clone(),
        );
        let mut store = Store::new(&self.inner.engine, state);
        let instance = self.inner.pre.instantiate(&mut store)?;
        let resource = instance
            .electron_net_client()
            .client_request()
            .call_create(&mut store, options)??;
        Ok(ClientRequest {
            store,
            instance,
            resource,
        })
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
            },
        }
    }
}

/// One request, driven from Rust (the typed twin of the JavaScript `ClientRequest`).
///
/// Methods block the calling thread while the component runs; don't call them from inside an
/// async task (wasmtime's synchronous embedding runs its own runtime).
pub struct ClientRequest {
    store: Store<HostState>,
    instance: Bindings,
    resource: ResourceAny,
}

macro_rules! guest {
    ($self:ident . $call:ident ( $($arg:expr),* )) => {
        $self
            .instance
            .electron_net_client()
            .client_request()
            .$call(&mut $self.store, $self.resource $(, $arg)*)
    };
}

impl ClientRequest {
    /// Electron's `setHeader(name, value)`.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        Ok(guest!(self.call_set_header(name, value))??)
    }

    /// Electron's `getHeader(name)`.
    pub fn get_header(&mut self, name: &str) -> Result<Option<String>, Error> {
        Ok(guest!(self.call_get_header(name))?)
    }

    /// Electron's `removeHeader(name)`.
    pub fn remove_header(&mut self, name: &str) -> Result<(), Error> {
        Ok(guest!(self.call_remove_header(name))??)
    }

    /// Every header as (name as given, value), in insertion order.
    pub fn header_entries(&mut self) -> Result<Vec<(String, String)>, Error> {
        Ok(guest!(self.call_header_entries())?)
    }

    /// Electron's `chunkedEncoding` getter.
    pub fn chunked_encoding(&mut self) -> Result<bool, Error> {
        Ok(guest!(self.call_chunked_encoding())?)
    }

    /// Electron's `chunkedEncoding` setter.
    pub fn set_chunked_encoding(&mut self, value: bool) -> Result<(), Error> {
        Ok(guest!(self.call_set_chunked_encoding(value))??)
    }

    /// Electron's `write(chunk)`: returns false when the caller should wait for [`Event::Drain`].
    pub fn write(&mut self, data: &[u8]) -> Result<bool, Error> {
        Ok(guest!(self.call_write(data))??)
    }

    /// Electron's `end([chunk])`.
    pub fn end(&mut self, data: Option<&[u8]>) -> Result<(), Error> {
        Ok(guest!(self.call_end(data))??)
    }

    /// Electron's `abort()`.
    pub fn abort(&mut self) -> Result<(), Error> {
        Ok(guest!(self.call_abort())?)
    }

    /// Electron's `followRedirect()`, valid between a redirect event and the next poll.
    pub fn follow_redirect(&mut self) -> Result<(), Error> {
        Ok(guest!(self.call_follow_redirect())??)
    }

    /// Answers a pending `login` event: credentials retry, `None` delivers the 401/407.
    pub fn answer_login(&mut self, answer: Option<Credentials>) -> Result<(), Error> {
        Ok(guest!(self.call_answer_login(answer.as_ref()))??)
    }

    /// Electron's `getUploadProgress()`.
    pub fn upload_progress(&mut self) -> Result<UploadProgress, Error> {
        Ok(guest!(self.call_get_upload_progress())?)
    }

    /// Makes progress without blocking; returns up to `max_events` events, taking at most
    /// `max_bytes` of response body from the network.
    pub fn poll_events(&mut self, max_events: u32, max_bytes: u32) -> Result<Vec<Event>, Error> {
        Ok(guest!(self.call_poll_events(max_events, max_bytes))?)
    }

    /// Blocks until there are events, the request waits for the caller, or `timeout_ms` passed.
    pub fn wait_events(
        &mut self,
        max_events: u32,
        max_bytes: u32,
        timeout_ms: u32,
    ) -> Result<Vec<Event>, Error> {
        Ok(guest!(self.call_blocking_poll_events(
            max_events, max_bytes, timeout_ms
        ))?)
    }

    /// True once the last event was delivered.
    pub fn is_done(&mut self) -> Result<bool, Error> {
        Ok(guest!(self.call_is_done())?)
    }
}

impl Drop for ClientRequest {
    fn drop(&mut self) {
        // Dropping the resource drops its wasi:http handles, which aborts the connection if the
        // transaction is still running. Errors here only mean the instance already trapped.
        let _ = self.resource.resource_drop(&mut self.store);
    }
}

/// Everything a finished [`ClientRequest::events_until_done`] saw, for callers that want the
/// whole transaction at once.
impl ClientRequest {
    /// Drives the request to its end, blocking, and returns every event. Logins are declined
    /// (the 401 is delivered) and manual redirects are not followed, as Electron does without
    /// listeners. The response body is read without limit.
    pub fn events_until_done(&mut self) -> Result<Vec<Event>, Error> {
        let mut all = Vec::new();
        while !self.is_done()? {
            let events = self.wait_events(64, 1 << 20, 1000)?;
            for event in &events {
                if let Event::Login(_) = event {
                    self.answer_login(None)?;
                }
            }
            all.extend(events);
        }
        Ok(all)
    }
}
