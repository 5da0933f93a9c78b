//! The default `electron:net/credentials` provider plugged into the standalone component: it has
//! no credentials for anyone, so every 401/407 that the session's auth cache cannot answer
//! becomes a `login` event for the caller, who answers it with `answer-login` (Electron's
//! behaviour without an `app.on('login')` handler). Replace it with your own component of the
//! `credentials-provider` world to answer challenges without involving the caller.

mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "electron:net/credentials-provider",
    });
}

use bindings::electron::net::types::{AuthInfo, Credentials};
use bindings::exports::electron::net::credentials::Guest;

struct Decline;

impl Guest for Decline {
    fn provide_credentials(
        _partition: String,
        _url: String,
        _info: AuthInfo,
        _attempt: u32,
    ) -> Option<Credentials> {
        None
    }
}

bindings::export!(Decline with_types_in bindings);
