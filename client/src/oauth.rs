//! OAuth: a user's `access_token`, and a session that keeps it fresh.
//!
//! The endpoints that act for a user (`auth: access_token` in the spec) take
//! the user's `access_token`. It comes from the web authorization flow
//! (「Web 授权」, `/common/authorization/web.html`):
//!
//! 1. the app sends the user's browser to the authorize page,
//!    [`Client::authorize_url`] (`/h5/auth` with `app_id`, `scope`,
//!    `redirect_uri`, `state`…); after consent the browser comes back to
//!    `redirect_uri?code=…&state=…`. The code is valid for 5 minutes
//!    (after that kdocs answers `20001`, [`ErrorCode::AuthorizationCodeInvalid`](crate::ErrorCode::AuthorizationCodeInvalid));
//! 2. the app's server exchanges the code for the user's tokens,
//!    [`Client::exchange_code`] (`exchange_oauth_code`, with the app's
//!    credentials);
//! 3. [`UserSession`] hands out the access token and refreshes it before it
//!    expires (`refresh_oauth_token`), one refresh for all concurrent callers.
//!
//! Steps 2 and 3 are known only from public clients: no stored page shows
//! their path, parameters or answer (`api-spec/oauth.yaml`). This module keeps
//! to what those clients show: the exchange answers `access_token`,
//! `refresh_token`, `expires_in` (seconds) and `app_id`; the refresh answers
//! `access_token` (and, in one client, `expires_in`), and the refresh token
//! stays the same. Where an answer leaves something out, the session says so
//! instead of guessing: with no `expires_in`, it refreshes only when asked
//! ([`UserSession::refresh`]), or keeps the lifetime the previous answer gave.
//!
//! ```no_run
//! use kdocs_client::oauth::UserSession;
//! use kdocs_client::{Client, Config, Credentials, GetUserInfoRequest};
//!
//! # async fn run(code_from_redirect: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//! // Send the user here; the redirect brings back `code` and `state`.
//! let url = client
//!     .authorize_url("https://app.example.com/kdocs/callback")
//!     .scopes(["user_basic", "access_personal_files"])
//!     .state("csrf-7f3a")
//!     .build()?;
//! println!("open {url}");
//!
//! let tokens = client.exchange_code(code_from_redirect).await?;
//! let session = UserSession::new(client.clone(), tokens);
//! let me = client
//!     .get_user_info(GetUserInfoRequest::new(session.access_token().await?.expose_str()))
//!     .await?;
//! println!("{me}");
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::runtime::time::{SystemClock, TimeSource};
use crate::runtime::url_policy;
use crate::{Client, Error, ExchangeOauthCodeRequest, RefreshOauthTokenRequest, Secret};

/// How long before expiry a session refreshes the access token (5 minutes).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The authorize page's URL, built by [`Client::authorize_url`].
#[derive(Clone, Debug)]
#[must_use = "build() gives the URL"]
pub struct AuthorizeUrl {
    base_url: String,
    app_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    header: Option<bool>,
    force_login: Option<bool>,
    logout_after_auth: Option<bool>,
}

impl Client {
    /// The URL of the authorize page (`/h5/auth` on the client's base URL)
    /// that sends the user back to `redirect_uri` (one of the app's
    /// registered callback URLs) with a `code`.
    pub fn authorize_url(&self, redirect_uri: impl Into<String>) -> AuthorizeUrl {
        AuthorizeUrl {
            base_url: self.base_url().to_owned(),
            app_id: self.credentials().app_id().to_owned(),
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
            state: None,
            header: None,
            force_login: None,
            logout_after_auth: None,
        }
    }

    /// Exchanges an authorization `code` (from the redirect, valid 5 minutes)
    /// for the user's tokens, with the app's credentials.
    pub async fn exchange_code(&self, code: impl Into<String>) -> Result<UserTokens, OAuthError> {
        let credentials = self.credentials();
        let answer = self
            .exchange_oauth_code(
                ExchangeOauthCodeRequest::new()
                    .with_code(code)
                    .with_app_id(credentials.app_id())
                    .with_app_key(credentials.app_key().expose_str()),
            )
            .await
            .map_err(|source| OAuthError::Exchange { source })?;
        let access_token = answer.access_token.ok_or(OAuthError::NoAccessToken {
            operation: "exchange_oauth_code",
        })?;
        let now = SystemTime::now();
        let lifetime = lifetime(answer.expires_in);
        Ok(UserTokens {
            access_token,
            refresh_token: answer.refresh_token,
            expires_at: lifetime.and_then(|l| now.checked_add(l)),
            lifetime,
        })
    }
}

