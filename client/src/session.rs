//! An anonymous-preview token session: a token that refreshes itself.
//!
//! kdocs anonymous preview works like this: the app creates an anonymous
//! preview task for a file ([`Client::create_anonymous_preview`]), obtains the
//! task's anonymous token, hands it to the browser (WebOfficeSDK
//! `setToken({token, timeout})`), exchanges it for a new one before it expires
//! ([`Client::refresh_anonymous_token`]; the exchange expires the old token at
//! once, and an *expired* token can never be refreshed: only a new preview task
//! gives a new token), and cancels it when done
//! ([`Client::cancel_anonymous_token`]).
//!
//! [`AnonymousSession`] keeps that state for you:
//!
//! - [`AnonymousSession::token`] hands out a valid token, refreshing it first
//!   when it is within the *refresh margin* of its expiry (5 minutes by
//!   default, [`SessionBuilder::refresh_margin`]);
//! - concurrent callers share one refresh (single flight): callers that arrive
//!   while a refresh is under way wait for it and get its result, success or
//!   failure, instead of sending their own request. The refresh runs on its own
//!   task, so a caller that gives up (drops its future) does not lose the new
//!   token;
//! - a token past its expiry (by the session's clock, [`TimeSource`]) is not
//!   sent to the server: the call fails with [`SessionError::NewPreviewTaskNeeded`];
//! - when kdocs refuses the token in a refresh, the session ends with
//!   [`SessionError::TokenRevoked`] (or `NewPreviewTaskNeeded` when the
//!   session's clock says the token has expired by then). The public kdocs pages
//!   give no error code for a refused anonymous token, so a refusal is
//!   recognised by what is documented: a kdocs error envelope whose error is
//!   [`Error::is_auth`] or [`Error::is_not_found`] (an error code of the spec's
//!   table in those categories, or else HTTP 401, 403, 404 or 410). Other
//!   failures keep the token for a later attempt;
//! - [`AnonymousSession::cancel`] cancels the token; the session then refuses
//!   every call with [`SessionError::Cancelled`];
//! - [`AnonymousSession::web_office_token`] gives the `{token, timeout}` pair
//!   for WebOfficeSDK's `setToken`.
//!
//! The time source is injectable ([`TimeSource`], any
//! `Fn() -> SystemTime + Send + Sync`), so tests can follow a fake clock.
//!
//! # Getting the first token
//!
//! The kdocs "query anonymous task" endpoint, which turns a task id into its
//! token, is not among the documented pages this crate is generated from. So
//! there are two ways in:
//!
//! - [`SessionBuilder::from_token`] / [`AnonymousSession::new`] with a token
//!   and expiry you already have, or [`SessionBuilder::from_token_unknown_expiry`]
//!   with a bare token (for example from `KDOCS_ANONYMOUS_TOKEN`): its first use
//!   refreshes it, which tells the expiry;
//! - [`SessionBuilder::create`], which creates the preview task through the API
//!   and then asks a step *you* supply to turn the task id into a [`Token`]
//!   (your own call to the task endpoint; against the fake server of the `fake`
//!   feature, `FakeKdocs::anonymous_token_for_task`).
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use kdocs_client::session::AnonymousSession;
//! use kdocs_client::{Client, Config, CreateAnonymousPreviewRequest, Credentials, Secret, Token};
//!
//! # async fn query_task(_task_id: &str) -> Result<Token, std::io::Error> {
//! #     Err(std::io::Error::other("call the query-anonymous-task endpoint here"))
//! # }
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//! let session = AnonymousSession::builder(client)
//!     .refresh_margin(Duration::from_secs(10 * 60))
//!     .create(CreateAnonymousPreviewRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh"), |task_id| async move {
//!         // Your call to the "query anonymous task" endpoint.
//!         query_task(&task_id).await
//!     })
//!     .await?;
//!
//! // For the browser: `instance.setToken(<this JSON>)`.
//! let for_sdk = session.web_office_token().await?;
//! println!("{}", serde_json::to_string(&for_sdk)?);
//!
//! // Later, whenever a token is needed: refreshed automatically near expiry.
//! let token: Secret<String> = session.token().await?;
//! # let _ = token;
//! session.cancel().await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::{
    CancelAnonymousTokenRequest, Client, CreateAnonymousPreviewRequest, Error,
    RefreshAnonymousTokenRequest, Secret, Token,
};

