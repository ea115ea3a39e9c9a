//! One end-to-end test per api-spec family (issue 12), each through the
//! generated `kdocs_client` methods against `FakeKdocs::start`:
//!
//! - personal files keep real state in the fake: create, upload, the paged
//!   lists walked to their end, rename, move, copy, recycle bin, recover,
//!   download and edit URLs, one drive per user;
//! - the families the fake keeps no state for answer with the spec's example
//!   answers (checked against the examples codegen builds from the spec), and
//!   refuse a call that authenticates wrongly as their `auth` says;
//! - `every_endpoint_is_called` runs every family against one fake and checks
//!   that each route of the generated table was called.

use kdocs_client::ErrorCodeExt;
use std::collections::BTreeMap;

use kdocs_client as k;
use kdocs_client::download::Download;
use kdocs_client::fake::{api::ROUTES, FakeCode, FakeConfig, FakeKdocs};
use kdocs_client::runtime::FilePart;
use kdocs_client::{Client, Config, Credentials, Error, ErrorCode, Secret};
use serde_json::{json, Value};

/// A fake, a client signing as its app, a user's access token, and the
/// spec's example answer of each operation.
struct Env {
    fake: FakeKdocs,
    client: Client,
    token: String,
    examples: BTreeMap<String, Value>,
}

async fn start() -> Env {
    // Every family against one fake makes a few hundred calls.
    let fake = FakeKdocs::start(FakeConfig::default().with_daily_limit(100_000))
        .await
        .unwrap();
    let client = client_with_key(&fake, fake.app_key());
    let token = fake.issue_access_token();
    Env {
        fake,
        client,
        token,
        examples: examples(),
    }
}

fn client_with_key(fake: &FakeKdocs, app_key: &str) -> Client {
    Client::new(
        Credentials::new(fake.app_id(), app_key),
        Config::new().with_base_url(fake.base_url()),
    )
    .unwrap()
}

/// The example answer of each operation, as codegen builds it from api-spec/.
fn examples() -> BTreeMap<String, Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    let spec = kdocs_codegen::check_dir(&dir).unwrap_or_else(|d| panic!("{d}"));
    kdocs_codegen::model::build(&spec)
        .operations
        .into_iter()
        .map(|op| (op.name, serde_json::from_str(&op.example_answer).unwrap()))
        .collect()
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

impl Env {
    /// Asserts that `op` succeeded with the spec's example answer.
    fn example<T: serde::Serialize>(&self, op: &str, answer: Result<T, Error>) {
        let answer = answer.unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(json(&answer), self.examples[op], "{op}");
    }
}

/// Asserts an API error with `code` (and the HTTP status the fake sends with it).
fn refused<T: std::fmt::Debug>(answer: Result<T, Error>, status: u16, code: i64) -> Error {
    let error = answer.expect_err("the call should be refused");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error}"));
    assert_eq!((api.status, api.code), (status, code), "{error}");
    error
}

/// A token the fake never issued: refused with 20007 on `auth: access_token` routes.
const BAD_TOKEN: &str = "not-a-token-the-fake-issued";

fn assert_token_refused<T: std::fmt::Debug>(answer: Result<T, Error>) {
    let error = refused(answer, 401, 20007);
    assert_eq!(error.error_code(), Some(ErrorCode::AccessTokenInvalid));
    assert!(error.is_auth());
}

fn assert_signature_refused<T: std::fmt::Debug>(answer: Result<T, Error>) {
    let error = refused(answer, 403, FakeCode::SignatureRefused.code());
    assert!(error.is_auth());
}

// ---------------------------------------------------------------- families

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

async fn user(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());
    // Stateful: whose token it is.
    let info = client
        .get_user_info(k::GetUserInfoRequest::new(token))
        .await
        .unwrap();
    assert!(
        info["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{info}"
    );
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
    assert_token_refused(
        client
            .get_user_info(k::GetUserInfoRequest::new(BAD_TOKEN))
            .await,
    );
}

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
    let wrong_key = client_with_key(&env.fake, "not-the-app-key");
    assert_signature_refused(
        wrong_key
            .get_appspace_file_info(k::GetAppspaceFileInfoRequest::new(
                uploaded["file_token"].as_str().unwrap_or_default(),
            ))
            .await,
    );
}

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

