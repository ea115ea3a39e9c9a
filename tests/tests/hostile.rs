//! The client and the fake against hostile servers, all on
//! 127.0.0.1, each bounded in time and in count.
//!
//! Run with `cargo test -p kdocs-tests --test hostile -- --nocapture` to see
//! the counts each test prints (they are the figures in RELIABILITY.md).
//!
//! - signed calls answered with a redirect: never followed, typed error, no
//!   request to any other host, nothing retried;
//! - presigned downloads: redirects followed by the client itself, each hop
//!   checked; no `Referer`, credential or presigned URL reaches the next host;
//! - download limits: size, overall deadline, declared and expected length;
//!   completeness reported, unconfirmed downloads never replace a file;
//! - `to_file` dropped at any point leaves no file behind;
//! - an upload's spooled body has no name while it is sent;
//! - secrets echoed back in any encoding (escapes, another case, a head, hex,
//!   base64), and control characters, never reach `Display` or `Debug`;
//! - the fake: header and body read timeouts, body size limit, connection cap,
//!   no key in `Debug`, signature headers checked before a body is read, a
//!   bounded number of authorization codes.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use kdocs_client::download::{Completeness, DownloadError, DownloadLimits};
use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::runtime::RetryPolicy;
use kdocs_client::{
    CancelAnonymousTokenRequest, Client, Config, Credentials, Error, GetDownloadUrlRequest,
    GetDownloadUrlResponse, GetEditUrlWithTokenRequest, RefreshAnonymousTokenRequest,
};
use kdocs_tests::misbehaving::{Framing, MisbehavingServer, RecordedRequest, Reply};
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const APP_ID: &str = "SX20240101HOSTILE";
const APP_KEY: &str = "hostile-app-key-SECRET-1b7e";
const DOWNLOAD_DATA: &str =
    r#"{"download_url":"https://cdn.example.invalid/f","checksums":{},"sys_metadata":{}}"#;

