//! User tokens on a store (`kdocs_client::token_store`): the conformance
//! suite on every backend (memory, an SQLite file, a real `redis-server`),
//! sessions in one process and in several OS processes sharing a store
//! against one fake with short token lifetimes and refresh-token rotation,
//! and the faults a store meets (a lease holder killed mid-refresh, a full
//! disk, a Redis restart).
//!
//! Run with `--nocapture` to see the counts (the figures in RELIABILITY.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use kdocs_client::fake::{FakeConfig, FakeKdocs, Fault};
use kdocs_client::oauth::{OAuthError, SessionSettings, UserRegistry, UserSession};
use kdocs_client::token_store::{
    conformance, Entry, Expect, Lease, MemoryStore, RedisStore, SqliteStore, StoreError, StoreKey,
    StoredTokens, TokenStore, Version,
};
use kdocs_client::GetUserInfoRequest;
use kdocs_tests::redis_server::RedisServer;
use serde_json::Value;

/// The access tokens' lifetime in the fake: a session refreshes after half
/// of it.
const LIFETIME: Duration = Duration::from_secs(2);

/// A short lease, so that a dead holder's is taken over quickly.
const LEASE_TTL: Duration = Duration::from_secs(2);

fn settings() -> SessionSettings {
    SessionSettings::new().with_lease_ttl(LEASE_TTL)
}

async fn start_fake() -> FakeKdocs {
    FakeKdocs::start(
        FakeConfig::default()
            .with_access_token_ttl(LIFETIME)
            .with_daily_limit(1_000_000),
    )
    .await
    .unwrap()
}

fn refreshes(fake: &FakeKdocs) -> u64 {
    fake.stats().calls_to("refresh_oauth_token")
}

/// The stores under test: memory, an SQLite file in `dir`, the Redis server
/// when there is one. Each entry opens a new handle on the same store, as
/// another process would.
struct Backends {
    dir: tempfile::TempDir,
    redis: Option<RedisServer>,
    memory: Arc<MemoryStore>,
}

impl Backends {
    fn new(test: &str) -> Backends {
        Backends {
            dir: tempfile::tempdir().unwrap(),
            redis: RedisServer::start_or_skip(test),
            memory: Arc::new(MemoryStore::new()),
        }
    }

    fn sqlite_path(&self) -> PathBuf {
        self.dir.path().join("kdocs").join("tokens.sqlite")
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names = vec!["memory", "sqlite"];
        if self.redis.is_some() {
            names.push("redis");
        }
        names
    }

