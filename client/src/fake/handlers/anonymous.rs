//! Anonymous preview: tasks and the anonymous tokens they issue.

use super::super::clock::unix_secs;
use super::super::errors::FakeError;
use super::super::wire::Call;
use super::file_not_found;
use crate::{
    CancelAnonymousTokenRequest, CancelAnonymousTokenResponse, CreateAnonymousPreviewRequest,
    CreateAnonymousPreviewResponse, RefreshAnonymousTokenRequest, Secret, Token,
};

pub(super) fn create_anonymous_preview(
    call: &Call<'_>,
    request: CreateAnonymousPreviewRequest,
) -> Result<CreateAnonymousPreviewResponse, FakeError> {
    let shared = call.shared;
    let file_token = request.file_token();
    let mut st = shared.lock();
    if !st.files.contains_key(file_token) {
        return Err(file_not_found(file_token));
    }
    let expire_at = call.now() + shared.anonymous_token_ttl;
    let (task_id, _token) =
        st.create_task(file_token, request.download().unwrap_or(false), expire_at);
    Ok(CreateAnonymousPreviewResponse { task_id })
}

pub(super) fn refresh_anonymous_token(
    call: &Call<'_>,
    request: RefreshAnonymousTokenRequest,
) -> Result<Token, FakeError> {
    let shared = call.shared;
    let expire_at = call.now() + shared.anonymous_token_ttl;
    let value = shared
        .lock()
        .refresh(request.token().expose_str(), call.now(), expire_at)?;
    Ok(Token {
        value: Secret::new(value),
        expire_at: unix_secs(expire_at) as i64,
    })
}

pub(super) fn cancel_anonymous_token(
    call: &Call<'_>,
    request: CancelAnonymousTokenRequest,
) -> Result<CancelAnonymousTokenResponse, FakeError> {
    call.shared
        .lock()
        .cancel(request.token().expose_str(), call.now())?;
    Ok(CancelAnonymousTokenResponse {})
}

/// Registers this family's stateful handlers.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<crate::CreateAnonymousPreviewRequest, _>(create_anonymous_preview)
        .on::<crate::RefreshAnonymousTokenRequest, _>(refresh_anonymous_token)
        .on::<crate::CancelAnonymousTokenRequest, _>(cancel_anonymous_token)
}
