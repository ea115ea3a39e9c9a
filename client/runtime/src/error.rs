//! The error type of every call.
//!
//! Each variant says which call failed: the operation name, the HTTP method and
//! the path *template* (`/api/v1/openapi/anonymous/token/{token}`). The template
//! is used instead of the path as sent because paths and query strings carry
//! tokens; no error message ever contains a secret.

use std::fmt;
use std::time::Duration;

// Redaction lives in `scrub`; `envelope` takes these from here.
pub(crate) use super::scrub::{excerpt, redact_json_strings};

/// Which call an error belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallContext {
    /// The operation name (`get_download_url`).
    pub operation: &'static str,
    /// HTTP method.
    pub method: super::Method,
    /// The path template.
    pub path: &'static str,
}

impl fmt::Display for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kdocs {} ({} {})",
            self.operation, self.method, self.path
        )
    }
}

/// Families of service errors, as the spec's error table assigns them to the
/// codes it knows ([`KnownCode::category`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// The caller was refused: credentials, a token or the signature, or a
    /// permission the caller lacks.
    Auth,
    /// The request cannot be carried out as sent (a wrong parameter, or a limit
    /// of the resource it acts on); repeating it unchanged fails again.
    Request,
    /// A quota was exhausted.
    RateLimit,
    /// The referenced resource does not exist or has expired.
    NotFound,
    /// The service failed.
    Server,
}

/// A service error code that a source documents: one entry of the spec's
/// error table (`api-spec/errors.yaml`), which kdocs-client hands to the
/// runtime ([`Config::with_error_codes`](super::Config::with_error_codes)).
/// An [`ApiError`] whose code has an entry carries it, and the error's
/// categories ([`Error::is_auth`], …) follow the entry, not the HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct KnownCode {
    /// The envelope's `code`.
    pub code: i64,
    /// The code's name in the table (the service's `message` when a source
    /// shows one).
    pub name: &'static str,
    /// Which family of failure it is.
    pub category: ErrorCategory,
    /// Whether the table marks it as worth retrying later.
    pub retryable: bool,
}

impl KnownCode {
    /// An entry of the table.
    pub const fn new(
        code: i64,
        name: &'static str,
        category: ErrorCategory,
        retryable: bool,
    ) -> Self {
        Self {
            code,
            name,
            category,
            retryable,
        }
    }

    /// The entry for `code` in `table`, if any.
    pub fn find(table: &[KnownCode], code: i64) -> Option<KnownCode> {
        table.iter().find(|known| known.code == code).copied()
    }
}

/// The service answered with an error envelope (`code != 0`).
///
/// The text fields hold what the service sent, with every secret of the
/// request (in any encoding) replaced by `***`; `Display` also escapes control
/// characters, so a hostile `hint` cannot forge log lines or drive a terminal.
///
/// # Example
///
/// A failed call gives it as [`Error::Api`] (or through [`Error::api`]).
/// kdocs-client's `ErrorCode::of(&api)` is the typed view of its code; the
/// fields answer the rest:
///
/// ```
/// use kdocs_runtime::{ApiError, Error, ErrorCategory};
///
/// fn describe(api: &ApiError) -> String {
///     match api.known {
///         Some(known) if known.category == ErrorCategory::Auth => {
///             format!("refused ({}): {}", known.name, api.hint)
///         }
///         // `message` and `hint` are the service's words, safe to log.
///         _ => format!("{} said {} {}: {}", api.context, api.code, api.message, api.hint),
///     }
/// }
/// # let _ = describe;
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The call.
    pub context: CallContext,
    /// HTTP status of the response (errors come with 200 as well as 4xx).
    pub status: u16,
    /// The envelope's `code`.
    pub code: i64,
    /// The envelope's `message` (a name such as `InvalidArgument`), with
    /// control characters escaped (`\n`, `\u{1b}`…).
    pub message: String,
    /// The envelope's `hint`: what went wrong, in words, with control
    /// characters escaped.
    pub hint: String,
    /// The envelope's `extra`, when present.
    pub extra: Option<serde_json::Value>,
    /// The `Retry-After` header, in seconds, when the response had one.
    pub retry_after: Option<u64>,
    /// Set when the response's `Date` was further from the request's than the
    /// client corrects ([`Config::with_max_clock_correction`](super::Config::with_max_clock_correction)):
    /// the seconds the service's clock is ahead of the one the request was
    /// signed with (negative: behind). The signing clock was left alone.
    pub clock_skew_secs: Option<i64>,
    /// The code's entry in the client's error table, when a source documents
    /// the code (kdocs-client's `ErrorCode` is the typed view of it).
    pub known: Option<KnownCode>,
}