    async fn open(&self, name: &str) -> Arc<dyn TokenStore> {
        match name {
            "memory" => self.memory.clone(),
            "sqlite" => Arc::new(SqliteStore::open(self.sqlite_path()).unwrap()),
            "redis" => Arc::new(
                RedisStore::connect(&self.redis.as_ref().unwrap().url())
                    .await
                    .unwrap(),
            ),
            other => panic!("no backend {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_store_passes_the_conformance_suite() {
    let backends = Backends::new("every_store_passes_the_conformance_suite");
    for name in backends.names() {
        let store = backends.open(name).await;
        conformance::check(store.as_ref())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        println!("{name}: conforms");
    }
}

/// Four sessions on one store (four registries, as four processes would
/// hold), 250 callers each: one refresh request per expiry episode, and every
/// caller of an episode gets the same new token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_sharing_a_store_send_one_refresh_per_episode() {
    let backends = Backends::new("sessions_sharing_a_store_send_one_refresh_per_episode");
    for name in backends.names() {
        let fake = start_fake().await;
        let client = fake.client().unwrap();
        let first =
            UserRegistry::with_settings(client.clone(), backends.open(name).await, settings());
        first
            .login(
                "alice",
                client.exchange_code(fake.authorize()).await.unwrap(),
            )
            .await
            .unwrap();
        let mut registries = vec![first];
        for _ in 1..4 {
            registries.push(UserRegistry::with_settings(
                client.clone(),
                backends.open(name).await,
                settings(),
            ));
        }
        let mut sessions = Vec::new();
        for registry in &registries {
            sessions.push(registry.session("alice").await.unwrap());
        }
        for episode in 1..=2 {
            // Past half the lifetime: due.
            tokio::time::sleep(LIFETIME / 2 + Duration::from_millis(100)).await;
            let started = Instant::now();
            let calls = sessions.iter().flat_map(|session| {
                (0..250).map(move |_| {
                    let session = session.clone();
                    async move { session.access_token().await }
                })
            });
            let tokens: Vec<String> = join_all(calls)
                .await
                .into_iter()
                .map(|t| t.unwrap().expose_str().to_owned())
                .collect();
            let elapsed = started.elapsed();
            assert_eq!(tokens.len(), 1000);
            assert!(
                tokens.iter().all(|t| *t == tokens[0]),
                "{name}: one token per episode"
            );
            assert_eq!(refreshes(&fake), episode, "{name}: one refresh per episode");
            client
                .get_user_info(GetUserInfoRequest::new(&tokens[0]))
                .await
                .unwrap();
            println!(
                "{name}: episode {episode}: 1,000 callers over 4 sessions, 1 refresh, {elapsed:?}"
            );
        }
        fake.shutdown().await;
        for registry in &registries {
            let _ = registry.logout("alice").await;
        }
    }
}

/// A fake, its client, a login's tokens, and two registries on one store,
/// as two processes hold them.
struct TwoProcesses {
    fake: FakeKdocs,
    client: kdocs_client::Client,
    tokens: kdocs_client::oauth::UserTokens,
    here: UserRegistry,
    there: UserRegistry,
}

async fn two_processes(backends: &Backends, name: &str) -> TwoProcesses {
    let fake = start_fake().await;
    let client = fake.client().unwrap();
    let tokens = client.exchange_code(fake.authorize()).await.unwrap();
    let here = UserRegistry::with_settings(client.clone(), backends.open(name).await, settings());
    let there = UserRegistry::with_settings(client.clone(), backends.open(name).await, settings());
    TwoProcesses {
        fake,
        client,
        tokens,
        here,
        there,
    }
}

/// A refresh kdocs refuses marks the entry: the other sessions on the store
/// give `ReauthorizationRecorded` without a request of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_is_recorded_for_every_process() {
    let backends = Backends::new("a_refused_refresh_is_recorded_for_every_process");
    for name in backends.names() {
        let TwoProcesses {
            fake,
            client,
            tokens,
            here,
            there,
        } = two_processes(&backends, name).await;
        let session = here.login("bob", tokens.clone()).await.unwrap();
        let other = there.session("bob").await.unwrap();
        // Something outside the store uses the refresh token up (a rotation).
        UserSession::new(client.clone(), tokens)
            .refresh()
            .await
            .unwrap();
        assert_eq!(refreshes(&fake), 1);

        let err = session.refresh().await.unwrap_err();
        assert!(
            matches!(err, OAuthError::ReauthorizationNeeded { .. }),
            "{name}: {err}"
        );
        assert_eq!(refreshes(&fake), 2);
        let err = other.refresh().await.unwrap_err();
        assert!(
            matches!(err, OAuthError::ReauthorizationRecorded),
            "{name}: {err}"
        );
        assert!(err.needs_reauthorization());
        there.forget("bob");
        let reopened = there.session("bob").await.map(drop).unwrap_err();
        assert!(
            matches!(reopened, OAuthError::ReauthorizationRecorded),
            "{name}: {reopened}"
        );
        assert_eq!(
            refreshes(&fake),
            2,
            "{name}: no process sends a refresh again"
        );
        // A new login replaces the refused pair.
        here.login("bob", client.exchange_code(fake.authorize()).await.unwrap())
            .await
            .unwrap();
        there.forget("bob");
        there
            .session("bob")
            .await
            .unwrap()
            .access_token()
            .await
            .unwrap();
        here.logout("bob").await.unwrap();
        fake.shutdown().await;
    }
}

/// A refresh that fails (HTTP 500) is stored: during its backoff the other
/// sessions give that failure without sending their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_is_shared_through_the_store() {
    let backends = Backends::new("a_failed_refresh_is_shared_through_the_store");
    for name in backends.names() {
        let TwoProcesses {
            fake,
            client: _,
            tokens,
            here,
            there,
        } = two_processes(&backends, name).await;
        let session = here.login("carol", tokens).await.unwrap();
        let other = there.session("carol").await.unwrap();
        tokio::time::sleep(LIFETIME / 2 + Duration::from_millis(100)).await;
        fake.set_fault(Some(Fault::ServerError));
        let err = session.access_token().await.unwrap_err();
        assert!(matches!(err, OAuthError::Refresh { .. }), "{name}: {err}");
        let sent = refreshes(&fake);
        let err = other.access_token().await.unwrap_err();
        assert!(
            matches!(err, OAuthError::RefreshFailedElsewhere { .. }),
            "{name}: {err}"
        );
        assert_eq!(
            refreshes(&fake),
            sent,
            "{name}: the failure is shared, not repeated"
        );
        fake.set_fault(None);
        // The explicit refresh is what a caller does after the backoff.
        here.logout("carol").await.unwrap();
        fake.shutdown().await;
    }
}

