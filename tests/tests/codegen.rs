//! Tests of the spec language and its diagnostics:
//!
//! - every bad spec under `bad-specs/` gives diagnostics that name file, line,
//!   column, YAML path, show the line with a caret and give a hint (one insta
//!   snapshot per case);
//! - the generated code of `fixture-spec/` (every feature) and of the real
//!   `api-spec/` (a snapshot per family) is snapshotted; the fixture's is also
//!   compiled (`build.rs`)
//!   and called here against a local HTTP server;
//! - output does not depend on the order of the files;
//! - a short fixed-seed fuzz run finds no panic (the long run is the
//!   `fuzz_spec` example of kdocs-codegen).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use kdocs_codegen::{Diagnostics, Settings};
use kdocs_tests::fixture_api;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workspace_dir() -> PathBuf {
    manifest_dir().join("..")
}

fn bad_spec_cases() -> Vec<(String, PathBuf)> {
    let root = manifest_dir().join("bad-specs");
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .expect("tests/bad-specs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    cases.sort();
    cases
}

fn check_case(dir: &Path) -> Diagnostics {
    match kdocs_codegen::check_dir(dir) {
        Ok(_) => panic!("{} should be invalid", dir.display()),
        Err(diagnostics) => diagnostics,
    }
}

#[test]
fn every_bad_spec_is_explained_with_place_path_caret_and_hint() {
    let cases = bad_spec_cases();
    assert!(cases.len() >= 12, "the corpus has {} cases", cases.len());
    for (case, dir) in &cases {
        let diagnostics = check_case(dir);
        assert!(!diagnostics.is_empty(), "{case}");
        for d in diagnostics.iter() {
            assert!(
                d.position.line >= 1 && d.position.column >= 1,
                "{case}: {d}"
            );
            assert!(
                d.file.starts_with(dir) && d.file.extension().is_some(),
                "{case}: the diagnostic names a spec file: {}",
                d.file.display()
            );
            assert!(d.source_line.is_some(), "{case}: no source line in\n{d}");
            assert!(d.hint.is_some(), "{case}: no hint in\n{d}");
            let text = d.render_relative_to(&manifest_dir());
            assert!(text.contains(" = at: "), "{case}: no YAML path in\n{text}");
            assert!(text.contains('^'), "{case}: no caret in\n{text}");
        }
        // Relative paths keep the snapshots machine-independent.
        let rendered = diagnostics.render_relative_to(&manifest_dir());
        insta::assert_snapshot!(format!("bad_spec__{}", case.replace('-', "_")), rendered);
    }
}

/// A bad spec read as the client's build script reads it in the repository
/// (the top-level `api-spec/`, names relative to the repository) is reported
/// under the path a maintainer edits: `api-spec/<file>.yaml`.
#[test]
fn a_build_names_the_spec_file_the_maintainer_edits() {
    let repository = tempfile::tempdir().unwrap();
    let spec_dir = repository.path().join("api-spec");
    std::fs::create_dir(&spec_dir).unwrap();
    for (name, text) in read_spec_files(&workspace_dir().join("api-spec")) {
        let text = if name == "extract.yaml" {
            text.replacen("method: POST", "method: PUTT", 1)
        } else {
            text
        };
        std::fs::write(spec_dir.join(name), text).unwrap();
    }
    let message =
        kdocs_codegen::generate_for_build(&spec_dir, "x.rs", &client_settings(), repository.path())
            .expect_err("the spec is invalid");
    assert!(message.contains("--> api-spec/extract.yaml:"), "{message}");
    assert!(message.contains("unsupported method `PUTT`"), "{message}");
}

#[test]
fn one_run_reports_every_error_in_file_order() {
    let dir = manifest_dir().join("bad-specs/multi-error");
    let diagnostics = check_case(&dir);
    let places: Vec<(PathBuf, usize, usize)> = diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.position.line, d.position.column))
        .collect();
    assert!(places.len() >= 8, "{diagnostics}");
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted, "diagnostics are in file order");
    let files: std::collections::BTreeSet<_> = places.iter().map(|p| p.0.clone()).collect();
    assert_eq!(files.len(), 2, "both files are reported in one run");
    let text = diagnostics.to_string();
    for expected in [
        "base_url `ftp://example.invalid`",
        "unsupported signing scheme `WPS-3`",
        "unknown type `strng`",
        "operation name `getFile`",
        "path has `{id}` but no path parameter `id`",
        "unknown type `Tokn`",
        "unsupported method `PUTT`",
        "only `string` fields can be sensitive",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    assert!(text.ends_with(&format!("the spec has {} errors\n", places.len())));
}

