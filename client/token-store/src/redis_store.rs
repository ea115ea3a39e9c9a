//! [`RedisStore`]: a Redis server, shared by processes on any machine that

use std::time::Duration;

use futures_core::future::BoxFuture;
use redis::aio::ConnectionManager;
use redis::Script;

use crate::{
    decode, encode, Entry, Expect, Lease, StoreError, StoreKey, StoredTokens, TokenStore, Version,
};

/// The key prefix unless another is given.
pub const DEFAULT_REDIS_PREFIX: &str = "kdocs:";

const SAVE: &str = r"
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == 'absent' and current then return {0, tonumber(current)} end
if ARGV[1] == 'version' and current ~= ARGV[2] then return {0, tonumber(current) or -1} end
local next = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'version', next, 'entry', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return {1, next}
";

const DELETE: &str = r"
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return removed
";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// [`RedisStore`]: a Redis server, shared by processes on any machine that
/// reaches it.
///
/// Each entry is a hash (`version`, `entry`) at `{prefix}tokens:{app}:{user}`,
/// and each app's users a set at `{prefix}users:{app}` (the key parts are
/// percent-encoded, so a `:` in a user's name cannot make two keys one). A
/// save is one Lua script, so the version check and the write are atomic on
/// the server. The lease is Redis's documented single-instance lock: `SET
/// {prefix}lease:{app}:{user} <random id> NX PX <ttl>`, released by a script
/// that deletes the key only while it still holds that id; it expires on the
/// server's clock.
///
/// The connection is redis-rs's `ConnectionManager`: after the server
/// restarts or the connection breaks, the call in progress fails with
/// [`StoreError::Backend`] and the next one reconnects. `rediss://` URLs
/// connect over TLS (rustls, with the webpki roots).
///
/// Cheap to clone.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    /// Where it connects, without user or password.
    shown: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.shown)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        store: "redis",
        message: e.to_string(),
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`, `rediss://…` for TLS),
    /// with keys under [`DEFAULT_REDIS_PREFIX`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_prefix(url, DEFAULT_REDIS_PREFIX).await
    }

    /// Connects with keys under `prefix` (several apps or environments on
    /// one server).
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let shown = shown_url(url);
        // redis-rs's messages about a URL may quote it, password included:
        // only the redacted form is said.
        let client = redis::Client::open(url)
            .map_err(|_| backend(format!("{shown} is not a Redis URL this client takes")))?;
        let connection = ConnectionManager::new(client)
            .await
            .map_err(|e| backend(format!("cannot connect to {shown}: {}", e.kind_name())))?;
        Ok(RedisStore {
            connection,
            prefix: prefix.to_owned(),
            shown,
        })
    }

    fn entry_key(&self, key: &StoreKey) -> String {
        format!(
            "{}tokens:{}:{}",
            self.prefix,
            part(key.app_id()),
            part(key.user())
        )
    }

    fn users_key(&self, app_id: &str) -> String {
        format!("{}users:{}", self.prefix, part(app_id))
    }

    fn lease_key(&self, key: &StoreKey) -> String {
        format!(
            "{}lease:{}:{}",
            self.prefix,
            part(key.app_id()),
            part(key.user())
        )
    }

    fn call_error(&self, e: redis::RedisError) -> StoreError {
        backend(format!("{}: {}", self.shown, ErrorText(&e)))
    }
}

/// A redis-rs error as a message: its kind and detail, which carry no
/// credentials.
struct ErrorText<'a>(&'a redis::RedisError);

impl std::fmt::Display for ErrorText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.detail() {
            Some(detail) => write!(f, "{}: {detail}", self.0.kind_name()),
            None => write!(f, "{}", self.0.kind_name()),
        }
    }
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for redis::RedisError {
    fn kind_name(&self) -> String {
        if self.is_io_error() {
            format!("connection failed ({:?})", self.kind())
        } else {
            format!("{:?}", self.kind())
        }
    }
}

/// `url` without user name and password.
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "the Redis URL".to_owned(),
    }
}

/// A key part, with `%`, `:` and glob characters percent-encoded.
fn part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | ':' | '*' | '?' | '[' | ']' | '\\' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl TokenStore for RedisStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<Entry>, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let (version, text): (Option<u64>, Option<String>) = redis::cmd("HMGET")
                .arg(self.entry_key(key))
                .arg("version")
                .arg("entry")
                .query_async(&mut connection)
                .await
                .map_err(|e| self.call_error(e))?;
            match (version, text) {
                (Some(version), Some(text)) => Ok(Some(Entry {
                    version,
                    tokens: decode(key, &text)?,
                })),
                _ => Ok(None),
            }
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
        expect: Expect,
    ) -> BoxFuture<'a, Result<Version, StoreError>> {
        Box::pin(async move {
            let text = encode(tokens)?;
            let (mode, expected) = match expect {
                Expect::Absent => ("absent", 0),
                Expect::Version(version) => ("version", version),
                Expect::Any => ("any", 0),
            };
            let mut connection = self.connection.clone();
            let (saved, version): (i64, i64) = Script::new(SAVE)
                .key(self.entry_key(key))
                .key(self.users_key(key.app_id()))
                .arg(mode)
                .arg(expected.to_string())
                .arg(text)
                .arg(key.user())
                .invoke_async(&mut connection)
                .await
                .map_err(|e| self.call_error(e))?;
            let version = u64::try_from(version).ok();
            match (saved, version) {
                (1, Some(version)) => Ok(version),
                _ => Err(StoreError::Conflict {
                    key: key.clone(),
                    current: version,
                }),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let removed: i64 = Script::new(DELETE)
                .key(self.entry_key(key))
                .key(self.users_key(key.app_id()))
                .arg(key.user())
                .invoke_async(&mut connection)
                .await
                .map_err(|e| self.call_error(e))?;
            Ok(removed > 0)
        })
    }

    fn users<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let mut users: Vec<String> = redis::cmd("SMEMBERS")
                .arg(self.users_key(app_id))
                .query_async(&mut connection)
                .await
                .map_err(|e| self.call_error(e))?;
            users.sort();
            Ok(users)
        })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, StoreError>> {
        Box::pin(async move {
            let lease = Lease::new(ttl)?;
            let mut connection = self.connection.clone();
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let set: Option<String> = redis::cmd("SET")
                .arg(self.lease_key(key))
                .arg(lease.id())
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query_async(&mut connection)
                .await
                .map_err(|e| self.call_error(e))?;
            Ok(set.map(|_| lease))
        })
    }

    fn release_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let removed: i64 = Script::new(RELEASE)
                .key(self.lease_key(key))
                .arg(lease.id())
                .invoke_async(&mut connection)
                .await
                .map_err(|e| self.call_error(e))?;
            Ok(removed > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_cannot_run_together() {
        assert_eq!(part("a:b"), "a%3Ab");
        assert_eq!(part("a%3Ab"), "a%253Ab");
        assert_ne!(
            part("a:b") + ":" + &part("c"),
            part("a") + ":" + &part("b:c")
        );
        assert_eq!(part("用户"), "用户");
    }

    #[test]
    fn the_shown_url_has_no_credentials() {
        let shown = shown_url("redis://admin:s3cret@10.0.0.5:6380/2");
        assert!(
            !shown.contains("s3cret") && !shown.contains("admin"),
            "{shown}"
        );
        assert!(shown.contains("10.0.0.5:6380"), "{shown}");
        assert_eq!(shown_url("not a url s3cret"), "the Redis URL");
    }
}
