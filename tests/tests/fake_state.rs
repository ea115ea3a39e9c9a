//! The answers the stateful fake (`FakeKdocs::start`) keeps state for,
//! through the generated `kdocs_client` methods: OAuth codes and refresh
//! tokens, whose access token a call carries, the app's documents, and
//! anonymous preview tokens. The personal drive has its own suite
//! (`personal_drive.rs`); every operation's example answer and auth refusal,
//! the generated driver's (`every_endpoint.rs`).

use kdocs_client as k;
use kdocs_client::fake::FakeCode;
use kdocs_client::runtime::FilePart;
use kdocs_client::ErrorCodeExt;
use kdocs_tests::fake_env::{assert_token_refused, refused, start, Env};

/// OAuth: a code the fake issued turns into tokens once (then `20001`, as the
/// web authorization page says), and the refresh token gives a new access
/// token; an unknown refresh token is refused.
async fn oauth(env: &Env) {
    let exchange = |code: String| {
        env.client.exchange_oauth_code(
            k::ExchangeOauthCodeRequest::new()
                .with_code(code)
                .with_app_id(env.fake.app_id())
                .with_app_key(env.fake.app_key()),
        )
    };
    let code = env.fake.authorize();
    let tokens = exchange(code.clone()).await.unwrap();
    let refresh_token = tokens.refresh_token.expect("a refresh token");
    assert!(tokens.access_token.is_some() && tokens.expires_in.is_some());
    let again = exchange(code).await.unwrap_err();
    assert_eq!(
        again.error_code(),
        Some(k::ErrorCode::AuthorizationCodeInvalid)
    );
    let refresh = |token: &str| {
        env.client.refresh_oauth_token(
            k::RefreshOauthTokenRequest::new()
                .with_app_id(env.fake.app_id())
                .with_app_key(env.fake.app_key())
                .with_refresh_token(token),
        )
    };
    let refreshed = refresh(refresh_token.expose_str()).await.unwrap();
    let access = refreshed.access_token.expect("a new access token");
    env.client
        .get_user_info(k::GetUserInfoRequest::new(access.expose_str()))
        .await
        .unwrap();
    assert_token_refused(refresh("a-refresh-token-nobody-issued").await);
}

#[tokio::test]
async fn an_oauth_code_gives_tokens_once_and_the_refresh_token_a_new_one() {
    let env = start().await;
    oauth(&env).await;
    env.fake.shutdown().await;
}

/// Whose token a call carries decides the user; the edit tokens answer
/// with the spec's examples.
async fn user(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());
    // Stateful: whose token it is.
    let info = client
        .get_user_info(k::GetUserInfoRequest::new(token))
        .await
        .unwrap();
    let open_id = info.id.as_ref().and_then(|id| id.open_id.as_deref());
    assert!(open_id.is_some_and(|id| !id.is_empty()), "{info}");
    env.example(
        "create_user_edit_token",
        client
            .create_user_edit_token(k::CreateUserEditTokenRequest::new(token))
            .await,
    );
    env.example(
        "cancel_user_edit_token",
        client
            .cancel_user_edit_token(k::CancelUserEditTokenRequest::new("edit-token", token))
            .await,
    );
}

#[tokio::test]
async fn the_user_is_the_owner_of_the_token() {
    let env = start().await;
    user(&env).await;
    env.fake.shutdown().await;
}

