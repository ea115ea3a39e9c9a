//! Pass 2: the files merged into one [`Spec`], names unique across them,
//! every type reference resolved.

use super::*;

/// Pass 2: merge the files, check names are unique across them and that every
/// reference resolves.
pub(super) fn merge(
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
            let hint = match (foreign_builtin(reference), closest(reference, candidates)) {
                (Some(meant), _) => format!(
                    "`{reference}` is not a spec type; write `{meant}` (the spec's built-in types: {})",
                    BUILTIN_TYPES.join(", ")
                ),
                (None, Some(best)) => format!("did you mean `{best}`?"),
                (None, None) => format!("define `{reference}` under `types:` in any spec file"),
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
        let Some(spec) = &endpoint.paging else {
            continue;
        };
        let fields = object_fields(&endpoint.response);
        let mut found = |at: YamlPath, anchor, message: String, hint: Option<String>| {
            let at = Origin {
                file: origin.file,
                at,
            };
            report(diagnostics, &at, anchor, message, hint);
        };
        super::paging::check(endpoint, spec, fields.as_deref(), &origin.at, &mut found);
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

pub(super) fn unique<T>(
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

/// The spec's built-in type meant by a name from another type system
/// (JSON Schema, Java, Python, TypeScript…): `Integer` means `i64`, `str`
/// means `string`. Names the spec does not define, so a hint, never a rule.
fn foreign_builtin(name: &str) -> Option<&'static str> {
    let meant = match name.to_ascii_lowercase().as_str() {
        "integer" | "int" | "long" | "int64" => "i64",
        "int32" | "short" => "i32",
        "uint64" | "ulong" | "usize" => "u64",
        "uint32" | "uint" => "u32",
        "str" | "text" => "string",
        "boolean" => "bool",
        "number" | "float" | "double" | "float64" | "decimal" => "f64",
        "string" => "string",
        "bool" => "bool",
        "object" | "json" | "dict" | "unknown" => "any",
        "array" | "list" | "vec" => "array<T>",
        "map" | "hashmap" | "record" => "map<T>",
        _ => return None,
    };
    // A name that is a built-in in another case is caught here too: `String`, `Bool`.
    Some(meant)
}