fn config(base_url: &str) -> Config {
    Config::new()
        .with_base_url(base_url)
        .with_timeout(Duration::from_millis(1000))
        .with_connect_timeout(Duration::from_millis(500))
        .with_operation_timeout(Duration::from_secs(3))
        .with_retry_policy(
            RetryPolicy::new()
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
}

fn client(base_url: &str) -> Client {
    Client::new(Credentials::new(APP_ID, APP_KEY), config(base_url)).unwrap()
}

/// A `get_download_url` answer for `url`, decoded as the client decodes one
/// (so it follows the generated type, whatever its field types).
fn url_answer(url: &str, md5: Option<&[u8]>) -> GetDownloadUrlResponse {
    let checksums = match md5 {
        Some(content) => serde_json::json!({ "md5": hex::encode(Md5::digest(content)) }),
        None => serde_json::json!({}),
    };
    serde_json::from_value(serde_json::json!({
        "download_url": url,
        "checksums": checksums,
        "sys_metadata": {},
    }))
    .unwrap()
}

/// Fails the test if `future` runs past `limit`.
async fn bounded<T>(limit: Duration, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

/// Whether any header of `request` is `name` (case-insensitive).
fn has_header(request: &RecordedRequest, name: &str) -> bool {
    request.header(name).is_some()
}

// ---- signed calls and redirects ----------------------------------------------

/// Every 3xx a signed call can get, to another origin, to the same origin and
/// to `0.0.0.0`: a typed error, one request, nothing sent anywhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_calls_never_follow_redirects() {
    // The other origin would answer like kdocs, with a download URL of its own.
    let elsewhere = MisbehavingServer::start(|_, _| Reply::ok(DOWNLOAD_DATA))
        .await
        .unwrap();
    let elsewhere_port = elsewhere.base_url().rsplit(':').next().unwrap().to_owned();
    let targets = [
        (
            format!("{}/steal/path?leak=1", elsewhere.base_url()),
            Some(elsewhere.base_url()),
        ),
        ("/api/v1/openapi/other?leak=1".to_owned(), None),
        (
            format!("http://0.0.0.0:{elsewhere_port}/steal?leak=1"),
            Some(format!("http://0.0.0.0:{elsewhere_port}")),
        ),
        (
            "https://user:pw@evil.example:8443/x?leak=1".to_owned(),
            Some("https://evil.example:8443".to_owned()),
        ),
    ];
    let mut calls = 0;
    let mut api_requests = 0;
    for status in [301, 302, 303, 307, 308] {
        for (target, origin) in &targets {
            let location = target.clone();
            let api = MisbehavingServer::start(move |_, _| Reply::redirect(status, &location))
                .await
                .unwrap();
            let expected_origin = origin.clone().unwrap_or_else(|| api.base_url());
            let client = client(&api.base_url());
            let results: Vec<Result<(), Error>> = vec![
                client
                    .get_download_url(GetDownloadUrlRequest::new("file-1"))
                    .await
                    .map(drop),
                client
                    .get_edit_url_with_token(GetEditUrlWithTokenRequest::new(
                        "file-1",
                        "access-token-SECRET-9f2",
                    ))
                    .await
                    .map(drop),
                client
                    .refresh_anonymous_token(RefreshAnonymousTokenRequest::new(
                        "Anonymous-SECRET-body-token",
                    ))
                    .await
                    .map(drop),
                client
                    .cancel_anonymous_token(CancelAnonymousTokenRequest::new(
                        "Anonymous-SECRET-path-token",
                    ))
                    .await
                    .map(drop),
            ];
            for result in results {
                calls += 1;
                let err = result.unwrap_err();
                match &err {
                    Error::Redirect {
                        status: got,
                        location,
                        ..
                    } => {
                        assert_eq!(*got, status);
                        assert_eq!(location.as_deref(), Some(expected_origin.as_str()));
                    }
                    other => panic!("{status} to {target}: {other:?}"),
                }
                let shown = format!("{err} {err:?}");
                for hidden in ["steal", "leak", "pw@", "SECRET", "/other"] {
                    assert!(!shown.contains(hidden), "{shown}");
                }
                assert!(!err.is_retryable());
            }
            // Each call sent once, never repeated, never with a Referer.
            let recorded = api.recorded();
            assert_eq!(recorded.len(), 4, "{status} to {target}");
            assert!(recorded.iter().all(|r| !has_header(r, "referer")));
            api_requests += recorded.len();
        }
    }
    assert_eq!(elsewhere.requests(), 0, "a redirect was followed");
    println!(
        "signed calls answered with a redirect: {calls} calls (5 statuses x 4 targets x 4 \
         endpoints), {api_requests} requests to the API host, {} requests to any other host",
        elsewhere.requests()
    );
}

// ---- presigned downloads and redirects -----------------------------------------

const CONTENT: &[u8] = b"the content of the document, 48 bytes of it....";

/// A file server: `CONTENT` at any path.
async fn file_server() -> MisbehavingServer {
    MisbehavingServer::start(|_, _| Reply::Response {
        status: 200,
        headers: vec![("Content-Type".into(), "application/octet-stream".into())],
        body: CONTENT.to_vec(),
    })
    .await
    .unwrap()
}

/// A server that answers every request with a redirect to `location`.
async fn redirector(status: u16, location: String) -> MisbehavingServer {
    MisbehavingServer::start(move |_, _| Reply::redirect(status, &location))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_follow_checked_redirects_without_leaking_the_url() {
    let files = file_server().await;
    let client = client("http://127.0.0.1:9");

    // One hop to another loopback origin: followed, nothing of the first URL
    // or of the client's credentials reaches the second host.
    let hop = redirector(302, format!("{}/cdn/object", files.base_url())).await;
    let presigned = format!(
        "{}/presigned/CAPABILITY-path?Signature=SECRET-sig",
        hop.base_url()
    );
    let mut sink = Vec::new();
    let report = bounded(
        Duration::from_secs(5),
        client
            .download_from(url_answer(&presigned, Some(CONTENT)))
            .to_writer(&mut sink),
    )
    .await
    .unwrap();
    assert_eq!(sink, CONTENT);
    assert_eq!(report.redirects, 1);
    assert_eq!(report.completeness, Completeness::Checksum);
    let at_files = files.recorded();
    assert_eq!(at_files.len(), 1);
    let request = &at_files[0];
    assert_eq!(request.target, "/cdn/object");
    for (name, value) in &request.headers {
        for leak in ["SECRET", "CAPABILITY", APP_KEY, "WPS-2"] {
            assert!(!value.contains(leak), "{name}: {value}");
        }
    }
    for header in ["referer", "authorization", "content-md5", "cookie"] {
        assert!(!has_header(request, header), "{header} sent: {request:?}");
    }

    // Five hops are followed; a sixth is refused without being sent.
    for hops in [5usize, 6] {
        let chain = MisbehavingServer::start(move |i, _| {
            if i < hops {
                Reply::redirect(307, &format!("/hop/{}?Signature=SECRET", i + 1))
            } else {
                Reply::Response {
                    status: 200,
                    headers: vec![],
                    body: CONTENT.to_vec(),
                }
            }
        })
        .await
        .unwrap();
        let result = client
            .download_from(url_answer(&format!("{}/hop/0", chain.base_url()), None))
            .to_writer(&mut tokio::io::sink())
            .await;
        assert_eq!(
            chain.requests(),
            6,
            "{hops} hops: never more than 6 requests"
        );
        assert!(chain.recorded().iter().all(|r| !has_header(r, "referer")));
        match result {
            Ok(report) => assert_eq!((hops, report.redirects), (5, 5)),
            Err(err) => {
                assert_eq!(hops, 6);
                assert!(
                    matches!(err, DownloadError::TooManyRedirects { limit: 5, .. }),
                    "{err:?}"
                );
            }
        }
    }

    // Hops that break the URL rule are refused before anything is sent.
    let files_port = files.base_url().rsplit(':').next().unwrap().to_owned();
    let refused = [
        (
            format!("http://0.0.0.0:{files_port}/x?Signature=SECRET"),
            "unspecified",
        ),
        (
            format!("http://user:pw@127.0.0.1:{files_port}/x"),
            "user name",
        ),
        ("http://cdn.example.invalid/x".to_owned(), "clear text"),
        ("ftp://127.0.0.1/x".to_owned(), "not http(s)"),
    ];
    let before = files.requests();
    for (location, reason) in &refused {
        let hop = redirector(302, location.clone()).await;
        let err = client
            .download_from(url_answer(
                &format!("{}/p?Signature=SECRET", hop.base_url()),
                None,
            ))
            .to_writer(&mut tokio::io::sink())
            .await
            .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            matches!(err, DownloadError::Redirect { status: 302, .. }),
            "{shown}"
        );
        assert!(shown.contains(reason), "{shown}");
        assert!(
            !shown.contains("SECRET") && !shown.contains("pw"),
            "{shown}"
        );
    }
    // A redirect without a Location.
    let hop = MisbehavingServer::start(|_, _| Reply::Response {
        status: 302,
        headers: vec![],
        body: vec![],
    })
    .await
    .unwrap();
    let err = client
        .download_from(url_answer(&hop.base_url(), None))
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no Location"), "{err}");
    assert_eq!(
        files.requests(),
        before,
        "a refused hop reached the file server"
    );
    println!(
        "download redirects: 1 hop followed without Referer/credentials/URL, 5 hops followed, \
         6th refused, {} rule-breaking hops refused with 0 requests sent",
        refused.len() + 1
    );
}

/// Default headers for the given name and value.
fn default_headers(pairs: &[(&'static str, &'static str)]) -> hyper::header::HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| {
            (
                hyper::header::HeaderName::from_static(name),
                hyper::header::HeaderValue::from_static(value),
            )
        })
        .collect()
}

