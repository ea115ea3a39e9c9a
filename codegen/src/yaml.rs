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

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostic::Position;
use crate::load::YamlPath;

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

// ---- typing of scalars -----------------------------------------------------

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A leading zero followed by digits only (`0777`, `-012`) is a string.
fn digits_but_not_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An integer in any of YAML's spellings, as wide as it is written (the caller
/// checks the 64-bit range).
fn parse_integer(text: &str) -> Option<i128> {
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

fn parse_float(text: &str) -> Option<f64> {
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

const INTEGER_RANGE: std::ops::RangeInclusive<i128> = (i64::MIN as i128)..=(u64::MAX as i128);

/// The value of a plain (unquoted, untagged) scalar.
fn plain_scalar(text: &str) -> Result<Value, String> {
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
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
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
fn local_tag(tag: &Tag) -> Option<String> {
    let full = format!("{}{}", tag.handle, tag.suffix);
    full.starts_with('!').then_some(full)
}

// ---- loading ---------------------------------------------------------------

/// Why a text is not a spec document, and where.
#[derive(Clone, Debug)]
pub struct LoadError {
    /// What is wrong (the parser's words for a syntax error).
    pub message: String,
    /// Where.
    pub position: Position,
    /// What kind of problem.
    pub kind: ErrorKind,
    /// The YAML path of the node being read when loading stopped.
    pub path: YamlPath,
    /// Where each collection still open began, outermost first.
    pub open: Vec<Position>,
}

/// The kind of a [`LoadError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not YAML.
    Syntax,
    /// A mapping has the same key twice; `key` is its text as written, when
    /// the key is a scalar.
    DuplicateKey {
        /// The repeated key as written.
        key: Option<String>,
    },
    /// More than [`MAX_DEPTH`] collections nest.
    TooDeep,
    /// Aliases repeat too much.
    TooRepetitive,
    /// A scalar has no value of its type (`!!int x`, an integer over 64 bits).
    Scalar,
    /// A second document follows the first.
    SecondDocument,
    /// The text holds a control character (other than tab and line breaks).
    ControlCharacter,
}

/// A collection being read.
enum Frame {
    Sequence {
        sequence: Sequence,
        start: Position,
        anchor: usize,
        tag: Option<String>,
        jumps_at_start: usize,
    },
    Mapping {
        mapping: Mapping,
        /// The key read, waiting for its value: value, position, text as written.
        key: Option<(Value, Position, Option<String>)>,
        start: Position,
        anchor: usize,
        tag: Option<String>,
        jumps_at_start: usize,
    },
}

/// An anchored value and how many alias expansions it holds.
struct Anchored {
    value: Value,
    jumps: usize,
}

struct Builder {
    stack: Vec<Frame>,
    root: Option<(Value, Position)>,
    anchors: HashMap<usize, Anchored>,
    /// Alias expansions so far, nested ones included.
    jumps: usize,
    events: usize,
    /// Where the last event was, and whether it opened a collection.
    last: Position,
    last_opened: bool,
}

fn message_too_deep() -> String {
    "recursion limit exceeded".into()
}

/// Where the `n`th nested `[` or `{` after `from` opens (quoted text and
/// comments skipped), if the text has one.
fn nth_flow_opening(text: &str, from: Position, n: usize) -> Option<Position> {
    let mut depth = 0;
    for (index, line) in text.lines().enumerate().skip(from.line.checked_sub(1)?) {
        let mut quote = None;
        let mut previous = ' ';
        for (column, c) in line.chars().enumerate() {
            if index + 1 == from.line && column + 1 < from.column {
                continue;
            }
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '#') if previous == ' ' || previous == '\t' => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth == n {
                        return Some(Position {
                            line: index + 1,
                            column: column + 1,
                        });
                    }
                }
                (None, ']' | '}') => depth = usize::saturating_sub(depth, 1),
                _ => {}
            }
            previous = c;
        }
    }
    None
}

