//! Refreshing tokens: the user session (`oauth::UserSession`) and the
//! anonymous session (`session::AnonymousSession`), both on the runtime's
//! token cell (`runtime::token`), against the fake and against hostile
//! servers on 127.0.0.1.
//!
//! - one refresh request per expiry episode, whatever its outcome: ten
//!   concurrent callers of a due token whose refresh fails (HTTP 500, or no
//!   answer at all) send one request and all get that error;
//! - after a failure, the error is kept for a backoff: callers get it without
//!   a request until it ends; an explicit refresh still sends one;
//! - a lifetime shorter than the refresh margin does not make every call
//!   refresh: the margin is at most half the lifetime;
//! - a caller that gives up mid-refresh leaves the refresh to the others.
//!
//! Run with `--nocapture` to see the counts (the figures in RELIABILITY.md).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kdocs_client::fake::{FakeConfig, FakeKdocs, Fault};
use kdocs_client::oauth::{OAuthError, UserSession, UserTokens};
use kdocs_client::runtime::RetryPolicy;
use kdocs_client::session::{AnonymousSession, SessionError};
use kdocs_client::{Client, Config, Credentials, Secret};
use kdocs_tests::misbehaving::{Framing, MisbehavingServer, Reply};

/// How many callers race for one due token.
const CALLERS: usize = 10;

/// The sessions' first backoff after a failed refresh.
const BACKOFF: Duration = Duration::from_secs(5);

/// A clock that moves only when told to: the sessions' time, so expiry and
/// backoff are decided without waiting.
#[derive(Clone)]
struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    fn at(time: SystemTime) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(time)))
    }

    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }

    fn source(&self) -> impl Fn() -> SystemTime + Send + Sync + 'static {
        let clock = self.clone();
        move || clock.now()
    }
}

fn client_for(fake: &FakeKdocs) -> Client {
    Client::new(
        Credentials::new(fake.app_id(), fake.app_key()),
        Config::new().with_base_url(fake.base_url()),
    )
    .unwrap()
}

/// A client of a hostile server: no retries, 300 ms per attempt, so a server
/// that never answers ends each request quickly.
fn hostile_client(server: &MisbehavingServer) -> Client {
    Client::new(
        Credentials::new("SX20240101REFRESH", "refresh-app-key"),
        Config::new()
            .with_base_url(server.base_url())
            .with_timeout(Duration::from_millis(300))
            .with_operation_timeout(Duration::from_secs(2))
            .with_retry_policy(RetryPolicy::none()),
    )
    .unwrap()
}

/// The user's tokens from the fake's web flow.
async fn user_tokens(fake: &FakeKdocs, client: &Client) -> UserTokens {
    client.exchange_code(fake.authorize()).await.unwrap()
}

/// Tokens for a hostile server: expiring in 100 s of a one-hour lifetime,
/// so due at `now` with the 5-minute margin.
fn due_user_tokens(now: SystemTime) -> UserTokens {
    UserTokens {
        access_token: Secret::new("at-before-refresh".to_owned()),
        refresh_token: Some(Secret::new("rt-refresh-token".to_owned())),
        expires_at: Some(now + Duration::from_secs(100)),
        lifetime: Some(Duration::from_secs(3600)),
    }
}