/// A caller's `with_http_setup` default headers (a gateway credential, a
/// `Referer`) go to the API, and to no download hop, on whatever origin;
/// `with_download_http_setup`'s go to the download hops only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_never_carry_the_callers_default_headers() {
    let files = file_server().await;
    let hop = redirector(302, format!("{}/cdn/object", files.base_url())).await;
    let presigned = format!("{}/presigned", hop.base_url());
    let answer =
        serde_json::json!({ "download_url": presigned, "checksums": {}, "sys_metadata": {} });
    let api = MisbehavingServer::start(move |_, _| Reply::ok(&answer.to_string()))
        .await
        .unwrap();
    let client = Client::new(
        Credentials::new(APP_ID, APP_KEY),
        config(&api.base_url())
            .with_http_setup(|builder| {
                builder.default_headers(default_headers(&[
                    ("x-gateway-key", "GW-SECRET-77"),
                    ("referer", "https://app.example/page"),
                ]))
            })
            .with_download_http_setup(|builder| {
                builder.default_headers(default_headers(&[("x-download-pool", "yes")]))
            }),
    )
    .unwrap();
    for _ in 0..2 {
        let mut sink = Vec::new();
        bounded(
            Duration::from_secs(5),
            client.download("file-1").to_writer(&mut sink),
        )
        .await
        .unwrap();
        assert_eq!(sink, CONTENT);
    }
    // The API calls carry them (the setup works), no download hop does.
    for request in api.recorded() {
        assert_eq!(request.header("x-gateway-key"), Some("GW-SECRET-77"));
        assert!(!has_header(&request, "x-download-pool"), "{request:?}");
    }
    let hops: Vec<RecordedRequest> = hop.recorded().into_iter().chain(files.recorded()).collect();
    assert_eq!(hops.len(), 4);
    for request in &hops {
        assert!(!has_header(request, "x-gateway-key"), "{request:?}");
        assert!(!has_header(request, "referer"), "{request:?}");
        assert_eq!(request.header("x-download-pool"), Some("yes"));
    }
    println!(
        "default headers: {} API requests with the gateway key, {} download hops without it",
        api.requests(),
        hops.len()
    );
}

// ---- download limits and completeness ------------------------------------------

/// Counts what a download wrote.
#[derive(Default)]
struct Counter(u64);