/// The app's documents: downloads of the stored bytes, the edit URL, a
/// missing file, and a document's life from creation to destruction.
async fn appspace(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());
    let content = b"app-space document".to_vec();
    let file = env.fake.add_file("report.docx", content.clone());
    // Stateful: the download URL serves the stored bytes, the edit URL names the file.
    let download = client
        .get_download_url(k::GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    let mut bytes = Vec::new();
    let report = client
        .download_from(download)
        .to_writer(&mut bytes)
        .await
        .unwrap();
    assert_eq!(bytes, content);
    assert!(report.is_verified());
    let edit = client
        .get_edit_url_with_token(k::GetEditUrlWithTokenRequest::new(&file, token))
        .await
        .unwrap();
    assert!(edit.url.contains(&file), "{}", edit.url);
    let missing = client
        .get_download_url(k::GetDownloadUrlRequest::new("no-such-file"))
        .await;
    assert!(refused(missing, 404, FakeCode::FileNotFound.code()).is_not_found());
    // The documents' life (the fake's own answer fields: the pages show none;
    // tests/tests/oauth_appspace.rs checks each step in depth).
    let created = client
        .create_appspace_file(
            k::CreateAppspaceFileRequest::new("new.docx").with_parent_path(vec!["f".into()]),
        )
        .await
        .unwrap();
    let folder = created["parent_token"].as_str().unwrap().to_owned();
    let uploaded = client
        .upload_appspace_file(k::UploadAppspaceFileRequest::new(FilePart::from_bytes(
            "up.docx",
            &b"bytes"[..],
        )))
        .await
        .unwrap();
    assert_eq!(uploaded["size"], 5);
    env.example(
        "async_upload_appspace_file",
        client
            .async_upload_appspace_file(
                k::AsyncUploadAppspaceFileRequest::new()
                    .with_url("https://example.com/a.docx")
                    .with_filename("a.docx"),
            )
            .await,
    );
    let info = client
        .get_appspace_file_info(k::GetAppspaceFileInfoRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(info["version"], 1);
    let versions = client
        .list_appspace_file_versions(k::ListAppspaceFileVersionsRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(1));
    let version = client
        .get_appspace_file_version(k::GetAppspaceFileVersionRequest::new(&file, 1))
        .await
        .unwrap();
    assert_eq!(version["size"], content.len());
    let old = client
        .get_appspace_version_download_url(k::GetAppspaceVersionDownloadUrlRequest::new(&file, 1))
        .await
        .unwrap();
    assert!(old["download_url"].is_string(), "{old}");
    client
        .move_appspace_files(k::MoveAppspaceFilesRequest::new(
            vec![file.clone()],
            &folder,
        ))
        .await
        .unwrap();
    env.example(
        "destroy_appspace_file",
        client
            .destroy_appspace_file(k::DestroyAppspaceFileRequest::new(&file))
            .await,
    );
}

#[tokio::test]
async fn app_space_documents_are_kept_by_the_fake() {
    let env = start().await;
    appspace(&env).await;
    env.fake.shutdown().await;
}

/// A preview task's token refreshes into a new one, which cancels; the
/// cloud and local previews answer with the spec's examples.
async fn anonymous(env: &Env) {
    let client = &env.client;
    let file = env.fake.add_file("preview.docx", b"preview".to_vec());
    // Stateful: a task's token refreshes into a new one, which cancels.
    let task = client
        .create_anonymous_preview(k::CreateAnonymousPreviewRequest::new(&file))
        .await
        .unwrap();
    let first = env.fake.anonymous_token_for_task(&task.task_id).unwrap();
    let refreshed = client
        .refresh_anonymous_token(k::RefreshAnonymousTokenRequest::new(&first))
        .await
        .unwrap();
    let second = refreshed.value.expose_str().to_owned();
    assert_ne!(second, first);
    assert!(!env.fake.is_anonymous_token_valid(&first));
    client
        .cancel_anonymous_token(k::CancelAnonymousTokenRequest::new(&second))
        .await
        .unwrap();
    assert!(!env.fake.is_anonymous_token_valid(&second));
    let again = client
        .refresh_anonymous_token(k::RefreshAnonymousTokenRequest::new(&second))
        .await;
    assert!(refused(again, 404, FakeCode::AnonymousTokenNotFound.code()).is_not_found());
    // Without state: the examples.
    env.example(
        "create_anonymous_cloud_preview",
        client
            .create_anonymous_cloud_preview(k::CreateAnonymousCloudPreviewRequest::new(
                "a.docx",
                "https://example.com/a.docx",
            ))
            .await,
    );
    env.example(
        "create_anonymous_local_preview",
        client
            .create_anonymous_local_preview(
                k::CreateAnonymousLocalPreviewRequest::new()
                    .with_file(FilePart::from_bytes("local.docx", &b"local"[..])),
            )
            .await,
    );
}

#[tokio::test]
async fn anonymous_tokens_refresh_and_cancel() {
    let env = start().await;
    anonymous(&env).await;
    env.fake.shutdown().await;
}

/// A handler of one's own, added to kdocs' API, reads and writes the state
/// the built-in handlers keep: a file it creates is downloaded by the
/// built-in `get_download_url`, and one added to the fake is read by it.
#[tokio::test]
async fn a_handler_of_ones_own_shares_the_fakes_state() {
    use kdocs_client::fake::{FakeConfig, FakeError, FakeKdocs};
    use serde_json::json;

    let api = FakeKdocs::kdocs_api().on::<k::GetAppspaceFileInfoRequest, _>(|call, request| {
        let Some((name, size)) = call.state().file(request.file_token()) else {
            return Err(FakeError::fake(FakeCode::FileNotFound, "no such file"));
        };
        let copy = call
            .state()
            .add_file(&format!("copy of {name}"), b"copied".to_vec());
        Ok(json!({ "name": name, "size": size, "copy": copy }))
    });
    let fake = FakeKdocs::start_serving(FakeConfig::default(), api)
        .await
        .unwrap();
    let client = kdocs_tests::fake_env::client_with_key(&fake, fake.app_key());
    let file = fake.add_file("a.txt", b"hello".to_vec());
    let info = client
        .get_appspace_file_info(k::GetAppspaceFileInfoRequest::new(&file))
        .await
        .unwrap();
    assert_eq!(
        (info["name"].as_str(), info["size"].as_u64()),
        (Some("a.txt"), Some(5))
    );
    let copy = info["copy"].as_str().unwrap();
    assert_eq!(fake.file(copy), Some(("copy of a.txt".to_owned(), 6)));
    let mut bytes = Vec::new();
    client.download(copy).to_writer(&mut bytes).await.unwrap();
    assert_eq!(bytes, b"copied");
    let (held, report) = client.download(copy).to_bytes().await.unwrap();
    assert_eq!((held.as_slice(), report.bytes), (&b"copied"[..], 6));
    let err = client
        .get_appspace_file_info(k::GetAppspaceFileInfoRequest::new("missing"))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().code, FakeCode::FileNotFound.code());
    fake.shutdown().await;
}
