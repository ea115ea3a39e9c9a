//! Stage 3, model: the Rust shape of a validated [`Spec`].
//!
//! The model decides everything the emitter should not have to think about:
//! Rust names, which inline objects become structs and what they are called,
//! which types wrap secrets, the documentation text of each item. The emitter
//! then only turns each piece into tokens.

use std::collections::BTreeSet;

pub(crate) use crate::naming::rust_field_name;
use crate::naming::{is_keyword, to_pascal_case, variant_name};
use crate::spec::{
    Auth, DefaultValue, Endpoint, ErrorCategory, Field, InlineObject, Method, Source, Spec,
    TypeDef, TypeExpr, TypeKind,
};

/// Everything the emitter writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Object types: named ones first (in spec order), then hoisted inline ones.
    pub structs: Vec<StructModel>,
    /// String enums.
    pub enums: Vec<EnumModel>,
    /// One per endpoint.
    pub operations: Vec<OperationModel>,
    /// Known service error codes.
    pub error_codes: Vec<ErrorCodeModel>,
}

/// A Rust struct for a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct StructModel {
    /// PascalCase name.
    pub name: String,
    /// Rustdoc.
    pub doc: String,
    /// `#[deprecated]` note.
    pub deprecated: Option<String>,
    /// Fields, in spec order.
    pub fields: Vec<FieldModel>,
    /// Whether fields the spec does not declare are kept, in `others`.
    pub others: bool,
}

/// A field of a struct, or a parameter of a request.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldModel {
    /// The Rust name (a keyword is emitted as a raw identifier).
    pub rust_name: String,
    /// The JSON / wire name.
    pub wire_name: String,
    /// The Rust type, without the `Option` of an optional field.
    pub ty: RustType,
    /// Whether the Rust field is an `Option`.
    pub optional: bool,
    /// The default when absent (the field is then not an `Option`).
    pub default: Option<DefaultValue>,
    /// Rustdoc.
    pub doc: String,
    /// `#[deprecated]` note.
    pub deprecated: Option<String>,
    /// The spec's `example:` as JSON, when it has one (the doc examples use it).
    pub example: Option<serde_json::Value>,
    /// Where the field comes from when no page shows it (its `doc` says so).
    pub source: Option<Source>,
}

/// A Rust type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RustType {
    /// `String`
    String,
    /// The runtime's `Secret<String>`: redacted in `Debug`.
    SecretString,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f64`
    F64,
    /// Arbitrary JSON (`serde_json::Value`).
    Json,
    /// The runtime's `FilePart`: a multipart file part.
    File,
    /// `Vec<T>`
    Vec(Box<RustType>),
    /// `BTreeMap<String, T>`
    Map(Box<RustType>),
    /// A generated struct or enum.
    Named(String),
}

/// A string enum with an `Unknown(String)` fallback.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumModel {
    /// PascalCase name.
    pub name: String,
    /// Rustdoc.
    pub doc: String,
    /// `#[deprecated]` note.
    pub deprecated: Option<String>,
    /// Known values.
    pub variants: Vec<VariantModel>,
}

/// One known enum value.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantModel {
    /// PascalCase variant name.
    pub name: String,
    /// Wire value.
    pub value: String,
    /// Rustdoc.
    pub doc: String,
}

/// Where a request parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A `{placeholder}` of the path.
    Path,
    /// The query string.
    Query,
    /// A field of the JSON body.
    Body,
    /// A part of the multipart/form-data body.
    Multipart,
}

/// A request parameter: one Rust value, sent in one or more places.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamModel {
    /// The field as it sits in the request struct.
    pub field: FieldModel,
    /// Where it is sent, in path, query, body order.
    pub locations: Vec<Location>,
    /// The name it is sent under in each of `locations` (the same name
    /// everywhere, except where a page spells it differently, e.g. a path's
    /// `sheet_id` and a body's `sheetId`).
    pub wire_names: Vec<String>,
}

impl ParamModel {
    /// Each place the parameter is sent, with the name it is sent under.
    pub fn places(&self) -> impl Iterator<Item = (Location, &str)> {
        self.locations
            .iter()
            .copied()
            .zip(self.wire_names.iter().map(String::as_str))
    }
}

