//! What the caller observes: the events of one request and their payloads.

use crate::bindings::electron::net::types::AuthInfo;
use crate::error::Error;

/// What the caller observes, in order. Mirrors the WIT `event` variant.
#[derive(Debug)]
pub enum Event {
    Finish,
    Close,
    Response(Head),
    Data(Vec<u8>),
    End,
    ResponseClose,
    Redirect(RedirectEvent),
    Login(AuthInfo),
    UploadProgress(Progress),
    Drain,
    Abort,
    Error(Error),
}

/// A response head as the `response` event carries it.
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub raw_headers: Vec<(String, String)>,
    pub url: String,
}

/// The `redirect` event's payload.
#[derive(Debug)]
pub struct RedirectEvent {
    pub status: u16,
    pub method: String,
    pub url: String,
    pub raw_headers: Vec<(String, String)>,
}

/// Upload progress as `getUploadProgress()` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub started: bool,
    pub current: u64,
    pub total: u64,
}
