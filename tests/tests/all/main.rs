//! Integration tests: the real component in the real wasmtime host against loopback servers.
//! One module per area of the behaviour contract.

mod events;
mod faults;
mod headers;
mod options;
mod sessions;
mod responses;
mod uploads;
mod redirects;
mod login;
mod fetch_metadata;
mod cookies;