/// One endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationModel {
    /// snake_case name (the client method).
    pub name: String,
    /// The request struct's name.
    pub request_name: String,
    /// The type of the response `data`.
    pub response: RustType,
    /// HTTP method.
    pub method: Method,
    /// Path template with `{name}` placeholders.
    pub path: String,
    /// Whether repeating the call is safe.
    pub idempotent: bool,
    /// Whether the answer's `task_id` names an office task.
    pub office_task: bool,
    /// Rustdoc of the client method.
    pub doc: String,
    /// Rustdoc of the request struct (the emitter adds a link to the method).
    pub request_doc: String,
    /// `#[deprecated]` note.
    pub deprecated: Option<String>,
    /// Parameters: required ones first (constructor order), then optional ones.
    pub params: Vec<ParamModel>,
    /// The example answer (`data`) as compact JSON: what the fake's generated
    /// handler returns (see the `example` module).
    pub example_answer: String,
    /// How the call authenticates.
    pub auth: Auth,
    /// What the body is.
    pub body: BodyKind,
    /// The endpoint's family, when its file names one.
    pub family: Option<String>,
    /// Offset paging, when the endpoint pages.
    pub paging: Option<PagingModel>,
    /// Where the endpoint comes from when no page shows it (its `doc` says so).
    pub source: Option<Source>,
}

/// What a request's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    None,
    /// A JSON object (`{}` when no field is set).
    Json,
    /// multipart/form-data.
    Multipart,
}

/// Paging in Rust terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagingModel {
    /// An integer offset or a string cursor.
    pub kind: crate::spec::PagingKind,
    /// The request's offset field (its Rust name).
    pub offset_field: String,
    /// The Rust type of the offset.
    pub offset_type: RustType,
    /// The response's next-offset field (its Rust name).
    pub next_field: String,
    /// Its Rust type.
    pub next_type: RustType,
    /// Whether that field is an `Option`.
    pub next_optional: bool,
    /// Request fields set from answer fields for the next page: `(request
    /// field, answer field, whether the answer field is an Option)`.
    pub carry: Vec<(String, String, bool)>,
    /// The response's items field (its Rust name), the item type, and
    /// whether the field is an `Option`.
    pub items: Option<(String, RustType, bool)>,
}

/// A known service error code.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorCodeModel {
    /// Numeric code.
    pub code: i64,
    /// Variant name (the service's `message` when known).
    pub name: String,
    /// The `message` the service sends with the code, when a source shows it.
    pub message: Option<String>,
    /// Rustdoc, ending with where the code comes from.
    pub doc: String,
    /// Whether a later repeat may succeed.
    pub retryable: bool,
    /// Failure family.
    pub category: ErrorCategory,
}

/// Builds the model of a validated spec.
pub fn build(spec: &Spec) -> Model {
    let mut builder = Builder {
        spec,
        structs: Vec::new(),
        hoisted: Vec::new(),
        taken: BTreeSet::new(),
    };
    builder
        .taken
        .extend(spec.types.iter().map(|t| t.name.clone()));
    let mut enums = Vec::new();
    for def in &spec.types {
        match &def.kind {
            TypeKind::Object(fields) => {
                let mut model = builder.struct_model(
                    &def.name,
                    &def.description,
                    def.deprecated.clone(),
                    fields,
                );
                model.others = def.others;
                builder.structs.push(model);
            }
            TypeKind::Enum(values) => enums.push(enum_model(def, values)),
        }
    }
    let operations = spec
        .endpoints
        .iter()
        .map(|e| builder.operation(e))
        .collect();
    let error_codes = spec
        .errors
        .iter()
        .map(|e| ErrorCodeModel {
            code: e.code,
            name: e.name.clone(),
            message: e.message.clone(),
            doc: {
                let head = if e.description.trim().is_empty() {
                    format!("`{}` (code {}).", e.name, e.code)
                } else {
                    format!("`{}` (code {}): {}", e.name, e.code, e.description.trim())
                };
                let message = match &e.message {
                    Some(m) => format!("The service's `message`: `{m}`."),
                    None => "The source shows no `message` for it.".to_owned(),
                };
                format!("{head}\n\n{message} Source: {}.", e.source.summary())
            },
            retryable: e.retryable,
            category: e.category,
        })
        .collect();
    let mut structs = builder.structs;
    structs.extend(builder.hoisted);
    Model {
        structs,
        enums,
        operations,
        error_codes,
    }
}

