//! Named partitions, each owning a cookie jar, an auth cache and a user agent, and the hook
//! through which a host persists some of them.
//!
//! Persistence works by journal: a persisted partition records every change an operation made
//! ([`Change`]), and [`Partitions`] hands the batch to the [`Persistence`] while still holding
//! that partition's lock, so batches reach the store in the order they happened. On first use
//! the partition is filled from [`Persistence::load`] through the same checks as new cookies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::auth::AuthCache;
use crate::clock::Clock;
use crate::cookie::{Cookie, CookieDetails, CookieFilter, StoredCookie};
use crate::jar::{CookieContext, CookieJar};
use crate::journal::Change;
use crate::rejection::Rejection;
use crate::space::{AuthEntry, Credentials, ProtectionSpace};

/// A persisted partition's state, as a store hands it back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Stored cookies, in any order.
    pub cookies: Vec<StoredCookie>,
    /// Stored credentials.
    pub auth: Vec<AuthEntry>,
}

/// What [`Partition::restore`] refused.
#[derive(Clone, Debug, Default)]
pub struct Refused {
    /// Cookies that fail the jar's rules, with the reason.
    pub cookies: Vec<(StoredCookie, Rejection)>,
    /// Malformed auth entries.
    pub auth: Vec<AuthEntry>,
}

/// A store for some partitions (a host's disk, typically those named `persist:...`).
pub trait Persistence: Send + Sync {
    /// Whether this store keeps `partition`; other partitions live in memory only.
    fn is_persistent(&self, partition: &str) -> bool;
    /// The partition's stored state, read once when the partition is first used.
    fn load(&self, partition: &str) -> Snapshot;
    /// Stores one operation's changes, atomically if the store can.
    fn commit(&self, partition: &str, changes: Vec<Change>);
    /// A number that changes whenever someone else (another process, another `Partitions` on
    /// the same store) committed to the store. A partition loaded at another number is loaded
    /// again before its next use, so every user of a store sees the others' committed writes.
    /// A store with a single user keeps the default.
    fn version(&self) -> u64 {
        0
    }
}

/// One partition's state.
#[derive(Debug)]
pub struct Partition {
    /// The cookie jar.
    pub jar: CookieJar,
    /// Accepted credentials.
    pub auth: AuthCache,
    /// The `User-Agent` its requests send when they set none.
    pub user_agent: Option<String>,
}

impl Partition {
    /// An empty partition.
    pub fn new(clock: Arc<dyn Clock>) -> Partition {
        Partition {
            jar: CookieJar::new(clock),
            auth: AuthCache::new(),
            user_agent: None,
        }
    }

    /// Starts recording changes for [`Partition::take_changes`].
    pub fn enable_journal(&mut self) {
        self.jar.enable_journal();
        self.auth.enable_journal();
    }

    /// Loads a snapshot, re-checking everything in it.
    pub fn restore(&mut self, snapshot: Snapshot) -> Refused {
        Refused {
            cookies: self.jar.restore(snapshot.cookies),
            auth: self.auth.restore(snapshot.auth),
        }
    }

    /// The changes since the last call.
    pub fn take_changes(&mut self) -> Vec<Change> {
        let mut changes = self.jar.take_changes();
        changes.extend(self.auth.take_changes());
        changes
    }
}

/// A partition's place: `None` until first used, so a persisted partition is loaded under its
/// own lock; with the store's version it was loaded at.
type Slot = Option<(Partition, u64)>;

/// Named partitions (`""` is the default session), created empty on first use. They never
/// share state. Every method locks only the partition it names.
pub struct Partitions {
    clock: Arc<dyn Clock>,
    persistence: Option<Arc<dyn Persistence>>,
    partitions: Mutex<HashMap<String, Arc<Mutex<Slot>>>>,
}

