//! Redirect planning and the header hygiene of each hop (behaviour §6, checklist A1-A8, B9-B10).

use url::Url;

use crate::error::NetError;
use crate::headers::HeaderList;

/// Headers that describe the body; dropped with it when a redirect changes the method.
const BODY_HEADERS: &[&str] = &[
    "Content-Length",
    "Content-Type",
    "Content-Encoding",
    "Content-Language",
    "Content-Location",
    "Origin",
];

/// Credentials that never leave the origin they were set for.
const CREDENTIAL_HEADERS: &[&str] = &["Authorization", "Cookie", "Proxy-Authorization"];

pub fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The next request of a redirect chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub url: Url,
    pub method: String,
    pub keeps_body: bool,
}

/// Plans the next hop: resolves `location` against `current`; unparsable →
/// `NetError::InvalidRedirect`; a target scheme other than http/https (file:, data:, about:,
/// blob:, filesystem:, ftp:, javascript:, anything) → `NetError::UnsafeRedirect`. 301/302: POST →
/// GET; 303: everything except HEAD → GET; 307/308 (and any other status) keep method and body.
/// `keeps_body` is false whenever the method changed. A Location without a fragment inherits the
/// current URL's fragment (fetch spec).
///
/// The WHATWG parser drops tab, CR and LF from `location` and percent-encodes what remains unsafe,
/// so the result never carries a raw control character (checklist A8).
pub fn plan(current: &Url, method: &str, status: u16, location: &str) -> Result<Hop, NetError> {
    let mut url = current
        .join(location)
        .map_err(|_| NetError::InvalidRedirect)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(NetError::UnsafeRedirect);
    }
    if url.fragment().is_none() {
        url.set_fragment(current.fragment());
    }
    let to_get = match status {
        301 | 302 => method.eq_ignore_ascii_case("POST"),
        303 => !method.eq_ignore_ascii_case("HEAD"),
        _ => false,
    };
    let new_method = if to_get { "GET" } else { method };
    Ok(Hop {
        url,
        method: new_method.to_owned(),
        keeps_body: new_method == method,
    })
}