impl tokio::io::AsyncWrite for Counter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0 += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn to_bytes_holds_at_most_its_in_memory_cap() {
    use kdocs_client::download::IN_MEMORY_MAX_BYTES;
    let client = client("http://127.0.0.1:9");
    let chunk = vec![b'z'; 64 * 1024];
    // A declared length over the 64 MiB cap (far under the 2 GiB file
    // limit): refused before a byte is kept.
    let declared = IN_MEMORY_MAX_BYTES + 1;
    let server = MisbehavingServer::start({
        let chunk = chunk.clone();
        move |_, _| Reply::stream(Framing::Length(declared), &chunk, None, Duration::ZERO)
    })
    .await
    .unwrap();
    let err = bounded(
        Duration::from_secs(10),
        client
            .download_from(url_answer(&server.base_url(), None))
            .to_bytes(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, DownloadError::TooLarge { declared: Some(n), received: 0, .. } if n == declared),
        "{err:?}"
    );
    // An endless body: cut at the cap the download itself sets.
    let server = MisbehavingServer::start({
        let chunk = chunk.clone();
        move |_, _| Reply::stream(Framing::Chunked, &chunk, None, Duration::ZERO)
    })
    .await
    .unwrap();
    let err = bounded(
        Duration::from_secs(10),
        client
            .download_from(url_answer(&server.base_url(), None))
            .max_bytes(256 * 1024)
            .to_bytes(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, DownloadError::TooLarge { declared: None, .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_stay_within_their_limits() {
    let client = client("http://127.0.0.1:9");
    assert_eq!(DownloadLimits::new().max_bytes(), 2 * 1024 * 1024 * 1024);
    assert_eq!(
        DownloadLimits::new().deadline(),
        Some(Duration::from_secs(600))
    );
    assert_eq!(DownloadLimits::new().max_redirects(), 5);
    let chunk = vec![b'z'; 64 * 1024];
    let limit = 1024 * 1024;

    // Endless bodies, chunked and close-delimited: cut at the size limit.
    for framing in [Framing::Chunked, Framing::Close] {
        let server = MisbehavingServer::start({
            let chunk = chunk.clone();
            move |_, _| Reply::stream(framing, &chunk, None, Duration::ZERO)
        })
        .await
        .unwrap();
        let mut counter = Counter::default();
        let started = Instant::now();
        let err = bounded(
            Duration::from_secs(10),
            client
                .download_from(url_answer(&server.base_url(), None))
                .max_bytes(limit)
                .to_writer(&mut counter),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, DownloadError::TooLarge { declared: None, .. }),
            "{err:?}"
        );
        assert!(counter.0 <= limit, "{} bytes written", counter.0);
        println!(
            "endless {framing:?} body, 1 MiB limit: stopped after {} bytes written in {:?}",
            counter.0,
            started.elapsed()
        );
    }

    // A declared length over the limit: refused before a byte is written.
    let server = MisbehavingServer::start({
        let chunk = chunk.clone();
        move |_, _| Reply::stream(Framing::Length(10 << 30), &chunk, None, Duration::ZERO)
    })
    .await
    .unwrap();
    let mut counter = Counter::default();
    let err = client
        .download_from(url_answer(&server.base_url(), None))
        .max_bytes(limit)
        .to_writer(&mut counter)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DownloadError::TooLarge { declared: Some(n), received: 0, .. } if n == 10 << 30),
        "{err:?}"
    );
    assert_eq!(counter.0, 0);

    // One byte every 20 ms of a declared 1000: the overall deadline ends it
    // (the idle limit alone, 1 s, never would).
    let server = MisbehavingServer::start(|_, _| {
        Reply::stream(Framing::Length(1000), b"x", None, Duration::from_millis(20))
    })
    .await
    .unwrap();
    let started = Instant::now();
    let err = bounded(
        Duration::from_secs(5),
        client
            .download_from(url_answer(&server.base_url(), None))
            .timeout(Duration::from_millis(400))
            .to_writer(&mut tokio::io::sink()),
    )
    .await
    .unwrap_err();
    let took = started.elapsed();
    match &err {
        DownloadError::Deadline {
            received, limit, ..
        } => {
            assert!(*received < 1000);
            assert_eq!(*limit, Duration::from_millis(400));
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_secs(2), "{took:?}");
    println!("1 byte / 20 ms trickle of a declared 1000: {err} after {took:?}");

    // The length the caller expects: a different Content-Length is refused
    // before writing, a different body length after.
    let files = file_server().await;
    let mut counter = Counter::default();
    let err = client
        .download_from(url_answer(&files.base_url(), None))
        .expect_size(CONTENT.len() as u64 + 1)
        .to_writer(&mut counter)
        .await
        .unwrap_err();
    assert!(matches!(err, DownloadError::SizeMismatch { .. }), "{err:?}");
    assert_eq!(counter.0, 0);
    let close = MisbehavingServer::start(|_, _| {
        Reply::stream(Framing::Close, b"0123456789", Some(3), Duration::ZERO)
    })
    .await
    .unwrap();
    let err = client
        .download_from(url_answer(&close.base_url(), None))
        .expect_size(100)
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::SizeMismatch {
                expected: 100,
                received: 30
            }
        ),
        "{err:?}"
    );
    let report = client
        .download_from(url_answer(&close.base_url(), None))
        .expect_size(30)
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(report.completeness, Completeness::Length);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completeness_is_reported_and_unconfirmed_downloads_replace_nothing() {
    let client = client("http://127.0.0.1:9");
    // The body ends with the connection: 3 of what might have been 10 chunks.
    let cut = MisbehavingServer::start(|_, _| {
        Reply::stream(Framing::Close, b"0123456789", Some(3), Duration::ZERO)
    })
    .await
    .unwrap();
    let report = client
        .download_from(url_answer(&cut.base_url(), None))
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(report.completeness, Completeness::Unconfirmed);
    assert!(!report.is_verified());
    assert!(report.completeness.to_string().starts_with("UNCONFIRMED"));

    // Onto an existing file: refused, the file untouched, nothing left over.
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("report.docx");
    std::fs::write(&existing, b"the good old version").unwrap();
    let err = client
        .download_from(url_answer(&cut.base_url(), None))
        .to_file(&existing)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DownloadError::NotReplaced { bytes: 30, .. }),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"the good old version");
    assert_eq!(entries(dir.path()), ["report.docx"]);
    // To a new path it is written, and the report says what it is.
    let fresh = dir.path().join("new.docx");
    let report = client
        .download_from(url_answer(&cut.base_url(), None))
        .to_file(&fresh)
        .await
        .unwrap();
    assert_eq!(report.completeness, Completeness::Unconfirmed);
    assert_eq!(
        std::fs::read(&fresh).unwrap(),
        b"012345678901234567890123456789"
    );

    // With a checksum the same close-delimited body is verified, and may replace.
    let report = client
        .download_from(url_answer(
            &cut.base_url(),
            Some(b"012345678901234567890123456789"),
        ))
        .to_file(&existing)
        .await
        .unwrap();
    assert_eq!(report.completeness, Completeness::Checksum);
    assert!(report.is_verified());

    // Chunked, complete: its framing confirms it. A Content-Length: its length.
    let chunked = MisbehavingServer::start(|_, _| {
        Reply::stream(Framing::Chunked, b"abc", Some(4), Duration::ZERO)
    })
    .await
    .unwrap();
    let report = client
        .download_from(url_answer(&chunked.base_url(), None))
        .to_writer(&mut tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(
        (report.bytes, report.completeness),
        (12, Completeness::Framing)
    );
    let files = file_server().await;
    let report = client
        .download_from(url_answer(&files.base_url(), None))
        .to_file(&existing)
        .await
        .unwrap();
    assert_eq!(report.completeness, Completeness::Length);
    assert_eq!(std::fs::read(&existing).unwrap(), CONTENT);
    assert_eq!(entries(dir.path()), ["new.docx", "report.docx"]);
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// 200 downloads dropped after 1 to 20 polls (before, during and after the
/// temporary file is created, mid-stream, at the rename): no file survives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn to_file_dropped_at_any_point_leaves_nothing() {
    let fake = FakeKdocs::start(FakeConfig::default().with_app(APP_ID, APP_KEY))
        .await
        .unwrap();
    let file = fake.add_file("big.bin", vec![7u8; 512 * 1024]);
    let client = client(&fake.base_url());
    let dir = tempfile::tempdir().unwrap();
    let mut completed = 0;
    for i in 0..200 {
        let destination = dir.path().join(format!("copy-{i}.bin"));
        let mut download = Box::pin(client.download(&file).to_file(&destination));
        let polls = 1 + i % 20;
        let mut done = false;
        for _ in 0..polls {
            let poll = std::future::poll_fn(|cx| Poll::Ready(download.as_mut().poll(cx))).await;
            if let Poll::Ready(result) = poll {
                result.unwrap();
                done = true;
                break;
            }
            // Let the blocking pool and the sockets make progress.
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        drop(download);
        if done {
            completed += 1;
            std::fs::remove_file(&destination).unwrap();
        }
    }
    // A temporary file still being created when its future was dropped is
    // removed when the blocking task ends: wait for the pool to drain.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !entries(dir.path()).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left = entries(dir.path());
    println!(
        "to_file dropped after 1..=20 polls: 200 downloads, {completed} completed first, {} files left",
        left.len()
    );
    assert!(left.is_empty(), "{left:?}");
    fake.shutdown().await;
}

// ---- secrets and service text --------------------------------------------------

/// Every form a server may echo `secret` in.
fn forms(secret: &str) -> Vec<String> {
    let percent = |lower: bool| -> String {
        secret
            .bytes()
            .map(|b| match (b.is_ascii_alphanumeric(), lower) {
                (true, _) => (b as char).to_string(),
                (false, false) => format!("%{b:02X}"),
                (false, true) => format!("%{b:02x}"),
            })
            .collect()
    };
    let plus: String = secret
        .bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b if b.is_ascii_alphanumeric() || b"*-._".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let json = serde_json::to_string(secret).unwrap();
    let json_slashes = json.trim_matches('"').replace('/', "\\/");
    vec![
        secret.to_owned(),
        percent(false),
        percent(true),
        plus,
        json.trim_matches('"').to_owned(),
        json_slashes,
    ]
}

/// A server that echoes the request URI and body in every field it has,
/// at every offset, in every encoding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_secrets_are_scrubbed_in_every_form_and_at_every_cut() {
    let token = "RTANON/abc+def= ghi";
    let access = "AT/x+y=z SECRET";
    let mut checked = 0;
    for pad in 0..24 {
        let echo = MisbehavingServer::start(move |i, request| {
            let target = request.target.clone();
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let mut shown = forms(&target).join(" | ");
            shown.push_str(&forms(&body).join(" | "));
            let padding = "x".repeat(pad * 7);
            if i % 2 == 0 {
                Reply::json(
                    403,
                    serde_json::json!({
                        "code": 403001,
                        "message": format!("{padding}{target}"),
                        "hint": format!("{padding}{shown}"),
                        "extra": { "uri": target, "body": body, "all": shown },
                    })
                    .to_string(),
                )
            } else {
                Reply::html(502, &format!("<html>{padding}{shown}</html>"))
            }
        })
        .await
        .unwrap();
        let client = Client::new(
            Credentials::new(APP_ID, APP_KEY),
            config(&echo.base_url()).with_retry_policy(RetryPolicy::none()),
        )
        .unwrap();
        let mut errors = Vec::new();
        for _ in 0..2 {
            errors.push(
                client
                    .cancel_anonymous_token(CancelAnonymousTokenRequest::new(token))
                    .await
                    .unwrap_err(),
            );
            errors.push(
                client
                    .get_edit_url_with_token(GetEditUrlWithTokenRequest::new("file", access))
                    .await
                    .unwrap_err(),
            );
            errors.push(
                client
                    .refresh_anonymous_token(RefreshAnonymousTokenRequest::new(token))
                    .await
                    .unwrap_err(),
            );
        }
        for err in &errors {
            let shown = format!("{err} {err:?} {err:#?}");
            for secret in [token, access, APP_KEY] {
                for form in forms(secret) {
                    // No form, and no head of one long enough to mean something.
                    assert!(
                        !shown.contains(&form[..8.min(form.len())]),
                        "{form} in {shown}"
                    );
                }
            }
            checked += 1;
        }
    }
    println!(
        "echoed secrets: {checked} errors (envelope and HTML, 24 offsets), 3 secrets x 6 forms: \
         0 found"
    );
}

