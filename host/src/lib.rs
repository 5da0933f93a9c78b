//! Runs the `electron:net` ClientRequest component under wasmtime and supplies what it imports:
//! the network (pooled keep-alive connections), session partitions and a credentials callback.
//!
//! ```no_run
//! use electron_net_host::{Client, Event, RequestOptions};
//!
//! # fn main() -> Result<(), electron_net_host::Error> {
//! let client = Client::new()?;
//! let mut request = client.request(&RequestOptions::url("http://127.0.0.1:8080/"))?;
//! request.end(None)?;
//! for event in request.events_until_done()? {
//!     match event {
//!         Event::Response(head) => println!("{} {}", head.status_code, head.status_message),
//!         Event::Data(bytes) => println!("{} bytes", bytes.len()),
//!         Event::Error(error) => eprintln!("{}", error.message),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod bindings;
mod client;
mod credentials;
mod error;
pub mod network;
mod session;
mod state;

pub use bindings::electron::net::session::{CookieContext, ProtectionSpace};
pub use bindings::electron::net::types::{
    AuthInfo, Credentials, ErrorClass, ErrorCode, HeaderValues, NetError, RedirectInfo,
    RequestError, ResponseHead, UploadProgress,
};
pub use bindings::exports::electron::net::client::{Event, RequestOptions, Timeouts};
pub use client::{COMPONENT, Client, ClientBuilder, ClientRequest};
pub use credentials::{CredentialProvider, NoCredentials, StaticCredentials};
pub use electron_net_session::{
    Clock, Cookie, CookieDetails, CookieFilter, FixedClock, Rejection, SameSite, SystemClock,
    UnixTime,
};
pub use error::Error;
pub use network::{InvalidProxy, Network, NetworkBuilder, NetworkPolicy, Proxy};
pub use session::{Cookies, SessionStore, Sessions, SessionsBuilder};
pub use state::{ElectronNetCtx, add_to_linker};
