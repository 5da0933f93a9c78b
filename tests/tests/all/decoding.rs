//! Content decoding (checklist F29): what the component asks for, what it decodes, and a bomb
//! streaming through a worker whose memory is far smaller than the decoded body.

use std::io::Write;
use std::sync::Arc;

use electron_net_host::{Event, RequestOptions, WorkerLimits};
use electron_net_tests::*;

const TEXT: &[u8] = b"Chromium asks for compressed bodies and decodes them. ";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn encoded(path: &str, body: &[u8]) -> (&'static str, Vec<u8>) {
    match path {
        "/gzip" => ("gzip", gzip(body)),
        "/zlib" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).unwrap();
            ("deflate", e.finish().unwrap())
        }
        "/raw-deflate" => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).unwrap();
            ("deflate", e.finish().unwrap())
        }
        "/br" => {
            let mut out = Vec::new();
            let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 20);
            writer.write_all(body).unwrap();
            drop(writer);
            ("br", out)
        }
        "/zstd" => (
            "zstd",
            ruzstd::encoding::compress_to_vec(body, ruzstd::encoding::CompressionLevel::Fastest),
        ),
        "/gzip-then-br" => {
            let (_, gzipped) = encoded("/gzip", body);
            let (_, both) = encoded("/br", &gzipped);
            ("gzip, br", both)
        }
        "/unknown" => ("compress", body.to_vec()),
        _ => ("identity", body.to_vec()),
    }
}

/// Answers `/CODING` with TEXT×200 in that coding, with a `Content-Length` of the encoded size.
fn encoding_server() -> Server {
    Server::start(|req, conn| {
        let body = TEXT.repeat(200);
        let (coding, bytes) = encoded(&req.target, &body);
        conn.respond(200, &[("Content-Encoding", coding)], bytes);
        After::KeepAlive
    })
}

#[test]
fn every_coding_is_decoded_and_the_headers_stay_as_the_server_sent_them() {
    let server = encoding_server();
    let client = client();
    let expected = TEXT.repeat(200);
    for (path, coding) in [
        ("/gzip", "gzip"),
        ("/zlib", "deflate"),
        ("/raw-deflate", "deflate"),
        ("/br", "br"),
        ("/zstd", "zstd"),
        ("/gzip-then-br", "gzip, br"),
    ] {
        let events = get(&client, &server.url(path));
        assert_eq!(error_message(&events), None, "{path}");
        assert_eq!(body(&events), expected, "{path}");
        let head = response(&events).unwrap();
        let header = |name: &str| {
            head.headers
                .iter()
                .find(|h| h.name == name)
                .map(|h| h.values.clone())
        };
        // Chromium reports the headers as received: the coding and the encoded length.
        assert_eq!(header("content-encoding"), Some(vec![coding.to_owned()]));
        let (_, sent) = encoded(path, &expected);
        assert_eq!(
            header("content-length"),
            Some(vec![sent.len().to_string()]),
            "{path}"
        );
    }
    for received in server.received() {
        assert_eq!(received.header("accept-encoding"), Some("gzip, deflate"));
    }
}

#[test]
fn an_unknown_coding_passes_through_as_sent() {
    let server = encoding_server();
    let events = get(&client(), &server.url("/unknown"));
    assert_eq!(body(&events), TEXT.repeat(200));
}

#[test]
fn a_user_set_accept_encoding_is_sent_as_set_and_the_body_is_still_decoded() {
    let server = encoding_server();
    let events = get_with_headers(
        &client(),
        &server.url("/gzip"),
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(body(&events), TEXT.repeat(200));
    assert_eq!(server.received()[0].header("accept-encoding"), Some("gzip"));
}

#[test]
fn a_corrupt_or_cut_off_body_fails_with_content_decoding_failed() {
    let server = Server::start(|req, conn| {
        let body = TEXT.repeat(200);
        let gzipped = gzip(&body);
        match req.target.as_str() {
            "/garbage" => conn.respond(200, &[("Content-Encoding", "br")], &body),
            // A whole HTTP body (its Content-Length is right) holding half a gzip stream.
            _ => conn.respond(
                200,
                &[("Content-Encoding", "gzip")],
                &gzipped[..gzipped.len() / 2],
            ),
        }
        After::KeepAlive
    });
    let client = client();
    for path in ["/garbage", "/cut"] {
        let events = get(&client, &server.url(path));
        // What decoded before the damage (half the stream) may come first as data.
        let names = names(&events);
        assert_eq!(names[..3], ["finish", "close", "response"], "{path}");
        assert_eq!(
            names[names.len() - 2..],
            ["error", "response-close"],
            "{path}"
        );
        assert_eq!(
            error_message(&events).as_deref(),
            Some("net::ERR_CONTENT_DECODING_FAILED")
        );
    }
}

/// A zstd frame (1 MiB window) of `blocks` RLE blocks, each 128 KiB of zeros in 4 bytes.
fn zstd_bomb(blocks: usize) -> Vec<u8> {
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 10 << 3];
    for index in 0..blocks {
        let last = u32::from(index + 1 == blocks);
        let header = last | (1 << 1) | ((128 * 1024) << 3);
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0);
    }
    frame
}

/// Memory far below the decoded size (and the 128 MiB default).
const SMALL_MEMORY: usize = 16 << 20;

#[test]
fn a_bomb_streams_through_a_worker_with_16_mib_of_memory() {
    // 1 GiB of zeros in 32 KiB of zstd, and 64 MiB in 64 KiB of gzip.
    let zstd = Arc::new(zstd_bomb(8192));
    let gzipped = Arc::new(gzip(&vec![0; 64 << 20]));
    let server = {
        let (zstd, gzipped) = (zstd.clone(), gzipped.clone());
        Server::start(move |req, conn| {
            match req.target.as_str() {
                "/zstd" => conn.respond(200, &[("Content-Encoding", "zstd")], &zstd[..]),
                _ => conn.respond(200, &[("Content-Encoding", "gzip")], &gzipped[..]),
            }
            After::KeepAlive
        })
    };
    let client = client_builder()
        .worker_limits(WorkerLimits {
            memory_limit: SMALL_MEMORY,
            ..WorkerLimits::default()
        })
        .build_blocking()
        .expect("client");
    for (path, size) in [("/zstd", 1u64 << 30), ("/gzip", 64 << 20)] {
        let mut request = client
            .request(&RequestOptions::url(server.url(path)))
            .expect("request");
        request.end(None).expect("end");
        let mut decoded = 0u64;
        let mut last = "";
        while !request.is_done().expect("is_done") {
            for event in request.wait_events(64, 1 << 20, 1000).expect("events") {
                match event {
                    Event::Data(bytes) => {
                        assert!(bytes.iter().all(|&b| b == 0));
                        decoded += bytes.len() as u64;
                    }
                    Event::Error(error) => panic!("{path}: {}", error.message),
                    other => last = event_name(&other),
                }
            }
        }
        assert_eq!(decoded, size, "{path}");
        assert_eq!(last, "response-close");
    }
    // One worker did it all: the bomb never went over the memory limit.
    assert_eq!(client.as_async().instances_created(), 1);
}

fn event_name(event: &Event) -> &'static str {
    names(std::slice::from_ref(event))[0]
}
