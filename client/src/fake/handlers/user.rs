//! The user behind an access token.
//!
//! The page shows no field of the answer; public code reads `id.open_id`,
//! `nickname` and `avatar`. The fake answers the user's id as `id.open_id`
//! and a nickname of its own making, so a test can tell whose token it sent.

use super::super::errors::FakeError;
use super::super::wire::Call;
use crate::{GetUserInfoRequest, GetUserInfoResponse};

pub(super) fn get_user_info(
    call: &Call<'_>,
    _request: GetUserInfoRequest,
) -> Result<GetUserInfoResponse, FakeError> {
    let id = call.user_id().unwrap_or_default();
    super::typed(serde_json::json!({
        "id": { "open_id": id },
        "nickname": format!("Fake user {id}"),
    }))
}

/// Registers this family's stateful handlers.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<crate::GetUserInfoRequest, _>(get_user_info)
}