#[test]
fn fixture_generated_code_snapshot() {
    // The same settings as `tests/build.rs`.
    let settings = Settings::new().with_doc_examples("kdocs_tests::fixture_api");
    let code = kdocs_codegen::generate_dir(&manifest_dir().join("fixture-spec"), &settings)
        .unwrap_or_else(|d| panic!("{d}"));
    insta::assert_snapshot!("fixture_generated", code);
}

/// The same settings as `client/build.rs` with the `fake` feature.
fn client_settings() -> Settings {
    Settings::new()
        .with_runtime_path("crate::runtime")
        .with_client_type("crate::Client")
        .with_doc_examples("kdocs_client")
}

/// The generated code of `api-spec/`, one snapshot of the code every family
/// shares, and one per family with what the family adds to it (its
/// endpoints and the types they use; top-level items equal to one of the
/// shared code are left out): an endpoint added to a family's YAML shows in
/// that family's snapshot only, and a change to the shared code in the
/// shared snapshot only.
#[test]
fn api_spec_generated_code_snapshot_per_family() {
    let spec = kdocs_codegen::check_dir(&workspace_dir().join("api-spec"))
        .unwrap_or_else(|d| panic!("{d}"));
    let shared = Vec::<String>::new();
    let code = kdocs_codegen::generate_spec(&spec, &client_settings().with_families(shared))
        .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("api_spec_shared", code);
    let shared_items = top_level_items(&code);
    for family in spec.families() {
        let code = kdocs_codegen::generate_spec(&spec, &client_settings().with_families([family]))
            .unwrap_or_else(|e| panic!("{family}: {e}"));
        let own: Vec<&str> = top_level_items(&code)
            .into_iter()
            .filter(|item| !shared_items.contains(item))
            .collect();
        insta::assert_snapshot!(format!("api_spec_family_{family}"), own.join("\n\n"));
    }
}

/// The top-level items of formatted generated code, each with its doc and
/// attributes: the text between blank lines that start a line at column 0.
fn top_level_items(code: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    let mut after_blank = false;
    for line in code.split_inclusive('\n') {
        let starts_item = after_blank && !line.starts_with([' ', '}', ')', ']', '\n']);
        if starts_item && offset > start {
            items.push(code[start..offset].trim_end());
            start = offset;
        }
        after_blank = line.trim().is_empty();
        offset += line.len();
    }
    items.push(code[start..].trim_end());
    items.retain(|item| !item.is_empty());
    items
}

/// Every endpoint method of `api-spec/` carries one `# Example` (compiled by
/// `cargo test --doc -p kdocs-client`), and so does `ErrorCode`; without
/// `with_doc_examples` there are none.
#[test]
fn every_endpoint_method_has_a_doc_example() {
    let dir = workspace_dir().join("api-spec");
    let spec = kdocs_codegen::check_dir(&dir).unwrap_or_else(|d| panic!("{d}"));
    let code = kdocs_codegen::generate_dir(&dir, &client_settings()).unwrap();
    let examples = code.matches("/// # Example\n").count();
    assert_eq!(
        examples,
        spec.endpoints.len() + 1,
        "one per method, one on ErrorCode"
    );
    for endpoint in &spec.endpoints {
        let call = format!(
            "/// let answer = client.{}(request).await?;\n",
            endpoint.name
        );
        assert_eq!(code.matches(&call).count(), 1, "{}", endpoint.name);
    }
    let without = Settings::new()
        .with_runtime_path("crate::runtime")
        .with_client_type("crate::runtime::Client");
    let code = kdocs_codegen::generate_dir(&dir, &without).unwrap();
    assert!(!code.contains("# Example"));
}

