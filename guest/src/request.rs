//! One ClientRequest from options to its last event: the loader half of Electron's `net` module.
//!
//! All decisions (options, headers, redirects, fetch metadata, challenges) come from the pure
//! modules; this file sequences them over wasi:http and turns what happens into [`Event`]s in the
//! order Electron users observe. Every wasi call made here is non-blocking except inside
//! [`Request::wait`], which only the blocking export uses.

use std::collections::VecDeque;

use url::{Position, Url};
use wasip2::clocks::monotonic_clock;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, HeaderError, IncomingBody, IncomingResponse, Method,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::streams::{InputStream, OutputStream, StreamError};

use crate::auth::{self, Challenge};
use crate::bindings::electron::net::credentials as host_credentials;
use crate::bindings::electron::net::session;
use crate::bindings::electron::net::types::{AuthInfo, Credentials};
use crate::error::{Error, MAX_BUFFERED_BODY, NetError};
use crate::fetch_metadata::{self, Site};
use crate::headers::{self, HeaderList};
use crate::options::{CacheMode, Options, RedirectMode};
use crate::redirect::{self, Hop};

/// Redirects allowed before the next one fails with `ERR_TOO_MANY_REDIRECTS` (Chromium's limit).
const MAX_REDIRECTS: u32 = 20;
/// Authentication rounds per request; past this the 401/407 is delivered, so a host callback
/// that keeps answering wrongly cannot loop forever.
const MAX_AUTH_ATTEMPTS: u32 = 10;
/// Largest request head sent. Servers rarely take more than 64 KiB, and hosts trap on field maps
/// past their own limit (the Rust host allows 1 MiB), so larger heads fail with
/// `ERR_INVALID_ARGUMENT` here instead.
const MAX_REQUEST_HEAD: usize = 256 * 1024;
/// Pending chunked bytes above which `write` asks the caller to wait for `drain`.
const HIGH_WATER_MARK: usize = 64 * 1024;
/// Largest single read from the response body. A read returns what the host has buffered (it
/// never waits or pads), so a large limit costs nothing and saves crossings when the caller's
/// `max-bytes` budget is large.
const READ_CHUNK: u64 = 1024 * 1024;
const NANOS_PER_MILLI: u64 = 1_000_000;

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

/// Where the transaction is.
enum Stage {
    /// Not sent yet: waiting for `end()` (buffered) or the first `write()` (chunked).
    Idle,
    /// Request sent (its body may still be uploading, see `Request::upload`); waiting for the
    /// response head.
    Exchanging(Exchange),
    /// A redirect was announced; the caller decides before the first poll after seeing it.
    RedirectPending { hop: Hop },
    /// A login was announced; the 401/407 waits here in case the caller declines.
    LoginPending(Box<PendingLogin>),
    /// Reading the response body.
    Receiving(Download),
    /// Nothing more will happen on the network.
    Over,
}

struct PendingLogin {
    response: IncomingResponse,
    head: Head,
    challenge: Challenge,
    space: session::ProtectionSpace,
}

/// An exchange waiting for its response head.
struct Exchange {
    response: FutureIncomingResponse,
    /// When the response head must have arrived (monotonic nanoseconds).
    deadline: Option<u64>,
}

/// The body going out. It outlives the exchange: a server may answer before the upload ends
/// (an echo streaming back), and the upload keeps flowing while the response is read. Field order
/// is drop order: the stream is a child of the body.
struct Upload {
    stream: Option<OutputStream>,
    body: Option<OutgoingBody>,
}

struct Download {
    stream: InputStream,
    _body: IncomingBody,
    content_length: Option<u64>,
    received: u64,
    deadline: Option<u64>,
    /// The caller asked for no bytes last time: the between-bytes clock restarts when it asks again.
    paused: bool,
}

/// Credentials the current exchange carries, to cache them on success or forget them on rejection.
struct SentAuth {
    space: session::ProtectionSpace,
    credentials: Credentials,
    challenge: Option<Challenge>,
}

