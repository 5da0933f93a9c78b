//! Hosts, domains and sites: domain-matching (RFC 6265bis §5.1.3), path-matching (§5.1.4), public
//! suffixes (the `psl` crate, Mozilla's list compiled in) and the "site" used by SameSite.

use std::net::{IpAddr, Ipv6Addr};

use url::{Host, Url};

/// Whether a URL is potentially trustworthy as Chromium judges it: https, localhost (and
/// `*.localhost`, with or without a trailing dot), 127.0.0.0/8 and ::1. Secure cookies may be set
/// and sent there (behaviour contract §12), and the component sends fetch metadata there.
pub fn is_potentially_trustworthy(url: &Url) -> bool {
    if url.scheme() == "https" {
        return true;
    }
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            domain.eq_ignore_ascii_case("localhost")
                || domain.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        None => false,
    }
}

/// The canonical host of an `http:`/`https:` URL (lowercase, punycode, IPv6 in brackets), as
/// the `url` crate serialises it; `None` for other schemes or URLs without a host.
pub(crate) fn request_host(url: &Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.host_str().filter(|h| !h.is_empty()).map(str::to_owned)
}

/// Whether `host` is an IP address literal (as `url` serialises one).
pub(crate) fn is_ip(host: &str) -> bool {
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// RFC 6265bis §5.1.3: `host` is `domain` or a subdomain of it; IP addresses only match
/// themselves. Both must already be canonical (lowercase).
pub(crate) fn domain_match(host: &str, domain: &str) -> bool {
    if host == domain {
        return true;
    }
    !is_ip(host)
        && !domain.is_empty()
        && host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// Whether `domain` (lowercase, possibly with a trailing dot) is on the public suffix list,
/// including the implicit `*` rule that makes every unlisted top-level label a suffix.
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    !domain.is_empty()
        && psl::suffix(domain.as_bytes()).is_some_and(|s| s.trim() == domain.as_bytes())
}

/// The group a cookie counts against for the per-domain limit: the registrable domain
/// (eTLD+1), or the host itself for IP addresses and public suffixes.
pub(crate) fn registrable_domain(domain: &str) -> &str {
    if is_ip(domain) {
        return domain;
    }
    psl::domain_str(domain).unwrap_or(domain)
}

/// The registrable domain of a host name (eTLD+1 by the public suffix list, private section
/// included), compared case-insensitively by callers; `None` for IP literals, public suffixes and
/// names the list cannot place. This is the one copy of the list every host and component uses:
/// the ClientRequest component asks for it through `session.registrable-domain`.
pub fn site_domain(host: &str) -> Option<&str> {
    if is_ip(host) || host.parse::<std::net::Ipv6Addr>().is_ok() {
        return None;
    }
    psl::domain_str(host)
}

/// A schemeful site (RFC 6265bis §5.2): scheme plus registrable domain.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Site {
    scheme: String,
    domain: String,
}

impl Site {
    pub(crate) fn of(url: &Url) -> Option<Site> {
        let host = match url.host()? {
            Host::Domain(domain) => registrable_domain(domain).to_owned(),
            _ => url.host_str()?.to_owned(),
        };
        Some(Site {
            scheme: url.scheme().to_owned(),
            domain: host,
        })
    }
}

/// RFC 6265bis §5.1.4 default-path: the directory of the request path.
pub(crate) fn default_path(request_path: &str) -> String {
    if !request_path.starts_with('/') {
        return "/".to_owned();
    }
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(last) => request_path[..last].to_owned(),
    }
}

/// RFC 6265bis §5.1.4 path-match.
pub(crate) fn path_match(request_path: &str, cookie_path: &str) -> bool {
    match request_path.strip_prefix(cookie_path) {
        None => false,
        Some(rest) => rest.is_empty() || cookie_path.ends_with('/') || rest.starts_with('/'),
    }
}