/// A store that refuses saves while told to: what a full disk or a lost
/// server does to the session.
#[derive(Debug, Default)]
struct RefusingStore {
    inner: MemoryStore,
    refuse: AtomicBool,
}

impl TokenStore for RefusingStore {
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<Entry>, StoreError>> {
        self.inner.load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
        expect: Expect,
    ) -> futures_util::future::BoxFuture<'a, Result<Version, StoreError>> {
        if self.refuse.load(Ordering::SeqCst) {
            return Box::pin(async {
                Err(StoreError::Backend {
                    store: "refusing",
                    message: "database or disk is full".into(),
                })
            });
        }
        self.inner.save(key, tokens, expect)
    }

    fn delete<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> futures_util::future::BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.delete(key)
    }

    fn users<'a>(
        &'a self,
        app_id: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<Vec<String>, StoreError>> {
        self.inner.users(app_id)
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        ttl: Duration,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<Lease>, StoreError>> {
        self.inner.acquire_lease(key, ttl)
    }

    fn release_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        lease: &'a Lease,
    ) -> futures_util::future::BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.release_lease(key, lease)
    }
}

/// A rotated pair the store refuses is kept, handed out, and saved once
/// the store takes it again; the error is typed meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_pair_the_store_refuses_is_kept_and_saved_later() {
    let fake = start_fake().await;
    let client = fake.client().unwrap();
    let store = Arc::new(RefusingStore::default());
    let session = UserSession::store(
        client.clone(),
        store.clone(),
        "dave",
        client.exchange_code(fake.authorize()).await.unwrap(),
        settings(),
    )
    .await
    .unwrap();
    store.refuse.store(true, Ordering::SeqCst);
    let fresh = session.refresh().await.unwrap();
    client
        .get_user_info(GetUserInfoRequest::new(fresh.expose_str()))
        .await
        .unwrap();
    let err = session.save_pending().await.unwrap_err();
    assert!(matches!(err, OAuthError::Store { .. }), "{err}");
    assert!(err.to_string().contains("disk is full"), "{err}");
    // The store still holds the pair before the rotation.
    let key = StoreKey::new(fake.app_id(), "dave").unwrap();
    let stored = store.inner.load(&key).await.unwrap().unwrap();
    assert_ne!(stored.tokens.access_token.expose_str(), fresh.expose_str());

    store.refuse.store(false, Ordering::SeqCst);
    session.save_pending().await.unwrap();
    let stored = store.inner.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.tokens.access_token.expose_str(), fresh.expose_str());
    // A session opened from the store now refreshes with the rotated token.
    let reopened = UserSession::open(client.clone(), store.clone(), "dave", settings())
        .await
        .unwrap();
    reopened.refresh().await.unwrap();
    fake.shutdown().await;
}

