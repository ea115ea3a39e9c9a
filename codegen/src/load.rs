//! Stage 1, load: read spec files and parse their YAML.
//!
//! Each file is parsed twice, on purpose. [`serde_yaml`] gives the document as a
//! [`serde_yaml::Value`] tree, which the validator walks. `serde_yaml` keeps no
//! positions in that tree, so a second pass over the same text with the event
//! parser of `yaml-rust2` records, for every node, the line and column where its
//! key and its value start, indexed by YAML path (`endpoints.x.query.y.type`).
//! Diagnostics look positions up in that index; a node the index lacks (the two
//! parsers disagree on some exotic input) falls back to its nearest ancestor, so
//! a position is always given.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostic::{Diagnostic, Diagnostics, Position};

/// One segment of a [`YamlPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// The path from a document's root to one of its nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct YamlPath(Vec<Segment>);

impl YamlPath {
    /// The document root.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_owned()));
        next
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    fn parent(&self) -> Option<Self> {
        let mut parent = self.clone();
        parent.0.pop().map(|_| parent)
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Where a node's key and value start.
#[derive(Clone, Copy, Debug, Default)]
struct NodeMarks {
    key: Option<Position>,
    value: Option<Position>,
}

/// One loaded spec file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path the file was read from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The parsed document (`Null` for an empty file).
    pub value: serde_yaml::Value,
    marks: HashMap<YamlPath, NodeMarks>,
}

/// Which part of a node a diagnostic points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The mapping key (for "unknown key", "duplicate name").
    Key,
    /// The value (for "unknown type", "bad method").
    Value,
}

impl SourceFile {
    /// Parses `text` as the spec file `path`.
    #[allow(clippy::result_large_err)] // one diagnostic per file, not a hot path
    pub fn parse(path: impl Into<PathBuf>, text: impl Into<String>) -> Result<Self, Diagnostic> {
        let path = path.into();
        let text = text.into();
        let value = match serde_yaml::from_str::<serde_yaml::Value>(&text) {
            Ok(value) => value,
            Err(error) => return Err(syntax_diagnostic(&path, &text, &error)),
        };
        let marks = index_positions(&text);
        Ok(Self {
            path,
            text,
            value,
            marks,
        })
    }

    /// A diagnostic about the node at `at`.
    pub fn diagnostic(
        &self,
        at: &YamlPath,
        anchor: Anchor,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Diagnostic {
        let position = self.position(at, anchor);
        Diagnostic {
            file: self.path.clone(),
            position,
            yaml_path: at.to_string(),
            message: message.into(),
            hint,
            source_line: line_text(&self.text, position.line),
        }
    }

    /// The position of the node at `at`, or of its nearest ancestor that has one.
    pub fn position(&self, at: &YamlPath, anchor: Anchor) -> Position {
        if at.0.is_empty() {
            // "The file as a whole": its first line that is not blank or a comment.
            return first_content_position(&self.text);
        }
        let mut current = Some(at.clone());
        let mut exact = true;
        while let Some(path) = current {
            if let Some(marks) = self.marks.get(&path) {
                // An ancestor is pointed at by its key: "the problem is in this block".
                let preferred = match anchor {
                    Anchor::Value if exact => marks.value.or(marks.key),
                    _ => marks.key.or(marks.value),
                };
                if let Some(position) = preferred {
                    return position;
                }
            }
            current = path.parent();
            exact = false;
        }
        Position::START
    }
}

/// Reads every `*.yaml` / `*.yml` file directly in `dir`, in file-name order, so
/// that the result never depends on the order the file system lists them in.
#[allow(clippy::result_large_err)] // the closures below carry one diagnostic per file
pub fn load_dir(dir: &Path) -> Result<Vec<SourceFile>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let file_diagnostic = |path: &Path, message: String, hint: Option<String>| Diagnostic {
        file: path.to_path_buf(),
        position: Position::START,
        yaml_path: String::new(),
        message,
        hint,
        source_line: None,
    };
    let paths = match spec_file_paths(dir) {
        Ok(paths) => paths,
        Err(error) => {
            diagnostics.push(file_diagnostic(
                dir,
                format!("cannot read the spec folder: {error}"),
                Some("pass the folder that holds the api-spec YAML files".into()),
            ));
            return Err(diagnostics);
        }
    };
    if paths.is_empty() {
        diagnostics.push(file_diagnostic(
            dir,
            "the spec folder has no `.yaml` or `.yml` files".into(),
            Some("add a file with a `service:` section and some `endpoints:`".into()),
        ));
        return Err(diagnostics);
    }
    let mut files = Vec::new();
    for path in paths {
        let parsed = std::fs::read(&path)
            .map_err(|e| file_diagnostic(&path, format!("cannot read the file: {e}"), None))
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|e| {
                    file_diagnostic(
                        &path,
                        format!(
                            "the file is not UTF-8 (invalid byte at offset {})",
                            e.utf8_error().valid_up_to()
                        ),
                        Some("save spec files as UTF-8".into()),
                    )
                })
            })
            .and_then(|text| SourceFile::parse(path.clone(), text));
        match parsed {
            Ok(file) => files.push(file),
            Err(d) => diagnostics.push(d),
        }
    }
    if diagnostics.is_empty() {
        Ok(files)
    } else {
        Err(diagnostics)
    }
}

