//! One ClientRequest from options to its last event: the loader half of Electron's `net` module.
//!
//! All decisions (options, headers, redirects, fetch metadata, challenges) come from the pure
//! modules; this module sequences them over wasi:http and turns what happens into [`Event`]s in the
//! order Electron users observe. Every wasi call made here is non-blocking except inside
//! [`Request::wait`], which only the blocking export uses.

//!
//! The submodules add to [`Request`] one concern each: [`wire`] composes a hop's headers,
//! [`upload`] feeds the request body, [`login`] answers 401/407 challenges and [`download`]
//! reads the response body; [`event`] holds what the caller observes.

mod download;
mod event;
mod login;
mod upload;
mod wire;

use std::collections::VecDeque;

use url::Url;
use wasip2::clocks::monotonic_clock;
use wasip2::http::types::{FutureIncomingResponse, IncomingResponse};

use crate::bindings::electron::net::session;
use crate::error::{Error, NetError};
use crate::fetch_metadata::{self, Site};
use crate::headers::HeaderList;
use crate::options::{CacheMode, Options, RedirectMode};
use crate::redirect::{self, Hop};
use crate::wasi;

use download::Download;
pub use event::{Event, Head, Progress, RedirectEvent};
use login::{AuthState, PendingLogin};
use upload::{Outgoing, Upload};

/// Redirects allowed before the next one fails with `ERR_TOO_MANY_REDIRECTS` (Chromium's limit).
const MAX_REDIRECTS: u32 = 20;
const NANOS_PER_MILLI: u64 = 1_000_000;

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

/// An exchange waiting for its response head.
struct Exchange {
    response: FutureIncomingResponse,
    /// When the response head must have arrived (monotonic nanoseconds).
    deadline: Option<u64>,
}

/// Which lifecycle events went out already (each is emitted once).
#[derive(Default)]
struct Emitted {
    finish: bool,
    close: bool,
    /// The `response` event: closing then means `response-close`, not `close`.
    response: bool,
}

/// The redirect chain so far.
#[derive(Default)]
struct Chain {
    redirects: u32,
    /// The caller called `followRedirect()` for the pending redirect (manual mode).
    manual_follow: bool,
    /// Worst relation to the initiator over the chain (for `Sec-Fetch-Site`), from the first hop
    /// on.
    site: Option<Site>,
    /// A redirect crossed origins: an `Origin` header then reads `null` (fetch's tainted origin).
    origin_tainted: bool,
}

/// One ClientRequest.
pub struct Request {
    options: Options,
    /// The user's headers, as rewritten by redirects.
    headers: HeaderList,
    url: Url,
    method: String,
    /// The request body as the caller wrote it.
    out: Outgoing,
    stage: Stage,
    /// The current exchange's body stream, while it uploads.
    upload: Option<Upload>,
    events: VecDeque<Event>,
    emitted: Emitted,
    aborted: bool,
    /// No event will be produced after the ones queued.
    over: bool,
    chain: Chain,
    /// When the whole transaction must be over (`timeouts.total-ms`), from the first hop on.
    total_deadline: Option<u64>,
    auth: AuthState,
}

impl Request {
    /// Validated options in, a request that has sent nothing out.
    pub fn new(options: Options) -> Request {
        Request {
            headers: options.headers.clone(),
            url: options.url.clone(),
            method: options.method.clone(),
            options,
            out: Outgoing::default(),
            stage: Stage::Idle,
            upload: None,
            events: VecDeque::new(),
            emitted: Emitted::default(),
            aborted: false,
            over: false,
            chain: Chain::default(),
            total_deadline: None,
            auth: AuthState::default(),
        }
    }

