//! The authentication cache: credentials a server or proxy accepted, per protection space
//! (RFC 9110 §11.5: scheme, host, port and realm), plus the directory each was accepted for so
//! Basic credentials can be sent before any challenge (RFC 7617 §2.2).

use url::Url;

use crate::journal::{Change, Journal};
use crate::space::{AuthEntry, Credentials, ProtectionSpace};

/// One partition's accepted credentials.
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: Vec<AuthEntry>,
    journal: Journal,
}

impl AuthCache {
    /// An empty cache.
    pub fn new() -> AuthCache {
        AuthCache::default()
    }

    /// Every cached answer.
    pub fn entries(&self) -> &[AuthEntry] {
        &self.entries
    }

    /// Credentials accepted before for exactly this space.
    pub fn lookup(&self, space: &ProtectionSpace) -> Option<Credentials> {
        self.entries
            .iter()
            .find(|e| e.space == *space)
            .map(|e| e.credentials.clone())
    }

    /// Basic credentials for a server URL at or below a directory that was authenticated
    /// before; the deepest such directory wins.
    pub fn preemptive(&self, url: &str) -> Option<(ProtectionSpace, Credentials)> {
        let url = Url::parse(url).ok()?;
        self.entries
            .iter()
            .filter(|e| !e.space.is_proxy && e.space.scheme == "basic")
            .filter_map(|e| Some((e, Url::parse(&e.directory).ok()?)))
            .filter(|(_, dir)| dir.origin() == url.origin() && url.path().starts_with(dir.path()))
            .max_by_key(|(_, dir)| dir.path().len())
            .map(|(e, _)| (e.space.clone(), e.credentials.clone()))
    }

    /// Remembers credentials the server accepted for `space` at `url`.
    pub fn store(&mut self, space: &ProtectionSpace, url: &str, credentials: &Credentials) {
        let Some(mut directory) = directory_of(url) else {
            return;
        };
        // Chromium remembers every path a realm succeeded on; one directory per space keeps
        // the shallowest instead: a success below the cached directory keeps it, so preemptive
        // Basic goes on covering everything it covered (and an unchanged entry is not written
        // to the store again). A success elsewhere moves the directory there.
        if let Some(old) = self.entries.iter().find(|e| e.space == *space)
            && directory.starts_with(&old.directory)
        {
            if old.credentials == *credentials {
                return;
            }
            directory = old.directory.clone();
        }
        self.entries.retain(|e| e.space != *space);
        let entry = AuthEntry {
            space: space.clone(),
            credentials: credentials.clone(),
            directory,
        };
        self.record(Change::Auth(entry.clone()));
        self.entries.push(entry);
    }

    /// Forgets credentials the server rejected.
    pub fn forget(&mut self, space: &ProtectionSpace) {
        let before = self.entries.len();
        self.entries.retain(|e| e.space != *space);
        if self.entries.len() != before {
            self.record(Change::AuthRemoved(space.clone()));
        }
    }

    /// Loads persisted entries, dropping (and journalling the removal of) malformed ones: an
    /// entry whose directory is on another origin than its space would send credentials where
    /// they were never accepted. Returns the refused entries.
    pub fn restore(&mut self, entries: Vec<AuthEntry>) -> Vec<AuthEntry> {
        let mut refused = Vec::new();
        for entry in entries {
            if check_entry(&entry) {
                self.entries.retain(|e| e.space != entry.space);
                self.entries.push(entry);
            } else {
                self.record(Change::AuthRemoved(entry.space.clone()));
                refused.push(entry);
            }
        }
        refused
    }

    /// Starts recording changes for [`AuthCache::take_changes`].
    pub fn enable_journal(&mut self) {
        self.journal.enable();
    }

    /// The changes since the last call (empty when the journal is off).
    pub fn take_changes(&mut self) -> Vec<Change> {
        self.journal.take()
    }

    fn record(&mut self, change: Change) {
        self.journal.record(change);
    }
}

