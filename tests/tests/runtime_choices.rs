//! Runtime choices a user of the crate makes: hooks that add
//! headers and observe attempts, per-call options over the config, and one
//! tracing span per operation.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kdocs_client::runtime::{CallOptions, Hook, HookRequest, HookResponse, RetryPolicy};
use kdocs_client::{Client, Config, Credentials, Error, GetDownloadUrlRequest};
use kdocs_tests::misbehaving::{MisbehavingServer, Reply};

const DOWNLOAD_DATA: &str =
    r#"{"download_url":"https://cdn.example.invalid/f","checksums":{},"sys_metadata":{}}"#;

fn config(base_url: &str) -> Config {
    Config::new()
        .with_base_url(base_url)
        .with_timeout(Duration::from_millis(300))
        .with_retry_policy(
            RetryPolicy::new()
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(10)),
        )
}

fn client(config: Config) -> Client {
    Client::new(Credentials::new("SX1", "hook-app-key-SECRET"), config).unwrap()
}

/// Records what it sees.
#[derive(Default, Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Hook for Recorder {
    fn on_request(&self, request: &mut HookRequest<'_>) {
        request
            .insert_header("x-request-id", &format!("rq-{}", request.attempt))
            .unwrap();
        assert!(request.insert_header("Authorization", "forged").is_err());
        self.seen.lock().unwrap().push(format!(
            "request {} {} {} #{}",
            request.operation, request.method, request.path, request.attempt
        ));
    }

    fn on_response(&self, response: &HookResponse<'_>) {
        self.seen.lock().unwrap().push(format!(
            "response #{} status={:?} error={}",
            response.attempt,
            response.status,
            response.error.is_some()
        ));
    }
}

#[tokio::test]
async fn hooks_add_headers_and_see_every_attempt() {
    let server = MisbehavingServer::sequence(vec![
        Reply::html(503, "<html>busy</html>"),
        Reply::ok(DOWNLOAD_DATA),
    ])
    .await
    .unwrap();
    let recorder = Recorder::default();
    let client = client(config(&server.base_url()).with_hook(recorder.clone()));
    client
        .get_download_url(GetDownloadUrlRequest::new("f-1"))
        .await
        .unwrap();
    let recorded = server.recorded();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].header("x-request-id"), Some("rq-1"));
    assert_eq!(recorded[1].header("x-request-id"), Some("rq-2"));
    // The signature is the client's, not the hook's.
    assert!(recorded[1]
        .header("authorization")
        .unwrap()
        .starts_with("WPS-2:SX1:"));
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "request get_download_url GET /api/v1/openapi/appspace/files/{file_token}/download #1",
            "response #1 status=Some(503) error=true",
            "request get_download_url GET /api/v1/openapi/appspace/files/{file_token}/download #2",
            "response #2 status=Some(200) error=false",
        ]
    );
}

#[tokio::test]
async fn call_options_override_the_config_for_one_handle() {
    let server = MisbehavingServer::start(|_, _| Reply::html(503, "<html>busy</html>"))
        .await
        .unwrap();
    let client = client(config(&server.base_url()));
    // The config retries 3 times.
    client
        .get_download_url(GetDownloadUrlRequest::new("f"))
        .await
        .unwrap_err();
    assert_eq!(server.requests(), 3);
    // This handle does not retry; the original still does.
    let once = client.with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()));
    once.get_download_url(GetDownloadUrlRequest::new("f"))
        .await
        .unwrap_err();
    assert_eq!(server.requests(), 4);

    // A per-attempt timeout longer than the config's lets a slow answer in.
    let slow = MisbehavingServer::start(|_, _| {
        std::thread::sleep(Duration::from_millis(500));
        Reply::ok(DOWNLOAD_DATA)
    })
    .await
    .unwrap();
    let client = self::client(config(&slow.base_url()).with_retry_policy(RetryPolicy::none()));
    let err = client
        .get_download_url(GetDownloadUrlRequest::new("f"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    let patient = client.with_options(CallOptions::new().with_timeout(Duration::from_secs(3)));
    patient
        .get_download_url(GetDownloadUrlRequest::new("f"))
        .await
        .unwrap();
}

/// A `Write` into a shared buffer, for the trace subscriber.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_tracing_span_per_operation_without_secrets() {
    let server = MisbehavingServer::sequence(vec![
        Reply::html(502, "<html>bad gateway</html>"),
        Reply::ok(DOWNLOAD_DATA),
    ])
    .await
    .unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let client = client(config(&server.base_url()));
    client
        .get_download_url(GetDownloadUrlRequest::new("file-SECRETISH-token"))
        .await
        .unwrap();
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let close = text
        .lines()
        .find(|l| l.contains("kdocs_call") && l.contains("close"))
        .unwrap_or_else(|| panic!("no closed span in:\n{text}"));
    for field in [
        "operation=\"get_download_url\"",
        "method=\"GET\"",
        "path=\"/api/v1/openapi/appspace/files/{file_token}/download\"",
        "attempts=2",
        "status=200",
        "elapsed_ms=",
    ] {
        assert!(close.contains(field), "{field} missing in {close}");
    }
    assert!(!text.contains("hook-app-key-SECRET"), "{text}");
    assert!(!text.contains("WPS-2:"), "{text}");
}
