//! The rules every [`TokenStore`] keeps, as one suite: the stores of this
//! crate pass it, and so must one of your own.
//!
//! ```
//! use kdocs_token_store::{conformance, MemoryStore};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! conformance::check(&MemoryStore::new()).await.expect("the memory store conforms");
//! # }
//! ```
//!
//! The suite works under an app id of its own, random for each run, so it
//! may run against a store that holds real entries, and against one store
//! from several runs at once. It takes about a second: one check waits for
//! a short lease to run out.

use std::time::{Duration, UNIX_EPOCH};

use futures_util::future::join_all;

use crate::{Expect, StoreError, StoreKey, StoredFailure, StoredTokens, TokenStore};

/// The first rule a store broke, and how.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the token store breaks a rule: {rule}: {detail}")]
pub struct ConformanceFailure {
    /// The rule.
    pub rule: &'static str,
    /// What the store did instead.
    pub detail: String,
}

/// Concurrent callers in the race checks.
const RACERS: usize = 16;

fn broke(rule: &'static str, detail: impl Into<String>) -> ConformanceFailure {
    ConformanceFailure {
        rule,
        detail: detail.into(),
    }
}

fn ensure(
    ok: bool,
    rule: &'static str,
    detail: impl FnOnce() -> String,
) -> Result<(), ConformanceFailure> {
    if ok {
        Ok(())
    } else {
        Err(broke(rule, detail()))
    }
}

/// A store call that must succeed.
fn must<T>(rule: &'static str, result: Result<T, StoreError>) -> Result<T, ConformanceFailure> {
    result.map_err(|e| broke(rule, format!("failed: {e}")))
}

/// Runs every check against `store`; the first broken rule.
pub async fn check(store: &dyn TokenStore) -> Result<(), ConformanceFailure> {
    let app = run_app_id()?;
    versions(store, &app).await?;
    round_trip(store, &app).await?;
    listing_and_delete(store, &app).await?;
    leases(store, &app).await?;
    races(store, &app).await?;
    cleanup(store, &app).await
}

/// An app id no other run uses.
fn run_app_id() -> Result<String, ConformanceFailure> {
    let lease = crate::Lease::new(Duration::from_secs(1))
        .map_err(|e| broke("a random source", e.to_string()))?;
    Ok(format!("conformance-{}", &lease.id()[..16]))
}

fn key(app: &str, user: &str) -> StoreKey {
    StoreKey::new(app, user).expect("the suite's keys are valid")
}

fn tokens(n: u32) -> StoredTokens {
    StoredTokens::new(format!("access-{n}"), Some(format!("refresh-{n}"))).with_expiry(
        UNIX_EPOCH + Duration::from_secs(1_900_000_000 + u64::from(n)),
        Duration::from_secs(86_400),
    )
}

async fn versions(store: &dyn TokenStore, app: &str) -> Result<(), ConformanceFailure> {
    let k = key(app, "versions");
    let loaded = must("load of a missing entry", store.load(&k).await)?;
    ensure(loaded.is_none(), "a missing entry loads as none", || {
        format!("{loaded:?}")
    })?;
    let v1 = must(
        "a first save",
        store.save(&k, &tokens(1), Expect::Absent).await,
    )?;
    ensure(v1 == 1, "a new entry is version 1", || format!("got {v1}"))?;
    conflict(
        store.save(&k, &tokens(2), Expect::Absent).await,
        Some(1),
        "a save expecting no entry fails on one",
    )?;
    let v2 = must(
        "a save over the version",
        store.save(&k, &tokens(2), Expect::Version(1)).await,
    )?;
    ensure(v2 == 2, "a save adds one to the version", || {
        format!("got {v2}")
    })?;
    conflict(
        store.save(&k, &tokens(3), Expect::Version(1)).await,
        Some(2),
        "a save over an old version fails",
    )?;
    let v3 = must(
        "a save over any version",
        store.save(&k, &tokens(3), Expect::Any).await,
    )?;
    ensure(v3 == 3, "Expect::Any adds one to the version", || {
        format!("got {v3}")
    })?;
    let entry =
        must("load", store.load(&k).await)?.ok_or_else(|| broke("a saved entry loads", "none"))?;
    ensure(
        entry.version == 3 && entry.tokens.same_tokens(&tokens(3)),
        "the latest save is what loads",
        || format!("version {} {:?}", entry.version, entry.tokens),
    )
}

fn conflict(
    result: Result<u64, StoreError>,
    expected: Option<u64>,
    rule: &'static str,
) -> Result<(), ConformanceFailure> {
    match result {
        Err(StoreError::Conflict { current, .. }) if current == expected => Ok(()),
        other => Err(broke(
            rule,
            format!("expected a conflict at {expected:?}, got {other:?}"),
        )),
    }
}

async fn round_trip(store: &dyn TokenStore, app: &str) -> Result<(), ConformanceFailure> {
    let k = key(app, "round-trip");
    let mut saved = tokens(7);
    saved.needs_reauthorization = true;
    saved.failure = Some(StoredFailure {
        at: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        count: 3,
        message: "HTTP 500 from refresh_oauth_token".into(),
    });
    must("save", store.save(&k, &saved, Expect::Absent).await)?;
    let back = must("load", store.load(&k).await)?
        .ok_or_else(|| broke("a saved entry loads", "none"))?
        .tokens;
    ensure(
        back.same_tokens(&saved)
            && back.expires_at == saved.expires_at
            && back.lifetime == saved.lifetime
            && back.needs_reauthorization
            && back.failure == saved.failure,
        "every field comes back as saved",
        || format!("saved {saved:?}, loaded {back:?}"),
    )?;
    let bare = StoredTokens::new("only-access", None);
    let k = key(app, "no-refresh-token");
    must("save", store.save(&k, &bare, Expect::Absent).await)?;
    let back = must("load", store.load(&k).await)?
        .ok_or_else(|| broke("a saved entry loads", "none"))?
        .tokens;
    ensure(
        back.refresh_token.is_none() && back.expires_at.is_none() && back.lifetime.is_none(),
        "absent fields stay absent",
        || format!("{back:?}"),
    )
}

