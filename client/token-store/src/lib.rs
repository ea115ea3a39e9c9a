//! Where a kdocs user's OAuth tokens are kept: between restarts of a
//! service, and shared by every process of it.
//!
//! A service that works with its users' kdocs documents holds one token pair
//! per user (an access token that lives about a day, and the refresh token
//! that renews it). Kept in memory only, a restart loses every user's
//! authorization; kept by each replica on its own, two replicas refresh the
//! same user's token, and since a refresh may answer a new refresh token
//! (a rotation), the second one sends a token the first has just used up.
//!
//! A [`TokenStore`] is the place those pairs live, keyed by app and user
//! ([`StoreKey`]), with what several processes need to share them:
//!
//! - **versioned entries.** Each save names the version it replaces
//!   ([`Expect`]); a save over a version that moved on fails with
//!   [`StoreError::Conflict`], so no process overwrites a newer pair with an
//!   older one;
//! - **a refresh lease.** One process at a time holds the lease of a key
//!   ([`TokenStore::acquire_lease`]): it refreshes while the others wait and
//!   then read what it stored. The lease ends on its own after its time to
//!   live, so a holder that dies leaves it to another process.
//!
//! `kdocs_client::oauth::UserSession` and its registry of many users are
//! built on this trait; the stores here are:
//!
//! | store | shared by | survives a restart | feature |
//! |---|---|---|---|
//! | [`MemoryStore`] | the tasks of one process | no | (always) |
//! | `SqliteStore` | the processes of one machine (one file) | yes | `sqlite` |
//! | `RedisStore` | processes on any machine that reach the server | as the server is configured | `redis` |
//!
//! A store of your own implements [`TokenStore`] and checks itself with the
//! same suite the stores here pass, [`conformance::check`].
//!
//! The entries hold secrets. [`StoredTokens`] never shows them in `Debug`;
//! a store writes them as they are (the SQLite file is created readable by
//! its owner only; a Redis server is protected by its own access rules).
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use kdocs_token_store::{Expect, MemoryStore, StoreKey, StoredTokens, TokenStore};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), kdocs_token_store::StoreError> {
//! let store = MemoryStore::new();
//! let key = StoreKey::new("SX20220101ABCDEF", "user-open-id")?;
//! let tokens = StoredTokens::new("access-token", Some("refresh-token".into()))
//!     .with_expiry(SystemTime::now() + Duration::from_secs(86_400), Duration::from_secs(86_400));
//! let version = store.save(&key, &tokens, Expect::Absent).await?;
//! let entry = store.load(&key).await?.expect("just saved");
//! assert_eq!(entry.version, version);
//! assert_eq!(entry.tokens.access_token.expose_str(), "access-token");
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_core::future::BoxFuture;
use serde::{Deserialize, Serialize};

pub use kdocs_runtime::Secret;

pub mod conformance;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::{RedisStore, DEFAULT_REDIS_PREFIX};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;

/// The longest app id or user key a [`StoreKey`] takes, in bytes.
pub const MAX_KEY_PART_BYTES: usize = 256;

/// Whose tokens an entry holds: an app id and a user of that app (the user's
/// `open_id` once it is known, or a key the caller chooses).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey {
    app_id: String,
    user: String,
}

impl StoreKey {
    /// A key; both parts non-empty, at most [`MAX_KEY_PART_BYTES`] bytes,
    /// and free of control characters (they end up in file rows, Redis keys
    /// and log lines).
    pub fn new(app_id: impl Into<String>, user: impl Into<String>) -> Result<Self, StoreError> {
        let (app_id, user) = (app_id.into(), user.into());
        for (what, part) in [("app id", &app_id), ("user", &user)] {
            if part.is_empty()
                || part.len() > MAX_KEY_PART_BYTES
                || part.chars().any(char::is_control)
            {
                return Err(StoreError::InvalidKey {
                    reason: format!(
                        "the {what} must be 1 to {MAX_KEY_PART_BYTES} bytes without control characters"
                    ),
                });
            }
        }
        Ok(StoreKey { app_id, user })
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The user.
    pub fn user(&self) -> &str {
        &self.user
    }
}

impl fmt::Display for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.app_id, self.user)
    }
}

/// A refresh that failed, as the process that sent it stored it: the others
/// back off from it instead of sending their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFailure {
    /// When it failed.
    #[serde(rename = "at_ms", with = "unix_millis")]
    pub at: SystemTime,
    /// Failures in a row, this one included.
    pub count: u32,
    /// What went wrong (the error's message, which names no secret).
    pub message: String,
}

