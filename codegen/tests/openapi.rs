//! The OpenAPI export of the real api-spec parses with the `openapiv3` crate
//! and holds every endpoint, parameter and response field of the spec.

use std::path::Path;

use kdocs_codegen::spec::{Field, TypeExpr, TypeKind};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

fn load(relative: &str) -> kdocs_codegen::Spec {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    kdocs_codegen::check_dir(&dir).unwrap_or_else(|d| panic!("{d}"))
}

fn api_spec() -> kdocs_codegen::Spec {
    load("../api-spec")
}

fn resolve<'a>(doc: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> &'a Schema {
    match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected reference {reference}"));
            let components = doc.components.as_ref().expect("components");
            resolve(doc, &components.schemas[name])
        }
    }
}

fn resolve_boxed<'a>(doc: &'a OpenAPI, schema: &'a ReferenceOr<Box<Schema>>) -> &'a Schema {
    match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            resolve(doc, Box::leak(Box::new(ReferenceOr::ref_(reference))))
        }
    }
}

fn object<'a>(doc: &'a OpenAPI, schema: &'a Schema) -> &'a openapiv3::ObjectType {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => object,
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => object(doc, resolve(doc, &all_of[0])),
        other => panic!("expected an object schema, found {other:?}"),
    }
}

/// Checks that `schema` has a property for every field, recursively into
/// inline objects and named object types.
fn check_fields(
    doc: &OpenAPI,
    spec: &kdocs_codegen::Spec,
    schema: &Schema,
    fields: &[Field],
    at: &str,
) {
    let props = &object(doc, schema).properties;
    for field in fields {
        let prop = props
            .get(&field.name)
            .unwrap_or_else(|| panic!("{at}: no property `{}`", field.name));
        let inner = resolve_boxed(doc, prop);
        check_type(doc, spec, inner, &field.ty, &format!("{at}.{}", field.name));
    }
}

fn check_type(doc: &OpenAPI, spec: &kdocs_codegen::Spec, schema: &Schema, ty: &TypeExpr, at: &str) {
    match ty {
        TypeExpr::Object(object) => check_fields(doc, spec, schema, &object.fields, at),
        TypeExpr::Named(name) => match &spec.type_named(name).expect("named type").kind {
            TypeKind::Object(fields) => check_fields(doc, spec, schema, fields, at),
            TypeKind::Enum(values) => {
                let schema = match &schema.schema_kind {
                    SchemaKind::AllOf { all_of } => resolve(doc, &all_of[0]),
                    _ => schema,
                };
                let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
                    panic!("{at}: enum is not a string schema");
                };
                for v in values {
                    assert!(
                        s.enumeration.contains(&Some(v.value.clone())),
                        "{at}: {}",
                        v.value
                    );
                }
            }
        },
        _ => {}
    }
}

#[test]
fn export_parses_and_holds_every_endpoint_parameter_and_field() {
    check_export(&api_spec());
}

/// The fixture uses every feature: enums, nullable and deprecated references, maps, defaults.
#[test]
fn fixture_export_parses_and_holds_everything() {
    let spec = load("../tests/fixture-spec");
    check_export(&spec);
    let doc: serde_json::Value =
        serde_json::from_str(&kdocs_codegen::openapi::to_json(&spec)).unwrap();
    assert_eq!(
        doc["x-error-codes"].as_array().unwrap().len(),
        spec.errors.len()
    );
    let file_kind = &doc["components"]["schemas"]["FileKind"];
    assert_eq!(
        file_kind["enum"],
        serde_json::json!(["doc", "sheet", "read-only", "v2.beta"])
    );
    assert_eq!(
        doc["components"]["schemas"]["LegacyInfo"]["deprecated"],
        true
    );
    let get_members = &doc["paths"]["/api/v1/files/{file_id}/members"]["get"];
    assert_eq!(get_members["deprecated"], true);
}

