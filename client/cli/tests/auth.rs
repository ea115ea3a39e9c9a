//! `kdocs auth login` → a user subcommand → `kdocs auth logout`, run as a
//! user runs them, against a fake kdocs whose authorize page redirects at
//! once (the test plays the browser).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use kdocs_client::fake::{FakeConfig, FakeKdocs};

const BIN: &str = env!("CARGO_BIN_EXE_kdocs");

/// The variables of a login against `fake`, its tokens in `store`.
fn env(fake: &FakeKdocs, store: &str) -> Vec<(String, String)> {
    [
        ("KDOCS_BASE_URL", fake.base_url()),
        ("KDOCS_APP_ID", fake.app_id().to_owned()),
        ("KDOCS_APP_KEY", fake.app_key().to_owned()),
        ("KDOCS_TOKEN_STORE", store.to_owned()),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v))
    .collect()
}

fn kdocs_command(args: &[&str], env: &[(String, String)]) -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("KDOCS_") {
            command.env_remove(name);
        }
    }
    // No log unless a test asks: a developer's RUST_LOG would write on stderr.
    command.env_remove("RUST_LOG");
    command.args(args).envs(env.iter().map(|(n, v)| (n, v)));
    command
}

/// `kdocs args…`, off the test's runtime (the fake serves on it meanwhile).
async fn kdocs(args: &[&str], env: &[(String, String)]) -> Output {
    let mut command = kdocs_command(args, env);
    command.stdin(Stdio::null());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `kdocs auth login` and plays the browser: reads the authorize URL
/// it prints, and opens it (`follow`: following the redirect to the
/// command's listener; otherwise pasting the redirected URL on its stdin).
async fn login(fake: &FakeKdocs, env: &[(String, String)], extra: &[&str], follow: bool) -> Output {
    let redirect = format!("http://127.0.0.1:{}/kdocs/callback", free_port());
    let mut args = vec!["auth", "login", "--redirect-uri", redirect.as_str()];
    args.extend_from_slice(extra);
    let mut command = kdocs_command(&args, env);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.trim().starts_with("http").then(|| l.trim().to_owned()))
    })
    .await
    .unwrap()
    .expect("the authorize URL on stderr");
    assert!(url.starts_with(&fake.base_url()), "{url}");
    let browser = reqwest::Client::builder()
        .redirect(if follow {
            reqwest::redirect::Policy::limited(3)
        } else {
            reqwest::redirect::Policy::none()
        })
        .build()
        .unwrap();
    let page = browser.get(&url).send().await.unwrap();
    if follow {
        assert_eq!(
            page.status(),
            200,
            "the command's listener took the redirect"
        );
        assert!(page.text().await.unwrap().contains("Logged in"));
    } else {
        let location = page.headers()["location"].to_str().unwrap().to_owned();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{location}").unwrap();
    }
    tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()),
    )
    .await
    .expect("login ends")
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_a_user_call_then_logout() {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kdocs").join("tokens.sqlite");
    let env = env(&fake, store.to_str().unwrap());

    let answer = json(&login(&fake, &env, &[], true).await);
    assert_eq!(answer["account"], "default");
    assert_eq!(answer["logged_in"], true);

    // No --access-token: the stored login's.
    let me = kdocs(&["get-user-info"], &env).await;
    json(&me);

    let status = kdocs(&["auth", "status"], &env).await;
    let shown = String::from_utf8_lossy(&status.stdout).into_owned();
    let status = json(&status);
    assert_eq!(status["accounts"][0]["account"], "default");
    assert_eq!(status["accounts"][0]["refreshable"], true);
    assert!(
        !shown.contains("fake-at-") && !shown.contains("fake-rt-"),
        "{shown}"
    );

    let out = json(&kdocs(&["auth", "logout"], &env).await);
    assert_eq!(out["logged_out"], true);
    let refused = kdocs(&["get-user-info"], &env).await;
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("kdocs auth login"), "{message}");
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_by_pasting_the_redirected_url_under_an_account() {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.sqlite");
    let env = env(&fake, store.to_str().unwrap());
    let answer = json(&login(&fake, &env, &["--paste", "--account", "work"], false).await);
    assert_eq!(answer["account"], "work");
    json(&kdocs(&["get-user-info", "--account", "work"], &env).await);
    // Another account is not logged in.
    let other = kdocs(&["get-user-info"], &env).await;
    assert_eq!(other.status.code(), Some(2));
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_stored_login_is_refreshed_and_stored_again() {
    let fake =
        FakeKdocs::start(FakeConfig::default().with_access_token_ttl(Duration::from_secs(2)))
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.sqlite");
    let env = env(&fake, store.to_str().unwrap());
    json(&login(&fake, &env, &[], true).await);
    let before = json(&kdocs(&["auth", "status"], &env).await)["accounts"][0]["expires_at"].clone();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    json(&kdocs(&["get-user-info"], &env).await);
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 1);
    let after = json(&kdocs(&["auth", "status"], &env).await)["accounts"][0]["expires_at"].clone();
    assert!(after.as_u64() > before.as_u64(), "{before} → {after}");
    // The rotated refresh token was stored: the next refresh works too.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    json(&kdocs(&["get-user-info"], &env).await);
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 2);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_redirect_is_refused() {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.sqlite");
    let env = env(&fake, store.to_str().unwrap());
    let mut command = kdocs_command(
        &[
            "auth",
            "login",
            "--paste",
            "--redirect-uri",
            "https://app.example.com/cb",
        ],
        &env,
    );
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    writeln!(
        child.stdin.take().unwrap(),
        "https://app.example.com/cb?code=stolen&state=not-ours"
    )
    .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("state"), "{message}");
    assert_eq!(fake.stats().calls_to("exchange_oauth_code"), 0);
    fake.shutdown().await;
}
