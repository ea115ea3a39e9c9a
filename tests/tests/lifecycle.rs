//! The anonymous-preview token lifecycle, signature and quota failures, and
//! verified streaming downloads, all against the in-process fake kdocs server.

use kdocs_client::ErrorCodeExt;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use kdocs_client::download::DownloadError;
use kdocs_client::fake::{FakeCode, FakeConfig, FakeKdocs, Fault};
use kdocs_client::runtime::{signing, RetryPolicy};
use kdocs_client::session::{AnonymousSession, SessionError, TimeSource};
use kdocs_client::{
    Client, Config, CreateAnonymousPreviewRequest, Credentials, Error, GetDownloadUrlRequest,
    RefreshAnonymousTokenRequest, Secret, Token,
};
use tokio::io::AsyncWrite;

/// Anonymous-token lifetime used by the session tests: short enough that
/// moving the fake clock past a refresh margin or past expiry keeps the
/// client's `Date` within the 15 minutes the fake accepts.
const TTL: Duration = Duration::from_secs(10 * 60);
const MARGIN: Duration = Duration::from_secs(5 * 60);

fn client_for(fake: &FakeKdocs) -> Client {
    client_with(fake, fake.app_key(), Config::new())
}

fn client_with(fake: &FakeKdocs, app_key: &str, config: Config) -> Client {
    Client::new(
        Credentials::new(fake.app_id(), app_key),
        config.with_base_url(fake.base_url()),
    )
    .unwrap()
}

async fn start(config: FakeConfig) -> FakeKdocs {
    FakeKdocs::start(config).await.unwrap()
}

/// The fake's clock as the session's time source.
fn fake_time(fake: &FakeKdocs) -> impl TimeSource + use<> {
    let clock = fake.clock().clone();
    move || clock.now()
}

/// Creates a preview task through the API and a session on its token; the
/// "query anonymous task" step reads the fake (the endpoint is undocumented).
async fn session_on_new_task(fake: &FakeKdocs, file_token: &str) -> AnonymousSession {
    let expire_at = (fake.clock().unix_now() + TTL.as_secs()) as i64;
    AnonymousSession::builder(client_for(fake))
        .refresh_margin(MARGIN)
        .time_source(fake_time(fake))
        .create(CreateAnonymousPreviewRequest::new(file_token), |task_id| {
            let token = fake.anonymous_token_for_task(&task_id);
            async move {
                token
                    .map(|value| Token::new(value, expire_at))
                    .ok_or("the fake has no token for this task")
            }
        })
        .await
        .unwrap()
}

