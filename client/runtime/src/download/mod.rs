//! Verified, streaming, bounded downloads of app documents.
//!
//! A [`Download`] starts from a download URL (or from a call that gets one:
//! `kdocs_client::Client::download` asks `get_download_url` for it), streams
//! the bytes to a
//! [`tokio::io::AsyncWrite`] or to a file in constant memory (one network chunk
//! at a time), computes md5 and sha1 on the way, and checks them against the
//! `checksums` the API returned (keys `md5` / `sha1`, hex values, compared
//! case-insensitively) when there are any.
//!
//! # What is checked
//!
//! - **Completeness.** The received length must equal `Content-Length` and the
//!   size the caller expects ([`Download::expect_size`]); a chunked body must
//!   end with its final chunk. [`DownloadReport::completeness`] says what
//!   established that the content is whole: a checksum, a length, the
//!   transfer framing, or nothing at all ([`Completeness::Unconfirmed`]: a
//!   body that simply ended when the connection closed, with no length and
//!   no checksum; a cut connection looks the same). The pages show
//!   `checksums: {}`, so against the real service the length is usually what
//!   confirms a download.
//! - **Limits** ([`DownloadLimits`], defaults from
//!   [`Config::with_download_limits`](crate::Config::with_download_limits)):
//!   at most 2 GiB (a larger `Content-Length` is refused before a byte is
//!   written; a body that grows past it is cut off), at most 10 minutes from
//!   the request to the last byte, redirects included, and at most the
//!   client's request timeout ([`Config::with_timeout`](crate::Config::with_timeout),
//!   30 s) of silence between two chunks ([`DownloadError::Stalled`]).
//! - **Where the URL leads.** The URL is presigned: it is a credential. It
//!   must follow the base URL's rule (https; plain http only to a loopback
//!   host or with [`Config::with_insecure_http`](crate::Config::with_insecure_http);
//!   no user info; never `0.0.0.0`). Redirects are followed by this module,
//!   not by `reqwest`: at most [`DownloadLimits::with_max_redirects`] hops
//!   (5 by default), each checked by the same rule, and an https URL never
//!   leads to plain http. No request carries a `Referer`, a signature or any
//!   credential of the client, nor the default headers of
//!   [`Config::with_http_setup`](crate::Config::with_http_setup): downloads go
//!   through a pool of their own ([`Client::download_http`](crate::Client::download_http),
//!   adjusted by [`Config::with_download_http_setup`](crate::Config::with_download_http_setup)).
//!
//! # Files
//!
//! [`Download::to_file`] writes to a temporary file in the destination's
//! folder (from the `tempfile` crate), fsyncs it and renames it into place only
//! when the download is complete and verified. Whenever the download fails or
//! its future is dropped, at any point, the temporary file is removed: nothing
//! is left behind. An [`Unconfirmed`](Completeness::Unconfirmed) download is
//! written only to a path that does not exist yet: it never replaces an
//! existing file ([`DownloadError::NotReplaced`]).
//!
//! [`Download::to_writer`] cannot take back bytes already written: on an
//! error, discard what the writer received.
//!
//! Errors and `Debug` output show a download URL as `scheme://host[:port]`
//! only: its path and query may themselves be the capability.
//!
//! ```no_run
//! use kdocs_runtime::download::Download;
//! use kdocs_runtime::{Client, Config, Credentials, Secret};
//!
//! # async fn run(url: Secret<String>) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//! let report = Download::from_url(&client, url.clone(), None)
//!     .max_bytes(512 * 1024 * 1024)
//!     .to_file("report.docx")
//!     .await?;
//! println!("{} bytes, md5 {}, {}", report.bytes, report.md5, report.completeness);
//!
//! // Or to any AsyncWrite:
//! let mut buffer = Vec::new();
//! Download::from_url(&client, url, None).to_writer(&mut buffer).await?;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use tokio::io::AsyncWrite;

use crate::url_policy;
use crate::{Client, Error, Secret};

