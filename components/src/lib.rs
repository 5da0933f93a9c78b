//! Every component of the project, built by this crate's `build.rs` with `cargo build` (no other
//! step) and copied to `target/components/` (or `$CARGO_TARGET_DIR/components/`):
//!
//! | file | world | what it is |
//! |---|---|---|
//! | `electron-net-client.wasm` | `electron:net/component` | the ClientRequest; imports `session` and `credentials` from its host |
//! | `electron-net-session.wasm` | `electron:net/session-provider` | the cookie jar and auth cache of `electron-net-session`, in memory |
//! | `electron-net-credentials-decline.wasm` | `electron:net/credentials-provider` | declines every challenge, so `login` reaches the caller |
//! | `electron-net-standalone.wasm` | `electron:net/standalone` | the three composed: imports only standard WASI 0.2 |
//! | `fetch-gateway.wasm` | `wasi:http/proxy` | `examples/fetch-gateway` plugged with the standalone component |
//!
//! The compositions are made with `wac-graph`, the library behind the `wac` command.

/// Declares the path and the bytes of one artifact, from the variables `build.rs` sets.
macro_rules! artifact {
    ($(#[$doc:meta])* $path:ident, $bytes:ident, $var:literal) => {
        $(#[$doc])*
        pub const $path: &str = env!($var);
        $(#[$doc])*
        pub const $bytes: &[u8] = include_bytes!(env!($var));
    };
}

artifact!(
    /// The ClientRequest component (world `electron:net/component`).
    CLIENT_PATH, CLIENT, "ELECTRON_NET_CLIENT"
);
artifact!(
    /// The session provider (world `electron:net/session-provider`).
    SESSION_PATH, SESSION, "ELECTRON_NET_SESSION"
);
artifact!(
    /// The declining credentials provider (world `electron:net/credentials-provider`).
    CREDENTIALS_DECLINE_PATH, CREDENTIALS_DECLINE, "ELECTRON_NET_CREDENTIALS_DECLINE"
);
artifact!(
    /// The standalone composition (world `electron:net/standalone`).
    STANDALONE_PATH, STANDALONE, "ELECTRON_NET_STANDALONE"
);
artifact!(
    /// The example fetch gateway plugged with the standalone component (`wasi:http/proxy`).
    FETCH_GATEWAY_PATH, FETCH_GATEWAY, "ELECTRON_NET_FETCH_GATEWAY"
);
