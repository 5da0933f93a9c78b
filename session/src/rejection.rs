//! Why a cookie was refused, in Chromium's words.

use std::fmt;

/// Why the jar refused a cookie. [`fmt::Display`] gives the message Electron rejects
/// `cookies.set` with (`Failed to set cookie - ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// No `=`, an empty name, or a value a `Set-Cookie` line could not carry.
    Malformed,
    /// A control character (other than tab) in the line or a field.
    ControlCharacter,
    /// Name plus value longer than 4096 bytes.
    NameValueTooLarge,
    /// An attribute given to `cookies.set` longer than 1024 bytes.
    AttributeTooLarge,
    /// The URL is not an `http:`/`https:` URL with a host.
    InvalidUrl,
    /// Domain is a public suffix, an IP other than the host, another site, or not ASCII.
    InvalidDomain,
    /// Secure cookie from a non-secure URL.
    SecureFromInsecure,
    /// A non-secure URL tried to replace or shadow a Secure cookie.
    OverwriteSecure,
    /// `SameSite=None` without Secure.
    SameSiteNoneInsecure,
    /// A Lax/Strict cookie from a cross-site request that is not a safe (GET/HEAD) one.
    CrossSite,
    /// `__Secure-` without Secure, or `__Host-` without Secure, with Domain, or with a path
    /// other than `Path=/`.
    InvalidPrefix,
}

impl Rejection {
    /// The reason alone, worded like Chromium's `CookieInclusionStatus`.
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Malformed => "The cookie was malformed and could not be stored",
            Rejection::ControlCharacter => "The cookie contains ASCII control characters",
            Rejection::NameValueTooLarge => "The cookie exceeded the name/value pair size limit.",
            Rejection::AttributeTooLarge => "Cookie exceeded the attribute size limit.",
            Rejection::InvalidUrl => {
                "Attempted to set a cookie from a scheme that does not support cookies."
            }
            Rejection::InvalidDomain => "The cookie was set with an invalid Domain attribute.",
            Rejection::SecureFromInsecure => {
                "The cookie was Secure, but the URL was not allowed to access Secure cookies."
            }
            Rejection::OverwriteSecure => {
                "The cookie would have overwritten a Secure cookie, and was not allowed to do so."
            }
            Rejection::SameSiteNoneInsecure => {
                "The cookie specified SameSite=None, but it was not Secure."
            }
            Rejection::CrossSite => {
                "The cookie's SameSite attribute does not allow setting it from a cross-site request."
            }
            Rejection::InvalidPrefix => {
                "The cookie was set with an invalid __Host- or __Secure- prefix."
            }
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Failed to set cookie - {}", self.reason())
    }
}

impl std::error::Error for Rejection {}
