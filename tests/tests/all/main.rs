//! Integration tests: the real component in the real wasmtime host against loopback servers.
//! One module per area of the behaviour contract.

mod composition;
mod cookies;
mod credential_origins;
mod decoding;
mod events;
mod faults;
mod fetch_metadata;
mod headers;
mod hostile;
mod load;
mod login;
mod options;
mod proxy;
mod redirects;
mod responses;
mod sessions;
mod tls;
mod uploads;
mod workers;