/// Rewrites the request headers for a hop (checklist A1-A3, A7, B9): when the method changed,
/// removes Content-Length, Content-Type, Content-Encoding, Content-Language, Content-Location and
/// Origin; when the origin (scheme, host, port) of `to` differs from `from`, removes
/// Authorization, Cookie and Proxy-Authorization (once dropped they are gone: a later hop back
/// never restores them) and, like Chromium, turns a remaining `Origin` header into `Origin: null`
/// so that a redirect cannot reflect a request back with its original origin. Custom headers stay.
pub fn rewrite_headers(headers: &mut HeaderList, from: &Url, to: &Url, method_changed: bool) {
    if method_changed {
        for name in BODY_HEADERS {
            headers.remove(name);
        }
    }
    if from.origin() != to.origin() {
        for name in CREDENTIAL_HEADERS {
            headers.remove(name);
        }
        if headers.contains("Origin") {
            headers.set_trusted("Origin", "null");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn hop(current: &str, method: &str, status: u16, location: &str) -> Hop {
        plan(&url(current), method, status, location).unwrap()
    }

    #[test]
    fn redirect_statuses() {
        for status in [301, 302, 303, 307, 308] {
            assert!(is_redirect_status(status), "{status}");
        }
        for status in [200, 300, 304, 305, 306, 309, 399, 401] {
            assert!(!is_redirect_status(status), "{status}");
        }
    }

    #[test]
    fn method_table() {
        for (method, status, new_method) in [
            ("POST", 301, "GET"),
            ("POST", 302, "GET"),
            ("POST", 303, "GET"),
            ("POST", 307, "POST"),
            ("POST", 308, "POST"),
            ("PUT", 301, "PUT"),
            ("PUT", 302, "PUT"),
            ("PUT", 303, "GET"),
            ("PUT", 307, "PUT"),
            ("GET", 301, "GET"),
            ("GET", 303, "GET"),
            ("HEAD", 301, "HEAD"),
            ("HEAD", 302, "HEAD"),
            ("HEAD", 303, "HEAD"),
            ("DELETE", 302, "DELETE"),
            ("DELETE", 303, "GET"),
            ("PATCH", 303, "GET"),
            ("OPTIONS", 303, "GET"),
            ("PATCH", 308, "PATCH"),
        ] {
            let next = hop("http://a.com/", method, status, "/next");
            assert_eq!(next.method, new_method, "{method} {status}");
            assert_eq!(next.keeps_body, method == new_method, "{method} {status}");
        }
    }

    #[test]
    fn post_307_keeps_method_and_body() {
        let next = hop("http://a.com/form", "POST", 307, "/other");
        assert_eq!(
            next,
            Hop {
                url: url("http://a.com/other"),
                method: "POST".into(),
                keeps_body: true,
            }
        );
    }

    #[test]
    fn post_301_drops_body() {
        let next = hop("http://a.com/form", "POST", 301, "/other");
        assert_eq!(next.method, "GET");
        assert!(!next.keeps_body);
    }

    #[test]
    fn relative_locations_resolve() {
        assert_eq!(
            hop("http://a.com/x/y?q", "GET", 302, "z").url.as_str(),
            "http://a.com/x/z"
        );
        assert_eq!(
            hop("http://a.com/x/y", "GET", 302, "../z").url.as_str(),
            "http://a.com/z"
        );
        assert_eq!(
            hop("http://a.com/x/y", "GET", 302, "/z?k=v").url.as_str(),
            "http://a.com/z?k=v"
        );
        assert_eq!(
            hop("http://a.com/x", "GET", 302, "?k=v").url.as_str(),
            "http://a.com/x?k=v"
        );
        assert_eq!(
            hop("https://a.com/x", "GET", 302, "//b.com/y").url.as_str(),
            "https://b.com/y"
        );
        assert_eq!(
            hop("http://a.com/x", "GET", 302, "https://b.com:8443/")
                .url
                .as_str(),
            "https://b.com:8443/"
        );
    }

    #[test]
    fn fragment_is_inherited_when_location_has_none() {
        assert_eq!(
            hop("http://a.com/x#frag", "GET", 302, "/y").url.as_str(),
            "http://a.com/y#frag"
        );
        assert_eq!(
            hop("http://a.com/x#frag", "GET", 302, "http://b.com/")
                .url
                .as_str(),
            "http://b.com/#frag"
        );
        assert_eq!(
            hop("http://a.com/x#frag", "GET", 302, "/y#other")
                .url
                .as_str(),
            "http://a.com/y#other"
        );
        assert_eq!(
            hop("http://a.com/x#frag", "GET", 302, "/y#").url.as_str(),
            "http://a.com/y#"
        );
        assert_eq!(
            hop("http://a.com/x", "GET", 302, "/y").url.as_str(),
            "http://a.com/y"
        );
    }

    #[test]
    fn unsafe_schemes_are_refused() {
        for location in [
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "about:blank",
            "blob:http://a.com/uuid",
            "filesystem:http://a.com/temporary/x",
            "ftp://a.com/file",
            "javascript:alert(1)",
            "ws://a.com/",
            "chrome://settings",
            "mailto:a@b.com",
            "FILE:///etc/passwd",
        ] {
            assert_eq!(
                plan(&url("https://a.com/"), "GET", 302, location),
                Err(NetError::UnsafeRedirect),
                "{location}"
            );
        }
    }

    #[test]
    fn unparsable_locations_are_invalid() {
        for location in [
            "http://",
            "https://exa mple.com/",
            "http://[::1",
            "http://a.com:99999/",
            "http://a.com%2F.b.com/",
        ] {
            assert_eq!(
                plan(&url("https://a.com/"), "GET", 302, location),
                Err(NetError::InvalidRedirect),
                "{location}"
            );
        }
    }

    #[test]
    fn location_with_cr_lf_never_carries_raw_control_characters() {
        for location in [
            "/a\r\nSet-Cookie: x=1",
            "http://b.com\r\n/x",
            "/x\r\n\r\nGET /evil HTTP/1.1",
            "/tab\there",
            "/nul\0byte",
            "/del\x7f",
        ] {
            match plan(&url("http://a.com/"), "GET", 302, location) {
                Ok(next) => {
                    assert!(
                        !next.url.as_str().bytes().any(|b| b.is_ascii_control()),
                        "{location:?}"
                    );
                }
                Err(err) => assert_eq!(err, NetError::InvalidRedirect, "{location:?}"),
            }
        }
        // CR/LF are dropped; the host cannot be changed by them.
        let next = hop("http://a.com/", "GET", 302, "/a\r\nSet-Cookie: x=1");
        assert_eq!(next.url.as_str(), "http://a.com/aSet-Cookie:%20x=1");
        assert_eq!(
            hop("http://a.com/", "GET", 302, "http://b.com\r\n/x")
                .url
                .as_str(),
            "http://b.com/x"
        );
    }

    #[test]
    fn hash_in_location_host_goes_to_fragment() {
        let next = hop("http://a.com/", "GET", 302, "http://b.com#@c.com/");
        assert_eq!(next.url.host_str(), Some("b.com"));
        assert_eq!(next.url.fragment(), Some("@c.com/"));
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderList {
        let mut list = HeaderList::new();
        for (n, v) in pairs {
            list.set_trusted(n, v);
        }
        list
    }

    fn names(list: &HeaderList) -> Vec<&str> {
        list.entries().iter().map(|(n, _)| n.as_str()).collect()
    }

    fn credentialed() -> HeaderList {
        headers(&[
            ("Authorization", "Bearer secret"),
            ("Cookie", "session=1"),
            ("Proxy-Authorization", "Basic cHJveHk="),
            ("X-Custom", "keep"),
            ("Accept", "*/*"),
        ])
    }

    #[test]
    fn cross_host_hop_strips_credentials_and_keeps_custom() {
        let mut list = credentialed();
        rewrite_headers(
            &mut list,
            &url("http://a.com/"),
            &url("http://b.com/"),
            false,
        );
        assert_eq!(names(&list), ["X-Custom", "Accept"]);
        assert_eq!(list.get("x-custom"), Some("keep"));
    }

    #[test]
    fn same_host_other_port_strips_credentials() {
        let mut list = credentialed();
        rewrite_headers(
            &mut list,
            &url("http://a.com/"),
            &url("http://a.com:8080/"),
            false,
        );
        assert_eq!(names(&list), ["X-Custom", "Accept"]);
    }

    #[test]
    fn https_to_http_same_host_strips_credentials() {
        let mut list = credentialed();
        rewrite_headers(
            &mut list,
            &url("https://a.com/"),
            &url("http://a.com/"),
            false,
        );
        assert_eq!(names(&list), ["X-Custom", "Accept"]);
    }

    #[test]
    fn same_origin_hop_keeps_credentials() {
        let mut list = credentialed();
        rewrite_headers(
            &mut list,
            &url("https://a.com/x"),
            &url("https://a.com:443/y?z#f"),
            false,
        );
        assert_eq!(list, credentialed());
    }

    #[test]
    fn credentials_are_never_restored_on_a_hop_back() {
        let a = url("http://a.com/");
        let b = url("http://b.com/");
        let a2 = url("http://a.com/2");
        let mut list = credentialed();
        rewrite_headers(&mut list, &a, &b, false);
        rewrite_headers(&mut list, &b, &a2, false);
        assert!(!list.contains("Authorization"));
        assert!(!list.contains("Cookie"));
        assert!(!list.contains("Proxy-Authorization"));
        assert!(list.contains("X-Custom"));
    }

    #[test]
    fn method_change_drops_body_headers() {
        let mut list = headers(&[
            ("Content-Length", "4"),
            ("content-type", "text/plain"),
            ("Content-Encoding", "gzip"),
            ("Content-Language", "en"),
            ("Content-Location", "/x"),
            ("Origin", "https://a.com"),
            ("Authorization", "Basic x"),
            ("X-Custom", "keep"),
        ]);
        rewrite_headers(
            &mut list,
            &url("https://a.com/"),
            &url("https://a.com/next"),
            true,
        );
        assert_eq!(names(&list), ["Authorization", "X-Custom"]);
    }

    #[test]
    fn unchanged_method_keeps_body_headers() {
        let mut list = headers(&[("Content-Type", "text/plain"), ("Origin", "https://a.com")]);
        let before = list.clone();
        rewrite_headers(
            &mut list,
            &url("https://a.com/"),
            &url("https://a.com/next"),
            false,
        );
        assert_eq!(list, before);
    }

    #[test]
    fn cross_origin_307_makes_origin_null() {
        let mut list = headers(&[("Origin", "https://a.com"), ("Content-Type", "text/plain")]);
        rewrite_headers(
            &mut list,
            &url("https://a.com/"),
            &url("https://b.com/"),
            false,
        );
        assert_eq!(list.get("origin"), Some("null"));
        assert_eq!(names(&list), ["Origin", "Content-Type"]);
        // Back to a.com it stays null.
        rewrite_headers(
            &mut list,
            &url("https://b.com/"),
            &url("https://a.com/"),
            false,
        );
        assert_eq!(list.get("origin"), Some("null"));
    }

    #[test]
    fn cross_origin_hop_does_not_add_origin() {
        let mut list = headers(&[("X", "y")]);
        rewrite_headers(
            &mut list,
            &url("https://a.com/"),
            &url("https://b.com/"),
            false,
        );
        assert!(!list.contains("Origin"));
    }

    #[test]
    fn cross_origin_method_change_drops_origin_and_credentials() {
        let mut list = headers(&[
            ("Origin", "https://a.com"),
            ("Cookie", "a=1"),
            ("Content-Length", "3"),
        ]);
        rewrite_headers(
            &mut list,
            &url("https://a.com/"),
            &url("https://b.com/"),
            true,
        );
        assert!(list.entries().is_empty());
    }

    /// Checklist G: over a random-ish chain, a credential set for origin A is only ever present
    /// while every hop so far stayed on A.
    #[test]
    fn credentials_only_reach_their_origin_over_chains() {
        let origins = [
            "http://a.com/",
            "https://a.com/",
            "http://a.com:81/",
            "http://b.com/",
            "http://sub.a.com/",
        ];
        for seed in 0u32..500 {
            let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
            let mut current = url(origins[0]);
            let mut list = credentialed();
            let mut left_a = false;
            for _ in 0..6 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let next = url(origins[state as usize % origins.len()]);
                rewrite_headers(&mut list, &current, &next, false);
                left_a |= next.origin() != url(origins[0]).origin();
                assert_eq!(list.contains("Authorization"), !left_a, "seed {seed}");
                assert_eq!(list.contains("Cookie"), !left_a, "seed {seed}");
                current = next;
            }
        }
    }
}
