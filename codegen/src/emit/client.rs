//! The client emitter: request and response types, one `Operation` impl and
//! one `Client` method per endpoint, and the `ErrorCode` table.
//!
//! Emitted code stays thin: types, a constructor, setters and read accessors
//! per request, and an `Operation` impl that only *describes* the endpoint
//! (name, method, path, where each parameter goes). Signing, sending, retrying
//! and decoding are done by the hand-written runtime, which is written and
//! tested once.
//!
//! This emitter writes Rust text directly, not `quote` tokens: it is most of
//! the generated file, and building tokens and printing them again took most
//! of a build script's generation time (BENCHMARKS.md). The other emitters,
//! used only with the `fake` and `cli` features, still write tokens.
//!
//! With [`Settings::with_doc_examples`], each method's docs (and `ErrorCode`'s)
//! end with an `# Example` doctest, written by the `doc_example` module from
//! the spec's `example:` values.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proc_macro2::TokenStream;
use quote::quote;

use super::doc_example::{error_code_example, method_example, with_example};
use super::{deprecated_text, field_name, path_text, rust_type_text, str_literal, write_doc};
use crate::model::{
    BodyKind, EnumModel, ErrorCodeModel, FieldModel, Location, Model, OperationModel, PagingModel,
    ParamModel, RustType, StructModel,
};
use crate::spec::{Auth, DefaultValue, ErrorCategory, Method};
use crate::Settings;

/// The client part of the generated file, as Rust text.
pub fn text(model: &Model, settings: &Settings) -> String {
    let mut cx = Context::new(settings, model);
    for s in &model.structs {
        cx.struct_item(s);
    }
    for e in &model.enums {
        cx.enum_item(e);
    }
    for op in &model.operations {
        cx.operation_items(op);
    }
    cx.client_items(&model.operations);
    if !model.error_codes.is_empty() {
        cx.error_code_items(&model.error_codes);
    }
    cx.out
}

struct Context<'a> {
    settings: &'a Settings,
    /// For the doc examples, which build values of the generated types.
    model: &'a Model,
    /// The runtime's path (`crate::runtime`).
    rt: String,
    /// Named types marked deprecated: generated code that mentions them allows
    /// the lint, so only the user's own uses warn.
    deprecated: BTreeSet<String>,
    out: String,
}

const ALLOW_DEPRECATED: &str = "#[allow(deprecated)]\n";

impl<'a> Context<'a> {
    fn new(settings: &'a Settings, model: &'a Model) -> Self {
        let deprecated = model
            .structs
            .iter()
            .filter(|s| s.deprecated.is_some())
            .map(|s| s.name.clone())
            .chain(
                model
                    .enums
                    .iter()
                    .filter(|e| e.deprecated.is_some())
                    .map(|e| e.name.clone()),
            )
            .collect();
        let mut out = String::with_capacity(4096 + 12 * 1024 * model.operations.len());
        let rt = match path_text(&settings.runtime_path) {
            Ok(path) => path,
            Err(message) => {
                let _ = writeln!(out, "::core::compile_error!({});", str_literal(&message));
                settings.runtime_path.clone()
            }
        };
        Self {
            settings,
            model,
            rt,
            deprecated,
            out,
        }
    }

    /// Whether `ty` mentions a deprecated named type.
    fn mentions_deprecated(&self, ty: &RustType) -> bool {
        match ty {
            RustType::Named(name) => self.deprecated.contains(name),
            RustType::Vec(inner) | RustType::Map(inner) => self.mentions_deprecated(inner),
            _ => false,
        }
    }

