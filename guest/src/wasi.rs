//! The wasi:http boundary: Electron's method names and Chromium's errors in wasi:http's terms.

use url::{Position, Url};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, HeaderError, Method, OutgoingBody, OutgoingRequest,
    RequestOptions, Scheme,
};

use crate::error::{Error, NetError};
use crate::headers::HeaderList;
use crate::options::Limits;

const NANOS_PER_MILLI: u64 = 1_000_000;

/// Hands one hop to the host: the response to wait for and the body to write (wasi:http's rule:
/// the request goes to the host before its body is written).
pub fn send(
    wire: &HeaderList,
    method: &str,
    url: &Url,
    limits: Limits,
) -> Result<(FutureIncomingResponse, OutgoingBody), Error> {
    let list: Vec<(String, Vec<u8>)> = wire
        .entries()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_bytes().to_vec()))
        .collect();
    // One host call in the common case; header by header only when the host forbids one.
    let fields = match Fields::from_list(&list) {
        Ok(fields) => fields,
        Err(_) => {
            let fields = Fields::new();
            for (name, value) in &list {
                match fields.append(name, value) {
                    Ok(()) => {}
                    // Connection management belongs to the host (e.g. `Connection: close`).
                    Err(HeaderError::Forbidden) => {}
                    Err(_) => return Err(NetError::InvalidArgument.into()),
                }
            }
            fields
        }
    };
    let request = OutgoingRequest::new(fields);
    request
        .set_method(&to_wasi_method(method))
        .map_err(|()| Error::Net(NetError::InvalidArgument))?;
    let scheme = if url.scheme() == "https" {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let authority = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let path = &url[Position::BeforePath..Position::AfterQuery];
    let valid = request.set_scheme(Some(&scheme)).is_ok()
        && request.set_authority(Some(&authority)).is_ok()
        && request.set_path_with_query(Some(path)).is_ok();
    if !valid {
        return Err(NetError::InvalidUrl.into());
    }
    let body = request.body().map_err(|()| Error::Net(NetError::Failed))?;
    let options = RequestOptions::new();
    let ms_to_ns = |ms: Option<u32>| ms.map(|ms| u64::from(ms) * NANOS_PER_MILLI);
    // Setting fails on hosts without timeout support; the component's own deadlines still apply.
    let _ = options.set_connect_timeout(ms_to_ns(limits.connect_ms));
    let _ = options.set_first_byte_timeout(ms_to_ns(limits.first_byte_ms));
    let _ = options.set_between_bytes_timeout(ms_to_ns(limits.between_bytes_ms));
    let response = outgoing_handler::handle(request, Some(options))
        .map_err(|code| Error::Net(net_error_before_response(&code, false)))?;
    Ok((response, body))
}

fn to_wasi_method(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_owned()),
    }
}

/// Chromium's name for a failure before any response head arrived.
pub fn net_error_before_response(code: &ErrorCode, upload_unfinished: bool) -> NetError {
    match code {
        ErrorCode::DnsTimeout | ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => {
            NetError::NameNotResolved
        }
        ErrorCode::DestinationUnavailable | ErrorCode::DestinationIpUnroutable => {
            NetError::AddressUnreachable
        }
        ErrorCode::DestinationIpProhibited | ErrorCode::HttpRequestDenied => {
            NetError::BlockedByClient
        }
        ErrorCode::ConnectionRefused => NetError::ConnectionRefused,
        ErrorCode::ConnectionTimeout => NetError::ConnectionTimedOut,
        ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout => NetError::TimedOut,
        ErrorCode::ConnectionWriteTimeout => NetError::TimedOut,
        ErrorCode::ConnectionTerminated => NetError::ConnectionReset,
        ErrorCode::HttpResponseIncomplete if upload_unfinished => NetError::ConnectionReset,
        ErrorCode::HttpResponseIncomplete => NetError::EmptyResponse,
        ErrorCode::ConnectionLimitReached => NetError::ConnectionFailed,
        ErrorCode::TlsCertificateError => NetError::CertAuthorityInvalid,
        ErrorCode::TlsAlertReceived(_) | ErrorCode::TlsProtocolError => NetError::SslProtocolError,
        ErrorCode::HttpRequestUriInvalid | ErrorCode::HttpRequestUriTooLong => NetError::InvalidUrl,
        ErrorCode::HttpRequestMethodInvalid
        | ErrorCode::HttpRequestHeaderSize(_)
        | ErrorCode::HttpRequestHeaderSectionSize(_) => NetError::InvalidArgument,
        ErrorCode::HttpResponseHeaderSize(_) | ErrorCode::HttpResponseHeaderSectionSize(_) => {
            NetError::ResponseHeadersTooBig
        }
        ErrorCode::HttpProtocolError => NetError::InvalidHttpResponse,
        ErrorCode::InternalError(Some(reason)) => {
            NetError::from_name(reason).unwrap_or(NetError::Failed)
        }
        _ => NetError::Failed,
    }
}

/// Chromium's name for a failure while the body was arriving.
pub fn net_error_in_body(code: Option<&ErrorCode>, has_content_length: bool) -> NetError {
    match code {
        Some(ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout) => {
            NetError::TimedOut
        }
        Some(ErrorCode::InternalError(Some(reason))) if NetError::from_name(reason).is_some() => {
            NetError::from_name(reason).unwrap_or(NetError::Failed)
        }
        _ if has_content_length => NetError::ContentLengthMismatch,
        Some(ErrorCode::ConnectionTerminated) => NetError::ConnectionReset,
        _ => NetError::IncompleteChunkedEncoding,
    }
}
