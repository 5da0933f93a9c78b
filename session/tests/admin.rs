//! Electron's `session.cookies` (`cookie-admin`): get with filters, set with validation and
//! Electron's error messages, remove.

use std::sync::Arc;

use electron_net_session::{
    Cookie, CookieDetails, CookieFilter, CookieJar, FixedClock, MAX_AGE_SECONDS, Rejection,
    SameSite,
};

const NOW: i64 = FixedClock::HTTP_STATE_EPOCH;

fn jar() -> CookieJar {
    CookieJar::new(Arc::new(FixedClock::new(NOW)))
}

fn details(url: &str, name: &str, value: &str) -> CookieDetails {
    CookieDetails {
        url: url.to_owned(),
        name: Some(name.to_owned()),
        value: Some(value.to_owned()),
        ..CookieDetails::default()
    }
}

fn names(cookies: &[Cookie]) -> Vec<&str> {
    cookies.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn set_then_get_gives_electrons_cookie_shape() {
    let mut jar = jar();
    jar.set(&details("https://www.a.test/dir/page", "host", "1"))
        .unwrap();
    jar.set(&CookieDetails {
        domain: Some("a.test".into()),
        path: Some("/".into()),
        secure: Some(true),
        http_only: Some(true),
        expiration_date: Some((NOW + 3600) as f64 + 0.5),
        same_site: Some(SameSite::Strict),
        ..details("https://www.a.test/", "domain", "2")
    })
    .unwrap();
    let cookies = jar.get(&CookieFilter::default());
    assert_eq!(
        cookies,
        [
            Cookie {
                name: "host".into(),
                value: "1".into(),
                domain: "www.a.test".into(),
                host_only: true,
                path: "/dir".into(),
                secure: false,
                http_only: false,
                session: true,
                expiration_date: None,
                same_site: SameSite::Lax,
            },
            Cookie {
                name: "domain".into(),
                value: "2".into(),
                domain: ".a.test".into(),
                host_only: false,
                path: "/".into(),
                secure: true,
                http_only: true,
                session: false,
                expiration_date: Some((NOW + 3600) as f64),
                same_site: SameSite::Strict,
            },
        ]
    );
}

#[test]
fn same_site_no_restriction_defaults_to_secure_like_electron() {
    let mut jar = jar();
    let none = |url: &str| CookieDetails {
        same_site: Some(SameSite::NoRestriction),
        ..details(url, "n", "1")
    };
    jar.set(&none("https://a.test/")).unwrap();
    assert!(jar.get(&CookieFilter::default())[0].secure);
    let error = jar.set(&none("http://b.test/")).unwrap_err();
    assert_eq!(error, Rejection::SecureFromInsecure);
    let explicit = CookieDetails {
        secure: Some(false),
        ..none("https://a.test/")
    };
    assert_eq!(jar.set(&explicit), Err(Rejection::SameSiteNoneInsecure));
}

#[test]
fn refusals_carry_electrons_messages() {
    let mut jar = jar();
    let with_domain = |domain: &str| CookieDetails {
        domain: Some(domain.into()),
        ..details("https://www.example.co.uk/", "a", "1")
    };
    assert_eq!(
        jar.set(&with_domain("co.uk")).unwrap_err().to_string(),
        "Failed to set cookie - The cookie was set with an invalid Domain attribute."
    );
    assert_eq!(
        jar.set(&with_domain("other.co.uk")),
        Err(Rejection::InvalidDomain)
    );
    assert_eq!(
        jar.set(&details("file:///etc/passwd", "a", "1"))
            .unwrap_err()
            .to_string(),
        "Failed to set cookie - Attempted to set a cookie from a scheme that does not support cookies."
    );
    assert_eq!(
        jar.set(&details("not a url", "a", "1")),
        Err(Rejection::InvalidUrl)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", "a;b", "1")),
        Err(Rejection::Malformed)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", "a=b", "1")),
        Err(Rejection::Malformed)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", "a", "1;2")),
        Err(Rejection::Malformed)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", " a", "1")),
        Err(Rejection::Malformed)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", "a", "1\n2")),
        Err(Rejection::ControlCharacter)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", "", "1")),
        Err(Rejection::Malformed)
    );
    assert_eq!(
        jar.set(&details("https://a.test/", "a", &"v".repeat(4096))),
        Err(Rejection::NameValueTooLarge)
    );
    let relative = CookieDetails {
        path: Some("relative".into()),
        ..details("https://a.test/", "a", "1")
    };
    assert_eq!(jar.set(&relative), Err(Rejection::Malformed));
    let huge = CookieDetails {
        path: Some(format!("/{}", "p".repeat(1024))),
        ..details("https://a.test/", "a", "1")
    };
    assert_eq!(jar.set(&huge), Err(Rejection::AttributeTooLarge));
    assert_eq!(
        jar.set(&details("https://a.test/", "__Host-a", "1")),
        Err(Rejection::InvalidPrefix)
    );
    assert!(jar.is_empty());
}

#[test]
fn expiry_in_the_past_deletes_and_far_future_is_capped() {
    let mut jar = jar();
    jar.set(&details("https://a.test/", "a", "1")).unwrap();
    let expired = CookieDetails {
        expiration_date: Some((NOW - 1) as f64),
        ..details("https://a.test/", "a", "")
    };
    jar.set(&expired).unwrap();
    assert!(jar.is_empty());
    let forever = CookieDetails {
        expiration_date: Some(f64::INFINITY),
        ..details("https://a.test/", "a", "1")
    };
    jar.set(&forever).unwrap();
    let cookie = &jar.get(&CookieFilter::default())[0];
    assert_eq!(cookie.expiration_date, Some((NOW + MAX_AGE_SECONDS) as f64));
    let nan = CookieDetails {
        expiration_date: Some(f64::NAN),
        ..details("https://a.test/", "b", "1")
    };
    assert_eq!(jar.set(&nan), Err(Rejection::Malformed));
}

#[test]
fn get_filters_combine() {
    let mut jar = jar();
    jar.set(&details("https://a.test/", "root", "1")).unwrap();
    jar.set(&CookieDetails {
        path: Some("/docs".into()),
        secure: Some(true),
        ..details("https://a.test/", "docs", "2")
    })
    .unwrap();
    jar.set(&CookieDetails {
        domain: Some("a.test".into()),
        http_only: Some(true),
        expiration_date: Some((NOW + 10) as f64),
        ..details("https://sub.a.test/", "wide", "3")
    })
    .unwrap();
    jar.set(&details("https://sub.a.test/", "sub", "4"))
        .unwrap();
    jar.set(&details("https://b.test/", "other", "5")).unwrap();
    let get = |filter: CookieFilter| names(&jar.get(&filter)).join(",");
    let url = |u: &str| CookieFilter {
        url: Some(u.into()),
        ..CookieFilter::default()
    };
    assert_eq!(get(url("https://a.test/docs/x")), "docs,root,wide");
    // Secure cookies only for https URLs; subdomain cookies only for their hosts.
    assert_eq!(get(url("http://a.test/docs/x")), "root,wide");
    assert_eq!(get(url("https://sub.a.test/")), "wide,sub");
    let domain = |d: &str| CookieFilter {
        domain: Some(d.into()),
        ..CookieFilter::default()
    };
    assert_eq!(get(domain("a.test")), "docs,root,wide,sub");
    assert_eq!(get(domain(".sub.a.test")), "sub");
    assert_eq!(get(domain("test")), "docs,root,wide,sub,other");
    assert_eq!(
        get(CookieFilter {
            name: Some("sub".into()),
            ..CookieFilter::default()
        }),
        "sub"
    );
    assert_eq!(
        get(CookieFilter {
            path: Some("/docs".into()),
            ..CookieFilter::default()
        }),
        "docs"
    );
    assert_eq!(
        get(CookieFilter {
            secure: Some(true),
            ..CookieFilter::default()
        }),
        "docs"
    );
    assert_eq!(
        get(CookieFilter {
            session: Some(false),
            ..CookieFilter::default()
        }),
        "wide"
    );
    assert_eq!(
        get(CookieFilter {
            http_only: Some(true),
            ..CookieFilter::default()
        }),
        "wide"
    );
    assert_eq!(get(url("not a url")), "");
}

#[test]
fn remove_deletes_the_named_cookies_sent_to_the_url() {
    let mut jar = jar();
    jar.set(&details("https://a.test/", "x", "root")).unwrap();
    jar.set(&CookieDetails {
        path: Some("/deep".into()),
        ..details("https://a.test/", "x", "deep")
    })
    .unwrap();
    jar.set(&details("https://a.test/", "y", "1")).unwrap();
    jar.set(&details("https://b.test/", "x", "b")).unwrap();
    jar.remove("https://a.test/", "x");
    let left: Vec<String> = jar
        .get(&CookieFilter::default())
        .into_iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect();
    assert_eq!(left, ["x=deep", "y=1", "x=b"]);
    jar.remove("https://a.test/deep/page", "x");
    assert_eq!(jar.len(), 2);
}
