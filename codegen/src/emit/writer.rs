//! The one printer of generated Rust: a writer that owns indentation, blocks
//! and line breaking, in the style of smithy-rs's `RustWriter`.
//!
//! An emitter says *what* it writes — a line, a block it opens and closes, a
//! doc comment, a line holding lists that may break — and never how it is
//! indented: no string an emitter passes starts with spaces or holds a line
//! break. The writer indents four spaces a block level and breaks a line that
//! would pass [`WIDTH`] columns the way rustfmt breaks it: the last list of
//! the line (arguments, parameters, generic arguments, a slice, a tuple) takes
//! one element a line, indented four more, with a trailing comma; an element
//! that still does not fit breaks its own lists in turn.
//!
//! ```text
//! w.open("impl Thing {");                       impl Thing {
//! w.doc("Makes one.");                              /// Makes one.
//! w.wrapped(&Element::seq([                         pub fn new(a: A, b: B) -> Self {
//!     "pub fn new".into(),                              Self { a, b }
//!     List::arguments(params).into(),               }
//!     " -> Self {".into(),                      }
//! ]));
//! w.indent();
//! w.line("Self { a, b }");
//! w.close("}");
//! w.close("}");
//! ```
//!
//! What comes out is what rustc, rustdoc's source view and the snapshots see
//! alike: there is no second formatting pass.

use std::fmt::Write as _;

/// The widest line kept whole.
pub(crate) const WIDTH: usize = 100;

/// Spaces per block level.
const INDENT: usize = 4;

/// Rust source being written, line by line.
#[derive(Debug, Default)]
pub(crate) struct RustWriter {
    out: String,
    /// Block depth: each level indents [`INDENT`] spaces.
    depth: usize,
}

impl RustWriter {
    /// An empty writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            depth: 0,
        }
    }

    /// The text written, every block closed.
    pub(crate) fn finish(self) -> String {
        debug_assert_eq!(self.depth, 0, "a block is left open");
        self.out
    }

    /// The current indentation, in columns.
    pub(crate) fn indentation(&self) -> usize {
        self.depth * INDENT
    }

    /// One line at the current indentation.
    pub(crate) fn line(&mut self, text: &str) {
        debug_assert!(
            !text.contains('\n') && !text.starts_with(' '),
            "the writer owns line breaks and indentation: {text:?}"
        );
        self.push_indentation();
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// An empty line.
    pub(crate) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// A line that opens a block (`impl X {`, `match x {`, `&[`): what follows
    /// is indented one level more, until [`close`](Self::close).
    pub(crate) fn open(&mut self, text: &str) {
        self.line(text);
        self.indent();
    }

    /// A line that closes the innermost block (`}`, `};`, `})`), at the
    /// block's own indentation.
    pub(crate) fn close(&mut self, text: &str) {
        self.dedent();
        self.line(text);
    }

    /// Indents what follows one more level (after a [`wrapped`](Self::wrapped)
    /// line that opens a block).
    pub(crate) fn indent(&mut self) {
        self.depth += 1;
    }

    /// Ends one level of indentation.
    pub(crate) fn dedent(&mut self) {
        debug_assert!(self.depth > 0, "no block to close");
        self.depth = self.depth.saturating_sub(1);
    }

    /// One line of elements, broken as the module docs say when it would
    /// pass [`WIDTH`].
    pub(crate) fn wrapped(&mut self, element: &Element) {
        self.push_indentation();
        let indent = self.indentation();
        element.layout(indent, indent, 0, &mut self.out);
        self.out.push('\n');
    }

    /// A function's signature, opening its body: `head(params) -> output {`
    /// on one line when it fits; else one parameter a line, and then the
    /// output, itself broken if it is still too long.
    pub(crate) fn signature(&mut self, head: &str, params: Vec<Element>, output: Option<Element>) {
        let arrow = output.map(|output| Element::seq([" -> ".into(), output]));
        let mut line = vec![Element::from(head), List::arguments(params.clone()).into()];
        line.extend(arrow.clone());
        line.push(" {".into());
        let line = Element::Seq(line);
        let indent = self.indentation();
        if indent + line.width() <= WIDTH || params.is_empty() {
            self.wrapped(&line);
        } else {
            self.line(&format!("{head}("));
            self.indent();
            for param in &params {
                self.wrapped(&Element::seq([param.clone(), ",".into()]));
            }
            self.dedent();
            let mut close = vec![Element::from(")")];
            close.extend(arrow);
            close.push(" {".into());
            self.wrapped(&Element::Seq(close));
        }
        self.indent();
    }

    /// A doc text as `///` lines (`#[doc = "…"]` for a line a comment cannot
    /// hold), with `<` outside code escaped for rustdoc.
    pub(crate) fn doc(&mut self, doc: &str) {
        let doc = escape_html(doc);
        for line in doc.lines() {
            self.push_indentation();
            if line.contains('\r') {
                self.out.push_str("#[doc = ");
                push_str_literal(&mut self.out, &format!(" {line}"));
                self.out.push_str("]\n");
            } else if line.is_empty() {
                self.out.push_str("///\n");
            } else {
                let _ = writeln!(self.out, "/// {line}");
            }
        }
    }

    fn push_indentation(&mut self) {
        for _ in 0..self.indentation() {
            self.out.push(' ');
        }
    }
}

