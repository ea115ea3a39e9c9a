//! Verification of the kdocs `WPS-2` request signature.
//!
//! Written from the platform rules, independently of any client-side signer, so
//! that a signer bug cannot be mirrored by the fake:
//!
//! * `Content-Type` is exactly `application/json`, or, on a multipart route,
//!   `multipart/form-data; boundary=…` (signed as sent, boundary included);
//! * `Content-Md5` is the lowercase hex md5 of the body bytes, or of the request
//!   URI as sent (path plus `?query`) when there are no body bytes (an absent
//!   body and an empty one are the same rule);
//! * `Date` is an RFC 1123 GMT date no more than 15 minutes from the server clock;
//! * `Authorization` is `WPS-2:<app_id>:<sha1 hex of app_key + Content-Md5 + Content-Type + Date>`.

use std::time::{Duration, SystemTime};

use hyper::header::HeaderMap;
use md5::{Digest, Md5};
use sha1::Sha1;

use super::errors::FakeError;

/// How far the `Date` header may be from the fake clock.
pub(crate) const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// The only accepted `Content-Type`.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json";

/// Lowercase hex md5.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Lowercase hex sha1.
pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// The signature part of `Authorization`: sha1(app_key + Content-Md5 + Content-Type + Date).
pub(crate) fn expected_signature(
    app_key: &str,
    content_md5: &str,
    content_type: &str,
    date: &str,
) -> String {
    let mut h = Sha1::new();
    h.update(app_key.as_bytes());
    h.update(content_md5.as_bytes());
    h.update(content_type.as_bytes());
    h.update(date.as_bytes());
    hex::encode(h.finalize())
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, FakeError> {
    let value = headers
        .get(name)
        .ok_or_else(|| FakeError::invalid_signature(format!("{name} header missing")))?;
    value
        .to_str()
        .map_err(|_| FakeError::invalid_signature(format!("{name} header is not visible ASCII")))
}

/// The signature headers of a request, checked as far as they can be
/// without its body.
#[derive(Debug)]
pub(crate) struct Head<'h> {
    app_id: &'h str,
    signature: &'h str,
    content_type: &'h str,
    content_md5: &'h str,
    date: &'h str,
}

/// The checks of the signature headers that need no body: the four headers
/// are there, `Authorization` is `WPS-2:<app_id>:<40 lowercase hex>`,
/// `Content-Type` follows the route's rule, `Content-Md5` is 32 lowercase hex,
/// `Date` is an RFC 1123 date within [`MAX_CLOCK_SKEW`] of `now`, and
/// `is_known_app` knows the app id. The server runs them before it reads a
/// body, so an unsigned request costs it no body read.
pub(crate) fn check_head(
    headers: &HeaderMap,
    now: SystemTime,
    multipart: bool,
    is_known_app: impl FnOnce(&str) -> bool,
) -> Result<Head<'_>, FakeError> {
    let authorization = header(headers, "Authorization")?;
    let content_type = header(headers, "Content-Type")?;
    let content_md5 = header(headers, "Content-Md5")?;
    let date = header(headers, "Date")?;

    let mut parts = authorization.splitn(3, ':');
    let (scheme, app_id, signature) = match (parts.next(), parts.next(), parts.next()) {
        (Some(s), Some(a), Some(g)) if !a.is_empty() && !g.is_empty() => (s, a, g),
        _ => {
            return Err(FakeError::invalid_signature(
                "Authorization header must look like WPS-2:<app_id>:<sha1 hex>",
            ))
        }
    };
    if scheme != "WPS-2" {
        return Err(FakeError::invalid_signature(format!(
            "Authorization scheme must be WPS-2, got {scheme:?}"
        )));
    }
    let lower_hex = |text: &str, len: usize| {
        text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if !lower_hex(signature, 40) {
        return Err(FakeError::invalid_signature(
            "the signature must be 40 lowercase hex digits: \
             sha1(app_key + Content-Md5 + Content-Type + Date)",
        ));
    }

    if multipart {
        let boundary = content_type
            .strip_prefix("multipart/form-data;")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix("boundary="));
        if boundary.is_none_or(str::is_empty) {
            return Err(FakeError::invalid_signature(format!(
                "Content-Type must be multipart/form-data; boundary=…, got {content_type:?}"
            )));
        }
    } else if content_type != JSON_CONTENT_TYPE {
        return Err(FakeError::invalid_signature(format!(
            "Content-Type must be application/json, got {content_type:?}"
        )));
    }

    if !lower_hex(content_md5, 32) {
        return Err(FakeError::invalid_signature(
            "Content-Md5 must be 32 lowercase hex digits: the md5 of the body, \
             or of the request URI when there is no body",
        ));
    }

    let sent = httpdate::parse_http_date(date).map_err(|_| {
        FakeError::invalid_signature(format!(
            "Date {date:?} is not an RFC 1123 date like \"Wed, 23 Jan 2013 06:43:08 GMT\""
        ))
    })?;
    let skew = match sent.duration_since(now) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > MAX_CLOCK_SKEW {
        return Err(FakeError::invalid_signature(format!(
            "Date {date:?} is more than 15 minutes from server time {:?}",
            httpdate::fmt_http_date(now)
        )));
    }

    if !is_known_app(app_id) {
        return Err(FakeError::invalid_signature(format!(
            "unknown app_id {app_id:?}"
        )));
    }
    Ok(Head {
        app_id,
        signature,
        content_type,
        content_md5,
        date,
    })
}