/// A tmpfs of a few pages, mounted for the test: a real full disk under the
/// SQLite file. Needs root (the CI machine's user); elsewhere the test says
/// it skips.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(test: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: cannot mount a tmpfs (under CI=true this test never skips)"
            );
            eprintln!("{test}: skipped, cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills what is left of the disk; the filler's path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = [0u8; 4096];
        while file
            .write_all(&block)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// The SQLite file on a disk that fills up: the refreshed pair is kept and
/// handed out, the error names the full disk, and the pair is saved once
/// there is room again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_the_sqlite_file_loses_no_rotated_token() {
    let Some(disk) = SmallDisk::mount("a_full_disk_under_the_sqlite_file_loses_no_rotated_token")
    else {
        return;
    };
    let fake = start_fake().await;
    let client = fake.client().unwrap();
    let path = disk.path().join("tokens.sqlite");
    let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(&path).unwrap());
    let session = UserSession::store(
        client.clone(),
        store.clone(),
        "erin",
        client.exchange_code(fake.authorize()).await.unwrap(),
        settings(),
    )
    .await
    .unwrap();
    let filler = disk.fill();
    // Either the lease cannot be written (then no refresh is sent, so no
    // rotated token exists to lose), or the refresh goes out and its answer
    // cannot be saved (then the session keeps it). SQLite may find room in
    // pages it has, so a few refreshes fill it.
    let mut kept = None;
    for _ in 0..50 {
        let sent = refreshes(&fake);
        match session.refresh().await {
            Err(err) => {
                println!("full disk, before the refresh: {err}");
                assert!(matches!(err, OAuthError::Store { .. }), "{err}");
                assert!(err.to_string().contains("full"), "{err}");
                assert_eq!(refreshes(&fake), sent, "nothing is sent without a lease");
                break;
            }
            Ok(token) => {
                if let Err(err) = session.save_pending().await {
                    println!("full disk, after the refresh: {err}");
                    assert!(err.to_string().contains("full"), "{err}");
                    kept = Some(token);
                    break;
                }
            }
        }
    }
    // What the session holds works meanwhile.
    let held = session.tokens().await.access_token;
    if let Some(kept) = &kept {
        assert_eq!(held.expose_str(), kept.expose_str());
    }
    client
        .get_user_info(GetUserInfoRequest::new(held.expose_str()))
        .await
        .unwrap();
    std::fs::remove_file(filler).unwrap();
    session.save_pending().await.unwrap();
    let fresh = session.refresh().await.unwrap();
    let key = StoreKey::new(fake.app_id(), "erin").unwrap();
    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.tokens.access_token.expose_str(), fresh.expose_str());
    fake.shutdown().await;
}

