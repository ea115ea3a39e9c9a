//! Credentials and client configuration.

use std::fmt;
use std::time::Duration;

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
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults: `https://developer.kdocs.cn`, 30 s per request, 10 s to
    /// connect, JSON responses up to 4 MiB.
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            http_client: None,
            max_response_bytes: 4 * 1024 * 1024,
            allow_insecure_http: false,
            user_agent: concat!("kdocs-client-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// The service's base URL (scheme, host, optional path prefix). It must be
    /// `https`, unless the host is a loopback address or
    /// [`Config::with_insecure_http`] is set.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The time limit of one request, from sending to the last byte of the response.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit for opening a connection.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Send requests with the caller's own `reqwest::Client` (its own pool, proxy,
    /// TLS settings). Its own timeouts then apply instead of this config's.
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

    /// The base URL as configured.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}
