//! Personal files (我的文档): one drive per user (the access token's), with
//! folders, a recycle bin, download and edit URLs.
//!
//! The pages name no field of these answers but the lists' `next_offset` and
//! `next_filter` and, in prose, the `task_id` and `file_ids` of move and copy;
//! public code reads a file's `id.open_id`, `fname`, `ftype` and `mtime`, a
//! download's `url`, `fsize` and `checksums.sha1`. Every other field name here
//! is the fake's own (see "Personal files" in the fake's module docs).

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};

use super::super::clock::unix_secs;
use super::super::errors::FakeError;
use super::super::server::EXCHANGE_TOKEN_TTL;
use super::super::state::{
    bad_enum, random_alphanumeric, random_lowercase, Drive, ExchangeToken, FileEntry,
};
use super::super::wire::Call;
use super::{file_not_found, typed};
use crate::{
    CopyPersonalFilesRequest, CreatePersonalFileFromUrlRequest, CreatePersonalFileRequest,
    CreatePersonalFileResponse, GetPersonalDownloadUrlRequest, GetPersonalDownloadUrlResponse,
    GetPersonalEditUrlWithTokenRequest, ListPersonalAppFilesRequest, ListPersonalAppFilesResponse,
    ListPersonalFilesFlatRequest, ListPersonalFilesFlatResponse, ListPersonalFilesRequest,
    ListPersonalFilesResponse, ListPersonalRecentFilesRequest, ListPersonalRecentFilesResponse,
    ListPersonalRecycleBinRequest, MovePersonalFilesRequest, RecoverPersonalFilesRequest,
    RenamePersonalFileRequest, TrashPersonalFileRequest, UploadPersonalFileRequest,
    UploadPersonalFileResponse,
};

/// Extensions create_personal_file makes blank documents of (the page's 类型说明).
const CREATABLE: &[&str] = &[
    "ksheet", "dbt", "otl", "pptx", "ppt", "docx", "doc", "xlsx", "xls",
];
/// The most files one move or copy takes (the pages: 单次请求不能超过 100 个).
const MAX_BATCH: usize = 100;

/// Refuses a `filter` that is not one of `allowed`.
fn check_filter(filter: Option<&str>, allowed: &[&str]) -> Result<(), FakeError> {
    match filter {
        Some(f) if !allowed.contains(&f) => Err(bad_enum("filter", f, &allowed.join(", "))),
        _ => Ok(()),
    }
}

/// Runs `f` on the drive of the call's user (created on first use).
fn with_drive<T>(
    call: &Call<'_>,
    f: impl FnOnce(&mut Drive, u64) -> Result<T, FakeError>,
) -> Result<T, FakeError> {
    let user = call
        .user_id()
        .ok_or_else(|| FakeError::internal("personal files need the access token's user"))?;
    let now = unix_secs(call.now());
    let mut st = call.shared.lock();
    let drive = st
        .personal
        .entry(user.to_owned())
        .or_insert_with(|| Drive::new(now));
    f(drive, now)
}

/// A list answer: the page's items under `files`, and the paging fields.
fn list_answer(items: Vec<Value>) -> std::collections::BTreeMap<String, Value> {
    [("files".to_owned(), Value::Array(items))]
        .into_iter()
        .collect()
}

pub(super) fn list_personal_files(
    call: &Call<'_>,
    request: ListPersonalFilesRequest,
) -> Result<ListPersonalFilesResponse, FakeError> {
    check_filter(request.filter(), &["folder", "file"])?;
    with_drive(call, |drive, _| {
        let folder = request
            .parent_id()
            .map_or_else(|| drive.root.clone(), str::to_owned);
        drive.folder(&folder)?;
        let mut ids = drive.children(&folder);
        drive.sort(&mut ids, request.order_by(), request.order())?;
        let (items, next_offset, next_filter) =
            drive.page(&ids, request.offset(), request.count())?;
        Ok(ListPersonalFilesResponse {
            next_offset: Some(next_offset),
            next_filter,
            others: list_answer(items),
        })
    })
}

