//! Credentials and client configuration.

use std::fmt;
use std::time::Duration;

use super::retry::RetryPolicy;
use super::secret::Secret;

/// An app's credentials: the `app_id` and its `app_key` (AK/SK).
///
/// `Debug` shows the app id and never the key.
///
/// ```
/// let c = kdocs_client::Credentials::new("SX20220101ABCDEF", "my-app-key");
/// assert_eq!(format!("{c:?}"), r#"Credentials { app_id: "SX20220101ABCDEF", app_key: Secret(***) }"#);
/// ```
#[derive(Clone)]
pub struct Credentials {
    app_id: String,
    app_key: Secret<String>,
}

impl Credentials {
    /// Credentials from an app id and its key.
    pub fn new(app_id: impl Into<String>, app_key: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            app_key: Secret::new(app_key.into()),
        }
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The app key.
    pub fn app_key(&self) -> &Secret<String> {
        &self.app_key
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id)
            .field("app_key", &self.app_key)
            .finish()
    }
}

/// The default base URL of the kdocs open platform.
pub const DEFAULT_BASE_URL: &str = "https://developer.kdocs.cn";

/// How the client connects. Build it with the `with_*` setters:
///
/// ```
/// use std::time::Duration;
/// let config = kdocs_client::Config::new()
///     .with_base_url("https://developer.kdocs.cn")
///     .with_timeout(Duration::from_secs(10));
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) base_url: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) max_response_bytes: usize,
    pub(crate) allow_insecure_http: bool,
    pub(crate) user_agent: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) correct_clock_skew: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults: `https://developer.kdocs.cn`, 30 s per attempt, 10 s to
    /// connect, 120 s for a whole call with its retries, [`RetryPolicy::new`]
    /// (3 attempts), JSON responses up to 4 MiB, no limit on concurrent requests.
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            http_client: None,
            max_response_bytes: 4 * 1024 * 1024,
            allow_insecure_http: false,
            user_agent: concat!("kdocs-client-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::new(),
            operation_timeout: Some(Duration::from_secs(120)),
            max_connections: None,
            correct_clock_skew: true,
        }
    }

    /// The service's base URL (scheme, host, optional path prefix). It must be
    /// `https`, unless the host is a loopback address or
    /// [`Config::with_insecure_http`] is set.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The time limit of one attempt, from sending to the last byte of the
    /// response (default 30 s). A call that hits it fails with
    /// [`TimeoutKind::Attempt`](super::TimeoutKind::Attempt), or is retried.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit for opening a connection (default 10 s; not applied to a
    /// client given with [`Config::with_http_client`], which has its own).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Send requests with the caller's own `reqwest::Client` (its own pool, proxy,
    /// TLS and connect-timeout settings). The per-attempt and operation
    /// timeouts of this config still apply, on top of the client's own.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The largest JSON response body accepted; a larger one is an error
    /// instead of memory growth. Downloads are streamed and not limited by it.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allow a plain-`http` base URL on a non-loopback host. Credentials and
    /// tokens then travel in clear text: use only on a trusted network.
    pub fn with_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// When and how failed calls are repeated (default [`RetryPolicy::new`]:
    /// 3 attempts). [`RetryPolicy::none`] turns retries off.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The time limit of a whole call: every attempt and every wait between
    /// them (default 120 s; `None` for no limit). A call that hits it fails
    /// with [`TimeoutKind::Operation`](super::TimeoutKind::Operation).
    pub fn with_operation_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.operation_timeout = timeout.into();
        self
    }

    /// At most `n` requests in flight at once through this client (and its
    /// clones); more calls wait for a free slot (within their operation
    /// timeout). The built-in connection pool then keeps at most `n` idle
    /// connections, so the client holds about `n` connections to the service.
    /// Default: no limit.
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = Some(n.max(1));
        self
    }

    /// Whether a request refused for its `Date` makes the client adopt the
    /// service's clock (from the response's `Date` header) and retry once.
    /// Default: on. Turn it off to see such refusals as errors.
    pub fn with_clock_skew_correction(mut self, correct: bool) -> Self {
        self.correct_clock_skew = correct;
        self
    }

    /// Whether plain http to non-loopback hosts is allowed.
    pub fn allows_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The operation timeout.
    pub fn operation_timeout(&self) -> Option<Duration> {
        self.operation_timeout
    }

    /// The base URL as configured.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}
