//! The hand-written runtime under the generated client.
//!
//! Generated code (from `api-spec/`) only *describes* endpoints: it implements
//! [`Operation`] for each request type and adds one method per endpoint to
//! [`Client`], which calls [`Client::execute`]. Everything that does work lives
//! here, written and tested once:
//!
//! - [`signing`]: WPS-2 headers;
//! - [`RequestParts`]: percent-encoded paths and queries, JSON bodies, refusal
//!   of blank identifiers;
//! - `envelope`: the `{code, message, hint, data}` envelope, typed errors;
//! - [`Error`]: every failure, with the operation, method and path template;
//! - [`RetryPolicy`]: retries with backoff, timeouts and clock-skew correction
//!   (in [`Client::execute`]);
//! - [`Secret`]: values that never show in `Debug`.

mod client;
mod config;
mod envelope;
mod error;
mod request;
pub mod retry;
mod secret;
pub mod signing;

pub(crate) use client::is_loopback as client_is_loopback;
pub use client::Client;
pub use config::{Config, Credentials, DEFAULT_BASE_URL};
pub use error::{ApiError, CallContext, DecodeError, Error, ErrorCategory, TimeoutKind};
pub use request::{Method, Operation, OperationSpec, ParamValue, RequestParts};
pub use retry::RetryPolicy;
pub use secret::Secret;

#[doc(hidden)]
pub use serde;
#[doc(hidden)]
pub use serde_json;
