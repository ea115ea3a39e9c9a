//! The fake server generated from a spec (issue 10): the fixture spec's
//! endpoints, which exist only as YAML, served by `FakeKdocs::start_serving`
//! with no hand-written handler, called through the fixture's generated
//! client.
//!
//! - every operation answers with the example answer built from the spec;
//! - a request that breaks the spec (a missing or mistyped parameter, a path or
//!   method the spec lacks), sent raw, is refused as kdocs refuses a bad
//!   argument: `10001`, naming the parameter;
//! - a handler written for one operation replaces its example.

use std::time::SystemTime;

use kdocs_client::fake::{FakeCode, FakeConfig, FakeError, FakeKdocs};
use kdocs_client::runtime::{signing, Secret};
use kdocs_tests::fixture_api::{self, fake as fixture_fake};
use serde_json::{json, Value};

const APP_ID: &str = "SX20260101FIXTURE";
const APP_KEY: &str = "fixture-app-key";

/// Answers every endpoint with the spec's example.
struct Examples;

impl fixture_fake::Handlers for Examples {}

async fn serve(handlers: impl fixture_fake::Handlers) -> FakeKdocs {
    FakeKdocs::start_serving(
        FakeConfig::default().with_app(APP_ID, APP_KEY),
        fixture_fake::Service(handlers),
    )
    .await
    .unwrap()
}

fn client(fake: &FakeKdocs) -> fixture_api::Client {
    let runtime = kdocs_client::Client::new(
        kdocs_client::Credentials::new(APP_ID, APP_KEY),
        kdocs_client::Config::new().with_base_url(fake.base_url()),
    )
    .unwrap();
    fixture_api::Client::new(runtime)
}

/// The example answer of each operation, as codegen builds it from the spec.
fn examples() -> std::collections::BTreeMap<String, Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixture-spec");
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

#[tokio::test]
async fn every_fixture_endpoint_answers_with_its_example() {
    let fake = serve(Examples).await;
    let client = client(&fake);
    let examples = examples();
    assert_eq!(examples.len(), 8, "{:?}", examples.keys());

    let file = client
        .get_file(fixture_api::GetFileRequest::new("f-1", "tok").with_limit(3))
        .await
        .unwrap();
    assert_eq!(json(&file), examples["get_file"]);
    // Fields with an `example:` answer with it; the rest with defaults or empty values.
    assert_eq!(file.id, "f-1");
    assert_eq!(file.title, "untitled");

    let created = client
        .create_file(fixture_api::CreateFileRequest::new(
            7,
            "report.docx",
            fixture_api::FileKind::Doc,
        ))
        .await
        .unwrap();
    assert_eq!(json(&created), examples["create_file"]);

    #[allow(deprecated)]
    let members = client
        .list_members(fixture_api::ListMembersRequest::new("f-1"))
        .await
        .unwrap();
    assert_eq!(json(&members), examples["list_members"]);
    let members = client
        .list_members_v2(fixture_api::ListMembersV2Request::new("f-1"))
        .await
        .unwrap();
    assert_eq!(json(&members), examples["list_members_v2"]);
    let invited = client
        .invite_member(fixture_api::InviteMemberRequest::new("f-1", 9))
        .await
        .unwrap();
    assert_eq!(invited, examples["invite_member"]);
    let replaced = client
        .replace_member(fixture_api::ReplaceMemberRequest::new(
            "f-1",
            9,
            fixture_api::Role::Editor,
        ))
        .await
        .unwrap();
    assert_eq!(json(&replaced), examples["replace_member"]);
    let patched = client
        .patch_file(fixture_api::PatchFileRequest::new("f-1").with_title("t"))
        .await
        .unwrap();
    assert_eq!(json(&patched), examples["patch_file"]);
    let deleted = client
        .delete_file(fixture_api::DeleteFileRequest::new("f-1").with_permanent(true))
        .await
        .unwrap();
    assert_eq!(json(&deleted), examples["delete_file"]);

    let stats = fake.stats();
    assert_eq!(stats.total_api_calls, 8);
    assert_eq!(stats.rejected_calls, 0);
    assert_eq!(stats.calls_to("get_file"), 1);
    fake.shutdown().await;
}

