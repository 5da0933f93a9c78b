//! Electron's `net.ClientRequest` as a WebAssembly component on `wasi:http`.
//!
//! The modules split into pure decisions, unit-tested natively ([`options`], [`headers`],
//! [`redirect`], [`fetch_metadata`], [`response`], [`auth`], [`error`]), the state machine that
//! sequences them over wasi:http ([`request`], one submodule per concern), the wasi:http
//! boundary ([`wasi`]: the outgoing request, Chromium's names for wasi:http's errors), and this
//! file, which converts between the WIT types and the state machine's.

mod bindings;

mod auth;
mod decode;
mod error;
mod fetch_metadata;
mod headers;
mod options;
#[cfg(test)]
mod properties;
mod redirect;
mod request;
mod response;
mod wasi;

use std::cell::RefCell;

use bindings::electron::net::types as wit;
use bindings::exports::electron::net::client as export;

use error::Error;
use request::{Event, Progress, Request};

struct Component;

/// The resource behind `client-request`: exports take `&self`, and a component instance is
/// single-threaded, so a `RefCell` is all the synchronisation needed.
struct ClientRequest(RefCell<Request>);

impl export::Guest for Component {
    type ClientRequest = ClientRequest;
}

impl export::GuestClientRequest for ClientRequest {
    fn create(options: export::RequestOptions) -> Result<export::ClientRequest, wit::RequestError> {
        let options = options::parse(&options).map_err(to_wit_error)?;
        Ok(export::ClientRequest::new(ClientRequest(RefCell::new(
            Request::new(options),
        ))))
    }

    fn set_header(&self, name: String, value: String) -> Result<(), wit::RequestError> {
        self.0
            .borrow_mut()
            .set_header(&name, &value)
            .map_err(to_wit_error)
    }

    fn get_header(&self, name: String) -> Option<String> {
        self.0.borrow().get_header(&name)
    }

    fn remove_header(&self, name: String) -> Result<(), wit::RequestError> {
        self.0
            .borrow_mut()
            .remove_header(&name)
            .map_err(to_wit_error)
    }

    fn header_entries(&self) -> Vec<(String, String)> {
        self.0.borrow().header_entries()
    }

    fn chunked_encoding(&self) -> bool {
        self.0.borrow().chunked_encoding()
    }

    fn set_chunked_encoding(&self, value: bool) -> Result<(), wit::RequestError> {
        self.0
            .borrow_mut()
            .set_chunked_encoding(value)
            .map_err(to_wit_error)
    }

    fn write(&self, data: Vec<u8>) -> Result<bool, wit::RequestError> {
        self.0.borrow_mut().write(data).map_err(to_wit_error)
    }

    fn end(&self, data: Option<Vec<u8>>) -> Result<(), wit::RequestError> {
        self.0.borrow_mut().end(data).map_err(to_wit_error)
    }

    fn abort(&self) {
        self.0.borrow_mut().abort();
    }

    fn follow_redirect(&self) -> Result<(), wit::RequestError> {
        self.0.borrow_mut().follow_redirect().map_err(to_wit_error)
    }

    fn answer_login(&self, answer: Option<wit::Credentials>) -> Result<(), wit::RequestError> {
        self.0
            .borrow_mut()
            .answer_login(answer)
            .map_err(to_wit_error)
    }

    fn get_upload_progress(&self) -> wit::UploadProgress {
        to_wit_progress(self.0.borrow().upload_progress())
    }

    fn poll_events(&self, max_events: u32, max_bytes: u32) -> Vec<export::Event> {
        let events = self.0.borrow_mut().poll(max_events, max_bytes);
        events.into_iter().map(to_wit_event).collect()
    }

    fn blocking_poll_events(
        &self,
        max_events: u32,
        max_bytes: u32,
        timeout_ms: u32,
    ) -> Vec<export::Event> {
        let events = self.0.borrow_mut().wait(max_events, max_bytes, timeout_ms);
        events.into_iter().map(to_wit_event).collect()
    }

