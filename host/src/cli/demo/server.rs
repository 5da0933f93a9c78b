//! The demo's loopback HTTP/1.1 server: a thread per connection, one request per connection
//! (`Connection: close`), and just enough HTTP for the tour's routes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

pub const GREETING: &str = "Hello from the loopback server!\n";
pub const USER: &str = "demo";
pub const PASSWORD: &str = "secret";
/// `Basic` and base64 of `demo:secret`.
const AUTHORIZATION: &str = "Basic ZGVtbzpzZWNyZXQ=";

/// Starts the server on an ephemeral port. Its threads die with the process.
pub fn start() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let address = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // Errors are clients going away, which the abort step does on purpose.
            thread::spawn(move || serve(stream));
        }
    });
    Ok(address)
}

/// The upload route's answer.
pub fn received(bytes: usize) -> String {
    format!("received {bytes} bytes\n")
}

fn serve(stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let (method, path, headers) = read_head(&mut reader)?;
    let header = |wanted: &str| {
        let mut matching = headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(wanted));
        matching.next().map(|(_, value)| value.as_str())
    };
    match (method.as_str(), path.as_str()) {
        ("GET", "/hello") => respond(&mut out, "200 OK", &[], GREETING),
        ("GET", "/redirect/2") => {
            respond(&mut out, "302 Found", &[("Location", "/redirect/1")], "")
        }
        ("GET", "/redirect/1") => respond(&mut out, "302 Found", &[("Location", "/hello")], ""),
        ("GET", "/private") if header("authorization") == Some(AUTHORIZATION) => {
            respond(&mut out, "200 OK", &[], "Welcome, demo!\n")
        }
        ("GET", "/private") => {
            let challenge = [("WWW-Authenticate", "Basic realm=\"demo\"")];
            respond(&mut out, "401 Unauthorized", &challenge, "Who are you?\n")
        }
        ("POST", "/upload") => {
            let chunked = header("transfer-encoding").is_some_and(|value| value == "chunked");
            let length = header("content-length").and_then(|value| value.parse().ok());
            let size = if chunked {
                chunked_body_size(&mut reader)?
            } else {
                io::copy(&mut reader.take(length.unwrap_or(0)), &mut io::sink())?
            };
            respond(&mut out, "200 OK", &[], &received(size as usize))
        }
        ("GET", "/slow") => {
            out.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n",
            )?;
            // A first piece at once, then a trickle that would take 100 s to finish.
            for _ in 0..1024 {
                out.write_all(&[b'.'; 1024])?;
                thread::sleep(Duration::from_millis(100));
            }
            Ok(())
        }
        _ => respond(&mut out, "404 Not Found", &[], "No such page.\n"),
    }
}

type Head = (String, String, Vec<(String, String)>);

fn read_head(reader: &mut impl BufRead) -> io::Result<Head> {
    let request_line = read_line(reader)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(invalid("malformed request line"));
    };
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            return Ok((method.to_owned(), path.to_owned(), headers));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("malformed header"))?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
}

/// Reads a `Transfer-Encoding: chunked` body to its end and returns its size.
fn chunked_body_size(reader: &mut impl BufRead) -> io::Result<u64> {
    let mut total = 0;
    loop {
        let line = read_line(reader)?;
        let size = line.split(';').next().unwrap_or_default();
        let size = u64::from_str_radix(size.trim(), 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, if any, up to the empty line.
            while !read_line(reader)?.is_empty() {}
            return Ok(total);
        }
        let copied = io::copy(&mut reader.take(size), &mut io::sink())?;
        if copied != size || !read_line(reader)?.is_empty() {
            return Err(invalid("bad chunk"));
        }
        total += size;
    }
}

/// A line without its CRLF; end of stream is an error, since every caller expects more.
fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> io::Result<()> {
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let length = body.len();
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {length}\r\n\
         Connection: close\r\n{headers}\r\n{body}"
    );
    out.write_all(response.as_bytes())
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
