//! Phase two, once per attempt: one signed exchange with the service,
//! ending in a [`RawResponse`] (whatever its status) or a transport error.
//!
//! In order, each step bounded by the attempt's limit and the operation's
//! deadline ([`bounded`]):
//!
//! 1. a request slot, when [`Config::with_max_connections`] is set;
//! 2. a spooled multipart body opened for reading (before the request is
//!    built, so that no request builder is kept across a wait);
//! 3. the request built and signed at the attempt's own time: `Date`,
//!    `Content-Md5` and `Authorization`, then the hooks' headers and the body;
//! 4. the exchange: sent, a redirect refused, `Retry-After` and (for a 401
//!    or 403) `Date` read, the body read up to [`Config::with_max_response_bytes`];
//! 5. the slot handed on once the pool has the connection back.
//!
//! Nothing here looks inside the body: what the answer means is
//! [`classify`](super::classify)'s business.
//!
//! [`Config::with_max_connections`]: crate::Config::with_max_connections
//! [`Config::with_max_response_bytes`]: crate::Config::with_max_response_bytes

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderName, HeaderValue};
use tokio::sync::SemaphorePermit;

use super::call::call_context;
use super::limits::{bounded, Deadline};
use super::prepare::{Prepared, PreparedBody};
use super::Client;
use crate::envelope;
use crate::error::{CallContext, DecodeError, Error, TimeoutKind};
use crate::hooks::HookRequest;
use crate::request::OperationSpec;
use crate::signing::{self, Hex, Wps2};
use crate::url_policy;

/// What one attempt brought back before decoding.
pub(super) struct RawResponse {
    pub(super) status: u16,
    pub(super) retry_after: Option<u64>,
    /// The service's `Date` header on a 401 or 403 (the only answers whose
    /// `Date` is used: [`decide_clock`](super::decide::decide_clock)).
    pub(super) date: Option<HeaderValue>,
    pub(super) body: bytes::Bytes,
    /// The attempt's signature (its `Authorization` value is kept out of
    /// error messages).
    pub(super) signature: Option<Hex<40>>,
}

/// The `Content-Md5` header.
static CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");

/// Yields before a request slot is released (see [`Client::attempt`]): the
/// pool takes a connection back in a task of its own, and the next holder of
/// the slot should find it idle rather than open another. Measured with the
/// load run (2,000 calls at concurrency 256, 32 connections; BENCHMARKS.md):
/// with 0 yields the fake accepted 33 to 41 connections, over the limit
/// (the test's assertion fails); with 1, 32 in 4 runs of 4. Eight leave room
/// for a scheduler that needs more turns (the pool's task on another worker
/// thread) at a cost of a few hundred nanoseconds per limited call.
const IDLE_HANDOVER_YIELDS: usize = 8;

impl Client {
    /// One attempt, number `number`: sign at `signed_at`, send, read the body
    /// (limited), all within the per-attempt timeout and the operation's
    /// deadline.
    pub(super) async fn attempt(
        &self,
        spec: &'static OperationSpec,
        prepared: &Prepared,
        signed_at: SystemTime,
        number: u32,
        deadline: Option<Deadline>,
    ) -> Result<RawResponse, Error> {
        let limit = self.attempt_timeout();
        let slot = self.request_slot(spec, limit, deadline).await?;
        let spooled = self.open_spooled(spec, prepared, deadline).await?;
        let (request, signature) = self.build_request(spec, prepared, signed_at, number, spooled);
        // Sent here (reqwest boxes the request in flight), so that the
        // future below holds only that box.
        let pending = request.send();
        let exchange = async {
            let response = pending
                .await
                .map_err(|e| self.transport(call_context(spec), e))?;
            let (status, retry_after, date) = answer_head(spec, &response)?;
            let body = envelope::read_limited(response, self.inner.config.max_response_bytes)
                .await
                .map_err(|e| self.read_error(spec, status, e))?;
            Ok(RawResponse {
                status,
                retry_after,
                date,
                body,
                signature,
            })
        };
        // Polled in place: the timeout holds a pinned reference, not a copy.
        let mut exchange = std::pin::pin!(exchange);
        let result = match bounded(exchange.as_mut(), Some(limit), deadline).await {
            Ok(result) => result,
            Err(passed) => Err(self.timeout_error(call_context(spec), passed)),
        };
        if slot.is_some() {
            // The pool takes the connection back in a task of its own once the
            // body is read; let it run before the slot is handed on, so the
            // next request finds the connection idle instead of opening one.
            for _ in 0..IDLE_HANDOVER_YIELDS {
                tokio::task::yield_now().await;
            }
        }
        result
    }

