//! Test support: loopback HTTP servers with inline handlers, and helpers to drive requests.
//!
//! Servers speak raw HTTP/1.1 over `std::net` so a handler can do what a well-behaved server
//! never would: close mid-body, reset the connection, send conflicting headers.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once};
use std::thread;
use std::time::Duration;

pub use electron_net_host::blocking::{Client, ClientRequest};
use electron_net_host::{AuthInfo, CredentialProvider, Credentials, Event, RequestOptions};

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub target: String,
    /// Header names in the case and order they arrived.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// Index of the TCP connection it came on (0 for the first accepted).
    pub connection: usize,
}

impl Received {
    /// The first value of a header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the handler wants done with the connection after it answered.
pub enum After {
    KeepAlive,
    Close,
}

/// The connection a handler answers on.
pub struct Conn {
    pub stream: TcpStream,
}

impl Conn {
    /// Writes raw bytes, ignoring a client that went away.
    pub fn raw(&mut self, bytes: impl AsRef<[u8]>) {
        let _ = self.stream.write_all(bytes.as_ref());
        let _ = self.stream.flush();
    }

    /// Writes a complete response with Content-Length.
    pub fn respond(&mut self, status: u16, headers: &[(&str, &str)], body: impl AsRef<[u8]>) {
        let body = body.as_ref();
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        self.raw(head);
        self.raw(body);
    }

    /// Closes with a TCP reset instead of a clean FIN.
    pub fn reset(self) {
        let _ = socket2::SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
        drop(self.stream);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Whatever",
    }
}

type Handler = dyn Fn(&Received, &mut Conn) -> After + Send + Sync;

/// A loopback server running `handler` for every request, one thread per connection.
pub struct Server {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    /// Starts a server on an ephemeral loopback port.
    pub fn start(
        handler: impl Fn(&Received, &mut Conn) -> After + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = received.clone();
        thread::spawn(move || {
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                let log = log.clone();
                thread::spawn(move || serve_connection(stream, index, &*handler, &log));
            }
        });
        Server { addr, received }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve_connection(
    stream: TcpStream,
    connection: usize,
    handler: &Handler,
    log: &Mutex<Vec<Received>>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut conn = Conn { stream };
    while let Some(request) = read_request(&mut reader, connection) {
        log.lock().unwrap().push(request.clone());
        if let After::Close = handler(&request, &mut conn) {
            return;
        }
    }
}

/// Reads one request (head and body, with `Content-Length` or chunked) from a connection of any
/// kind, plain or TLS; `None` at the end of the connection or on bytes that are not HTTP/1.1.
pub fn read_request(reader: &mut impl BufRead, connection: usize) -> Option<Received> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 256];
    let mut parsed = httparse::Request::new(&mut headers);
    parsed.parse(&head).ok()?;
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let mut received = Received {
        method: parsed.method?.to_owned(),
        target: parsed.path?.to_owned(),
        headers,
        body: Vec::new(),
        chunked: false,
        connection,
    };
    if received
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        received.chunked = true;
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).ok()?;
            let size = usize::from_str_radix(size_line.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            received.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = received.header("content-length") {
        let mut body = vec![0; length.trim().parse().ok()?];
        reader.read_exact(&mut body).ok()?;
        received.body = body;
    }
    Some(received)
}

/// A client whose compiled component is cached across the test binary's clients, with fresh
/// in-memory sessions.
pub fn client() -> Client {
    client_builder().build_blocking().expect("client")
}

/// A builder preset with the shared compilation cache.
pub fn client_builder() -> electron_net_host::ClientBuilder {
    static FIRST_COMPILE: Once = Once::new();
    let cache: PathBuf = std::env::temp_dir().join("electron-net-test-cache");
    // Compiling takes seconds under a debug host: one test compiles, the others load the cache.
    FIRST_COMPILE.call_once(|| {
        electron_net_host::Client::builder()
            .cache_dir(&cache)
            .build()
            .expect("compile the component");
    });
    electron_net_host::Client::builder().cache_dir(cache)
}

/// Options for `url` with a method.
pub fn options(url: &str, method: &str) -> RequestOptions {
    RequestOptions {
        method: Some(method.to_owned()),
        ..RequestOptions::url(url)
    }
}

/// Sends a GET to `url` and returns every event.
pub fn get(client: &Client, url: &str) -> Vec<Event> {
    let mut request = client.request(&RequestOptions::url(url)).expect("request");
    request.end(None).expect("end");
    request.events_until_done().expect("events")
}

/// Sends a GET to `url` with `headers` set through `set_header`, and returns every event.
pub fn get_with_headers(client: &Client, url: &str, headers: &[(&str, &str)]) -> Vec<Event> {
    let mut request = client.request(&RequestOptions::url(url)).expect("request");
    for (name, value) in headers {
        request.set_header(name, value).expect("set_header");
    }
    request.end(None).expect("end");
    request.events_until_done().expect("events")
}

