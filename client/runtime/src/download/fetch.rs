//! One fetch of a download URL: the checksums to verify against, redirects
//! followed hop by hop under the URL rule, the size, idle and overall limits,
//! hashing and writing.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use md5::{Digest as _, Md5};
use sha1::Sha1;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{
    Completeness, DownloadError, DownloadLimits, DownloadProgress, DownloadReport, ProgressFn,
};
use crate::url_policy;
use crate::Client;

/// The checksums to verify against, lowercase hex.
#[derive(Debug, Default)]
pub(super) struct Expected {
    pub(super) md5: Option<String>,
    pub(super) sha1: Option<String>,
}

impl Expected {
    pub(super) fn from_checksums(
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

/// Which limit a wait ran into.
enum Elapsed {
    Idle,
    Deadline,
}

/// One fetch of a download URL: redirects, limits, hashing, writing.
pub(super) struct Fetch<'a> {
    pub(super) client: &'a Client,
    pub(super) limits: DownloadLimits,
    pub(super) expected_size: Option<u64>,
    pub(super) expected: &'a Expected,
}

/// The limits in time of one fetch: when it started, its overall deadline,
/// and how long the server may stay silent.
#[derive(Clone, Copy)]
struct Timing {
    started: Instant,
    deadline: Option<Instant>,
    idle: Duration,
}

/// What the body stream gave: its length, chunks and digests.
struct Streamed {
    bytes: u64,
    chunks: u64,
    md5: String,
    sha1: String,
}

impl Fetch<'_> {
    /// The fetch, in phases: the hops to the content ([`Fetch::open`]), its
    /// declared size ([`Fetch::check_head`]), the body written and hashed
    /// ([`Fetch::stream`]), then the checks of what arrived
    /// ([`Fetch::report`]).
    pub(super) async fn run<W>(
        &self,
        url: &str,
        writer: &mut W,
        progress: Option<&mut ProgressFn<'_>>,
    ) -> Result<DownloadReport, DownloadError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let started = Instant::now();
        let timing = Timing {
            started,
            // A deadline too far to represent is no deadline.
            deadline: self
                .limits
                .deadline
                .and_then(|limit| started.checked_add(limit)),
            idle: self.client.config().timeout,
        };
        let (response, origin, redirects) = self.open(url, timing).await?;
        let content_length = response.content_length();
        self.check_head(content_length, &origin)?;
        let framed = is_framed(&response);
        let streamed = self
            .stream(response, writer, progress, &origin, timing)
            .await?;
        self.report(streamed, content_length, framed, redirects, started)
    }

    /// Follows the redirects from `url` to the answer with the content:
    /// each hop under the URL rule, at most `max_redirects` of them; the
    /// answer, its origin and the number of redirects.
    async fn open(
        &self,
        url: &str,
        timing: Timing,
    ) -> Result<(reqwest::Response, String, u32), DownloadError> {
        let allow_insecure = self.client.config().allows_insecure_http();
        let mut url = reqwest::Url::parse(url).map_err(|e| DownloadError::InvalidUrl {
            reason: format!("not a URL ({e})"),
        })?;
        let base = self.client.base();
        url_policy::check_download(&url, base, allow_insecure).map_err(|refusal| {
            DownloadError::InvalidUrl {
                reason: refusal.to_string(),
            }
        })?;
        let mut redirects = 0;
        loop {
            let origin = url_policy::origin(&url);
            // The download pool: the caller's default headers for the API
            // do not go to a download host.
            let send = self.client.download_http().get(url.clone()).send();
            let response = match within(send, timing.idle, timing.deadline).await {
                Ok(result) => result.map_err(|e| DownloadError::Transport {
                    origin: origin.clone(),
                    received: 0,
                    source: e.without_url(),
                })?,
                Err(elapsed) => return Err(self.elapsed(elapsed, origin, 0, timing)),
            };
            let status = response.status();
            if !status.is_redirection() {
                if !status.is_success() {
                    return Err(DownloadError::Status {
                        origin,
                        status: status.as_u16(),
                    });
                }
                return Ok((response, origin, redirects));
            }
            if redirects >= self.limits.max_redirects {
                return Err(DownloadError::TooManyRedirects {
                    origin,
                    limit: self.limits.max_redirects,
                });
            }
            url = next_hop(&url, &response, base, allow_insecure)?;
            redirects += 1;
        }
    }

    /// A declared length over the limit, or other than the expected size,
    /// is refused before a byte is written.
    fn check_head(&self, content_length: Option<u64>, origin: &str) -> Result<(), DownloadError> {
        let Some(declared) = content_length else {
            return Ok(());
        };
        if declared > self.limits.max_bytes {
            return Err(DownloadError::TooLarge {
                origin: origin.to_owned(),
                limit: self.limits.max_bytes,
                declared: Some(declared),
                received: 0,
            });
        }
        match self.expected_size.filter(|e| *e != declared) {
            Some(expected) => Err(DownloadError::SizeMismatch {
                expected,
                received: declared,
            }),
            None => Ok(()),
        }
    }

    /// Writes and hashes the body chunk by chunk, within the limits; a body
    /// cut short of its declared length is `Truncated`, one of another size
    /// than expected a `SizeMismatch`.
    async fn stream<W>(
        &self,
        mut response: reqwest::Response,
        writer: &mut W,
        mut progress: Option<&mut ProgressFn<'_>>,
        origin: &str,
        timing: Timing,
    ) -> Result<Streamed, DownloadError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let content_length = response.content_length();
        let mut report_progress = |received| {
            if let Some(progress) = progress.as_mut() {
                progress(DownloadProgress {
                    received,
                    total: content_length,
                });
            }
        };
        report_progress(0);
        let (mut md5, mut sha1) = (Md5::new(), Sha1::new());
        let (mut bytes, mut chunks) = (0u64, 0u64);
        loop {
            let next = match within(response.chunk(), timing.idle, timing.deadline).await {
                Ok(next) => next,
                Err(elapsed) => {
                    return Err(self.elapsed(elapsed, origin.to_owned(), bytes, timing))
                }
            };
            let chunk = match next {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return Err(broken(origin, content_length, bytes, e)),
            };
            let total = bytes + chunk.len() as u64;
            self.check_growth(origin, bytes, total)?;
            md5.update(&chunk);
            sha1.update(&chunk);
            // A local writer is not the server's doing: only the overall
            // deadline limits it.
            match within(writer.write_all(&chunk), Duration::MAX, timing.deadline).await {
                Ok(written) => written.map_err(|source| DownloadError::Write { source })?,
                Err(elapsed) => {
                    return Err(self.elapsed(elapsed, origin.to_owned(), bytes, timing))
                }
            }
            bytes = total;
            chunks += 1;
            report_progress(bytes);
        }
        if let Some(len) = content_length.filter(|len| bytes != *len) {
            return Err(DownloadError::Truncated {
                origin: origin.to_owned(),
                expected: len,
                received: bytes,
                source: None,
            });
        }
        if let Some(expected) = self.expected_size.filter(|e| bytes != *e) {
            return Err(DownloadError::SizeMismatch {
                expected,
                received: bytes,
            });
        }
        match within(writer.flush(), Duration::MAX, timing.deadline).await {
            Ok(flushed) => flushed.map_err(|source| DownloadError::Write { source })?,
            Err(elapsed) => return Err(self.elapsed(elapsed, origin.to_owned(), bytes, timing)),
        }
        Ok(Streamed {
            bytes,
            chunks,
            md5: hex::encode(md5.finalize()),
            sha1: hex::encode(sha1.finalize()),
        })
    }

    /// A body that grows to `total` past the limit or the expected size is
    /// refused before the chunk is written.
    fn check_growth(&self, origin: &str, bytes: u64, total: u64) -> Result<(), DownloadError> {
        if total > self.limits.max_bytes {
            return Err(DownloadError::TooLarge {
                origin: origin.to_owned(),
                limit: self.limits.max_bytes,
                declared: None,
                received: bytes,
            });
        }
        match self.expected_size.filter(|e| total > *e) {
            Some(expected) => Err(DownloadError::SizeMismatch {
                expected,
                received: total,
            }),
            None => Ok(()),
        }
    }

    /// The report of a complete body: its digests against the checksums,
    /// and how its end was confirmed.
    fn report(
        &self,
        streamed: Streamed,
        content_length: Option<u64>,
        framed: bool,
        redirects: u32,
        started: Instant,
    ) -> Result<DownloadReport, DownloadError> {
        let Streamed {
            bytes,
            chunks,
            md5,
            sha1,
        } = streamed;
        let mut verified = Vec::new();
        for (algorithm, want, got) in [
            ("md5", &self.expected.md5, &md5),
            ("sha1", &self.expected.sha1, &sha1),
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
        let completeness = if !verified.is_empty() {
            Completeness::Checksum
        } else if content_length.is_some() || self.expected_size.is_some() {
            Completeness::Length
        } else if framed {
            Completeness::Framing
        } else {
            Completeness::Unconfirmed
        };
        Ok(DownloadReport {
            bytes,
            md5,
            sha1,
            verified,
            completeness,
            chunks,
            redirects,
            elapsed: started.elapsed(),
        })
    }

    fn elapsed(
        &self,
        elapsed: Elapsed,
        origin: String,
        received: u64,
        timing: Timing,
    ) -> DownloadError {
        match elapsed {
            Elapsed::Idle => DownloadError::Stalled {
                origin,
                received,
                idle: timing.idle,
            },
            Elapsed::Deadline => DownloadError::Deadline {
                origin,
                received,
                limit: self
                    .limits
                    .deadline
                    .unwrap_or_else(|| timing.started.elapsed()),
            },
        }
    }
}