    fn is_done(&self) -> bool {
        self.0.borrow().is_done()
    }
}

fn to_wit_event(event: Event) -> export::Event {
    match event {
        Event::Finish => export::Event::Finish,
        Event::Close => export::Event::Close,
        Event::Response(head) => export::Event::Response(wit::ResponseHead {
            status_code: head.status,
            status_message: response::status_text(head.status).to_owned(),
            http_version_major: 1,
            http_version_minor: 1,
            headers: to_wit_headers(response::fold_headers(&head.raw_headers)),
            raw_headers: head.raw_headers,
            url: head.url,
        }),
        Event::Data(bytes) => export::Event::Data(bytes),
        Event::End => export::Event::End,
        Event::ResponseClose => export::Event::ResponseClose,
        Event::Redirect(redirect) => export::Event::Redirect(wit::RedirectInfo {
            status_code: redirect.status,
            method: redirect.method,
            url: redirect.url,
            headers: to_wit_headers(response::group_headers(&redirect.raw_headers)),
        }),
        Event::Login(info) => export::Event::Login(info),
        Event::UploadProgress(progress) => export::Event::UploadProgress(to_wit_progress(progress)),
        Event::Drain => export::Event::Drain,
        Event::Abort => export::Event::Abort,
        Event::Error(error) => export::Event::Error(to_wit_error(error)),
    }
}

fn to_wit_headers(grouped: Vec<(String, Vec<String>)>) -> Vec<wit::HeaderValues> {
    grouped
        .into_iter()
        .map(|(name, values)| wit::HeaderValues { name, values })
        .collect()
}

fn to_wit_progress(progress: Progress) -> wit::UploadProgress {
    wit::UploadProgress {
        active: progress.started,
        started: progress.started,
        current: progress.current as f64,
        total: progress.total as f64,
    }
}

fn to_wit_error(error: Error) -> wit::RequestError {
    use wit::ErrorCode as C;
    let message = error.message();
    let class = if error.is_type_error() {
        wit::ErrorClass::TypeError
    } else {
        wit::ErrorClass::Error
    };
    let code = match error {
        Error::Net(net) => C::Net(to_wit_net_error(net)),
        Error::InvalidUrl => C::InvalidUrl,
        Error::UnescapedPath => C::UnescapedPath,
        Error::UnsupportedProtocol => C::UnsupportedProtocol,
        Error::InvalidRedirectMode => C::InvalidRedirectMode,
        Error::SameOriginRequiresOrigin => C::SameOriginRequiresOrigin,
        Error::SetHeaderAfterSent => C::SetHeaderAfterSent,
        Error::RemoveHeaderAfterSent => C::RemoveHeaderAfterSent,
        Error::InvalidHeaderName(name) => C::InvalidHeaderName(name),
        Error::InvalidHeaderValue(name, value) => C::InvalidHeaderValue((name, value)),
        Error::ChunkedEncodingAfterStart => C::ChunkedEncodingAfterStart,
        Error::ChunkedEncodingSetTwice => C::ChunkedEncodingSetTwice,
        Error::WriteAfterEnd => C::WriteAfterEnd,
        Error::BufferedBodyTooLarge => C::BufferedBodyTooLarge,
        Error::RedirectPolicy => C::RedirectPolicyError,
        Error::RedirectCancelled => C::RedirectCancelled,
        Error::NotWaitingForRedirect => C::NotWaitingForRedirect,
        Error::NotWaitingForLogin => C::NotWaitingForLogin,
        Error::FetchDestRequiresNavigate => C::FetchDestRequiresNavigate,
    };
    wit::RequestError {
        code,
        class,
        message,
    }
}

macro_rules! to_wit_net_error {
    ($($variant:ident => $name:literal,)*) => {
        /// The WIT `net-error` case of the same name.
        fn to_wit_net_error(net: error::NetError) -> wit::NetError {
            match net {
                $(error::NetError::$variant => wit::NetError::$variant,)*
            }
        }
    };
}

error::net_errors!(to_wit_net_error);

bindings::export!(Component with_types_in bindings);
