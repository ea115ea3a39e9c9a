//! Error codes and the error envelope the fake answers with.
//!
//! Two kinds of code:
//!
//! - kdocs codes, for the situations a source gives them for: [`INVALID_ARGUMENT`]
//!   (`10001`, stated on a kdocs page) for a missing or mistyped parameter, and
//!   [`ACCESS_TOKEN_INVALID`] (`20007`, seen in answers quoted by public clients)
//!   for an `access_token` the fake did not issue;
//! - [`FakeCode`]s, **invented by this fake, not by kdocs**, for every situation
//!   the public kdocs pages leave without a code (bad signature, unknown file,
//!   expired or unknown anonymous token, daily quota, internal error, unknown
//!   route). The real service answers these with codes of its own that no public
//!   page gives.
//!
//! A fake code has six digits: `99`, then the HTTP status the fake sends with it,
//! then a running number (`994031` is the first code sent with HTTP 403). The
//! codes kdocs pages state have five digits, so a fake code cannot be mistaken
//! for one; the client knows none of them and decodes each as
//! `ErrorCode::Unknown(n)`, judging the failure by the HTTP status instead. Their
//! `message`s start with `Fake`.

use std::borrow::Cow;

use hyper::StatusCode;
use serde_json::json;

/// `10001` InvalidArgument (HTTP 400), a kdocs code stated on
/// `/server/anonymous/local.html`: the fake sends it for a missing, empty or
/// mistyped parameter, or a body that is not valid JSON; the hint names the
/// parameter.
pub const INVALID_ARGUMENT: i64 = 10001;

/// `20007` AccessTokenInvalid (HTTP 401), a kdocs code seen in answers quoted
/// by public clients: the fake sends it when the `access_token` query parameter
/// is not a token it issued ([`FakeKdocs::issue_access_token`](super::FakeState::issue_access_token)).
pub const ACCESS_TOKEN_INVALID: i64 = 20007;

/// Error codes **invented by this fake, not by kdocs**, for situations the
/// public kdocs pages give no code for.
///
/// Each has six digits, `99` + the HTTP status sent with it + a running
/// number, so that it cannot be mistaken for a five-digit kdocs code; its
/// `message` starts with `Fake`. The client decodes every one of them as
/// `ErrorCode::Unknown(code)` and judges the failure by the HTTP status
/// (401/403 auth, 404 not found, 429 retryable, …). Do not match on these
/// numbers in code meant for the real service: kdocs uses other codes.
///
/// ```
/// use kdocs_client::fake::FakeCode;
///
/// assert_eq!(FakeCode::SignatureRefused.code(), 994_031);
/// assert_eq!(FakeCode::SignatureRefused.status(), 403);
/// assert_eq!(FakeCode::from_code(994_041), Some(FakeCode::FileNotFound));
/// assert!(FakeCode::ALL.iter().all(|c| c.message().starts_with("Fake")));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FakeCode {
    /// `994031`, HTTP 403: the `WPS-2` signature headers are missing or wrong,
    /// the `Date` is more than 15 minutes from the fake clock, or the app id is
    /// unknown; the hint says which part failed.
    SignatureRefused,
    /// `994032`, HTTP 403: the anonymous token is past its expiry and can no
    /// longer be refreshed (the kdocs page says an expired token cannot be
    /// refreshed; it gives no code). Cancelling it still succeeds.
    AnonymousTokenExpired,
    /// `994011`, HTTP 401: the refresh token was retired by a rotation (a
    /// refresh answered a new one; no page gives the code the platform uses
    /// for this).
    RefreshTokenReplaced,
    /// `994041`, HTTP 404: unknown `file_token`, or unknown download id.
    FileNotFound,
    /// `994042`, HTTP 404: the anonymous token is unknown, was cancelled, or
    /// was replaced by a refresh.
    AnonymousTokenNotFound,
    /// `994043`, HTTP 404: no endpoint has this path.
    NoSuchEndpoint,
    /// `994044`, HTTP 404: no office task has this `task_id` (get_office_task;
    /// no source shows what kdocs answers then).
    OfficeTaskNotFound,
    /// `994051`, HTTP 405: the path exists with another method.
    MethodNotAllowed,
    /// `994081`, HTTP 408: the request body did not arrive within the read
    /// timeout ([`FakeConfig::with_read_timeout`](super::FakeConfig::with_read_timeout)).
    BodyTimeout,
    /// `994131`, HTTP 413: the request body is larger than the route accepts
    /// (refused by its `Content-Length` before it is read, or while reading).
    BodyTooLarge,
    /// `994291`, HTTP 429 with `Retry-After`: the app used up its daily call
    /// quota (the kdocs pages give the quotas, not the code).
    DailyLimitReached,
    /// `995001`, HTTP 500: only sent under [`Fault::InternalError`](super::Fault::InternalError).
    InternalError,
}