/// Which time limit a [`Error::Timeout`] hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection ([`Config::with_connect_timeout`](super::Config::with_connect_timeout)).
    Connect,
    /// One attempt, from sending to the last byte of the response
    /// ([`Config::with_timeout`](super::Config::with_timeout)).
    Attempt,
    /// The whole call, retries and waits included
    /// ([`Config::with_operation_timeout`](super::Config::with_operation_timeout)).
    Operation,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timeout (Config::with_connect_timeout)",
            TimeoutKind::Attempt => "per-attempt timeout (Config::with_timeout)",
            TimeoutKind::Operation => {
                "operation timeout, retries included (Config::with_operation_timeout)"
            }
        })
    }
}

/// The response was not the JSON the operation expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The call.
    pub context: CallContext,
    /// HTTP status of the response.
    pub status: u16,
    /// What did not match, with string values redacted.
    pub reason: String,
    /// The start of the body, with JSON string values redacted.
    pub excerpt: String,
}

/// Every way a call can fail.
///
/// Most callers need only the questions below, which are answered from the
/// documented error code when the service gave one and from the HTTP status
/// otherwise: [`is_retryable`](Self::is_retryable), [`is_auth`](Self::is_auth),
/// [`is_not_found`](Self::is_not_found), [`is_timeout`](Self::is_timeout);
/// [`code`](Self::code) gives the service's code (kdocs-client's `ErrorCode`
/// types it). `Display`
/// names the call (operation, method, path template), the HTTP status, the code,
/// message and hint, and never a secret.
///
/// # Example
///
/// ```
/// use kdocs_runtime::Error;
///
/// /// What to tell the user, whatever the call was.
/// fn advice(error: &Error) -> String {
///     if error.is_auth() {
///         return "sign in again (or check the app's credentials)".to_owned();
///     }
///     if error.is_retryable() {
///         // Idempotent calls were already retried by the client's `RetryPolicy`.
///         return "kdocs is busy: try again later".to_owned();
///     }
///     match error {
///         // The service refused: its code, and its name when a source documents it.
///         Error::Api(api) => match api.known {
///             Some(known) if known.name == "InvalidArgument" => {
///                 format!("a parameter was refused: {}", api.hint)
///             }
///             _ => format!("kdocs said {}: {}", api.code, api.hint),
///         },
///         Error::Timeout { kind, .. } => format!("no answer in time ({kind})"),
///         // `Error` is `#[non_exhaustive]`: keep a wildcard arm.
///         other => other.to_string(),
///     }
/// }
///
/// let error = Error::Config("the app key is empty".to_owned());
/// assert!(!error.is_retryable() && !error.is_auth() && !error.is_not_found());
/// assert_eq!((error.status(), error.code()), (None, None));
/// assert_eq!(advice(&error), "kdocs client configuration: the app key is empty");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error envelope.
    #[error(
        "{}: HTTP {}, code {} {}: {}{}",
        .0.context, .0.status, .0.code, escape_controls(&.0.message), display_hint(&.0.hint),
        display_skew(.0.clock_skew_secs)
    )]
    Api(Box<ApiError>),

    /// The response body was not the expected JSON.
    #[error(
        "{}: HTTP {}, the response is not the expected JSON: {}; body starts with: {:?}",
        .0.context, .0.status, escape_controls(&.0.reason), .0.excerpt
    )]
    Decode(Box<DecodeError>),

    /// The service answered a signed call with a redirect (HTTP 3xx). Signed
    /// calls never follow redirects: the next request would carry the
    /// signature, tokens in its URL and the body to a place the client was not
    /// configured for. Not retried.
    #[error(
        "{context}: HTTP {status} redirect{} refused: signed calls are sent only to the \
         configured base URL",
        display_location(.location)
    )]
    Redirect {
        /// The call.
        context: CallContext,
        /// The 3xx status.
        status: u16,
        /// The origin (`scheme://host[:port]`) the redirect pointed to, never
        /// its path or query; `None` when `Location` was missing or unusable.
        location: Option<String>,
    },

    /// The request could not be sent or the response not read (connection,
    /// TLS, timeout). The URL is stripped from the source error: it may hold tokens.
    #[error("{context}: request failed: {}", source_chain(.source))]
    Transport {
        /// The call.
        context: CallContext,
        /// The underlying error, without its URL.
        #[source]
        source: reqwest::Error,
    },

    /// A time limit elapsed before the response was complete.
    #[error("{context}: timed out: the {kind} elapsed{}", display_limit(.limit))]
    Timeout {
        /// The call.
        context: CallContext,
        /// Which limit.
        kind: TimeoutKind,
        /// Its value, when known (a caller-supplied `reqwest::Client` has its own).
        limit: Option<Duration>,
    },

    /// A parameter was refused before anything was sent.
    #[error("{context}: invalid parameter `{parameter}`: {reason}")]
    InvalidArgument {
        /// The call.
        context: CallContext,
        /// The parameter's name.
        parameter: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A walk of a list's pages stopped: more pages than its bound
    /// ([`Pages::with_max_pages`](crate::Pages::with_max_pages)), or a page
    /// with no items whose next offset still moved on (a server that would
    /// be paged for ever).
    #[error("{context}: paging stopped after {pages} pages: {reason}")]
    Paging {
        /// The call.
        context: CallContext,
        /// The pages fetched.
        pages: u32,
        /// Why it stopped.
        reason: &'static str,
    },

    /// A file part of a multipart body could not be read (or the body could
    /// not be written to its temporary file).
    #[error("{context}: cannot read the multipart part `{part}`: {source}")]
    Upload {
        /// The call.
        context: CallContext,
        /// The part's name.
        part: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The client is misconfigured.
    #[error("kdocs client configuration: {0}")]
    Config(String),
}

fn display_hint(hint: &str) -> std::borrow::Cow<'_, str> {
    if hint.is_empty() {
        "(no hint)".into()
    } else {
        escape_controls(hint)
    }
}

