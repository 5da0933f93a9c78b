//! security-checklist.md section D, lines 17-20, one test (or a few) per promise. Line 16 is
//! tests/http_state.rs; line 21 is partitions.rs here and the host's persistence tests.

use std::sync::Arc;

use electron_net_session::{
    CookieContext, CookieFilter, CookieJar, FixedClock, MAX_AGE_SECONDS, MAX_COOKIE_HEADER_BYTES,
    MAX_COOKIES, MAX_COOKIES_PER_DOMAIN, PURGED_COOKIES, PURGED_COOKIES_PER_DOMAIN, Rejection,
};

const NOW: i64 = FixedClock::HTTP_STATE_EPOCH;

fn jar() -> (CookieJar, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(NOW));
    (CookieJar::new(clock.clone()), clock)
}

fn set(jar: &mut CookieJar, url: &str, line: &str) -> Result<(), Rejection> {
    jar.store_set_cookie(&CookieContext::get(url), line)
}

fn header(jar: &CookieJar, url: &str) -> Option<String> {
    jar.cookie_header(&CookieContext::get(url))
}

fn context(url: &str, method: &str, initiator: Option<&str>) -> CookieContext {
    CookieContext {
        url: url.to_owned(),
        method: method.to_owned(),
        initiator: initiator.map(str::to_owned),
    }
}

fn only_cookie(jar: &CookieJar) -> electron_net_session::Cookie {
    let cookies = jar.get(&CookieFilter::default());
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    cookies.into_iter().next().unwrap()
}

// D17 ---------------------------------------------------------------------------------------

#[test]
fn d17_name_plus_value_of_4096_bytes_is_kept_and_4097_dropped() {
    let (mut jar, _) = jar();
    let kept = format!("n={}", "v".repeat(4095));
    let dropped = format!("m={}", "v".repeat(4096));
    assert_eq!(set(&mut jar, "http://a.test/", &kept), Ok(()));
    assert_eq!(
        set(&mut jar, "http://a.test/", &dropped),
        Err(Rejection::NameValueTooLarge)
    );
    // The limit counts the name too.
    let long_name = format!("{}=", "n".repeat(4097));
    assert_eq!(
        set(&mut jar, "http://a.test/", &long_name),
        Err(Rejection::NameValueTooLarge)
    );
    assert_eq!(header(&jar, "http://a.test/"), Some(kept));
}

#[test]
fn d17_attribute_values_over_1024_bytes_are_ignored() {
    let (mut jar, _) = jar();
    let path_1024 = format!("/{}", "p".repeat(1023));
    let path_1025 = format!("/{}", "q".repeat(1024));
    set(
        &mut jar,
        "http://a.test/dir/page",
        &format!("a=1; Path={path_1024}"),
    )
    .unwrap();
    set(
        &mut jar,
        "http://a.test/dir/page",
        &format!("b=2; Path={path_1025}"),
    )
    .unwrap();
    let domain = format!("{}.a.test", "x.".repeat(512));
    set(
        &mut jar,
        "http://a.test/dir/page",
        &format!("c=3; Domain={domain}"),
    )
    .unwrap();
    let cookies = jar.get(&CookieFilter::default());
    let path_of = |name: &str| {
        cookies
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .path
            .clone()
    };
    assert_eq!(path_of("a"), path_1024);
    // The over-long Path is ignored: the default path applies.
    assert_eq!(path_of("b"), "/dir");
    // The over-long Domain is ignored: a host-only cookie, not a rejection.
    assert!(cookies.iter().find(|c| c.name == "c").unwrap().host_only);
}

// D18 ---------------------------------------------------------------------------------------

#[test]
fn d18_public_suffix_domains_are_rejected() {
    let (mut jar, _) = jar();
    for domain in ["co.uk", "CO.UK", "co.uk.", ".co.uk"] {
        let line = format!("a=1; Domain={domain}");
        assert_eq!(
            set(&mut jar, "http://www.example.co.uk/", &line),
            Err(Rejection::InvalidDomain),
            "{domain}"
        );
    }
    for domain in ["com", ".com", "COM"] {
        let line = format!("a=1; Domain={domain}");
        assert_eq!(
            set(&mut jar, "http://www.example.com/", &line),
            Err(Rejection::InvalidDomain),
            "{domain}"
        );
    }
    // Private-section suffixes count too: one github.io user cannot set cookies for all.
    assert_eq!(
        set(&mut jar, "https://me.github.io/", "a=1; Domain=github.io"),
        Err(Rejection::InvalidDomain)
    );
    assert!(jar.is_empty());
    // The registrable domain itself is fine.
    set(
        &mut jar,
        "http://www.example.co.uk/",
        "a=1; Domain=example.co.uk",
    )
    .unwrap();
    assert_eq!(
        header(&jar, "http://other.example.co.uk/"),
        Some("a=1".into())
    );
    assert_eq!(header(&jar, "http://example2.co.uk/"), None);
}

