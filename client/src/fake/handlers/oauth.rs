//! OAuth: authorization codes, access tokens and refresh tokens.
//!
//! The authorize page (`/h5/auth`, not an API call) is served by the server
//! module; here are the two token calls. Both are known only from public
//! clients (`api-spec/oauth.yaml`), so their checks are the fake's own, in
//! the documented spirit: a code works once and for 5 minutes (then `20001`,
//! as the web authorization page says), the app must prove itself with its
//! key, an unknown refresh token is refused. The answers carry the fields
//! public clients read (`access_token`, `refresh_token`, `expires_in`,
//! `app_id`). A refresh rotates the refresh token unless the fake is told
//! otherwise ([`FakeConfig::with_refresh_token_rotation`](super::super::FakeConfig::with_refresh_token_rotation)).

use super::super::errors::{FakeCode, FakeError};
use super::super::state::{random_lowercase, AccessToken};
use super::super::wire::Call;
use crate::{
    ExchangeOauthCodeRequest, ExchangeOauthCodeResponse, RefreshOauthTokenRequest,
    RefreshOauthTokenResponse, Secret,
};

/// `20001` AuthorizationCodeInvalid (HTTP 400), as
/// `/common/authorization/web.html` states it.
fn code_invalid(hint: &str) -> FakeError {
    FakeError::new(400, 20001, "AuthorizationCodeInvalid", hint)
}

/// The app's key must be the one registered for `app_id`.
fn check_app(
    call: &Call<'_>,
    app_id: Option<&str>,
    app_key: Option<&Secret<String>>,
) -> Result<String, FakeError> {
    let app_id = app_id
        .filter(|a| !a.is_empty())
        .ok_or_else(|| FakeError::invalid_argument("parameter `app_id` is required"))?;
    let app_key =
        app_key.ok_or_else(|| FakeError::invalid_argument("parameter `app_key` is required"))?;
    let known = call.shared.lock().apps.get(app_id).map(|a| a.key.clone());
    match known {
        Some(key) if key == app_key.expose_str() => Ok(app_id.to_owned()),
        Some(_) => Err(FakeError::invalid_argument("app_key does not match app_id")),
        None => Err(FakeError::invalid_argument(format!(
            "unknown app_id {app_id:?}"
        ))),
    }
}

fn issue(call: &Call<'_>, app_id: &str, user_id: &str) -> (String, i64) {
    let shared = call.shared;
    let ttl = shared.access_token_ttl;
    let token = format!("fake-at-{}", random_lowercase(32));
    shared.lock().access_tokens.insert(
        token.clone(),
        AccessToken {
            app_id: app_id.to_owned(),
            user_id: user_id.to_owned(),
            expire_at: Some(call.now() + ttl),
        },
    );
    (token, ttl.as_secs() as i64)
}

pub(super) fn exchange_oauth_code(
    call: &Call<'_>,
    request: ExchangeOauthCodeRequest,
) -> Result<ExchangeOauthCodeResponse, FakeError> {
    let app_id = check_app(call, request.app_id(), request.app_key())?;
    let code = request
        .code()
        .ok_or_else(|| FakeError::invalid_argument("parameter `code` is required"))?;
    // A code works once, whatever the outcome.
    let issued = call.shared.lock().oauth_codes.remove(code.expose_str());
    let issued = issued.ok_or_else(|| code_invalid("授权码无效: unknown or already used code"))?;
    if call.now() >= issued.expire_at {
        return Err(code_invalid("授权码无效: the code is older than 5 minutes"));
    }
    if issued.app_id != app_id {
        return Err(code_invalid(
            "授权码无效: the code was issued to another app",
        ));
    }
    let (access_token, expires_in) = issue(call, &app_id, &issued.user_id);
    let refresh_token = issue_refresh_token(call, &app_id, &issued.user_id);
    Ok(ExchangeOauthCodeResponse {
        access_token: Some(Secret::new(access_token)),
        refresh_token: Some(Secret::new(refresh_token)),
        expires_in: Some(expires_in),
        app_id: Some(app_id),
    })
}

/// A new refresh token for `user_id`.
fn issue_refresh_token(call: &Call<'_>, app_id: &str, user_id: &str) -> String {
    let refresh_token = format!("fake-rt-{}", random_lowercase(32));
    call.shared.lock().refresh_tokens.insert(
        refresh_token.clone(),
        AccessToken {
            app_id: app_id.to_owned(),
            user_id: user_id.to_owned(),
            expire_at: None,
        },
    );
    refresh_token
}

pub(super) fn refresh_oauth_token(
    call: &Call<'_>,
    request: RefreshOauthTokenRequest,
) -> Result<RefreshOauthTokenResponse, FakeError> {
    let app_id = check_app(call, request.app_id(), request.app_key())?;
    let refresh_token = request
        .refresh_token()
        .ok_or_else(|| FakeError::invalid_argument("body parameter `refresh_token` is required"))?;
    let sent = refresh_token.expose_str();
    let owner = {
        let state = call.shared.lock();
        if state.retired_refresh_tokens.iter().any(|t| t == sent) {
            return Err(FakeError::fake(
                FakeCode::RefreshTokenReplaced,
                "refresh_token was replaced by a refresh; use the one that refresh answered",
            ));
        }
        state.refresh_tokens.get(sent).cloned()
    };
    let owner = owner
        .filter(|owner| owner.app_id == app_id)
        .ok_or_else(|| {
            FakeError::access_token_invalid("refresh_token is not one this fake issued to the app")
        })?;
    let (access_token, expires_in) = issue(call, &app_id, &owner.user_id);
    let rotated = call.shared.rotate_refresh_tokens.then(|| {
        call.shared.lock().retire_refresh_token(sent);
        Secret::new(issue_refresh_token(call, &app_id, &owner.user_id))
    });
    Ok(RefreshOauthTokenResponse {
        access_token: Some(Secret::new(access_token)),
        refresh_token: rotated,
        expires_in: Some(expires_in),
        app_id: Some(app_id),
    })
}

/// Registers this family's stateful handlers.
pub(super) fn register(api: super::super::wire::Api) -> super::super::wire::Api {
    api.on::<crate::ExchangeOauthCodeRequest, _>(exchange_oauth_code)
        .on::<crate::RefreshOauthTokenRequest, _>(refresh_oauth_token)
}
