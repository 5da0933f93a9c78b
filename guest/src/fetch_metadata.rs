//! Fetch metadata (`Sec-Fetch-*`) and the Referer computation (behaviour §2-§3, checklist A7).

use url::{Host, Origin, Url};

use electron_net_session::is_potentially_trustworthy;

use crate::error::Error;
use crate::headers::HeaderList;
use crate::options::ReferrerPolicy;

/// How a request's URL relates to its initiator; see [`SiteRelation`].
pub type Site = SiteRelation;

/// How a request's URL relates to its initiator. Ordered so that the worse relation is greater:
/// the worst over a redirect chain is the `max`. Used through the alias [`Site`]; the enum itself
/// has a longer name only so that its variants do not end with it (`clippy::enum_variant_names`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SiteRelation {
    SameOrigin,
    SameSite,
    CrossSite,
}

impl SiteRelation {
    fn header_value(self) -> &'static str {
        match self {
            Site::SameOrigin => "same-origin",
            Site::SameSite => "same-site",
            Site::CrossSite => "cross-site",
        }
    }
}

const SEC_FETCH_SITE: &str = "Sec-Fetch-Site";
const SEC_FETCH_MODE: &str = "Sec-Fetch-Mode";
const SEC_FETCH_DEST: &str = "Sec-Fetch-Dest";
const SEC_FETCH_USER: &str = "Sec-Fetch-User";

/// Destinations that only a navigation may request.
const NAVIGATION_DESTINATIONS: &[&str] = &["document", "frame", "iframe", "fencedframe"];

/// Relation of a URL to an initiator origin: same origin; same site = same scheme and same
/// registrable domain (`registrable` answers it from the public suffix list, private section
/// included; for IPs and hosts without a registrable domain the hosts are compared exactly);
/// else cross-site. An opaque origin is cross-site to everything.
///
/// The list itself lives on the session side (`session.registrable-domain`), so it is compiled
/// once per composition; `registrable` is only asked when two different domains meet.
pub fn site(initiator: &Origin, url: &Url, registrable: impl Fn(&str) -> Option<String>) -> Site {
    let Origin::Tuple(scheme, initiator_host, _) = initiator else {
        return Site::CrossSite;
    };
    if *initiator == url.origin() {
        return Site::SameOrigin;
    }
    let Some(host) = url.host() else {
        return Site::CrossSite;
    };
    if scheme != url.scheme() {
        return Site::CrossSite;
    }
    let same_site = match (initiator_host, host) {
        (Host::Domain(a), Host::Domain(b)) if a.eq_ignore_ascii_case(b) => true,
        (Host::Domain(a), Host::Domain(b)) => match (registrable(a), registrable(b)) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b),
            _ => false,
        },
        (a, b) => *a == b.to_owned(),
    };
    if same_site {
        Site::SameSite
    } else {
        Site::CrossSite
    }
}

/// Applies `Sec-Fetch-*` to `headers` for a request to `url`.
///
/// First, whatever the URL: a user-set `Sec-Fetch-Dest` of document, frame, iframe or
/// fencedframe requires `Sec-Fetch-Mode: navigate`, else `Error::FetchDestRequiresNavigate`.
/// Then, on a URL that is not potentially trustworthy, all four `Sec-Fetch-*` headers are
/// removed. On a trustworthy one: `Sec-Fetch-Site` is `none` when `chain_site` is None (no
/// initiator), else the value of `chain_site` (the worst over the redirect chain, computed by the
/// caller with [`site`]), always overwriting a user value; `Sec-Fetch-Mode` keeps a user value,
/// default `no-cors`; `Sec-Fetch-Dest` keeps a user value, default `empty`; `Sec-Fetch-User` is
/// kept only when the user set it (never added).
///
/// Call it on a fresh copy of the request's headers for every hop, so that a user's
/// `Sec-Fetch-Mode`/`-Dest`/`-User` survive a hop through a non-trustworthy URL.
pub fn apply(headers: &mut HeaderList, url: &Url, chain_site: Option<Site>) -> Result<(), Error> {
    let is = |name: &str, expected: &str| {
        headers
            .get(name)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case(expected))
    };
    let navigational_dest = NAVIGATION_DESTINATIONS
        .iter()
        .any(|dest| is(SEC_FETCH_DEST, dest));
    if navigational_dest && !is(SEC_FETCH_MODE, "navigate") {
        return Err(Error::FetchDestRequiresNavigate);
    }

    if !is_potentially_trustworthy(url) {
        for name in [
            SEC_FETCH_SITE,
            SEC_FETCH_MODE,
            SEC_FETCH_DEST,
            SEC_FETCH_USER,
        ] {
            headers.remove(name);
        }
        return Ok(());
    }

    let site = chain_site.map_or("none", Site::header_value);
    headers.set_trusted(SEC_FETCH_SITE, site);
    if !headers.contains(SEC_FETCH_MODE) {
        headers.set_trusted(SEC_FETCH_MODE, "no-cors");
    }
    if !headers.contains(SEC_FETCH_DEST) {
        headers.set_trusted(SEC_FETCH_DEST, "empty");
    }
    Ok(())
}