/// How long before expiry a token is refreshed, unless set otherwise (5
/// minutes; at most half the token's lifetime).
pub use crate::runtime::token::DEFAULT_REFRESH_MARGIN;

pub use crate::runtime::time::{SystemClock, TimeSource};
pub use crate::runtime::token::{Aborted, RefreshPolicy};

use crate::runtime::token::{Expiry, Issued, Outcome, TokenCell, TokenError};

/// The `{token, timeout}` object WebOfficeSDK's `setToken` expects.
///
/// Serializes to `{"token":"…","timeout":86399000}`: `timeout` is the number of
/// milliseconds until the token expires. `Debug` redacts the token.
///
/// ```
/// use kdocs_client::session::WebOfficeToken;
/// use kdocs_client::Secret;
///
/// let t = WebOfficeToken { token: Secret::new("Anonymous-abc".into()), timeout: 60_000 };
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"token":"Anonymous-abc","timeout":60000}"#);
/// assert_eq!(format!("{t:?}"), "WebOfficeToken { token: Secret(***), timeout: 60000 }");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WebOfficeToken {
    /// The anonymous token.
    pub token: Secret<String>,
    /// Milliseconds until the token expires.
    pub timeout: u64,
}

/// Why a session could not hand out, refresh or cancel its token.
///
/// No variant shows the token; errors from the API carry the operation name
/// and path template only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The token expired by the session's clock (its `expire_at`): before a
    /// refresh was sent, or by the time the server refused the refresh. An
    /// expired anonymous token cannot be refreshed: create a new anonymous
    /// preview task to get a new token.
    #[error(
        "the anonymous token expired{} and cannot be refreshed; \
         a new anonymous preview task is needed to get a new token",
        display_expiry(.expired_at)
    )]
    NewPreviewTaskNeeded {
        /// The token's expiry, Unix seconds, when known.
        expired_at: Option<i64>,
        /// The server's refusal of the refresh, when one was sent (`None` when
        /// the session's clock decided without asking).
        #[source]
        source: Option<Arc<Error>>,
    },

    /// kdocs refused the refresh of a token the session's clock still holds
    /// valid: a kdocs error envelope that [`Error::is_auth`] or
    /// [`Error::is_not_found`] (no public page gives a code for this). The token
    /// is unknown, expired by the server's clock, cancelled or replaced by a
    /// refresh made elsewhere, or the app's own credentials were refused; the
    /// source error tells which as far as the server said. The session does not
    /// ask again: a new anonymous preview task is needed.
    #[error(
        "kdocs refused the anonymous token (unknown, expired, cancelled, replaced by another \
         refresh, or the app's credentials refused); a new anonymous preview task is needed: {source}"
    )]
    TokenRevoked {
        /// The server's refusal.
        #[source]
        source: Arc<Error>,
    },

    /// [`AnonymousSession::cancel`] was called: the session no longer hands out tokens.
    #[error(
        "the anonymous session was cancelled; create a new anonymous preview task for a new token"
    )]
    Cancelled,

    /// The refresh call failed for another reason (transport, rate limit,
    /// server error, a body that is not a kdocs envelope). The current token is
    /// kept; a later call tries again.
    /// Callers that waited for the same refresh share this error.
    #[error("refreshing the anonymous token failed: {source}")]
    Refresh {
        /// The failed call.
        #[source]
        source: Arc<Error>,
    },

    /// The refresh (or cancel) ended without an answer: it panicked, was
    /// dropped (the tokio runtime shutting down) or ran past the policy's
    /// timeout. The token is kept.
    #[error("the anonymous token refresh did not finish: {reason}")]
    RefreshAborted {
        /// Why.
        reason: Aborted,
    },

    /// The cancel call failed.
    #[error("cancelling the anonymous token failed: {source}")]
    Cancel {
        /// The failed call.
        #[source]
        source: Error,
    },

    /// Creating the anonymous preview task failed.
    #[error("creating the anonymous preview task failed: {source}")]
    CreateTask {
        /// The failed call.
        #[source]
        source: Error,
    },

    /// The caller-supplied step that turns a task id into its token failed.
    #[error("getting the token of the new anonymous preview task failed: {source}")]
    TaskToken {
        /// The step's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

fn display_expiry(expired_at: &Option<i64>) -> String {
    match expired_at {
        Some(t) => format!(" at {t} (Unix seconds)"),
        None => String::new(),
    }
}

impl SessionError {
    /// Whether only a new anonymous preview task can give a usable token
    /// (expired, revoked or cancelled token).
    pub fn needs_new_preview_task(&self) -> bool {
        matches!(
            self,
            SessionError::NewPreviewTaskNeeded { .. }
                | SessionError::TokenRevoked { .. }
                | SessionError::Cancelled
        )
    }
}

/// Configures an [`AnonymousSession`]; from [`AnonymousSession::builder`].
pub struct SessionBuilder {
    client: Client,
    policy: RefreshPolicy,
    clock: Arc<dyn TimeSource>,
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("client", &self.client)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    /// Refresh the token when it expires within `margin` (default
    /// [`DEFAULT_REFRESH_MARGIN`], 5 minutes; at most half the token's
    /// lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.policy = self.policy.with_margin(margin);
        self
    }

    /// The whole refresh policy: margin, backoff after a failure, timeout.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Read the time from `clock` instead of the system clock.
    pub fn time_source(mut self, clock: impl TimeSource) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A session for a token you already have, expiring at `expire_at` (Unix seconds).
    pub fn from_token(self, token: impl Into<Secret<String>>, expire_at: i64) -> AnonymousSession {
        let expiry = Expiry::at(expiry_time(expire_at), None);
        self.build(None, new_token(token.into(), expire_at), expiry)
    }

    /// A session for a token whose expiry you do not know (for example a bare
    /// `KDOCS_ANONYMOUS_TOKEN`): the first call that needs the token refreshes
    /// it, which tells its expiry.
    pub fn from_token_unknown_expiry(self, token: impl Into<Secret<String>>) -> AnonymousSession {
        self.build(None, new_token(token.into(), i64::MAX), Expiry::Unknown)
    }

    /// Creates an anonymous preview task with `request`, then calls
    /// `task_token` with the new task id to obtain the task's [`Token`].
    ///
    /// `task_token` stands for the kdocs "query anonymous task" call, which is
    /// not among the documented endpoints this crate generates; with the fake
    /// server, it can read `FakeKdocs::anonymous_token_for_task`.
    pub async fn create<F, Fut, E>(
        self,
        request: CreateAnonymousPreviewRequest,
        task_token: F,
    ) -> Result<AnonymousSession, SessionError>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Token, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let task = self
            .client
            .create_anonymous_preview(request)
            .await
            .map_err(|source| SessionError::CreateTask { source })?;
        let token = task_token(task.task_id.clone())
            .await
            .map_err(|e| SessionError::TaskToken { source: e.into() })?;
        let expiry = Expiry::at(expiry_time(token.expire_at), None);
        Ok(self.build(Some(task.task_id), token, expiry))
    }

    fn build(self, task_id: Option<String>, token: Token, expiry: Expiry) -> AnonymousSession {
        let refresher = {
            let client = self.client.clone();
            let clock = self.clock.clone();
            move |current: Issued<Token>| {
                let client = client.clone();
                let clock = clock.clone();
                async move { refresh_anonymous(&client, current, clock.as_ref()).await }
            }
        };
        AnonymousSession {
            inner: Arc::new(Inner {
                client: self.client,
                task_id,
                clock: self.clock.clone(),
                cell: TokenCell::new(
                    Issued::new(token, expiry),
                    self.policy,
                    self.clock,
                    refresher,
                ),
            }),
        }
    }
}

