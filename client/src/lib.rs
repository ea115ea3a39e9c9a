//! A typed async client for the Kingsoft Docs (金山文档, kdocs) open platform.
//!
//! The endpoint methods, request and response types are generated at build time
//! from the YAML in `api-spec/` (see `kdocs-codegen`); they sit on a small
//! hand-written [`runtime`] that signs requests with WPS-2, sends them with
//! `reqwest` and turns the `{code, message, hint, data}` envelope into typed
//! results and errors.
//!
//! ```no_run
//! # #[cfg(feature = "appspace")]
//! use kdocs_client::{Client, Config, Credentials, GetDownloadUrlRequest};
//!
//! # #[cfg(feature = "appspace")]
//! # async fn run() -> Result<(), kdocs_client::Error> {
//! let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//! let download = client
//!     .get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh"))
//!     .await?;
//! // The presigned URL is a `Secret`: `Debug` hides it, `expose()` reads it.
//! let url: &str = download.download_url.expose_str();
//! # let _ = url;
//! # Ok(()) }
//! ```
//!
//! # Requests and responses
//!
//! Each endpoint is one method on [`Client`], taking a request type and
//! answering with a response type, both generated from the spec:
//!
//! - a request (`GetDownloadUrlRequest`, …) is built with `new`, whose
//!   arguments are the required parameters, then `with_*` setters for the
//!   optional ones; each parameter reads back through the method of its name;
//! - a response (`GetDownloadUrlResponse`, …) is a plain struct with public
//!   fields (`Option` where the pages do not show a field as always present).
//!   It implements `Deserialize`, so a test can build one from JSON.
//!
//! Every method's docs end with an example that builds its request from the
//! spec's example values and calls it.
//!
//! ```
//! # #[cfg(feature = "appspace")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdocs_client::{DestroyAppspaceFileRequest, GetDownloadUrlResponse};
//!
//! let request = DestroyAppspaceFileRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh").with_modifier("777");
//! assert_eq!(request.file_token(), "t2v4Ga8ZUYKc12KGMdEQpBh");
//! assert_eq!(request.modifier(), Some("777"));
//!
//! // The envelope's `data`, as kdocs answers `get_download_url`.
//! let json = r#"{"download_url": "https://example.invalid/doc?sig=x", "checksums": {}}"#;
//! let answer: GetDownloadUrlResponse = kdocs_client::runtime::serde_json::from_str(json)?;
//! assert_eq!(answer.download_url.expose_str(), "https://example.invalid/doc?sig=x");
//! assert!(!format!("{answer:?}").contains("sig=x"), "a presigned URL is a secret");
//! assert_eq!(answer.sys_metadata, None);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "appspace"))]
//! # fn main() {}
//! ```
//!
//! Secrets (the app key, access, anonymous and exchange tokens) are held in
//! [`Secret`]: they never appear in `Debug` output or error messages, and are
//! wiped from memory when dropped.
//!
//! With the `fake` feature, the `fake` module provides a stateful fake kdocs
//! server on 127.0.0.1, generated from the same spec, to test code that uses
//! this client.
//!
//! # Features
//!
//! One cargo feature per API family, all on by default. With
//! `default-features = false, features = ["rustls-tls", "appspace"]` the
//! build script generates only the app-space endpoints (and the types they
//! use), so only they are compiled. `fake` turns every family on. From
//! `Cargo.toml`:
//!
#![doc = document_features::document_features!()]
#![deny(missing_docs)]
// docs.rs builds with `--cfg docsrs` (see `[package.metadata.docs.rs]`) and
// marks the items behind a feature, such as `fake`.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
pub mod download;
mod error_code;
#[cfg(feature = "oauth")]
pub mod oauth;
#[cfg(feature = "anonymous")]
pub mod session;
#[cfg(feature = "tasks")]
pub mod tasks;

/// The hand-written runtime under the generated code (the `kdocs-runtime`
/// crate): signing, the call, typed errors, paging, downloads.
pub use kdocs_runtime as runtime;

/// Where users' OAuth tokens are kept (the `kdocs-token-store` crate): the
/// [`TokenStore`](token_store::TokenStore) trait and its stores, under
/// [`oauth::UserSession::open`] and [`oauth::UserRegistry`].
#[cfg(feature = "oauth")]
pub use kdocs_token_store as token_store;

#[cfg(feature = "fake")]
#[cfg_attr(docsrs, doc(cfg(feature = "fake")))]
pub mod fake;

pub use client::Client;
pub use download::{DownloadError, DownloadProgress, DownloadReport};
pub use error_code::ErrorCodeExt;
pub use runtime::{
    ApiError, Config, Credentials, EnvError, Error, RetryPolicy, Secret, TimeoutKind,
};
#[cfg(feature = "anonymous")]
pub use session::{AnonymousSession, SessionError, WebOfficeToken};
#[cfg(feature = "tasks")]
pub use tasks::{TaskOutcome, TaskWait};

/// The generated API: request and response types, and one method per endpoint on [`Client`].
mod generated {
    include!(concat!(env!("OUT_DIR"), "/kdocs_api.rs"));
}

pub use generated::*;

/// The README's examples, compiled as doctests so they stay true (they call
/// endpoints of every family, the fake and the blocking client, so only when
/// all are on).
#[cfg(all(
    doctest,
    feature = "fake",
    feature = "blocking",
    feature = "oauth",
    feature = "user",
    feature = "appspace",
    feature = "anonymous",
    feature = "personal",
    feature = "sharing",
    feature = "convert",
    feature = "extract",
    feature = "outline",
    feature = "script",
    feature = "forms",
    feature = "dbt",
    feature = "webhooks",
    feature = "ksheet",
    feature = "et",
    feature = "tasks"
))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The crate's own README (what crates.io shows), compiled as doctests too.
#[cfg(all(doctest, feature = "fake", feature = "appspace"))]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