/// One ClientRequest.
pub struct Request {
    options: Options,
    /// The user's headers, as rewritten by redirects.
    headers: HeaderList,
    url: Url,
    method: String,
    /// Buffered body (kept whole so a 307/308 or a login retry can resend it).
    body: Vec<u8>,
    /// Chunked bytes written by the caller but not yet accepted by the network.
    pending: Vec<u8>,
    /// Bytes of the current exchange's body handed to the network.
    uploaded: u64,
    chunked: bool,
    chunked_set: bool,
    written: bool,
    ended: bool,
    /// The chunked body already went out once, so it cannot be sent again.
    body_consumed: bool,
    stage: Stage,
    upload: Option<Upload>,
    events: VecDeque<Event>,
    progress: Progress,
    reported_progress: Option<Progress>,
    wants_drain: bool,
    finish_emitted: bool,
    close_emitted: bool,
    response_started: bool,
    aborted: bool,
    /// No event will be produced after the ones queued.
    over: bool,
    redirects: u32,
    manual_follow: bool,
    /// When the whole transaction must be over (`timeouts.total-ms`), from the first hop on.
    total_deadline: Option<u64>,
    /// Worst relation to the initiator over the redirect chain (for `Sec-Fetch-Site`), from the
    /// first hop on.
    chain_site: Option<Site>,
    /// A redirect crossed origins: an `Origin` header then reads `null` (fetch's tainted origin).
    origin_tainted: bool,
    auth_attempts: u32,
    /// A `stale=true` challenge was answered silently once already (checklist E23: once).
    stale_retried: bool,
    sent_auth: Option<SentAuth>,
    /// Credentials rejected in this request, never offered again from the cache or the host.
    rejected: Vec<(String, String)>,
}

impl Request {
    /// Validated options in, a request that has sent nothing out.
    pub fn new(options: Options) -> Request {
        Request {
            headers: options.headers.clone(),
            url: options.url.clone(),
            method: options.method.clone(),
            options,
            body: Vec::new(),
            pending: Vec::new(),
            uploaded: 0,
            chunked: false,
            chunked_set: false,
            written: false,
            ended: false,
            body_consumed: false,
            stage: Stage::Idle,
            upload: None,
            events: VecDeque::new(),
            progress: Progress::default(),
            reported_progress: None,
            wants_drain: false,
            finish_emitted: false,
            close_emitted: false,
            response_started: false,
            aborted: false,
            over: false,
            redirects: 0,
            manual_follow: false,
            total_deadline: None,
            chain_site: None,
            origin_tainted: false,
            auth_attempts: 0,
            stale_retried: false,
            sent_auth: None,
            rejected: Vec::new(),
        }
    }