/// A token built here, in the crate that defines it.
fn new_token(value: Secret<String>, expire_at: i64) -> Token {
    Token { value, expire_at }
}

/// An anonymous preview token that refreshes itself; see the [module docs](self).
///
/// Cheap to clone: clones share the token, so one refresh serves them all.
#[derive(Clone)]
pub struct AnonymousSession {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    task_id: Option<String>,
    clock: Arc<dyn TimeSource>,
    /// The token, its refreshes and its end (expired, revoked, cancelled).
    cell: TokenCell<Token, Failure>,
}

/// Why the cell gave no token: what the waiters of one refresh share.
#[derive(Clone, Debug)]
enum Failure {
    /// The refresh call failed; the token is kept.
    Refresh(Arc<Error>),
    /// The token expired by the session's clock (with the server's refusal,
    /// when one was asked).
    Expired {
        expired_at: Option<i64>,
        source: Option<Arc<Error>>,
    },
    /// kdocs refused a token the session's clock holds valid.
    Revoked(Arc<Error>),
    /// [`AnonymousSession::cancel`] cancelled it.
    Cancelled,
}

impl Failure {
    /// The name shown by `Debug` of the session.
    fn name(&self) -> &'static str {
        match self {
            Failure::Refresh(_) => "live",
            Failure::Expired { .. } => "expired",
            Failure::Revoked(_) => "revoked",
            Failure::Cancelled => "cancelled",
        }
    }
}

