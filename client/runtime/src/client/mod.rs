//! The runtime client: credentials, configuration and a connection pool;
//! sending a call is in [`call`], in phases: [`prepare`], [`attempt`],
//! [`classify`] and [`decide`], within the time [`limits`].

mod attempt;
mod call;
mod classify;
mod decide;
mod limits;
mod prepare;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::config::{CallOptions, Config, Credentials};
use super::error::Error;
use super::retry::RetryPolicy;
use super::url_policy;

/// A kdocs client: credentials, configuration and a connection pool.
///
/// Cheap to clone (clones share the pool). kdocs-client's `Client` wraps
/// this one and adds one method per endpoint of `api-spec/`; each builds its
/// request and calls [`Client::execute`], which takes any [`Operation`](crate::Operation).
///
/// ```no_run
/// # async fn run<O: kdocs_runtime::Operation>(request: O) -> Result<(), kdocs_runtime::Error> {
/// use kdocs_runtime::{Client, Config, Credentials};
///
/// let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
/// let _answer: O::Output = client.execute(request).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// This handle's overrides of the config ([`Client::with_options`]).
    options: CallOptions,
}

struct Inner {
    http: reqwest::Client,
    /// The pool of downloads: without the caller's `with_http_setup`.
    download_http: reqwest::Client,
    credentials: Credentials,
    /// The base URL without a trailing slash.
    base_url: String,
    /// The base URL, parsed once: each call's URL is this one with its path
    /// and query set, so its scheme and host are not parsed again.
    base: reqwest::Url,
    config: Config,
    /// Seconds to add to the local clock when signing, learnt from the
    /// service's `Date` header when it refused a request for its `Date`.
    clock_offset: AtomicI64,
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
        let (base_url, base) = check_base_url(&config.base_url, config.allow_insecure_http)?;
        let http = build_http(&config)?;
        let download_http = build_download_http(&config)?;
        let slots = config
            .max_connections
            .map(|n| Semaphore::new(n.min(Semaphore::MAX_PERMITS)));
        Ok(Self {
            options: CallOptions::default(),
            inner: Arc::new(Inner {
                http,
                download_http,
                credentials,
                base_url,
                base,
                config,
                clock_offset: AtomicI64::new(0),
                slots,
            }),
        })
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The base URL, parsed.
    pub(crate) fn base(&self) -> &reqwest::Url {
        &self.inner.base
    }

    /// A handle on the same client (the same pool, clock and limits) whose
    /// calls use `options` over the config: a longer timeout for one slow
    /// call, no retries for another.
    ///
    /// ```no_run
    /// # async fn run<O: kdocs_runtime::Operation>(client: kdocs_runtime::Client, request: O) -> Result<(), kdocs_runtime::Error> {
    /// use std::time::Duration;
    /// use kdocs_runtime::{CallOptions, RetryPolicy};
    ///
    /// let once = client.with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()));
    /// once.execute(request).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client {
            inner: self.inner.clone(),
            options,
        }
    }

    /// The per-attempt time limit of this handle's calls.
    fn attempt_timeout(&self) -> Duration {
        self.options.timeout.unwrap_or(self.inner.config.timeout)
    }

    /// The whole-call time limit of this handle's calls.
    fn operation_timeout(&self) -> Option<Duration> {
        self.options
            .operation_timeout
            .unwrap_or(self.inner.config.operation_timeout)
    }

    /// The retry policy of this handle's calls.
    fn retry_policy(&self) -> RetryPolicy {
        self.options.retry.unwrap_or(self.inner.config.retry)
    }

    /// The app's credentials (`Debug` never shows the key).
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The HTTP client API calls go through, with the caller's
    /// [`Config::with_http_setup`]. It never follows redirects and sends no
    /// `Referer`: a caller using it directly sees a 3xx as it is. Downloads
    /// use a pool of their own ([`Client::download_http`]).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The HTTP client downloads go through: the config's connect timeout and
    /// user agent and [`Config::with_download_http_setup`], *not*
    /// [`Config::with_http_setup`]. The API's default headers (a gateway's
    /// credential, a `Referer`) are meant for the base URL, and a download URL
    /// and its redirects may lead to any host. It never follows redirects
    /// (each hop is checked by [`crate::download`]) and sends no `Referer`.
    pub fn download_http(&self) -> &reqwest::Client {
        &self.inner.download_http
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
}

