//! What a downstream crate's tests write against the fake: a client of it in
//! one call, from async code and from blocking code.

use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::GetAppspaceFileInfoRequest;

#[tokio::test]
async fn an_async_test_needs_the_fake_and_its_client() {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let client = fake.client().unwrap();
    let file = fake.add_file("a.txt", b"hello".to_vec());
    let info = client
        .get_appspace_file_info(GetAppspaceFileInfoRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(info["size"], 5);
    assert_eq!(fake.config().base_url(), fake.base_url());
    assert_eq!(fake.credentials().app_id(), fake.app_id());
    fake.shutdown().await;
}

#[test]
fn a_blocking_test_starts_the_fake_without_a_runtime_of_its_own() {
    let fake = FakeKdocs::start_blocking(FakeConfig::default()).unwrap();
    let client = fake.blocking_client().unwrap();
    let file = fake.add_file("a.txt", b"hello".to_vec());
    let info = client
        .get_appspace_file_info(GetAppspaceFileInfoRequest::new(&file))
        .unwrap();
    assert_eq!(info["size"], 5);
    let addr = fake.addr();
    drop(client);
    drop(fake);
    // The last handle gone, the server stops: its port no longer answers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the fake still serves"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_blocking_start_reports_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = FakeConfig::default().with_addr(taken.local_addr().unwrap());
    let error = FakeKdocs::start_blocking(config).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
}