async fn sharing(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());
    let file = "wfoKKYzWR2jyxMHCFVuBxXGszbfEtqUJ1pa5eD4tRLc";
    env.example(
        "create_personal_share_link",
        client
            .create_personal_share_link(k::CreatePersonalShareLinkRequest::new(
                file,
                token,
                "anyone",
                k::SharePermission::Read,
            ))
            .await,
    );
    env.example(
        "get_personal_share_link",
        client
            .get_personal_share_link(k::GetPersonalShareLinkRequest::new(file, token))
            .await,
    );
    env.example(
        "add_personal_share_members",
        client
            .add_personal_share_members(k::AddPersonalShareMembersRequest::new(file, token))
            .await,
    );
    env.example(
        "update_personal_share_member",
        client
            .update_personal_share_member(k::UpdatePersonalShareMemberRequest::new(
                file,
                "user-2",
                token,
                k::SharePermission::Write,
            ))
            .await,
    );
    env.example(
        "cancel_personal_share_link",
        client
            .cancel_personal_share_link(k::CancelPersonalShareLinkRequest::new(file, token))
            .await,
    );
    assert_token_refused(
        client
            .get_personal_share_link(k::GetPersonalShareLinkRequest::new(file, BAD_TOKEN))
            .await,
    );
}

async fn convert(env: &Env) {
    let client = &env.client;
    env.example(
        "convert_to_pdf",
        client
            .convert_to_pdf(
                k::ConvertToPdfRequest::new()
                    .with_url("https://example.com/a.docx")
                    .with_filename("a.docx"),
            )
            .await,
    );
    env.example(
        "convert_to_jpg",
        client
            .convert_to_jpg(k::ConvertToJpgRequest::new(
                "https://example.com/a.pptx",
                "a.pptx",
            ))
            .await,
    );
    let wrong_key = client_with_key(&env.fake, "not-the-app-key");
    assert_signature_refused(
        wrong_key
            .convert_to_jpg(k::ConvertToJpgRequest::new(
                "https://example.com/a.pptx",
                "a.pptx",
            ))
            .await,
    );
}

async fn extract(env: &Env) {
    let request = || {
        k::ExtractPlainTextRequest::new()
            .with_url("https://example.com/a.docx")
            .with_filename("a.docx")
    };
    env.example(
        "extract_plain_text",
        env.client.extract_plain_text(request()).await,
    );
    let wrong_key = client_with_key(&env.fake, "not-the-app-key");
    assert_signature_refused(wrong_key.extract_plain_text(request()).await);
}

async fn outline(env: &Env) {
    let client = &env.client;
    env.example(
        "export_outline_json",
        client
            .export_outline_json(k::ExportOutlineJsonRequest::new("doc.otl", &env.token))
            .await,
    );
    assert_token_refused(
        client
            .export_outline_json(k::ExportOutlineJsonRequest::new("doc.otl", BAD_TOKEN))
            .await,
    );
}

async fn script(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());
    env.example(
        "run_personal_script",
        client
            .run_personal_script(k::RunPersonalScriptRequest::new("sheet", token, "main"))
            .await,
    );
    env.example(
        "run_personal_script_sync",
        client
            .run_personal_script_sync(k::RunPersonalScriptSyncRequest::new("sheet", token, "main"))
            .await,
    );
    env.example(
        "get_personal_script_status",
        client
            .get_personal_script_status(k::GetPersonalScriptStatusRequest::new(token, "task-1"))
            .await,
    );
    assert_token_refused(
        client
            .get_personal_script_status(k::GetPersonalScriptStatusRequest::new(BAD_TOKEN, "task-1"))
            .await,
    );
}

async fn forms(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());
    let questions: BTreeMap<String, Value> = [("q1".to_owned(), json!({"title": "name"}))].into();
    env.example(
        "create_personal_form",
        client
            .create_personal_form(k::CreatePersonalFormRequest::new(
                token,
                "survey",
                questions.clone(),
            ))
            .await,
    );
    env.example(
        "list_personal_forms",
        client
            .list_personal_forms(k::ListPersonalFormsRequest::new(token))
            .await,
    );
    env.example(
        "get_personal_form",
        client
            .get_personal_form(k::GetPersonalFormRequest::new("form-1", token))
            .await,
    );
    env.example(
        "update_personal_form",
        client
            .update_personal_form(k::UpdatePersonalFormRequest::new(
                "form-1", token, "survey 2", questions,
            ))
            .await,
    );
    env.example(
        "submit_personal_form_answer",
        client
            .submit_personal_form_answer(k::SubmitPersonalFormAnswerRequest::new(
                "form-1",
                token,
                json!({"q1": "Ada"}),
            ))
            .await,
    );
    env.example(
        "get_personal_form_answer",
        client
            .get_personal_form_answer(k::GetPersonalFormAnswerRequest::new(
                "form-1", "answer-1", token,
            ))
            .await,
    );
    assert_token_refused(
        client
            .list_personal_forms(k::ListPersonalFormsRequest::new(BAD_TOKEN))
            .await,
    );
}