    /// Headers and encoding are fixed once the request went out or its body was ended.
    fn started(&self) -> bool {
        !matches!(self.stage, Stage::Idle) || self.over || self.out.ended
    }

    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if self.started() || self.out.written {
            return Err(Error::SetHeaderAfterSent);
        }
        self.headers.set(name, value)
    }

    pub fn get_header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(str::to_owned)
    }

    pub fn remove_header(&mut self, name: &str) -> Result<(), Error> {
        if self.started() || self.out.written {
            return Err(Error::RemoveHeaderAfterSent);
        }
        self.headers.remove(name);
        Ok(())
    }

    pub fn header_entries(&self) -> Vec<(String, String)> {
        self.headers.entries().to_vec()
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
        if self.out.ended {
            self.emit_finish();
        }
        self.events.push_back(Event::Abort);
        self.close_out();
    }

    pub fn follow_redirect(&mut self) -> Result<(), Error> {
        match self.stage {
            // Under `follow` the redirect is followed anyway: Electron allows the call as a no-op.
            Stage::RedirectPending { .. } => {
                self.chain.manual_follow = true;
                Ok(())
            }
            _ => Err(Error::NotWaitingForRedirect),
        }
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
            let awaiting_body = self.out.chunked && !self.out.ended && self.out.pending.is_empty();
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
        if matches!(self.stage, Stage::Idle)
            && (self.out.ended || (self.out.chunked && self.out.written))
        {
            self.total_deadline = deadline_after(self.options.limits.total_ms);
            self.options.adopt_origin_header(self.headers.get("origin"));
            self.chain.site =
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
        let limits = self.options.limits;
        let (response, body) = wasi::send(&wire, &self.method, &self.url, limits)?;
        let stream = body.write().ok();
        self.out.uploaded = 0;
        self.upload = Some(Upload {
            stream,
            body: Some(body),
        });
        Ok(Exchange {
            response,
            deadline: deadline_after(limits.first_byte_ms),
        })
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
            Ok(Err(code)) => {
                self.fail(wasi::net_error_before_response(&code, upload_unfinished).into())
            }
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
        self.chain.redirects += 1;
        if self.chain.redirects > MAX_REDIRECTS {
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
        self.chain.manual_follow = false;
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
        if self.options.redirect == RedirectMode::Manual && !self.chain.manual_follow {
            return self.fail(Error::RedirectCancelled);
        }
        if hop.keeps_body && self.out.chunked && self.out.body_consumed {
            return self.fail(NetError::UploadStreamRewindNotSupported.into());
        }
        let method_changed = hop.method != self.method;
        redirect::rewrite_headers(&mut self.headers, &self.url, &hop.url, method_changed);
        if self.url.origin() != hop.url.origin() {
            self.chain.origin_tainted = true;
        }
        if !hop.keeps_body {
            self.out.body.clear();
            self.out.pending.clear();
            self.out.chunked = false;
            self.out.progress = Progress::default();
        }
        if let Some(origin) = &self.options.origin {
            let site = fetch_metadata::site(origin, &hop.url, session::registrable_domain);
            self.chain.site = self.chain.site.max(Some(site));
        }
        self.url = hop.url;
        self.method = hop.method;
        // Credentials belong to the origin that accepted them (checklist A4).
        self.auth.sent = None;
        self.start();
    }

    // ----- event bookkeeping -----

    fn emit_finish(&mut self) {
        if !self.emitted.finish {
            self.emitted.finish = true;
            self.events.push_back(Event::Finish);
            // Electron's request closes right after finish (electron#47096), not last.
            self.emitted.close = true;
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
        if self.emitted.response {
            self.events.push_back(Event::ResponseClose);
        } else if !self.emitted.close {
            self.emitted.close = true;
            self.events.push_back(Event::Close);
        }
        self.over = true;
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

fn deadline_after(ms: Option<u32>) -> Option<u64> {
    ms.map(|ms| monotonic_clock::now().saturating_add(u64::from(ms) * NANOS_PER_MILLI))
}

fn past(deadline: Option<u64>) -> bool {
    deadline.is_some_and(|d| monotonic_clock::now() >= d)
}