/// The error table of `api-spec/`, one line per code: what `ErrorCode` is
/// generated from, with the source of every code. A code without a source
/// cannot get here (the validator refuses it, see `bad-specs/error-*`).
#[test]
fn api_spec_error_table_snapshot() {
    let spec = kdocs_codegen::check_dir(&workspace_dir().join("api-spec"))
        .unwrap_or_else(|d| panic!("{d}"));
    let mut table = String::new();
    for e in &spec.errors {
        table.push_str(&format!(
            "{} {} message={} category={:?} retryable={}\n    source: {}\n",
            e.code,
            e.name,
            e.message.as_deref().unwrap_or("(none shown)"),
            e.category,
            e.retryable,
            e.source.summary(),
        ));
    }
    insta::assert_snapshot!("api_spec_error_table", table);
    // Only five-digit codes, as kdocs pages give them; no code of this
    // project's fake (six digits) and none it once made up (9xxxx, 30003).
    for e in &spec.errors {
        assert!((10_000..90_000).contains(&e.code), "{}", e.code);
        assert_ne!(e.code, 30003);
    }
}

fn read_spec_files(dir: &Path) -> Vec<(String, String)> {
    kdocs_codegen::load::spec_file_paths(dir)
        .expect("spec folder")
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect()
}

#[test]
fn output_does_not_depend_on_file_order() {
    for (dir, settings) in [
        (workspace_dir().join("api-spec"), client_settings()),
        (manifest_dir().join("fixture-spec"), Settings::new()),
    ] {
        let files = read_spec_files(&dir);
        assert!(files.len() >= 3, "{}", dir.display());
        let expected = kdocs_codegen::generate_dir(&dir, &settings).unwrap();
        let mut rng = kdocs_codegen::fuzz::Rng::new(7);
        for round in 0..8 {
            let mut shuffled = files.clone();
            if round == 1 {
                shuffled.reverse();
            }
            for i in (1..shuffled.len()).rev() {
                if round > 1 {
                    shuffled.swap(i, rng.below(i + 1));
                }
            }
            let borrowed: Vec<(&str, &str)> = shuffled
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            let code = kdocs_codegen::generate_sources(&borrowed, &settings).unwrap();
            assert!(
                code == expected,
                "round {round} differs for {}",
                dir.display()
            );
            let spec = kdocs_codegen::check_sources(&borrowed).unwrap();
            let openapi = kdocs_codegen::openapi::to_json(&spec);
            let first = kdocs_codegen::openapi::to_json(&kdocs_codegen::check_dir(&dir).unwrap());
            assert!(openapi == first, "OpenAPI export differs in round {round}");
        }
    }
}

#[test]
fn short_fuzz_run_finds_no_panic() {
    let corpus = read_spec_files(&workspace_dir().join("api-spec"));
    let report = kdocs_codegen::fuzz::run(&corpus, 600, 0x5eed);
    assert_eq!(report.cases, 600);
    assert!(
        report.failures.is_empty(),
        "{} panics, first: {:?}",
        report.failures.len(),
        report.failures.first()
    );
}

// ---- the fixture's generated client, called against a local server -------------

#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    headers: BTreeMap<String, String>,
}

type Log = Arc<Mutex<Vec<Recorded>>>;

fn decode_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The `data` the fake server answers for each path.
fn answer(method: &str, path: &str) -> serde_json::Value {
    let file = serde_json::json!({
        "id": "f/1",
        "type": "folder",
        "size": 12345678901u64,
        "created_at": -5,
        "tags": ["a", "b"],
        "labels": {"team": "docs"},
        "matrix": [[1, 2], [3]],
        "owner": {"id": 42, "name": "Ann", "email": null},
        "meta": {"mime": "text/plain", "checksum": {"md5": "abc"}},
        "extra": {"anything": [1, true]},
        "download_key": "s3cr3t",
    });
    match (method, path) {
        ("GET", "/api/v1/files/f%2F1") => {
            serde_json::json!({"code": 0, "message": "ok", "data": file})
        }
        ("POST", "/api/v1/folders/7/files") => {
            serde_json::json!({"code": 0, "data": {"file": file, "position": null}})
        }
        ("GET", "/api/v2/files/f1/members") => serde_json::json!({"code": 0, "data": {
            "ann": {"owner": {"id": 1, "name": "Ann"}, "role": "admin"},
            "bob": {"owner": {"id": 2, "name": "Bob"}, "role": "owner"},
        }}),
        _ => serde_json::json!({"code": 40401, "message": "FileNotFound", "hint": "no such file"}),
    }
}