/// Buffer size between the network and a destination file.
const FILE_BUFFER: usize = 256 * 1024;

/// Limits of one download. See the [module docs](self).
///
/// ```
/// use std::time::Duration;
/// use kdocs_runtime::download::DownloadLimits;
///
/// let limits = DownloadLimits::new()
///     .with_max_bytes(100 * 1024 * 1024)
///     .with_deadline(Duration::from_secs(60))
///     .with_max_redirects(2);
/// assert_eq!(limits.max_bytes(), 100 * 1024 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DownloadLimits {
    max_bytes: u64,
    deadline: Option<Duration>,
    max_redirects: u32,
}

impl Default for DownloadLimits {
    fn default() -> Self {
        Self::new()
    }
}

impl DownloadLimits {
    /// The defaults: 2 GiB, 10 minutes, 5 redirects.
    ///
    /// 2 GiB is far above any office document and bounds what a server that
    /// never stops sending can write; 10 minutes fetches 2 GiB at 3.6 MB/s and
    /// bounds a server that sends one byte a second (which the idle limit alone
    /// does not catch). Raise them for large files on slow links.
    pub const fn new() -> Self {
        Self {
            max_bytes: 2 * 1024 * 1024 * 1024,
            deadline: Some(Duration::from_secs(10 * 60)),
            max_redirects: 5,
        }
    }

    /// The largest content accepted, in bytes.
    pub const fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The time from the first request to the last byte, redirects included
    /// (`None`: no overall limit; the idle limit still holds).
    pub fn with_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.deadline = deadline.into();
        self
    }

    /// How many redirects are followed (0: none).
    pub const fn with_max_redirects(mut self, max_redirects: u32) -> Self {
        self.max_redirects = max_redirects;
        self
    }

    /// The size limit.
    pub const fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The overall time limit.
    pub const fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The redirect limit.
    pub const fn max_redirects(&self) -> u32 {
        self.max_redirects
    }
}

mod error;
mod fetch;

pub use error::DownloadError;
use fetch::{Expected, Fetch};

/// What established that a download is whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Completeness {
    /// A checksum given by the API matched ([`DownloadReport::verified`]).
    Checksum,
    /// The length matched `Content-Length` or [`Download::expect_size`].
    Length,
    /// The body's own framing ended properly (HTTP/1.1 chunked with its last
    /// chunk, or HTTP/2); there was no length or checksum to compare.
    Framing,
    /// Nothing: the body ended when the connection closed, with no length and
    /// no checksum. A connection cut short looks the same.
    Unconfirmed,
}

impl fmt::Display for Completeness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Completeness::Checksum => "verified against the API's checksum",
            Completeness::Length => "complete by its announced length, not verified by a checksum",
            Completeness::Framing => {
                "complete by its transfer framing, with no length or checksum to check"
            }
            Completeness::Unconfirmed => {
                "UNCONFIRMED: no length and no checksum, so a cut download would look the same"
            }
        })
    }
}

/// What a successful download delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadReport {
    /// Bytes written.
    pub bytes: u64,
    /// md5 of the content, lowercase hex.
    pub md5: String,
    /// sha1 of the content, lowercase hex.
    pub sha1: String,
    /// The checksums that were given by the API and matched (`"md5"`, `"sha1"`);
    /// empty when the API gave none.
    pub verified: Vec<&'static str>,
    /// What established that the content is whole.
    pub completeness: Completeness,
    /// Network chunks received (each written as it came).
    pub chunks: u64,
    /// Redirects followed.
    pub redirects: u32,
    /// Time from the request for the bytes to the last byte written.
    pub elapsed: Duration,
}

impl DownloadReport {
    /// Whether at least one checksum was given and matched. `false` for an
    /// [`Unconfirmed`](Completeness::Unconfirmed) download, always.
    pub fn is_verified(&self) -> bool {
        !self.verified.is_empty()
    }
}