struct Builder<'s> {
    spec: &'s Spec,
    structs: Vec<StructModel>,
    /// Structs made from inline objects, in the order they were met.
    hoisted: Vec<StructModel>,
    /// Names already used, so hoisted names never collide.
    taken: BTreeSet<String>,
}

impl Builder<'_> {
    fn struct_model(
        &mut self,
        name: &str,
        doc: &str,
        deprecated: Option<String>,
        fields: &[Field],
    ) -> StructModel {
        let fields = fields.iter().map(|f| self.field(name, f)).collect();
        StructModel {
            name: name.to_owned(),
            doc: doc_or(doc, name),
            deprecated,
            fields,
            others: false,
        }
    }

    fn field(&mut self, owner: &str, field: &Field) -> FieldModel {
        let ty = if field.sensitive {
            RustType::SecretString
        } else {
            let hoisted_name = format!("{owner}{}", to_pascal_case(&field.name));
            self.rust_type(&field.ty, &hoisted_name)
        };
        // A nullable field stays an `Option` even with a default: `null` must decode.
        let default = if field.nullable {
            None
        } else {
            field.default.clone()
        };
        FieldModel {
            rust_name: rust_field_name(&field.name),
            wire_name: field.name.clone(),
            ty,
            optional: (!field.required || field.nullable) && default.is_none(),
            default,
            doc: field_doc(field),
            deprecated: field.deprecated.clone(),
            example: field.example.as_ref().and_then(|e| e.to_json().ok()),
            source: field.source.clone(),
        }
    }

    /// The Rust type of `ty`; an inline object becomes a struct named `name`.
    fn rust_type(&mut self, ty: &TypeExpr, name: &str) -> RustType {
        match ty {
            TypeExpr::String => RustType::String,
            TypeExpr::Bool => RustType::Bool,
            TypeExpr::I32 => RustType::I32,
            TypeExpr::I64 => RustType::I64,
            TypeExpr::U32 => RustType::U32,
            TypeExpr::U64 => RustType::U64,
            TypeExpr::F64 => RustType::F64,
            TypeExpr::Any => RustType::Json,
            TypeExpr::File => RustType::File,
            TypeExpr::Array(item) => {
                RustType::Vec(Box::new(self.rust_type(item, &format!("{name}Item"))))
            }
            TypeExpr::Map(value) => {
                RustType::Map(Box::new(self.rust_type(value, &format!("{name}Value"))))
            }
            TypeExpr::Named(n) => RustType::Named(n.clone()),
            TypeExpr::Object(object) => RustType::Named(self.hoist(name, object)),
        }
    }

    /// The Rust side of a validated `paging:`.
    fn paging(
        &self,
        paging: &crate::spec::Paging,
        params: &[ParamModel],
        response: &RustType,
    ) -> Option<PagingModel> {
        let offset = params.iter().find(|p| p.field.wire_name == paging.offset)?;
        let RustType::Named(name) = response else {
            return None;
        };
        let fields = &self
            .structs
            .iter()
            .chain(&self.hoisted)
            .find(|s| &s.name == name)?
            .fields;
        let next = fields.iter().find(|f| f.wire_name == paging.next)?;
        let items = match &paging.items {
            Some(items) => {
                let field = fields.iter().find(|f| &f.wire_name == items)?;
                match &field.ty {
                    RustType::Vec(item) => {
                        Some((field.rust_name.clone(), (**item).clone(), field.optional))
                    }
                    _ => return None,
                }
            }
            None => None,
        };
        Some(PagingModel {
            kind: paging.kind,
            offset_field: offset.field.rust_name.clone(),
            offset_type: offset.field.ty.clone(),
            next_field: next.rust_name.clone(),
            next_type: next.ty.clone(),
            next_optional: next.optional,
            carry: paging
                .carry
                .iter()
                .filter_map(|(param, field)| {
                    let param = params.iter().find(|p| &p.field.wire_name == param)?;
                    let field = fields.iter().find(|f| &f.wire_name == field)?;
                    Some((
                        param.field.rust_name.clone(),
                        field.rust_name.clone(),
                        field.optional,
                    ))
                })
                .collect(),
            items,
        })
    }

    fn hoist(&mut self, name: &str, object: &InlineObject) -> String {
        let mut unique = name.to_owned();
        let mut n = 2;
        while self.taken.contains(&unique) {
            unique = format!("{name}{n}");
            n += 1;
        }
        self.taken.insert(unique.clone());
        let mut model = self.struct_model(&unique, &object.description, None, &object.fields);
        model.others = object.others;
        self.hoisted.push(model);
        unique
    }

    fn operation(&mut self, endpoint: &Endpoint) -> OperationModel {
        let base = to_pascal_case(&endpoint.name);
        let request_name = format!("{base}Request");
        let response_name = format!("{base}Response");
        self.taken.insert(request_name.clone());
        let response = match &endpoint.response {
            TypeExpr::Object(object) => {
                // The response of an operation is always called `<Op>Response`.
                self.taken.remove(&response_name);
                RustType::Named(self.hoist(&response_name, object))
            }
            other => self.rust_type(other, &response_name),
        };
        let mut params: Vec<ParamModel> = Vec::new();
        let sections = [
            (Location::Path, &endpoint.path_params),
            (Location::Query, &endpoint.query),
            (Location::Body, &endpoint.body),
            (Location::Multipart, &endpoint.multipart),
        ];
        for (location, fields) in sections {
            for field in fields {
                // One argument per Rust name, sent in every place it is declared.
                let rust_name = rust_field_name(&field.name);
                if let Some(existing) = params.iter_mut().find(|p| p.field.rust_name == rust_name) {
                    existing.locations.push(location);
                    existing.wire_names.push(field.name.clone());
                    continue;
                }
                let mut model = self.field(&base, field);
                // A request parameter with a default is simply not sent unless set:
                // the server applies the default (the docs still mention it).
                model.optional = !field.required || field.nullable;
                model.default = None;
                params.push(ParamModel {
                    field: model,
                    locations: vec![location],
                    wire_names: vec![field.name.clone()],
                });
            }
        }
        // Required parameters first: they are the constructor's arguments.
        params.sort_by_key(|p| p.field.optional);
        let paging = endpoint
            .paging
            .as_ref()
            .and_then(|paging| self.paging(paging, &params, &response));
        OperationModel {
            name: endpoint.name.clone(),
            request_name,
            response,
            method: endpoint.method,
            path: endpoint.path.clone(),
            idempotent: endpoint.idempotent,
            office_task: endpoint.office_task,
            doc: operation_doc(self.spec, endpoint),
            request_doc: endpoint.summary.trim().to_owned(),
            deprecated: endpoint.deprecated.clone(),
            params,
            example_answer: crate::example::answer(self.spec, &endpoint.response).to_string(),
            auth: endpoint.auth,
            body: if !endpoint.multipart.is_empty() {
                BodyKind::Multipart
            } else if !endpoint.body.is_empty() || endpoint.method.always_has_body() {
                BodyKind::Json
            } else {
                BodyKind::None
            },
            family: endpoint.family.clone(),
            paging,
            source: endpoint.source.clone(),
        }
    }
}

