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
//!
//! [`Wps2`] is what the client uses for every attempt: the three computed
//! values on the stack, with no allocation (hex into arrays, the `Date` text
//! cached per thread for the current second). [`sign`] and [`sign_digest`]
//! give the same values as `String`s.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

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
    Md5Hex::of_request(body, request_uri).as_str().to_owned()
}

/// Lowercase hex md5.
pub fn md5_hex(bytes: &[u8]) -> String {
    Md5Hex::of(bytes).as_str().to_owned()
}

/// The signature part of `Authorization`: `sha1_hex(app_key + content_md5 + content_type + date)`.
pub fn signature(
    app_key: &Secret<String>,
    content_md5: &str,
    content_type: &str,
    date: &str,
) -> String {
    signature_hex(
        app_key,
        content_md5.as_bytes(),
        content_type,
        date.as_bytes(),
    )
    .as_str()
    .to_owned()
}

/// [`signature`] on the stack.
fn signature_hex(
    app_key: &Secret<String>,
    content_md5: &[u8],
    content_type: &str,
    date: &[u8],
) -> Hex<40> {
    let mut hasher = Sha1::new();
    hasher.update(app_key.expose().as_bytes());
    hasher.update(content_md5);
    hasher.update(content_type.as_bytes());
    hasher.update(date);
    Hex::encode(&hasher.finalize())
}

/// Lowercase hex digits on the stack (`N` is twice the bytes encoded).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex<const N: usize>([u8; N]);

/// A lowercase hex md5 (32 digits), on the stack.
pub type Md5Hex = Hex<32>;

impl<const N: usize> Hex<N> {
    /// The hex digits of `bytes` (`N / 2` of them).
    pub(crate) fn encode(bytes: &[u8]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        debug_assert_eq!(bytes.len() * 2, N);
        let mut out = [b'0'; N];
        for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        Hex(out)
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The digits as bytes (for a header value: no UTF-8 check).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Md5Hex {
    /// The md5 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Hex::encode(&Md5::digest(bytes))
    }

    /// [`content_md5`] on the stack.
    pub fn of_request(body: Option<&[u8]>, request_uri: &str) -> Self {
        match body {
            Some(bytes) if !bytes.is_empty() => Self::of(bytes),
            _ => Self::of(request_uri.as_bytes()),
        }
    }
}

impl<const N: usize> std::fmt::Debug for Hex<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An HTTP date (`Wed, 23 Jan 2013 06:43:08 GMT`, always 29 characters).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HttpDate([u8; 29]);

impl HttpDate {
    /// `now` as an HTTP date. The text of the last second formatted on this
    /// thread is kept: every request signed within one second reuses it.
    ///
    /// Panics, as `httpdate` does, for a time before 1970 or after 9999.
    pub fn at(now: SystemTime) -> Self {
        thread_local! {
            static LAST: Cell<Option<(u64, HttpDate)>> = const { Cell::new(None) };
        }
        let secs = now
            .duration_since(UNIX_EPOCH)
            .map_or(u64::MAX, |d| d.as_secs());
        if let Some((cached, date)) = LAST.get() {
            if cached == secs {
                return date;
            }
        }
        let date = Self::format(now);
        LAST.set(Some((secs, date)));
        date
    }

    fn format(now: SystemTime) -> Self {
        use std::fmt::Write as _;

        /// Writes into the fixed buffer, refusing anything longer.
        struct Buffer([u8; 29], usize);
        impl std::fmt::Write for Buffer {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                let end = self.1 + s.len();
                self.0
                    .get_mut(self.1..end)
                    .ok_or(std::fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                self.1 = end;
                Ok(())
            }
        }
        let mut buffer = Buffer([b' '; 29], 0);
        let date = httpdate::HttpDate::from(now);
        if write!(buffer, "{date}").is_err() || buffer.1 != 29 {
            // httpdate only formats years 1970 to 9999, always in 29 bytes.
            unreachable!("an HTTP date is 29 bytes");
        }
        HttpDate(buffer.0)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only the ASCII text `httpdate` wrote is ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The text as bytes (for a header value: no UTF-8 check).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for HttpDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The WPS-2 values of one request, on the stack: what the client computes
/// for every attempt, without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Wps2 {
    /// `Date` header value.
    pub date: HttpDate,
    /// `Content-Md5` header value.
    pub content_md5: Md5Hex,
    /// The signature: `Authorization` is `WPS-2:{app_id}:{signature}`.
    /// `Debug` hides it.
    pub signature: Hex<40>,
}

impl Wps2 {
    /// Signs a request whose `Content-Md5` is `content_md5` (see
    /// [`Md5Hex::of_request`]) and whose `Content-Type` is `content_type`, at
    /// time `now`.
    pub fn sign(
        app_key: &Secret<String>,
        content_md5: Md5Hex,
        content_type: &str,
        now: SystemTime,
    ) -> Self {
        let date = HttpDate::at(now);
        let signature = signature_hex(
            app_key,
            content_md5.as_bytes(),
            content_type,
            date.as_bytes(),
        );
        Wps2 {
            date,
            content_md5,
            signature,
        }
    }

    /// The `Authorization` header value.
    pub fn authorization(&self, app_id: &str) -> String {
        authorization(app_id, &self.signature)
    }
}

/// The `Authorization` header value of `signature`: `WPS-2:{app_id}:{signature}`.
pub fn authorization(app_id: &str, signature: &Hex<40>) -> String {
    let mut value = String::with_capacity(7 + app_id.len() + 40);
    value.push_str("WPS-2:");
    value.push_str(app_id);
    value.push(':');
    value.push_str(signature.as_str());
    value
}

impl std::fmt::Debug for Wps2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wps2")
            .field("date", &self.date)
            .field("content_md5", &self.content_md5)
            .field("signature", &"***")
            .finish()
    }
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

    /// The stack signer gives the same values as the `String` one, across
    /// seconds (the cached date follows the clock) and for both md5 rules.
    #[test]
    fn stack_signer_matches_the_string_signer() {
        let key = Secret::new("wJalrXUtnFEYEXAMPLEKES".to_owned());
        for secs in [
            0,
            1_358_923_388,
            1_358_923_388,
            1_358_923_389,
            4_102_444_799,
        ] {
            let now = UNIX_EPOCH + Duration::from_secs(secs);
            for body in [None, Some(&b""[..]), Some(&b"{\"a\":1}"[..])] {
                let uri = "/api/v1/x/%E6%96%87?q=1";
                let strings = sign("SX1", &key, body, uri, now);
                let md5 = Md5Hex::of_request(body, uri);
                let stack = Wps2::sign(&key, md5, CONTENT_TYPE, now);
                assert_eq!(stack.date.as_str(), strings.date);
                assert_eq!(stack.content_md5.as_str(), strings.content_md5);
                assert_eq!(stack.authorization("SX1"), strings.authorization);
                assert!(!format!("{stack:?}").contains(stack.signature.as_str()));
            }
        }
        // Sub-second times share the second's date.
        let t = UNIX_EPOCH + Duration::from_millis(1_358_923_388_999);
        assert_eq!(HttpDate::at(t).as_str(), "Wed, 23 Jan 2013 06:43:08 GMT");
        assert_eq!(
            HttpDate::at(t + Duration::from_millis(1)).as_str(),
            "Wed, 23 Jan 2013 06:43:09 GMT"
        );
    }

    #[test]
    fn empty_md5_is_the_documented_template_value() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