impl From<Failure> for SessionError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Refresh(source) => SessionError::Refresh { source },
            Failure::Expired { expired_at, source } => {
                SessionError::NewPreviewTaskNeeded { expired_at, source }
            }
            Failure::Revoked(source) => SessionError::TokenRevoked { source },
            Failure::Cancelled => SessionError::Cancelled,
        }
    }
}

impl From<TokenError<Failure>> for SessionError {
    fn from(error: TokenError<Failure>) -> Self {
        match error {
            TokenError::Failed(failure) | TokenError::Ended(failure) => failure.into(),
            TokenError::Aborted(reason) => SessionError::RefreshAborted { reason },
        }
    }
}

impl fmt::Debug for AnonymousSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = self.inner.cell.ended().map_or("live", |end| end.name());
        f.debug_struct("AnonymousSession")
            .field("task_id", &self.inner.task_id)
            .field("expire_at", &self.expire_at())
            .field("phase", &phase)
            .field("refresh_margin", &self.refresh_margin())
            .finish_non_exhaustive()
    }
}

/// `expire_at` (Unix seconds) as a `SystemTime`; negative values are the epoch.
/// Values too large for the platform's `SystemTime` are capped at about year 10000.
fn expiry_time(expire_at: i64) -> SystemTime {
    let secs = u64::try_from(expire_at).unwrap_or(0);
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(253_402_300_799))
}

/// The known expiry of `issued`, Unix seconds.
fn known_expire_at(issued: &Issued<Token>) -> Option<i64> {
    issued.expiry.time().map(|_| issued.value.expire_at)
}

/// Whether `error` is kdocs refusing the token (or the caller) rather than a
/// failure to get an answer: a kdocs error envelope that is an auth or
/// not-found error ([`Error::is_auth`], [`Error::is_not_found`]: the code's
/// category when the spec's error table has the code, otherwise HTTP 401, 403,
/// 404 or 410). No public kdocs page gives a code for a refused anonymous
/// token, so no code number is looked for; a body that is not a kdocs envelope
/// (a gateway's page) is not a refusal.
fn refuses_the_token(error: &Error) -> bool {
    error.api().is_some() && (error.is_auth() || error.is_not_found())
}

