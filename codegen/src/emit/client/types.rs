//! Named types: structs and enums, with their `Serialize` and `Deserialize`
//! impls as one call each into the runtime's `object` module.

use super::{Context, Element, List};
use crate::emit::{field_name, str_literal};
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
            self.doc(&s.doc);
        } else {
            self.doc(&format!(
                "{}\n\nThe answer of {}: a plain struct with public fields, decoded \
                 from the envelope's `data`; it prints (`Display`) as its JSON, \
                 secrets as `***`.",
                s.doc,
                answered_by.join(", ")
            ));
        }
        self.deprecated(&s.deprecated);
        // The serde impls below read and write every field.
        let uses_deprecated = s
            .fields
            .iter()
            .any(|f| self.mentions_deprecated(&f.ty) || f.deprecated.is_some());
        self.allow_deprecated_if(uses_deprecated);
        self.derive(&[
            "::std::clone::Clone",
            "::std::fmt::Debug",
            "::std::cmp::PartialEq",
        ]);
        // A field added to the spec is not a breaking change: other crates
        // build the struct with `new` and match it with `..`.
        self.w.line("#[non_exhaustive]");
        if s.fields.is_empty() && !s.others {
            self.w.line(&format!("pub struct {} {{}}", s.name));
        } else {
            self.w.open(&format!("pub struct {} {{", s.name));
            for f in &s.fields {
                self.struct_field(f);
            }
            if s.others {
                self.doc("The fields the pages do not show, kept as they came.");
                let others = List::generic_type(
                    "::std::collections::BTreeMap",
                    vec![
                        "::std::string::String".into(),
                        format!("{}::serde_json::Value", self.rt).into(),
                    ],
                );
                self.w.wrapped(&Element::seq([
                    "pub others: ".into(),
                    others.into(),
                    ",".into(),
                ]));
            }
            self.w.close("}");
        }
        self.w.blank();
        self.struct_constructors(s, uses_deprecated || s.deprecated.is_some());
        self.struct_serde(s);
        if !answered_by.is_empty() {
            self.struct_display(s, uses_deprecated || s.deprecated.is_some());
        }
    }

    /// `impl Display` of an answer: its JSON, secrets as `***` (so that an
    /// answer that was `serde_json::Value` prints the same once typed).
    fn struct_display(&mut self, s: &StructModel, uses_deprecated: bool) {
        self.allow_deprecated_if(uses_deprecated);
        self.w
            .open(&format!("impl ::std::fmt::Display for {} {{", s.name));
        self.w.signature(
            "fn fmt",
            vec!["&self".into(), "f: &mut ::std::fmt::Formatter<'_>".into()],
            Some("::std::fmt::Result".into()),
        );
        self.w
            .line(&format!("{}::object::display_json(self, f)", self.rt));
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
    }

    /// `new` from the required fields (the others `None`, their default or
    /// empty), and for a struct a request can hold, a `with_*` setter per
    /// optional field: a `#[non_exhaustive]` struct has no literal outside
    /// this crate.
    fn struct_constructors(&mut self, s: &StructModel, uses_deprecated: bool) {
        let input = self.inputs.contains(&s.name);
        let required: Vec<&FieldModel> = s
            .fields
            .iter()
            .filter(|f| !f.optional && f.default.is_none())
            .collect();
        self.allow_deprecated_if(uses_deprecated);
        self.w.open(&format!("impl {} {{", s.name));
        let mut doc = format!("A `{}` of its required fields", s.name);
        doc.push_str(match (s.fields.len() > required.len(), input) {
            (false, _) => ".",
            (true, true) => {
                "; the optional ones are unset (or their default), for the `with_*` setters."
            }
            (true, false) => "; the optional ones are unset (or their default).",
        });
        self.doc(&doc);
        let parameters: Vec<Element> = required
            .iter()
            .map(|f| {
                Element::seq([
                    format!("{}: ", field_name(f)).into(),
                    self.argument(&f.ty).0,
                ])
            })
            .collect();
        self.w
            .signature("pub fn new", parameters, Some("Self".into()));
        let mut inits: Vec<Element> = s
            .fields
            .iter()
            .map(|f| {
                let ident = field_name(f);
                match (&f.default, f.optional) {
                    (Some(default), _) => {
                        format!("{ident}: {}", default_value(&f.ty, default)).into()
                    }
                    (None, true) => format!("{ident}: ::std::option::Option::None").into(),
                    (None, false) => {
                        let (_, into) = self.argument(&f.ty);
                        if !into && f.ty != RustType::SecretString {
                            ident.into()
                        } else {
                            format!("{ident}: {}", self.convert(&f.ty, &ident, into)).into()
                        }
                    }
                }
            })
            .collect();
        if s.others {
            inits.push("others: ::std::collections::BTreeMap::new()".into());
        }
        self.w.wrapped(&List::fields("Self {", "}", inits).into());
        self.w.close("}");
        if input {
            for f in s
                .fields
                .iter()
                .filter(|f| f.optional || f.default.is_some())
            {
                self.w.blank();
                self.field_setter(f);
            }
        }
        self.w.close("}");
        self.w.blank();
        if required.is_empty() {
            // `new` takes nothing: the same value as `Default`.
            self.allow_deprecated_if(uses_deprecated);
            self.w
                .open(&format!("impl ::std::default::Default for {} {{", s.name));
            self.w.open("fn default() -> Self {");
            self.w.line("Self::new()");
            self.w.close("}");
            self.w.close("}");
            self.w.blank();
        }
    }

    /// `with_*` of an optional field (or one with a default).
    fn field_setter(&mut self, f: &FieldModel) {
        let field = field_name(f);
        let (ty, into) = self.argument(&f.ty);
        let converted = self.convert(&f.ty, "value", into);
        self.doc(&format!("Sets {}.", super::operations::member_link(f)));
        self.deprecated(&f.deprecated);
        self.w.signature(
            &format!("pub fn with_{}", f.rust_name),
            vec!["mut self".into(), Element::seq(["value: ".into(), ty])],
            Some("Self".into()),
        );
        let value = if f.optional {
            Element::seq([
                "::std::option::Option::Some".into(),
                List::arguments(vec![converted.into()]).into(),
            ])
        } else {
            converted.into()
        };
        self.w.wrapped(&Element::seq([
            format!("self.{field} = ").into(),
            value,
            ";".into(),
        ]));
        self.w.line("self");
        self.w.close("}");
    }

    /// `#[derive(…)]` of the given traits.
    pub(super) fn derive(&mut self, traits: &[&str]) {
        let traits = traits.iter().map(|t| Element::from(*t)).collect();
        self.w.wrapped(&List::attribute("derive", traits).into());
    }

    fn struct_field(&mut self, f: &FieldModel) {
        self.doc(&f.doc);
        self.deprecated(&f.deprecated);
        let field = Element::seq([
            format!("pub {}: ", field_name(f)).into(),
            self.field_type(f),
            ",".into(),
        ]);
        self.w.wrapped(&field);
    }

    /// `Deserialize` and `Serialize` of a struct: each one call to the
    /// runtime's `object` module, with the struct's name, its fields' wire
    /// names and a tuple of its fields (as serde_derive would decode them with
    /// `#[serde(default, skip_serializing_if = "Option::is_none")]` on the
    /// optional ones, a default's `null` decoding as the default, and
    /// `#[serde(flatten)]` on `others`).
    fn struct_serde(&mut self, s: &StructModel) {
        let uses_deprecated = s.deprecated.is_some()
            || s.fields
                .iter()
                .any(|f| self.mentions_deprecated(&f.ty) || f.deprecated.is_some());
        let names = List::slice(
            s.fields
                .iter()
                .map(|f| Element::from(str_literal(&f.wire_name)))
                .collect(),
        );
        self.allow_deprecated_if(uses_deprecated);
        self.struct_deserialize(s, names.clone());
        self.allow_deprecated_if(uses_deprecated);
        self.struct_serialize(s, names);
    }

    /// `impl Deserialize`: the slots of the fields, then the struct.
    fn struct_deserialize(&mut self, s: &StructModel, names: List) {
        let rt = self.rt.clone();
        let serde = self.serde_crate();
        let slots: Vec<Element> = s
            .fields
            .iter()
            .map(|f| {
                let slot = if f.optional || f.default.is_some() {
                    "Opt"
                } else {
                    "Req"
                };
                List::generic_type(
                    &format!("{rt}::object::{slot}"),
                    vec![self.type_element(&f.ty)],
                )
                .into()
            })
            .collect();
        let (slots, paths) = nest(slots);
        let mut inits: Vec<Element> = Vec::new();
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
            inits.push(format!("{}: {value}", field_name(f)).into());
        }
        let (call, bind) = match (s.others, s.fields.is_empty()) {
            (false, false) => ("deserialize", "let v = "),
            (false, true) => ("deserialize", ""),
            (true, false) => ("deserialize_with_others", "let (v, others) = "),
            (true, true) => ("deserialize_with_others", "let ((), others) = "),
        };
        if s.others {
            inits.push("others".into());
        }
        self.w.open(&format!(
            "impl<'de> {serde}::Deserialize<'de> for {} {{",
            s.name
        ));
        self.deserialize_head();
        self.w.wrapped(&Element::seq([
            format!("{bind}{rt}::object::{call}::").into(),
            List::generics(vec![slots.into(), "_".into()]).into(),
            List::arguments(vec![
                "deserializer".into(),
                str_literal(&s.name).into(),
                names.into(),
            ])
            .into(),
            "?;".into(),
        ]));
        let construct = if inits.is_empty() {
            Element::from("::std::result::Result::Ok(Self {})")
        } else {
            Element::seq([
                "::std::result::Result::Ok".into(),
                List::fields("(Self {", "})", inits).into(),
            ])
        };
        self.w.wrapped(&construct);
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
    }

    /// `impl Serialize`: one call with the fields.
    fn struct_serialize(&mut self, s: &StructModel, names: List) {
        let rt = self.rt.clone();
        let serde = self.serde_crate();
        let entries: Vec<Element> = s
            .fields
            .iter()
            .map(|f| {
                if f.optional {
                    format!("{rt}::object::Skip(&self.{})", field_name(f)).into()
                } else {
                    format!("&self.{}", field_name(f)).into()
                }
            })
            .collect();
        let (entries, _) = nest(entries);
        let call = if s.others {
            "serialize_with_others"
        } else {
            "serialize"
        };
        let mut arguments = vec![
            "serializer".into(),
            str_literal(&s.name).into(),
            names.into(),
            entries.into(),
        ];
        if s.others {
            arguments.push("&self.others".into());
        }
        self.w
            .open(&format!("impl {serde}::Serialize for {} {{", s.name));
        self.serialize_head();
        self.w.wrapped(&Element::seq([
            format!("{rt}::object::{call}").into(),
            List::arguments(arguments).into(),
        ]));
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
    }

    /// `fn serialize<S: Serializer>(&self, serializer: S) -> Result<…> {`,
    /// opening its body.
    fn serialize_head(&mut self) {
        let serde = self.serde_crate();
        self.w.signature(
            &format!("fn serialize<S: {serde}::Serializer>"),
            vec!["&self".into(), "serializer: S".into()],
            Some("::std::result::Result<S::Ok, S::Error>".into()),
        );
    }

    /// `fn deserialize<D: Deserializer>(deserializer: D) -> Result<…> {`,
    /// opening its body.
    fn deserialize_head(&mut self) {
        let serde = self.serde_crate();
        self.w.signature(
            &format!("fn deserialize<D: {serde}::Deserializer<'de>>"),
            vec!["deserializer: D".into()],
            Some("::std::result::Result<Self, D::Error>".into()),
        );
    }

    pub(super) fn enum_item(&mut self, e: &EnumModel) {
        self.doc(&format!(
            "{}\n\nA value this version of the client does not know is kept in `Unknown`, \
             so a new server value never breaks decoding.",
            e.doc
        ));
        self.deprecated(&e.deprecated);
        self.derive(&[
            "::std::clone::Clone",
            "::std::fmt::Debug",
            "::std::cmp::PartialEq",
            "::std::cmp::Eq",
            "::std::hash::Hash",
        ]);
        // A value added to the spec is not a breaking change: other crates
        // match the enum with a wildcard arm.
        self.w.line("#[non_exhaustive]");
        self.w.open(&format!("pub enum {} {{", e.name));
        for v in &e.variants {
            self.doc(&v.doc);
            self.w.line(&format!("{},", v.name));
        }
        self.doc("A value not known to this version of the client.");
        self.w.line("Unknown(::std::string::String),");
        self.w.close("}");
        self.w.blank();
        self.enum_conversions(e);
        self.enum_serde(e);
    }

    /// `as_str`, the `From` conversions from and to strings, `ParamValue`.
    fn enum_conversions(&mut self, e: &EnumModel) {
        let rt = self.rt.clone();
        let name = &e.name;
        let deprecated = e.deprecated.is_some();
        self.allow_deprecated_if(deprecated);
        self.w.open(&format!("impl {name} {{"));
        self.doc("The value as sent on the wire.");
        self.w.open("pub fn as_str(&self) -> &str {");
        self.w.open("match self {");
        for v in &e.variants {
            self.w
                .line(&format!("Self::{} => {},", v.name, str_literal(&v.value)));
        }
        self.w.line("Self::Unknown(value) => value,");
        self.w.close("}");
        self.w.close("}");
        self.w.close("}");
        self.w.blank();

        self.allow_deprecated_if(deprecated);
        self.w
            .open(&format!("impl ::std::convert::From<&str> for {name} {{"));
        self.w.open("fn from(value: &str) -> Self {");
        self.w.open("match value {");
        for v in &e.variants {
            self.w
                .line(&format!("{} => Self::{},", str_literal(&v.value), v.name));
        }
        self.w
            .line("other => Self::Unknown(::std::string::String::from(other)),");
        self.w.close("}");
        self.w.close("}");
        self.w.close("}");
        self.w.blank();

        let conversions = [
            (
                format!("impl ::std::convert::From<::std::string::String> for {name} {{"),
                "fn from(value: ::std::string::String) -> Self {".to_owned(),
                "Self::from(value.as_str())".to_owned(),
            ),
            (
                format!("impl ::std::convert::From<{name}> for ::std::string::String {{"),
                format!("fn from(value: {name}) -> Self {{"),
                "::std::string::String::from(value.as_str())".to_owned(),
            ),
            (
                format!("impl {rt}::ParamValue for {name} {{"),
                "fn to_param(&self) -> ::std::borrow::Cow<'_, str> {".to_owned(),
                "::std::borrow::Cow::Borrowed(self.as_str())".to_owned(),
            ),
        ];
        for (head, function, body) in conversions {
            self.allow_deprecated_if(deprecated);
            self.w.open(&head);
            self.w.open(&function);
            self.w.line(&body);
            self.w.close("}");
            self.w.close("}");
            self.w.blank();
        }
    }

    /// As a string: an unknown value is kept (`From<String>`), not refused.
    fn enum_serde(&mut self, e: &EnumModel) {
        let rt = self.rt.clone();
        let serde = self.serde_crate();
        let name = &e.name;
        let deprecated = e.deprecated.is_some();
        self.allow_deprecated_if(deprecated);
        self.w.open(&format!(
            "impl<'de> {serde}::Deserialize<'de> for {name} {{"
        ));
        self.deserialize_head();
        self.w.line(&format!(
            "{rt}::object::deserialize_string_enum(deserializer)"
        ));
        self.w.close("}");
        self.w.close("}");
        self.w.blank();

        self.allow_deprecated_if(deprecated);
        self.w
            .open(&format!("impl {serde}::Serialize for {name} {{"));
        self.serialize_head();
        self.w.line(&format!(
            "{serde}::Serializer::serialize_str(serializer, self.as_str())"
        ));
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
    }
}

/// A struct's fields as the runtime's `object` module takes them: a tuple of
/// `items`, tuples of at most 12 (nested beyond), and how to reach each item
/// in it (`.0`, `.1.3`).
fn nest(items: Vec<Element>) -> (List, Vec<String>) {
    const MAX: usize = 12;
    if items.len() <= MAX {
        let paths = (0..items.len()).map(|i| format!(".{i}")).collect();
        return (List::tuple(items), paths);
    }
    // Chunks of 12, of 144, …: as few tuples as will do.
    let mut size = MAX;
    while items.len().div_ceil(size) > MAX {
        size *= MAX;
    }
    let mut parts = Vec::new();
    let mut paths = Vec::new();
    let mut items = items.into_iter().peekable();
    let mut i = 0;
    while items.peek().is_some() {
        let chunk: Vec<Element> = items.by_ref().take(size).collect();
        let (part, inner) = nest(chunk);
        parts.push(Element::from(part));
        paths.extend(inner.into_iter().map(|path| format!(".{i}{path}")));
        i += 1;
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
