//! The response side: the limits on a response head, and the body handed to wasmtime, which
//! classifies its errors and enforces the between-bytes timeout.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::classify_error;

/// hyper refuses responses with more than 100 header lines by default, which real sites exceed
/// (long `Set-Cookie` lists). Chromium limits the head's size, not its line count, so the count
/// limit is only a backstop against heads made of tiny lines; the byte limit below is the real one.
pub(super) const MAX_RESPONSE_HEADERS: usize = 1000;

/// Chromium rejects response heads larger than 256 KiB (`ERR_RESPONSE_HEADERS_TOO_BIG`). hyper's
/// read-buffer ceiling is set to the same size so memory stays bounded while a head arrives;
/// `Network::send` applies the exact limit once the head is parsed.
pub(super) const MAX_RESPONSE_HEAD_BYTES: usize = 256 * 1024;

/// Hands a response head to wasmtime: checks the head's size and wraps the body.
pub(super) fn finish(
    response: Response<Incoming>,
    options: &RequestOptions,
) -> Result<Response<WasiBody>, Error> {
    // hyper's buffer ceiling only stops heads that are still incomplete when the buffer
    // fills, and a single large read can overshoot it; this makes the limit exact.
    if head_size(&response) > MAX_RESPONSE_HEAD_BYTES {
        return Err(Error::HttpResponseHeaderSectionSize(None));
    }
    Ok(response
        .map(|incoming| ResponseBody::new(incoming, options.between_bytes_timeout).boxed_unsync()))
}

/// The response body handed to wasmtime: errors are classified like request errors, and the
/// between-bytes timeout is enforced.
struct ResponseBody {
    incoming: Incoming,
    between_bytes: Option<(Duration, Pin<Box<Sleep>>)>,
    // After an error the body is finished; hyper's body would report the same failure again.
    failed: bool,
    // The last poll found nothing. Only time spent waiting for the server counts: a consumer
    // that stops reading for a while (backpressure) must not find its timer already expired.
    waiting: bool,
}

