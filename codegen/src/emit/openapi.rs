//! An OpenAPI 3.0.3 export of a validated [`Spec`], for tools that read OpenAPI
//! (progenitor, the `openapiv3` crate, API explorers).
//!
//! The export is built from the same validated [`Spec`] as the Rust code, so it
//! says the same thing:
//!
//! - every endpoint is an operation whose `operationId` is the operation name,
//!   with its summary, description, path and query parameters and JSON body;
//! - the `200` response is the envelope `{code, message, hint, data}` with the
//!   endpoint's `data` schema; errors are the shared `ErrorEnvelope` (they come
//!   with HTTP 200 as well as 4xx, see `info.description`);
//! - named types are `components.schemas` (string enums as `enum` strings, with
//!   a note that unknown values may appear);
//! - WPS-2 is described as an `apiKey` scheme on the `Authorization` header, its
//!   description explains the four signed headers; a user token as an `apiKey`
//!   in the query; each operation names the schemes of its `auth:`;
//! - a `multipart:` body is a `multipart/form-data` request body, its file part
//!   a binary string;
//! - idempotency, rate limits, scope, sensitivity and the error-code table are
//!   `x-` extensions (`x-idempotent`, `x-rate-limits`, `x-scope`, `x-sensitive`,
//!   `x-error-codes`);
//! - an operation, a parameter or a field that no page shows carries its
//!   `source:` as `x-kdocs-source` (`observed`, `refs`, `note`), and its
//!   description ends with the same sentence as its Rust docs ("Seen in
//!   public clients, not on the pages: …").
//!
//! Keys are emitted in a fixed order, so the same spec always gives the same
//! document.

use serde_json::{json, Map, Value};

use crate::spec::{
    Auth, DefaultValue, Endpoint, Field, InlineObject, Source, Spec, TypeDef, TypeExpr, TypeKind,
};

/// The extension that carries a `source:` marker.
pub const SOURCE_EXTENSION: &str = "x-kdocs-source";

/// The name of the security scheme in `components.securitySchemes`.
pub const SECURITY_SCHEME: &str = "WPS-2";

/// The name of the user-token scheme (an `access_token` query parameter).
pub const USER_TOKEN_SCHEME: &str = "AccessToken";

/// The OpenAPI 3.0.3 document of `spec`, as JSON.
pub fn document(spec: &Spec) -> Value {
    let service = &spec.service;
    let title = if service.title.is_empty() {
        service.name.clone()
    } else {
        service.title.clone()
    };
    let mut description = String::new();
    if !service.envelope_description.trim().is_empty() {
        description.push_str(service.envelope_description.trim());
        description.push_str("\n\n");
    }
    description.push_str(&format!(
        "Every request is signed with {} (see the `{SECURITY_SCHEME}` security scheme).",
        service.signing_scheme
    ));

    let mut paths = Map::new();
    for endpoint in &spec.endpoints {
        let item = paths
            .entry(endpoint.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(
                endpoint.method.as_str().to_ascii_lowercase(),
                operation(endpoint),
            );
        }
    }

    let mut schemas = Map::new();
    for def in &spec.types {
        schemas.insert(def.name.clone(), type_def_schema(def));
    }
    schemas.insert(
        "Envelope".into(),
        envelope_schema(json!({"description": "The result; its shape depends on the operation."})),
    );
    schemas.insert("ErrorEnvelope".into(), error_envelope_schema());

    let mut root = Map::new();
    root.insert("openapi".into(), json!("3.0.3"));
    root.insert(
        "info".into(),
        json!({
            "title": title,
            "description": description,
            "version": env!("CARGO_PKG_VERSION"),
        }),
    );
    root.insert("servers".into(), json!([{ "url": service.base_url }]));
    root.insert("paths".into(), Value::Object(paths));
    root.insert(
        "components".into(),
        json!({
            "schemas": Value::Object(schemas),
            "securitySchemes": {
                SECURITY_SCHEME: security_scheme(spec),
                USER_TOKEN_SCHEME: {
                    "type": "apiKey",
                    "in": "query",
                    "name": "access_token",
                    "description": "A user's access token, from the OAuth flow; also declared as the operation's `access_token` parameter.",
                },
            },
        }),
    );
    root.insert("security".into(), json!([{ SECURITY_SCHEME: [] }]));
    if !spec.errors.is_empty() {
        let codes: Vec<Value> = spec
            .errors
            .iter()
            .map(|e| {
                let category = crate::spec::ErrorCategory::ALL
                    .iter()
                    .find(|(_, c)| *c == e.category)
                    .map(|(name, _)| *name)
                    .unwrap_or("request");
                let source = match &e.source {
                    crate::spec::ErrorSource::Pages { pages, note } => {
                        json!({ "pages": pages, "note": note })
                    }
                    crate::spec::ErrorSource::ObservedInPublicClients { note, refs } => json!({
                        "observed": crate::spec::ErrorSource::OBSERVED_IN_PUBLIC_CLIENTS,
                        "note": note,
                        "refs": refs,
                    }),
                };
                json!({
                    "code": e.code,
                    "name": e.name,
                    "message": e.message,
                    "description": e.description,
                    "retryable": e.retryable,
                    "category": category,
                    "source": source,
                })
            })
            .collect();
        root.insert("x-error-codes".into(), Value::Array(codes));
    }
    Value::Object(root)
}