pub(super) fn list_personal_files_flat(
    call: &Call<'_>,
    request: ListPersonalFilesFlatRequest,
) -> Result<ListPersonalFilesFlatResponse, FakeError> {
    let kinds = ["group", "folder", "file"];
    check_filter(request.filter(), &kinds)?;
    let ignore = request.ignore().cloned().unwrap_or_default();
    if let Some(bad) = ignore.iter().find(|k| !kinds.contains(&k.as_str())) {
        return Err(bad_enum("ignore", bad, "group, folder, file"));
    }
    let exts: Vec<String> = request
        .exts()
        .into_iter()
        .flatten()
        .map(|e| e.trim_start_matches('.').to_lowercase())
        .collect();
    with_drive(call, |drive, _| {
        let mut ids: Vec<String> = drive
            .entries
            .iter()
            .filter(|(id, e)| {
                let kind = if e.folder { "folder" } else { "file" };
                let ext = e.name.rsplit_once('.').map(|(_, x)| x.to_lowercase());
                **id != drive.root
                    && drive.is_live(id)
                    && !ignore.iter().any(|k| k == kind)
                    && (exts.is_empty() || (!e.folder && ext.is_some_and(|x| exts.contains(&x))))
            })
            .map(|(id, _)| id.clone())
            .collect();
        drive.sort(&mut ids, request.order_by(), request.order())?;
        let (items, next_offset, next_filter) =
            drive.page(&ids, request.offset(), request.count())?;
        Ok(ListPersonalFilesFlatResponse {
            next_offset: Some(next_offset),
            next_filter,
            others: list_answer(items),
        })
    })
}

pub(super) fn list_personal_app_files(
    call: &Call<'_>,
    request: ListPersonalAppFilesRequest,
) -> Result<ListPersonalAppFilesResponse, FakeError> {
    check_filter(request.filter(), &["folder", "file"])?;
    with_drive(call, |drive, _| {
        let app_folder = drive.app_folder(call.app_id());
        let folder = match (request.parent_id(), &app_folder) {
            (Some(id), Some(app)) if drive.within(id, app) => Some(id.to_owned()),
            (Some(id), _) => {
                drive.folder(id)?;
                return Err(FakeError::invalid_argument(format!(
                    "parent_id {id:?} is not inside the app folder /我的文档/应用/{}",
                    call.app_id()
                )));
            }
            (None, app) => app.clone(),
        };
        let mut ids = Vec::new();
        if let Some(folder) = folder {
            drive.folder(&folder)?;
            ids = drive.children(&folder);
        }
        drive.sort(&mut ids, request.order_by(), request.order())?;
        let (items, next_offset, next_filter) =
            drive.page(&ids, request.offset(), request.count())?;
        Ok(ListPersonalAppFilesResponse {
            next_offset: Some(next_offset),
            next_filter,
            others: list_answer(items),
        })
    })
}

pub(super) fn list_personal_recent_files(
    call: &Call<'_>,
    request: ListPersonalRecentFilesRequest,
) -> Result<ListPersonalRecentFilesResponse, FakeError> {
    with_drive(call, |drive, _| {
        let mut ids: Vec<String> = drive
            .entries
            .iter()
            .filter(|(id, e)| !e.folder && drive.is_live(id))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort_by_key(|id| std::cmp::Reverse((drive.entries[id].mtime, drive.entries[id].seq)));
        let (files, _, _) = drive.page(&ids, request.offset(), request.count())?;
        typed(json!({ "files": files }))
    })
}

/// Where a new file goes: a folder by id, or by path from the root or from
/// the app's folder (the three creating endpoints take the same parameters).
struct Placement<'a> {
    parent_id: Option<&'a str>,
    parent_path: Option<&'a Vec<String>>,
    from_root: bool,
}

/// The [`Placement`] a creating request asks for (the three request types
/// have the same three accessors).
macro_rules! placement_of {
    ($request:expr) => {
        Placement {
            parent_id: $request.parent_id(),
            parent_path: $request.parent_path(),
            from_root: $request.path_from_root().unwrap_or(false),
        }
    };
}

/// Adds the file `name` with `content` where `placement` says, and answers
/// with its entry.
fn add_file(
    call: &Call<'_>,
    placement: Placement<'_>,
    name: &str,
    content: Bytes,
) -> Result<Value, FakeError> {
    with_drive(call, |drive, now| {
        let parent = drive.place(
            call.app_id(),
            placement.parent_id,
            placement.parent_path,
            placement.from_root,
            now,
        )?;
        let id = drive.add(name, Some(&parent), false, content, now);
        Ok(drive.json(&id))
    })
}

pub(super) fn create_personal_file(
    call: &Call<'_>,
    request: CreatePersonalFileRequest,
) -> Result<CreatePersonalFileResponse, FakeError> {
    let name = request
        .filename()
        .ok_or_else(|| FakeError::invalid_argument("body parameter `filename` is required"))?;
    let ext = name.rsplit_once('.').map(|(_, x)| x.to_lowercase());
    if !ext.is_some_and(|x| CREATABLE.contains(&x.as_str())) {
        return Err(FakeError::invalid_argument(format!(
            "filename {name:?} has no extension of a blank document ({})",
            CREATABLE.join(", ")
        )));
    }
    add_file(call, placement_of!(request), name, Bytes::new()).and_then(typed)
}