    /// `#[allow(deprecated)]` when generated code itself must use deprecated items.
    fn allow_deprecated_if(needed: bool) -> &'static str {
        if needed {
            ALLOW_DEPRECATED
        } else {
            ""
        }
    }

    /// Whether an operation's generated items use deprecated items.
    fn operation_uses_deprecated(&self, op: &OperationModel) -> bool {
        op.deprecated.is_some()
            || self.mentions_deprecated(&op.response)
            || op
                .params
                .iter()
                .any(|p| self.mentions_deprecated(&p.field.ty) || p.field.deprecated.is_some())
    }

    fn serde_crate(&self) -> String {
        format!("{}::serde", self.settings.runtime_path)
    }

    fn rust_type(&self, ty: &RustType) -> String {
        rust_type_text(&self.rt, ty)
    }

    fn field_type(&self, field: &FieldModel) -> String {
        let ty = self.rust_type(&field.ty);
        if field.optional {
            format!("::std::option::Option<{ty}>")
        } else {
            ty
        }
    }

    /// Writes a doc text at `indent`.
    fn doc(&mut self, indent: &str, doc: &str) {
        write_doc(&mut self.out, indent, doc);
    }

    // ---- types -------------------------------------------------------------

    fn struct_item(&mut self, s: &StructModel) {
        // The type a call answers with says which calls.
        let client = self.settings.client_type.as_deref().unwrap_or("Client");
        let answered_by: Vec<String> = self
            .model
            .operations
            .iter()
            .filter(|op| matches!(&op.response, RustType::Named(name) if *name == s.name))
            .map(|op| format!("[`{name}`]({client}::{name})", name = op.name))
            .collect();
        if answered_by.is_empty() {
            self.doc("", &s.doc);
        } else {
            self.doc(
                "",
                &format!(
                    "{}\n\nThe answer of {}: a plain struct with public fields, decoded \
                     from the envelope's `data`.",
                    s.doc,
                    answered_by.join(", ")
                ),
            );
        }
        let deprecated = deprecated_text(&s.deprecated);
        // The serde impls below read and write every field.
        let allow = Self::allow_deprecated_if(
            s.fields
                .iter()
                .any(|f| self.mentions_deprecated(&f.ty) || f.deprecated.is_some()),
        );
        let _ = write!(
            self.out,
            "{deprecated}{allow}#[derive(::std::clone::Clone, ::std::fmt::Debug, \
             ::std::cmp::PartialEq)]\npub struct {} {{\n",
            s.name
        );
        for f in &s.fields {
            self.struct_field(f);
        }
        if s.others {
            let _ = writeln!(
                self.out,
                "    /// The fields the pages do not show, kept as they came.\n    \
                 pub others: ::std::collections::BTreeMap<::std::string::String, {}::serde_json::Value>,",
                self.rt
            );
        }
        self.out.push_str("}\n\n");
        self.struct_serde(s);
    }

    fn struct_field(&mut self, f: &FieldModel) {
        self.doc("    ", &f.doc);
        let deprecated = deprecated_text(&f.deprecated);
        if !deprecated.is_empty() {
            self.out.push_str("    ");
            self.out.push_str(&deprecated);
        }
        let _ = writeln!(
            self.out,
            "    pub {}: {},",
            field_name(f),
            self.field_type(f)
        );
    }

    /// `Deserialize` and `Serialize` of a struct: each one call to the
    /// runtime's `object` module, with the struct's name, its fields' wire
    /// names and a tuple of its fields (as serde_derive would decode them with
    /// `#[serde(default, skip_serializing_if = "Option::is_none")]` on the
    /// optional ones, a default's `null` decoding as the default, and
    /// `#[serde(flatten)]` on `others`).
    fn struct_serde(&mut self, s: &StructModel) {
        let rt = &self.rt;
        let serde = self.serde_crate();
        let name = &s.name;
        let allow = Self::allow_deprecated_if(
            s.deprecated.is_some()
                || s.fields
                    .iter()
                    .any(|f| self.mentions_deprecated(&f.ty) || f.deprecated.is_some()),
        );
        let mut names = String::from("&[");
        for (i, f) in s.fields.iter().enumerate() {
            if i > 0 {
                names.push_str(", ");
            }
            super::push_str_literal(&mut names, &f.wire_name);
        }
        names.push(']');
        let slots: Vec<String> = s
            .fields
            .iter()
            .map(|f| {
                let slot = if f.optional || f.default.is_some() {
                    "Opt"
                } else {
                    "Req"
                };
                format!("{rt}::object::{slot}<{}>", self.rust_type(&f.ty))
            })
            .collect();
        let entries: Vec<String> = s
            .fields
            .iter()
            .map(|f| {
                if f.optional {
                    format!("{rt}::object::Skip(&self.{})", field_name(f))
                } else {
                    format!("&self.{}", field_name(f))
                }
            })
            .collect();
        let (slots, paths) = nest(&slots);
        let (entries, _) = nest(&entries);
        let mut inits = String::new();
        for (f, path) in s.fields.iter().zip(&paths) {
            let value = match &f.default {
                Some(default) => {
                    let value = default_value(&f.ty, default);
                    if matches!(f.ty, RustType::String | RustType::Named(_)) {
                        format!("v{path}.unwrap_or_else(|| {value})")
                    } else {
                        format!("v{path}.unwrap_or({value})")
                    }
                }
                None => format!("v{path}"),
            };
            let _ = write!(inits, " {}: {value},", field_name(f));
        }
        let (call, bind) = match (s.others, s.fields.is_empty()) {
            (false, false) => ("deserialize", "let v = "),
            (false, true) => ("deserialize", ""),
            (true, false) => ("deserialize_with_others", "let (v, others) = "),
            (true, true) => ("deserialize_with_others", "let ((), others) = "),
        };
        if s.others {
            inits.push_str(" others,");
        }
        let _ = write!(
            self.out,
            "{allow}impl<'de> {serde}::Deserialize<'de> for {name} {{\n    \
             fn deserialize<D: {serde}::Deserializer<'de>>(deserializer: D) \
             -> ::std::result::Result<Self, D::Error> {{\n        \
             {bind}{rt}::object::{call}::<{slots}, _>(deserializer, {literal}, {names})?;\n        \
             ::std::result::Result::Ok(Self {{{inits} }})\n    }}\n}}\n\n",
            literal = str_literal(name),
        );
        let (call, others) = if s.others {
            ("serialize_with_others", ", &self.others")
        } else {
            ("serialize", "")
        };
        let _ = write!(
            self.out,
            "{allow}impl {serde}::Serialize for {name} {{\n    \
             fn serialize<S: {serde}::Serializer>(&self, serializer: S) \
             -> ::std::result::Result<S::Ok, S::Error> {{\n        \
             {rt}::object::{call}(serializer, {literal}, {names}, {entries}{others})\n    }}\n}}\n\n",
            literal = str_literal(name),
        );
    }

    fn enum_item(&mut self, e: &EnumModel) {
        let rt = self.rt.clone();
        self.doc(
            "",
            &format!(
                "{}\n\nA value this version of the client does not know is kept in `Unknown`, so a new server value never breaks decoding.",
                e.doc
            ),
        );
        let deprecated = deprecated_text(&e.deprecated);
        let name = &e.name;
        let _ = write!(
            self.out,
            "{deprecated}#[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq, \
             ::std::cmp::Eq, ::std::hash::Hash)]\npub enum {name} {{\n"
        );
        for v in &e.variants {
            self.doc("    ", &v.doc);
            let _ = writeln!(self.out, "    {},", v.name);
        }
        self.out.push_str(
            "    /// A value not known to this version of the client.\n    \
             Unknown(::std::string::String),\n}\n\n",
        );
        let allow = Self::allow_deprecated_if(e.deprecated.is_some());
        let _ = write!(
            self.out,
            "{allow}impl {name} {{\n    /// The value as sent on the wire.\n    \
             pub fn as_str(&self) -> &str {{\n        match self {{\n"
        );
        for v in &e.variants {
            let _ = writeln!(
                self.out,
                "            Self::{} => {},",
                v.name,
                str_literal(&v.value)
            );
        }
        let _ = write!(
            self.out,
            "            Self::Unknown(value) => value,\n        }}\n    }}\n}}\n\n\
             {allow}impl ::std::convert::From<&str> for {name} {{\n    \
             fn from(value: &str) -> Self {{\n        match value {{\n"
        );
        for v in &e.variants {
            let _ = writeln!(
                self.out,
                "            {} => Self::{},",
                str_literal(&v.value),
                v.name
            );
        }
        let _ = write!(
            self.out,
            "            other => Self::Unknown(::std::string::String::from(other)),\n        }}\n    }}\n}}\n\n\
             {allow}impl ::std::convert::From<::std::string::String> for {name} {{\n    \
             fn from(value: ::std::string::String) -> Self {{\n        Self::from(value.as_str())\n    }}\n}}\n\n\
             {allow}impl ::std::convert::From<{name}> for ::std::string::String {{\n    \
             fn from(value: {name}) -> Self {{\n        ::std::string::String::from(value.as_str())\n    }}\n}}\n\n\
             {allow}impl {rt}::ParamValue for {name} {{\n    \
             fn to_param(&self) -> ::std::borrow::Cow<'_, str> {{\n        \
             ::std::borrow::Cow::Borrowed(self.as_str())\n    }}\n}}\n\n"
        );
        // As a string: an unknown value is kept (`From<String>`), not refused.
        let serde = self.serde_crate();
        let _ = write!(
            self.out,
            "{allow}impl<'de> {serde}::Deserialize<'de> for {name} {{\n    \
             fn deserialize<D: {serde}::Deserializer<'de>>(deserializer: D) \
             -> ::std::result::Result<Self, D::Error> {{\n        \
             {rt}::object::deserialize_string_enum(deserializer)\n    }}\n}}\n\n\
             {allow}impl {serde}::Serialize for {name} {{\n    \
             fn serialize<S: {serde}::Serializer>(&self, serializer: S) \
             -> ::std::result::Result<S::Ok, S::Error> {{\n        \
             {serde}::Serializer::serialize_str(serializer, self.as_str())\n    }}\n}}\n\n"
        );
    }

    // ---- operations ------------------------------------------------------------

    fn operation_items(&mut self, op: &OperationModel) {
        self.request_struct(op);
        self.request_impl(op);
        self.operation_impl(op);
        if let Some(paging) = &op.paging {
            self.paged_impl(op, paging);
        }
    }

    /// `Paged` for a request that pages: where its offset goes, where a
    /// page's next offset, carried values and items are. The loop is the
    /// runtime's `Pages`.
    fn paged_impl(&mut self, op: &OperationModel, paging: &PagingModel) {
        let rt = &self.rt;
        let name = &op.request_name;
        let output = self.rust_type(&op.response);
        let offset = &paging.offset_field;
        let next = &paging.next_field;
        // The next offset as an i64 (-1 when absent or out of range).
        let as_i64 = |value: &str| match paging.next_type {
            RustType::I64 => value.to_owned(),
            RustType::U64 => format!("i64::try_from({value}).unwrap_or(-1)"),
            _ => format!("i64::from({value})"),
        };
        let next_value = if paging.next_optional {
            format!("page.{next}.map_or(-1, |next| {})", as_i64("next"))
        } else {
            as_i64(&format!("page.{next}"))
        };
        // The request's offset, from and to an i64.
        let (offset_get, offset_set) = match paging.offset_type {
            RustType::I64 => (
                format!("self.{offset}.unwrap_or(0)"),
                "::std::option::Option::Some(next)".to_owned(),
            ),
            RustType::U64 => (
                format!(
                    "self.{offset}.map_or(0, |offset| i64::try_from(offset).unwrap_or(i64::MAX))"
                ),
                "::std::option::Option::Some(::std::convert::TryFrom::try_from(next).ok()?)"
                    .to_owned(),
            ),
            _ => (
                format!("self.{offset}.map_or(0, i64::from)"),
                "::std::option::Option::Some(::std::convert::TryFrom::try_from(next).ok()?)"
                    .to_owned(),
            ),
        };
        let mut carried = String::new();
        for (param, field, optional) in &paging.carry {
            if *optional {
                let _ = writeln!(carried, "        request.{param} = page.{field}.clone();");
            } else {
                let _ = writeln!(
                    carried,
                    "        request.{param} = ::std::option::Option::Some(page.{field}.clone());"
                );
            }
        }
        let (item, items) = match &paging.items {
            Some((field, item, optional)) => {
                let item = self.rust_type(item);
                let items = if *optional {
                    format!("page.{field}.unwrap_or_default()")
                } else {
                    format!("page.{field}")
                };
                (item, items)
            }
            None => (output.clone(), "::std::vec![page]".to_owned()),
        };
        let allow = Self::allow_deprecated_if(self.operation_uses_deprecated(op));
        let _ = write!(
            self.out,
            "{allow}impl {rt}::Paged for {name} {{\n    type Item = {item};\n\n    \
             fn offset(&self) -> i64 {{\n        {offset_get}\n    }}\n\n    \
             fn next_request(&self, page: &{output}) -> ::std::option::Option<Self> {{\n        \
             let next = {next_value};\n        if next < 0 {{\n            \
             return ::std::option::Option::None;\n        }}\n        \
             let mut request = self.clone();\n        request.{offset} = {offset_set};\n\
             {carried}        ::std::option::Option::Some(request)\n    }}\n\n    \
             fn into_items(page: {output}) -> ::std::vec::Vec<{item}> {{\n        {items}\n    }}\n}}\n\n"
        );
    }

    fn request_struct(&mut self, op: &OperationModel) {
        let client = self.settings.client_type.as_deref().unwrap_or("Client");
        let optional = op.params.iter().any(|p| p.field.optional);
        let required = op.params.iter().any(|p| !p.field.optional);
        let built = match (required, optional) {
            (true, true) => {
                "from the required parameters, then the `with_*` setters of the optional ones"
            }
            (true, false) => "from its parameters",
            (false, true) => "(every parameter is optional), then the `with_*` setters",
            (false, false) => "(the call takes no parameters)",
        };
        let mut doc = format!(
            "Parameters of [`{name}`]({client}::{name}): {}\n\nBuilt with [`new`](Self::new) {built}",
            op.request_doc,
            name = op.name
        );
        doc.push_str(if op.params.is_empty() {
            "."
        } else {
            "; each parameter reads back through the method of its name."
        });
        if self.settings.doc_examples().is_some() {
            doc.push_str(&format!(
                " The example on [`{name}`]({client}::{name}) builds one.",
                name = op.name
            ));
        }
        self.doc("", &doc);
        self.out.push_str(&deprecated_text(&op.deprecated));
        self.out.push_str(Self::allow_deprecated_if(
            op.params
                .iter()
                .any(|p| self.mentions_deprecated(&p.field.ty)),
        ));
        // A request whose parameters are all optional can be built by `Default`.
        let default = if op.params.iter().all(|p| p.field.optional) {
            " ::std::default::Default,"
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "#[derive(::std::clone::Clone, ::std::fmt::Debug,{default})]\npub struct {} {{",
            op.request_name
        );
        for p in &op.params {
            self.doc("    ", &p.field.doc);
            let _ = writeln!(
                self.out,
                "    {}: {},",
                field_name(&p.field),
                self.field_type(&p.field)
            );
        }
        self.out.push_str("}\n\n");
    }

    /// The argument type a constructor or setter takes for `ty`, and whether
    /// it is converted with `.into()`.
    fn argument(&self, ty: &RustType) -> (String, bool) {
        match ty {
            RustType::String | RustType::SecretString => (
                "impl ::std::convert::Into<::std::string::String>".to_owned(),
                true,
            ),
            other => (self.rust_type(other), false),
        }
    }

    /// Converts an argument named `ident` to the field's type.
    fn convert(&self, ty: &RustType, ident: &str, into: bool) -> String {
        match ty {
            RustType::SecretString => format!("{}::Secret::new({ident}.into())", self.rt),
            _ if into => format!("{ident}.into()"),
            _ => ident.to_owned(),
        }
    }

    fn request_impl(&mut self, op: &OperationModel) {
        let required: Vec<&ParamModel> = op.params.iter().filter(|p| !p.field.optional).collect();
        let args: Vec<String> = required
            .iter()
            .map(|p| format!("{}: {}", field_name(&p.field), self.argument(&p.field.ty).0))
            .collect();
        let mut inits = String::new();
        for p in &op.params {
            let ident = field_name(&p.field);
            if p.field.optional {
                let _ = writeln!(inits, "            {ident}: ::std::option::Option::None,");
            } else {
                let (_, into) = self.argument(&p.field.ty);
                if !into && p.field.ty != RustType::SecretString {
                    // The argument has the field's type: field init shorthand.
                    let _ = writeln!(inits, "            {ident},");
                } else {
                    let value = self.convert(&p.field.ty, &ident, into);
                    let _ = writeln!(inits, "            {ident}: {value},");
                }
            }
        }
        let mut new_doc = format!("A `{}` request with its required parameters.", op.name);
        for p in &required {
            new_doc.push_str(&format!(
                "\n- `{}`: {}",
                p.field.rust_name,
                p.field.doc.lines().next().unwrap_or_default()
            ));
        }
        let allow = Self::allow_deprecated_if(self.operation_uses_deprecated(op));
        let _ = writeln!(self.out, "{allow}impl {} {{", op.request_name);
        self.doc("    ", &new_doc);
        let _ = write!(
            self.out,
            "    pub fn new({}) -> Self {{\n        Self {{\n{inits}        }}\n    }}\n",
            args.join(", ")
        );
        for p in op.params.iter().filter(|p| p.field.optional) {
            let field = field_name(&p.field);
            let (ty, into) = self.argument(&p.field.ty);
            let converted = self.convert(&p.field.ty, "value", into);
            self.out.push('\n');
            self.doc(
                "    ",
                &format!(
                    "Sets the optional `{}`.\n\n{}",
                    p.field.wire_name, p.field.doc
                ),
            );
            let deprecated = deprecated_text(&p.field.deprecated);
            if !deprecated.is_empty() {
                self.out.push_str("    ");
                self.out.push_str(&deprecated);
            }
            let _ = write!(
                self.out,
                "    pub fn with_{}(mut self, value: {ty}) -> Self {{\n        \
                 self.{field} = ::std::option::Option::Some({converted});\n        self\n    }}\n",
                p.field.rust_name
            );
        }
        for p in &op.params {
            self.getter(p);
        }
        self.out.push_str("}\n\n");
    }

    /// A read accessor: `&str` for strings, the value for `Copy` scalars, a
    /// reference otherwise; `Option` of those for optional parameters.
    fn getter(&mut self, p: &ParamModel) {
        let field = field_name(&p.field);
        self.out.push('\n');
        self.doc(
            "    ",
            &format!(
                "The `{}` parameter{}: {}",
                p.field.wire_name,
                if p.field.optional { ", if set" } else { "" },
                p.field.doc.lines().next().unwrap_or_default()
            ),
        );
        let deprecated = deprecated_text(&p.field.deprecated);
        if !deprecated.is_empty() {
            self.out.push_str("    ");
            self.out.push_str(&deprecated);
        }
        let copy = matches!(
            p.field.ty,
            RustType::Bool
                | RustType::I32
                | RustType::I64
                | RustType::U32
                | RustType::U64
                | RustType::F64
        );
        let ty = self.rust_type(&p.field.ty);
        let (ret, body) = match (&p.field.ty, p.field.optional) {
            (RustType::String, false) => ("&str".to_owned(), format!("&self.{field}")),
            (RustType::String, true) => (
                "::std::option::Option<&str>".to_owned(),
                format!("self.{field}.as_deref()"),
            ),
            (_, false) if copy => (ty, format!("self.{field}")),
            (_, true) if copy => (
                format!("::std::option::Option<{ty}>"),
                format!("self.{field}"),
            ),
            (_, false) => (format!("&{ty}"), format!("&self.{field}")),
            (_, true) => (
                format!("::std::option::Option<&{ty}>"),
                format!("self.{field}.as_ref()"),
            ),
        };
        let _ = write!(
            self.out,
            "    pub fn {field}(&self) -> {ret} {{\n        {body}\n    }}\n"
        );
    }

    fn operation_impl(&mut self, op: &OperationModel) {
        let rt = &self.rt;
        let output = self.rust_type(&op.response);
        let mut writes = String::new();
        for p in &op.params {
            let ident = field_name(&p.field);
            let list = matches!(p.field.ty, RustType::Vec(_));
            let file = p.field.ty == RustType::File;
            for (location, wire) in p.places() {
                let (required, optional_fn) = match location {
                    Location::Path => ("path", "path"),
                    Location::Query if list => ("query_each", "query_each_opt"),
                    Location::Query => ("query", "query_opt"),
                    Location::Body => ("body", "body_opt"),
                    Location::Multipart if file => ("file", "file_opt"),
                    Location::Multipart => ("part", "part_opt"),
                };
                let wire = str_literal(wire);
                if p.field.optional {
                    let _ = writeln!(
                        writes,
                        "        request.{optional_fn}({wire}, self.{ident}.as_ref());"
                    );
                } else {
                    let _ = writeln!(writes, "        request.{required}({wire}, &self.{ident});");
                }
            }
        }
        let method = method_text(op.method);
        let auth = auth_text(op.auth);
        let body = match op.body {
            BodyKind::None => "None",
            BodyKind::Json => "Json",
            BodyKind::Multipart => "Multipart",
        };
        let allow = Self::allow_deprecated_if(self.operation_uses_deprecated(op));
        let _ = write!(
            self.out,
            "{allow}impl {rt}::Operation for {name} {{\n    type Output = {output};\n\n    \
             const SPEC: {rt}::OperationSpec = {rt}::OperationSpec {{\n        \
             name: {op_name},\n        method: {rt}::Method::{method},\n        \
             path: {path},\n        idempotent: {idempotent},\n        \
             auth: {rt}::Auth::{auth},\n        body: {rt}::BodyKind::{body},\n    }};\n\n    \
             fn write(&self, request: &mut {rt}::RequestParts) {{\n{writes}    }}\n}}\n\n",
            name = op.request_name,
            op_name = str_literal(&op.name),
            path = str_literal(&op.path),
            idempotent = op.idempotent,
        );
    }

    fn client_items(&mut self, operations: &[OperationModel]) {
        let rt = self.rt.clone();
        let (target, call) = match &self.settings.client_type {
            Some(path) => (path_or_error(path), "self"),
            None => {
                let _ = write!(
                    self.out,
                    "/// The generated API, on top of the runtime's [`Client`](#rt::Client).\n\
                     #[derive(::std::clone::Clone, ::std::fmt::Debug)]\n\
                     pub struct Client {{\n    inner: {rt}::Client,\n}}\n\n\
                     impl Client {{\n    /// Wraps a configured runtime client.\n    \
                     pub fn new(inner: {rt}::Client) -> Self {{\n        Self {{ inner }}\n    }}\n\n    \
                     /// The runtime client underneath.\n    \
                     pub fn runtime(&self) -> &{rt}::Client {{\n        &self.inner\n    }}\n}}\n\n"
                );
                ("Client".to_owned(), "self.inner")
            }
        };
        let _ = writeln!(self.out, "impl {target} {{");
        for (i, op) in operations.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            let example = method_example(self.model, self.settings, op, false);
            self.doc("    ", &with_example(&op.doc, example));
            let deprecated = deprecated_text(&op.deprecated);
            let allow = Self::allow_deprecated_if(self.operation_uses_deprecated(op));
            let output = self.rust_type(&op.response);
            // The runtime's future itself, not an `async fn` wrapping it: no
            // state machine per method to check (the callers' `.await` is the
            // same).
            let _ = write!(
                self.out,
                "    {deprecated}{allow}pub fn {name}(&self, request: {request}) \
                 -> impl ::std::future::Future<Output = ::std::result::Result<{output}, {rt}::Error>> + '_ {{\n        \
                 {call}.execute(request)\n    }}\n",
                name = op.name,
                request = op.request_name,
            );
            if op.paging.is_some() {
                self.out.push('\n');
                self.doc(
                    "    ",
                    &format!(
                        "Every page of [`{}`](Self::{}), from the request's offset on: \
                         each next request asks for the offset the last page gave, until it \
                         gives `-1`. Walk them with `next_page`, `next_item`, `collect_items` \
                         or as a `Stream`.",
                        op.name, op.name
                    ),
                );
                let runtime = match &self.settings.client_type {
                    Some(_) => "self",
                    None => "&self.inner",
                };
                let _ = write!(
                    self.out,
                    "    {deprecated}{allow}pub fn {name}_pages(&self, request: {request}) \
                     -> {rt}::Pages<'_, {request}> {{\n        \
                     {rt}::Pages::new({runtime}, request)\n    }}\n",
                    name = op.name,
                    request = op.request_name,
                );
            }
        }
        self.out.push_str("}\n\n");
        if let Some(path) = self.settings.blocking_client_type() {
            self.blocking_items(path, operations);
        }
    }

    /// The same methods, blocking: each runs `execute` to completion on the
    /// blocking client's own runtime.
    fn blocking_items(&mut self, path: &str, operations: &[OperationModel]) {
        let rt = self.rt.clone();
        let _ = writeln!(self.out, "impl {} {{", path_or_error(path));
        for (i, op) in operations.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            let doc = format!(
                "{}\n\nBlocking: runs on the client's own runtime (do not call it from async code).",
                op.doc
            );
            let example = method_example(self.model, self.settings, op, true);
            self.doc("    ", &with_example(&doc, example));
            let deprecated = deprecated_text(&op.deprecated);
            let allow = Self::allow_deprecated_if(self.operation_uses_deprecated(op));
            let output = self.rust_type(&op.response);
            let _ = write!(
                self.out,
                "    {deprecated}{allow}pub fn {name}(&self, request: {request}) \
                 -> ::std::result::Result<{output}, {rt}::Error> {{\n        \
                 self.execute(request)\n    }}\n",
                name = op.name,
                request = op.request_name,
            );
        }
        self.out.push_str("}\n\n");
    }

    // ---- error codes -------------------------------------------------------------

    fn error_code_items(&mut self, codes: &[ErrorCodeModel]) {
        let rt = self.rt.clone();
        self.doc(
            "",
            &with_example(
                "The service error codes this client knows, from the spec's `errors:` table:\n\
                 only codes a source names (a documentation page, or answers observed in\n\
                 public clients), each variant saying which.\n\n\
                 A code it does not know is kept in `Unknown`. More codes may be added as\n\
                 sources are found, so the enum is `#[non_exhaustive]`: match it with a\n\
                 wildcard arm.",
                error_code_example(self.settings, codes),
            ),
        );
        self.out.push_str(
            "#[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, \
             ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]\n\
             #[non_exhaustive]\npub enum ErrorCode {\n",
        );
        for c in codes {
            self.doc("    ", &c.doc);
            let _ = writeln!(self.out, "    {},", c.name);
        }
        self.out.push_str(
            "    /// A code not in the spec.\n    Unknown(i64),\n}\n\n\
             impl ErrorCode {\n    /// The known code for `code`, or `Unknown`.\n    \
             pub fn from_code(code: i64) -> Self {\n        match code {\n",
        );
        for c in codes {
            let _ = writeln!(self.out, "            {}i64 => Self::{},", c.code, c.name);
        }
        self.out.push_str(
            "            other => Self::Unknown(other),\n        }\n    }\n\n    \
             /// The numeric code.\n    pub fn code(self) -> i64 {\n        match self {\n",
        );
        for c in codes {
            let _ = writeln!(self.out, "            Self::{} => {}i64,", c.name, c.code);
        }
        self.out.push_str(
            "            Self::Unknown(code) => code,\n        }\n    }\n\n    \
             /// The variant's name for a known code (the service's `message` when a\n    \
             /// source shows one); `None` for `Unknown`.\n    \
             pub fn name(self) -> ::std::option::Option<&'static str> {\n        \
             ::std::option::Option::Some(match self {\n",
        );
        for c in codes {
            let _ = writeln!(
                self.out,
                "            Self::{} => {},",
                c.name,
                str_literal(&c.name)
            );
        }
        self.out.push_str(
            "            Self::Unknown(_) => return ::std::option::Option::None,\n        })\n    }\n\n    \
             /// The `message` the service sends with the code, when a source shows it.\n    \
             pub fn message(self) -> ::std::option::Option<&'static str> {\n        match self {\n",
        );
        for c in codes {
            match &c.message {
                Some(message) => {
                    let _ = writeln!(
                        self.out,
                        "            Self::{} => ::std::option::Option::Some({}),",
                        c.name,
                        str_literal(message)
                    );
                }
                None => {
                    let _ = writeln!(
                        self.out,
                        "            Self::{} => ::std::option::Option::None,",
                        c.name
                    );
                }
            }
        }
        let retryable: Vec<String> = codes
            .iter()
            .filter(|c| c.retryable)
            .map(|c| format!("Self::{}", c.name))
            .collect();
        let is_retryable = if retryable.is_empty() {
            "{\n            let _ = self;\n            false\n        }".to_owned()
        } else {
            format!("matches!(self, {})", retryable.join(" | "))
        };
        let _ = write!(
            self.out,
            "            Self::Unknown(_) => ::std::option::Option::None,\n        }}\n    }}\n\n    \
             /// Whether the spec marks the failure as worth retrying later.\n    \
             pub fn is_retryable(self) -> bool {{\n        {is_retryable}\n    }}\n\n    \
             /// Which family of failure the code belongs to, when known.\n    \
             pub fn category(self) -> ::std::option::Option<{rt}::ErrorCategory> {{\n        \
             ::std::option::Option::Some(match self {{\n"
        );
        for c in codes {
            let _ = writeln!(
                self.out,
                "            Self::{} => {rt}::ErrorCategory::{},",
                c.name,
                category_text(c.category)
            );
        }
        self.out.push_str(
            "            Self::Unknown(_) => return ::std::option::Option::None,\n        })\n    }\n}\n\n",
        );
    }
}

