//! WPS-2 request signing.
//!
//! Every kdocs request carries four headers (lowercase hex everywhere):
//!
//! | header          | value |
//! |-----------------|-------|
//! | `Date`          | the current time, RFC 1123, GMT (`Wed, 23 Jan 2013 06:43:08 GMT`) |
//! | `Content-Type`  | `application/json` |
//! | `Content-Md5`   | md5 of the exact body bytes; for a request without a body or with an empty one, md5 of the request URI as sent (path plus `?query`, no scheme or host) |
//! | `Authorization` | `WPS-2:{app_id}:{sha1_hex(app_key + Content-Md5 + Content-Type + Date)}` |
//!
//! The docs only say "GET requests use the URI"; how a bodyless DELETE, or a
//! POST with an empty body, is signed is undocumented. Two public kdocs clients
//! hash the URI for every request whose body is absent or empty, and so does
//! [`content_md5`]: one rule, empty or absent body → md5 of the request URI. It
//! lives here and nowhere else, so it can change without touching generated code.
//!
//! The signer takes the time as an argument, which keeps it a pure function.

use std::time::SystemTime;

use md5::{Digest as _, Md5};
use sha1::Sha1;

use super::secret::Secret;

/// The only content type kdocs accepts; the exact value sent is the one signed.
pub const CONTENT_TYPE: &str = "application/json";

/// The four signed headers of one request.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Date` header value.
    pub date: String,
    /// `Content-Type` header value (`application/json`, or
    /// `multipart/form-data; boundary=…` for a multipart body).
    pub content_type: String,
    /// `Content-Md5` header value.
    pub content_md5: String,
    /// `Authorization` header value. It proves knowledge of the app key but does
    /// not reveal it; still, it is a replayable credential for 15 minutes, so
    /// `Debug` redacts it.
    pub authorization: String,
}

impl std::fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("date", &self.date)
            .field("content_type", &self.content_type)
            .field("content_md5", &self.content_md5)
            .field("authorization", &"WPS-2:***")
            .finish()
    }
}

/// The `Content-Md5` of a request: md5 of `body` when it has at least one
/// byte, otherwise (no body, or an empty one) md5 of `request_uri` (path plus
/// `?query`, exactly as sent).
pub fn content_md5(body: Option<&[u8]>, request_uri: &str) -> String {
    match body {
        Some(bytes) if !bytes.is_empty() => md5_hex(bytes),
        _ => md5_hex(request_uri.as_bytes()),
    }
}

/// Lowercase hex md5.
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// The signature part of `Authorization`: `sha1_hex(app_key + content_md5 + content_type + date)`.
pub fn signature(
    app_key: &Secret<String>,
    content_md5: &str,
    content_type: &str,
    date: &str,
) -> String {
    let mut hasher = Sha1::new();
    hasher.update(app_key.expose().as_bytes());
    hasher.update(content_md5.as_bytes());
    hasher.update(content_type.as_bytes());
    hasher.update(date.as_bytes());
    hex::encode(hasher.finalize())
}

/// Signs one request at time `now`.
pub fn sign(
    app_id: &str,
    app_key: &Secret<String>,
    body: Option<&[u8]>,
    request_uri: &str,
    now: SystemTime,
) -> SignedHeaders {
    sign_digest(
        app_id,
        app_key,
        content_md5(body, request_uri),
        CONTENT_TYPE,
        now,
    )
}

/// Signs a request whose `Content-Md5` is already known: a multipart body is
/// hashed while it is written, and signed with its own `Content-Type`
/// (`multipart/form-data; boundary=…`), exactly as sent.
pub fn sign_digest(
    app_id: &str,
    app_key: &Secret<String>,
    content_md5: String,
    content_type: &str,
    now: SystemTime,
) -> SignedHeaders {
    let date = httpdate::fmt_http_date(now);
    let signature = signature(app_key, &content_md5, content_type, &date);
    SignedHeaders {
        authorization: format!("WPS-2:{app_id}:{signature}"),
        date,
        content_type: content_type.to_owned(),
        content_md5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// The known answer from the kdocs signing docs.
    #[test]
    fn known_answer_from_the_docs() {
        let key = Secret::new("wJalrXUtnFEYEXAMPLEKES".to_owned());
        let sig = signature(
            &key,
            "d41d8cd98f00b204e9800998ecf8427e",
            "application/json",
            "Wed, 23 Jan 2013 06:43:08 GMT",
        );
        assert_eq!(sig, "083500176fa3aab58ca2dc962978013b3ca2b6df");
    }

    #[test]
    fn sign_formats_date_and_uses_uri_without_body() {
        // 2013-01-23T06:43:08Z
        let now = UNIX_EPOCH + Duration::from_secs(1_358_923_388);
        let key = Secret::new("wJalrXUtnFEYEXAMPLEKES".to_owned());
        let h = sign("SX1", &key, None, "/a?b=c", now);
        assert_eq!(h.date, "Wed, 23 Jan 2013 06:43:08 GMT");
        assert_eq!(h.content_md5, md5_hex(b"/a?b=c"));
        assert_eq!(
            h.authorization,
            format!(
                "WPS-2:SX1:{}",
                signature(&key, &h.content_md5, CONTENT_TYPE, &h.date)
            )
        );
        let with_body = sign("SX1", &key, Some(b"{}"), "/a?b=c", now);
        assert_eq!(with_body.content_md5, "99914b932bd37a50b983c5e7c90ae93b");
        assert!(!format!("{with_body:?}").contains(&with_body.authorization));
    }

    /// One rule for every request without body bytes: an empty body is signed
    /// like an absent one, with the md5 of the request URI (never md5 of "").
    #[test]
    fn empty_body_hashes_the_request_uri_like_an_absent_one() {
        let uri = "/api/v1/openapi/anonymous/token?x=1";
        assert_eq!(content_md5(Some(b""), uri), md5_hex(uri.as_bytes()));
        assert_eq!(content_md5(Some(b""), uri), content_md5(None, uri));
        assert_ne!(content_md5(Some(b""), uri), md5_hex(b""));
        // One byte of body is a body.
        assert_eq!(content_md5(Some(b" "), uri), md5_hex(b" "));
        let now = UNIX_EPOCH + Duration::from_secs(1_358_923_388);
        let key = Secret::new("k".to_owned());
        assert_eq!(
            sign("SX1", &key, Some(b""), uri, now),
            sign("SX1", &key, None, uri, now)
        );
    }

    #[test]
    fn empty_md5_is_the_documented_template_value() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
