//! The fake server generated from a spec: the fixture spec's
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

use kdocs_client::fake::wire::{Api, Call};
use kdocs_client::fake::{FakeCode, FakeConfig, FakeError, FakeKdocs};
use kdocs_client::runtime::{signing, Secret};
use kdocs_tests::fixture_api;
use serde_json::{json, Value};

const APP_ID: &str = "SX20260101FIXTURE";
const APP_KEY: &str = "fixture-app-key";

/// Every endpoint of the fixture, answering with the spec's example.
fn examples_api() -> Api {
    Api::new(fixture_api::for_each_operation)
}

async fn serve(api: Api) -> FakeKdocs {
    FakeKdocs::start_serving(FakeConfig::default().with_app(APP_ID, APP_KEY), api)
        .await
        .unwrap()
}

fn client(fake: &FakeKdocs) -> fixture_api::Client {
    let runtime = kdocs_client::runtime::Client::new(
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
    let fake = serve(examples_api()).await;
    let client = client(&fake);
    let examples = examples();
    assert_eq!(examples.len(), 13, "{:?}", examples.keys());

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

    // A multipart upload, a user-token list, a signed DELETE with a body and
    // a call with no authentication at all.
    let upload = client
        .upload_file(
            fixture_api::UploadFileRequest::new(kdocs_client::runtime::FilePart::from_bytes(
                "a.docx",
                &b"hello"[..],
            ))
            .with_parent_path(vec!["p1".into(), "p2".into()]),
        )
        .await
        .unwrap();
    assert_eq!(json(&upload), examples["upload_file"]);
    let token = fake.issue_access_token();
    let found = client
        .search_uploads(fixture_api::SearchUploadsRequest::new(&token))
        .await
        .unwrap();
    assert_eq!(json(&found), examples["search_uploads"]);
    let events = client
        .list_upload_events(fixture_api::ListUploadEventsRequest::new(&token))
        .await
        .unwrap();
    assert_eq!(json(&events), examples["list_upload_events"]);
    let removed = client
        .remove_upload(fixture_api::RemoveUploadRequest::new("up-1", &token).with_reason("old"))
        .await
        .unwrap();
    assert_eq!(removed, examples["remove_upload"]);
    let pong = client
        .public_ping(fixture_api::PublicPingRequest::new(2))
        .await
        .unwrap();
    assert_eq!(json(&pong), examples["public_ping"]);

    let stats = fake.stats();
    assert_eq!(stats.total_api_calls, 13);
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
    let fake = serve(examples_api()).await;
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
fn one_handler() -> Api {
    examples_api().on::<fixture_api::DeleteFileRequest, _>(
        |call: &Call<'_>, request| -> Result<fixture_api::DeleteFileResponse, FakeError> {
            assert_eq!(call.app_id(), APP_ID);
            if request.permanent() == Some(true) {
                return Err(FakeError::fake(
                    FakeCode::FileNotFound,
                    format!("no file {}", request.file_id()),
                ));
            }
            Ok(fixture_api::DeleteFileResponse::new())
        },
    )
}

#[tokio::test]
async fn a_handler_replaces_one_example_and_reads_the_typed_request() {
    let fake = serve(one_handler()).await;
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

/// Answers uploads with what arrived, and lists in two pages.
fn uploads() -> Api {
    examples_api()
        .on::<fixture_api::UploadFileRequest, _>(
            |_call: &Call<'_>, request| -> Result<fixture_api::Upload, FakeError> {
                let bytes = request.file().bytes().expect("decoded in memory");
                let folders = request
                    .parent_path()
                    .map(|p| p.join("/"))
                    .unwrap_or_default();
                let id = format!(
                    "{}:{}:{folders}",
                    request.file().filename(),
                    hex::encode(md5::Md5::digest(bytes))
                );
                Ok(fixture_api::Upload::new(id, bytes.len() as u64))
            },
        )
        .on::<fixture_api::SearchUploadsRequest, _>(
            |call: &Call<'_>, request| -> Result<fixture_api::SearchUploadsResponse, FakeError> {
                assert!(call.user_id().is_some());
                let exts = request.exts().cloned().unwrap_or_default().join("+");
                let item = |id: &str| fixture_api::Upload::new(format!("{id}.{exts}"), 1);
                Ok(match request.offset().unwrap_or(0) {
                    0 => fixture_api::SearchUploadsResponse::new(vec![item("a"), item("b")], 2),
                    2 => fixture_api::SearchUploadsResponse::new(vec![item("c")], -1),
                    // A server that does not advance: the walk must end anyway.
                    _ => fixture_api::SearchUploadsResponse::new(vec![item("again")], 5),
                })
            },
        )
}

use md5::Digest as _;

