//! A value written as one line of YAML, for doc comments.

use super::scalar::{digits_but_not_number, plain_scalar};
use super::*;

/// Where a node is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    /// A block node: the document, a list item, a mapping value.
    Block,
    /// A mapping key.
    Key,
}

pub(super) fn inline(value: &Value, context: Context) -> Option<String> {
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
pub(super) fn is_allowed(c: char) -> bool {
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
