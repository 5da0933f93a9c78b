//! Content decoding. Chromium advertises `gzip, deflate` (and over https `br, zstd` too) when
//! the request sets no `Accept-Encoding`, and decodes the body before the caller sees it.
//!
//! Decoding is pulled by the caller's byte budget: each [`Decoder::read`] produces at most what
//! the caller asked for, and compressed input is taken in only when the decoders ask for more.
//! A bomb (gigabytes of zeros in a few megabytes) therefore streams at the caller's pace with
//! memory bounded by the decoders' windows, never by the decoded size.
//!
//! The decoders are the pure-Rust `flate2` (miniz_oxide), `brotli-decompressor` and `ruzstd`,
//! stacked as `Read`ers over an input queue that answers `WouldBlock` while it is empty and the
//! network has more to send: flate2's and brotli's readers resume after it. ruzstd's does not
//! (it reads a block with `read_exact`), so [`Zstd`] hands it one complete block at a time.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufReader, Cursor, Read};
use std::rc::Rc;

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// Codings stacked on one response beyond which it is refused (none is legitimate; each layer
/// holds a window of memory).
const MAX_CODINGS: usize = 3;
/// Largest zstd window accepted: RFC 9659 limits the `zstd` content coding to 8 MiB, and
/// Chromium refuses larger ones.
const MAX_ZSTD_WINDOW: u64 = 8 * 1024 * 1024;
/// Compressed bytes a decoder reads from the layer below at a time.
const INPUT_CHUNK: usize = 16 * 1024;

/// One `Content-Encoding` coding this component decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    /// zlib-wrapped, or raw deflate as some servers send it (Chromium accepts both).
    Deflate,
    Brotli,
    Zstd,
}

/// The `Accept-Encoding` Chromium sends when the request sets none.
pub fn accept_encoding(secure: bool) -> &'static str {
    if secure {
        "gzip, deflate, br, zstd"
    } else {
        "gzip, deflate"
    }
}

/// What the response's `Content-Encoding` values ask to undo, in the order they were applied.
/// `Ok(None)`: a coding this component does not know, so the body passes through as it came
/// (Chromium does the same). `identity` is no coding.
pub fn codings<'a>(values: impl Iterator<Item = &'a str>) -> Result<Option<Vec<Coding>>, Corrupt> {
    let mut codings = Vec::new();
    for token in values.flat_map(|value| value.split(',')) {
        let coding = match token.trim().to_ascii_lowercase().as_str() {
            "" | "identity" => continue,
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            "br" => Coding::Brotli,
            "zstd" => Coding::Zstd,
            _ => return Ok(None),
        };
        codings.push(coding);
    }
    if codings.len() > MAX_CODINGS {
        return Err(Corrupt);
    }
    Ok(Some(codings))
}

/// The body cannot be decoded (`net::ERR_CONTENT_DECODING_FAILED`).
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt;

/// What a [`Decoder::read`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// This many decoded bytes were appended.
    Data(usize),
    /// Nothing more can be decoded until more input is fed (or the input is closed).
    NeedInput,
    /// The decoded body is complete.
    End,
}

/// Undoes a response's codings as its bytes arrive.
pub struct Decoder {
    input: Input,
    output: Box<dyn Read>,
}

impl Decoder {
    /// A decoder for `codings` listed in the order they were applied (the last is undone first).
    pub fn new(codings: &[Coding]) -> Decoder {
        let input = Input::default();
        let mut reader: Box<dyn Read> = Box::new(input.clone());
        for coding in codings.iter().rev() {
            reader = match coding {
                Coding::Gzip => Box::new(flate2::bufread::GzDecoder::new(
                    BufReader::with_capacity(INPUT_CHUNK, reader),
                )),
                Coding::Deflate => Box::new(Deflate::Sniffing {
                    inner: Some(reader),
                    prefix: Vec::new(),
                }),
                Coding::Brotli => {
                    Box::new(brotli_decompressor::Decompressor::new(reader, INPUT_CHUNK))
                }
                Coding::Zstd => Box::new(Zstd::new(reader)),
            };
        }
        Decoder {
            input,
            output: reader,
        }
    }

    /// Compressed bytes from the network.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.input.0.borrow_mut().queue.extend(bytes);
    }

    /// The network sent everything.
    pub fn close_input(&mut self) {
        self.input.0.borrow_mut().closed = true;
    }

    /// Appends up to `max` decoded bytes to `out`.
    pub fn read(&mut self, out: &mut Vec<u8>, max: usize) -> Result<Decoded, Corrupt> {
        let start = out.len();
        out.resize(start + max, 0);
        let result = self.output.read(&mut out[start..]);
        let read = *result.as_ref().unwrap_or(&0);
        out.truncate(start + read);
        match result {
            Ok(0) if max > 0 => Ok(Decoded::End),
            Ok(read) => Ok(Decoded::Data(read)),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(Decoded::NeedInput),
            Err(_) => Err(Corrupt),
        }
    }
}