/// A struct's fields as the runtime's `object` module takes them: a tuple of
/// `items`, tuples of at most 12 (nested beyond), and how to reach each item
/// in it (`.0`, `.1.3`).
fn nest(items: &[String]) -> (String, Vec<String>) {
    const MAX: usize = 12;
    if items.is_empty() {
        return ("()".to_owned(), Vec::new());
    }
    if items.len() <= MAX {
        let paths = (0..items.len()).map(|i| format!(".{i}")).collect();
        return (format!("({},)", items.join(", ")), paths);
    }
    // Chunks of 12, of 144, …: as few tuples as will do.
    let mut size = MAX;
    while items.len().div_ceil(size) > MAX {
        size *= MAX;
    }
    let mut parts = Vec::new();
    let mut paths = Vec::new();
    for (i, chunk) in items.chunks(size).enumerate() {
        let (part, inner) = nest(chunk);
        parts.push(part);
        paths.extend(inner.into_iter().map(|path| format!(".{i}{path}")));
    }
    (format!("({},)", parts.join(", ")), paths)
}

/// A configured type path, or a `compile_error!` in its place.
fn path_or_error(path: &str) -> String {
    path_text(path)
        .unwrap_or_else(|message| format!("::core::compile_error!({})", str_literal(&message)))
}

