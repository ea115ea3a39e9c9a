//! Extraction and conversion as office tasks, and the task query.
//!
//! extract_plain_text and convert_* start a task and answer its `task_id`
//! (the field public code reads, and another host's copies of the convert
//! pages list); get_office_task answers its state as public code reads it:
//! nothing while it runs (no source shows what kdocs answers meanwhile),
//! then `status` `success` with a `result`, or `failed` with a `message`.
//! The fake fetches only its own download URLs (`/fake/download/…`, from
//! `get_download_url` or `get_personal_download_url`); a task of any other
//! URL fails. It parses no document format: the text of a file is its bytes
//! read as UTF-8. See "Office tasks" in the fake's module docs.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{json, Value};

use super::super::errors::{FakeCode, FakeError};
use super::super::state::{FileEntry, OfficeOutcome};
use super::super::wire::Call;
use super::super::FakeState;
use crate::{
    ConvertToJpgRequest, ConvertToPdfRequest, ConvertToPdfResponse, ConvertToPptxRequest,
    ConvertToTxtRequest, ConvertToTxtResponse, ExtractPlainTextRequest, ExtractPlainTextResponse,
    GetOfficeTaskRequest, GetOfficeTaskResponse, GetOfficeTaskResponseResult, OfficeTaskStatus,
};

/// What a task of `url` gives: the fake's rule for every task when it has
/// one, `found` with the file of one of the fake's download URLs, or a
/// failure saying the fake cannot fetch the URL.
fn outcome(
    call: &Call<'_>,
    url: Option<&str>,
    found: impl FnOnce(Arc<FileEntry>) -> OfficeOutcome,
) -> OfficeOutcome {
    if let Some(message) = &call.shared.office_tasks.failure {
        return OfficeOutcome::Failed(message.clone());
    }
    let prefix = format!("{}/fake/download/", call.base_url());
    let entry = url
        .and_then(|url| url.strip_prefix(&prefix))
        .and_then(|id| call.shared.lock().downloads.get(id).cloned());
    match (entry, url) {
        (Some(entry), _) => found(entry),
        (None, Some(url)) if url.starts_with(&prefix) => {
            OfficeOutcome::Failed(format!("the fake has no download {url:?}"))
        }
        (None, Some(_)) => OfficeOutcome::Failed(format!(
            "the fake fetches only its own download URLs ({prefix}…)"
        )),
        (None, None) => OfficeOutcome::Failed("no `url` to fetch the document from".into()),
    }
}

/// Starts a task with `outcome`, pending for the configured duration.
fn start(call: &Call<'_>, outcome: OfficeOutcome) -> String {
    let ready_at = call.now() + call.shared.office_tasks.duration;
    call.shared.lock().start_office_task(outcome, ready_at)
}

pub(super) fn extract_plain_text(
    call: &Call<'_>,
    request: ExtractPlainTextRequest,
) -> Result<ExtractPlainTextResponse, FakeError> {
    let outcome = outcome(call, request.url(), |entry| OfficeOutcome::Text {
        entry,
        line_feeds: true,
    });
    let mut answer = ExtractPlainTextResponse::new();
    answer.task_id = Some(start(call, outcome));
    Ok(answer)
}

pub(super) fn convert_to_txt(
    call: &Call<'_>,
    request: ConvertToTxtRequest,
) -> Result<ConvertToTxtResponse, FakeError> {
    let line_feeds = request.hold_line_feed().unwrap_or(false);
    let outcome = outcome(call, Some(request.url()), |entry| OfficeOutcome::Text {
        entry,
        line_feeds,
    });
    let mut answer = ConvertToTxtResponse::new();
    answer.task_id = Some(start(call, outcome));
    Ok(answer)
}

pub(super) fn convert_to_pdf(
    call: &Call<'_>,
    request: ConvertToPdfRequest,
) -> Result<ConvertToPdfResponse, FakeError> {
    let outcome = outcome(call, Some(request.url()), |_| OfficeOutcome::Done);
    let mut answer = ConvertToPdfResponse::new();
    answer.task_id = Some(start(call, outcome));
    Ok(answer)
}

/// to-jpg and to-pptx answer `any`: the fake's answer is `{"task_id"}`, as
/// for its siblings.
fn converted(call: &Call<'_>, url: &str) -> Value {
    let outcome = outcome(call, Some(url), |_| OfficeOutcome::Done);
    json!({ "task_id": start(call, outcome) })
}

pub(super) fn convert_to_jpg(
    call: &Call<'_>,
    request: ConvertToJpgRequest,
) -> Result<Value, FakeError> {
    Ok(converted(call, request.url()))
}

pub(super) fn convert_to_pptx(
    call: &Call<'_>,
    request: ConvertToPptxRequest,
) -> Result<Value, FakeError> {
    Ok(converted(call, request.url()))
}

pub(super) fn get_office_task(
    call: &Call<'_>,
    request: GetOfficeTaskRequest,
) -> Result<GetOfficeTaskResponse, FakeError> {
    let task = call
        .shared
        .lock()
        .office_tasks
        .tasks
        .get(request.task_id())
        .cloned()
        .ok_or_else(|| {
            FakeError::fake(
                FakeCode::OfficeTaskNotFound,
                format!("no office task {:?}", request.task_id()),
            )
        })?;
    let mut answer = GetOfficeTaskResponse::new();
    if call.now() < task.ready_at {
        return Ok(answer);
    }
    match task.outcome {
        OfficeOutcome::Failed(message) => {
            answer.status = Some(OfficeTaskStatus::Failed);
            answer.message = Some(message);
        }
        OfficeOutcome::Done => {
            answer.status = Some(OfficeTaskStatus::Success);
            answer.result = Some(GetOfficeTaskResponseResult::new());
        }
        OfficeOutcome::Text { entry, line_feeds } => {
            let text = OfficeOutcome::text(&entry, line_feeds);
            let mut result = GetOfficeTaskResponseResult::new();
            result.base_64_text = Some(base64::engine::general_purpose::STANDARD.encode(text));
            answer.status = Some(OfficeTaskStatus::Success);
            answer.result = Some(result);
        }
    }
    Ok(answer)
}

impl FakeState {
    /// Makes the office task `task_id` fail with `message` (at once, or when
    /// its time comes if it is still pending), whatever it would have given;
    /// `false` when the fake knows no such task.
    pub fn fail_office_task(&self, task_id: &str, message: impl Into<String>) -> bool {
        match self.lock().office_tasks.tasks.get_mut(task_id) {
            Some(task) => {
                task.outcome = OfficeOutcome::Failed(message.into());
                true
            }
            None => false,
        }
    }
}

/// Registers the handlers of the extract, convert and tasks families.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<ExtractPlainTextRequest, _>(extract_plain_text)
        .on::<ConvertToTxtRequest, _>(convert_to_txt)
        .on::<ConvertToPdfRequest, _>(convert_to_pdf)
        .on::<ConvertToJpgRequest, _>(convert_to_jpg)
        .on::<ConvertToPptxRequest, _>(convert_to_pptx)
        .on::<GetOfficeTaskRequest, _>(get_office_task)
}
