//! Stage 2, validate: check the loaded YAML and turn it into a [`Spec`].
//!
//! The validator walks each document by hand instead of deriving `Deserialize`:
//! that way it knows the YAML path of every node, reports *every* problem of a
//! run instead of the first, and suggests the key or type name that was probably
//! meant. It runs in two passes:
//!
//! 1. per file: structure, keys, scalar types, names, path templates;
//! 2. across files: unique names, and every type reference resolves.
//!
//! This module holds the driver and the generic readers (a mapping's keys, a
//! string, a boolean…); each part of the language has its own file:
//! `service`, `types`, `endpoints`, `errors`, `names`, and
//! `merge` for pass 2.
//!
//! The language itself is documented in `api-spec/README.md`.

use std::collections::{BTreeMap, BTreeSet};

use crate::yaml::{Mapping, Value};

use crate::diagnostic::{closest, Diagnostics};
use crate::load::{Anchor, SourceFile, YamlPath};
mod endpoints;
mod errors;
mod merge;
mod names;
mod paging;
mod service;
mod sources;
mod types;

use crate::naming::{
    is_field_name, is_snake_case, is_type_name, to_pascal_case, to_snake_case, variant_name,
    NEVER_IDENTIFIERS, RUST_KEYWORDS,
};
use merge::merge;

use crate::spec::{
    Auth, DefaultValue, Endpoint, EnumValue, ErrorCategory, ErrorCode, ErrorSource, Field,
    InlineObject, Method, Paging, PagingKind, Permission, RateLimit, Scope, Service, Spec, TypeDef,
    TypeExpr, TypeKind,
};

const TOP_KEYS: &[&str] = &["service", "family", "types", "endpoints", "errors"];
const SERVICE_KEYS: &[&str] = &[
    "name", "title", "base_url", "signing", "envelope", "defaults",
];
const TYPE_KEYS: &[&str] = &["description", "deprecated", "fields", "enum", "others"];
const FIELD_KEYS: &[&str] = &[
    "type",
    "fields",
    "required",
    "nullable",
    "default",
    "description",
    "deprecated",
    "sensitive",
    "example",
    "source",
    "others",
];
const ENDPOINT_KEYS: &[&str] = &[
    "summary",
    "description",
    "method",
    "path",
    "idempotent",
    "office_task",
    "deprecated",
    "rate_limits",
    "scope",
    "auth",
    "path_params",
    "query",
    "body",
    "multipart",
    "paging",
    "response",
    "source",
];
const PAGING_KEYS: &[&str] = &["offset", "cursor", "next", "items", "carry"];
const BUILTIN_TYPES: &[&str] = &[
    "string", "bool", "i32", "i64", "u32", "u64", "f64", "any", "file",
];

/// A value that is one item or a list of them, each with where it is.
fn one_or_list<'v>(value: &'v Value, at: &YamlPath) -> Vec<(YamlPath, &'v Value)> {
    match value {
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (at.index(i), v))
            .collect(),
        other => vec![(at.clone(), other)],
    }
}

/// Validates the loaded files and merges them into one [`Spec`].
pub fn validate(files: &[SourceFile]) -> Result<Spec, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut parts = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let mut checker = FileChecker {
            file,
            file_index: index,
            diagnostics: &mut diagnostics,
            allow_file: false,
        };
        parts.push(checker.document());
    }
    let spec = merge(files, parts, &mut diagnostics);
    diagnostics.sort();
    match spec {
        Some(spec) if diagnostics.is_empty() => Ok(spec),
        _ => Err(diagnostics),
    }
}

/// Where something was defined: file index and YAML path.
#[derive(Clone, Debug)]
struct Origin {
    file: usize,
    at: YamlPath,
}

/// What one file contributed.
#[derive(Default)]
struct FilePart {
    service: Option<(Service, Origin)>,
    types: Vec<(TypeDef, Origin)>,
    endpoints: Vec<(Endpoint, Origin)>,
    errors: Vec<(ErrorCode, Origin)>,
    /// Every named-type reference, to resolve once all files are read.
    references: Vec<(String, Origin)>,
    /// Endpoints that gave no rate limits, to fill from the service defaults.
    default_limits: Vec<usize>,
    /// Every `example:` with its field's type, to check once all types are known.
    examples: Vec<(TypeExpr, Value, Origin)>,
    /// The file's `family:`.
    family: Option<String>,
    /// Endpoints that page, with where their `paging:` is, to check once all
    /// types are known.
    paging: Vec<(usize, Origin)>,
}