/// The forms a token-shaped secret and the app key may be echoed in beyond
/// the escapes of [`forms`]: another case, a head, hex and base64 (of the
/// secret and of `app_id:app_key`, HTTP Basic's form).
fn encoded_forms(token: &str) -> Vec<String> {
    // A plain encoder written here, independent of the scrubber's.
    let b64 = |bytes: &[u8], url_safe: bool| {
        let alphabet: &[u8] = if url_safe {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        } else {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        };
        let (mut bits, mut n, mut out) = (0u32, 0, String::new());
        for &b in bytes {
            bits = (bits << 8) | u32::from(b);
            n += 8;
            while n >= 6 {
                n -= 6;
                out.push(alphabet[((bits >> n) & 63) as usize] as char);
            }
        }
        if n > 0 {
            out.push(alphabet[((bits << (6 - n)) & 63) as usize] as char);
        }
        while out.len() % 4 != 0 {
            out.push('=');
        }
        out
    };
    let pair = format!("{APP_ID}:{APP_KEY}");
    let mut forms = vec![
        token.to_ascii_uppercase(),
        token.to_ascii_lowercase(),
        token[..12].to_owned(),
        APP_KEY.to_ascii_uppercase(),
        APP_KEY[..10].to_owned(),
        hex::encode(token),
        hex::encode(APP_KEY).to_ascii_uppercase(),
    ];
    for plain in [token, APP_KEY, pair.as_str()] {
        for url_safe in [false, true] {
            let encoded = b64(plain.as_bytes(), url_safe);
            forms.push(encoded.trim_end_matches('=').to_owned());
            forms.push(encoded);
        }
    }
    forms
}