pub(super) fn upload_personal_file(
    call: &Call<'_>,
    request: UploadPersonalFileRequest,
) -> Result<UploadPersonalFileResponse, FakeError> {
    let file = request.file();
    if file.filename().is_empty() {
        return Err(FakeError::invalid_argument(
            "multipart part `file` has no file name",
        ));
    }
    let content = file
        .bytes()
        .cloned()
        .ok_or_else(|| FakeError::internal("the uploaded file was not read into memory"))?;
    add_file(call, placement_of!(request), file.filename(), content).and_then(typed)
}

pub(super) fn create_personal_file_from_url(
    call: &Call<'_>,
    request: CreatePersonalFileFromUrlRequest,
) -> Result<Value, FakeError> {
    let prefix = format!("{}/fake/download/", call.base_url());
    let Some(download) = request.url().strip_prefix(&prefix) else {
        return Err(FakeError::invalid_argument(format!(
            "the fake only fetches its own download URLs ({prefix}…)"
        )));
    };
    let content = match call.shared.lock().downloads.get(download) {
        Some(entry) => entry.content.to_bytes(),
        None => return Err(file_not_found(download)),
    };
    add_file(call, placement_of!(request), request.filename(), content)
}

pub(super) fn rename_personal_file(
    call: &Call<'_>,
    request: RenamePersonalFileRequest,
) -> Result<Value, FakeError> {
    with_drive(call, |drive, now| {
        let id = request.file_token();
        drive.item(id)?;
        let entry = drive.entries.get_mut(id).expect("checked above");
        entry.name = request.new_name().to_owned();
        entry.mtime = now;
        Ok(drive.json(id))
    })
}

pub(super) fn trash_personal_file(
    call: &Call<'_>,
    request: TrashPersonalFileRequest,
) -> Result<Value, FakeError> {
    with_drive(call, |drive, _| {
        let id = request.file_token();
        drive.item(id)?;
        drive.next_seq += 1;
        drive.entries.get_mut(id).expect("checked above").trashed = Some(drive.next_seq);
        Ok(json!({}))
    })
}

/// Refuses an empty batch or one over the pages' limit.
fn check_batch(ids: &[String]) -> Result<(), FakeError> {
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(FakeError::invalid_argument(format!(
            "body parameter `file_ids` must hold 1 to {MAX_BATCH} ids, not {}",
            ids.len()
        )));
    }
    Ok(())
}

pub(super) fn move_personal_files(
    call: &Call<'_>,
    request: MovePersonalFilesRequest,
) -> Result<Value, FakeError> {
    check_batch(request.file_ids())?;
    with_drive(call, |drive, _| {
        let target = request.parent_id();
        drive.folder(target)?;
        let mut from = None;
        for id in request.file_ids() {
            let parent = drive.item(id)?.parent.clone();
            if *from.get_or_insert_with(|| parent.clone()) != parent {
                return Err(FakeError::invalid_argument(
                    "the files to move must all be in one folder",
                ));
            }
            if parent.as_deref() == Some(target) {
                return Err(FakeError::invalid_argument(
                    "parent_id is the folder the files are in already",
                ));
            }
            if drive.within(target, id) {
                return Err(FakeError::invalid_argument(format!(
                    "cannot move folder {id:?} into itself"
                )));
            }
        }
        for id in request.file_ids() {
            drive.entries.get_mut(id).expect("checked above").parent = Some(target.to_owned());
        }
        // The page: an empty task_id means the batch already ran and succeeded.
        Ok(json!({ "task_id": "" }))
    })
}

pub(super) fn copy_personal_files(
    call: &Call<'_>,
    request: CopyPersonalFilesRequest,
) -> Result<Value, FakeError> {
    check_batch(request.file_ids())?;
    with_drive(call, |drive, now| {
        if let Some(target) = request.parent_id() {
            drive.folder(target)?;
        }
        let mut plan = Vec::new();
        for id in request.file_ids() {
            let own = drive.item(id)?.parent.clone().unwrap_or_default();
            let target = request.parent_id().map_or(own, str::to_owned);
            if drive.within(&target, id) {
                return Err(FakeError::invalid_argument(format!(
                    "cannot copy folder {id:?} into itself"
                )));
            }
            plan.push((id, target));
        }
        let copies: Vec<String> = plan
            .into_iter()
            .map(|(id, target)| drive.copy(id, &target, now))
            .collect();
        // The page: with an empty task_id, the new file_ids come at once.
        Ok(json!({ "task_id": "", "file_ids": copies }))
    })
}