fn display_skew(skew: Option<i64>) -> String {
    match skew {
        Some(secs) => format!(
            "; the service's clock is {secs} s from the request's Date, more than the client \
             corrects (Config::with_max_clock_correction)"
        ),
        None => String::new(),
    }
}

fn display_location(location: &Option<String>) -> String {
    match location {
        Some(origin) => format!(" to {origin}"),
        None => String::new(),
    }
}

/// `text` with control characters (CR, LF, ESC, C1 controls, …) and the
/// invisible bidi and zero-width formatting characters escaped as `\n`,
/// `\u{1b}`…, so service text cannot forge a log line, move a terminal's
/// cursor or reorder what a reader sees.
pub(crate) fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    fn hidden(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    }
    if !text.chars().any(hidden) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

fn display_limit(limit: &Option<Duration>) -> String {
    match limit {
        Some(limit) => format!(" after {limit:?}"),
        None => String::new(),
    }
}

/// A reqwest error and its sources (`error sending request: connection reset`).
/// reqwest errors here have their URL removed, and the layers below (hyper,
/// io) do not print URLs, so the chain holds no query string.
fn source_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        let part = e.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

/// HTTP statuses that say "try again later": the request was not handled.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// What a failure with a response is judged by: the code's entry in the error
/// table when a source gives the code, otherwise the HTTP status.
enum Judged {
    /// A code of the spec's error table.
    Code(KnownCode),
    /// An unknown code, or no kdocs envelope at all: the HTTP status decides.
    Status(u16),
    /// No response (transport failure, timeout, bad argument, configuration).
    NoResponse,
}

