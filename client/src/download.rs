//! Verified, streaming downloads of app documents.
//!
//! [`Client::download`] gets a document's download URL through
//! [`Client::get_download_url`], streams the bytes to a
//! [`tokio::io::AsyncWrite`] or to a file in constant memory (one network chunk
//! at a time), computes md5 and sha1 on the way, and checks them against the
//! `checksums` the API returned (keys `md5` / `sha1`, hex values, compared
//! case-insensitively) when there are any.
//!
//! - A mismatch, a short body (fewer bytes than `Content-Length`), an HTTP error
//!   status or a broken connection is a [`DownloadError`] naming what was
//!   expected and what arrived.
//! - [`Download::to_file`] writes to a temporary file next to the destination
//!   (`.NAME.part-RANDOM`), fsyncs it and renames it into place only when the
//!   download is complete and verified; on any error (or if the future is
//!   dropped) the temporary file is deleted, so no complete-looking file is
//!   ever left behind.
//! - [`Download::to_writer`] cannot take back bytes already written: on an
//!   error, discard what the writer received.
//!
//! The download URL is a presigned URL: it is fetched without a WPS-2
//! signature, through the client's [`Client::http`] pool (its connect timeout
//! applies). The client's request timeout ([`Config::with_timeout`](crate::Config::with_timeout),
//! 30 s by default) limits how long the server may stay silent: waiting longer
//! than that for the response headers or for the next chunk is
//! [`DownloadError::Stalled`], however long the whole download takes. Set an
//! overall limit with [`Download::timeout`]. The URL's query string may hold
//! credentials, so errors show only its scheme, host and path.
//!
//! ```no_run
//! use kdocs_client::{Client, Config, Credentials};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//! let report = client
//!     .download("t2v4Ga8ZUYKc12KGMdEQpBh")
//!     .require_checksum(true)
//!     .to_file("report.docx")
//!     .await?;
//! println!("{} bytes, md5 {} (verified: {:?})", report.bytes, report.md5, report.verified);
//!
//! // Or to any AsyncWrite:
//! let mut buffer = Vec::new();
//! client.download("t2v4Ga8ZUYKc12KGMdEQpBh").to_writer(&mut buffer).await?;
//! # Ok(()) }
//! ```

use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use md5::{Digest as _, Md5};
use sha1::Sha1;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::{Client, Error, GetDownloadUrlRequest, GetDownloadUrlResponse};

/// Buffer size between the network and a destination file.
const FILE_BUFFER: usize = 256 * 1024;

/// Why a download failed. No variant shows the download URL's query string
/// or any token.
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

    /// The download URL returned by the API is not a usable http(s) URL.
    #[error("the download URL is not usable: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },

    /// A checksum in the API's answer is not a hex digest of the right length.
    #[error("the {algorithm} checksum returned with the download URL is malformed: {reason}")]
    MalformedChecksum {
        /// The checksum key (`md5` or `sha1`).
        algorithm: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// [`Download::require_checksum`] was set and the API returned no md5 or sha1.
    #[error("the download URL came without an md5 or sha1 checksum, and one is required")]
    ChecksumMissing,

    /// The download URL answered with an HTTP error status.
    #[error("downloading from {url} failed: HTTP {status}")]
    Status {
        /// The URL without its query string.
        url: String,
        /// The HTTP status.
        status: u16,
    },

    /// The server sent nothing for longer than the client's request timeout.
    #[error(
        "downloading from {url} stalled: nothing received for {idle:?} after {received} bytes"
    )]
    Stalled {
        /// The URL without its query string.
        url: String,
        /// Bytes received before the stall.
        received: u64,
        /// The limit that elapsed.
        idle: Duration,
    },

    /// The connection failed or timed out (the [`Download::timeout`] limit).
    #[error("downloading from {url} failed after {received} bytes: {source}")]
    Transport {
        /// The URL without its query string.
        url: String,
        /// Bytes received before the failure.
        received: u64,
        /// The underlying error, without its URL.
        #[source]
        source: reqwest::Error,
    },

    /// The body ended before `Content-Length` bytes arrived.
    #[error("download from {url} is short: received {received} of {expected} bytes")]
    Truncated {
        /// The URL without its query string.
        url: String,
        /// `Content-Length`.
        expected: u64,
        /// Bytes received.
        received: u64,
        /// The error the body ended with, if any (without its URL).
        #[source]
        source: Option<reqwest::Error>,
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

    /// Writing to the caller's writer failed.
    #[error("writing the downloaded bytes failed: {source}")]
    Write {
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },

    /// A file-system step of [`Download::to_file`] failed.
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        /// What was being done (`create`, `write`, `sync`, `rename to the destination`...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The file-system error.
        #[source]
        source: std::io::Error,
    },
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
    /// Network chunks received (each written as it came).
    pub chunks: u64,
    /// Time from the request for the bytes to the last byte written.
    pub elapsed: Duration,
}