/// Parses the first document of `text`: its value, and where that value
/// starts. An empty text (or one of comments only) is [`Value::Null`].
pub fn load(text: &str) -> Result<(Value, Option<Position>), LoadError> {
    // A byte-order mark is no content; positions still count it.
    let bom = text.starts_with('\u{feff}');
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let to_position = |mark: Marker| Position {
        line: mark.line(),
        column: mark.col() + 1 + usize::from(bom && mark.line() == 1),
    };
    for (index, line) in text.lines().enumerate() {
        if let Some((column, c)) = line.chars().enumerate().find(|(_, c)| !is_allowed(*c)) {
            return Err(LoadError {
                message: format!(
                    "control characters are not allowed (found U+{:04X})",
                    c as u32
                ),
                position: Position {
                    line: index + 1,
                    column: column + 1 + usize::from(bom && index == 0),
                },
                kind: ErrorKind::ControlCharacter,
                path: YamlPath::root(),
                open: Vec::new(),
            });
        }
    }
    let mut builder = Builder {
        stack: Vec::new(),
        root: None,
        anchors: HashMap::new(),
        jumps: 0,
        events: 0,
        last: Position::START,
        last_opened: false,
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(error) => {
                let position = to_position(*error.marker());
                if error.info() == "recursion limit exceeded" {
                    // The scanner reads a line of flow collections ahead and
                    // stops at 255 open ones, before their events reach the
                    // depth check: find the collection that is one too deep.
                    // Counting from the last event, which may have opened one.
                    let opened = usize::from(builder.last_opened);
                    let needed = MAX_DEPTH + 1 + opened - builder.stack.len();
                    let position = nth_flow_opening(text, builder.last, needed).unwrap_or(position);
                    return Err(builder.error(message_too_deep(), position, ErrorKind::TooDeep));
                }
                return Err(builder.error(error.info().to_owned(), position, ErrorKind::Syntax));
            }
        };
        builder.events += 1;
        builder.last = to_position(mark);
        builder.last_opened = matches!(event, Event::SequenceStart(..) | Event::MappingStart(..));
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(builder.error(
                        "the file holds more than one YAML document".into(),
                        to_position(mark),
                        ErrorKind::SecondDocument,
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let position = to_position(mark);
                let raw = text.clone();
                let value = scalar(text, style, tag.as_ref())
                    .map_err(|message| builder.error(message, position, ErrorKind::Scalar))?;
                if anchor > 0 {
                    builder.anchors.insert(
                        anchor,
                        Anchored {
                            value: value.clone(),
                            jumps: 0,
                        },
                    );
                }
                builder.add(value, position, Some(raw))?;
            }
            Event::Alias(anchor) => {
                let position = to_position(mark);
                let Some(anchored) = builder.anchors.get(&anchor) else {
                    return Err(builder.error(
                        "while parsing node, found unknown anchor".into(),
                        position,
                        ErrorKind::Syntax,
                    ));
                };
                let value = anchored.value.clone();
                builder.jumps += 1 + anchored.jumps;
                if builder.jumps > REPETITION_FACTOR * builder.events {
                    return Err(builder.error(
                        "repetition limit exceeded".into(),
                        position,
                        ErrorKind::TooRepetitive,
                    ));
                }
                builder.add(value, position, None)?;
            }
            Event::SequenceStart(anchor, tag) => {
                let start = to_position(mark);
                builder.open(
                    Frame::Sequence {
                        sequence: Sequence::default(),
                        start,
                        anchor,
                        tag: tag.as_ref().and_then(local_tag),
                        jumps_at_start: builder.jumps,
                    },
                    start,
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                let start = to_position(mark);
                builder.open(
                    Frame::Mapping {
                        mapping: Mapping::default(),
                        key: None,
                        start,
                        anchor,
                        tag: tag.as_ref().and_then(local_tag),
                        jumps_at_start: builder.jumps,
                    },
                    start,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
    }
    Ok(match builder.root {
        Some((value, position)) => (value, Some(position)),
        None => (Value::Null, None),
    })
}

impl Builder {
    fn open(&mut self, frame: Frame, start: Position) -> Result<(), LoadError> {
        self.stack.push(frame);
        if self.stack.len() > MAX_DEPTH {
            return Err(self.error(message_too_deep(), start, ErrorKind::TooDeep));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), LoadError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, start, anchor, tag, jumps_at_start) = match frame {
            Frame::Sequence {
                sequence,
                start,
                anchor,
                tag,
                jumps_at_start,
                ..
            } => (
                Value::Sequence(sequence),
                start,
                anchor,
                tag,
                jumps_at_start,
            ),
            Frame::Mapping {
                mapping,
                start,
                anchor,
                tag,
                jumps_at_start,
                ..
            } => (Value::Mapping(mapping), start, anchor, tag, jumps_at_start),
        };
        let value = match tag {
            Some(tag) => Value::Tagged(Box::new(Tagged { tag, value })),
            None => value,
        };
        if anchor > 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    jumps: self.jumps - jumps_at_start,
                },
            );
        }
        self.add(value, start, None)
    }

    /// Puts a finished node where it belongs: the root, the next item of a
    /// list, or a mapping's key or value.
    fn add(
        &mut self,
        value: Value,
        position: Position,
        raw: Option<String>,
    ) -> Result<(), LoadError> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some((value, position));
                }
                Ok(())
            }
            Some(Frame::Sequence { sequence, .. }) => {
                sequence.items.push(value);
                sequence.positions.push(position);
                Ok(())
            }
            Some(Frame::Mapping { mapping, key, .. }) => match key.take() {
                Some((key, key_position, _)) => {
                    mapping.entries.push(Entry {
                        key,
                        value,
                        key_position,
                        value_position: position,
                    });
                    Ok(())
                }
                None => {
                    let repeated = mapping.entries.iter().any(|e| same_key(&e.key, &value));
                    *key = Some((value, position, raw.clone()));
                    if repeated {
                        return Err(self.error(
                            match &raw {
                                Some(raw) => format!("duplicate key `{raw}`"),
                                None => "duplicate key: a mapping has this key twice".into(),
                            },
                            position,
                            ErrorKind::DuplicateKey { key: raw },
                        ));
                    }
                    Ok(())
                }
            },
        }
    }

    fn error(&self, message: String, position: Position, kind: ErrorKind) -> LoadError {
        // A list's path names the item being read, which is not yet in the
        // list: its index is the list's length.
        let mut path = YamlPath::root();
        for (depth, frame) in self.stack.iter().enumerate() {
            let innermost = depth + 1 == self.stack.len();
            match frame {
                Frame::Sequence { sequence, .. } => {
                    let len = sequence.items.len();
                    let open_child = !innermost;
                    if open_child {
                        path = path.index(len);
                    } else if let Some(last) = len.checked_sub(1) {
                        path = path.index(last);
                    }
                }
                Frame::Mapping { key, .. } => {
                    if let Some(text) = key.as_ref().and_then(|(k, _, _)| k.key_text()) {
                        path = path.key(&text);
                    }
                }
            }
        }
        LoadError {
            message,
            position,
            kind,
            path,
            open: self
                .stack
                .iter()
                .map(|frame| match frame {
                    Frame::Sequence { start, .. } | Frame::Mapping { start, .. } => *start,
                })
                .collect(),
        }
    }
}

