//! The request body: buffered (kept whole for a 307/308 or login replay) or chunked (streamed
//! as written, with `drain` backpressure), fed to the exchange's wasi:http body and reported as
//! upload progress.

use wasip2::http::types::OutgoingBody;
use wasip2::io::streams::OutputStream;

use super::{Event, Progress, Request};
use crate::error::{Error, MAX_BUFFERED_BODY};

/// Pending chunked bytes above which `write` asks the caller to wait for `drain`.
const HIGH_WATER_MARK: usize = 64 * 1024;

/// The body going out. It outlives the exchange: a server may answer before the upload ends
/// (an echo streaming back), and the upload keeps flowing while the response is read. Field order
/// is drop order: the stream is a child of the body.
pub(super) struct Upload {
    pub(super) stream: Option<OutputStream>,
    pub(super) body: Option<OutgoingBody>,
}

/// What the caller wrote, and how much of it went out.
#[derive(Default)]
pub(super) struct Outgoing {
    /// Buffered body (kept whole so a 307/308 or a login retry can resend it).
    pub(super) body: Vec<u8>,
    /// Chunked bytes written by the caller but not yet accepted by the network.
    pub(super) pending: Vec<u8>,
    /// Bytes of the current exchange's body handed to the network.
    pub(super) uploaded: u64,
    pub(super) chunked: bool,
    /// `chunkedEncoding` was set once (Electron allows it once).
    pub(super) chunked_set: bool,
    pub(super) written: bool,
    pub(super) ended: bool,
    /// The chunked body already went out once, so it cannot be sent again.
    pub(super) body_consumed: bool,
    pub(super) progress: Progress,
    pub(super) reported_progress: Option<Progress>,
    pub(super) wants_drain: bool,
}

impl Request {
    pub fn chunked_encoding(&self) -> bool {
        self.out.chunked
    }

    pub fn set_chunked_encoding(&mut self, value: bool) -> Result<(), Error> {
        if self.started() {
            return Err(Error::ChunkedEncodingAfterStart);
        }
        if self.out.chunked_set {
            return Err(Error::ChunkedEncodingSetTwice);
        }
        self.out.chunked_set = true;
        self.out.chunked = value;
        if value {
            // Electron drops data buffered before the switch; keeping it loses nothing.
            self.out.pending = std::mem::take(&mut self.out.body);
        } else {
            self.out.body.append(&mut self.out.pending);
        }
        Ok(())
    }

    /// Returns whether the caller may keep writing without waiting for `drain`.
    pub fn write(&mut self, data: Vec<u8>) -> Result<bool, Error> {
        if self.out.ended {
            return Err(Error::WriteAfterEnd);
        }
        if !self.out.chunked && self.out.body.len().saturating_add(data.len()) > MAX_BUFFERED_BODY {
            return Err(Error::BufferedBodyTooLarge);
        }
        self.out.written = true;
        if self.over {
            return Ok(true);
        }
        if self.out.chunked {
            self.out.progress.total += data.len() as u64;
            append(&mut self.out.pending, data);
            let below = self.out.pending.len() < HIGH_WATER_MARK;
            self.out.wants_drain |= !below;
            Ok(below)
        } else {
            append(&mut self.out.body, data);
            Ok(true)
        }
    }

    pub fn end(&mut self, data: Option<Vec<u8>>) -> Result<(), Error> {
        if self.out.ended {
            return match data {
                Some(_) => Err(Error::WriteAfterEnd),
                None => Ok(()),
            };
        }
        if let Some(data) = data {
            self.write(data)?;
        }
        self.out.ended = true;
        if !self.out.chunked && !self.over {
            // A buffered body is handed over in one piece: Electron reports it at once.
            self.out.progress.total = self.out.body.len() as u64;
            self.emit_finish();
        }
        Ok(())
    }

    pub fn upload_progress(&self) -> Progress {
        self.out.reported_progress.unwrap_or_default()
    }

    pub(super) fn pump_upload(&mut self) {
        let Some(upload) = &mut self.upload else {
            return;
        };
        let source: &mut Vec<u8> = if self.out.chunked {
            &mut self.out.pending
        } else {
            &mut self.out.body
        };
        let mut failed = false;
        // Chunked bytes sent by this pump; they leave `pending` in one drain after the loop, not
        // one per write (each drain moves everything behind it).
        let mut sent = 0;
        if let Some(stream) = &upload.stream {
            loop {
                let remaining = if self.out.chunked {
                    source.len() - sent
                } else {
                    source.len() - self.out.uploaded as usize
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
                let chunk = if self.out.chunked {
                    &source[sent..sent + allowed]
                } else {
                    let at = self.out.uploaded as usize;
                    &source[at..at + allowed]
                };
                if stream.write(chunk).is_err() {
                    failed = true;
                    break;
                }
                if self.out.chunked {
                    sent += allowed;
                    self.out.body_consumed = true;
                }
                self.out.uploaded += allowed as u64;
            }
        }
        source.drain(..sent);
        self.out.progress.current = self.out.uploaded;
        if !self.out.chunked {
            self.out.progress.total = self.out.body.len() as u64;
        }
        if failed {
            // The server stopped reading; its response (or the connection error) tells why.
            self.upload = None;
            return;
        }
        if self.out.chunked && self.out.wants_drain && self.out.pending.is_empty() {
            self.out.wants_drain = false;
            self.events.push_back(Event::Drain);
        }
        let all_sent = if self.out.chunked {
            self.out.ended && self.out.pending.is_empty()
        } else {
            self.out.uploaded == self.out.body.len() as u64
        };
        if all_sent && let Some(upload) = self.upload.take() {
            drop(upload.stream);
            if let Some(body) = upload.body {
                // With a Content-Length, hosts may report the finished stream closed: no error.
                let _ = OutgoingBody::finish(body, None);
            }
            if self.out.chunked {
                self.emit_finish();
            }
        }
    }

    pub(super) fn report_progress(&mut self) {
        if self.out.progress.current == 0 && self.out.progress.total == 0 {
            return;
        }
        let progress = Progress {
            started: true,
            ..self.out.progress
        };
        if self.out.reported_progress != Some(progress) {
            self.out.reported_progress = Some(progress);
            self.events.push_back(Event::UploadProgress(progress));
        }
    }
}

/// Appends `data` to `buffer`, taking the chunk itself when the buffer is empty (the usual case
/// for a body written while the previous write has been sent) instead of copying it.
fn append(buffer: &mut Vec<u8>, data: Vec<u8>) {
    if buffer.is_empty() {
        *buffer = data;
    } else {
        buffer.extend_from_slice(&data);
    }
}