/// A server that echoes a user token and the app key in another case, cut
/// short, in hex and in base64, in `message`, `hint` and `extra`: no form,
/// and no 8-character head of one, shows in the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_echoed_in_base64_hex_another_case_or_cut_short_are_scrubbed() {
    const TOKEN: &str = "q7Lw2-Ntx9RZcP4mVb8sHyKd";
    let forms = encoded_forms(TOKEN);
    let echoed = forms.clone();
    let api = MisbehavingServer::start(move |i, _| {
        let form = &echoed[i % echoed.len()];
        Reply::json(
            401,
            serde_json::json!({
                "code": 20007,
                "message": format!("token {form}"),
                "hint": format!("Basic {form}…"),
                "extra": { "echo": form },
            })
            .to_string(),
        )
    })
    .await
    .unwrap();
    let client = Client::new(
        Credentials::new(APP_ID, APP_KEY),
        config(&api.base_url()).with_retry_policy(RetryPolicy::none()),
    )
    .unwrap();
    for form in &forms {
        let err = bounded(
            Duration::from_secs(5),
            client.get_edit_url_with_token(GetEditUrlWithTokenRequest::new("file-1", TOKEN)),
        )
        .await
        .unwrap_err();
        let shown = format!("{err} {err:?} {err:#?}");
        assert!(shown.contains("token ***"), "{form}: {shown}");
        assert!(!shown.contains(&form[..8]), "{form}: {shown}");
    }
    assert_eq!(api.requests(), forms.len());
    println!(
        "{} echoed forms of a token and the app key (case, head, hex, base64): 0 found",
        forms.len()
    );
}

#[tokio::test]
async fn control_characters_in_service_text_are_escaped() {
    let server = MisbehavingServer::sequence(vec![Reply::json(
        400,
        serde_json::json!({
            "code": 10001,
            "message": "Bad\r\n2026-12-02T00:00:00Z INFO forged line",
            "hint": "\u{1b}[2J\u{1b}[Hscreen cleared \u{202e}fdp.exe \u{7}",
        })
        .to_string(),
    )])
    .await
    .unwrap();
    let client = client(&server.base_url());
    let err = client
        .get_download_url(GetDownloadUrlRequest::new("f"))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    for text in [
        err.to_string(),
        format!("{err:?}"),
        api.message.clone(),
        api.hint.clone(),
    ] {
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text:?}"
        );
    }
    assert_eq!(api.message, r"Bad\r\n2026-12-02T00:00:00Z INFO forged line");
    assert!(api.hint.starts_with(r"\u{1b}[2J"), "{}", api.hint);
}

// ---- uploads -------------------------------------------------------------------

