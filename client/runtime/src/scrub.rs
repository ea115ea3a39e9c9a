//! Finding secrets in text a server sent back, in whatever form it echoed them.
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
//! - JSON-escaped: `RTANON\/abc+def=`, `\u0052TANON…`, surrogate pairs.
//!
//! [`Scrubber::scrub`] matches a secret byte by byte, accepting at each position
//! any of these spellings of the byte, so mixed forms are found too, and
//! replaces every match by `***`. It runs on the service's text *before* any
//! excerpt is cut, so a cut never leaves the head of a secret behind.
//!
//! Secrets shorter than [`MIN_SECRET_LEN`] bytes are ignored: they would match
//! ordinary text and protect nothing.

use std::borrow::Cow;

/// Shorter secrets are not looked for.
pub(crate) const MIN_SECRET_LEN: usize = 4;

/// What replaces a secret.
const MASK: &str = "***";

/// The secrets of one request (and the app key), to be found in text.
#[derive(Default)]
pub(crate) struct Scrubber<'a> {
    secrets: Vec<&'a [u8]>,
}

impl<'a> Scrubber<'a> {
    /// A scrubber for `secrets` (short ones are dropped, see the module docs).
    pub(crate) fn new(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut secrets: Vec<&[u8]> = secrets
            .into_iter()
            .map(str::as_bytes)
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// The longest text one secret can take when fully escaped (`\uXXXX` per
    /// byte of ASCII is 6 bytes, more than `%25XX`): how far past a cut a match
    /// may reach.
    pub(crate) fn max_encoded_len(&self) -> usize {
        self.secrets.first().map_or(0, |s| s.len() * 6)
    }

    /// `text` with every secret, in any form, replaced by `***`.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(text);
        }
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            let matched = self
                .secrets
                .iter()
                .find_map(|secret| match_at(bytes, i, secret));
            match matched {
                Some(end) => {
                    let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    // Matches start and end on char boundaries: every form
                    // begins and ends with an ASCII byte or a whole UTF-8
                    // sequence of the secret.
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

/// Where a spelling of `secret` that starts at `text[start]` ends, if one does.
fn match_at(text: &[u8], start: usize, secret: &[u8]) -> Option<usize> {
    let mut t = start;
    let mut s = 0;
    while s < secret.len() {
        let want = secret[s];
        let here = *text.get(t)?;
        if here == want {
            t += 1;
            s += 1;
        } else if here == b'%' {
            let mut byte = hex_byte(text.get(t + 1..t + 3)?)?;
            let mut used = 3;
            // `%25XX`: a byte percent-encoded twice (a URI put into a URL).
            if byte == b'%' && want != b'%' {
                byte = hex_byte(text.get(t + 3..t + 5)?)?;
                used = 5;
            }
            if byte != want {
                return None;
            }
            t += used;
            s += 1;
        } else if here == b'+' && want == b' ' {
            t += 1;
            s += 1;
        } else if here == b'\\' {
            let (decoded, used) = json_escape(&text[t..])?;
            let mut buf = [0u8; 4];
            let utf8 = decoded.encode_utf8(&mut buf).as_bytes();
            if !secret[s..].starts_with(utf8) {
                return None;
            }
            t += used;
            s += utf8.len();
        } else {
            return None;
        }
    }
    Some(t)
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
        assert_eq!(scrub(&["secret"], "secreT"), "secreT");
        assert_eq!(scrub(&["a b c d"], "a+b+c+e"), "a+b+c+e");
        assert_eq!(scrub(&["secret"], "\\ud800\\u0041"), "\\ud800\\u0041");
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
}
