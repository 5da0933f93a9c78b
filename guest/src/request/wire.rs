//! A hop's request head as it goes on the wire: the user's headers plus what the browser adds
//! (User-Agent, cache headers, Referer, Origin, fetch metadata, Cookie, Authorization,
//! Content-Length or Transfer-Encoding).

use url::Position;

use super::Request;
use super::login::SentAuth;
use crate::auth;
use crate::bindings::electron::net::session;
use crate::decode;
use crate::error::{Error, NetError};
use crate::fetch_metadata;
use crate::headers::{self, HeaderList};

/// Largest request head sent. Servers rarely take more than 64 KiB, and hosts trap on field maps
/// past their own limit (the Rust host allows 1 MiB), so larger heads fail with
/// `ERR_INVALID_ARGUMENT` here instead.
const MAX_REQUEST_HEAD: usize = 256 * 1024;

impl Request {
    /// The headers as they go on the wire for the current hop, checked for size and bytes a
    /// header may not carry.
    pub(super) fn wire_headers(&mut self) -> Result<HeaderList, Error> {
        let wire = self.compose_headers()?;
        let head_size: usize = wire
            .entries()
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        if head_size > MAX_REQUEST_HEAD
            || wire
                .entries()
                .iter()
                .any(|(_, v)| !headers::is_wire_safe(v))
        {
            return Err(NetError::InvalidArgument.into());
        }
        Ok(wire)
    }

    pub(super) fn compose_headers(&mut self) -> Result<HeaderList, Error> {
        let mut wire = self.headers.clone();
        let partition = self.options.partition.clone();
        if !wire.contains("user-agent") {
            let agent = session::user_agent(&partition)
                .unwrap_or_else(|| concat!("electron-net/", env!("CARGO_PKG_VERSION")).into());
            wire.set_trusted("User-Agent", &agent);
        }
        if !wire.contains("accept-encoding") {
            // download.rs decodes what comes back, also under a user-set Accept-Encoding.
            let secure = self.url.scheme() == "https";
            wire.set_trusted("Accept-Encoding", decode::accept_encoding(secure));
        }
        for (name, value) in self.options.cache.request_headers() {
            if !wire.contains(name) {
                wire.set_trusted(name, value);
            }
        }
        match fetch_metadata::referrer(
            self.options.referrer_policy,
            self.headers.get("referer"),
            &self.url,
        ) {
            Some(referrer) => wire.set_trusted("Referer", &referrer),
            None => {
                wire.remove("referer");
            }
        }
        if let Some(origin) = &self.options.origin
            && !matches!(self.method.as_str(), "GET" | "HEAD")
            && !wire.contains("origin")
        {
            wire.set_trusted("Origin", &origin.ascii_serialization());
        }
        if self.chain.origin_tainted && wire.contains("origin") {
            wire.set_trusted("Origin", "null");
        }
        fetch_metadata::apply(&mut wire, &self.url, self.chain.site)?;
        if self.options.cookies_enabled_for(&self.url)
            && let Some(cookie) = session::cookie_header(&partition, &self.cookie_context())
        {
            wire.set_trusted("Cookie", &cookie);
        }
        if let Some(sent) = &mut self.auth.sent {
            let uri = &self.url[Position::BeforePath..Position::AfterQuery];
            let value = match &mut sent.challenge {
                Some(challenge) => challenge.authorization(
                    &sent.credentials.username,
                    &sent.credentials.password,
                    &self.method,
                    uri,
                    Some(&self.out.body),
                )?,
                None => auth::basic_authorization(
                    &sent.credentials.username,
                    &sent.credentials.password,
                )
                .ok_or(Error::Net(NetError::InvalidAuthCredentials))?,
            };
            let name = if sent.space.is_proxy {
                "Proxy-Authorization"
            } else {
                "Authorization"
            };
            wire.set_trusted(name, &value);
        } else if self.options.auth_enabled_for(&self.url)
            && !wire.contains("authorization")
            && let Some((space, credentials)) =
                session::preemptive_auth(&partition, self.url.as_str())
            && let Some(value) =
                auth::basic_authorization(&credentials.username, &credentials.password)
        {
            wire.set_trusted("Authorization", &value);
            self.auth.sent = Some(SentAuth {
                space,
                credentials,
                challenge: None,
            });
        }
        let body_len = if self.out.chunked {
            None
        } else {
            Some(self.out.body.len())
        };
        match body_len {
            Some(0) if !matches!(self.method.as_str(), "POST" | "PUT") => {}
            Some(len) => wire.set_trusted("Content-Length", &len.to_string()),
            // Hosts on Node only chunk by default for some methods: say it explicitly.
            None => wire.set_trusted("Transfer-Encoding", "chunked"),
        }
        Ok(wire)
    }

    pub(super) fn cookie_context(&self) -> session::CookieContext {
        session::CookieContext {
            url: self.url.to_string(),
            method: self.method.clone(),
            initiator: self
                .options
                .origin
                .as_ref()
                .map(|o| o.ascii_serialization()),
        }
    }
}
