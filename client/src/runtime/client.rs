//! The runtime client: the one generic function every generated call goes through.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::config::{Config, Credentials};
use super::envelope;
use super::error::{CallContext, Error};
use super::request::{Operation, RequestParts};
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
/// println!("{}", url.download_url);
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
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
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
        let base_url = check_base_url(&config.base_url, config.allow_insecure_http)?;
        let http = match &config.http_client {
            Some(client) => client.clone(),
            None => reqwest::Client::builder()
                .timeout(config.timeout)
                .connect_timeout(config.connect_timeout)
                .user_agent(config.user_agent.clone())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                credentials,
                base_url,
                config,
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

    /// Sends one operation: builds the URL and body, signs them, sends, and
    /// decodes the envelope. Every generated method calls this.
    pub async fn execute<O: Operation>(&self, operation: O) -> Result<O::Output, Error> {
        let spec = O::SPEC;
        let context = CallContext {
            operation: spec.name,
            method: spec.method,
            path: spec.path,
        };
        let mut parts = RequestParts::default();
        operation.write(&mut parts);
        let (path, query) = parts
            .render(spec.path)
            .map_err(|invalid| Error::InvalidArgument {
                context,
                parameter: invalid.parameter,
                reason: invalid.reason,
            })?;
        let body = if spec.method.to_reqwest() == reqwest::Method::GET
            || spec.method.to_reqwest() == reqwest::Method::DELETE
        {
            None
        } else {
            // A method with a body always sends a JSON object, `{}` at least.
            Some(parts.body_bytes().unwrap_or_else(|| b"{}".to_vec()))
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
        let url = reqwest::Url::parse(&url)
            .map_err(|e| Error::Config(format!("cannot build a URL for {context}: {e}")))?;
        // Sign exactly what goes on the wire: the URL's own path and query.
        let request_uri = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let headers = signing::sign(
            self.inner.credentials.app_id(),
            self.inner.credentials.app_key(),
            body.as_deref(),
            &request_uri,
            SystemTime::now(),
        );

        let mut request = self
            .inner
            .http
            .request(spec.method.to_reqwest(), url)
            .header("Date", &headers.date)
            .header("Content-Type", headers.content_type)
            .header("Content-Md5", &headers.content_md5)
            .header("Authorization", &headers.authorization);
        if let Some(body) = body {
            request = request.body(body);
        }
        let started = Instant::now();
        let transport = |source: reqwest::Error| Error::Transport {
            context,
            source: source.without_url(),
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = envelope::read_limited(response, self.inner.config.max_response_bytes)
            .await
            .map_err(|e| match e {
                envelope::ReadError::Transport(source) => transport(source),
                envelope::ReadError::TooLarge { limit } => {
                    Error::Decode(Box::new(super::error::DecodeError {
                        context,
                        status,
                        reason: format!("the body is larger than the {limit}-byte limit"),
                        excerpt: String::new(),
                    }))
                }
            })?;
        tracing::debug!(
            operation = spec.name,
            method = spec.method.as_str(),
            path = spec.path,
            status,
            bytes = bytes.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "kdocs call finished"
        );
        envelope::decode::<O::Output>(context, status, retry_after, &bytes)
    }
}

/// Checks the base URL and returns it without a trailing slash.
fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| Error::Config(format!("base URL `{base_url}` is not a valid URL: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{base_url}` must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            if !loopback && !allow_insecure_http {
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