/// The document as pretty-printed JSON, ending with a newline.
pub fn to_json(spec: &Spec) -> String {
    let mut text = serde_json::to_string_pretty(&document(spec)).unwrap_or_default();
    text.push('\n');
    text
}

fn security_scheme(spec: &Spec) -> Value {
    let mut description = format!(
        "{} request signing. The `Authorization` header is one of four headers every request \
         carries, all computed by the client:\n\n\
         - `Date`: the current time in RFC 1123 format, GMT;\n\
         - `Content-Type`: `application/json`, exactly as signed;\n\
         - `Content-Md5`: lowercase hex MD5 of the body bytes sent, or of the request URI \
         (path plus `?query`) when there is no body;\n\
         - `Authorization`: `WPS-2:` + app_id + `:` + lowercase hex SHA-1 of \
         (app_key + Content-Md5 + Content-Type + Date).\n\n\
         It is not a static API key: OpenAPI 3.0 has no scheme for request signatures, \
         so tools must compute the headers per request.",
        spec.service.signing_scheme
    );
    if !spec.service.signing_description.trim().is_empty() {
        description.push_str("\n\n");
        description.push_str(spec.service.signing_description.trim());
    }
    json!({
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": description,
    })
}

fn operation(e: &Endpoint) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), json!(e.name));
    op.insert("summary".into(), json!(e.summary.trim()));
    let description = operation_description(e);
    if !description.is_empty() {
        op.insert("description".into(), json!(description));
    }
    if let Some(note) = &e.deprecated {
        op.insert("deprecated".into(), json!(true));
        if !note.is_empty() {
            op.insert("x-deprecation-note".into(), json!(note));
        }
    }

    let mut parameters = Vec::new();
    for (location, fields) in [("path", &e.path_params), ("query", &e.query)] {
        for field in fields {
            parameters.push(parameter(location, field));
        }
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }

    if let Some(body) = request_body(e) {
        op.insert("requestBody".into(), body);
    }
    let security = match e.auth {
        Auth::Wps2 => json!([{ SECURITY_SCHEME: [] }]),
        Auth::AccessToken => json!([{ USER_TOKEN_SCHEME: [] }]),
        Auth::Wps2AndAccessToken => json!([{ SECURITY_SCHEME: [], USER_TOKEN_SCHEME: [] }]),
        Auth::None => json!([]),
    };
    op.insert("security".into(), security);

    let data = type_schema(&e.response);
    op.insert(
        "responses".into(),
        json!({
            "200": {
                "description": "The envelope with `code` 0 and the result in `data`; a non-zero `code` is an error (see `ErrorEnvelope`).",
                "content": { "application/json": { "schema": envelope_schema(data) } },
            },
            "default": {
                "description": "An error envelope (also possible with HTTP 200).",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } } },
            },
        }),
    );
    op.insert("x-idempotent".into(), json!(e.idempotent));
    let limits: Vec<Value> = e
        .rate_limits
        .iter()
        .map(|l| json!({ "app": l.app, "limit": l.limit, "per": l.per }))
        .collect();
    op.insert("x-rate-limits".into(), Value::Array(limits));
    let permissions: Vec<Value> = e
        .scope
        .permissions
        .iter()
        .map(|p| json!({ "name": p.name, "title": p.title, "description": p.description }))
        .collect();
    let mut scope = Map::new();
    scope.insert("permissions".into(), Value::Array(permissions));
    if let Some(note) = &e.scope.note {
        scope.insert("note".into(), json!(note.trim()));
    }
    op.insert("x-scope".into(), Value::Object(scope));
    if let Some(source) = &e.source {
        op.insert(SOURCE_EXTENSION.into(), source_json(source));
    }
    Value::Object(op)
}

