//! Named types: structs and enums, with their `Serialize` and `Deserialize`
//! impls as one call each into the runtime's `object` module.

use std::fmt::Write as _;

use super::layout::{Element, List, WIDTH};
use super::Context;
use crate::emit::{deprecated_text, field_name, str_literal};
use crate::model::{EnumModel, FieldModel, RustType, StructModel};
use crate::spec::DefaultValue;

impl Context<'_> {
    pub(super) fn struct_item(&mut self, s: &StructModel) {
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
             ::std::cmp::PartialEq)]\npub struct {} {{",
            s.name
        );
        if !s.fields.is_empty() || s.others {
            self.out.push('\n');
        }
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
        let names = List::slice(
            s.fields
                .iter()
                .map(|f| {
                    let mut literal = String::new();
                    crate::emit::push_str_literal(&mut literal, &f.wire_name);
                    Element::from(literal)
                })
                .collect(),
        );
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
        let mut inits: Vec<String> = Vec::new();
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
            inits.push(format!("{}: {value}", field_name(f)));
        }
        let (call, bind) = match (s.others, s.fields.is_empty()) {
            (false, false) => ("deserialize", "let v = "),
            (false, true) => ("deserialize", ""),
            (true, false) => ("deserialize_with_others", "let (v, others) = "),
            (true, true) => ("deserialize_with_others", "let ((), others) = "),
        };
        if s.others {
            inits.push("others".to_owned());
        }
        let prefix = format!("{bind}{rt}::object::{call}::");
        let arguments = List::arguments(vec![
            "deserializer".into(),
            str_literal(name).into(),
            names.clone().into(),
        ]);
        // The arguments break first; the generic arguments only when their
        // own line would not fit.
        let generics = List::generics(vec![slots.into(), "_".into()]);
        let generics = if 8 + prefix.len() + generics.width() < WIDTH {
            generics.one_line()
        } else {
            generics.layout(8, 8 + prefix.len(), 0)
        };
        let column = match generics.rsplit_once('\n') {
            Some((_, last)) => last.len(),
            None => 8 + prefix.len() + generics.len(),
        };
        let arguments = arguments.layout(8, column, 2);
        let construct = if inits.is_empty() {
            "::std::result::Result::Ok(Self {})".to_owned()
        } else {
            format!("::std::result::Result::Ok(Self {{ {} }})", inits.join(", "))
        };
        let construct = if 8 + construct.len() <= WIDTH {
            construct
        } else {
            let fields: String = inits
                .iter()
                .map(|init| format!("            {init},\n"))
                .collect();
            format!("::std::result::Result::Ok(Self {{\n{fields}        }})")
        };
        let _ = write!(
            self.out,
            "{allow}impl<'de> {serde}::Deserialize<'de> for {name} {{\n    \
             fn deserialize<D: {serde}::Deserializer<'de>>(\n        deserializer: D,\n    \
             ) -> ::std::result::Result<Self, D::Error> {{\n        \
             {prefix}{generics}{arguments}?;\n        \
             {construct}\n    }}\n}}\n\n",
        );
        let call = if s.others {
            "serialize_with_others"
        } else {
            "serialize"
        };
        let mut arguments = vec![
            "serializer".into(),
            str_literal(name).into(),
            names.into(),
            entries.into(),
        ];
        if s.others {
            arguments.push("&self.others".into());
        }
        let prefix = format!("{rt}::object::{call}");
        let arguments = List::arguments(arguments).layout(8, 8 + prefix.len(), 0);
        let _ = write!(
            self.out,
            "{allow}impl {serde}::Serialize for {name} {{\n    \
             fn serialize<S: {serde}::Serializer>(\n        &self,\n        serializer: S,\n    \
             ) -> ::std::result::Result<S::Ok, S::Error> {{\n        \
             {prefix}{arguments}\n    }}\n}}\n\n",
        );
    }

    pub(super) fn enum_item(&mut self, e: &EnumModel) {
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
             fn deserialize<D: {serde}::Deserializer<'de>>(\n        deserializer: D,\n    \
             ) -> ::std::result::Result<Self, D::Error> {{\n        \
             {rt}::object::deserialize_string_enum(deserializer)\n    }}\n}}\n\n\
             {allow}impl {serde}::Serialize for {name} {{\n    \
             fn serialize<S: {serde}::Serializer>(\n        &self,\n        serializer: S,\n    \
             ) -> ::std::result::Result<S::Ok, S::Error> {{\n        \
             {serde}::Serializer::serialize_str(serializer, self.as_str())\n    }}\n}}\n\n"
        );
    }
}

/// A struct's fields as the runtime's `object` module takes them: a tuple of
/// `items`, tuples of at most 12 (nested beyond), and how to reach each item
/// in it (`.0`, `.1.3`).
fn nest(items: &[String]) -> (List, Vec<String>) {
    const MAX: usize = 12;
    if items.len() <= MAX {
        let paths = (0..items.len()).map(|i| format!(".{i}")).collect();
        let elements = items
            .iter()
            .map(|item| Element::from(item.as_str()))
            .collect();
        return (List::tuple(elements), paths);
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
        parts.push(Element::from(part));
        paths.extend(inner.into_iter().map(|path| format!(".{i}{path}")));
    }
    (List::tuple(parts), paths)
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