/// While a server holds an upload from a path, the spooled body exists only
/// as an open file without a name: nothing in the temporary folder carries
/// the document, so nothing can outlive the process, however it ends.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_spool_has_no_name() {
    const SIZE: usize = 200_000;
    let api = MisbehavingServer::sequence(vec![Reply::Silence])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.docx");
    std::fs::write(&path, vec![7u8; SIZE]).unwrap();
    let client = Client::new(
        Credentials::new(APP_ID, APP_KEY),
        config(&api.base_url())
            .with_timeout(Duration::from_secs(3))
            .with_retry_policy(RetryPolicy::none()),
    )
    .unwrap();
    let upload = tokio::spawn(async move {
        client
            .upload_appspace_file(kdocs_client::UploadAppspaceFileRequest::new(
                kdocs_client::runtime::FilePart::from_path(path),
            ))
            .await
    });
    bounded(Duration::from_secs(5), async {
        while api.requests() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let temp = std::env::temp_dir();
    // No file of the temporary folder holds a copy (the document with its
    // multipart head and tail is a little larger than the document).
    let named: Vec<String> = std::fs::read_dir(&temp)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.metadata()
                .is_ok_and(|m| m.is_file() && (SIZE as u64..SIZE as u64 + 4096).contains(&m.len()))
        })
        .filter(|e| std::fs::read(e.path()).is_ok_and(|b| b.windows(64).any(|w| w == [7u8; 64])))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(named.is_empty(), "{named:?}");
    // The spool is among this process's open files, deleted, with the body.
    let spools = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|target| {
                let target = target.to_string_lossy();
                target.starts_with(&*temp.to_string_lossy()) && target.ends_with("(deleted)")
            })
        })
        .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.len() > SIZE as u64))
        .count();
    assert!(spools >= 1, "the spool was not found among the open files");
    upload.abort();
    println!("upload spool: {spools} open deleted file(s), 0 named copies in {temp:?}");
}

// ---- the fake under hostile clients ---------------------------------------------

async fn fake_with(config: FakeConfig) -> FakeKdocs {
    FakeKdocs::start(config.with_app(APP_ID, APP_KEY))
        .await
        .unwrap()
}

/// `Authorization`, `Content-Md5` and `Date` headers that pass the fake's
/// head check (a known app, well-formed values, the fake's time) but sign
/// nothing: what a client that has not sent its body yet looks like.
fn well_formed_head(fake: &FakeKdocs) -> String {
    format!(
        "Authorization: WPS-2:{APP_ID}:{}\r\nContent-Md5: {}\r\nDate: {}\r\n",
        "a".repeat(40),
        "0".repeat(32),
        httpdate::fmt_http_date(fake.clock().now())
    )
}

