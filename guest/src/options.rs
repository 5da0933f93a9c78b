//! Validation of Electron's `ClientRequestConstructorOptions` (behaviour §2, checklist A8).
//!
//! Checks run in this order, so that an options object with several problems reports the same one
//! every time: URL (composition, then parsing), protocol, redirect mode, credentials, headers,
//! method.

use url::{Origin, Url};

use crate::bindings::exports::electron::net::client::{RequestOptions, Timeouts};
use crate::error::{Error, NetError};
use crate::headers::{self, HeaderList};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectMode {
    Follow,
    Error,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialsMode {
    Default,
    Include,
    Omit,
    SameOrigin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    Default,
    NoStore,
    NoCache,
    Reload,
    ForceCache,
    OnlyIfCached,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferrerPolicy {
    NoReferrer,
    NoReferrerWhenDowngrade,
    Origin,
    OriginWhenCrossOrigin,
    SameOrigin,
    StrictOrigin,
    StrictOriginWhenCrossOrigin,
    UnsafeUrl,
}

/// Resolved time limits in milliseconds; None = disabled. Defaults: connect 30_000, first byte
/// 300_000, between bytes 300_000, total none; an explicit 0 disables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub connect_ms: Option<u32>,
    pub first_byte_ms: Option<u32>,
    pub between_bytes_ms: Option<u32>,
    pub total_ms: Option<u32>,
}

const DEFAULT_CONNECT_MS: u32 = 30_000;
const DEFAULT_FIRST_BYTE_MS: u32 = 300_000;
const DEFAULT_BETWEEN_BYTES_MS: u32 = 300_000;

#[derive(Clone, Debug)]
pub struct Options {
    pub url: Url,
    /// Upper-cased, default `GET`.
    pub method: String,
    /// `options.headers`, validated like `set_header`, in order.
    pub headers: HeaderList,
    /// Default `""`.
    pub partition: String,
    pub credentials: CredentialsMode,
    pub use_session_cookies: bool,
    pub redirect: RedirectMode,
    /// From `origin`, or the URL's own origin when the options were a bare URL string. An
    /// unparsable origin string becomes an opaque origin.
    pub origin: Option<Origin>,
    /// Default `StrictOriginWhenCrossOrigin`; `""` means the default too.
    pub referrer_policy: ReferrerPolicy,
    pub cache: CacheMode,
    pub limits: Limits,
}

/// Validates the options as given by the user and resolves every default.
///
/// Deviations and choices, all on the safe side:
/// - An empty `url`, `protocol`, `host`, `hostname`, `port`, `path` or `method` counts as absent
///   (JavaScript's `options.x || default`).
/// - When composing, `host`/`hostname` containing a control character, space, `/`, `\`, `?`, `#`
///   or `@`, a non-numeric `port`, or a `protocol` that is not a URL scheme fail with
///   `Error::InvalidUrl`: such values could otherwise move the request to another host
///   (checklist A8). A `path` that does not start with `/`, `?` or `#` gets a leading `/`, so it
///   can never extend the authority.
/// - A method that is not an RFC 7230 token fails with `net::ERR_INVALID_ARGUMENT`
///   (synchronously; Chromium would reject it when starting the request).
pub fn parse(raw: &RequestOptions) -> Result<Options, Error> {
    let url = match non_empty(&raw.url) {
        Some(url) => Url::parse(url).map_err(|_| Error::InvalidUrl)?,
        None => Url::parse(&compose_url(raw)?).map_err(|_| Error::InvalidUrl)?,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::UnsupportedProtocol);
    }

    let redirect = match raw.redirect.as_deref() {
        None => RedirectMode::Follow,
        Some("follow") => RedirectMode::Follow,
        Some("error") => RedirectMode::Error,
        Some("manual") => RedirectMode::Manual,
        Some(_) => return Err(Error::InvalidRedirectMode),
    };

    let origin = match &raw.origin {
        Some(origin) => Some(parse_origin(origin)),
        None if raw.from_string => Some(url.origin()),
        None => None,
    };

    let credentials = match raw.credentials.as_deref() {
        Some("include") => CredentialsMode::Include,
        Some("omit") => CredentialsMode::Omit,
        Some("same-origin") => CredentialsMode::SameOrigin,
        _ => CredentialsMode::Default,
    };
    if credentials == CredentialsMode::SameOrigin && origin.is_none() {
        return Err(Error::SameOriginRequiresOrigin);
    }

    let mut headers = HeaderList::new();
    for (name, value) in &raw.headers {
        headers.set(name, value)?;
    }

    let method = non_empty(&raw.method).unwrap_or("GET").to_ascii_uppercase();
    if !headers::is_token(&method) {
        return Err(Error::Net(NetError::InvalidArgument));
    }

    Ok(Options {
        url,
        method,
        headers,
        partition: raw.partition.clone().unwrap_or_default(),
        credentials,
        use_session_cookies: raw.use_session_cookies,
        redirect,
        origin,
        referrer_policy: parse_referrer_policy(raw.referrer_policy.as_deref()),
        cache: parse_cache_mode(raw.cache.as_deref()),
        limits: limits(&raw.timeouts),
    })
}

