//! Session partitions: the cookie jars and authentication caches behind the component's
//! `electron:net/session` import.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use cookie_store::{CookieStore, RawCookie};
use url::Url;

use crate::bindings::electron::net::session::{CookieContext, ProtectionSpace};
use crate::bindings::electron::net::types::Credentials;

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
    fn preemptive_auth(&self, partition: &str, url: &str) -> Option<(ProtectionSpace, Credentials)>;
    /// Remembers credentials the server accepted.
    fn store_auth(&self, partition: &str, space: &ProtectionSpace, url: &str, answer: &Credentials);
    /// Forgets credentials the server rejected.
    fn forget_auth(&self, partition: &str, space: &ProtectionSpace);
    /// The partition's `User-Agent`, when it sets one.
    fn user_agent(&self, partition: &str) -> Option<String> {
        let _ = partition;
        None
    }
}

/// In-memory partitions, created on first use.
#[derive(Clone, Default)]
pub struct Sessions {
    partitions: Arc<Mutex<HashMap<String, Arc<Partition>>>>,
}

/// One partition's state.
#[derive(Default)]
struct Partition {
    jar: Mutex<CookieStore>,
    auth: Mutex<AuthCache>,
    user_agent: Mutex<Option<String>>,
}

#[derive(Default)]
struct AuthCache {
    /// Accepted credentials and the directory URL (origin + path prefix) they were accepted for.
    entries: Vec<(ProtectionSpace, Credentials, Url)>,
}

impl Sessions {
    /// No partitions yet; each is created empty on first use.
    pub fn new() -> Sessions {
        Sessions::default()
    }

    /// Sets the `User-Agent` a partition's requests send when they set none.
    pub fn set_user_agent(&self, partition: &str, user_agent: Option<String>) {
        *lock(&self.partition(partition).user_agent) = user_agent;
    }

    fn partition(&self, name: &str) -> Arc<Partition> {
        lock(&self.partitions)
            .entry(name.to_owned())
            .or_default()
            .clone()
    }
}

impl SessionStore for Sessions {
    fn cookie_header(&self, partition: &str, context: &CookieContext) -> Option<String> {
        let url = Url::parse(&context.url).ok()?;
        let partition = self.partition(partition);
        let jar = lock(&partition.jar);
        let header = jar
            .get_request_values(&url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        (!header.is_empty()).then_some(header)
    }

    fn store_cookies(&self, partition: &str, context: &CookieContext, lines: &[String]) {
        let Ok(url) = Url::parse(&context.url) else {
            return;
        };
        let partition = self.partition(partition);
        let mut jar = lock(&partition.jar);
        for line in lines {
            if let Ok(cookie) = RawCookie::parse(line.as_str()) {
                // A rejected cookie (wrong domain, public suffix, ...) is simply not stored.
                let _ = jar.insert_raw(&cookie, &url);
            }
        }
    }

    fn lookup_auth(&self, partition: &str, space: &ProtectionSpace) -> Option<Credentials> {
        let partition = self.partition(partition);
        let cache = lock(&partition.auth);
        cache
            .entries
            .iter()
            .find(|(s, _, _)| s == space)
            .map(|(_, credentials, _)| credentials.clone())
    }

    fn preemptive_auth(&self, partition: &str, url: &str) -> Option<(ProtectionSpace, Credentials)> {
        let url = Url::parse(url).ok()?;
        let partition = self.partition(partition);
        let cache = lock(&partition.auth);
        cache
            .entries
            .iter()
            .filter(|(space, _, _)| space.scheme == "basic" && !space.is_proxy)
            .find(|(_, _, directory)| {
                directory.origin() == url.origin() && url.path().starts_with(directory.path())
            })
            .map(|(space, credentials, _)| (space.clone(), credentials.clone()))
    }

    fn store_auth(&self, partition: &str, space: &ProtectionSpace, url: &str, answer: &Credentials) {
        let Ok(mut directory) = Url::parse(url) else {
            return;
        };
        // RFC 7617 §2.2: credentials cover the directory of the URL that was authenticated.
        let path = directory.path();
        let dir = path[..path.rfind('/').map_or(0, |i| i + 1)].to_owned();
        directory.set_path(&dir);
        directory.set_query(None);
        directory.set_fragment(None);
        let partition = self.partition(partition);
        let mut cache = lock(&partition.auth);
        cache.entries.retain(|(s, _, _)| s != space);
        cache
            .entries
            .push((space.clone(), answer.clone(), directory));
    }

    fn forget_auth(&self, partition: &str, space: &ProtectionSpace) {
        let partition = self.partition(partition);
        lock(&partition.auth).entries.retain(|(s, _, _)| s != space);
    }

    fn user_agent(&self, partition: &str) -> Option<String> {
        lock(&self.partition(partition).user_agent).clone()
    }
}

/// A poisoned lock only means another request panicked mid-update; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
