//! Every failure the component reports, and the one function that words it the way Electron does.

/// The Chromium errors the component reports, each with its `net::ERR_*` name: the one list the
/// [`NetError`] enum and the mapping to the WIT `net-error` enum (in `lib.rs`) are generated
/// from. The WIT enum names the same cases, so a case missing on either side fails to compile.
///
/// Invoked with the name of a macro that receives the list as `Variant => "ERR_NAME",` pairs.
macro_rules! net_errors {
    ($then:ident) => {
        $then! {
            Failed => "ERR_FAILED",
            Aborted => "ERR_ABORTED",
            InvalidArgument => "ERR_INVALID_ARGUMENT",
            TimedOut => "ERR_TIMED_OUT",
            BlockedByClient => "ERR_BLOCKED_BY_CLIENT",
            UploadStreamRewindNotSupported => "ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED",
            ConnectionClosed => "ERR_CONNECTION_CLOSED",
            ConnectionReset => "ERR_CONNECTION_RESET",
            ConnectionRefused => "ERR_CONNECTION_REFUSED",
            ConnectionAborted => "ERR_CONNECTION_ABORTED",
            ConnectionFailed => "ERR_CONNECTION_FAILED",
            NameNotResolved => "ERR_NAME_NOT_RESOLVED",
            AddressUnreachable => "ERR_ADDRESS_UNREACHABLE",
            SslProtocolError => "ERR_SSL_PROTOCOL_ERROR",
            ConnectionTimedOut => "ERR_CONNECTION_TIMED_OUT",
            CertCommonNameInvalid => "ERR_CERT_COMMON_NAME_INVALID",
            CertDateInvalid => "ERR_CERT_DATE_INVALID",
            CertAuthorityInvalid => "ERR_CERT_AUTHORITY_INVALID",
            InvalidUrl => "ERR_INVALID_URL",
            UnknownUrlScheme => "ERR_UNKNOWN_URL_SCHEME",
            InvalidRedirect => "ERR_INVALID_REDIRECT",
            TooManyRedirects => "ERR_TOO_MANY_REDIRECTS",
            UnsafeRedirect => "ERR_UNSAFE_REDIRECT",
            InvalidResponse => "ERR_INVALID_RESPONSE",
            EmptyResponse => "ERR_EMPTY_RESPONSE",
            ResponseHeadersTooBig => "ERR_RESPONSE_HEADERS_TOO_BIG",
            ResponseHeadersMultipleContentLength => "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH",
            ResponseHeadersMultipleLocation => "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION",
            ContentLengthMismatch => "ERR_CONTENT_LENGTH_MISMATCH",
            IncompleteChunkedEncoding => "ERR_INCOMPLETE_CHUNKED_ENCODING",
            ContentDecodingFailed => "ERR_CONTENT_DECODING_FAILED",
            InvalidHttpResponse => "ERR_INVALID_HTTP_RESPONSE",
            InvalidAuthCredentials => "ERR_INVALID_AUTH_CREDENTIALS",
            CacheMiss => "ERR_CACHE_MISS",
            ProxyConnectionFailed => "ERR_PROXY_CONNECTION_FAILED",
            InsufficientResources => "ERR_INSUFFICIENT_RESOURCES",
        }
    };
}
pub(crate) use net_errors;

macro_rules! define_net_error {
    ($($variant:ident => $name:literal,)*) => {
        /// A Chromium network error; [`NetError::name`] gives its `net::ERR_*` spelling.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum NetError {
            $($variant,)*
        }

        impl NetError {
            const ALL: &[NetError] = &[$(NetError::$variant,)*];

            /// Chromium's name, e.g. `ERR_CONNECTION_REFUSED`.
            pub fn name(self) -> &'static str {
                match self {
                    $(NetError::$variant => $name,)*
                }
            }
        }
    };
}

net_errors!(define_net_error);

impl NetError {
    /// Parses `net::ERR_NAME` (or `ERR_NAME`): hosts that know Chromium's exact reason pass it as
    /// wasi:http's `internal-error` payload.
    pub fn from_name(name: &str) -> Option<NetError> {
        let name = name.strip_prefix("net::").unwrap_or(name);
        NetError::ALL.iter().copied().find(|net| net.name() == name)
    }
}