/// A body that ends in an error: `Truncated` short of its declared length,
/// a transport failure otherwise.
fn broken(
    origin: &str,
    content_length: Option<u64>,
    bytes: u64,
    e: reqwest::Error,
) -> DownloadError {
    match content_length {
        Some(expected) if bytes < expected => DownloadError::Truncated {
            origin: origin.to_owned(),
            expected,
            received: bytes,
            source: Some(e.without_url()),
        },
        _ => DownloadError::Transport {
            origin: origin.to_owned(),
            received: bytes,
            source: e.without_url(),
        },
    }
}

/// Whether the body's end is marked by its framing (HTTP/2, or chunked), so
/// a cut is told from the end.
fn is_framed(response: &reqwest::Response) -> bool {
    response.version() >= reqwest::Version::HTTP_2
        || response
            .headers()
            .get_all(reqwest::header::TRANSFER_ENCODING)
            .iter()
            .any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("chunked"))
            })
}

/// Awaits `future` for at most `idle`, and not past `deadline`.
async fn within<F: Future>(
    future: F,
    idle: Duration,
    deadline: Option<Instant>,
) -> Result<F::Output, Elapsed> {
    let idle_end = Instant::now().checked_add(idle);
    let (end, which) = match (idle_end, deadline) {
        (Some(i), Some(d)) if d <= i => (Some(d), Elapsed::Deadline),
        (None, Some(d)) => (Some(d), Elapsed::Deadline),
        (i, _) => (i, Elapsed::Idle),
    };
    match end {
        Some(end) => tokio::time::timeout_at(end.into(), future)
            .await
            .map_err(|_| which),
        None => Ok(future.await),
    }
}

