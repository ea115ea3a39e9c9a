//! The YAML of a spec file: a small value tree that knows where each node
//! starts, built in one pass over the events of `yaml-rust2`'s parser.
//!
//! Scalars are typed the way the spec files have always been read (the rules
//! of `serde_yaml` 0.9, YAML 1.2's core schema):
//!
//! | plain scalar | value |
//! |---|---|
//! | empty, `~`, `null`, `Null`, `NULL` | null |
//! | `true`, `True`, `TRUE`, `false`, `False`, `FALSE` | bool (`yes`, `on`, `y` are strings) |
//! | `12`, `+12`, `-12`, `0x1F`, `0o17`, `0b101` (and `-0x1F` …) | integer |
//! | `1.5`, `1e3`, `.5`, `.inf`, `-.Inf`, `.nan` | float |
//! | `0777`, `-012` (leading zero, then only digits) | string |
//! | anything else | string |
//!
//! Quoted and block scalars are strings. The tags `!!bool`, `!!int`,
//! `!!float` and `!!null` demand their type, `!!str` and other `tag:` tags
//! leave the text a string, and a local tag (`!thing x`) makes a
//! [`Value::Tagged`] value. An integer must fit in 64 bits (`i64` or `u64`).
//!
//! Aliases (`*name`) repeat their anchor's value. Limits guard the loader, as
//! serde_yaml's did: at most [`MAX_DEPTH`] nested collections, and the alias
//! expansions so far (nested ones counted) at most 100 times the events read
//! so far (a "billion laughs" stops early). A file holds one document, and no
//! control character other than tab and line breaks.

mod inline;
mod parse;
mod scalar;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Deref;

pub use parse::{load, ErrorKind, LoadError};

use crate::diagnostic::Position;
use inline::{inline, Context};
/// How many collections may nest inside each other.
pub const MAX_DEPTH: usize = 128;

/// How many times its own number of events a document may grow by aliases.
const REPETITION_FACTOR: usize = 100;

/// A YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer, in `i64::MIN..=u64::MAX`.
    Integer(i128),
    /// A floating-point number (possibly infinite or NaN).
    Float(f64),
    /// A string.
    String(String),
    /// A list.
    Sequence(Sequence),
    /// A mapping, in document order.
    Mapping(Mapping),
    /// A value with a local tag (`!thing value`).
    Tagged(Box<Tagged>),
}

/// A value with a local tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Tagged {
    /// The tag as written, `!` included (`!thing`).
    pub tag: String,
    /// The tagged value.
    pub value: Value,
}

/// A list, with where each item starts.
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    items: Vec<Value>,
    positions: Vec<Position>,
}

/// A mapping in document order, with where each key and value starts.
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    entries: Vec<Entry>,
}

/// One entry of a [`Mapping`].
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key.
    pub key: Value,
    /// The value.
    pub value: Value,
    /// Where the key starts.
    pub key_position: Position,
    /// Where the value starts.
    pub value_position: Position,
}

impl PartialEq for Sequence {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl PartialEq for Mapping {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.key == b.key && a.value == b.value)
    }
}

impl Deref for Sequence {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.items
    }
}

impl Sequence {
    /// Where item `index` starts.
    pub fn position(&self, index: usize) -> Option<Position> {
        self.positions.get(index).copied()
    }
}

impl Mapping {
    /// The entries, in document order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Keys and values, in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().map(|e| (&e.key, &e.value))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> IntoIterator for &'a Mapping {
    type Item = (&'a Value, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Entry>, fn(&'a Entry) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|e| (&e.key, &e.value))
    }
}

impl Value {
    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as an `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(n) => i64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The value as a `u64`, if it is an integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Integer(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The value as an `f64`, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// Whether this key's [text](Value::key_text) is `text`.
    pub fn key_is(&self, text: &str) -> bool {
        match self {
            Value::String(s) => s == text,
            other => other.key_text().as_deref() == Some(text),
        }
    }

    /// The text of a key that names something: a string, or a number or
    /// boolean as YAML writes it (`10001:`, `true:`).
    pub fn key_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Integer(n) => Some(n.to_string()),
            Value::Float(x) => Some(float_text(*x)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value as JSON: what the fake answers and the OpenAPI export shows.
    /// Mapping keys become strings (numbers and booleans as written); a null
    /// or collection key has no JSON spelling. A tagged value is the object
    /// `{"!tag": value}`; an infinite or NaN float is `null`.
    pub fn to_json(&self) -> Result<serde_json::Value, String> {
        use serde_json::Value as Json;
        Ok(match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Integer(n) => match i64::try_from(*n) {
                Ok(n) => Json::from(n),
                Err(_) => u64::try_from(*n).map_or(Json::Null, Json::from),
            },
            Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Sequence(items) => {
                Json::Array(items.iter().map(Value::to_json).collect::<Result<_, _>>()?)
            }
            Value::Mapping(mapping) => {
                let mut map = serde_json::Map::new();
                for (key, value) in mapping {
                    let key = match key {
                        Value::Float(x) if !x.is_finite() => {
                            return Err("float key must be finite (got NaN or +/-inf)".into())
                        }
                        Value::Float(x) => serde_json::Number::from_f64(*x)
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                        other => other.key_text().ok_or("key must be a string")?,
                    };
                    map.insert(key, value.to_json()?);
                }
                Json::Object(map)
            }
            Value::Tagged(tagged) => {
                let mut map = serde_json::Map::new();
                map.insert(tagged.tag.clone(), tagged.value.to_json()?);
                Json::Object(map)
            }
        })
    }

    /// The value written as one line of YAML, the way it reads in a doc
    /// comment (`'777'`, `- doc`, `a: 1`); `None` when YAML needs several
    /// lines for it (a list of two items, a nested mapping).
    pub fn to_inline_yaml(&self) -> Option<String> {
        inline(self, Context::Block)
    }
}

impl fmt::Display for Value {
    /// Scalars as YAML writes them; collections by kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Integer(n) => write!(f, "{n}"),
            Value::Float(x) => f.write_str(&float_text(*x)),
            Value::String(s) => f.write_str(s),
            Value::Sequence(_) => f.write_str("a list"),
            Value::Mapping(_) => f.write_str("a mapping"),
            Value::Tagged(t) => write!(f, "{} {}", t.tag, t.value),
        }
    }
}

/// A float as YAML writes it: `.inf`, `-.inf`, `.nan`, or the shortest
/// decimal that reads back the same (`1000.0`, `1.5e20`, `0.00001`, `1e-7`).
pub fn float_text(x: f64) -> String {
    if x.is_nan() {
        ".nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { ".inf" } else { "-.inf" }.into()
    } else if (1e-5..1e-4).contains(&x.abs()) {
        // Written out in full between 1e-5 and 1e-4, where Rust's `{:?}`
        // would use an exponent.
        format!("{x}")
    } else {
        format!("{x:?}")
    }
}