async fn start_server() -> (SocketAddr, Log) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let server_log = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = server_log.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            let method = request.method().to_string();
                            let path = request.uri().path().to_owned();
                            let query = decode_query(request.uri().query().unwrap_or(""));
                            let headers = request
                                .headers()
                                .iter()
                                .map(|(k, v)| {
                                    (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                                })
                                .collect();
                            let bytes = request.into_body().collect().await.unwrap().to_bytes();
                            let body = (!bytes.is_empty())
                                .then(|| serde_json::from_slice(&bytes).unwrap());
                            let reply = answer(&method, &path);
                            log.lock().unwrap().push(Recorded {
                                method,
                                path,
                                query,
                                body,
                                headers,
                            });
                            let response = hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(reply.to_string())))
                                .unwrap();
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    (addr, log)
}

fn fixture_client(addr: SocketAddr) -> fixture_api::Client {
    let runtime = kdocs_client::runtime::Client::new(
        kdocs_client::Credentials::new("fixture-app", "fixture-key"),
        kdocs_client::Config::new().with_base_url(format!("http://{addr}")),
    )
    .unwrap();
    fixture_api::Client::new(runtime)
}

#[tokio::test]
async fn fixture_client_sends_typed_requests_and_decodes_typed_responses() {
    use fixture_api::{CreateFileOptions, CreateFileRequest, FileKind, GetFileRequest};

    let (addr, log) = start_server().await;
    let client = fixture_client(addr);

    // GET with one argument in both path and query, a sensitive query value,
    // an enum query value and optional scalars.
    let file = client
        .get_file(
            GetFileRequest::new("f/1", "tok-123")
                .with_kind(FileKind::ReadOnly)
                .with_limit(5)
                .with_verbose(true),
        )
        .await
        .unwrap();
    // An enum value the spec does not know is kept.
    assert_eq!(file.r#type, FileKind::Unknown("folder".into()));
    assert_eq!(file.r#type.as_str(), "folder");
    // Fields the server left out take the spec's defaults.
    assert_eq!(file.version, 1);
    assert_eq!(file.score, 0.5);
    assert!(!file.starred);
    assert_eq!(file.kind_default, FileKind::Sheet);
    assert_eq!(file.title, "untitled");
    assert_eq!(file.size, 12_345_678_901);
    assert_eq!(file.created_at, -5);
    assert_eq!(file.delta, None);
    assert_eq!(file.tags, ["a", "b"]);
    assert_eq!(file.labels.as_ref().unwrap()["team"], "docs");
    assert_eq!(file.matrix, Some(vec![vec![1, 2], vec![3]]));
    assert_eq!(file.owner.id, 42);
    assert_eq!(file.owner.email, None);
    assert_eq!(file.meta.mime, "text/plain");
    assert_eq!(file.meta.checksum.as_ref().unwrap().md5, "abc");
    assert_eq!(file.meta.checksum.as_ref().unwrap().sha1, None);
    assert_eq!(file.extra.as_ref().unwrap()["anything"][1], true);
    let key = file.download_key.as_ref().unwrap();
    assert_eq!(key.expose(), "s3cr3t");
    let debug = format!("{file:?}");
    assert!(
        !debug.contains("s3cr3t"),
        "sensitive value in Debug: {debug}"
    );

    // POST with path, query and a JSON body including an enum and an inline object.
    let created = client
        .create_file(
            CreateFileRequest::new(7, "report.docx", FileKind::Doc)
                .with_dry_run(true)
                .with_tags(vec!["x".into()])
                .with_secret_note("hush")
                .with_options(CreateFileOptions::new(true)),
        )
        .await
        .unwrap();
    assert_eq!(created.position, None);
    assert_eq!(created.file.id, "f/1");

    // A response map of structs with an unknown enum value.
    let members = client
        .list_members_v2(
            fixture_api::ListMembersV2Request::new("f1").with_role(fixture_api::Role::Admin),
        )
        .await
        .unwrap();
    assert_eq!(members["ann"].role, fixture_api::Role::Admin);
    assert_eq!(
        members["bob"].role,
        fixture_api::Role::Unknown("owner".into())
    );

    // An error envelope maps onto the spec's error table.
    let error = client
        .delete_file(fixture_api::DeleteFileRequest::new("missing"))
        .await
        .unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.code, 40401);
    let code = fixture_api::ErrorCode::from_code(api.code);
    assert_eq!(code, fixture_api::ErrorCode::FileNotFound);
    assert_eq!(code.name(), Some("FileNotFound"));
    assert_eq!(
        code.category(),
        Some(kdocs_client::runtime::ErrorCategory::NotFound)
    );
    assert!(fixture_api::ErrorCode::from_code(42901).is_retryable());
    assert_eq!(
        fixture_api::ErrorCode::from_code(7),
        fixture_api::ErrorCode::Unknown(7)
    );

    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 4);
    let get = &log[0];
    assert_eq!(get.method, "GET");
    assert_eq!(get.path, "/api/v1/files/f%2F1");
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        get.query,
        pairs(&[
            ("file_id", "f/1"),
            ("access_token", "tok-123"),
            ("kind", "read-only"),
            ("limit", "5"),
            ("verbose", "true"),
        ])
    );
    assert_eq!(get.body, None);
    assert!(get.headers["authorization"].starts_with("WPS-2:fixture-app:"));

    let post = &log[1];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/api/v1/folders/7/files");
    assert_eq!(post.query, pairs(&[("dry_run", "true")]));
    assert_eq!(
        post.body,
        Some(serde_json::json!({
            "name": "report.docx",
            "type": "doc",
            "tags": ["x"],
            "secret_note": "hush",
            "options": {"overwrite": true},
        }))
    );
    assert_eq!(log[2].query, pairs(&[("role", "admin")]));
    assert_eq!(log[3].method, "DELETE");
    assert_eq!(log[3].path, "/api/v1/files/missing");
}

