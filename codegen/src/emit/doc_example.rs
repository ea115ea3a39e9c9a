//! The `# Example` sections of the generated docs, as doctest text: one per
//! client method (building the request from the spec's `example:` values and
//! calling the method) and one on `ErrorCode`. Emitted only with
//! [`Settings::with_doc_examples`], which says how a doctest (a crate of its
//! own) reaches the generated items.
//!
//! Values come from the spec: a parameter's `example:`, turned into a Rust
//! expression of the parameter's type. A required parameter without an
//! example gets a placeholder from its type: its own name for a string (so
//! `GetFileInfoRequest::new("file_token")`), `0`, `false`, an empty list or
//! map, `json!({})`, the first value of an enum, `FilePart::from_path` of its
//! name for a file. An optional parameter appears, through its `with_*`
//! setter, only when it has an example. The validator does not require
//! examples: most pages give none for their parameters, and a made-up value
//! would read as a documented one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::writer::{Element, List, RustWriter};
use crate::model::{ErrorCodeModel, Model, OperationModel, ParamModel, RustType};
use crate::Settings;

/// `doc`, followed by `example` when there is one.
pub(super) fn with_example(doc: &str, example: Option<String>) -> String {
    match example {
        Some(example) => format!("{doc}\n\n{example}"),
        None => doc.to_owned(),
    }
}

/// The `# Example` of a client method (the blocking twin's with `blocking`),
/// as markdown; `None` without [`Settings::with_doc_examples`].
pub(super) fn method_example(
    model: &Model,
    settings: &Settings,
    op: &OperationModel,
    blocking: bool,
) -> Option<String> {
    let api = settings.doc_examples()?;
    let mut values = Values::new(model, settings, api);
    let request = values.request(op, &|_| None);

    let mut code = RustWriter::default();
    if op.deprecated.is_some() {
        code.line("# #[allow(deprecated)]");
    }
    let error = format!("{}::Error", values.runtime);
    if blocking {
        let client = settings
            .blocking_client_type()
            .map(|p| values.doc_path(p))?;
        code.line(&format!(
            "# fn example(client: &{client}) -> Result<(), {error}> {{"
        ));
    } else {
        let client = match settings.client_type() {
            Some(path) => values.doc_path(path),
            None => format!("{api}::Client"),
        };
        code.line(&format!(
            "# async fn example(client: &{client}) -> Result<(), {error}> {{"
        ));
    }
    for line in values.use_lines() {
        code.line(&line);
    }
    code.blank();
    request.write(&mut code);
    let wait = if blocking { "?" } else { ".await?" };
    code.line(&format!("let answer = client.{}(request){wait};", op.name));
    code.line("println!(\"{answer:?}\");");
    code.line("# Ok(())");
    code.line("# }");
    let code = code.finish();

    let mut text = String::from("# Example\n\n");
    if values.placeholders {
        text.push_str(
            "With the spec's example values; where it gives none, a placeholder \
             (a string parameter's own name, `0`, `false`, empty).\n\n",
        );
    } else {
        text.push_str("With the spec's example values.\n\n");
    }
    text.push_str("```no_run\n");
    text.push_str(&code);
    text.push_str("```");
    Some(text)
}

/// The `# Example` of the `ErrorCode` table; `None` without
/// [`Settings::with_doc_examples`] or without codes.
pub(super) fn error_code_example(settings: &Settings, codes: &[ErrorCodeModel]) -> Option<String> {
    let api = settings.doc_examples()?;
    let first = codes.first()?;
    let (code, name) = (first.code, &first.name);
    // A code the table does not hold: -1, or below the smallest.
    let unknown = if codes.iter().any(|c| c.code == -1) {
        codes
            .iter()
            .map(|c| c.code)
            .min()
            .unwrap_or(0)
            .saturating_sub(1)
    } else {
        -1
    };
    let mut w = RustWriter::default();
    w.line(&format!("use {api}::ErrorCode;"));
    w.blank();
    w.line(&format!("let code = ErrorCode::from_code({code});"));
    w.line(&format!("assert_eq!(code, ErrorCode::{name});"));
    w.line(&format!("assert_eq!(code.code(), {code});"));
    w.line(&format!("assert_eq!(code.name(), Some({name:?}));"));
    w.line("// A code the table does not hold is kept as it came.");
    w.line(&format!(
        "assert_eq!(ErrorCode::from_code({unknown}), ErrorCode::Unknown({unknown}));"
    ));
    w.blank();
    w.line("// The enum is `#[non_exhaustive]`: match it with a wildcard arm.");
    w.open("match code {");
    w.line(&format!(
        "ErrorCode::{name} => println!(\"{{:?}} {{:?}}\", code.category(), code.message()),"
    ));
    w.line("other => println!(\"{other:?}, retryable: {}\", other.is_retryable()),");
    w.close("}");
    Some(format!(
        "# Example\n\nA failed call's code is `Error::error_code` (or `ApiError::error_code`):\
         \n\n```\n{}```",
        w.finish()
    ))
}

