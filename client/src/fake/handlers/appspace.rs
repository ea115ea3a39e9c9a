//! App-space documents: edit URLs, download URLs, and the documents' life:
//! create, upload, info, versions, version downloads, move, permanent delete.

use std::sync::Arc;
use std::time::SystemTime;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::super::clock::unix_secs;
use super::super::errors::{FakeCode, FakeError};
use super::super::server::EXCHANGE_TOKEN_TTL;
use super::super::state::{random_alphanumeric, random_lowercase, ExchangeToken, FileEntry};
use super::super::wire::Call;
use super::file_not_found;
use crate::{
    CreateAppspaceFileRequest, DestroyAppspaceFileRequest, DestroyAppspaceFileResponse,
    GetAppspaceFileInfoRequest, GetAppspaceFileVersionRequest,
    GetAppspaceVersionDownloadUrlRequest, GetDownloadUrlRequest, GetDownloadUrlResponse,
    GetEditUrlWithTokenRequest, GetEditUrlWithTokenResponse, ListAppspaceFileVersionsRequest,
    MoveAppspaceFilesRequest, Secret, Token, UploadAppspaceFileRequest,
};

/// Characters kept as-is in a URL path segment or query value we build.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(super) fn get_edit_url_with_token(
    call: &Call<'_>,
    request: GetEditUrlWithTokenRequest,
) -> Result<GetEditUrlWithTokenResponse, FakeError> {
    let shared = call.shared;
    let file_token = request.file_token();
    // The access token was checked by the server (the route's auth).
    let mut st = shared.lock();
    if !st.files.contains_key(file_token) {
        return Err(file_not_found(file_token));
    }
    let value = format!("ExchangeToken-{}", random_lowercase(48));
    let expire_at = call.now() + EXCHANGE_TOKEN_TTL;
    st.exchange_tokens.insert(
        value.clone(),
        ExchangeToken {
            file_token: file_token.to_owned(),
            app_id: call.app_id().to_owned(),
            expire_at,
        },
    );
    let url = format!(
        "{}/office/s/{}?_w_appid={}",
        shared.base_url,
        utf8_percent_encode(file_token, SEGMENT),
        utf8_percent_encode(call.app_id(), SEGMENT)
    );
    Ok(GetEditUrlWithTokenResponse {
        url,
        token: Token {
            value: Secret::new(value),
            expire_at: unix_secs(expire_at) as i64,
        },
    })
}

pub(super) fn get_download_url(
    call: &Call<'_>,
    request: GetDownloadUrlRequest,
) -> Result<GetDownloadUrlResponse, FakeError> {
    let shared = call.shared;
    let file_token = request.file_token();
    let mut st = shared.lock();
    let Some(entry) = st.files.get(file_token).cloned() else {
        return Err(file_not_found(file_token));
    };
    let id = random_alphanumeric(32);
    st.downloads.insert(id.clone(), entry.clone());
    let checksums = [
        ("md5".to_owned(), serde_json::Value::from(entry.md5.clone())),
        (
            "sha1".to_owned(),
            serde_json::Value::from(entry.sha1.clone()),
        ),
    ];
    Ok(GetDownloadUrlResponse {
        download_url: Secret::new(format!("{}/fake/download/{id}", shared.base_url)),
        checksums: Some(checksums.into_iter().collect()),
        sys_metadata: Some(serde_json::json!({
            "size": entry.content.len(),
            "file_name": entry.name,
        })),
    })
}

// ---------------------------------------------------------------------------
// Documents: create, upload, info, versions, version downloads, move, delete.
//
// The pages show none of these answers' fields (`any`): the field names the
// fake answers with (`file_token`, `filename`, `size`, `version`, `versions`,
// `download_url`, `task_id`, …) are the fake's own, so that a test can follow
// what it created. The client's API does not depend on them.

/// File types the create page lists (文档类型说明).
const CREATABLE: &[&str] = &[
    ".ksheet", ".dbt", ".otl", ".pptx", ".ppt", ".docx", ".doc", ".xlsx", ".xls",
];

