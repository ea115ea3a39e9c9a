//! Rust source from `quote` tokens without a formatter: what the server and
//! command emitters' tokens become when the `pretty` feature is off (the
//! build script's case).
//!
//! Only the whitespace between tokens is chosen here, so the code is the
//! tokens' own (a `#[doc = r"…"]` is written as the `///` line it stands
//! for): a line break after `;`, after `#[…]`, after `,` in a block or
//! a long list, and around `{…}` blocks; a `[…]` list longer than
//! [`LONG_LIST`] characters has one element a line; and spaces where rustfmt
//! puts them for the tokens these emitters write (none around `::` or inside
//! generic `<…>`, before `,` `;` `.` `:` `?` or a call's `(`, after `.`, `&`
//! or a lifetime's `'`).

use std::fmt::Write;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// A `[…]` list longer than this (as one line) gets one element a line.
const LONG_LIST: usize = 100;

/// Writes `tokens` at `depth` (four spaces each), lines broken as the module
/// says.
pub(super) fn write_stream(out: &mut String, tokens: TokenStream, depth: usize) {
    write_lines(out, tokens, depth, true);
}

/// [`write_stream`], starting at the start of a line or after what `out`
/// already has on it.
fn write_lines(out: &mut String, tokens: TokenStream, depth: usize, mut line_start: bool) {
    let mut spacing = Spaces::start();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        if line_start {
            indent(out, depth);
        } else if spacing.before(&tree) {
            out.push(' ');
        }
        line_start = false;
        let attribute = spacing.previous_hash;
        spacing.after(&tree);
        match tree {
            TokenTree::Group(group) => match group.delimiter() {
                Delimiter::Brace => {
                    out.push_str("{\n");
                    let inner = group.stream();
                    if !inner.is_empty() {
                        write_stream(out, inner, depth + 1);
                        out.push('\n');
                    }
                    indent(out, depth);
                    out.push('}');
                    // A struct literal's `}` keeps the `,`, `;` or `.` that
                    // follows it; an item's ends the line.
                    if !continues_expression(trees.peek()) {
                        out.push('\n');
                        line_start = true;
                    }
                }
                Delimiter::Bracket if attribute => {
                    // An attribute, on a line of its own; a doc attribute
                    // as the `///` line it came from.
                    match doc_line(group.stream()) {
                        Some(line) => {
                            out.pop(); // the `#`
                            let _ = writeln!(out, "///{line}");
                        }
                        None => {
                            out.push('[');
                            write_inline(out, group.stream());
                            out.push_str("]\n");
                        }
                    }
                    line_start = true;
                }
                Delimiter::Bracket if group.stream().to_string().len() > LONG_LIST => {
                    out.push_str("[\n");
                    write_stream(out, group.stream(), depth + 1);
                    out.push('\n');
                    indent(out, depth);
                    out.push(']');
                }
                Delimiter::Parenthesis if ends_in_long_block(&group) => {
                    // `Ok(Self { … })`: the block inside keeps its lines.
                    out.push('(');
                    write_lines(out, group.stream(), depth, false);
                    out.push(')');
                }
                _ => write_group_inline(out, &group),
            },
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                // `;` ends a statement; inside a block, `,` ends a field, a
                // variant or a match arm.
                let ends_line = punct.as_char() == ';'
                    || (punct.as_char() == ',' && depth > 0 && spacing.angles == 0);
                if ends_line && punct.spacing() == Spacing::Alone {
                    out.push('\n');
                    line_start = true;
                }
            }
            TokenTree::Ident(ident) => {
                let _ = write!(out, "{ident}");
            }
            TokenTree::Literal(literal) => {
                let _ = write!(out, "{literal}");
            }
        }
    }
    while out.ends_with('\n') {
        out.pop();
    }
}