#[test]
fn d18_a_public_suffix_host_may_only_set_host_only_cookies_for_itself() {
    let (mut jar, _) = jar();
    set(&mut jar, "http://localhost/", "a=1; Domain=localhost").unwrap();
    assert!(only_cookie(&jar).host_only);
    assert_eq!(header(&jar, "http://sub.localhost/"), None);
}

#[test]
fn d18_a_cookie_for_example_com_is_never_sent_to_bexample_com() {
    let (mut jar, _) = jar();
    set(&mut jar, "http://example.com/", "host=1").unwrap();
    set(
        &mut jar,
        "http://example.com/",
        "domain=2; Domain=example.com",
    )
    .unwrap();
    assert_eq!(
        header(&jar, "http://example.com/"),
        Some("host=1; domain=2".into())
    );
    assert_eq!(
        header(&jar, "http://www.example.com/"),
        Some("domain=2".into())
    );
    assert_eq!(header(&jar, "http://bexample.com/"), None);
    assert_eq!(header(&jar, "http://example.com.evil.test/"), None);
    // And bexample.com cannot set one for example.com.
    assert_eq!(
        set(&mut jar, "http://bexample.com/", "x=1; Domain=example.com"),
        Err(Rejection::InvalidDomain)
    );
}

#[test]
fn d18_ip_hosts_get_host_only_cookies() {
    let (mut jar, _) = jar();
    set(&mut jar, "http://127.0.0.1:8080/", "a=1; Domain=127.0.0.1").unwrap();
    let cookie = only_cookie(&jar);
    assert!(cookie.host_only);
    assert_eq!(cookie.domain, "127.0.0.1");
    for domain in ["0.0.1", ".0.0.1", "1", "0.1"] {
        let line = format!("b=2; Domain={domain}");
        assert_eq!(
            set(&mut jar, "http://127.0.0.1/", &line),
            Err(Rejection::InvalidDomain),
            "{domain}"
        );
    }
    assert_eq!(header(&jar, "http://127.0.0.1/"), Some("a=1".into()));
    assert_eq!(header(&jar, "http://1.127.0.0.1/"), None);
    assert_eq!(header(&jar, "http://127.0.0.2/"), None);
    set(&mut jar, "http://[::1]/", "v6=1; Domain=[::1]").unwrap();
    assert_eq!(
        set(&mut jar, "http://[::1]/", "v6=2; Domain=1]"),
        Err(Rejection::InvalidDomain)
    );
    assert_eq!(header(&jar, "http://[::1]/"), Some("v6=1".into()));
}

// D19 ---------------------------------------------------------------------------------------

#[test]
fn d19_a_secure_cookie_from_http_is_ignored() {
    let (mut jar, _) = jar();
    assert_eq!(
        set(&mut jar, "http://a.test/", "s=1; Secure"),
        Err(Rejection::SecureFromInsecure)
    );
    assert!(jar.is_empty());
    set(&mut jar, "https://a.test/", "s=1; Secure").unwrap();
    assert_eq!(header(&jar, "http://a.test/"), None);
    assert_eq!(header(&jar, "https://a.test/"), Some("s=1".into()));
}

#[test]
fn d19_loopback_http_is_secure_enough_for_secure_cookies() {
    // Chromium counts localhost, 127.0.0.0/8 and [::1] as potentially trustworthy.
    for origin in [
        "http://localhost:8080",
        "http://127.0.0.1:3000",
        "http://[::1]:81",
    ] {
        let (mut jar, _) = jar();
        let url = format!("{origin}/");
        set(&mut jar, &url, "s=1; Secure").unwrap();
        assert_eq!(header(&jar, &url), Some("s=1".into()), "{origin}");
    }
    let (mut jar, _) = jar();
    assert_eq!(
        set(&mut jar, "http://10.0.0.1/", "s=1; Secure"),
        Err(Rejection::SecureFromInsecure)
    );
}

