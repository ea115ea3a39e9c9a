//! Diagnostics: what is wrong with a spec, and exactly where.
//!
//! Every problem found by [`load`](crate::load) or [`validate`](crate::validate)
//! becomes a [`Diagnostic`] that names the file, the line and column, the YAML
//! path of the offending node, shows the line with a caret under the column, and
//! usually carries a hint:
//!
//! ```text
//! error: unknown type `strnig`
//!   --> api-spec/appspace.yaml:42:15
//!    |
//! 42 |         type: strnig
//!    |               ^
//!    = at: endpoints.get_download_url.query.file_token.type
//!    = hint: did you mean `string`?
//! ```
//!
//! A run collects every diagnostic it can before giving up, so a maintainer
//! fixes a whole spec in one round; [`Diagnostics`] keeps them in file order.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a spec file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Position {
    /// The first character of a file.
    pub const START: Position = Position { line: 1, column: 1 };
}

/// One problem in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file, as it was named to the loader.
    pub file: PathBuf,
    /// Where in the file.
    pub position: Position,
    /// The YAML path of the offending node, such as
    /// `endpoints.get_download_url.query.file_token.type`; empty for the document itself.
    pub yaml_path: String,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
    /// The text of the offending line, for display.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// Renders the diagnostic with `file` shown relative to `base` when possible.
    pub fn render_relative_to(&self, base: &Path) -> String {
        let shown = self.file.strip_prefix(base).unwrap_or(&self.file);
        self.render_with_name(&shown.display().to_string())
    }

    fn render_with_name(&self, name: &str) -> String {
        // rustc's layout: the gutter is as wide as the line number, and `-->`,
        // `|` and `=` line up on it.
        let Position { line, column } = self.position;
        let number = line.to_string();
        let gutter = " ".repeat(number.len());
        let mut out = format!(
            "error: {}\n{gutter}--> {name}:{line}:{column}\n",
            self.message
        );
        if let Some(text) = &self.source_line {
            let text = text.trim_end();
            // Keep tabs as tabs so the caret lines up under them.
            let pad: String = text
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{gutter} |\n{number} | {text}\n{gutter} | {pad}^\n"
            ));
        }
        if !self.yaml_path.is_empty() {
            out.push_str(&format!("{gutter} = at: {}\n", self.yaml_path));
        } else if self.source_line.is_some() {
            out.push_str(&format!("{gutter} = at: (top level of the file)\n"));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("{gutter} = hint: {hint}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_with_name(&self.file.display().to_string()))
    }
}

/// All the diagnostics of a run, in file order (file name, then position).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many diagnostics there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The diagnostics, sorted by file then position (call [`Diagnostics::sort`] first).
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Puts the diagnostics in file order; equal positions keep the order they were found in.
    pub fn sort(&mut self) {
        self.items
            .sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
        self.items.dedup();
    }

    /// Renders all diagnostics, file names relative to `base`, followed by a summary line.
    pub fn render_relative_to(&self, base: &Path) -> String {
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&d.render_relative_to(base));
            out.push('\n');
        }
        out.push_str(&self.summary());
        out
    }

    fn summary(&self) -> String {
        match self.items.len() {
            1 => "error: the spec has 1 error\n".to_owned(),
            n => format!("error: the spec has {n} errors\n"),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        f.write_str(&self.summary())
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The closest candidate to `word` by edit distance, when it is close enough to be a
/// plausible typo (at most a third of the word's length, and at least 1 edit allowed).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Edit distance over characters (optimal string alignment: insertions,
/// deletions, substitutions, and swaps of two neighbours, the commonest typo).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("strnig", "string"), 1);
        assert_eq!(edit_distance("Tokne", "Token"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("i64", "i64"), 0);
    }

    #[test]
    fn closest_suggests_only_plausible_typos() {
        let names = ["string", "bool", "i64"];
        assert_eq!(closest("strnig", names), Some("string"));
        assert_eq!(closest("boo", names), Some("bool"));
        assert_eq!(closest("completely", names), None);
    }

    #[test]
    fn renders_caret_under_column() {
        let d = Diagnostic {
            file: PathBuf::from("spec/a.yaml"),
            position: Position {
                line: 3,
                column: 11,
            },
            yaml_path: "endpoints.x.method".into(),
            message: "unsupported method `FETCH`".into(),
            hint: Some("use one of GET, POST".into()),
            source_line: Some("    method: FETCH".into()),
        };
        let text = d.render_relative_to(Path::new("spec"));
        assert_eq!(
            text,
            "error: unsupported method `FETCH`\n --> a.yaml:3:11\n  |\n3 |     method: FETCH\n  |           ^\n  = at: endpoints.x.method\n  = hint: use one of GET, POST\n"
        );
    }
}
