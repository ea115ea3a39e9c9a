//! Stage 1, load: read spec files and parse their YAML.
//!
//! Each file is parsed once, by the event parser of `yaml-rust2`, into a
//! `Value` tree (the `yaml` module) that keeps where every key and value
//! starts. Diagnostics name a node by its YAML path
//! (`endpoints.x.query.y.type`) and look its position up in that tree; a path
//! that leads nowhere (a key the file lacks) falls back to its nearest
//! ancestor, so a position is always given.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Position};
use crate::yaml::{self, ErrorKind, LoadError, Value};

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

    /// The path's segments, from the root.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub fn segments(&self) -> &[Segment] {
        &self.0
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

/// One loaded spec file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path the file was read from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The parsed document (`Null` for an empty file).
    pub value: Value,
    /// Where the document's value starts.
    root_position: Option<Position>,
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
        let (value, root_position) = match yaml::load(&text) {
            Ok(loaded) => loaded,
            Err(error) => return Err(load_diagnostic(&path, &text, error)),
        };
        Ok(Self {
            path,
            text,
            value,
            root_position,
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
        // Walk down the tree as far as the path leads: the key and value
        // positions of each node reached.
        let mut node = &self.value;
        let mut reached = Vec::with_capacity(at.0.len());
        for segment in &at.0 {
            while let Value::Tagged(tagged) = node {
                node = &tagged.value;
            }
            let step = match (segment, node) {
                (Segment::Key(key), Value::Mapping(mapping)) => mapping
                    .entries()
                    .iter()
                    .find(|entry| entry.key.key_is(key))
                    .map(|entry| {
                        (
                            (Some(entry.key_position), entry.value_position),
                            &entry.value,
                        )
                    }),
                (Segment::Index(index), Value::Sequence(items)) => items
                    .get(*index)
                    .zip(items.position(*index))
                    .map(|(item, position)| ((None, position), item)),
                _ => None,
            };
            let Some((marks, next)) = step else { break };
            reached.push(marks);
            node = next;
        }
        match reached.last() {
            // The node itself: its value, or its key when asked.
            Some(&(key, value)) if reached.len() == at.0.len() => match anchor {
                Anchor::Value => value,
                Anchor::Key => key.unwrap_or(value),
            },
            // An ancestor is pointed at by its key: "the problem is in this block".
            Some(&(key, value)) => key.unwrap_or(value),
            None => self.root_position.unwrap_or(Position::START),
        }
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

fn load_diagnostic(path: &Path, text: &str, error: LoadError) -> Diagnostic {
    let LoadError {
        mut message,
        mut position,
        kind,
        path: at,
        open,
    } = error;
    let mut yaml_path = at.to_string();
    let char_at = |p: &Position| {
        text.lines()
            .nth(p.line.checked_sub(1)?)?
            .chars()
            .nth(p.column.checked_sub(1)?)
    };
    // The innermost `[` or `{` still open when the parser gave up.
    let innermost = |bracket: char| {
        open.iter()
            .rev()
            .find(|p| char_at(p) == Some(bracket))
            .copied()
    };
    let innermost_is = |bracket: char| open.last().is_some_and(|p| char_at(p) == Some(bracket));
    let hint = match kind {
        ErrorKind::DuplicateKey { .. } => {
            "each key may appear once in a mapping; merge the entries or remove one"
        }
        ErrorKind::TooDeep => {
            // The list or mapping that nests, not the hundred items inside it.
            while yaml_path.ends_with(']') {
                match yaml_path.rfind('[') {
                    Some(cut) => yaml_path.truncate(cut),
                    None => break,
                }
            }
            "the document nests too deeply; spec files need only a few levels"
        }
        ErrorKind::TooRepetitive => {
            "aliases repeat their anchors too often here; write the values out instead"
        }
        ErrorKind::Scalar => {
            "write a value of that type (an integer fits in 64 bits), or quote it to make it a string"
        }
        ErrorKind::ControlCharacter => {
            "delete it: besides tabs and line breaks, YAML allows no control characters (an editor may show none)"
        }
        ErrorKind::SecondDocument => {
            "a spec file is one YAML document: remove this `---` line, or move what follows into a file of its own"
        }
        ErrorKind::Syntax => syntax_hint(
            &mut message,
            &mut position,
            &mut yaml_path,
            innermost,
            innermost_is,
        ),
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

/// The hint for a syntax error, from the parser's message; an unclosed `[`
/// or `{` moves the diagnostic to the bracket.
fn syntax_hint(
    message: &mut String,
    position: &mut Position,
    yaml_path: &mut String,
    innermost: impl Fn(char) -> Option<Position>,
    innermost_is: impl Fn(char) -> bool,
) -> &'static str {
    // The parser says what it was reading ("while parsing a block mapping,
    // did not find expected key"); the path already says where.
    if let Some((context, problem)) = message.split_once(", ") {
        if context.starts_with("while ") {
            *message = problem.to_owned();
        }
    }
    if message.contains("expected ',' or '}'") {
        // Point at the `{` that is never closed, as rustc does, not where
        // the parser gave up (often the end of the file).
        if let Some(open) = innermost('{') {
            *message = format!(
                "this `{{` is never closed (the parser gave up at line {}, column {})",
                position.line, position.column
            );
            *position = open;
        }
        "add the `}` after the mapping's last entry, or write the mapping as indented lines"
    } else if message.contains("expected ',' or ']'")
        // A key on a later line inside a list: the list was not closed.
        || (message.contains("illegal placement of ':' indicator") && innermost_is('['))
    {
        if let Some(open) = innermost('[') {
            *message = format!(
                "this `[` is never closed (the parser gave up at line {}, column {})",
                position.line, position.column
            );
            *position = open;
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
    } else if message.contains("unexpected character") || message.contains("tab") {
        "indent with spaces, not tabs; quote values that start with `@`, `` ` `` or `%`"
    } else if message.contains("did not find expected key") {
        "the indentation of this line does not match the keys above it"
    } else {
        "fix the YAML syntax; indentation must be spaces, and `:` needs a space after it"
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

fn line_text(text: &str, line: usize) -> Option<String> {
    text.lines().nth(line.checked_sub(1)?).map(str::to_owned)
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