/// Reads until the server closes the connection; the bytes it sent.
async fn read_to_close(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_bounds_slow_and_large_requests() {
    let timeout = Duration::from_millis(300);
    let fake = fake_with(FakeConfig::default().with_read_timeout(timeout)).await;
    let addr = fake.addr();

    // An incomplete head: the connection is closed after the read timeout.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/v1/openapi/user HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    bounded(Duration::from_secs(3), read_to_close(&mut slow)).await;
    let head_closed = started.elapsed();
    assert!(head_closed >= timeout / 2, "{head_closed:?}");

    // An idle kept-alive connection after a request: closed as well.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = bounded(Duration::from_secs(3), read_to_close(&mut idle)).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 404"));
    let idle_closed = started.elapsed();

    // A body that never comes: 408 once the deadline passes. The head is a
    // well-formed signed one: a head that is not is refused before any body
    // is read (`the_fake_checks_the_signature_head_before_reading_an_upload`).
    let signed_head = well_formed_head(&fake);
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(
            format!(
                "POST /api/v1/openapi/anonymous/token HTTP/1.1\r\nHost: x\r\n{signed_head}\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"tok"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let answer = bounded(Duration::from_secs(3), read_to_close(&mut stalled)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body_refused = started.elapsed();

    // A body over the limit on a JSON route: 413 before it is read.
    let mut large = tokio::net::TcpStream::connect(addr).await.unwrap();
    large
        .write_all(
            format!(
                "POST /api/v1/openapi/anonymous/token HTTP/1.1\r\nHost: x\r\n{signed_head}\
                 Content-Type: application/json\r\nContent-Length: 4194304\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = bounded(Duration::from_secs(3), read_to_close(&mut large)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    println!(
        "fake, read timeout {timeout:?}: incomplete head closed after {head_closed:?}, idle \
         keep-alive closed after {idle_closed:?}, missing body answered 408 after \
         {body_refused:?}, 4 MiB body on a JSON route answered 413 unread"
    );
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_caps_its_connections_and_recovers() {
    let fake = fake_with(
        FakeConfig::default()
            .with_max_connections(4)
            .with_read_timeout(Duration::from_millis(300)),
    )
    .await;
    let file = fake.add_file("f.docx", b"x".to_vec());
    // Ten connections that never send anything.
    let mut silent = Vec::new();
    for _ in 0..10 {
        silent.push(tokio::net::TcpStream::connect(fake.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let accepted_while_held = fake.stats().connections_accepted;
    assert_eq!(accepted_while_held, 4);
    // A real call still gets through once the silent ones time out.
    let client = client(&fake.base_url());
    let started = Instant::now();
    bounded(
        Duration::from_secs(5),
        client.get_download_url(GetDownloadUrlRequest::new(&file)),
    )
    .await
    .unwrap();
    println!(
        "fake, 4 connections max, 10 silent connections: {accepted_while_held} accepted while \
         held, a signed call answered after {:?}",
        started.elapsed()
    );
    drop(silent);
    fake.shutdown().await;
}

/// The authorize page is unauthenticated: whoever calls it makes the fake
/// hold a code. Expired codes are dropped as new ones come and at most
/// 10,000 are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_prunes_and_caps_authorization_codes() {
    let fake = fake_with(FakeConfig::default()).await;
    let started = Instant::now();
    for _ in 0..12_000 {
        fake.authorize();
    }
    let made = started.elapsed();
    assert_eq!(fake.pending_oauth_codes(), 10_000);
    // Over the HTTP page too, once every code has expired.
    fake.clock().advance(Duration::from_secs(5 * 60 + 1));
    let page = format!(
        "{}/h5/auth?app_id={APP_ID}&scope=user_basic&redirect_uri=https://a.example/cb",
        fake.base_url()
    );
    // The client's pool never follows the page's redirect.
    let http = client(&fake.base_url());
    for _ in 0..3 {
        let answer = bounded(Duration::from_secs(5), http.http().get(&page).send())
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 302);
    }
    assert_eq!(fake.pending_oauth_codes(), 3);
    println!("authorization codes: 12,000 made in {made:?}, 10,000 kept; 3 after expiry");
    fake.shutdown().await;
}

/// Signed heads that fail on their own (an unknown app, a malformed
/// signature or `Content-Md5`, a bad or missing `Date`, no `Authorization`)
/// with a 32 MiB upload announced: 403 at once, without the fake waiting
/// for, or reading, a byte of the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_checks_the_signature_head_before_reading_an_upload() {
    // A read timeout far longer than the test's bound: a fake that waited for
    // the body would answer 408 only after it.
    let fake = fake_with(FakeConfig::default().with_read_timeout(Duration::from_secs(30))).await;
    let date = httpdate::fmt_http_date(fake.clock().now());
    let signature = "a".repeat(40);
    let md5 = "0".repeat(32);
    let heads = [
        format!(
            "Authorization: WPS-2:unknown-app:{signature}\r\nContent-Md5: {md5}\r\nDate: {date}\r\n"
        ),
        format!("Authorization: WPS-2:{APP_ID}:not-hex\r\nContent-Md5: {md5}\r\nDate: {date}\r\n"),
        format!(
            "Authorization: WPS-2:{APP_ID}:{signature}\r\nContent-Md5: nope\r\nDate: {date}\r\n"
        ),
        format!(
            "Authorization: WPS-2:{APP_ID}:{signature}\r\nContent-Md5: {md5}\r\nDate: yesterday\r\n"
        ),
        format!("Authorization: WPS-2:{APP_ID}:{signature}\r\nContent-Md5: {md5}\r\n"),
        format!("Content-Md5: {md5}\r\nDate: {date}\r\n"),
    ];
    let started = Instant::now();
    for head in &heads {
        let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
        let request = format!(
            "POST /api/v1/openapi/appspace/files/upload HTTP/1.1\r\nHost: x\r\n\
             Content-Type: multipart/form-data; boundary=b\r\n{head}\
             Content-Length: 33554432\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 12];
        bounded(Duration::from_secs(5), stream.read_exact(&mut answer))
            .await
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 403"), "{head:?}: {answer}");
    }
    let refused = started.elapsed();
    // The same upload with a well-formed head is read: the fake waits for it.
    let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    let request = format!(
        "POST /api/v1/openapi/appspace/files/upload HTTP/1.1\r\nHost: x\r\n\
         Content-Type: multipart/form-data; boundary=b\r\n{}\
         Content-Length: 33554432\r\n\r\n",
        well_formed_head(&fake)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 12];
    let waited = tokio::time::timeout(Duration::from_millis(500), stream.read_exact(&mut answer));
    assert!(
        waited.await.is_err(),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    println!(
        "{} bad signature heads with a 32 MiB body announced: 403 unread, all within {refused:?}",
        heads.len()
    );
    fake.shutdown().await;
}

#[test]
fn the_fakes_config_never_shows_the_key() {
    let config = FakeConfig::default().with_app("SX1", "fake-app-key-SECRET");
    let shown = format!("{config:?} {config:#?}");
    assert!(
        shown.contains("SX1") && !shown.contains("fake-app-key-SECRET"),
        "{shown}"
    );
}

/// A `get_download_url` answer, under an https base URL, that points at a
/// service on this machine: in every form the URL parser accepts (dotted,
/// `localhost`, one number, hex) it is refused before anything is sent, and
/// the local service sees no request.
#[tokio::test]
async fn a_download_url_cannot_point_at_a_local_service() {
    let local = MisbehavingServer::start(|_, _| Reply::ok("local secret"))
        .await
        .unwrap();
    let port = local.base_url().rsplit(':').next().unwrap().to_owned();
    let client = client("https://developer.kdocs.cn");
    for host in ["127.0.0.1", "localhost", "2130706433", "0x7f.1"] {
        let url = format!("http://{host}:{port}/secret");
        let mut bytes = Vec::new();
        let err = client
            .download_from(url_answer(&url, None))
            .to_writer(&mut bytes)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DownloadError::InvalidUrl { .. }),
            "{host}: {err:?}"
        );
        assert!(bytes.is_empty());
    }
    assert_eq!(local.requests(), 0, "the local service was reached");
    // With the caller's opt-in, the same URL is fetched.
    let insecure = Client::new(
        Credentials::new(APP_ID, APP_KEY),
        config("https://developer.kdocs.cn").with_insecure_http(true),
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/secret");
    let mut bytes = Vec::new();
    insecure
        .download_from(url_answer(&url, None))
        .to_writer(&mut bytes)
        .await
        .unwrap();
    assert_eq!(local.requests(), 1);
}
