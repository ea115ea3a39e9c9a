//! Finding secrets in text a server sent back, in whatever form it echoed them,
//! and the other redactions service text goes through before it is shown.
//!
//! A service (kdocs, a proxy, the fake) may put parts of a request into its
//! answer: the hint of an error, the `extra` object, an HTML error page that
//! quotes the request URI. A token seen there can be in any of the forms it
//! travelled in or was stored as:
//!
//! - raw: `RTANON/abc+def=`;
//! - percent-encoded, in either hex case, with `+` for a space:
//!   `RTANON%2Fabc%2Bdef%3D`, `RTANON%2fabc%2bdef%3d`, or only some bytes
//!   encoded (`RTANON%2Fabc+def=`), as URL encoders differ in what they escape,
//!   or encoded twice (`RTANON%252Fabc`: a request URI put into a URL);
//! - JSON-escaped: `RTANON\/abc+def=`, `\u0052TANON…`, surrogate pairs;
//! - in another letter case, when the secret is token-shaped (ASCII letters,
//!   digits and `-_.~` only, as signatures and kdocs tokens are): a server
//!   may upper-case what it echoes;
//! - hex of its bytes, in either case;
//! - base64 of its bytes, in the standard (`+/`) or URL-safe (`-_`) alphabet,
//!   padded or not, and base64 of `app_id:secret`, the form HTTP Basic
//!   credentials take (the app id is that of the request's `WPS-2`
//!   `Authorization` value, when it is among the secrets).
//!
//! [`Scrubber::scrub`] matches a secret byte by byte, accepting at each position
//! any of the escaped spellings of the byte, so mixed forms are found too, and
//! replaces every match by `***`. A text that spells only the first
//! [`MIN_HEAD_LEN`] bytes or more of a longer secret is masked as well: a
//! server that cuts its echo short, or changes the rest, must not leave the
//! head of a token readable. The scrubber runs on the service's text *before*
//! any excerpt is cut, so a cut never leaves the head of a secret behind.
//!
//! Secrets shorter than [`MIN_SECRET_LEN`] bytes are ignored: they would match
//! ordinary text and protect nothing.
//!
//! What the scrubber cannot know (a token of another request, a token the
//! service made up) is hidden by two coarser rules, applied to excerpts of
//! bodies and to serde messages: [`redact_json_strings`] hides every JSON
//! string value, and [`mask_token_like`] every long run of token characters.
//! [`excerpt`] applies the three, in that order, then cuts.

use std::borrow::Cow;

/// Shorter secrets are not looked for.
pub(crate) const MIN_SECRET_LEN: usize = 4;

/// A text that spells the first this many bytes of a longer secret is masked
/// as if it were the whole secret. Eight bytes of a random token are a
/// quarter or more of it; fewer would match ordinary words.
pub(crate) const MIN_HEAD_LEN: usize = 8;

/// What replaces a secret.
const MASK: &str = "***";

/// One spelling of a secret to look for.
struct Needle<'a> {
    bytes: Cow<'a, [u8]>,
    /// Token-shaped (ASCII letters, digits, `-_.~`): matched in any case.
    fold_case: bool,
}

/// The secrets of one request (and the app key), to be found in text.
#[derive(Default)]
pub(crate) struct Scrubber<'a> {
    /// Every form of every secret, longest first.
    needles: Vec<Needle<'a>>,
}

