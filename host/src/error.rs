//! The host's one public error type.

use std::fmt;

use crate::bindings::electron::net::types::{ErrorClass, RequestError};

/// A failure of a request method or of the runtime underneath it.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The component refused the call with an Electron error (thrown synchronously in Electron).
    Request(RequestError),
    /// Loading, instantiating or calling the component failed: a broken host invariant.
    Runtime(wasmtime::Error),
    /// The session store on disk could not be opened.
    Storage(Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// The Electron error, when the component reported one.
    pub fn request_error(&self) -> Option<&RequestError> {
        match &self.kind {
            Kind::Request(error) => Some(error),
            Kind::Runtime(_) | Kind::Storage(_) => None,
        }
    }

    /// True when Electron would throw this as a `TypeError`.
    pub fn is_type_error(&self) -> bool {
        matches!(&self.kind, Kind::Request(e) if e.class == ErrorClass::TypeError)
    }

    /// True when the runtime failed rather than the request.
    pub fn is_runtime(&self) -> bool {
        matches!(self.kind, Kind::Runtime(_))
    }

    /// A method called on a request that is over: it delivered its last event, or its
    /// component instance trapped (and the next poll reports the error).
    pub(crate) fn request_over() -> Error {
        Error {
            kind: Kind::Runtime(wasmtime::Error::msg(
                "the request is over: it finished, or its component instance trapped",
            )),
        }
    }

    pub(crate) fn storage(error: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error {
            kind: Kind::Storage(error),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Request(error) => f.write_str(&error.message),
            Kind::Runtime(error) => write!(f, "component runtime error: {error:#}"),
            // The cause is this error's `source()`; printing it here too would repeat it.
            Kind::Storage(_) => f.write_str("session store error"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Storage(error) => Some(error.as_ref()),
            _ => None,
        }
    }
}

impl From<RequestError> for Error {
    fn from(error: RequestError) -> Self {
        Error {
            kind: Kind::Request(error),
        }
    }
}

impl From<wasmtime::Error> for Error {
    fn from(error: wasmtime::Error) -> Self {
        Error {
            kind: Kind::Runtime(error),
        }
    }
}
