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
//! The language itself is documented in `api-spec/README.md`.

use std::collections::{BTreeMap, BTreeSet};

use crate::yaml::{Mapping, Value};

use crate::diagnostic::{closest, Diagnostics};
use crate::load::{Anchor, SourceFile, YamlPath};
use crate::spec::{
    Auth, DefaultValue, Endpoint, EnumValue, ErrorCategory, ErrorCode, ErrorSource, Field,
    InlineObject, Method, Paging, Permission, RateLimit, Scope, Service, Spec, TypeDef, TypeExpr,
    TypeKind,
};

const TOP_KEYS: &[&str] = &["service", "family", "types", "endpoints", "errors"];
const SERVICE_KEYS: &[&str] = &[
    "name", "title", "base_url", "signing", "envelope", "defaults",
];
const TYPE_KEYS: &[&str] = &["description", "deprecated", "fields", "enum"];
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
];
const ENDPOINT_KEYS: &[&str] = &[
    "summary",
    "description",
    "method",
    "path",
    "idempotent",
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
];
const PAGING_KEYS: &[&str] = &["offset", "next", "items", "carry"];
const BUILTIN_TYPES: &[&str] = &[
    "string", "bool", "i32", "i64", "u32", "u64", "f64", "any", "file",
];
/// Rust keywords that cannot be raw identifiers either.
const NEVER_IDENTIFIERS: &[&str] = &["self", "Self", "super", "crate", "_"];
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

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
    fn entries<'v>(
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
    fn named_entries<'v>(&mut self, value: &'v Value, at: &YamlPath) -> Entries<'v> {
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

    fn mapping<'v>(&mut self, value: &'v Value, at: &YamlPath) -> Option<&'v Mapping> {
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

    fn key_text(&mut self, key: &Value, at: &YamlPath) -> Option<String> {
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

    fn string(&mut self, value: &Value, at: &YamlPath) -> Option<String> {
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

    fn boolean(&mut self, value: &Value, at: &YamlPath) -> Option<bool> {
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

    fn integer(&mut self, value: &Value, at: &YamlPath) -> Option<i64> {
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
    fn deprecation(&mut self, value: &Value, at: &YamlPath) -> Option<String> {
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

    // ---- service -----------------------------------------------------------

    fn service(&mut self, value: &Value, at: &YamlPath) -> Option<Service> {
        let entries = self.entries(value, at, SERVICE_KEYS, &["name", "base_url", "signing"])?;
        let mut service = Service {
            name: String::new(),
            title: String::new(),
            base_url: String::new(),
            signing_scheme: String::new(),
            signing_description: String::new(),
            envelope_description: String::new(),
            success_code: 0,
            default_rate_limits: Vec::new(),
        };
        for (key, value) in entries {
            let at = at.key(&key);
            match key.as_str() {
                "name" => service.name = self.string(value, &at).unwrap_or_default(),
                "title" => service.title = self.string(value, &at).unwrap_or_default(),
                "base_url" => {
                    let url = self.string(value, &at).unwrap_or_default();
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        self.error(
                            &at,
                            Anchor::Value,
                            format!("base_url `{url}` is not an http(s) URL"),
                            Some("write it as `https://host`".into()),
                        );
                    }
                    service.base_url = url.trim_end_matches('/').to_owned();
                }
                "signing" => {
                    let Some(entries) =
                        self.entries(value, &at, &["scheme", "description"], &["scheme"])
                    else {
                        continue;
                    };
                    for (key, value) in entries {
                        let at = at.key(&key);
                        let text = self.string(value, &at).unwrap_or_default();
                        if key == "scheme" {
                            if text != "WPS-2" {
                                self.error(
                                    &at,
                                    Anchor::Value,
                                    format!("unsupported signing scheme `{text}`"),
                                    Some("the runtime implements `WPS-2`".into()),
                                );
                            }
                            service.signing_scheme = text;
                        } else {
                            service.signing_description = text;
                        }
                    }
                }
                "envelope" => {
                    let Some(entries) =
                        self.entries(value, &at, &["description", "success_code"], &[])
                    else {
                        continue;
                    };
                    for (key, value) in entries {
                        let at = at.key(&key);
                        if key == "success_code" {
                            let code = self.integer(value, &at).unwrap_or(0);
                            if code != 0 {
                                self.error(
                                    &at,
                                    Anchor::Value,
                                    format!("success_code {code} is not supported"),
                                    Some("kdocs uses 0 for success (decision D2); the runtime relies on it".into()),
                                );
                            }
                            service.success_code = code;
                        } else {
                            service.envelope_description =
                                self.string(value, &at).unwrap_or_default();
                        }
                    }
                }
                "defaults" => {
                    let Some(entries) = self.entries(value, &at, &["rate_limits"], &[]) else {
                        continue;
                    };
                    for (_, value) in entries {
                        service.default_rate_limits =
                            self.rate_limits(value, &at.key("rate_limits"));
                    }
                }
                _ => {}
            }
        }
        Some(service)
    }

    fn rate_limits(&mut self, value: &Value, at: &YamlPath) -> Vec<RateLimit> {
        let Value::Sequence(items) = value else {
            self.error(
                at,
                Anchor::Value,
                format!("expected a list of rate limits, found {}", describe(value)),
                Some("write `- {app: test, limit: 500, per: day}` items".into()),
            );
            return Vec::new();
        };
        let mut limits = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = at.index(i);
            let Some(entries) = self.entries(
                item,
                &at,
                &["app", "limit", "per"],
                &["app", "limit", "per"],
            ) else {
                continue;
            };
            let mut limit = RateLimit {
                app: String::new(),
                limit: 0,
                per: String::new(),
            };
            for (key, value) in entries {
                let at = at.key(&key);
                match key.as_str() {
                    "app" => limit.app = self.string(value, &at).unwrap_or_default(),
                    "limit" => match value.as_u64() {
                        Some(n) => limit.limit = n,
                        None => self.error(
                            &at,
                            Anchor::Value,
                            format!("expected a positive integer, found {}", describe(value)),
                            Some("write the number of calls, e.g. `limit: 500`".into()),
                        ),
                    },
                    _ => {
                        let per = self.string(value, &at).unwrap_or_default();
                        const PERIODS: [&str; 4] = ["second", "minute", "hour", "day"];
                        if !PERIODS.contains(&per.as_str()) {
                            let hint = match closest(&per, PERIODS) {
                                Some(best) => format!("did you mean `{best}`?"),
                                None => "use second, minute, hour or day".into(),
                            };
                            self.error(
                                &at,
                                Anchor::Value,
                                format!("unknown period `{per}`"),
                                Some(hint),
                            );
                        }
                        limit.per = per;
                    }
                }
            }
            limits.push(limit);
        }
        limits
    }

    // ---- types -------------------------------------------------------------

    fn types(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) {
        for (name, value) in self.named_entries(value, at) {
            let at = at.key(&name);
            self.type_name(&name, &at);
            let Some(entries) = self.entries(value, &at, TYPE_KEYS, &[]) else {
                continue;
            };
            let mut def = TypeDef {
                name: name.clone(),
                description: String::new(),
                deprecated: None,
                kind: TypeKind::Object(Vec::new()),
            };
            let mut shape = None;
            for (key, value) in entries {
                let key_at = at.key(&key);
                match key.as_str() {
                    "description" => {
                        def.description = self.string(value, &key_at).unwrap_or_default()
                    }
                    "deprecated" => def.deprecated = self.deprecation(value, &key_at),
                    "fields" => {
                        let fields = self.fields(value, &key_at, part);
                        shape = Some((key.clone(), TypeKind::Object(fields)));
                    }
                    _ => {
                        if shape.is_some() {
                            self.error(
                                &key_at,
                                Anchor::Key,
                                "a type has either `fields` or `enum`, not both".into(),
                                Some("split it into two types".into()),
                            );
                        }
                        let values = self.enum_values(value, &key_at);
                        shape = Some((key.clone(), TypeKind::Enum(values)));
                    }
                }
            }
            match shape {
                Some((_, kind)) => def.kind = kind,
                None => self.error(
                    &at,
                    Anchor::Key,
                    format!("type `{name}` has neither `fields` nor `enum`"),
                    Some("give an object type `fields:` or a string enum `enum: [a, b]`".into()),
                ),
            }
            part.types.push((def, self.origin(&at)));
        }
    }

    fn enum_values(&mut self, value: &Value, at: &YamlPath) -> Vec<EnumValue> {
        let Value::Sequence(items) = value else {
            self.error(
                at,
                Anchor::Value,
                format!("expected a list of enum values, found {}", describe(value)),
                Some("write `enum: [read, write]`".into()),
            );
            return Vec::new();
        };
        let mut values: Vec<EnumValue> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = at.index(i);
            let value = match item {
                Value::String(s) => EnumValue {
                    value: s.clone(),
                    description: String::new(),
                },
                Value::Mapping(_) => {
                    let Some(entries) =
                        self.entries(item, &at, &["value", "description"], &["value"])
                    else {
                        continue;
                    };
                    let mut v = EnumValue {
                        value: String::new(),
                        description: String::new(),
                    };
                    for (key, value) in entries {
                        let text = self.string(value, &at.key(&key)).unwrap_or_default();
                        if key == "value" {
                            v.value = text;
                        } else {
                            v.description = text;
                        }
                    }
                    v
                }
                other => {
                    self.error(
                        &at,
                        Anchor::Value,
                        format!("enum values are strings, found {}", describe(other)),
                        Some("quote the value".into()),
                    );
                    continue;
                }
            };
            if variant_name(&value.value).is_none() {
                self.error(
                    &at,
                    Anchor::Value,
                    format!(
                        "enum value `{}` cannot be turned into a Rust variant name",
                        value.value
                    ),
                    Some("use letters, digits, `_`, `-` or `.`, starting with a letter".into()),
                );
            } else if values
                .iter()
                .any(|v| variant_name(&v.value) == variant_name(&value.value))
            {
                self.error(
                    &at,
                    Anchor::Value,
                    format!("enum value `{}` repeats an earlier value", value.value),
                    Some("values must differ even after conversion to PascalCase".into()),
                );
            } else if variant_name(&value.value).as_deref() == Some("Unknown") {
                self.error(
                    &at,
                    Anchor::Value,
                    "enum value `unknown` is reserved".into(),
                    Some(
                        "the generated enum keeps unrecognised values in its `Unknown` variant"
                            .into(),
                    ),
                );
            }
            values.push(value);
        }
        if items.is_empty() {
            self.error(
                at,
                Anchor::Value,
                "an enum needs at least one value".into(),
                Some("list the values, e.g. `enum: [read, write]`".into()),
            );
        }
        values
    }

    fn fields(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) -> Vec<Field> {
        let mut fields = Vec::new();
        for (name, value) in self.named_entries(value, at) {
            let at = at.key(&name);
            self.field_name(&name, &at);
            if let Some(field) = self.field(&name, value, &at, part) {
                fields.push(field);
            }
        }
        fields
    }

    fn field(
        &mut self,
        name: &str,
        value: &Value,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Option<Field> {
        let mut field = Field {
            name: name.to_owned(),
            ty: TypeExpr::Any,
            required: true,
            nullable: false,
            default: None,
            description: String::new(),
            deprecated: None,
            sensitive: false,
            example: None,
        };
        // Shorthand: `name: string`.
        if let Value::String(spelled) = value {
            field.ty = self.type_expr(spelled, at, part)?;
            return Some(field);
        }
        let entries = self.entries(value, at, FIELD_KEYS, &[])?;
        let mut ty = None;
        let mut inline_fields = None;
        let mut default = None;
        for (key, value) in entries {
            let key_at = at.key(&key);
            match key.as_str() {
                "type" => {
                    if let Some(spelled) = self.string(value, &key_at) {
                        ty = self.type_expr(&spelled, &key_at, part);
                        ty.as_ref()?;
                    }
                }
                "fields" => inline_fields = Some(self.fields(value, &key_at, part)),
                "required" => field.required = self.boolean(value, &key_at).unwrap_or(true),
                "nullable" => field.nullable = self.boolean(value, &key_at).unwrap_or(false),
                "default" => default = Some((value, key_at)),
                "description" => {
                    field.description = self.string(value, &key_at).unwrap_or_default()
                }
                "deprecated" => field.deprecated = self.deprecation(value, &key_at),
                "sensitive" => field.sensitive = self.boolean(value, &key_at).unwrap_or(false),
                _ => field.example = Some(value.clone()),
            }
        }
        field.ty = match (ty, inline_fields) {
            (Some(_), Some(_)) => {
                self.error(
                    at,
                    Anchor::Key,
                    format!("field `{name}` has both `type` and `fields`"),
                    Some("use `fields:` for an inline object, or `type:` to name one".into()),
                );
                return None;
            }
            (Some(ty), None) => ty,
            (None, Some(fields)) => TypeExpr::Object(InlineObject {
                description: field.description.clone(),
                fields,
                others: false,
            }),
            (None, None) => {
                self.error(
                    at,
                    Anchor::Key,
                    format!("field `{name}` has no `type`"),
                    Some("add `type: string` (or another type), or `fields:` for an object".into()),
                );
                return None;
            }
        };
        if field.sensitive && !matches!(field.ty, TypeExpr::String) {
            self.error(
                &at.key("sensitive"),
                Anchor::Key,
                format!(
                    "only `string` fields can be sensitive, `{name}` is `{}`",
                    field.ty.spelling()
                ),
                Some("mark the string fields inside it as sensitive instead".into()),
            );
        }
        if let Some((value, key_at)) = default {
            if field.required {
                self.error(
                    &key_at,
                    Anchor::Key,
                    format!("required field `{name}` cannot have a default"),
                    Some("add `required: false`, or remove the default".into()),
                );
            } else {
                field.default = self.default_value(value, &field.ty, &key_at, part);
            }
        }
        if let Some(example) = &field.example {
            let origin = self.origin(&at.key("example"));
            part.examples
                .push((field.ty.clone(), example.clone(), origin));
        }
        Some(field)
    }

    fn default_value(
        &mut self,
        value: &Value,
        ty: &TypeExpr,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Option<DefaultValue> {
        let integer_range = |ty: &TypeExpr| -> Option<(i128, i128)> {
            match ty {
                TypeExpr::I32 => Some((i32::MIN.into(), i32::MAX.into())),
                TypeExpr::I64 => Some((i64::MIN.into(), i64::MAX.into())),
                TypeExpr::U32 => Some((0, u32::MAX.into())),
                TypeExpr::U64 => Some((0, u64::MAX.into())),
                _ => None,
            }
        };
        let parsed = match (ty, value) {
            (TypeExpr::Bool, Value::Bool(b)) => Some(DefaultValue::Bool(*b)),
            (TypeExpr::String, Value::String(s)) => Some(DefaultValue::String(s.clone())),
            // `.inf` and `.nan` have no Rust literal; they are refused below.
            (TypeExpr::F64, Value::Integer(_) | Value::Float(_)) => value
                .as_f64()
                .filter(|x| x.is_finite())
                .map(DefaultValue::Float),
            (TypeExpr::Named(name), Value::String(s)) => {
                // Checked against the enum's values once all types are known.
                part.references
                    .push((format!("{name}={s}"), self.origin(at)));
                Some(DefaultValue::String(s.clone()))
            }
            (ty, Value::Integer(_) | Value::Float(_)) => {
                let range = integer_range(ty);
                let n = match value {
                    Value::Integer(n) => Some(*n),
                    _ => None,
                };
                match (range, n) {
                    (Some((lo, hi)), Some(n)) if (lo..=hi).contains(&n) => {
                        Some(DefaultValue::Integer(n))
                    }
                    (Some((lo, hi)), Some(n)) => {
                        self.error(
                            at,
                            Anchor::Value,
                            format!("default {n} does not fit in `{}`", ty.spelling()),
                            Some(format!("`{}` holds {lo} to {hi}", ty.spelling())),
                        );
                        return None;
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                at,
                Anchor::Value,
                format!(
                    "the default, {}, does not match the field type `{}`",
                    describe(value),
                    ty.spelling()
                ),
                Some("defaults are allowed on bool, integer, f64, string and enum fields".into()),
            );
        }
        parsed
    }

    /// Parses `string`, `array<T>`, `map<T>`, or a type name.
    fn type_expr(&mut self, spelled: &str, at: &YamlPath, part: &mut FilePart) -> Option<TypeExpr> {
        const MAX_DEPTH: usize = 16;
        if spelled.matches('<').count() > MAX_DEPTH {
            self.error(
                at,
                Anchor::Value,
                format!("type `{spelled}` nests more than {MAX_DEPTH} levels"),
                Some("name an inner type under `types:` instead".into()),
            );
            return None;
        }
        let s = spelled.trim();
        let generic = |prefix: &str| {
            s.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('<'))
                .and_then(|rest| rest.strip_suffix('>'))
        };
        let ty = match s {
            "string" => TypeExpr::String,
            "bool" => TypeExpr::Bool,
            "i32" => TypeExpr::I32,
            "i64" => TypeExpr::I64,
            "u32" => TypeExpr::U32,
            "u64" => TypeExpr::U64,
            "f64" => TypeExpr::F64,
            "any" => TypeExpr::Any,
            "file" if self.allow_file => TypeExpr::File,
            "file" => {
                self.error(
                    at,
                    Anchor::Value,
                    "`file` is the type of a multipart file part".into(),
                    Some("declare file parts under the endpoint's `multipart:`".into()),
                );
                return None;
            }
            _ => {
                if let Some(inner) = generic("array") {
                    TypeExpr::Array(Box::new(self.type_expr(inner, at, part)?))
                } else if let Some(inner) = generic("map") {
                    TypeExpr::Map(Box::new(self.type_expr(inner, at, part)?))
                } else if is_type_name(s) {
                    part.references.push((s.to_owned(), self.origin(at)));
                    TypeExpr::Named(s.to_owned())
                } else {
                    let lower = s.to_ascii_lowercase();
                    let hint = match lower.as_str() {
                        "integer" | "int" | "number" | "long" => {
                            "use a sized integer: i32, i64, u32 or u64".to_owned()
                        }
                        "boolean" => "use `bool`".to_owned(),
                        "float" | "double" => "use `f64`".to_owned(),
                        "object" => {
                            "write the fields inline with `fields:`, or name a type".to_owned()
                        }
                        _ => match closest(s, BUILTIN_TYPES.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!(
                                "use {}, array<T>, map<T>, or a type name in PascalCase",
                                BUILTIN_TYPES.join(", ")
                            ),
                        },
                    };
                    self.error(at, Anchor::Value, format!("unknown type `{s}`"), Some(hint));
                    return None;
                }
            }
        };
        Some(ty)
    }

    // ---- endpoints -----------------------------------------------------------

    fn endpoints(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) {
        for (name, value) in self.named_entries(value, at) {
            let at = at.key(&name);
            self.operation_name(&name, &at);
            let Some(entries) = self.entries(
                value,
                &at,
                ENDPOINT_KEYS,
                &["summary", "method", "path", "response"],
            ) else {
                continue;
            };
            let mut endpoint = Endpoint {
                name: name.clone(),
                summary: String::new(),
                description: String::new(),
                method: Method::Get,
                path: String::new(),
                idempotent: false,
                deprecated: None,
                rate_limits: Vec::new(),
                scope: Scope::default(),
                path_params: Vec::new(),
                query: Vec::new(),
                body: Vec::new(),
                multipart: Vec::new(),
                response: TypeExpr::Any,
                auth: Auth::Wps2,
                family: None,
                paging: None,
            };
            let mut idempotent = None;
            let mut multipart_at = None;
            let mut auth_at = None;
            let mut paging_at = None;
            let mut has_limits = false;
            let mut method_known = false;
            let mut has_path = false;
            let mut body_at = None;
            for (key, value) in entries {
                let key_at = at.key(&key);
                match key.as_str() {
                    "summary" => endpoint.summary = self.string(value, &key_at).unwrap_or_default(),
                    "description" => {
                        endpoint.description = self.string(value, &key_at).unwrap_or_default()
                    }
                    "method" => {
                        if let Some(m) = self.method(value, &key_at) {
                            endpoint.method = m;
                            method_known = true;
                        }
                    }
                    "path" => {
                        if let Some(path) = self.string(value, &key_at) {
                            endpoint.path = path;
                            has_path = true;
                        }
                    }
                    "idempotent" => idempotent = self.boolean(value, &key_at),
                    "deprecated" => endpoint.deprecated = self.deprecation(value, &key_at),
                    "rate_limits" => {
                        has_limits = true;
                        endpoint.rate_limits = self.rate_limits(value, &key_at);
                    }
                    "scope" => endpoint.scope = self.scope(value, &key_at),
                    "path_params" => endpoint.path_params = self.fields(value, &key_at, part),
                    "query" => endpoint.query = self.fields(value, &key_at, part),
                    "body" => {
                        endpoint.body = self.fields(value, &key_at, part);
                        body_at = Some(key_at);
                    }
                    "multipart" => {
                        self.allow_file = true;
                        endpoint.multipart = self.fields(value, &key_at, part);
                        self.allow_file = false;
                        multipart_at = Some(key_at);
                    }
                    "auth" => {
                        if let Some(auth) = self.auth(value, &key_at) {
                            endpoint.auth = auth;
                        }
                        auth_at = Some(key_at);
                    }
                    "paging" => {
                        endpoint.paging = self.paging(value, &key_at);
                        paging_at = Some(key_at);
                    }
                    _ => {
                        if let Some(ty) = self.response(&name, value, &key_at, part) {
                            endpoint.response = ty;
                        }
                    }
                }
            }
            // GET, PUT and DELETE are idempotent by HTTP's definition; POST and PATCH
            // only when the spec says so.
            endpoint.idempotent = idempotent.unwrap_or(matches!(
                endpoint.method,
                Method::Get | Method::Put | Method::Delete
            ));
            for section_at in [&body_at, &multipart_at].into_iter().flatten() {
                if method_known && !endpoint.method.allows_body() {
                    self.error(
                        section_at,
                        Anchor::Key,
                        format!("{} requests have no body", endpoint.method.as_str()),
                        Some("send these values as `query:` parameters, or use POST".into()),
                    );
                }
            }
            if let (Some(_), Some(multipart_at)) = (&body_at, &multipart_at) {
                self.error(
                    multipart_at,
                    Anchor::Key,
                    "an endpoint has a JSON `body:` or a `multipart:` body, not both".into(),
                    Some("put every part of a multipart/form-data body under `multipart:`".into()),
                );
            }
            self.multipart_parts(&endpoint, &at);
            self.user_token(&endpoint, &at, auth_at.as_ref());
            if has_path {
                self.path_template(&endpoint, &at);
            }
            self.parameter_kinds(&endpoint, &at, part);
            if !has_limits {
                part.default_limits.push(part.endpoints.len());
            }
            if let Some(paging_at) = paging_at {
                part.paging
                    .push((part.endpoints.len(), self.origin(&paging_at)));
            }
            part.endpoints.push((endpoint, self.origin(&at)));
        }
    }

    fn method(&mut self, value: &Value, at: &YamlPath) -> Option<Method> {
        let text = self.string(value, at)?;
        let found = Method::ALL.into_iter().find(|m| m.as_str() == text);
        if found.is_none() {
            let upper = text.to_ascii_uppercase();
            let names: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
            let hint = if names.contains(&upper.as_str()) {
                format!("write it in capitals: `{upper}`")
            } else if let Some(best) = closest(&upper, names.iter().copied()) {
                format!("did you mean `{best}`?")
            } else {
                format!("use one of {}", names.join(", "))
            };
            self.error(
                at,
                Anchor::Value,
                format!("unsupported method `{text}`"),
                Some(hint),
            );
        }
        found
    }

    fn auth(&mut self, value: &Value, at: &YamlPath) -> Option<Auth> {
        let text = self.string(value, at)?;
        if let Some((auth, _)) = Auth::ALL.iter().find(|(_, s)| *s == text) {
            return Some(*auth);
        }
        let names: Vec<&str> = Auth::ALL.iter().map(|(_, s)| *s).collect();
        let hint = match closest(&text.to_ascii_lowercase(), names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("use one of {}", names.join(", ")),
        };
        self.error(
            at,
            Anchor::Value,
            format!("unknown auth `{text}`"),
            Some(hint),
        );
        None
    }

    /// An endpoint authenticated by a user token declares that token: a
    /// required, sensitive string query parameter `access_token`.
    fn user_token(&mut self, endpoint: &Endpoint, at: &YamlPath, auth_at: Option<&YamlPath>) {
        if !endpoint.auth.user() {
            return;
        }
        let auth_at = auth_at.cloned().unwrap_or_else(|| at.clone());
        match endpoint.query.iter().find(|f| f.name == "access_token") {
            None => self.error(
                &auth_at,
                Anchor::Value,
                format!(
                    "auth `{}` sends a user `access_token`, but the endpoint has no `access_token` query parameter",
                    endpoint.auth.as_str()
                ),
                Some("declare `query: access_token: {type: string, sensitive: true}`".into()),
            ),
            Some(field) => {
                if field.ty != TypeExpr::String || !field.required || !field.sensitive {
                    self.error(
                        &at.key("query").key("access_token"),
                        Anchor::Key,
                        "the `access_token` of a user-authenticated endpoint must be a required, sensitive string".into(),
                        Some("write `access_token: {type: string, sensitive: true}`".into()),
                    );
                }
            }
        }
    }

    /// Parts of a multipart body are text (scalars, enums, lists of scalars,
    /// sent comma-joined) or one `file`.
    fn multipart_parts(&mut self, endpoint: &Endpoint, at: &YamlPath) {
        for field in &endpoint.multipart {
            let ok = match &field.ty {
                TypeExpr::File => true,
                TypeExpr::Array(item) => !matches!(
                    **item,
                    TypeExpr::File
                        | TypeExpr::Array(_)
                        | TypeExpr::Map(_)
                        | TypeExpr::Object(_)
                        | TypeExpr::Any
                ),
                TypeExpr::Map(_) | TypeExpr::Object(_) | TypeExpr::Any => false,
                _ => true,
            };
            if !ok {
                self.error(
                    &at.key("multipart").key(&field.name),
                    Anchor::Key,
                    format!(
                        "multipart part `{}` is {}; a part is a scalar, an enum, a list of them, or a `file`",
                        field.name,
                        match &field.ty {
                            TypeExpr::Object(_) => "an object".to_owned(),
                            TypeExpr::Any => "`any`".to_owned(),
                            other => format!("a `{}`", other.spelling()),
                        }
                    ),
                    Some("send structured values in a JSON `body:` instead".into()),
                );
            }
        }
    }

    fn paging(&mut self, value: &Value, at: &YamlPath) -> Option<Paging> {
        let entries = self.entries(value, at, PAGING_KEYS, &["offset", "next"])?;
        let mut paging = Paging {
            offset: String::new(),
            next: String::new(),
            items: None,
            carry: Vec::new(),
        };
        for (key, value) in entries {
            let key_at = at.key(&key);
            if key == "carry" {
                for (param, value) in self.named_entries(value, &key_at) {
                    if let Some(field) = self.string(value, &key_at.key(&param)) {
                        paging.carry.push((param, field));
                    }
                }
                continue;
            }
            let text = self.string(value, &key_at)?;
            match key.as_str() {
                "offset" => paging.offset = text,
                "next" => paging.next = text,
                _ => paging.items = Some(text),
            }
        }
        Some(paging)
    }

    fn scope(&mut self, value: &Value, at: &YamlPath) -> Scope {
        let mut scope = Scope::default();
        let Some(entries) = self.entries(value, at, &["permissions", "note"], &[]) else {
            return scope;
        };
        for (key, value) in entries {
            let at = at.key(&key);
            if key == "note" {
                scope.note = self.string(value, &at);
                continue;
            }
            let Value::Sequence(items) = value else {
                self.error(
                    &at,
                    Anchor::Value,
                    format!("expected a list of permissions, found {}", describe(value)),
                    Some("write `- name: user_basic` items".into()),
                );
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let at = at.index(i);
                let Some(entries) =
                    self.entries(item, &at, &["name", "title", "description"], &["name"])
                else {
                    continue;
                };
                let mut p = Permission {
                    name: String::new(),
                    title: String::new(),
                    description: String::new(),
                };
                for (key, value) in entries {
                    let text = self.string(value, &at.key(&key)).unwrap_or_default();
                    match key.as_str() {
                        "name" => p.name = text,
                        "title" => p.title = text,
                        _ => p.description = text,
                    }
                }
                scope.permissions.push(p);
            }
        }
        scope
    }

    fn response(
        &mut self,
        endpoint: &str,
        value: &Value,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Option<TypeExpr> {
        if let Value::String(spelled) = value {
            return self.type_expr(spelled, at, part);
        }
        let entries = self.entries(value, at, &["description", "fields", "others"], &["fields"])?;
        let mut object = InlineObject {
            description: String::new(),
            fields: Vec::new(),
            others: false,
        };
        for (key, value) in entries {
            let key_at = at.key(&key);
            match key.as_str() {
                "description" => {
                    object.description = self.string(value, &key_at).unwrap_or_default()
                }
                "others" => object.others = self.boolean(value, &key_at).unwrap_or(false),
                _ => object.fields = self.fields(value, &key_at, part),
            }
        }
        if object.description.is_empty() {
            object.description = format!("The `data` of a successful `{endpoint}` response.");
        }
        Some(TypeExpr::Object(object))
    }

    /// Placeholders and path parameters must match one to one.
    fn path_template(&mut self, endpoint: &Endpoint, at: &YamlPath) {
        let path_at = at.key("path");
        let path = &endpoint.path;
        if !path.starts_with('/') {
            self.error(
                &path_at,
                Anchor::Value,
                format!("path `{path}` does not start with `/`"),
                Some("write the path without scheme and host, e.g. `/api/v1/...`".into()),
            );
        }
        if path.contains('?') || path.contains('#') {
            self.error(
                &path_at,
                Anchor::Value,
                "the path contains `?` or `#`".into(),
                Some("declare query parameters under `query:` instead".into()),
            );
        }
        let mut placeholders = Vec::new();
        for segment in path.split('/') {
            if let Some(name) = segment.strip_prefix(':') {
                self.error_at_part(
                    &path_at,
                    segment,
                    format!("path segment `:{name}` uses the docs' colon style"),
                    Some(format!(
                        "write `{{{name}}}` and declare `{name}` under `path_params:`"
                    )),
                );
                continue;
            }
            let open = segment.matches('{').count();
            let close = segment.matches('}').count();
            if open == 0 && close == 0 {
                continue;
            }
            let inner = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            match inner {
                Some(name) if open == 1 && close == 1 && is_field_name(name) => {
                    placeholders.push(name.to_owned())
                }
                _ => self.error_at_part(
                    &path_at,
                    segment,
                    format!("malformed placeholder in path segment `{segment}`"),
                    Some("a placeholder is a whole segment, like `/files/{file_token}/`".into()),
                ),
            }
        }
        let declared: Vec<&str> = endpoint
            .path_params
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        for name in &placeholders {
            if placeholders.iter().filter(|p| *p == name).count() > 1 {
                self.error_at_part(
                    &path_at,
                    &format!("{{{name}}}"),
                    format!("path has `{{{name}}}` more than once"),
                    Some("each path parameter appears once; rename one of them".into()),
                );
            }
            if !declared.contains(&name.as_str()) {
                let hint = match closest(name, declared.iter().copied()) {
                    Some(best) => format!(
                        "did you mean `{best}`? Otherwise add `{name}` under `path_params:`"
                    ),
                    None => format!("add `{name}:` under `path_params:`"),
                };
                self.error_at_part(
                    &path_at,
                    &format!("{{{name}}}"),
                    format!("path has `{{{name}}}` but no path parameter `{name}`"),
                    Some(hint),
                );
            }
        }
        for param in &endpoint.path_params {
            let param_at = at.key("path_params").key(&param.name);
            if !placeholders.contains(&param.name) {
                self.error(
                    &param_at,
                    Anchor::Key,
                    format!(
                        "path parameter `{}` does not appear in the path",
                        param.name
                    ),
                    Some(format!(
                        "add `{{{}}}` to the path, or remove the parameter",
                        param.name
                    )),
                );
            }
            if !param.required {
                self.error(
                    &param_at,
                    Anchor::Key,
                    format!("path parameter `{}` cannot be optional", param.name),
                    Some("remove `required: false`".into()),
                );
            }
        }
    }

    /// Path and query values must fit in a URL; a name used in several places
    /// is one argument, so its declarations must agree.
    fn parameter_kinds(&mut self, endpoint: &Endpoint, at: &YamlPath, part: &FilePart) {
        let is_enum = |name: &str| {
            part.types
                .iter()
                .any(|(t, _)| t.name == name && matches!(t.kind, TypeKind::Enum(_)))
        };
        for (section, params) in [
            ("path_params", &endpoint.path_params),
            ("query", &endpoint.query),
        ] {
            for p in params {
                // A query parameter may be a list: it is sent repeated
                // (`?ext=a&ext=b`). A path segment holds one value.
                let ty = match (&p.ty, section) {
                    (TypeExpr::Array(item), "query") => item.as_ref(),
                    (ty, _) => ty,
                };
                // Named types from other files are checked during the merge.
                let foreign = matches!(ty, TypeExpr::Named(n) if !part.types.iter().any(|(t, _)| &t.name == n));
                if !foreign && !ty.is_url_scalar(is_enum) {
                    let hint = if section == "query" {
                        "use string, bool, an integer, f64, a string enum, or a list of them"
                    } else {
                        "use string, bool, an integer, f64 or a string enum"
                    };
                    self.error(
                        &at.key(section).key(&p.name).key("type"),
                        Anchor::Value,
                        format!(
                            "`{}` is a `{}`; {section} values must be scalars",
                            p.name,
                            p.ty.spelling()
                        ),
                        Some(hint.into()),
                    );
                }
            }
        }
        let sections = [
            ("path_params", &endpoint.path_params),
            ("query", &endpoint.query),
            ("body", &endpoint.body),
            ("multipart", &endpoint.multipart),
        ];
        // One argument per Rust name: `sheet_id` in the path and `sheetId` in
        // the body are the same argument, sent under each name.
        let mut first: BTreeMap<String, (&str, &Field)> = BTreeMap::new();
        for (section, params) in sections {
            for p in params.iter() {
                let rust = crate::model::rust_field_name(&p.name);
                match first.get(&rust) {
                    None => {
                        first.insert(rust, (section, p));
                    }
                    Some((earlier, q)) if *earlier == section => {
                        self.error(
                            &at.key(section).key(&p.name),
                            Anchor::Key,
                            format!(
                                "`{}` and `{}` are both named `{rust}` in Rust",
                                q.name, p.name
                            ),
                            Some("rename one of them".into()),
                        );
                    }
                    Some((earlier, q)) => {
                        if q.ty != p.ty || q.required != p.required || q.sensitive != p.sensitive {
                            self.error(
                                &at.key(section).key(&p.name),
                                Anchor::Key,
                                format!(
                                    "`{}` is declared in `{earlier}` and `{section}` with different type, `required` or `sensitive`",
                                    p.name
                                ),
                                Some("a name used in several places is one argument sent in each; make the declarations agree or rename one".into()),
                            );
                        }
                    }
                }
            }
        }
    }

    // ---- errors ----------------------------------------------------------------

    fn errors(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) {
        for (key, value) in self.named_entries(value, at) {
            let at = at.key(&key);
            let Ok(code) = key.parse::<i64>() else {
                self.error(
                    &at,
                    Anchor::Key,
                    format!("error code `{key}` is not an integer"),
                    Some("key each error by its numeric `code`, e.g. `10001:`".into()),
                );
                continue;
            };
            let Some(entries) = self.entries(
                value,
                &at,
                &[
                    "name",
                    "message",
                    "description",
                    "retryable",
                    "category",
                    "source",
                ],
                &["name", "category"],
            ) else {
                continue;
            };
            if !entries.iter().any(|(k, _)| k == "source") {
                self.error(
                    &at,
                    Anchor::Key,
                    format!("error code {code} has no `source`"),
                    Some(
                        "every code names where it comes from: add `source: { page: /path.html }` \
                         (a documentation page that states it) or `source: { observed: public \
                         clients, note: … }`; a code no source gives does not belong here"
                            .into(),
                    ),
                );
            }
            let mut error = ErrorCode {
                code,
                name: String::new(),
                message: None,
                description: String::new(),
                retryable: false,
                category: ErrorCategory::Request,
                source: ErrorSource::Pages {
                    pages: Vec::new(),
                    note: None,
                },
            };
            for (key, value) in entries {
                let key_at = at.key(&key);
                match key.as_str() {
                    "source" => {
                        if let Some(source) = self.error_source(value, &key_at) {
                            error.source = source;
                        }
                    }
                    "message" => {
                        let message = self.string(value, &key_at).unwrap_or_default();
                        if message.trim().is_empty() {
                            self.error(
                                &key_at,
                                Anchor::Value,
                                "`message` is empty".into(),
                                Some(
                                    "give the `message` the source shows with the code, \
                                     or leave the key out when it shows none"
                                        .into(),
                                ),
                            );
                        } else {
                            error.message = Some(message);
                        }
                    }
                    "name" => {
                        error.name = self.string(value, &key_at).unwrap_or_default();
                        if !is_type_name(&error.name) {
                            self.error(
                                &key_at,
                                Anchor::Value,
                                format!(
                                    "error name `{}` is not a PascalCase identifier",
                                    error.name
                                ),
                                Some(
                                    "use the service's `message` when the source gives one, \
                                     e.g. `InvalidArgument`"
                                        .into(),
                                ),
                            );
                        }
                    }
                    "description" => {
                        error.description = self.string(value, &key_at).unwrap_or_default()
                    }
                    "retryable" => error.retryable = self.boolean(value, &key_at).unwrap_or(false),
                    _ => {
                        let text = self.string(value, &key_at).unwrap_or_default();
                        match ErrorCategory::ALL.iter().find(|(n, _)| *n == text) {
                            Some((_, c)) => error.category = *c,
                            None => {
                                let names = ErrorCategory::ALL.map(|(n, _)| n);
                                let hint = match closest(&text, names) {
                                    Some(best) => format!("did you mean `{best}`?"),
                                    None => format!("use one of {}", names.join(", ")),
                                };
                                self.error(
                                    &key_at,
                                    Anchor::Value,
                                    format!("unknown error category `{text}`"),
                                    Some(hint),
                                );
                            }
                        }
                    }
                }
            }
            part.errors.push((error, self.origin(&at)));
        }
    }

    /// `source:` of an error code: `{ page: /a.html }` (or a list of pages),
    /// or `{ observed: public clients, note: … }`; `note` is optional with pages.
    fn error_source(&mut self, value: &Value, at: &YamlPath) -> Option<ErrorSource> {
        const SOURCE_HINT: &str =
            "write `source: { page: /server/anonymous/local.html }` (the page \
             on the documentation site that states the code) or `source: { observed: public \
             clients, note: … }`";
        if !matches!(value, Value::Mapping(_) | Value::Tagged(_)) {
            self.error(
                at,
                Anchor::Value,
                format!("`source` must be a mapping, found {}", describe(value)),
                Some(SOURCE_HINT.into()),
            );
            return None;
        }
        let entries = self.entries(value, at, &["page", "observed", "note"], &[])?;
        let mut pages: Option<Vec<String>> = None;
        let mut observed: Option<(String, YamlPath)> = None;
        let mut note: Option<String> = None;
        for (key, value) in entries {
            let key_at = at.key(&key);
            match key.as_str() {
                "page" => {
                    pages = Some(self.source_pages(value, &key_at));
                }
                "observed" => {
                    if let Some(text) = self.string(value, &key_at) {
                        if text != ErrorSource::OBSERVED_IN_PUBLIC_CLIENTS {
                            self.error(
                                &key_at,
                                Anchor::Value,
                                format!("unknown observation `{text}`"),
                                Some(format!(
                                    "the only observation source is `observed: {}`; a code \
                                     stated on a page takes `page:` instead",
                                    ErrorSource::OBSERVED_IN_PUBLIC_CLIENTS
                                )),
                            );
                        }
                        observed = Some((text, key_at));
                    }
                }
                _ => {
                    let text = self.string(value, &key_at).unwrap_or_default();
                    if text.trim().is_empty() {
                        self.error(
                            &key_at,
                            Anchor::Value,
                            "`note` is empty".into(),
                            Some("say what the source shows, or leave the key out".into()),
                        );
                    } else {
                        note = Some(text);
                    }
                }
            }
        }
        match (pages, observed) {
            (Some(_), Some((_, observed_at))) => {
                self.error(
                    &observed_at,
                    Anchor::Key,
                    "`source` has both `page` and `observed`".into(),
                    Some(
                        "a code is either stated on documentation pages or observed in \
                         public clients; keep the one that is true"
                            .into(),
                    ),
                );
                None
            }
            (Some(pages), None) => Some(ErrorSource::Pages { pages, note }),
            (None, Some((_, observed_at))) => match note {
                Some(note) => Some(ErrorSource::ObservedInPublicClients { note }),
                None => {
                    self.error(
                        &observed_at,
                        Anchor::Key,
                        "an observed code needs a `note`".into(),
                        Some(
                            "add `note:` saying what was observed where, e.g. the answer a \
                             public client quotes"
                                .into(),
                        ),
                    );
                    None
                }
            },
            (None, None) => {
                self.error(
                    at,
                    Anchor::Key,
                    "`source` names no page and no observation".into(),
                    Some(SOURCE_HINT.into()),
                );
                None
            }
        }
    }

    /// `page:` of an error source: one page path or a non-empty list of them.
    fn source_pages(&mut self, value: &Value, at: &YamlPath) -> Vec<String> {
        let items: Vec<(YamlPath, &Value)> = match value {
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (at.index(i), v))
                .collect(),
            other => vec![(at.clone(), other)],
        };
        if items.is_empty() {
            self.error(
                at,
                Anchor::Value,
                "`page` is an empty list".into(),
                Some("name at least one page, e.g. `page: /server/anonymous/local.html`".into()),
            );
        }
        let mut pages = Vec::new();
        for (item_at, item) in items {
            let Some(page) = self.string(item, &item_at) else {
                continue;
            };
            let problem = if page.contains("://") {
                Some("is a URL, not a page path")
            } else if !page.starts_with('/') {
                Some("does not start with `/`")
            } else if page.chars().any(char::is_whitespace) {
                Some("contains white space")
            } else if !page.ends_with(".html") {
                Some("does not end with `.html`")
            } else {
                None
            };
            match problem {
                Some(problem) => self.error(
                    &item_at,
                    Anchor::Value,
                    format!("page `{page}` {problem}"),
                    Some(
                        "write the path of the page on the documentation site, e.g. \
                         `/server/anonymous/local.html` for \
                         https://developer.kdocs.cn/server/anonymous/local.html"
                            .into(),
                    ),
                ),
                None => pages.push(page),
            }
        }
        pages
    }

    // ---- names -------------------------------------------------------------------

    fn operation_name(&mut self, name: &str, at: &YamlPath) {
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

    fn field_name(&mut self, name: &str, at: &YamlPath) {
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

    fn type_name(&mut self, name: &str, at: &YamlPath) {
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

/// Pass 2: merge the files, check names are unique across them and that every
/// reference resolves.
fn merge(
    files: &[SourceFile],
    parts: Vec<FilePart>,
    diagnostics: &mut Diagnostics,
) -> Option<Spec> {
    let report = |diagnostics: &mut Diagnostics, origin: &Origin, anchor, message: String, hint| {
        diagnostics.push(files[origin.file].diagnostic(&origin.at, anchor, message, hint));
    };
    // All spec files sit in one folder: the file name is enough, and keeps
    // messages free of machine-specific absolute paths.
    let place = |origin: &Origin| {
        let file = &files[origin.file].path;
        let p = files[origin.file].position(&origin.at, Anchor::Key);
        let name = file
            .file_name()
            .unwrap_or(file.as_os_str())
            .to_string_lossy();
        format!("{name}:{}:{}", p.line, p.column)
    };

    let mut service: Option<(Service, Origin)> = None;
    let mut types: Vec<(TypeDef, Origin)> = Vec::new();
    let mut endpoints: Vec<(Endpoint, Origin)> = Vec::new();
    let mut errors: Vec<(ErrorCode, Origin)> = Vec::new();
    let mut references = Vec::new();
    let mut default_limits = Vec::new();
    let mut examples = Vec::new();
    let mut paging = Vec::new();
    for part in parts {
        if let Some((s, origin)) = part.service {
            match &service {
                Some((_, first)) => report(
                    diagnostics,
                    &origin,
                    Anchor::Key,
                    "a second `service:` section".into(),
                    Some(format!("the first one is at {}; keep one", place(first))),
                ),
                None => service = Some((s, origin)),
            }
        }
        let offset = endpoints.len();
        default_limits.extend(part.default_limits.into_iter().map(|i| i + offset));
        types.extend(part.types);
        endpoints.extend(part.endpoints);
        errors.extend(part.errors);
        references.extend(part.references);
        examples.extend(part.examples);
        paging.extend(part.paging.into_iter().map(|(i, o)| (i + offset, o)));
    }

    unique(
        diagnostics,
        &types,
        |t| t.name.clone(),
        "type",
        &report,
        &place,
    );
    unique(
        diagnostics,
        &endpoints,
        |e| e.name.clone(),
        "endpoint",
        &report,
        &place,
    );
    unique(
        diagnostics,
        &errors,
        |e| e.code.to_string(),
        "error code",
        &report,
        &place,
    );
    unique(
        diagnostics,
        &errors,
        |e| e.name.clone(),
        "error name",
        &report,
        &place,
    );

    // Generated names must not collide with named types.
    let generated: BTreeSet<String> = endpoints
        .iter()
        .flat_map(|(e, _)| {
            let base = to_pascal_case(&e.name);
            [format!("{base}Request"), format!("{base}Response")]
        })
        .chain(["Client".to_owned(), "ErrorCode".to_owned()])
        .collect();
    for (t, origin) in &types {
        if generated.contains(&t.name) {
            report(
                diagnostics,
                origin,
                Anchor::Key,
                format!("type name `{}` collides with a generated name", t.name),
                Some("requests and responses are named `<Operation>Request`/`Response`; rename the type".into()),
            );
        }
    }

    let enums: BTreeMap<&str, &TypeDef> = types
        .iter()
        .filter(|(t, _)| matches!(t.kind, TypeKind::Enum(_)))
        .map(|(t, _)| (t.name.as_str(), t))
        .collect();
    let names: Vec<&str> = types.iter().map(|(t, _)| t.name.as_str()).collect();
    for (reference, origin) in &references {
        if let Some((name, value)) = reference.split_once('=') {
            // An enum default: `Name=value`.
            match enums.get(name) {
                Some(TypeDef {
                    kind: TypeKind::Enum(values),
                    ..
                }) if !values.iter().any(|v| v.value == value) => {
                    let known: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
                    report(
                        diagnostics,
                        origin,
                        Anchor::Value,
                        format!("default `{value}` is not a value of enum `{name}`"),
                        Some(format!("use one of: {}", known.join(", "))),
                    );
                }
                Some(_) => {}
                None if names.contains(&name) => report(
                    diagnostics,
                    origin,
                    Anchor::Value,
                    format!("`{name}` is an object type and cannot have a default"),
                    Some("remove the `default:`; only scalar and enum fields have defaults".into()),
                ),
                None => {}
            }
            continue;
        }
        if !names.contains(&reference.as_str()) {
            let candidates = names.iter().copied().chain(BUILTIN_TYPES.iter().copied());
            let hint = match closest(reference, candidates) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("define `{reference}` under `types:` in any spec file"),
            };
            report(
                diagnostics,
                origin,
                Anchor::Value,
                format!("unknown type `{reference}`"),
                Some(hint),
            );
        }
    }

    // Cross-file check: path and query parameters of named types must be enums.
    for (endpoint, origin) in &endpoints {
        for (section, params) in [
            ("path_params", &endpoint.path_params),
            ("query", &endpoint.query),
        ] {
            for p in params {
                let ty = match (&p.ty, section) {
                    (TypeExpr::Array(item), "query") => item.as_ref(),
                    (ty, _) => ty,
                };
                if let TypeExpr::Named(n) = ty {
                    if names.contains(&n.as_str()) && !enums.contains_key(n.as_str()) {
                        let at = Origin {
                            file: origin.file,
                            at: origin.at.key(section).key(&p.name).key("type"),
                        };
                        report(
                            diagnostics,
                            &at,
                            Anchor::Value,
                            format!(
                                "`{}` is the object type `{n}`; {section} values must be scalars",
                                p.name
                            ),
                            Some("use string, bool, an integer, f64 or a string enum".into()),
                        );
                    }
                }
            }
        }
    }

    let Some((service, _)) = service else {
        let first = files.first()?;
        diagnostics.push(first.diagnostic(
            &YamlPath::root(),
            Anchor::Value,
            "no file has a `service:` section",
            Some("add `service:` with `name`, `base_url` and `signing` to one file".into()),
        ));
        return None;
    };
    let mut endpoints: Vec<Endpoint> = endpoints.into_iter().map(|(e, _)| e).collect();
    let object_fields = |ty: &TypeExpr| -> Option<Vec<Field>> {
        match ty {
            TypeExpr::Object(object) => Some(object.fields.clone()),
            TypeExpr::Named(name) => types.iter().find_map(|(t, _)| match &t.kind {
                TypeKind::Object(fields) if &t.name == name => Some(fields.clone()),
                _ => None,
            }),
            _ => None,
        }
    };
    for (index, origin) in &paging {
        let endpoint = &endpoints[*index];
        let Some(paging) = &endpoint.paging else {
            continue;
        };
        let at = |key: &str| Origin {
            file: origin.file,
            at: origin.at.key(key),
        };
        let integer = |ty: &TypeExpr| {
            matches!(
                ty,
                TypeExpr::I32 | TypeExpr::I64 | TypeExpr::U32 | TypeExpr::U64
            )
        };
        match endpoint.query.iter().find(|q| q.name == paging.offset) {
            Some(q) if integer(&q.ty) && !q.required => {}
            Some(_) => report(
                diagnostics,
                &at("offset"),
                Anchor::Value,
                format!(
                    "paging offset `{}` must be an optional integer query parameter",
                    paging.offset
                ),
                Some(
                    "declare it `{type: i64, required: false}`: the first page is asked without it"
                        .into(),
                ),
            ),
            None => {
                let names: Vec<&str> = endpoint.query.iter().map(|q| q.name.as_str()).collect();
                report(
                    diagnostics,
                    &at("offset"),
                    Anchor::Value,
                    format!(
                        "paging offset `{}` is not a query parameter of `{}`",
                        paging.offset, endpoint.name
                    ),
                    Some(match closest(&paging.offset, names.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "add it under `query:`".into(),
                    }),
                )
            }
        }
        let Some(fields) = object_fields(&endpoint.response) else {
            report(
                diagnostics,
                origin,
                Anchor::Key,
                format!(
                    "`{}` pages, but its response is not an object",
                    endpoint.name
                ),
                Some("declare the response's fields, with the next offset among them".into()),
            );
            continue;
        };
        match fields.iter().find(|f| f.name == paging.next) {
            Some(f) if integer(&f.ty) => {}
            Some(_) => report(
                diagnostics,
                &at("next"),
                Anchor::Value,
                format!("paging next `{}` must be an integer field", paging.next),
                Some("the next offset is a number (an i64; -1 when there is no more)".into()),
            ),
            None => report(
                diagnostics,
                &at("next"),
                Anchor::Value,
                format!(
                    "paging next `{}` is not a field of the response",
                    paging.next
                ),
                Some(
                    "declare it among the response's fields (an i64; -1 when there is no more)"
                        .into(),
                ),
            ),
        }
        for (param, field) in &paging.carry {
            let carry_at = Origin {
                file: origin.file,
                at: origin.at.key("carry").key(param),
            };
            let query = endpoint.query.iter().find(|q| &q.name == param);
            let answer = fields.iter().find(|f| &f.name == field);
            match (query, answer) {
                (Some(q), Some(f)) if q.ty == f.ty && !q.required => {}
                (Some(_), Some(_)) => report(
                    diagnostics,
                    &carry_at,
                    Anchor::Key,
                    format!("paging carries `{field}` into `{param}`: they must have the same type, and `{param}` must be optional"),
                    Some("the first page is asked without it: declare the parameter `required: false`, with the answer field's type".into()),
                ),
                (None, _) => report(
                    diagnostics,
                    &carry_at,
                    Anchor::Key,
                    format!("paging carries into `{param}`, which is not a query parameter"),
                    Some("name an optional query parameter".into()),
                ),
                (_, None) => report(
                    diagnostics,
                    &carry_at,
                    Anchor::Value,
                    format!("paging carries `{field}`, which is not a field of the response"),
                    Some("declare it among the response's fields".into()),
                ),
            }
        }
        if let Some(items) = &paging.items {
            match fields.iter().find(|f| &f.name == items) {
                Some(f) if matches!(f.ty, TypeExpr::Array(_)) => {}
                Some(_) => report(
                    diagnostics,
                    &at("items"),
                    Anchor::Value,
                    format!("paging items `{items}` must be a list field"),
                    Some("name the field that holds the page's list (an `array<…>`), or leave `items` out".into()),
                ),
                None => report(
                    diagnostics,
                    &at("items"),
                    Anchor::Value,
                    format!("paging items `{items}` is not a field of the response"),
                    Some("declare it among the response's fields, or leave `items` out".into()),
                ),
            }
        }
    }
    for index in default_limits {
        endpoints[index].rate_limits = service.default_rate_limits.clone();
    }
    let spec = Spec {
        service,
        types: types.into_iter().map(|(t, _)| t).collect(),
        endpoints,
        errors: errors.into_iter().map(|(e, _)| e).collect(),
    };
    // Examples become the fake's answers and the docs' samples: each must fit
    // its type. Checked once every type reference is known to resolve.
    if diagnostics.is_empty() {
        for (ty, example, origin) in &examples {
            if let Err(message) = crate::example::check(&spec, ty, example) {
                report(
                    diagnostics,
                    origin,
                    Anchor::Value,
                    message,
                    Some(format!(
                        "write an example of type `{}`, or remove it",
                        ty.spelling()
                    )),
                );
            }
        }
    }
    Some(spec)
}

fn unique<T>(
    diagnostics: &mut Diagnostics,
    items: &[(T, Origin)],
    key: impl Fn(&T) -> String,
    what: &str,
    report: &impl Fn(&mut Diagnostics, &Origin, Anchor, String, Option<String>),
    place: &impl Fn(&Origin) -> String,
) {
    let mut seen: BTreeMap<String, &Origin> = BTreeMap::new();
    for (item, origin) in items {
        let k = key(item);
        match seen.get(&k) {
            Some(first) => report(
                diagnostics,
                origin,
                Anchor::Key,
                format!("duplicate {what} `{k}`"),
                Some(format!(
                    "first defined at {}; names are unique across all spec files",
                    place(first)
                )),
            ),
            None => {
                seen.insert(k, origin);
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

#[cfg(test)]
mod tests {
    use super::*;

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