/// One download, configured by its methods; from [`Download::from_url`] or
/// [`Download::locating`] (`kdocs_client::Client::download` builds the latter).
#[must_use = "a download does nothing until `to_writer` or `to_file` is awaited"]
pub struct Download<'a> {
    client: &'a Client,
    source: Source<'a>,
    limits: DownloadLimits,
    /// Whether this download's own `max_bytes` or `limits` was set (then
    /// [`Download::to_bytes`] keeps to it instead of its in-memory cap).
    max_bytes_set: bool,
    expected_size: Option<u64>,
    require_checksum: bool,
    progress: Option<ProgressFn<'a>>,
}

/// The most [`Download::to_bytes`] holds in memory unless the download's own
/// [`max_bytes`](Download::max_bytes) says otherwise (64 MiB): far above a
/// typical office document, and far below the 2 GiB a file may take.
pub const IN_MEMORY_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A progress callback (see [`Download::on_progress`]).
pub(super) type ProgressFn<'a> = Box<dyn FnMut(DownloadProgress) + Send + 'a>;

/// How far a download is, as given to [`Download::on_progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadProgress {
    /// Bytes received so far.
    pub received: u64,
    /// The size the server declared (`Content-Length`), when it did.
    pub total: Option<u64>,
}

/// Checksums of a download's content, keyed by algorithm (`md5`, `sha1`), as
/// the API returns them.
pub type Checksums = BTreeMap<String, serde_json::Value>;

/// A download URL and its checksums, as an endpoint answers them.
pub type Located = (Secret<String>, Option<Checksums>);

/// A call that gets the download URL (`get_download_url`, say), awaited when
/// the download starts.
pub type Locate<'a> = Pin<Box<dyn Future<Output = Result<Located, Error>> + Send + 'a>>;

/// Where a download comes from, as an endpoint answers it: the URL, the
/// checksums and the size of the content, when the answer gives them.
#[derive(Debug)]
#[non_exhaustive]
pub struct Location {
    /// The download URL (a credential); empty when the answer gave none,
    /// which the download refuses ([`DownloadError::InvalidUrl`]).
    pub url: Secret<String>,
    /// Checksums of the content, keyed by algorithm.
    pub checksums: Option<Checksums>,
    /// The size of the content, which the download then checks as
    /// [`Download::expect_size`] does (unless that was set).
    pub size: Option<u64>,
}

impl Location {
    /// A location of `url` with `checksums` and `size`.
    pub fn new(url: Secret<String>, checksums: Option<Checksums>, size: Option<u64>) -> Self {
        Location {
            url,
            checksums,
            size,
        }
    }
}

impl From<Located> for Location {
    fn from((url, checksums): Located) -> Self {
        Location::new(url, checksums, None)
    }
}

/// A call that gets a [`Location`] (`get_personal_download_url`, say),
/// awaited when the download starts.
pub type LocateSized<'a> = Pin<Box<dyn Future<Output = Result<Location, Error>> + Send + 'a>>;

enum Source<'a> {
    /// A call that gets the URL, and what it is for `Debug` (`file_token …`).
    Locate {
        what: String,
        locate: LocateSized<'a>,
    },
    Url {
        url: Secret<String>,
        checksums: Option<Checksums>,
    },
}

