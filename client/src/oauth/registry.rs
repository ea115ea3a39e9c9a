//! [`UserRegistry`]: the sessions of many users, on one store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::session::{SessionSettings, UserSession};
use super::{OAuthError, UserTokens};
use crate::token_store::{StoreKey, TokenStore};
use crate::Client;

/// Every user's session, from one [`TokenStore`]: what a service that acts
/// for many kdocs users holds. Cheap to share behind an `Arc`.
///
/// A user is named by a key the service chooses (the user's `open_id` from
/// `get_user_info`, say, or the service's own user id). Each user's session
/// is opened once per registry and kept; the store holds the pair, so a
/// restart, or another process with a registry on the same store, finds it.
///
/// ```no_run
/// use std::sync::Arc;
/// use kdocs_client::oauth::UserRegistry;
/// use kdocs_client::token_store::MemoryStore;
/// use kdocs_client::{Client, Config, Credentials};
///
/// # async fn run(code_from_redirect: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
/// // A SqliteStore or a RedisStore (features `sqlite-store`, `redis-store`)
/// // keeps the pairs across restarts and processes.
/// let users = UserRegistry::new(client.clone(), Arc::new(MemoryStore::new()));
/// let tokens = client.exchange_code(code_from_redirect).await?;
/// users.login("user-42", tokens).await?;
/// // Later, anywhere in the service:
/// let session = users.session("user-42").await?;
/// let token = session.access_token().await?;
/// # let _ = token;
/// users.logout("user-42").await?;
/// # Ok(()) }
/// ```
pub struct UserRegistry {
    client: Client,
    store: Arc<dyn TokenStore>,
    settings: SessionSettings,
    sessions: Mutex<HashMap<String, UserSession>>,
}

impl std::fmt::Debug for UserRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRegistry")
            .field("store", &self.store)
            .field("open_sessions", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl UserRegistry {
    /// A registry on `store`, with the default [`SessionSettings`].
    pub fn new(client: Client, store: Arc<dyn TokenStore>) -> Self {
        Self::with_settings(client, store, SessionSettings::new())
    }

    /// A registry whose sessions refresh as `settings` say.
    pub fn with_settings(
        client: Client,
        store: Arc<dyn TokenStore>,
        settings: SessionSettings,
    ) -> Self {
        UserRegistry {
            client,
            store,
            settings,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, UserSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `tokens` (from [`Client::exchange_code`]) as `user`'s,
    /// replacing an earlier pair, and gives the user's session.
    pub async fn login(&self, user: &str, tokens: UserTokens) -> Result<UserSession, OAuthError> {
        let session = UserSession::store(
            self.client.clone(),
            self.store.clone(),
            user,
            tokens,
            self.settings.clone(),
        )
        .await?;
        self.lock().insert(user.to_owned(), session.clone());
        Ok(session)
    }

    /// `user`'s session: the one this registry opened, or the store's
    /// ([`OAuthError::NotStored`] when it has none).
    pub async fn session(&self, user: &str) -> Result<UserSession, OAuthError> {
        if let Some(session) = self.lock().get(user) {
            return Ok(session.clone());
        }
        let session = UserSession::open(
            self.client.clone(),
            self.store.clone(),
            user,
            self.settings.clone(),
        )
        .await?;
        // Two tasks may open one user at once: the first one kept wins, so
        // every caller shares one session (and one refresh).
        let kept = self
            .lock()
            .entry(user.to_owned())
            .or_insert(session)
            .clone();
        Ok(kept)
    }

    /// The users with a stored pair for this app, sorted.
    pub async fn users(&self) -> Result<Vec<String>, OAuthError> {
        self.store
            .users(self.client.credentials().app_id())
            .await
            .map_err(|source| OAuthError::Store { source })
    }

    /// Removes `user`'s pair from the store (a logout) and forgets the
    /// session; whether there was a pair. Sessions of the user elsewhere
    /// end at their next refresh ([`OAuthError::NotStored`]).
    pub async fn logout(&self, user: &str) -> Result<bool, OAuthError> {
        let key = StoreKey::new(self.client.credentials().app_id(), user)
            .map_err(|source| OAuthError::Store { source })?;
        self.lock().remove(user);
        self.store
            .delete(&key)
            .await
            .map_err(|source| OAuthError::Store { source })
    }

    /// Forgets the session this registry keeps for `user` (the stored pair
    /// stays): the next [`UserRegistry::session`] reads the store again.
    pub fn forget(&self, user: &str) {
        self.lock().remove(user);
    }
}
