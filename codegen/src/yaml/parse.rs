//! One pass over `yaml-rust2`'s events into a [`Value`] tree with positions,
//! within the loader's limits.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

use super::inline::is_allowed;
use super::scalar::*;
use super::*;
use crate::diagnostic::Position;
use crate::load::YamlPath;

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