impl<'a> Scrubber<'a> {
    /// A scrubber for `secrets` and their hex and base64 forms (short ones
    /// are dropped, see the module docs). When one of them is a `WPS-2`
    /// `Authorization` value, its app id is paired with each secret for the
    /// base64 of `app_id:secret`.
    pub(crate) fn new(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let secrets: Vec<&'a [u8]> = secrets
            .into_iter()
            .map(str::as_bytes)
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        let app_id = secrets.iter().find_map(|s| app_id_of(s));
        let mut forms: Vec<Cow<'a, [u8]>> = Vec::with_capacity(secrets.len() * 10);
        for &secret in &secrets {
            forms.push(Cow::Borrowed(secret));
            forms.push(Cow::Owned(hex::encode(secret).into_bytes()));
            let pair = app_id.map(|app_id| [app_id, b":", secret].concat());
            for plain in std::iter::once(secret).chain(pair.as_deref()) {
                for url_safe in [false, true] {
                    let padded = base64(plain, url_safe);
                    let unpadded = padded.trim_end_matches('=').len();
                    if unpadded < padded.len() {
                        forms.push(Cow::Owned(padded.as_bytes()[..unpadded].to_vec()));
                    }
                    forms.push(Cow::Owned(padded.into_bytes()));
                }
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let needles = forms
            .into_iter()
            .map(|bytes| Needle {
                fold_case: bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')),
                bytes,
            })
            .collect();
        Self { needles }
    }

    /// The longest text one secret can take when fully escaped (`\uXXXX` per
    /// byte of ASCII is 6 bytes, more than `%25XX`): how far past a cut a match
    /// may reach.
    pub(crate) fn max_encoded_len(&self) -> usize {
        self.needles.first().map_or(0, |n| n.bytes.len() * 6)
    }

    /// `text` with every secret, in any form, replaced by `***`.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.needles.is_empty() {
            return Cow::Borrowed(text);
        }
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            // Matches start on char boundaries: every form begins with an
            // ASCII byte or a whole UTF-8 sequence of the secret. A head may
            // end inside a character of the text: the mask covers it whole.
            let matched = self
                .needles
                .iter()
                .filter_map(|needle| match_at(bytes, i, &needle.bytes, needle.fold_case))
                .max()
                .map(|mut end| {
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    end
                });
            match matched {
                Some(end) => {
                    let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    out.push_str(&text[copied..i]);
                    out.push_str(MASK);
                    copied = end;
                    i = end;
                }
                None => i += 1,
            }
        }
        match out {
            Some(mut out) => {
                out.push_str(&text[copied..]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(text),
        }
    }

    /// [`scrub`](Self::scrub) in place, on a `String`.
    pub(crate) fn scrub_string(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.scrub(text) {
            *text = clean;
        }
    }

    /// Scrubs every string (keys included) inside a JSON value.
    pub(crate) fn scrub_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.scrub_string(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            serde_json::Value::Object(map) => {
                let dirty: Vec<String> = map
                    .keys()
                    .filter(|k| matches!(self.scrub(k), Cow::Owned(_)))
                    .cloned()
                    .collect();
                for key in dirty {
                    if let Some(v) = map.remove(&key) {
                        map.insert(self.scrub(&key).into_owned(), v);
                    }
                }
                map.values_mut().for_each(|v| self.scrub_json(v));
            }
            _ => {}
        }
    }
}

/// The app id of a `WPS-2:<app_id>:<signature>` value.
fn app_id_of(secret: &[u8]) -> Option<&[u8]> {
    let rest = secret.strip_prefix(b"WPS-2:")?;
    let colon = rest.iter().rposition(|&b| b == b':')?;
    Some(&rest[..colon]).filter(|id| !id.is_empty())
}