fn check_export(spec: &kdocs_codegen::Spec) {
    let spec = spec.clone();
    let json = kdocs_codegen::openapi::to_json(&spec);
    let doc: OpenAPI = serde_json::from_str(&json).expect("a valid OpenAPI 3.0 document");
    assert_eq!(doc.openapi, "3.0.3");
    assert_eq!(doc.servers[0].url, spec.service.base_url);

    let components = doc.components.as_ref().expect("components");
    let scheme = match &components.security_schemes["WPS-2"] {
        ReferenceOr::Item(scheme) => scheme,
        ReferenceOr::Reference { .. } => panic!("inline scheme expected"),
    };
    match scheme {
        openapiv3::SecurityScheme::APIKey {
            location,
            name,
            description,
            ..
        } => {
            assert_eq!(*location, openapiv3::APIKeyLocation::Header);
            assert_eq!(name, "Authorization");
            let description = description.as_deref().unwrap_or_default();
            for header in ["Date", "Content-Type", "Content-Md5", "Authorization"] {
                assert!(description.contains(header), "{header} not explained");
            }
        }
        other => panic!("WPS-2 should be an apiKey scheme, found {other:?}"),
    }
    for name in ["Envelope", "ErrorEnvelope"] {
        assert!(components.schemas.contains_key(name), "{name}");
    }
    for def in &spec.types {
        assert!(components.schemas.contains_key(&def.name), "{}", def.name);
    }

    assert!(!spec.endpoints.is_empty());
    for endpoint in &spec.endpoints {
        let item = match &doc.paths.paths[&endpoint.path] {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => panic!("inline path item expected"),
        };
        let op = match endpoint.method.as_str() {
            "GET" => item.get.as_ref(),
            "POST" => item.post.as_ref(),
            "PUT" => item.put.as_ref(),
            "PATCH" => item.patch.as_ref(),
            "DELETE" => item.delete.as_ref(),
            _ => None,
        }
        .unwrap_or_else(|| panic!("{}: no operation", endpoint.name));
        assert_eq!(op.operation_id.as_deref(), Some(endpoint.name.as_str()));
        assert_eq!(op.summary.as_deref(), Some(endpoint.summary.trim()));
        assert_eq!(
            op.extensions["x-idempotent"],
            serde_json::json!(endpoint.idempotent)
        );
        assert_eq!(
            op.extensions["x-rate-limits"].as_array().unwrap().len(),
            endpoint.rate_limits.len()
        );
        assert!(op.extensions.contains_key("x-scope"));

        // Parameters: every path and query parameter, with its place and requiredness.
        for (location, fields) in [("path", &endpoint.path_params), ("query", &endpoint.query)] {
            for field in fields {
                let found = op.parameters.iter().any(|p| match p {
                    ReferenceOr::Item(p) => {
                        let data = p.parameter_data_ref();
                        let place = match p {
                            openapiv3::Parameter::Path { .. } => "path",
                            openapiv3::Parameter::Query { .. } => "query",
                            _ => "other",
                        };
                        data.name == field.name
                            && place == location
                            && data.required == field.required
                    }
                    ReferenceOr::Reference { .. } => false,
                });
                assert!(
                    found,
                    "{}: {location} parameter `{}`",
                    endpoint.name, field.name
                );
            }
        }

        // Body fields.
        if !endpoint.body.is_empty() {
            let body = match op.request_body.as_ref().expect("request body") {
                ReferenceOr::Item(body) => body,
                ReferenceOr::Reference { .. } => panic!("inline body expected"),
            };
            let schema = body.content["application/json"].schema.as_ref().unwrap();
            check_fields(
                &doc,
                &spec,
                resolve(&doc, schema),
                &endpoint.body,
                &endpoint.name,
            );
        }

        // The envelope, and every field of `data`.
        let ok = match &op.responses.responses[&openapiv3::StatusCode::Code(200)] {
            ReferenceOr::Item(r) => r,
            ReferenceOr::Reference { .. } => panic!("inline response expected"),
        };
        let envelope = resolve(
            &doc,
            ok.content["application/json"].schema.as_ref().unwrap(),
        );
        let props = &object(&doc, envelope).properties;
        for key in ["code", "message", "hint", "data"] {
            assert!(
                props.contains_key(key),
                "{}: envelope lacks `{key}`",
                endpoint.name
            );
        }
        let data = resolve_boxed(&doc, &props["data"]);
        check_type(
            &doc,
            &spec,
            data,
            &endpoint.response,
            &format!("{}.data", endpoint.name),
        );
        assert!(op.responses.default.is_some());
    }
}