    /// A free request slot, when the client limits them; waiting for one
    /// counts against the attempt's time.
    async fn request_slot(
        &self,
        spec: &'static OperationSpec,
        limit: Duration,
        deadline: Option<Deadline>,
    ) -> Result<Option<SemaphorePermit<'_>>, Error> {
        let Some(slots) = &self.inner.slots else {
            return Ok(None);
        };
        // Boxed, as the multipart steps: states that most calls never enter
        // would otherwise enlarge every call's future.
        match bounded(Box::pin(slots.acquire()), Some(limit), deadline).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            Ok(Err(_)) => Err(Error::Config(
                "the client's request slots are closed".into(),
            )),
            Err(passed) => Err(self.timeout_error(call_context(spec), passed)),
        }
    }

    /// The body of a multipart request, opened for this attempt.
    async fn open_spooled(
        &self,
        spec: &'static OperationSpec,
        prepared: &Prepared,
        deadline: Option<Deadline>,
    ) -> Result<Option<reqwest::Body>, Error> {
        let PreparedBody::Multipart(body) = &prepared.body else {
            return Ok(None);
        };
        let opened = bounded(Box::pin(body.reqwest_body()), None, deadline)
            .await
            .map_err(|passed| self.timeout_error(call_context(spec), passed))?
            .map_err(|source| Error::Upload {
                context: call_context(spec),
                part: "the spooled body",
                source,
            })?;
        Ok(Some(opened))
    }

    /// The request of one attempt, signed at `signed_at`, and its signature.
    fn build_request(
        &self,
        spec: &OperationSpec,
        prepared: &Prepared,
        signed_at: SystemTime,
        number: u32,
        spooled: Option<reqwest::Body>,
    ) -> (reqwest::RequestBuilder, Option<Hex<40>>) {
        let mut request = self
            .inner
            .http
            .request(spec.method.to_reqwest(), prepared.url.clone());
        let content_type = match &prepared.body {
            PreparedBody::Multipart(body) => body.content_type.as_str(),
            PreparedBody::None | PreparedBody::Json(_) => signing::CONTENT_TYPE,
        };
        let mut signature = None;
        if spec.auth.signed() {
            let signed = Wps2::sign(
                self.inner.credentials.app_key(),
                prepared.content_md5,
                content_type,
                signed_at,
            );
            let authorization = signed.authorization(self.inner.credentials.app_id());
            request = request
                .header(reqwest::header::DATE, signed.date.as_bytes())
                .header(&CONTENT_MD5, signed.content_md5.as_bytes())
                .header(reqwest::header::AUTHORIZATION, authorization);
            signature = Some(signed.signature);
        }
        request = match &prepared.body {
            PreparedBody::Multipart(_) => {
                request.header(reqwest::header::CONTENT_TYPE, content_type)
            }
            PreparedBody::None | PreparedBody::Json(_) => request.header(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static(signing::CONTENT_TYPE),
            ),
        };
        if !self.inner.config.hooks.is_empty() {
            request = request.headers(self.hook_headers(spec, number));
        }
        let request = match (&prepared.body, spooled) {
            (PreparedBody::Json(bytes), _) => request.body(bytes.clone()),
            (PreparedBody::Multipart(body), Some(sent)) => {
                // Outside the signature, as the pages say.
                if let Some(disposition) = &body.disposition {
                    request = request.header("Content-Disposition", disposition);
                }
                request
                    .header(reqwest::header::CONTENT_LENGTH, body.len)
                    .body(sent)
            }
            _ => request,
        };
        (request, signature)
    }

    /// The headers the hooks add to attempt `number`.
    fn hook_headers(&self, spec: &OperationSpec, number: u32) -> reqwest::header::HeaderMap {
        let mut headers = reqwest::header::HeaderMap::new();
        let mut hook_request = HookRequest {
            operation: spec.name,
            method: spec.method,
            path: spec.path,
            attempt: number,
            headers: &mut headers,
        };
        for hook in &self.inner.config.hooks {
            hook.on_request(&mut hook_request);
        }
        headers
    }

    /// Why the body of an answer with `status` could not be read.
    fn read_error(&self, spec: &OperationSpec, status: u16, error: envelope::ReadError) -> Error {
        match error {
            envelope::ReadError::Transport(source) => self.transport(call_context(spec), source),
            envelope::ReadError::TooLarge { limit } => Error::Decode(Box::new(DecodeError {
                context: call_context(spec),
                status,
                reason: format!(
                    "the body is larger than the {limit}-byte limit \
                     (Config::with_max_response_bytes)"
                ),
                excerpt: String::new(),
            })),
        }
    }

    /// A reqwest failure as a typed error, without the URL.
    fn transport(&self, context: CallContext, source: reqwest::Error) -> Error {
        if source.is_timeout() {
            let (kind, limit) = if source.is_connect() {
                (
                    TimeoutKind::Connect,
                    Some(self.inner.config.connect_timeout),
                )
            } else {
                (TimeoutKind::Attempt, None)
            };
            return Error::Timeout {
                context,
                kind,
                limit,
            };
        }
        Error::Transport {
            context,
            source: source.without_url(),
        }
    }
}