impl DownloadReport {
    /// Whether at least one checksum was given and matched.
    pub fn is_verified(&self) -> bool {
        !self.verified.is_empty()
    }
}

/// One download, configured by its methods; from [`Client::download`] or
/// [`Download::from_response`].
#[must_use = "a download does nothing until `to_writer` or `to_file` is awaited"]
pub struct Download<'a> {
    client: &'a Client,
    source: Source,
    timeout: Option<Duration>,
    require_checksum: bool,
}

enum Source {
    FileToken(String),
    Response(GetDownloadUrlResponse),
}

impl fmt::Debug for Download<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::FileToken(t) => format!("file_token {t}"),
            Source::Response(r) => {
                format!("download URL {}", display_url(r.download_url.expose_str()))
            }
        };
        f.debug_struct("Download")
            .field("source", &source)
            .field("timeout", &self.timeout)
            .field("require_checksum", &self.require_checksum)
            .finish()
    }
}

impl Client {
    /// A download of the app document `file_token`; finish it with
    /// [`Download::to_file`] or [`Download::to_writer`]. See [`crate::download`].
    pub fn download(&self, file_token: impl Into<String>) -> Download<'_> {
        Download {
            client: self,
            source: Source::FileToken(file_token.into()),
            timeout: None,
            require_checksum: false,
        }
    }
}

impl<'a> Download<'a> {
    /// A download of a URL already obtained with [`Client::get_download_url`].
    pub fn from_response(client: &'a Client, response: GetDownloadUrlResponse) -> Self {
        Download {
            client,
            source: Source::Response(response),
            timeout: None,
            require_checksum: false,
        }
    }

    /// An overall time limit for fetching the bytes, from request to last
    /// byte (default: none; the client's request timeout still limits each
    /// wait for data, see the [module docs](self)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Fail with [`DownloadError::ChecksumMissing`] when the API gives no md5
    /// or sha1 to verify against (default: download unverified, and say so in
    /// [`DownloadReport::verified`]).
    pub fn require_checksum(mut self, require: bool) -> Self {
        self.require_checksum = require;
        self
    }

    /// Streams the content into `writer` and flushes it.
    ///
    /// On an error, `writer` may hold part of the content, or all of it when
    /// the checksum did not match: discard it.
    pub async fn to_writer<W>(self, writer: &mut W) -> Result<DownloadReport, DownloadError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let response = match self.source {
            Source::Response(response) => response,
            Source::FileToken(file_token) => self
                .client
                .get_download_url(GetDownloadUrlRequest::new(file_token))
                .await
                .map_err(|source| DownloadError::GetUrl { source })?,
        };
        // `checksums` is optional in the spec (the docs show only `{}`):
        // absent means nothing to verify against, as an empty map does.
        let expected = match &response.checksums {
            Some(checksums) => Expected::from_checksums(checksums)?,
            None => Expected::default(),
        };
        if self.require_checksum && expected.md5.is_none() && expected.sha1.is_none() {
            return Err(DownloadError::ChecksumMissing);
        }
        stream(
            self.client,
            response.download_url.expose_str(),
            self.timeout,
            &expected,
            writer,
        )
        .await
    }

    /// Streams the content into a temporary file next to `path`, fsyncs it,
    /// and renames it to `path` (replacing an existing file) once the content
    /// is complete and verified. On an error the temporary file is removed and
    /// `path` is untouched.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<DownloadReport, DownloadError> {
        let path = path.as_ref();
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
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
        })?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp_path = dir.join(format!(
            ".{}.part-{}",
            name.to_string_lossy(),
            random_suffix()
        ));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .await
            .map_err(file_error("create", &temp_path))?;
        let mut temp = TempFile {
            path: Some(temp_path.clone()),
        };
        let mut writer = tokio::io::BufWriter::with_capacity(FILE_BUFFER, file);
        let report = match self.to_writer(&mut writer).await {
            Ok(report) => report,
            Err(DownloadError::Write { source }) => {
                return Err(file_error("write", &temp_path)(source))
            }
            Err(e) => return Err(e),
        };
        let file = writer.into_inner();
        file.sync_all()
            .await
            .map_err(file_error("sync", &temp_path))?;
        drop(file);
        tokio::fs::rename(&temp_path, path)
            .await
            .map_err(file_error("rename to the destination", path))?;
        temp.path = None;
        sync_dir(dir).await;
        Ok(report)
    }
}