#[test]
fn d19_http_cannot_overwrite_or_shadow_a_secure_cookie() {
    let (mut jar, _) = jar();
    set(&mut jar, "https://a.test/", "id=secure; Secure; Path=/").unwrap();
    assert_eq!(
        set(&mut jar, "http://a.test/", "id=evil; Path=/"),
        Err(Rejection::OverwriteSecure)
    );
    // Nor from a subdomain via Domain, nor on a deeper path, nor by deleting it.
    assert_eq!(
        set(&mut jar, "http://www.a.test/", "id=evil; Domain=a.test"),
        Err(Rejection::OverwriteSecure)
    );
    assert_eq!(
        set(&mut jar, "http://a.test/", "id=evil; Path=/deeper"),
        Err(Rejection::OverwriteSecure)
    );
    assert_eq!(
        set(&mut jar, "http://a.test/", "id=; Max-Age=0"),
        Err(Rejection::OverwriteSecure)
    );
    assert_eq!(
        header(&jar, "https://a.test/deeper"),
        Some("id=secure".into())
    );
    // Another name is fine, and https may replace it.
    set(&mut jar, "http://a.test/", "other=1").unwrap();
    set(&mut jar, "https://a.test/", "id=new; Path=/").unwrap();
    // The replacement keeps the original's creation time, so it still goes first.
    assert_eq!(
        header(&jar, "http://a.test/"),
        Some("id=new; other=1".into())
    );
}

#[test]
fn d19_same_site_none_without_secure_is_dropped() {
    let (mut jar, _) = jar();
    assert_eq!(
        set(&mut jar, "https://a.test/", "a=1; SameSite=None"),
        Err(Rejection::SameSiteNoneInsecure)
    );
    set(&mut jar, "https://a.test/", "b=2; SameSite=None; Secure").unwrap();
    assert_eq!(header(&jar, "https://a.test/"), Some("b=2".into()));
}

#[test]
fn d19_same_site_is_enforced_against_the_initiator() {
    let (mut jar, _) = jar();
    for line in [
        "strict=1; SameSite=Strict",
        "lax=2; SameSite=Lax",
        "unspecified=3",
        "none=4; SameSite=None; Secure",
    ] {
        set(&mut jar, "https://app.test/", line).unwrap();
    }
    let send = |method: &str, initiator: Option<&str>| {
        jar.cookie_header(&context("https://app.test/", method, initiator))
    };
    let all = Some("strict=1; lax=2; unspecified=3; none=4".to_owned());
    assert_eq!(send("POST", None), all);
    // Same site: another subdomain of the same registrable domain, same scheme.
    assert_eq!(send("POST", Some("https://www.app.test")), all);
    assert_eq!(
        send("GET", Some("https://evil.test")),
        Some("lax=2; unspecified=3; none=4".into())
    );
    assert_eq!(
        send("HEAD", Some("https://evil.test")),
        Some("lax=2; unspecified=3; none=4".into())
    );
    assert_eq!(
        send("POST", Some("https://evil.test")),
        Some("none=4".into())
    );
    // Schemeful: http://app.test is another site; an opaque origin is too.
    assert_eq!(send("POST", Some("http://app.test")), Some("none=4".into()));
    assert_eq!(send("POST", Some("null")), Some("none=4".into()));
}

#[test]
fn d19_cross_site_unsafe_responses_cannot_set_same_site_cookies() {
    let (mut jar, _) = jar();
    let post = context("https://app.test/", "POST", Some("https://evil.test"));
    assert_eq!(
        jar.store_set_cookie(&post, "a=1; SameSite=Lax"),
        Err(Rejection::CrossSite)
    );
    assert_eq!(
        jar.store_set_cookie(&post, "a=1"),
        Err(Rejection::CrossSite)
    );
    jar.store_set_cookie(&post, "b=2; SameSite=None; Secure")
        .unwrap();
    let get = context("https://app.test/", "GET", Some("https://evil.test"));
    jar.store_set_cookie(&get, "c=3; SameSite=Strict").unwrap();
    assert_eq!(header(&jar, "https://app.test/"), Some("b=2; c=3".into()));
}