/// What an answer's status and headers say before its body is read: the
/// status, `Retry-After` (seconds) and, for a refusal (401, 403), the `Date`
/// that may show clock skew (kept only where it may be needed). A redirect
/// is refused here: never followed (the pool is built without redirects),
/// and never trusted, since the answer is not the service's.
fn answer_head(
    spec: &OperationSpec,
    response: &reqwest::Response,
) -> Result<(u16, Option<u64>, Option<HeaderValue>), Error> {
    let status = response.status().as_u16();
    let headers = response.headers();
    if response.status().is_redirection() {
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| response.url().join(v).ok())
            .map(|target| url_policy::origin(&target));
        return Err(Error::Redirect {
            context: call_context(spec),
            status,
            location,
        });
    }
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, http_date(headers.get(reqwest::header::DATE))));
    let date = match status {
        401 | 403 => headers.get(reqwest::header::DATE).cloned(),
        _ => None,
    };
    Ok((status, retry_after, date))
}

/// A `Date` header's time.
pub(super) fn http_date(value: Option<&HeaderValue>) -> Option<SystemTime> {
    httpdate::parse_http_date(value?.to_str().ok()?).ok()
}

/// `Retry-After` as seconds: a number, or an HTTP date (relative to the
/// server's `Date` when given, else the local clock).
fn parse_retry_after(value: &str, server_date: Option<SystemTime>) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = server_date.unwrap_or_else(SystemTime::now);
    Some(at.duration_since(now).map(|d| d.as_secs()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 7 ", None), Some(7));
        let server = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let later = httpdate::fmt_http_date(server + Duration::from_secs(42));
        assert_eq!(parse_retry_after(&later, Some(server)), Some(42));
        let earlier = httpdate::fmt_http_date(server - Duration::from_secs(42));
        assert_eq!(parse_retry_after(&earlier, Some(server)), Some(0));
        assert_eq!(parse_retry_after("soon", None), None);
    }
}