async fn dbt(env: &Env) {
    let (client, token, f) = (&env.client, env.token.as_str(), "table.dbt");
    let record = || vec![json!({"fields": {"name": "Ada"}})];
    env.example(
        "get_dbt_schemas",
        client
            .get_dbt_schemas(k::GetDbtSchemasRequest::new(f, token))
            .await,
    );
    env.example(
        "create_dbt_sheet",
        client
            .create_dbt_sheet(k::CreateDbtSheetRequest::new(
                f,
                token,
                "sheet",
                vec![json!({"name": "grid", "type": "Grid"})],
                vec![json!({"name": "name", "type": "SingleLineText"})],
            ))
            .await,
    );
    env.example(
        "rename_dbt_sheet",
        client
            .rename_dbt_sheet(k::RenameDbtSheetRequest::new(f, 2, token))
            .await,
    );
    env.example(
        "list_dbt_records",
        client
            .list_dbt_records(k::ListDbtRecordsRequest::new(f, 2, token))
            .await,
    );
    env.example(
        "get_dbt_record",
        client
            .get_dbt_record(k::GetDbtRecordRequest::new(f, 2, "rec-1", token))
            .await,
    );
    env.example(
        "create_dbt_records",
        client
            .create_dbt_records(k::CreateDbtRecordsRequest::new(f, 2, token, record()))
            .await,
    );
    env.example(
        "update_dbt_records",
        client
            .update_dbt_records(k::UpdateDbtRecordsRequest::new(f, 2, token, record()))
            .await,
    );
    env.example(
        "create_dbt_fields",
        client
            .create_dbt_fields(k::CreateDbtFieldsRequest::new(f, 2, token))
            .await,
    );
    env.example(
        "update_dbt_fields",
        client
            .update_dbt_fields(k::UpdateDbtFieldsRequest::new(f, 2, token))
            .await,
    );
    env.example(
        "rename_dbt_view",
        client
            .rename_dbt_view(k::RenameDbtViewRequest::new(f, 2, "view-1", token, "grid"))
            .await,
    );
    let attachment = k::DbtAttachmentRef {
        source: "upload_ks3".to_owned(),
        mime_type: "image/png".to_owned(),
        key: "upload-1".to_owned(),
    };
    env.example(
        "get_dbt_attachment_urls",
        client
            .get_dbt_attachment_urls(k::GetDbtAttachmentUrlsRequest::new(
                f,
                token,
                vec![attachment],
            ))
            .await,
    );
    assert_token_refused(
        client
            .get_dbt_schemas(k::GetDbtSchemasRequest::new(f, BAD_TOKEN))
            .await,
    );
}

async fn webhooks(env: &Env) {
    let (client, token, f) = (&env.client, env.token.as_str(), "table.dbt");
    let hook = "https://example.com/hook";
    env.example(
        "subscribe_dbt_sheet_icon_webhook",
        client
            .subscribe_dbt_sheet_icon_webhook(k::SubscribeDbtSheetIconWebhookRequest::new(
                f, 2, token, hook,
            ))
            .await,
    );
    env.example(
        "subscribe_dbt_sheet_description_webhook",
        client
            .subscribe_dbt_sheet_description_webhook(
                k::SubscribeDbtSheetDescriptionWebhookRequest::new(f, 2, token, hook),
            )
            .await,
    );
    env.example(
        "subscribe_dbt_sheet_remove_webhook",
        client
            .subscribe_dbt_sheet_remove_webhook(k::SubscribeDbtSheetRemoveWebhookRequest::new(
                f, 2, token,
            ))
            .await,
    );
    env.example(
        "subscribe_dbt_view_remove_webhook",
        client
            .subscribe_dbt_view_remove_webhook(k::SubscribeDbtViewRemoveWebhookRequest::new(
                f, 2, "view-1", token, hook,
            ))
            .await,
    );
    env.example(
        "subscribe_dbt_record_create_webhook",
        client
            .subscribe_dbt_record_create_webhook(k::SubscribeDbtRecordCreateWebhookRequest::new(
                f, 2, token, hook,
            ))
            .await,
    );
    env.example(
        "subscribe_dbt_field_create_webhook",
        client
            .subscribe_dbt_field_create_webhook(k::SubscribeDbtFieldCreateWebhookRequest::new(
                f, 2, token,
            ))
            .await,
    );
    env.example(
        "subscribe_dbt_record_cells_update_webhook",
        client
            .subscribe_dbt_record_cells_update_webhook(
                k::SubscribeDbtRecordCellsUpdateWebhookRequest::new(f, 2, token),
            )
            .await,
    );
    env.example(
        "subscribe_dbt_field_cells_update_webhook",
        client
            .subscribe_dbt_field_cells_update_webhook(
                k::SubscribeDbtFieldCellsUpdateWebhookRequest::new(
                    f,
                    2,
                    token,
                    hook,
                    vec!["field-1".to_owned()],
                ),
            )
            .await,
    );
    assert_token_refused(
        client
            .subscribe_dbt_field_create_webhook(k::SubscribeDbtFieldCreateWebhookRequest::new(
                f, 2, BAD_TOKEN,
            ))
            .await,
    );
}

