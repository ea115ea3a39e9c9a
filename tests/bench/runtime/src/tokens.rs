//! User tokens on a store: the cost of a fresh token from each store, and of
//! one coordinated refresh with 1,000 callers spread over four processes.
//!
//! - **fresh token**: `UserSession::access_token` of a token that is not
//!   due (the session's own memory, whatever the store), and
//!   `TokenStore::load` of the entry (what a process that opens the session
//!   reads), per store;
//! - **coordinated refresh**: four child processes of this binary
//!   (`token-callers`) open the same user's session on one store, whose
//!   pair is due, and on a signal each starts 250 concurrent
//!   `access_token` calls; the figure is the time from the signal until the
//!   last caller of the last process has its token, and the fake (in this
//!   process, rotation on) counts the refresh requests.
//!
//! Redis runs as a `redis-server` child in a temporary folder when the
//! program is installed; otherwise its rows say so.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::oauth::{SessionSettings, UserSession};
use kdocs_client::token_store::{
    Expect, MemoryStore, RedisStore, SqliteStore, StoreKey, TokenStore,
};

use crate::stats::{machine, median, range};

/// Options of `tokens`.
#[derive(clap::Args)]
pub struct TokensArgs {
    /// Fresh-token reads per measured run.
    #[arg(long, default_value_t = 20_000)]
    reads: u32,
    /// Runs of each measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Coordinated refreshes measured per store.
    #[arg(long, default_value_t = 5)]
    refreshes: usize,
}

/// Options of the internal `token-callers`.
#[derive(clap::Args)]
pub struct CallersArgs {
    #[arg(long)]
    store: String,
    #[arg(long)]
    base_url: String,
    #[arg(long)]
    app_id: String,
    #[arg(long)]
    app_key: String,
    #[arg(long, default_value_t = 250)]
    callers: usize,
}

const USER: &str = "bench-user";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A `redis-server` child on a free port; killed when dropped.
struct Redis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    fn start() -> Option<Redis> {
        let dir = tempfile::tempdir().ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Redis {
            child,
            port,
            _dir: dir,
        })
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `tokens`.
pub fn run(args: &TokensArgs) {
    println!("user tokens on a store, {}", machine());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sqlite = dir.path().join("tokens.sqlite");
    let redis = Redis::start();
    let mut stores = vec![
        ("memory", None),
        ("sqlite", Some(format!("sqlite:{}", sqlite.display()))),
    ];
    match &redis {
        Some(redis) => stores.push(("redis", Some(redis.url()))),
        None => println!("redis: redis-server is not installed; no Redis rows"),
    }
    let rt = runtime();
    rt.block_on(async {
        let fake = FakeKdocs::start(FakeConfig::default().with_daily_limit(u32::MAX))
            .await
            .expect("the fake");
        println!("| store | access_token, fresh | TokenStore::load | 1,000 callers over 4 processes, one refresh | refresh requests |");
        println!("|---|---|---|---|---|");
        for (name, spec) in &stores {
            let store = open(name, spec.as_deref()).await;
            let (fresh, load) = fresh_reads(&fake, store.clone(), args).await;
            let coordinated = match spec {
                Some(spec) => coordinated(&fake, store.as_ref(), spec, args).await,
                None => "(one process only) | –".to_owned(),
            };
            println!("| {name} | {fresh} | {load} | {coordinated} |");
        }
        fake.shutdown().await;
    });
}

async fn open(name: &str, spec: Option<&str>) -> Arc<dyn TokenStore> {
    match (name, spec) {
        ("memory", _) => Arc::new(MemoryStore::new()),
        (_, Some(spec)) => open_spec(spec).await,
        _ => unreachable!("every store but memory has a spec"),
    }
}

async fn open_spec(spec: &str) -> Arc<dyn TokenStore> {
    match spec.strip_prefix("sqlite:") {
        Some(path) => Arc::new(SqliteStore::open(path).expect("the SQLite store")),
        None => Arc::new(RedisStore::connect(spec).await.expect("the Redis store")),
    }
}

/// Logs the user in on `store`; the session.
async fn login(fake: &FakeKdocs, store: Arc<dyn TokenStore>) -> UserSession {
    let client = fake.client().expect("a client");
    let tokens = client
        .exchange_code(fake.authorize())
        .await
        .expect("tokens");
    UserSession::store(client, store, USER, tokens, SessionSettings::new())
        .await
        .expect("stored")
}

