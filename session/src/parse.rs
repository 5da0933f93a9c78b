//! Parsing one `Set-Cookie` line: RFC 6265bis §5.6, step by step.
//!
//! One deliberate difference from 6265bis: a line without `=` or with an empty name is ignored,
//! as RFC 6265 §5.2 said and the http-state vectors, curl, Go's net/http and the `cookie` crate
//! do. 6265bis instead stores such a line as a nameless cookie (sent as a bare value), which
//! servers cannot address by name and which 6265bis itself has to fence off from the `__Host-`
//! prefix checks.

use crate::clock::UnixTime;
use crate::cookie::SameSite;
use crate::date::parse_cookie_date;
use crate::rejection::Rejection;

/// Longest name plus value, in bytes (6265bis §5.6 step 7).
pub const MAX_NAME_VALUE_BYTES: usize = 4096;
/// Longest attribute value, in bytes; longer attributes are ignored (6265bis §5.6).
pub const MAX_ATTRIBUTE_BYTES: usize = 1024;

/// A parsed `Set-Cookie` line (the cookie-attribute-list reduced to the last value of each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ParsedCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) expiry: Expiry,
    /// Lowercase, one leading dot removed; never empty.
    pub(crate) domain: Option<String>,
    /// The last `Path` attribute's value as written (may be empty or relative).
    pub(crate) path: Option<String>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: SameSite,
}

/// Lifetime attributes before the storage model turns them into an expiry time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Expiry {
    /// The last valid `Max-Age`, in seconds (may be zero or negative).
    pub(crate) max_age: Option<i64>,
    /// The last valid `Expires` date.
    pub(crate) expires: Option<UnixTime>,
}

/// Whether `byte` is one of the control characters 6265bis forbids anywhere in a line
/// (`%x00-08 / %x0A-1F / %x7F`: every CTL except horizontal tab).
pub(crate) fn is_forbidden_control(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0A..=0x1F | 0x7F)
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Parses a `Set-Cookie` line, or says why it is ignored.
pub(crate) fn parse_set_cookie(line: &str) -> Result<ParsedCookie, Rejection> {
    if line.bytes().any(is_forbidden_control) {
        return Err(Rejection::ControlCharacter);
    }
    let (pair, mut attributes) = line.split_once(';').unwrap_or((line, ""));
    let (name, value) = pair.split_once('=').ok_or(Rejection::Malformed)?;
    let (name, value) = (trim_wsp(name), trim_wsp(value));
    if name.is_empty() {
        return Err(Rejection::Malformed);
    }
    if name.len() + value.len() > MAX_NAME_VALUE_BYTES {
        return Err(Rejection::NameValueTooLarge);
    }
    let mut cookie = ParsedCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        ..ParsedCookie::default()
    };
    while !attributes.is_empty() {
        let (av, rest) = attributes.split_once(';').unwrap_or((attributes, ""));
        attributes = rest;
        let (attribute, value) = av.split_once('=').unwrap_or((av, ""));
        let (attribute, value) = (trim_wsp(attribute), trim_wsp(value));
        if value.len() > MAX_ATTRIBUTE_BYTES {
            continue;
        }
        cookie.apply_attribute(attribute, value);
    }
    Ok(cookie)
}

impl ParsedCookie {
    /// §5.6.1-§5.6.7; unknown attributes and invalid values are ignored.
    fn apply_attribute(&mut self, attribute: &str, value: &str) {
        match attribute.to_ascii_lowercase().as_str() {
            "expires" => {
                if let Some(date) = parse_cookie_date(value) {
                    self.expiry.expires = Some(date);
                }
            }
            "max-age" => {
                if let Some(seconds) = parse_max_age(value) {
                    self.expiry.max_age = Some(seconds);
                }
            }
            "domain" => {
                let domain = value.strip_prefix('.').unwrap_or(value);
                // An empty Domain is ignored (§5.6.3), so an earlier one still applies.
                if !value.is_empty() {
                    self.domain = Some(domain.to_ascii_lowercase());
                }
            }
            "path" => self.path = Some(value.to_owned()),
            "secure" => self.secure = true,
            "httponly" => self.http_only = true,
            "samesite" => self.same_site = SameSite::from_attribute(value),
            _ => {}
        }
    }
}

/// §5.6.2: an optional `-` then digits only; huge values saturate (the 400-day cap follows).
fn parse_max_age(value: &str) -> Option<i64> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits
        .bytes()
        .try_fold(0i64, |n, d| {
            n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
        .unwrap_or(i64::MAX);
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> ParsedCookie {
        parse_set_cookie(line).unwrap()
    }

    #[test]
    fn name_and_value_are_trimmed_of_spaces_and_tabs_only() {
        let cookie = parse("\t a b = \"c d\" \t; x");
        assert_eq!(
            (cookie.name.as_str(), cookie.value.as_str()),
            ("a b", "\"c d\"")
        );
    }

    #[test]
    fn lines_without_a_name_are_ignored() {
        assert_eq!(parse_set_cookie("foo"), Err(Rejection::Malformed));
        assert_eq!(parse_set_cookie("=foo"), Err(Rejection::Malformed));
        assert_eq!(parse_set_cookie("  =foo"), Err(Rejection::Malformed));
        assert_eq!(parse_set_cookie(""), Err(Rejection::Malformed));
        assert_eq!(parse("a=").value, "");
    }

    #[test]
    fn last_valid_attribute_wins() {
        let cookie = parse("a=b; Max-Age=10; max-age=x; Path=/p; path=/q; Domain=.A.com; domain=");
        assert_eq!(cookie.expiry.max_age, Some(10));
        assert_eq!(cookie.path.as_deref(), Some("/q"));
        assert_eq!(cookie.domain.as_deref(), Some("a.com"));
    }

    #[test]
    fn max_age_syntax() {
        assert_eq!(parse_max_age("0"), Some(0));
        assert_eq!(parse_max_age("-5"), Some(-5));
        assert_eq!(parse_max_age("99999999999999999999999"), Some(i64::MAX));
        assert_eq!(parse_max_age("+5"), None);
        assert_eq!(parse_max_age("-"), None);
        assert_eq!(parse_max_age("5s"), None);
        assert_eq!(parse_max_age("2.63"), None);
        assert_eq!(parse_max_age(""), None);
    }

    #[test]
    fn same_site_values() {
        assert_eq!(parse("a=b; SameSite=STRICT").same_site, SameSite::Strict);
        assert_eq!(parse("a=b; samesite=lax").same_site, SameSite::Lax);
        assert_eq!(
            parse("a=b; SameSite=None").same_site,
            SameSite::NoRestriction
        );
        assert_eq!(
            parse("a=b; SameSite=bogus").same_site,
            SameSite::Unspecified
        );
        assert_eq!(parse("a=b").same_site, SameSite::Unspecified);
    }
}
