//! [`UserSession`]: a user's access token that refreshes itself, in memory
//! or on a [`TokenStore`](crate::token_store::TokenStore).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::shared::{Binding, DEFAULT_LEASE_TTL};
use super::{lifetime, OAuthError, UserTokens};
use crate::runtime::time::{SystemClock, TimeSource};
use crate::runtime::token::{Expiry, Issued, Outcome, RefreshPolicy, TokenCell, TokenError};
use crate::token_store::{Expect, StoreError, StoreKey, TokenStore};
use crate::{Client, Error, RefreshOauthTokenRequest, Secret};

/// How a session refreshes: the policy (margin, backoff, timeout), the
/// clock, and for a session on a store, how long its refresh lease lasts.
#[derive(Clone)]
pub struct SessionSettings {
    pub(super) policy: RefreshPolicy,
    pub(super) clock: Arc<dyn TimeSource>,
    pub(super) lease_ttl: Duration,
}

impl fmt::Debug for SessionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSettings")
            .field("policy", &self.policy)
            .field("lease_ttl", &self.lease_ttl)
            .finish_non_exhaustive()
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            policy: RefreshPolicy::new(),
            clock: Arc::new(SystemClock),
            lease_ttl: DEFAULT_LEASE_TTL,
        }
    }
}

impl SessionSettings {
    /// The defaults: [`RefreshPolicy::new`], the system clock, a 30-second
    /// lease.
    pub fn new() -> Self {
        Self::default()
    }

    /// Another refresh policy.
    pub fn with_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Another clock (tests follow a fake server's clock this way).
    pub fn with_clock(mut self, clock: impl TimeSource) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long a process holds the refresh lease at most (default 30 s,
    /// at least 1 s): a holder that dies mid-refresh leaves the refresh to
    /// another process after this long, and a refresh under the lease gets
    /// four fifths of it to finish.
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_secs(1));
        self
    }
}

/// A user's access token that refreshes itself; cheap to clone (clones share
/// the token and its refreshes).
///
/// The session is a [`TokenCell`] (the runtime's refreshing token) whose
/// refresh is `refresh_oauth_token`, so it keeps the cell's rules:
///
/// - [`UserSession::access_token`] refreshes the token first when it is
///   within the refresh margin of its expiry (5 minutes, at most half the
///   token's lifetime);
/// - concurrent callers share one refresh and its outcome, a failure as much
///   as a new token: ten callers of a due token whose refresh answers HTTP 500
///   send one request and get one error ([`OAuthError::Refresh`]);
/// - after a failure, a due token gives that error without a request until
///   a backoff ends (5 s, doubling up to a minute; [`RefreshPolicy`]);
///   [`UserSession::refresh`] is not held back by it;
/// - a refresh kdocs refuses (a kdocs error that [`Error::is_auth`]) ends the
///   session: every call then gives [`OAuthError::ReauthorizationNeeded`],
///   and nothing is sent again; so does a due token with no refresh token;
/// - a refresh that answers a new refresh token (a rotation) replaces the
///   one the session holds.
///
/// # On a store
///
/// A session opened on a [`TokenStore`] ([`UserSession::open`],
/// [`UserSession::store`], or a [`UserRegistry`](super::UserRegistry)) keeps
/// the pair there, and its rules hold across every process that shares the
/// store:
///
/// - **one refresh per expiry episode.** A due token is refreshed by the
///   process that takes the store's refresh lease; the others wait for the
///   lease and take the pair it stored, without a request;
/// - **a failure is shared too.** The holder stores a failed refresh; until
///   its backoff ends, the other processes give that failure
///   ([`OAuthError::RefreshFailedElsewhere`]) instead of sending their own;
/// - **a refusal is final everywhere.** A refresh kdocs refuses marks the
///   entry; every process then gives
///   [`OAuthError::ReauthorizationRecorded`] and none sends a refresh again;
/// - **a holder that dies** (killed mid-refresh) leaves the lease to run out
///   ([`SessionSettings::with_lease_ttl`], 30 s); then another process takes
///   it over;
/// - **a rotated pair is never dropped.** If the store refuses the new pair
///   (a full disk, a Redis restart), the session keeps it and hands it out,
///   retries the save at each call (at most every 5 s), logs a warning, and
///   [`UserSession::save_pending`] gives the store's error until a save
///   succeeds.
///
/// Without an expiry (the exchange gave no `expires_in`) the token is handed
/// out as it is until [`UserSession::refresh`] is called, for example after a
/// refusal (HTTP 401, `ErrorCode::AccessTokenInvalid`).
#[derive(Clone)]
pub struct UserSession {
    client: Client,
    cell: TokenCell<UserTokens, RefreshFailure>,
    binding: Option<Arc<Binding>>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("token", &self.cell)
            .field("store", &self.binding)
            .finish_non_exhaustive()
    }
}