impl Partitions {
    /// In-memory partitions reading the time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Partitions {
        Partitions {
            clock,
            persistence: None,
            partitions: Mutex::new(HashMap::new()),
        }
    }

    /// Partitions of which those `persistence` claims are loaded from and saved to it.
    pub fn with_persistence(
        clock: Arc<dyn Clock>,
        persistence: Arc<dyn Persistence>,
    ) -> Partitions {
        Partitions {
            persistence: Some(persistence),
            ..Partitions::new(clock)
        }
    }

    /// Runs `f` on the partition, creating (and loading) it first if needed, then saves what
    /// `f` changed if the partition is persisted.
    pub fn with<R>(&self, name: &str, f: impl FnOnce(&mut Partition) -> R) -> R {
        let slot = lock(&self.partitions)
            .entry(name.to_owned())
            .or_default()
            .clone();
        let mut slot = lock(&slot);
        let store = self
            .persistence
            .as_ref()
            .filter(|store| store.is_persistent(name));
        let version = store.map_or(0, |store| store.version());
        if let Some(store) = store
            && let Some((stale, _)) = slot.take_if(|(_, loaded)| *loaded != version)
        {
            *slot = Some((self.reload(name, store, &stale), version));
        }
        let (partition, _) = slot.get_or_insert_with(|| {
            let mut partition = Partition::new(self.clock.clone());
            if let Some(store) = store {
                partition.enable_journal();
                // Refused rows are journalled as removals, so the commit below drops them.
                partition.restore(store.load(name));
            }
            (partition, version)
        });
        let result = f(partition);
        if let Some(store) = store {
            let changes = partition.take_changes();
            if !changes.is_empty() {
                store.commit(name, changes);
            }
        }
        result
    }

    /// The partition as the store now has it, plus what only lived in `stale`'s memory: its
    /// session cookies (never stored) and its user agent.
    fn reload(&self, name: &str, store: &Arc<dyn Persistence>, stale: &Partition) -> Partition {
        let mut partition = Partition::new(self.clock.clone());
        partition.enable_journal();
        partition.restore(store.load(name));
        let session_cookies = stale.jar.cookies().filter(|c| c.expires.is_none()).cloned();
        partition.jar.restore(session_cookies.collect());
        partition.user_agent = stale.user_agent.clone();
        partition
    }

    /// `session.cookie-header`.
    pub fn cookie_header(&self, partition: &str, context: &CookieContext) -> Option<String> {
        self.with(partition, |p| p.jar.cookie_header(context))
    }

    /// `session.store-cookies`.
    pub fn store_cookies(&self, partition: &str, context: &CookieContext, lines: &[String]) {
        self.with(partition, |p| p.jar.store_cookies(context, lines));
    }

    /// `session.lookup-auth`.
    pub fn lookup_auth(&self, partition: &str, space: &ProtectionSpace) -> Option<Credentials> {
        self.with(partition, |p| p.auth.lookup(space))
    }

    /// `session.preemptive-auth`.
    pub fn preemptive_auth(
        &self,
        partition: &str,
        url: &str,
    ) -> Option<(ProtectionSpace, Credentials)> {
        self.with(partition, |p| p.auth.preemptive(url))
    }

    /// `session.store-auth`.
    pub fn store_auth(
        &self,
        partition: &str,
        space: &ProtectionSpace,
        url: &str,
        answer: &Credentials,
    ) {
        self.with(partition, |p| p.auth.store(space, url, answer));
    }

    /// `session.forget-auth`.
    pub fn forget_auth(&self, partition: &str, space: &ProtectionSpace) {
        self.with(partition, |p| p.auth.forget(space));
    }

    /// `session.user-agent`.
    pub fn user_agent(&self, partition: &str) -> Option<String> {
        self.with(partition, |p| p.user_agent.clone())
    }

    /// Sets the partition's `User-Agent` (Electron's `session.setUserAgent`; not persisted).
    pub fn set_user_agent(&self, partition: &str, user_agent: Option<String>) {
        self.with(partition, |p| p.user_agent = user_agent);
    }

    /// `cookie-admin.get`.
    pub fn get_cookies(&self, partition: &str, filter: &CookieFilter) -> Vec<Cookie> {
        self.with(partition, |p| p.jar.get(filter))
    }

    /// `cookie-admin.set`.
    pub fn set_cookie(&self, partition: &str, details: &CookieDetails) -> Result<(), Rejection> {
        self.with(partition, |p| p.jar.set(details))
    }

    /// `cookie-admin.remove`.
    pub fn remove_cookie(&self, partition: &str, url: &str, name: &str) {
        self.with(partition, |p| p.jar.remove(url, name));
    }
}

/// A poisoned lock only means an operation panicked midway; the jar is still consistent enough
/// to use (every mutation is a single push or removal).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
