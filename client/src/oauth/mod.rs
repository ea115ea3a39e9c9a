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
//!    expires (`refresh_oauth_token`): one refresh for all concurrent
//!    callers, whatever its outcome, and a backoff after a failure (the
//!    runtime's [`TokenCell`](crate::runtime::token::TokenCell)).
//!
//! # Keeping the tokens
//!
//! A session made with [`UserSession::new`] keeps the pair in memory: a
//! restart loses it. A session on a [`TokenStore`](crate::token_store::TokenStore)
//! ([`UserSession::store`] after the exchange, [`UserSession::open`] later,
//! or a [`UserRegistry`] for many users) keeps it in the store, and every
//! process sharing the store shares its refreshes: one refresh request per
//! expiry episode, whoever asks. The stores (`crate::token_store`): in
//! memory, an SQLite file (feature `sqlite-store`), a Redis server (feature
//! `redis-store`).
//!
//! Steps 2 and 3 are known only from public clients: no stored page shows
//! their path, parameters or answer (`api-spec/oauth.yaml`). This module keeps
//! to what those clients show: the exchange answers `access_token`,
//! `refresh_token`, `expires_in` (seconds) and `app_id`; the refresh answers
//! `access_token` (in some clients also `expires_in` and a new
//! `refresh_token`). A new refresh token replaces the one the session holds
//! (a rotation: the old one may no longer work); without one, the old one
//! stays in use. Where an answer leaves something out, the session says so
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
//! let link = client
//!     .authorize_url("https://app.example.com/kdocs/callback")
//!     .scopes(["user_basic", "access_personal_files"])
//!     .build()?;
//! println!("open {}", link.url());
//! // Keep `link.state()` (a random one here) for the callback: compare it
//! // with the redirect's `state` (`link.state_matches(…)`) before the code.
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

use crate::runtime::token::Aborted;
use crate::runtime::url_policy;
use crate::token_store::StoreError;
use crate::{Client, Error, ExchangeOauthCodeRequest, Secret};

mod registry;
mod session;
mod shared;

pub use crate::runtime::token::RefreshPolicy;
pub use registry::UserRegistry;
pub use session::{SessionSettings, UserSession};

/// How long before expiry a session refreshes the access token, at most
/// (5 minutes; at most half the token's lifetime).
pub use crate::runtime::token::DEFAULT_REFRESH_MARGIN;

/// How long a session on a store holds the refresh lease at most, unless
/// [`SessionSettings::with_lease_ttl`] says otherwise (30 s).
pub const DEFAULT_LEASE_TTL: Duration = shared::DEFAULT_LEASE_TTL;

/// The authorize page's URL, built by [`Client::authorize_url`]. `Debug`
/// shows neither the state nor the redirect URI's query.
#[derive(Clone)]
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