/// Whether two keys are the same key (as values: `1` and `0x1` are).
fn same_key(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

// ---- one-line YAML -----------------------------------------------------------

/// Where a node is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A block node: the document, a list item, a mapping value.
    Block,
    /// A mapping key.
    Key,
}

fn inline(value: &Value, context: Context) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Integer(n) => Some(n.to_string()),
        Value::Float(x) => Some(float_text(*x)),
        Value::String(s) => string_text(s, context),
        Value::Sequence(items) if items.is_empty() => Some("[]".into()),
        Value::Mapping(mapping) if mapping.is_empty() => Some("{}".into()),
        Value::Sequence(items) => match (&items[..], context) {
            ([item], Context::Block) => Some(format!("- {}", inline(item, Context::Block)?)),
            _ => None,
        },
        Value::Mapping(mapping) => match (mapping.entries(), context) {
            ([entry], Context::Block) => {
                let key = match &entry.key {
                    Value::Sequence(items) if items.is_empty() => "[]".into(),
                    Value::Mapping(mapping) if mapping.is_empty() => "{}".into(),
                    Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => return None,
                    // A key on several lines is written as a complex `? key`.
                    Value::String(s) if analyze(s).multiline => return None,
                    key => inline(key, Context::Key)?,
                };
                // YAML writes a key longer than this as a complex `? key`.
                if key.chars().count() > 128 {
                    return None;
                }
                let value = match &entry.value {
                    Value::Sequence(items) if !items.is_empty() => return None,
                    Value::Mapping(mapping) if !mapping.is_empty() => return None,
                    value => inline(value, Context::Block)?,
                };
                Some(format!("{key}: {value}"))
            }
            _ => None,
        },
        Value::Tagged(tagged) => match &tagged.value {
            Value::Sequence(items) if !items.is_empty() => None,
            Value::Mapping(mapping) if !mapping.is_empty() => None,
            value => Some(format!("{} {}", tagged.tag, inline(value, context)?)),
        },
    }
}

