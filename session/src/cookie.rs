//! The cookie types: [`StoredCookie`], the jar's record of a cookie (also what a store
//! persists), and the shapes of Electron's `session.cookies` API ([`Cookie`], [`CookieFilter`],
//! [`CookieDetails`]) that the `cookie-admin` interface carries.

use crate::clock::UnixTime;

/// SameSite as Electron names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// No (or an unrecognised) SameSite attribute; enforced as Lax.
    #[default]
    Unspecified,
    /// `SameSite=None`: sent cross-site; only accepted together with Secure.
    NoRestriction,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=Strict`.
    Strict,
}

impl SameSite {
    /// The value of a `SameSite` attribute; anything unrecognised is `Unspecified` (6265bis
    /// §5.6.7 "Default").
    pub fn from_attribute(value: &str) -> SameSite {
        if value.eq_ignore_ascii_case("none") {
            SameSite::NoRestriction
        } else if value.eq_ignore_ascii_case("lax") {
            SameSite::Lax
        } else if value.eq_ignore_ascii_case("strict") {
            SameSite::Strict
        } else {
            SameSite::Unspecified
        }
    }

    /// Electron's name: `unspecified`, `no_restriction`, `lax` or `strict`.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Unspecified => "unspecified",
            SameSite::NoRestriction => "no_restriction",
            SameSite::Lax => "lax",
            SameSite::Strict => "strict",
        }
    }

    /// The inverse of [`SameSite::as_str`].
    pub fn from_name(name: &str) -> Option<SameSite> {
        [
            SameSite::Unspecified,
            SameSite::NoRestriction,
            SameSite::Lax,
            SameSite::Strict,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// A cookie as the jar keeps it: the fields of RFC 6265bis §5.7 plus where it came from.
/// A persistence layer stores these and hands them back to [`crate::CookieJar::restore`],
/// which re-checks every one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCookie {
    /// Cookie name (never empty).
    pub name: String,
    /// Cookie value.
    pub value: String,
    /// The canonical host for host-only cookies, else the Domain attribute without its dot.
    pub domain: String,
    /// Sent only to exactly `domain`.
    pub host_only: bool,
    /// Cookie path (starts with `/`).
    pub path: String,
    /// The host of the URL that set the cookie; equals `domain` for host-only cookies and is a
    /// subdomain of (or equal to) `domain` otherwise.
    pub source_host: String,
    /// Sent only over https.
    pub secure: bool,
    /// HttpOnly (requests send it; kept for Electron's cookie objects).
    pub http_only: bool,
    /// SameSite policy.
    pub same_site: SameSite,
    /// Expiry; `None` for a session cookie.
    pub expires: Option<UnixTime>,
    /// Creation time (kept when a cookie is replaced, as §5.7 requires).
    pub created: UnixTime,
    /// Creation order within the jar: breaks ties between cookies created in the same second.
    pub seq: u64,
}

impl StoredCookie {
    /// The identity of the cookie: a new cookie with the same key replaces it.
    pub fn key(&self) -> CookieKey {
        CookieKey {
            name: self.name.clone(),
            domain: self.domain.clone(),
            host_only: self.host_only,
            path: self.path.clone(),
        }
    }

    pub(crate) fn same_key(&self, other: &StoredCookie) -> bool {
        self.name == other.name
            && self.domain == other.domain
            && self.host_only == other.host_only
            && self.path == other.path
    }

    pub(crate) fn is_expired(&self, now: UnixTime) -> bool {
        self.expires.is_some_and(|expires| expires <= now)
    }

    /// Electron's cookie object.
    pub fn to_electron(&self) -> Cookie {
        Cookie {
            name: self.name.clone(),
            value: self.value.clone(),
            domain: if self.host_only {
                self.domain.clone()
            } else {
                format!(".{}", self.domain)
            },
            host_only: self.host_only,
            path: self.path.clone(),
            secure: self.secure,
            http_only: self.http_only,
            session: self.expires.is_none(),
            expiration_date: self.expires.map(|t| t as f64),
            same_site: self.same_site,
        }
    }
}

/// What makes two cookies "the same cookie" (RFC 6265bis §5.7 step 22).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CookieKey {
    /// Cookie name.
    pub name: String,
    /// Domain as in [`StoredCookie::domain`].
    pub domain: String,
    /// Host-only flag.
    pub host_only: bool,
    /// Cookie path.
    pub path: String,
}

/// A stored cookie in Electron's shape (`Electron.Cookie`).
#[derive(Clone, Debug, PartialEq)]
pub struct Cookie {
    /// Cookie name.
    pub name: String,
    /// Cookie value.
    pub value: String,
    /// The host for host-only cookies, otherwise the domain with a leading dot.
    pub domain: String,
    /// True when the cookie goes only to the exact host that set it.
    pub host_only: bool,
    /// Cookie path.
    pub path: String,
    /// Sent only over secure connections.
    pub secure: bool,
    /// HttpOnly.
    pub http_only: bool,
    /// True for a session cookie.
    pub session: bool,
    /// Expiry in seconds since the UNIX epoch; `None` for session cookies.
    pub expiration_date: Option<f64>,
    /// SameSite policy.
    pub same_site: SameSite,
}

/// Electron's `cookies.get(filter)`: every field given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieFilter {
    /// Only cookies that would be sent to this URL (SameSite aside).
    pub url: Option<String>,
    /// Only this name.
    pub name: Option<String>,
    /// Only cookies whose domain is this domain or a subdomain of it.
    pub domain: Option<String>,
    /// Only this path.
    pub path: Option<String>,
    /// Only secure (or only non-secure) cookies.
    pub secure: Option<bool>,
    /// Only session (or only persistent) cookies.
    pub session: Option<bool>,
    /// Only HttpOnly (or only script-visible) cookies.
    pub http_only: Option<bool>,
}

/// Electron's `cookies.set(details)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CookieDetails {
    /// The URL the cookie is set for: the default domain and path, and whether Secure is allowed.
    pub url: String,
    /// Cookie name (default empty, which the jar refuses).
    pub name: Option<String>,
    /// Cookie value (default empty).
    pub value: Option<String>,
    /// Domain attribute; absent makes a host-only cookie.
    pub domain: Option<String>,
    /// Path attribute; absent uses the URL's directory.
    pub path: Option<String>,
    /// Secure (default: true only for `SameSite=None`, like Electron).
    pub secure: Option<bool>,
    /// HttpOnly (default false).
    pub http_only: Option<bool>,
    /// Expiry in seconds since the UNIX epoch; absent makes a session cookie.
    pub expiration_date: Option<f64>,
    /// SameSite (default Lax, like Electron).
    pub same_site: Option<SameSite>,
}
