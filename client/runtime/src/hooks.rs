//! Hooks: add headers to every request, observe every attempt.
//!
//! A [`Hook`] given to [`Config::with_hook`](super::Config::with_hook) is
//! called before each attempt is sent ([`Hook::on_request`], which may add
//! headers) and when it ends ([`Hook::on_response`]). It sees the operation,
//! the method, the path *template*, the attempt number, the status and the
//! time taken: never a URL, a token or a signature.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use kdocs_runtime::{Hook, HookRequest, HookResponse};
//!
//! /// Tags requests with a trace id and counts failures.
//! #[derive(Default)]
//! struct Tracing { failures: AtomicU64 }
//!
//! impl Hook for Tracing {
//!     fn on_request(&self, request: &mut HookRequest<'_>) {
//!         request.insert_header("x-trace-id", "4bf92f35").expect("not a signed header");
//!     }
//!     fn on_response(&self, response: &HookResponse<'_>) {
//!         if response.error.is_some() {
//!             self.failures.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//! let config = kdocs_runtime::Config::new().with_hook(Tracing::default());
//! # let _ = config;
//! ```

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::error::Error;
use super::request::Method;

/// Called around every attempt of every call. Both methods do nothing by
/// default.
pub trait Hook: Send + Sync + 'static {
    /// Before an attempt is sent.
    fn on_request(&self, request: &mut HookRequest<'_>) {
        let _ = request;
    }

    /// When an attempt got its answer, or failed.
    fn on_response(&self, response: &HookResponse<'_>) {
        let _ = response;
    }
}

/// An attempt about to be sent.
pub struct HookRequest<'a> {
    /// The operation name.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template (`/files/{file_token}/download`), not the path sent.
    pub path: &'static str,
    /// 1 for the first attempt, then 2, 3… for retries.
    pub attempt: u32,
    pub(crate) headers: &'a mut HeaderMap,
}

/// The headers a hook may not set: the signed ones, what the transport owns
/// (the hop-by-hop headers among them), and those that carry credentials or
/// where the caller has been (`Cookie`, `Proxy-Authorization`, `Referer`),
/// which the client never sends.
const RESERVED: &[&str] = &[
    "authorization",
    "content-md5",
    "content-type",
    "content-length",
    "content-disposition",
    "date",
    "host",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "proxy-connection",
    "proxy-authorization",
    "cookie",
    "referer",
];

/// Why a hook's header was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderRefused {
    /// Not a valid header name or value.
    #[error("not a valid header: {0}")]
    Invalid(String),
    /// A header the client sets itself (signed, or owned by the transport).
    #[error("the client sets `{0}` itself")]
    Reserved(String),
}

impl HookRequest<'_> {
    /// Adds a header to this attempt (replacing one of the same name). The
    /// WPS-2 signature does not cover it.
    pub fn insert_header(&mut self, name: &str, value: &str) -> Result<(), HeaderRefused> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| HeaderRefused::Invalid(e.to_string()))?;
        if RESERVED.contains(&name.as_str()) {
            return Err(HeaderRefused::Reserved(name.as_str().to_owned()));
        }
        let value =
            HeaderValue::from_str(value).map_err(|e| HeaderRefused::Invalid(e.to_string()))?;
        self.headers.insert(name, value);
        Ok(())
    }
}

/// An attempt that ended.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct HookResponse<'a> {
    /// The operation name.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// The attempt number.
    pub attempt: u32,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// From sending to the end of the answer (or the failure).
    pub elapsed: Duration,
    /// The failure, when the attempt failed (a decoded error envelope too).
    pub error: Option<&'a Error>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_cannot_touch_signed_headers() {
        let mut headers = HeaderMap::new();
        let mut request = HookRequest {
            operation: "op",
            method: Method::Get,
            path: "/p",
            attempt: 1,
            headers: &mut headers,
        };
        request.insert_header("X-Trace", "abc").unwrap();
        for name in [
            "Authorization",
            "date",
            "Content-MD5",
            "Host",
            "Referer",
            "Cookie",
            "Proxy-Authorization",
            "Connection",
            "TE",
            "Expect",
            "Upgrade",
            "Keep-Alive",
        ] {
            assert!(matches!(
                request.insert_header(name, "x"),
                Err(HeaderRefused::Reserved(_))
            ));
        }
        assert!(matches!(
            request.insert_header("bad name", "x"),
            Err(HeaderRefused::Invalid(_))
        ));
        assert!(matches!(
            request.insert_header("x-ok", "line\nbreak"),
            Err(HeaderRefused::Invalid(_))
        ));
        assert_eq!(headers["x-trace"], "abc");
    }
}
