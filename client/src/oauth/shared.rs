//! A session's refresh when its pair lives on a [`TokenStore`]: the store's
//! lease makes one process refresh while the others wait and read what it
//! stored.
//!
//! One refresh of the session's token cell (already one per process and
//! expiry episode) goes:
//!
//! 1. read the entry. If another process stored a newer pair that is not
//!    due, take it: that was this episode's refresh. If the entry says the
//!    refresh token was refused, end; if it holds a failure whose backoff
//!    runs, give that failure;
//! 2. otherwise take the refresh lease, or wait (polling, 50 ms doubling to
//!    half a second) and go back to 1;
//! 3. holding the lease, read the entry once more (the previous holder may
//!    have stored just before), refresh with the *stored* refresh token,
//!    store the outcome (a new pair, a refusal, a failure), release.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::session::{expiry_of, refresh_user_tokens, RefreshFailure};
use super::UserTokens;
use crate::runtime::time::TimeSource;
use crate::runtime::token::{Issued, Outcome, RefreshPolicy};
use crate::token_store::{
    Entry, Expect, StoreError, StoreKey, StoredFailure, StoredTokens, TokenStore, Version,
};
use crate::Client;

/// How long a refresh lease lasts unless the settings say otherwise.
pub(super) const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// The first pause of a process waiting for another's lease.
const FIRST_POLL: Duration = Duration::from_millis(50);

/// The longest pause between two looks at a taken lease.
const MAX_POLL: Duration = Duration::from_millis(500);

/// How often a pair the store refused is offered to it again.
const SAVE_RETRY: Duration = Duration::from_secs(5);

/// A session's place in a store.
pub(super) struct Binding {
    store: Arc<dyn TokenStore>,
    key: StoreKey,
    lease_ttl: Duration,
    state: Mutex<State>,
}

struct State {
    /// The version of the entry this session last read or wrote.
    version: Version,
    /// A refreshed pair the store refused, kept until a save succeeds.
    unsaved: Option<Unsaved>,
}

struct Unsaved {
    tokens: StoredTokens,
    error: StoreError,
    next_try: Instant,
}

impl fmt::Debug for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Binding")
            .field("store", &self.store)
            .field("key", &self.key)
            .field("version", &state.version)
            .field("unsaved", &state.unsaved.as_ref().map(|u| &u.error))
            .finish_non_exhaustive()
    }
}

/// The pair as a store keeps it.
pub(super) fn to_stored(tokens: &UserTokens) -> StoredTokens {
    let mut stored = StoredTokens::new(
        tokens.access_token.expose_str(),
        tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_str().to_owned()),
    );
    stored.expires_at = tokens.expires_at;
    stored.lifetime = tokens.lifetime;
    stored
}

/// The pair a store kept.
pub(super) fn from_stored(stored: &StoredTokens) -> UserTokens {
    UserTokens {
        access_token: stored.access_token.clone(),
        refresh_token: stored.refresh_token.clone(),
        expires_at: stored.expires_at,
        lifetime: stored.lifetime,
    }
}

fn issued(tokens: UserTokens) -> Issued<UserTokens> {
    let expiry = expiry_of(&tokens);
    Issued::new(tokens, expiry)
}

impl Binding {
    pub(super) fn new(
        store: Arc<dyn TokenStore>,
        key: StoreKey,
        version: Version,
        lease_ttl: Duration,
    ) -> Arc<Self> {
        Arc::new(Binding {
            store,
            key,
            lease_ttl,
            state: Mutex::new(State {
                version,
                unsaved: None,
            }),
        })
    }

