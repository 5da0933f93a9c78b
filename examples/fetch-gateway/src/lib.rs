//! A small fetch gateway, to show a component using `electron:net/client` the way an application
//! would. It targets the `wasi:http/proxy` world, so composed with the standalone electron-net
//! component it runs under stock `wasmtime serve`:
//!
//! - `GET /fetch?url=U` fetches `U` with redirects followed and the partition's cookies (a cookie
//!   set by one hop goes out on the next), and streams the final response back: its status, its
//!   end-to-end headers and its body, read 64 KiB at a time so memory stays flat;
//! - an Electron error before the response (`net::ERR_CONNECTION_REFUSED`, too many redirects,
//!   ...) answers 502 with the `net::ERR_*` message as the body; one during the body cuts the
//!   response off, so the client sees a truncated transfer rather than a short success;
//! - a missing or invalid `url` answers 400 with Electron's message (`TypeError: Invalid URL`);
//! - a 401/407 no credentials component answers arrives as the response itself.
//!
//! Under `wasmtime serve` every incoming request gets a fresh instance of the whole composition,
//! so the cookie jar lives exactly as long as one gateway request.

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        inline: "
            package example:fetch-gateway;
            world gateway {
                import electron:net/client@0.1.0;
                export wasi:http/incoming-handler@0.2.12;
            }
        ",
        world: "example:fetch-gateway/gateway",
        with: {
            "wasi:io/poll@0.2.12": wasip2::io::poll,
            "wasi:io/error@0.2.12": wasip2::io::error,
            "wasi:io/streams@0.2.12": wasip2::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
            "wasi:http/types@0.2.12": wasip2::http::types,
        },
        generate_all,
    });
}

use bindings::electron::net::client::{ClientRequest, Event, RequestOptions, Timeouts};
use bindings::electron::net::types::{ErrorClass, RequestError, ResponseHead};
use bindings::exports::wasi::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasip2::io::streams::{OutputStream, StreamError};

/// Body bytes taken from the network per poll: the most the gateway ever holds at once.
const WINDOW: u32 = 64 * 1024;

struct Gateway;

impl Guest for Gateway {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let (route, query) = path.split_once('?').unwrap_or((&path, ""));
        if route != "/fetch" {
            return respond(out, 404, "not found: use GET /fetch?url=<url>\n");
        }
        let target = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "url")
            .map(|(_, value)| value.into_owned())
            .filter(|value| !value.is_empty());
        // Electron (and the component) read an absent URL as `http://localhost/`; a gateway must
        // not, so a missing one fails the way `new URL('')` does in Electron's JavaScript.
        let Some(target) = target else {
            return respond(out, 400, "TypeError: Invalid URL\n");
        };
        match ClientRequest::create(&options(target)) {
            Ok(client) => fetch(client, out),
            Err(error) => respond(out, 400, &format!("{}\n", describe(&error))),
        }
    }
}

fn options(url: String) -> RequestOptions {
    RequestOptions {
        from_string: true,
        url: Some(url),
        method: None,
        headers: Vec::new(),
        partition: None,
        credentials: None,
        // Cookies set by one hop of the redirect chain go out on the next.
        use_session_cookies: true,
        protocol: None,
        host: None,
        hostname: None,
        port: None,
        path: None,
        redirect: None,
        origin: None,
        referrer_policy: None,
        cache: None,
        priority: None,
        priority_incremental: None,
        bypass_custom_protocol_handlers: false,
        timeouts: Timeouts {
            connect_ms: None,
            first_byte_ms: None,
            between_bytes_ms: None,
            total_ms: None,
        },
    }
}

/// Electron's `String(error)`: `TypeError: Invalid URL`, `Error: net::ERR_CONNECTION_REFUSED`.
fn describe(error: &RequestError) -> String {
    match error.class {
        ErrorClass::TypeError => format!("TypeError: {}", error.message),
        ErrorClass::Error => error.message.clone(),
    }
}

/// Where the gateway's own response stands.
enum Reply {
    /// Nothing sent yet.
    Waiting(ResponseOutparam),
    /// Headers sent; the body is streaming.
    Streaming(OutputStream, OutgoingBody),
}

fn fetch(client: ClientRequest, out: ResponseOutparam) {
    let mut reply = Reply::Waiting(out);
    if let Err(error) = client.end(None) {
        return fail(reply, &error);
    }
    while !client.is_done() {
        for event in client.blocking_poll_events(64, WINDOW, 1000) {
            reply = match (event, reply) {
                (Event::Response(head), Reply::Waiting(out)) => match start(head, out) {
                    Some(streaming) => streaming,
                    // The client went away: nothing left to do.
                    None => return client.abort(),
                },
                (Event::Data(bytes), Reply::Streaming(stream, body)) => {
                    if write_all(&stream, &bytes).is_err() {
                        return client.abort();
                    }
                    Reply::Streaming(stream, body)
                }
                (Event::End, Reply::Streaming(stream, body)) => {
                    let flushed = stream.blocking_flush().is_ok();
                    drop(stream);
                    if flushed {
                        // A failed trailer-less finish leaves nothing to report to anyone.
                        let _ = OutgoingBody::finish(body, None);
                    }
                    return;
                }
                // No credentials component answered: deliver the 401/407 itself.
                (Event::Login(_), reply) => {
                    if let Err(error) = client.answer_login(None) {
                        return fail(reply, &error);
                    }
                    reply
                }
                (Event::Error(error), reply) => return fail(reply, &error),
                (_, reply) => reply,
            };
        }
    }
}

/// Sends the upstream response's status and end-to-end headers and opens the body.
fn start(head: ResponseHead, out: ResponseOutparam) -> Option<Reply> {
    let headers = Fields::new();
    for (name, value) in &head.raw_headers {
        // The gateway streams, so it frames the body itself; the cookies belong to its own jar.
        // Names wasi:http forbids are refused by `append` and simply not forwarded.
        if !matches!(
            name.to_ascii_lowercase().as_str(),
            "content-length" | "transfer-encoding" | "set-cookie"
        ) {
            let _ = headers.append(name, value.as_bytes());
        }
    }
    let response = OutgoingResponse::new(headers);
    response.set_status_code(head.status_code).ok()?;
    let body = response.body().ok()?;
    ResponseOutparam::set(out, Ok(response));
    let stream = body.write().ok()?;
    Some(Reply::Streaming(stream, body))
}

/// Answers 502 with Electron's message before a response started; afterwards drops the body
/// unfinished, which the runtime reports to the client as a broken transfer.
fn fail(reply: Reply, error: &RequestError) {
    match reply {
        Reply::Waiting(out) => respond(out, 502, &format!("{}\n", describe(error))),
        Reply::Streaming(stream, body) => {
            drop(stream);
            drop(body);
        }
    }
}

fn respond(out: ResponseOutparam, status: u16, text: &str) {
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let Ok(body) = response.body() else { return };
    ResponseOutparam::set(out, Ok(response));
    if let Ok(stream) = body.write() {
        let written = write_all(&stream, text.as_bytes()).is_ok();
        drop(stream);
        if written {
            let _ = OutgoingBody::finish(body, None);
        }
    }
}

/// Writes everything, waiting for the client to take it: never more than the stream allows.
fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<(), StreamError> {
    while !bytes.is_empty() {
        let allowed = stream.check_write()?;
        if allowed == 0 {
            stream.subscribe().block();
            continue;
        }
        let take = bytes
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        stream.write(&bytes[..take])?;
        bytes = &bytes[take..];
    }
    Ok(())
}

bindings::export!(Gateway with_types_in bindings);
