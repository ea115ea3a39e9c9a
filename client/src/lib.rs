//! A typed async client for the Kingsoft Docs (金山文档, kdocs) open platform.
//!
//! The endpoint methods, request and response types are generated at build time
//! from the YAML in `api-spec/` (see `kdocs-codegen`); they sit on a small
//! hand-written [`runtime`] that signs requests with WPS-2, sends them with
//! `reqwest` and turns the `{code, message, hint, data}` envelope into typed
//! results and errors.
//!
//! ```no_run
//! use kdocs_client::{Client, Config, Credentials, GetDownloadUrlRequest};
//!
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
//! One cargo feature per API family, all on by default: `oauth`, `user`,
//! `appspace`, `anonymous`, `personal`, `sharing`, `convert`, `extract`,
//! `outline`, `script`, `forms`, `dbt`, `webhooks`, `ksheet`, `et`. With
//! `default-features = false, features = ["appspace"]` the build script
//! generates only the app-space endpoints (and the types they use), so only
//! they are compiled. `fake` turns every family on.

#![deny(missing_docs)]
// docs.rs builds with `--cfg docsrs` (see `[package.metadata.docs.rs]`) and
// marks the items behind a feature, such as `fake`.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod download;
#[cfg(feature = "oauth")]
pub mod oauth;
pub mod runtime;
#[cfg(feature = "anonymous")]
pub mod session;

#[cfg(feature = "fake")]
#[cfg_attr(docsrs, doc(cfg(feature = "fake")))]
pub mod fake;

pub use download::{DownloadError, DownloadProgress, DownloadReport};
pub use runtime::{ApiError, Client, Config, Credentials, Error, RetryPolicy, Secret, TimeoutKind};
#[cfg(feature = "anonymous")]
pub use session::{AnonymousSession, SessionError, WebOfficeToken};

/// The generated API: request and response types, and one method per endpoint on [`Client`].
mod generated {
    include!(concat!(env!("OUT_DIR"), "/kdocs_api.rs"));
}

pub use generated::*;

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
