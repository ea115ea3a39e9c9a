//! Sending one operation: the body prepared once, each attempt signed afresh
//! and sent, retries as the policy allows, one clock correction on a `Date`
//! refusal, the envelope decoded; all within the operation's deadline.
//!
//! Only [`Client::execute`] and [`OutputSlot`]'s decoding are generic: everything
//! else here is compiled once, whatever the number of endpoints.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderName, HeaderValue};
use tracing::Instrument;

use super::Client;
use crate::envelope;
use crate::error::{CallContext, DecodeError, Error, KnownCode, TimeoutKind};
use crate::hooks::{HookRequest, HookResponse};
use crate::multipart::{BuildError, MultipartBody};
use crate::request::{Auth, BodyKind, Method, Operation, OperationSpec, RequestParts};
use crate::scrub::Scrubber;
use crate::signing::{self, Hex, Md5Hex, Wps2};
use crate::url_policy;

/// What one attempt brought back before decoding.
struct RawResponse {
    status: u16,
    retry_after: Option<u64>,
    /// The service's `Date` header on a 401 or 403 (the only answers whose
    /// `Date` is used: `Client::skew`), parsed only then.
    date: Option<HeaderValue>,
    body: bytes::Bytes,
    /// The attempt's signature (its `Authorization` value is kept out of
    /// error messages).
    signature: Option<Hex<40>>,
}

/// A request built once and sent by every attempt.
struct Prepared {
    url: reqwest::Url,
    /// `Content-Md5`: of the body bytes, or of the path and query exactly as
    /// sent when there are none. The same for every attempt.
    content_md5: Md5Hex,
    body: PreparedBody,
    /// Secret values the request carries, kept out of error messages.
    secrets: Vec<String>,
}

/// The operation's deadline and the limit it came from.
#[derive(Clone, Copy)]
struct Deadline {
    at: Instant,
    limit: Duration,
}

/// Which limit a bounded step ran into.
#[derive(Clone, Copy)]
enum Passed {
    Attempt,
    Operation(Deadline),
}

/// An operation's parameters, written into a request: [`Operation::write`]
/// behind a pointer, so that the steps of a call need not be generic. The
/// steps hold it as `&mut dyn WriteParams` although writing only reads it: a
/// `&mut` across an `.await` needs the operation to be `Send`, a `&` would
/// need it to be `Sync` as well.
trait WriteParams: Send {
    fn write_params(&self, parts: &mut RequestParts);
}

impl<O: Operation> WriteParams for O {
    fn write_params(&self, parts: &mut RequestParts) {
        self.write(parts);
    }
}

/// Where a call's answer is decoded to: the one step of a call that depends
/// on the operation's output type, so that everything around it (attempts,
/// signing, the exchange, retries) is compiled once for every endpoint.
trait OutputSlot: Send {
    /// Reads the answer into the slot ([`envelope::parse`]), or tells why it
    /// is not one.
    fn decode(&mut self, status: u16, body: &[u8]) -> Result<(), envelope::Refusal>;
}

impl<T: serde::de::DeserializeOwned + Send> OutputSlot for Option<T> {
    fn decode(&mut self, status: u16, body: &[u8]) -> Result<(), envelope::Refusal> {
        *self = Some(envelope::parse(status, body)?);
        Ok(())
    }
}

/// The `Content-Md5` header.
static CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");

/// The body every attempt sends.
enum PreparedBody {
    None,
    Json(bytes::Bytes),
    Multipart(MultipartBody),
}

/// Yields before a request slot is released (see [`Client::attempt`]).
const IDLE_HANDOVER_YIELDS: usize = 8;

/// A kdocs refusal whose `Date` is further than this from the signing time
/// is taken as clock skew.
const SKEW_THRESHOLD_SECS: i64 = 5 * 60;

/// What a refused call says about the signing clock.
#[derive(Debug, PartialEq, Eq)]
enum Skew {
    /// Nothing to learn (no refusal, no `Date`, or a small difference).
    None,
    /// Adopt this offset.
    Correct(i64),
    /// The difference is beyond [`Config::with_max_clock_correction`].
    BeyondBound(i64),
}

impl Client {
    /// The time to sign with: the local clock plus the learnt offset.
    fn signing_time(&self) -> SystemTime {
        shift(SystemTime::now(), self.clock_offset_secs())
    }