#[test]
fn d19_secure_prefix_requires_secure_from_https() {
    let (mut jar, _) = jar();
    assert_eq!(
        set(&mut jar, "https://a.test/", "__Secure-a=1"),
        Err(Rejection::InvalidPrefix)
    );
    assert_eq!(
        set(&mut jar, "http://a.test/", "__Secure-a=1; Secure"),
        Err(Rejection::SecureFromInsecure)
    );
    assert_eq!(
        set(&mut jar, "https://a.test/", "__secure-a=1"),
        Err(Rejection::InvalidPrefix)
    );
    set(
        &mut jar,
        "https://a.test/",
        "__Secure-a=1; Secure; Domain=a.test; Path=/x",
    )
    .unwrap();
    assert_eq!(jar.len(), 1);
}

#[test]
fn d19_host_prefix_requires_secure_host_only_and_path_slash() {
    let (mut jar, _) = jar();
    for line in [
        "__Host-a=1; Path=/",
        "__Host-a=1; Secure",
        "__Host-a=1; Secure; Path=/x",
        "__Host-a=1; Secure; Path=/; Domain=a.test",
        "__HOST-a=1; Path=/",
    ] {
        assert_eq!(
            set(&mut jar, "https://a.test/", line),
            Err(Rejection::InvalidPrefix),
            "{line}"
        );
    }
    set(&mut jar, "https://a.test/x/y", "__Host-a=1; Secure; Path=/").unwrap();
    let cookie = only_cookie(&jar);
    assert!(cookie.host_only && cookie.secure && cookie.path == "/");
}

#[test]
fn d19_max_age_beats_expires_in_either_order() {
    let (mut jar, _) = jar();
    set(
        &mut jar,
        "http://a.test/",
        "a=1; Max-Age=60; Expires=Thu, 01 Jan 2009 00:00:00 GMT",
    )
    .unwrap();
    set(
        &mut jar,
        "http://a.test/",
        "b=2; Expires=Thu, 01 Jan 2009 00:00:00 GMT; Max-Age=60",
    )
    .unwrap();
    set(
        &mut jar,
        "http://a.test/",
        "c=3; Expires=Sat, 01 Jan 2011 01:00:00 GMT; Max-Age=0",
    )
    .unwrap();
    assert_eq!(header(&jar, "http://a.test/"), Some("a=1; b=2".into()));
    let cookies = jar.get(&CookieFilter::default());
    assert!(
        cookies
            .iter()
            .all(|c| c.expiration_date == Some((NOW + 60) as f64))
    );
}

#[test]
fn d19_max_age_zero_or_negative_deletes() {
    let (mut jar, _) = jar();
    set(&mut jar, "http://a.test/", "a=1").unwrap();
    set(&mut jar, "http://a.test/", "b=2").unwrap();
    set(&mut jar, "http://a.test/", "a=x; Max-Age=0").unwrap();
    set(&mut jar, "http://a.test/", "b=x; Max-Age=-1").unwrap();
    assert!(jar.is_empty());
    // A past Expires deletes as well.
    set(&mut jar, "http://a.test/", "c=1").unwrap();
    set(
        &mut jar,
        "http://a.test/",
        "c=1; Expires=Fri, 31 Dec 2010 23:59:59 GMT",
    )
    .unwrap();
    assert!(jar.is_empty());
}

#[test]
fn d19_lifetimes_are_capped_at_400_days() {
    let (mut jar, clock) = jar();
    set(
        &mut jar,
        "http://a.test/",
        "a=1; Max-Age=999999999999999999999",
    )
    .unwrap();
    set(
        &mut jar,
        "http://a.test/",
        "b=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
    )
    .unwrap();
    let cookies = jar.get(&CookieFilter::default());
    let cap = (NOW + MAX_AGE_SECONDS) as f64;
    assert!(
        cookies.iter().all(|c| c.expiration_date == Some(cap)),
        "{cookies:?}"
    );
    clock.advance(MAX_AGE_SECONDS - 1);
    assert_eq!(header(&jar, "http://a.test/"), Some("a=1; b=1".into()));
    clock.advance(1);
    assert_eq!(header(&jar, "http://a.test/"), None);
}