/// A user's tokens as a store keeps them. `Debug` never shows the tokens.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredTokens {
    /// The access token.
    pub access_token: Secret<String>,
    /// The refresh token, when the platform gave one.
    pub refresh_token: Option<Secret<String>>,
    /// When the access token expires, when known.
    #[serde(rename = "expires_at_ms", with = "unix_millis::option", default)]
    pub expires_at: Option<SystemTime>,
    /// The access token's lifetime, as the latest answer gave it.
    #[serde(rename = "lifetime_ms", with = "millis::option", default)]
    pub lifetime: Option<Duration>,
    /// The platform refused the refresh token: only a new authorization of
    /// the user gives a usable pair, and no process sends a refresh again.
    #[serde(default)]
    pub needs_reauthorization: bool,
    /// The latest refresh failure, until a refresh succeeds.
    #[serde(default)]
    pub failure: Option<StoredFailure>,
}

impl StoredTokens {
    /// Tokens with no known expiry.
    pub fn new(access_token: impl Into<String>, refresh_token: Option<String>) -> Self {
        StoredTokens {
            access_token: Secret::new(access_token.into()),
            refresh_token: refresh_token.map(Secret::new),
            expires_at: None,
            lifetime: None,
            needs_reauthorization: false,
            failure: None,
        }
    }

    /// With an expiry and the lifetime it came from.
    pub fn with_expiry(mut self, expires_at: SystemTime, lifetime: Duration) -> Self {
        self.expires_at = Some(expires_at);
        self.lifetime = Some(lifetime);
        self
    }

    /// Whether both entries hold the same tokens (their secrets compared).
    pub fn same_tokens(&self, other: &StoredTokens) -> bool {
        self.access_token == other.access_token && self.refresh_token == other.refresh_token
    }
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredTokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("needs_reauthorization", &self.needs_reauthorization)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

/// An entry's version: it grows by one with every save.
pub type Version = u64;

/// A stored entry and its version.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The version this entry was saved as.
    pub version: Version,
    /// The tokens.
    pub tokens: StoredTokens,
}

/// What a save expects to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No entry (a first login).
    Absent,
    /// The entry at this version, and no later one.
    Version(Version),
    /// Whatever is there (a new login replacing the old pair).
    Any,
}

impl Expect {
    /// Whether `current` (the version stored now, if any) is what this expects.
    pub fn matches(self, current: Option<Version>) -> bool {
        match self {
            Expect::Absent => current.is_none(),
            Expect::Version(version) => current == Some(version),
            Expect::Any => true,
        }
    }
}

/// A held refresh lease: its holder alone refreshes the key's tokens until
/// it releases the lease or the lease expires. `Debug` does not show the
/// lease's id (whoever has it can release the lease).
#[derive(Clone)]
pub struct Lease {
    id: String,
    ttl: Duration,
}

impl Lease {
    /// A new lease with a random id.
    pub fn new(ttl: Duration) -> Result<Self, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Backend {
            store: "lease",
            message: format!("no random source for a lease id: {e}"),
        })?;
        Ok(Lease {
            id: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            ttl,
        })
    }

    /// The lease's id, which its release must present.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How long the lease lasts from when it was taken.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The entry's version is not the one the save expected: another process
    /// saved meanwhile (or the entry was created or deleted).
    #[error("the stored tokens of {key} changed meanwhile (now at version {current:?})")]
    Conflict {
        /// The entry's key.
        key: StoreKey,
        /// The version stored now (`None`: no entry).
        current: Option<Version>,
    },
    /// The key is not one a store takes.
    #[error("not a store key: {reason}")]
    InvalidKey {
        /// What is wrong with it.
        reason: String,
    },
    /// The stored entry cannot be read back (written by something else, or
    /// damaged).
    #[error("the stored tokens of {key} cannot be read: {reason}")]
    Corrupt {
        /// The entry's key.
        key: StoreKey,
        /// What the decoder said.
        reason: String,
    },
    /// The store itself failed: the file could not be written (a full disk),
    /// the server could not be reached…
    #[error("the {store} token store failed: {message}")]
    Backend {
        /// Which store (`"sqlite"`, `"redis"`…).
        store: &'static str,
        /// What failed.
        message: String,
    },
}

impl StoreError {
    /// Whether this is a [`StoreError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// A place for users' tokens, shared by every process that opens it. Async,
/// and usable as `Arc<dyn TokenStore>`.
///
/// Every implementation keeps these rules (checked by
/// [`conformance::check`]):
///
/// - [`save`](TokenStore::save) is atomic and checks [`Expect`] against the
///   stored version in the same step; the new version is the old one plus
///   one (1 for a new entry);
/// - [`acquire_lease`](TokenStore::acquire_lease) gives a lease to one
///   caller at a time per key, until it is released or its time to live
///   ends; [`release_lease`](TokenStore::release_lease) releases only the
///   lease it is given, not one another caller took after it expired;
/// - [`delete`](TokenStore::delete) removes the entry (and leaves a lease in
///   place, to run out on its own);
/// - [`users`](TokenStore::users) lists the users with an entry for an app.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The entry of `key`, if there is one.
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<Entry>, StoreError>>;

