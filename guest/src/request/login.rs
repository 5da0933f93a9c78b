//! 401 and 407 challenges: the credentials to answer with (URL userinfo, then the partition's
//! cache, then the host's provider, then the caller's `login` event), never the same pair twice,
//! and caching what the server accepted.

use url::Url;
use wasip2::http::types::IncomingResponse;

use super::{Event, Head, Request, Stage, values_of};
use crate::auth::Challenge;
use crate::bindings::electron::net::credentials as host_credentials;
use crate::bindings::electron::net::session;
use crate::bindings::electron::net::types::{AuthInfo, Credentials};
use crate::error::{Error, NetError};

/// Authentication rounds per request; past this the 401/407 is delivered, so a host callback
/// that keeps answering wrongly cannot loop forever.
const MAX_AUTH_ATTEMPTS: u32 = 10;

/// A 401/407 announced by a `login` event, kept for the caller's answer; a declined login
/// delivers it as the response.
pub(super) struct PendingLogin {
    response: IncomingResponse,
    head: Head,
    challenge: Challenge,
    space: session::ProtectionSpace,
}

/// Credentials the current exchange carries, to cache them on success or forget them on rejection.
pub(super) struct SentAuth {
    pub(super) space: session::ProtectionSpace,
    pub(super) credentials: Credentials,
    pub(super) challenge: Option<Challenge>,
}

/// The request's authentication so far.
#[derive(Default)]
pub(super) struct AuthState {
    pub(super) attempts: u32,
    /// A `stale=true` challenge was answered silently once already (checklist E23: once).
    pub(super) stale_retried: bool,
    pub(super) sent: Option<SentAuth>,
    /// Credentials rejected in this request, never offered again from the cache or the host.
    pub(super) rejected: Vec<(String, String)>,
}

impl Request {
    pub fn answer_login(&mut self, answer: Option<Credentials>) -> Result<(), Error> {
        let login = match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::LoginPending(login) => login,
            other => {
                self.stage = other;
                return Err(Error::NotWaitingForLogin);
            }
        };
        let PendingLogin {
            response,
            head,
            challenge,
            space,
        } = *login;
        match answer {
            Some(credentials) => {
                drop(response);
                self.retry_with(space, credentials, Some(challenge));
            }
            None => self.deliver(response, head),
        }
        Ok(())
    }

    pub(super) fn on_challenge(&mut self, response: IncomingResponse, head: Head) {
        self.upload = None;
        let is_proxy = head.status == 407;
        let header = if is_proxy {
            "proxy-authenticate"
        } else {
            "www-authenticate"
        };
        let allowed = is_proxy || self.options.auth_enabled_for(&self.url);
        let challenge = allowed
            .then(|| Challenge::pick(values_of(&head.raw_headers, header)))
            .flatten();
        let Some(challenge) = challenge else {
            return self.deliver(response, head);
        };
        self.auth.attempts += 1;
        if self.auth.attempts > MAX_AUTH_ATTEMPTS {
            return self.deliver(response, head);
        }
        let space = session::ProtectionSpace {
            is_proxy,
            origin: serialized_origin(&self.url),
            realm: challenge.realm().to_owned(),
            scheme: challenge.scheme().to_owned(),
        };
        let partition = self.options.partition.clone();
        if let Some(sent) = self.auth.sent.take() {
            if sent.space == space && challenge.is_stale() && !self.auth.stale_retried {
                // Right credentials, expired nonce: answer the fresh challenge silently, once; a
                // server that keeps saying stale is refusing the credentials.
                self.auth.stale_retried = true;
                drop(response);
                return self.retry_with(space, sent.credentials, Some(challenge));
            }
            session::forget_auth(&partition, &sent.space);
            self.auth
                .rejected
                .push((sent.credentials.username, sent.credentials.password));
        }
        let info = AuthInfo {
            is_proxy,
            scheme: space.scheme.clone(),
            host: self.url.host_str().unwrap_or_default().to_owned(),
            port: self.url.port_or_known_default().unwrap_or(0),
            realm: space.realm.clone(),
        };
        let fresh = |c: &Credentials, rejected: &[(String, String)]| {
            !rejected
                .iter()
                .any(|(u, p)| *u == c.username && *p == c.password)
        };
        let from_url = (!self.url.username().is_empty()).then(|| Credentials {
            username: percent_decode(self.url.username()),
            password: percent_decode(self.url.password().unwrap_or_default()),
        });
        let automatic = from_url
            .filter(|c| fresh(c, &self.auth.rejected))
            .or_else(|| {
                session::lookup_auth(&partition, &space).filter(|c| fresh(c, &self.auth.rejected))
            })
            .or_else(|| {
                host_credentials::provide_credentials(
                    &partition,
                    self.url.as_str(),
                    &info,
                    self.auth.attempts,
                )
                .filter(|c| fresh(c, &self.auth.rejected))
            });
        if let Some(credentials) = automatic {
            drop(response);
            return self.retry_with(space, credentials, Some(challenge));
        }
        self.events.push_back(Event::Login(info));
        self.stage = Stage::LoginPending(Box::new(PendingLogin {
            response,
            head,
            challenge,
            space,
        }));
    }

    pub(super) fn retry_with(
        &mut self,
        space: session::ProtectionSpace,
        credentials: Credentials,
        challenge: Option<Challenge>,
    ) {
        if self.out.chunked && self.out.body_consumed {
            return self.fail(NetError::UploadStreamRewindNotSupported.into());
        }
        self.auth.sent = Some(SentAuth {
            space,
            credentials,
            challenge,
        });
        self.start();
    }

    /// The server accepted the credentials the last exchange carried: cache them.
    pub(super) fn remember_accepted_auth(&mut self) {
        if let Some(sent) = &self.auth.sent
            && (sent.space.is_proxy || self.options.auth_enabled_for(&self.url))
        {
            session::store_auth(
                &self.options.partition,
                &sent.space,
                self.url.as_str(),
                &sent.credentials,
            );
        }
    }
}

fn serialized_origin(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
