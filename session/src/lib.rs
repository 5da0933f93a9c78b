//! Session partitions for `electron:net`: the cookie jar and authentication cache behind the
//! `session` and `cookie-admin` interfaces of `wit/session.wit`, written once and used both by
//! the native host (which adds SQLite persistence) and by the `session-provider` component the
//! JavaScript package runs. Target-independent: no I/O, no C code, time from a [`Clock`].
//!
//! # Parts
//! - [`Partitions`] / [`Partition`]: named partitions, each with a [`CookieJar`], an
//!   [`AuthCache`] and a user agent; [`Persistence`] + [`Change`] + [`Snapshot`] are what a
//!   host implements and consumes to keep some partitions on disk.
//! - [`CookieJar`]: RFC 6265bis storage and retrieval, Electron's `cookies.get/set/remove`,
//!   and [`CookieJar::restore`], which re-checks persisted cookies ([`check_stored`]).
//! - [`AuthCache`]: credentials per protection space, preemptive Basic per directory.
//!
//! # What comes from where
//! - `url`: URL parsing and host canonicalisation (lowercase, IDNA to punycode, IP literals).
//! - `psl`: Mozilla's public suffix list, compiled in, for rejecting `Domain=co.uk` and for
//!   registrable domains (per-domain limits, SameSite sites).
//! - Written here, following RFC 6265bis step by step: the `Set-Cookie` parser (§5.6), the
//!   cookie-date parser (§5.1.1), domain- and path-matching, the storage model (§5.7: host-only,
//!   public suffixes, Secure, SameSite, prefixes, Max-Age/Expires, 400-day cap), retrieval order
//!   (§5.8.3), limits and eviction, SameSite enforcement, and the Electron cookie shapes.
//!
//! The `cookie_store` and `cookie` crates were the obvious candidates and were not used:
//! `cookie_store` reads `OffsetDateTime::now_utc()` inside its expiry checks (no injectable
//! clock, so the 2011-era test vectors cannot run), and has no SameSite enforcement, cookie
//! prefixes, Secure-overwrite protection, size caps or RFC sending order; the `cookie` crate's
//! parser is a strict one (three date layouts, no 4096/1024 limits, different trimming) rather
//! than the RFC's lenient algorithm that the http-state vectors test.
//!
//! # Deliberate choices
//! - A `Set-Cookie` line without `=` or with an empty name is ignored (RFC 6265, the vectors,
//!   curl, Go), not stored as a nameless cookie as 6265bis would.
//! - Only `https` is a secure scheme (no `http://localhost` exception).
//! - SameSite without frames: a request whose `initiator` is another site (scheme + registrable
//!   domain) gets no Strict cookies, Lax and unspecified ones only for GET/HEAD, None always;
//!   a cross-site non-GET/HEAD response cannot set Lax/Strict/unspecified cookies. No initiator
//!   means same-site.
//! - Request paths are compared after decoding percent-encoded unreserved characters (RFC 3986
//!   §6.2.2.2); `Path` attributes as written.
//! - Limits: 180 cookies per registrable domain, 3300 per partition (Chromium's; going over
//!   trims to 150 and 3000), evicting expired, then non-secure, then oldest first; the
//!   `Cookie` header stops at 16 KiB.

mod auth;
mod clock;
mod cookie;
mod date;
mod domain;
mod jar;
mod journal;
mod parse;
mod partition;
mod rejection;
mod space;

pub use auth::{AuthCache, origin_of};
pub use clock::{Clock, FixedClock, SystemClock, UnixTime};
pub use cookie::{Cookie, CookieDetails, CookieFilter, CookieKey, SameSite, StoredCookie};
pub use date::parse_cookie_date;
pub use domain::{is_potentially_trustworthy, site_domain};
pub use jar::{
    CookieContext, CookieJar, MAX_AGE_SECONDS, MAX_COOKIE_HEADER_BYTES, MAX_COOKIES,
    MAX_COOKIES_PER_DOMAIN, PURGED_COOKIES, PURGED_COOKIES_PER_DOMAIN, check_stored,
};
pub use journal::Change;
pub use parse::{MAX_ATTRIBUTE_BYTES, MAX_NAME_VALUE_BYTES};
pub use partition::{Partition, Partitions, Persistence, Refused, Snapshot};
pub use rejection::Rejection;
pub use space::{AuthEntry, Credentials, ProtectionSpace};
