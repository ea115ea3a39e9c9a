//! The documented API, part 1, through the generated client against
//! the fake: OAuth (A1–A3), user (U1–U3), app space (AS1–AS11) and anonymous
//! preview (AN1–AN5), with the lifecycles that tie them together.

use kdocs_client::ErrorCodeExt;
use std::time::Duration;

use kdocs_client::download::Download;
use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::oauth::{OAuthError, UserSession};
use kdocs_client::runtime::FilePart;
use kdocs_client::*;
use md5::{Digest, Md5};
use serde_json::Value;

async fn start(config: FakeConfig) -> FakeKdocs {
    FakeKdocs::start(config).await.unwrap()
}

fn client_for(fake: &FakeKdocs) -> Client {
    fake.client().unwrap()
}

/// The first step of the web flow against the fake: open the authorize URL
/// (without following the redirect) and read `code` and `state` back.
async fn consent(client: &Client, url: kdocs_client::runtime::Url) -> (String, Option<String>) {
    let response = client.http().get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let back = kdocs_client::runtime::Url::parse(&location).unwrap();
    assert!(
        location.starts_with("https://app.example.com/cb?from=kdocs&code="),
        "{location}"
    );
    let get = |name: &str| {
        back.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
    (get("code").unwrap(), get("state"))
}

#[tokio::test]
async fn oauth_web_flow_exchange_refresh_and_expiry() {
    let fake = start(FakeConfig::default().with_access_token_ttl(Duration::from_secs(3600))).await;
    let client = client_for(&fake);

    // A1: the authorize page, with scopes and state.
    let link = client
        .authorize_url("https://app.example.com/cb?from=kdocs")
        .scopes(["user_basic", "access_personal_files"])
        .state("csrf-42")
        .build()
        .unwrap();
    assert_eq!(link.state(), "csrf-42");
    let (code, state) = consent(&client, link.url().clone()).await;
    assert!(link.state_matches(state.as_deref().unwrap()));

    // A2: the code for the user's tokens; a code works once.
    let tokens = client.exchange_code(&code).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.lifetime, Some(Duration::from_secs(3600)));
    let again = client.exchange_code(&code).await.unwrap_err();
    match &again {
        OAuthError::Exchange { source } => {
            assert_eq!(
                source.error_code(),
                Some(ErrorCode::AuthorizationCodeInvalid)
            );
        }
        other => panic!("{other:?}"),
    }
    // An expired code: 20001 as well.
    let stale = fake.authorize();
    fake.clock().advance(Duration::from_secs(5 * 60 + 1));
    let err = client.exchange_code(&stale).await.unwrap_err();
    assert!(err.to_string().contains("20001"), "{err}");
    fake.clock().reset();

    // U1 with the token; the session hands it out while it is fresh.
    let clock = fake.clock().clone();
    let session = UserSession::with_clock(
        client.clone(),
        tokens,
        Duration::from_secs(300),
        move || clock.now(),
    );
    let first = session.access_token().await.unwrap();
    client
        .get_user_info(GetUserInfoRequest::new(first.expose_str()))
        .await
        .unwrap();
    assert_eq!(session.access_token().await.unwrap(), first);
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 0);

    // Near expiry, concurrent callers share one refresh (A3).
    fake.clock().advance(Duration::from_secs(3600 - 200));
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    let mut fresh = Vec::new();
    for caller in callers {
        fresh.push(caller.await.unwrap().unwrap());
    }
    assert!(fresh.iter().all(|t| t == &fresh[0]));
    assert_ne!(fresh[0], first);
    assert_eq!(fake.stats().calls_to("refresh_oauth_token"), 1);
    client
        .get_user_info(GetUserInfoRequest::new(fresh[0].expose_str()))
        .await
        .unwrap();

    // The old token expires; the fake refuses it as kdocs does (20007, 401).
    fake.clock().advance(Duration::from_secs(400));
    let err = client
        .get_user_info(GetUserInfoRequest::new(first.expose_str()))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some(ErrorCode::AccessTokenInvalid));
    assert!(err.is_auth());
    fake.shutdown().await;
}