#[tokio::test]
async fn multipart_uploads_arrive_with_the_same_bytes_from_memory_a_path_or_a_reader() {
    let fake = serve(uploads()).await;
    let client = client(&fake);
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let md5 = hex::encode(md5::Md5::digest(&content));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, &content).unwrap();
    for file in [
        kdocs_client::runtime::FilePart::from_bytes("big.bin", content.clone()),
        kdocs_client::runtime::FilePart::from_path(&path),
        kdocs_client::runtime::FilePart::from_reader(
            "big.bin",
            std::io::Cursor::new(content.clone()),
        ),
    ] {
        let upload = client
            .upload_file(
                fixture_api::UploadFileRequest::new(file)
                    .with_parent_path(vec!["a".into(), "b".into()]),
            )
            .await
            .unwrap();
        assert_eq!(upload.id, format!("big.bin:{md5}:a/b"));
        assert_eq!(upload.size, content.len() as u64);
    }
    // The spooled temporary bodies are gone once the calls are done.
    assert_eq!(fake.stats().rejected_calls, 0);
    fake.shutdown().await;
}

/// A multipart body signed for other bytes is refused by the fake's own
/// verifier: the signature covers the exact bytes sent.
#[tokio::test]
async fn a_tampered_multipart_body_is_refused() {
    let fake = serve(uploads()).await;
    let boundary = "b0undary";
    let body = |content: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n{content}\r\n--{boundary}--\r\n"
        )
    };
    let signed_body = body("original");
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let headers = signing::sign_digest(
        APP_ID,
        &Secret::new(APP_KEY.to_owned()),
        signing::md5_hex(signed_body.as_bytes()),
        &content_type,
        SystemTime::now(),
    );
    let runtime = client(&fake);
    let send = |sent: String| {
        runtime
            .runtime()
            .http()
            .post(format!("{}/api/v1/uploads", fake.base_url()))
            .header("Date", headers.date.clone())
            .header("Content-Type", content_type.clone())
            .header("Content-Md5", headers.content_md5.clone())
            .header("Authorization", headers.authorization.clone())
            .body(sent)
            .send()
    };
    let ok = send(signed_body.clone()).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let tampered = send(body("tampered")).await.unwrap();
    assert_eq!(tampered.status().as_u16(), 403);
    let answer: Value = serde_json::from_slice(&tampered.bytes().await.unwrap()).unwrap();
    assert_eq!(answer["code"], FakeCode::SignatureRefused.code());
    assert!(
        answer["hint"].as_str().unwrap().contains("md5 of the body"),
        "{answer}"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn paged_lists_are_walked_to_their_end_and_repeated_queries_arrive() {
    let fake = serve(uploads()).await;
    let client = client(&fake);
    let token = fake.issue_access_token();
    let request = fixture_api::SearchUploadsRequest::new(&token)
        .with_exts(vec!["docx".into(), "xlsx".into()]);
    let items = client
        .search_uploads_pages(request.clone())
        .collect_items()
        .await
        .unwrap();
    let ids: Vec<&str> = items.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["a.docx+xlsx", "b.docx+xlsx", "c.docx+xlsx"]);
    assert_eq!(fake.stats().calls_to("search_uploads"), 2);
    // Page by page, and as a stream.
    let mut pages = client.search_uploads_pages(request.clone());
    assert_eq!(pages.next_page().await.unwrap().unwrap().next_offset, 2);
    assert_eq!(pages.next_page().await.unwrap().unwrap().next_offset, -1);
    assert!(pages.next_page().await.is_none());
    let streamed: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(
        client
            .search_uploads_pages(request.clone())
            .into_item_stream(),
    )
    .await;
    assert_eq!(streamed.len(), 3);
    // The stream is `Unpin`: `next` takes it as it is, with no pinning.
    let mut pages = client.search_uploads_pages(request.clone()).into_stream();
    let mut offsets = Vec::new();
    while let Some(page) = futures_util::StreamExt::next(&mut pages).await {
        offsets.push(page.unwrap().next_offset);
    }
    assert_eq!(offsets, [2, -1]);
    // A server whose next offset does not advance ends the walk.
    let stuck = client
        .search_uploads_pages(request.with_offset(5))
        .collect_items()
        .await
        .unwrap();
    assert_eq!(stuck.len(), 1);
    fake.shutdown().await;
}

/// File names no part head can carry as they are (a trailing `\\`, NUL,
/// ESC, DEL, a quote, CR LF): the body stays parseable, the name arrives
/// percent-encoded, and no part is forged.
#[tokio::test]
async fn hostile_file_names_keep_the_multipart_body_well_formed() {
    let fake = serve(uploads()).await;
    let client = client(&fake);
    for (name, arrived) in [
        ("ends-in\\", "ends-in%5C"),
        ("nul\0esc\u{1b}del\u{7f}.txt", "nul%00esc%1Bdel%7F.txt"),
        (
            "x\"\r\nContent-Disposition: form-data; name=\"parent_path\"\r\n\r\nforged",
            "x%22%0D%0AContent-Disposition: form-data; name=%22parent_path%22%0D%0A%0D%0Aforged",
        ),
    ] {
        let file = kdocs_client::runtime::FilePart::from_bytes(name, b"abc".to_vec());
        let upload = client
            .upload_file(fixture_api::UploadFileRequest::new(file))
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let md5 = hex::encode(md5::Md5::digest(b"abc"));
        assert_eq!(upload.id, format!("{arrived}:{md5}:"), "{name:?}");
    }
    assert_eq!(fake.stats().rejected_calls, 0);
    fake.shutdown().await;
}

