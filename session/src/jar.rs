//! The cookie jar: RFC 6265bis storage model (§5.7) and retrieval (§5.8.3), the limits that keep
//! it bounded, Electron's `session.cookies` operations, and restoring persisted cookies.
//!
//! Every cookie the jar holds satisfies [`check_stored`], whether it came from a `Set-Cookie`
//! line, from `cookies.set` or from a store on disk: a tampered store cannot smuggle in what a
//! server could not have set.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::clock::{Clock, UnixTime};
use crate::cookie::{Cookie, CookieDetails, CookieFilter, CookieKey, SameSite, StoredCookie};
use crate::domain::{
    Site, default_path, domain_match, is_ip, is_potentially_trustworthy, is_public_suffix,
    path_match, registrable_domain, request_host, request_path,
};
use crate::journal::{Change, Journal};
use crate::parse::{
    Expiry, MAX_ATTRIBUTE_BYTES, MAX_NAME_VALUE_BYTES, ParsedCookie, is_forbidden_control,
    parse_set_cookie,
};
use crate::rejection::Rejection;

/// Cookies kept per registrable domain (Chromium's limit). Going over evicts down to
/// [`PURGED_COOKIES_PER_DOMAIN`], so eviction runs once per 30 new cookies, not for every one.
pub const MAX_COOKIES_PER_DOMAIN: usize = 180;
/// What a registrable domain is trimmed to when it goes over its limit (Chromium's value).
pub const PURGED_COOKIES_PER_DOMAIN: usize = 150;
/// Cookies kept per jar (Chromium's limit).
pub const MAX_COOKIES: usize = 3300;
/// What a jar is trimmed to when it goes over its limit (Chromium's value).
pub const PURGED_COOKIES: usize = 3000;
/// The longest `Cookie` header the jar produces. Cookies that would overflow it are left out,
/// so a flood of cookies cannot make every later request too large for the server (curl
/// CVE-2022-32205). 16 KiB is IIS's per-header limit; curl uses 8 KiB, which would cut off
/// common chunked login cookies (ASP.NET splits them at 4 KiB).
pub const MAX_COOKIE_HEADER_BYTES: usize = 16 * 1024;
/// Longest cookie lifetime (6265bis §5.5: 400 days).
pub const MAX_AGE_SECONDS: i64 = 400 * 86_400;

/// The request a cookie lookup or update is for (the `session` interface's `cookie-context`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieContext {
    /// The URL being requested or that produced the response.
    pub url: String,
    /// The request method.
    pub method: String,
    /// The initiator's origin; `None` counts as same-site (a browser-initiated navigation).
    pub initiator: Option<String>,
}

impl CookieContext {
    /// A same-site GET of `url`.
    pub fn get(url: &str) -> CookieContext {
        CookieContext {
            url: url.to_owned(),
            method: "GET".to_owned(),
            initiator: None,
        }
    }
}

/// A request URL reduced to what the cookie rules look at.
struct Target {
    host: String,
    path: String,
    secure: bool,
    /// False when an initiator from another site asked for it.
    same_site: bool,
    /// GET or HEAD: the only methods a cross-site request may carry Lax cookies on. The
    /// component has no frames, so a safe cross-site request stands in for a top-level
    /// navigation.
    safe_method: bool,
}

impl Target {
    fn new(url: &str, method: &str, initiator: Option<&str>) -> Option<Target> {
        let url = Url::parse(url).ok()?;
        let host = request_host(&url)?;
        // An initiator that is not a URL (e.g. "null", an opaque origin) is another site.
        let same_site = match initiator {
            None => true,
            Some(initiator) => Url::parse(initiator)
                .ok()
                .and_then(|initiator| Site::of(&initiator))
                .is_some_and(|site| Site::of(&url) == Some(site)),
        };
        Some(Target {
            host,
            path: request_path(&url),
            secure: is_potentially_trustworthy(&url),
            same_site,
            safe_method: method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD"),
        })
    }

    fn of(context: &CookieContext) -> Option<Target> {
        Target::new(&context.url, &context.method, context.initiator.as_deref())
    }

    /// Domain, path and Secure rules: whether `cookie` belongs to this URL at all.
    fn matches(&self, cookie: &StoredCookie) -> bool {
        let host_ok = if cookie.host_only {
            self.host == cookie.domain
        } else {
            domain_match(&self.host, &cookie.domain)
        };
        host_ok && path_match(&self.path, &cookie.path) && (self.secure || !cookie.secure)
    }

