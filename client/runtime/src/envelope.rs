//! The kdocs response envelope `{code, message, hint, data, extra}`.
//!
//! `code` 0 is success and `data` is the result (the download-URL page says
//! "非 0 表示成功", non-zero means success, but every example shows 0; decision D2
//! in `api-spec/service.yaml`). Any other code is an error, whatever the HTTP
//! status: kdocs sends error envelopes with 200 as well as with 4xx.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::{
    escape_controls, excerpt, redact_json_strings, ApiError, CallContext, DecodeError, Error,
};
use super::scrub::Scrubber;

/// How many characters of a bad body an error shows.
const EXCERPT_CHARS: usize = 160;

#[derive(Deserialize)]
struct Envelope {
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    extra: Option<serde_json::Value>,
}

/// A success envelope read straight into the operation's output. The other
/// fields are checked for the types [`Envelope`] gives them (so that a body
/// this accepts is one `Envelope` accepts) without being kept.
#[derive(Deserialize)]
struct Success<T> {
    code: Option<i64>,
    data: Option<T>,
    #[serde(rename = "message")]
    _message: Option<AnyString>,
    #[serde(rename = "hint")]
    _hint: Option<AnyString>,
    #[serde(rename = "extra")]
    _extra: Option<serde::de::IgnoredAny>,
}

/// A JSON string, checked and dropped.
struct AnyString;

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = AnyString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AnyString, E> {
                Ok(AnyString)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// The output of a success: HTTP 2xx, `code` 0 and a `data` that decodes
/// (read straight from the bytes, without an intermediate
/// `serde_json::Value`). `None` for anything else, which [`decode`] then
/// turns into the same output or into its typed error: a body this accepts
/// is one `decode` accepts with the same output, and any other body goes to
/// `decode` unchanged.
pub(crate) fn decode_success<T: DeserializeOwned>(status: u16, body: &[u8]) -> Option<T> {
    if !(200..300).contains(&status) {
        return None;
    }
    match serde_json::from_slice::<Success<T>>(body).ok()? {
        Success {
            code: Some(0),
            data: Some(data),
            ..
        } => Some(data),
        // No `data` (or `null`): an empty object, as in `decode`.
        Success {
            code: Some(0),
            data: None,
            ..
        } => T::deserialize(serde_json::Value::Object(Default::default())).ok(),
        _ => None,
    }
}

/// Decodes a response body into the operation's output or a typed error.
///
/// Every text of the service that an error keeps (message, hint, `extra`, the
/// body excerpt) has the request's secrets removed by `scrubber` first.
pub(crate) fn decode<T: DeserializeOwned>(
    context: CallContext,
    status: u16,
    retry_after: Option<u64>,
    body: &[u8],
    scrubber: &Scrubber<'_>,
) -> Result<T, Error> {
    let decode_error = |reason: String| {
        let mut reason = reason;
        scrubber.scrub_string(&mut reason);
        Error::Decode(Box::new(DecodeError {
            context,
            status,
            reason,
            excerpt: excerpt(body, EXCERPT_CHARS, scrubber),
        }))
    };
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(e) if body.is_empty() => return Err(decode_error(format!("the body is empty ({e})"))),
        Err(e) => return Err(decode_error(redact_json_strings(&e.to_string()))),
    };
    let Some(code) = envelope.code else {
        return Err(decode_error("the envelope has no `code`".into()));
    };
    if code != 0 {
        // Stored escaped: whoever prints these fields (a log, a terminal, a
        // web page) gets no control characters from the service.
        let mut message = escape_controls(&envelope.message.unwrap_or_default()).into_owned();
        let mut hint = escape_controls(&envelope.hint.unwrap_or_default()).into_owned();
        let mut extra = envelope.extra;
        scrubber.scrub_string(&mut message);
        scrubber.scrub_string(&mut hint);
        if let Some(extra) = extra.as_mut() {
            scrubber.scrub_json(extra);
        }
        return Err(Error::Api(Box::new(ApiError {
            context,
            status,
            code,
            message,
            hint,
            extra,
            retry_after,
            clock_skew_secs: None,
            known: None,
        })));
    }
    if !(200..300).contains(&status) {
        return Err(decode_error(format!(
            "HTTP {status} came with a success envelope (code 0)"
        )));
    }
    let data = envelope
        .data
        .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
    T::deserialize(data).map_err(|e| {
        decode_error(format!(
            "`data` does not match: {}",
            redact_json_strings(&e.to_string())
        ))
    })
}

/// Why a body could not be read.
pub(crate) enum ReadError {
    Transport(reqwest::Error),
    TooLarge { limit: usize },
}