impl Options {
    /// Cookie rule table of behaviour §9: Default → `use_session_cookies`; Include → true;
    /// Omit → false; SameOrigin → `url` same-origin with `origin`.
    pub fn cookies_enabled_for(&self, url: &Url) -> bool {
        match self.credentials {
            CredentialsMode::Default => self.use_session_cookies,
            CredentialsMode::Include => true,
            CredentialsMode::Omit => false,
            CredentialsMode::SameOrigin => self.same_origin_with(url),
        }
    }

    /// Server auth (login + auth cache): Default/Include → true; Omit → false; SameOrigin →
    /// same-origin with `origin`.
    pub fn auth_enabled_for(&self, url: &Url) -> bool {
        match self.credentials {
            CredentialsMode::Default | CredentialsMode::Include => true,
            CredentialsMode::Omit => false,
            CredentialsMode::SameOrigin => self.same_origin_with(url),
        }
    }

    /// Electron counts a user-set `Origin` header as the request's initiator when the `origin`
    /// option is absent (behaviour contract §12): `Sec-Fetch-Site` and SameSite are then judged
    /// against it. Headers may change until the request goes out, so the request calls this
    /// once, just before its first hop. An unparsable value (`null`) is an opaque origin, like
    /// an unparsable `origin` option.
    pub fn adopt_origin_header(&mut self, header: Option<&str>) {
        if self.origin.is_none()
            && let Some(value) = header
        {
            self.origin = Some(parse_origin(value));
        }
    }

    fn same_origin_with(&self, url: &Url) -> bool {
        self.origin
            .as_ref()
            .is_some_and(|origin| *origin == url.origin())
    }
}

impl CacheMode {
    /// Request headers Chromium adds for this mode: NoCache → `Cache-Control: max-age=0`; Reload
    /// and NoStore → `Pragma: no-cache` and `Cache-Control: no-cache`; others none. (The component
    /// has no HTTP cache yet; OnlyIfCached is handled by the caller as `net::ERR_CACHE_MISS`.)
    pub fn request_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            CacheMode::NoCache => &[("Cache-Control", "max-age=0")],
            CacheMode::Reload | CacheMode::NoStore => {
                &[("Pragma", "no-cache"), ("Cache-Control", "no-cache")]
            }
            CacheMode::Default | CacheMode::ForceCache | CacheMode::OnlyIfCached => &[],
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Node-style composition from `protocol`, `host` or `hostname` + `port`, and `path`.
fn compose_url(raw: &RequestOptions) -> Result<String, Error> {
    let protocol = non_empty(&raw.protocol).unwrap_or("http:");
    let scheme = protocol.strip_suffix(':').unwrap_or(protocol);
    if !is_scheme(scheme) {
        return Err(Error::InvalidUrl);
    }

    let authority = match non_empty(&raw.host) {
        Some(host) => {
            check_host(host)?;
            host.to_owned()
        }
        None => {
            let hostname = non_empty(&raw.hostname).unwrap_or("localhost");
            check_host(hostname)?;
            // An IPv6 literal needs brackets to be told apart from a port.
            let mut authority = if hostname.contains(':') && !hostname.starts_with('[') {
                format!("[{hostname}]")
            } else {
                hostname.to_owned()
            };
            if let Some(port) = non_empty(&raw.port) {
                if !port.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::InvalidUrl);
                }
                authority.push(':');
                authority.push_str(port);
            }
            authority
        }
    };

    let path = non_empty(&raw.path).unwrap_or("/");
    if path.contains(' ') {
        return Err(Error::UnescapedPath);
    }
    let separator = if path.starts_with(['/', '?', '#']) {
        ""
    } else {
        "/"
    };
    Ok(format!("{scheme}://{authority}{separator}{path}"))
}

/// RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Rejects anything in a host that could end the authority early or smuggle in userinfo.
fn check_host(host: &str) -> Result<(), Error> {
    let bad =
        |c: char| c.is_control() || c.is_whitespace() || matches!(c, '/' | '\\' | '?' | '#' | '@');
    if host.chars().any(bad) {
        Err(Error::InvalidUrl)
    } else {
        Ok(())
    }
}

fn parse_origin(origin: &str) -> Origin {
    Url::parse(origin)
        .map(|url| url.origin())
        .unwrap_or_else(|_| Origin::new_opaque())
}

fn parse_referrer_policy(value: Option<&str>) -> ReferrerPolicy {
    match value {
        Some("no-referrer") => ReferrerPolicy::NoReferrer,
        Some("no-referrer-when-downgrade") => ReferrerPolicy::NoReferrerWhenDowngrade,
        Some("origin") => ReferrerPolicy::Origin,
        Some("origin-when-cross-origin") => ReferrerPolicy::OriginWhenCrossOrigin,
        Some("same-origin") => ReferrerPolicy::SameOrigin,
        Some("strict-origin") => ReferrerPolicy::StrictOrigin,
        Some("unsafe-url") => ReferrerPolicy::UnsafeUrl,
        _ => ReferrerPolicy::StrictOriginWhenCrossOrigin,
    }
}

fn parse_cache_mode(value: Option<&str>) -> CacheMode {
    match value {
        Some("no-store") => CacheMode::NoStore,
        Some("no-cache") => CacheMode::NoCache,
        Some("reload") => CacheMode::Reload,
        Some("force-cache") => CacheMode::ForceCache,
        Some("only-if-cached") => CacheMode::OnlyIfCached,
        _ => CacheMode::Default,
    }
}

fn limits(timeouts: &Timeouts) -> Limits {
    let resolve = |value: Option<u32>, default: u32| match value.unwrap_or(default) {
        0 => None,
        ms => Some(ms),
    };
    Limits {
        connect_ms: resolve(timeouts.connect_ms, DEFAULT_CONNECT_MS),
        first_byte_ms: resolve(timeouts.first_byte_ms, DEFAULT_FIRST_BYTE_MS),
        between_bytes_ms: resolve(timeouts.between_bytes_ms, DEFAULT_BETWEEN_BYTES_MS),
        // Electron has no overall limit, so none unless asked for.
        total_ms: resolve(timeouts.total_ms, 0),
    }
}