/// The request path compared against cookie paths: the URL's path with percent-encoded
/// unreserved characters decoded, which RFC 3986 §6.2.2.2 declares equivalent (`/f%6Fo` is
/// `/foo`). Cookie `Path` attributes are compared as written.
pub(crate) fn request_path(url: &Url) -> String {
    let path = url.path();
    if !path.contains('%') {
        return path.to_owned();
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(decoded) = u8::from_str_radix(hex, 16)
            && (decoded.is_ascii_alphanumeric() || b"-._~".contains(&decoded))
        {
            out.push(char::from(decoded));
            i += 3;
        } else {
            // `url` percent-encodes everything non-ASCII, so byte-wise copying keeps UTF-8 intact.
            out.push(char::from(bytes[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trustworthy_urls() {
        for u in [
            "https://example.com/",
            "https://1.2.3.4/",
            "http://localhost/",
            "http://localhost:8080/x",
            "http://LOCALHOST/",
            "http://localhost./",
            "http://app.localhost/",
            "http://a.b.localhost:3000/",
            "http://127.0.0.1/",
            "http://127.255.0.9:81/",
            "http://[::1]:8080/",
        ] {
            assert!(is_potentially_trustworthy(&Url::parse(u).unwrap()), "{u}");
        }
    }

    #[test]
    fn untrustworthy_urls() {
        for u in [
            "http://example.com/",
            "http://localhost.example.com/",
            "http://notlocalhost/",
            "http://128.0.0.1/",
            "http://10.0.0.1/",
            "http://0.0.0.0/",
            "http://[::2]/",
            "http://[::ffff:127.0.0.1]/",
            "http://192.168.1.1/",
        ] {
            assert!(!is_potentially_trustworthy(&Url::parse(u).unwrap()), "{u}");
        }
    }

    #[test]
    fn domain_match_needs_a_dot_boundary() {
        assert!(domain_match("example.com", "example.com"));
        assert!(domain_match("www.example.com", "example.com"));
        assert!(!domain_match("bexample.com", "example.com"));
        assert!(!domain_match("example.com", "www.example.com"));
        assert!(!domain_match("1.2.3.4", "2.3.4"));
        assert!(domain_match("1.2.3.4", "1.2.3.4"));
    }

    #[test]
    fn public_suffixes_include_the_implicit_rule() {
        for suffix in [
            "com",
            "co.uk",
            "co.uk.",
            "github.io",
            "localhost",
            "unknowntld",
        ] {
            assert!(is_public_suffix(suffix), "{suffix}");
        }
        for domain in ["example.com", "example.co.uk", "user.github.io"] {
            assert!(!is_public_suffix(domain), "{domain}");
        }
    }

    #[test]
    fn site_domains_come_from_the_list_private_section_included() {
        assert_eq!(site_domain("www.example.co.uk"), Some("example.co.uk"));
        assert_eq!(site_domain("a.b.user.github.io"), Some("user.github.io"));
        for none in [
            "co.uk",
            "github.io",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "::1",
        ] {
            assert_eq!(site_domain(none), None, "{none}");
        }
    }

    #[test]
    fn punycode_suffixes_are_recognised() {
        // `url` hands the jar punycode; the list must answer for it.
        assert!(is_public_suffix("xn--p1ai"));
        assert!(is_public_suffix("xn--55qx5d.cn"));
        assert_eq!(
            registrable_domain("www.xn--80ak6aa92e.xn--p1ai"),
            "xn--80ak6aa92e.xn--p1ai"
        );
    }

    #[test]
    fn sites_are_scheme_and_registrable_domain() {
        let site = |u: &str| Site::of(&Url::parse(u).unwrap());
        assert_eq!(
            site("https://a.example.com/"),
            site("https://b.example.com:8443/x")
        );
        assert_ne!(
            site("https://a.example.com/"),
            site("http://a.example.com/")
        );
        assert_ne!(site("https://a.github.io/"), site("https://b.github.io/"));
        assert_ne!(site("http://127.0.0.1/"), site("http://127.0.0.2/"));
    }

    #[test]
    fn default_paths_and_path_matching() {
        assert_eq!(default_path(""), "/");
        assert_eq!(default_path("/"), "/");
        assert_eq!(default_path("/a"), "/");
        assert_eq!(default_path("/a/b"), "/a");
        assert_eq!(default_path("/a/b/"), "/a/b");
        assert!(path_match("/a/b", "/a"));
        assert!(path_match("/a/", "/a/"));
        assert!(!path_match("/ab", "/a"));
        assert!(!path_match("/a", "/a/"));
    }

    #[test]
    fn request_paths_decode_only_unreserved_escapes() {
        let path = |u: &str| request_path(&Url::parse(u).unwrap());
        assert_eq!(path("http://h/f%6Fo/%7e"), "/foo/~");
        assert_eq!(path("http://h/a%2Fb%20c"), "/a%2Fb%20c");
        assert_eq!(path("http://h/caf%C3%A9%"), "/caf%C3%A9%");
    }
}