/// What a line is made of: text that never breaks, lists that may, and
/// sequences of both.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Element {
    /// Text that is not broken.
    Text(String),
    /// Elements between delimiters, which may take a line each.
    List(List),
    /// Elements one after the other; when they do not fit, the last list
    /// among them breaks first.
    Seq(Vec<Element>),
}

/// Elements between delimiters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct List {
    /// The opening text, with whatever precedes the delimiter without a
    /// break (`::std::vec::Vec<`, `#[derive(`).
    open: String,
    close: &'static str,
    /// A one-element list keeps its trailing comma on one line (a 1-tuple).
    comma_after_one: bool,
    /// On one line, a space inside each delimiter (`Self { a, b }`).
    padded: bool,
    elements: Vec<Element>,
}

impl List {
    /// `(a, b)`: call arguments or parameters.
    pub(crate) fn arguments(elements: Vec<Element>) -> List {
        List::new("(", ")", elements)
    }

    /// `(a, b,)`: a tuple (a 1-tuple keeps its comma).
    pub(crate) fn tuple(elements: Vec<Element>) -> List {
        List {
            comma_after_one: true,
            ..List::new("(", ")", elements)
        }
    }

    /// `&[a, b]`: a slice.
    pub(crate) fn slice(elements: Vec<Element>) -> List {
        List::new("&[", "]", elements)
    }

    /// `<a, b>`: generic arguments.
    pub(crate) fn generics(elements: Vec<Element>) -> List {
        List::new("<", ">", elements)
    }

    /// `Name<a, b>`: a generic type.
    pub(crate) fn generic_type(name: &str, elements: Vec<Element>) -> List {
        List::new(format!("{name}<"), ">", elements)
    }

    /// `#[name(a, b)]`: an attribute with a list (`derive`).
    pub(crate) fn attribute(name: &str, elements: Vec<Element>) -> List {
        List::new(format!("#[{name}("), ")]", elements)
    }

    /// `Name { a, b }`: a struct literal's fields (`Name {` is `open`, and
    /// `close` ends with `}`).
    pub(crate) fn fields(
        open: impl Into<String>,
        close: &'static str,
        elements: Vec<Element>,
    ) -> List {
        List {
            padded: true,
            ..List::new(open, close, elements)
        }
    }

    /// `open a, b close`, for any other delimiters.
    pub(crate) fn new(
        open: impl Into<String>,
        close: &'static str,
        elements: Vec<Element>,
    ) -> List {
        List {
            open: open.into(),
            close,
            comma_after_one: false,
            padded: false,
            elements,
        }
    }

    fn width(&self) -> usize {
        let elements: usize = self.elements.iter().map(Element::width).sum();
        let separators = 2 * self.elements.len().saturating_sub(1);
        let comma = usize::from(self.comma_after_one && self.elements.len() == 1);
        let padding = if self.padded && !self.elements.is_empty() {
            2
        } else {
            0
        };
        self.open.len() + elements + separators + comma + padding + self.close.len()
    }

    fn one_line(&self, out: &mut String) {
        out.push_str(&self.open);
        let padded = self.padded && !self.elements.is_empty();
        if padded {
            out.push(' ');
        }
        for (i, element) in self.elements.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            element.one_line(out);
        }
        if self.comma_after_one && self.elements.len() == 1 {
            out.push(',');
        }
        if padded {
            out.push(' ');
        }
        out.push_str(self.close);
    }

    fn layout(&self, indent: usize, column: usize, after: usize, out: &mut String) {
        if column + self.width() + after <= WIDTH || self.elements.is_empty() {
            return self.one_line(out);
        }
        let inner = indent + INDENT;
        out.push_str(&self.open);
        out.push('\n');
        for element in &self.elements {
            push_spaces(out, inner);
            element.layout(inner, inner, 1, out);
            out.push_str(",\n");
        }
        push_spaces(out, indent);
        out.push_str(self.close);
    }
}

impl Element {
    /// Elements one after the other.
    pub(crate) fn seq(elements: impl IntoIterator<Item = Element>) -> Element {
        Element::Seq(elements.into_iter().collect())
    }