/// The `reqwest` client: the config's timeouts and user agent, the caller's
/// setup, then what is not negotiable: no redirects, no `Referer`.
fn build_http(config: &Config) -> Result<reqwest::Client, Error> {
    // The per-attempt timeout is applied around each attempt in `execute`.
    let mut builder = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .user_agent(config.user_agent.clone());
    if let Some(n) = config.max_connections {
        builder = builder.pool_max_idle_per_host(n);
    }
    if let Some(setup) = &config.http_setup {
        builder = setup(builder);
    }
    builder
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

/// The `reqwest` client of downloads (see [`Client::download_http`]): the
/// same timeouts and user agent as [`build_http`], the download setup, then
/// no redirects and no `Referer`.
fn build_download_http(config: &Config) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .user_agent(config.user_agent.clone());
    if let Some(setup) = &config.download_http_setup {
        builder = setup(builder);
    }
    builder
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the download HTTP client: {e}")))
}

/// Checks the base URL ([`url_policy::check_scheme`]) and returns it without a
/// trailing slash, and parsed. Errors show it without user info or query.
fn check_base_url(
    base_url: &str,
    allow_insecure_http: bool,
) -> Result<(String, reqwest::Url), Error> {
    let shown = url_policy::redacted(base_url);
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| Error::Config(format!("the base URL is not a valid URL: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "the base URL {shown} must not have a query or fragment"
        )));
    }
    if let Err(refusal) = url_policy::check_scheme(&url, allow_insecure_http) {
        let hint = match refusal {
            url_policy::Refusal::UserInfo => {
                "; give the app's credentials through Credentials instead"
            }
            _ => "",
        };
        return Err(Error::Config(format!(
            "the base URL {shown} is refused: {refusal}{hint}"
        )));
    }
    Ok((url.as_str().trim_end_matches('/').to_owned(), url))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endpoint as generated code describes one.
    struct Ping;

    impl crate::Operation for Ping {
        type Output = serde_json::Value;
        const SPEC: crate::OperationSpec = crate::OperationSpec {
            name: "ping",
            method: crate::Method::Get,
            path: "/ping",
            idempotent: true,
            auth: crate::Auth::Wps2,
            body: crate::BodyKind::None,
            summary: "answers",
            docs: "",
            params: &[],
            example: "{}",
            family: None,
            office_task: false,
        };
        fn write(&self, _: &mut crate::RequestParts) {}
        fn from_params(_: &mut dyn crate::ParamSource) -> Result<Self, crate::ParamError> {
            Ok(Ping)
        }
    }

    /// Limits meant as "no limit" must not overflow `Instant` or the semaphore.
    #[tokio::test]
    async fn huge_limits_do_not_panic() {
        let config = Config::new()
            .with_base_url("http://127.0.0.1:1")
            .with_operation_timeout(Duration::MAX)
            .with_max_connections(usize::MAX)
            .with_retry_policy(super::super::RetryPolicy::none());
        let client = Client::new(Credentials::new("app", "key"), config).unwrap();
        let err = client.execute(Ping).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
    }

    #[test]
    fn base_url_rules() {
        assert_eq!(
            check_base_url("https://developer.kdocs.cn/", false)
                .unwrap()
                .0,
            "https://developer.kdocs.cn"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8080", false).unwrap().0,
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            check_base_url("http://[::1]:80/p/", false).unwrap().0,
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
        // User info, query and fragment may hold credentials: never shown.
        for bad in [
            "https://user:hunter2@developer.kdocs.cn",
            "https://hunter2@developer.kdocs.cn",
            "https://developer.kdocs.cn/?access_token=hunter2",
            "https://developer.kdocs.cn/#hunter2",
            "http://example.com/p?hunter2",
            "ftp://u:hunter2@example.com/?hunter2",
            "https://0.0.0.0/?hunter2",
        ] {
            let err = check_base_url(bad, false).unwrap_err();
            let config = Config::new().with_base_url(bad);
            let shown = format!("{err} {err:?} {config:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        let err = check_base_url("https://[::]:443", false).unwrap_err();
        assert!(err.to_string().contains("unspecified"), "{err}");
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