/// Why a refresh gave no token: what the waiters of one refresh share.
#[derive(Clone, Debug)]
pub(super) enum RefreshFailure {
    /// The call failed; worth trying again after the backoff.
    Call(Arc<Error>),
    /// kdocs refused the refresh: the user must authorize again.
    Refused(Arc<Error>),
    /// The answer had no `access_token`.
    NoAccessToken,
    /// There is no refresh token to refresh with.
    NoRefreshToken,
    /// Another process's refresh failed lately, with this message.
    Elsewhere(String),
    /// The store's entry says kdocs refused its refresh token.
    RefusedElsewhere,
    /// The store has no entry for the user any more (a logout).
    Removed(StoreKey),
    /// The store failed.
    Store(StoreError),
    /// The refresh lease stayed taken past the wait.
    LeaseWait(Duration),
    /// The refresh under the lease ran past its share of the lease.
    LeaseRanOut(Duration),
}

impl RefreshFailure {
    /// The failure as the message another process reads from the store.
    pub(super) fn message(&self) -> String {
        OAuthError::from(TokenError::Failed(self.clone())).to_string()
    }
}

impl From<TokenError<RefreshFailure>> for OAuthError {
    fn from(error: TokenError<RefreshFailure>) -> Self {
        match error {
            TokenError::Failed(failure) | TokenError::Ended(failure) => match failure {
                RefreshFailure::Call(source) => OAuthError::Refresh { source },
                RefreshFailure::Refused(source) => OAuthError::ReauthorizationNeeded { source },
                RefreshFailure::NoAccessToken => OAuthError::NoAccessToken {
                    operation: "refresh_oauth_token",
                },
                RefreshFailure::NoRefreshToken => OAuthError::NoRefreshToken,
                RefreshFailure::Elsewhere(message) => {
                    OAuthError::RefreshFailedElsewhere { message }
                }
                RefreshFailure::RefusedElsewhere => OAuthError::ReauthorizationRecorded,
                RefreshFailure::Removed(key) => OAuthError::NotStored {
                    user: key.user().to_owned(),
                },
                RefreshFailure::Store(source) => OAuthError::Store { source },
                RefreshFailure::LeaseWait(waited) => OAuthError::LeaseWait { waited },
                RefreshFailure::LeaseRanOut(limit) => OAuthError::RefreshAborted {
                    reason: crate::runtime::token::Aborted::TimedOut(limit),
                },
            },
            TokenError::Aborted(reason) => OAuthError::RefreshAborted { reason },
        }
    }
}

impl UserSession {
    /// A session for `tokens`, in memory, refreshing 5 minutes before
    /// expiry, on the system clock.
    pub fn new(client: Client, tokens: UserTokens) -> Self {
        Self::with_policy(client, tokens, RefreshPolicy::new(), SystemClock)
    }

    /// A session in memory with another refresh margin and clock (tests
    /// follow a fake server's clock this way).
    pub fn with_clock(
        client: Client,
        tokens: UserTokens,
        margin: Duration,
        clock: impl TimeSource,
    ) -> Self {
        Self::with_policy(
            client,
            tokens,
            RefreshPolicy::new().with_margin(margin),
            clock,
        )
    }

    /// A session in memory with its own refresh policy (margin, backoff,
    /// timeout) and clock.
    pub fn with_policy(
        client: Client,
        tokens: UserTokens,
        policy: RefreshPolicy,
        clock: impl TimeSource,
    ) -> Self {
        let settings = SessionSettings::new().with_policy(policy).with_clock(clock);
        Self::build(client, tokens, settings, None)
    }

    /// The session of `user`, from `store` (saved there by a login in this
    /// or another process). [`OAuthError::NotStored`] when the store has no
    /// entry for the user, [`OAuthError::ReauthorizationRecorded`] when its
    /// refresh token was refused.
    pub async fn open(
        client: Client,
        store: Arc<dyn TokenStore>,
        user: &str,
        settings: SessionSettings,
    ) -> Result<Self, OAuthError> {
        let key = StoreKey::new(client.credentials().app_id(), user)
            .map_err(|source| OAuthError::Store { source })?;
        let entry = store
            .load(&key)
            .await
            .map_err(|source| OAuthError::Store { source })?
            .ok_or_else(|| OAuthError::NotStored {
                user: user.to_owned(),
            })?;
        if entry.tokens.needs_reauthorization {
            return Err(OAuthError::ReauthorizationRecorded);
        }
        let tokens = super::shared::from_stored(&entry.tokens);
        let binding = Binding::new(store, key, entry.version, settings.lease_ttl);
        Ok(Self::build(client, tokens, settings, Some(binding)))
    }

    /// Saves `tokens` (from [`Client::exchange_code`]) in `store` as
    /// `user`'s, replacing what was there, and gives their session.
    pub async fn store(
        client: Client,
        store: Arc<dyn TokenStore>,
        user: &str,
        tokens: UserTokens,
        settings: SessionSettings,
    ) -> Result<Self, OAuthError> {
        let key = StoreKey::new(client.credentials().app_id(), user)
            .map_err(|source| OAuthError::Store { source })?;
        let version = store
            .save(&key, &super::shared::to_stored(&tokens), Expect::Any)
            .await
            .map_err(|source| OAuthError::Store { source })?;
        let binding = Binding::new(store, key, version, settings.lease_ttl);
        Ok(Self::build(client, tokens, settings, Some(binding)))
    }