/// The spec files of `dir`, sorted by name.
pub fn spec_file_paths(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if is_yaml && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn syntax_diagnostic(path: &Path, text: &str, error: &serde_yaml::Error) -> Diagnostic {
    let mut position = error
        .location()
        .map(|l| Position {
            line: l.line(),
            column: l.column(),
        })
        .unwrap_or(Position::START);
    // serde_yaml appends " at line L column C" to its messages; the position is shown apart.
    let message = error.to_string();
    let mut message = match message.find(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    };
    // The event parser knows where the error is in the document's structure.
    let context = syntax_context(text);
    let mut yaml_path = context.current.map(|p| p.to_string()).unwrap_or_default();
    let hint = if message.contains("duplicate entry") {
        if let Some((at, key, duplicate)) = context.duplicate {
            position = duplicate;
            yaml_path = at.key(&key).to_string();
            message = format!("duplicate key `{key}`");
        }
        "each key may appear once in a mapping; merge the entries or remove one"
    } else if message.contains("recursion limit exceeded") {
        "the document nests too deeply; spec files need only a few levels"
    } else if message.contains("did not find expected ',' or '}'") {
        // Point at the `{` that is never closed, as rustc does, not where
        // the parser gave up (often the end of the file).
        if let Some(open) = context.open_brace {
            message = format!(
                "this `{{` is never closed (the parser gave up at line {}, column {})",
                position.line, position.column
            );
            position = open;
        }
        "add the `}` after the mapping's last entry, or write the mapping as indented lines"
    } else if message.contains("did not find expected ',' or ']'") {
        if let Some(open) = context.open_bracket {
            message = format!(
                "this `[` is never closed (the parser gave up at line {}, column {})",
                position.line, position.column
            );
            position = open;
            // The path of the list, not of the item being read.
            if yaml_path.ends_with(']') {
                if let Some(cut) = yaml_path.rfind('[') {
                    yaml_path.truncate(cut);
                }
            }
        }
        "add the `]` after the list's last item, or write the list as `- item` lines"
    } else if message.contains("mapping values are not allowed") {
        "this line is indented deeper than the keys beside it, or an unquoted value contains `: `; align the keys or quote the value"
    } else if message.contains("found character that cannot start any token") {
        "indent with spaces, not tabs; quote values that start with `@`, `` ` `` or `%`"
    } else if message.contains("did not find expected key") {
        "the indentation of this line does not match the keys above it"
    } else {
        "fix the YAML syntax; indentation must be spaces, and `:` needs a space after it"
    };
    Diagnostic {
        file: path.to_path_buf(),
        position,
        yaml_path,
        message: format!("invalid YAML: {message}"),
        hint: Some(hint.to_owned()),
        source_line: line_text(text, position.line),
    }
}

/// The first line that is not blank or a comment, column 1.
fn first_content_position(text: &str) -> Position {
    let line = text
        .lines()
        .position(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && t != "---"
        })
        .map_or(1, |i| i + 1);
    Position { line, column: 1 }
}

