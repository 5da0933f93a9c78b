//! Runs the `electron:net` ClientRequest component under wasmtime and supplies what it imports:
//! the network (pooled keep-alive connections), session partitions and a credentials callback.
//!
//! The API is async and runs on the caller's tokio runtime; each request borrows a long-lived
//! component instance (a worker) from a pool for as long as it lives:
//!
//! ```no_run
//! use std::time::Duration;
//! use electron_net_host::{Client, Event, RequestOptions};
//!
//! # async fn run() -> Result<(), electron_net_host::Error> {
//! let client = Client::new()?;
//! let mut request = client.request(&RequestOptions::url("http://127.0.0.1:8080/")).await?;
//! request.end(None).await?;
//! while !request.is_done() {
//!     for event in request.next_events(64, 1 << 20, Duration::from_secs(1)).await? {
//!         match event {
//!             Event::Response(head) => println!("{} {}", head.status_code, head.status_message),
//!             Event::Data(bytes) => println!("{} bytes", bytes.len()),
//!             Event::Error(error) => eprintln!("{}", error.message),
//!             _ => {}
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Code that is not async uses the [`blocking`] facade, which drives the same client on a
//! runtime of its own:
//!
//! ```no_run
//! use electron_net_host::{Event, RequestOptions, blocking};
//!
//! # fn main() -> Result<(), electron_net_host::Error> {
//! let client = blocking::Client::new()?;
//! let mut request = client.request(&RequestOptions::url("http://127.0.0.1:8080/"))?;
//! request.end(None)?;
//! for event in request.events_until_done()? {
//!     if let Event::Data(bytes) = event {
//!         println!("{} bytes", bytes.len());
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod bindings;
pub mod blocking;
mod client;
mod component;
mod credentials;
mod error;
pub mod network;
mod session;
mod state;
mod worker;

pub use bindings::electron::net::session::{CookieContext, ProtectionSpace};
pub use bindings::electron::net::types::{
    AuthInfo, Credentials, ErrorClass, ErrorCode, HeaderValues, NetError, RedirectInfo,
    RequestError, ResponseHead, UploadProgress,
};
pub use bindings::exports::electron::net::client::{Event, RequestOptions, Timeouts};
pub use client::{Client, ClientBuilder, ClientRequest};
pub use component::COMPONENT;
pub use credentials::{CredentialProvider, NoCredentials, StaticCredentials};
pub use electron_net_session::{
    Clock, Cookie, CookieDetails, CookieFilter, FixedClock, Rejection, SameSite, SystemClock,
    UnixTime,
};
pub use error::Error;
pub use network::{
    InvalidCertificates, InvalidProxy, Network, NetworkBuilder, NetworkPolicy, Proxy,
};
pub use session::{Cookies, SessionStore, Sessions, SessionsBuilder};
pub use state::{ElectronNetCtx, add_to_linker};
pub use worker::WorkerLimits;