    /// Sends one operation: builds the URL and body, then for each attempt
    /// signs them afresh, sends, and decodes the envelope; retries transient
    /// failures as the [`RetryPolicy`](super::RetryPolicy) allows, corrects
    /// the clock once on a `Date` refusal, all within the operation timeout.
    /// Every generated method calls this.
    ///
    /// Only this function and the decoding of the output depend on the
    /// operation's types; all the rest of a call is compiled once, not once
    /// per endpoint.
    pub async fn execute<O: Operation>(&self, mut operation: O) -> Result<O::Output, Error> {
        let mut output: Option<O::Output> = None;
        self.send(O::SPEC, &mut operation, &mut output).await?;
        Ok(output.expect("`send` succeeds only once the output is decoded"))
    }

    /// [`Client::execute`] without its types: the call's span, then the call
    /// into `output`.
    async fn send(
        &self,
        spec: OperationSpec,
        operation: &mut dyn WriteParams,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Error> {
        let context = CallContext {
            operation: spec.name,
            method: spec.method,
            path: spec.path,
        };
        let span = tracing::debug_span!(
            "kdocs_call",
            operation = spec.name,
            method = spec.method.as_str(),
            path = spec.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let traced = !span.is_disabled();
        let call = self.send_within_limit(spec, operation, context, traced, output);
        if !traced {
            // No subscriber wants the span: no wrapper, no clock reading.
            return call.await;
        }
        let started = Instant::now();
        let result = call.instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        result
    }

    /// [`Client::send`] without its span (`traced`: the span is on).
    async fn send_within_limit(
        &self,
        spec: OperationSpec,
        operation: &mut dyn WriteParams,
        context: CallContext,
        traced: bool,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Error> {
        // One deadline for the whole call, enforced by every step that waits
        // (building a multipart body, a request slot, each exchange; no
        // backoff is started that would end past it), with the attempt's
        // own limit on the same timer. A limit too large to add is no
        // deadline at all.
        let deadline = self.operation_timeout().and_then(|limit| {
            Some(Deadline {
                at: Instant::now().checked_add(limit)?,
                limit,
            })
        });
        let prepared = self.prepare(spec, operation, context, deadline).await?;
        self.run(spec, context, &prepared, deadline, traced, output)
            .await
    }

    /// The error of a step that ran into a time limit.
    fn timeout_error(&self, context: CallContext, passed: Passed) -> Error {
        match passed {
            Passed::Attempt => Error::Timeout {
                context,
                kind: TimeoutKind::Attempt,
                limit: Some(self.attempt_timeout()),
            },
            Passed::Operation(deadline) => {
                tracing::debug!(
                    operation = context.operation,
                    limit_ms = deadline.limit.as_millis() as u64,
                    "kdocs call hit its operation timeout"
                );
                Error::Timeout {
                    context,
                    kind: TimeoutKind::Operation,
                    limit: Some(deadline.limit),
                }
            }
        }
    }

    /// Runs `step` until `attempt_limit` from now or the operation deadline,
    /// whichever comes first (one timer; none when neither is set). A plain
    /// future, not an `async fn`: no state machine of its own around `step`.
    fn bounded<F: std::future::Future>(
        step: F,
        attempt_limit: Option<Duration>,
        deadline: Option<Deadline>,
    ) -> impl std::future::Future<Output = Result<F::Output, Passed>> {
        use futures_util::future::{Either, FutureExt as _};
        let attempt_at = attempt_limit.and_then(|limit| Instant::now().checked_add(limit));
        let limit = match (attempt_at, deadline) {
            (Some(attempt), Some(operation)) if operation.at <= attempt => {
                Some((operation.at, Passed::Operation(operation)))
            }
            (Some(attempt), _) => Some((attempt, Passed::Attempt)),
            (None, Some(operation)) => Some((operation.at, Passed::Operation(operation))),
            (None, None) => None,
        };
        match limit {
            Some((at, passed)) => Either::Left(
                tokio::time::timeout_at(at.into(), step)
                    .map(move |result| result.map_err(|_| passed)),
            ),
            None => Either::Right(step.map(Ok)),
        }
    }

    /// The URL, its `Content-Md5` and the body, checked; a multipart body is
    /// built (and hashed) here, once for every attempt.
    async fn prepare(
        &self,
        spec: OperationSpec,
        operation: &mut dyn WriteParams,
        context: CallContext,
        deadline: Option<Deadline>,
    ) -> Result<Prepared, Error> {
        let mut parts = RequestParts::default();
        operation.write_params(&mut parts);
        let (path, query) = parts
            .render(spec.path)
            .map_err(|invalid| Error::InvalidArgument {
                context,
                parameter: invalid.parameter,
                reason: invalid.reason,
            })?;
        let body = match spec.body {
            BodyKind::Multipart => {
                // Boxed: its file reading would otherwise make every call's
                // future (multipart or not) larger.
                let build = Box::pin(MultipartBody::build(parts.parts()));
                let body = Self::bounded(build, None, deadline)
                    .await
                    .map_err(|passed| self.timeout_error(context, passed))?
                    .map_err(|e| match e {
                        BuildError::ReaderUsed(part) => Error::InvalidArgument {
                            context,
                            parameter: part,
                            reason: "its reader was already read by an earlier send; \
                                     give a new FilePart"
                                .into(),
                        },
                        BuildError::Io(part, source) => Error::Upload {
                            context,
                            part,
                            source,
                        },
                    })?;
                PreparedBody::Multipart(body)
            }
            // A POST, PUT or PATCH always sends a JSON object, `{}` at least;
            // a DELETE sends one when a body field is set.
            _ => match parts.body_bytes() {
                Some(bytes) => PreparedBody::Json(bytes::Bytes::from(bytes)),
                None if spec.body == BodyKind::Json && spec.method != Method::Delete => {
                    PreparedBody::Json(bytes::Bytes::from_static(b"{}"))
                }
                None => PreparedBody::None,
            },
        };
        let url = url_for(&self.inner.base, &path, query);
        // Sign exactly what goes on the wire: the URL's own path and query.
        let content_md5 = match &body {
            PreparedBody::Multipart(body) => body.md5,
            PreparedBody::Json(bytes) => Md5Hex::of_request(Some(bytes), request_uri(&url)),
            PreparedBody::None => Md5Hex::of_request(None, request_uri(&url)),
        };
        Ok(Prepared {
            url,
            content_md5,
            body,
            secrets: parts.secrets().to_vec(),
        })
    }

    /// The attempts of one call, until one decodes into `output` or the
    /// call fails.
    async fn run(
        &self,
        spec: OperationSpec,
        context: CallContext,
        prepared: &Prepared,
        deadline: Option<Deadline>,
        traced: bool,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Error> {
        let policy = self.retry_policy();
        let mut attempt: u32 = 1;
        let mut clock_corrected = false;
        loop {
            let signed_at = self.signing_time();
            // The attempt's start, for the hooks and the debug event only.
            let started = (!self.inner.config.hooks.is_empty()
                || tracing::enabled!(tracing::Level::DEBUG))
            .then(Instant::now);
            if traced {
                tracing::Span::current().record("attempts", attempt);
            }
            let (error, retry_after) = match self
                .attempt(context, spec.auth, prepared, signed_at, attempt, deadline)
                .await
            {
                Ok(raw) => {
                    if traced {
                        tracing::Span::current().record("status", raw.status);
                    }
                    tracing::debug!(
                        operation = spec.name,
                        method = spec.method.as_str(),
                        path = spec.path,
                        attempt,
                        status = raw.status,
                        bytes = raw.body.len(),
                        elapsed_ms = started.map_or(0, |s| s.elapsed().as_millis() as u64),
                        "kdocs call answered"
                    );
                    let refusal = match output.decode(raw.status, &raw.body) {
                        Ok(()) => {
                            self.observe(spec, attempt, Some(raw.status), started, None);
                            return Ok(());
                        }
                        Err(refusal) => refusal,
                    };
                    let authorization = raw.signature.as_ref().map(|signature| {
                        signing::authorization(self.inner.credentials.app_id(), signature)
                    });
                    // The bare signature too, in either case: with the other
                    // inputs public, it allows offline guessing of the key.
                    let signature = raw.signature.as_ref().map(|s| s.as_str());
                    let upper = signature.map(str::to_ascii_uppercase);
                    let scrubber =
                        Scrubber::new(prepared.secrets.iter().map(String::as_str).chain([
                            self.inner.credentials.app_key().expose_str(),
                            authorization.as_deref().unwrap_or_default(),
                            signature.unwrap_or_default(),
                            upper.as_deref().unwrap_or_default(),
                        ]));
                    let mut error = refusal.into_error(
                        context,
                        raw.status,
                        raw.retry_after,
                        &raw.body,
                        &scrubber,
                    );
                    if let Error::Api(api) = &mut error {
                        api.known = KnownCode::find(self.inner.config.error_codes, api.code);
                    }
                    self.observe(spec, attempt, Some(raw.status), started, Some(&error));
                    // Only a signed request has a `Date` to refuse.
                    if spec.auth.signed()
                        && !clock_corrected
                        && self.inner.config.correct_clock_skew
                    {
                        match self.skew(&error, http_date(raw.date.as_ref()), signed_at) {
                            Skew::None => {}
                            Skew::Correct(offset) => {
                                clock_corrected = true;
                                let repeat = is_repeatable(spec);
                                tracing::warn!(
                                    operation = spec.name,
                                    old_offset_secs = self.clock_offset_secs(),
                                    new_offset_secs = offset,
                                    retrying = repeat,
                                    "kdocs refused a call and its Date is far from \
                                     ours: correcting the signing clock"
                                );
                                self.set_clock_offset_secs(offset);
                                if repeat {
                                    continue;
                                }
                            }
                            Skew::BeyondBound(difference) => {
                                tracing::warn!(
                                    operation = spec.name,
                                    difference_secs = difference,
                                    "kdocs refused a call and its Date is further from \
                                     ours than the client corrects; clock left alone"
                                );
                                if let Error::Api(api) = &mut error {
                                    api.clock_skew_secs = Some(difference);
                                }
                            }
                        }
                    }
                    (error, raw.retry_after)
                }
                // The operation's deadline ends the call where it stands.
                Err(
                    error @ Error::Timeout {
                        kind: TimeoutKind::Operation,
                        ..
                    },
                ) => return Err(error),
                Err(error) => {
                    self.observe(spec, attempt, error.status(), started, Some(&error));
                    (error, None)
                }
            };
            if attempt >= policy.max_attempts() || !may_retry(spec, &error) {
                return Err(error);
            }
            let Some(delay) = policy.delay(attempt, retry_after, &mut fastrand::Rng::new()) else {
                tracing::debug!(
                    operation = spec.name,
                    retry_after,
                    "kdocs asked to retry later than the retry policy waits; giving up"
                );
                return Err(error);
            };
            let wake = Instant::now().checked_add(delay);
            if deadline.is_some_and(|deadline| wake.is_none_or(|wake| wake >= deadline.at)) {
                return Err(error);
            }
            tracing::debug!(
                operation = spec.name,
                method = spec.method.as_str(),
                path = spec.path,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "kdocs call failed; retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One attempt: sign at `signed_at`, send, read the body (limited), all
    /// within the per-attempt timeout and the operation's deadline.
    async fn attempt(
        &self,
        context: CallContext,
        spec_auth: Auth,
        prepared: &Prepared,
        signed_at: SystemTime,
        attempt: u32,
        deadline: Option<Deadline>,
    ) -> Result<RawResponse, Error> {
        let limit = self.attempt_timeout();
        let timed_out = |passed: Passed| self.timeout_error(context, passed);
        // Waiting for a free request slot counts against the attempt's time.
        // (Boxed, as the multipart steps below: states that most calls never
        // enter would otherwise enlarge every call's future.)
        let _slot = match &self.inner.slots {
            Some(slots) => {
                match Self::bounded(Box::pin(slots.acquire()), Some(limit), deadline).await {
                    Ok(Ok(permit)) => Some(permit),
                    Ok(Err(_)) => {
                        return Err(Error::Config(
                            "the client's request slots are closed".into(),
                        ))
                    }
                    Err(passed) => return Err(timed_out(passed)),
                }
            }
            None => None,
        };
        // A spooled multipart body is opened before the request is built, so
        // that no request builder is kept across a wait.
        let multipart = match &prepared.body {
            PreparedBody::Multipart(body) => Some(
                Self::bounded(Box::pin(body.reqwest_body()), None, deadline)
                    .await
                    .map_err(timed_out)?
                    .map_err(|source| Error::Upload {
                        context,
                        part: "the spooled body",
                        source,
                    })?,
            ),
            PreparedBody::None | PreparedBody::Json(_) => None,
        };
        let mut request = self
            .inner
            .http
            .request(context.method.to_reqwest(), prepared.url.clone());
        let content_type = match &prepared.body {
            PreparedBody::Multipart(body) => body.content_type.as_str(),
            PreparedBody::None | PreparedBody::Json(_) => signing::CONTENT_TYPE,
        };
        let mut signature = None;
        if spec_auth.signed() {
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
            let mut headers = reqwest::header::HeaderMap::new();
            let mut hook_request = HookRequest {
                operation: context.operation,
                method: context.method,
                path: context.path,
                attempt,
                headers: &mut headers,
            };
            for hook in &self.inner.config.hooks {
                hook.on_request(&mut hook_request);
            }
            request = request.headers(headers);
        }
        match (&prepared.body, multipart) {
            (PreparedBody::Json(bytes), _) => request = request.body(bytes.clone()),
            (PreparedBody::Multipart(body), Some(sent)) => {
                // Outside the signature, as the pages say.
                if let Some(disposition) = &body.disposition {
                    request = request.header("Content-Disposition", disposition);
                }
                request = request
                    .header(reqwest::header::CONTENT_LENGTH, body.len)
                    .body(sent);
            }
            _ => {}
        }
        let max_bytes = self.inner.config.max_response_bytes;
        // Sent here (reqwest boxes the request in flight), so that the
        // future below holds only that box.
        let pending = request.send();
        let exchange = async {
            let response = pending.await.map_err(|e| self.transport(context, e))?;
            let status = response.status().as_u16();
            if response.status().is_redirection() {
                // Never followed (the pool is built without redirects), and
                // never trusted: the answer is not the service's.
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| response.url().join(v).ok())
                    .map(|target| url_policy::origin(&target));
                return Err(Error::Redirect {
                    context,
                    status,
                    location,
                });
            }
            let headers = response.headers();
            let retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, http_date(headers.get(reqwest::header::DATE))));
            // Kept only where it may be needed: a refusal (401, 403) whose
            // `Date` may show clock skew (see `Client::skew`).
            let date = match status {
                401 | 403 => headers.get(reqwest::header::DATE).cloned(),
                _ => None,
            };
            let body = envelope::read_limited(response, max_bytes)
                .await
                .map_err(|e| match e {
                    envelope::ReadError::Transport(source) => self.transport(context, source),
                    envelope::ReadError::TooLarge { limit } => {
                        Error::Decode(Box::new(DecodeError {
                            context,
                            status,
                            reason: format!(
                                "the body is larger than the {limit}-byte limit \
                                 (Config::with_max_response_bytes)"
                            ),
                            excerpt: String::new(),
                        }))
                    }
                })?;
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
        let result = match Self::bounded(exchange.as_mut(), Some(limit), deadline).await {
            Ok(result) => result,
            Err(passed) => Err(timed_out(passed)),
        };
        if _slot.is_some() {
            // The pool takes the connection back in a task of its own once the
            // body is read; let it run before the slot is handed on, so the
            // next request finds the connection idle instead of opening one.
            for _ in 0..IDLE_HANDOVER_YIELDS {
                tokio::task::yield_now().await;
            }
        }
        result
    }

    /// Tells the hooks how an attempt ended.
    fn observe(
        &self,
        spec: OperationSpec,
        attempt: u32,
        status: Option<u16>,
        started: Option<Instant>,
        error: Option<&Error>,
    ) {
        if self.inner.config.hooks.is_empty() {
            return;
        }
        let response = HookResponse {
            operation: spec.name,
            method: spec.method,
            path: spec.path,
            attempt,
            status,
            elapsed: started.map(|s| s.elapsed()).unwrap_or_default(),
            error,
        };
        for hook in &self.inner.config.hooks {
            hook.on_response(&response);
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

    /// What `error` says about the signing clock.
    ///
    /// Only a refusal in a kdocs envelope (HTTP 401 or 403 with a `code`)
    /// counts: a gateway's page or a redirect says nothing about the service's
    /// clock. No error code is needed: the public pages document none for a
    /// refused `Date`. The offset is learnt when the response's `Date` is more
    /// than [`SKEW_THRESHOLD_SECS`] from the signing time, up to the
    /// configured bound.
    fn skew(&self, error: &Error, server_date: Option<SystemTime>, signed_at: SystemTime) -> Skew {
        let (Some(api), Some(server_date)) = (error.api(), server_date) else {
            return Skew::None;
        };
        if !matches!(api.status, 401 | 403) {
            return Skew::None;
        }
        let difference = unix_secs(server_date).saturating_sub(unix_secs(signed_at));
        if difference.unsigned_abs() <= SKEW_THRESHOLD_SECS as u64 {
            return Skew::None;
        }
        // The bound holds for the signing clock's total offset from the local
        // clock, not for one correction: a server whose every `Date` is a
        // day ahead of the last signature cannot walk the clock away.
        let offset = self.clock_offset_secs().saturating_add(difference);
        if offset.unsigned_abs() > self.inner.config.max_clock_correction.as_secs() {
            return Skew::BeyondBound(difference);
        }
        Skew::Correct(offset)
    }
}

/// `base` with `path` (after the base's own path) and `query` (none when
/// empty): the URL that parsing the base URL followed by `path?query` gives,
/// without parsing the scheme and host again. `path` and `query` are already
/// percent-encoded ([`RequestParts::render`]).
fn url_for(base: &reqwest::Url, path: &str, query: &str) -> reqwest::Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    if prefix.is_empty() {
        url.set_path(path);
    } else {
        url.set_path(&format!("{prefix}{path}"));
    }
    url.set_query((!query.is_empty()).then_some(query));
    url
}

/// The path and query of `url`, exactly as sent: what a bodyless request signs.
fn request_uri(url: &reqwest::Url) -> &str {
    &url[url::Position::BeforePath..url::Position::AfterQuery]
}

/// A `Date` header's time.
fn http_date(value: Option<&HeaderValue>) -> Option<SystemTime> {
    httpdate::parse_http_date(value?.to_str().ok()?).ok()
}

/// Whether the call may be sent twice: GET and DELETE, and what the spec marks
/// idempotent.
fn is_repeatable(spec: OperationSpec) -> bool {
    matches!(spec.method, Method::Get | Method::Delete) || spec.idempotent
}

/// Whether repeating the call after `error` is allowed: the error is
/// transient, and the call is idempotent or was never sent.
fn may_retry(spec: OperationSpec, error: &Error) -> bool {
    if !error.is_retryable() {
        return false;
    }
    if is_repeatable(spec) {
        return true;
    }
    // A non-idempotent call is repeated only when no connection was made.
    match error {
        Error::Transport { source, .. } => source.is_connect(),
        Error::Timeout { kind, .. } => *kind == TimeoutKind::Connect,
        _ => false,
    }
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

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

fn shift(t: SystemTime, secs: i64) -> SystemTime {
    let by = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        t.checked_add(by).unwrap_or(t)
    } else {
        t.checked_sub(by).unwrap_or(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::check_base_url;
    use crate::config::{Config, Credentials};
    use crate::ApiError;

    /// Setting the path and query on the parsed base URL gives the URL that
    /// parsing the whole text gives (what the client did before), and the
    /// signed request URI is its path and query as sent.
    #[test]
    fn urls_are_the_parsed_text() {
        let values = [
            "t2v4Ga8ZUYKc12KGMdEQpBh",
            "a/b?c#d",
            "文档 1",
            "...",
            "%2e",
            "%2e%2E",
            "a b+c&d=e",
            "~x_y-z.",
            "\\x\\",
            "'\"<>`{}|^",
        ];
        for base in [
            "http://127.0.0.1:8080",
            "https://developer.kdocs.cn/",
            "http://[::1]:80/p/",
            "https://h.example/a/b//",
            "http://localhost",
        ] {
            let (base_url, parsed) = check_base_url(base, false).unwrap();
            for value in values {
                for with_query in [false, true] {
                    let mut parts = RequestParts::default();
                    parts.path("file_token", value);
                    if with_query {
                        parts.query("file_token", value);
                        parts.query("ext", "x y");
                    }
                    let (path, query) = parts
                        .render("/api/v1/openapi/files/{file_token}/download")
                        .unwrap();
                    let text = if query.is_empty() {
                        format!("{base_url}{path}")
                    } else {
                        format!("{base_url}{path}?{query}")
                    };
                    let url = url_for(&parsed, &path, query);
                    assert_eq!(url, reqwest::Url::parse(&text).unwrap(), "{text}");
                    let uri = match url.query() {
                        Some(q) => format!("{}?{q}", url.path()),
                        None => url.path().to_owned(),
                    };
                    assert_eq!(request_uri(&url), uri);
                }
            }
        }
    }

    fn skew_client(max: Duration) -> Client {
        let config = Config::new().with_max_clock_correction(max);
        Client::new(Credentials::new("app", "key"), config).unwrap()
    }

    fn refusal(status: u16) -> Error {
        Error::Api(Box::new(ApiError {
            context: CallContext {
                operation: "op",
                method: Method::Get,
                path: "/p",
            },
            status,
            code: 123,
            message: "Refused".into(),
            hint: String::new(),
            extra: None,
            retry_after: None,
            clock_skew_secs: None,
            known: None,
        }))
    }

    #[test]
    fn skew_is_learnt_from_kdocs_refusals_within_the_bound() {
        let client = skew_client(Duration::from_secs(24 * 3600));
        let signed = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let at = |secs: i64| Some(shift(signed, secs));
        assert_eq!(
            client.skew(&refusal(403), at(3600), signed),
            Skew::Correct(3600)
        );
        assert_eq!(
            client.skew(&refusal(401), at(-3600), signed),
            Skew::Correct(-3600)
        );
        // Small differences, other statuses, no Date: nothing to learn.
        assert_eq!(client.skew(&refusal(403), at(300), signed), Skew::None);
        assert_eq!(client.skew(&refusal(400), at(3600), signed), Skew::None);
        assert_eq!(client.skew(&refusal(403), None, signed), Skew::None);
        // Not a kdocs envelope: a gateway's 403 says nothing of kdocs' clock.
        let foreign = Error::Decode(Box::new(DecodeError {
            context: CallContext {
                operation: "op",
                method: Method::Get,
                path: "/p",
            },
            status: 403,
            reason: "html".into(),
            excerpt: String::new(),
        }));
        assert_eq!(client.skew(&foreign, at(3600), signed), Skew::None);
        // Beyond the bound: reported, not adopted (Mon, 01 Jan 2001).
        let y2001 = UNIX_EPOCH + Duration::from_secs(978_307_200);
        assert_eq!(
            client.skew(&refusal(403), Some(y2001), signed),
            Skew::BeyondBound(978_307_200 - 1_700_000_000)
        );
        let tight = skew_client(Duration::from_secs(600));
        assert_eq!(
            tight.skew(&refusal(403), at(601), signed),
            Skew::BeyondBound(601)
        );
        assert_eq!(
            tight.skew(&refusal(403), at(600), signed),
            Skew::Correct(600)
        );
    }

    #[test]
    fn the_bound_holds_for_the_total_offset() {
        let day = 24 * 3600;
        let client = skew_client(Duration::from_secs(day as u64));
        let signed = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let ahead = 23 * 3600;
        // A first correction of 23 h is within the day.
        let Skew::Correct(offset) = client.skew(&refusal(403), Some(shift(signed, ahead)), signed)
        else {
            panic!("23 h is within the bound");
        };
        client.set_clock_offset_secs(offset);
        // The next signature is dated with that offset; a server again 23 h
        // ahead of it would take the clock 46 h away: refused and reported.
        let resigned = shift(signed, offset);
        assert_eq!(
            client.skew(&refusal(403), Some(shift(resigned, ahead)), resigned),
            Skew::BeyondBound(ahead)
        );
        assert_eq!(client.clock_offset_secs(), ahead);
        // Back towards the local clock is always within it.
        assert_eq!(
            client.skew(&refusal(403), Some(shift(resigned, -ahead)), resigned),
            Skew::Correct(0)
        );
    }

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

    #[test]
    fn clock_shift_both_ways() {
        let t = UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(unix_secs(shift(t, 600)), 1600);
        assert_eq!(unix_secs(shift(t, -600)), 400);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }
}