/// Everything that can go wrong, one case per case of the WIT `error-code` variant.
/// The largest buffered (not chunked) request body, in bytes. It is kept whole in guest memory
/// so that a 307/308 redirect or a login can send it again.
pub const MAX_BUFFERED_BODY: usize = 128 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    Net(NetError),
    InvalidUrl,
    UnescapedPath,
    UnsupportedProtocol,
    InvalidRedirectMode,
    SameOriginRequiresOrigin,
    SetHeaderAfterSent,
    RemoveHeaderAfterSent,
    InvalidHeaderName(String),
    InvalidHeaderValue(String, String),
    ChunkedEncodingAfterStart,
    ChunkedEncodingSetTwice,
    WriteAfterEnd,
    BufferedBodyTooLarge,
    RedirectPolicy,
    RedirectCancelled,
    NotWaitingForRedirect,
    NotWaitingForLogin,
    FetchDestRequiresNavigate,
}

impl Error {
    /// Electron's exact message. This is the only place these strings are written.
    pub fn message(&self) -> String {
        use Error::*;
        match self {
            Net(net) => format!("net::{}", net.name()),
            InvalidUrl => "Invalid URL".into(),
            UnescapedPath => "Request path contains unescaped characters".into(),
            UnsupportedProtocol => "ClientRequest only supports http: and https: protocols".into(),
            InvalidRedirectMode => "redirect mode should be one of follow, error or manual".into(),
            SameOriginRequiresOrigin => "credentials: same-origin requires origin to be set".into(),
            SetHeaderAfterSent => "Can't set headers after they are sent".into(),
            RemoveHeaderAfterSent => "Can't remove headers after they are sent".into(),
            InvalidHeaderName(name) => format!("Invalid header name: '{name}'"),
            InvalidHeaderValue(name, value) => {
                format!("Invalid value for header '{name}': '{value}'")
            }
            ChunkedEncodingAfterStart => {
                "chunkedEncoding can only be set before the request is started".into()
            }
            ChunkedEncodingSetTwice => "chunkedEncoding can only be set once".into(),
            WriteAfterEnd => "write after end".into(),
            BufferedBodyTooLarge => format!(
                "The request body exceeds {} MiB; send larger bodies with chunkedEncoding",
                MAX_BUFFERED_BODY >> 20
            ),
            RedirectPolicy => "Attempted to redirect, but redirect policy was 'error'".into(),
            RedirectCancelled => "Redirect was cancelled".into(),
            NotWaitingForRedirect => {
                "followRedirect() called, but was not waiting for a redirect".into()
            }
            NotWaitingForLogin => "login callback called, but was not waiting for a login".into(),
            FetchDestRequiresNavigate => "sec-fetch-dest of 'document', 'frame', 'iframe' or \
                 'fencedframe' requires sec-fetch-mode 'navigate'"
                .into(),
        }
    }

    /// Whether Electron throws this as a `TypeError` rather than a plain `Error`.
    pub fn is_type_error(&self) -> bool {
        matches!(self, Error::InvalidUrl | Error::UnescapedPath)
    }
}

impl From<NetError> for Error {
    fn from(net: NetError) -> Self {
        Error::Net(net)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_errors_read_as_chromium_names() {
        assert_eq!(
            Error::Net(NetError::ConnectionRefused).message(),
            "net::ERR_CONNECTION_REFUSED"
        );
        assert_eq!(
            Error::Net(NetError::IncompleteChunkedEncoding).message(),
            "net::ERR_INCOMPLETE_CHUNKED_ENCODING"
        );
    }

    #[test]
    fn every_name_parses_back() {
        for &net in NetError::ALL {
            assert_eq!(
                NetError::from_name(&format!("net::{}", net.name())),
                Some(net)
            );
        }
        assert_eq!(
            NetError::from_name("ERR_CACHE_MISS"),
            Some(NetError::CacheMiss)
        );
        assert_eq!(NetError::from_name("net::ERR_NOPE"), None);
    }

    #[test]
    fn header_errors_quote_name_and_value() {
        assert_eq!(
            Error::InvalidHeaderName("a b".into()).message(),
            "Invalid header name: 'a b'"
        );
        assert_eq!(
            Error::InvalidHeaderValue("x".into(), "a\nb".into()).message(),
            "Invalid value for header 'x': 'a\nb'"
        );
    }

    #[test]
    fn only_url_and_path_errors_are_type_errors() {
        assert!(Error::InvalidUrl.is_type_error());
        assert!(Error::UnescapedPath.is_type_error());
        assert!(!Error::UnsupportedProtocol.is_type_error());
        assert!(!Error::Net(NetError::Failed).is_type_error());
    }
}
