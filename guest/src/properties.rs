//! Property tests (issue 13 item 1) for the guest's pure decision modules: URL composition from
//! options, the header validator and challenge parsing. They run a bounded number of cases under
//! `cargo test`; `PROPTEST_CASES=100000 cargo test -p electron-net-guest properties` is the long
//! run. A failing case is saved under `guest/proptest-regressions/` and replayed first from then
//! on; commit those files.

use proptest::prelude::*;
use url::Url;

use crate::auth::Challenge;
use crate::bindings::exports::electron::net::client::RequestOptions;
use crate::error::Error;
use crate::headers::HeaderList;
use crate::options::{self, raw};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(512)
}

fn hostname() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9-]{0,10}){0,3}",
        (0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        Just("localhost".to_owned()),
        Just("[::1]".to_owned()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    "(/[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,8}){0,4}(\\?[a-zA-Z0-9=&%]{0,10})?(#[a-z]{0,5})?"
}

proptest! {
    #![proptest_config(config())]

    /// Options composed from protocol, hostname, port and path name exactly the URL the `url`
    /// crate parses from the composed string.
    #[test]
    fn composed_options_are_the_url_crates_parse_of_the_composed_string(
        https in any::<bool>(),
        hostname in hostname(),
        port in proptest::option::of(0u32..70_000),
        path in path(),
    ) {
        let scheme = if https { "https" } else { "http" };
        let port_part = port.map(|p| format!(":{p}")).unwrap_or_default();
        let path_part = if path.is_empty() { "/".to_owned() } else { path.clone() };
        let expected = Url::parse(&format!("{scheme}://{hostname}{port_part}{path_part}"));
        let parsed = options::parse(&RequestOptions {
            protocol: Some(format!("{scheme}:")),
            hostname: Some(hostname.clone()),
            port: port.map(|p| p.to_string()),
            path: Some(path),
            ..raw()
        });
        match (parsed, expected) {
            (Ok(options), Ok(url)) => prop_assert_eq!(options.url, url),
            (Err(Error::InvalidUrl), Err(_)) => {}
            (parsed, expected) => prop_assert!(false, "{:?} vs {:?}", parsed.map(|o| o.url), expected),
        }
    }

    /// Whatever the strings, parsing options never panics, and a success is an http(s) URL.
    #[test]
    fn any_options_parse_or_fail_cleanly(
        url in proptest::option::of(".{0,40}"),
        protocol in proptest::option::of(".{0,8}"),
        host in proptest::option::of(".{0,20}"),
        hostname in proptest::option::of(".{0,20}"),
        port in proptest::option::of(".{0,6}"),
        path in proptest::option::of(".{0,20}"),
        method in proptest::option::of(".{0,10}"),
        redirect in proptest::option::of("follow|error|manual|.{0,6}"),
        origin in proptest::option::of(".{0,30}"),
    ) {
        let result = options::parse(&RequestOptions {
            url, protocol, host, hostname, port, path, method, redirect, origin, ..raw()
        });
        if let Ok(options) = result {
            prop_assert!(matches!(options.url.scheme(), "http" | "https"));
            prop_assert!(options.url.host().is_some());
        }
    }

    /// `setHeader` accepts exactly RFC 9110 tokens as names (the `http` crate's parser is the
    /// oracle) and values without CR, LF or NUL; what it accepts reads back under any casing.
    #[test]
    fn the_header_validator_accepts_exactly_tokens_and_safe_values(
        name in "[ -~\u{80}-\u{ff}]{0,12}",
        value in "[\u{0}-\u{7f}\u{e9}]{0,16}",
    ) {
        let mut list = HeaderList::new();
        let result = list.set(&name, &value);
        let name_ok = !name.is_empty()
            && name.is_ascii()
            && http::HeaderName::from_bytes(name.as_bytes()).is_ok();
        let value_ok = !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0));
        match result {
            Ok(()) => {
                prop_assert!(name_ok && value_ok);
                prop_assert_eq!(list.get(&name.to_ascii_uppercase()), Some(value.as_str()));
                prop_assert_eq!(list.entries().len(), 1);
            }
            Err(Error::InvalidHeaderName(_)) => prop_assert!(!name_ok),
            Err(Error::InvalidHeaderValue(..)) => prop_assert!(name_ok && !value_ok),
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    /// Any `WWW-Authenticate` text is parsed without panicking.
    #[test]
    fn any_challenge_text_parses_or_is_ignored(values in proptest::collection::vec(".{0,60}", 0..4)) {
        let _ = Challenge::pick(values.iter().map(String::as_str));
    }

    /// Of well-formed challenges the strongest supported one is picked (Digest over Basic,
    /// unknown schemes never), with its own realm, whatever the order.
    #[test]
    fn the_strongest_supported_challenge_is_picked(
        basic in proptest::option::of("[a-zA-Z0-9 ]{0,10}"),
        digest in proptest::option::of("[a-zA-Z0-9 ]{0,10}"),
        unknown in any::<bool>(),
        reversed in any::<bool>(),
        user in "[a-z:]{0,6}",
    ) {
        let mut values = Vec::new();
        if unknown {
            values.push("Negotiate abc==".to_owned());
        }
        if let Some(realm) = &basic {
            values.push(format!("Basic realm=\"{realm}\""));
        }
        if let Some(realm) = &digest {
            values.push(format!("Digest realm=\"{realm}\", nonce=\"n0nce\", qop=\"auth\""));
        }
        if reversed {
            values.reverse();
        }
        let picked = Challenge::pick(values.iter().map(String::as_str));
        match (&digest, &basic) {
            (Some(realm), _) => {
                let picked = picked.expect("digest picked");
                prop_assert_eq!(picked.scheme(), "digest");
                prop_assert_eq!(picked.realm(), realm.as_str());
            }
            (None, Some(realm)) => {
                let mut picked = picked.expect("basic picked");
                prop_assert_eq!(picked.scheme(), "basic");
                prop_assert_eq!(picked.realm(), realm.as_str());
                // RFC 7617: a user name with a colon cannot be sent.
                let answer = picked.authorization(&user, "pw", "GET", "/", None);
                prop_assert_eq!(answer.is_err(), user.contains(':'));
            }
            (None, None) => prop_assert!(picked.is_none()),
        }
    }
}
