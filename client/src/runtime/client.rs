//! The runtime client: the one generic function every generated call goes through.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Semaphore;

use super::config::{Config, Credentials};
use super::envelope;
use super::error::{CallContext, DecodeError, Error, TimeoutKind};
use super::request::{Method, Operation, OperationSpec, RequestParts};
use super::retry::Jitter;
use super::signing;

/// A kdocs client: credentials, configuration and a connection pool.
///
/// Cheap to clone (clones share the pool). One async method per endpoint is
/// generated on this type from `api-spec/`; each builds its request and calls
/// [`Client::execute`].
///
/// ```no_run
/// # async fn run() -> Result<(), kdocs_client::Error> {
/// use kdocs_client::{Client, Config, Credentials, GetDownloadUrlRequest};
///
/// let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
/// let url = client.get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh")).await?;
/// println!("{} bytes to fetch", url.download_url.expose().len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    credentials: Credentials,
    /// The base URL without a trailing slash.
    base_url: String,
    config: Config,
    /// Seconds to add to the local clock when signing, learnt from the
    /// service's `Date` header when it refused a request for its `Date`.
    clock_offset: AtomicI64,
    jitter: Jitter,
    /// Free request slots, when [`Config::with_max_connections`] is set.
    slots: Option<Semaphore>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("clock_offset_secs", &self.clock_offset_secs())
            .finish_non_exhaustive()
    }
}

/// What one attempt brought back before decoding.
struct RawResponse {
    status: u16,
    retry_after: Option<u64>,
    server_date: Option<SystemTime>,
    body: Vec<u8>,
}

/// A request built once and sent by every attempt.
struct Prepared {
    url: reqwest::Url,
    /// Path and query exactly as sent: what a bodyless request signs.
    request_uri: String,
    body: Option<bytes::Bytes>,
    /// Secret values the request carries, kept out of error messages.
    secrets: Vec<String>,
}

/// Yields before a request slot is released (see [`Client::attempt`]).
const IDLE_HANDOVER_YIELDS: usize = 8;

/// A response `Date` further than this from the signing time, on a 403 that
/// is a signature refusal, an unknown code or not a kdocs envelope, is taken
/// as clock skew even when the hint does not say so.
const SKEW_ON_403: i64 = 5 * 60;
/// When the service says the `Date` was refused, a difference above this is
/// corrected.
const SKEW_WHEN_TOLD: i64 = 5;