    fn build(
        client: Client,
        tokens: UserTokens,
        settings: SessionSettings,
        binding: Option<Arc<Binding>>,
    ) -> Self {
        let SessionSettings { policy, clock, .. } = settings;
        let expiry = expiry_of(&tokens);
        let refresher = {
            let client = client.clone();
            let clock = clock.clone();
            let binding = binding.clone();
            move |current: Issued<UserTokens>| {
                let client = client.clone();
                let clock = clock.clone();
                let binding = binding.clone();
                async move {
                    match binding {
                        Some(binding) => {
                            binding
                                .refresh(&client, current.value, clock.as_ref(), &policy)
                                .await
                        }
                        None => refresh_user_tokens(&client, current.value, clock.as_ref()).await,
                    }
                }
            }
        };
        UserSession {
            client,
            cell: TokenCell::new(Issued::new(tokens, expiry), policy, clock, refresher),
            binding,
        }
    }

    /// A valid access token: the current one, or a refreshed one when it is
    /// within the refresh margin of its expiry.
    pub async fn access_token(&self) -> Result<Secret<String>, OAuthError> {
        let tokens = self.cell.get().await?;
        self.retry_pending_save().await;
        Ok(tokens.access_token)
    }

    /// Gets a new access token now, with the refresh token. A refresh
    /// already under way counts: its outcome is returned. On a store, a
    /// pair another process refreshed meanwhile counts as well.
    pub async fn refresh(&self) -> Result<Secret<String>, OAuthError> {
        if self.binding.is_none() && self.cell.current().value.refresh_token.is_none() {
            // Nothing to refresh with; the access token may still be good,
            // so the session is left as it is.
            return Err(OAuthError::NoRefreshToken);
        }
        let tokens = self.cell.refresh().await?;
        self.retry_pending_save().await;
        Ok(tokens.access_token)
    }

    /// The current tokens (to store them, say), without a refresh.
    pub async fn tokens(&self) -> UserTokens {
        self.cell.current().value
    }

    /// The client the session refreshes with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The user this session is stored as, on a store.
    pub fn user(&self) -> Option<&str> {
        self.binding.as_deref().map(|b| b.key().user())
    }

    /// Saves a refreshed pair the store refused earlier (see the type's
    /// docs): `Ok` when nothing waits to be saved, or when this save
    /// succeeded; the store's error otherwise (the pair stays kept).
    pub async fn save_pending(&self) -> Result<(), OAuthError> {
        match &self.binding {
            Some(binding) => binding
                .save_pending(true)
                .await
                .map_err(|source| OAuthError::Store { source }),
            None => Ok(()),
        }
    }

    async fn retry_pending_save(&self) {
        if let Some(binding) = &self.binding {
            // The caller has a good token: the store's trouble is logged and
            // kept for `save_pending`, not made the caller's failure.
            let _ = binding.save_pending(false).await;
        }
    }
}

/// The cell's expiry of `tokens`: when they said, or refreshed only on demand.
pub(super) fn expiry_of(tokens: &UserTokens) -> Expiry {
    match tokens.expires_at {
        Some(at) => Expiry::at(at, tokens.lifetime),
        None => Expiry::Manual,
    }
}

/// One `refresh_oauth_token` call for `tokens`, as the cell's outcome.
pub(super) async fn refresh_user_tokens(
    client: &Client,
    tokens: UserTokens,
    clock: &dyn TimeSource,
) -> Outcome<UserTokens, RefreshFailure> {
    let Some(refresh_token) = tokens.refresh_token.clone() else {
        return Outcome::Ended(RefreshFailure::NoRefreshToken);
    };
    let credentials = client.credentials();
    let request = RefreshOauthTokenRequest::new()
        .with_app_id(credentials.app_id())
        .with_app_key(credentials.app_key().expose_str())
        .with_refresh_token(refresh_token.expose_str());
    let answer = match client.refresh_oauth_token(request).await {
        Ok(answer) => answer,
        // A kdocs refusal (not a transport failure or a gateway's page) will
        // not change by asking again.
        Err(error) if error.api().is_some() && error.is_auth() => {
            return Outcome::Ended(RefreshFailure::Refused(Arc::new(error)))
        }
        Err(error) => return Outcome::Failed(RefreshFailure::Call(Arc::new(error))),
    };
    let Some(access_token) = answer.access_token else {
        return Outcome::Failed(RefreshFailure::NoAccessToken);
    };
    // The public clients show no new expires_in in every refresh answer:
    // then the previous lifetime is the best estimate there is.
    let lifetime = lifetime(answer.expires_in).or(tokens.lifetime);
    let refreshed = UserTokens {
        access_token,
        // A rotation answers a new refresh token, and the one sent may no
        // longer work: the new one replaces it. Without one, the one sent
        // stays in use.
        refresh_token: answer.refresh_token.or(tokens.refresh_token),
        expires_at: lifetime.and_then(|l| clock.now().checked_add(l)),
        lifetime,
    };
    let expiry = expiry_of(&refreshed);
    Outcome::Refreshed(Issued::new(refreshed, expiry))
}