/// What the event parser says about a text serde_yaml refused.
struct SyntaxContext {
    /// The YAML path of the node being read when parsing stopped.
    current: Option<YamlPath>,
    /// The innermost `[` and `{` still open when parsing stopped.
    open_bracket: Option<Position>,
    open_brace: Option<Position>,
    /// The first repeated key: the path of the mapping, the key, and where it repeats.
    duplicate: Option<(YamlPath, String, Position)>,
}

fn syntax_context(text: &str) -> SyntaxContext {
    let mut indexer = PositionIndexer::default();
    let failed = Parser::new_from_str(text)
        .load(&mut indexer, false)
        .is_err();
    let current = failed.then(|| indexer.current_path()).flatten();
    let char_at = |p: &Position| {
        text.lines()
            .nth(p.line.checked_sub(1)?)?
            .chars()
            .nth(p.column.checked_sub(1)?)
    };
    let innermost = |open: char| {
        indexer
            .open_at
            .iter()
            .rev()
            .find(|p| char_at(p) == Some(open))
            .copied()
    };
    SyntaxContext {
        current,
        open_bracket: if failed { innermost('[') } else { None },
        open_brace: if failed { innermost('{') } else { None },
        duplicate: indexer.duplicate,
    }
}

fn line_text(text: &str, line: usize) -> Option<String> {
    text.lines().nth(line.checked_sub(1)?).map(str::to_owned)
}

/// What the event walker is inside of.
enum Frame {
    Mapping {
        path: YamlPath,
        pending_key: Option<String>,
        awaiting_key: bool,
        /// Keys met so far, to find repeated ones.
        seen: Vec<String>,
    },
    Sequence {
        path: YamlPath,
        next: usize,
    },
    /// A complex (non-scalar) mapping key: its contents are not indexed.
    SkippedKey {
        depth: usize,
    },
}

#[derive(Default)]
struct PositionIndexer {
    stack: Vec<Frame>,
    /// Where each collection still open began, innermost last: an unclosed
    /// `[` or `{` is found here when the parser gives up at the end.
    open_at: Vec<Position>,
    marks: HashMap<YamlPath, NodeMarks>,
    seen_document: bool,
    duplicate: Option<(YamlPath, String, Position)>,
}

fn to_position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl PositionIndexer {
    /// Handles the start of a node (scalar, alias or collection) at `mark`.
    /// Returns the node's path when it is a value to index.
    fn node_path(&mut self, scalar_key: Option<&str>, mark: Marker) -> Option<YamlPath> {
        let position = to_position(mark);
        match self.stack.last_mut() {
            None => {
                if self.seen_document {
                    return None; // only the first document is the spec
                }
                self.seen_document = true;
                let root = YamlPath::root();
                self.marks.entry(root.clone()).or_default().value = Some(position);
                Some(root)
            }
            Some(Frame::SkippedKey { .. }) => None,
            Some(Frame::Mapping {
                path,
                pending_key,
                awaiting_key,
                seen,
            }) => {
                if *awaiting_key {
                    *awaiting_key = false;
                    match scalar_key {
                        Some(key) => {
                            if seen.iter().any(|k| k == key) {
                                if self.duplicate.is_none() {
                                    self.duplicate = Some((path.clone(), key.to_owned(), position));
                                }
                            } else {
                                seen.push(key.to_owned());
                            }
                            let key_path = path.key(key);
                            self.marks.entry(key_path).or_default().key = Some(position);
                            *pending_key = Some(key.to_owned());
                        }
                        None => *pending_key = None,
                    }
                    None
                } else {
                    *awaiting_key = true;
                    let key = pending_key.take()?;
                    let value_path = path.key(&key);
                    self.marks.entry(value_path.clone()).or_default().value = Some(position);
                    Some(value_path)
                }
            }
            Some(Frame::Sequence { path, next }) => {
                let item = path.index(*next);
                *next += 1;
                self.marks.entry(item.clone()).or_default().value = Some(position);
                Some(item)
            }
        }
    }

    /// The path of the node being read: the innermost collection, extended by
    /// the key whose value is pending.
    fn current_path(&self) -> Option<YamlPath> {
        self.stack.iter().rev().find_map(|frame| match frame {
            Frame::Mapping {
                path,
                pending_key,
                awaiting_key,
                ..
            } => Some(match pending_key {
                Some(key) if !*awaiting_key => path.key(key),
                _ => path.clone(),
            }),
            Frame::Sequence { path, next } => Some(if *next > 0 {
                path.index(next - 1)
            } else {
                path.clone()
            }),
            Frame::SkippedKey { .. } => None,
        })
    }

    fn in_skipped_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::SkippedKey { .. }))
    }

    fn is_key_position(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Mapping {
                awaiting_key: true,
                ..
            })
        )
    }

    fn open(&mut self, mark: Marker, make: impl FnOnce(YamlPath) -> Frame) {
        if let Some(Frame::SkippedKey { depth }) = self.stack.last_mut() {
            *depth += 1;
            return;
        }
        if self.is_key_position() {
            self.node_path(None, mark);
            self.stack.push(Frame::SkippedKey { depth: 1 });
            return;
        }
        match self.node_path(None, mark) {
            Some(path) => self.stack.push(make(path)),
            None => self.stack.push(Frame::SkippedKey { depth: 1 }),
        }
    }

    fn close(&mut self) {
        if let Some(Frame::SkippedKey { depth }) = self.stack.last_mut() {
            *depth -= 1;
            if *depth > 0 {
                return;
            }
        }
        self.stack.pop();
    }
}