/// Options with nothing set, as a wrapper builds them for `{}`; for tests to fill in.
#[cfg(test)]
pub(crate) fn raw() -> RequestOptions {
    RequestOptions {
        from_string: false,
        url: None,
        method: None,
        headers: Vec::new(),
        partition: None,
        credentials: None,
        use_session_cookies: false,
        protocol: None,
        host: None,
        hostname: None,
        port: None,
        path: None,
        redirect: None,
        origin: None,
        referrer_policy: None,
        cache: None,
        priority: None,
        priority_incremental: None,
        bypass_custom_protocol_handlers: false,
        timeouts: Timeouts {
            connect_ms: None,
            first_byte_ms: None,
            between_bytes_ms: None,
            total_ms: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> RequestOptions {
        RequestOptions {
            url: Some(url.to_owned()),
            ..raw()
        }
    }

    fn s(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    #[test]
    fn an_origin_header_names_the_initiator_only_without_the_option() {
        let mut options = parse(&with_url("https://a.example/")).unwrap();
        options.adopt_origin_header(Some("https://b.example:8443"));
        assert_eq!(
            options.origin.unwrap().ascii_serialization(),
            "https://b.example:8443"
        );

        let mut options = parse(&with_url("https://a.example/")).unwrap();
        options.adopt_origin_header(Some("null"));
        assert!(!options.origin.unwrap().is_tuple());

        let mut options = parse(&with_url("https://a.example/")).unwrap();
        options.adopt_origin_header(None);
        assert!(options.origin.is_none());

        let mut options = parse(&RequestOptions {
            origin: s("https://c.example"),
            ..with_url("https://a.example/")
        })
        .unwrap();
        options.adopt_origin_header(Some("https://b.example"));
        assert_eq!(
            options.origin.unwrap().ascii_serialization(),
            "https://c.example"
        );
    }

    fn url_of(options: RequestOptions) -> Result<String, Error> {
        parse(&options).map(|o| o.url.to_string())
    }

    /// Checklist A8: whatever happens, no CR, LF or other control character reaches the URL.
    fn assert_clean(result: &Result<String, Error>) {
        if let Ok(url) = result {
            assert!(!url.bytes().any(|b| b.is_ascii_control()), "{url:?}");
        }
    }

    #[test]
    fn defaults() {
        let options = parse(&raw()).unwrap();
        assert_eq!(options.url.as_str(), "http://localhost/");
        assert_eq!(options.method, "GET");
        assert!(options.headers.entries().is_empty());
        assert_eq!(options.partition, "");
        assert_eq!(options.credentials, CredentialsMode::Default);
        assert!(!options.use_session_cookies);
        assert_eq!(options.redirect, RedirectMode::Follow);
        assert_eq!(options.origin, None);
        assert_eq!(
            options.referrer_policy,
            ReferrerPolicy::StrictOriginWhenCrossOrigin
        );
        assert_eq!(options.cache, CacheMode::Default);
        assert_eq!(
            options.limits,
            Limits {
                connect_ms: Some(30_000),
                first_byte_ms: Some(300_000),
                between_bytes_ms: Some(300_000),
                total_ms: None,
            }
        );
    }

    #[test]
    fn composes_from_host_ignoring_hostname_and_port() {
        let options = RequestOptions {
            protocol: s("http:"),
            host: s("example.com:8080"),
            hostname: s("ignored"),
            port: s("1"),
            path: s("/p?q=1#h"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://example.com:8080/p?q=1#h");
    }

    #[test]
    fn composes_from_hostname_and_port() {
        let options = RequestOptions {
            hostname: s("example.com"),
            port: s("81"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://example.com:81/");
    }

    #[test]
    fn composes_with_https_and_default_hostname() {
        let options = RequestOptions {
            protocol: s("https:"),
            path: s("/a/b"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "https://localhost/a/b");
        let options = RequestOptions {
            protocol: s("https"),
            port: s("8443"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "https://localhost:8443/");
    }

    #[test]
    fn composes_ipv6_hostname_with_brackets() {
        let options = RequestOptions {
            hostname: s("::1"),
            port: s("8080"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://[::1]:8080/");
        let options = RequestOptions {
            hostname: s("[::1]"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://[::1]/");
    }

    #[test]
    fn path_gets_leading_slash() {
        let options = RequestOptions {
            hostname: s("a.com"),
            path: s("@b.com/x"),
            ..raw()
        };
        let url = parse(&options).unwrap().url;
        assert_eq!(url.host_str(), Some("a.com"));
        assert_eq!(url.as_str(), "http://a.com/@b.com/x");
        let options = RequestOptions {
            hostname: s("a.com"),
            path: s("?q=1"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://a.com/?q=1");
    }

    #[test]
    fn path_with_double_slash_keeps_host() {
        let options = RequestOptions {
            hostname: s("a.com"),
            path: s("//b.com/x"),
            ..raw()
        };
        let url = parse(&options).unwrap().url;
        assert_eq!(url.host_str(), Some("a.com"));
        let options = RequestOptions {
            hostname: s("a.com"),
            path: s("/\\b.com/x"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap().url.host_str(), Some("a.com"));
    }

    #[test]
    fn path_with_space_is_unescaped_path() {
        let options = RequestOptions {
            path: s("/a b"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap_err(), Error::UnescapedPath);
        assert_eq!(
            Error::UnescapedPath.message(),
            "Request path contains unescaped characters"
        );
    }

    #[test]
    fn path_with_cr_lf_cannot_inject() {
        let options = RequestOptions {
            hostname: s("a.com"),
            path: s("/x\r\nX-Injected:1"),
            ..raw()
        };
        let result = url_of(options);
        assert_clean(&result);
        let url = Url::parse(&result.unwrap()).unwrap();
        assert_eq!(url.host_str(), Some("a.com"));
    }

    #[test]
    fn url_wins_over_components() {
        let options = RequestOptions {
            url: s("https://example.org/x"),
            protocol: s("ftp:"),
            hostname: s("other"),
            path: s("/has space"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "https://example.org/x");
    }

    #[test]
    fn empty_url_counts_as_absent() {
        let options = RequestOptions {
            url: s(""),
            hostname: s("example.com"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://example.com/");
    }

    #[test]
    fn invalid_urls() {
        for url in [
            "not a url",
            "http://",
            "https://exa mple.com/",
            "http://[::1",
            "/relative",
            "http://a:b:c/",
        ] {
            assert_eq!(
                parse(&with_url(url)).unwrap_err(),
                Error::InvalidUrl,
                "{url:?}"
            );
        }
    }

    #[test]
    fn unsupported_protocols() {
        for url in [
            "ftp://x",
            "file:///etc/passwd",
            "data:text/plain,hi",
            "ws://x/",
            "javascript:alert(1)",
            "about:blank",
        ] {
            assert_eq!(
                parse(&with_url(url)).unwrap_err(),
                Error::UnsupportedProtocol,
                "{url}"
            );
        }
        let options = RequestOptions {
            protocol: s("ftp:"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap_err(), Error::UnsupportedProtocol);
    }

    #[test]
    fn protocol_that_is_not_a_scheme_is_invalid_url() {
        for protocol in ["http://evil.com/#", "not a scheme:", "1http:", "ht tp:"] {
            let options = RequestOptions {
                protocol: s(protocol),
                hostname: s("good.com"),
                ..raw()
            };
            assert_eq!(
                parse(&options).unwrap_err(),
                Error::InvalidUrl,
                "{protocol}"
            );
        }
    }

    #[test]
    fn scheme_is_case_insensitive() {
        assert_eq!(
            url_of(with_url("HTTPS://Example.COM/A")).unwrap(),
            "https://example.com/A"
        );
        let options = RequestOptions {
            protocol: s("HTTP:"),
            ..raw()
        };
        assert_eq!(url_of(options).unwrap(), "http://localhost/");
    }

    #[test]
    fn url_error_comes_before_protocol_and_redirect_errors() {
        let options = RequestOptions {
            redirect: s("bogus"),
            ..with_url("not a url")
        };
        assert_eq!(parse(&options).unwrap_err(), Error::InvalidUrl);
        let options = RequestOptions {
            redirect: s("bogus"),
            ..with_url("ftp://x/")
        };
        assert_eq!(parse(&options).unwrap_err(), Error::UnsupportedProtocol);
        let options = RequestOptions {
            protocol: s("ftp:"),
            path: s("/a b"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap_err(), Error::UnescapedPath);
    }

    #[test]
    fn hostname_with_cr_lf_cannot_retarget() {
        let options = RequestOptions {
            hostname: s("evil.com\r\nX: y"),
            ..raw()
        };
        let result = url_of(options);
        assert_clean(&result);
        assert_eq!(result.unwrap_err(), Error::InvalidUrl);
        let options = RequestOptions {
            host: s("good.com\r\nHost: evil.com"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap_err(), Error::InvalidUrl);
    }

    #[test]
    fn hostname_with_fragment_or_userinfo_cannot_retarget() {
        for hostname in [
            "a.com#@b.com",
            "a.com@b.com",
            "a.com/@b.com",
            "a.com?@b.com",
            "a.com\\@b.com",
            "a.com b.com",
        ] {
            let options = RequestOptions {
                hostname: s(hostname),
                ..raw()
            };
            assert_eq!(
                parse(&options).unwrap_err(),
                Error::InvalidUrl,
                "{hostname}"
            );
            let options = RequestOptions {
                host: s(hostname),
                ..raw()
            };
            assert_eq!(
                parse(&options).unwrap_err(),
                Error::InvalidUrl,
                "{hostname}"
            );
        }
    }

    #[test]
    fn percent_encoded_slash_in_host_is_invalid() {
        for host in [
            "a.com%2F.b.com",
            "a.com%2fb.com",
            "a.com%23b.com",
            "a.com%40b.com",
        ] {
            let options = RequestOptions {
                host: s(host),
                ..raw()
            };
            assert_eq!(parse(&options).unwrap_err(), Error::InvalidUrl, "{host}");
        }
        assert_eq!(
            parse(&with_url("http://a.com%2F.b.com/")).unwrap_err(),
            Error::InvalidUrl
        );
    }

    #[test]
    fn port_must_be_numeric() {
        for port in ["80@evil.com", "80/x", "abc", "-1", "8 0"] {
            let options = RequestOptions {
                hostname: s("good.com"),
                port: s(port),
                ..raw()
            };
            assert_eq!(parse(&options).unwrap_err(), Error::InvalidUrl, "{port}");
        }
        let options = RequestOptions {
            hostname: s("good.com"),
            port: s("99999"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap_err(), Error::InvalidUrl);
    }

    #[test]
    fn url_with_cr_lf_or_fragment_tricks_keeps_parsed_host() {
        // The WHATWG parser drops tab/CR/LF; the host is what `url` parsed, never something hidden.
        let result = url_of(with_url("http://evil.com\r\n.good.com/"));
        assert_clean(&result);
        assert_eq!(result.unwrap(), "http://evil.com.good.com/");

        let options = parse(&with_url("http://a.com#@b.com/")).unwrap();
        assert_eq!(options.url.host_str(), Some("a.com"));
        assert_eq!(options.url.fragment(), Some("@b.com/"));

        let result = url_of(with_url("http://a.com/x\r\nSet-Cookie: a=1"));
        assert_clean(&result);
        assert_eq!(
            Url::parse(&result.unwrap()).unwrap().host_str(),
            Some("a.com")
        );
    }

    #[test]
    fn method_is_upper_cased() {
        let options = RequestOptions {
            method: s("patch"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap().method, "PATCH");
        let options = RequestOptions {
            method: s(""),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap().method, "GET");
        let options = RequestOptions {
            method: s("M-SEARCH"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap().method, "M-SEARCH");
    }

    #[test]
    fn invalid_method_is_invalid_argument() {
        for method in ["GET /evil HTTP/1.1\r\n", "GE T", "PO:ST", "GET\n", "gét"] {
            let options = RequestOptions {
                method: s(method),
                ..raw()
            };
            assert_eq!(
                parse(&options).unwrap_err(),
                Error::Net(NetError::InvalidArgument),
                "{method:?}"
            );
        }
    }

    #[test]
    fn redirect_modes() {
        for (value, mode) in [
            (None, RedirectMode::Follow),
            (s("follow"), RedirectMode::Follow),
            (s("error"), RedirectMode::Error),
            (s("manual"), RedirectMode::Manual),
        ] {
            let options = RequestOptions {
                redirect: value,
                ..raw()
            };
            assert_eq!(parse(&options).unwrap().redirect, mode);
        }
        for value in ["", "Follow", "bogus"] {
            let options = RequestOptions {
                redirect: s(value),
                ..raw()
            };
            assert_eq!(
                parse(&options).unwrap_err(),
                Error::InvalidRedirectMode,
                "{value:?}"
            );
        }
    }

    #[test]
    fn credentials_modes() {
        for (value, mode) in [
            (None, CredentialsMode::Default),
            (s("include"), CredentialsMode::Include),
            (s("omit"), CredentialsMode::Omit),
            (s("bogus"), CredentialsMode::Default),
            (s("Include"), CredentialsMode::Default),
        ] {
            let options = RequestOptions {
                credentials: value,
                ..raw()
            };
            assert_eq!(parse(&options).unwrap().credentials, mode);
        }
    }

    #[test]
    fn same_origin_requires_origin() {
        let options = RequestOptions {
            credentials: s("same-origin"),
            ..raw()
        };
        assert_eq!(
            parse(&options).unwrap_err(),
            Error::SameOriginRequiresOrigin
        );
        let options = RequestOptions {
            credentials: s("same-origin"),
            origin: s("https://example.com"),
            ..raw()
        };
        assert_eq!(
            parse(&options).unwrap().credentials,
            CredentialsMode::SameOrigin
        );
        let options = RequestOptions {
            from_string: true,
            credentials: s("same-origin"),
            ..with_url("https://example.com/x")
        };
        assert_eq!(
            parse(&options).unwrap().credentials,
            CredentialsMode::SameOrigin
        );
    }

    #[test]
    fn redirect_error_comes_before_credentials_error() {
        let options = RequestOptions {
            redirect: s("bogus"),
            credentials: s("same-origin"),
            ..raw()
        };
        assert_eq!(parse(&options).unwrap_err(), Error::InvalidRedirectMode);
    }

    #[test]
    fn credentials_error_comes_before_header_error() {
        let options = RequestOptions {
            credentials: s("same-origin"),
            headers: vec![("bad name".into(), "v".into())],
            ..raw()
        };
        assert_eq!(
            parse(&options).unwrap_err(),
            Error::SameOriginRequiresOrigin
        );
    }

    #[test]
    fn header_error_comes_before_method_error() {
        let options = RequestOptions {
            method: s("BAD METHOD"),
            headers: vec![("bad name".into(), "v".into())],
            ..raw()
        };
        assert_eq!(
            parse(&options).unwrap_err(),
            Error::InvalidHeaderName("bad name".into())
        );
    }

    #[test]
    fn origin_from_string_and_option() {
        let options = RequestOptions {
            from_string: true,
            ..with_url("https://example.com:8443/path")
        };
        let origin = parse(&options).unwrap().origin.unwrap();
        assert_eq!(origin.ascii_serialization(), "https://example.com:8443");

        let options = RequestOptions {
            origin: s("https://app.example/some/path"),
            ..with_url("https://api.example/")
        };
        let origin = parse(&options).unwrap().origin.unwrap();
        assert_eq!(origin.ascii_serialization(), "https://app.example");

        // An object without origin has none, even with a url.
        assert_eq!(
            parse(&with_url("https://example.com/")).unwrap().origin,
            None
        );
    }

    #[test]
    fn unparsable_origin_is_opaque() {
        for origin in ["null", "garbage", ""] {
            let options = RequestOptions {
                origin: s(origin),
                credentials: s("same-origin"),
                ..with_url("https://example.com/")
            };
            let parsed = parse(&options).unwrap();
            let opaque = parsed.origin.clone().unwrap();
            assert!(!opaque.is_tuple(), "{origin:?}");
            assert!(!parsed.cookies_enabled_for(&parsed.url));
            assert!(!parsed.auth_enabled_for(&parsed.url));
        }
    }

    #[test]
    fn headers_are_validated_in_order() {
        let options = RequestOptions {
            headers: vec![
                ("X-A".into(), "1".into()),
                ("x-b".into(), "2".into()),
                ("X-a".into(), "3".into()),
            ],
            ..raw()
        };
        let headers = parse(&options).unwrap().headers;
        assert_eq!(
            headers.entries(),
            &[
                ("X-a".to_owned(), "3".to_owned()),
                ("x-b".to_owned(), "2".to_owned())
            ]
        );
        let options = RequestOptions {
            headers: vec![("X-A".into(), "1".into()), ("X-B".into(), "a\r\nb".into())],
            ..raw()
        };
        assert_eq!(
            parse(&options).unwrap_err(),
            Error::InvalidHeaderValue("X-B".into(), "a\r\nb".into())
        );
    }

    #[test]
    fn restricted_headers_are_accepted_at_parse_time() {
        let options = RequestOptions {
            headers: vec![("Host".into(), "evil.com".into())],
            ..raw()
        };
        assert!(parse(&options).unwrap().headers.has_restricted());
    }

    #[test]
    fn partition_and_session_cookies() {
        let options = RequestOptions {
            partition: s("persist:x"),
            use_session_cookies: true,
            ..raw()
        };
        let options = parse(&options).unwrap();
        assert_eq!(options.partition, "persist:x");
        assert!(options.use_session_cookies);
    }

    #[test]
    fn referrer_policies() {
        use ReferrerPolicy::*;
        for (value, policy) in [
            (None, StrictOriginWhenCrossOrigin),
            (s(""), StrictOriginWhenCrossOrigin),
            (s("no-referrer"), NoReferrer),
            (s("no-referrer-when-downgrade"), NoReferrerWhenDowngrade),
            (s("origin"), Origin),
            (s("origin-when-cross-origin"), OriginWhenCrossOrigin),
            (s("same-origin"), SameOrigin),
            (s("strict-origin"), StrictOrigin),
            (
                s("strict-origin-when-cross-origin"),
                StrictOriginWhenCrossOrigin,
            ),
            (s("unsafe-url"), UnsafeUrl),
            (s("bogus"), StrictOriginWhenCrossOrigin),
        ] {
            let options = RequestOptions {
                referrer_policy: value.clone(),
                ..raw()
            };
            assert_eq!(
                parse(&options).unwrap().referrer_policy,
                policy,
                "{value:?}"
            );
        }
    }

    #[test]
    fn cache_modes() {
        use CacheMode::*;
        for (value, mode) in [
            (None, Default),
            (s("default"), Default),
            (s("no-store"), NoStore),
            (s("no-cache"), NoCache),
            (s("reload"), Reload),
            (s("force-cache"), ForceCache),
            (s("only-if-cached"), OnlyIfCached),
            (s("bogus"), Default),
        ] {
            let options = RequestOptions {
                cache: value.clone(),
                ..raw()
            };
            assert_eq!(parse(&options).unwrap().cache, mode, "{value:?}");
        }
    }

    #[test]
    fn invalid_priority_is_ignored() {
        let options = RequestOptions {
            priority: s("bogus"),
            priority_incremental: Some(false),
            bypass_custom_protocol_handlers: true,
            ..raw()
        };
        assert!(parse(&options).is_ok());
    }

    #[test]
    fn cache_request_headers() {
        assert_eq!(CacheMode::Default.request_headers(), &[]);
        assert_eq!(CacheMode::ForceCache.request_headers(), &[]);
        assert_eq!(CacheMode::OnlyIfCached.request_headers(), &[]);
        assert_eq!(
            CacheMode::NoCache.request_headers(),
            &[("Cache-Control", "max-age=0")]
        );
        for mode in [CacheMode::Reload, CacheMode::NoStore] {
            assert_eq!(
                mode.request_headers(),
                &[("Pragma", "no-cache"), ("Cache-Control", "no-cache")]
            );
        }
    }

    #[test]
    fn limits_defaults_explicit_and_zero() {
        let options = RequestOptions {
            timeouts: Timeouts {
                connect_ms: Some(0),
                first_byte_ms: Some(1234),
                between_bytes_ms: None,
                total_ms: Some(5000),
            },
            ..raw()
        };
        assert_eq!(
            parse(&options).unwrap().limits,
            Limits {
                connect_ms: None,
                first_byte_ms: Some(1234),
                between_bytes_ms: Some(300_000),
                total_ms: Some(5000),
            }
        );
    }

    fn with_credentials(credentials: Option<&str>, use_session_cookies: bool) -> Options {
        parse(&RequestOptions {
            credentials: credentials.map(str::to_owned),
            use_session_cookies,
            origin: s("https://app.example"),
            ..with_url("https://app.example/")
        })
        .unwrap()
    }

    #[test]
    fn cookie_and_auth_table() {
        let same = Url::parse("https://app.example/other").unwrap();
        let cross = Url::parse("https://api.example/").unwrap();
        let other_port = Url::parse("https://app.example:444/").unwrap();
        let other_scheme = Url::parse("http://app.example/").unwrap();

        let default = with_credentials(None, false);
        assert!(!default.cookies_enabled_for(&same));
        assert!(default.auth_enabled_for(&same));
        assert!(default.auth_enabled_for(&cross));

        let session = with_credentials(None, true);
        assert!(session.cookies_enabled_for(&cross));
        assert!(session.auth_enabled_for(&cross));

        for use_session_cookies in [false, true] {
            let include = with_credentials(Some("include"), use_session_cookies);
            assert!(include.cookies_enabled_for(&cross));
            assert!(include.auth_enabled_for(&cross));

            let omit = with_credentials(Some("omit"), use_session_cookies);
            assert!(!omit.cookies_enabled_for(&same));
            assert!(!omit.auth_enabled_for(&same));

            let same_origin = with_credentials(Some("same-origin"), use_session_cookies);
            assert!(same_origin.cookies_enabled_for(&same));
            assert!(same_origin.auth_enabled_for(&same));
            for url in [&cross, &other_port, &other_scheme] {
                assert!(!same_origin.cookies_enabled_for(url), "{url}");
                assert!(!same_origin.auth_enabled_for(url), "{url}");
            }
        }
    }

    #[test]
    fn default_port_is_same_origin() {
        let options = with_credentials(Some("same-origin"), false);
        assert!(options.cookies_enabled_for(&Url::parse("https://app.example:443/x").unwrap()));
    }
}