/// Event names in order, with consecutive `data` events folded into one, for order assertions.
pub fn names(events: &[Event]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for event in events {
        let name = match event {
            Event::Finish => "finish",
            Event::Close => "close",
            Event::Response(_) => "response",
            Event::Data(_) => "data",
            Event::End => "end",
            Event::ResponseClose => "response-close",
            Event::Redirect(_) => "redirect",
            Event::Login(_) => "login",
            Event::UploadProgress(_) => "upload-progress",
            Event::Drain => "drain",
            Event::Abort => "abort",
            Event::Error(_) => "error",
        };
        if name == "data" && names.last() == Some(&"data") {
            continue;
        }
        names.push(name);
    }
    names
}

/// Event names without upload progress (which depends on timing).
pub fn names_without_progress(events: &[Event]) -> Vec<&'static str> {
    names(events)
        .into_iter()
        .filter(|n| *n != "upload-progress")
        .collect()
}

/// The concatenated response body.
pub fn body(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data(bytes) => Some(bytes.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

/// The message of the `error` event, if any.
pub fn error_message(events: &[Event]) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::Error(error) => Some(error.message.clone()),
        _ => None,
    })
}

/// The response head, if any.
pub fn response(events: &[Event]) -> Option<&electron_net_host::ResponseHead> {
    events.iter().find_map(|e| match e {
        Event::Response(head) => Some(head),
        _ => None,
    })
}

/// Drives a request until `stop` says so, blocking; returns what was seen.
pub fn drive_until(
    request: &mut ClientRequest,
    mut stop: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let mut seen = Vec::new();
    while !request.is_done().expect("is_done") {
        for event in request.wait_events(1, 1 << 20, 1000).expect("events") {
            let done = stop(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
    seen
}

/// A port on which nothing listens.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `http://localhost:PORT` + `path` for a server: the same listener under another host name
/// (another origin and another site than `127.0.0.1`).
pub fn localhost_url(server: &Server, path: &str) -> String {
    format!("http://localhost:{}{path}", server.port())
}

/// Drives a request to its end, handing every event to `on_event` together with the request, so
/// that it can act the way an Electron handler would (follow a redirect, abort, answer a login)
/// before the next poll. Panics if the request is not done within 60 s (a missed answer would
/// otherwise wait forever).
pub fn drive_with(
    request: &mut ClientRequest,
    mut on_event: impl FnMut(&mut ClientRequest, &Event),
) -> Vec<Event> {
    let give_up = std::time::Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !request.is_done().expect("is_done") {
        assert!(
            std::time::Instant::now() < give_up,
            "request not done after 60 s; events so far: {:?}",
            names(&seen)
        );
        for event in request.wait_events(1, 1 << 20, 1000).expect("events") {
            on_event(request, &event);
            seen.push(event);
        }
    }
    seen
}

/// One call to a credentials provider: partition, URL, challenge and attempt number.
pub type ProviderCall = (String, String, AuthInfo, u32);

type Answer = Box<dyn Fn(&AuthInfo, u32) -> Option<Credentials> + Send + Sync>;

/// A credentials provider that records every call and answers each from the challenge and the
/// attempt number.
pub struct RecordingProvider {
    calls: Mutex<Vec<ProviderCall>>,
    answer: Answer,
}

impl RecordingProvider {
    /// Answers attempt `n` with `answer(n)`.
    pub fn new(answer: impl Fn(u32) -> Option<Credentials> + Send + Sync + 'static) -> Arc<Self> {
        RecordingProvider::by_challenge(move |_, attempt| answer(attempt))
    }

    /// Answers from the challenge itself (its scheme, realm, host) and the attempt.
    pub fn by_challenge(
        answer: impl Fn(&AuthInfo, u32) -> Option<Credentials> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(RecordingProvider {
            calls: Mutex::default(),
            answer: Box::new(answer),
        })
    }

    /// Answers every attempt with the same credentials.
    pub fn always(credentials: Credentials) -> Arc<Self> {
        RecordingProvider::new(move |_| Some(credentials.clone()))
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<ProviderCall> {
        self.calls.lock().unwrap().clone()
    }
}

impl CredentialProvider for RecordingProvider {
    fn provide_credentials(
        &self,
        partition: &str,
        url: &str,
        info: &AuthInfo,
        attempt: u32,
    ) -> Option<Credentials> {
        let call = (partition.to_owned(), url.to_owned(), info.clone(), attempt);
        self.calls.lock().unwrap().push(call);
        (self.answer)(info, attempt)
    }
}