/// Longest referrer sent in full; a longer one is reduced to its origin (Referrer Policy spec,
/// "determine request's referrer" step 7, as Chromium does).
const MAX_REFERRER_LENGTH: usize = 4096;

/// The Referer to send, computed from the user-set Referer header value (`referrer`, None → no
/// Referer), the policy and the target URL, per the Referrer Policy spec:
/// - userinfo and fragment are always stripped (checklist A7);
/// - an unparsable referrer, or one whose scheme is not http/https, gives None;
/// - the "origin" forms are the serialized origin with a trailing `/`; a full referrer longer
///   than 4096 bytes is reduced to that;
/// - a downgrade is an https referrer with a non-https target (Chromium's rule): then
///   no-referrer-when-downgrade, strict-origin and strict-origin-when-cross-origin send nothing;
/// - same-origin sends the full URL only to the same origin, nothing otherwise.
pub fn referrer(policy: ReferrerPolicy, referrer: Option<&str>, target: &Url) -> Option<String> {
    let mut url = Url::parse(referrer?).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    // Cannot fail on an http(s) URL, which always has a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);

    let origin = format!("{}/", url.origin().ascii_serialization());
    let full = if url.as_str().len() > MAX_REFERRER_LENGTH {
        origin.clone()
    } else {
        url.to_string()
    };
    let same_origin = url.origin() == target.origin();
    let downgrade = url.scheme() == "https" && target.scheme() != "https";

    use ReferrerPolicy::*;
    match policy {
        NoReferrer => None,
        UnsafeUrl => Some(full),
        Origin => Some(origin),
        NoReferrerWhenDowngrade => (!downgrade).then_some(full),
        StrictOrigin => (!downgrade).then_some(origin),
        SameOrigin => same_origin.then_some(full),
        OriginWhenCrossOrigin => Some(if same_origin { full } else { origin }),
        StrictOriginWhenCrossOrigin => {
            if same_origin {
                Some(full)
            } else {
                (!downgrade).then_some(origin)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the session side answers for `registrable-domain`, from the same list.
    fn by_list(host: &str) -> Option<String> {
        psl::domain_str(host).map(str::to_owned)
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn origin(s: &str) -> Origin {
        url(s).origin()
    }

    #[test]
    fn site_relations() {
        let initiator = origin("https://a.example.com");
        assert_eq!(
            site(&initiator, &url("https://a.example.com/x"), by_list),
            Site::SameOrigin
        );
        assert_eq!(
            site(&initiator, &url("https://a.example.com:443/x"), by_list),
            Site::SameOrigin
        );
        assert_eq!(
            site(&initiator, &url("https://b.example.com/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("https://example.com/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("https://a.example.com:8443/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("https://example.org/"), by_list),
            Site::CrossSite
        );
        // Schemeful: same registrable domain over another scheme is cross-site.
        assert_eq!(
            site(&initiator, &url("http://a.example.com/"), by_list),
            Site::CrossSite
        );
        assert_eq!(
            site(&initiator, &url("http://b.example.com/"), by_list),
            Site::CrossSite
        );
    }

    #[test]
    fn public_suffixes_separate_sites() {
        let initiator = origin("https://a.co.uk");
        assert_eq!(
            site(&initiator, &url("https://b.co.uk/"), by_list),
            Site::CrossSite
        );
        assert_eq!(
            site(&initiator, &url("https://x.a.co.uk/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("https://co.uk/"), by_list),
            Site::CrossSite
        );
        // Private registries count too.
        let initiator = origin("https://alice.github.io");
        assert_eq!(
            site(&initiator, &url("https://bob.github.io/"), by_list),
            Site::CrossSite
        );
        // A bare public suffix is compared exactly.
        assert_eq!(
            site(&origin("https://com"), &url("https://com:444/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&origin("https://com"), &url("https://org/"), by_list),
            Site::CrossSite
        );
    }

    #[test]
    fn ip_hosts_are_compared_exactly() {
        let initiator = origin("http://127.0.0.1:3000");
        assert_eq!(
            site(&initiator, &url("http://127.0.0.1:3000/"), by_list),
            Site::SameOrigin
        );
        assert_eq!(
            site(&initiator, &url("http://127.0.0.1:4000/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("http://127.0.0.2:3000/"), by_list),
            Site::CrossSite
        );
        assert_eq!(
            site(&initiator, &url("http://localhost:3000/"), by_list),
            Site::CrossSite
        );
        let initiator = origin("http://[::1]:3000");
        assert_eq!(
            site(&initiator, &url("http://[::1]:1/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("http://[::2]:3000/"), by_list),
            Site::CrossSite
        );
    }

    #[test]
    fn localhost_hosts() {
        let initiator = origin("http://localhost:3000");
        assert_eq!(
            site(&initiator, &url("http://localhost:4000/"), by_list),
            Site::SameSite
        );
        assert_eq!(
            site(&initiator, &url("http://app.localhost:3000/"), by_list),
            Site::CrossSite
        );
    }

    #[test]
    fn opaque_origin_is_cross_site_to_everything() {
        let opaque = Origin::new_opaque();
        assert_eq!(
            site(&opaque, &url("https://a.com/"), by_list),
            Site::CrossSite
        );
        assert_eq!(
            site(&opaque, &url("http://localhost/"), by_list),
            Site::CrossSite
        );
        assert_eq!(
            site(
                &url("data:text/plain,x").origin(),
                &url("https://a.com/"),
                by_list
            ),
            Site::CrossSite
        );
    }

    #[test]
    fn worse_site_is_greater() {
        assert!(Site::SameOrigin < Site::SameSite);
        assert!(Site::SameSite < Site::CrossSite);
        let chain = [Site::SameOrigin, Site::CrossSite, Site::SameSite];
        assert_eq!(chain.into_iter().max(), Some(Site::CrossSite));
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderList {
        let mut list = HeaderList::new();
        for (n, v) in pairs {
            list.set(n, v).unwrap();
        }
        list
    }

    #[test]
    fn defaults_without_initiator() {
        let mut list = headers(&[("Accept", "*/*")]);
        apply(&mut list, &url("https://a.com/"), None).unwrap();
        assert_eq!(
            list.entries(),
            &[
                ("Accept".to_owned(), "*/*".to_owned()),
                ("Sec-Fetch-Site".to_owned(), "none".to_owned()),
                ("Sec-Fetch-Mode".to_owned(), "no-cors".to_owned()),
                ("Sec-Fetch-Dest".to_owned(), "empty".to_owned()),
            ]
        );
        assert!(!list.contains("Sec-Fetch-User"));
    }

    #[test]
    fn site_values() {
        for (site, value) in [
            (Site::SameOrigin, "same-origin"),
            (Site::SameSite, "same-site"),
            (Site::CrossSite, "cross-site"),
        ] {
            let mut list = HeaderList::new();
            apply(&mut list, &url("https://a.com/"), Some(site)).unwrap();
            assert_eq!(list.get("sec-fetch-site"), Some(value));
        }
    }

    #[test]
    fn site_computed_from_origins() {
        let initiator = origin("https://a.example.com");
        for (target, value) in [
            ("https://a.example.com/", "same-origin"),
            ("https://b.example.com/", "same-site"),
            ("https://b.example.org/", "cross-site"),
        ] {
            let target = url(target);
            let mut list = HeaderList::new();
            apply(&mut list, &target, Some(site(&initiator, &target, by_list))).unwrap();
            assert_eq!(list.get("Sec-Fetch-Site"), Some(value));
        }
    }

    #[test]
    fn user_site_is_overwritten_in_place() {
        let mut list = headers(&[("sec-fetch-site", "same-origin"), ("X", "y")]);
        apply(&mut list, &url("https://a.com/"), Some(Site::CrossSite)).unwrap();
        assert_eq!(
            list.entries()[0],
            ("Sec-Fetch-Site".to_owned(), "cross-site".to_owned())
        );
        let mut list = headers(&[("Sec-Fetch-Site", "same-origin")]);
        apply(&mut list, &url("https://a.com/"), None).unwrap();
        assert_eq!(list.get("Sec-Fetch-Site"), Some("none"));
    }

    #[test]
    fn user_mode_dest_and_user_are_kept() {
        let mut list = headers(&[
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Dest", "document"),
            ("Sec-Fetch-User", "?1"),
        ]);
        apply(&mut list, &url("https://a.com/"), None).unwrap();
        assert_eq!(list.get("sec-fetch-mode"), Some("navigate"));
        assert_eq!(list.get("sec-fetch-dest"), Some("document"));
        assert_eq!(list.get("sec-fetch-user"), Some("?1"));
        assert_eq!(list.get("sec-fetch-site"), Some("none"));

        let mut list = headers(&[("Sec-Fetch-Mode", "cors"), ("Sec-Fetch-Dest", "image")]);
        apply(
            &mut list,
            &url("http://localhost:3000/"),
            Some(Site::SameOrigin),
        )
        .unwrap();
        assert_eq!(list.get("sec-fetch-mode"), Some("cors"));
        assert_eq!(list.get("sec-fetch-dest"), Some("image"));
    }

    #[test]
    fn navigational_dest_requires_navigate_mode() {
        for dest in ["document", "frame", "iframe", "fencedframe", "Document"] {
            for mode in [None, Some("cors"), Some("no-cors"), Some("same-origin")] {
                let mut list = headers(&[("Sec-Fetch-Dest", dest)]);
                if let Some(mode) = mode {
                    list.set("Sec-Fetch-Mode", mode).unwrap();
                }
                let before = list.clone();
                assert_eq!(
                    apply(&mut list, &url("https://a.com/"), None),
                    Err(Error::FetchDestRequiresNavigate),
                    "{dest} {mode:?}"
                );
                assert_eq!(list, before);
                // The check does not depend on the URL.
                assert_eq!(
                    apply(&mut list, &url("http://a.com/"), None),
                    Err(Error::FetchDestRequiresNavigate)
                );
            }
            let mut list = headers(&[("Sec-Fetch-Dest", dest), ("Sec-Fetch-Mode", "navigate")]);
            assert!(apply(&mut list, &url("https://a.com/"), None).is_ok());
        }
        for dest in ["empty", "image", "script", "documents"] {
            let mut list = headers(&[("Sec-Fetch-Dest", dest)]);
            assert!(
                apply(&mut list, &url("https://a.com/"), None).is_ok(),
                "{dest}"
            );
        }
    }

    #[test]
    fn untrustworthy_url_gets_no_fetch_metadata() {
        let mut list = headers(&[
            ("Sec-Fetch-Site", "same-origin"),
            ("X", "y"),
            ("Sec-Fetch-Mode", "cors"),
            ("Sec-Fetch-Dest", "image"),
            ("Sec-Fetch-User", "?1"),
        ]);
        apply(
            &mut list,
            &url("http://example.com/"),
            Some(Site::SameOrigin),
        )
        .unwrap();
        assert_eq!(list.entries(), &[("X".to_owned(), "y".to_owned())]);
        let mut list = HeaderList::new();
        apply(&mut list, &url("http://example.com/"), None).unwrap();
        assert!(list.entries().is_empty());
    }

    #[test]
    fn trustworthy_hosts_get_fetch_metadata() {
        for u in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://localhost/",
            "https://example.com/",
        ] {
            let mut list = HeaderList::new();
            apply(&mut list, &url(u), None).unwrap();
            assert_eq!(list.get("Sec-Fetch-Site"), Some("none"), "{u}");
        }
    }

    fn r(policy: ReferrerPolicy, referrer_url: &str, target: &str) -> Option<String> {
        referrer(policy, Some(referrer_url), &url(target))
    }

    #[test]
    fn no_user_referrer_means_none() {
        for policy in ALL_POLICIES {
            assert_eq!(referrer(policy, None, &url("https://a.com/")), None);
        }
    }

    const ALL_POLICIES: [ReferrerPolicy; 8] = [
        ReferrerPolicy::NoReferrer,
        ReferrerPolicy::NoReferrerWhenDowngrade,
        ReferrerPolicy::Origin,
        ReferrerPolicy::OriginWhenCrossOrigin,
        ReferrerPolicy::SameOrigin,
        ReferrerPolicy::StrictOrigin,
        ReferrerPolicy::StrictOriginWhenCrossOrigin,
        ReferrerPolicy::UnsafeUrl,
    ];

    #[test]
    fn referrer_policy_table() {
        use ReferrerPolicy::*;
        let from = "https://a.com/page?q=1";
        let full = Some("https://a.com/page?q=1".to_owned());
        let origin = Some("https://a.com/".to_owned());
        let same = "https://a.com/other";
        let cross = "https://b.com/";
        let down = "http://a.com/";
        let down_cross = "http://b.com/";
        // (policy, same origin, cross origin, downgrade same host, downgrade cross host)
        for (policy, s, c, d, dc) in [
            (NoReferrer, None, None, None, None),
            (
                NoReferrerWhenDowngrade,
                full.clone(),
                full.clone(),
                None,
                None,
            ),
            (
                Origin,
                origin.clone(),
                origin.clone(),
                origin.clone(),
                origin.clone(),
            ),
            (
                OriginWhenCrossOrigin,
                full.clone(),
                origin.clone(),
                origin.clone(),
                origin.clone(),
            ),
            (SameOrigin, full.clone(), None, None, None),
            (StrictOrigin, origin.clone(), origin.clone(), None, None),
            (
                StrictOriginWhenCrossOrigin,
                full.clone(),
                origin.clone(),
                None,
                None,
            ),
            (
                UnsafeUrl,
                full.clone(),
                full.clone(),
                full.clone(),
                full.clone(),
            ),
        ] {
            assert_eq!(r(policy, from, same), s, "{policy:?} same");
            assert_eq!(r(policy, from, cross), c, "{policy:?} cross");
            assert_eq!(r(policy, from, down), d, "{policy:?} downgrade");
            assert_eq!(
                r(policy, from, down_cross),
                dc,
                "{policy:?} downgrade cross"
            );
        }
    }

    #[test]
    fn http_referrer_to_https_is_not_a_downgrade() {
        use ReferrerPolicy::*;
        let from = "http://a.com/p";
        assert_eq!(
            r(StrictOrigin, from, "https://b.com/"),
            Some("http://a.com/".into())
        );
        assert_eq!(
            r(NoReferrerWhenDowngrade, from, "https://b.com/"),
            Some("http://a.com/p".into())
        );
        assert_eq!(
            r(StrictOriginWhenCrossOrigin, from, "http://b.com/"),
            Some("http://a.com/".into())
        );
        assert_eq!(
            r(StrictOriginWhenCrossOrigin, from, "http://a.com/x"),
            Some("http://a.com/p".into())
        );
    }

    #[test]
    fn userinfo_and_fragment_are_always_stripped() {
        let from = "https://user:secret@a.com:8443/path?x=1#frag";
        for policy in ALL_POLICIES {
            for target in ["https://a.com:8443/", "https://b.com/", "http://a.com/"] {
                if let Some(value) = r(policy, from, target) {
                    assert!(!value.contains("user"), "{policy:?} {value}");
                    assert!(!value.contains("secret"), "{policy:?} {value}");
                    assert!(!value.contains('@'), "{policy:?} {value}");
                    assert!(!value.contains('#'), "{policy:?} {value}");
                    assert!(!value.contains("frag"), "{policy:?} {value}");
                }
            }
        }
        assert_eq!(
            r(ReferrerPolicy::UnsafeUrl, from, "https://b.com/"),
            Some("https://a.com:8443/path?x=1".into())
        );
        assert_eq!(
            r(ReferrerPolicy::Origin, from, "https://b.com/"),
            Some("https://a.com:8443/".into())
        );
        assert_eq!(
            r(
                ReferrerPolicy::UnsafeUrl,
                "https://user@a.com/#",
                "https://b.com/"
            ),
            Some("https://a.com/".into())
        );
    }

    #[test]
    fn unparsable_or_non_http_referrer_is_none() {
        for bad in [
            "",
            "not a url",
            "/relative",
            "file:///etc/passwd",
            "data:text/plain,x",
            "about:blank",
        ] {
            for policy in ALL_POLICIES {
                assert_eq!(r(policy, bad, "https://a.com/"), None, "{bad:?} {policy:?}");
            }
        }
    }

    #[test]
    fn overlong_referrer_is_reduced_to_origin() {
        let long = format!("https://a.com/{}", "x".repeat(5000));
        assert_eq!(
            r(ReferrerPolicy::UnsafeUrl, &long, "https://a.com/"),
            Some("https://a.com/".into())
        );
        let fits = format!(
            "https://a.com/{}",
            "x".repeat(4096 - "https://a.com/".len())
        );
        assert_eq!(
            r(ReferrerPolicy::UnsafeUrl, &fits, "https://a.com/"),
            Some(fits.clone())
        );
    }

    #[test]
    fn default_ports_are_same_origin_for_referrer() {
        assert_eq!(
            r(
                ReferrerPolicy::SameOrigin,
                "https://a.com:443/p",
                "https://a.com/q"
            ),
            Some("https://a.com/p".into())
        );
        assert_eq!(
            r(
                ReferrerPolicy::SameOrigin,
                "https://a.com/p",
                "https://a.com:444/q"
            ),
            None
        );
    }
}