/// A request signed by hand, so it can break the spec.
async fn raw(
    fake: &FakeKdocs,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| serde_json::to_vec(&b).unwrap());
    let headers = signing::sign(
        APP_ID,
        &Secret::new(APP_KEY.to_owned()),
        body.as_deref(),
        path_and_query,
        SystemTime::now(),
    );
    let client = client(fake);
    let method = method.parse().unwrap();
    let mut request = client
        .runtime()
        .http()
        .request(method, format!("{}{path_and_query}", fake.base_url()))
        .header("Date", headers.date)
        .header("Content-Type", headers.content_type)
        .header("Content-Md5", headers.content_md5)
        .header("Authorization", headers.authorization);
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn requests_that_break_the_spec_are_refused_naming_the_parameter() {
    let fake = serve(Examples).await;
    // (method, path and query, body, status, code, part of the hint)
    type Case = (
        &'static str,
        &'static str,
        Option<Value>,
        u16,
        i64,
        &'static str,
    );
    let cases: &[Case] = &[
        // `file_id` is sent in the path and the query: the query copy is missing.
        (
            "GET",
            "/api/v1/files/f-1?access_token=t",
            None,
            400,
            10001,
            "query parameter `file_id` is required",
        ),
        (
            "GET",
            "/api/v1/files/f-1?file_id=f-1",
            None,
            400,
            10001,
            "query parameter `access_token` is required",
        ),
        (
            "GET",
            "/api/v1/files/f-1?file_id=f-2&access_token=t",
            None,
            400,
            10001,
            "`file_id` (\"f-2\") differs",
        ),
        (
            "GET",
            "/api/v1/files/f-1?file_id=f-1&access_token=t&limit=lots",
            None,
            400,
            10001,
            "query parameter `limit` has the wrong type",
        ),
        (
            "GET",
            "/api/v1/files/f-1?file_id=f-1&access_token=t&kind=anything",
            None,
            200,
            0,
            "",
        ),
        (
            "POST",
            "/api/v1/folders/abc/files",
            Some(json!({"name": "a", "type": "doc"})),
            400,
            10001,
            "path parameter `folder_id` has the wrong type",
        ),
        (
            "POST",
            "/api/v1/folders/7/files",
            Some(json!({"type": "doc"})),
            400,
            10001,
            "body parameter `name` is required",
        ),
        (
            "POST",
            "/api/v1/folders/7/files",
            Some(json!({"name": 5, "type": "doc"})),
            400,
            10001,
            "body parameter `name` has the wrong type",
        ),
        (
            "POST",
            "/api/v1/folders/7/files",
            Some(json!({"name": "a", "type": "doc", "options": {"overwrite": "yes"}})),
            400,
            10001,
            "body parameter `options` has the wrong type",
        ),
        (
            "POST",
            "/api/v1/folders/7/files",
            None,
            400,
            10001,
            "the request body is empty",
        ),
        (
            "POST",
            "/api/v1/folders/7/files",
            Some(json!(["a"])),
            400,
            10001,
            "must be a JSON object",
        ),
        (
            "PUT",
            "/api/v1/files/f-1/members/9",
            Some(json!({"role": "editor"})),
            200,
            0,
            "",
        ),
        (
            "PUT",
            "/api/v1/files/f-1/members/-9",
            Some(json!({"role": "editor"})),
            400,
            10001,
            "path parameter `user_id` has the wrong type",
        ),
        (
            "GET",
            "/api/v1/nowhere",
            None,
            404,
            FakeCode::NoSuchEndpoint.code(),
            "no endpoint GET /api/v1/nowhere",
        ),
        (
            "PUT",
            "/api/v1/files/f-1",
            None,
            405,
            FakeCode::MethodNotAllowed.code(),
            "accepts DELETE or GET or PATCH",
        ),
    ];
    for (method, path, body, status, code, hint) in cases {
        let (got_status, answer) = raw(&fake, method, path, body.clone()).await;
        let context = format!("{method} {path}: {answer}");
        assert_eq!(got_status, *status, "{context}");
        assert_eq!(answer["code"], *code, "{context}");
        if *code != 0 {
            let text = answer["hint"].as_str().unwrap();
            assert!(text.contains(hint), "{context}");
        }
    }
    fake.shutdown().await;
}

/// A handler for one operation; the others keep their examples.
struct OneHandler;

impl fixture_fake::Handlers for OneHandler {
    fn delete_file(
        &self,
        call: &kdocs_client::fake::wire::Call<'_>,
        request: fixture_api::DeleteFileRequest,
    ) -> Result<fixture_api::DeleteFileResponse, FakeError> {
        assert_eq!(call.app_id(), APP_ID);
        if request.permanent() == Some(true) {
            return Err(FakeError::fake(
                FakeCode::FileNotFound,
                format!("no file {}", request.file_id()),
            ));
        }
        Ok(fixture_api::DeleteFileResponse {})
    }
}

#[tokio::test]
async fn a_handler_replaces_one_example_and_reads_the_typed_request() {
    let fake = serve(OneHandler).await;
    let client = client(&fake);
    client
        .delete_file(fixture_api::DeleteFileRequest::new("f-1"))
        .await
        .unwrap();
    let err = client
        .delete_file(fixture_api::DeleteFileRequest::new("f-9").with_permanent(true))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status, api.code), (404, FakeCode::FileNotFound.code()));
    assert_eq!(api.hint, "no file f-9");
    assert!(err.is_not_found());
    // The other endpoints still answer with their examples.
    let members = client
        .list_members_v2(fixture_api::ListMembersV2Request::new("f-1"))
        .await
        .unwrap();
    assert_eq!(json(&members), examples()["list_members_v2"]);
    fake.shutdown().await;
}