/// Reads the whole body, refusing to hold more than `limit` bytes. A body
/// that comes in one chunk is kept as it came (no copy).
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<bytes::Bytes, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(ReadError::TooLarge { limit });
    }
    let mut first: Option<bytes::Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut len = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        len = len.saturating_add(chunk.len());
        if len > limit {
            return Err(ReadError::TooLarge { limit });
        }
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            earlier => {
                if let Some(earlier) = earlier {
                    joined.reserve(declared.map_or(0, |d| d as usize).max(len));
                    joined.extend_from_slice(&earlier);
                }
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok(match first {
        Some(only) => only,
        None => joined.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;

    const CONTEXT: CallContext = CallContext {
        operation: "op",
        method: Method::Post,
        path: "/p",
    };

    #[derive(Debug, Deserialize, PartialEq)]
    struct Data {
        value: String,
        expire_at: i64,
    }

    #[test]
    fn success_decodes_data() {
        let body = br#"{"code":0,"data":{"value":"v","expire_at":1659008671}}"#;
        let data: Data = decode(CONTEXT, 200, None, body, &Scrubber::default()).unwrap();
        assert_eq!(
            data,
            Data {
                value: "v".into(),
                expire_at: 1659008671
            }
        );
    }

    /// The fast path takes the success envelope only; every other body is
    /// left to `decode`, including ones whose other fields have the wrong
    /// type (which `decode` refuses).
    #[test]
    fn fast_path_takes_only_what_decode_accepts() {
        let ok = br#"{"code":0,"message":"","hint":null,"extra":[1],"data":{"value":"v","expire_at":1}}"#;
        let fast = decode_success::<Data>(200, ok).unwrap();
        assert_eq!(
            Some(fast),
            decode::<Data>(CONTEXT, 200, None, ok, &Scrubber::default()).ok()
        );
        let empty: serde_json::Value = decode_success(200, br#"{"code":0,"data":null}"#).unwrap();
        assert_eq!(empty, serde_json::json!({}));
        for (status, body) in [
            (
                403,
                &br#"{"code":0,"data":{"value":"v","expire_at":1}}"#[..],
            ),
            (200, br#"{"code":1,"data":{"value":"v","expire_at":1}}"#),
            (200, br#"{"data":{"value":"v","expire_at":1}}"#),
            (
                200,
                br#"{"code":0,"message":5,"data":{"value":"v","expire_at":1}}"#,
            ),
            (
                200,
                br#"{"code":0,"hint":{},"data":{"value":"v","expire_at":1}}"#,
            ),
            (
                200,
                br#"{"code":0,"code":0,"data":{"value":"v","expire_at":1}}"#,
            ),
            (200, br#"{"code":0,"data":{"value":1,"expire_at":1}}"#),
            (200, br#"{"code":0,"data":{"value":"v","expire_at":1}} x"#),
        ] {
            assert!(decode_success::<Data>(status, body).is_none(), "{body:?}");
            assert!(
                decode::<Data>(CONTEXT, status, None, body, &Scrubber::default()).is_err(),
                "{body:?}"
            );
        }
    }

    #[test]
    fn error_envelope_with_any_status() {
        for status in [200, 403] {
            let body = br#"{"code":20007,"message":"AccessTokenInvalid","hint":"access_token is required","extra":{"a":1}}"#;
            let err =
                decode::<Data>(CONTEXT, status, None, body, &Scrubber::default()).unwrap_err();
            let api = err.api().expect("api error");
            assert_eq!(
                (
                    api.status,
                    api.code,
                    api.message.as_str(),
                    api.hint.as_str()
                ),
                (
                    status,
                    20007,
                    "AccessTokenInvalid",
                    "access_token is required"
                )
            );
            assert_eq!(api.extra, Some(serde_json::json!({"a": 1})));
        }
    }

    #[test]
    fn non_json_and_wrong_shapes_are_decode_errors_without_secrets() {
        let err = decode::<Data>(
            CONTEXT,
            502,
            None,
            b"<html>Bad gateway</html>",
            &Scrubber::default(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("HTTP 502") && text.contains("<html>Bad gateway</html>"),
            "{text}"
        );

        let body = br#"{"code":0,"data":{"value":12,"expire_at":"Anonymous-secret"}}"#;
        let text = decode::<Data>(CONTEXT, 200, None, body, &Scrubber::default())
            .unwrap_err()
            .to_string();
        assert!(!text.contains("Anonymous-secret"), "{text}");
        assert!(text.contains("data"), "{text}");

        let truncated = br#"{"code":0,"data":{"value":"Anonymous-sec"#;
        let text = decode::<Data>(CONTEXT, 200, None, truncated, &Scrubber::default())
            .unwrap_err()
            .to_string();
        assert!(!text.contains("Anonymous-sec"), "{text}");

        let text = decode::<Data>(CONTEXT, 200, None, b"", &Scrubber::default())
            .unwrap_err()
            .to_string();
        assert!(text.contains("empty"), "{text}");
    }

    /// The service echoes the request URI or body: every form of every secret
    /// is gone from the error, whatever field it came back in.
    #[test]
    fn echoed_secrets_are_scrubbed_in_every_form() {
        let secret = "RTANON/abc+def=";
        let scrubber = Scrubber::new([secret, "app-key-1234"]);
        let body = br#"{"code":7,"message":"RTANON%2fabc%2Bdef%3D","hint":"uri /t/RTANON%2Fabc%2Bdef%3D?k=app-key-1234","extra":{"echo":"RTANON\/abc+def=","RTANON%2Fabc%2Bdef%3D":1}}"#;
        let err = decode::<Data>(CONTEXT, 403, None, body, &scrubber).unwrap_err();
        let api = err.api().unwrap();
        assert_eq!(api.message, "***");
        assert_eq!(api.hint, "uri /t/***?k=***");
        assert_eq!(
            api.extra,
            Some(serde_json::json!({"echo": "***", "***": 1}))
        );
        let html =
            "<html><p>GET /api/v1/openapi/anonymous/token/RTANON%2Fabc%2Bdef%3D failed</p></html>";
        let err = decode::<Data>(CONTEXT, 502, None, html.as_bytes(), &scrubber).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(
                !shown.contains("RTAN") && !shown.contains("%2Bdef"),
                "{shown}"
            );
        }
    }

    /// A fixed-seed PRNG (splitmix64), so the property test is repeatable.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Fragments that make random bodies look like JSON often enough to reach
    /// the deeper branches (envelope fields, `data` shapes, escapes, numbers).
    const PIECES: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"\"code\"",
        b"\"data\"",
        b"\"message\"",
        b"\"hint\"",
        b"\"extra\"",
        b"\"value\"",
        b"\"expire_at\"",
        b"0",
        b"-1",
        b"20007",
        b"1e999",
        b"9223372036854775808",
        b"null",
        b"true",
        b"\"\\u0000\"",
        b"\"\\ud800\"",
        b"\"\\",
        b"\xff",
        b"\xe6\x96\x87",
        b"<html>",
        b" ",
        b"1.5",
        b"\"Anonymous-x\"",
    ];

    #[test]
    fn arbitrary_bodies_never_panic() {
        let mut rng = Rng(0x6B64_6F63_7321);
        let mut outcomes = [0usize; 3];
        for case in 0..20_000 {
            let mut body = Vec::new();
            let len = rng.below(64);
            for _ in 0..len {
                if case % 2 == 0 {
                    body.push(rng.next() as u8);
                } else {
                    body.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                }
            }
            // Half of the structured cases start as a real envelope.
            if case % 4 == 1 {
                let mut framed = br#"{"code":0,"data":{"value":"#.to_vec();
                framed.extend_from_slice(&body);
                body = framed;
            }
            let status = [200, 403, 429, 500, 502][rng.below(5)];
            let result = std::panic::catch_unwind(|| {
                let data = decode::<Data>(CONTEXT, status, None, &body, &Scrubber::default());
                let value = decode::<serde_json::Value>(
                    CONTEXT,
                    status,
                    Some(1),
                    &body,
                    &Scrubber::default(),
                );
                // Display and Debug of every error must not panic either.
                for r in [data.map(|_| ()), value.map(|_| ())] {
                    if let Err(e) = r {
                        let _ = (
                            e.to_string(),
                            format!("{e:?}"),
                            e.is_retryable(),
                            e.is_auth(),
                        );
                    }
                }
                // The fast path accepts only what `decode` accepts, with
                // the same output.
                let full = decode::<Data>(CONTEXT, status, None, &body, &Scrubber::default());
                if let Some(fast) = decode_success::<Data>(status, &body) {
                    assert_eq!(Some(&fast), full.as_ref().ok(), "{body:?}");
                }
                if let Some(fast) = decode_success::<serde_json::Value>(status, &body) {
                    let full = decode::<serde_json::Value>(
                        CONTEXT,
                        status,
                        None,
                        &body,
                        &Scrubber::default(),
                    );
                    assert_eq!(Some(&fast), full.as_ref().ok(), "{body:?}");
                }
                full.is_ok()
            });
            match result {
                Ok(true) => outcomes[0] += 1,
                Ok(false) => outcomes[1] += 1,
                Err(_) => panic!("case {case} panicked on body {body:?}"),
            }
            outcomes[2] += 1;
        }
        assert_eq!(outcomes[2], 20_000);
        // The generator reaches both outcomes.
        assert!(outcomes[1] > 0, "{outcomes:?}");
    }

    #[test]
    fn excerpts_of_arbitrary_bytes_are_bounded() {
        let mut rng = Rng(7);
        for _ in 0..2_000 {
            let body: Vec<u8> = (0..rng.below(2_000)).map(|_| rng.next() as u8).collect();
            let text = excerpt(&body, EXCERPT_CHARS, &Scrubber::default());
            assert!(text.chars().count() <= EXCERPT_CHARS + 1);
        }
    }
}