/// The JSON or multipart/form-data body of an operation, when it has one.
fn request_body(e: &Endpoint) -> Option<Value> {
    if !e.body.is_empty() {
        let schema = object_schema("", &e.body);
        return Some(json!({
            "required": e.body.iter().any(|f| f.required),
            "content": { "application/json": { "schema": schema } },
        }));
    }
    if !e.multipart.is_empty() {
        let schema = object_schema(
            "multipart/form-data parts; a list is sent as one comma-joined text part.",
            &e.multipart,
        );
        return Some(json!({
            "required": e.multipart.iter().any(|f| f.required),
            "content": { "multipart/form-data": { "schema": schema } },
        }));
    }
    None
}

/// An operation's description: the spec's, where it comes from when no
/// page shows it, and its scope.
fn operation_description(e: &Endpoint) -> String {
    let mut description = e.description.trim().to_owned();
    if let Some(source) = &e.source {
        append_sentence(&mut description, &source.sentence());
    }
    let scope = scope_text(e);
    if !scope.is_empty() {
        append_sentence(&mut description, &format!("Scope: {scope}"));
    }
    description
}

/// `x-kdocs-source`: the marker as the spec wrote it.
fn source_json(source: &Source) -> Value {
    let mut map = Map::new();
    map.insert("observed".into(), json!(source.observed.as_str()));
    map.insert("refs".into(), json!(source.refs));
    if let Some(note) = &source.note {
        map.insert("note".into(), json!(note.trim()));
    }
    Value::Object(map)
}

/// `text` with `sentence` after a blank line (or alone when it is empty).
fn append_sentence(text: &mut String, sentence: &str) {
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(sentence);
}

/// A field's description, with the sentence of its source when it has one.
fn field_description(field: &Field) -> String {
    let mut description = field.description.trim().to_owned();
    if let Some(source) = &field.source {
        append_sentence(&mut description, &source.sentence());
    }
    description
}

fn scope_text(e: &Endpoint) -> String {
    let mut parts: Vec<String> = e
        .scope
        .permissions
        .iter()
        .map(|p| {
            if p.title.is_empty() {
                format!("`{}`", p.name)
            } else {
                format!("`{}` ({})", p.name, p.title)
            }
        })
        .collect();
    if let Some(note) = &e.scope.note {
        parts.push(note.trim().to_owned());
    }
    if parts.is_empty() {
        return "no permission required.".into();
    }
    parts.join("; ")
}

fn parameter(location: &str, field: &Field) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), json!(field.name));
    p.insert("in".into(), json!(location));
    let description = field_description(field);
    if !description.is_empty() {
        p.insert("description".into(), json!(description));
    }
    p.insert("required".into(), json!(field.required));
    if field.deprecated.is_some() {
        p.insert("deprecated".into(), json!(true));
    }
    let mut schema = type_schema(&field.ty);
    decorate(&mut schema, field, false);
    p.insert("schema".into(), schema);
    if let Some(example) = field.example.as_ref().and_then(yaml_to_json) {
        p.insert("example".into(), example);
    }
    if field.sensitive {
        p.insert("x-sensitive".into(), json!(true));
    }
    if let Some(source) = &field.source {
        p.insert(SOURCE_EXTENSION.into(), source_json(source));
    }
    Value::Object(p)
}

fn type_def_schema(def: &TypeDef) -> Value {
    let mut schema = match &def.kind {
        TypeKind::Object(fields) => object_schema(&def.description, fields),
        TypeKind::Enum(values) => {
            let mut description = def.description.trim().to_owned();
            for v in values.iter().filter(|v| !v.description.is_empty()) {
                description.push_str(&format!("\n- `{}`: {}", v.value, v.description.trim()));
            }
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(
                "Clients must accept values not listed here (they are kept as unknown values).",
            );
            json!({
                "type": "string",
                "enum": values.iter().map(|v| v.value.clone()).collect::<Vec<_>>(),
                "description": description.trim(),
            })
        }
    };
    if def.deprecated.is_some() {
        if let Value::Object(map) = &mut schema {
            map.insert("deprecated".into(), json!(true));
        }
    }
    schema
}