/// One refresh of `current`, as the cell's outcome. A token expired by the
/// session's clock is not sent: it can never be refreshed.
async fn refresh_anonymous(
    client: &Client,
    current: Issued<Token>,
    clock: &dyn TimeSource,
) -> Outcome<Token, Failure> {
    let expired = |now: SystemTime| current.expiry.time().is_some_and(|at| now >= at);
    let expired_at = known_expire_at(&current);
    if expired(clock.now()) {
        return Outcome::Ended(Failure::Expired {
            expired_at,
            source: None,
        });
    }
    let request = RefreshAnonymousTokenRequest::new(current.value.value.expose_str());
    match client.refresh_anonymous_token(request).await {
        Ok(token) => {
            let at = expiry_time(token.expire_at);
            let lifetime = at.duration_since(clock.now()).ok();
            Outcome::Refreshed(Issued::new(token, Expiry::at(at, lifetime)))
        }
        // Expired by the session's own clock by now: say so; else the server
        // refused a token the session holds valid.
        Err(e) if refuses_the_token(&e) && expired(clock.now()) => {
            Outcome::Ended(Failure::Expired {
                expired_at,
                source: Some(Arc::new(e)),
            })
        }
        Err(e) if refuses_the_token(&e) => Outcome::Ended(Failure::Revoked(Arc::new(e))),
        Err(e) => Outcome::Failed(Failure::Refresh(Arc::new(e))),
    }
}

impl AnonymousSession {
    /// A builder with the defaults: 5-minute refresh margin, system clock.
    pub fn builder(client: Client) -> SessionBuilder {
        SessionBuilder {
            client,
            policy: RefreshPolicy::new(),
            clock: Arc::new(SystemClock),
        }
    }

    /// A session with the defaults for a token you already have, expiring at
    /// `expire_at` (Unix seconds), for example from `KDOCS_ANONYMOUS_TOKEN`.
    pub fn new(client: Client, token: impl Into<Secret<String>>, expire_at: i64) -> Self {
        Self::builder(client).from_token(token, expire_at)
    }

    /// The preview task id, when the session created the task.
    pub fn task_id(&self) -> Option<&str> {
        self.inner.task_id.as_deref()
    }

    /// The current token's expiry, Unix seconds (it changes with each refresh);
    /// `None` before the first refresh of a token given without its expiry.
    pub fn expire_at(&self) -> Option<i64> {
        known_expire_at(&self.inner.cell.current())
    }

    /// The refresh margin.
    pub fn refresh_margin(&self) -> Duration {
        self.inner.cell.policy().margin()
    }

    /// A valid token, refreshed first when it expires within the refresh margin.
    pub async fn token(&self) -> Result<Secret<String>, SessionError> {
        self.current().await.map(|t| t.value)
    }

    /// Like [`token`](Self::token), with the token's expiry.
    pub async fn current(&self) -> Result<Token, SessionError> {
        Ok(self.inner.cell.get().await?)
    }

    /// Refreshes the token now, whatever its expiry, and returns the new one.
    /// A refresh already under way counts: its result is returned.
    pub async fn refresh(&self) -> Result<Token, SessionError> {
        Ok(self.inner.cell.refresh().await?)
    }

