//! The stateful fake (`FakeKdocs::start`) refuses a call that authenticates
//! wrongly, as the operation's `auth:` says: a user's access token it never
//! issued on `access_token` operations (401, `20007`), a signature with the
//! wrong app key on `wps2` operations (403, the fake's own code), for an
//! operation of each family. Every operation of the spec is checked the
//! same way against the fake of examples in `every_endpoint.rs`.

use kdocs_client as k;
use kdocs_tests::fake_env::{
    assert_signature_refused, assert_token_refused, client_with_key, start, BAD_TOKEN,
};

#[tokio::test]
async fn user_operations_refuse_a_token_the_fake_never_issued() {
    let env = start().await;
    let client = &env.client;
    assert_token_refused(
        client
            .get_user_info(k::GetUserInfoRequest::new(BAD_TOKEN))
            .await,
    );
    let file = "wfoKKYzWR2jyxMHCFVuBxXGszbfEtqUJ1pa5eD4tRLc";
    assert_token_refused(
        client
            .get_personal_share_link(k::GetPersonalShareLinkRequest::new(file, BAD_TOKEN))
            .await,
    );
    assert_token_refused(
        client
            .export_outline_json(k::ExportOutlineJsonRequest::new("doc.otl", BAD_TOKEN))
            .await,
    );
    assert_token_refused(
        client
            .get_personal_script_status(k::GetPersonalScriptStatusRequest::new(BAD_TOKEN, "task-1"))
            .await,
    );
    assert_token_refused(
        client
            .list_personal_forms(k::ListPersonalFormsRequest::new(BAD_TOKEN))
            .await,
    );
    let f = "table.dbt";
    assert_token_refused(
        client
            .get_dbt_schemas(k::GetDbtSchemasRequest::new(f, BAD_TOKEN))
            .await,
    );
    assert_token_refused(
        client
            .subscribe_dbt_field_create_webhook(k::SubscribeDbtFieldCreateWebhookRequest::new(
                f, 2, BAD_TOKEN,
            ))
            .await,
    );
    assert_token_refused(
        client
            .list_ksheet_sheets(k::ListKsheetSheetsRequest::new("book.ksheet", BAD_TOKEN))
            .await,
    );
    assert_token_refused(
        client
            .list_et_sheets(k::ListEtSheetsRequest::new("book.xlsx", BAD_TOKEN))
            .await,
    );
    env.fake.shutdown().await;
}

#[tokio::test]
async fn signed_operations_refuse_the_wrong_app_key() {
    let env = start().await;
    let wrong_key = client_with_key(&env.fake, "not-the-app-key");
    // A file that exists: the signature is checked before the file is looked up.
    let file = env
        .fake
        .add_file("report.docx", b"app-space document".to_vec());
    assert_signature_refused(
        wrong_key
            .get_appspace_file_info(k::GetAppspaceFileInfoRequest::new(&file))
            .await,
    );
    assert_signature_refused(
        wrong_key
            .convert_to_jpg(k::ConvertToJpgRequest::new(
                "https://example.com/a.pptx",
                "a.pptx",
            ))
            .await,
    );
    assert_signature_refused(
        wrong_key
            .extract_plain_text(
                k::ExtractPlainTextRequest::new()
                    .with_url("https://example.com/a.docx")
                    .with_filename("a.docx"),
            )
            .await,
    );
    env.fake.shutdown().await;
}