impl ResponseBody {
    fn new(incoming: Incoming, between_bytes: Option<Duration>) -> Self {
        ResponseBody {
            incoming,
            between_bytes: between_bytes
                .map(|limit| (limit, Box::pin(tokio::time::sleep_until(deadline(limit))))),
            failed: false,
            waiting: false,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if !this.waiting
            && let Some((limit, timer)) = &mut this.between_bytes
        {
            timer.as_mut().reset(deadline(*limit));
        }
        this.waiting = false;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(error))) => {
                this.failed = true;
                Poll::Ready(Some(Err(classify_error(&error))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                this.waiting = true;
                match &mut this.between_bytes {
                    Some((_, timer)) => {
                        ready!(timer.as_mut().poll(cx));
                        this.failed = true;
                        Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
                    }
                    None => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

/// The size of the head as it was on the wire (status line, header lines, blank line), give or
/// take the reason phrase, which hyper does not keep.
fn head_size<B>(response: &Response<B>) -> usize {
    const STATUS_LINE: usize = "HTTP/1.1 200 \r\n".len();
    let lines: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + ": ".len() + value.len() + "\r\n".len())
        .sum();
    STATUS_LINE + lines + "\r\n".len()
}

/// `now + limit`, saturating: tokio panics on instants that overflow, and "huge" is a legitimate
/// way for a caller to say "no limit".
pub(super) fn deadline(limit: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(limit)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 60 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;
    use crate::network::test_server::{get, hold, read_body, read_head, respond_once, serve};
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn many_headers_arrive_intact() {
        let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        for i in 0..300 {
            head.push_str(&format!("X-Header-{i}: value-{i}\r\n"));
        }
        for i in 0..200 {
            head.push_str(&format!("Set-Cookie: c{i}=v{i}; Path=/\r\n"));
        }
        head.push_str("\r\n");
        let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
        let server = respond_once(head).await;

        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        let headers = response.headers();
        for i in 0..300 {
            assert_eq!(
                headers[format!("x-header-{i}").as_str()],
                format!("value-{i}")
            );
        }
        let cookies: Vec<_> = headers
            .get_all("set-cookie")
            .iter()
            .map(|value| value.to_str().unwrap().to_string())
            .collect();
        assert_eq!(cookies.len(), 200);
        assert_eq!(cookies[0], "c0=v0; Path=/");
        assert_eq!(cookies[199], "c199=v199; Path=/");
    }

    #[tokio::test]
    async fn too_many_header_lines_is_a_header_section_size_error() {
        let mut head = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..MAX_RESPONSE_HEADERS + 1 {
            head.push_str(&format!("X-{i}: v\r\n"));
        }
        head.push_str("Content-Length: 0\r\n\r\n");
        let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
        let server = respond_once(head).await;
        let error = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .map(|response| response.status())
            .unwrap_err();
        assert!(
            matches!(error, Error::HttpResponseHeaderSectionSize(None)),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn oversized_head_is_a_header_section_size_error() {
        // Just over the limit (caught after parsing) and far over it (caught by hyper while
        // the head is still arriving).
        for value_len in [MAX_RESPONSE_HEAD_BYTES, 4 * MAX_RESPONSE_HEAD_BYTES] {
            let head = format!(
                "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
                "a".repeat(value_len)
            );
            let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
            let server = respond_once(head).await;
            let error = Network::default()
                .send(get(&format!("http://{}/", server.addr)), None)
                .await
                .map(|response| response.status())
                .unwrap_err();
            assert!(
                matches!(error, Error::HttpResponseHeaderSectionSize(None)),
                "{value_len}: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn head_just_under_the_limit_is_accepted() {
        let overhead = "HTTP/1.1 200 \r\nx-big: \r\ncontent-length: 0\r\n\r\n".len();
        let head = format!(
            "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
            "a".repeat(MAX_RESPONSE_HEAD_BYTES - overhead)
        );
        let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
        let server = respond_once(head).await;
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        assert_eq!(
            response.headers()["x-big"].len(),
            MAX_RESPONSE_HEAD_BYTES - overhead
        );
    }

    #[tokio::test]
    async fn stalled_body_hits_the_between_bytes_timeout() {
        let server = serve(|mut stream, _| async move {
            read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                .await;
            hold(stream).await;
        })
        .await;
        let options = RequestOptions {
            between_bytes_timeout: Some(Duration::from_millis(100)),
            ..RequestOptions::default()
        };
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), Some(options))
            .await
            .unwrap();
        let mut body = response.into_body();
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "hello");
        let error = body.frame().await.unwrap().unwrap_err();
        assert!(matches!(error, Error::ConnectionReadTimeout), "{error:?}");
        assert!(body.frame().await.is_none());
    }

    #[tokio::test]
    async fn short_content_length_body_is_incomplete() {
        let server =
            respond_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789").await;
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let error = read_body(response).await.unwrap_err();
        assert!(matches!(error, Error::HttpResponseIncomplete), "{error:?}");
    }

    #[tokio::test]
    async fn truncated_chunked_body_is_incomplete() {
        let server =
            respond_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                .await;
        let response = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await
            .unwrap();
        let error = read_body(response).await.unwrap_err();
        assert!(matches!(error, Error::HttpResponseIncomplete), "{error:?}");
    }

    #[tokio::test]
    async fn reset_mid_body_is_connection_terminated() {
        let server = serve(|mut stream, _| async move {
            read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                .await;
            // Zero linger turns the close into a RST.
            stream.set_zero_linger().unwrap();
        })
        .await;
        let result = Network::default()
            .send(get(&format!("http://{}/", server.addr)), None)
            .await;
        // The RST may overtake the head in the client's receive path.
        let error = match result {
            Ok(response) => read_body(response).await.unwrap_err(),
            Err(error) => error,
        };
        assert!(matches!(error, Error::ConnectionTerminated), "{error:?}");
    }
}
