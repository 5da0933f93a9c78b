//! Property tests (issue 13 item 1) for the Set-Cookie parser and the jar: whatever servers
//! send, the jar never panics, never holds a cookie for a domain the setting host could not
//! set, keeps its limits, sends only cookies that belong to the URL, and restoring its own
//! snapshot changes nothing. Bounded under `cargo test`; `PROPTEST_CASES=100000 cargo test -p
//! electron-net-session --test properties` is the long run. Failing cases are saved under
//! `session/tests/proptest-regressions/` and replayed first; commit those files.

use std::sync::Arc;

use electron_net_session::{
    CookieContext, CookieFilter, CookieJar, FixedClock, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN,
    StoredCookie, site_domain,
};
use proptest::prelude::*;

const NOW: i64 = FixedClock::HTTP_STATE_EPOCH;

/// Hosts that share and do not share sites, public suffixes included.
const HOSTS: [&str; 7] = [
    "a.example.com",
    "b.example.com",
    "example.com",
    "other.org",
    "user.github.io",
    "co.uk",
    "127.0.0.1",
];

fn jar() -> CookieJar {
    CookieJar::new(Arc::new(FixedClock::new(NOW)))
}

/// `Set-Cookie` lines built from plausible and hostile parts.
fn line() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        "[a-z]{1,4}",
        "__Host-[a-z]{1,2}",
        "__Secure-[a-z]{1,2}",
        "[ -~]{0,6}"
    ];
    let value = "[ -~]{0,8}";
    let attribute = prop_oneof![
        Just("Secure".to_owned()),
        Just("HttpOnly".to_owned()),
        "Path=(/[a-z]{0,3}){0,3}",
        "Max-Age=-?[0-9]{1,6}",
        Just("Expires=Wed, 21 Oct 2037 07:28:00 GMT".to_owned()),
        Just("Expires=Thu, 01 Jan 1970 00:00:01 GMT".to_owned()),
        prop::sample::select(vec![
            "SameSite=None",
            "SameSite=Lax",
            "SameSite=Strict",
            "SameSite=x"
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec![
            "example.com",
            ".example.com",
            "a.example.com",
            "com",
            "github.io",
            "user.github.io",
            "other.org",
            "co.uk",
            "127.0.0.1",
            "EXAMPLE.COM",
            "",
        ])
        .prop_map(|domain| format!("Domain={domain}")),
        "[ -~]{0,10}",
    ];
    (name, value, prop::collection::vec(attribute, 0..5)).prop_map(|(name, value, attributes)| {
        let mut line = format!("{name}={value}");
        for attribute in attributes {
            line.push_str("; ");
            line.push_str(&attribute);
        }
        line
    })
}

fn url() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::sample::select(HOSTS.to_vec()),
        "(/[a-z]{0,3}){0,3}",
    )
        .prop_map(|(https, host, path)| {
            format!("{}://{host}{path}", if https { "https" } else { "http" })
        })
}

fn host_of(url: &str) -> String {
    url::Url::parse(url).unwrap().host_str().unwrap().to_owned()
}

/// Whether `host` may hold a cookie for `cookie.domain`: itself, or a parent that is a real
/// site (not a public suffix), the rule of RFC 6265bis §5.7 steps 5-7.
fn may_set(host: &str, cookie: &StoredCookie) -> bool {
    if cookie.host_only {
        return cookie.domain == host;
    }
    let under = host == cookie.domain || host.ends_with(&format!(".{}", cookie.domain));
    under && site_domain(&cookie.domain).is_some()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes in a `Set-Cookie` line: stored or refused, never a panic.
    #[test]
    fn any_set_cookie_line_is_stored_or_refused(url in url(), line in "\\PC{0,80}") {
        let mut jar = jar();
        let _ = jar.store_set_cookie(&CookieContext::get(&url), &line);
    }

    /// After any sequence of responses, every stored cookie is one its setter was allowed to
    /// set, the limits hold, and a request gets only cookies that match it.
    #[test]
    fn the_jar_keeps_its_invariants(
        responses in prop::collection::vec((url(), prop::collection::vec(line(), 1..4)), 1..12),
        probe in url(),
    ) {
        let mut jar = jar();
        for (url, lines) in &responses {
            jar.store_cookies(&CookieContext::get(url), lines);
        }
        prop_assert!(jar.len() <= MAX_COOKIES);
        for cookie in jar.cookies() {
            prop_assert!(!cookie.name.is_empty());
            prop_assert!(cookie.path.starts_with('/'));
            prop_assert!(
                may_set(&cookie.source_host, cookie),
                "{} could not set {:?}", cookie.source_host, cookie
            );
            prop_assert!(
                responses.iter().any(|(url, _)| host_of(url) == cookie.source_host),
                "{cookie:?} came from nowhere"
            );
            if cookie.name.starts_with("__Host-") {
                prop_assert!(cookie.secure && cookie.host_only && cookie.path == "/");
            }
            if cookie.name.starts_with("__Secure-") {
                prop_assert!(cookie.secure);
            }
        }
        let per_domain = jar.cookies().filter(|c| c.domain.ends_with("example.com")).count();
        prop_assert!(per_domain <= MAX_COOKIES_PER_DOMAIN);

        let sent = jar.cookie_header(&CookieContext::get(&probe)).unwrap_or_default();
        let matching = jar.get(&CookieFilter { url: Some(probe.clone()), ..CookieFilter::default() });
        let expected: Vec<String> = matching.iter().map(|c| format!("{}={}", c.name, c.value)).collect();
        prop_assert_eq!(sent, expected.join("; "));
        let probe_host = host_of(&probe);
        for cookie in &matching {
            if cookie.host_only {
                prop_assert_eq!(&cookie.domain, &probe_host);
            } else {
                let domain = cookie.domain.trim_start_matches('.');
                let under = probe_host == domain || probe_host.ends_with(&format!(".{}", domain));
                prop_assert!(under, "{:?} sent to {}", cookie, probe_host);
            }
            if cookie.secure {
                prop_assert!(probe.starts_with("https:") || probe_host == "127.0.0.1");
            }
        }
    }

    /// Restoring a jar's own cookies into a fresh jar gives the same jar, and doing it twice
    /// changes nothing more.
    #[test]
    fn restoring_a_snapshot_is_idempotent(
        responses in prop::collection::vec((url(), prop::collection::vec(line(), 1..4)), 1..8),
    ) {
        let mut original = jar();
        for (url, lines) in &responses {
            original.store_cookies(&CookieContext::get(url), lines);
        }
        let snapshot: Vec<StoredCookie> = original.cookies().cloned().collect();
        let mut restored = jar();
        prop_assert!(restored.restore(snapshot.clone()).is_empty());
        let mut again = jar();
        again.restore(snapshot.clone());
        again.restore(restored.cookies().cloned().collect());
        let sorted = |jar: &CookieJar| {
            let mut cookies: Vec<StoredCookie> = jar.cookies().cloned().collect();
            cookies.sort_by_key(|c| (c.domain.clone(), c.path.clone(), c.name.clone()));
            cookies
        };
        let mut expected = snapshot;
        expected.sort_by_key(|c| (c.domain.clone(), c.path.clone(), c.name.clone()));
        prop_assert_eq!(sorted(&restored), expected.clone());
        prop_assert_eq!(sorted(&again), expected);
    }
}
