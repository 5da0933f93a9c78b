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

/// Answers every challenge with the same user name and password (the CLI's `--user`).
#[derive(Clone, Debug)]
pub struct StaticCredentials(pub Credentials);

impl CredentialProvider for StaticCredentials {
    fn provide_credentials(&self, _: &str, _: &str, _: &AuthInfo, _: u32) -> Option<Credentials> {
        Some(self.0.clone())
    }
}
