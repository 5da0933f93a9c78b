//! Request header storage and validation (behaviour §3, checklist C12-C13).
//!
//! Names are compared ASCII case-insensitively, entries keep their insertion order, and a name
//! keeps the casing it was last given.

use crate::error::Error;

/// Request headers: case-insensitive, insertion-ordered, names keep the case last given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderList {
    entries: Vec<(String, String)>,
}

/// Headers no request may carry, whatever their value (compared case-insensitively).
const RESTRICTED_NAMES: &[&str] = &[
    "content-length",
    "host",
    "trailer",
    "te",
    "upgrade",
    "cookie2",
    "keep-alive",
    "transfer-encoding",
    "set-cookie",
];

/// Method-override headers that may not carry a forbidden method.
const METHOD_OVERRIDE_NAMES: &[&str] = &[
    "x-http-method",
    "x-http-method-override",
    "x-method-override",
];

/// Methods a method-override header may not name.
const FORBIDDEN_METHODS: &[&str] = &["connect", "trace", "track"];

impl HeaderList {
    pub fn new() -> Self {
        Self::default()
    }

    /// Electron's setHeader checks (after the "already sent" check, which the caller does): name
    /// must be an RFC 7230 token else `Error::InvalidHeaderName(name)`; value with CR, LF or NUL
    /// else `Error::InvalidHeaderValue(name, value)`. Setting an existing name (any case) replaces
    /// the value and the stored name casing but keeps the position.
    ///
    /// Other control bytes (such as `\x01`) are accepted here, as in Electron and Chromium; see
    /// [`is_wire_safe`] for the later check that fails such a request.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if !is_token(name) {
            return Err(Error::InvalidHeaderName(name.to_owned()));
        }
        if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(Error::InvalidHeaderValue(name.to_owned(), value.to_owned()));
        }
        self.set_trusted(name, value);
        Ok(())
    }

    /// Same as [`HeaderList::set`] but without validation, for headers the component itself adds
    /// (Cookie, Referer, Sec-Fetch-*, Authorization...).
    pub fn set_trusted(&mut self, name: &str, value: &str) {
        match self.position(name) {
            Some(index) => {
                let entry = &mut self.entries[index];
                entry.0 = name.to_owned();
                entry.1 = value.to_owned();
            }
            None => self.entries.push((name.to_owned(), value.to_owned())),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name)
            .map(|index| self.entries[index].1.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Returns whether something was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.entries.len() != before
    }

    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The restricted-header rule of behaviour §3 / checklist C12: Content-Length, Host, Trailer,
    /// TE, Upgrade, Cookie2, Keep-Alive, Transfer-Encoding, Set-Cookie, any `Proxy-*`,
    /// `Connection` whose value contains the token `upgrade`, and X-HTTP-Method /
    /// X-HTTP-Method-Override / X-Method-Override naming CONNECT, TRACE or TRACK (comma-separated,
    /// trimmed, case-insensitive). Returns true when the request must fail with
    /// `net::ERR_INVALID_ARGUMENT`.
    pub fn has_restricted(&self) -> bool {
        self.entries
            .iter()
            .any(|(name, value)| is_restricted(name, value))
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

fn is_restricted(name: &str, value: &str) -> bool {
    let starts_with_proxy = name
        .get(..6)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("proxy-"));
    if starts_with_proxy
        || RESTRICTED_NAMES
            .iter()
            .any(|r| name.eq_ignore_ascii_case(r))
    {
        return true;
    }
    if name.eq_ignore_ascii_case("connection") {
        return has_token(value, &["upgrade"]);
    }
    if METHOD_OVERRIDE_NAMES
        .iter()
        .any(|m| name.eq_ignore_ascii_case(m))
    {
        return has_token(value, FORBIDDEN_METHODS);
    }
    false
}

/// Whether the comma-separated list `value` contains one of `tokens` (trimmed, case-insensitive).
fn has_token(value: &str, tokens: &[&str]) -> bool {
    value
        .split(',')
        .map(|item| item.trim_matches([' ', '\t']))
        .any(|item| tokens.iter().any(|t| item.eq_ignore_ascii_case(t)))
}

/// RFC 7230 `token`: one or more `tchar`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Whether a header value can be handed to a wasi:http host: every byte is HTAB, 0x20..=0x7E or
/// at least 0x80. [`HeaderList::set`] accepts other control bytes (as Chromium does), but the host cannot
/// express them, so a request carrying one fails with `net::ERR_INVALID_ARGUMENT`.
pub fn is_wire_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> HeaderList {
        let mut headers = HeaderList::new();
        for (name, value) in pairs {
            headers.set_trusted(name, value);
        }
        headers
    }

    fn restricted(name: &str, value: &str) -> bool {
        list(&[(name, value)]).has_restricted()
    }

    #[test]
    fn new_list_is_empty() {
        let headers = HeaderList::new();
        assert!(headers.entries().is_empty());
        assert!(!headers.has_restricted());
        assert_eq!(headers.get("a"), None);
    }

    #[test]
    fn set_and_get_are_case_insensitive() {
        let mut headers = HeaderList::new();
        headers.set("X-Custom", "1").unwrap();
        assert_eq!(headers.get("x-custom"), Some("1"));
        assert_eq!(headers.get("X-CUSTOM"), Some("1"));
        assert!(headers.contains("x-CuStOm"));
        assert!(!headers.contains("x-other"));
    }

    #[test]
    fn replace_keeps_position_and_takes_new_casing() {
        let mut headers = HeaderList::new();
        headers.set("First", "1").unwrap();
        headers.set("x-middle", "2").unwrap();
        headers.set("Last", "3").unwrap();
        headers.set("X-MIDDLE", "two").unwrap();
        assert_eq!(
            headers.entries(),
            &[
                ("First".to_owned(), "1".to_owned()),
                ("X-MIDDLE".to_owned(), "two".to_owned()),
                ("Last".to_owned(), "3".to_owned()),
            ]
        );
    }

    #[test]
    fn set_trusted_also_replaces_in_place() {
        let mut headers = list(&[("a", "1"), ("cookie", "x=1"), ("b", "2")]);
        headers.set_trusted("Cookie", "y=2");
        assert_eq!(
            headers.entries()[1],
            ("Cookie".to_owned(), "y=2".to_owned())
        );
        assert_eq!(headers.entries().len(), 3);
    }

    #[test]
    fn insertion_order_is_kept() {
        let headers = list(&[("c", "1"), ("a", "2"), ("b", "3")]);
        let names: Vec<&str> = headers.entries().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["c", "a", "b"]);
    }

    #[test]
    fn remove_is_case_insensitive_and_reports() {
        let mut headers = list(&[("A", "1"), ("B", "2")]);
        assert!(headers.remove("a"));
        assert!(!headers.remove("a"));
        assert!(!headers.remove("missing"));
        assert_eq!(headers.entries(), &[("B".to_owned(), "2".to_owned())]);
    }

    #[test]
    fn invalid_names_are_rejected_with_the_name() {
        for name in [
            "", "a b", "a:b", "a\r", "a\nb", "a\0", "é", "(x)", "a/b", "a\"", "a{b}", "a\tb",
        ] {
            let mut headers = HeaderList::new();
            assert_eq!(
                headers.set(name, "v"),
                Err(Error::InvalidHeaderName(name.to_owned())),
                "{name:?}"
            );
            assert!(headers.entries().is_empty());
        }
    }

    #[test]
    fn token_characters_are_accepted_in_names() {
        let mut headers = HeaderList::new();
        headers.set("!#$%&'*+-.^_`|~09azAZ", "v").unwrap();
        assert_eq!(headers.get("!#$%&'*+-.^_`|~09AZaz"), Some("v"));
    }

    #[test]
    fn name_is_checked_before_value() {
        let mut headers = HeaderList::new();
        assert_eq!(
            headers.set("a b", "x\ny"),
            Err(Error::InvalidHeaderName("a b".to_owned()))
        );
    }

    #[test]
    fn cr_lf_nul_in_value_are_rejected_with_exact_name_and_value() {
        for value in ["a\rb", "a\nb", "a\0b", "\r\n", "x\r\nInjected: 1"] {
            let mut headers = HeaderList::new();
            assert_eq!(
                headers.set("X-Test", value),
                Err(Error::InvalidHeaderValue(
                    "X-Test".to_owned(),
                    value.to_owned()
                )),
                "{value:?}"
            );
            assert!(headers.entries().is_empty());
        }
    }

    #[test]
    fn failed_set_leaves_existing_value() {
        let mut headers = list(&[("X-Test", "old")]);
        assert!(headers.set("x-test", "new\r\n").is_err());
        assert_eq!(
            headers.entries(),
            &[("X-Test".to_owned(), "old".to_owned())]
        );
    }

    #[test]
    fn other_values_are_accepted() {
        let mut headers = HeaderList::new();
        for value in [
            "",
            " padded ",
            "tab\there",
            "ünïcödé",
            "a\x01b",
            "del\x7f",
            "q=\"x\"",
        ] {
            headers.set("X-Value", value).unwrap();
            assert_eq!(headers.get("x-value"), Some(value));
        }
    }

    #[test]
    fn control_byte_one_is_accepted_by_set_but_not_wire_safe() {
        let mut headers = HeaderList::new();
        headers.set("X-Ctl", "a\x01b").unwrap();
        assert_eq!(headers.get("X-Ctl"), Some("a\x01b"));
        assert!(!is_wire_safe("a\x01b"));
    }

    #[test]
    fn wire_safety() {
        assert!(is_wire_safe(""));
        assert!(is_wire_safe("plain value"));
        assert!(is_wire_safe("tab\tok"));
        assert!(is_wire_safe("~!@#$%^&*()"));
        assert!(is_wire_safe("ünïcödé €"));
        for byte in (0u8..0x20).filter(|b| *b != b'\t').chain([0x7f]) {
            let value = format!("a{}b", byte as char);
            assert!(!is_wire_safe(&value), "{byte:#x}");
        }
        for byte in 0x20u8..=0x7e {
            assert!(is_wire_safe(&(byte as char).to_string()), "{byte:#x}");
        }
    }

    #[test]
    fn every_restricted_name_is_restricted_in_any_case() {
        for name in [
            "Content-Length",
            "Host",
            "Trailer",
            "TE",
            "Upgrade",
            "Cookie2",
            "Keep-Alive",
            "Transfer-Encoding",
            "Set-Cookie",
            "Proxy-Authorization",
            "Proxy-Connection",
            "Proxy-Foo",
            "proxy-",
        ] {
            assert!(restricted(name, "x"), "{name}");
            assert!(restricted(&name.to_ascii_lowercase(), "x"), "{name}");
            assert!(restricted(&name.to_ascii_uppercase(), "x"), "{name}");
        }
    }

    #[test]
    fn connection_upgrade_is_restricted() {
        assert!(restricted("Connection", "Upgrade"));
        assert!(restricted("connection", "upgrade"));
        assert!(restricted("Connection", "keep-alive, Upgrade"));
        assert!(restricted("Connection", " UPGRADE "));
    }

    #[test]
    fn other_connection_values_are_allowed() {
        assert!(!restricted("Connection", "close"));
        assert!(!restricted("Connection", "keep-alive"));
        assert!(!restricted("Connection", "upgrade-insecure"));
    }

    #[test]
    fn method_override_with_forbidden_method_is_restricted() {
        for name in [
            "X-HTTP-Method",
            "X-HTTP-Method-Override",
            "X-Method-Override",
        ] {
            for value in ["CONNECT", "trace", "Track", "GET, TRACE", " get ,connect "] {
                assert!(restricted(name, value), "{name}: {value}");
            }
            for value in ["GET", "PATCH", "DELETE", "TRACES", "GET TRACE", ""] {
                assert!(!restricted(name, value), "{name}: {value}");
            }
        }
        assert!(restricted("x-http-method-override", "trace"));
        assert!(!restricted("X-Other-Override", "TRACE"));
    }

    #[test]
    fn ordinary_and_credential_headers_are_allowed() {
        for name in [
            "Authorization",
            "Cookie",
            "Referer",
            "Origin",
            "Accept",
            "User-Agent",
            "Content-Type",
            "X-Custom",
            "Proxyish",
            "Hostname",
        ] {
            assert!(!restricted(name, "v"), "{name}");
        }
    }

    #[test]
    fn one_restricted_header_among_many_is_found() {
        let headers = list(&[
            ("Accept", "*/*"),
            ("Cookie", "a=1"),
            ("TE", "trailers"),
            ("X", "y"),
        ]);
        assert!(headers.has_restricted());
        let mut headers = headers;
        headers.remove("te");
        assert!(!headers.has_restricted());
    }

    #[test]
    fn non_ascii_name_does_not_panic_in_restriction_check() {
        // Trusted names are not validated; the prefix check must not slice inside a character.
        assert!(!restricted("proxy\u{e9}x", "v"));
        assert!(!restricted("pr\u{e9}xy-a", "v"));
        assert!(!restricted("\u{e9}", "v"));
    }
}