/// Checks the four signature headers ([`check_head`]) and then what needs
/// the body: `Content-Md5` is its md5 (or the URI's), and the signature is
/// the one of the app's key. `app_key_of` looks up the key registered for an
/// app id. Returns the calling app id.
pub(crate) fn verify(
    headers: &HeaderMap,
    path_and_query: &str,
    body: &[u8],
    now: SystemTime,
    multipart: bool,
    app_key_of: impl FnOnce(&str) -> Option<String>,
) -> Result<String, FakeError> {
    let mut app_key = None;
    let head = check_head(headers, now, multipart, |app_id| {
        app_key = app_key_of(app_id);
        app_key.is_some()
    })?;

    let expected_md5 = if body.is_empty() {
        md5_hex(path_and_query.as_bytes())
    } else {
        md5_hex(body)
    };
    if head.content_md5 != expected_md5 {
        let hint = if body.is_empty() {
            format!(
                "Content-Md5 does not match md5 of the request URI {path_and_query:?} \
                 (the body is empty, so the URI as sent is hashed)"
            )
        } else {
            format!(
                "Content-Md5 does not match md5 of the body ({} bytes); \
                 it must be the lowercase hex md5 of the exact body bytes",
                body.len()
            )
        };
        return Err(FakeError::invalid_signature(hint));
    }

    let app_key = app_key.unwrap_or_default();
    let expected = expected_signature(&app_key, head.content_md5, head.content_type, head.date);
    if head.signature != expected {
        return Err(FakeError::invalid_signature(
            "signature does not match: expected lowercase hex \
             sha1(app_key + Content-Md5 + Content-Type + Date) for this app_id",
        ));
    }
    Ok(head.app_id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, DATE};

    #[test]
    fn known_answer_sha1() {
        assert_eq!(
            expected_signature(
                "wJalrXUtnFEYEXAMPLEKES",
                "d41d8cd98f00b204e9800998ecf8427e",
                "application/json",
                "Wed, 23 Jan 2013 06:43:08 GMT"
            ),
            "083500176fa3aab58ca2dc962978013b3ca2b6df"
        );
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    fn headers(auth: &str, md5: &str, date: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert("content-md5", HeaderValue::from_str(md5).unwrap());
        h.insert(DATE, HeaderValue::from_str(date).unwrap());
        h
    }

    /// The same rule as the client's signer, written again here: an empty body
    /// is signed like an absent one, with the md5 of the request URI.
    #[test]
    fn empty_body_is_signed_with_the_md5_of_the_uri() {
        let date = "Wed, 23 Jan 2013 06:43:08 GMT";
        let now = httpdate::parse_http_date(date).unwrap();
        let uri = "/api/v1/openapi/anonymous/token";
        let key = "wJalrXUtnFEYEXAMPLEKES";
        let signed = |md5: &str| {
            let auth = format!(
                "WPS-2:AK:{}",
                expected_signature(key, md5, JSON_CONTENT_TYPE, date)
            );
            headers(&auth, md5, date)
        };
        let uri_md5 = md5_hex(uri.as_bytes());
        assert_eq!(
            verify(&signed(&uri_md5), uri, b"", now, false, |_| Some(
                key.into()
            ))
            .unwrap(),
            "AK"
        );
        // md5 of the empty string is not the rule for an empty body.
        let err = verify(&signed(&md5_hex(b"")), uri, b"", now, false, |_| {
            Some(key.into())
        })
        .unwrap_err();
        assert!(err.hint.contains("md5 of the request URI"), "{}", err.hint);
        // With body bytes, the body is hashed, not the URI.
        let err = verify(&signed(&uri_md5), uri, b"{}", now, false, |_| {
            Some(key.into())
        })
        .unwrap_err();
        assert!(err.hint.contains("md5 of the body"), "{}", err.hint);
    }

    #[test]
    fn verifies_known_answer_request() {
        let date = "Wed, 23 Jan 2013 06:43:08 GMT";
        let now = httpdate::parse_http_date(date).unwrap();
        // md5 of an empty URI is the md5 of the empty string.
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let auth = "WPS-2:AK:083500176fa3aab58ca2dc962978013b3ca2b6df";
        let key = || Some("wJalrXUtnFEYEXAMPLEKES".to_owned());
        assert_eq!(
            verify(&headers(auth, md5, date), "", b"", now, false, |_| key()).unwrap(),
            "AK"
        );
        let err = verify(&headers(auth, md5, date), "", b"", now, false, |_| {
            Some("other".into())
        })
        .unwrap_err();
        assert!(
            err.hint.starts_with("signature does not match"),
            "{}",
            err.hint
        );
        let later = now + Duration::from_secs(15 * 60 + 1);
        let err = verify(&headers(auth, md5, date), "", b"", later, false, |_| key()).unwrap_err();
        assert!(err.hint.contains("more than 15 minutes"), "{}", err.hint);
        let err = verify(&headers(auth, md5, date), "", b"", now, false, |_| None).unwrap_err();
        assert!(err.hint.contains("unknown app_id"), "{}", err.hint);
        let err = verify(&headers("WPS-2:AK", md5, date), "", b"", now, false, |_| {
            key()
        })
        .unwrap_err();
        assert!(err.hint.contains("must look like"), "{}", err.hint);
        let err = verify(&HeaderMap::new(), "", b"", now, false, |_| key()).unwrap_err();
        assert_eq!(err.hint, "Authorization header missing");
    }

    /// Each part the head check looks at, wrong on its own, is refused with
    /// a hint naming it; a well-formed head passes without the body.
    #[test]
    fn the_head_is_checked_without_the_body() {
        let date = "Wed, 23 Jan 2013 06:43:08 GMT";
        let now = httpdate::parse_http_date(date).unwrap();
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let sig = "083500176fa3aab58ca2dc962978013b3ca2b6df";
        let known = |app: &str| app == "AK";
        let good = headers(&format!("WPS-2:AK:{sig}"), md5, date);
        let head = check_head(&good, now, false, known).unwrap();
        assert_eq!((head.app_id, head.signature), ("AK", sig));
        for (auth, md5, date, hint) in [
            (format!("WPS-2:other:{sig}"), md5, date, "unknown app_id"),
            ("WPS-2:AK:not-hex".to_owned(), md5, date, "40 lowercase hex"),
            (
                format!("WPS-2:AK:{}", sig.to_ascii_uppercase()),
                md5,
                date,
                "40 lowercase hex",
            ),
            (
                format!("WPS-2:AK:{sig}"),
                "D41D8CD98F00B204E9800998ECF8427E",
                date,
                "Content-Md5 must be 32",
            ),
            (
                format!("WPS-2:AK:{sig}"),
                "abc",
                date,
                "Content-Md5 must be 32",
            ),
            (
                format!("WPS-2:AK:{sig}"),
                md5,
                "yesterday",
                "not an RFC 1123 date",
            ),
            (format!("WPS-3:AK:{sig}"), md5, date, "scheme must be WPS-2"),
        ] {
            let err = check_head(&headers(&auth, md5, date), now, false, known).unwrap_err();
            assert!(err.hint.contains(hint), "{auth} {md5} {date}: {}", err.hint);
        }
        let mut no_date = headers(&format!("WPS-2:AK:{sig}"), md5, date);
        no_date.remove(DATE);
        let err = check_head(&no_date, now, false, known).unwrap_err();
        assert_eq!(err.hint, "Date header missing");
        // A JSON content type on a multipart route.
        let err = check_head(
            &headers(&format!("WPS-2:AK:{sig}"), md5, date),
            now,
            true,
            known,
        )
        .unwrap_err();
        assert!(err.hint.contains("multipart/form-data"), "{}", err.hint);
    }
}
