//! Diagnostics: what is wrong with a spec, and exactly where.
//!
//! Every problem found by the `load` or `validate` stage
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
//!    |
//!    = at: endpoints.get_download_url.query.file_token.type
//!    = hint: did you mean `string`?
//! ```
//!
//! A run collects every diagnostic it can before giving up, so a maintainer
//! fixes a whole spec in one round; [`Diagnostics`] keeps them in file order.

use std::fmt;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

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
        self.render(base, &Renderer::plain())
    }

    fn render(&self, base: &Path, renderer: &Renderer) -> String {
        let shown = self.file.strip_prefix(base).unwrap_or(&self.file);
        self.render_with_name(&shown.display().to_string(), renderer)
    }

    /// rustc's layout, drawn by annotate-snippets (rustc's own renderer): the
    /// gutter is as wide as the line number, `-->`, `|` and `=` line up on it,
    /// and the caret sits under the column as the terminal shows it (tabs and
    /// wide characters included).
    fn render_with_name(&self, name: &str, renderer: &Renderer) -> String {
        let Position { line, column } = self.position;
        let mut group = Group::with_title(Level::ERROR.primary_title(&self.message));
        group = match &self.source_line {
            Some(text) => {
                // Past the end of the line, the caret goes where the column
                // is: pad the line with spaces up to it.
                let before = column.saturating_sub(1);
                let text = format!("{:before$}", text.trim_end());
                // The character at `column`, as a byte range (empty at the end).
                let start = text
                    .char_indices()
                    .nth(before)
                    .map_or(text.len(), |(i, _)| i);
                let end = text[start..]
                    .chars()
                    .next()
                    .map_or(start, |c| start + c.len_utf8());
                group.element(
                    Snippet::source(text)
                        .line_start(line)
                        .path(name)
                        .annotation(AnnotationKind::Primary.span(start..end)),
                )
            }
            None => group.element(Origin::path(name).line(line).char_column(column)),
        };
        let at = if !self.yaml_path.is_empty() {
            Some(self.yaml_path.as_str())
        } else if self.source_line.is_some() {
            Some("(top level of the file)")
        } else {
            None
        };
        if let Some(at) = at {
            group = group.element(Level::NOTE.with_name("at").message(at));
        }
        if let Some(hint) = &self.hint {
            group = group.element(Level::HELP.with_name("hint").message(hint));
        }
        let mut out = renderer.render(&[group]);
        out.push('\n');
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_with_name(&self.file.display().to_string(), &Renderer::plain()))
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

    /// Renders all diagnostics, file names relative to `base`, followed by a
    /// summary line. Plain text, the same on every run: for files, logs and
    /// snapshots.
    pub fn render_relative_to(&self, base: &Path) -> String {
        self.render(base, &Renderer::plain())
    }

    /// Like [`Diagnostics::render_relative_to`], coloured with ANSI escapes
    /// in rustc's colours: for a terminal.
    pub fn render_styled_relative_to(&self, base: &Path) -> String {
        self.render(base, &Renderer::styled())
    }

    fn render(&self, base: &Path, renderer: &Renderer) -> String {
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&d.render(base, renderer));
            out.push('\n');
        }
        out.push_str(&renderer.render(&[Group::with_title(
            Level::ERROR.primary_title(self.summary()),
        )]));
        out.push('\n');
        out
    }

    fn summary(&self) -> String {
        match self.items.len() {
            1 => "the spec has 1 error".to_owned(),
            n => format!("the spec has {n} errors"),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        writeln!(f, "error: {}", self.summary())
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
///
/// The distance is the optimal string alignment distance: insertions, deletions,
/// substitutions, and swaps of two neighbours (the commonest typo) count one edit.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_only_plausible_typos() {
        let names = ["string", "bool", "i64"];
        assert_eq!(closest("strnig", names), Some("string"));
        assert_eq!(closest("boo", names), Some("bool"));
        assert_eq!(closest("completely", names), None);
        // A swap of neighbours is one edit (two for plain Levenshtein, over
        // the limit of 1 for a five-letter word).
        assert_eq!(closest("Tokne", ["Token", "Type"]), Some("Token"));
        assert_eq!(closest("i64", names), Some("i64"));
    }

    fn diagnostic(line: usize, column: usize, source_line: Option<&str>) -> Diagnostic {
        Diagnostic {
            file: PathBuf::from("spec/a.yaml"),
            position: Position { line, column },
            yaml_path: "endpoints.x.method".into(),
            message: "unsupported method `FETCH`".into(),
            hint: Some("use one of GET, POST".into()),
            source_line: source_line.map(str::to_owned),
        }
    }

    #[test]
    fn renders_caret_under_column() {
        let text =
            diagnostic(3, 11, Some("    method: FETCH")).render_relative_to(Path::new("spec"));
        assert_eq!(
            text,
            "error: unsupported method `FETCH`\n --> a.yaml:3:11\n  |\n3 |     method: FETCH\n  |           ^\n  |\n  = at: endpoints.x.method\n  = hint: use one of GET, POST\n"
        );
    }

    #[test]
    fn the_caret_follows_tabs_and_wide_characters() {
        // Column 8 is the `F` after a tab and two characters two columns wide.
        let text = diagnostic(12, 8, Some("\t名字: x FETCH")).render_relative_to(Path::new("spec"));
        assert_eq!(
            text,
            "error: unsupported method `FETCH`\n  --> a.yaml:12:8\n   |\n12 |     名字: x FETCH\n   |             ^\n   |\n   = at: endpoints.x.method\n   = hint: use one of GET, POST\n"
        );
    }

    #[test]
    fn without_the_line_only_the_place_is_shown() {
        let text = diagnostic(1, 1, None).render_relative_to(Path::new("spec"));
        assert_eq!(
            text,
            "error: unsupported method `FETCH`\n --> a.yaml:1:1\n  = at: endpoints.x.method\n  = hint: use one of GET, POST\n"
        );
        // Past the end of the line, the caret and the header keep the column.
        let text = diagnostic(2, 8, Some("a: b  ")).render_relative_to(Path::new("spec"));
        assert!(
            text.contains(" --> a.yaml:2:8\n  |\n2 | a: b   \n  |        ^\n"),
            "{text}"
        );
    }

    #[test]
    fn styled_output_has_colours_and_plain_has_none() {
        let mut all = Diagnostics::new();
        all.push(diagnostic(3, 11, Some("    method: FETCH")));
        let plain = all.render_relative_to(Path::new("spec"));
        let styled = all.render_styled_relative_to(Path::new("spec"));
        assert!(!plain.contains('\x1b'));
        assert!(
            plain.ends_with("\nerror: the spec has 1 error\n"),
            "{plain}"
        );
        assert!(styled.contains("\x1b["), "{styled}");
        assert_eq!(all.render_relative_to(Path::new("")), all.to_string());
    }
}