async fn ksheet(env: &Env) {
    let (client, token, f) = (&env.client, env.token.as_str(), "book.ksheet");
    let fields = || vec![json!({"name": "name", "type": "SingleLineText"})];
    env.example(
        "list_ksheet_sheets",
        client
            .list_ksheet_sheets(k::ListKsheetSheetsRequest::new(f, token))
            .await,
    );
    env.example(
        "create_ksheet_sheet",
        client
            .create_ksheet_sheet(k::CreateKsheetSheetRequest::new(
                f,
                token,
                "sheet",
                vec![json!({"name": "grid", "type": "Grid"})],
                fields(),
            ))
            .await,
    );
    env.example(
        "get_ksheet_schemas",
        client
            .get_ksheet_schemas(k::GetKsheetSchemasRequest::new(f, token))
            .await,
    );
    env.example(
        "list_ksheet_records",
        client
            .list_ksheet_records(k::ListKsheetRecordsRequest::new(f, 2, token))
            .await,
    );
    env.example(
        "create_ksheet_records",
        client
            .create_ksheet_records(k::CreateKsheetRecordsRequest::new(
                f,
                2,
                token,
                vec![json!({"fields": {"name": "Ada"}})],
            ))
            .await,
    );
    env.example(
        "create_ksheet_fields",
        client
            .create_ksheet_fields(k::CreateKsheetFieldsRequest::new(f, 2, token, fields()))
            .await,
    );
    env.example(
        "update_ksheet_fields",
        client
            .update_ksheet_fields(k::UpdateKsheetFieldsRequest::new(f, 2, token, fields()))
            .await,
    );
    env.example(
        "delete_ksheet_fields",
        client
            .delete_ksheet_fields(k::DeleteKsheetFieldsRequest::new(f, 2, token, fields()))
            .await,
    );
    env.example(
        "rename_ksheet_view",
        client
            .rename_ksheet_view(k::RenameKsheetViewRequest::new(f, 2, "view-1", token))
            .await,
    );
    env.example(
        "delete_ksheet_view",
        client
            .delete_ksheet_view(k::DeleteKsheetViewRequest::new(f, 2, "view-1", token))
            .await,
    );
    env.example(
        "get_ksheet_cells",
        client
            .get_ksheet_cells(k::GetKsheetCellsRequest::new(f, 0, token, 0, 9, 0, 3))
            .await,
    );
    env.example(
        "update_ksheet_cells",
        client
            .update_ksheet_cells(k::UpdateKsheetCellsRequest::new(
                f,
                0,
                token,
                vec![json!({"rowFrom": 0, "rowTo": 0, "colFrom": 0, "colTo": 0})],
            ))
            .await,
    );
    env.example(
        "delete_ksheet_sheet",
        client
            .delete_ksheet_sheet(k::DeleteKsheetSheetRequest::new(f, 2, token))
            .await,
    );
    assert_token_refused(
        client
            .list_ksheet_sheets(k::ListKsheetSheetsRequest::new(f, BAD_TOKEN))
            .await,
    );
}

async fn et(env: &Env) {
    let (client, token, f) = (&env.client, env.token.as_str(), "book.xlsx");
    env.example(
        "list_et_sheets",
        client
            .list_et_sheets(k::ListEtSheetsRequest::new(f, token))
            .await,
    );
    env.example(
        "get_et_cells",
        client
            .get_et_cells(k::GetEtCellsRequest::new(f, 0, token, 0, 9, 0, 3))
            .await,
    );
    env.example(
        "get_et_picture_urls",
        client
            .get_et_picture_urls(k::GetEtPictureUrlsRequest::new(
                f,
                token,
                vec![json!({"sheetIdx": 0, "row": 1, "col": 1})],
            ))
            .await,
    );
    assert_token_refused(
        client
            .list_et_sheets(k::ListEtSheetsRequest::new(f, BAD_TOKEN))
            .await,
    );
}

// ---------------------------------------------------------- personal files

/// The fake's own JSON for a file: its `id`, `fname`, `parent_id`, … (the
/// pages name no field of these answers).
fn id_of(file: &Value) -> String {
    file["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {file}"))
        .to_owned()
}

/// The names in a list answer's `files` (the fake's own field, kept in `others`).
fn names(others: &BTreeMap<String, Value>) -> Vec<String> {
    others["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fname"].as_str().unwrap().to_owned())
        .collect()
}