    /// The length of the element on one line.
    fn width(&self) -> usize {
        match self {
            Element::Text(text) => text.len(),
            Element::List(list) => list.width(),
            Element::Seq(elements) => elements.iter().map(Element::width).sum(),
        }
    }

    /// Whether a list inside may break.
    fn breaks(&self) -> bool {
        match self {
            Element::Text(_) => false,
            Element::List(list) => !list.elements.is_empty(),
            Element::Seq(elements) => elements.iter().any(Element::breaks),
        }
    }

    fn one_line(&self, out: &mut String) {
        match self {
            Element::Text(text) => out.push_str(text),
            Element::List(list) => list.one_line(out),
            Element::Seq(elements) => elements.iter().for_each(|e| e.one_line(out)),
        }
    }

    /// Writes the element where it starts at `column` of a line indented
    /// `indent`, followed by `after` columns of text on its last line.
    fn layout(&self, indent: usize, column: usize, after: usize, out: &mut String) {
        match self {
            Element::Text(text) => out.push_str(text),
            Element::List(list) => list.layout(indent, column, after, out),
            Element::Seq(elements) => {
                if column + self.width() + after <= WIDTH {
                    return self.one_line(out);
                }
                let Some(last) = elements.iter().rposition(Element::breaks) else {
                    return self.one_line(out);
                };
                let tail: usize = elements[last + 1..].iter().map(Element::width).sum();
                // What precedes the last list breaks only when it does not
                // fit with the list's opening.
                let start = out.len();
                let open = match &elements[last] {
                    Element::List(list) => list.open.len(),
                    _ => 0,
                };
                Element::Seq(elements[..last].to_vec()).layout(indent, column, open, out);
                let column = match out[start..].rfind('\n') {
                    Some(newline) => out.len() - (start + newline + 1),
                    None => column + (out.len() - start),
                };
                elements[last].layout(indent, column, tail + after, out);
                elements[last + 1..].iter().for_each(|e| e.one_line(out));
            }
        }
    }
}

impl std::fmt::Display for Element {
    /// The element on one line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = String::with_capacity(self.width());
        self.one_line(&mut text);
        f.write_str(&text)
    }
}

impl From<String> for Element {
    fn from(text: String) -> Element {
        Element::Text(text)
    }
}

impl From<&str> for Element {
    fn from(text: &str) -> Element {
        Element::Text(text.to_owned())
    }
}

impl From<List> for Element {
    fn from(list: List) -> Element {
        Element::List(list)
    }
}

fn push_spaces(out: &mut String, count: usize) {
    for _ in 0..count {
        out.push(' ');
    }
}

/// Writes `value` as a Rust string literal, escaped as `proc_macro2` (and so
/// `quote`) escapes one: `char::escape_debug`, except `'`, and `\0` as
/// `\x00` before a digit.
pub(crate) fn push_str_literal(out: &mut String, value: &str) {
    out.push('"');
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\0' if chars
                .as_str()
                .starts_with(|next: char| next.is_ascii_digit()) =>
            {
                out.push_str("\\x00")
            }
            '\0' => out.push_str("\\0"),
            '\'' => out.push(c),
            // The common case, unescaped: letters, digits, spaces, punctuation.
            c if c.is_alphanumeric() && c.is_ascii()
                || (c.is_ascii_graphic() && c != '"' && c != '\\')
                || c == ' ' =>
            {
                out.push(c)
            }
            c => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
}

/// [`push_str_literal`] into a new string.
pub(crate) fn str_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_str_literal(&mut out, value);
    out
}

