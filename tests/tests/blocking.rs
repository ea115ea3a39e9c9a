//! The blocking client (feature `blocking`): the same methods and types, no
//! runtime for the caller to start.

use kdocs_client::ErrorCodeExt;
use std::time::Duration;

use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::runtime::{CallOptions, RetryPolicy};
use kdocs_client::{ErrorCode, GetDownloadUrlRequest, GetUserInfoRequest};

/// The fake on a runtime of its own thread: the test thread has none.
fn fake() -> (FakeKdocs, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime
        .block_on(FakeKdocs::start(FakeConfig::default()))
        .unwrap();
    (fake, runtime)
}

#[test]
fn the_blocking_client_calls_without_a_runtime_of_the_callers() {
    let (fake, _runtime) = fake();
    let file = fake.add_file("b.docx", b"blocking".to_vec());
    let client = fake.blocking_client().unwrap();
    let url = client
        .get_download_url(GetDownloadUrlRequest::new(&file))
        .unwrap();
    assert!(url.download_url.expose_str().contains("/fake/download/"));
    // Errors are the same typed errors.
    let err = client
        .get_user_info(GetUserInfoRequest::new("not-a-token"))
        .unwrap_err();
    assert_eq!(err.error_code(), Some(ErrorCode::AccessTokenInvalid));
    // Clones share the client; several threads call at once.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            let file = file.clone();
            std::thread::spawn(move || {
                client
                    .with_options(
                        CallOptions::new()
                            .with_timeout(Duration::from_secs(5))
                            .with_retry_policy(RetryPolicy::none()),
                    )
                    .get_download_url(GetDownloadUrlRequest::new(&file))
                    .is_ok()
            })
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert_eq!(fake.stats().calls_to("get_download_url"), 5);
}