/// YAML's line-break characters.
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Characters YAML writes as they are.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// Characters a YAML text may hold at all.
fn is_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// A string scalar written on one line, quoted only where a plain one would
/// read back as something else (`'777'`, `'true'`, `''`) or would not parse.
fn string_text(s: &str, context: Context) -> Option<String> {
    #[derive(PartialEq)]
    enum Style {
        Plain,
        Single,
        Double,
    }
    let analysis = analyze(s);
    let mut style = if s.contains('\n') {
        // A block literal: several lines, unless it must be double-quoted.
        if context == Context::Key || !analysis.block_allowed {
            Style::Double
        } else {
            return None;
        }
    } else if !matches!(plain_scalar(s), Ok(Value::String(_))) || digits_but_not_number(s) {
        Style::Single
    } else {
        Style::Plain
    };
    if context == Context::Key && analysis.multiline {
        style = Style::Double;
    }
    if style == Style::Plain
        && (!analysis.block_plain_allowed || (s.is_empty() && context == Context::Key))
    {
        style = Style::Single;
    }
    if style == Style::Single && !analysis.single_quoted_allowed {
        style = Style::Double;
    }
    match style {
        Style::Plain => Some(s.to_owned()),
        // A single-quoted scalar keeps its line breaks: several lines.
        Style::Single if analysis.multiline => None,
        Style::Single => Some(format!("'{}'", s.replace('\'', "''"))),
        Style::Double => Some(double_quoted(s)),
    }
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// Which styles can write `s` (libyaml's emitter rules, block context).
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let blank_or_end = |i: usize| {
        chars
            .get(i)
            .is_none_or(|&c| c == ' ' || c == '\t' || is_break(c))
    };
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = blank_or_end(i + 1);
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) || (c == '-' && followed_by_whitespace) {
                block_indicators = true;
            }
            if (c == '?' || c == ':') && followed_by_whitespace {
                block_indicators = true;
            }
        } else if (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c);
    }
    let mut analysis = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break || line_breaks {
        analysis.block_plain_allowed = false;
    }
    if trailing_space {
        analysis.block_allowed = false;
    }
    if break_space {
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
    }
    if space_break || special {
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
        analysis.block_allowed = false;
    }
    if block_indicators {
        analysis.block_plain_allowed = false;
    }
    analysis
}

