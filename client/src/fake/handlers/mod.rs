//! The hand-written part of the fake's API: the operations that keep state.
//!
//! Routing, parameter decoding and refusing bad parameters are generated from
//! `api-spec/` (the `fake` module of the generated code, on [`super::wire`]),
//! and so are the answers of every operation that keeps no state: they answer
//! with the spec's examples. Here, one module per family, are only the
//! operations whose answers depend on what happened before (files, tokens);
//! [`Kdocs`] hands each of them to its module.

mod anonymous;
mod appspace;
mod oauth;
pub(super) mod personal;
mod user;

use super::errors::FakeError;
use super::wire::Call;
use crate::generated::fake::Handlers;
use crate::{
    CancelAnonymousTokenRequest, CancelAnonymousTokenResponse, CreateAnonymousPreviewRequest,
    CreateAnonymousPreviewResponse, GetDownloadUrlRequest, GetDownloadUrlResponse,
    GetEditUrlWithTokenRequest, GetEditUrlWithTokenResponse, RefreshAnonymousTokenRequest, Token,
};
use crate::{
    CopyPersonalFilesRequest, CreatePersonalFileFromUrlRequest, CreatePersonalFileRequest,
    GetPersonalDownloadUrlRequest, GetPersonalEditUrlWithTokenRequest, ListPersonalAppFilesRequest,
    ListPersonalAppFilesResponse, ListPersonalFilesFlatRequest, ListPersonalFilesFlatResponse,
    ListPersonalFilesRequest, ListPersonalFilesResponse, ListPersonalRecentFilesRequest,
    ListPersonalRecentFilesResponse, ListPersonalRecycleBinRequest, MovePersonalFilesRequest,
    RecoverPersonalFilesRequest, RenamePersonalFileRequest, TrashPersonalFileRequest,
    UploadPersonalFileRequest,
};
use crate::{
    ExchangeOauthCodeRequest, ExchangeOauthCodeResponse, RefreshOauthTokenRequest,
    RefreshOauthTokenResponse,
};
use serde_json::Value;

/// The stateful kdocs fake: its state lives in the server's `Shared`, reached
/// through each [`Call`].
pub(crate) struct Kdocs;

fn file_not_found(file_token: &str) -> FakeError {
    FakeError::file_not_found(format!("no file with file_token {file_token:?}"))
}

impl Handlers for Kdocs {
    fn create_anonymous_preview(
        &self,
        call: &Call<'_>,
        request: CreateAnonymousPreviewRequest,
    ) -> Result<CreateAnonymousPreviewResponse, FakeError> {
        anonymous::create_anonymous_preview(call, request)
    }

    fn refresh_anonymous_token(
        &self,
        call: &Call<'_>,
        request: RefreshAnonymousTokenRequest,
    ) -> Result<Token, FakeError> {
        anonymous::refresh_anonymous_token(call, request)
    }

    fn cancel_anonymous_token(
        &self,
        call: &Call<'_>,
        request: CancelAnonymousTokenRequest,
    ) -> Result<CancelAnonymousTokenResponse, FakeError> {
        anonymous::cancel_anonymous_token(call, request)
    }

    fn get_edit_url_with_token(
        &self,
        call: &Call<'_>,
        request: GetEditUrlWithTokenRequest,
    ) -> Result<GetEditUrlWithTokenResponse, FakeError> {
        appspace::get_edit_url_with_token(call, request)
    }

    fn get_download_url(
        &self,
        call: &Call<'_>,
        request: GetDownloadUrlRequest,
    ) -> Result<GetDownloadUrlResponse, FakeError> {
        appspace::get_download_url(call, request)
    }

    fn exchange_oauth_code(
        &self,
        call: &Call<'_>,
        request: ExchangeOauthCodeRequest,
    ) -> Result<ExchangeOauthCodeResponse, FakeError> {
        oauth::exchange_oauth_code(call, request)
    }

    fn refresh_oauth_token(
        &self,
        call: &Call<'_>,
        request: RefreshOauthTokenRequest,
    ) -> Result<RefreshOauthTokenResponse, FakeError> {
        oauth::refresh_oauth_token(call, request)
    }

    fn create_appspace_file(
        &self,
        call: &Call<'_>,
        request: crate::CreateAppspaceFileRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::create_appspace_file(call, request)
    }

    fn upload_appspace_file(
        &self,
        call: &Call<'_>,
        request: crate::UploadAppspaceFileRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::upload_appspace_file(call, request)
    }

    fn get_appspace_file_info(
        &self,
        call: &Call<'_>,
        request: crate::GetAppspaceFileInfoRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::get_appspace_file_info(call, request)
    }