/// Runs `call` on `CALLERS` tasks released together; their results in order.
async fn race<T, F, Fut>(call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let barrier = barrier.clone();
            let call = call();
            tokio::spawn(async move {
                barrier.wait().await;
                call.await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// The refresh error of `CALLERS` results (`source` picks it out of one),
/// checked to be one and the same error (the same allocation: shared, not
/// repeated).
fn one_shared_error<E: std::fmt::Debug>(
    results: &[Result<Secret<String>, E>],
    source: impl Fn(&E) -> Option<Arc<kdocs_client::Error>>,
) -> Arc<kdocs_client::Error> {
    let sources: Vec<Arc<kdocs_client::Error>> = results
        .iter()
        .map(|result| match result {
            Err(error) => source(error).unwrap_or_else(|| panic!("not a refresh error: {error:?}")),
            Ok(_) => panic!("not a refresh error: a token"),
        })
        .collect();
    assert!(sources.iter().all(|s| Arc::ptr_eq(s, &sources[0])));
    sources[0].clone()
}

fn one_shared_user_error(
    results: &[Result<Secret<String>, OAuthError>],
) -> Arc<kdocs_client::Error> {
    one_shared_error(results, |e| match e {
        OAuthError::Refresh { source } => Some(source.clone()),
        _ => None,
    })
}

fn one_shared_session_error(
    results: &[Result<Secret<String>, SessionError>],
) -> Arc<kdocs_client::Error> {
    one_shared_error(results, |e| match e {
        SessionError::Refresh { source } => Some(source.clone()),
        _ => None,
    })
}

// ---- the user session ------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_of_a_due_user_token_share_one_failed_refresh() {
    let fake =
        FakeKdocs::start(FakeConfig::default().with_access_token_ttl(Duration::from_secs(3600)))
            .await
            .unwrap();
    let client = client_for(&fake);
    let tokens = user_tokens(&fake, &client).await;
    let clock = ManualClock::at(SystemTime::now());
    let session = UserSession::with_clock(client, tokens, Duration::from_secs(300), clock.source());
    let first = session.access_token().await.unwrap();
    clock.advance(Duration::from_secs(3600 - 200)); // due: 200 s left, margin 300 s
    fake.set_fault(Some(Fault::InternalError));

    let results = race(|| {
        let session = session.clone();
        async move { session.access_token().await }
    })
    .await;
    let requests = fake.stats().calls_to("refresh_oauth_token");
    println!("user session, fake answering 500: {CALLERS} callers, {requests} refresh request(s)");
    let error = one_shared_user_error(&results);
    assert_eq!(error.status(), Some(500));
    assert_eq!(requests, 1);

    // The backoff: the same error, without a request.
    let again = session.access_token().await;
    assert!(Arc::ptr_eq(&one_shared_user_error(&[again]), &error));
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 1);
    // An explicit refresh is not held back by it.
    let forced = session.refresh().await;
    assert!(!Arc::ptr_eq(&one_shared_user_error(&[forced]), &error));
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 2);

    // The server recovers; once the backoff is over, one refresh serves all.
    fake.set_fault(None);
    clock.advance(BACKOFF * 2);
    let results = race(|| {
        let session = session.clone();
        async move { session.access_token().await }
    })
    .await;
    let fresh: Vec<Secret<String>> = results.into_iter().map(Result::unwrap).collect();
    assert!(fresh.iter().all(|t| *t == fresh[0] && *t != first));
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 3);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_share_one_refresh_answered_500_by_a_hostile_server() {
    let server =
        MisbehavingServer::start(|_, _| Reply::error(500, 424_242, "Undocumented", "down"))
            .await
            .unwrap();
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(1_000_000));
    let session = UserSession::with_clock(
        hostile_client(&server),
        due_user_tokens(clock.now()),
        Duration::from_secs(300),
        clock.source(),
    );
    let results = race(|| {
        let session = session.clone();
        async move { session.access_token().await }
    })
    .await;
    println!(
        "user session, hostile 500: {CALLERS} callers, {} request(s)",
        server.requests()
    );
    assert_eq!(one_shared_user_error(&results).status(), Some(500));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_share_one_refresh_that_is_never_answered() {
    let server = MisbehavingServer::start(|_, _| Reply::Silence)
        .await
        .unwrap();
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(1_000_000));
    let session = UserSession::with_clock(
        hostile_client(&server),
        due_user_tokens(clock.now()),
        Duration::from_secs(300),
        clock.source(),
    );
    let started = Instant::now();
    let results = tokio::time::timeout(
        Duration::from_secs(10),
        race(|| {
            let session = session.clone();
            async move { session.access_token().await }
        }),
    )
    .await
    .expect("the callers are answered, not left hanging");
    let elapsed = started.elapsed();
    println!(
        "user session, silent server: {CALLERS} callers, {} request(s), all answered in {elapsed:?}",
        server.requests()
    );
    assert!(one_shared_user_error(&results).is_timeout());
    assert_eq!(server.requests(), 1);
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_second_lifetime_does_not_refresh_on_every_call() {
    let fake =
        FakeKdocs::start(FakeConfig::default().with_access_token_ttl(Duration::from_secs(1)))
            .await
            .unwrap();
    let client = client_for(&fake);
    let tokens = user_tokens(&fake, &client).await;
    assert_eq!(tokens.lifetime, Some(Duration::from_secs(1)));
    // The session's clock starts when the token was issued.
    let clock = ManualClock::at(tokens.expires_at.unwrap() - Duration::from_secs(1));
    let session = UserSession::with_clock(client, tokens, Duration::from_secs(300), clock.source());
    let mut per_round = Vec::new();
    for _round in 0..3 {
        for _ in 0..20 {
            session.access_token().await.unwrap();
        }
        per_round.push(fake.stats().calls_to("refresh_oauth_token"));
        // Past half the lifetime: due again.
        clock.advance(Duration::from_millis(600));
    }
    println!(
        "user session, expires_in 1: refreshes after each 20 calls, 0.6 s apart: {per_round:?}"
    );
    // Fresh for half its lifetime: no refresh in the first round, then one
    // refresh a round.
    assert_eq!(per_round, [0, 1, 2]);
    fake.shutdown().await;
}