impl MarkedEventReceiver for PositionIndexer {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, ..) if !self.in_skipped_key() => {
                self.node_path(Some(&text), mark);
            }
            Event::Alias(_) if !self.in_skipped_key() => {
                self.node_path(None, mark);
            }
            Event::MappingStart(..) => {
                self.open_at.push(to_position(mark));
                self.open(mark, |path| Frame::Mapping {
                    path,
                    pending_key: None,
                    awaiting_key: true,
                    seen: Vec::new(),
                })
            }
            Event::SequenceStart(..) => {
                self.open_at.push(to_position(mark));
                self.open(mark, |path| Frame::Sequence { path, next: 0 })
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.open_at.pop();
                self.close()
            }
            _ => {}
        }
    }
}

fn index_positions(text: &str) -> HashMap<YamlPath, NodeMarks> {
    let mut indexer = PositionIndexer::default();
    // A parse error here only leaves the index partial: serde_yaml accepted the
    // text, and lookups fall back to the nearest indexed ancestor.
    let _ = Parser::new_from_str(text).load(&mut indexer, false);
    indexer.marks
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
endpoints:
  get_x:
    method: GET
    query:
      id: { type: strnig }
    tags: [a, b]
";

    fn file() -> SourceFile {
        SourceFile::parse("spec.yaml", TEXT).unwrap()
    }

    #[test]
    fn indexes_keys_and_values_by_path() {
        let f = file();
        let method = YamlPath::root().key("endpoints").key("get_x").key("method");
        assert_eq!(
            f.position(&method, Anchor::Key),
            Position { line: 3, column: 5 }
        );
        assert_eq!(
            f.position(&method, Anchor::Value),
            Position {
                line: 3,
                column: 13
            }
        );
        let ty = YamlPath::root()
            .key("endpoints")
            .key("get_x")
            .key("query")
            .key("id")
            .key("type");
        assert_eq!(
            f.position(&ty, Anchor::Value),
            Position {
                line: 5,
                column: 19
            }
        );
        let tag = YamlPath::root()
            .key("endpoints")
            .key("get_x")
            .key("tags")
            .index(1);
        assert_eq!(
            f.position(&tag, Anchor::Value),
            Position {
                line: 6,
                column: 15
            }
        );
    }

    #[test]
    fn unknown_paths_fall_back_to_the_nearest_ancestor() {
        let f = file();
        let missing = YamlPath::root()
            .key("endpoints")
            .key("get_x")
            .key("nope")
            .key("deeper");
        assert_eq!(
            f.position(&missing, Anchor::Value),
            Position { line: 2, column: 3 }
        );
    }

    #[test]
    fn yaml_path_display() {
        let p = YamlPath::root().key("a").index(2).key("b");
        assert_eq!(p.to_string(), "a[2].b");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let d = SourceFile::parse("bad.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
        assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
        assert!(d.position.line >= 1);
    }
}