impl Error {
    /// The service error, when the failure is an error envelope.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The envelope's `code`, when the failure is an error envelope.
    pub fn code(&self) -> Option<i64> {
        self.api().map(|api| api.code)
    }

    /// The call the error belongs to, when it belongs to one.
    pub fn context(&self) -> Option<&CallContext> {
        match self {
            Error::Api(e) => Some(&e.context),
            Error::Decode(e) => Some(&e.context),
            Error::Transport { context, .. }
            | Error::Timeout { context, .. }
            | Error::Redirect { context, .. }
            | Error::Upload { context, .. }
            | Error::InvalidArgument { context, .. }
            | Error::Paging { context, .. } => Some(context),
            Error::Config(_) => None,
        }
    }

    /// What the categories below are decided from.
    fn judged(&self) -> Judged {
        match self {
            Error::Api(e) => match e.known {
                Some(known) => Judged::Code(known),
                None => Judged::Status(e.status),
            },
            Error::Decode(e) => Judged::Status(e.status),
            _ => Judged::NoResponse,
        }
    }

    /// Whether the same call may succeed if sent again later. The client's
    /// [`RetryPolicy`](super::RetryPolicy) retries these for idempotent calls.
    ///
    /// Decided from what is documented: for an error code of the
    /// `api-spec/errors.yaml` table (a code a kdocs page gives), whether the
    /// table marks it `retryable` (none is today); for any other answer (an
    /// unknown code, or a body that is not a kdocs envelope), the HTTP status:
    /// 429, 502, 503 and 504 are retryable. Without an answer: connection
    /// errors and connect or per-attempt timeouts are retryable; the operation
    /// timeout, a refused parameter and a configuration error are not.
    pub fn is_retryable(&self) -> bool {
        match self.judged() {
            Judged::Code(known) => known.retryable,
            Judged::Status(status) => is_retryable_status(status),
            Judged::NoResponse => match self {
                Error::Transport { source, .. } => !source.is_builder() && !source.is_redirect(),
                Error::Timeout { kind, .. } => *kind != TimeoutKind::Operation,
                _ => false,
            },
        }
    }

    /// Whether the caller was refused: credentials, a token or the signature,
    /// or a permission it lacks.
    ///
    /// Decided from what is documented: for an error code of the
    /// `api-spec/errors.yaml` table, whether its category is `auth` (10003,
    /// 20001, 20007); for any other answer (an unknown code, or a body that is
    /// not a kdocs envelope), the HTTP status 401 or 403. `false` without an answer.
    pub fn is_auth(&self) -> bool {
        match self.judged() {
            Judged::Code(known) => known.category == ErrorCategory::Auth,
            Judged::Status(status) => matches!(status, 401 | 403),
            Judged::NoResponse => false,
        }
    }

    /// Whether the resource the call names does not exist (or no longer does).
    ///
    /// Decided from what is documented: for an error code of the
    /// `api-spec/errors.yaml` table, whether its category is `not_found` (no
    /// page gives such a code today); for any other answer (an unknown code, or
    /// a body that is not a kdocs envelope), the HTTP status 404 or 410. `false`
    /// without an answer.
    pub fn is_not_found(&self) -> bool {
        match self.judged() {
            Judged::Code(known) => known.category == ErrorCategory::NotFound,
            Judged::Status(status) => matches!(status, 404 | 410),
            Judged::NoResponse => false,
        }
    }