    fn list_appspace_file_versions(
        &self,
        call: &Call<'_>,
        request: crate::ListAppspaceFileVersionsRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::list_appspace_file_versions(call, request)
    }

    fn get_appspace_file_version(
        &self,
        call: &Call<'_>,
        request: crate::GetAppspaceFileVersionRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::get_appspace_file_version(call, request)
    }

    fn get_appspace_version_download_url(
        &self,
        call: &Call<'_>,
        request: crate::GetAppspaceVersionDownloadUrlRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::get_appspace_version_download_url(call, request)
    }

    fn destroy_appspace_file(
        &self,
        call: &Call<'_>,
        request: crate::DestroyAppspaceFileRequest,
    ) -> Result<crate::DestroyAppspaceFileResponse, FakeError> {
        appspace::destroy_appspace_file(call, request)
    }

    fn move_appspace_files(
        &self,
        call: &Call<'_>,
        request: crate::MoveAppspaceFilesRequest,
    ) -> Result<serde_json::Value, FakeError> {
        appspace::move_appspace_files(call, request)
    }

    fn get_user_info(
        &self,
        call: &Call<'_>,
        request: crate::GetUserInfoRequest,
    ) -> Result<serde_json::Value, FakeError> {
        user::get_user_info(call, request)
    }

    fn list_personal_files(
        &self,
        call: &Call<'_>,
        request: ListPersonalFilesRequest,
    ) -> Result<ListPersonalFilesResponse, FakeError> {
        personal::list_personal_files(call, request)
    }

    fn list_personal_files_flat(
        &self,
        call: &Call<'_>,
        request: ListPersonalFilesFlatRequest,
    ) -> Result<ListPersonalFilesFlatResponse, FakeError> {
        personal::list_personal_files_flat(call, request)
    }

    fn list_personal_app_files(
        &self,
        call: &Call<'_>,
        request: ListPersonalAppFilesRequest,
    ) -> Result<ListPersonalAppFilesResponse, FakeError> {
        personal::list_personal_app_files(call, request)
    }

    fn get_personal_download_url(
        &self,
        call: &Call<'_>,
        request: GetPersonalDownloadUrlRequest,
    ) -> Result<Value, FakeError> {
        personal::get_personal_download_url(call, request)
    }

    fn create_personal_file(
        &self,
        call: &Call<'_>,
        request: CreatePersonalFileRequest,
    ) -> Result<Value, FakeError> {
        personal::create_personal_file(call, request)
    }

    fn upload_personal_file(
        &self,
        call: &Call<'_>,
        request: UploadPersonalFileRequest,
    ) -> Result<Value, FakeError> {
        personal::upload_personal_file(call, request)
    }

    fn create_personal_file_from_url(
        &self,
        call: &Call<'_>,
        request: CreatePersonalFileFromUrlRequest,
    ) -> Result<Value, FakeError> {
        personal::create_personal_file_from_url(call, request)
    }

    fn rename_personal_file(
        &self,
        call: &Call<'_>,
        request: RenamePersonalFileRequest,
    ) -> Result<Value, FakeError> {
        personal::rename_personal_file(call, request)
    }

    fn trash_personal_file(
        &self,
        call: &Call<'_>,
        request: TrashPersonalFileRequest,
    ) -> Result<Value, FakeError> {
        personal::trash_personal_file(call, request)
    }

    fn move_personal_files(
        &self,
        call: &Call<'_>,
        request: MovePersonalFilesRequest,
    ) -> Result<Value, FakeError> {
        personal::move_personal_files(call, request)
    }

    fn copy_personal_files(
        &self,
        call: &Call<'_>,
        request: CopyPersonalFilesRequest,
    ) -> Result<Value, FakeError> {
        personal::copy_personal_files(call, request)
    }

    fn list_personal_recycle_bin(
        &self,
        call: &Call<'_>,
        request: ListPersonalRecycleBinRequest,
    ) -> Result<Vec<Value>, FakeError> {
        personal::list_personal_recycle_bin(call, request)
    }

    fn recover_personal_files(
        &self,
        call: &Call<'_>,
        request: RecoverPersonalFilesRequest,
    ) -> Result<Value, FakeError> {
        personal::recover_personal_files(call, request)
    }

    fn get_personal_edit_url_with_token(
        &self,
        call: &Call<'_>,
        request: GetPersonalEditUrlWithTokenRequest,
    ) -> Result<Value, FakeError> {
        personal::get_personal_edit_url_with_token(call, request)
    }

    fn list_personal_recent_files(
        &self,
        call: &Call<'_>,
        request: ListPersonalRecentFilesRequest,
    ) -> Result<ListPersonalRecentFilesResponse, FakeError> {
        personal::list_personal_recent_files(call, request)
    }
}
