//! Session partitions: the cookie jars and authentication caches behind the component's
//! `electron:net/session` import, and Electron's `session.cookies` for Rust callers.
//!
//! The rules live in the `electron-net-session` crate (shared with the JavaScript package's
//! session component); this module adapts them to the generated WIT types and keeps
//! `persist:` partitions on disk ([`store`]).

mod store;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use electron_net_session as shared;
use electron_net_session::{
    Clock, Cookie, CookieDetails, CookieFilter, Partitions, Rejection, SystemClock,
};

use crate::bindings::electron::net::session::{CookieContext, ProtectionSpace};
use crate::bindings::electron::net::types::Credentials;
use crate::error::Error;
use crate::network::Proxy;

/// Where partitions keep their state. Every method has the partition name first; `""` is the
/// default session. Implement this to store sessions elsewhere; [`Sessions`] is the default.
pub trait SessionStore: Send + Sync {
    /// The `Cookie` header value for a request, or `None` when no cookie matches.
    fn cookie_header(&self, partition: &str, context: &CookieContext) -> Option<String>;
    /// Stores a response's `Set-Cookie` lines; lines the jar rejects are ignored.
    fn store_cookies(&self, partition: &str, context: &CookieContext, lines: &[String]);
    /// Credentials the partition accepted before for this protection space.
    fn lookup_auth(&self, partition: &str, space: &ProtectionSpace) -> Option<Credentials>;
    /// Basic credentials to send before any challenge for a URL under an authenticated path.
    fn preemptive_auth(&self, partition: &str, url: &str)
    -> Option<(ProtectionSpace, Credentials)>;
    /// Remembers credentials the server accepted.
    fn store_auth(&self, partition: &str, space: &ProtectionSpace, url: &str, answer: &Credentials);
    /// Forgets credentials the server rejected.
    fn forget_auth(&self, partition: &str, space: &ProtectionSpace);
    /// The partition's `User-Agent`, when it sets one.
    fn user_agent(&self, partition: &str) -> Option<String> {
        let _ = partition;
        None
    }
    /// The HTTP proxy the partition's requests go through; `None` (the default) connects
    /// directly.
    fn proxy(&self, partition: &str) -> Option<Proxy> {
        let _ = partition;
        None
    }
}

/// Session partitions, created on first use. Cheap to clone; clones share the partitions.
///
/// [`Sessions::new`] keeps everything in memory. With a data directory
/// ([`Sessions::with_data_dir`]), partitions named `persist:NAME` are also kept in
/// `DIR/sessions.sqlite3`: their persistent cookies (not session cookies, like Chromium) and
/// their cached credentials. Credentials are stored in plain text, readable only by the user
/// (the directory is created `0700`, the file `0600` on Unix), like a browser's password store
/// without an OS keychain.
#[derive(Clone)]
pub struct Sessions {
    partitions: Arc<Partitions>,
    store: Option<Arc<store::SqliteStore>>,
    /// Per-partition proxies (never persisted).
    proxies: Arc<RwLock<HashMap<String, Proxy>>>,
}

/// Configures [`Sessions`]; created by [`Sessions::builder`].
#[derive(Default)]
pub struct SessionsBuilder {
    clock: Option<Arc<dyn Clock>>,
    data_dir: Option<PathBuf>,
}

impl SessionsBuilder {
    /// Reads the time for cookie expiry from `clock` (default: the system clock). Tests freeze
    /// it, e.g. with [`shared::FixedClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Keeps `persist:` partitions in this directory (created if missing).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Creates the sessions, opening (or creating) the store when a data directory is set.
    pub fn build(self) -> Result<Sessions, Error> {
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let Some(dir) = self.data_dir else {
            return Ok(Sessions {
                partitions: Arc::new(Partitions::new(clock)),
                store: None,
                proxies: Arc::default(),
            });
        };
        let store = Arc::new(store::SqliteStore::open(&dir).map_err(Error::storage)?);
        Ok(Sessions {
            partitions: Arc::new(Partitions::with_persistence(clock, store.clone())),
            store: Some(store),
            proxies: Arc::default(),
        })
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new()
    }
}

impl Sessions {
    /// In-memory partitions (nothing touches the disk), system clock.
    pub fn new() -> Sessions {
        Sessions {
            partitions: Arc::new(Partitions::new(Arc::new(SystemClock))),
            store: None,
            proxies: Arc::default(),
        }
    }

    /// Configures sessions (clock, data directory).
    pub fn builder() -> SessionsBuilder {
        SessionsBuilder::default()
    }

    /// Sessions whose `persist:` partitions live in `dir`; fails when the store cannot be
    /// opened (unwritable directory, not a store, written by a newer version).
    pub fn with_data_dir(dir: impl Into<PathBuf>) -> Result<Sessions, Error> {
        Sessions::builder().data_dir(dir).build()
    }

    /// Sets the `User-Agent` a partition's requests send when they set none (not persisted).
    pub fn set_user_agent(&self, partition: &str, user_agent: Option<String>) {
        self.partitions.set_user_agent(partition, user_agent);
    }