/// A request built from the spec's example values: the type's name as
/// imported, the constructor's arguments and the setters' calls.
pub(super) struct Request {
    name: String,
    args: Vec<String>,
    setters: Vec<String>,
}

impl Request {
    /// `let request = Name::new(…)` and its setters, one a line under it.
    pub(super) fn write(&self, w: &mut RustWriter) {
        let args = self
            .args
            .iter()
            .map(|a| Element::from(a.as_str()))
            .collect();
        let call = Element::seq([
            format!("let request = {}::new", self.name).into(),
            List::arguments(args).into(),
        ]);
        let Some((last, setters)) = self.setters.split_last() else {
            return w.wrapped(&Element::seq([call, ";".into()]));
        };
        w.wrapped(&call);
        w.indent();
        for setter in setters {
            w.line(setter);
        }
        w.line(&format!("{last};"));
        w.dedent();
    }
}

/// Rust expressions for example values, and the `use` lines they need.
pub(super) struct Values<'a> {
    model: &'a Model,
    /// The path of the generated items, seen from a doctest.
    api: &'a str,
    /// The runtime's path, seen from a doctest.
    runtime: String,
    /// `module → names` to import.
    imports: BTreeMap<String, BTreeSet<String>>,
    /// Whether a value was made up for want of an example.
    placeholders: bool,
}

impl<'a> Values<'a> {
    pub(super) fn new(model: &'a Model, settings: &Settings, api: &'a str) -> Self {
        let mut values = Self {
            model,
            api,
            runtime: String::new(),
            imports: BTreeMap::new(),
            placeholders: false,
        };
        values.runtime = values.doc_path(settings.runtime_path());
        values
    }

    /// A path of the settings as a doctest writes it: without a leading
    /// `::`, and `crate` read as the first segment of the API path.
    pub(super) fn doc_path(&self, path: &str) -> String {
        let path = path.strip_prefix("::").unwrap_or(path);
        let krate = self.api.split("::").next().unwrap_or(self.api);
        match path.strip_prefix("crate") {
            Some(rest) if rest.is_empty() || rest.starts_with("::") => format!("{krate}{rest}"),
            _ => path.to_owned(),
        }
    }

    /// Imports the item at `path` and gives the name to write.
    pub(super) fn import(&mut self, path: &str) -> String {
        let (module, name) = path.rsplit_once("::").unwrap_or(("", path));
        self.imports
            .entry(module.to_owned())
            .or_default()
            .insert(name.to_owned());
        name.to_owned()
    }

    /// `use` lines, `std` first, one per module.
    pub(super) fn use_lines(&self) -> Vec<String> {
        let mut modules: Vec<&String> = self.imports.keys().collect();
        modules.sort_by_key(|m| (!m.starts_with("std::"), m.as_str()));
        modules
            .into_iter()
            .map(|module| {
                let names: Vec<&str> = self.imports[module].iter().map(String::as_str).collect();
                match names.as_slice() {
                    [one] => format!("use {module}::{one};"),
                    many => format!("use {module}::{{{}}};", many.join(", ")),
                }
            })
            .collect()
    }