/// Deletes the temporary file unless disarmed (`path = None`), also when the
/// download future is dropped half-way.
struct TempFile {
    path: Option<PathBuf>,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Makes the rename durable (best effort; a no-op where directories cannot be opened).
async fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = tokio::fs::File::open(dir).await {
        let _ = d.sync_all().await;
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// 16 hex digits, different for every call in every process.
fn random_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

/// The checksums to verify against, lowercase hex.
#[derive(Debug, Default)]
struct Expected {
    md5: Option<String>,
    sha1: Option<String>,
}

impl Expected {
    fn from_checksums(
        checksums: &BTreeMap<String, serde_json::Value>,
    ) -> Result<Self, DownloadError> {
        let mut expected = Expected::default();
        for (key, value) in checksums {
            let (algorithm, hex_len, slot) = match key.to_ascii_lowercase().as_str() {
                "md5" => ("md5", 32, &mut expected.md5),
                "sha1" | "sha-1" => ("sha1", 40, &mut expected.sha1),
                _ => continue,
            };
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) if s.trim().is_empty() => continue,
                serde_json::Value::String(s) => s.trim().to_ascii_lowercase(),
                other => {
                    return Err(DownloadError::MalformedChecksum {
                        algorithm,
                        reason: format!("expected a hex string, got {}", json_kind(other)),
                    })
                }
            };
            if text.len() != hex_len || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(DownloadError::MalformedChecksum {
                    algorithm,
                    reason: format!(
                        "expected {hex_len} hex digits, got {:?}",
                        text.chars().take(64).collect::<String>()
                    ),
                });
            }
            *slot = Some(text);
        }
        Ok(expected)
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// `scheme://host[:port]/path` of a URL: no user info, query or fragment, which
/// may hold credentials. Unparsable input is not shown at all.
fn display_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            match u.port() {
                Some(port) => format!("{}://{host}:{port}{}", u.scheme(), u.path()),
                None => format!("{}://{host}{}", u.scheme(), u.path()),
            }
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

async fn stream<W>(
    client: &Client,
    url: &str,
    timeout: Option<Duration>,
    expected: &Expected,
    writer: &mut W,
) -> Result<DownloadReport, DownloadError>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    let shown = display_url(url);
    let parsed = reqwest::Url::parse(url).map_err(|e| DownloadError::InvalidUrl {
        reason: format!("not a URL ({e})"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(DownloadError::InvalidUrl {
            reason: format!("scheme `{}` is not http(s)", parsed.scheme()),
        });
    }
    // The same rule as for the base URL: a presigned URL is a credential.
    if parsed.scheme() == "http"
        && !crate::runtime::client_is_loopback(&parsed)
        && !client.config().allows_insecure_http()
    {
        return Err(DownloadError::InvalidUrl {
            reason: "plain http to a non-loopback host would send the presigned URL in clear \
                     text; the service should answer https (or set Config::with_insecure_http)"
                .into(),
        });
    }
    let started = Instant::now();
    let mut request = client.http().get(parsed);
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let transport = |received, source: reqwest::Error| DownloadError::Transport {
        url: shown.clone(),
        received,
        source: source.without_url(),
    };
    let idle = client.config().timeout;
    let stalled = |received| DownloadError::Stalled {
        url: shown.clone(),
        received,
        idle,
    };
    let mut response = tokio::time::timeout(idle, request.send())
        .await
        .map_err(|_| stalled(0))?
        .map_err(|e| transport(0, e))?;
    if !response.status().is_success() {
        return Err(DownloadError::Status {
            url: shown,
            status: response.status().as_u16(),
        });
    }
    let content_length = response.content_length();
    let mut md5 = Md5::new();
    let mut sha1 = Sha1::new();
    let mut bytes = 0u64;
    let mut chunks = 0u64;
    loop {
        let next = tokio::time::timeout(idle, response.chunk())
            .await
            .map_err(|_| stalled(bytes))?;
        match next {
            Ok(Some(chunk)) => {
                md5.update(&chunk);
                sha1.update(&chunk);
                writer
                    .write_all(&chunk)
                    .await
                    .map_err(|source| DownloadError::Write { source })?;
                bytes += chunk.len() as u64;
                chunks += 1;
            }
            Ok(None) => break,
            Err(e) if !e.is_timeout() && content_length.is_some_and(|len| bytes < len) => {
                return Err(DownloadError::Truncated {
                    url: shown,
                    expected: content_length.unwrap_or_default(),
                    received: bytes,
                    source: Some(e.without_url()),
                })
            }
            Err(e) => return Err(transport(bytes, e)),
        }
    }
    if let Some(len) = content_length {
        if bytes != len {
            return Err(DownloadError::Truncated {
                url: shown,
                expected: len,
                received: bytes,
                source: None,
            });
        }
    }
    writer
        .flush()
        .await
        .map_err(|source| DownloadError::Write { source })?;
    let md5 = hex::encode(md5.finalize());
    let sha1 = hex::encode(sha1.finalize());
    let mut verified = Vec::new();
    for (algorithm, want, got) in [
        ("md5", &expected.md5, &md5),
        ("sha1", &expected.sha1, &sha1),
    ] {
        if let Some(want) = want {
            if want != got {
                return Err(DownloadError::ChecksumMismatch {
                    algorithm,
                    expected: want.clone(),
                    actual: got.clone(),
                    bytes,
                });
            }
            verified.push(algorithm);
        }
    }
    Ok(DownloadReport {
        bytes,
        md5,
        sha1,
        verified,
        chunks,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checksums(value: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn checksums_are_parsed_case_insensitively() {
        let e = Expected::from_checksums(&checksums(json!({
            "MD5": "D41D8CD98F00B204E9800998ECF8427E",
            "sha1": " da39a3ee5e6b4b0d3255bfef95601890afd80709 ",
            "crc64": 5,
        })))
        .unwrap();
        assert_eq!(e.md5.as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(
            e.sha1.as_deref(),
            Some("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
        let e = Expected::from_checksums(&checksums(json!({ "md5": "", "sha1": null }))).unwrap();
        assert!(e.md5.is_none() && e.sha1.is_none());
    }

    #[test]
    fn malformed_checksums_are_errors() {
        let err = Expected::from_checksums(&checksums(json!({ "md5": "xyz" }))).unwrap_err();
        assert!(
            matches!(
                err,
                DownloadError::MalformedChecksum {
                    algorithm: "md5",
                    ..
                }
            ),
            "{err}"
        );
        let err = Expected::from_checksums(&checksums(json!({ "sha1": 1 }))).unwrap_err();
        assert!(err.to_string().contains("a number"), "{err}");
    }

    #[test]
    fn urls_are_shown_without_query_or_user_info() {
        assert_eq!(
            display_url("https://user:pw@cdn.example.com:8443/a/b.docx?Signature=secret#x"),
            "https://cdn.example.com:8443/a/b.docx"
        );
        assert_eq!(display_url("not a url?token=1"), "(an unparsable URL)");
    }

    #[test]
    fn temp_suffixes_differ() {
        assert_ne!(random_suffix(), random_suffix());
    }
}