fn api_code(error: &Error) -> (i64, u16, String) {
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error}"));
    (api.code, api.status, api.hint.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_create_refresh_old_refused_cancel_refused() {
    let fake = start(FakeConfig::default().with_anonymous_token_ttl(TTL)).await;
    let client = client_for(&fake);
    let file = fake.add_file("lifecycle.docx", b"hello".to_vec());

    // Create task -> token.
    let session = session_on_new_task(&fake, &file).await;
    let task_id = session.task_id().unwrap().to_owned();
    let first = session.token().await.unwrap();
    assert!(first.expose().starts_with("Anonymous-"));
    assert!(fake.is_anonymous_token_valid(first.expose()));
    let sdk = session.web_office_token().await.unwrap();
    assert_eq!(sdk.token, first);
    assert!(
        (590_000..=600_000).contains(&sdk.timeout),
        "timeout {} ms",
        sdk.timeout
    );
    let json = serde_json::to_value(&sdk).unwrap();
    assert_eq!(json["token"], first.expose().as_str());
    assert!(!format!("{sdk:?} {session:?}").contains(first.expose().as_str()));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 0);

    // Within the margin of expiry: the next token() refreshes.
    fake.clock().advance(Duration::from_secs(6 * 60));
    let second = session.token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);
    assert_eq!(
        fake.anonymous_token_for_task(&task_id).as_deref(),
        Some(second.expose().as_str())
    );
    let expire_at = session.expire_at().unwrap();
    assert!(expire_at.abs_diff((fake.clock().unix_now() + TTL.as_secs()) as i64) <= 2);
    // Fresh now: no further refresh.
    assert_eq!(session.token().await.unwrap(), second);
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);

    // The old token is refused.
    assert!(!fake.is_anonymous_token_valid(first.expose()));
    let err = client
        .refresh_anonymous_token(RefreshAnonymousTokenRequest::new(first.expose().as_str()))
        .await
        .unwrap_err();
    let (code, status, hint) = api_code(&err);
    assert_eq!(
        (code, status),
        (FakeCode::AnonymousTokenNotFound.code(), 404),
        "{err}"
    );
    assert!(hint.contains("replaced by a refresh"), "{hint}");
    assert!(err.is_not_found() && !err.is_auth());
    assert!(!err.to_string().contains(first.expose().as_str()));

    // Cancel -> refused, by the session and by the server.
    session.cancel().await.unwrap();
    assert_eq!(fake.anonymous_token_for_task(&task_id), None);
    let err = session.token().await.unwrap_err();
    assert!(matches!(err, SessionError::Cancelled), "{err:?}");
    assert!(err.needs_new_preview_task());
    let err = client
        .refresh_anonymous_token(RefreshAnonymousTokenRequest::new(second.expose().as_str()))
        .await
        .unwrap_err();
    let (code, status, hint) = api_code(&err);
    assert_eq!(
        (code, status),
        (FakeCode::AnonymousTokenNotFound.code(), 404),
        "{err}"
    );
    assert!(hint.contains("cancelled"), "{hint}");
    // Cancelling again is a no-op without a call.
    session.cancel().await.unwrap();
    let stats = fake.stats();
    assert_eq!(stats.calls_to("cancel_anonymous_token"), 1);
    assert_eq!(stats.calls_to("create_anonymous_preview"), 1);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_after_expiry_needs_a_new_preview_task() {
    let fake = start(FakeConfig::default().with_anonymous_token_ttl(TTL)).await;
    let file = fake.add_file("expiry.docx", b"x".to_vec());
    // Session A follows the fake clock; session B trusts the system clock and
    // refreshes anyway, so the server is the one that refuses the token. No
    // kdocs page gives a code for that: B goes by the refusal's HTTP status.
    let a = session_on_new_task(&fake, &file).await;
    let b_token = fake.create_preview_token(&file);
    let b_expiry = (fake.clock().unix_now() + TTL.as_secs()) as i64;
    let b = AnonymousSession::builder(client_for(&fake)).from_token(b_token.as_str(), b_expiry);

    fake.clock().advance(TTL + Duration::from_secs(60));

    let err = a.token().await.unwrap_err();
    match &err {
        SessionError::NewPreviewTaskNeeded { expired_at, source } => {
            assert_eq!(*expired_at, a.expire_at());
            assert!(source.is_none(), "the session's own clock decided");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("new anonymous preview task"),
        "{err}"
    );
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 0);

    let err = b.refresh().await.unwrap_err();
    match &err {
        SessionError::TokenRevoked { source } => {
            let (code, status, hint) = api_code(source);
            assert_eq!(
                (code, status),
                (FakeCode::AnonymousTokenExpired.code(), 403)
            );
            assert!(hint.contains("expired"), "{hint}");
            assert_eq!(
                source.error_code(),
                Some(kdocs_client::ErrorCode::Unknown(code))
            );
            assert!(source.is_auth());
        }
        other => panic!("{other:?}"),
    }
    assert!(err.needs_new_preview_task());
    assert!(!format!("{err} {err:?}").contains(&b_token));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);
    // The session stays refused without asking again.
    assert!(matches!(
        b.token().await.unwrap_err(),
        SessionError::TokenRevoked { .. }
    ));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let fake = start(FakeConfig::default().with_anonymous_token_ttl(TTL)).await;
    let file = fake.add_file("concurrent.docx", b"x".to_vec());
    let session = session_on_new_task(&fake, &file).await;
    let old = session.token().await.unwrap();
    fake.clock().advance(Duration::from_secs(6 * 60)); // now due

    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let session = session.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                session.token().await
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != old));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);
    assert!(fake.is_anonymous_token_valid(tokens[0].expose()));
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_does_not_lose_the_refresh() {
    let fake = start(FakeConfig::default().with_anonymous_token_ttl(TTL)).await;
    let file = fake.add_file("dropped.docx", b"x".to_vec());
    let session = session_on_new_task(&fake, &file).await;
    let old = session.token().await.unwrap();
    fake.clock().advance(Duration::from_secs(6 * 60)); // now due
                                                       // Give up almost at once; the refresh, already sent, runs to its end.
    let _ = tokio::time::timeout(Duration::from_micros(50), session.token()).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while fake
        .anonymous_token_for_task(session.task_id().unwrap())
        .as_deref()
        == Some(old.expose().as_str())
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let new = session.token().await.unwrap();
    assert_ne!(new, old);
    assert!(fake.is_anonymous_token_valid(new.expose()));
    assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 1);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_failures_are_refused_with_the_right_hint() {
    let fake = start(FakeConfig::default()).await;
    let file = fake.add_file("sig.docx", b"x".to_vec());

    // Wrong key.
    let wrong = client_with(&fake, "not-the-app-key", Config::new());
    let err = wrong
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap_err();
    let (code, status, hint) = api_code(&err);
    assert_eq!(
        (code, status),
        (FakeCode::SignatureRefused.code(), 403),
        "{err}"
    );
    assert!(hint.contains("signature does not match"), "{hint}");
    assert!(err.is_auth(), "judged by the HTTP status");
    assert!(!err.to_string().contains("not-the-app-key"));

    // Stale Date: the server's clock is 20 minutes ahead of ours. Without
    // clock-skew correction the refusal is the error.
    let client = client_with(
        &fake,
        fake.app_key(),
        Config::new().with_clock_skew_correction(false),
    );
    fake.clock().advance(Duration::from_secs(20 * 60));
    let err = client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap_err();
    let (code, status, hint) = api_code(&err);
    assert_eq!(
        (code, status),
        (FakeCode::SignatureRefused.code(), 403),
        "{err}"
    );
    assert!(hint.contains("more than 15 minutes"), "{hint}");
    // With it (the default), the client adopts the fake's clock from the
    // response's `Date`, retries once, and keeps the offset for later calls.
    let correcting = client_for(&fake);
    let calls_before = fake.stats().calls_to("get_download_url");
    correcting
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(fake.stats().calls_to("get_download_url") - calls_before, 2);
    let offset = correcting.clock_offset_secs();
    assert!((1195..=1205).contains(&offset), "offset {offset}");
    correcting
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(fake.stats().calls_to("get_download_url") - calls_before, 3);
    fake.clock().reset();
    client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();

    // Body changed after signing: a hand-signed request.
    let token = fake.create_preview_token(&file);
    let path = "/api/v1/openapi/anonymous/token";
    let signed_body = serde_json::to_vec(&serde_json::json!({ "token": token })).unwrap();
    let mut sent_body = signed_body.clone();
    sent_body.extend_from_slice(b" ");
    let send = |body: Vec<u8>| {
        let headers = signing::sign(
            fake.app_id(),
            &Secret::new(fake.app_key().to_owned()),
            Some(&signed_body),
            path,
            fake.clock().now(),
        );
        client
            .http()
            .post(format!("{}{path}", fake.base_url()))
            .header("Date", headers.date)
            .header("Content-Type", headers.content_type)
            .header("Content-Md5", headers.content_md5)
            .header("Authorization", headers.authorization)
            .body(body)
            .send()
    };
    let response = send(sent_body).await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let json: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(json["code"], FakeCode::SignatureRefused.code(), "{json}");
    assert_eq!(json["message"], "FakeSignatureRefused", "{json}");
    let hint = json["hint"].as_str().unwrap();
    assert!(
        hint.contains("Content-Md5 does not match md5 of the body"),
        "{hint}"
    );
    assert!(
        fake.is_anonymous_token_valid(&token),
        "the tampered call did nothing"
    );
    // Control: the same request with the body that was signed goes through.
    let response = send(signed_body.clone()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(!fake.is_anonymous_token_valid(&token), "refreshed");
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_limit_reached_is_the_documented_error() {
    let fake = start(FakeConfig::default().with_daily_limit(5)).await;
    let file = fake.add_file("quota.docx", b"x".to_vec());
    // No retries: a Retry-After shorter than the policy's limit (in the last
    // 30 s of a UTC day) would otherwise be waited for.
    let client = client_with(
        &fake,
        fake.app_key(),
        Config::new().with_retry_policy(RetryPolicy::none()),
    );
    for _ in 0..5 {
        client
            .get_download_url(GetDownloadUrlRequest::new(&file))
            .await
            .unwrap();
    }
    let err = client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(
        (api.code, api.status),
        (FakeCode::DailyLimitReached.code(), 429),
        "{err}"
    );
    assert_eq!(api.message, "FakeDailyLimitReached");
    assert!(err.is_retryable(), "HTTP 429");
    assert!(api.retry_after.is_some_and(|s| s > 0 && s <= 86_400));
    assert!(api.hint.contains("5 calls"), "{}", api.hint);
    assert_eq!(fake.stats().calls_today[fake.app_id()], 5);
    fake.shutdown().await;
}

/// Deterministic pseudo-random content (xorshift64), 8 bytes per step.
fn content(len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for chunk in out.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    out
}

/// Peak resident set size of this process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn dir_entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_64_mib_streamed_and_verified() {
    const SIZE: usize = 64 * 1024 * 1024;
    let fake = start(FakeConfig::default()).await;
    let file = fake.add_file("big.bin", content(SIZE));
    // Default config: its 30 s request timeout limits each wait for data,
    // not the whole download.
    let client = client_for(&fake);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.bin");

    let rss_before = peak_rss();
    let started = Instant::now();
    let report = client
        .download(&file)
        .require_checksum(true)
        .to_file(&dest)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let rss_after = peak_rss();
    eprintln!(
        "64 MiB download: {elapsed:?}, {} chunks, peak RSS {:?} -> {:?} MiB",
        report.chunks,
        rss_before.map(|b| b / (1 << 20)),
        rss_after.map(|b| b / (1 << 20))
    );

    assert_eq!(report.bytes, SIZE as u64);
    assert_eq!(report.verified, ["md5", "sha1"]);
    let url = client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    let checksums = url.checksums.as_ref().expect("the fake sends checksums");
    assert_eq!(checksums["md5"], report.md5.as_str());
    assert_eq!(checksums["sha1"], report.sha1.as_str());
    // Streamed: written chunk by chunk as they arrive (hyper hands over at
    // most a few hundred KiB at a time), never as one 64 MiB piece.
    assert!(report.chunks >= 64, "{} chunks", report.chunks);
    assert_eq!(std::fs::metadata(&dest).unwrap().len(), SIZE as u64);
    assert_eq!(dir_entries(dir.path()), ["big.bin"]);
    // Not buffered whole: the peak grew by far less than the file's size.
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        assert!(
            after.saturating_sub(before) < 32 * 1024 * 1024,
            "peak RSS grew by {} MiB",
            (after - before) >> 20
        );
    }
    fake.shutdown().await;
}