/// Every name in `parent` (我的文档 for `None`), walking the pages to the end.
async fn folder_names(env: &Env, token: &str, parent: Option<&str>) -> Vec<String> {
    let mut request = k::ListPersonalFilesRequest::new(token).with_count(2);
    if let Some(parent) = parent {
        request = request.with_parent_id(parent);
    }
    let pages = env
        .client
        .list_personal_files_pages(request)
        .collect_items()
        .await
        .unwrap();
    pages.iter().flat_map(|page| names(&page.others)).collect()
}

async fn download_bytes(env: &Env, token: &str, file: &str) -> Vec<u8> {
    let answer = env
        .client
        .get_personal_download_url(k::GetPersonalDownloadUrlRequest::new(file, token))
        .await
        .unwrap();
    let checksums: BTreeMap<String, Value> = ["md5", "sha1"]
        .iter()
        .map(|k| (k.to_string(), answer[k].clone()))
        .collect();
    let url = Secret::new(answer["url"].as_str().unwrap().to_owned());
    let mut bytes = Vec::new();
    let report = Download::from_url(&env.client, url, Some(checksums))
        .require_checksum(true)
        .to_writer(&mut bytes)
        .await
        .unwrap();
    assert!(report.is_verified());
    assert_eq!(answer["fsize"], bytes.len());
    bytes
}

