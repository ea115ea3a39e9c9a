//! The client the generated endpoint methods are defined on.

use std::ops::Deref;

use crate::runtime::{self, CallOptions, Config, Credentials, Error};

/// A kdocs client: credentials, configuration and a connection pool, with one
/// async method per endpoint of `api-spec/` (generated).
///
/// It is the runtime's [`runtime::Client`] with the spec's error table
/// ([`ERROR_CODES`](crate::ERROR_CODES)) set, so that an error's categories
/// ([`Error::is_auth`], …) follow the documented codes; everything else (the
/// base URL, the credentials, `execute` for a hand-made
/// [`Operation`](runtime::Operation)) is reached through `Deref`. Cheap to
/// clone: clones share the pool.
///
/// ```no_run
/// # #[cfg(feature = "appspace")]
/// # async fn run() -> Result<(), kdocs_client::Error> {
/// use kdocs_client::{Client, Config, Credentials, GetDownloadUrlRequest};
///
/// let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
/// let url = client.get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh")).await?;
/// println!("{} bytes to fetch", url.download_url.expose().len());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: runtime::Client,
}

impl Client {
    /// A client for `credentials` with `config`.
    ///
    /// Fails when the base URL is not a valid http(s) URL, when it is plain
    /// `http` on a non-loopback host without [`Config::with_insecure_http`], or
    /// when the app id is blank.
    pub fn new(credentials: Credentials, config: Config) -> Result<Self, Error> {
        let config = config.with_error_codes(crate::ERROR_CODES);
        runtime::Client::new(credentials, config).map(|inner| Self { inner })
    }

    /// The generated methods on a runtime client built elsewhere. Its config
    /// keeps the error table it was built with (none, unless it was given
    /// [`ERROR_CODES`](crate::ERROR_CODES)).
    pub fn from_runtime(inner: runtime::Client) -> Self {
        Self { inner }
    }

    /// A handle on the same client (the same pool, clock and limits) whose
    /// calls use `options` over the config: a longer timeout for one slow
    /// call, no retries for another.
    ///
    /// ```no_run
    /// # #[cfg(feature = "appspace")]
    /// # async fn run(client: kdocs_client::Client) -> Result<(), kdocs_client::Error> {
    /// use kdocs_client::runtime::{CallOptions, RetryPolicy};
    ///
    /// let once = client.with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()));
    /// once.get_download_url(kdocs_client::GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh")).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: CallOptions) -> Client {
        Self {
            inner: self.inner.with_options(options),
        }
    }

    /// The runtime client underneath.
    pub fn runtime(&self) -> &runtime::Client {
        &self.inner
    }
}

impl Deref for Client {
    type Target = runtime::Client;

    fn deref(&self) -> &runtime::Client {
        &self.inner
    }
}

impl From<runtime::Client> for Client {
    fn from(inner: runtime::Client) -> Self {
        Self::from_runtime(inner)
    }
}