/// Counts writes, to show a writer is fed chunk by chunk.
#[derive(Default)]
struct CountingWriter {
    writes: usize,
    bytes: usize,
    largest: usize,
}

impl AsyncWrite for CountingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.writes += 1;
        self.bytes += buf.len();
        self.largest = self.largest.max(buf.len());
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_to_a_writer_is_fed_chunk_by_chunk() {
    let fake = start(FakeConfig::default()).await;
    let file = fake.add_file("w.bin", content(4 * 1024 * 1024));
    let client = client_for(&fake);
    let mut writer = CountingWriter::default();
    let report = client.download(&file).to_writer(&mut writer).await.unwrap();
    assert_eq!(writer.bytes, 4 * 1024 * 1024);
    assert!(writer.writes >= 8, "{} writes", writer.writes);
    assert!(
        writer.largest <= 1024 * 1024,
        "largest write {}",
        writer.largest
    );
    assert_eq!(report.chunks as usize, writer.writes);
    assert!(report.is_verified());
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_download_fails_and_leaves_no_file() {
    let fake = start(FakeConfig::default()).await;
    let file = fake.add_file("corrupt.bin", content(1024 * 1024));
    let client = client_for(&fake);
    let url = client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    fake.set_fault(Some(Fault::CorruptDownload));
    let err = client
        .download(&file)
        .to_file(dir.path().join("corrupt.bin"))
        .await
        .unwrap_err();
    match &err {
        DownloadError::ChecksumMismatch {
            algorithm,
            expected,
            actual,
            bytes,
        } => {
            assert_eq!(*algorithm, "md5");
            assert_eq!(url.checksums.as_ref().unwrap()["md5"], expected.as_str());
            assert_ne!(expected, actual);
            assert_eq!(*bytes, 1024 * 1024);
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("expected") && text.contains("got"), "{text}");
    assert!(
        dir_entries(dir.path()).is_empty(),
        "{:?}",
        dir_entries(dir.path())
    );
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_download_fails_and_leaves_no_file() {
    let fake = start(FakeConfig::default()).await;
    let file = fake.add_file("short.bin", content(1024 * 1024));
    let client = client_for(&fake);
    let dir = tempfile::tempdir().unwrap();
    fake.set_fault(Some(Fault::TruncateDownload));
    let err = client
        .download(&file)
        .to_file(dir.path().join("short.bin"))
        .await
        .unwrap_err();
    match &err {
        DownloadError::Truncated {
            expected,
            received,
            origin,
            ..
        } => {
            assert_eq!(*expected, 1024 * 1024);
            assert!(*received < *expected);
            assert_eq!(*origin, fake.base_url());
            assert!(!err.to_string().contains("/fake/download/"), "{err}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        dir_entries(dir.path()).is_empty(),
        "{:?}",
        dir_entries(dir.path())
    );

    // To a writer as well.
    let mut writer = CountingWriter::default();
    let err = client
        .download(&file)
        .to_writer(&mut writer)
        .await
        .unwrap_err();
    assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_download_fails_after_the_client_timeout_without_showing_the_url() {
    use kdocs_client::GetDownloadUrlResponse;
    use tokio::io::AsyncWriteExt;

    // A server that sends headers and 3 of 10 bytes, then goes silent.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    // A local base URL, as a local fake's: a local download URL is then allowed.
    let client = Client::new(
        Credentials::new("SX1", "key"),
        Config::new()
            .with_base_url("http://127.0.0.1:1")
            .with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let response =
        GetDownloadUrlResponse::new(format!("http://{addr}/file.bin?Signature=very-secret"));
    let started = Instant::now();
    let err = client
        .download_from(response)
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    match &err {
        DownloadError::Stalled { received, idle, .. } => {
            assert_eq!(*received, 3);
            assert_eq!(*idle, Duration::from_millis(300));
        }
        other => panic!("{other:?}"),
    }
    // The path of a presigned URL can be the capability: only the origin shows.
    let text = format!("{err} {err:?}");
    assert!(text.contains(&format!("http://{addr}")), "{text}");
    assert!(
        !text.contains("very-secret") && !text.contains("file.bin"),
        "{text}"
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checksums_are_optional_unless_required() {
    use md5::{Digest, Md5};

    let fake = start(FakeConfig::default()).await;
    let bytes = content(100_000);
    let file = fake.add_file("plain.bin", bytes.clone());
    let client = client_for(&fake);
    let url = client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    // `checksums` empty (`{}`, as the docs show it) or absent (it is optional
    // in the spec): nothing to verify against, either way.
    for checksums in [Some(Default::default()), None] {
        let mut url = url.clone();
        url.checksums = checksums;
        let err = client
            .download_from(url.clone())
            .require_checksum(true)
            .to_writer(&mut tokio::io::sink())
            .await
            .unwrap_err();
        assert!(matches!(err, DownloadError::ChecksumMissing), "{err:?}");
        let report = client
            .download_from(url)
            .to_writer(&mut tokio::io::sink())
            .await
            .unwrap();
        assert!(!report.is_verified());
        assert_eq!(report.bytes, 100_000);
        assert_eq!(report.md5, hex::encode(Md5::digest(&bytes)));
    }
    fake.shutdown().await;
}

/// A cancel that finds the token already gone (cancelled elsewhere, or by a
/// first attempt whose answer was lost) has done its job.
#[tokio::test]
async fn cancelling_an_already_cancelled_token_succeeds() {
    let fake = start(FakeConfig::default()).await;
    let file = fake.add_file("twice.docx", b"x".to_vec());
    let session = session_on_new_task(&fake, &file).await;
    let token = session.token().await.unwrap();
    client_for(&fake)
        .cancel_anonymous_token(kdocs_client::CancelAnonymousTokenRequest::new(
            token.expose_str(),
        ))
        .await
        .unwrap();
    session.cancel().await.unwrap();
    assert!(matches!(
        session.token().await.unwrap_err(),
        SessionError::Cancelled
    ));
    assert_eq!(fake.stats().calls_to("cancel_anonymous_token"), 2);
    fake.shutdown().await;
}

/// A presigned URL is a credential: plain http is refused off loopback, as for
/// the base URL, before anything is sent.
#[tokio::test]
async fn plain_http_download_urls_are_refused_off_loopback() {
    let client = Client::new(Credentials::new("SX1", "key"), Config::new()).unwrap();
    let response = kdocs_client::GetDownloadUrlResponse::new(
        "http://cdn.example.invalid/f?Signature=very-secret",
    );
    let err = client
        .download_from(response)
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DownloadError::InvalidUrl { .. }), "{text}");
    assert!(text.contains("clear text"), "{text}");
    assert!(!text.contains("very-secret"), "{text}");
}

// ---- refusals without a documented code ----------------------------------------

/// A session on `server`, whose clock reads `clock` (Unix seconds), holding a
/// token that expires at 1000: at 990 it is due for a refresh (5-minute margin)
/// but not expired.
fn session_on(
    server: &kdocs_tests::misbehaving::MisbehavingServer,
    clock: &Arc<std::sync::atomic::AtomicU64>,
) -> AnonymousSession {
    let client = Client::new(
        Credentials::new("SX20240101SESSION", "session-app-key"),
        Config::new()
            .with_base_url(server.base_url())
            .with_retry_policy(RetryPolicy::none()),
    )
    .unwrap();
    let clock = clock.clone();
    AnonymousSession::builder(client)
        .time_source(move || {
            std::time::UNIX_EPOCH
                + Duration::from_secs(clock.load(std::sync::atomic::Ordering::SeqCst))
        })
        .from_token("Anonymous-session-token", 1000)
}

/// No kdocs page gives a code for a refused anonymous token: the session
/// recognises a refusal by a kdocs envelope that is an auth or not-found error
/// (HTTP 401/403/404/410 for a code the table does not know), and nothing else.
#[tokio::test]
async fn a_refused_refresh_is_judged_by_the_answer_not_by_a_code_number() {
    use kdocs_tests::misbehaving::{MisbehavingServer, Reply};
    use std::sync::atomic::AtomicU64;

    let clock = Arc::new(AtomicU64::new(990));
    // Refusals: the session ends and does not ask again.
    for status in [401, 403, 404, 410] {
        let server = MisbehavingServer::sequence(vec![Reply::error(
            status,
            424_242,
            "Undocumented",
            "token refused",
        )])
        .await
        .unwrap();
        let session = session_on(&server, &clock);
        let err = session.token().await.unwrap_err();
        match &err {
            SessionError::TokenRevoked { source } => {
                assert_eq!(source.status(), Some(status));
            }
            other => panic!("HTTP {status}: {other:?}"),
        }
        assert!(err.needs_new_preview_task());
        assert!(matches!(
            session.token().await.unwrap_err(),
            SessionError::TokenRevoked { .. }
        ));
        assert_eq!(server.requests(), 1, "HTTP {status}: asked once");
    }
    // Not refusals: the token is kept, the error is kept for the backoff
    // (5 s), and a call after it tries again.
    for reply in [
        Reply::html(403, "<html>a gateway's page, not a kdocs envelope</html>"),
        Reply::error(503, 424_242, "Undocumented", "busy"),
        Reply::error(400, 10001, "InvalidArgument", "token is required"),
        // A documented code decides over the status: 10001 is a request error.
        Reply::error(403, 10001, "InvalidArgument", "token is required"),
    ] {
        let server = MisbehavingServer::sequence(vec![reply.clone()])
            .await
            .unwrap();
        clock.store(990, std::sync::atomic::Ordering::SeqCst);
        let session = session_on(&server, &clock);
        for attempt in 1..=2 {
            let err = session.token().await.unwrap_err();
            assert!(
                matches!(err, SessionError::Refresh { .. }),
                "{reply:?}: {err:?}"
            );
            assert!(!err.needs_new_preview_task());
            assert_eq!(server.requests(), attempt, "{reply:?}");
            // Within the backoff: the same error, without a request.
            let kept = session.token().await.unwrap_err();
            assert!(matches!(kept, SessionError::Refresh { .. }), "{kept:?}");
            assert_eq!(server.requests(), attempt, "{reply:?}: backoff");
            clock.fetch_add(6, std::sync::atomic::Ordering::SeqCst);
        }
        assert_eq!(session.expire_at(), Some(1000));
    }
}

/// A refusal that arrives once the session's own clock has passed the token's
/// expiry says the token expired, with the refusal as its source.
#[tokio::test]
async fn a_refusal_after_expiry_by_the_sessions_clock_needs_a_new_task() {
    use kdocs_tests::misbehaving::{MisbehavingServer, Reply};
    use std::sync::atomic::{AtomicU64, Ordering};

    let clock = Arc::new(AtomicU64::new(990));
    let moved = clock.clone();
    let server = MisbehavingServer::start(move |_, _| {
        // The clock passes the expiry while the refresh is under way.
        moved.store(1001, Ordering::SeqCst);
        Reply::error(403, 424_242, "Undocumented", "token refused")
    })
    .await
    .unwrap();
    let session = session_on(&server, &clock);
    let err = session.token().await.unwrap_err();
    match &err {
        SessionError::NewPreviewTaskNeeded {
            expired_at: Some(1000),
            source: Some(source),
        } => assert_eq!(source.status(), Some(403)),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests(), 1);
}

/// A cancel succeeds when kdocs says the token does not exist, or refuses it
/// once it has expired by the session's clock; an auth refusal of a token the
/// session still holds valid may be the app's credentials, so it is an error
/// and the session keeps the token.
#[tokio::test]
async fn cancel_outcomes_follow_the_answer_and_the_sessions_clock() {
    use kdocs_tests::misbehaving::{MisbehavingServer, Reply};
    use std::sync::atomic::{AtomicU64, Ordering};

    let clock = Arc::new(AtomicU64::new(500));
    let server = MisbehavingServer::sequence(vec![Reply::error(
        404,
        424_242,
        "Undocumented",
        "no such token",
    )])
    .await
    .unwrap();
    let session = session_on(&server, &clock);
    session.cancel().await.unwrap();
    assert!(matches!(
        session.token().await.unwrap_err(),
        SessionError::Cancelled
    ));

    let server =
        MisbehavingServer::sequence(vec![Reply::error(403, 424_242, "Undocumented", "refused")])
            .await
            .unwrap();
    let session = session_on(&server, &clock);
    let err = session.cancel().await.unwrap_err();
    assert!(matches!(err, SessionError::Cancel { .. }), "{err:?}");
    // Not cancelled: the token (fresh by the clock) is still handed out.
    assert_eq!(
        session.token().await.unwrap().expose(),
        "Anonymous-session-token"
    );
    // Once expired by the session's clock, the same refusal ends it.
    clock.store(1000, Ordering::SeqCst);
    session.cancel().await.unwrap();
    assert!(matches!(
        session.token().await.unwrap_err(),
        SessionError::Cancelled
    ));
    assert_eq!(server.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_progress_is_reported_from_zero_to_the_whole_size() {
    let fake = start(FakeConfig::default()).await;
    let bytes = content(1024 * 1024);
    let file = fake.add_file("progress.bin", bytes.clone());
    let client = client_for(&fake);
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let mut out = Vec::new();
    let report = client
        .download(&file)
        .on_progress(move |p| record.lock().unwrap().push((p.received, p.total)))
        .to_writer(&mut out)
        .await
        .unwrap();
    assert_eq!(out, bytes);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first(), Some(&(0, Some(bytes.len() as u64))));
    assert_eq!(seen.last(), Some(&(report.bytes, Some(bytes.len() as u64))));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert_eq!(seen.len() as u64, report.chunks + 1);
    fake.shutdown().await;
}