    pub(super) fn key(&self) -> &StoreKey {
        &self.key
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One refresh episode of this process, shared with the others through
    /// the store (the module docs give the steps).
    pub(super) async fn refresh(
        &self,
        client: &Client,
        current: UserTokens,
        clock: &dyn TimeSource,
        policy: &RefreshPolicy,
    ) -> Outcome<UserTokens, RefreshFailure> {
        // A pair the store refused earlier is newer than what it holds.
        let _ = self.save_pending(true).await;
        let started = Instant::now();
        let wait = self.lease_ttl.saturating_mul(2);
        let mut pause = FIRST_POLL;
        loop {
            let entry = match self.load().await {
                Ok(entry) => entry,
                Err(failure) => return failure,
            };
            if let Some(outcome) = self.settled(&entry, &current, clock, policy) {
                return outcome;
            }
            match self.store.acquire_lease(&self.key, self.lease_ttl).await {
                Ok(Some(lease)) => {
                    let outcome = self.refresh_holding(client, &current, clock, policy).await;
                    if let Err(error) = self.store.release_lease(&self.key, &lease).await {
                        // It runs out on its own; the outcome is stored.
                        tracing::warn!(user = %self.key, %error, "cannot release the refresh lease");
                    }
                    return outcome;
                }
                Ok(None) if started.elapsed() < wait => {
                    tokio::time::sleep(pause).await;
                    pause = pause.saturating_mul(2).min(MAX_POLL);
                }
                Ok(None) => return Outcome::Failed(RefreshFailure::LeaseWait(wait)),
                Err(error) => return Outcome::Failed(RefreshFailure::Store(error)),
            }
        }
    }

    /// The entry, or the outcome when there is none.
    async fn load(&self) -> Result<Entry, Outcome<UserTokens, RefreshFailure>> {
        match self.store.load(&self.key).await {
            Ok(Some(entry)) => Ok(entry),
            Ok(None) => Err(Outcome::Ended(RefreshFailure::Removed(self.key.clone()))),
            Err(error) => Err(Outcome::Failed(RefreshFailure::Store(error))),
        }
    }

    /// What the entry settles without a refresh of this process's own: a
    /// newer pair, a recorded refusal, a failure under its backoff.
    fn settled(
        &self,
        entry: &Entry,
        current: &UserTokens,
        clock: &dyn TimeSource,
        policy: &RefreshPolicy,
    ) -> Option<Outcome<UserTokens, RefreshFailure>> {
        let stored = &entry.tokens;
        if stored.needs_reauthorization {
            return Some(Outcome::Ended(RefreshFailure::RefusedElsewhere));
        }
        let now = clock.now();
        if !stored.same_tokens(&to_stored(current)) {
            let tokens = from_stored(stored);
            if !expiry_of(&tokens).is_due(now, policy) {
                self.lock().version = entry.version;
                return Some(Outcome::Refreshed(issued(tokens)));
            }
        }
        let failure = stored.failure.as_ref()?;
        let until = failure
            .at
            .checked_add(policy.backoff_after(failure.count))?;
        (now < until).then(|| Outcome::Failed(RefreshFailure::Elsewhere(failure.message.clone())))
    }

    /// The refresh of the lease's holder, and what it stores.
    async fn refresh_holding(
        &self,
        client: &Client,
        current: &UserTokens,
        clock: &dyn TimeSource,
        policy: &RefreshPolicy,
    ) -> Outcome<UserTokens, RefreshFailure> {
        let entry = match self.load().await {
            Ok(entry) => entry,
            Err(failure) => return failure,
        };
        if let Some(outcome) = self.settled(&entry, current, clock, policy) {
            return outcome;
        }
        // The stored refresh token is the newest: a rotation elsewhere may
        // have retired the one this process holds.
        let base = from_stored(&entry.tokens);
        let limit = self.lease_ttl.mul_f64(0.8);
        let outcome = tokio::time::timeout(limit, refresh_user_tokens(client, base, clock))
            .await
            .unwrap_or(Outcome::Failed(RefreshFailure::LeaseRanOut(limit)));
        let mut record = entry.tokens.clone();
        match &outcome {
            Outcome::Refreshed(issued) => {
                self.save_refreshed(to_stored(&issued.value), entry.version)
                    .await;
            }
            Outcome::Ended(RefreshFailure::Refused(_)) => {
                record.needs_reauthorization = true;
                self.save_record(&record, entry.version).await;
            }
            Outcome::Ended(_) => {}
            Outcome::Failed(failure) => {
                record.failure = Some(StoredFailure {
                    at: clock.now(),
                    count: entry.tokens.failure.as_ref().map_or(0, |f| f.count) + 1,
                    message: failure.message(),
                });
                self.save_record(&record, entry.version).await;
            }
        }
        outcome
    }

    /// Stores a new pair; kept for a later save when the store refuses it.
    async fn save_refreshed(&self, tokens: StoredTokens, over: Version) {
        let mut result = self
            .store
            .save(&self.key, &tokens, Expect::Version(over))
            .await;
        if let Err(StoreError::Conflict { .. }) = result {
            // Only a lease that ran out lets another process store meanwhile;
            // this pair is from a refresh that succeeded, so it is kept.
            result = self.store.save(&self.key, &tokens, Expect::Any).await;
        }
        match result {
            Ok(version) => self.lock().version = version,
            Err(error) => {
                tracing::warn!(user = %self.key, %error, "the token store refused the refreshed tokens; they are kept in memory and saved again later");
                self.lock().unsaved = Some(Unsaved {
                    tokens,
                    error,
                    next_try: Instant::now() + SAVE_RETRY,
                });
            }
        }
    }

    /// Stores a refusal or a failure, for the other processes; at worst
    /// they find out for themselves.
    async fn save_record(&self, record: &StoredTokens, over: Version) {
        match self
            .store
            .save(&self.key, record, Expect::Version(over))
            .await
        {
            Ok(version) => self.lock().version = version,
            Err(error) => {
                tracing::warn!(user = %self.key, %error, "cannot store the refresh's outcome");
            }
        }
    }

    /// Offers a kept pair to the store again (`now`: whatever the retry
    /// pause); the store's error while it refuses it.
    pub(super) async fn save_pending(&self, now: bool) -> Result<(), StoreError> {
        let tokens = {
            let state = self.lock();
            match &state.unsaved {
                None => return Ok(()),
                Some(unsaved) if !now && Instant::now() < unsaved.next_try => {
                    return Err(unsaved.error.clone());
                }
                Some(unsaved) => unsaved.tokens.clone(),
            }
        };
        match self.store.save(&self.key, &tokens, Expect::Any).await {
            Ok(version) => {
                let mut state = self.lock();
                state.version = version;
                state.unsaved = None;
                Ok(())
            }
            Err(error) => {
                let mut state = self.lock();
                if let Some(unsaved) = &mut state.unsaved {
                    unsaved.error = error.clone();
                    unsaved.next_try = Instant::now() + SAVE_RETRY;
                }
                Err(error)
            }
        }
    }
}