/// Median ns per fresh `access_token` and per `load`, with their ranges.
async fn fresh_reads(
    fake: &FakeKdocs,
    store: Arc<dyn TokenStore>,
    args: &TokensArgs,
) -> (String, String) {
    let session = login(fake, store.clone()).await;
    let key = StoreKey::new(fake.app_id(), USER).expect("a key");
    let (mut fresh, mut load) = (Vec::new(), Vec::new());
    for _ in 0..args.runs {
        let started = Instant::now();
        for _ in 0..args.reads {
            std::hint::black_box(session.access_token().await.expect("a token"));
        }
        fresh.push(started.elapsed().as_nanos() as f64 / f64::from(args.reads));
        let loads = (args.reads / 10).max(1);
        let started = Instant::now();
        for _ in 0..loads {
            std::hint::black_box(store.load(&key).await.expect("an entry"));
        }
        load.push(started.elapsed().as_nanos() as f64 / f64::from(loads));
    }
    (
        format!("{:.0} ns ({} ns)", median(&fresh), range(&fresh, 0)),
        format!(
            "{:.1} µs ({} µs)",
            median(&load) / 1000.0,
            range(&load.iter().map(|v| v / 1000.0).collect::<Vec<_>>(), 1)
        ),
    )
}

/// Median ms of one coordinated refresh, and the refresh requests per run.
async fn coordinated(
    fake: &FakeKdocs,
    store: &dyn TokenStore,
    spec: &str,
    args: &TokensArgs,
) -> String {
    let key = StoreKey::new(fake.app_id(), USER).expect("a key");
    let (mut times, mut requests) = (Vec::new(), Vec::new());
    for _ in 0..args.refreshes {
        // Due now: the stored pair expires within the margin.
        let mut entry = store.load(&key).await.expect("load").expect("an entry");
        entry.tokens.expires_at = Some(SystemTime::now());
        store
            .save(&key, &entry.tokens, Expect::Version(entry.version))
            .await
            .expect("save");
        let before = fake.stats().calls_to("refresh_oauth_token");
        let mut children: Vec<Child> = (0..4).map(|_| spawn_callers(fake, spec)).collect();
        // Each child says `ready` once its session is open.
        let mut outputs: Vec<BufReader<_>> = children
            .iter_mut()
            .map(|c| BufReader::new(c.stdout.take().expect("stdout")))
            .collect();
        for out in &mut outputs {
            let mut line = String::new();
            out.read_line(&mut line).expect("ready");
        }
        let started = Instant::now();
        for child in &mut children {
            let stdin = child.stdin.as_mut().expect("stdin");
            writeln!(stdin, "go").expect("go");
        }
        for out in &mut outputs {
            let mut line = String::new();
            out.read_line(&mut line).expect("done");
            assert!(line.starts_with("done"), "a caller process failed: {line}");
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        for mut child in children {
            let _ = child.wait();
        }
        requests.push(fake.stats().calls_to("refresh_oauth_token") - before);
    }
    format!(
        "{:.1} ms ({} ms) | {requests:?}",
        median(&times),
        range(&times, 1)
    )
}

fn spawn_callers(fake: &FakeKdocs, spec: &str) -> Child {
    Command::new(std::env::current_exe().expect("this binary"))
        .args([
            "token-callers",
            "--store",
            spec,
            "--base-url",
            &fake.base_url(),
        ])
        .args(["--app-id", fake.app_id(), "--app-key", fake.app_key()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("a caller process")
}

/// The internal `token-callers`: opens the session, says `ready`, waits for
/// a line, runs the callers, says `done`.
pub fn callers(args: &CallersArgs) {
    let rt = runtime();
    rt.block_on(async {
        let store = open_spec(&args.store).await;
        let client = kdocs_client::Client::new(
            kdocs_client::Credentials::new(&args.app_id, &args.app_key),
            kdocs_client::Config::new().with_base_url(&args.base_url),
        )
        .expect("a client");
        let session = UserSession::open(client, store, USER, SessionSettings::new())
            .await
            .expect("the session");
        println!("ready");
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).expect("go");
        let tasks: Vec<_> = (0..args.callers)
            .map(|_| {
                let session = session.clone();
                tokio::spawn(async move { session.access_token().await })
            })
            .collect();
        let mut failed = None;
        for task in tasks {
            if let Err(e) = task.await.expect("a caller") {
                failed = Some(e.to_string());
            }
        }
        match failed {
            None => println!("done"),
            Some(e) => println!("failed: {e}"),
        }
    });
}