#[test]
fn d19_longer_paths_go_first_then_older_cookies() {
    let (mut jar, clock) = jar();
    set(&mut jar, "http://a.test/", "root=1; Path=/").unwrap();
    set(&mut jar, "http://a.test/", "deep=2; Path=/a/b").unwrap();
    clock.advance(10);
    set(&mut jar, "http://a.test/", "mid=3; Path=/a").unwrap();
    set(&mut jar, "http://a.test/", "root2=4; Path=/").unwrap();
    // Same second: creation order still decides.
    set(&mut jar, "http://a.test/", "root3=5; Path=/").unwrap();
    // Replacing keeps the original creation time, so `root` stays first.
    set(&mut jar, "http://a.test/", "root=6; Path=/").unwrap();
    assert_eq!(
        header(&jar, "http://a.test/a/b/c"),
        Some("deep=2; mid=3; root=6; root2=4; root3=5".into())
    );
}

// D20 ---------------------------------------------------------------------------------------

#[test]
fn d20_control_bytes_make_the_whole_line_ignored() {
    let (mut jar, _) = jar();
    for line in [
        "a=b\x00c",
        "a=b\rc",
        "a=b\nc",
        "a=\x01",
        "a=b; Path=/\x7f",
        "a\x1f=b",
        "a=b; x=\x08",
    ] {
        assert_eq!(
            set(&mut jar, "http://a.test/", line),
            Err(Rejection::ControlCharacter),
            "{line:?}"
        );
    }
    assert!(jar.is_empty());
    // Horizontal tab is whitespace, not a forbidden control.
    set(&mut jar, "http://a.test/", "a=b\tc").unwrap();
    assert_eq!(header(&jar, "http://a.test/"), Some("a=b\tc".into()));
}

#[test]
fn d20_a_flood_of_cookies_keeps_the_cookie_header_bounded() {
    let (mut jar, _) = jar();
    let value = "v".repeat(100);
    for i in 0..1000 {
        set(&mut jar, "http://a.test/", &format!("c{i}={value}")).unwrap();
    }
    assert!((PURGED_COOKIES_PER_DOMAIN..=MAX_COOKIES_PER_DOMAIN).contains(&jar.len()));
    let sent = header(&jar, "http://a.test/").unwrap();
    assert!(sent.len() <= MAX_COOKIE_HEADER_BYTES, "{}", sent.len());
    // The oldest were evicted.
    assert!(!sent.contains("c0=") && !sent.contains("c800="));

    // Big cookies: 180 x 4 KiB would be 720 KiB; the header still stops at 16 KiB.
    let (mut jar, _) = self::jar();
    let big = "v".repeat(4000);
    for i in 0..1000 {
        set(&mut jar, "http://a.test/", &format!("c{i}={big}")).unwrap();
    }
    let sent = header(&jar, "http://a.test/").unwrap();
    assert!(sent.len() <= MAX_COOKIE_HEADER_BYTES && sent.len() > MAX_COOKIE_HEADER_BYTES - 4100);
}

#[test]
fn d20_the_per_domain_limit_spans_subdomains_and_spares_secure_cookies() {
    let (mut jar, _) = jar();
    set(
        &mut jar,
        "https://login.a.test/",
        "session=1; Secure; Domain=a.test",
    )
    .unwrap();
    for i in 0..1000 {
        set(
            &mut jar,
            &format!("http://s{i}.a.test/"),
            &format!("c{i}=1; Domain=a.test"),
        )
        .unwrap();
    }
    assert!(jar.len() <= MAX_COOKIES_PER_DOMAIN);
    assert!(
        header(&jar, "https://login.a.test/")
            .unwrap()
            .starts_with("session=1")
    );
}

#[test]
fn d20_the_jar_as_a_whole_is_bounded() {
    let (mut jar, _) = jar();
    for d in 0..40 {
        for i in 0..100 {
            set(&mut jar, &format!("http://d{d}.test/"), &format!("c{i}=1")).unwrap();
        }
    }
    assert!((PURGED_COOKIES..=MAX_COOKIES).contains(&jar.len()));
    // The newest domain is whole; the oldest lost its cookies first.
    assert_eq!(
        jar.get(&CookieFilter {
            domain: Some("d39.test".into()),
            ..CookieFilter::default()
        })
        .len(),
        100
    );
    assert!(
        jar.get(&CookieFilter {
            domain: Some("d0.test".into()),
            ..CookieFilter::default()
        })
        .is_empty()
    );
}
