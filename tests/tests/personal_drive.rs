//! The personal drive the stateful fake keeps for each user, through the
//! generated `kdocs_client` methods: create, upload, the paged lists walked
//! to their end, rename, move, copy, recycle bin, recover, download and edit
//! URLs, sorting and placement, what the fake refuses, and one drive per
//! user.

use kdocs_client::ErrorCodeExt;
use std::collections::BTreeMap;

use kdocs_client as k;
use kdocs_client::fake::FakeCode;
use kdocs_client::runtime::FilePart;
use kdocs_client::ErrorCode;
use kdocs_tests::fake_env::{assert_token_refused, refused, start, Env, BAD_TOKEN};
use serde_json::{json, Value};

/// An answer as JSON: the typed fields and those kept in `others` (the
/// fake's own `fname`, `parent_id`, …).
fn json_of<T: serde::Serialize>(answer: &T) -> Value {
    serde_json::to_value(answer).unwrap()
}

/// A file's `id.open_id` (the field public code reads as its file token),
/// in a typed answer or in the fake's JSON of a list.
fn id_of<T: serde::Serialize>(file: &T) -> String {
    let file = json_of(file);
    file["id"]["open_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id.open_id in {file}"))
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

/// The bytes of `file`, through the verified personal download (its size
/// and sha1 come with the URL, as public code reads them), and again from
/// the answer itself.
async fn download_bytes(env: &Env, token: &str, file: &str) -> Vec<u8> {
    let answer = env
        .client
        .get_personal_download_url(k::GetPersonalDownloadUrlRequest::new(file, token))
        .await
        .unwrap();
    let sha1 = answer.checksums.as_ref().and_then(|c| c.sha1.clone());
    // The answer prints as its JSON, the temporary URL (a secret) hidden.
    let shown = answer.to_string();
    assert!(shown.contains(r#""url":"***""#), "{shown}");
    assert!(!shown.contains("/fake/download/"), "{shown}");
    let (bytes, report) = env
        .client
        .download_personal(file, token)
        .require_checksum(true)
        .to_bytes()
        .await
        .unwrap();
    assert!(report.is_verified());
    assert_eq!(Some(report.sha1.clone()), sha1);
    assert_eq!(answer.fsize, Some(bytes.len() as u64));
    let (again, _) = env
        .client
        .download_personal_from(answer)
        .to_bytes()
        .await
        .unwrap();
    assert_eq!(again, bytes);
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
    let docs_folder = docs[0].others["parent_id"].as_str().unwrap().to_owned();
    let sub = inner.others["parent_id"].as_str().unwrap().to_owned();
    assert!(docs
        .iter()
        .all(|d| d.others["parent_id"] == docs_folder.as_str()));

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
        .unwrap()
        .url
        .unwrap()
        .expose_str()
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
    assert_eq!(recent[0].fname.as_deref(), Some("a5-copy.txt"));
    assert_eq!(recent[0].ftype.as_deref(), Some("file"));
    assert!(recent[0]
        .id
        .as_ref()
        .and_then(|id| id.open_id.as_ref())
        .is_some());

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

/// One user's files through every personal operation, with the other user
/// and an unknown token refused at the end.
#[tokio::test]
async fn a_users_drive_through_every_personal_operation() {
    let env = start().await;
    personal(&env).await;
    env.fake.shutdown().await;
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
    let reports = id_of(&app.others["files"][0]);
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
