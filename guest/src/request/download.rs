//! The response body: read in the caller's byte budget, with the between-bytes timeout and
//! Chromium's errors for a body that ends early.

use wasip2::http::types::{ErrorCode, IncomingBody, IncomingResponse};
use wasip2::io::streams::{InputStream, StreamError};

use super::{Event, Head, Request, Stage, deadline_after, past, values_of};
use crate::decode::{self, Corrupt, Decoded, Decoder};
use crate::error::NetError;
use crate::wasi;

/// Largest single read from the response body. A read returns what the host has buffered (it
/// never waits or pads), so a large limit costs nothing and saves crossings when the caller's
/// `max-bytes` budget is large.
const READ_CHUNK: u64 = 1024 * 1024;
/// Compressed bytes taken from the network at a time while decoding: the decoder asks for more
/// only once it used these up, so memory stays flat whatever the compression ratio.
const DECODE_INPUT: u64 = 64 * 1024;

pub(super) struct Download {
    pub(super) stream: InputStream,
    pub(super) _body: IncomingBody,
    pub(super) content_length: Option<u64>,
    pub(super) received: u64,
    pub(super) deadline: Option<u64>,
    /// The caller asked for no bytes last time: the between-bytes clock restarts when it asks again.
    pub(super) paused: bool,
    /// Undoes the `Content-Encoding`, until the decoded body is complete.
    pub(super) decoder: Option<Decoder>,
    /// The body was encoded (so what follows its decoded end is dropped).
    pub(super) decoded: bool,
    /// The network sent everything.
    pub(super) closed: bool,
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
        let decoder = if bodyless {
            None
        } else {
            match decode::codings(values_of(&head.raw_headers, "content-encoding")) {
                Ok(Some(codings)) if !codings.is_empty() => Some(Decoder::new(&codings)),
                Ok(_) => None,
                Err(Corrupt) => return self.fail(NetError::ContentDecodingFailed.into()),
            }
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
            decoded: decoder.is_some(),
            decoder,
            closed: false,
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
        let mut arrived = false;
        let ending = loop {
            if *max_bytes == 0 {
                break None;
            }
            let budget = (*max_bytes).min(READ_CHUNK);
            if let Some(decoder) = &mut download.decoder {
                match decoder.read(&mut batch, budget as usize) {
                    Ok(Decoded::Data(read)) => {
                        *max_bytes -= read as u64;
                        continue;
                    }
                    // What follows the decoded end is read and dropped until the network ends.
                    Ok(Decoded::End) => download.decoder = None,
                    Ok(Decoded::NeedInput) if !download.closed => {}
                    Ok(Decoded::NeedInput) | Err(Corrupt) => break Some(Ending::Undecodable),
                }
            }
            if download.closed {
                break Some(Ending::Complete);
            }
            let decoding = download.decoder.is_some() || download.decoded;
            let want = if decoding { DECODE_INPUT } else { budget };
            match download.stream.read(want) {
                Ok(bytes) if bytes.is_empty() => break None,
                Ok(bytes) => {
                    arrived = true;
                    download.received += bytes.len() as u64;
                    match &mut download.decoder {
                        Some(decoder) => decoder.feed(&bytes),
                        None if decoding => {}
                        None => {
                            *max_bytes -= bytes.len() as u64;
                            append_body(&mut batch, bytes, *max_bytes);
                        }
                    }
                }
                Err(StreamError::Closed) => {
                    download.closed = true;
                    if let Some(decoder) = &mut download.decoder {
                        decoder.close_input();
                    }
                }
                Err(StreamError::LastOperationFailed(error)) => {
                    break Some(Ending::Transport(wasip2::http::types::http_error_code(
                        &error,
                    )));
                }
            }
        };
        if arrived || !batch.is_empty() {
            download.deadline = deadline_after(between_bytes);
        }
        let content_length = download.content_length;
        let short = content_length.is_some_and(|len| download.received < len);
        let timed_out = ending.is_none() && !arrived && batch.is_empty() && past(download.deadline);
        if !batch.is_empty() {
            self.events.push_back(Event::Data(batch));
        }
        match ending {
            None if timed_out => self.fail(NetError::TimedOut.into()),
            None => {}
            Some(Ending::Complete) if short => self.fail(NetError::ContentLengthMismatch.into()),
            Some(Ending::Complete) => {
                self.stage = Stage::Over;
                // A transaction that is over sends nothing more.
                self.upload = None;
                self.events.push_back(Event::End);
                self.events.push_back(Event::ResponseClose);
                self.over = true;
            }
            Some(Ending::Undecodable) => self.fail(NetError::ContentDecodingFailed.into()),
            Some(Ending::Transport(code)) => {
                let net = wasi::net_error_in_body(code.as_ref(), content_length.is_some());
                self.fail(net.into());
            }
        }
    }
}

/// How a body ended.
enum Ending {
    /// The network sent all of it (a short `Content-Length` body is still an error).
    Complete,
    /// The network failed.
    Transport(Option<ErrorCode>),
    /// Its `Content-Encoding` could not be undone.
    Undecodable,
}

/// Appends a read to the batch, taking the first read as the batch itself.
fn append_body(batch: &mut Vec<u8>, bytes: Vec<u8>, budget_left: u64) {
    if batch.is_empty() {
        *batch = bytes;
    } else {
        // Room for the rest of the budget at once: one reallocation per poll instead of one
        // per doubling.
        if batch.capacity() < batch.len() + bytes.len() {
            batch.reserve(bytes.len() + budget_left as usize);
        }
        batch.extend_from_slice(&bytes);
    }
}