    /// Headers and encoding are fixed once the request went out or its body was ended.
    fn started(&self) -> bool {
        !matches!(self.stage, Stage::Idle) || self.over || self.ended
    }

    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if self.started() || self.written {
            return Err(Error::SetHeaderAfterSent);
        }
        self.headers.set(name, value)
    }

    pub fn get_header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(str::to_owned)
    }

    pub fn remove_header(&mut self, name: &str) -> Result<(), Error> {
        if self.started() || self.written {
            return Err(Error::RemoveHeaderAfterSent);
        }
        self.headers.remove(name);
        Ok(())
    }

    pub fn header_entries(&self) -> Vec<(String, String)> {
        self.headers.entries().to_vec()
    }

    pub fn chunked_encoding(&self) -> bool {
        self.chunked
    }

    pub fn set_chunked_encoding(&mut self, value: bool) -> Result<(), Error> {
        if self.started() {
            return Err(Error::ChunkedEncodingAfterStart);
        }
        if self.chunked_set {
            return Err(Error::ChunkedEncodingSetTwice);
        }
        self.chunked_set = true;
        self.chunked = value;
        if value {
            // Electron drops data buffered before the switch; keeping it loses nothing.
            self.pending = std::mem::take(&mut self.body);
        } else {
            self.body.append(&mut self.pending);
        }
        Ok(())
    }

    /// Returns whether the caller may keep writing without waiting for `drain`.
    pub fn write(&mut self, data: Vec<u8>) -> Result<bool, Error> {
        if self.ended {
            return Err(Error::WriteAfterEnd);
        }
        if !self.chunked && self.body.len().saturating_add(data.len()) > MAX_BUFFERED_BODY {
            return Err(Error::BufferedBodyTooLarge);
        }
        self.written = true;
        if self.over {
            return Ok(true);
        }
        if self.chunked {
            self.progress.total += data.len() as u64;
            append(&mut self.pending, data);
            let below = self.pending.len() < HIGH_WATER_MARK;
            self.wants_drain |= !below;
            Ok(below)
        } else {
            append(&mut self.body, data);
            Ok(true)
        }
    }

    pub fn end(&mut self, data: Option<Vec<u8>>) -> Result<(), Error> {
        if self.ended {
            return match data {
                Some(_) => Err(Error::WriteAfterEnd),
                None => Ok(()),
            };
        }
        if let Some(data) = data {
            self.write(data)?;
        }
        self.ended = true;
        if !self.chunked && !self.over {
            // A buffered body is handed over in one piece: Electron reports it at once.
            self.progress.total = self.body.len() as u64;
            self.emit_finish();
        }
        Ok(())
    }

    pub fn abort(&mut self) {
        if self.over || self.aborted {
            return;
        }
        self.aborted = true;
        self.stage = Stage::Over;
        self.upload = None;
        // Body bytes not yet handed to the caller are not delivered after abort().
        self.events.retain(|event| !matches!(event, Event::Data(_)));
        if self.ended {
            self.emit_finish();
        }
        self.events.push_back(Event::Abort);
        self.close_out();
    }

    pub fn follow_redirect(&mut self) -> Result<(), Error> {
        match self.stage {
            // Under `follow` the redirect is followed anyway: Electron allows the call as a no-op.
            Stage::RedirectPending { .. } => {
                self.manual_follow = true;
                Ok(())
            }
            _ => Err(Error::NotWaitingForRedirect),
        }
    }

    pub fn answer_login(&mut self, answer: Option<Credentials>) -> Result<(), Error> {
        let login = match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::LoginPending(login) => login,
            other => {
                self.stage = other;
                return Err(Error::NotWaitingForLogin);
            }
        };
        let PendingLogin {
            response,
            head,
            challenge,
            space,
        } = *login;
        match answer {
            Some(credentials) => {
                drop(response);
                self.retry_with(space, credentials, Some(challenge));
            }
            None => self.deliver(response, head),
        }
        Ok(())
    }

    pub fn upload_progress(&self) -> Progress {
        self.reported_progress.unwrap_or_default()
    }

    /// True once every event was handed out and none will follow.
    pub fn is_done(&self) -> bool {
        self.over && self.events.is_empty()
    }

    /// Makes all progress possible without waiting; returns up to `max_events` events.
    pub fn poll(&mut self, max_events: u32, max_bytes: u32) -> Vec<Event> {
        self.decide_redirect();
        self.pump(u64::from(max_bytes));
        self.take_events(max_events)
    }

    /// Like [`Request::poll`] but waits (wasi `poll`) until there is something to report, the
    /// request waits for the caller, or `timeout_ms` passed.
    pub fn wait(&mut self, max_events: u32, max_bytes: u32, timeout_ms: u32) -> Vec<Event> {
        let give_up = monotonic_clock::now()
            .saturating_add(u64::from(timeout_ms).saturating_mul(NANOS_PER_MILLI));
        self.decide_redirect();
        loop {
            self.pump(u64::from(max_bytes));
            if !self.events.is_empty() {
                return self.take_events(max_events);
            }
            let mut pollables = Vec::new();
            let awaiting_body = self.chunked && !self.ended && self.pending.is_empty();
            if let Some(Upload {
                stream: Some(stream),
                ..
            }) = &self.upload
                && !awaiting_body
            {
                pollables.push(stream.subscribe());
            }
            let deadline = match &self.stage {
                Stage::Exchanging(_) if awaiting_body => return Vec::new(),
                Stage::Exchanging(exchange) => {
                    pollables.push(exchange.response.subscribe());
                    exchange.deadline
                }
                Stage::Receiving(download) if max_bytes > 0 => {
                    pollables.push(download.stream.subscribe());
                    download.deadline
                }
                // Waiting for the caller: a decision, more body, an answer or buffer space.
                _ => return Vec::new(),
            };
            let wake = [deadline, self.total_deadline]
                .into_iter()
                .flatten()
                .fold(give_up, u64::min);
            pollables.push(monotonic_clock::subscribe_instant(wake));
            let refs: Vec<_> = pollables.iter().collect();
            wasip2::io::poll::poll(&refs);
            drop(refs);
            drop(pollables);
            if monotonic_clock::now() >= give_up {
                self.pump(u64::from(max_bytes));
                return self.take_events(max_events);
            }
        }
    }

    fn take_events(&mut self, max_events: u32) -> Vec<Event> {
        let n = (max_events as usize).min(self.events.len());
        self.events.drain(..n).collect()
    }

    // ----- driving -----

    fn pump(&mut self, mut max_bytes: u64) {
        if self.over {
            return;
        }
        if past(self.total_deadline) {
            return self.fail(NetError::TimedOut.into());
        }
        if matches!(self.stage, Stage::Idle) && (self.ended || (self.chunked && self.written)) {
            self.total_deadline = deadline_after(self.options.limits.total_ms);
            self.options.adopt_origin_header(self.headers.get("origin"));
            self.chain_site =
                self.options.origin.as_ref().map(|origin| {
                    fetch_metadata::site(origin, &self.url, session::registrable_domain)
                });
            self.start();
        }
        if self.upload.is_some() {
            self.pump_upload();
            self.report_progress();
        }
        if matches!(self.stage, Stage::Exchanging(_)) {
            self.check_response();
        }
        if let Stage::Receiving(_) = self.stage {
            // Keep at most one batch of body data queued: the caller's max-bytes is the throttle.
            if !self.events.iter().any(|e| matches!(e, Event::Data(_))) {
                self.pump_download(&mut max_bytes);
            }
        }
    }

    /// Sends the request (first hop, redirect hop or authentication retry).
    fn start(&mut self) {
        match self.begin_exchange() {
            Ok(exchange) => self.stage = Stage::Exchanging(exchange),
            Err(error) => self.fail(error),
        }
    }

    fn begin_exchange(&mut self) -> Result<Exchange, Error> {
        if self.headers.has_restricted() {
            return Err(NetError::InvalidArgument.into());
        }
        if self.options.cache == CacheMode::OnlyIfCached {
            // The component keeps no HTTP cache, so nothing is ever cached.
            return Err(NetError::CacheMiss.into());
        }
        let wire = self.wire_headers()?;
        let head_size: usize = wire
            .entries()
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        if head_size > MAX_REQUEST_HEAD {
            return Err(NetError::InvalidArgument.into());
        }
        if wire
            .entries()
            .iter()
            .any(|(_, v)| !headers::is_wire_safe(v))
        {
            return Err(NetError::InvalidArgument.into());
        }
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
            .set_method(&to_wasi_method(&self.method))
            .map_err(|()| Error::Net(NetError::InvalidArgument))?;
        let scheme = if self.url.scheme() == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let authority = match self.url.port() {
            Some(port) => format!("{}:{port}", self.url.host_str().unwrap_or_default()),
            None => self.url.host_str().unwrap_or_default().to_owned(),
        };
        let path = &self.url[Position::BeforePath..Position::AfterQuery];
        let valid = request.set_scheme(Some(&scheme)).is_ok()
            && request.set_authority(Some(&authority)).is_ok()
            && request.set_path_with_query(Some(path)).is_ok();
        if !valid {
            return Err(NetError::InvalidUrl.into());
        }
        let body = request.body().map_err(|()| Error::Net(NetError::Failed))?;
        let limits = self.options.limits;
        let wasi_options = RequestOptions::new();
        let ms_to_ns = |ms: Option<u32>| ms.map(|ms| u64::from(ms) * NANOS_PER_MILLI);
        // Setting fails on hosts without timeout support; the component's own deadlines still apply.
        let _ = wasi_options.set_connect_timeout(ms_to_ns(limits.connect_ms));
        let _ = wasi_options.set_first_byte_timeout(ms_to_ns(limits.first_byte_ms));
        let _ = wasi_options.set_between_bytes_timeout(ms_to_ns(limits.between_bytes_ms));
        // wasi:http rule: hand the request to the host before writing its body.
        let response = outgoing_handler::handle(request, Some(wasi_options))
            .map_err(|code| Error::Net(net_error_before_response(&code, false)))?;
        let stream = body.write().ok();
        self.uploaded = 0;
        self.upload = Some(Upload {
            stream,
            body: Some(body),
        });
        Ok(Exchange {
            response,
            deadline: deadline_after(limits.first_byte_ms),
        })
    }

    /// The headers as they go on the wire for the current hop.
    fn wire_headers(&mut self) -> Result<HeaderList, Error> {
        let mut wire = self.headers.clone();
        let partition = self.options.partition.clone();
        if !wire.contains("user-agent") {
            let agent = session::user_agent(&partition)
                .unwrap_or_else(|| concat!("electron-net/", env!("CARGO_PKG_VERSION")).into());
            wire.set_trusted("User-Agent", &agent);
        }
        for (name, value) in self.options.cache.request_headers() {
            if !wire.contains(name) {
                wire.set_trusted(name, value);
            }
        }
        match fetch_metadata::referrer(
            self.options.referrer_policy,
            self.headers.get("referer"),
            &self.url,
        ) {
            Some(referrer) => wire.set_trusted("Referer", &referrer),
            None => {
                wire.remove("referer");
            }
        }
        if let Some(origin) = &self.options.origin
            && !matches!(self.method.as_str(), "GET" | "HEAD")
            && !wire.contains("origin")
        {
            wire.set_trusted("Origin", &origin.ascii_serialization());
        }
        if self.origin_tainted && wire.contains("origin") {
            wire.set_trusted("Origin", "null");
        }
        fetch_metadata::apply(&mut wire, &self.url, self.chain_site)?;
        if self.options.cookies_enabled_for(&self.url)
            && let Some(cookie) = session::cookie_header(&partition, &self.cookie_context())
        {
            wire.set_trusted("Cookie", &cookie);
        }
        if let Some(sent) = &mut self.sent_auth {
            let uri = &self.url[Position::BeforePath..Position::AfterQuery];
            let value = match &mut sent.challenge {
                Some(challenge) => challenge.authorization(
                    &sent.credentials.username,
                    &sent.credentials.password,
                    &self.method,
                    uri,
                    Some(&self.body),
                )?,
                None => auth::basic_authorization(
                    &sent.credentials.username,
                    &sent.credentials.password,
                )
                .ok_or(Error::Net(NetError::InvalidAuthCredentials))?,
            };
            let name = if sent.space.is_proxy {
                "Proxy-Authorization"
            } else {
                "Authorization"
            };
            wire.set_trusted(name, &value);
        } else if self.options.auth_enabled_for(&self.url)
            && !wire.contains("authorization")
            && let Some((space, credentials)) =
                session::preemptive_auth(&partition, self.url.as_str())
            && let Some(value) =
                auth::basic_authorization(&credentials.username, &credentials.password)
        {
            wire.set_trusted("Authorization", &value);
            self.sent_auth = Some(SentAuth {
                space,
                credentials,
                challenge: None,
            });
        }
        let body_len = if self.chunked {
            None
        } else {
            Some(self.body.len())
        };
        match body_len {
            Some(0) if !matches!(self.method.as_str(), "POST" | "PUT") => {}
            Some(len) => wire.set_trusted("Content-Length", &len.to_string()),
            // Hosts on Node only chunk by default for some methods: say it explicitly.
            None => wire.set_trusted("Transfer-Encoding", "chunked"),
        }
        Ok(wire)
    }

    fn cookie_context(&self) -> session::CookieContext {
        session::CookieContext {
            url: self.url.to_string(),
            method: self.method.clone(),
            initiator: self
                .options
                .origin
                .as_ref()
                .map(|o| o.ascii_serialization()),
        }
    }

    fn pump_upload(&mut self) {
        let Some(upload) = &mut self.upload else {
            return;
        };
        let source: &mut Vec<u8> = if self.chunked {
            &mut self.pending
        } else {
            &mut self.body
        };
        let mut failed = false;
        // Chunked bytes sent by this pump; they leave `pending` in one drain after the loop, not
        // one per write (each drain moves everything behind it).
        let mut sent = 0;
        if let Some(stream) = &upload.stream {
            loop {
                let remaining = if self.chunked {
                    source.len() - sent
                } else {
                    source.len() - self.uploaded as usize
                };
                if remaining == 0 {
                    break;
                }
                let allowed = match stream.check_write() {
                    Ok(0) => break,
                    Ok(n) => n.min(remaining as u64) as usize,
                    Err(_) => {
                        failed = true;
                        break;
                    }
                };
                let chunk = if self.chunked {
                    &source[sent..sent + allowed]
                } else {
                    let at = self.uploaded as usize;
                    &source[at..at + allowed]
                };
                if stream.write(chunk).is_err() {
                    failed = true;
                    break;
                }
                if self.chunked {
                    sent += allowed;
                    self.body_consumed = true;
                }
                self.uploaded += allowed as u64;
            }
        }
        source.drain(..sent);
        self.progress.current = self.uploaded;
        if !self.chunked {
            self.progress.total = self.body.len() as u64;
        }
        if failed {
            // The server stopped reading; its response (or the connection error) tells why.
            self.upload = None;
            return;
        }
        if self.chunked && self.wants_drain && self.pending.is_empty() {
            self.wants_drain = false;
            self.events.push_back(Event::Drain);
        }
        let all_sent = if self.chunked {
            self.ended && self.pending.is_empty()
        } else {
            self.uploaded == self.body.len() as u64
        };
        if all_sent && let Some(upload) = self.upload.take() {
            drop(upload.stream);
            if let Some(body) = upload.body {
                // With a Content-Length, hosts may report the finished stream closed: no error.
                let _ = OutgoingBody::finish(body, None);
            }
            if self.chunked {
                self.emit_finish();
            }
        }
    }

    fn report_progress(&mut self) {
        if self.progress.current == 0 && self.progress.total == 0 {
            return;
        }
        let progress = Progress {
            started: true,
            ..self.progress
        };
        if self.reported_progress != Some(progress) {
            self.reported_progress = Some(progress);
            self.events.push_back(Event::UploadProgress(progress));
        }
    }

    fn check_response(&mut self) {
        let Stage::Exchanging(exchange) = &mut self.stage else {
            return;
        };
        let upload_unfinished = self.upload.is_some();
        let mut outcome = exchange.response.get();
        if outcome.is_none() {
            // wasmtime only moves a finished response into the future when its pollable is
            // polled; `ready()` does that without blocking, so a caller that never blocks (every
            // JavaScript caller) still sees the response.
            let pollable = exchange.response.subscribe();
            if pollable.ready() {
                drop(pollable);
                outcome = exchange.response.get();
            }
        }
        let outcome = match outcome {
            None => {
                if past(exchange.deadline) {
                    self.fail(NetError::TimedOut.into());
                }
                return;
            }
            Some(outcome) => outcome,
        };
        self.stage = Stage::Over;
        match outcome {
            Ok(Ok(response)) => self.on_response(response),
            Ok(Err(code)) => self.fail(net_error_before_response(&code, upload_unfinished).into()),
            // The host reported the result twice: nothing sensible can follow.
            Err(()) => self.fail(NetError::Failed.into()),
        }
    }

    fn on_response(&mut self, response: IncomingResponse) {
        let status = response.status();
        let raw_headers = {
            let fields = response.headers();
            fields
                .entries()
                .into_iter()
                .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
                .collect::<Vec<_>>()
        };
        if let Some(error) = conflicting_headers(&raw_headers) {
            return self.fail(error.into());
        }
        if self.options.cookies_enabled_for(&self.url) {
            let lines: Vec<String> = values_of(&raw_headers, "set-cookie")
                .map(str::to_owned)
                .collect();
            if !lines.is_empty() {
                session::store_cookies(&self.options.partition, &self.cookie_context(), &lines);
            }
        }
        let head = Head {
            status,
            raw_headers,
            url: self.url.to_string(),
        };
        let location = values_of(&head.raw_headers, "location")
            .next()
            .map(str::to_owned);
        if let Some(location) = location.filter(|_| redirect::is_redirect_status(status)) {
            return self.on_redirect(head, &location);
        }
        if status == 401 || status == 407 {
            return self.on_challenge(response, head);
        }
        self.remember_accepted_auth();
        self.deliver(response, head);
    }

    fn on_redirect(&mut self, head: Head, location: &str) {
        // The server answered; whatever is still uploading goes nowhere.
        self.upload = None;
        self.redirects += 1;
        if self.redirects > MAX_REDIRECTS {
            return self.fail(NetError::TooManyRedirects.into());
        }
        let hop = match redirect::plan(&self.url, &self.method, head.status, location) {
            Ok(hop) => hop,
            Err(net) => return self.fail(net.into()),
        };
        if self.options.redirect == RedirectMode::Error {
            return self.fail(Error::RedirectPolicy);
        }
        self.remember_accepted_auth();
        self.events.push_back(Event::Redirect(RedirectEvent {
            status: head.status,
            method: hop.method.clone(),
            url: hop.url.to_string(),
            raw_headers: head.raw_headers,
        }));
        self.manual_follow = false;
        self.stage = Stage::RedirectPending { hop };
    }

    /// Acts on a redirect announced by a previous poll, once the caller has seen its event.
    fn decide_redirect(&mut self) {
        if self
            .events
            .iter()
            .any(|event| matches!(event, Event::Redirect(_)))
        {
            return;
        }
        let hop = match std::mem::replace(&mut self.stage, Stage::Idle) {
            Stage::RedirectPending { hop } => hop,
            other => {
                self.stage = other;
                return;
            }
        };
        if self.options.redirect == RedirectMode::Manual && !self.manual_follow {
            return self.fail(Error::RedirectCancelled);
        }
        if hop.keeps_body && self.chunked && self.body_consumed {
            return self.fail(NetError::UploadStreamRewindNotSupported.into());
        }
        let method_changed = hop.method != self.method;
        redirect::rewrite_headers(&mut self.headers, &self.url, &hop.url, method_changed);
        if self.url.origin() != hop.url.origin() {
            self.origin_tainted = true;
        }
        if !hop.keeps_body {
            self.body.clear();
            self.pending.clear();
            self.chunked = false;
            self.progress = Progress::default();
        }
        if let Some(origin) = &self.options.origin {
            let site = fetch_metadata::site(origin, &hop.url, session::registrable_domain);
            self.chain_site = self.chain_site.max(Some(site));
        }
        self.url = hop.url;
        self.method = hop.method;
        // Credentials belong to the origin that accepted them (checklist A4).
        self.sent_auth = None;
        self.start();
    }

    fn on_challenge(&mut self, response: IncomingResponse, head: Head) {
        self.upload = None;
        let is_proxy = head.status == 407;
        let header = if is_proxy {
            "proxy-authenticate"
        } else {
            "www-authenticate"
        };
        let allowed = is_proxy || self.options.auth_enabled_for(&self.url);
        let challenge = allowed
            .then(|| Challenge::pick(values_of(&head.raw_headers, header)))
            .flatten();
        let Some(challenge) = challenge else {
            return self.deliver(response, head);
        };
        self.auth_attempts += 1;
        if self.auth_attempts > MAX_AUTH_ATTEMPTS {
            return self.deliver(response, head);
        }
        let space = session::ProtectionSpace {
            is_proxy,
            origin: serialized_origin(&self.url),
            realm: challenge.realm().to_owned(),
            scheme: challenge.scheme().to_owned(),
        };
        let partition = self.options.partition.clone();
        if let Some(sent) = self.sent_auth.take() {
            if sent.space == space && challenge.is_stale() && !self.stale_retried {
                // Right credentials, expired nonce: answer the fresh challenge silently, once; a
                // server that keeps saying stale is refusing the credentials.
                self.stale_retried = true;
                drop(response);
                return self.retry_with(space, sent.credentials, Some(challenge));
            }
            session::forget_auth(&partition, &sent.space);
            self.rejected
                .push((sent.credentials.username, sent.credentials.password));
        }
        let info = AuthInfo {
            is_proxy,
            scheme: space.scheme.clone(),
            host: self.url.host_str().unwrap_or_default().to_owned(),
            port: self.url.port_or_known_default().unwrap_or(0),
            realm: space.realm.clone(),
        };
        let fresh = |c: &Credentials, rejected: &[(String, String)]| {
            !rejected
                .iter()
                .any(|(u, p)| *u == c.username && *p == c.password)
        };
        let from_url = (!self.url.username().is_empty()).then(|| Credentials {
            username: percent_decode(self.url.username()),
            password: percent_decode(self.url.password().unwrap_or_default()),
        });
        let automatic = from_url
            .filter(|c| fresh(c, &self.rejected))
            .or_else(|| {
                session::lookup_auth(&partition, &space).filter(|c| fresh(c, &self.rejected))
            })
            .or_else(|| {
                host_credentials::provide_credentials(
                    &partition,
                    self.url.as_str(),
                    &info,
                    self.auth_attempts,
                )
                .filter(|c| fresh(c, &self.rejected))
            });
        if let Some(credentials) = automatic {
            drop(response);
            return self.retry_with(space, credentials, Some(challenge));
        }
        self.events.push_back(Event::Login(info));
        self.stage = Stage::LoginPending(Box::new(PendingLogin {
            response,
            head,
            challenge,
            space,
        }));
    }

    fn retry_with(
        &mut self,
        space: session::ProtectionSpace,
        credentials: Credentials,
        challenge: Option<Challenge>,
    ) {
        if self.chunked && self.body_consumed {
            return self.fail(NetError::UploadStreamRewindNotSupported.into());
        }
        self.sent_auth = Some(SentAuth {
            space,
            credentials,
            challenge,
        });
        self.start();
    }

    /// The server accepted the credentials the last exchange carried: cache them.
    fn remember_accepted_auth(&mut self) {
        if let Some(sent) = &self.sent_auth
            && (sent.space.is_proxy || self.options.auth_enabled_for(&self.url))
        {
            session::store_auth(
                &self.options.partition,
                &sent.space,
                self.url.as_str(),
                &sent.credentials,
            );
        }
    }

    /// Hands the response to the caller and starts reading its body.
    fn deliver(&mut self, response: IncomingResponse, head: Head) {
        // HEAD, 204 and 304 responses have no body whatever Content-Length says (RFC 9110 §8.6).
        let bodyless = self.method == "HEAD" || matches!(head.status, 204 | 304);
        let content_length = values_of(&head.raw_headers, "content-length")
            .next()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|_| !bodyless);
        let body = match response.consume() {
            Ok(body) => body,
            Err(()) => return self.fail(NetError::Failed.into()),
        };
        let stream = match body.stream() {
            Ok(stream) => stream,
            Err(()) => return self.fail(NetError::Failed.into()),
        };
        drop(response);
        self.report_progress();
        self.response_started = true;
        self.events.push_back(Event::Response(head));
        self.stage = Stage::Receiving(Download {
            stream,
            _body: body,
            content_length,
            received: 0,
            deadline: deadline_after(self.options.limits.between_bytes_ms),
            paused: false,
        });
    }

    fn pump_download(&mut self, max_bytes: &mut u64) {
        let between_bytes = self.options.limits.between_bytes_ms;
        let Stage::Receiving(download) = &mut self.stage else {
            return;
        };
        if *max_bytes == 0 {
            // The caller is not reading: a quiet server is not a slow one.
            download.paused = true;
            return;
        }
        if download.paused {
            download.paused = false;
            download.deadline = deadline_after(between_bytes);
        }
        let mut batch = Vec::new();
        let outcome = loop {
            if *max_bytes == 0 {
                break None;
            }
            match download.stream.read((*max_bytes).min(READ_CHUNK)) {
                Ok(bytes) if bytes.is_empty() => break None,
                Ok(bytes) => {
                    *max_bytes -= bytes.len() as u64;
                    download.received += bytes.len() as u64;
                    if batch.is_empty() {
                        batch = bytes;
                    } else {
                        // Room for the rest of the budget at once: one reallocation per poll
                        // instead of one per doubling.
                        if batch.capacity() < batch.len() + bytes.len() {
                            batch.reserve(bytes.len() + *max_bytes as usize);
                        }
                        batch.extend_from_slice(&bytes);
                    }
                }
                Err(StreamError::Closed) => break Some(Ok(())),
                Err(StreamError::LastOperationFailed(error)) => {
                    break Some(Err(wasip2::http::types::http_error_code(&error)));
                }
            }
        };
        if !batch.is_empty() {
            download.deadline = deadline_after(between_bytes);
        }
        let content_length = download.content_length;
        let short = content_length.is_some_and(|len| download.received < len);
        let timed_out = outcome.is_none() && batch.is_empty() && past(download.deadline);
        if !batch.is_empty() {
            self.events.push_back(Event::Data(batch));
        }
        match outcome {
            None if timed_out => self.fail(NetError::TimedOut.into()),
            None => {}
            Some(Ok(())) if short => self.fail(NetError::ContentLengthMismatch.into()),
            Some(Ok(())) => {
                self.stage = Stage::Over;
                // A transaction that is over sends nothing more.
                self.upload = None;
                self.events.push_back(Event::End);
                self.events.push_back(Event::ResponseClose);
                self.over = true;
            }
            Some(Err(code)) => {
                let net = net_error_in_body(code.as_ref(), content_length.is_some());
                self.fail(net.into());
            }
        }
    }

    // ----- event bookkeeping -----

    fn emit_finish(&mut self) {
        if !self.finish_emitted {
            self.finish_emitted = true;
            self.events.push_back(Event::Finish);
            // Electron's request closes right after finish (electron#47096), not last.
            self.close_emitted = true;
            self.events.push_back(Event::Close);
        }
    }

    /// Ends the transaction with an error; drops every network resource.
    fn fail(&mut self, error: Error) {
        if self.over {
            return;
        }
        self.stage = Stage::Over;
        self.upload = None;
        self.events.push_back(Event::Error(error));
        self.close_out();
    }

    /// The closing event(s) after `abort` or `error`.
    fn close_out(&mut self) {
        if self.response_started {
            self.events.push_back(Event::ResponseClose);
        } else if !self.close_emitted {
            self.close_emitted = true;
            self.events.push_back(Event::Close);
        }
        self.over = true;
    }
}