/// A caller that gives up (its future dropped) while the refresh is under way
/// neither cancels it nor makes the others send another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_leaves_the_refresh_to_the_others() {
    let body = r#"{"code":0,"data":{"access_token":"at-after-refresh","expires_in":3600}}"#;
    let server = MisbehavingServer::start(move |_, _| Reply::Stream {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        framing: Framing::Length(body.len() as u64),
        chunk: body.as_bytes().to_vec(),
        count: Some(1),
        interval: Duration::from_millis(250),
    })
    .await
    .unwrap();
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(1_000_000));
    let session = UserSession::with_clock(
        hostile_client(&server),
        due_user_tokens(clock.now()),
        Duration::from_secs(300),
        clock.source(),
    );
    let gave_up = tokio::time::timeout(Duration::from_millis(50), session.access_token()).await;
    assert!(gave_up.is_err(), "the answer takes 250 ms");
    let results = race(|| {
        let session = session.clone();
        async move { session.access_token().await }
    })
    .await;
    for result in results {
        assert_eq!(result.unwrap().expose_str(), "at-after-refresh");
    }
    assert_eq!(server.requests(), 1);
}

// ---- the anonymous session ---------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_of_a_due_anonymous_token_share_one_failed_refresh() {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let file = fake.add_file("shared-failure.docx", b"x".to_vec());
    let token = fake.create_preview_token(&file);
    let clock = ManualClock::at(fake.clock().now());
    let expire_at = (fake.clock().unix_now() + 200) as i64; // due: 200 s left
    let session = AnonymousSession::builder(client_for(&fake))
        .time_source(clock.source())
        .from_token(token.as_str(), expire_at);
    fake.set_fault(Some(Fault::InternalError));

    let results = race(|| {
        let session = session.clone();
        async move { session.token().await }
    })
    .await;
    let error = one_shared_session_error(&results);
    assert_eq!(error.status(), Some(500));
    let requests = fake.stats().calls_to("refresh_anonymous_token");
    println!(
        "anonymous session, fake answering 500: {CALLERS} callers, {requests} refresh request(s)"
    );
    assert_eq!(requests, 1);
    // The backoff: the same error, without a request; the token is kept.
    let again = session.token().await;
    assert!(Arc::ptr_eq(&one_shared_session_error(&[again]), &error));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);
    assert_eq!(session.expire_at(), Some(expire_at));

    // After the backoff, the recovered server refreshes it, once for all.
    fake.set_fault(None);
    clock.advance(BACKOFF);
    let results = race(|| {
        let session = session.clone();
        async move { session.token().await }
    })
    .await;
    let fresh: Vec<Secret<String>> = results.into_iter().map(Result::unwrap).collect();
    assert!(fresh.iter().all(|t| *t == fresh[0] && t.expose() != &token));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 2);
    assert!(fake.is_anonymous_token_valid(fresh[0].expose()));
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_share_one_anonymous_refresh_that_is_never_answered() {
    let server = MisbehavingServer::start(|_, _| Reply::Silence)
        .await
        .unwrap();
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(990));
    let session = AnonymousSession::builder(hostile_client(&server))
        .time_source(clock.source())
        .from_token("Anonymous-silent", 1000);
    let started = Instant::now();
    let results = tokio::time::timeout(
        Duration::from_secs(10),
        race(|| {
            let session = session.clone();
            async move { session.token().await }
        }),
    )
    .await
    .expect("the callers are answered, not left hanging");
    let elapsed = started.elapsed();
    assert!(one_shared_session_error(&results).is_timeout());
    println!(
        "anonymous session, silent server: {CALLERS} callers, {} request(s), all answered in {elapsed:?}",
        server.requests()
    );
    assert_eq!(server.requests(), 1);
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_share_one_anonymous_refresh_answered_500_by_a_hostile_server() {
    let server =
        MisbehavingServer::start(|_, _| Reply::error(500, 424_242, "Undocumented", "down"))
            .await
            .unwrap();
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(990));
    let session = AnonymousSession::builder(hostile_client(&server))
        .time_source(clock.source())
        .from_token("Anonymous-500", 1000);
    let results = race(|| {
        let session = session.clone();
        async move { session.token().await }
    })
    .await;
    assert_eq!(one_shared_session_error(&results).status(), Some(500));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_anonymous_lifetime_does_not_refresh_on_every_call() {
    // A one-minute token under the default 5-minute margin.
    let fake =
        FakeKdocs::start(FakeConfig::default().with_anonymous_token_ttl(Duration::from_secs(60)))
            .await
            .unwrap();
    let file = fake.add_file("short.docx", b"x".to_vec());
    let token = fake.create_preview_token(&file);
    let clock = ManualClock::at(fake.clock().now());
    let session = AnonymousSession::builder(client_for(&fake))
        .time_source(clock.source())
        .from_token(token.as_str(), (fake.clock().unix_now() + 60) as i64);
    let mut per_round = Vec::new();
    for _round in 0..3 {
        for _ in 0..20 {
            session.token().await.unwrap();
        }
        per_round.push(fake.stats().calls_to("refresh_anonymous_token"));
        // Past half the lifetime: due again.
        clock.advance(Duration::from_secs(31));
        fake.clock().advance(Duration::from_secs(31));
    }
    println!("anonymous session, 60 s lifetime: refreshes after each 20 calls, 31 s apart: {per_round:?}");
    // The first call refreshes (the given token's lifetime is unknown, so the
    // whole margin applies); each refreshed token is then fresh for half of
    // its 60 s.
    assert_eq!(per_round, [1, 2, 3]);
    fake.shutdown().await;
}

