//! What one request's `Store` holds, and the host side of the component's imports.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::bindings::electron::net::session::{CookieContext, ProtectionSpace};
use crate::bindings::electron::net::types::{AuthInfo, Credentials};
use crate::bindings::electron::net::{credentials, session, types};
use crate::credentials::CredentialProvider;
use crate::network::Network;
use crate::session::SessionStore;
use crate::worker::Gauge;

/// Field maps the guest builds (request headers) may hold this much, in wasmtime's accounting,
/// which counts about twice the wire size. Beyond it wasmtime traps, so the guest stays well below.
pub(crate) const FIELD_SIZE_LIMIT: usize = 1024 * 1024;

pub(crate) struct HostState {
    pub(crate) table: ResourceTable,
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) network: Network,
    pub(crate) electron_net: ElectronNetCtx,
    /// The store's memory and table limits, and how much memory the instance holds.
    pub(crate) gauge: Gauge,
}

/// What the component's own imports (`electron:net/session` and `electron:net/credentials`) are
/// served from. Embedders with their own store data keep one of these in it and call
/// [`add_to_linker`]; [`crate::Client`] does exactly that.
///
/// ```
/// use std::sync::Arc;
/// use electron_net_host::{ElectronNetCtx, NoCredentials, Sessions, add_to_linker};
///
/// struct MyState {
///     electron_net: ElectronNetCtx,
///     // ... the embedder's own WASI and wasi:http contexts ...
/// }
///
/// let engine = wasmtime::Engine::default();
/// let mut linker = wasmtime::component::Linker::<MyState>::new(&engine);
/// add_to_linker(&mut linker, |state| &mut state.electron_net).unwrap();
/// let _state = MyState {
///     electron_net: ElectronNetCtx {
///         sessions: Arc::new(Sessions::new()),
///         credentials: Arc::new(NoCredentials),
///     },
/// };
/// ```
pub struct ElectronNetCtx {
    /// The session partitions.
    pub sessions: Arc<dyn SessionStore>,
    /// The credentials callback.
    pub credentials: Arc<dyn CredentialProvider>,
}

/// Adds the component's `electron:net` imports to `linker`, served from the [`ElectronNetCtx`]
/// that `get` finds in the store's data. The embedder adds WASI and wasi:http itself
/// (`wasmtime_wasi::p2::add_to_linker_async` and
/// `wasmtime_wasi_http::p2::add_only_http_to_linker_async`, or their `_sync` twins).
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut ElectronNetCtx,
) -> wasmtime::Result<()> {
    use wasmtime::component::HasSelf;
    types::add_to_linker::<T, HasSelf<ElectronNetCtx>>(linker, get)?;
    session::add_to_linker::<T, HasSelf<ElectronNetCtx>>(linker, get)?;
    credentials::add_to_linker::<T, HasSelf<ElectronNetCtx>>(linker, get)
}

impl HostState {
    pub(crate) fn new(
        network: Network,
        sessions: Arc<dyn SessionStore>,
        credentials: Arc<dyn CredentialProvider>,
        gauge: Gauge,
    ) -> HostState {
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(FIELD_SIZE_LIMIT);
        HostState {
            table: ResourceTable::new(),
            // No stdio, environment, files or sockets: the component only needs clocks and HTTP.
            wasi: WasiCtx::builder().build(),
            http,
            network,
            electron_net: ElectronNetCtx {
                sessions,
                credentials,
            },
            gauge,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.network,
        }
    }
}

impl types::Host for ElectronNetCtx {}

impl session::Host for ElectronNetCtx {
    fn cookie_header(&mut self, partition: String, context: CookieContext) -> Option<String> {
        self.sessions.cookie_header(&partition, &context)
    }

    fn store_cookies(&mut self, partition: String, context: CookieContext, lines: Vec<String>) {
        self.sessions.store_cookies(&partition, &context, &lines)
    }

    fn lookup_auth(&mut self, partition: String, space: ProtectionSpace) -> Option<Credentials> {
        self.sessions.lookup_auth(&partition, &space)
    }

    fn preemptive_auth(
        &mut self,
        partition: String,
        url: String,
    ) -> Option<(ProtectionSpace, Credentials)> {
        self.sessions.preemptive_auth(&partition, &url)
    }

    fn store_auth(
        &mut self,
        partition: String,
        space: ProtectionSpace,
        url: String,
        answer: Credentials,
    ) {
        self.sessions.store_auth(&partition, &space, &url, &answer)
    }

    fn forget_auth(&mut self, partition: String, space: ProtectionSpace) {
        self.sessions.forget_auth(&partition, &space)
    }

    fn user_agent(&mut self, partition: String) -> Option<String> {
        self.sessions.user_agent(&partition)
    }

    fn registrable_domain(&mut self, host: String) -> Option<String> {
        electron_net_session::site_domain(&host).map(str::to_owned)
    }
}

impl credentials::Host for ElectronNetCtx {
    fn provide_credentials(
        &mut self,
        partition: String,
        url: String,
        info: AuthInfo,
        attempt: u32,
    ) -> Option<Credentials> {
        self.credentials
            .provide_credentials(&partition, &url, &info, attempt)
    }
}