/// Base64 of `bytes`, in the standard or the URL-safe alphabet, padded.
fn base64(bytes: &[u8], url_safe: bool) -> String {
    const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let alphabet = if url_safe { URL_SAFE } else { STANDARD };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(char::from(alphabet[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Where a spelling of `secret`, or of a head of it ([`MIN_HEAD_LEN`] bytes
/// at least, of a longer secret), that starts at `text[start]` ends, if one
/// does. `fold_case`: ASCII letters match in either case.
fn match_at(text: &[u8], start: usize, secret: &[u8], fold_case: bool) -> Option<usize> {
    let same = |got: u8, want: u8| got == want || (fold_case && got.eq_ignore_ascii_case(&want));
    let mut t = start;
    let mut s = 0;
    while s < secret.len() {
        let want = secret[s];
        let Some(&here) = text.get(t) else {
            break;
        };
        if same(here, want) {
            t += 1;
            s += 1;
        } else if here == b'%' {
            let Some(mut byte) = text.get(t + 1..t + 3).and_then(hex_byte) else {
                break;
            };
            let mut used = 3;
            // `%25XX`: a byte percent-encoded twice (a URI put into a URL).
            if byte == b'%' && want != b'%' {
                let Some(twice) = text.get(t + 3..t + 5).and_then(hex_byte) else {
                    break;
                };
                byte = twice;
                used = 5;
            }
            if !same(byte, want) {
                break;
            }
            t += used;
            s += 1;
        } else if here == b'+' && want == b' ' {
            t += 1;
            s += 1;
        } else if here == b'\\' {
            let Some((decoded, used)) = json_escape(&text[t..]) else {
                break;
            };
            let mut buf = [0u8; 4];
            let utf8 = decoded.encode_utf8(&mut buf).as_bytes();
            let rest = &secret[s..];
            let matches = rest.len() >= utf8.len()
                && utf8.iter().zip(rest).all(|(&got, &want)| same(got, want));
            if !matches {
                break;
            }
            t += used;
            s += utf8.len();
        } else {
            break;
        }
    }
    let whole = s == secret.len();
    let head = s >= MIN_HEAD_LEN && secret.len() > MIN_HEAD_LEN;
    (s > 0 && (whole || head)).then_some(t)
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(two[0])? * 16 + digit(two[1])?) as u8)
}

/// The character a JSON escape at the start of `text` stands for, and its length.
fn json_escape(text: &[u8]) -> Option<(char, usize)> {
    let simple = match *text.get(1)? {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        b'u' => None,
        _ => return None,
    };
    if let Some(c) = simple {
        return Some((c, 2));
    }
    let unit = |at: usize| -> Option<u32> {
        let hex = std::str::from_utf8(text.get(at..at + 4)?).ok()?;
        u32::from_str_radix(hex, 16).ok()
    };
    let first = unit(2)?;
    if (0xD800..0xDC00).contains(&first) {
        if text.get(6..8)? != b"\\u" {
            return None;
        }
        let second = unit(8)?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return Some((char::from_u32(c)?, 12));
    }
    Some((char::from_u32(first)?, 6))
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

/// Runs of 20 or more token characters (`A-Z a-z 0-9 - _ .`) are replaced by
/// `…`: a body that is not JSON (an HTML error page) may still carry a token,
/// and kdocs tokens are long runs like these, while words of prose are not.
pub(crate) fn mask_token_like(text: &str) -> String {
    const MIN_RUN: usize = 20;
    let is_token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= MIN_RUN {
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_token(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// At most `max` characters of `body`, lossily decoded, with the request's
/// secrets removed (before the cut, so no prefix of one survives), JSON string
/// values redacted and token-like runs masked.
pub(crate) fn excerpt(body: &[u8], max: usize, scrubber: &Scrubber<'_>) -> String {
    let head = &body[..body.len().min(max * 4 + scrubber.max_encoded_len())];
    let text = String::from_utf8_lossy(head);
    let text = scrubber.scrub(&text);
    let redacted = mask_token_like(&redact_json_strings(&text));
    let mut short: String = redacted.chars().take(max).collect();
    if redacted.chars().count() > max || body.len() > head.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub(secrets: &[&str], text: &str) -> String {
        Scrubber::new(secrets.iter().copied())
            .scrub(text)
            .into_owned()
    }

    #[test]
    fn every_form_is_found() {
        let secret = "RTANON/abc+def= x";
        for form in [
            "RTANON/abc+def= x",
            "RTANON%2Fabc%2Bdef%3D%20x",
            "RTANON%2fabc%2bdef%3d%20x",
            "RTANON%2Fabc%2Bdef%3D+x",
            "RTANON%2Fabc+def=+x",
            "RTANON%252Fabc%252Bdef%253D%2520x",
            "%52%54%41%4E%4F%4E%2F%61%62%63%2B%64%65%66%3D%20%78",
            r"RTANON\/abc+def= x",
            r"\u0052TANON\u002fabc\u002Bdef= x",
        ] {
            assert_eq!(
                scrub(&[secret], &format!("token <{form}> unknown")),
                "token <***> unknown",
                "{form}"
            );
        }
    }

    #[test]
    fn non_ascii_secrets_in_json_and_percent_forms() {
        let secret = "密钥-🔑-abc";
        let json = serde_json::to_string(secret).unwrap();
        assert_eq!(scrub(&[secret], &json), "\"***\"");
        let ascii_json = r#""\u5bc6\u94a5-\ud83d\udd11-abc""#;
        assert_eq!(scrub(&[secret], ascii_json), "\"***\"");
        let pct: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert_eq!(scrub(&[secret], &format!("t={pct}&x")), "t=***&x");
    }

    #[test]
    fn every_occurrence_and_the_longest_secret_win() {
        assert_eq!(
            scrub(&["abcd", "abcdefgh"], "abcdefgh abcd abcd%65fgh"),
            "*** *** ***"
        );
        assert_eq!(
            scrub(&["abc"], "abc is too short to hide"),
            "abc is too short to hide"
        );
        assert_eq!(scrub(&[], "nothing"), "nothing");
    }

    #[test]
    fn near_misses_are_left_alone() {
        assert_eq!(scrub(&["secret"], "secre%74"), "***");
        assert_eq!(scrub(&["secret"], "secre%7"), "secre%7");
        assert_eq!(scrub(&["secret"], "secre\\u007"), "secre\\u007");
        assert_eq!(scrub(&["secret"], "secreX"), "secreX");
        // Token-shaped only: a secret with other bytes is matched in its case.
        assert_eq!(scrub(&["se/cret"], "SE/CRET"), "SE/CRET");
        assert_eq!(scrub(&["a b c d"], "a+b+c+e"), "a+b+c+e");
        assert_eq!(scrub(&["secret"], "\\ud800\\u0041"), "\\ud800\\u0041");
    }

    #[test]
    fn base64_is_the_standard_encoding() {
        assert_eq!(base64(b"", false), "");
        assert_eq!(base64(b"f", false), "Zg==");
        assert_eq!(base64(b"fo", false), "Zm8=");
        assert_eq!(base64(b"foo", false), "Zm9v");
        assert_eq!(base64(b"foobar", true), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff], false), "+/8=");
        assert_eq!(base64(&[0xfb, 0xff], true), "-_8=");
    }

    #[test]
    fn base64_of_each_secret_and_of_the_app_pair() {
        let secret = "key/with+odd?bytes~";
        let authorization = format!("WPS-2:SX2022:{}", "a".repeat(40));
        let scrubber = Scrubber::new([secret, authorization.as_str()]);
        for plain in [secret.to_owned(), format!("SX2022:{secret}")] {
            for url_safe in [false, true] {
                let b64 = base64(plain.as_bytes(), url_safe);
                for form in [b64.as_str(), b64.trim_end_matches('=')] {
                    let text = format!("auth <{form}> refused");
                    assert_eq!(scrubber.scrub(&text), "auth <***> refused", "{form}");
                }
            }
        }
        // Without an Authorization value there is no app id to pair with.
        let pair = base64(format!("SX2022:{secret}").as_bytes(), false);
        assert_eq!(scrub(&[secret], &pair), pair);
        assert_eq!(app_id_of(b"WPS-2:SX1:abc"), Some(&b"SX1"[..]));
        assert_eq!(app_id_of(b"WPS-2::abc"), None);
        assert_eq!(app_id_of(b"Bearer x"), None);
    }

    #[test]
    fn token_shaped_secrets_in_any_case_and_in_hex() {
        let signature = "083500176fa3aab58ca2dc962978013b3ca2b6df";
        let token = "Tok-abc_DEF.123";
        let s = Scrubber::new([signature, token]);
        for text in [
            signature.to_owned(),
            signature.to_ascii_uppercase(),
            "tOK-ABC_def.123".to_owned(),
            "tOK%2dABC_def.123".to_owned(),
            hex::encode(token),
            hex::encode(token).to_ascii_uppercase(),
            hex::encode(signature),
        ] {
            assert_eq!(s.scrub(&format!("[{text}]")), "[***]", "{text}");
        }
        // A hex digest that is not the secret's stays.
        assert_eq!(s.scrub("[d41d8cd98f00b204]"), "[d41d8cd98f00b204]");
    }

    #[test]
    fn no_head_of_a_secret_is_left() {
        let secret = "RTANONabcdefghijklmnop";
        for cut in MIN_HEAD_LEN..secret.len() {
            let text = format!("token {}… is invalid", &secret[..cut]);
            assert_eq!(scrub(&[secret], &text), "token ***… is invalid", "{cut}");
            let changed = format!("token {}#rest", &secret[..cut]);
            assert_eq!(scrub(&[secret], &changed), "token ***#rest", "{cut}");
            let upper = secret[..cut].to_ascii_uppercase();
            assert_eq!(scrub(&[secret], &upper), "***", "{cut}");
        }
        // Shorter heads are ordinary text; so is a whole short secret's head.
        assert_eq!(scrub(&[secret], "RTANONab"), "***");
        assert_eq!(scrub(&[secret], "RTANONa"), "RTANONa");
        assert_eq!(scrub(&["abcdefgh"], "abcdefg"), "abcdefg");
        // The head of an encoded form too: base64 cut short.
        let b64 = base64(secret.as_bytes(), false);
        assert_eq!(scrub(&[secret], &format!("<{}>", &b64[..12])), "<***>");
        // A head that ends inside a character of the text masks the character.
        assert_eq!(scrub(&["abcdefgh密钥"], "abcdefgh密x"), "***x");
    }

    #[test]
    fn json_values_and_keys() {
        let s = Scrubber::new(["Anonymous-abcdef"]);
        let mut v = serde_json::json!({
            "t": ["Anonymous-abcdef", 1],
            "Anonymous%2Dabcdef": {"n": "x Anonymous-abcdef y"}
        });
        s.scrub_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({ "t": ["***", 1], "***": {"n": "x *** y"} })
        );
    }

    #[test]
    fn output_is_valid_utf8_around_matches() {
        let text = "é秘密tokenvalue秘é";
        assert_eq!(scrub(&["tokenvalue"], text), "é秘密***秘é");
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
        let none = Scrubber::default();
        assert_eq!(excerpt(b"<html>", 100, &none), "<html>");
        assert_eq!(excerpt(b"abcdef", 3, &none), "abc…");
        assert_eq!(excerpt(&[0xff, b'a'], 10, &none), "\u{fffd}a");
        assert_eq!(
            excerpt(
                b"<html>Bad Gateway eprubvbmmdvuktimdsijtghtusyklyui</html>",
                100,
                &none
            ),
            "<html>Bad Gateway …</html>"
        );
    }

    /// A secret that straddles the cut leaves no prefix behind, in any form.
    #[test]
    fn secrets_are_removed_before_the_cut() {
        let secret = "RTANON/abc+def=";
        let scrubber = Scrubber::new([secret]);
        for form in [
            "RTANON/abc+def=",
            "RTANON%2Fabc%2Bdef%3D",
            "RTANON%2fabc%2bdef%3d",
        ] {
            for pad in 0..40 {
                let body = format!("<p>{}{form} refused</p>", "x ".repeat(pad));
                let shown = excerpt(body.as_bytes(), 30, &scrubber);
                for prefix_len in 4..=form.len() {
                    assert!(!shown.contains(&form[..prefix_len]), "{shown}");
                }
                assert!(!shown.contains("RTAN"), "{shown}");
            }
        }
    }
}