    /// Whether a time limit elapsed: one of the client's own
    /// ([`Error::Timeout`]), or, for an answer that is not a code of the
    /// `api-spec/errors.yaml` table, one the HTTP status reports (408 Request
    /// Timeout, 504 Gateway Timeout). No kdocs page gives a timeout code.
    pub fn is_timeout(&self) -> bool {
        match self.judged() {
            Judged::Code(_) => false,
            Judged::Status(status) => matches!(status, 408 | 504),
            Judged::NoResponse => matches!(self, Error::Timeout { .. }),
        }
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;

    const CONTEXT: CallContext = CallContext {
        operation: "get_download_url",
        method: Method::Get,
        path: "/files/{file_token}",
    };

    #[test]
    fn api_error_display_names_everything() {
        let e = Error::Api(Box::new(ApiError {
            context: CONTEXT,
            status: 401,
            code: 20007,
            message: "AccessTokenInvalid".into(),
            hint: "access_token is required".into(),
            extra: None,
            retry_after: None,
            clock_skew_secs: None,
            known: None,
        }));
        assert_eq!(
            e.to_string(),
            "kdocs get_download_url (GET /files/{file_token}): HTTP 401, code 20007 AccessTokenInvalid: access_token is required"
        );
    }

    /// A table as kdocs-client's: the codes of `api-spec/errors.yaml`, and
    /// one retryable code to see that flag decide.
    const TABLE: &[KnownCode] = &[
        KnownCode::new(10001, "InvalidArgument", ErrorCategory::Request, false),
        KnownCode::new(10003, "PermissionDenied", ErrorCategory::Auth, false),
        KnownCode::new(20001, "InvalidSignature", ErrorCategory::Auth, false),
        KnownCode::new(20007, "AccessTokenInvalid", ErrorCategory::Auth, false),
        KnownCode::new(30004, "TooManyWebhooks", ErrorCategory::Request, false),
        KnownCode::new(30016, "FileTooLarge", ErrorCategory::Request, false),
        KnownCode::new(77, "Busy", ErrorCategory::Server, true),
        KnownCode::new(78, "Gone", ErrorCategory::NotFound, false),
    ];

    fn api(status: u16, code: i64) -> Error {
        Error::Api(Box::new(ApiError {
            context: CONTEXT,
            status,
            code,
            message: String::new(),
            hint: String::new(),
            extra: None,
            retry_after: None,
            clock_skew_secs: None,
            known: KnownCode::find(TABLE, code),
        }))
    }

    fn decode(status: u16) -> Error {
        Error::Decode(Box::new(DecodeError {
            context: CONTEXT,
            status,
            reason: "not JSON".into(),
            excerpt: "<html>".into(),
        }))
    }

    /// `(is_auth, is_not_found, is_retryable, is_timeout)`.
    fn categories(e: &Error) -> (bool, bool, bool, bool) {
        (
            e.is_auth(),
            e.is_not_found(),
            e.is_retryable(),
            e.is_timeout(),
        )
    }

    #[test]
    fn a_documented_code_decides_over_the_http_status() {
        // 20007 (auth) even with HTTP 200, as kdocs sends errors with 200 too.
        assert_eq!(
            api(200, 20007)
                .api()
                .and_then(|api| api.known)
                .map(|k| k.name),
            Some("AccessTokenInvalid")
        );
        assert_eq!(categories(&api(200, 20007)), (true, false, false, false));
        // 10003 and 20001 are auth; 10001, 30004 and 30016 are request errors.
        for code in [10003, 20001] {
            assert_eq!(
                categories(&api(400, code)),
                (true, false, false, false),
                "{code}"
            );
        }
        for code in [10001, 30004, 30016] {
            // The status would say auth, not found, retry or timeout: the code wins.
            for status in [401, 403, 404, 410, 429, 503, 504] {
                assert_eq!(
                    categories(&api(status, code)),
                    (false, false, false, false),
                    "{code} with HTTP {status}"
                );
            }
        }
        // A retryable entry retries whatever the status; a not-found entry is
        // not found under a 200.
        assert_eq!(categories(&api(400, 77)), (false, false, true, false));
        assert_eq!(categories(&api(200, 78)), (false, true, false, false));
    }

    #[test]
    fn an_unknown_code_is_judged_by_the_http_status() {
        // A code no page gives (the fake's own codes among them).
        let code = 994_031;
        assert_eq!(api(403, code).api().unwrap().known, None);
        let cases = [
            (401, (true, false, false, false)),
            (403, (true, false, false, false)),
            (404, (false, true, false, false)),
            (410, (false, true, false, false)),
            (408, (false, false, false, true)),
            (429, (false, false, true, false)),
            (500, (false, false, false, false)),
            (502, (false, false, true, false)),
            (503, (false, false, true, false)),
            (504, (false, false, true, true)),
            (200, (false, false, false, false)),
            (400, (false, false, false, false)),
        ];
        for (status, expected) in cases {
            assert_eq!(categories(&api(status, code)), expected, "HTTP {status}");
            // A body that is not a kdocs envelope is judged the same way.
            assert_eq!(
                categories(&decode(status)),
                expected,
                "HTTP {status} (decode)"
            );
        }
    }

    #[test]
    fn failures_without_an_answer() {
        let timeout = |kind| Error::Timeout {
            context: CONTEXT,
            kind,
            limit: None,
        };
        assert_eq!(
            categories(&timeout(TimeoutKind::Attempt)),
            (false, false, true, true)
        );
        assert_eq!(
            categories(&timeout(TimeoutKind::Connect)),
            (false, false, true, true)
        );
        assert_eq!(
            categories(&timeout(TimeoutKind::Operation)),
            (false, false, false, true)
        );
        let invalid = Error::InvalidArgument {
            context: CONTEXT,
            parameter: "token",
            reason: "empty".into(),
        };
        assert_eq!(categories(&invalid), (false, false, false, false));
        assert_eq!(
            categories(&Error::Config("x".into())),
            (false, false, false, false)
        );
    }

    #[test]
    fn control_characters_are_escaped_in_display() {
        let e = Error::Api(Box::new(ApiError {
            context: CONTEXT,
            status: 400,
            code: 10001,
            message: "Bad\r\nINFO forged line".into(),
            hint: "\u{1b}[2Jcleared \u{202e}txt.exe\u{9b}".into(),
            extra: None,
            retry_after: None,
            clock_skew_secs: None,
            known: None,
        }));
        let text = e.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text:?}"
        );
        assert!(
            text.ends_with(
                r"code 10001 Bad\r\nINFO forged line: \u{1b}[2Jcleared \u{202e}txt.exe\u{9b}"
            ),
            "{text}"
        );
        assert_eq!(escape_controls("plain 中文 text"), "plain 中文 text");
    }

    #[test]
    fn skew_beyond_the_bound_is_reported() {
        let e = Error::Api(Box::new(ApiError {
            context: CONTEXT,
            status: 403,
            code: 7,
            message: "Refused".into(),
            hint: String::new(),
            extra: None,
            retry_after: None,
            clock_skew_secs: Some(-817_852_907),
            known: None,
        }));
        assert!(
            e.to_string()
                .ends_with("Refused: (no hint); the service's clock is -817852907 s from the request's Date, more than the client corrects (Config::with_max_clock_correction)"),
            "{e}"
        );
    }

    #[test]
    fn redirects_name_the_origin_only() {
        let e = Error::Redirect {
            context: CONTEXT,
            status: 307,
            location: Some("https://elsewhere.example:8443".into()),
        };
        assert_eq!(
            e.to_string(),
            "kdocs get_download_url (GET /files/{file_token}): HTTP 307 redirect to \
             https://elsewhere.example:8443 refused: signed calls are sent only to the configured \
             base URL"
        );
        assert!(!e.is_retryable());
        assert_eq!(e.status(), Some(307));
    }
}