impl AuthorizeUrl {
    /// Adds a scope (`user_basic`, `access_personal_files`…); they are sent
    /// comma-separated.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds scopes.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// A value the redirect echoes back unchanged: compare it there to tell
    /// your own request from a forged one.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Whether the page shows its header (the page's default: no).
    pub fn header(mut self, show: bool) -> Self {
        self.header = Some(show);
        self
    }

    /// Log the current user out and force a login.
    pub fn force_login(mut self, force: bool) -> Self {
        self.force_login = Some(force);
        self
    }

    /// Log the user out after the authorization.
    pub fn logout_after_auth(mut self, logout: bool) -> Self {
        self.logout_after_auth = Some(logout);
        self
    }

    /// The URL. Fails without a scope (the page requires one), or when
    /// `redirect_uri` is not an absolute http(s) URL.
    pub fn build(self) -> Result<reqwest::Url, OAuthError> {
        if self.scopes.is_empty() {
            return Err(OAuthError::Authorize {
                reason: "the authorize page requires at least one scope".into(),
            });
        }
        match reqwest::Url::parse(&self.redirect_uri) {
            Ok(uri) if matches!(uri.scheme(), "http" | "https") => {}
            _ => {
                return Err(OAuthError::Authorize {
                    reason: format!(
                        "redirect_uri {} is not an absolute http(s) URL",
                        url_policy::redacted(&self.redirect_uri)
                    ),
                })
            }
        }
        let mut url = reqwest::Url::parse(&format!("{}/h5/auth", self.base_url)).map_err(|e| {
            OAuthError::Authorize {
                reason: format!("the base URL does not make an authorize URL: {e}"),
            }
        })?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("app_id", &self.app_id)
                .append_pair("scope", &self.scopes.join(","))
                .append_pair("redirect_uri", &self.redirect_uri);
            if let Some(state) = &self.state {
                query.append_pair("state", state);
            }
            for (name, value) in [
                ("header", self.header),
                ("force_login", self.force_login),
                ("logout_after_auth", self.logout_after_auth),
            ] {
                if let Some(value) = value {
                    query.append_pair(name, if value { "true" } else { "false" });
                }
            }
        }
        Ok(url)
    }
}

/// A user's tokens from [`Client::exchange_code`]. `Debug` never shows them.
#[derive(Clone)]
pub struct UserTokens {
    /// The access token the user endpoints take.
    pub access_token: Secret<String>,
    /// The token that gets a new access token, when the answer gave one.
    pub refresh_token: Option<Secret<String>>,
    /// When the access token expires, when the answer said (`expires_in`).
    pub expires_at: Option<SystemTime>,
    /// The access token's lifetime, as the latest answer gave it.
    pub lifetime: Option<Duration>,
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `expires_in` seconds as a lifetime (none for a missing or non-positive one).
fn lifetime(expires_in: Option<i64>) -> Option<Duration> {
    expires_in
        .and_then(|secs| u64::try_from(secs).ok())
        .filter(|secs| *secs > 0)
        .map(Duration::from_secs)
}

/// Why an OAuth step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The authorize URL could not be built.
    #[error("cannot build the authorize URL: {reason}")]
    Authorize {
        /// What is wrong.
        reason: String,
    },
    /// The code exchange failed (a code older than 5 minutes gives
    /// `ErrorCode::AuthorizationCodeInvalid`).
    #[error("exchanging the authorization code failed: {source}")]
    Exchange {
        /// The failed call.
        #[source]
        source: Error,
    },
    /// The refresh failed.
    #[error("refreshing the access token failed: {source}")]
    Refresh {
        /// The failed call.
        #[source]
        source: Arc<Error>,
    },
    /// The answer had no `access_token`.
    #[error("the answer of {operation} has no access_token")]
    NoAccessToken {
        /// The call whose answer lacked it.
        operation: &'static str,
    },
    /// The session has no refresh token (the exchange gave none), so it
    /// cannot get a new access token.
    #[error("the session has no refresh token; authorize the user again")]
    NoRefreshToken,
}