#[test]
fn fixture_enums_and_defaults_round_trip() {
    use fixture_api::FileKind;
    assert_eq!(FileKind::from("v2.beta"), FileKind::V2Beta);
    assert_eq!(String::from(FileKind::ReadOnly), "read-only");
    let json = serde_json::to_string(&FileKind::Unknown("new".into())).unwrap();
    assert_eq!(json, "\"new\"");
    let owner: fixture_api::Owner = serde_json::from_str(r#"{"id": 1, "name": "x"}"#).unwrap();
    assert_eq!(owner.email, None);
}

/// Tolerant decoding of generated response types: an optional field absent
/// or `null` is `None`, a field with a `default` absent or `null` is the
/// default, and fields the spec does not know are ignored at every level.
#[test]
#[allow(deprecated)]
fn optional_fields_take_absent_or_null_and_unknown_fields_are_ignored() {
    use fixture_api::{FileInfo, FileKind};
    let required = serde_json::json!({
        "id": "f1",
        "type": "doc",
        "size": 1,
        "created_at": 2,
        "tags": [],
        "owner": {"id": 1, "name": "Ann"},
        "meta": {"mime": "text/plain"},
    });
    let optional = [
        "version",
        "delta",
        "score",
        "starred",
        "kind_default",
        "title",
        "labels",
        "matrix",
        "owners_by_role",
        "extra",
        "legacy",
        "old_name",
        "download_key",
    ];
    let mut all_null = required.clone();
    for name in optional {
        all_null[name] = serde_json::Value::Null;
    }
    all_null["owner"]["email"] = serde_json::Value::Null;
    all_null["meta"]["checksum"] = serde_json::Value::Null;
    let mut with_unknown = required.clone();
    with_unknown["not_in_the_spec"] = serde_json::json!({"a": [1, null]});
    with_unknown["owner"]["nickname"] = serde_json::json!("A");
    with_unknown["meta"]["checksum"] = serde_json::json!({"md5": "m", "crc32": 5});
    for (case, json) in [
        ("absent", required),
        ("null", all_null),
        ("unknown fields", with_unknown),
    ] {
        let file: FileInfo = serde_json::from_value(json).unwrap_or_else(|e| panic!("{case}: {e}"));
        // Defaults, whether the field was absent or null.
        assert_eq!(file.version, 1, "{case}");
        assert_eq!(file.score, 0.5, "{case}");
        assert!(!file.starred, "{case}");
        assert_eq!(file.kind_default, FileKind::Sheet, "{case}");
        assert_eq!(file.title, "untitled", "{case}");
        // Options, `None` whether absent or null.
        assert_eq!(file.delta, None, "{case}");
        assert_eq!(file.labels, None, "{case}");
        assert_eq!(file.matrix, None, "{case}");
        assert_eq!(file.owners_by_role, None, "{case}");
        assert_eq!(file.extra, None, "{case}");
        assert_eq!(file.legacy, None, "{case}");
        assert_eq!(file.old_name, None, "{case}");
        assert!(file.download_key.is_none(), "{case}");
        assert_eq!(file.owner.email, None, "{case}");
    }
    // A required field is still required, and `null` is not a value for it.
    let err = serde_json::from_value::<FileInfo>(serde_json::json!({"id": "f1"})).unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");
    let err = serde_json::from_value::<fixture_api::Owner>(
        serde_json::json!({"id": null, "name": "Ann"}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("null"), "{err}");
}

#[test]
#[allow(deprecated)]
fn deprecated_items_still_work() {
    let request = fixture_api::ListMembersRequest::new("f1");
    assert!(format!("{request:?}").contains("f1"));
    let legacy = fixture_api::LegacyInfo::new("n");
    assert_eq!(legacy.note, "n");
}

/// Every family of `api-spec/` is a cargo feature of `kdocs-client`, on by
/// default and turned on by `fake` (which serves the whole API), and every
/// family feature names a family of the spec.
#[test]
fn every_family_is_a_default_cargo_feature() {
    let spec = kdocs_codegen::check_dir(&workspace_dir().join("api-spec"))
        .unwrap_or_else(|d| panic!("{d}"));
    let manifest = std::fs::read_to_string(workspace_dir().join("client/Cargo.toml")).unwrap();
    let features = &manifest[manifest.find("[features]").unwrap()..];
    let features = &features[..features[1..].find("\n[").map_or(features.len(), |i| i + 1)];
    // `name = [ … ]`, possibly over several lines.
    let mut table: Vec<(String, String)> = Vec::new();
    for line in features.lines().skip(1) {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match trimmed.split_once(" = ") {
            Some((name, rest)) if !line.starts_with(' ') => {
                table.push((name.to_owned(), rest.to_owned()))
            }
            _ => {
                if let Some(last) = table.last_mut() {
                    last.1.push_str(trimmed);
                }
            }
        }
    }
    let value = |name: &str| {
        table
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no feature `{name}` in client/Cargo.toml"))
    };
    let families = spec.families();
    assert_eq!(families.len(), 16, "{families:?}");
    for family in &families {
        assert_eq!(value(family), "[]", "feature `{family}`");
        assert!(
            value("default").contains(&format!("\"{family}\"")),
            "{family} not default"
        );
        assert!(
            value("fake").contains(&format!("\"{family}\"")),
            "fake lacks {family}"
        );
    }
    for (name, members) in &table {
        // `cli` is the one empty feature that only adds generated code.
        if members == "[]" && name != "cli" {
            assert!(
                families.contains(&name.as_str()),
                "feature `{name}` is no family"
            );
        }
    }
}