/// The folder a new document goes to: `parent_token` (which must exist) or
/// `parent_path` (created where missing), not both; `None` is the root.
fn target_folder(
    st: &mut super::super::state::State,
    parent_token: Option<&str>,
    parent_path: Option<&Vec<String>>,
) -> Result<Option<String>, FakeError> {
    match (parent_token, parent_path) {
        (Some(_), Some(_)) => Err(FakeError::invalid_argument(
            "parent_token and parent_path conflict: give one",
        )),
        (Some(token), None) => {
            if st.appspace.folders.contains_key(token) {
                Ok(Some(token.to_owned()))
            } else {
                Err(file_not_found(token))
            }
        }
        (None, Some(path)) => Ok(st.appspace.folder_at(path)),
        (None, None) => Ok(None),
    }
}

/// Stores a new document and answers its description.
fn store(
    call: &Call<'_>,
    filename: &str,
    content: bytes::Bytes,
    parent_token: Option<&str>,
    parent_path: Option<&Vec<String>>,
    creator: Option<&str>,
) -> Result<serde_json::Value, FakeError> {
    let mut st = call.shared.lock();
    let parent = target_folder(&mut st, parent_token, parent_path)?;
    let entry = Arc::new(FileEntry::new(filename, content));
    let token = random_alphanumeric(23);
    st.files.insert(token.clone(), entry.clone());
    st.appspace.add(
        &token,
        entry,
        parent,
        creator.map(str::to_owned),
        call.now(),
    );
    Ok(describe(&st, &token).unwrap_or_default())
}

/// The fake's description of a document at its current version.
fn describe(st: &super::super::state::State, token: &str) -> Option<serde_json::Value> {
    let document = st.appspace.documents.get(token)?;
    let version = document.versions.len();
    let (entry, modified) = document.versions.last()?;
    Some(serde_json::json!({
        "file_token": token,
        "filename": entry.name,
        "size": entry.content.len(),
        "version": version,
        "md5": entry.md5,
        "parent_token": document.parent,
        "creator": document.creator,
        "ctime": unix_secs(document.created_at),
        "mtime": unix_secs(*modified),
    }))
}

pub(super) fn create_appspace_file(
    call: &Call<'_>,
    request: CreateAppspaceFileRequest,
) -> Result<serde_json::Value, FakeError> {
    let filename = request.filename();
    if !CREATABLE.iter().any(|ext| filename.ends_with(ext)) {
        return Err(FakeError::invalid_argument(format!(
            "filename {filename:?} needs one of the page's extensions: {}",
            CREATABLE.join(" ")
        )));
    }
    store(
        call,
        filename,
        bytes::Bytes::new(),
        request.parent_token(),
        request.parent_path(),
        request.creator(),
    )
}

pub(super) fn upload_appspace_file(
    call: &Call<'_>,
    request: UploadAppspaceFileRequest,
) -> Result<serde_json::Value, FakeError> {
    let file = request.file();
    if file.filename().is_empty() {
        return Err(FakeError::invalid_argument(
            "the file part has no file name",
        ));
    }
    let content = file.bytes().cloned().unwrap_or_default();
    store(
        call,
        file.filename(),
        content,
        request.parent_token(),
        request.parent_path(),
        request.creator(),
    )
}

pub(super) fn get_appspace_file_info(
    call: &Call<'_>,
    request: GetAppspaceFileInfoRequest,
) -> Result<serde_json::Value, FakeError> {
    let st = call.shared.lock();
    describe(&st, request.file_token()).ok_or_else(|| file_not_found(request.file_token()))
}

/// Version `n` (1-based) of a document.
fn version_of(
    st: &super::super::state::State,
    token: &str,
    version: i64,
) -> Result<(Arc<FileEntry>, SystemTime), FakeError> {
    let document = st
        .appspace
        .documents
        .get(token)
        .ok_or_else(|| file_not_found(token))?;
    usize::try_from(version)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| document.versions.get(i))
        .cloned()
        .ok_or_else(|| {
            FakeError::fake(
                FakeCode::FileNotFound,
                format!("document {token:?} has no version {version}"),
            )
        })
}

fn describe_version(version: i64, entry: &FileEntry, at: SystemTime) -> serde_json::Value {
    serde_json::json!({
        "version": version,
        "filename": entry.name,
        "size": entry.content.len(),
        "md5": entry.md5,
        "mtime": unix_secs(at),
    })
}

