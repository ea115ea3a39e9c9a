//! The error type of every call.
//!
//! Each variant says which call failed: the operation name, the HTTP method and
//! the path *template* (`/api/v1/openapi/anonymous/token/{token}`). The template
//! is used instead of the path as sent because paths and query strings carry
//! tokens; no error message ever contains a secret.

use std::fmt;

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

/// Families of service errors, used to tell auth failures from the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// Credentials, tokens or the signature were refused.
    Auth,
    /// The request was malformed.
    Request,
    /// A quota was exhausted.
    RateLimit,
    /// The referenced resource does not exist or has expired.
    NotFound,
    /// The service failed.
    Server,
}

/// The service answered with an error envelope (`code != 0`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The call.
    pub context: CallContext,
    /// HTTP status of the response (errors come with 200 as well as 4xx).
    pub status: u16,
    /// The envelope's `code`.
    pub code: i64,
    /// The envelope's `message` (a name such as `InvalidSignature`).
    pub message: String,
    /// The envelope's `hint`: what went wrong, in words.
    pub hint: String,
    /// The envelope's `extra`, when present.
    pub extra: Option<serde_json::Value>,
    /// The `Retry-After` header, in seconds, when the response had one.
    pub retry_after: Option<u64>,
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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error envelope.
    #[error(
        "{}: HTTP {}, code {} {}: {}",
        .0.context, .0.status, .0.code, .0.message, display_hint(&.0.hint)
    )]
    Api(Box<ApiError>),

    /// The response body was not the expected JSON.
    #[error(
        "{}: HTTP {}, the response is not the expected JSON: {}; body starts with: {:?}",
        .0.context, .0.status, .0.reason, .0.excerpt
    )]
    Decode(Box<DecodeError>),

    /// The request could not be sent or the response not read (connection,
    /// TLS, timeout). The URL is stripped from the source error: it may hold tokens.
    #[error("{context}: request failed: {source}")]
    Transport {
        /// The call.
        context: CallContext,
        /// The underlying error, without its URL.
        #[source]
        source: reqwest::Error,
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

    /// The client is misconfigured.
    #[error("kdocs client configuration: {0}")]
    Config(String),
}

fn display_hint(hint: &str) -> &str {
    if hint.is_empty() {
        "(no hint)"
    } else {
        hint
    }
}

impl Error {
    /// The service error, when the failure is an error envelope.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The call the error belongs to, when it belongs to one.
    pub fn context(&self) -> Option<&CallContext> {
        match self {
            Error::Api(e) => Some(&e.context),
            Error::Decode(e) => Some(&e.context),
            Error::Transport { context, .. } | Error::InvalidArgument { context, .. } => {
                Some(context)
            }
            Error::Config(_) => None,
        }
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }
}

/// Replaces JSON string *values* in `text` by `"…"`, keeping object keys, so an
/// excerpt or a serde message can be shown without leaking a token. A string is
/// a key when the next non-space character after it is `:`. An unterminated
/// string (a truncated body) is redacted to the end.
pub(crate) fn redact_json_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..start]);
        let after_quote = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after_quote.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        match end {
            Some(end) => {
                let literal = &after_quote[..end];
                let following = after_quote[end + 1..].trim_start();
                if following.starts_with(':') {
                    out.push('"');
                    out.push_str(literal);
                    out.push('"');
                } else {
                    out.push_str("\"…\"");
                }
                rest = &after_quote[end + 1..];
            }
            None => {
                out.push_str("\"…");
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// At most `max` characters of `body`, lossily decoded, with string values redacted.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let head = &body[..body.len().min(max * 4)];
    let text = String::from_utf8_lossy(head);
    let redacted = redact_json_strings(&text);
    let mut short: String = redacted.chars().take(max).collect();
    if redacted.chars().count() > max || body.len() > head.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Method;

    const CONTEXT: CallContext = CallContext {
        operation: "get_download_url",
        method: Method::Get,
        path: "/files/{file_token}",
    };

    #[test]
    fn api_error_display_names_everything() {
        let e = Error::Api(Box::new(ApiError {
            context: CONTEXT,
            status: 403,
            code: 30003,
            message: "InvalidSignature".into(),
            hint: "signature does not match".into(),
            extra: None,
            retry_after: None,
        }));
        assert_eq!(
            e.to_string(),
            "kdocs get_download_url (GET /files/{file_token}): HTTP 403, code 30003 InvalidSignature: signature does not match"
        );
    }

    #[test]
    fn redaction_keeps_keys_and_hides_values() {
        assert_eq!(
            redact_json_strings(r#"{"code":0,"data":{"value":"Anonymous-secret","n":1}}"#),
            r#"{"code":0,"data":{"value":"…","n":1}}"#
        );
        assert_eq!(redact_json_strings(r#"{"value":"Anonym"#), r#"{"value":"…"#);
        assert_eq!(
            redact_json_strings(r#"invalid type: string "tok\"en", expected i64"#),
            r#"invalid type: string "…", expected i64"#
        );
        assert_eq!(
            redact_json_strings("<html>oops</html>"),
            "<html>oops</html>"
        );
    }

    #[test]
    fn excerpt_is_short_and_marks_truncation() {
        assert_eq!(excerpt(b"<html>", 100), "<html>");
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
        assert_eq!(excerpt(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