/// The Rust literal of a field's default value, suffixed as `quote` writes it.
fn default_value(ty: &RustType, default: &DefaultValue) -> String {
    match (ty, default) {
        (_, DefaultValue::Bool(b)) => b.to_string(),
        (RustType::I32, DefaultValue::Integer(n)) => format!("{}i32", *n as i32),
        (RustType::I64, DefaultValue::Integer(n)) => format!("{}i64", *n as i64),
        (RustType::U32, DefaultValue::Integer(n)) => format!("{}u32", *n as u32),
        (RustType::U64, DefaultValue::Integer(n)) => format!("{}u64", *n as u64),
        (_, DefaultValue::Integer(n)) => format!("{}f64", *n as f64),
        (_, DefaultValue::Float(x)) => format!("{x}f64"),
        (RustType::Named(name), DefaultValue::String(s)) => {
            format!("{name}::from({})", str_literal(s))
        }
        (_, DefaultValue::String(s)) => format!("::std::string::String::from({})", str_literal(s)),
    }
}

/// The variant of the runtime's `Method`.
fn method_text(method: Method) -> &'static str {
    match method {
        Method::Get => "Get",
        Method::Post => "Post",
        Method::Put => "Put",
        Method::Patch => "Patch",
        Method::Delete => "Delete",
    }
}

/// The variant of the runtime's `Auth`.
fn auth_text(auth: Auth) -> &'static str {
    match auth {
        Auth::Wps2 => "Wps2",
        Auth::AccessToken => "AccessToken",
        Auth::Wps2AndAccessToken => "Wps2AndAccessToken",
        Auth::None => "None",
    }
}

/// The runtime's `Auth` for `auth`, as tokens (for the server emitter).
pub(super) fn auth_tokens(rt: &TokenStream, auth: Auth) -> TokenStream {
    let variant = proc_macro2::Ident::new(auth_text(auth), proc_macro2::Span::call_site());
    quote!(#rt::Auth::#variant)
}

fn category_text(category: ErrorCategory) -> &'static str {
    match category {
        ErrorCategory::Auth => "Auth",
        ErrorCategory::Request => "Request",
        ErrorCategory::RateLimit => "RateLimit",
        ErrorCategory::NotFound => "NotFound",
        ErrorCategory::Server => "Server",
    }
}