/// A Redis restart during a run: the calls in progress fail with a typed
/// store error, the session keeps its token, and the next calls reconnect
/// and find the entry (the append-only file kept it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_during_a_run_is_survived() {
    let Some(mut redis) = RedisServer::start_or_skip("a_redis_restart_during_a_run_is_survived")
    else {
        return;
    };
    let fake = start_fake().await;
    let client = fake.client().unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(RedisStore::connect(&redis.url()).await.unwrap());
    let registry = UserRegistry::with_settings(client.clone(), store.clone(), settings());
    let session = registry
        .login(
            "frank",
            client.exchange_code(fake.authorize()).await.unwrap(),
        )
        .await
        .unwrap();
    redis.stop();
    let err = session.refresh().await.unwrap_err();
    println!("redis down: {err}");
    assert!(matches!(err, OAuthError::Store { .. }), "{err}");
    // The token the session holds still works meanwhile.
    let held = session.tokens().await.access_token;
    client
        .get_user_info(GetUserInfoRequest::new(held.expose_str()))
        .await
        .unwrap();
    redis.restart();
    let mut refreshed = None;
    for _ in 0..50 {
        match session.refresh().await {
            Ok(token) => {
                refreshed = Some(token);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let refreshed = refreshed.expect("the session reconnects after the restart");
    assert_eq!(registry.users().await.unwrap(), ["frank"]);
    let key = StoreKey::new(fake.app_id(), "frank").unwrap();
    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(
        stored.tokens.access_token.expose_str(),
        refreshed.expose_str()
    );
    fake.shutdown().await;
}

// ---- several OS processes (tests/src/bin/token_worker.rs) ----

struct Worker {
    child: std::process::Child,
}

fn spawn_worker(fake: &FakeKdocs, store: &str, extra: &[&str]) -> Worker {
    let child = Command::new(env!("CARGO_BIN_EXE_token_worker"))
        .args(["--store", store, "--base-url", &fake.base_url()])
        .args(["--app-id", fake.app_id(), "--app-key", fake.app_key()])
        .args(["--user", "shared-user"])
        .args(["--lease-ttl-ms", &LEASE_TTL.as_millis().to_string()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the token_worker binary");
    Worker { child }
}

impl Worker {
    fn report(self) -> Value {
        let output = self.child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "worker failed: {stdout} {stderr}");
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }
}

/// The store URL a worker takes, with the user logged in there.
async fn shared_store(fake: &FakeKdocs, backends: &Backends, name: &str) -> String {
    let store = backends.open(name).await;
    let client = fake.client().unwrap();
    UserSession::store(
        client.clone(),
        store,
        "shared-user",
        client.exchange_code(fake.authorize()).await.unwrap(),
        settings(),
    )
    .await
    .unwrap();
    match name {
        "sqlite" => format!("sqlite:{}", backends.sqlite_path().display()),
        "redis" => backends.redis.as_ref().unwrap().url(),
        other => panic!("{other} is not shared between processes"),
    }
}

/// Four OS processes, 250 callers each, sharing one store for 5 s of
/// 2-second tokens (due every second), with rotation on: no process ends
/// logged out, each refresh answers one expiry episode (a second refresh in
/// one episode would send a retired refresh token and be refused), and every
/// token handed out came from one of the fake's refreshes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_store_with_one_refresh_per_episode() {
    let backends = Backends::new("four_processes_share_one_store_with_one_refresh_per_episode");
    for name in backends.names().into_iter().filter(|n| *n != "memory") {
        let fake = start_fake().await;
        let store = shared_store(&fake, &backends, name).await;
        let run = Duration::from_secs(5);
        let started = Instant::now();
        let workers: Vec<Worker> = (0..4)
            .map(|_| {
                spawn_worker(
                    &fake,
                    &store,
                    &[
                        "--callers",
                        "250",
                        "--duration-ms",
                        &run.as_millis().to_string(),
                    ],
                )
            })
            .collect();
        let reports: Vec<Value> = workers.into_iter().map(Worker::report).collect();
        let elapsed = started.elapsed();
        let mut tokens = std::collections::BTreeSet::new();
        let mut calls = 0;
        for report in &reports {
            calls += report["calls"].as_u64().unwrap();
            for t in report["tokens"].as_array().unwrap() {
                tokens.insert(t.as_str().unwrap().to_owned());
            }
        }
        let sent = refreshes(&fake);
        println!(
            "{name}: 4 processes, {calls} access_token calls over {elapsed:?}: {sent} refreshes, \
             {} distinct tokens handed out",
            tokens.len()
        );
        // Due every second (half the lifetime), over the run plus start-up.
        let most = elapsed.as_secs() + 2;
        assert!(
            sent >= 3 && sent <= most,
            "{name}: {sent} refreshes in {elapsed:?}"
        );
        assert!(
            tokens.len() as u64 <= sent + 1,
            "{name}: {} tokens",
            tokens.len()
        );
        fake.shutdown().await;
    }
}

/// A process killed (SIGKILL) while it holds the lease and its refresh is
/// under way (the fake holds the answer): another process takes over once
/// the lease runs out, and its refresh succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_holder_killed_mid_refresh_is_taken_over() {
    let backends = Backends::new("a_lease_holder_killed_mid_refresh_is_taken_over");
    for name in backends.names().into_iter().filter(|n| *n != "memory") {
        let fake = start_fake().await;
        let store = shared_store(&fake, &backends, name).await;
        // Due at once: the stored pair expires within the margin.
        let handle = backends.open(name).await;
        let key = StoreKey::new(fake.app_id(), "shared-user").unwrap();
        let mut entry = handle.load(&key).await.unwrap().unwrap();
        entry.tokens.expires_at = Some(SystemTime::now());
        handle
            .save(&key, &entry.tokens, Expect::Version(entry.version))
            .await
            .unwrap();

        fake.hold_answers("refresh_oauth_token", Some(Duration::from_secs(60)));
        let mut holder = spawn_worker(&fake, &store, &["--callers", "1", "--once"]);
        let deadline = Instant::now() + Duration::from_secs(20);
        while refreshes(&fake) == 0 {
            assert!(
                Instant::now() < deadline,
                "{name}: the holder never sent its refresh"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        holder.child.kill().unwrap();
        let _ = holder.child.wait();
        let killed = Instant::now();
        fake.hold_answers("refresh_oauth_token", None);
        let taker = spawn_worker(&fake, &store, &["--callers", "1", "--once"]);
        let report = taker.report();
        let took = killed.elapsed();
        println!("{name}: holder killed mid-refresh; the next process had a token {took:?} later");
        assert!(
            took < LEASE_TTL + Duration::from_secs(3),
            "{name}: {took:?}"
        );
        assert_eq!(report["errors"], serde_json::json!([]));
        assert_eq!(
            refreshes(&fake),
            2,
            "{name}: the killed one's and the taker's"
        );
        fake.shutdown().await;
    }
}
