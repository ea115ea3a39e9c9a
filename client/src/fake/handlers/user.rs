//! The user behind an access token.
//!
//! The page shows no field of the answer (`any`): `id` and `nickname` are the
//! fake's own names, so a test can tell whose token it sent.

use super::super::errors::FakeError;
use super::super::wire::Call;
use crate::GetUserInfoRequest;

pub(super) fn get_user_info(
    call: &Call<'_>,
    _request: GetUserInfoRequest,
) -> Result<serde_json::Value, FakeError> {
    let id = call.user_id().unwrap_or_default();
    Ok(serde_json::json!({ "id": id, "nickname": format!("Fake user {id}") }))
}

/// Registers this family's stateful handlers.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<crate::GetUserInfoRequest, _>(get_user_info)
}