    /// Saves `tokens` under `key` if the stored version is what `expect`
    /// says; the new version.
    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
        expect: Expect,
    ) -> BoxFuture<'a, Result<Version, StoreError>>;

    /// Removes the entry of `key`; whether there was one.
    fn delete<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// The users with an entry for `app_id`, sorted.
    fn users<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>>;

    /// Takes the refresh lease of `key` for `ttl`, unless another caller
    /// holds it (`None`).
    fn acquire_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, StoreError>>;

    /// Releases `lease`, if it is still the one held; whether it was.
    fn release_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// An entry's JSON form, as the file and server stores write it.
#[cfg_attr(not(any(feature = "sqlite", feature = "redis")), allow(dead_code))]
pub(crate) fn encode(tokens: &StoredTokens) -> Result<String, StoreError> {
    serde_json::to_string(tokens).map_err(|e| StoreError::Backend {
        store: "encoding",
        message: e.to_string(),
    })
}

/// An entry read back from its JSON form.
#[cfg_attr(not(any(feature = "sqlite", feature = "redis")), allow(dead_code))]
pub(crate) fn decode(key: &StoreKey, text: &str) -> Result<StoredTokens, StoreError> {
    // serde_json's own message may quote what it read ("invalid type:
    // string \"…\""), a token perhaps: only the kind and the place are kept.
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        key: key.clone(),
        reason: format!(
            "{} JSON at line {} column {}",
            match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "malformed",
                serde_json::error::Category::Data => "unexpected",
                serde_json::error::Category::Eof => "truncated",
            },
            e.line(),
            e.column()
        ),
    })
}

/// Milliseconds since the Unix epoch (0 before it).
pub(crate) fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Times as milliseconds since the Unix epoch: a token that lives two
/// seconds keeps its expiry to the millisecond.
mod unix_millis {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(super::unix_ms(*time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let ms = u64::deserialize(d)?;
        UNIX_EPOCH
            .checked_add(Duration::from_millis(ms))
            .ok_or_else(|| serde::de::Error::custom("a time past what this system holds"))
    }

    pub mod option {
        use std::time::SystemTime;

        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            time: &Option<SystemTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(time) => s.serialize_some(&super::super::unix_ms(*time)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] SystemTime);
            Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(t)| t))
        }
    }
}

/// Durations as milliseconds.
mod millis {
    pub mod option {
        use std::time::Duration;

        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_some(&u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_refuse_what_would_break_a_row_or_a_log_line() {
        assert!(StoreKey::new("app", "user").is_ok());
        for (app, user) in [("", "u"), ("a", ""), ("a", "u\n"), ("a\u{1b}", "u")] {
            assert!(StoreKey::new(app, user).is_err(), "{app:?} {user:?}");
        }
        assert!(StoreKey::new("a", "u".repeat(MAX_KEY_PART_BYTES + 1)).is_err());
    }

    #[test]
    fn entries_round_trip_and_debug_hides_the_tokens() {
        let key = StoreKey::new("app", "user").unwrap();
        let mut tokens = StoredTokens::new("at-secret", Some("rt-secret".into())).with_expiry(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            Duration::from_secs(86_400),
        );
        tokens.failure = Some(StoredFailure {
            at: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            count: 2,
            message: "HTTP 500".into(),
        });
        let back = decode(&key, &encode(&tokens).unwrap()).unwrap();
        assert!(back.same_tokens(&tokens));
        assert_eq!(back.expires_at, tokens.expires_at);
        assert_eq!(back.lifetime, tokens.lifetime);
        assert_eq!(back.failure, tokens.failure);
        let shown = format!("{back:?} {:?}", Lease::new(Duration::from_secs(1)).unwrap());
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn a_damaged_entry_is_an_error_that_shows_no_token() {
        let key = StoreKey::new("app", "user").unwrap();
        let err = decode(&key, r#"{"access_token":"at-secret","refresh_token":7}"#).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(!err.to_string().contains("at-secret"), "{err}");
    }

    #[test]
    fn expectations() {
        assert!(Expect::Absent.matches(None) && !Expect::Absent.matches(Some(1)));
        assert!(Expect::Version(3).matches(Some(3)) && !Expect::Version(3).matches(Some(4)));
        assert!(!Expect::Version(3).matches(None));
        assert!(Expect::Any.matches(None) && Expect::Any.matches(Some(9)));
    }
}