#[test]
fn export_is_deterministic_json() {
    let spec = api_spec();
    let a = kdocs_codegen::openapi::to_json(&spec);
    let b = kdocs_codegen::openapi::to_json(&spec.clone());
    assert_eq!(a, b);
    assert!(a.ends_with("}\n"));
}

/// What no page shows is marked where it is exported: the inferred task query
/// and the answer fields public clients read carry `x-kdocs-source` and end
/// their description with where they were seen; the decisions on the pages
/// (required convert fields, the form field's name) show too.
#[test]
fn export_marks_what_no_page_shows_with_its_source() {
    let doc = kdocs_codegen::openapi::document(&api_spec());
    let paths = &doc["paths"];
    let task = &paths["/api/v1/openapi/office/tasks/{task_id}"]["get"];
    assert_eq!(task["x-kdocs-source"]["observed"], "public clients");
    assert_eq!(
        task["x-kdocs-source"]["refs"],
        serde_json::json!(["gitlearning170921/aicheckword src/core/kdocs_client.py"])
    );
    assert!(task["description"]
        .as_str()
        .unwrap()
        .contains("Seen in public clients, not on the pages: `gitlearning170921/aicheckword"));
    let task_data = &task["responses"]["200"]["content"]["application/json"]["schema"]
        ["properties"]["data"]["properties"];
    let text = &task_data["result"]["properties"]["base_64_text"];
    assert_eq!(text["x-kdocs-source"]["observed"], "public clients");
    assert!(text["description"]
        .as_str()
        .unwrap()
        .ends_with("`gitlearning170921/aicheckword src/core/kdocs_client.py`."));

    let data = |path: &str, method: &str| {
        paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
            ["properties"]["data"]
            .clone()
    };
    let user = data("/api/v1/openapi/user/basic", "get");
    for field in ["id", "nickname", "avatar"] {
        let marker = &user["properties"][field]["x-kdocs-source"];
        assert_eq!(
            marker["refs"],
            serde_json::json!(["public code 67633492545"]),
            "{field}"
        );
    }
    assert!(
        user.get("required").is_none(),
        "sourced fields are optional"
    );
    let download = data(
        "/api/v1/openapi/personal/files/{file_token}/download",
        "get",
    );
    for field in ["url", "fsize", "checksums"] {
        assert!(
            download["properties"][field]
                .get("x-kdocs-source")
                .is_some(),
            "{field}"
        );
    }
    let pdf = data("/api/v1/openapi/office/convert/files/to/pdf", "post");
    assert_eq!(
        pdf["properties"]["task_id"]["x-kdocs-source"],
        serde_json::json!({
            "observed": "another host",
            "refs": ["https://solution.wps.cn/docs/convert/to-pdf.html"],
            "note": "that copy, of POST /api/developer/v1/office/convert/to/pdf, lists `data.task_id`: a string, 必须 是",
        })
    );

    // A page shows these: no marker.
    let to_txt = &paths["/api/v1/openapi/office/convert/files/to/txt"]["post"];
    assert!(to_txt.get("x-kdocs-source").is_none());
    let body =
        |op: &serde_json::Value| op["requestBody"]["content"]["application/json"]["schema"].clone();
    let pdf_body = body(&paths["/api/v1/openapi/office/convert/files/to/pdf"]["post"]);
    assert_eq!(pdf_body["required"], serde_json::json!(["url", "filename"]));
    assert!(pdf_body["properties"]["url"]
        .get("x-kdocs-source")
        .is_none());
    let form = body(&paths["/api/v1/openapi/personal/forms"]["post"]);
    assert!(form["properties"].get("question_sections").is_some());
    assert!(form["properties"].get("questions_sections").is_none());

    // The error table names where its observed code was seen.
    let observed = doc["x-error-codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == 20007)
        .unwrap();
    assert_eq!(
        observed["source"]["refs"],
        serde_json::json!(["public code 57529814939"])
    );
}
