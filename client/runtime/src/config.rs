//! Credentials and client configuration.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::retry::RetryPolicy;
use super::secret::Secret;
use crate::download::DownloadLimits;
use crate::error::KnownCode;

/// An app's credentials: the `app_id` and its `app_key` (AK/SK).
///
/// `Debug` shows the app id and never the key.
///
/// ```
/// let c = kdocs_runtime::Credentials::new("SX20220101ABCDEF", "my-app-key");
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

    /// Credentials from the environment: `KDOCS_APP_ID` and `KDOCS_APP_KEY`,
    /// the variables the `kdocs` command reads. The error names the variable
    /// that is missing, empty or not Unicode, never a value.
    ///
    /// ```no_run
    /// let credentials = kdocs_runtime::Credentials::from_env()?;
    /// # Ok::<(), kdocs_runtime::EnvError>(())
    /// ```
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(std::env::var)
    }

    /// [`Credentials::from_env`] with `lookup` in place of the process's
    /// environment (tests, a secrets manager).
    pub fn from_vars(
        lookup: impl Fn(&'static str) -> Result<String, std::env::VarError>,
    ) -> Result<Self, EnvError> {
        let var = |name: &'static str| match lookup(name) {
            Ok(value) if value.trim().is_empty() => Err(EnvError {
                name,
                problem: "is empty",
            }),
            Ok(value) => Ok(value),
            Err(std::env::VarError::NotPresent) => Err(EnvError {
                name,
                problem: "is not set",
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(EnvError {
                name,
                problem: "is not valid Unicode",
            }),
        };
        Ok(Self::new(var(APP_ID_VAR)?, var(APP_KEY_VAR)?))
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

/// The variable [`Credentials::from_env`] reads the app id from.
pub const APP_ID_VAR: &str = "KDOCS_APP_ID";
/// The variable [`Credentials::from_env`] reads the app key from.
pub const APP_KEY_VAR: &str = "KDOCS_APP_KEY";

/// A variable [`Credentials::from_env`] needs that is missing, empty or not
/// Unicode. It names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the environment variable {name} {problem}")]
pub struct EnvError {
    name: &'static str,
    problem: &'static str,
}

impl EnvError {
    /// The variable's name (`KDOCS_APP_KEY`).
    pub fn name(&self) -> &'static str {
        self.name
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

/// A caller's adjustments to the `reqwest` client ([`Config::with_http_setup`]).
pub(crate) type HttpSetup =
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// The largest clock correction the client makes by default (24 hours).
pub const DEFAULT_MAX_CLOCK_CORRECTION: Duration = Duration::from_secs(24 * 60 * 60);

/// How the client connects. Build it with the `with_*` setters:
///
/// ```
/// use std::time::Duration;
/// let config = kdocs_runtime::Config::new()
///     .with_base_url("https://developer.kdocs.cn")
///     .with_timeout(Duration::from_secs(10));
/// ```
///
/// `Debug` shows the base URL without user info or query, and never a secret.
#[derive(Clone)]
pub struct Config {
    pub(crate) base_url: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) http_setup: Option<HttpSetup>,
    pub(crate) download_http_setup: Option<HttpSetup>,
    pub(crate) max_response_bytes: usize,
    pub(crate) allow_insecure_http: bool,
    pub(crate) user_agent: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) correct_clock_skew: bool,
    pub(crate) max_clock_correction: Duration,
    pub(crate) download: DownloadLimits,
    pub(crate) hooks: Vec<Arc<dyn super::hooks::Hook>>,
    pub(crate) error_codes: &'static [KnownCode],
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &super::url_policy::redacted(&self.base_url))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field(
                "http_setup",
                &self.http_setup.as_ref().map(|_| "Fn(ClientBuilder)"),
            )
            .field(
                "download_http_setup",
                &self
                    .download_http_setup
                    .as_ref()
                    .map(|_| "Fn(ClientBuilder)"),
            )
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_connections", &self.max_connections)
            .field("correct_clock_skew", &self.correct_clock_skew)
            .field("max_clock_correction", &self.max_clock_correction)
            .field("download", &self.download)
            .field("hooks", &self.hooks.len())
            .field("error_codes", &self.error_codes.len())
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults: `https://developer.kdocs.cn`, 30 s per attempt, 10 s to
    /// connect, 120 s for a whole call with its retries, [`RetryPolicy::new`]
    /// (3 attempts), JSON responses up to 4 MiB, no limit on concurrent
    /// requests, clock corrections up to 24 h, and [`DownloadLimits::new`]
    /// for downloads.
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            http_setup: None,
            download_http_setup: None,
            max_response_bytes: 4 * 1024 * 1024,
            allow_insecure_http: false,
            user_agent: concat!("kdocs-client-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::new(),
            operation_timeout: Some(Duration::from_secs(120)),
            max_connections: None,
            correct_clock_skew: true,
            max_clock_correction: DEFAULT_MAX_CLOCK_CORRECTION,
            download: DownloadLimits::new(),
            hooks: Vec::new(),
            error_codes: &[],
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

    /// The time limit for opening a connection (default 10 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Adjusts the `reqwest` client the kdocs client builds: a proxy, extra
    /// root certificates, pool settings, a local address…
    ///
    /// `setup` receives a builder that already has the connect timeout and the
    /// user agent of this config (it may change them). The client then
    /// enforces what keeps credentials where they belong, whatever `setup`
    /// did: redirects are never followed by `reqwest` (a signed call answered
    /// with a 3xx fails with [`Error::Redirect`](super::Error::Redirect);
    /// downloads follow a few redirects themselves, each checked, see
    /// [`crate::download`]), and no `Referer` header is sent.
    ///
    /// Downloads do not use this setup: their URLs and redirects may lead to
    /// any host, where the API's default headers (a gateway credential, a
    /// `Referer`) do not belong. A proxy or a root certificate that downloads
    /// need goes in [`Config::with_download_http_setup`].
    ///
    /// There is no way to hand in a ready `reqwest::Client`: its redirect
    /// policy cannot be read or changed, and reqwest's default follows up to
    /// ten redirects with the signature and tokens.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = kdocs_runtime::Config::new().with_http_setup(|builder| {
    ///     builder.pool_idle_timeout(Duration::from_secs(30)).tcp_nodelay(true)
    /// });
    /// # kdocs_runtime::Client::new(kdocs_runtime::Credentials::new("app", "key"), config).unwrap();
    /// ```
    pub fn with_http_setup(
        mut self,
        setup: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http_setup = Some(Arc::new(setup));
        self
    }

    /// Adjusts the `reqwest` client downloads use (a proxy, root
    /// certificates), as [`Config::with_http_setup`] does for API calls. Its
    /// default headers go to every host a download URL or its redirects lead
    /// to. Redirects and `Referer` stay off whatever `setup` does.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = kdocs_runtime::Config::new()
    ///     .with_download_http_setup(|builder| builder.pool_idle_timeout(Duration::from_secs(5)));
    /// # kdocs_runtime::Client::new(kdocs_runtime::Credentials::new("app", "key"), config).unwrap();
    /// ```
    pub fn with_download_http_setup(
        mut self,
        setup: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.download_http_setup = Some(Arc::new(setup));
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

    /// The service's documented error codes, which decide an [`ApiError`]'s
    /// categories ([`Error::is_auth`], …) over its HTTP status. kdocs-client's
    /// `Client::new` sets its spec's table; without one, every code is judged
    /// by the status.
    ///
    /// [`ApiError`]: crate::ApiError
    /// [`Error::is_auth`]: crate::Error::is_auth
    pub fn with_error_codes(mut self, table: &'static [KnownCode]) -> Self {
        self.error_codes = table;
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

    /// Whether a refused call makes the client adopt the service's clock (from
    /// the `Date` of the service's error answer, when it is more than 5
    /// minutes from the request's) and, for a call that is safe to repeat,
    /// retry once. Default: on. Turn it off to see such refusals as errors.
    pub fn with_clock_skew_correction(mut self, correct: bool) -> Self {
        self.correct_clock_skew = correct;
        self
    }

    /// The largest clock correction the client makes (default
    /// [`DEFAULT_MAX_CLOCK_CORRECTION`], 24 hours: a clock set to the wrong
    /// time zone is still corrected). A larger difference is not adopted: the
    /// error then reports it in [`ApiError::clock_skew_secs`](super::ApiError::clock_skew_secs).
    pub fn with_max_clock_correction(mut self, limit: Duration) -> Self {
        self.max_clock_correction = limit;
        self
    }

    /// The default limits of downloads ([`download`](crate::download)):
    /// size, overall time, redirects. Each download can change them.
    pub fn with_download_limits(mut self, limits: DownloadLimits) -> Self {
        self.download = limits;
        self
    }

    /// The default download limits.
    pub fn download_limits(&self) -> &DownloadLimits {
        &self.download
    }

    /// Adds a [`Hook`](super::Hook), called around every attempt of every
    /// call (after the hooks added before it): to add headers, count, log.
    pub fn with_hook(mut self, hook: impl super::hooks::Hook) -> Self {
        self.hooks.push(Arc::new(hook));
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

/// Settings for the calls made through one handle of a client
/// ([`Client::with_options`](super::Client::with_options)), over the
/// [`Config`]'s: for a call that may take longer, or must not be retried.
///
/// ```
/// use std::time::Duration;
/// use kdocs_runtime::{CallOptions, RetryPolicy};
///
/// let patient = CallOptions::new()
///     .with_timeout(Duration::from_secs(120))
///     .with_operation_timeout(None)
///     .with_retry_policy(RetryPolicy::none());
/// # let _ = patient;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Option<Duration>>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// No override: the config decides everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time limit of one attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time limit of a whole call (`None`: no limit).
    pub fn with_operation_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.operation_timeout = Some(timeout.into());
        self
    }

    /// The retry policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::env::VarError;

    type Lookup = dyn Fn(&'static str) -> Result<String, VarError>;

    #[test]
    fn credentials_come_from_the_two_variables_and_errors_name_the_missing_one() {
        let both = |name: &'static str| match name {
            "KDOCS_APP_ID" => Ok("SX1".to_owned()),
            "KDOCS_APP_KEY" => Ok("key".to_owned()),
            _ => Err(VarError::NotPresent),
        };
        let credentials = Credentials::from_vars(both).unwrap();
        assert_eq!(credentials.app_id(), "SX1");
        assert_eq!(credentials.app_key().expose(), "key");
        fn id_only(name: &str, key: Result<String, VarError>) -> Result<String, VarError> {
            match name {
                "KDOCS_APP_ID" => Ok("SX1".to_owned()),
                _ => key,
            }
        }
        let cases: [(&Lookup, &str); 3] = [
            (&|_| Err(VarError::NotPresent), "KDOCS_APP_ID is not set"),
            (
                &|name| id_only(name, Ok(" ".to_owned())),
                "KDOCS_APP_KEY is empty",
            ),
            (
                &|name| id_only(name, Err(VarError::NotUnicode("k".into()))),
                "KDOCS_APP_KEY is not valid Unicode",
            ),
        ];
        for (lookup, expected) in cases {
            let error = Credentials::from_vars(lookup).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("the environment variable {expected}")
            );
            assert!(!format!("{error:?}").contains("key\""), "{error:?}");
        }
    }
}