struct FileChecker<'a> {
    file: &'a SourceFile,
    file_index: usize,
    diagnostics: &'a mut Diagnostics,
    /// Whether `file` is a type here (the parts of a `multipart:` body).
    allow_file: bool,
}

/// The mapping entries of a node with string keys, or `None` after reporting.
type Entries<'v> = Vec<(String, &'v Value)>;

impl<'a> FileChecker<'a> {
    fn error(&mut self, at: &YamlPath, anchor: Anchor, message: String, hint: Option<String>) {
        let d = self.file.diagnostic(at, anchor, message, hint);
        self.diagnostics.push(d);
    }

    /// Like [`FileChecker::error`] about a value, pointing at `part` inside it
    /// (a path placeholder, say) when the value is written on its line.
    fn error_at_part(&mut self, at: &YamlPath, part: &str, message: String, hint: Option<String>) {
        let mut d = self.file.diagnostic(at, Anchor::Value, message, hint);
        if let Some(line) = &d.source_line {
            let start = d.position.column.saturating_sub(1);
            let rest: String = line.chars().skip(start).collect();
            if let Some(byte_offset) = rest.find(part) {
                d.position.column += rest[..byte_offset].chars().count();
            }
        }
        self.diagnostics.push(d);
    }

    fn origin(&self, at: &YamlPath) -> Origin {
        Origin {
            file: self.file_index,
            at: at.clone(),
        }
    }

    fn document(&mut self) -> FilePart {
        let mut part = FilePart::default();
        let root = YamlPath::root();
        let value = &self.file.value;
        if value.is_null() {
            self.error(
                &root,
                Anchor::Value,
                "the file is empty".into(),
                Some("a spec file holds `service:`, `types:`, `endpoints:` or `errors:`".into()),
            );
            return part;
        }
        let Some(entries) = self.entries(value, &root, TOP_KEYS, &[]) else {
            return part;
        };
        for (key, value) in entries {
            let at = root.key(&key);
            match key.as_str() {
                "service" => {
                    if let Some(service) = self.service(value, &at) {
                        part.service = Some((service, self.origin(&at)));
                    }
                }
                "family" => part.family = self.family(value, &at),
                "types" => self.types(value, &at, &mut part),
                "endpoints" => self.endpoints(value, &at, &mut part),
                "errors" => self.errors(value, &at, &mut part),
                _ => {}
            }
        }
        for (endpoint, _) in &mut part.endpoints {
            endpoint.family = part.family.clone();
        }
        part
    }

