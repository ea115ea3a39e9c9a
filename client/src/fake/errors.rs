//! Error codes and the error envelope the fake answers with.

use hyper::StatusCode;
use serde_json::json;

/// `10001` InvalidArgument (HTTP 400, documented by kdocs): a parameter is missing or
/// has the wrong type, or the body is not valid JSON. The hint names the parameter.
pub const INVALID_ARGUMENT: i64 = 10001;
/// `20007` AccessTokenInvalid (HTTP 401, documented by kdocs): the `access_token` query
/// parameter is not a token the fake issued ([`FakeKdocs::issue_access_token`](super::FakeKdocs::issue_access_token)).
pub const ACCESS_TOKEN_INVALID: i64 = 20007;
/// `30003` InvalidSignature (HTTP 403, documented by kdocs): the `WPS-2` signature
/// headers are missing or wrong. The hint says which part failed.
pub const INVALID_SIGNATURE: i64 = 30003;
/// `90001` FileNotFound (HTTP 404, defined by the fake): unknown `file_token` or
/// unknown download id.
pub const FILE_NOT_FOUND: i64 = 90001;
/// `90002` AnonymousTokenExpired (HTTP 403, defined by the fake): the anonymous token
/// is past its expiry and can no longer be refreshed.
pub const ANONYMOUS_TOKEN_EXPIRED: i64 = 90002;
/// `90003` AnonymousTokenInvalid (HTTP 403, defined by the fake): the anonymous token
/// is unknown, was cancelled, or was replaced by a refresh.
pub const ANONYMOUS_TOKEN_INVALID: i64 = 90003;
/// `90004` RateLimitExceeded (HTTP 429 with `Retry-After`, defined by the fake): the
/// app used up its daily call quota.
pub const RATE_LIMIT_EXCEEDED: i64 = 90004;
/// `90500` InternalError (HTTP 500, defined by the fake): only produced by
/// [`Fault::InternalError`](super::Fault::InternalError).
pub const INTERNAL_ERROR: i64 = 90500;

/// An error answer: HTTP status plus the kdocs envelope.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: i64,
    pub(crate) message: &'static str,
    pub(crate) hint: String,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: i64, message: &'static str, hint: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message,
            hint: hint.into(),
            retry_after: None,
        }
    }

    pub(crate) fn invalid_argument(hint: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            INVALID_ARGUMENT,
            "InvalidArgument",
            hint,
        )
    }

    pub(crate) fn access_token_invalid(hint: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ACCESS_TOKEN_INVALID,
            "AccessTokenInvalid",
            hint,
        )
    }

    pub(crate) fn invalid_signature(hint: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            INVALID_SIGNATURE,
            "InvalidSignature",
            hint,
        )
    }

    pub(crate) fn file_not_found(hint: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, FILE_NOT_FOUND, "FileNotFound", hint)
    }

    pub(crate) fn anonymous_token_expired() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ANONYMOUS_TOKEN_EXPIRED,
            "AnonymousTokenExpired",
            "the anonymous token has expired and cannot be refreshed; \
             create a new anonymous preview task to get a new token",
        )
    }

    pub(crate) fn anonymous_token_invalid(hint: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ANONYMOUS_TOKEN_INVALID,
            "AnonymousTokenInvalid",
            hint,
        )
    }

    pub(crate) fn rate_limited(app_id: &str, limit: u32, retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            RATE_LIMIT_EXCEEDED,
            "RateLimitExceeded",
            format!(
                "app {app_id} used its {limit} calls for today; \
                 the quota resets at 00:00 UTC, in {retry_after} seconds"
            ),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub(crate) fn internal(hint: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            INTERNAL_ERROR,
            "InternalError",
            hint,
        )
    }

    /// The JSON envelope `{"code":N,"message":"Name","hint":"..."}`.
    pub(crate) fn body(&self) -> serde_json::Value {
        json!({ "code": self.code, "message": self.message, "hint": self.hint })
    }
}

impl ApiError {
    /// The same error with another HTTP status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}