/// The fake rotates refresh tokens (a new one in each refresh answer, the old
/// one retired): the session keeps the newest, so it survives rotation after
/// rotation, and a session left holding a retired token is told to authorize
/// the user again, once, without retrying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_survives_rotations_and_a_retired_refresh_token_is_refused() {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let client = client_for(&fake);
    let first = user_tokens(&fake, &client).await;
    let session = UserSession::new(client.clone(), first.clone());
    let mut seen = vec![first.refresh_token.clone().unwrap().expose_str().to_owned()];
    for _ in 0..5 {
        let access_token = session.refresh().await.unwrap();
        let rotated = session.tokens().await.refresh_token.unwrap();
        assert!(!seen.iter().any(|t| t == rotated.expose_str()));
        seen.push(rotated.expose_str().to_owned());
        client
            .get_user_info(kdocs_client::GetUserInfoRequest::new(
                access_token.expose_str(),
            ))
            .await
            .unwrap();
    }
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 5);

    // A second holder of the first pair: its refresh token was retired by
    // the first rotation.
    let stale = UserSession::new(client.clone(), first);
    let err = stale.refresh().await.unwrap_err();
    assert!(err.needs_reauthorization(), "{err}");
    let OAuthError::ReauthorizationNeeded { source } = &err else {
        panic!("{err}")
    };
    assert_eq!(source.api().map(|api| api.code), Some(994_011), "{source}");
    // Ended: nothing more is sent.
    assert!(stale.refresh().await.unwrap_err().needs_reauthorization());
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 6);
    fake.shutdown().await;
}

/// Without rotation the refresh answers no refresh token, and the session
/// keeps the one it has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rotation_the_refresh_token_stays() {
    let fake = FakeKdocs::start(FakeConfig::default().with_refresh_token_rotation(false))
        .await
        .unwrap();
    let client = client_for(&fake);
    let first = user_tokens(&fake, &client).await;
    let session = UserSession::new(client, first.clone());
    for _ in 0..3 {
        session.refresh().await.unwrap();
    }
    assert_eq!(
        session.tokens().await.refresh_token.unwrap().expose_str(),
        first.refresh_token.unwrap().expose_str()
    );
    fake.shutdown().await;
}