#[tokio::test]
async fn user_endpoints_take_the_users_token() {
    let fake = start(FakeConfig::default()).await;
    let client = client_for(&fake);
    let token = fake.issue_access_token();
    // U1, U2, U3 answer the spec's example answers (the pages show no fields).
    let info = client
        .get_user_info(GetUserInfoRequest::new(&token))
        .await
        .unwrap();
    assert!(
        info.id.and_then(|id| id.open_id).is_some(),
        "the user's open_id"
    );
    let edit = client
        .create_user_edit_token(
            CreateUserEditTokenRequest::new(&token).with_token("ExchangeToken-old"),
        )
        .await
        .unwrap();
    assert!(edit.is_object(), "{edit}");
    client
        .cancel_user_edit_token(CancelUserEditTokenRequest::new("ExchangeToken-old", &token))
        .await
        .unwrap();
    let err = client
        .get_user_info(GetUserInfoRequest::new("not-a-token"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some(ErrorCode::AccessTokenInvalid));
    fake.shutdown().await;
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// The fake answers the app-space calls with its own field names (the pages
/// show none): read them as JSON.
fn field<'a>(answer: &'a Value, name: &str) -> &'a str {
    answer[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {answer}"))
}

#[tokio::test]
async fn app_space_documents_from_upload_to_permanent_delete() {
    let fake = start(FakeConfig::default()).await;
    let client = client_for(&fake);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("季度报告.docx");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(&path, &content).unwrap();

    // AS2: upload from a path into a folder path that does not exist yet.
    let uploaded = client
        .upload_appspace_file(
            UploadAppspaceFileRequest::new(FilePart::from_path(&path))
                .with_parent_path(vec!["reports".into(), "2026".into()])
                .with_creator("u-1"),
        )
        .await
        .unwrap();
    let file = field(&uploaded, "file_token").to_owned();
    assert_eq!(field(&uploaded, "filename"), "季度报告.docx");
    assert_eq!(uploaded["md5"], md5_hex(&content));

    // AS1: a blank document; AS3: an async upload (the spec's example answer).
    let blank = client
        .create_appspace_file(CreateAppspaceFileRequest::new("plan.ksheet"))
        .await
        .unwrap();
    assert_eq!(blank["size"], 0);
    let err = client
        .create_appspace_file(CreateAppspaceFileRequest::new("plan.exe"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some(ErrorCode::InvalidArgument));
    client
        .async_upload_appspace_file(
            AsyncUploadAppspaceFileRequest::new()
                .with_url("https://foo.bar/baz")
                .with_filename("demo.xlsx"),
        )
        .await
        .unwrap();

    // AS4: info; a second version (an edit), AS5 versions, AS6 one version.
    let info = client
        .get_appspace_file_info(GetAppspaceFileInfoRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(info["version"], 1);
    let edited = b"the second version".to_vec();
    assert_eq!(fake.add_version(&file, edited.clone()), Some(2));
    let versions = client
        .list_appspace_file_versions(ListAppspaceFileVersionsRequest::new(&file))
        .await
        .unwrap();
    let numbers: Vec<i64> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1], "newest first");
    let one = client
        .get_appspace_file_version(GetAppspaceFileVersionRequest::new(&file, 1))
        .await
        .unwrap();
    assert_eq!(one["size"], content.len());
    let err = client
        .get_appspace_file_version(GetAppspaceFileVersionRequest::new(&file, 9))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // AS8: a version's download URL, through the verified streaming download.
    let old = client
        .get_appspace_version_download_url(GetAppspaceVersionDownloadUrlRequest::new(&file, 1))
        .await
        .unwrap();
    let checksums = serde_json::from_value(old["checksums"].clone()).unwrap();
    let mut bytes = Vec::new();
    let report = Download::from_url(
        &client,
        Secret::new(field(&old, "download_url").to_owned()),
        Some(checksums),
    )
    .to_writer(&mut bytes)
    .await
    .unwrap();
    assert!(report.is_verified());
    assert_eq!(bytes, content, "version 1 comes back byte for byte");

    // AS7 + the download helper: the current version.
    let mut current = Vec::new();
    client
        .download(&file)
        .to_writer(&mut current)
        .await
        .unwrap();
    assert_eq!(current, edited);

    // AS9: the edit URL with a user's token (signed and with access_token).
    let access = fake.issue_access_token();
    let edit = client
        .get_edit_url_with_token(GetEditUrlWithTokenRequest::new(&file, &access))
        .await
        .unwrap();
    assert!(edit.url.contains(&file));

    // AS11: move into another folder; the same folder is refused.
    let folder = client
        .create_appspace_file(
            CreateAppspaceFileRequest::new("marker.otl").with_parent_path(vec!["archive".into()]),
        )
        .await
        .unwrap();
    let archive = field(&folder, "parent_token").to_owned();
    client
        .move_appspace_files(MoveAppspaceFilesRequest::new(vec![file.clone()], &archive))
        .await
        .unwrap();
    let moved = client
        .get_appspace_file_info(GetAppspaceFileInfoRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(field(&moved, "parent_token"), archive);
    let err = client
        .move_appspace_files(MoveAppspaceFilesRequest::new(vec![file.clone()], &archive))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some(ErrorCode::InvalidArgument));

    // AS10: permanent delete; later calls see nothing.
    client
        .destroy_appspace_file(DestroyAppspaceFileRequest::new(&file).with_modifier("777"))
        .await
        .unwrap();
    let err = client
        .get_appspace_file_info(GetAppspaceFileInfoRequest::new(&file))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = client
        .download(&file)
        .to_writer(&mut Vec::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("getting the download URL failed"),
        "{err}"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn anonymous_previews_of_app_cloud_and_local_documents() {
    let fake = start(FakeConfig::default()).await;
    let client = client_for(&fake);
    let file = fake.add_file("a.docx", b"hello".to_vec());
    // AN1 (stateful), AN2 and AN3 (the spec's example answers).
    let task = client
        .create_anonymous_preview(CreateAnonymousPreviewRequest::new(&file).with_download(true))
        .await
        .unwrap();
    let token = fake.anonymous_token_for_task(&task.task_id).unwrap();
    client
        .create_anonymous_cloud_preview(CreateAnonymousCloudPreviewRequest::new(
            "demo.doc",
            "https://foo.bar/demo.doc",
        ))
        .await
        .unwrap();
    client
        .create_anonymous_local_preview(
            CreateAnonymousLocalPreviewRequest::new()
                .with_file(FilePart::from_bytes("local.docx", &b"local"[..]))
                .with_filename("local.docx"),
        )
        .await
        .unwrap();
    // AN4, AN5.
    let refreshed = client
        .refresh_anonymous_token(RefreshAnonymousTokenRequest::new(&token))
        .await
        .unwrap();
    client
        .cancel_anonymous_token(CancelAnonymousTokenRequest::new(
            refreshed.value.expose_str(),
        ))
        .await
        .unwrap();
    assert!(!fake.is_anonymous_token_valid(refreshed.value.expose_str()));
    fake.shutdown().await;
}