/// `s` double-quoted, with YAML's escapes.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if is_printable(c) && !is_break(c) && c != '"' && c != '\\' {
            out.push(c);
            continue;
        }
        out.push('\\');
        match c {
            '\0' => out.push('0'),
            '\x07' => out.push('a'),
            '\x08' => out.push('b'),
            '\t' => out.push('t'),
            '\n' => out.push('n'),
            '\x0b' => out.push('v'),
            '\x0c' => out.push('f'),
            '\r' => out.push('r'),
            '\x1b' => out.push('e'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '\u{85}' => out.push('N'),
            '\u{a0}' => out.push('_'),
            '\u{2028}' => out.push('L'),
            '\u{2029}' => out.push('P'),
            c if (c as u32) <= 0xff => out.push_str(&format!("x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("u{:04X}", c as u32)),
            c => out.push_str(&format!("U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        load(text)
            .unwrap_or_else(|e| panic!("{text:?}: {}", e.message))
            .0
    }

    /// The value of `v: {scalar}`.
    fn scalar_of(scalar: &str) -> Value {
        match value(&format!("v: {scalar}")) {
            Value::Mapping(m) => m.entries()[0].value.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn string(s: &str) -> Value {
        Value::String(s.into())
    }

    /// The typing the spec files were written against (serde_yaml 0.9's,
    /// YAML 1.2 core schema), checked value by value against it.
    #[test]
    fn plain_scalars_are_typed_as_yaml_1_2_core() {
        for null in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(scalar_of(null), Value::Null, "{null:?}");
        }
        for (text, b) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
            ("FALSE", false),
        ] {
            assert_eq!(scalar_of(text), Value::Bool(b), "{text}");
        }
        // YAML 1.1's booleans and odd spellings are strings.
        for text in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "tRue",
            "nUll",
            "inf",
            "nan",
            "infinity",
            "1_000",
            "0x",
            "0x-5",
            "1.2.3",
            "12:30",
            "2024-01-01",
        ] {
            assert_eq!(scalar_of(text), string(text), "{text}");
        }
        for (text, n) in [
            ("0", 0),
            ("-0", 0),
            ("+12", 12),
            ("-12", -12),
            ("0x10", 16),
            ("0xFF", 255),
            ("-0x10", -16),
            ("+0x10", 16),
            ("0o17", 15),
            ("-0o17", -15),
            ("0b101", 5),
            ("9223372036854775807", i64::MAX.into()),
            ("-9223372036854775808", i64::MIN.into()),
            ("18446744073709551615", u64::MAX.into()),
        ] {
            assert_eq!(scalar_of(text), Value::Integer(n), "{text}");
        }
        // A leading zero then digits only: a string (an octal in YAML 1.1).
        for text in ["0777", "-0777", "+0777", "00"] {
            assert_eq!(scalar_of(text), string(text), "{text}");
        }
        for (text, x) in [
            ("1e3", 1000.0),
            ("1E3", 1000.0),
            ("-1e3", -1000.0),
            ("0.5", 0.5),
            ("01.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e400", f64::INFINITY), // not finite: a string, below
            (".inf", f64::INFINITY),
            ("+.inf", f64::INFINITY),
            ("-.Inf", f64::NEG_INFINITY),
            ("1e41", 1e41), // too wide for an integer, a float
        ] {
            if text == "1e400" {
                assert_eq!(scalar_of(text), string(text));
                continue;
            }
            assert_eq!(scalar_of(text), Value::Float(x), "{text}");
        }
        assert_eq!(
            scalar_of("100000000000000000000000000000000000000000"),
            Value::Float(1e41)
        );
        for nan in [".nan", ".NaN", ".NAN"] {
            assert!(
                matches!(scalar_of(nan), Value::Float(x) if x.is_nan()),
                "{nan}"
            );
        }
        for text in ["+.nan", "-.nan", "+-.inf"] {
            assert_eq!(scalar_of(text), string(text), "{text}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert_eq!(scalar_of("'12'"), string("12"));
        assert_eq!(scalar_of("\"true\""), string("true"));
        assert_eq!(scalar_of("''"), string(""));
        assert_eq!(scalar_of("\"~\""), string("~"));
        assert_eq!(value("v: |\n  12\n"), value("v: \"12\\n\""));
        assert_eq!(scalar_of(">-\n  a\n  b"), string("a b"));
    }

    #[test]
    fn tags_type_their_scalars() {
        assert_eq!(scalar_of("!!str 12"), string("12"));
        assert_eq!(scalar_of("!!int '12'"), Value::Integer(12));
        assert_eq!(scalar_of("!!float 1"), Value::Float(1.0));
        assert_eq!(scalar_of("!!bool TRUE"), Value::Bool(true));
        assert_eq!(scalar_of("!!null ~"), Value::Null);
        assert_eq!(scalar_of("!!binary aGk="), string("aGk="));
        let tagged = |tag: &str, value| {
            Value::Tagged(Box::new(Tagged {
                tag: tag.into(),
                value,
            }))
        };
        assert_eq!(scalar_of("!x 12"), tagged("!x", Value::Integer(12)));
        assert_eq!(scalar_of("!x '12'"), tagged("!x", string("12")));
        assert_eq!(
            scalar_of("!x [a]").to_json().unwrap(),
            serde_json::json!({"!x": ["a"]})
        );
        for bad in ["!!int x", "!!bool yes", "!!float x", "!!null x"] {
            let error = load(&format!("v: {bad}")).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Scalar, "{bad}");
            assert!(
                error.message.starts_with("invalid value"),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn integers_must_fit_in_64_bits() {
        for text in [
            "18446744073709551616",
            "-9223372036854775809",
            "0xFFFFFFFFFFFFFFFFFF",
        ] {
            let error = load(&format!("a:\n  v: {text}\n")).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Scalar);
            assert_eq!(
                error.message,
                format!("the integer `{text}` does not fit in 64 bits")
            );
            assert_eq!(error.position, Position { line: 2, column: 6 });
            assert_eq!(error.path.to_string(), "a.v");
        }
    }

    #[test]
    fn numbers_display_as_yaml_writes_them() {
        for (text, shown) in [
            ("1e3", "1000.0"),
            ("1.5e20", "1.5e20"),
            ("1e16", "1e16"),
            ("1e15", "1000000000000000.0"),
            ("0.0001", "0.0001"),
            ("0.00001", "0.00001"),
            ("0.000012", "0.000012"),
            ("0.000001", "1e-6"),
            ("1e-7", "1e-7"),
            ("-0.0", "-0.0"),
            (".inf", ".inf"),
            ("-.inf", "-.inf"),
            (".nan", ".nan"),
            ("0x10", "16"),
            ("-12", "-12"),
        ] {
            assert_eq!(scalar_of(text).to_string(), shown, "{text}");
        }
    }

    #[test]
    fn mappings_keep_order_and_positions() {
        let v = value("b: 1\na:\n  - x\n  - {y: 2}\n");
        let Value::Mapping(m) = &v else { panic!() };
        let keys: Vec<String> = m.iter().map(|(k, _)| k.key_text().unwrap()).collect();
        assert_eq!(keys, ["b", "a"]);
        let a = &m.entries()[1];
        assert_eq!(a.key_position, Position { line: 2, column: 1 });
        let Value::Sequence(items) = &a.value else {
            panic!()
        };
        assert_eq!(items.position(1), Some(Position { line: 4, column: 5 }));
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn keys_are_compared_as_values() {
        let error = load("a:\n  1: x\n  0x1: y\n").unwrap_err();
        assert_eq!(
            error.kind,
            ErrorKind::DuplicateKey {
                key: Some("0x1".into())
            }
        );
        assert_eq!(error.message, "duplicate key `0x1`");
        assert_eq!(error.position, Position { line: 3, column: 3 });
        assert_eq!(error.path.to_string(), "a.1");
        // A string and a number are different keys.
        assert!(load("1: x\n'1': y\n").is_ok());
    }

    #[test]
    fn aliases_repeat_their_anchor_within_limits() {
        assert_eq!(
            value("a: &x [1, 2]\nb: *x\n"),
            value("a: [1, 2]\nb: [1, 2]\n")
        );
        // A billion laughs stops early instead of exhausting memory.
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            let aliases = vec![format!("*{previous}"); 10].join(", ");
            text.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        }
        let error = load(&text).unwrap_err();
        assert_eq!(error.kind, ErrorKind::TooRepetitive);
        assert_eq!(error.message, "repetition limit exceeded");
    }

    #[test]
    fn nesting_is_limited() {
        let deep = |n: usize| format!("v: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert!(load(&deep(MAX_DEPTH - 1)).is_ok());
        let error = load(&deep(MAX_DEPTH)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::TooDeep);
        assert_eq!(error.message, "recursion limit exceeded");
        // The root mapping is one level: the 128th `[` is one too many.
        assert_eq!(error.position.column, 3 + MAX_DEPTH);
        // Deeper than the scanner goes: the same place.
        let error = load(&deep(300)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::TooDeep);
        assert_eq!(error.position.column, 3 + MAX_DEPTH);
    }

    #[test]
    fn one_document_per_file() {
        assert_eq!(load("").unwrap().0, Value::Null);
        assert_eq!(load("# only a comment\n").unwrap().0, Value::Null);
        assert_eq!(load("---\na: 1\n").unwrap().0, value("a: 1"));
        let error = load("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(error.kind, ErrorKind::SecondDocument);
        assert_eq!(error.position, Position { line: 2, column: 1 });
    }

    #[test]
    fn control_characters_and_byte_order_marks() {
        let error = load("a: 1\nb: x\u{7f}y\n").unwrap_err();
        assert_eq!(error.kind, ErrorKind::ControlCharacter);
        assert_eq!(error.position, Position { line: 2, column: 5 });
        let (v, _) = load("\u{feff}a: 1\n").unwrap();
        assert_eq!(v, value("a: 1"));
        // Columns count the mark, as an editor shows it.
        let Value::Mapping(m) = v else { panic!() };
        assert_eq!(m.entries()[0].key_position, Position { line: 1, column: 2 });
        assert_eq!(
            m.entries()[0].value_position,
            Position { line: 1, column: 5 }
        );
        assert!(load("a: 'b\tc'\r\nc: d\n").is_ok());
    }

    #[test]
    fn json_of_examples() {
        assert_eq!(
            value("{a: [1, -2, 0.5, true, ~, x], 1: b, true: c, 1.5: d}")
                .to_json()
                .unwrap(),
            serde_json::json!({"a": [1, -2, 0.5, true, null, "x"], "1": "b", "true": "c", "1.5": "d"})
        );
        assert_eq!(
            value("v: .inf").to_json().unwrap(),
            serde_json::json!({"v": null})
        );
        assert_eq!(
            value("{~: 1}").to_json().unwrap_err(),
            "key must be a string"
        );
        assert_eq!(
            value("{[a]: 1}").to_json().unwrap_err(),
            "key must be a string"
        );
    }

    /// One-line YAML as serde_yaml 0.9 wrote it (the doc comments' `Example:`),
    /// checked value by value against it.
    #[test]
    fn one_line_yaml_of_examples() {
        let inline = |text: &str| value(text).to_inline_yaml();
        for (text, shown) in [
            ("abc", "abc"),
            ("'777'", "'777'"),
            ("'12'", "'12'"),
            ("'true'", "'true'"),
            ("'yes'", "yes"),
            ("'~'", "'~'"),
            ("''", "''"),
            ("'1e3'", "'1e3'"),
            ("'0x10'", "'0x10'"),
            ("'a: b'", "'a: b'"),
            ("'a:b'", "a:b"),
            ("'a #b'", "'a #b'"),
            ("'a#b'", "a#b"),
            ("'- a'", "'- a'"),
            ("'-a'", "-a"),
            ("'---'", "'---'"),
            ("'@a'", "'@a'"),
            ("'[a]'", "'[a]'"),
            ("'a,b'", "a,b"),
            ("' a'", "' a'"),
            ("'a '", "'a '"),
            ("\"it's\"", "it's"),
            ("\"'a\"", "'''a'"),
            ("\"a\\tb\"", "\"a\\tb\""),
            ("\"a\\rb\"", "\"a\\rb\""),
            ("\"a\\u0085b\"", "\"a\\Nb\""),
            ("\"\\ufeffa\"", "\"\\uFEFFa\""),
            ("\"a\\\"b\"", "a\"b"),
            ("文档", "文档"),
            ("https://xxx.com/xxx", "https://xxx.com/xxx"),
            (
                "\"Application.Range(\\\"A1\\\").Value = \\\"bar\\\"\"",
                "Application.Range(\"A1\").Value = \"bar\"",
            ),
            ("1", "1"),
            ("-1", "-1"),
            ("1.5", "1.5"),
            ("true", "true"),
            ("~", "null"),
            ("[]", "[]"),
            ("{}", "{}"),
            ("[doc]", "- doc"),
            ("[[1]]", "- - 1"),
            ("[{a: 1}]", "- a: 1"),
            ("[[]]", "- []"),
            ("{a: 1}", "a: 1"),
            ("{a: []}", "a: []"),
            ("{'1': x}", "'1': x"),
            ("{[]: 1}", "[]: 1"),
            ("{~: 1}", "null: 1"),
            ("!x a", "!x a"),
            ("!x []", "!x []"),
        ] {
            assert_eq!(inline(text).as_deref(), Some(shown), "{text}");
        }
        for text in [
            "[a, b]",
            "{a: 1, b: 2}",
            "{a: [1]}",
            "{a: {b: 1}}",
            "{[a]: 1}",
            "\"a\\nb\"",
            "!x [a]",
            "{\"a\\nb\": 1}",
        ] {
            assert_eq!(inline(text), None, "{text}");
        }
        // Multi-line text double-quoted where a block cannot hold it.
        assert_eq!(inline("\"a \\nb \"").as_deref(), Some("\"a \\nb \""));
    }
}
