//! Classification of network failures straight into `wasi:http`'s p2 `ErrorCode` (the table is
//! in the [module documentation](super)), and the conversions between that code and
//! wasmtime-wasi-http's [`Error`] where one of them is required.

use std::error::Error as StdError;
use std::io;

use wasmtime_wasi_http::Error;
use wasmtime_wasi_http::p2::bindings::http::types as p2;

use super::proxy::{self, ProxyFailure};
use super::resolve::NameNotResolved;

/// Where in a request's life an error happened; the same io error means different things
/// before and after a connection exists (a timeout while connecting is `ConnectionTimeout`,
/// later it is `ConnectionReadTimeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Pool checkout, DNS, TCP connect, TLS handshake.
    Connect,
    /// Writing the request, reading the response head and body.
    Exchange,
}

/// Classifies an error from sending a request or reading its response into the `wasi:http`
/// error the guest should see (see the module documentation for the table).
///
/// Accepts the client's own error (`hyper_util::client::legacy::Error`), `hyper::Error`s from a
/// response body, io errors, and anything wrapping them: the whole source chain is inspected,
/// including the errors io errors wrap, and the most specific (innermost) recognised cause
/// decides. Whether the failure happened while connecting is read from the client error.
pub fn classify_error(error: &(dyn StdError + 'static)) -> Error {
    to_error(classify(error))
}

/// [`classify_error`] as the p2 code: what the p2 hook for hyper errors answers.
pub(super) fn classify(error: &(dyn StdError + 'static)) -> p2::ErrorCode {
    let chain = error_chain(error);
    let connecting = chain.iter().any(|error| {
        error
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(|error| error.is_connect())
    });
    let phase = if connecting {
        Phase::Connect
    } else {
        Phase::Exchange
    };
    classify_chain(&chain, phase).unwrap_or_else(|| unrecognised(&chain, phase))
}

/// An error from connecting (the p2 hook for connect errors): everything in it happened in the
/// connect phase.
pub(super) fn classify_connect(error: &io::Error) -> p2::ErrorCode {
    let chain = error_chain(error);
    classify_chain(&chain, Phase::Connect).unwrap_or_else(|| unrecognised(&chain, Phase::Connect))
}

/// An error from the TLS handshake (the p2 hook for TLS errors); anything unrecognised in it is
/// a TLS protocol error.
pub(super) fn classify_tls(error: &io::Error) -> p2::ErrorCode {
    classify_chain(&error_chain(error), Phase::Connect).unwrap_or(p2::ErrorCode::TlsProtocolError)
}

/// The error and its causes, outermost first. `io::Error::source` skips the error an io error
/// wraps (it returns that error's source), which would hide e.g. rustls' error inside the io
/// error tokio-rustls returns, so io errors are descended through `get_ref` instead.
pub(super) fn error_chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> Vec<&'a (dyn StdError + 'static)> {
    // A cyclic or absurdly deep chain must not hang or exhaust memory.
    const MAX_DEPTH: usize = 64;
    let mut chain = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        if chain.len() == MAX_DEPTH {
            break;
        }
        chain.push(current);
        next = match current.downcast_ref::<io::Error>() {
            Some(io_error) => io_error
                .get_ref()
                .map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    chain
}

fn classify_chain(chain: &[&(dyn StdError + 'static)], phase: Phase) -> Option<p2::ErrorCode> {
    // Whatever went wrong on the way to the proxy (its name, a refusal), the request failed
    // because the proxy could not be used.
    if chain.iter().any(|error| error.is::<ProxyFailure>()) {
        return Some(to_p2(&proxy::connection_failed()));
    }
    // A failed lookup wraps whatever getaddrinfo said, whose io kind must not win.
    if chain.iter().any(|error| error.is::<NameNotResolved>()) {
        return Some(name_not_resolved());
    }
    chain
        .iter()
        .rev()
        .find_map(|error| classify_one(*error, phase))
}

fn classify_one(error: &(dyn StdError + 'static), phase: Phase) -> Option<p2::ErrorCode> {
    // A `wasi:http` error raised by the request body (guest side) passes through unchanged.
    if let Some(error) = error.downcast_ref::<Error>() {
        return Some(to_p2(error));
    }
    if let Some(error) = error.downcast_ref::<rustls::Error>() {
        return Some(tls_error(error));
    }
    if error.is::<rustls::pki_types::InvalidDnsNameError>() {
        return Some(p2::ErrorCode::DnsError(p2::DnsErrorPayload {
            rcode: Some("invalid dns name".into()),
            info_code: None,
        }));
    }
    if let Some(error) = error.downcast_ref::<io::Error>() {
        return io_error(error.kind(), phase);
    }
    if let Some(error) = error.downcast_ref::<hyper::Error>() {
        return hyper_error(error, phase);
    }
    if error.is::<tokio::time::error::Elapsed>() {
        return Some(timed_out(phase));
    }
    None
}

fn io_error(kind: io::ErrorKind, phase: Phase) -> Option<p2::ErrorCode> {
    use io::ErrorKind as K;
    use p2::ErrorCode as E;
    Some(match kind {
        K::ConnectionRefused => E::ConnectionRefused,
        K::TimedOut => timed_out(phase),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => E::ConnectionTerminated,
        K::UnexpectedEof => match phase {
            // A peer hanging up mid-handshake is a closed connection, not a short response.
            Phase::Connect => E::ConnectionTerminated,
            Phase::Exchange => E::HttpResponseIncomplete,
        },
        K::NetworkUnreachable | K::HostUnreachable | K::NetworkDown | K::AddrNotAvailable => {
            E::DestinationUnavailable
        }
        // hyper-util's way of saying that no address was left to try.
        K::NotConnected if phase == Phase::Connect => E::DestinationUnavailable,
        _ => return None,
    })
}

fn hyper_error(error: &hyper::Error, phase: Phase) -> Option<p2::ErrorCode> {
    use p2::ErrorCode as E;
    if error.is_incomplete_message() {
        Some(E::HttpResponseIncomplete)
    } else if error.is_parse_too_large() {
        Some(E::HttpResponseHeaderSectionSize(None))
    } else if error.is_parse() {
        Some(E::HttpProtocolError)
    } else if error.is_timeout() {
        Some(timed_out(phase))
    } else if error.is_canceled() || error.is_closed() {
        Some(E::ConnectionTerminated)
    } else {
        None
    }
}

fn timed_out(phase: Phase) -> p2::ErrorCode {
    match phase {
        Phase::Connect => p2::ErrorCode::ConnectionTimeout,
        Phase::Exchange => p2::ErrorCode::ConnectionReadTimeout,
    }
}

fn name_not_resolved() -> p2::ErrorCode {
    p2::ErrorCode::DnsError(p2::DnsErrorPayload {
        rcode: Some("name not resolved".into()),
        info_code: None,
    })
}

fn tls_error(error: &rustls::Error) -> p2::ErrorCode {
    use p2::ErrorCode as E;
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(problem) => {
            // Chromium's exact name, through the channel the WIT documents for it
            // (`net-error`: `internal-error(some("net::ERR_<NAME>"))`).
            let name = match problem {
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => "net::ERR_CERT_DATE_INVALID",
                C::UnknownIssuer => "net::ERR_CERT_AUTHORITY_INVALID",
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "net::ERR_CERT_COMMON_NAME_INVALID"
                }
                _ => return E::TlsCertificateError,
            };
            E::InternalError(Some(name.into()))
        }
        rustls::Error::NoCertificatesPresented | rustls::Error::InvalidCertRevocationList(_) => {
            E::TlsCertificateError
        }
        rustls::Error::AlertReceived(alert) => E::TlsAlertReceived(p2::TlsAlertReceivedPayload {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        }),
        _ => E::TlsProtocolError,
    }
}

fn unrecognised(chain: &[&(dyn StdError + 'static)], phase: Phase) -> p2::ErrorCode {
    match phase {
        // No wasi:http code means "connecting failed for some other reason"; keeping the text
        // makes the failure diagnosable instead of disguising it as e.g. a refusal.
        Phase::Connect => p2::ErrorCode::InternalError(Some(
            chain
                .iter()
                .map(|error| error.to_string())
                .collect::<Vec<_>>()
                .join(": "),
        )),
        Phase::Exchange => p2::ErrorCode::HttpProtocolError,
    }
}

/// The error code behind a failed body stream, for `wasi:http/types.http-error-code`.
///
/// wasmtime-wasi-http 48 stores body errors as its own [`Error`] but its `http-error-code` only
/// recognises p2 `ErrorCode`s, so every body failure (timeout, truncation, reset) would reach the
/// guest without a code; this reads both.
pub(crate) fn stream_error_code(error: &wasmtime::Error) -> Option<p2::ErrorCode> {
    if let Some(code) = error.downcast_ref::<p2::ErrorCode>() {
        return Some(code.clone());
    }
    error.downcast_ref::<Error>().map(to_p2)
}

/// The p2 code for `error`, as the guest sees it.
///
/// This mirrors wasmtime-wasi-http 48's `WasiHttpCtxView::error_to_p2` (`src/p2/error.rs`),
/// which cannot be called from here: it is crate-private, needs a whole `WasiHttpCtxView`, and
/// takes the error by value, while the errors met here are borrowed (inside a source chain, or
/// inside the `wasmtime::Error` of a failed body stream) and `Error` is not `Clone`. It is the
/// one hand-written conversion between the two types; the other direction is upstream's
/// `From<p2::ErrorCode> for Error` (see [`to_error`]). The variants wrapping library errors
/// are classified exactly as this network's p2 hooks classify them (upstream calls those hooks
/// after a few checks of its own).
fn to_p2(error: &Error) -> p2::ErrorCode {
    use p2::ErrorCode as E;
    match error {
        Error::Hyper(error) => classify(error),
        Error::Connect(error) => classify_connect(error),
        Error::Tls(error) => classify_tls(error),
        Error::HttpRequestBodySize(size) => E::HttpRequestBodySize(*size),
        Error::DnsTimeout => E::DnsTimeout,
        Error::DnsError { rcode, info_code } => E::DnsError(p2::DnsErrorPayload {
            rcode: rcode.clone(),
            info_code: *info_code,
        }),
        Error::DestinationNotFound => E::DestinationNotFound,
        Error::DestinationUnavailable => E::DestinationUnavailable,
        Error::DestinationIpProhibited => E::DestinationIpProhibited,
        Error::DestinationIpUnroutable => E::DestinationIpUnroutable,
        Error::ConnectionRefused => E::ConnectionRefused,
        Error::ConnectionTerminated => E::ConnectionTerminated,
        Error::ConnectionTimeout => E::ConnectionTimeout,
        Error::ConnectionReadTimeout => E::ConnectionReadTimeout,
        Error::ConnectionWriteTimeout => E::ConnectionWriteTimeout,
        Error::ConnectionLimitReached => E::ConnectionLimitReached,
        Error::TlsProtocolError => E::TlsProtocolError,
        Error::TlsCertificateError => E::TlsCertificateError,
        Error::TlsAlertReceived {
            alert_id,
            alert_message,
        } => E::TlsAlertReceived(p2::TlsAlertReceivedPayload {
            alert_id: *alert_id,
            alert_message: alert_message.clone(),
        }),
        Error::HttpRequestDenied => E::HttpRequestDenied,
        Error::HttpRequestLengthRequired => E::HttpRequestLengthRequired,
        Error::HttpRequestMethodInvalid => E::HttpRequestMethodInvalid,
        Error::HttpRequestUriInvalid => E::HttpRequestUriInvalid,
        Error::HttpRequestUriTooLong => E::HttpRequestUriTooLong,
        Error::HttpRequestHeaderSectionSize(size) => E::HttpRequestHeaderSectionSize(*size),
        Error::HttpRequestHeaderSize {
            field_name,
            field_size,
        } => E::HttpRequestHeaderSize(Some(p2::FieldSizePayload {
            field_name: field_name.clone(),
            field_size: *field_size,
        })),
        Error::HttpRequestTrailerSectionSize(size) => E::HttpRequestTrailerSectionSize(*size),
        Error::HttpRequestTrailerSize {
            field_name,
            field_size,
        } => E::HttpRequestTrailerSize(p2::FieldSizePayload {
            field_name: field_name.clone(),
            field_size: *field_size,
        }),
        Error::HttpResponseIncomplete => E::HttpResponseIncomplete,
        Error::HttpResponseHeaderSectionSize(size) => E::HttpResponseHeaderSectionSize(*size),
        Error::HttpResponseHeaderSize {
            field_name,
            field_size,
        } => E::HttpResponseHeaderSize(p2::FieldSizePayload {
            field_name: field_name.clone(),
            field_size: *field_size,
        }),
        Error::HttpResponseBodySize(size) => E::HttpResponseBodySize(*size),
        Error::HttpResponseTrailerSectionSize(size) => E::HttpResponseTrailerSectionSize(*size),
        Error::HttpResponseTrailerSize {
            field_name,
            field_size,
        } => E::HttpResponseTrailerSize(p2::FieldSizePayload {
            field_name: field_name.clone(),
            field_size: *field_size,
        }),
        Error::HttpResponseTransferCoding(coding) => E::HttpResponseTransferCoding(coding.clone()),
        Error::HttpResponseContentCoding(coding) => E::HttpResponseContentCoding(coding.clone()),
        Error::HttpResponseTimeout => E::HttpResponseTimeout,
        Error::HttpUpgradeFailed => E::HttpUpgradeFailed,
        Error::HttpProtocolError => E::HttpProtocolError,
        Error::LoopDetected => E::LoopDetected,
        Error::ConfigurationError => E::ConfigurationError,
        Error::InternalError(message) => E::InternalError(message.clone()),
        // The enum is non-exhaustive; a variant added upstream is at least reported verbatim.
        other => E::InternalError(Some(other.to_string())),
    }
}

/// The [`Error`] for a classified code, for the callers that must return one (a failed request,
/// a failed response body, [`classify_error`]).
///
/// This is upstream's `From<p2::ErrorCode> for Error` (wasmtime-wasi-http 48,
/// `src/p2/error.rs`) with one correction: that impl turns `HttpResponseHeaderSize` into
/// `Error::HttpRequestHeaderSize`. With it, `to_error(to_p2(e))` gives back `e` for every error
/// that only carries data (see the tests), so an error passed through from the request body
/// keeps its variant.
fn to_error(code: p2::ErrorCode) -> Error {
    match code {
        p2::ErrorCode::HttpResponseHeaderSize(p2::FieldSizePayload {
            field_name,
            field_size,
        }) => Error::HttpResponseHeaderSize {
            field_name,
            field_size,
        },
        code => Error::from(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;
    use crate::network::test_server::{get, respond_once, serve};
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use wasmtime_wasi_http::WasiHttpHooks;

    #[tokio::test]
    async fn refused_connection_maps_to_connection_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let error = Network::default()
            .send(get(&format!("http://{addr}/")), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::ConnectionRefused), "{error:?}");
    }

    #[tokio::test]
    async fn malformed_head_is_a_protocol_error() {
        let server = respond_once(b"THIS IS NOT HTTP\r\n\r\n").await;
        let error = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::HttpProtocolError), "{error:?}");
    }

    #[tokio::test]
    async fn close_before_complete_head_is_incomplete() {
        for partial in [&b""[..], b"HTTP/1.1 200 OK\r\nX-Partial: "] {
            let server = respond_once(partial).await;
            let error = Network::default()
                .send(get(&format!("http://{}/", server.addr)), None)
                .await
                .map(|response| response.status())
                .unwrap_err();
            assert!(matches!(error, Error::HttpResponseIncomplete), "{error:?}");
        }
    }

    #[tokio::test]
    async fn plaintext_server_on_https_is_a_tls_protocol_error() {
        let server = serve(|mut stream, _| async move {
            let mut hello = [0u8; 4096];
            let _ = stream.read(&mut hello).await;
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            // Waiting for the client to give up avoids a RST racing the bytes above.
            let _ = stream.read(&mut hello).await;
        })
        .await;
        let error = Network::default()
            .send(get(&format!("https://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(matches!(error, Error::TlsProtocolError), "{error:?}");
    }

    fn wrapped(inner: impl Into<Box<dyn StdError + Send + Sync>>) -> io::Error {
        // tokio-rustls and hyper-rustls nest errors exactly like this.
        io::Error::other(io::Error::new(io::ErrorKind::InvalidData, inner))
    }

    #[test]
    fn certificate_problems_carry_chromium_details() {
        use rustls::CertificateError as C;
        let cases = [
            (C::Expired, Some("net::ERR_CERT_DATE_INVALID")),
            (C::NotValidYet, Some("net::ERR_CERT_DATE_INVALID")),
            (C::UnknownIssuer, Some("net::ERR_CERT_AUTHORITY_INVALID")),
            (
                C::NotValidForName,
                Some("net::ERR_CERT_COMMON_NAME_INVALID"),
            ),
            (C::BadSignature, None),
        ];
        for (problem, detail) in cases {
            let error = wrapped(rustls::Error::InvalidCertificate(problem));
            let classified = classify_error(&error);
            match detail {
                Some(detail) => assert!(
                    matches!(
                        &classified,
                        Error::InternalError(Some(m)) if m == detail
                    ),
                    "{classified:?}"
                ),
                None => assert!(
                    matches!(classified, Error::TlsCertificateError),
                    "{classified:?}"
                ),
            }
        }
    }

    #[test]
    fn tls_alerts_and_other_tls_failures() {
        let alert = wrapped(rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert!(matches!(
            classify_error(&alert),
            Error::TlsAlertReceived {
                alert_id: Some(40),
                alert_message: Some(_)
            }
        ));
        let other = wrapped(rustls::Error::DecryptError);
        assert!(matches!(classify_error(&other), Error::TlsProtocolError));
    }

    #[test]
    fn io_kinds_map_by_phase() {
        let chain_of = |kind| io::Error::new(kind, "boom");
        let connect = |kind| {
            let error = chain_of(kind);
            classify_chain(&error_chain(&error), Phase::Connect)
        };
        let exchange = |kind| classify_error(&chain_of(kind));
        assert!(matches!(
            connect(io::ErrorKind::TimedOut),
            Some(p2::ErrorCode::ConnectionTimeout)
        ));
        assert!(matches!(
            exchange(io::ErrorKind::TimedOut),
            Error::ConnectionReadTimeout
        ));
        assert!(matches!(
            connect(io::ErrorKind::HostUnreachable),
            Some(p2::ErrorCode::DestinationUnavailable)
        ));
        assert!(matches!(
            connect(io::ErrorKind::NetworkUnreachable),
            Some(p2::ErrorCode::DestinationUnavailable)
        ));
        assert!(matches!(
            exchange(io::ErrorKind::ConnectionReset),
            Error::ConnectionTerminated
        ));
        assert!(matches!(
            exchange(io::ErrorKind::BrokenPipe),
            Error::ConnectionTerminated
        ));
        assert!(matches!(
            exchange(io::ErrorKind::UnexpectedEof),
            Error::HttpResponseIncomplete
        ));
        assert!(matches!(
            connect(io::ErrorKind::UnexpectedEof),
            Some(p2::ErrorCode::ConnectionTerminated)
        ));
        assert!(matches!(
            exchange(io::ErrorKind::Other),
            Error::HttpProtocolError
        ));
    }

    #[test]
    fn guest_errors_pass_through_unchanged() {
        let error = io::Error::other(Error::HttpRequestBodySize(Some(5)));
        assert!(matches!(
            classify_error(&error),
            Error::HttpRequestBodySize(Some(5))
        ));
    }

    /// Every error that only carries data comes back from classification as it went in: the
    /// way through the p2 code (`to_error(to_p2(..))`) loses nothing.
    #[test]
    fn every_guest_error_passes_through_unchanged() {
        let name = || Some("x-name".to_string());
        let errors = [
            Error::HttpRequestBodySize(Some(1)),
            Error::HttpRequestBodySize(None),
            Error::DnsTimeout,
            Error::DnsError {
                rcode: Some("rcode".into()),
                info_code: Some(2),
            },
            Error::DnsError {
                rcode: None,
                info_code: None,
            },
            Error::DestinationNotFound,
            Error::DestinationUnavailable,
            Error::DestinationIpProhibited,
            Error::DestinationIpUnroutable,
            Error::ConnectionRefused,
            Error::ConnectionTerminated,
            Error::ConnectionTimeout,
            Error::ConnectionReadTimeout,
            Error::ConnectionWriteTimeout,
            Error::ConnectionLimitReached,
            Error::TlsProtocolError,
            Error::TlsCertificateError,
            Error::TlsAlertReceived {
                alert_id: Some(3),
                alert_message: Some("alert".into()),
            },
            Error::HttpRequestDenied,
            Error::HttpRequestLengthRequired,
            Error::HttpRequestMethodInvalid,
            Error::HttpRequestUriInvalid,
            Error::HttpRequestUriTooLong,
            Error::HttpRequestHeaderSectionSize(Some(4)),
            Error::HttpRequestHeaderSize {
                field_name: name(),
                field_size: Some(5),
            },
            Error::HttpRequestHeaderSize {
                field_name: None,
                field_size: None,
            },
            Error::HttpRequestTrailerSectionSize(Some(6)),
            Error::HttpRequestTrailerSize {
                field_name: name(),
                field_size: Some(7),
            },
            Error::HttpResponseIncomplete,
            Error::HttpResponseHeaderSectionSize(Some(8)),
            Error::HttpResponseHeaderSize {
                field_name: name(),
                field_size: Some(9),
            },
            Error::HttpResponseBodySize(Some(10)),
            Error::HttpResponseTrailerSectionSize(Some(11)),
            Error::HttpResponseTrailerSize {
                field_name: name(),
                field_size: Some(12),
            },
            Error::HttpResponseTransferCoding(Some("coding".into())),
            Error::HttpResponseContentCoding(None),
            Error::HttpResponseTimeout,
            Error::HttpUpgradeFailed,
            Error::HttpProtocolError,
            Error::LoopDetected,
            Error::ConfigurationError,
            Error::InternalError(Some("message".into())),
            Error::InternalError(None),
        ];
        for error in errors {
            let expected = format!("{error:?}");
            let passed = classify_error(&io::Error::other(error));
            assert_eq!(format!("{passed:?}"), expected);
        }
    }

    #[test]
    fn failed_body_streams_get_a_code() {
        let stored = wasmtime::Error::from(Error::ConnectionReadTimeout);
        assert!(matches!(
            stream_error_code(&stored),
            Some(p2::ErrorCode::ConnectionReadTimeout)
        ));
        let stored = wasmtime::Error::from(p2::ErrorCode::HttpResponseIncomplete);
        assert!(matches!(
            stream_error_code(&stored),
            Some(p2::ErrorCode::HttpResponseIncomplete)
        ));
    }

    #[test]
    fn p2_hooks_use_the_same_classification() {
        let mut network = Network::default();
        assert!(matches!(
            network.p2_error_from_connect(&io::Error::from(io::ErrorKind::ConnectionRefused)),
            p2::ErrorCode::ConnectionRefused
        ));
        assert!(matches!(
            network.p2_error_from_connect(&io::Error::from(io::ErrorKind::TimedOut)),
            p2::ErrorCode::ConnectionTimeout
        ));
        let tls = wrapped(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert!(matches!(
            network.p2_error_from_tls(&tls),
            p2::ErrorCode::InternalError(Some(m)) if m == "net::ERR_CERT_AUTHORITY_INVALID"
        ));
    }

    #[tokio::test]
    async fn p2_hyper_hook_maps_incomplete_bodies() {
        // A real hyper body error: read the raw `Incoming` of a truncated response.
        let server = respond_once(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234").await;
        let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let response = client
            .get(format!("http://{}/", server.addr).parse().unwrap())
            .await
            .unwrap();
        let error = response.into_body().collect().await.unwrap_err();
        let mut network = Network::default();
        assert!(matches!(
            network.p2_error_from_hyper(&error),
            p2::ErrorCode::HttpResponseIncomplete
        ));
    }
}