impl FakeCode {
    /// Every fake code.
    pub const ALL: [FakeCode; 12] = [
        FakeCode::RefreshTokenReplaced,
        FakeCode::SignatureRefused,
        FakeCode::AnonymousTokenExpired,
        FakeCode::FileNotFound,
        FakeCode::AnonymousTokenNotFound,
        FakeCode::NoSuchEndpoint,
        FakeCode::OfficeTaskNotFound,
        FakeCode::MethodNotAllowed,
        FakeCode::BodyTimeout,
        FakeCode::BodyTooLarge,
        FakeCode::DailyLimitReached,
        FakeCode::InternalError,
    ];

    /// The numeric `code` the fake sends.
    pub fn code(self) -> i64 {
        match self {
            FakeCode::RefreshTokenReplaced => 994_011,
            FakeCode::SignatureRefused => 994_031,
            FakeCode::AnonymousTokenExpired => 994_032,
            FakeCode::FileNotFound => 994_041,
            FakeCode::AnonymousTokenNotFound => 994_042,
            FakeCode::NoSuchEndpoint => 994_043,
            FakeCode::OfficeTaskNotFound => 994_044,
            FakeCode::MethodNotAllowed => 994_051,
            FakeCode::BodyTimeout => 994_081,
            FakeCode::BodyTooLarge => 994_131,
            FakeCode::DailyLimitReached => 994_291,
            FakeCode::InternalError => 995_001,
        }
    }

    /// The HTTP status the fake sends with it.
    pub fn status(self) -> u16 {
        match self {
            FakeCode::RefreshTokenReplaced => 401,
            FakeCode::SignatureRefused | FakeCode::AnonymousTokenExpired => 403,
            FakeCode::FileNotFound
            | FakeCode::AnonymousTokenNotFound
            | FakeCode::NoSuchEndpoint
            | FakeCode::OfficeTaskNotFound => 404,
            FakeCode::MethodNotAllowed => 405,
            FakeCode::BodyTimeout => 408,
            FakeCode::BodyTooLarge => 413,
            FakeCode::DailyLimitReached => 429,
            FakeCode::InternalError => 500,
        }
    }

