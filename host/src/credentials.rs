//! The host's answer to a login, consulted before the `login` event reaches the caller.

use crate::bindings::electron::net::types::{AuthInfo, Credentials};

/// Supplies credentials for 401/407 challenges (Electron's `app.on('login')` for embedders).
///
/// The default implementation declines, so every login reaches the request's caller.
pub trait CredentialProvider: Send + Sync {
    /// Credentials for `info`, or `None` to pass the login on to the caller. `attempt` counts from 1
    /// within one request; the component never offers a rejected answer to the server twice.
    fn provide_credentials(
        &self,
        partition: &str,
        url: &str,
        info: &AuthInfo,
        attempt: u32,
    ) -> Option<Credentials> {
        let _ = (partition, url, info, attempt);
        None
    }
}

/// Declines every challenge.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCredentials;

impl CredentialProvider for NoCredentials {}

/// Answers the server logins of one origin (`host:port`) with the same user name and password.
/// Logins from any other host, another port or a proxy are declined, so a redirect can never
/// carry these credentials elsewhere (security checklist A4).
#[derive(Clone, Debug)]
pub struct StaticCredentials {
    host: String,
    port: u16,
    credentials: Credentials,
}

impl StaticCredentials {
    /// Credentials for the origin of `url`; `None` when the URL has no host.
    pub fn for_url(url: &str, credentials: Credentials) -> Option<StaticCredentials> {
        let url = url::Url::parse(url).ok()?;
        Some(StaticCredentials {
            host: url.host_str()?.to_owned(),
            port: url.port_or_known_default()?,
            credentials,
        })
    }
}

impl CredentialProvider for StaticCredentials {
    fn provide_credentials(
        &self,
        _: &str,
        _: &str,
        info: &AuthInfo,
        _: u32,
    ) -> Option<Credentials> {
        (!info.is_proxy && info.host == self.host && info.port == self.port)
            .then(|| self.credentials.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(host: &str, port: u16, is_proxy: bool) -> AuthInfo {
        AuthInfo {
            is_proxy,
            scheme: "basic".into(),
            host: host.into(),
            port,
            realm: "r".into(),
        }
    }

    #[test]
    fn static_credentials_answer_only_their_own_origin() {
        let credentials = Credentials {
            username: "u".into(),
            password: "p".into(),
        };
        let provider = StaticCredentials::for_url("http://a.test:8080/x", credentials).unwrap();
        assert!(
            provider
                .provide_credentials("", "", &info("a.test", 8080, false), 1)
                .is_some()
        );
        assert!(
            provider
                .provide_credentials("", "", &info("a.test", 80, false), 1)
                .is_none()
        );
        assert!(
            provider
                .provide_credentials("", "", &info("b.test", 8080, false), 1)
                .is_none()
        );
        assert!(
            provider
                .provide_credentials("", "", &info("a.test", 8080, true), 1)
                .is_none()
        );
    }
}