#[derive(Default)]
struct Queue {
    queue: VecDeque<u8>,
    closed: bool,
}

/// The compressed bytes fed so far: `WouldBlock` while empty and open, end of file once closed.
#[derive(Clone, Default)]
struct Input(Rc<RefCell<Queue>>);

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut input = self.0.borrow_mut();
        if input.queue.is_empty() && !input.closed {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        input.queue.read(buf)
    }
}

/// `deflate`: zlib-wrapped when the first two bytes are a zlib header, raw deflate otherwise.
enum Deflate {
    Sniffing {
        inner: Option<Box<dyn Read>>,
        prefix: Vec<u8>,
    },
    Zlib(flate2::bufread::ZlibDecoder<BufReader<Prefixed>>),
    Raw(flate2::bufread::DeflateDecoder<BufReader<Prefixed>>),
}

type Prefixed = io::Chain<Cursor<Vec<u8>>, Box<dyn Read>>;

impl Read for Deflate {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Deflate::Sniffing { inner, prefix } = self {
            let Some(source) = inner else {
                return Err(io::ErrorKind::Other.into());
            };
            while prefix.len() < 2 {
                let mut byte = [0];
                if source.read(&mut byte)? == 0 {
                    break;
                }
                prefix.push(byte[0]);
            }
            let zlib = matches!(prefix[..], [cmf, flg]
                if cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0);
            let Some(source) = inner.take() else {
                return Err(io::ErrorKind::Other.into());
            };
            let stream = BufReader::with_capacity(
                INPUT_CHUNK,
                Cursor::new(std::mem::take(prefix)).chain(source),
            );
            *self = if zlib {
                Deflate::Zlib(flate2::bufread::ZlibDecoder::new(stream))
            } else {
                Deflate::Raw(flate2::bufread::DeflateDecoder::new(stream))
            };
        }
        match self {
            Deflate::Zlib(decoder) => decoder.read(buf),
            Deflate::Raw(decoder) => decoder.read(buf),
            Deflate::Sniffing { .. } => Err(io::ErrorKind::Other.into()),
        }
    }
}

/// `zstd`: frames (and skippable frames) one after another, each decoded one complete block at a
/// time, so that neither a partial block nor a bomb of tiny blocks reaches ruzstd at once.
struct Zstd {
    inner: Box<dyn Read>,
    inner_done: bool,
    /// Compressed bytes read but not decoded yet.
    pending: Vec<u8>,
    frame: FrameDecoder,
    /// Inside a frame: whether it carries a checksum after its last block.
    in_frame: Option<bool>,
    /// A frame with a checksum ended: it is checked once all its bytes were collected (ruzstd
    /// hashes bytes as they are collected).
    verify_checksum: bool,
}

impl Zstd {
    fn new(inner: Box<dyn Read>) -> Zstd {
        Zstd {
            inner,
            inner_done: false,
            pending: Vec::new(),
            frame: FrameDecoder::new(),
            in_frame: None,
            verify_checksum: false,
        }
    }

