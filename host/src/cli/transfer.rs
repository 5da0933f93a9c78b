//! The loop every request goes through: send the body, wait for events, and hand each event to
//! the caller before the next poll, so that what Electron decides inside an event handler
//! (`followRedirect()`, a login answer, `abort()`) is decided in time.

use std::io::{self, Read};
use std::time::Duration;

use electron_net_host::{ClientRequest, Credentials, Event};

/// A request body.
pub enum Body {
    /// No body.
    Empty,
    /// Sent with `Content-Length`, in one piece.
    Buffered(Vec<u8>),
    /// Streamed with `Transfer-Encoding: chunked` as it is read.
    Chunked(Box<dyn Read>),
}

/// What an event handler decided, carried out before the next poll.
pub enum Reaction {
    Nothing,
    Abort,
    FollowRedirect,
    /// Answers a `login`: credentials retry, `None` delivers the 401/407.
    AnswerLogin(Option<Credentials>),
}

/// Node's default stream chunk size: what a JavaScript caller piping a file would write.
const PIECE: usize = 16 * 1024;
/// Pieces written between two polls at most. After a failure `write` keeps accepting (and
/// discarding) data, so without a bound an error would only be noticed at the end of the body.
const PIECES_PER_POLL: usize = 8;
const MAX_EVENTS: u32 = 64;
/// Response body taken per poll: the component holds the rest back, so a slow consumer (a full
/// pipe on stdout) slows the server down instead of filling memory.
const MAX_BYTES: u32 = 256 * 1024;
/// Only bounds how long a poll may wait when nothing happens.
const POLL_TIMEOUT: Duration = Duration::from_secs(1);

pub async fn drive(
    request: &mut ClientRequest,
    body: Body,
    mut on_event: impl FnMut(Event) -> anyhow::Result<Reaction>,
) -> anyhow::Result<()> {
    let mut stream = match body {
        Body::Empty => {
            request.end(None).await?;
            None
        }
        Body::Buffered(data) => {
            request.end(Some(&data)).await?;
            None
        }
        Body::Chunked(reader) => {
            request.set_chunked_encoding(true).await?;
            Some(reader)
        }
    };
    // Honours `write()` returning false: nothing more is written until `drain`.
    let mut may_write = true;
    let mut piece = vec![0; PIECE];
    while !request.is_done() {
        if let Some(reader) = stream.as_mut().filter(|_| may_write) {
            for _ in 0..PIECES_PER_POLL {
                // A blocking read: the CLI runs one request, and nothing else on its runtime
                // needs the thread while the body's source makes the request wait.
                let read = read_some(reader, &mut piece)?;
                if read == 0 {
                    request.end(None).await?;
                    stream = None;
                    break;
                }
                if !request.write(&piece[..read]).await? {
                    may_write = false;
                    break;
                }
            }
        }
        let events = request
            .next_events(MAX_EVENTS, MAX_BYTES, POLL_TIMEOUT)
            .await?;
        for event in events {
            may_write |= matches!(event, Event::Drain);
            match on_event(event)? {
                Reaction::Nothing => {}
                Reaction::Abort => request.abort().await?,
                Reaction::FollowRedirect => request.follow_redirect().await?,
                Reaction::AnswerLogin(answer) => request.answer_login(answer).await?,
            }
        }
    }
    Ok(())
}

fn read_some(reader: &mut dyn Read, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}