    /// The request of `op` from the spec's example values: every required
    /// parameter, and each optional one with an example. `given` writes a
    /// parameter's argument where the caller has a value of its own (a token
    /// a server accepts, a file that exists) instead of the example.
    pub(super) fn request(
        &mut self,
        op: &OperationModel,
        given: &dyn Fn(&ParamModel) -> Option<String>,
    ) -> Request {
        let name = self.import(&format!("{}::{}", self.api, op.request_name));
        let mut args = Vec::new();
        let mut setters = Vec::new();
        for (p, value) in example_params(self, op) {
            let argument = match given(p) {
                Some(argument) => argument,
                None => self.argument_of(&p.field.ty, &value, &p.field.rust_name),
            };
            if p.field.optional {
                setters.push(format!(".with_{}({argument})", p.field.rust_name));
            } else {
                args.push(argument);
            }
        }
        Request {
            name,
            args,
            setters,
        }
    }

    /// The runtime's path, as the generated text writes it.
    pub(super) fn runtime(&self) -> &str {
        &self.runtime
    }

    /// A constructor's or setter's argument: strings as `&str` literals
    /// (they take `impl Into<String>`), other types as the field's type;
    /// `value` is what [`Values::fill`] made of the example.
    fn argument_of(&mut self, ty: &RustType, value: &Value, name: &str) -> String {
        match (ty, value) {
            (RustType::String | RustType::SecretString, Value::String(s)) => format!("{s:?}"),
            _ => self.expression(ty, value, name),
        }
    }

    /// The example of a value of type `ty`, completed where the spec gives
    /// none by the placeholders of the module docs: the one value both the
    /// Rust expression ([`Values::expression`]) and the command-line text
    /// ([`cli_values`]) are written from.
    fn fill(&mut self, ty: &RustType, example: Option<&Value>, name: &str) -> Value {
        self.fill_within(ty, example, name, &mut Vec::new())
    }

