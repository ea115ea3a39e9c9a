//! Typing of scalars: the table in the module docs of [`super`].

use yaml_rust2::parser::Tag;
use yaml_rust2::scanner::TScalarStyle;

use super::*;

pub(super) const TAG_PREFIX: &str = "tag:yaml.org,2002:";

pub(super) fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A leading zero followed by digits only (`0777`, `-012`) is a string.
pub(super) fn digits_but_not_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An integer in any of YAML's spellings, as wide as it is written (the caller
/// checks the 64-bit range).
pub(super) fn parse_integer(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(n) = u128::from_str_radix(rest, radix) {
                let n = i128::try_from(n).ok()?;
                return Some(if negative { -n } else { n });
            }
        }
    }
    if unsigned.starts_with(['+', '-']) || digits_but_not_number(text) {
        return None;
    }
    let n = i128::try_from(unsigned.parse::<u128>().ok()?).ok()?;
    Some(if negative { -n } else { n })
}

pub(super) fn parse_float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    unsigned.parse::<f64>().ok().filter(|x| x.is_finite())
}

pub(super) const INTEGER_RANGE: std::ops::RangeInclusive<i128> =
    (i64::MIN as i128)..=(u64::MAX as i128);

/// The value of a plain (unquoted, untagged) scalar.
pub(super) fn plain_scalar(text: &str) -> Result<Value, String> {
    if is_null(text) {
        return Ok(Value::Null);
    }
    if let Some(b) = parse_bool(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = parse_integer(text) {
        return if INTEGER_RANGE.contains(&n) {
            Ok(Value::Integer(n))
        } else {
            Err(format!("the integer `{text}` does not fit in 64 bits"))
        };
    }
    if !digits_but_not_number(text) {
        if let Some(x) = parse_float(text) {
            return Ok(Value::Float(x));
        }
    }
    Ok(Value::String(text.to_owned()))
}

/// The value of a scalar event.
pub(super) fn scalar(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, String> {
    let plain = style == TScalarStyle::Plain;
    let Some(tag) = tag else {
        return if plain {
            plain_scalar(&text)
        } else {
            Ok(Value::String(text))
        };
    };
    let full = format!("{}{}", tag.handle, tag.suffix);
    if let Some(core) = full.strip_prefix(TAG_PREFIX) {
        let invalid =
            |expected: &str| format!("invalid value: string {text:?}, expected {expected}");
        return match core {
            "bool" => parse_bool(&text)
                .map(Value::Bool)
                .ok_or_else(|| invalid("a boolean")),
            "int" => match parse_integer(&text) {
                Some(n) if INTEGER_RANGE.contains(&n) => Ok(Value::Integer(n)),
                Some(_) => Err(format!("the integer `{text}` does not fit in 64 bits")),
                None => Err(invalid("an integer")),
            },
            "float" => parse_float(&text)
                .map(Value::Float)
                .ok_or_else(|| invalid("a float")),
            "null" if is_null(&text) && !text.is_empty() => Ok(Value::Null),
            "null" => Err(invalid("null")),
            _ => Ok(Value::String(text)),
        };
    }
    match full.starts_with('!').then_some(full) {
        Some(tag) => {
            let value = if plain {
                plain_scalar(&text)?
            } else {
                Value::String(text)
            };
            Ok(Value::Tagged(Box::new(Tagged { tag, value })))
        }
        None => Ok(Value::String(text)),
    }
}

/// A local tag (`!thing`) as written; `None` for a global `tag:` URI.
pub(super) fn local_tag(tag: &Tag) -> Option<String> {
    let full = format!("{}{}", tag.handle, tag.suffix);
    full.starts_with('!').then_some(full)
}
