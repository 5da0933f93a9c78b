//! The response body: read in the caller's byte budget, with the between-bytes timeout and
//! Chromium's errors for a body that ends early.

use wasip2::http::types::{IncomingBody, IncomingResponse};
use wasip2::io::streams::{InputStream, StreamError};

use super::{Event, Head, Request, Stage, deadline_after, past, values_of};
use crate::error::NetError;
use crate::wasi;

/// Largest single read from the response body. A read returns what the host has buffered (it
/// never waits or pads), so a large limit costs nothing and saves crossings when the caller's
/// `max-bytes` budget is large.
const READ_CHUNK: u64 = 1024 * 1024;

pub(super) struct Download {
    pub(super) stream: InputStream,
    pub(super) _body: IncomingBody,
    pub(super) content_length: Option<u64>,
    pub(super) received: u64,
    pub(super) deadline: Option<u64>,
    /// The caller asked for no bytes last time: the between-bytes clock restarts when it asks again.
    pub(super) paused: bool,
}

impl Request {
    /// Hands the response to the caller and starts reading its body.
    pub(super) fn deliver(&mut self, response: IncomingResponse, head: Head) {
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
        self.emitted.response = true;
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

    pub(super) fn pump_download(&mut self, max_bytes: &mut u64) {
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
                let net = wasi::net_error_in_body(code.as_ref(), content_length.is_some());
                self.fail(net.into());
            }
        }
    }
}
