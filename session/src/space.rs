//! What an authentication answer is and where it is valid: the plain data the auth cache keeps,
//! the journal records and a store persists.

use std::fmt;

/// The space an authentication answer is valid in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProtectionSpace {
    /// True for proxy authentication.
    pub is_proxy: bool,
    /// `scheme://host:port`, port always written out.
    pub origin: String,
    /// The realm from the challenge.
    pub realm: String,
    /// The authentication scheme in lowercase (`basic`, `digest`).
    pub scheme: String,
}

/// A user name and password.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    /// Never prints the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// One cached answer: what a store persists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthEntry {
    /// Where the credentials are valid.
    pub space: ProtectionSpace,
    /// The accepted credentials.
    pub credentials: Credentials,
    /// The directory of the URL that was authenticated (`scheme://host:port/dir/`, no user
    /// info, query or fragment): Basic credentials are sent preemptively below it.
    pub directory: String,
}