    /// [`Values::fill`]; `open` holds the structs being completed without an
    /// example, so that a type holding itself through required fields (which
    /// no Rust struct can) ends as `null` rather than recursing forever.
    fn fill_within(
        &mut self,
        ty: &RustType,
        example: Option<&Value>,
        name: &str,
        open: &mut Vec<String>,
    ) -> Value {
        let example = example.filter(|e| !e.is_null());
        if example.is_none() && !matches!(ty, RustType::Named(_)) {
            self.placeholders = true;
        }
        match ty {
            RustType::String | RustType::SecretString => match example {
                Some(Value::String(s)) => Value::String(s.clone()),
                _ => {
                    self.placeholders = true;
                    Value::String(name.to_owned())
                }
            },
            RustType::Bool => Value::Bool(example.and_then(Value::as_bool).unwrap_or_default()),
            RustType::I32 | RustType::I64 | RustType::U32 | RustType::U64 => match example {
                Some(Value::Number(n)) if !n.is_f64() => Value::Number(n.clone()),
                _ => Value::from(0),
            },
            RustType::F64 => Value::from(example.and_then(Value::as_f64).unwrap_or(0.0)),
            RustType::Json => example
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())),
            RustType::File => {
                self.placeholders = true;
                Value::String(name.to_owned())
            }
            RustType::Vec(item) => match example {
                Some(Value::Array(items)) => Value::Array(
                    items
                        .iter()
                        .map(|v| self.fill_within(item, Some(v), name, open))
                        .collect(),
                ),
                _ => Value::Array(Vec::new()),
            },
            RustType::Map(value) => match example {
                Some(Value::Object(entries)) => Value::Object(
                    entries
                        .iter()
                        .map(|(k, v)| (k.clone(), self.fill_within(value, Some(v), k, open)))
                        .collect(),
                ),
                _ => Value::Object(Default::default()),
            },
            RustType::Named(type_name) => self.fill_named(type_name, example, open),
        }
    }

    /// [`Values::fill`] of an enum (its example, or its first value) or a
    /// struct (every required field, and the optional ones with a value).
    fn fill_named(
        &mut self,
        type_name: &str,
        example: Option<&Value>,
        open: &mut Vec<String>,
    ) -> Value {
        let model = self.model;
        if let Some(e) = model.enums.iter().find(|e| e.name == type_name) {
            return match example {
                Some(Value::String(s)) => Value::String(s.clone()),
                _ => {
                    self.placeholders = true;
                    Value::String(
                        e.variants
                            .first()
                            .map(|v| v.value.clone())
                            .unwrap_or_default(),
                    )
                }
            };
        }
        let Some(s) = model.structs.iter().find(|s| s.name == type_name) else {
            return Value::Null;
        };
        let given = example.and_then(Value::as_object);
        if given.is_none() {
            if open.iter().any(|o| o == type_name) {
                return Value::Null;
            }
            open.push(type_name.to_owned());
        }
        let mut fields = serde_json::Map::new();
        for f in &s.fields {
            let value = match given.and_then(|g| g.get(&f.wire_name)) {
                Some(v) => Some(v.clone()),
                None => f.example.clone(),
            }
            .filter(|v| !v.is_null());
            let filled = match (value, &f.default) {
                (None, _) if f.optional => continue,
                (Some(v), _) => self.fill_within(&f.ty, Some(&v), &f.rust_name, open),
                (None, Some(default)) => self.fill_within(
                    &f.ty,
                    Some(&crate::example::default_json(default)),
                    &f.rust_name,
                    open,
                ),
                (None, None) => self.fill_within(&f.ty, None, &f.rust_name, open),
            };
            fields.insert(f.wire_name.clone(), filled);
        }
        if given.is_none() {
            open.pop();
        }
        Value::Object(fields)
    }

    /// The Rust expression of a value of type `ty` that [`Values::fill`]
    /// completed.
    fn expression(&mut self, ty: &RustType, value: &Value, name: &str) -> String {
        match ty {
            RustType::String => format!("{:?}.to_owned()", value.as_str().unwrap_or(name)),
            RustType::SecretString => {
                let secret = self.import(&format!("{}::Secret", self.runtime));
                format!(
                    "{secret}::new({:?}.to_owned())",
                    value.as_str().unwrap_or(name)
                )
            }
            RustType::Bool => value.as_bool().unwrap_or_default().to_string(),
            RustType::I32 | RustType::I64 | RustType::U32 | RustType::U64 => match value {
                Value::Number(n) if !n.is_f64() => n.to_string(),
                _ => "0".to_owned(),
            },
            RustType::F64 => format!("{:?}", value.as_f64().unwrap_or(0.0)),
            RustType::Json => {
                let json = self.import(&format!("{}::serde_json::json", self.runtime));
                format!("{json}!({})", json_text(value))
            }
            RustType::File => {
                let part = self.import(&format!("{}::FilePart", self.runtime));
                format!("{part}::from_path({:?})", value.as_str().unwrap_or(name))
            }
            RustType::Vec(item) => match value {
                Value::Array(items) if !items.is_empty() => {
                    let items: Vec<String> = items
                        .iter()
                        .map(|v| self.expression(item, v, name))
                        .collect();
                    format!("vec![{}]", items.join(", "))
                }
                _ => "Vec::new()".to_owned(),
            },
            RustType::Map(value_type) => {
                let map = self.import("std::collections::BTreeMap");
                match value {
                    Value::Object(entries) if !entries.is_empty() => {
                        let entries: Vec<String> = entries
                            .iter()
                            .map(|(k, v)| {
                                format!("({k:?}.to_owned(), {})", self.expression(value_type, v, k))
                            })
                            .collect();
                        format!("{map}::from([{}])", entries.join(", "))
                    }
                    _ => format!("{map}::new()"),
                }
            }
            RustType::Named(type_name) => self.named(type_name, value),
        }
    }

    /// An enum value, or a struct literal of a generated type.
    fn named(&mut self, type_name: &str, value: &Value) -> String {
        let model = self.model;
        if let Some(e) = model.enums.iter().find(|e| e.name == type_name) {
            let name = self.import(&format!("{}::{type_name}", self.api));
            let wanted = value.as_str().unwrap_or_default();
            return match e.variants.iter().find(|v| v.value == wanted) {
                Some(v) => format!("{name}::{}", v.name),
                None => format!("{name}::from({wanted:?})"),
            };
        }
        let Some(s) = model.structs.iter().find(|s| s.name == type_name) else {
            return "Default::default()".to_owned();
        };
        let Some(given) = value.as_object() else {
            // Only a struct that holds itself through required fields is
            // completed as `null`: no value of it can be written.
            return format!(
                "::core::compile_error!(\"kdocs-codegen: `{type_name}` holds itself through \
                 required fields\")"
            );
        };
        // Built as another crate builds it: `new` of the required fields,
        // then a setter per optional field given (the structs are
        // `#[non_exhaustive]`).
        let name = self.import(&format!("{}::{type_name}", self.api));
        let mut args = Vec::new();
        let mut setters = String::new();
        for f in &s.fields {
            let required = !f.optional && f.default.is_none();
            match given.get(&f.wire_name) {
                Some(v) if required => args.push(self.argument_of(&f.ty, v, &f.rust_name)),
                Some(v) => {
                    let value = self.argument_of(&f.ty, v, &f.rust_name);
                    setters.push_str(&format!(".with_{}({value})", f.rust_name));
                }
                None if required => args.push(self.argument_of(&f.ty, &Value::Null, &f.rust_name)),
                None => {}
            }
        }
        format!("{name}::new({}){setters}", args.join(", "))
    }
}