    /// SameSite enforcement for sending (6265bis §5.8.3 step 1, without frames).
    fn same_site_allows(&self, cookie: &StoredCookie) -> bool {
        self.same_site
            || match cookie.same_site {
                SameSite::Strict => false,
                SameSite::Lax | SameSite::Unspecified => self.safe_method,
                SameSite::NoRestriction => true,
            }
    }
}

/// A stored cookie with its per-domain-limit group (computing it means a public suffix lookup).
struct Entry {
    cookie: StoredCookie,
    group: String,
}

impl Entry {
    fn new(cookie: StoredCookie) -> Entry {
        let group = registrable_domain(&cookie.domain).to_owned();
        Entry { cookie, group }
    }
}

/// One partition's cookies.
pub struct CookieJar {
    clock: Arc<dyn Clock>,
    cookies: Vec<Entry>,
    next_seq: u64,
    /// Changes since the last [`CookieJar::take_changes`], when someone persists them.
    journal: Journal,
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar")
            .field("cookies", &self.cookies.len())
            .finish_non_exhaustive()
    }
}

impl CookieJar {
    /// An empty jar reading the time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> CookieJar {
        CookieJar {
            clock,
            cookies: Vec::new(),
            next_seq: 0,
            journal: Journal::default(),
        }
    }

    /// Every cookie held, in no particular order; expired ones stay until the next change.
    pub fn cookies(&self) -> impl Iterator<Item = &StoredCookie> {
        self.cookies.iter().map(|e| &e.cookie)
    }

    /// How many cookies are held.
    pub fn len(&self) -> usize {
        self.cookies.len()
    }

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The `Cookie` header value for a request, or `None` when no cookie applies.
    pub fn cookie_header(&self, context: &CookieContext) -> Option<String> {
        let target = Target::of(context)?;
        let now = self.clock.now();
        let cookies =
            self.sorted(|c| !c.is_expired(now) && target.matches(c) && target.same_site_allows(c));
        let mut header = String::new();
        for cookie in cookies {
            let separator = if header.is_empty() { 0 } else { 2 };
            let pair = cookie.name.len() + 1 + cookie.value.len();
            if header.len() + separator + pair > MAX_COOKIE_HEADER_BYTES {
                continue;
            }
            if separator > 0 {
                header.push_str("; ");
            }
            header.push_str(&cookie.name);
            header.push('=');
            header.push_str(&cookie.value);
        }
        (!header.is_empty()).then_some(header)
    }

    /// Stores a response's `Set-Cookie` lines; refused lines are skipped.
    pub fn store_cookies(&mut self, context: &CookieContext, lines: &[String]) {
        for line in lines {
            let _ = self.store_set_cookie(context, line);
        }
    }

    /// Stores one `Set-Cookie` line, or says why not.
    pub fn store_set_cookie(
        &mut self,
        context: &CookieContext,
        line: &str,
    ) -> Result<(), Rejection> {
        let target = Target::of(context).ok_or(Rejection::InvalidUrl)?;
        let cookie = parse_set_cookie(line)?;
        self.insert(cookie, &target)
    }

    /// Electron's `cookies.get(filter)`, in sending order.
    pub fn get(&self, filter: &CookieFilter) -> Vec<Cookie> {
        let target = match &filter.url {
            Some(url) => match Target::new(url, "GET", None) {
                Some(target) => Some(target),
                None => return Vec::new(),
            },
            None => None,
        };
        let domain = filter
            .domain
            .as_deref()
            .map(|d| d.strip_prefix('.').unwrap_or(d).to_ascii_lowercase());
        let now = self.clock.now();
        self.sorted(|c| {
            !c.is_expired(now)
                && target.as_ref().is_none_or(|t| t.matches(c))
                && filter.name.as_ref().is_none_or(|n| *n == c.name)
                && filter.path.as_ref().is_none_or(|p| *p == c.path)
                && domain.as_deref().is_none_or(|d| domain_match(&c.domain, d))
                && filter.secure.is_none_or(|s| s == c.secure)
                && filter.session.is_none_or(|s| s == c.expires.is_none())
                && filter.http_only.is_none_or(|h| h == c.http_only)
        })
        .into_iter()
        .map(StoredCookie::to_electron)
        .collect()
    }

    /// Electron's `cookies.set(details)`. An expiry in the past deletes the cookie.
    pub fn set(&mut self, details: &CookieDetails) -> Result<(), Rejection> {
        let target = Target::new(&details.url, "GET", None).ok_or(Rejection::InvalidUrl)?;
        let attribute_too_large =
            |v: &Option<String>| v.as_ref().is_some_and(|v| v.len() > MAX_ATTRIBUTE_BYTES);
        if attribute_too_large(&details.domain) || attribute_too_large(&details.path) {
            return Err(Rejection::AttributeTooLarge);
        }
        let path = details.path.clone().filter(|p| !p.is_empty());
        if path.as_ref().is_some_and(|p| {
            !p.starts_with('/') || p.contains(';') || p.bytes().any(is_forbidden_control)
        }) {
            return Err(Rejection::Malformed);
        }
        let same_site = details.same_site.unwrap_or(SameSite::Lax);
        let expires = match details.expiration_date {
            Some(date) if date.is_nan() => return Err(Rejection::Malformed),
            // `as` saturates, and the 400-day cap applies next.
            Some(date) => Some(date.floor() as i64),
            None => None,
        };
        let domain = details
            .domain
            .as_deref()
            .map(|d| d.strip_prefix('.').unwrap_or(d).to_ascii_lowercase())
            .filter(|d| !d.is_empty());
        let cookie = ParsedCookie {
            name: details.name.clone().unwrap_or_default(),
            value: details.value.clone().unwrap_or_default(),
            expiry: Expiry {
                max_age: None,
                expires,
            },
            domain,
            path,
            secure: details
                .secure
                .unwrap_or(same_site == SameSite::NoRestriction),
            http_only: details.http_only.unwrap_or(false),
            same_site,
        };
        self.insert(cookie, &target)
    }

    /// Electron's `cookies.remove(url, name)`: removes every cookie of that name that would be
    /// sent to `url`.
    pub fn remove(&mut self, url: &str, name: &str) {
        let Some(target) = Target::new(url, "GET", None) else {
            return;
        };
        self.remove_where(|c| c.name == name && target.matches(c));
    }

    /// Loads persisted cookies, re-checking each as if a server had just set it. Returns the
    /// ones refused; they and expired ones are journalled as removed so the store drops them.
    pub fn restore(&mut self, cookies: Vec<StoredCookie>) -> Vec<(StoredCookie, Rejection)> {
        let now = self.clock.now();
        let mut refused = Vec::new();
        // Where each key already sits, so a restore is linear in the rows it loads.
        let mut index: HashMap<CookieKey, usize> = self
            .cookies
            .iter()
            .enumerate()
            .map(|(at, entry)| (entry.cookie.key(), at))
            .collect();
        for mut cookie in cookies {
            if let Err(rejection) = check_stored(&cookie) {
                self.record(Change::CookieRemoved(cookie.key()));
                refused.push((cookie, rejection));
                continue;
            }
            if cookie.is_expired(now) {
                self.record(Change::CookieRemoved(cookie.key()));
                continue;
            }
            // A store written by a clock running ahead (or edited) cannot extend the cap.
            let limit = now.saturating_add(MAX_AGE_SECONDS);
            if cookie.expires.is_some_and(|e| e > limit) {
                cookie.expires = Some(limit);
                self.record(Change::Cookie(cookie.clone()));
            }
            self.next_seq = self.next_seq.max(cookie.seq.saturating_add(1));
            match index.get(&cookie.key()) {
                Some(&at) => self.cookies[at] = Entry::new(cookie),
                None => {
                    index.insert(cookie.key(), self.cookies.len());
                    self.cookies.push(Entry::new(cookie));
                }
            }
        }
        let mut sizes: HashMap<&str, usize> = HashMap::new();
        for entry in &self.cookies {
            *sizes.entry(&entry.group).or_default() += 1;
        }
        let crowded: Vec<String> = sizes
            .into_iter()
            .filter(|&(_, size)| size > MAX_COOKIES_PER_DOMAIN)
            .map(|(group, _)| group.to_owned())
            .collect();
        for group in crowded {
            self.enforce_domain_limit(&group, now);
        }
        self.enforce_global_limit(now);
        refused
    }

    /// Starts recording changes for [`CookieJar::take_changes`].
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

    /// Cookies selected by `keep`, in sending order: longer paths first, then earlier creation
    /// (6265bis §5.8.3 step 2).
    fn sorted(&self, keep: impl Fn(&StoredCookie) -> bool) -> Vec<&StoredCookie> {
        let mut cookies: Vec<&StoredCookie> = self.cookies().filter(|c| keep(c)).collect();
        cookies.sort_by_key(|c| (Reverse(c.path.len()), c.created, c.seq));
        cookies
    }

    /// The storage model, 6265bis §5.7, for a parsed cookie from `target`.
    fn insert(&mut self, cookie: ParsedCookie, target: &Target) -> Result<(), Rejection> {
        let now = self.clock.now();
        let expires = expiry_time(cookie.expiry, now);
        let (domain, host_only) = cookie_domain(cookie.domain.as_deref(), &target.host)?;
        let path = match &cookie.path {
            Some(path) if path.starts_with('/') => path.clone(),
            _ => default_path(&target.path),
        };
        if cookie.secure && !target.secure {
            return Err(Rejection::SecureFromInsecure);
        }
        if cookie.same_site != SameSite::NoRestriction && !target.same_site && !target.safe_method {
            return Err(Rejection::CrossSite);
        }
        // `__Host-` needs an explicit `Path=/` (6265bis §5.7 step 20), not just a default "/".
        if has_prefix(&cookie.name, "__Host-") && cookie.path.as_deref() != Some("/") {
            return Err(Rejection::InvalidPrefix);
        }
        let mut stored = StoredCookie {
            name: cookie.name,
            value: cookie.value,
            domain,
            host_only,
            path,
            source_host: target.host.clone(),
            secure: cookie.secure,
            http_only: cookie.http_only,
            same_site: cookie.same_site,
            expires,
            created: now,
            seq: self.next_seq,
        };
        check_stored(&stored)?;
        if !stored.secure && !target.secure && self.shadows_secure(&stored, now) {
            return Err(Rejection::OverwriteSecure);
        }
        let old = self.cookies.iter().position(|e| e.cookie.same_key(&stored));
        if let Some(old) = old {
            // The replacement keeps its place in the sending order (§5.7 step 22.3).
            let old = self.cookies.swap_remove(old).cookie;
            stored.created = old.created;
            stored.seq = old.seq;
        }
        if stored.is_expired(now) {
            // Max-Age <= 0 or a past date: the cookie is deleted rather than stored.
            if old.is_some() {
                self.record(Change::CookieRemoved(stored.key()));
            }
            return Ok(());
        }
        if old.is_none() {
            self.next_seq += 1;
        }
        self.record(Change::Cookie(stored.clone()));
        let entry = Entry::new(stored);
        let group = entry.group.clone();
        self.cookies.push(entry);
        self.remove_where(|c| c.is_expired(now));
        self.enforce_domain_limit(&group, now);
        self.enforce_global_limit(now);
        Ok(())
    }

    /// 6265bis §5.7 step 16: whether a non-secure cookie would overwrite or shadow a Secure one.
    fn shadows_secure(&self, new: &StoredCookie, now: UnixTime) -> bool {
        self.cookies().any(|old| {
            old.secure
                && !old.is_expired(now)
                && old.name == new.name
                && (domain_match(&old.domain, &new.domain)
                    || domain_match(&new.domain, &old.domain))
                && path_match(&new.path, &old.path)
        })
    }

    fn remove_where(&mut self, remove: impl Fn(&StoredCookie) -> bool) {
        let mut index = 0;
        while index < self.cookies.len() {
            if remove(&self.cookies[index].cookie) {
                let gone = self.cookies.swap_remove(index);
                self.record(Change::CookieRemoved(gone.cookie.key()));
            } else {
                index += 1;
            }
        }
    }

    fn enforce_domain_limit(&mut self, group: &str, now: UnixTime) {
        let size = self.cookies.iter().filter(|e| e.group == group).count();
        if size > MAX_COOKIES_PER_DOMAIN {
            self.evict(|e| e.group == group, PURGED_COOKIES_PER_DOMAIN, now);
        }
    }

    fn enforce_global_limit(&mut self, now: UnixTime) {
        if self.cookies.len() > MAX_COOKIES {
            self.evict(|_| true, PURGED_COOKIES, now);
        }
    }

    /// Removes cookies selected by `select` until at most `keep` remain: expired ones first,
    /// then non-secure before Secure ones (Chromium's order, so an http flood cannot push out a
    /// site's Secure login cookie first), oldest first.
    fn evict(&mut self, select: impl Fn(&Entry) -> bool, keep: usize, now: UnixTime) {
        let mut candidates: Vec<usize> = (0..self.cookies.len())
            .filter(|&i| select(&self.cookies[i]))
            .collect();
        if candidates.len() <= keep {
            return;
        }
        candidates.sort_by_key(|&i| {
            let c = &self.cookies[i].cookie;
            (!c.is_expired(now), c.secure, c.created, c.seq)
        });
        let mut doomed = candidates[..candidates.len() - keep].to_vec();
        // Highest index first, so swap_remove never moves a cookie still to be removed.
        doomed.sort_unstable_by(|a, b| b.cmp(a));
        for index in doomed {
            let gone = self.cookies.swap_remove(index);
            self.record(Change::CookieRemoved(gone.cookie.key()));
        }
    }
}