/// The target of a redirect, checked: a `Location` resolved against `from`,
/// the URL rule, and no way from https to plain http.
fn next_hop(
    from: &reqwest::Url,
    response: &reqwest::Response,
    base: &reqwest::Url,
    allow_insecure: bool,
) -> Result<reqwest::Url, DownloadError> {
    let refuse = |to: Option<&reqwest::Url>, reason: String| DownloadError::Redirect {
        from: url_policy::origin(from),
        to: to.map(url_policy::origin),
        status: response.status().as_u16(),
        reason,
    };
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or_else(|| refuse(None, "no Location header".into()))?;
    let target = location
        .to_str()
        .ok()
        .and_then(|text| from.join(text).ok())
        .ok_or_else(|| refuse(None, "the Location header is not a usable URL".into()))?;
    url_policy::check_download(&target, base, allow_insecure)
        .map_err(|refusal| refuse(Some(&target), refusal.to_string()))?;
    if from.scheme() == "https" && target.scheme() != "https" {
        return Err(refuse(
            Some(&target),
            "an https download never continues over plain http".into(),
        ));
    }
    Ok(target)
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

    fn redirect(location: Option<&str>) -> reqwest::Response {
        let mut builder = http::Response::builder().status(302);
        if let Some(location) = location {
            builder = builder.header("Location", location);
        }
        reqwest::Response::from(builder.body("").unwrap())
    }

    #[test]
    fn hops_follow_the_url_rule_and_never_downgrade() {
        let https = reqwest::Url::parse("https://cdn.example.com/a/b?Signature=s").unwrap();
        let remote = reqwest::Url::parse("https://developer.kdocs.cn").unwrap();
        let loopback = reqwest::Url::parse("http://127.0.0.1:8080").unwrap();
        let next = |from: &reqwest::Url, to: Option<&str>, insecure: bool| {
            let base = if url_policy::is_local(from) {
                &loopback
            } else {
                &remote
            };
            next_hop(from, &redirect(to), base, insecure).map(|u| u.to_string())
        };
        assert_eq!(
            next(&https, Some("/c?x=1"), false).unwrap(),
            "https://cdn.example.com/c?x=1"
        );
        assert_eq!(
            next(&https, Some("https://other.example.net/o"), false).unwrap(),
            "https://other.example.net/o"
        );
        // https stays https, even to loopback and with the opt-in.
        for target in ["http://127.0.0.1/x", "http://cdn.example.com/x"] {
            let err = next(&https, Some(target), true).unwrap_err().to_string();
            assert!(err.contains("never continues over plain http"), "{err}");
        }
        let err = next(&https, Some("https://u:p@cdn.example.com/"), false).unwrap_err();
        assert!(
            matches!(&err, DownloadError::Redirect { to: Some(to), .. } if to == "https://cdn.example.com"),
            "{err:?}"
        );
        assert!(!err.to_string().contains("u:p"), "{err}");
        let err = next(&https, None, false).unwrap_err();
        assert!(err.to_string().contains("no Location"), "{err}");
        let err = next(&https, Some("http://[::]:80/"), true).unwrap_err();
        assert!(err.to_string().contains("unspecified"), "{err}");
        // A remote hop cannot lead to this machine or a private network.
        for target in [
            "https://169.254.169.254/meta",
            "https://localhost/x",
            "https://10.1.2.3/",
        ] {
            let err = next(&https, Some(target), false).unwrap_err().to_string();
            assert!(err.contains("private network"), "{err}");
        }
        // From plain http on loopback, loopback http is fine; elsewhere only with the opt-in.
        let local = reqwest::Url::parse("http://127.0.0.1:8080/f").unwrap();
        assert!(next(&local, Some("http://localhost:9/g"), false).is_ok());
        assert!(next(&local, Some("http://cdn.example.com/g"), false).is_err());
        assert!(next(&local, Some("http://cdn.example.com/g"), true).is_ok());
    }
}