pub(super) fn list_personal_recycle_bin(
    call: &Call<'_>,
    request: ListPersonalRecycleBinRequest,
) -> Result<Vec<Value>, FakeError> {
    with_drive(call, |drive, _| {
        let mut ids: Vec<String> = drive
            .entries
            .iter()
            .filter(|(_, e)| e.trashed.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort_by_key(|id| std::cmp::Reverse(drive.entries[id].trashed));
        Ok(drive.page(&ids, request.offset(), request.count())?.0)
    })
}

pub(super) fn recover_personal_files(
    call: &Call<'_>,
    request: RecoverPersonalFilesRequest,
) -> Result<Value, FakeError> {
    with_drive(call, |drive, _| {
        let ids = request.file_tokens();
        if ids.is_empty() {
            return Err(FakeError::invalid_argument(
                "body parameter `file_tokens` is empty",
            ));
        }
        if let Some(id) = ids
            .iter()
            .find(|id| drive.entries.get(*id).is_none_or(|e| e.trashed.is_none()))
        {
            return Err(FakeError::file_not_found(format!(
                "no file {id:?} in the recycle bin"
            )));
        }
        for id in ids {
            // Back into its folder, or into 我的文档 when that folder is gone too.
            let parent = drive.entries[id].parent.clone().unwrap_or_default();
            let parent = if drive.is_live(&parent) {
                parent
            } else {
                drive.root.clone()
            };
            let entry = drive.entries.get_mut(id).expect("checked above");
            entry.trashed = None;
            entry.parent = Some(parent);
        }
        Ok(json!({}))
    })
}

pub(super) fn get_personal_download_url(
    call: &Call<'_>,
    request: GetPersonalDownloadUrlRequest,
) -> Result<GetPersonalDownloadUrlResponse, FakeError> {
    let entry = with_drive(call, |drive, _| {
        let e = drive.file(request.file_token())?;
        Ok(Arc::new(FileEntry::new(&e.name, e.content.clone())))
    })?;
    let id = random_alphanumeric(32);
    call.shared
        .lock()
        .downloads
        .insert(id.clone(), entry.clone());
    // `checksums.md5` is the fake's own, beside the `sha1` public code reads.
    typed(json!({
        "url": format!("{}/fake/download/{id}", call.base_url()),
        "fsize": entry.content.len(),
        "checksums": { "sha1": entry.sha1, "md5": entry.md5 },
    }))
}

pub(super) fn get_personal_edit_url_with_token(
    call: &Call<'_>,
    request: GetPersonalEditUrlWithTokenRequest,
) -> Result<Value, FakeError> {
    let file_token = request.file_token();
    with_drive(call, |drive, _| drive.file(file_token).map(|_| ()))?;
    let value = format!("ExchangeToken-{}", random_lowercase(48));
    let expire_at = call.now() + EXCHANGE_TOKEN_TTL;
    let token = ExchangeToken {
        file_token: file_token.to_owned(),
        app_id: call.app_id().to_owned(),
        expire_at,
    };
    call.shared
        .lock()
        .exchange_tokens
        .insert(value.clone(), token);
    let app_id: String = url::form_urlencoded::byte_serialize(call.app_id().as_bytes()).collect();
    Ok(json!({
        // file_token is one of the drive's ids: letters and digits.
        "url": format!("{}/office/s/{file_token}?_w_appid={app_id}", call.base_url()),
        "token": { "value": value, "expire_at": unix_secs(expire_at) },
    }))
}

/// Registers this family's stateful handlers.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<crate::ListPersonalFilesRequest, _>(list_personal_files)
        .on::<crate::ListPersonalFilesFlatRequest, _>(list_personal_files_flat)
        .on::<crate::ListPersonalAppFilesRequest, _>(list_personal_app_files)
        .on::<crate::GetPersonalDownloadUrlRequest, _>(get_personal_download_url)
        .on::<crate::CreatePersonalFileRequest, _>(create_personal_file)
        .on::<crate::UploadPersonalFileRequest, _>(upload_personal_file)
        .on::<crate::CreatePersonalFileFromUrlRequest, _>(create_personal_file_from_url)
        .on::<crate::RenamePersonalFileRequest, _>(rename_personal_file)
        .on::<crate::TrashPersonalFileRequest, _>(trash_personal_file)
        .on::<crate::MovePersonalFilesRequest, _>(move_personal_files)
        .on::<crate::CopyPersonalFilesRequest, _>(copy_personal_files)
        .on::<crate::ListPersonalRecycleBinRequest, _>(list_personal_recycle_bin)
        .on::<crate::RecoverPersonalFilesRequest, _>(recover_personal_files)
        .on::<crate::GetPersonalEditUrlWithTokenRequest, _>(get_personal_edit_url_with_token)
        .on::<crate::ListPersonalRecentFilesRequest, _>(list_personal_recent_files)
}
