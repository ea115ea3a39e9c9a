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