    /// Routes a partition's requests through `proxy`, or directly with `None` (the default).
    /// Kept in memory only, also for `persist:` partitions; requests created afterwards use it.
    pub fn set_proxy(&self, partition: &str, proxy: Option<Proxy>) {
        let mut proxies = self.proxies.write().unwrap_or_else(PoisonError::into_inner);
        match proxy {
            Some(proxy) => proxies.insert(partition.to_owned(), proxy),
            None => proxies.remove(partition),
        };
    }

    /// A partition's cookies, as Electron's `session.cookies`.
    pub fn cookies(&self, partition: &str) -> Cookies {
        Cookies {
            partitions: self.partitions.clone(),
            partition: partition.to_owned(),
        }
    }

    /// The last failure to read or write the store, if any. Writing never fails a request: a
    /// change that could not be written stays in memory and is written first by the next
    /// write, or by [`Sessions::flush_store`], which says whether everything is on disk.
    pub fn persistence_error(&self) -> Option<String> {
        self.store.as_ref().and_then(|store| store.last_error())
    }

    /// Electron's `cookies.flushStore()`: writes every change still waiting (kept after a
    /// failed write, for example when another process held the database past the 5 s busy
    /// timeout). `Ok` means every change made so far is on disk; without a data directory there
    /// is nothing to write.
    pub fn flush_store(&self) -> Result<(), Error> {
        match &self.store {
            Some(store) => store
                .flush()
                .map_err(|error| Error::storage(Box::new(error))),
            None => Ok(()),
        }
    }
}

/// One partition's cookies (Electron's `session.cookies`), from [`Sessions::cookies`].
#[derive(Clone)]
pub struct Cookies {
    partitions: Arc<Partitions>,
    partition: String,
}

impl Cookies {
    /// `cookies.get(filter)`: matching cookies in the order a request would send them.
    pub fn get(&self, filter: &CookieFilter) -> Vec<Cookie> {
        self.partitions.get_cookies(&self.partition, filter)
    }

    /// `cookies.set(details)`; the error's message is Electron's (`Failed to set cookie - ...`).
    pub fn set(&self, details: &CookieDetails) -> Result<(), Rejection> {
        self.partitions.set_cookie(&self.partition, details)
    }

    /// `cookies.remove(url, name)`.
    pub fn remove(&self, url: &str, name: &str) {
        self.partitions.remove_cookie(&self.partition, url, name);
    }
}

impl SessionStore for Sessions {
    fn cookie_header(&self, partition: &str, context: &CookieContext) -> Option<String> {
        self.partitions
            .cookie_header(partition, &context_of(context))
    }

    fn store_cookies(&self, partition: &str, context: &CookieContext, lines: &[String]) {
        self.partitions
            .store_cookies(partition, &context_of(context), lines);
    }

    fn lookup_auth(&self, partition: &str, space: &ProtectionSpace) -> Option<Credentials> {
        self.partitions
            .lookup_auth(partition, &space_of(space))
            .map(credentials_to_wit)
    }

    fn preemptive_auth(
        &self,
        partition: &str,
        url: &str,
    ) -> Option<(ProtectionSpace, Credentials)> {
        self.partitions
            .preemptive_auth(partition, url)
            .map(|(space, credentials)| (space_to_wit(space), credentials_to_wit(credentials)))
    }

    fn store_auth(
        &self,
        partition: &str,
        space: &ProtectionSpace,
        url: &str,
        answer: &Credentials,
    ) {
        let answer = shared::Credentials {
            username: answer.username.clone(),
            password: answer.password.clone(),
        };
        self.partitions
            .store_auth(partition, &space_of(space), url, &answer);
    }

    fn forget_auth(&self, partition: &str, space: &ProtectionSpace) {
        self.partitions.forget_auth(partition, &space_of(space));
    }

    fn user_agent(&self, partition: &str) -> Option<String> {
        self.partitions.user_agent(partition)
    }

    fn proxy(&self, partition: &str) -> Option<Proxy> {
        let proxies = self.proxies.read().unwrap_or_else(PoisonError::into_inner);
        proxies.get(partition).cloned()
    }
}

fn context_of(context: &CookieContext) -> shared::CookieContext {
    shared::CookieContext {
        url: context.url.clone(),
        method: context.method.clone(),
        initiator: context.initiator.clone(),
    }
}

fn space_of(space: &ProtectionSpace) -> shared::ProtectionSpace {
    shared::ProtectionSpace {
        is_proxy: space.is_proxy,
        origin: space.origin.clone(),
        realm: space.realm.clone(),
        scheme: space.scheme.clone(),
    }
}

fn space_to_wit(space: shared::ProtectionSpace) -> ProtectionSpace {
    ProtectionSpace {
        is_proxy: space.is_proxy,
        origin: space.origin,
        realm: space.realm,
        scheme: space.scheme,
    }
}

fn credentials_to_wit(credentials: shared::Credentials) -> Credentials {
    Credentials {
        username: credentials.username,
        password: credentials.password,
    }
}