async fn personal(env: &Env) {
    let (client, token) = (&env.client, env.token.as_str());

    // A blank document with no folder parameters goes to the app folder.
    let plan = client
        .create_personal_file(k::CreatePersonalFileRequest::new(token).with_filename("plan.docx"))
        .await
        .unwrap();
    let plan = id_of(&plan);
    let bad = client
        .create_personal_file(k::CreatePersonalFileRequest::new(token).with_filename("x.exe"))
        .await;
    assert_eq!(
        refused(bad, 400, 10001).error_code(),
        Some(ErrorCode::InvalidArgument)
    );

    // Seven uploads into /我的文档/docs, one into /我的文档/docs/sub.
    let upload = |name: String, path: Vec<&str>| {
        let content = format!("content of {name}").into_bytes();
        let request = k::UploadPersonalFileRequest::new(token, FilePart::from_bytes(name, content))
            .with_parent_path(path.into_iter().map(str::to_owned).collect())
            .with_path_from_root(true);
        client.upload_personal_file(request)
    };
    let mut docs = Vec::new();
    for i in 1..=7 {
        docs.push(upload(format!("a{i}.txt"), vec!["docs"]).await.unwrap());
    }
    let inner = upload("inner.txt".to_owned(), vec!["docs", "sub"])
        .await
        .unwrap();
    let ids: Vec<String> = docs.iter().map(id_of).collect();
    let docs_folder = docs[0]["parent_id"].as_str().unwrap().to_owned();
    let sub = inner["parent_id"].as_str().unwrap().to_owned();
    assert!(docs.iter().all(|d| d["parent_id"] == docs_folder.as_str()));

    // The paged walk: 8 entries, 3 a page, folders first; each next request
    // asks for the answer's next_offset (and carries next_filter), to -1.
    let request = k::ListPersonalFilesRequest::new(token)
        .with_parent_id(&docs_folder)
        .with_count(3);
    let mut pages = client.list_personal_files_pages(request.clone());
    let mut walked = Vec::new();
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        walked.push((names(&page.others), page.next_offset, page.next_filter));
    }
    let page = |names: &[&str], next: i64, filter: Option<&str>| {
        let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        (names, Some(next), filter.map(str::to_owned))
    };
    assert_eq!(
        walked,
        [
            page(&["sub", "a1.txt", "a2.txt"], 3, Some("file")),
            page(&["a3.txt", "a4.txt", "a5.txt"], 6, Some("file")),
            page(&["a6.txt", "a7.txt"], -1, None),
        ]
    );
    // The same walk item by item (an item is a whole page: the pages name no items field).
    let mut by_item = client.list_personal_files_pages(request.clone());
    let mut count = 0;
    while let Some(item) = by_item.next_item().await {
        count += names(&item.unwrap().others).len();
    }
    assert_eq!(count, 8);
    // An offset past the end: an empty last page.
    let past = client
        .list_personal_files(request.clone().with_offset(50))
        .await
        .unwrap();
    assert_eq!((names(&past.others).len(), past.next_offset), (0, Some(-1)));
    let sorted = client
        .list_personal_files(
            request
                .clone()
                .with_order_by(k::FileSortField::Fname)
                .with_order(k::SortOrder::Desc),
        )
        .await
        .unwrap();
    assert_eq!(names(&sorted.others), ["sub", "a7.txt", "a6.txt"]);
    let negative = client
        .list_personal_files(request.clone().with_offset(-1))
        .await;
    refused(negative, 400, 10001);

    // Flat: every .txt file wherever it is, folders ignored, paged to the end.
    let flat = client
        .list_personal_files_flat_pages(
            k::ListPersonalFilesFlatRequest::new(token)
                .with_count(4)
                .with_exts(vec!["txt".to_owned()])
                .with_ignore(vec!["folder".to_owned()]),
        )
        .collect_items()
        .await
        .unwrap();
    assert_eq!(flat.len(), 2);
    let flat: Vec<String> = flat.iter().flat_map(|p| names(&p.others)).collect();
    assert_eq!(flat.len(), 8);
    assert!(!flat.contains(&"plan.docx".to_owned()));

    // The app folder holds what was created without folder parameters.
    let app = client
        .list_personal_app_files_pages(k::ListPersonalAppFilesRequest::new(token))
        .collect_items()
        .await
        .unwrap();
    assert_eq!(app.len(), 1);
    assert_eq!(names(&app[0].others), ["plan.docx"]);
    let outside = client
        .list_personal_app_files(
            k::ListPersonalAppFilesRequest::new(token).with_parent_id(&docs_folder),
        )
        .await;
    refused(outside, 400, 10001);

    // Rename.
    let renamed = client
        .rename_personal_file(k::RenamePersonalFileRequest::new(
            &plan,
            token,
            "plan-v2.docx",
        ))
        .await
        .unwrap();
    assert_eq!(renamed["fname"], "plan-v2.docx");
    let app = client
        .list_personal_app_files(k::ListPersonalAppFilesRequest::new(token))
        .await
        .unwrap();
    assert_eq!(names(&app.others), ["plan-v2.docx"]);

    // Move a1 and a2 into sub; moving them where they are is refused.
    let moved = client
        .move_personal_files(k::MovePersonalFilesRequest::new(
            token,
            ids[..2].to_vec(),
            &sub,
        ))
        .await
        .unwrap();
    assert_eq!(moved["task_id"], "");
    assert_eq!(
        folder_names(env, token, Some(&sub)).await,
        ["a1.txt", "a2.txt", "inner.txt"]
    );
    let again = client
        .move_personal_files(k::MovePersonalFilesRequest::new(
            token,
            ids[..2].to_vec(),
            &sub,
        ))
        .await;
    refused(again, 400, 10001);
    let into_itself = client
        .move_personal_files(k::MovePersonalFilesRequest::new(
            token,
            vec![docs_folder.clone()],
            &sub,
        ))
        .await;
    refused(into_itself, 400, 10001);

    // Copy a3 into sub: a new file with the same bytes.
    let copied = client
        .copy_personal_files(
            k::CopyPersonalFilesRequest::new(token, vec![ids[2].clone()]).with_parent_id(&sub),
        )
        .await
        .unwrap();
    assert_eq!(copied["task_id"], "");
    let copy = copied["file_ids"][0].as_str().unwrap().to_owned();
    assert_ne!(copy, ids[2]);
    assert_eq!(
        download_bytes(env, token, &copy).await,
        b"content of a3.txt"
    );
    assert_eq!(
        folder_names(env, token, Some(&sub)).await,
        ["a1.txt", "a2.txt", "a3.txt", "inner.txt"]
    );

    // Trash the folder sub with everything in it, then a4.
    for id in [&sub, &ids[3]] {
        let trashed = client
            .trash_personal_file(k::TrashPersonalFileRequest::new(id, token))
            .await
            .unwrap();
        assert_eq!(trashed, json!({}));
    }
    assert_eq!(
        folder_names(env, token, Some(&docs_folder)).await,
        ["a3.txt", "a5.txt", "a6.txt", "a7.txt"]
    );
    let gone = client
        .get_personal_download_url(k::GetPersonalDownloadUrlRequest::new(&ids[0], token))
        .await;
    assert!(refused(gone, 404, FakeCode::FileNotFound.code()).is_not_found());
    let bin = client
        .list_personal_recycle_bin(k::ListPersonalRecycleBinRequest::new(token))
        .await
        .unwrap();
    let bin: Vec<&str> = bin.iter().map(|f| f["fname"].as_str().unwrap()).collect();
    assert_eq!(bin, ["a4.txt", "sub"], "the last one binned first");
    let bin_page = client
        .list_personal_recycle_bin(
            k::ListPersonalRecycleBinRequest::new(token)
                .with_offset(1)
                .with_count(5),
        )
        .await
        .unwrap();
    assert_eq!(bin_page.len(), 1);

    // Recover both: back where they were, contents and all.
    client
        .recover_personal_files(k::RecoverPersonalFilesRequest::new(
            token,
            vec![ids[3].clone(), sub.clone()],
        ))
        .await
        .unwrap();
    assert_eq!(
        folder_names(env, token, Some(&docs_folder)).await,
        ["sub", "a3.txt", "a4.txt", "a5.txt", "a6.txt", "a7.txt"]
    );
    assert_eq!(folder_names(env, token, Some(&sub)).await.len(), 4);
    let empty = client
        .list_personal_recycle_bin(k::ListPersonalRecycleBinRequest::new(token))
        .await
        .unwrap();
    assert!(empty.is_empty());
    let not_in_bin = client
        .recover_personal_files(k::RecoverPersonalFilesRequest::new(
            token,
            vec![ids[3].clone()],
        ))
        .await;
    refused(not_in_bin, 404, FakeCode::FileNotFound.code());

    // Download the bytes back, and create a file from that download URL.
    assert_eq!(
        download_bytes(env, token, &ids[4]).await,
        b"content of a5.txt"
    );
    let url = client
        .get_personal_download_url(k::GetPersonalDownloadUrlRequest::new(&ids[4], token))
        .await
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let from_url = client
        .create_personal_file_from_url(
            k::CreatePersonalFileFromUrlRequest::new(token, url, "a5-copy.txt")
                .with_parent_id(&docs_folder),
        )
        .await
        .unwrap();
    assert_eq!(
        download_bytes(env, token, &id_of(&from_url)).await,
        b"content of a5.txt"
    );

    // Edit URL with an exchange token.
    let edit = client
        .get_personal_edit_url_with_token(k::GetPersonalEditUrlWithTokenRequest::new(
            &ids[4], token,
        ))
        .await
        .unwrap();
    assert!(edit["url"].as_str().unwrap().contains(&ids[4]), "{edit}");
    assert!(edit["token"]["value"]
        .as_str()
        .unwrap()
        .starts_with("ExchangeToken-"));

    // Recent files: every file, the newest first.
    let recent = client
        .list_personal_recent_files(k::ListPersonalRecentFilesRequest::new(token))
        .await
        .unwrap();
    let recent = recent.files.unwrap();
    assert_eq!(
        recent.len(),
        11,
        "plan, a1-a7, inner, the copy of a3, a5-copy"
    );
    assert_eq!(recent[0]["fname"], "a5-copy.txt");

    // Copying a folder copies what is in it; into itself, it is refused.
    let copied = client
        .copy_personal_files(
            k::CopyPersonalFilesRequest::new(token, vec![sub.clone()]).with_parent_id(&docs_folder),
        )
        .await
        .unwrap();
    let sub_copy = copied["file_ids"][0].as_str().unwrap().to_owned();
    assert_eq!(
        folder_names(env, token, Some(&sub_copy)).await,
        folder_names(env, token, Some(&sub)).await
    );
    let into_itself = client
        .copy_personal_files(
            k::CopyPersonalFilesRequest::new(token, vec![docs_folder.clone()]).with_parent_id(&sub),
        )
        .await;
    refused(into_itself, 400, 10001);

    // Another user sees none of it and cannot touch it.
    let other = env.fake.issue_access_token_for("fake-user-2");
    assert!(folder_names(env, &other, None).await.is_empty());
    let foreign = client
        .rename_personal_file(k::RenamePersonalFileRequest::new(&ids[4], &other, "mine"))
        .await;
    refused(foreign, 404, FakeCode::FileNotFound.code());
    assert_token_refused(
        client
            .list_personal_files(k::ListPersonalFilesRequest::new(BAD_TOKEN))
            .await,
    );
}