/// 6265bis §5.7 steps 3-4: Max-Age beats Expires; at most 400 days; Max-Age <= 0 means "long
/// ago" (deletion).
fn expiry_time(expiry: Expiry, now: UnixTime) -> Option<UnixTime> {
    let limit = now.saturating_add(MAX_AGE_SECONDS);
    match (expiry.max_age, expiry.expires) {
        (Some(age), _) if age <= 0 => Some(UnixTime::MIN),
        (Some(age), _) => Some(now.saturating_add(age).min(limit)),
        (None, Some(date)) => Some(date.min(limit)),
        (None, None) => None,
    }
}

/// 6265bis §5.7 steps 5-7: the cookie's domain and host-only flag, from the Domain attribute
/// (lowercase, without leading dot) and the request host.
fn cookie_domain(attribute: Option<&str>, host: &str) -> Result<(String, bool), Rejection> {
    let Some(domain) = attribute.filter(|d| !d.is_empty()) else {
        return Ok((host.to_owned(), true));
    };
    if !domain.is_ascii() {
        return Err(Rejection::InvalidDomain);
    }
    if domain == host {
        // An IP address or a public suffix may only name itself, and then only host-only.
        let host_only = is_ip(host) || is_public_suffix(domain);
        return Ok((host.to_owned(), host_only));
    }
    if is_ip(host) || is_public_suffix(domain) || !domain_match(host, domain) {
        return Err(Rejection::InvalidDomain);
    }
    Ok((domain.to_owned(), false))
}

