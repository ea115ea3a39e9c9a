//! Names: operations, fields and types, and the rules they follow.

use super::*;

impl FileChecker<'_> {
    pub(super) fn operation_name(&mut self, name: &str, at: &YamlPath) {
        if !is_snake_case(name) || RUST_KEYWORDS.contains(&name) {
            let hint = if RUST_KEYWORDS.contains(&name) {
                format!("`{name}` is a Rust keyword; choose another name")
            } else {
                format!("write it in snake_case, e.g. `{}`", to_snake_case(name))
            };
            self.error(
                at,
                Anchor::Key,
                format!("operation name `{name}` is not a valid snake_case identifier"),
                Some(hint),
            );
        }
    }

    pub(super) fn field_name(&mut self, name: &str, at: &YamlPath) {
        if !is_field_name(name) {
            let hint = if NEVER_IDENTIFIERS.contains(&name) {
                format!("`{name}` cannot be used as a Rust name, even as a raw identifier")
            } else {
                format!(
                    "field and parameter names are snake_case, or the camelCase a page prints, e.g. `{}`",
                    to_snake_case(name)
                )
            };
            self.error(
                at,
                Anchor::Key,
                format!("`{name}` is not a valid field name"),
                Some(hint),
            );
        }
    }

    pub(super) fn type_name(&mut self, name: &str, at: &YamlPath) {
        if !is_type_name(name) {
            self.error(
                at,
                Anchor::Key,
                format!("type name `{name}` is not a PascalCase identifier"),
                Some(format!("write it like `{}`", to_pascal_case(name))),
            );
        } else if BUILTIN_TYPES.contains(&name.to_ascii_lowercase().as_str()) {
            self.error(
                at,
                Anchor::Key,
                format!(
                    "type name `{name}` is too close to the built-in type `{}`",
                    name.to_ascii_lowercase()
                ),
                Some("choose a more specific name".into()),
            );
        }
    }
}

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
    (is_snake_case(name) || camel)
        && !NEVER_IDENTIFIERS.contains(&crate::model::rust_field_name(name).as_str())
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