// ----- wasi:http boundary -----

/// Appends `data` to `buffer`, taking the chunk itself when the buffer is empty (the usual case
/// for a body written while the previous write has been sent) instead of copying it.
fn append(buffer: &mut Vec<u8>, data: Vec<u8>) {
    if buffer.is_empty() {
        *buffer = data;
    } else {
        buffer.extend_from_slice(&data);
    }
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
fn net_error_before_response(code: &ErrorCode, upload_unfinished: bool) -> NetError {
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
fn net_error_in_body(code: Option<&ErrorCode>, has_content_length: bool) -> NetError {
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

/// Two different `Content-Length` or `Location` values make the response ambiguous (checklist C15).
fn conflicting_headers(raw: &[(String, String)]) -> Option<NetError> {
    let differs = |name| {
        let mut values = values_of(raw, name).map(str::trim);
        values
            .next()
            .is_some_and(|first| values.any(|other| other != first))
    };
    if differs("content-length") {
        Some(NetError::ResponseHeadersMultipleContentLength)
    } else if differs("location") {
        Some(NetError::ResponseHeadersMultipleLocation)
    } else {
        None
    }
}

fn values_of<'a>(raw: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    raw.iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn serialized_origin(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn deadline_after(ms: Option<u32>) -> Option<u64> {
    ms.map(|ms| monotonic_clock::now().saturating_add(u64::from(ms) * NANOS_PER_MILLI))
}

fn past(deadline: Option<u64>) -> bool {
    deadline.is_some_and(|d| monotonic_clock::now() >= d)
}