pub(super) fn list_appspace_file_versions(
    call: &Call<'_>,
    request: ListAppspaceFileVersionsRequest,
) -> Result<serde_json::Value, FakeError> {
    let st = call.shared.lock();
    let token = request.file_token();
    let document = st
        .appspace
        .documents
        .get(token)
        .ok_or_else(|| file_not_found(token))?;
    // Newest first: offset 0 is the newest version.
    let offset = usize::try_from(request.offset().unwrap_or(0)).unwrap_or(0);
    let count = usize::try_from(request.count().unwrap_or(10)).unwrap_or(10);
    let versions: Vec<serde_json::Value> = document
        .versions
        .iter()
        .enumerate()
        .rev()
        .skip(offset)
        .take(count)
        .map(|(i, (entry, at))| describe_version(i as i64 + 1, entry, *at))
        .collect();
    Ok(serde_json::json!({ "versions": versions }))
}

pub(super) fn get_appspace_file_version(
    call: &Call<'_>,
    request: GetAppspaceFileVersionRequest,
) -> Result<serde_json::Value, FakeError> {
    let st = call.shared.lock();
    let (entry, at) = version_of(&st, request.file_token(), request.version())?;
    Ok(describe_version(request.version(), &entry, at))
}

pub(super) fn get_appspace_version_download_url(
    call: &Call<'_>,
    request: GetAppspaceVersionDownloadUrlRequest,
) -> Result<serde_json::Value, FakeError> {
    let mut st = call.shared.lock();
    let (entry, _) = version_of(&st, request.file_token(), request.version())?;
    let id = random_alphanumeric(32);
    st.downloads.insert(id.clone(), entry.clone());
    Ok(serde_json::json!({
        "download_url": format!("{}/fake/download/{id}", call.shared.base_url),
        "checksums": { "md5": entry.md5, "sha1": entry.sha1 },
    }))
}

pub(super) fn destroy_appspace_file(
    call: &Call<'_>,
    request: DestroyAppspaceFileRequest,
) -> Result<DestroyAppspaceFileResponse, FakeError> {
    let mut st = call.shared.lock();
    let token = request.file_token();
    if st.appspace.documents.remove(token).is_none() {
        return Err(file_not_found(token));
    }
    st.files.remove(token);
    Ok(DestroyAppspaceFileResponse {})
}

pub(super) fn move_appspace_files(
    call: &Call<'_>,
    request: MoveAppspaceFilesRequest,
) -> Result<serde_json::Value, FakeError> {
    let mut st = call.shared.lock();
    let target = request.parent_token();
    if !st.appspace.folders.contains_key(target) {
        return Err(file_not_found(target));
    }
    let tokens = request.file_tokens();
    let mut from: Option<Option<String>> = None;
    for token in tokens {
        let document = st
            .appspace
            .documents
            .get(token)
            .ok_or_else(|| file_not_found(token))?;
        match &from {
            None => from = Some(document.parent.clone()),
            Some(parent) if *parent != document.parent => {
                return Err(FakeError::invalid_argument(
                    "file_tokens must all be in the same folder",
                ))
            }
            Some(_) => {}
        }
    }
    if from.as_ref().is_some_and(|p| p.as_deref() == Some(target)) {
        return Err(FakeError::invalid_argument(
            "parent_token must differ from the documents' current folder",
        ));
    }
    for token in tokens {
        if let Some(document) = st.appspace.documents.get_mut(token) {
            document.parent = Some(target.to_owned());
        }
    }
    // The move runs at once here: an empty task_id, as the page describes.
    Ok(serde_json::json!({ "task_id": "" }))
}

/// Registers this family's stateful handlers.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<crate::GetEditUrlWithTokenRequest, _>(get_edit_url_with_token)
        .on::<crate::GetDownloadUrlRequest, _>(get_download_url)
        .on::<crate::CreateAppspaceFileRequest, _>(create_appspace_file)
        .on::<crate::UploadAppspaceFileRequest, _>(upload_appspace_file)
        .on::<crate::GetAppspaceFileInfoRequest, _>(get_appspace_file_info)
        .on::<crate::ListAppspaceFileVersionsRequest, _>(list_appspace_file_versions)
        .on::<crate::GetAppspaceFileVersionRequest, _>(get_appspace_file_version)
        .on::<crate::GetAppspaceVersionDownloadUrlRequest, _>(get_appspace_version_download_url)
        .on::<crate::DestroyAppspaceFileRequest, _>(destroy_appspace_file)
        .on::<crate::MoveAppspaceFilesRequest, _>(move_appspace_files)
}