    /// A family name: lower-case snake_case, as a cargo feature is spelled.
    fn family(&mut self, value: &Value, at: &YamlPath) -> Option<String> {
        let name = self.string(value, at)?;
        let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.error(
                at,
                Anchor::Value,
                format!("family `{name}` is not a lower-case snake_case name"),
                Some("a family becomes a cargo feature: write it like `appspace` or `personal_files`".into()),
            );
            return None;
        }
        Some(name)
    }

    // ---- generic readers -------------------------------------------------
    /// Reads a mapping, reporting unknown keys (with a suggestion) and missing
    /// required keys. Returns its entries in document order.
    pub(super) fn entries<'v>(
        &mut self,
        value: &'v Value,
        at: &YamlPath,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<Entries<'v>> {
        let mapping = self.mapping(value, at)?;
        let mut entries = Vec::new();
        for (k, v) in mapping {
            let Some(key) = self.key_text(k, at) else {
                continue;
            };
            if !allowed.contains(&key.as_str()) {
                let hint = match closest(&key, allowed.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("expected one of: {}", allowed.join(", ")),
                };
                self.error(
                    &at.key(&key),
                    Anchor::Key,
                    format!("unknown key `{key}`"),
                    Some(hint),
                );
                continue;
            }
            entries.push((key, v));
        }
        for name in required {
            if !entries.iter().any(|(k, _)| k == name) {
                self.error(
                    at,
                    Anchor::Key,
                    format!("missing key `{name}`"),
                    Some(format!("add `{name}:` here")),
                );
            }
        }
        Some(entries)
    }

    /// Reads a mapping whose keys are free names (endpoint names, field names).
    pub(super) fn named_entries<'v>(&mut self, value: &'v Value, at: &YamlPath) -> Entries<'v> {
        if value.is_null() {
            return Vec::new();
        }
        let Some(mapping) = self.mapping(value, at) else {
            return Vec::new();
        };
        let mut entries = Vec::new();
        for (k, v) in mapping {
            if let Some(key) = self.key_text(k, at) {
                entries.push((key, v));
            }
        }
        entries
    }

    pub(super) fn mapping<'v>(&mut self, value: &'v Value, at: &YamlPath) -> Option<&'v Mapping> {
        match value {
            Value::Mapping(m) => Some(m),
            Value::Tagged(t) => self.mapping(&t.value, at),
            other => {
                self.error(
                    at,
                    Anchor::Value,
                    format!("expected a mapping, found {}", describe(other)),
                    Some("write `key: value` pairs, indented under this key".into()),
                );
                None
            }
        }
    }

    pub(super) fn key_text(&mut self, key: &Value, at: &YamlPath) -> Option<String> {
        match key {
            Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Bool(_) => {
                key.key_text()
            }
            other => {
                self.error(
                    at,
                    Anchor::Value,
                    format!(
                        "mapping keys must be plain names, found {}",
                        describe(other)
                    ),
                    Some("write a plain word as the key, e.g. `file_token:`".into()),
                );
                None
            }
        }
    }

    pub(super) fn string(&mut self, value: &Value, at: &YamlPath) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(
                    at,
                    Anchor::Value,
                    format!("expected a string, found {}", describe(other)),
                    Some("quote the value if it looks like a number or a boolean".into()),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, value: &Value, at: &YamlPath) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.error(
                    at,
                    Anchor::Value,
                    format!("expected `true` or `false`, found {}", describe(other)),
                    Some("write `true` or `false` without quotes".into()),
                );
                None
            }
        }
    }

    pub(super) fn integer(&mut self, value: &Value, at: &YamlPath) -> Option<i64> {
        match value.as_i64() {
            Some(n) => Some(n),
            None => {
                self.error(
                    at,
                    Anchor::Value,
                    format!("expected an integer, found {}", describe(value)),
                    Some("write a whole number without quotes".into()),
                );
                None
            }
        }
    }

    /// `deprecated: true` or `deprecated: "note"`.
    pub(super) fn deprecation(&mut self, value: &Value, at: &YamlPath) -> Option<String> {
        match value {
            Value::Bool(true) => Some(String::new()),
            Value::Bool(false) => None,
            Value::String(note) => Some(note.clone()),
            other => {
                self.error(
                    at,
                    Anchor::Value,
                    format!(
                        "expected `true` or a deprecation note, found {}",
                        describe(other)
                    ),
                    Some("write `deprecated: \"use x instead\"`".into()),
                );
                None
            }
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Integer(_) | Value::Float(_) => format!("the number `{value}`"),
        Value::String(s) => format!("the string `{s}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged `{}`", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::is_snake_case;

    #[test]
    fn name_rules() {
        assert!(is_snake_case("get_download_url"));
        assert!(!is_snake_case("getDownloadUrl"));
        assert!(!is_snake_case("1abc"));
        assert!(is_type_name("Token"));
        assert!(!is_type_name("token"));
        assert_eq!(to_snake_case("getDownloadUrl"), "get_download_url");
        assert_eq!(to_pascal_case("get_download_url"), "GetDownloadUrl");
        assert_eq!(variant_name("read-only").as_deref(), Some("ReadOnly"));
        assert_eq!(variant_name("2fast"), None);
        assert!(is_field_name("type"));
        assert!(!is_field_name("self"));
    }
}

#[cfg(test)]
mod default_tests {
    const SERVICE: &str =
        "service:\n  name: t\n  base_url: https://example.invalid\n  signing: {scheme: WPS-2}\n";

    fn spec_with_default(default: &str) -> String {
        format!(
            "types:\n  Options:\n    fields:\n      ratio: {{type: f64, required: false, default: {default}}}\n"
        )
    }

    /// `.inf` has no Rust literal: a diagnostic, not an emitter panic.
    #[test]
    fn non_finite_float_defaults_are_refused() {
        for default in [".inf", "-.inf", ".nan"] {
            let types = spec_with_default(default);
            let err = crate::check_sources(&[("a.yaml", SERVICE), ("b.yaml", &types)])
                .expect_err(default);
            let text = err.to_string();
            assert!(
                text.contains("does not match the field type `f64`"),
                "{text}"
            );
        }
        let types = spec_with_default("0.5");
        let spec = crate::check_sources(&[("a.yaml", SERVICE), ("b.yaml", &types)]).unwrap();
        crate::generate_spec(&spec, &crate::Settings::new()).unwrap();
    }
}