    /// Decodes the next complete unit in `pending` (a frame header, a skippable frame or a
    /// block); `Ok(false)` when `pending` does not hold one yet.
    fn decode_unit(&mut self) -> io::Result<bool> {
        let corrupt = || io::Error::from(io::ErrorKind::InvalidData);
        match self.in_frame {
            None => {
                let Some(magic) = self
                    .pending
                    .first_chunk::<4>()
                    .map(|m| u32::from_le_bytes(*m))
                else {
                    return Ok(false);
                };
                if magic & 0xffff_fff0 == 0x184d_2a50 {
                    let Some(size) = self.pending.get(4..8) else {
                        return Ok(false);
                    };
                    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
                    if self.pending.len() < 8 + size {
                        return Ok(false);
                    }
                    self.pending.drain(..8 + size);
                    return Ok(true);
                }
                let Some(&descriptor) = self.pending.get(4) else {
                    return Ok(false);
                };
                let single_segment = descriptor & 0x20 != 0;
                let content_size_bytes = match descriptor >> 6 {
                    0 => usize::from(single_segment),
                    1 => 2,
                    2 => 4,
                    _ => 8,
                };
                let dictionary_bytes = [0, 1, 2, 4][usize::from(descriptor & 3)];
                let header =
                    5 + usize::from(!single_segment) + dictionary_bytes + content_size_bytes;
                if self.pending.len() < header {
                    return Ok(false);
                }
                let mut source = &self.pending[..header];
                self.frame.init(&mut source).map_err(|_| corrupt())?;
                let window = if single_segment {
                    self.frame.content_size()
                } else {
                    let window_descriptor = self.pending[5];
                    let base = 1u64 << (10 + u64::from(window_descriptor >> 3));
                    base + base / 8 * u64::from(window_descriptor & 7)
                };
                if window > MAX_ZSTD_WINDOW {
                    return Err(corrupt());
                }
                self.pending.drain(..header);
                self.in_frame = Some(descriptor & 4 != 0);
                Ok(true)
            }
            Some(checksummed) => {
                let Some(header) = self.pending.first_chunk::<3>() else {
                    return Ok(false);
                };
                let header = u32::from_le_bytes([header[0], header[1], header[2], 0]);
                let last = header & 1 != 0;
                let content = match (header >> 1) & 3 {
                    1 => 1, // RLE: one byte repeated
                    3 => return Err(corrupt()),
                    _ => (header >> 3) as usize,
                };
                let unit = 3 + content + if last && checksummed { 4 } else { 0 };
                if self.pending.len() < unit {
                    return Ok(false);
                }
                let mut source = &self.pending[..unit];
                self.frame
                    .decode_blocks(&mut source, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(|_| corrupt())?;
                self.pending.drain(..unit);
                if last {
                    self.in_frame = None;
                    self.verify_checksum = checksummed;
                }
                Ok(true)
            }
        }
    }
}

impl Read for Zstd {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.frame.can_collect() > 0 {
                return self.frame.read(buf);
            }
            if std::mem::take(&mut self.verify_checksum)
                && self.frame.get_checksum_from_data() != self.frame.get_calculated_checksum()
            {
                return Err(io::ErrorKind::InvalidData.into());
            }
            if self.decode_unit()? {
                continue;
            }
            if self.inner_done {
                // Mid-frame or mid-unit at the end: truncated.
                return if self.in_frame.is_none() && self.pending.is_empty() {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
            let mut chunk = [0; INPUT_CHUNK];
            match self.inner.read(&mut chunk)? {
                0 => self.inner_done = true,
                read => self.pending.extend_from_slice(&chunk[..read]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const TEXT: &[u8] = b"Electron's net module decodes what Chromium asked for. ";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        writer.write_all(data).unwrap();
        drop(writer);
        out
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    /// Feeds `encoded` in pieces of `piece` bytes, reading up to `budget` after each, as the
    /// request's download loop does; returns the decoded body and the largest output of a read.
    fn decode_in_pieces(
        codings: &[Coding],
        encoded: &[u8],
        piece: usize,
        budget: usize,
    ) -> Result<Vec<u8>, Corrupt> {
        let mut decoder = Decoder::new(codings);
        let mut out = Vec::new();
        let mut pieces = encoded.chunks(piece);
        loop {
            match decoder.read(&mut out, budget)? {
                Decoded::Data(read) => assert!(read <= budget),
                Decoded::End => return Ok(out),
                Decoded::NeedInput => match pieces.next() {
                    Some(piece) => decoder.feed(piece),
                    None => decoder.close_input(),
                },
            }
        }
    }

    #[test]
    fn each_coding_decodes_whatever_the_pieces_and_budget() {
        let body = TEXT.repeat(2000);
        let cases: [(Coding, Vec<u8>); 5] = [
            (Coding::Gzip, gzip(&body)),
            (Coding::Deflate, zlib(&body)),
            (Coding::Deflate, raw_deflate(&body)),
            (Coding::Brotli, brotli(&body)),
            (Coding::Zstd, zstd(&body)),
        ];
        for (coding, encoded) in &cases {
            for (piece, budget) in [(1, 7), (3, 65536), (4096, 1), (1 << 20, 1 << 20)] {
                let decoded = decode_in_pieces(&[*coding], encoded, piece, budget);
                assert_eq!(
                    decoded.as_deref(),
                    Ok(&body[..]),
                    "{coding:?} {piece} {budget}"
                );
            }
        }
    }

    #[test]
    fn stacked_codings_are_undone_last_first() {
        let body = TEXT.repeat(50);
        let encoded = brotli(&gzip(&body));
        let decoded = decode_in_pieces(&[Coding::Gzip, Coding::Brotli], &encoded, 5, 100);
        assert_eq!(decoded.as_deref(), Ok(&body[..]));
    }

    #[test]
    fn corrupt_and_truncated_streams_fail() {
        let body = TEXT.repeat(100);
        for (coding, encoded) in [
            (Coding::Gzip, gzip(&body)),
            (Coding::Deflate, zlib(&body)),
            (Coding::Brotli, brotli(&body)),
            (Coding::Zstd, zstd(&body)),
        ] {
            let truncated = &encoded[..encoded.len() / 2];
            assert_eq!(
                decode_in_pieces(&[coding], truncated, 64, 1024),
                Err(Corrupt),
                "{coding:?} truncated"
            );
        }
        let garbage = b"this was never compressed by anything at all".repeat(10);
        for coding in [Coding::Gzip, Coding::Brotli, Coding::Zstd] {
            assert_eq!(
                decode_in_pieces(&[coding], &garbage, 64, 1024),
                Err(Corrupt),
                "{coding:?} garbage"
            );
        }
        let mut flipped = gzip(&body);
        let last = flipped.len() - 5;
        flipped[last] ^= 0xff; // the CRC-32 in the trailer
        assert_eq!(
            decode_in_pieces(&[Coding::Gzip], &flipped, 64, 1024),
            Err(Corrupt)
        );
        let mut flipped = zstd(&body);
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff; // the frame checksum
        assert_eq!(
            decode_in_pieces(&[Coding::Zstd], &flipped, 64, 1024),
            Err(Corrupt)
        );
    }

    #[test]
    fn a_bomb_is_decoded_at_the_callers_pace() {
        // 16 MiB of zeros, a few KiB compressed: each read gives at most the budget, and the
        // decoder takes input only once it has used up the last piece.
        let zeros = vec![0; 16 << 20];
        for (coding, encoded) in [
            (Coding::Gzip, gzip(&zeros)),
            (Coding::Brotli, brotli(&zeros)),
            (Coding::Zstd, zstd(&zeros)),
        ] {
            let mut decoder = Decoder::new(&[coding]);
            let mut total = 0;
            let mut pieces = encoded.chunks(INPUT_CHUNK);
            loop {
                let mut out = Vec::new();
                match decoder.read(&mut out, 64 * 1024).unwrap() {
                    Decoded::Data(read) => {
                        assert!(read <= 64 * 1024 && out.iter().all(|&b| b == 0));
                        total += read;
                    }
                    Decoded::End => break,
                    Decoded::NeedInput => match pieces.next() {
                        Some(piece) => {
                            assert!(decoder.input.0.borrow().queue.is_empty());
                            decoder.feed(piece);
                        }
                        None => decoder.close_input(),
                    },
                }
            }
            assert_eq!(total, zeros.len(), "{coding:?}");
        }
    }

    #[test]
    fn zstd_windows_over_8_mib_are_refused() {
        // A frame header asking for a 16 MiB window (exponent 14: 2^24), then a last raw block.
        let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 14 << 3];
        frame.extend_from_slice(&[0x01, 0x00, 0x00]);
        assert_eq!(
            decode_in_pieces(&[Coding::Zstd], &frame, 64, 64),
            Err(Corrupt)
        );
        // The same frame with an 8 MiB window decodes (to nothing).
        frame[5] = 13 << 3;
        assert_eq!(
            decode_in_pieces(&[Coding::Zstd], &frame, 64, 64),
            Ok(Vec::new())
        );
    }

    #[test]
    fn skippable_frames_are_skipped() {
        let body = TEXT.repeat(10);
        let mut encoded = vec![0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3];
        encoded.extend(zstd(&body));
        assert_eq!(
            decode_in_pieces(&[Coding::Zstd], &encoded, 2, 50).as_deref(),
            Ok(&body[..])
        );
    }

    #[test]
    fn content_encoding_values_name_the_codings() {
        let parse = |values: &[&str]| codings(values.iter().copied());
        assert_eq!(parse(&[]), Ok(Some(vec![])));
        assert_eq!(parse(&["identity"]), Ok(Some(vec![])));
        assert_eq!(parse(&["GZIP"]), Ok(Some(vec![Coding::Gzip])));
        assert_eq!(parse(&["x-gzip"]), Ok(Some(vec![Coding::Gzip])));
        assert_eq!(
            parse(&["deflate, br", "zstd"]),
            Ok(Some(vec![Coding::Deflate, Coding::Brotli, Coding::Zstd]))
        );
        assert_eq!(parse(&["compress"]), Ok(None));
        assert_eq!(parse(&["gzip, sdch"]), Ok(None));
        assert_eq!(parse(&["gzip, gzip, gzip, gzip"]), Err(Corrupt));
        assert_eq!(accept_encoding(false), "gzip, deflate");
        assert_eq!(accept_encoding(true), "gzip, deflate, br, zstd");
    }
}