/// `scheme://host:port` of an http(s) URL, port always written out.
pub fn origin_of(url: &Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some(format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

/// The URL's directory (RFC 7617 §2.2), without user info, query or fragment.
fn directory_of(url: &str) -> Option<String> {
    let mut directory = Url::parse(url).ok()?;
    origin_of(&directory)?;
    let path = directory.path();
    let dir = path[..path.rfind('/').map_or(0, |i| i + 1)].to_owned();
    directory.set_path(&dir);
    directory.set_query(None);
    directory.set_fragment(None);
    directory.set_username("").ok()?;
    directory.set_password(None).ok()?;
    Some(directory.into())
}

fn check_entry(entry: &AuthEntry) -> bool {
    let space = &entry.space;
    let origin_ok = Url::parse(&space.origin)
        .ok()
        .and_then(|url| origin_of(&url))
        .is_some_and(|origin| origin == space.origin);
    let scheme_ok = !space.scheme.is_empty()
        && space
            .scheme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let directory_ok = directory_of(&entry.directory).is_some_and(|d| d == entry.directory)
        && (space.is_proxy
            || Url::parse(&entry.directory)
                .ok()
                .and_then(|d| origin_of(&d))
                .is_some_and(|origin| origin == space.origin));
    origin_ok && scheme_ok && directory_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(origin: &str, realm: &str) -> ProtectionSpace {
        ProtectionSpace {
            is_proxy: false,
            origin: origin.to_owned(),
            realm: realm.to_owned(),
            scheme: "basic".to_owned(),
        }
    }

    fn user(name: &str) -> Credentials {
        Credentials {
            username: name.to_owned(),
            password: "secret".to_owned(),
        }
    }

    #[test]
    fn lookup_is_per_protection_space() {
        let mut cache = AuthCache::new();
        cache.store(&space("http://a:80", "r"), "http://a/x/y", &user("u"));
        assert_eq!(cache.lookup(&space("http://a:80", "r")), Some(user("u")));
        assert_eq!(cache.lookup(&space("http://a:80", "other")), None);
        assert_eq!(cache.lookup(&space("http://a:8080", "r")), None);
        assert_eq!(cache.lookup(&space("https://a:443", "r")), None);
        cache.forget(&space("http://a:80", "r"));
        assert_eq!(cache.lookup(&space("http://a:80", "r")), None);
    }

    #[test]
    fn preemptive_basic_covers_the_directory_and_below_only() {
        let mut cache = AuthCache::new();
        cache.store(
            &space("http://a:80", "r"),
            "http://u:p@a/docs/index.html?q#f",
            &user("u"),
        );
        assert_eq!(cache.entries()[0].directory, "http://a/docs/");
        assert!(cache.preemptive("http://a/docs/other").is_some());
        assert!(cache.preemptive("http://a:80/docs/deep/er").is_some());
        assert!(cache.preemptive("http://a/doc").is_none());
        assert!(cache.preemptive("http://a/").is_none());
        assert!(cache.preemptive("http://a:81/docs/x").is_none());
        assert!(cache.preemptive("https://a/docs/x").is_none());
        assert!(cache.preemptive("http://b/docs/x").is_none());
    }

    #[test]
    fn a_success_below_the_cached_directory_keeps_it_and_writes_nothing() {
        let mut cache = AuthCache::new();
        cache.enable_journal();
        let docs = space("http://a:80", "r");
        cache.store(&docs, "http://a/docs/login", &user("u"));
        assert_eq!(cache.take_changes().len(), 1);
        // Preemptive Basic succeeded deeper down: still the whole of /docs/, nothing to persist.
        cache.store(&docs, "http://a/docs/deep/page", &user("u"));
        assert_eq!(cache.entries()[0].directory, "http://a/docs/");
        assert!(cache.take_changes().is_empty());
        assert!(cache.preemptive("http://a/docs/other/page").is_some());
        // New credentials below keep the directory too, and are recorded.
        cache.store(&docs, "http://a/docs/deep/page", &user("v"));
        assert_eq!(cache.entries()[0].directory, "http://a/docs/");
        assert_eq!(cache.take_changes().len(), 1);
        // A success higher up widens it; elsewhere moves it.
        cache.store(&docs, "http://a/top", &user("v"));
        assert_eq!(cache.entries()[0].directory, "http://a/");
        cache.store(&docs, "http://a/docs/x", &user("v"));
        assert_eq!(cache.entries()[0].directory, "http://a/");
        cache.store(&space("http://a:80", "s"), "http://a/s/x", &user("w"));
        cache.store(&space("http://a:80", "s"), "http://a/t/x", &user("w"));
        assert_eq!(cache.entries()[1].directory, "http://a/t/");
    }

    #[test]
    fn preemptive_prefers_the_deepest_directory_and_skips_digest_and_proxies() {
        let mut cache = AuthCache::new();
        cache.store(&space("http://a:80", "top"), "http://a/x", &user("top"));
        cache.store(&space("http://a:80", "deep"), "http://a/d/x", &user("deep"));
        let digest = ProtectionSpace {
            scheme: "digest".into(),
            ..space("http://a:80", "digest")
        };
        cache.store(&digest, "http://a/d/e/x", &user("digest"));
        let proxy = ProtectionSpace {
            is_proxy: true,
            ..space("http://proxy:3128", "p")
        };
        cache.store(&proxy, "http://a/d/e/x", &user("proxy"));
        assert_eq!(cache.preemptive("http://a/d/e/f").unwrap().1, user("deep"));
        assert_eq!(cache.preemptive("http://a/z").unwrap().1, user("top"));
    }

    #[test]
    fn restore_drops_entries_that_would_leak_to_another_origin() {
        let good = AuthEntry {
            space: space("http://a:80", "r"),
            credentials: user("u"),
            directory: "http://a/d/".into(),
        };
        let foreign = AuthEntry {
            directory: "http://evil/".into(),
            ..good.clone()
        };
        let with_userinfo = AuthEntry {
            directory: "http://x:y@a/".into(),
            ..good.clone()
        };
        let bad_origin = AuthEntry {
            space: space("http://a", "r"),
            ..good.clone()
        };
        let mut cache = AuthCache::new();
        cache.enable_journal();
        let refused = cache.restore(vec![good.clone(), foreign, with_userinfo, bad_origin]);
        assert_eq!(refused.len(), 3);
        assert_eq!(cache.entries(), [good]);
        assert_eq!(cache.take_changes().len(), 3);
    }

    #[test]
    fn debug_output_hides_the_password() {
        assert!(!format!("{:?}", user("u")).contains("secret"));
    }
}