    /// The `message` the fake sends with it (always starting with `Fake`).
    pub fn message(self) -> &'static str {
        match self {
            FakeCode::RefreshTokenReplaced => "FakeRefreshTokenReplaced",
            FakeCode::SignatureRefused => "FakeSignatureRefused",
            FakeCode::AnonymousTokenExpired => "FakeAnonymousTokenExpired",
            FakeCode::FileNotFound => "FakeFileNotFound",
            FakeCode::AnonymousTokenNotFound => "FakeAnonymousTokenNotFound",
            FakeCode::NoSuchEndpoint => "FakeNoSuchEndpoint",
            FakeCode::OfficeTaskNotFound => "FakeOfficeTaskNotFound",
            FakeCode::MethodNotAllowed => "FakeMethodNotAllowed",
            FakeCode::BodyTimeout => "FakeBodyTimeout",
            FakeCode::BodyTooLarge => "FakeBodyTooLarge",
            FakeCode::DailyLimitReached => "FakeDailyLimitReached",
            FakeCode::InternalError => "FakeInternalError",
        }
    }

    /// The fake code with this number, if it is one.
    pub fn from_code(code: i64) -> Option<FakeCode> {
        FakeCode::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// An error answer of the fake: an HTTP status and the kdocs envelope
/// `{"code", "message", "hint"}`. Handlers return it to refuse a call.
///
/// ```
/// use kdocs_client::fake::{FakeCode, FakeError};
///
/// let missing = FakeError::invalid_argument("body parameter `name` is required");
/// assert_eq!((missing.status(), missing.code()), (400, 10001));
/// let gone = FakeError::fake(FakeCode::FileNotFound, "no such file");
/// assert_eq!((gone.status(), gone.code()), (404, 994_041));
/// ```
#[derive(Debug, Clone)]
pub struct FakeError {
    pub(crate) status: StatusCode,
    pub(crate) code: i64,
    pub(crate) message: Cow<'static, str>,
    pub(crate) hint: String,
    pub(crate) retry_after: Option<u64>,
}

impl FakeError {
    /// An answer with any status, code and message (an HTTP status outside
    /// 100..=999 becomes 500).
    pub fn new(
        status: u16,
        code: i64,
        message: impl Into<Cow<'static, str>>,
        hint: impl Into<String>,
    ) -> Self {
        FakeError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message: message.into(),
            hint: hint.into(),
            retry_after: None,
        }
    }

    /// An answer with one of the fake's own codes, with its status.
    pub fn fake(code: FakeCode, hint: impl Into<String>) -> Self {
        Self::new(code.status(), code.code(), code.message(), hint)
    }

    /// `10001` InvalidArgument with HTTP 400, as kdocs answers a missing or
    /// mistyped parameter; the hint should name the parameter.
    pub fn invalid_argument(hint: impl Into<String>) -> Self {
        Self::new(400, INVALID_ARGUMENT, "InvalidArgument", hint)
    }

    /// `20007` AccessTokenInvalid with HTTP 401.
    pub fn access_token_invalid(hint: impl Into<String>) -> Self {
        Self::new(401, ACCESS_TOKEN_INVALID, "AccessTokenInvalid", hint)
    }

    pub(crate) fn invalid_signature(hint: impl Into<String>) -> Self {
        Self::fake(FakeCode::SignatureRefused, hint)
    }

    pub(crate) fn file_not_found(hint: impl Into<String>) -> Self {
        Self::fake(FakeCode::FileNotFound, hint)
    }

    pub(crate) fn anonymous_token_expired() -> Self {
        Self::fake(
            FakeCode::AnonymousTokenExpired,
            "the anonymous token has expired and cannot be refreshed; \
             create a new anonymous preview task to get a new token",
        )
    }

    pub(crate) fn anonymous_token_not_found(hint: impl Into<String>) -> Self {
        Self::fake(FakeCode::AnonymousTokenNotFound, hint)
    }

    pub(crate) fn rate_limited(app_id: &str, limit: u32, retry_after: u64) -> Self {
        let mut e = Self::fake(
            FakeCode::DailyLimitReached,
            format!(
                "app {app_id} used its {limit} calls for today; \
                 the quota resets at 00:00 UTC, in {retry_after} seconds"
            ),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// The fake's own internal error (`InternalError`, HTTP 500): what a
    /// handler answers when it cannot build its answer.
    pub fn internal(hint: impl Into<String>) -> Self {
        Self::fake(FakeCode::InternalError, hint)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The envelope's `code`.
    pub fn code(&self) -> i64 {
        self.code
    }

    /// The envelope's `hint`.
    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// The JSON envelope `{"code":N,"message":"Name","hint":"..."}`.
    pub(crate) fn body(&self) -> serde_json::Value {
        json!({ "code": self.code, "message": self.message, "hint": self.hint })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_codes_cannot_be_mistaken_for_kdocs_codes() {
        let mut seen = std::collections::BTreeSet::new();
        for code in FakeCode::ALL {
            let n = code.code();
            assert!(seen.insert(n), "{code:?} repeats {n}");
            // Six digits: 99, the HTTP status, a running number.
            assert_eq!(n / 10_000, 99, "{code:?}");
            assert_eq!((n / 10) % 1000, i64::from(code.status()), "{code:?}");
            assert!(code.message().starts_with("Fake"), "{code:?}");
            assert_eq!(FakeCode::from_code(n), Some(code));
            // The client knows none of them.
            assert_eq!(crate::ErrorCode::from_code(n), crate::ErrorCode::Unknown(n));
        }
        assert_eq!(FakeCode::from_code(INVALID_ARGUMENT), None);
        // The kdocs codes the fake uses are in the client's table.
        assert_eq!(
            crate::ErrorCode::from_code(INVALID_ARGUMENT),
            crate::ErrorCode::InvalidArgument
        );
        assert_eq!(
            crate::ErrorCode::from_code(ACCESS_TOKEN_INVALID),
            crate::ErrorCode::AccessTokenInvalid
        );
    }
}