async fn listing_and_delete(store: &dyn TokenStore, app: &str) -> Result<(), ConformanceFailure> {
    // Users whose names a naive key scheme would confuse.
    let odd = ["a:b", "a", "a/b%c", "用户 é", "*"];
    for user in odd {
        must(
            "save",
            store.save(&key(app, user), &tokens(9), Expect::Any).await,
        )?;
    }
    let other_app = format!("{app}-other");
    must(
        "save",
        store
            .save(&key(&other_app, "elsewhere"), &tokens(9), Expect::Any)
            .await,
    )?;
    let users = must("users", store.users(app).await)?;
    let mut expected: Vec<String> = ["versions", "round-trip", "no-refresh-token"]
        .iter()
        .chain(odd.iter())
        .map(|u| (*u).to_owned())
        .collect();
    expected.sort();
    ensure(
        users == expected,
        "users lists exactly the app's users, sorted",
        || format!("expected {expected:?}, got {users:?}"),
    )?;
    let k = key(app, "a:b");
    ensure(
        must("delete", store.delete(&k).await)?,
        "delete says an entry existed",
        String::new,
    )?;
    ensure(
        !must("delete", store.delete(&k).await)?,
        "a second delete finds nothing",
        String::new,
    )?;
    let gone = must("load", store.load(&k).await)?;
    ensure(gone.is_none(), "a deleted entry loads as none", || {
        format!("{gone:?}")
    })?;
    let neighbour = must("load", store.load(&key(app, "a")).await)?;
    ensure(
        neighbour.is_some(),
        "a delete removes one user only",
        String::new,
    )?;
    conflict(
        store.save(&k, &tokens(1), Expect::Version(1)).await,
        None,
        "a save over a deleted entry's version fails",
    )?;
    must("delete", store.delete(&key(&other_app, "elsewhere")).await)?;
    Ok(())
}

async fn leases(store: &dyn TokenStore, app: &str) -> Result<(), ConformanceFailure> {
    let k = key(app, "lease");
    let long = Duration::from_secs(30);
    let first = must("acquire", store.acquire_lease(&k, long).await)?
        .ok_or_else(|| broke("a free lease is given", "none"))?;
    let second = must("acquire", store.acquire_lease(&k, long).await)?;
    ensure(second.is_none(), "a held lease is not given again", || {
        format!("{second:?}")
    })?;
    let stranger = crate::Lease::new(long).map_err(|e| broke("a random source", e.to_string()))?;
    ensure(
        !must("release", store.release_lease(&k, &stranger).await)?,
        "a release of another lease leaves the held one",
        String::new,
    )?;
    ensure(
        must("release", store.release_lease(&k, &first).await)?,
        "the holder releases its lease",
        String::new,
    )?;
    let short = Duration::from_millis(300);
    let expiring = must("acquire", store.acquire_lease(&k, short).await)?
        .ok_or_else(|| broke("a released lease is given again", "none"))?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let taker = must("acquire", store.acquire_lease(&k, long).await)?
        .ok_or_else(|| broke("an expired lease is given to another", "none"))?;
    ensure(
        !must("release", store.release_lease(&k, &expiring).await)?,
        "an expired holder's release leaves the new holder's lease",
        String::new,
    )?;
    let held = must("acquire", store.acquire_lease(&k, long).await)?;
    ensure(held.is_none(), "the new holder's lease holds", || {
        format!("{held:?}")
    })?;
    must("release", store.release_lease(&k, &taker).await)?;
    Ok(())
}

async fn races(store: &dyn TokenStore, app: &str) -> Result<(), ConformanceFailure> {
    let k = key(app, "race");
    let v = must("save", store.save(&k, &tokens(1), Expect::Absent).await)?;
    let saves = (0..RACERS).map(|i| {
        let k = &k;
        async move {
            let t = tokens(100 + i as u32);
            store.save(k, &t, Expect::Version(v)).await
        }
    });
    let results = join_all(saves).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let lost = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.is_conflict()))
        .count();
    ensure(
        won == 1 && lost == RACERS - 1,
        "of racing saves over one version, one wins",
        || format!("{won} won, {lost} conflicted, of {RACERS}"),
    )?;
    let lk = key(app, "race-lease");
    let takes = (0..RACERS).map(|_| store.acquire_lease(&lk, Duration::from_secs(30)));
    let results = join_all(takes).await;
    let held = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    ensure(held == 1, "of racing lease takers, one gets it", || {
        format!("{held} of {RACERS} got it")
    })?;
    for lease in results.into_iter().flatten().flatten() {
        must("release", store.release_lease(&lk, &lease).await)?;
    }
    Ok(())
}

async fn cleanup(store: &dyn TokenStore, app: &str) -> Result<(), ConformanceFailure> {
    for user in must("users", store.users(app).await)? {
        must("delete", store.delete(&key(app, &user)).await)?;
    }
    let left = must("users", store.users(app).await)?;
    ensure(
        left.is_empty(),
        "after deleting every user none is listed",
        || format!("{left:?}"),
    )?;
    Ok(())
}