impl fmt::Debug for Download<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Locate { what, .. } => what.clone(),
            Source::Url { url, .. } => match reqwest::Url::parse(url.expose_str()) {
                Ok(url) => format!("download URL at {}", url_policy::origin(&url)),
                Err(_) => "an unparsable download URL".to_owned(),
            },
        };
        f.debug_struct("Download")
            .field("source", &source)
            .field("limits", &self.limits)
            .field("expected_size", &self.expected_size)
            .field("require_checksum", &self.require_checksum)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl<'a> Download<'a> {
    fn new(client: &'a Client, source: Source<'a>) -> Self {
        Download {
            client,
            source,
            limits: *client.config().download_limits(),
            max_bytes_set: false,
            expected_size: None,
            require_checksum: false,
            progress: None,
        }
    }

    /// A download whose URL `locate` gets when the download starts (the
    /// generated client's `download(file_token)` passes its
    /// `get_download_url` call); `what` names the document in `Debug` output
    /// (`file_token …`), so it must not be a secret. A failure of `locate` is
    /// [`DownloadError::GetUrl`].
    pub fn locating(client: &'a Client, what: impl Into<String>, locate: Locate<'a>) -> Self {
        let locate = Box::pin(async move { locate.await.map(Location::from) });
        Download::locating_sized(client, what, locate)
    }

    /// Like [`Download::locating`], for a call that also answers the
    /// content's size (the personal `get_personal_download_url` answers
    /// `fsize`): the received length must then be that size.
    pub fn locating_sized(
        client: &'a Client,
        what: impl Into<String>,
        locate: LocateSized<'a>,
    ) -> Self {
        Download::new(
            client,
            Source::Locate {
                what: what.into(),
                locate,
            },
        )
    }

    /// A download of any download URL an endpoint returned (a version's, a
    /// personal file's…), verified against `checksums` when given (keys
    /// `md5` / `sha1`, hex values), with the same limits and checks.
    pub fn from_url(client: &'a Client, url: Secret<String>, checksums: Option<Checksums>) -> Self {
        Download::new(client, Source::Url { url, checksums })
    }

    /// All limits at once (default: the client's
    /// [`Config::download_limits`](crate::Config::download_limits)).
    pub fn limits(mut self, limits: DownloadLimits) -> Self {
        self.limits = limits;
        self.max_bytes_set = true;
        self
    }

    /// The overall time limit, from request to last byte, redirects included
    /// (default 10 minutes; the client's request timeout still limits each
    /// wait for data, see the [module docs](self)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits = self.limits.with_deadline(timeout);
        self
    }

    /// The largest content accepted (default 2 GiB).
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.limits = self.limits.with_max_bytes(max_bytes);
        self.max_bytes_set = true;
        self
    }

    /// The size the content must have, when the caller knows it (from the
    /// document's info, say): a different `Content-Length` is refused before
    /// anything is written, and a different received length is an error.
    pub fn expect_size(mut self, bytes: u64) -> Self {
        self.expected_size = Some(bytes);
        self
    }

    /// Fail with [`DownloadError::ChecksumMissing`] when the API gives no md5
    /// or sha1 to verify against (default: download without, and say so in
    /// [`DownloadReport::completeness`]).
    pub fn require_checksum(mut self, require: bool) -> Self {
        self.require_checksum = require;
        self
    }

    /// Calls `progress` once the response's headers are in (with 0 bytes
    /// received) and after each piece of content written, for a progress
    /// display. It runs on the download's task: keep it quick.
    pub fn on_progress(mut self, progress: impl FnMut(DownloadProgress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Streams the content into `writer` and flushes it.
    ///
    /// On an error, `writer` may hold part of the content, or all of it when
    /// the checksum did not match: discard it.
    pub async fn to_writer<W>(mut self, writer: &mut W) -> Result<DownloadReport, DownloadError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let (url, checksums) = match self.source {
            Source::Url { url, checksums } => (url, checksums),
            Source::Locate { locate, .. } => {
                let location = locate
                    .await
                    .map_err(|source| DownloadError::GetUrl { source })?;
                self.expected_size = self.expected_size.or(location.size);
                (location.url, location.checksums)
            }
        };
        if url.expose_str().is_empty() {
            return Err(DownloadError::InvalidUrl {
                reason: "the API's answer holds no download URL".to_owned(),
            });
        }
        // `checksums` is optional in the spec (the docs show only `{}`):
        // absent means nothing to verify against, as an empty map does.
        let expected = match &checksums {
            Some(checksums) => Expected::from_checksums(checksums)?,
            None => Expected::default(),
        };
        if self.require_checksum && expected.md5.is_none() && expected.sha1.is_none() {
            return Err(DownloadError::ChecksumMissing);
        }
        let fetch = Fetch {
            client: self.client,
            limits: self.limits,
            expected_size: self.expected_size,
            expected: &expected,
        };
        fetch
            .run(url.expose_str(), writer, self.progress.as_mut())
            .await
    }

    /// The content in memory, with the report.
    ///
    /// At most [`IN_MEMORY_MAX_BYTES`] (64 MiB, or the client's download
    /// limit when lower) unless this download's own
    /// [`max_bytes`](Self::max_bytes) or [`limits`](Self::limits) says
    /// otherwise: a larger content is [`DownloadError::TooLarge`], refused
    /// before a byte is kept when the server declares its size. The buffer
    /// grows with what arrives, never with what a `Content-Length` claims.
    /// On an error nothing is returned: no partial content to mistake for
    /// the document.
    pub async fn to_bytes(mut self) -> Result<(Vec<u8>, DownloadReport), DownloadError> {
        if !self.max_bytes_set {
            let cap = self.limits.max_bytes().min(IN_MEMORY_MAX_BYTES);
            self.limits = self.limits.with_max_bytes(cap);
        }
        let mut content = Vec::new();
        let report = self.to_writer(&mut content).await?;
        Ok((content, report))
    }

    /// Streams the content into a temporary file in `path`'s folder, fsyncs
    /// it, and renames it to `path` once the content is complete and verified
    /// (replacing an existing file, unless the download is
    /// [`Unconfirmed`](Completeness::Unconfirmed)). On an error, or when the
    /// future is dropped, the temporary file is removed and `path` is
    /// untouched.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<DownloadReport, DownloadError> {
        let path = path.as_ref().to_owned();
        let file_error = |action, path: &Path| {
            let path = path.to_owned();
            move |source| DownloadError::File {
                action,
                path,
                source,
            }
        };
        let name = path.file_name().ok_or_else(|| DownloadError::File {
            action: "download to",
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
        })?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        // Created on the blocking pool: if this future is dropped meanwhile,
        // the task's output (the `TempPath` guard) is dropped with it, and
        // the file removed.
        let prefix = format!(".{}.", name.to_string_lossy());
        let create_in = dir.clone();
        let (file, temp) = blocking(move || {
            let mut builder = tempfile::Builder::new();
            builder.prefix(&prefix).suffix(".part");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                // As a plain `File::create` would (the umask applies).
                builder.permissions(std::fs::Permissions::from_mode(0o666));
            }
            builder.tempfile_in(&create_in).map(|t| t.into_parts())
        })
        .await
        .map_err(file_error("create a temporary file in", &dir))?;
        let mut writer =
            tokio::io::BufWriter::with_capacity(FILE_BUFFER, tokio::fs::File::from_std(file));
        let report = match self.to_writer(&mut writer).await {
            Ok(report) => report,
            Err(DownloadError::Write { source }) => return Err(file_error("write", &temp)(source)),
            Err(e) => return Err(e),
        };
        let file = writer.into_inner();
        file.sync_all().await.map_err(file_error("sync", &temp))?;
        drop(file);
        // The rename and the folder's fsync run inline, in the poll that
        // returns: the destination changes only when `Ok` is returned, never
        // behind the back of a dropped future. Both are metadata operations.
        let replace = report.completeness != Completeness::Unconfirmed;
        let persisted = if replace {
            temp.persist(&path)
        } else {
            temp.persist_noclobber(&path)
        };
        if let Err(e) = persisted {
            // `e.path` (the temporary file) is dropped here, and removed.
            return Err(
                if !replace && e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    DownloadError::NotReplaced {
                        path,
                        bytes: report.bytes,
                    }
                } else {
                    file_error("rename to the destination", &path)(e.error)
                },
            );
        }
        sync_dir(&dir);
        Ok(report)
    }
}

/// Runs file-system work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => Err(std::io::Error::other(e)),
    }
}

/// Makes the rename durable (best effort; a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