/// The parameters a request from the examples sets, in constructor then
/// setter order, each with its value: every required parameter (completed
/// by [`Values::fill`] where the spec gives no example) and each optional
/// one the spec gives an example for.
pub(super) fn example_params<'o>(
    values: &mut Values<'_>,
    op: &'o OperationModel,
) -> Vec<(&'o ParamModel, Value)> {
    let mut out = Vec::new();
    for p in &op.params {
        let example = p.field.example.as_ref().filter(|e| !e.is_null());
        if p.field.optional && example.is_none() {
            continue;
        }
        let value = values.fill(&p.field.ty, example, &p.field.rust_name);
        out.push((p, value));
    }
    out
}

/// A parameter's value as command-line text, one string per occurrence of
/// its flag, as the command runtime reads it back: a string or an enum as
/// itself, anything else as JSON; a list one flag per item (`[]` for an
/// empty one, which a repeated flag cannot say).
pub(super) fn cli_values(ty: &RustType, value: &Value) -> Vec<String> {
    let text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (ty, value) {
        (RustType::Vec(_), Value::Array(items)) if !items.is_empty() => {
            items.iter().map(text).collect()
        }
        _ => vec![text(value)],
    }
}

/// JSON as `json!` reads it: Rust string literals, so any character is
/// written the way Rust accepts it.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(json_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", json_text(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(model: &'a Model, settings: &Settings, api: &'a str) -> Values<'a> {
        Values::new(model, settings, api)
    }

    #[test]
    fn settings_paths_are_written_as_a_doctest_sees_them() {
        let service =
            "service:\n  name: t\n  base_url: https://example.invalid\n  signing: {scheme: WPS-2}\n";
        let model = crate::model::build(&crate::check_sources(&[("s.yaml", service)]).unwrap());
        let inside = Settings::new().with_runtime_path("crate::runtime");
        let v = values(&model, &inside, "kdocs_client");
        assert_eq!(v.runtime, "kdocs_client::runtime");
        assert_eq!(
            v.doc_path("crate::blocking::Client"),
            "kdocs_client::blocking::Client"
        );
        assert_eq!(v.doc_path("crateish::x"), "crateish::x");
        let outside = Settings::new();
        let v = values(&model, &outside, "my_crate::api");
        assert_eq!(v.runtime, "kdocs_client::runtime");
        assert_eq!(v.doc_path("crate::Thing"), "my_crate::Thing");
    }

    #[test]
    fn json_is_written_as_rust_tokens() {
        let value = serde_json::json!({"a\"b": [1, 2.5, null, true], "ctl": "\u{1b}x", "中": {}});
        assert_eq!(
            json_text(&value),
            r#"{"a\"b": [1, 2.5, null, true], "ctl": "\u{1b}x", "中": {}}"#
        );
        assert!(json_text(&value)
            .parse::<proc_macro2::TokenStream>()
            .is_ok());
    }
}