fn enum_model(def: &TypeDef, values: &[crate::spec::EnumValue]) -> EnumModel {
    EnumModel {
        name: def.name.clone(),
        doc: doc_or(&def.description, &def.name),
        deprecated: def.deprecated.clone(),
        variants: values
            .iter()
            .map(|v| VariantModel {
                name: variant_name(&v.value).unwrap_or_default(),
                value: v.value.clone(),
                doc: if v.description.is_empty() {
                    format!("`{}`", v.value)
                } else {
                    format!("`{}`: {}", v.value, v.description.trim())
                },
            })
            .collect(),
    }
}

fn doc_or(doc: &str, name: &str) -> String {
    if doc.trim().is_empty() {
        format!("`{name}`.")
    } else {
        doc.trim().to_owned()
    }
}

fn field_doc(field: &Field) -> String {
    let mut doc = field.description.trim().to_owned();
    if doc.is_empty() {
        doc = format!("`{}`.", field.name);
    }
    if let Some(default) = &field.default {
        doc.push_str(&format!("\n\nDefault: `{}`.", default_text(default)));
    }
    if let Some(example) = &field.example {
        if let Some(text) = example.to_inline_yaml() {
            let text = text.trim();
            if !text.is_empty() {
                doc.push_str(&format!("\n\nExample: `{text}`."));
            }
        }
    }
    if field.sensitive {
        doc.push_str("\n\nSensitive: redacted in `Debug` output.");
    }
    if let Some(source) = &field.source {
        doc.push_str("\n\n");
        doc.push_str(&source.sentence());
    }
    doc
}