/// A hostile server whose next offset grows by one on every page: the walk
/// stops at its bound with a typed error, and at once when a page has no
/// items but a next offset.
#[tokio::test]
async fn a_walk_that_would_never_end_stops_with_a_typed_error() {
    let api = examples_api().on::<fixture_api::SearchUploadsRequest, _>(
        |_call: &Call<'_>, request| -> Result<fixture_api::SearchUploadsResponse, FakeError> {
            let offset = request.offset().unwrap_or(0);
            // Items from offset 100 on: before that, a page of one item.
            let uploads = if offset < 100 {
                vec![fixture_api::Upload::new(format!("u{offset}"), 1)]
            } else {
                Vec::new()
            };
            Ok(fixture_api::SearchUploadsResponse::new(uploads, offset + 1))
        },
    );
    let fake = serve(api).await;
    let client = client(&fake);
    let token = fake.issue_access_token();
    let request = fixture_api::SearchUploadsRequest::new(&token);
    let err = client
        .search_uploads_pages(request.clone())
        .with_max_pages(7)
        .collect_items()
        .await
        .unwrap_err();
    assert!(
        matches!(err, kdocs_client::Error::Paging { pages: 7, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("bound"), "{err}");
    assert_eq!(fake.stats().calls_to("search_uploads"), 7);
    // An empty page that still gives a next offset ends the walk at once.
    let err = client
        .search_uploads_pages(request.with_offset(100))
        .collect_items()
        .await
        .unwrap_err();
    assert!(
        matches!(err, kdocs_client::Error::Paging { pages: 1, .. }),
        "{err:?}"
    );
    assert_eq!(fake.stats().calls_to("search_uploads"), 8);
    fake.shutdown().await;
}

/// A list paged by a string cursor: walked until the answer leaves the
/// cursor out; a cursor handed back twice ends the walk instead of looping.
#[tokio::test]
async fn cursor_paged_lists_are_walked_until_the_cursor_is_left_out() {
    let api = examples_api().on::<fixture_api::ListUploadEventsRequest, _>(
        |_call: &Call<'_>, request| -> Result<fixture_api::ListUploadEventsResponse, FakeError> {
            let (events, next): (&[&str], Option<&str>) = match request.cursor() {
                None | Some("") => (&["a", "b"], Some("c1")),
                Some("c1") => (&["c"], Some("c2")),
                Some("c2") => (&["d"], None),
                // A server that hands the first cursor back again.
                Some("loop") => (&["x"], Some("loop-2")),
                Some(_) => (&["y"], Some("loop")),
            };
            let mut answer = fixture_api::ListUploadEventsResponse::new(
                events.iter().map(|e| (*e).to_owned()).collect(),
            );
            answer.next_cursor = next.map(str::to_owned);
            Ok(answer)
        },
    );
    let fake = serve(api).await;
    let client = client(&fake);
    let token = fake.issue_access_token();
    let request = fixture_api::ListUploadEventsRequest::new(&token);
    let events = client
        .list_upload_events_pages(request.clone())
        .collect_items()
        .await
        .unwrap();
    assert_eq!(events, ["a", "b", "c", "d"]);
    assert_eq!(fake.stats().calls_to("list_upload_events"), 3);
    let looped = client
        .list_upload_events_pages(request.with_cursor("loop"))
        .collect_items()
        .await
        .unwrap();
    assert_eq!(
        looped,
        ["x", "y"],
        "loop → loop-2 → loop: seen, the walk ends"
    );
    assert_eq!(fake.stats().calls_to("list_upload_events"), 5);
    fake.shutdown().await;
}

#[tokio::test]
async fn each_endpoint_authenticates_as_its_spec_says() {
    let fake = serve(examples_api()).await;
    // `auth: none`: no signature, no token.
    let plain = client(&fake)
        .runtime()
        .http()
        .get(format!("{}/api/v1/ping?version=1", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status().as_u16(), 200);
    // `auth: access_token`: no signature needed, but a live token is.
    let unsigned = |query: &str| {
        client(&fake)
            .runtime()
            .http()
            .get(format!("{}/api/v1/uploads{query}", fake.base_url()))
            .send()
    };
    let missing = unsigned("").await.unwrap();
    assert_eq!(missing.status().as_u16(), 400);
    let bogus = unsigned("?access_token=bogus").await.unwrap();
    assert_eq!(bogus.status().as_u16(), 401);
    let answer: Value = serde_json::from_slice(&bogus.bytes().await.unwrap()).unwrap();
    assert_eq!(answer["code"], 20007);
    let token = fake.issue_access_token();
    let good = unsigned(&format!("?access_token={token}")).await.unwrap();
    assert_eq!(good.status().as_u16(), 200);
    // `auth: wps2`: unsigned is refused.
    let upload = client(&fake)
        .runtime()
        .http()
        .post(format!("{}/api/v1/uploads", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status().as_u16(), 403);
    fake.shutdown().await;
}