/// Case-insensitive cookie-name prefix test (6265bis §4.1.3: `__host-` counts too).
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// What every cookie in a jar satisfies, whatever its source: the invariants the storage model
/// establishes that do not depend on the request (which host asked, over which scheme). Run on
/// every new cookie and on every cookie read back from a store.
pub fn check_stored(cookie: &StoredCookie) -> Result<(), Rejection> {
    let text = [
        &cookie.name,
        &cookie.value,
        &cookie.path,
        &cookie.domain,
        &cookie.source_host,
    ];
    if text.iter().any(|s| s.bytes().any(is_forbidden_control)) {
        return Err(Rejection::ControlCharacter);
    }
    // Exactly what `name=value` in a Set-Cookie line would parse back to.
    let trimmed = |s: &str| s.trim_matches([' ', '\t']).len() == s.len();
    if cookie.name.is_empty()
        || cookie.name.contains(['=', ';'])
        || cookie.value.contains(';')
        || !trimmed(&cookie.name)
        || !trimmed(&cookie.value)
    {
        return Err(Rejection::Malformed);
    }
    if cookie.name.len() + cookie.value.len() > MAX_NAME_VALUE_BYTES {
        return Err(Rejection::NameValueTooLarge);
    }
    if !cookie.path.starts_with('/')
        || cookie.path.contains(';')
        || cookie.path.len() > MAX_ATTRIBUTE_BYTES
    {
        return Err(Rejection::Malformed);
    }
    // The source host must be a host the URL parser could have produced.
    let canonical = Url::parse(&format!("http://{}/", cookie.source_host))
        .ok()
        .and_then(|url| request_host(&url));
    if canonical.as_deref() != Some(cookie.source_host.as_str()) {
        return Err(Rejection::InvalidDomain);
    }
    let domain_ok = if cookie.host_only {
        cookie.domain == cookie.source_host
    } else {
        cookie.domain.is_ascii()
            && !is_ip(&cookie.domain)
            && !is_public_suffix(&cookie.domain)
            && domain_match(&cookie.source_host, &cookie.domain)
    };
    if !domain_ok {
        return Err(Rejection::InvalidDomain);
    }
    if cookie.same_site == SameSite::NoRestriction && !cookie.secure {
        return Err(Rejection::SameSiteNoneInsecure);
    }
    let secure_prefix = has_prefix(&cookie.name, "__Secure-") && !cookie.secure;
    let host_prefix = has_prefix(&cookie.name, "__Host-")
        && !(cookie.secure && cookie.host_only && cookie.path == "/");
    if secure_prefix || host_prefix {
        return Err(Rejection::InvalidPrefix);
    }
    Ok(())
}
