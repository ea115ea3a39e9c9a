//! Naming rules: which names the spec accepts, and the Rust names the
//! generated code gives them. Validation checks names with these rules, and
//! the model and the emitters name things with them, so both agree.

/// Rust keywords that cannot be raw identifiers either.
pub(crate) const NEVER_IDENTIFIERS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords (strict, reserved and weak ones that matter in items).
pub(crate) const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `snake_case`: lowercase ASCII letters, digits and `_`, not starting with a digit.
pub(crate) fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name != "_"
}

/// A field name: snake_case, and not a keyword that cannot be a raw identifier.
/// snake_case, or the camelCase a page prints (`pageSize`, sent as printed and
/// named `page_size` in Rust).
pub(crate) fn is_field_name(name: &str) -> bool {
    let camel = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (is_snake_case(name) || camel) && !NEVER_IDENTIFIERS.contains(&rust_field_name(name).as_str())
}

/// Whether `name` is a Rust keyword (such field names are emitted as `r#name`).
pub(crate) fn is_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

/// `PascalCase`: an ASCII capital, then ASCII letters and digits.
pub(crate) fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('A'..='Z')) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `getDownloadUrl` / `Get-Download URL` → `get_download_url`.
pub(crate) fn to_snake_case(name: &str) -> String {
    heck::ToSnakeCase::to_snake_case(name)
}

/// `get_download_url` → `GetDownloadUrl`.
pub(crate) fn to_pascal_case(name: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(name)
}

/// The Rust variant name of an enum value (`read-only` → `ReadOnly`), when it has one.
pub(crate) fn variant_name(value: &str) -> Option<String> {
    let valid = value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid
        .then(|| to_pascal_case(value))
        .filter(|n| is_type_name(n))
}

/// The Rust name of a field: its wire name, or the snake_case form of a
/// camelCase wire name (`pageSize` → `page_size`).
pub(crate) fn rust_field_name(wire: &str) -> String {
    if wire.chars().any(|c| c.is_ascii_uppercase()) {
        to_snake_case(wire)
    } else {
        wire.to_owned()
    }
}