/// `text` with every `<` outside inline code and code fences written `\<`.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fenced = false;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push_str(line);
            continue;
        }
        if fenced {
            out.push_str(line);
            continue;
        }
        let mut in_code = false;
        for c in line.chars() {
            match c {
                '`' => {
                    in_code = !in_code;
                    out.push(c);
                }
                '<' if !in_code => out.push_str("\\<"),
                _ => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[&str]) -> Vec<Element> {
        items.iter().map(|t| Element::from(*t)).collect()
    }

    fn laid_out(element: &Element, indent: usize) -> String {
        let mut w = RustWriter::default();
        for _ in 0..indent / INDENT {
            w.indent();
        }
        w.wrapped(element);
        w.out
    }

    #[test]
    fn blocks_indent_what_they_hold() {
        let mut w = RustWriter::default();
        w.open("impl A {");
        w.doc("Docs.\n\nMore <b> `<c>`.");
        w.open("fn f() {");
        w.line("g();");
        w.close("}");
        w.blank();
        w.line("const X: u8 = 1;");
        w.close("}");
        assert_eq!(
            w.finish(),
            "impl A {\n    /// Docs.\n    ///\n    /// More \\<b> `<c>`.\n    fn f() {\n        \
             g();\n    }\n\n    const X: u8 = 1;\n}\n"
        );
    }

    #[test]
    fn short_lists_stay_on_their_line() {
        let tuple = Element::seq([
            "let t = ".into(),
            List::tuple(texts(&["a"])).into(),
            ";".into(),
        ]);
        assert_eq!(laid_out(&tuple, 8), "        let t = (a,);\n");
        let call = Element::seq(["f".into(), List::arguments(texts(&["a", "b"])).into()]);
        assert_eq!(laid_out(&call, 0), "f(a, b)\n");
    }

    #[test]
    fn long_lists_take_an_element_a_line_and_nest() {
        let long = "x".repeat(60);
        let inner = List::tuple(texts(&[&long, &long]));
        let outer = Element::seq([
            "call".into(),
            List::arguments(vec!["serializer".into(), inner.into()]).into(),
            ";".into(),
        ]);
        assert_eq!(
            laid_out(&outer, 4),
            format!(
                "    call(\n        serializer,\n        (\n            {long},\n            \
                 {long},\n        ),\n    );\n"
            )
        );
    }

    #[test]
    fn the_last_list_breaks_first() {
        let long = "y".repeat(40);
        let line = Element::seq([
            "let v = f::".into(),
            List::generics(texts(&["A", "_"])).into(),
            List::arguments(texts(&[&long, &long])).into(),
            "?;".into(),
        ]);
        assert_eq!(
            laid_out(&line, 8),
            format!("        let v = f::<A, _>(\n            {long},\n            {long},\n        )?;\n")
        );
    }

    #[test]
    fn a_long_type_breaks_its_own_generics() {
        let map = List::generic_type(
            "::std::collections::BTreeMap",
            texts(&["::std::string::String", "crate::runtime::serde_json::Value"]),
        );
        let ty = List::generic_type("::std::option::Option", vec![map.into()]);
        let field = Element::seq(["pub checksums: ".into(), ty.into(), ",".into()]);
        assert_eq!(
            laid_out(&field, 4),
            "    pub checksums: ::std::option::Option<\n        ::std::collections::BTreeMap<\
             ::std::string::String, crate::runtime::serde_json::Value>,\n    >,\n"
        );
    }

    #[test]
    fn signatures_break_their_parameters_first_then_their_output() {
        let mut w = RustWriter::default();
        w.signature("pub fn f", texts(&["&self", "x: u8"]), Some("u8".into()));
        w.line("x");
        w.close("}");
        assert_eq!(w.finish(), "pub fn f(&self, x: u8) -> u8 {\n    x\n}\n");
        let long = "T".repeat(70);
        let output = List::generic_type("::std::option::Option", vec![long.as_str().into()]);
        let mut w = RustWriter::default();
        w.indent();
        w.signature("pub fn g", texts(&["&self"]), Some(output.into()));
        w.close("}");
        w.dedent();
        assert_eq!(
            w.finish(),
            format!(
                "    pub fn g(\n        &self,\n    ) -> ::std::option::Option<\n        {long},\n    > {{\n    }}\n"
            )
        );
    }

    #[test]
    fn struct_literals_are_padded_on_one_line_and_not_when_broken() {
        let short = List::fields("Self {", "}", texts(&["a", "b"]));
        assert_eq!(laid_out(&short.clone().into(), 0), "Self { a, b }\n");
        let mut one = String::new();
        short.one_line(&mut one);
        assert_eq!(short.width(), one.len());
        let long = "z".repeat(50);
        let broken = Element::seq([
            "Ok".into(),
            List::fields("(Self {", "})", texts(&[&long, &long])).into(),
        ]);
        assert_eq!(
            laid_out(&broken, 0),
            format!("Ok(Self {{\n    {long},\n    {long},\n}})\n")
        );
        assert_eq!(
            laid_out(&List::fields("Self {", "}", vec![]).into(), 0),
            "Self {}\n"
        );
    }

    #[test]
    fn widths_match_the_one_line_form() {
        let list = List::attribute("derive", texts(&["A", "B"]));
        let element = Element::seq(["x ".into(), list.into()]);
        let mut one = String::new();
        element.one_line(&mut one);
        assert_eq!(one, "x #[derive(A, B)]");
        assert_eq!(element.width(), one.len());
        let one_tuple = List::tuple(texts(&["a"]));
        let mut text = String::new();
        one_tuple.one_line(&mut text);
        assert_eq!(one_tuple.width(), text.len());
    }

    #[test]
    fn angle_brackets_outside_code_are_escaped() {
        assert_eq!(
            escape_html("a /x/<app name> `Vec<u8>` b<c"),
            "a /x/\\<app name> `Vec<u8>` b\\<c"
        );
        assert_eq!(escape_html("```\nx<y\n```\n<z>"), "```\nx<y\n```\n\\<z>");
    }
}
