//! The hand-written runtime under the generated client.
//!
//! Generated code (from `api-spec/`) only *describes* endpoints: it implements
//! [`Operation`] for each request type and adds one method per endpoint to
//! [`Client`], which calls [`Client::execute`]. Everything that does work lives
//! here, written and tested once:
//!
//! - [`signing`]: WPS-2 headers;
//! - [`params`]: each operation's parameters as data, and requests built
//!   from named values (for the fake server and the `kdocs` command);
//! - [`RequestParts`]: percent-encoded paths and queries, JSON bodies, refusal
//!   of blank identifiers;
//! - `envelope`: the `{code, message, hint, data}` envelope, typed errors;
//! - [`Error`]: every failure, with the operation, method and path template;
//! - [`RetryPolicy`]: retries with backoff, timeouts and clock-skew correction
//!   (in [`Client::execute`]);
//! - [`Secret`]: values that never show in `Debug`; `scrub`: secrets echoed
//!   back by a server, in any encoding, removed from errors;
//! - [`url_policy`]: which URLs anything is sent to (https, loopback, no
//!   redirects for signed calls) and how URLs are shown.
//!
//! Only [`Client::execute`] and the decoding of each output type are generic,
//! so they are all that is compiled again per endpoint: the steps of a call
//! (preparing the body, the attempts, signing, the exchange, retries) reach
//! the operation and its output through two small trait objects and are
//! compiled once. The generated types serialize through [`object`], one
//! generic routine instead of a visitor per struct, for the same reason.

#![deny(missing_docs)]
// Every function stays readable in one screen (80 lines, clippy.toml): a
// phase that grows is split, not excused.
#![deny(clippy::too_many_lines)]

mod client;
mod config;
pub mod download;
mod envelope;
mod error;
mod hooks;
mod multipart;
pub mod object;
pub mod paging;
pub mod params;
mod request;
pub mod retry;
mod scrub;
mod secret;
pub mod signing;
pub mod time;
pub mod token;
pub mod url_policy;

pub use client::Client;
pub use config::{
    CallOptions, Config, Credentials, EnvError, APP_ID_VAR, APP_KEY_VAR, DEFAULT_BASE_URL,
    DEFAULT_MAX_CLOCK_CORRECTION,
};
pub use error::{ApiError, CallContext, DecodeError, Error, ErrorCategory, KnownCode, TimeoutKind};
pub use hooks::{HeaderRefused, Hook, HookRequest, HookResponse};
pub use multipart::{FilePart, UploadProgress};
pub use paging::{PagePosition, PageStream, Paged, Pages, DEFAULT_MAX_PAGES};
pub use params::{Location, ParamError, ParamSource, ParamSpec};
pub use request::{
    Auth, BodyKind, Method, Operation, OperationSpec, OperationVisitor, ParamValue, RequestParts,
};
pub use retry::RetryPolicy;
pub use secret::Secret;

/// URLs, as `reqwest` (and this crate's API) takes them.
pub use reqwest::Url;

#[doc(hidden)]
pub use serde;
#[doc(hidden)]
pub use serde_json;
