//! Request bodies that can be sent again after a 407.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use wasmtime_wasi_http::{Error, WasiBody};

use crate::network::lock;

/// A request body that keeps what it streams (up to a limit), so that the request can be sent
/// again after a 407. Each attempt reads the kept part first, then continues with the source;
/// an attempt replaced by a newer one stops with an error.
pub(super) struct Recorder {
    shared: Arc<Mutex<Recording>>,
}

struct Recording {
    source: WasiBody,
    /// The source's size hint before anything was read.
    hint: SizeHint,
    kept: Vec<Kept>,
    kept_bytes: usize,
    limit: usize,
    /// The source has ended.
    ended: bool,
    /// Something read from the source is not kept: no further attempt is possible.
    lost: bool,
    /// The attempt allowed to read.
    current: u64,
}

enum Kept {
    Data(Bytes),
    Trailers(HeaderMap),
}

impl Recording {
    fn keep(&mut self, frame: &Frame<Bytes>) {
        if self.lost {
            return;
        }
        if let Some(data) = frame.data_ref() {
            if self.kept_bytes + data.len() > self.limit {
                self.lose();
                return;
            }
            self.kept_bytes += data.len();
            self.kept.push(Kept::Data(data.clone()));
        } else if let Some(trailers) = frame.trailers_ref() {
            self.kept.push(Kept::Trailers(trailers.clone()));
        }
    }

    fn lose(&mut self) {
        self.lost = true;
        self.kept = Vec::new();
        self.kept_bytes = 0;
    }
}

impl Recorder {
    /// Keeps at most `limit` bytes of `source`; beyond that the body can be sent only once.
    pub(super) fn new(source: WasiBody, limit: usize) -> Recorder {
        let hint = source.size_hint();
        Recorder {
            shared: Arc::new(Mutex::new(Recording {
                source,
                hint,
                kept: Vec::new(),
                kept_bytes: 0,
                limit,
                ended: false,
                lost: false,
                current: 0,
            })),
        }
    }

    /// Whether a new attempt can send the whole body.
    pub(super) fn replayable(&self) -> bool {
        !lock(&self.shared).lost
    }

    /// The body for a new attempt (earlier attempts' bodies stop), or `None` once something
    /// read was not kept.
    pub(super) fn attempt(&self) -> Option<WasiBody> {
        let mut recording = lock(&self.shared);
        if recording.lost {
            return None;
        }
        recording.current += 1;
        Some(
            Attempt {
                shared: self.shared.clone(),
                attempt: recording.current,
                position: 0,
                sent: 0,
            }
            .boxed_unsync(),
        )
    }
}

/// One attempt's view of a [`Recorder`].
struct Attempt {
    shared: Arc<Mutex<Recording>>,
    attempt: u64,
    /// Kept frames already sent by this attempt.
    position: usize,
    /// Body bytes already sent by this attempt.
    sent: u64,
}

impl Body for Attempt {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let mut recording = lock(&this.shared);
        if recording.current != this.attempt {
            let message = "request body taken over by a retry";
            return Poll::Ready(Some(Err(Error::InternalError(Some(message.into())))));
        }
        if let Some(kept) = recording.kept.get(this.position) {
            this.position += 1;
            let frame = match kept {
                Kept::Data(data) => {
                    this.sent += data.len() as u64;
                    Frame::data(data.clone())
                }
                Kept::Trailers(trailers) => Frame::trailers(trailers.clone()),
            };
            return Poll::Ready(Some(Ok(frame)));
        }
        if recording.ended {
            return Poll::Ready(None);
        }
        match ready!(Pin::new(&mut recording.source).poll_frame(cx)) {
            None => {
                recording.ended = true;
                Poll::Ready(None)
            }
            Some(Err(error)) => {
                recording.lose();
                Poll::Ready(Some(Err(error)))
            }
            Some(Ok(frame)) => {
                recording.keep(&frame);
                this.position = recording.kept.len();
                if let Some(data) = frame.data_ref() {
                    this.sent += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let recording = lock(&self.shared);
        recording.current == self.attempt
            && self.position >= recording.kept.len()
            && (recording.ended || recording.source.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        match lock(&self.shared).hint.exact() {
            Some(total) => SizeHint::with_exact(total.saturating_sub(self.sent)),
            None => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::test_server::empty_body;
    use http_body_util::Full;

    fn body_of(frames: Vec<Frame<Bytes>>) -> Vec<u8> {
        frames
            .into_iter()
            .filter_map(|frame| frame.into_data().ok())
            .flat_map(|data| data.to_vec())
            .collect()
    }

    async fn frames(mut body: WasiBody) -> Result<Vec<Frame<Bytes>>, Error> {
        let mut frames = Vec::new();
        while let Some(frame) = body.frame().await {
            frames.push(frame?);
        }
        Ok(frames)
    }

    fn full(data: &'static [u8]) -> WasiBody {
        Full::new(Bytes::from_static(data))
            .map_err(|never| match never {})
            .boxed_unsync()
    }

    #[tokio::test]
    async fn recorder_replays_what_it_kept_and_stops_older_attempts() {
        let recorder = Recorder::new(full(b"0123456789"), 10);
        let first = recorder.attempt().unwrap();
        assert_eq!(first.size_hint().exact(), Some(10));
        assert_eq!(body_of(frames(first).await.unwrap()), b"0123456789");
        assert!(recorder.replayable());
        let mut second = recorder.attempt().unwrap();
        let third = recorder.attempt().unwrap();
        assert!(second.frame().await.unwrap().is_err());
        assert_eq!(body_of(frames(third).await.unwrap()), b"0123456789");
    }

    #[tokio::test]
    async fn recorder_past_its_limit_sends_once() {
        let recorder = Recorder::new(full(b"0123456789"), 9);
        assert_eq!(
            body_of(frames(recorder.attempt().unwrap()).await.unwrap()),
            b"0123456789"
        );
        assert!(!recorder.replayable());
        assert!(recorder.attempt().is_none());
        // An empty body is always replayable, even with nothing kept.
        let empty = Recorder::new(empty_body(), 0);
        assert!(frames(empty.attempt().unwrap()).await.unwrap().is_empty());
        assert!(empty.attempt().is_some());
    }
}