impl Client {
    /// A client for `credentials` with `config`.
    ///
    /// Fails when the base URL is not a valid http(s) URL, when it is plain
    /// `http` on a non-loopback host without [`Config::with_insecure_http`], or
    /// when the app id is blank.
    pub fn new(credentials: Credentials, config: Config) -> Result<Self, Error> {
        if credentials.app_id().trim().is_empty() {
            return Err(Error::Config("the app_id is empty".into()));
        }
        let base_url = check_base_url(&config.base_url, config.allow_insecure_http)?;
        let http = match &config.http_client {
            Some(client) => client.clone(),
            None => {
                // The per-attempt timeout is applied around each attempt in
                // `execute`, so that it holds for caller-supplied clients too.
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(config.connect_timeout)
                    .user_agent(config.user_agent.clone());
                if let Some(n) = config.max_connections {
                    builder = builder.pool_max_idle_per_host(n);
                }
                builder
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        let slots = config
            .max_connections
            .map(|n| Semaphore::new(n.min(Semaphore::MAX_PERMITS)));
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                credentials,
                base_url,
                config,
                clock_offset: AtomicI64::new(0),
                jitter: Jitter::from_time(),
                slots,
            }),
        })
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The HTTP client underneath (for downloads from URLs the API returns).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Seconds added to the local clock when signing: 0 until the service
    /// refuses a request for its `Date` and tells its own time, then the
    /// difference it told (kept for later calls).
    pub fn clock_offset_secs(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    /// Sets the signing clock offset (seconds added to the local clock), for
    /// a caller who knows the skew in advance.
    pub fn set_clock_offset_secs(&self, offset: i64) {
        self.inner.clock_offset.store(offset, Ordering::Relaxed);
    }

    /// The time to sign with: the local clock plus the learnt offset.
    fn signing_time(&self) -> SystemTime {
        shift(SystemTime::now(), self.clock_offset_secs())
    }

    /// Sends one operation: builds the URL and body, then for each attempt
    /// signs them afresh, sends, and decodes the envelope; retries transient
    /// failures as the [`RetryPolicy`](super::RetryPolicy) allows, corrects
    /// the clock once on a `Date` refusal, all within the operation timeout.
    /// Every generated method calls this.
    pub async fn execute<O: Operation>(&self, operation: O) -> Result<O::Output, Error> {
        let spec = O::SPEC;
        let context = CallContext {
            operation: spec.name,
            method: spec.method,
            path: spec.path,
        };
        let prepared = self.prepare(&operation, context)?;
        match self.inner.config.operation_timeout {
            Some(limit) => {
                // A limit too large to add is no deadline at all.
                let deadline = Instant::now().checked_add(limit);
                let run = self.run::<O::Output>(spec, context, &prepared, deadline);
                match tokio::time::timeout(limit, run).await {
                    Ok(result) => result,
                    Err(_) => {
                        tracing::debug!(
                            operation = spec.name,
                            limit_ms = limit.as_millis() as u64,
                            "kdocs call hit its operation timeout"
                        );
                        Err(Error::Timeout {
                            context,
                            kind: TimeoutKind::Operation,
                            limit: Some(limit),
                        })
                    }
                }
            }
            None => self.run::<O::Output>(spec, context, &prepared, None).await,
        }
    }

    /// The URL, the signed request URI and the body, checked.
    fn prepare<O: Operation>(
        &self,
        operation: &O,
        context: CallContext,
    ) -> Result<Prepared, Error> {
        let spec = O::SPEC;
        let mut parts = RequestParts::default();
        operation.write(&mut parts);
        let (path, query) = parts
            .render(spec.path)
            .map_err(|invalid| Error::InvalidArgument {
                context,
                parameter: invalid.parameter,
                reason: invalid.reason,
            })?;
        let body = if matches!(spec.method, Method::Get | Method::Delete) {
            None
        } else {
            // A method with a body always sends a JSON object, `{}` at least.
            Some(bytes::Bytes::from(
                parts.body_bytes().unwrap_or_else(|| b"{}".to_vec()),
            ))
        };
        debug_assert!(
            body.is_some() || !parts.has_body(),
            "GET/DELETE with body fields"
        );
        let url = if query.is_empty() {
            format!("{}{path}", self.inner.base_url)
        } else {
            format!("{}{path}?{query}", self.inner.base_url)
        };
        // The URL error never contains the URL itself (it may hold tokens).
        let url = reqwest::Url::parse(&url)
            .map_err(|e| Error::Config(format!("cannot build a URL for {context}: {e}")))?;
        // Sign exactly what goes on the wire: the URL's own path and query.
        let request_uri = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        Ok(Prepared {
            url,
            request_uri,
            body,
            secrets: parts.secrets().to_vec(),
        })
    }

    /// The attempts of one call.
    async fn run<T: serde::de::DeserializeOwned>(
        &self,
        spec: OperationSpec,
        context: CallContext,
        prepared: &Prepared,
        deadline: Option<Instant>,
    ) -> Result<T, Error> {
        let policy = self.inner.config.retry;
        let mut attempt: u32 = 1;
        let mut clock_corrected = false;
        loop {
            let signed_at = self.signing_time();
            let started = Instant::now();
            let (error, retry_after) = match self.attempt(context, prepared, signed_at).await {
                Ok(raw) => {
                    tracing::debug!(
                        operation = spec.name,
                        method = spec.method.as_str(),
                        path = spec.path,
                        attempt,
                        status = raw.status,
                        bytes = raw.body.len(),
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "kdocs call answered"
                    );
                    match envelope::decode::<T>(context, raw.status, raw.retry_after, &raw.body) {
                        Ok(output) => return Ok(output),
                        Err(error) => {
                            let error = self.scrub(error, prepared);
                            if !clock_corrected && self.inner.config.correct_clock_skew {
                                if let Some(offset) =
                                    self.skew_correction(spec, &error, raw.server_date, signed_at)
                                {
                                    clock_corrected = true;
                                    tracing::warn!(
                                        operation = spec.name,
                                        old_offset_secs = self.clock_offset_secs(),
                                        new_offset_secs = offset,
                                        "kdocs refused the request's Date: correcting the \
                                         signing clock from the response's Date and retrying"
                                    );
                                    self.set_clock_offset_secs(offset);
                                    continue;
                                }
                            }
                            (error, raw.retry_after)
                        }
                    }
                }
                Err(error) => (error, None),
            };
            if attempt >= policy.max_attempts() || !may_retry(spec, &error) {
                return Err(error);
            }
            let Some(delay) = policy.delay(attempt, retry_after, self.inner.jitter.next()) else {
                tracing::debug!(
                    operation = spec.name,
                    retry_after,
                    "kdocs asked to retry later than the retry policy waits; giving up"
                );
                return Err(error);
            };
            let wake = Instant::now().checked_add(delay);
            if deadline.is_some_and(|deadline| wake.is_none_or(|wake| wake >= deadline)) {
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
    /// within the per-attempt timeout.
    async fn attempt(
        &self,
        context: CallContext,
        prepared: &Prepared,
        signed_at: SystemTime,
    ) -> Result<RawResponse, Error> {
        // Waiting for a free request slot counts against the attempt's time.
        let _slot = match &self.inner.slots {
            Some(slots) => {
                match tokio::time::timeout(self.inner.config.timeout, slots.acquire()).await {
                    Ok(Ok(permit)) => Some(permit),
                    Ok(Err(_)) => {
                        return Err(Error::Config(
                            "the client's request slots are closed".into(),
                        ))
                    }
                    Err(_) => {
                        return Err(Error::Timeout {
                            context,
                            kind: TimeoutKind::Attempt,
                            limit: Some(self.inner.config.timeout),
                        })
                    }
                }
            }
            None => None,
        };
        let headers = signing::sign(
            self.inner.credentials.app_id(),
            self.inner.credentials.app_key(),
            prepared.body.as_deref(),
            &prepared.request_uri,
            signed_at,
        );
        let mut request = self
            .inner
            .http
            .request(context.method.to_reqwest(), prepared.url.clone())
            .header("Date", &headers.date)
            .header("Content-Type", headers.content_type)
            .header("Content-Md5", &headers.content_md5)
            .header("Authorization", &headers.authorization);
        if let Some(body) = &prepared.body {
            request = request.body(body.clone());
        }
        let limit = self.inner.config.timeout;
        let max_bytes = self.inner.config.max_response_bytes;
        let exchange = async {
            let response = request
                .send()
                .await
                .map_err(|e| self.transport(context, e))?;
            let status = response.status().as_u16();
            let headers = response.headers();
            let server_date = headers
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok());
            let retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, server_date));
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
                server_date,
                body,
            })
        };
        let result = match tokio::time::timeout(limit, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                context,
                kind: TimeoutKind::Attempt,
                limit: Some(limit),
            }),
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

    /// `error` without the request's secrets or the app key in it.
    fn scrub(&self, error: Error, prepared: &Prepared) -> Error {
        let mut secrets: Vec<&str> = prepared.secrets.iter().map(String::as_str).collect();
        secrets.push(self.inner.credentials.app_key().expose_str());
        super::error::scrub(error, &secrets)
    }

    /// A reqwest failure as a typed error, without the URL.
    fn transport(&self, context: CallContext, source: reqwest::Error) -> Error {
        if source.is_timeout() {
            let own_client = self.inner.config.http_client.is_none();
            let (kind, limit) = if source.is_connect() {
                (
                    TimeoutKind::Connect,
                    own_client.then_some(self.inner.config.connect_timeout),
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

    /// The new clock offset when `error` is the service refusing the request's
    /// `Date` and the response's `Date` tells the service's time.
    ///
    /// A call that is not safe to repeat is corrected (and so re-sent) only
    /// when the service said it refused the `Date`: then it did not act on it.
    fn skew_correction(
        &self,
        spec: OperationSpec,
        error: &Error,
        server_date: Option<SystemTime>,
        signed_at: SystemTime,
    ) -> Option<i64> {
        let server = unix_secs(server_date?);
        let difference = server - unix_secs(signed_at);
        // No kdocs page gives a code for a refused signature or `Date`: only a
        // code this client does not know can be one.
        let told = error.api().is_some_and(|api| {
            matches!(api.error_code(), crate::ErrorCode::Unknown(_))
                && api.hint.to_ascii_lowercase().contains("date")
        });
        // A 403 for a documented other reason says nothing about the clock:
        // only a code this client does not know, or a 403 that is not a kdocs
        // envelope (a gateway's), is taken as a hint of skew.
        let signature_or_foreign = match error.api() {
            Some(api) => matches!(api.error_code(), crate::ErrorCode::Unknown(_)),
            None => true,
        };
        let repeatable = matches!(spec.method, Method::Get | Method::Delete) || spec.idempotent;
        let threshold = if told {
            SKEW_WHEN_TOLD
        } else if repeatable && error.status() == Some(403) && signature_or_foreign {
            SKEW_ON_403
        } else {
            return None;
        };
        (difference.abs() > threshold).then(|| self.clock_offset_secs() + difference)
    }
}

/// Whether repeating the call after `error` is allowed: the error is
/// transient, and the call is idempotent or was never sent.
fn may_retry(spec: OperationSpec, error: &Error) -> bool {
    if !error.is_retryable() {
        return false;
    }
    if matches!(spec.method, Method::Get | Method::Delete) || spec.idempotent {
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

/// Checks the base URL and returns it without a trailing slash.
/// Whether the URL's host is a loopback address (or `localhost`), where plain
/// http never leaves the machine.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| Error::Config(format!("base URL `{base_url}` is not a valid URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the URL holds a credential.
        return Err(Error::Config(
            "the base URL carries a user name or password; give the app's credentials \
             through Credentials instead"
                .into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{base_url}` must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            if !is_loopback(&url) && !allow_insecure_http {
                return Err(Error::Config(format!(
                    "base URL `{base_url}` is plain http: credentials would travel in clear text; \
                     use https, a loopback address, or Config::with_insecure_http(true)"
                )));
            }
        }
        other => {
            return Err(Error::Config(format!(
                "base URL `{base_url}` has scheme `{other}`; use https"
            )))
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Limits meant as "no limit" must not overflow `Instant` or the semaphore.
    #[tokio::test]
    async fn huge_limits_do_not_panic() {
        let config = Config::new()
            .with_base_url("http://127.0.0.1:1")
            .with_operation_timeout(Duration::MAX)
            .with_max_connections(usize::MAX)
            .with_retry_policy(super::super::RetryPolicy::none());
        let client = Client::new(Credentials::new("app", "key"), config).unwrap();
        let err = client
            .get_download_url(crate::GetDownloadUrlRequest::new("f"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
    }

    #[test]
    fn base_url_rules() {
        assert_eq!(
            check_base_url("https://developer.kdocs.cn/", false).unwrap(),
            "https://developer.kdocs.cn"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8080", false).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            check_base_url("http://[::1]:80/p/", false).unwrap(),
            "http://[::1]/p"
        );
        assert!(check_base_url("http://localhost:1", false).is_ok());
        let err = check_base_url("http://example.com", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("clear text"), "{err}");
        assert!(check_base_url("http://example.com", true).is_ok());
        assert!(check_base_url("ftp://example.com", true).is_err());
        assert!(check_base_url("not a url", false).is_err());
        let err = check_base_url("https://user:hunter2@developer.kdocs.cn", false).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn blank_app_id_is_refused() {
        let err = Client::new(Credentials::new(" ", "k"), Config::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "kdocs client configuration: the app_id is empty"
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

    #[test]
    fn debug_never_shows_the_key() {
        let client =
            Client::new(Credentials::new("app", "super-secret-key"), Config::new()).unwrap();
        let text = format!("{client:?}");
        assert!(
            text.contains("app") && !text.contains("super-secret-key"),
            "{text}"
        );
    }
}