/// The schema of a type expression (named types by reference).
fn type_schema(ty: &TypeExpr) -> Value {
    match ty {
        TypeExpr::String => json!({ "type": "string" }),
        TypeExpr::Bool => json!({ "type": "boolean" }),
        TypeExpr::I32 => json!({ "type": "integer", "format": "int32" }),
        TypeExpr::I64 => json!({ "type": "integer", "format": "int64" }),
        TypeExpr::U32 => {
            json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX })
        }
        TypeExpr::U64 => json!({ "type": "integer", "format": "int64", "minimum": 0 }),
        TypeExpr::F64 => json!({ "type": "number", "format": "double" }),
        TypeExpr::Any => json!({}),
        TypeExpr::File => json!({ "type": "string", "format": "binary" }),
        TypeExpr::Array(item) => json!({ "type": "array", "items": type_schema(item) }),
        TypeExpr::Map(value) => {
            json!({ "type": "object", "additionalProperties": type_schema(value) })
        }
        TypeExpr::Named(name) => json!({ "$ref": format!("#/components/schemas/{name}") }),
        TypeExpr::Object(InlineObject {
            description,
            fields,
            ..
        }) => object_schema(description, fields),
    }
}

fn object_schema(description: &str, fields: &[Field]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let mut schema = type_schema(&field.ty);
        decorate(&mut schema, field, true);
        properties.insert(field.name.clone(), schema);
        if field.required {
            required.push(json!(field.name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    if !description.trim().is_empty() {
        schema.insert("description".into(), json!(description.trim()));
    }
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("properties".into(), Value::Object(properties));
    Value::Object(schema)
}

/// Adds a field's description, nullability, default, example and flags to its
/// schema. A `$ref` cannot have siblings in OpenAPI 3.0, so it is wrapped in
/// `allOf` first when something must be added.
fn decorate(schema: &mut Value, field: &Field, with_description: bool) {
    let mut extra = Map::new();
    let description = field_description(field);
    if with_description && !description.is_empty() {
        extra.insert("description".into(), json!(description));
    }
    if field.nullable {
        extra.insert("nullable".into(), json!(true));
    }
    if let Some(default) = &field.default {
        extra.insert("default".into(), default_json(default));
    }
    if with_description {
        if let Some(example) = field.example.as_ref().and_then(yaml_to_json) {
            extra.insert("example".into(), example);
        }
    }
    if field.deprecated.is_some() {
        extra.insert("deprecated".into(), json!(true));
    }
    if field.sensitive {
        extra.insert("format".into(), json!("password"));
        extra.insert("x-sensitive".into(), json!(true));
    }
    if with_description {
        if let Some(source) = &field.source {
            extra.insert(SOURCE_EXTENSION.into(), source_json(source));
        }
    }
    if extra.is_empty() {
        return;
    }
    let Value::Object(map) = schema else {
        return;
    };
    if map.contains_key("$ref") {
        let reference = std::mem::take(map);
        map.insert("allOf".into(), json!([Value::Object(reference)]));
    }
    map.extend(extra);
}

fn default_json(default: &DefaultValue) -> Value {
    match default {
        DefaultValue::Bool(b) => json!(b),
        DefaultValue::Integer(n) => i64::try_from(*n)
            .map(|n| json!(n))
            .or_else(|_| u64::try_from(*n).map(|n| json!(n)))
            .unwrap_or(Value::Null),
        DefaultValue::Float(x) => json!(x),
        DefaultValue::String(s) => json!(s),
    }
}

fn yaml_to_json(value: &crate::yaml::Value) -> Option<Value> {
    value.to_json().ok()
}

fn envelope_schema(data: Value) -> Value {
    json!({
        "type": "object",
        "description": "The kdocs response envelope. `code` 0 means success and `data` holds the result.",
        "required": ["code"],
        "properties": {
            "code": { "type": "integer", "format": "int64", "description": "0 on success, an error code otherwise." },
            "message": { "type": "string", "description": "A short status or error name." },
            "hint": { "type": "string", "description": "A human hint about the error." },
            "data": data,
        },
    })
}

fn error_envelope_schema() -> Value {
    json!({
        "type": "object",
        "description": "An error: `code` is non-zero. Comes with HTTP 200 as well as with HTTP 4xx.",
        "required": ["code"],
        "properties": {
            "code": { "type": "integer", "format": "int64", "description": "The error code (see `x-error-codes`)." },
            "message": { "type": "string", "description": "The error name." },
            "hint": { "type": "string", "description": "A human hint about the error." },
            "extra": { "description": "Sometimes present: more detail about the error." },
        },
    })
}