/// The personal-file answers the walk above does not reach: the app folder
/// with a path, sorting by size and time, and what the fake refuses.
#[tokio::test]
async fn personal_files_sort_place_and_refuse() {
    let env = start().await;
    let (client, token) = (&env.client, env.token.as_str());
    // Without path_from_root, parent_path starts at the app folder.
    let mut ids = Vec::new();
    for (name, size) in [("b.txt", 3), ("a.txt", 1), ("c.txt", 2)] {
        let file = FilePart::from_bytes(name, vec![b'x'; size]);
        let request = k::UploadPersonalFileRequest::new(token, file)
            .with_parent_path(vec!["reports".to_owned()]);
        ids.push(id_of(&client.upload_personal_file(request).await.unwrap()));
        // One second apart, for the mtime order.
        env.fake.clock().advance(std::time::Duration::from_secs(1));
    }
    let app = client
        .list_personal_app_files(k::ListPersonalAppFilesRequest::new(token))
        .await
        .unwrap();
    assert_eq!(names(&app.others), ["reports"]);
    let reports = app.others["files"][0]["id"].as_str().unwrap().to_owned();
    let list = |order_by: k::FileSortField, order: k::SortOrder| {
        client.list_personal_app_files(
            k::ListPersonalAppFilesRequest::new(token)
                .with_parent_id(&reports)
                .with_order_by(order_by)
                .with_order(order),
        )
    };
    let by_size = list(k::FileSortField::Fsize, k::SortOrder::Asc)
        .await
        .unwrap();
    assert_eq!(names(&by_size.others), ["a.txt", "c.txt", "b.txt"]);
    let by_time = list(k::FileSortField::Mtime, k::SortOrder::Desc)
        .await
        .unwrap();
    assert_eq!(names(&by_time.others), ["c.txt", "a.txt", "b.txt"]);
    let unknown = list(k::FileSortField::Unknown("size".into()), k::SortOrder::Asc).await;
    refused(unknown, 400, 10001);

    let bad_requests = [
        client
            .list_personal_files(k::ListPersonalFilesRequest::new(token).with_count(0))
            .await
            .err(),
        client
            .list_personal_files(k::ListPersonalFilesRequest::new(token).with_filter("group"))
            .await
            .err(),
        client
            .list_personal_files(k::ListPersonalFilesRequest::new(token).with_parent_id(&ids[0]))
            .await
            .err(),
        client
            .list_personal_files_flat(
                k::ListPersonalFilesFlatRequest::new(token).with_ignore(vec!["pdf".into()]),
            )
            .await
            .err(),
        client
            .get_personal_download_url(k::GetPersonalDownloadUrlRequest::new(&reports, token))
            .await
            .err(),
        client
            .copy_personal_files(k::CopyPersonalFilesRequest::new(
                token,
                vec![ids[0].clone(); 101],
            ))
            .await
            .err(),
        client
            .move_personal_files(k::MovePersonalFilesRequest::new(
                token,
                vec![ids[0].clone(), reports.clone()],
                &reports,
            ))
            .await
            .err(),
        client
            .create_personal_file_from_url(k::CreatePersonalFileFromUrlRequest::new(
                token,
                "https://example.com/a.docx",
                "a.docx",
            ))
            .await
            .err(),
        client
            .create_personal_file(k::CreatePersonalFileRequest::new(token))
            .await
            .err(),
    ];
    for (i, error) in bad_requests.into_iter().enumerate() {
        refused::<()>(
            Err(error.unwrap_or_else(|| panic!("case {i} succeeded"))),
            400,
            10001,
        );
    }
    // The root folder (the parent of the app's folders) cannot be binned.
    let apps = app.others["files"][0]["parent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let root = client
        .list_personal_files(k::ListPersonalFilesRequest::new(token))
        .await
        .unwrap();
    let root_id = root.others["files"][0]["parent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(apps, root_id);
    let binned = client
        .trash_personal_file(k::TrashPersonalFileRequest::new(&root_id, token))
        .await;
    refused(binned, 400, 10001);
    env.fake.shutdown().await;
}

// ------------------------------------------------------------------- tests

macro_rules! family_tests {
    ($($family:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $family() {
                let env = start().await;
                super::$family(&env).await;
                env.fake.shutdown().await;
            }
        )*

        /// Runs every family against one fake.
        async fn all_families(env: &Env) {
            $( super::$family(env).await; )*
        }
    };
}

mod family {
    use super::{start, Env};
    family_tests!(
        oauth, user, appspace, anonymous, personal, sharing, convert, extract, outline, script,
        forms, dbt, webhooks, ksheet, et,
    );

    #[tokio::test]
    async fn every_endpoint_is_called() {
        let env = start().await;
        all_families(&env).await;
        let calls = env.fake.stats().calls;
        let missing: Vec<&str> = super::ROUTES
            .iter()
            .map(|route| route.operation)
            .filter(|op| !calls.contains_key(*op))
            .collect();
        assert!(missing.is_empty(), "never called: {missing:?}");
        assert_eq!(super::ROUTES.len(), 89);
        env.fake.shutdown().await;
    }
}

/// The README's family table gives the endpoint count of each family as
/// `kdocs-codegen check` counts them (the families of the spec's operations).
#[test]
fn the_readme_family_table_matches_the_spec() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    let spec = kdocs_codegen::check_dir(&dir).unwrap_or_else(|d| panic!("{d}"));
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for op in kdocs_codegen::model::build(&spec).operations {
        *counted.entry(op.family.expect("a family")).or_default() += 1;
    }
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    let table: BTreeMap<String, usize> = readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let family = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((family.to_owned(), cells.get(2)?.parse().ok()?))
        })
        .collect();
    assert_eq!(table, counted);
    let total = format!("| **total** | **{}** |", counted.values().sum::<usize>());
    assert!(readme.contains(&total), "the README's total is not {total}");
}
