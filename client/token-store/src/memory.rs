//! [`MemoryStore`]: the tasks of one process share it; nothing survives the
//! process.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures_core::future::BoxFuture;

use crate::{Entry, Expect, Lease, StoreError, StoreKey, StoredTokens, TokenStore, Version};

/// Tokens in this process's memory: a session's behaviour without a store,
/// and a store for tests. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<StoreKey, Entry>,
    leases: HashMap<StoreKey, (String, Instant)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock: a poisoned one is consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TokenStore for MemoryStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<Entry>, StoreError>> {
        let entry = self.lock().entries.get(key).cloned();
        Box::pin(async move { Ok(entry) })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
        expect: Expect,
    ) -> BoxFuture<'a, Result<Version, StoreError>> {
        let result = {
            let mut inner = self.lock();
            let current = inner.entries.get(key).map(|e| e.version);
            if expect.matches(current) {
                let version = current.unwrap_or(0) + 1;
                let entry = Entry {
                    version,
                    tokens: tokens.clone(),
                };
                inner.entries.insert(key.clone(), entry);
                Ok(version)
            } else {
                Err(StoreError::Conflict {
                    key: key.clone(),
                    current,
                })
            }
        };
        Box::pin(async move { result })
    }

    fn delete<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<bool, StoreError>> {
        let existed = self.lock().entries.remove(key).is_some();
        Box::pin(async move { Ok(existed) })
    }

    fn users<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let mut users: Vec<String> = self
            .lock()
            .entries
            .keys()
            .filter(|k| k.app_id() == app_id)
            .map(|k| k.user().to_owned())
            .collect();
        users.sort();
        Box::pin(async move { Ok(users) })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, StoreError>> {
        let result = Lease::new(ttl).map(|lease| {
            let mut inner = self.lock();
            let now = Instant::now();
            match inner.leases.get(key) {
                Some((_, until)) if *until > now => None,
                _ => {
                    let until = now.checked_add(ttl).unwrap_or(now);
                    inner
                        .leases
                        .insert(key.clone(), (lease.id().to_owned(), until));
                    Some(lease)
                }
            }
        });
        Box::pin(async move { result })
    }

    fn release_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let released = {
            let mut inner = self.lock();
            let held = matches!(inner.leases.get(key), Some((id, _)) if id == lease.id());
            if held {
                inner.leases.remove(key);
            }
            held
        };
        Box::pin(async move { Ok(released) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_conforms() {
        crate::conformance::check(&MemoryStore::new())
            .await
            .unwrap();
    }
}
