//! One process of the cross-process token tests (`tests/tests/token_store.rs`):
//! opens a user's session on a shared store and asks it for the access token
//! from many tasks at once, round after round, checking each token against
//! the fake with a user call. Prints one JSON line: rounds, calls, errors,
//! and a hash of each distinct token it was given (never a token).
//!
//! ```text
//! token_worker --store sqlite:/path/tokens.sqlite | --store redis://127.0.0.1:6379/
//!              --base-url URL --app-id ID --app-key KEY --user USER
//!              [--callers 250] [--duration-ms 5000] [--lease-ttl-ms 2000] [--once]
//! ```

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kdocs_client::oauth::{SessionSettings, UserSession};
use kdocs_client::token_store::{RedisStore, SqliteStore, TokenStore};
use kdocs_client::{Client, Config, Credentials, GetUserInfoRequest};

fn args() -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {flag:?}"))?;
        if name == "once" {
            out.insert(name.to_owned(), String::new());
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("--{name} needs a value"))?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

fn number(args: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, String> {
    args.get(name).map_or(Ok(default), |v| {
        v.parse().map_err(|e| format!("--{name}: {e}"))
    })
}

async fn open_store(spec: &str) -> Result<Arc<dyn TokenStore>, String> {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        return Ok(Arc::new(
            SqliteStore::open(path).map_err(|e| e.to_string())?,
        ));
    }
    Ok(Arc::new(
        RedisStore::connect(spec).await.map_err(|e| e.to_string())?,
    ))
}

fn hash(token: &str) -> String {
    let mut hasher = DefaultHasher::new();
    token.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

async fn run() -> Result<serde_json::Value, String> {
    let args = args()?;
    let get = |name: &str| {
        args.get(name)
            .cloned()
            .ok_or_else(|| format!("--{name} is required"))
    };
    let store = open_store(&get("store")?).await?;
    let client = Client::new(
        Credentials::new(get("app-id")?, get("app-key")?),
        Config::new().with_base_url(get("base-url")?),
    )
    .map_err(|e| e.to_string())?;
    let settings = SessionSettings::new().with_lease_ttl(Duration::from_millis(number(
        &args,
        "lease-ttl-ms",
        2000,
    )?));
    let session = UserSession::open(client.clone(), store, &get("user")?, settings)
        .await
        .map_err(|e| e.to_string())?;
    let callers = number(&args, "callers", 250)?;
    let once = args.contains_key("once");
    let deadline = Instant::now() + Duration::from_millis(number(&args, "duration-ms", 5000)?);
    let (mut rounds, mut calls, mut errors) = (0u64, 0u64, Vec::new());
    let mut tokens = BTreeSet::new();
    let mut first_round_ms = None;
    loop {
        let started = Instant::now();
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let session = session.clone();
                tokio::spawn(async move { session.access_token().await })
            })
            .collect();
        for task in tasks {
            calls += 1;
            match task.await {
                Ok(Ok(token)) => {
                    tokens.insert(token.expose_str().to_owned());
                }
                Ok(Err(e)) => errors.push(e.to_string()),
                Err(e) => errors.push(format!("task: {e}")),
            }
        }
        first_round_ms.get_or_insert(started.elapsed().as_secs_f64() * 1000.0);
        rounds += 1;
        // Each token given out works for a user call.
        if let Ok(token) = session.access_token().await {
            if let Err(e) = client
                .get_user_info(GetUserInfoRequest::new(token.expose_str()))
                .await
            {
                errors.push(format!("get_user_info: {e}"));
            }
        }
        if once || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    errors.sort();
    errors.dedup();
    Ok(serde_json::json!({
        "rounds": rounds,
        "calls": calls,
        "errors": errors,
        "tokens": tokens.iter().map(|t| hash(t)).collect::<Vec<_>>(),
        "first_round_ms": first_round_ms,
    }))
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run()) {
        Ok(report) => {
            println!("{report}");
            if report["errors"].as_array().is_some_and(Vec::is_empty) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("token_worker: {e}");
            ExitCode::from(2)
        }
    }
}
