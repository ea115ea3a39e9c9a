//! Why a download failed: [`DownloadError`], and how its messages name sizes
//! and targets without a URL's path or query.

use std::path::PathBuf;
use std::time::Duration;

use crate::Error;

/// Why a download failed. No variant shows a download URL beyond its
/// `scheme://host[:port]`, or any token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The `get_download_url` call failed.
    #[error("getting the download URL failed: {source}")]
    GetUrl {
        /// The failed call.
        #[source]
        source: Error,
    },

    /// The download URL returned by the API may not be used.
    #[error("the download URL is not usable: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },

    /// A redirect was refused: its target breaks the URL rule, or it had no
    /// usable `Location`.
    #[error("download redirect from {from} refused (HTTP {status}{}): {reason}", display_to(.to))]
    Redirect {
        /// Origin of the URL that answered with the redirect.
        from: String,
        /// Origin of the target, when there was one.
        to: Option<String>,
        /// The 3xx status.
        status: u16,
        /// Why it was refused.
        reason: String,
    },

    /// More redirects than [`DownloadLimits::with_max_redirects`](super::DownloadLimits::with_max_redirects) allows.
    #[error("the download redirected more than {limit} times (last at {origin})")]
    TooManyRedirects {
        /// Origin of the last redirecting URL.
        origin: String,
        /// The limit.
        limit: u32,
    },

    /// A checksum in the API's answer is not a hex digest of the right length.
    #[error("the {algorithm} checksum returned with the download URL is malformed: {reason}")]
    MalformedChecksum {
        /// The checksum key (`md5` or `sha1`).
        algorithm: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// [`Download::require_checksum`](super::Download::require_checksum) was set and the API returned no md5 or sha1.
    #[error("the download URL came without an md5 or sha1 checksum, and one is required")]
    ChecksumMissing,

    /// The download URL answered with an HTTP error status.
    #[error("downloading from {origin} failed: HTTP {status}")]
    Status {
        /// Where from (`scheme://host[:port]`).
        origin: String,
        /// The HTTP status.
        status: u16,
    },

    /// The server sent nothing for longer than the client's request timeout.
    #[error(
        "downloading from {origin} stalled: nothing received for {idle:?} after {received} bytes"
    )]
    Stalled {
        /// Where from (`scheme://host[:port]`).
        origin: String,
        /// Bytes received before the stall.
        received: u64,
        /// The limit that elapsed.
        idle: Duration,
    },

    /// The overall time limit elapsed ([`DownloadLimits::with_deadline`](super::DownloadLimits::with_deadline),
    /// [`Download::timeout`](super::Download::timeout)).
    #[error("downloading from {origin} took longer than {limit:?} ({received} bytes received)")]
    Deadline {
        /// Where from (`scheme://host[:port]`).
        origin: String,
        /// Bytes received in time.
        received: u64,
        /// The limit.
        limit: Duration,
    },

    /// The content is larger than [`DownloadLimits::with_max_bytes`](super::DownloadLimits::with_max_bytes): by its
    /// `Content-Length` (nothing was written) or while streaming (what was
    /// written is incomplete).
    #[error(
        "the download from {origin} is larger than the {limit}-byte limit \
         ({})", display_size(.declared, .received)
    )]
    TooLarge {
        /// Where from (`scheme://host[:port]`).
        origin: String,
        /// The limit.
        limit: u64,
        /// `Content-Length`, when it gave the size away.
        declared: Option<u64>,
        /// Bytes received before the download was stopped.
        received: u64,
    },

    /// The connection failed.
    #[error("downloading from {origin} failed after {received} bytes: {source}")]
    Transport {
        /// Where from (`scheme://host[:port]`).
        origin: String,
        /// Bytes received before the failure.
        received: u64,
        /// The underlying error, without its URL.
        #[source]
        source: reqwest::Error,
    },

    /// The body ended before `Content-Length` bytes arrived.
    #[error("download from {origin} is short: received {received} of {expected} bytes")]
    Truncated {
        /// Where from (`scheme://host[:port]`).
        origin: String,
        /// `Content-Length`.
        expected: u64,
        /// Bytes received.
        received: u64,
        /// The error the body ended with, if any (without its URL).
        #[source]
        source: Option<reqwest::Error>,
    },

    /// The length of the content is not the size the caller expected
    /// ([`Download::expect_size`](super::Download::expect_size)).
    #[error("the download has {received} bytes, {expected} were expected")]
    SizeMismatch {
        /// The expected size.
        expected: u64,
        /// What `Content-Length` announced or what arrived.
        received: u64,
    },

    /// The content does not match a checksum returned by the API.
    #[error(
        "downloaded {bytes} bytes do not match the {algorithm} checksum: \
         expected {expected}, got {actual}"
    )]
    ChecksumMismatch {
        /// `md5` or `sha1`.
        algorithm: &'static str,
        /// The checksum the API returned (lowercase hex).
        expected: String,
        /// The checksum of what arrived (lowercase hex).
        actual: String,
        /// Bytes received.
        bytes: u64,
    },

    /// [`Download::to_file`](super::Download::to_file): the download could not be confirmed complete
    /// (no length, no checksum), and the destination exists; it was left as
    /// it was.
    #[error(
        "{} was not replaced: the download ({bytes} bytes) came with no length and no \
         checksum, so it cannot be told from a cut one", path.display()
    )]
    NotReplaced {
        /// The destination.
        path: PathBuf,
        /// Bytes received.
        bytes: u64,
    },

    /// Writing to the caller's writer failed.
    #[error("writing the downloaded bytes failed: {source}")]
    Write {
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },

    /// A file-system step of [`Download::to_file`](super::Download::to_file) failed.
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        /// What was being done (`create a temporary file in`, `write`, `sync`,
        /// `rename to the destination`...).
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The file-system error.
        #[source]
        source: std::io::Error,
    },
}

fn display_to(to: &Option<String>) -> String {
    match to {
        Some(origin) => format!(" to {origin}"),
        None => String::new(),
    }
}

fn display_size(declared: &Option<u64>, received: &u64) -> String {
    match declared {
        Some(declared) => format!("Content-Length {declared}"),
        None => format!("stopped after {received} bytes"),
    }
}