impl fmt::Debug for AuthorizeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeUrl")
            .field("base_url", &url_policy::redacted(&self.base_url))
            .field("app_id", &self.app_id)
            .field("redirect_uri", &url_policy::redacted(&self.redirect_uri))
            .field("scopes", &self.scopes)
            .field("state", &self.state.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// What [`AuthorizeUrl::build`] gives: the URL to send the user's browser to,
/// and the `state` it carries, to compare with the one the redirect brings
/// back. `Debug` shows neither the state nor the URL's query.
#[derive(Clone)]
pub struct AuthorizeLink {
    url: reqwest::Url,
    state: String,
}

impl AuthorizeLink {
    /// The authorize page's URL.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The `state` the URL carries: the one given, or a random one.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Whether `state` (from the redirect's query) is the one this link sent.
    pub fn state_matches(&self, state: &str) -> bool {
        // Compared in constant time: a forged callback learns nothing from
        // how long the check took.
        let (a, b) = (self.state.as_bytes(), state.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The URL, owned.
    pub fn into_url(self) -> reqwest::Url {
        self.url
    }
}

impl fmt::Debug for AuthorizeLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeLink")
            .field("url", &url_policy::redacted(self.url.as_str()))
            .field("state", &"***")
            .finish()
    }
}

/// A random `state`: 128 bits from the operating system's random source, as
/// 32 hex digits.
fn random_state() -> Result<String, OAuthError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| OAuthError::Authorize {
        reason: format!("no random source for the state: {e}"),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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

    /// The URL, and the `state` it carries (a random one when none was
    /// given). Fails without a scope (the page requires one), with a blank
    /// scope or one holding `,` (the separator), or when `redirect_uri` is
    /// not one the code may safely travel to: `https` (plain `http` only to
    /// a loopback host), no user info, no fragment, and no `code` or `state`
    /// parameter of its own (the redirect appends those).
    pub fn build(self) -> Result<AuthorizeLink, OAuthError> {
        let refuse = |reason: String| OAuthError::Authorize { reason };
        if self.scopes.is_empty() {
            return Err(refuse(
                "the authorize page requires at least one scope".into(),
            ));
        }
        if let Some(scope) = self
            .scopes
            .iter()
            .find(|scope| scope.trim().is_empty() || scope.contains(','))
        {
            return Err(refuse(format!(
                "scope {scope:?} is blank or holds `,`, which separates scopes"
            )));
        }
        let shown = url_policy::redacted(&self.redirect_uri);
        let uri = reqwest::Url::parse(&self.redirect_uri)
            .ok()
            .filter(|uri| matches!(uri.scheme(), "http" | "https") && uri.has_host())
            .ok_or_else(|| {
                refuse(format!(
                    "redirect_uri {shown} is not an absolute http(s) URL"
                ))
            })?;
        if uri.scheme() == "http" && !url_policy::is_loopback(&uri) {
            return Err(refuse(format!(
                "redirect_uri {shown} is plain http to a host that is not loopback: \
                 the code would travel in clear text"
            )));
        }
        if !uri.username().is_empty() || uri.password().is_some() {
            return Err(refuse(format!(
                "redirect_uri {shown} carries a user name or password"
            )));
        }
        if uri.fragment().is_some() {
            return Err(refuse(format!("redirect_uri {shown} has a fragment")));
        }
        if let Some((name, _)) = uri
            .query_pairs()
            .find(|(name, _)| name == "code" || name == "state")
        {
            return Err(refuse(format!(
                "redirect_uri {shown} has a `{name}` parameter of its own, \
                 which the redirect's would be confused with"
            )));
        }
        let state = match self.state {
            Some(state) if !state.is_empty() => state,
            _ => random_state()?,
        };
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
            query.append_pair("state", &state);
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
        Ok(AuthorizeLink { url, state })
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
pub(crate) fn lifetime(expires_in: Option<i64>) -> Option<Duration> {
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
    /// kdocs refused the refresh (a kdocs error that [`Error::is_auth`]): the
    /// refresh token is unknown, expired, used up by a rotation elsewhere, or
    /// the app's own credentials were refused. The session sends no refresh
    /// again: the user must go through the authorize page again.
    #[error("kdocs refused the refresh token; authorize the user again: {source}")]
    ReauthorizationNeeded {
        /// The refusal.
        #[source]
        source: Arc<Error>,
    },
    /// The refresh ended without an answer: it panicked, was dropped (the
    /// tokio runtime shutting down) or ran past the policy's timeout (or, on
    /// a store, past its share of the refresh lease).
    #[error("refreshing the access token did not finish: {reason}")]
    RefreshAborted {
        /// Why.
        reason: Aborted,
    },
    /// The token store failed (a session on a store): the file could not
    /// be written, the server could not be reached…
    #[error("the token store failed: {source}")]
    Store {
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The store has no tokens for this user: never stored, or removed by a
    /// logout (in this process or another).
    #[error("no stored tokens for user {user:?}; authorize the user")]
    NotStored {
        /// The user's key in the store.
        user: String,
    },
    /// The store records that kdocs refused this user's refresh token (a
    /// refresh in this or another process): the user must go through the
    /// authorize page again, and no process sends a refresh meanwhile.
    #[error("kdocs refused this user's refresh token (as the token store records); authorize the user again")]
    ReauthorizationRecorded,
    /// Another process sharing the store refreshed lately and failed; this
    /// one waits for that failure's backoff instead of sending its own.
    #[error("refreshing the access token failed in another process: {message}")]
    RefreshFailedElsewhere {
        /// That process's error, as it stored it.
        message: String,
    },
    /// Another process held the store's refresh lease for longer than this
    /// one waits (twice the lease's time to live).
    #[error("another process held the refresh lease for over {waited:?}")]
    LeaseWait {
        /// How long this process waited.
        waited: Duration,
    },
}

impl OAuthError {
    /// Whether only a new authorization of the user (the authorize page, then
    /// [`Client::exchange_code`]) can give a usable token.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(
            self,
            OAuthError::ReauthorizationNeeded { .. }
                | OAuthError::NoRefreshToken
                | OAuthError::ReauthorizationRecorded
                | OAuthError::NotStored { .. }
        )
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
            .unwrap()
            .into_url();
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
    fn the_authorize_url_applies_the_url_rule_to_redirect_uri() {
        for bad in [
            "http://app.example.com/cb",
            "https://user:pw@app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https://app.example.com/cb?code=forged",
            "https://app.example.com/cb?x=1&state=forged",
            "mailto:someone@example.com",
            "file:///etc/passwd",
        ] {
            let err = client()
                .authorize_url(bad)
                .scope("user_basic")
                .build()
                .unwrap_err();
            let shown = err.to_string();
            assert!(
                matches!(err, OAuthError::Authorize { .. }),
                "{bad}: {shown}"
            );
            assert!(
                !shown.contains("pw") && !shown.contains("forged"),
                "{shown}"
            );
        }
        for good in [
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "https://a.example/cb?x=1",
        ] {
            client()
                .authorize_url(good)
                .scope("user_basic")
                .build()
                .unwrap();
        }
        for scopes in [vec!["user_basic", " "], vec![""], vec!["a,b"]] {
            let err = client()
                .authorize_url("https://a.example/cb")
                .scopes(scopes.clone())
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("scope"), "{scopes:?}: {err}");
        }
    }

    #[test]
    fn a_random_state_when_none_is_given_and_debug_hides_it() {
        let build = || {
            client()
                .authorize_url("https://a.example/cb?tenant=secret-tenant")
                .scope("user_basic")
                .build()
                .unwrap()
        };
        let (a, b) = (build(), build());
        assert_eq!(a.state().len(), 32);
        assert_ne!(a.state(), b.state());
        let sent: Vec<String> = a
            .url()
            .query_pairs()
            .filter(|(n, _)| n == "state")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(sent, [a.state().to_owned()]);
        assert!(a.state_matches(&sent[0]) && !a.state_matches(b.state()));
        let builder = client()
            .authorize_url("https://a.example/cb?tenant=secret-tenant")
            .scope("user_basic")
            .state("csrf-secret");
        let shown = format!("{builder:?} {a:?}");
        for hidden in ["csrf-secret", "secret-tenant", a.state()] {
            assert!(!shown.contains(hidden), "{shown}");
        }
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