/// The default as the spec spelled it.
pub(crate) fn default_text(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Integer(n) => n.to_string(),
        DefaultValue::Float(x) => format!("{x:?}"),
        DefaultValue::String(s) => s.clone(),
    }
}

/// The client method's docs: summary, description, then the facts a caller needs.
fn operation_doc(spec: &Spec, e: &Endpoint) -> String {
    let mut doc = format!("{}\n\n", e.summary.trim());
    if !e.description.trim().is_empty() {
        doc.push_str(e.description.trim());
        doc.push_str("\n\n");
    }
    if let Some(source) = &e.source {
        doc.push_str(&source.sentence());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("`{} {}`\n\n", e.method.as_str(), e.path));
    if !e.rate_limits.is_empty() {
        doc.push_str("Rate limits (限流频次):\n");
        for limit in &e.rate_limits {
            doc.push_str(&format!(
                "- {}: {} calls per {}\n",
                limit.app, limit.limit, limit.per
            ));
        }
        doc.push('\n');
    }
    doc.push_str("Scope (权限范围): ");
    if e.scope.permissions.is_empty() && e.scope.note.is_none() {
        doc.push_str("no permission required.");
    } else {
        let names: Vec<String> = e
            .scope
            .permissions
            .iter()
            .map(|p| {
                let mut text = format!("`{}`", p.name);
                if !p.title.is_empty() {
                    text.push_str(&format!(" ({})", p.title));
                }
                if !p.description.is_empty() {
                    text.push_str(&format!(": {}", p.description));
                }
                text
            })
            .collect();
        doc.push_str(&names.join("; "));
    }
    if let Some(note) = &e.scope.note {
        if !e.scope.permissions.is_empty() {
            doc.push_str(". ");
        }
        doc.push_str(note.trim());
    }
    doc.push_str("\n\n");
    doc.push_str(if e.idempotent {
        "Idempotent: the call may be retried safely."
    } else {
        "Not idempotent: the call is not retried automatically."
    });
    doc.push_str("\n\n");
    doc.push_str(&auth_sentence(spec, e.auth));
    doc
}

/// How a call authenticates and where it goes, as one sentence of its docs.
fn auth_sentence(spec: &Spec, auth: Auth) -> String {
    let scheme = &spec.service.signing_scheme;
    let to = format!(
        "the {} API (default base URL `{}`)",
        spec.service.name, spec.service.base_url
    );
    match auth {
        Auth::Wps2 => format!("Signed with {scheme} and sent to {to}."),
        Auth::Wps2AndAccessToken => {
            format!("Signed with {scheme} and sent with the user's access token to {to}.")
        }
        Auth::AccessToken => format!("Sent with the user's access token, unsigned, to {to}."),
        Auth::None => format!(
            "Sent unsigned and without a user's access token to {to}: the app's \
             credentials, where the call needs them, are its parameters."
        ),
    }
}

impl FieldModel {
    /// Whether the Rust name needs `r#`.
    pub fn is_raw(&self) -> bool {
        is_keyword(&self.rust_name)
    }
}