/// A user's access token that refreshes itself; cheap to clone (clones share
/// the token and its refreshes).
///
/// [`UserSession::access_token`] refreshes the token first when it is within
/// the refresh margin of its expiry; concurrent callers wait for one refresh
/// (single flight) and share its result. Without an expiry (the exchange gave
/// no `expires_in`) the token is handed out as it is until
/// [`UserSession::refresh`] is called, for example after a refusal (HTTP 401,
/// `ErrorCode::AccessTokenInvalid`).
#[derive(Clone)]
pub struct UserSession {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    margin: Duration,
    clock: Arc<dyn TimeSource>,
    /// The tokens; held across a refresh, which makes it single-flight.
    tokens: tokio::sync::Mutex<UserTokens>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("refresh_margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

impl UserSession {
    /// A session for `tokens`, refreshing 5 minutes before expiry, on the
    /// system clock.
    pub fn new(client: Client, tokens: UserTokens) -> Self {
        Self::with_clock(client, tokens, DEFAULT_REFRESH_MARGIN, SystemClock)
    }

    /// A session with another refresh margin and clock (tests follow a fake
    /// server's clock this way).
    pub fn with_clock(
        client: Client,
        tokens: UserTokens,
        margin: Duration,
        clock: impl TimeSource,
    ) -> Self {
        UserSession {
            inner: Arc::new(Inner {
                client,
                margin,
                clock: Arc::new(clock),
                tokens: tokio::sync::Mutex::new(tokens),
            }),
        }
    }

    /// A valid access token: the current one, or a refreshed one when it is
    /// within the refresh margin of its expiry.
    pub async fn access_token(&self) -> Result<Secret<String>, OAuthError> {
        let mut tokens = self.inner.tokens.lock().await;
        let due = tokens.expires_at.is_some_and(|at| {
            at.duration_since(self.inner.clock.now())
                .map_or(true, |left| left <= self.inner.margin)
        });
        if due {
            self.refresh_locked(&mut tokens).await?;
        }
        Ok(tokens.access_token.clone())
    }

    /// Gets a new access token now, with the refresh token.
    pub async fn refresh(&self) -> Result<Secret<String>, OAuthError> {
        let mut tokens = self.inner.tokens.lock().await;
        self.refresh_locked(&mut tokens).await?;
        Ok(tokens.access_token.clone())
    }

    /// The current tokens (to store them, say).
    pub async fn tokens(&self) -> UserTokens {
        self.inner.tokens.lock().await.clone()
    }

    async fn refresh_locked(&self, tokens: &mut UserTokens) -> Result<(), OAuthError> {
        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or(OAuthError::NoRefreshToken)?;
        let credentials = self.inner.client.credentials();
        let answer = self
            .inner
            .client
            .refresh_oauth_token(
                RefreshOauthTokenRequest::new()
                    .with_app_id(credentials.app_id())
                    .with_app_key(credentials.app_key().expose_str())
                    .with_refresh_token(refresh_token.expose_str()),
            )
            .await
            .map_err(|source| OAuthError::Refresh {
                source: Arc::new(source),
            })?;
        let access_token = answer.access_token.ok_or(OAuthError::NoAccessToken {
            operation: "refresh_oauth_token",
        })?;
        // The public clients show no new expires_in in every refresh answer:
        // then the previous lifetime is the best estimate there is.
        let lifetime = lifetime(answer.expires_in).or(tokens.lifetime);
        tokens.access_token = access_token;
        tokens.lifetime = lifetime;
        tokens.expires_at = lifetime.and_then(|l| self.inner.clock.now().checked_add(l));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Credentials};

    fn client() -> Client {
        Client::new(
            Credentials::new("SX20220101ABCDEF", "key"),
            Config::new().with_base_url("https://developer.kdocs.cn"),
        )
        .unwrap()
    }

    #[test]
    fn the_authorize_url_carries_the_pages_parameters() {
        let url = client()
            .authorize_url("https://app.example.com/cb?x=1")
            .scopes(["user_basic", "access_personal_files"])
            .state("s t&ate")
            .force_login(true)
            .build()
            .unwrap();
        assert_eq!(url.path(), "/h5/auth");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("app_id", "SX20220101ABCDEF"),
                ("scope", "user_basic,access_personal_files"),
                ("redirect_uri", "https://app.example.com/cb?x=1"),
                ("state", "s t&ate"),
                ("force_login", "true"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn the_authorize_url_refuses_what_the_page_would() {
        let err = client()
            .authorize_url("https://a.example/cb")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("scope"), "{err}");
        let err = client()
            .authorize_url("/relative?token=secret")
            .scope("user_basic")
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn lifetimes_and_debug() {
        assert_eq!(lifetime(Some(86_400)), Some(Duration::from_secs(86_400)));
        assert_eq!(lifetime(Some(0)), None);
        assert_eq!(lifetime(Some(-5)), None);
        assert_eq!(lifetime(None), None);
        let tokens = UserTokens {
            access_token: Secret::new("at-secret".to_owned()),
            refresh_token: Some(Secret::new("rt-secret".to_owned())),
            expires_at: None,
            lifetime: None,
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
