//! Response head helpers: reason phrases and Electron's `IncomingMessage.headers` folding
//! (behaviour §9).

/// Reason phrase for a status code (wasi:http carries none): the IANA HTTP Status Code Registry
/// phrases (RFC 9110 wording, e.g. 413 "Content Too Large"); unknown codes → "".
pub fn status_text(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// Headers of which `IncomingMessage.headers` keeps only the first value.
const FIRST_VALUE_ONLY: &[&str] = &[
    "content-type",
    "content-length",
    "user-agent",
    "referer",
    "host",
    "authorization",
    "proxy-authorization",
    "if-modified-since",
    "if-unmodified-since",
    "from",
    "location",
    "max-forwards",
    "retry-after",
    "etag",
    "last-modified",
    "server",
    "age",
    "expires",
];

/// Electron's IncomingMessage.headers folding (behaviour §9): one entry per lowercase name in
/// first-seen order; for content-type, content-length, user-agent, referer, host, authorization,
/// proxy-authorization, if-modified-since, if-unmodified-since, from, location, max-forwards,
/// retry-after, etag, last-modified, server, age, expires keep only the first value; set-cookie
/// keeps every value as its own entry; all others are joined with ", ".
pub fn fold_headers(raw: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    group_headers(raw)
        .into_iter()
        .map(|(name, mut values)| {
            if name == "set-cookie" {
                (name, values)
            } else if FIRST_VALUE_ONLY.contains(&name.as_str()) {
                values.truncate(1);
                (name, values)
            } else {
                let joined = values.join(", ");
                (name, vec![joined])
            }
        })
        .collect()
}

/// Every value per lowercase name, first-seen order (for the redirect event's headers).
pub fn group_headers(raw: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in raw {
        let name = name.to_ascii_lowercase();
        match grouped.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value.clone()),
            None => grouped.push((name, vec![value.clone()])),
        }
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn entry(name: &str, values: &[&str]) -> (String, Vec<String>) {
        (
            name.to_owned(),
            values.iter().map(|v| v.to_string()).collect(),
        )
    }

    #[test]
    fn common_status_texts() {
        for (code, text) in [
            (200, "OK"),
            (201, "Created"),
            (204, "No Content"),
            (301, "Moved Permanently"),
            (302, "Found"),
            (303, "See Other"),
            (304, "Not Modified"),
            (307, "Temporary Redirect"),
            (308, "Permanent Redirect"),
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (407, "Proxy Authentication Required"),
            (413, "Content Too Large"),
            (429, "Too Many Requests"),
            (500, "Internal Server Error"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
        ] {
            assert_eq!(status_text(code), text, "{code}");
        }
    }

    #[test]
    fn unknown_status_text_is_empty() {
        for code in [0, 99, 199, 306, 418, 499, 599, 999, u16::MAX] {
            assert_eq!(status_text(code), "", "{code}");
        }
    }

    #[test]
    fn every_known_code_has_a_phrase_in_range() {
        let known: Vec<u16> = (0..=u16::MAX)
            .filter(|c| !status_text(*c).is_empty())
            .collect();
        assert!(known.iter().all(|c| (100..=599).contains(c)));
        assert_eq!(known.len(), 61);
    }

    #[test]
    fn folding_lowercases_names_and_keeps_first_seen_order() {
        let folded = fold_headers(&raw(&[
            ("X-B", "1"),
            ("Content-Type", "text/plain"),
            ("x-a", "2"),
            ("x-b", "3"),
        ]));
        assert_eq!(
            folded,
            vec![
                entry("x-b", &["1, 3"]),
                entry("content-type", &["text/plain"]),
                entry("x-a", &["2"]),
            ]
        );
    }

    #[test]
    fn duplicated_content_type_keeps_first() {
        let folded = fold_headers(&raw(&[
            ("Content-Type", "text/html"),
            ("content-type", "application/json"),
        ]));
        assert_eq!(folded, vec![entry("content-type", &["text/html"])]);
    }

    #[test]
    fn every_first_value_only_header_keeps_first() {
        for name in FIRST_VALUE_ONLY {
            let folded = fold_headers(&raw(&[(name, "first"), (name, "second")]));
            assert_eq!(folded, vec![entry(name, &["first"])], "{name}");
        }
    }

    #[test]
    fn duplicated_custom_header_is_joined() {
        let folded = fold_headers(&raw(&[
            ("X-Custom", "a"),
            ("x-custom", "b"),
            ("X-CUSTOM", "c"),
        ]));
        assert_eq!(folded, vec![entry("x-custom", &["a, b, c"])]);
    }

    #[test]
    fn set_cookie_stays_a_list() {
        let folded = fold_headers(&raw(&[
            ("Set-Cookie", "a=1; Path=/"),
            ("X", "y"),
            ("set-cookie", "b=2, c=3"),
        ]));
        assert_eq!(
            folded,
            vec![
                entry("set-cookie", &["a=1; Path=/", "b=2, c=3"]),
                entry("x", &["y"]),
            ]
        );
        let single = fold_headers(&raw(&[("Set-Cookie", "a=1")]));
        assert_eq!(single, vec![entry("set-cookie", &["a=1"])]);
    }

    #[test]
    fn many_set_cookie_lines_arrive_intact() {
        let lines: Vec<(String, String)> = (0..200)
            .map(|i| ("Set-Cookie".to_owned(), format!("c{i}={i}")))
            .collect();
        let folded = fold_headers(&lines);
        assert_eq!(folded.len(), 1);
        assert_eq!(folded[0].1.len(), 200);
        assert_eq!(folded[0].1[199], "c199=199");
    }

    #[test]
    fn empty_values_are_kept() {
        let folded = fold_headers(&raw(&[("X-Empty", ""), ("x-empty", "v")]));
        assert_eq!(folded, vec![entry("x-empty", &[", v"])]);
        assert!(fold_headers(&[]).is_empty());
    }

    #[test]
    fn grouping_keeps_every_value() {
        let grouped = group_headers(&raw(&[
            ("Location", "/a"),
            ("X-Y", "1"),
            ("location", "/b"),
            ("Set-Cookie", "a=1"),
            ("x-y", "2"),
        ]));
        assert_eq!(
            grouped,
            vec![
                entry("location", &["/a", "/b"]),
                entry("x-y", &["1", "2"]),
                entry("set-cookie", &["a=1"]),
            ]
        );
    }
}