/// Inside `(…)` and short `[…]`: one line, blocks included.
fn write_inline(out: &mut String, tokens: TokenStream) {
    let mut spacing = Spaces::start();
    for tree in tokens {
        if spacing.before(&tree) {
            out.push(' ');
        }
        spacing.after(&tree);
        match tree {
            TokenTree::Group(group) => write_group_inline(out, &group),
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }
}

fn write_group_inline(out: &mut String, group: &proc_macro2::Group) {
    let (open, close) = match group.delimiter() {
        Delimiter::Parenthesis => ("(", ")"),
        Delimiter::Bracket => ("[", "]"),
        Delimiter::Brace => ("{ ", " }"),
        Delimiter::None => ("", ""),
    };
    out.push_str(open);
    write_inline(out, group.stream());
    out.push_str(close);
}

/// The text of `doc = r"…"` (what `quote` makes of a `///` line), when it
/// is one line that reads the same as a `///` comment.
fn doc_line(attribute: TokenStream) -> Option<String> {
    let mut trees = attribute.into_iter();
    match (trees.next(), trees.next(), trees.next(), trees.next()) {
        (
            Some(TokenTree::Ident(doc)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Literal(text)),
            None,
        ) if doc == "doc" && eq.as_char() == '=' => {
            let text = text.to_string();
            let raw = text.strip_prefix('r')?;
            let hashes = raw.len() - raw.trim_start_matches('#').len();
            let inner = raw[hashes..].strip_prefix('"')?;
            let inner = inner.strip_suffix(&"#".repeat(hashes))?.strip_suffix('"')?;
            (!inner.contains(['\n', '\r'])).then(|| inner.to_owned())
        }
        _ => None,
    }
}

/// Whether `(…)` holds one long expression ending in a `{…}` block (a
/// struct literal), with no `,` of its own.
fn ends_in_long_block(group: &proc_macro2::Group) -> bool {
    let trees: Vec<TokenTree> = group.stream().into_iter().collect();
    let no_commas = !trees
        .iter()
        .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
    no_commas
        && matches!(trees.last(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace)
        && group.stream().to_string().len() > LONG_LIST
}

/// Whether `next` carries on the expression a group just closed.
fn continues_expression(next: Option<&TokenTree>) -> bool {
    matches!(next, Some(TokenTree::Punct(p)) if matches!(p.as_char(), ',' | ';' | '.' | '?'))
}

/// What the previous tokens ask of the space before the next one.
#[derive(Default)]
struct Spaces {
    /// No space after it: a joint punctuation mark, `::`, `.`, `&`, `!`,
    /// `#`, a lifetime's `'`, a generic `<`, or the start.
    glue: bool,
    /// It was an identifier (a `(` right after it is a call or a tuple
    /// struct, not an expression of its own).
    ident: bool,
    /// Its text, when it was an identifier.
    ident_text: String,
    /// It was `#` (so a `[…]` next is an attribute).
    previous_hash: bool,
    /// It was the first `:` of `::`.
    colon_joint: bool,
    /// It was the first mark of `->` or `=>`.
    arrow_start: bool,
    /// It closed generic arguments (a path goes on after `Vec::<T>`).
    closing_angle: bool,
    /// Generic `<…>` open here.
    angles: usize,
}

impl Spaces {
    fn start() -> Spaces {
        Spaces {
            glue: true,
            ..Spaces::default()
        }
    }

    /// Whether a `<` after the previous token opens generic arguments: after
    /// `::` or a type's name (capitalised, as every type these emitters
    /// name is), not after a value (`a < b`).
    fn opens_generics(&self) -> bool {
        self.colon_joint
            || self.glue && !self.ident
            || self.ident
                && self
                    .ident_text
                    .starts_with(|c: char| c.is_ascii_uppercase())
    }

    /// Whether a space goes before `next`.
    fn before(&self, next: &TokenTree) -> bool {
        if self.glue {
            return false;
        }
        match next {
            // `::` goes on a path (`a::b`, `Vec::<T>::new`) but starts one
            // after anything else (`-> ::std::…`, `: ::std::…`).
            TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Joint => {
                !(self.ident || self.closing_angle)
            }
            TokenTree::Punct(p) if p.as_char() == '<' => !self.opens_generics(),
            TokenTree::Punct(p) if p.as_char() == '>' => self.angles == 0,
            TokenTree::Punct(p) => !matches!(p.as_char(), ',' | ';' | '.' | ':' | '?'),
            TokenTree::Group(g) => !(self.ident && g.delimiter() == Delimiter::Parenthesis),
            _ => true,
        }
    }

    /// Takes note of `tree`, just written.
    fn after(&mut self, tree: &TokenTree) {
        let mut closing_angle = false;
        let mut arrow_start = false;
        let (glue, hash, colon_joint) = match tree {
            TokenTree::Punct(p) => {
                let c = p.as_char();
                let joint = p.spacing() == Spacing::Joint;
                let mut glue = joint || matches!(c, '.' | '&' | '!' | '#' | '\'');
                match c {
                    ':' if self.colon_joint => glue = true,
                    '<' if self.opens_generics() => {
                        self.angles += 1;
                        glue = true;
                    }
                    '>' if !self.arrow_start && self.angles > 0 => {
                        self.angles -= 1;
                        closing_angle = true;
                    }
                    '-' | '=' => arrow_start = joint,
                    _ => {}
                }
                (glue, c == '#', c == ':' && joint)
            }
            _ => (false, false, false),
        };
        self.ident_text.clear();
        if let TokenTree::Ident(ident) = tree {
            self.ident_text = ident.to_string();
        }
        self.ident = matches!(tree, TokenTree::Ident(_));
        self.glue = glue;
        self.previous_hash = hash;
        self.colon_joint = colon_joint;
        self.arrow_start = arrow_start;
        self.closing_angle = closing_angle;
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn text(tokens: proc_macro2::TokenStream) -> String {
        let mut out = String::new();
        super::write_stream(&mut out, tokens, 0);
        out
    }

    #[test]
    fn paths_generics_and_arrows_read_as_rustfmt_writes_them() {
        let tokens = quote! {
            fn from_wire(request: &wire::WireRequest<'_>) -> ::std::result::Result<Self, wire::FakeError> {
                let v: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::<u8>::new();
                a < b
            }
        };
        assert_eq!(
            text(tokens),
            "fn from_wire(request: &wire::WireRequest<'_>) -> ::std::result::Result<Self, wire::FakeError> {\n    \
             let v: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::<u8>::new();\n    \
             a < b\n}"
        );
    }

    #[test]
    fn long_lists_and_struct_literals_get_a_line_each() {
        let tokens = quote! {
            pub static ROUTES: &[Route] = &[
                Route { operation: "create_anonymous_preview", path: "/api/v1/openapi/anonymous" },
                Route { operation: "refresh_anonymous_token", path: "/api/v1/openapi/anonymous/token" }
            ];
            fn f() -> Result<Self, E> {
                Ok(Self { file_token: request.required("file_token")?, download: request.optional("download")? })
            }
        };
        assert_eq!(
            text(tokens),
            "pub static ROUTES: &[Route] = &[\n    \
             Route {\n        operation: \"create_anonymous_preview\",\n        path: \"/api/v1/openapi/anonymous\"\n    },\n    \
             Route {\n        operation: \"refresh_anonymous_token\",\n        path: \"/api/v1/openapi/anonymous/token\"\n    }\n\
             ];\n\
             fn f() -> Result<Self, E> {\n    \
             Ok(Self {\n        file_token: request.required(\"file_token\")?,\n        download: request.optional(\"download\")?\n    })\n}"
        );
    }

    #[test]
    fn doc_attributes_become_doc_comments_and_others_stay() {
        let tokens = quote! {
            #[doc = r" Every endpoint."]
            #[doc = "with \"quotes\""]
            #[allow(deprecated)]
            pub mod fake {}
        };
        assert_eq!(
            text(tokens),
            "/// Every endpoint.\n#[doc = \"with \\\"quotes\\\"\"]\n#[allow(deprecated)]\npub mod fake {\n}"
        );
    }
}