    /// The `{token, timeout}` pair for WebOfficeSDK's `setToken`, with a token
    /// refreshed first if it is due.
    pub async fn web_office_token(&self) -> Result<WebOfficeToken, SessionError> {
        let token = self.current().await?;
        let timeout = expiry_time(token.expire_at)
            .duration_since(self.inner.clock.now())
            .map(|left| u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Ok(WebOfficeToken {
            token: token.value,
            timeout,
        })
    }

    /// Cancels the token on the server. Afterwards every call fails with
    /// [`SessionError::Cancelled`]; cancelling again does nothing.
    ///
    /// Waits for a refresh under way. The token is unusable either way, so the
    /// session is marked cancelled and the cancel succeeds, when kdocs answers
    /// that the token does not exist ([`Error::is_not_found`]: unknown,
    /// cancelled or replaced; this is also what a retried cancel sees when its
    /// first attempt got through but the answer was lost), or refuses it
    /// ([`Error::is_auth`]) once the session's clock says it has expired. Other
    /// failures are returned, among them an auth refusal of a token the
    /// session's clock still holds valid: that may be the app's credentials
    /// being refused, and the token may still work.
    pub async fn cancel(&self) -> Result<(), SessionError> {
        let client = self.inner.client.clone();
        let clock = self.inner.clock.clone();
        let answer = self
            .inner
            .cell
            .exclusive(move |current, ended| async move {
                if matches!(ended, Some(Failure::Cancelled)) {
                    return (None, Ok(()));
                }
                cancel_anonymous(&client, current, clock.as_ref()).await
            })
            .await;
        match answer {
            Ok(result) => result,
            Err(reason) => Err(SessionError::RefreshAborted { reason }),
        }
    }
}

/// One cancel of `current`: the cell's new end, if any, and the answer.
async fn cancel_anonymous(
    client: &Client,
    current: Issued<Token>,
    clock: &dyn TimeSource,
) -> (Option<Outcome<Token, Failure>>, Result<(), SessionError>) {
    let cancelled = Some(Outcome::Ended(Failure::Cancelled));
    let request = CancelAnonymousTokenRequest::new(current.value.value.expose_str());
    match client.cancel_anonymous_token(request).await {
        Ok(_) => (cancelled, Ok(())),
        Err(source) => {
            let expired = current.expiry.time().is_some_and(|at| clock.now() >= at);
            let gone =
                source.api().is_some() && (source.is_not_found() || (expired && source.is_auth()));
            if gone {
                tracing::debug!(
                    code = source.api().map(|api| api.code),
                    "anonymous token was already unusable; session cancelled"
                );
                return (cancelled, Ok(()));
            }
            (None, Err(SessionError::Cancel { source }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Credentials};

    fn client() -> Client {
        Client::new(
            Credentials::new("app", "key"),
            Config::new().with_base_url("http://127.0.0.1:9"),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn fresh_token_is_handed_out_without_a_call() {
        let now = SystemTime::now();
        let expire = now.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 + 3600;
        let session = AnonymousSession::new(client(), "Anonymous-x", expire);
        assert_eq!(session.token().await.unwrap().expose(), "Anonymous-x");
        let sdk = session.web_office_token().await.unwrap();
        assert!(
            sdk.timeout > 3_590_000 && sdk.timeout <= 3_600_000,
            "{sdk:?}"
        );
        let debug = format!("{session:?}");
        assert!(!debug.contains("Anonymous-x"), "{debug}");
    }

    #[tokio::test]
    async fn expired_token_needs_a_new_task_without_a_call() {
        let session = AnonymousSession::builder(client())
            .time_source(|| UNIX_EPOCH + Duration::from_secs(1000))
            .from_token("Anonymous-x", 999);
        let err = session.token().await.unwrap_err();
        assert!(
            matches!(
                err,
                SessionError::NewPreviewTaskNeeded {
                    expired_at: Some(999),
                    source: None
                }
            ),
            "{err:?}"
        );
        assert!(err.needs_new_preview_task());
        assert!(err.to_string().contains("new anonymous preview task"));
        // And it stays that way.
        assert!(session.token().await.unwrap_err().needs_new_preview_task());
    }

    #[tokio::test]
    async fn transport_failure_is_a_refresh_error_and_keeps_the_token() {
        // Due (expires within the margin) but not expired; the server is unreachable.
        let session = AnonymousSession::builder(client())
            .time_source(|| UNIX_EPOCH + Duration::from_secs(1000))
            .from_token("Anonymous-x", 1010);
        let err = session.token().await.unwrap_err();
        assert!(matches!(err, SessionError::Refresh { .. }), "{err:?}");
        assert!(!err.needs_new_preview_task());
        assert!(!err.to_string().contains("Anonymous-x"));
        assert_eq!(session.expire_at(), Some(1010));
    }
}
