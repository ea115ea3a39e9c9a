//! Endpoints: method, auth, parameters, path templates, multipart bodies,
//! paging, scope and response.

use super::*;

impl FileChecker<'_> {
    pub(super) fn endpoints(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) {
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
                office_task: false,
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
                source: None,
            };
            let mut idempotent = None;
            let mut multipart_at = None;
            let mut auth_at = None;
            let mut paging_at = None;
            let mut office_task_at = None;
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
                    "office_task" => {
                        endpoint.office_task = self.boolean(value, &key_at).unwrap_or(false);
                        office_task_at = Some(key_at);
                    }
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
                    "source" => endpoint.source = self.source(value, &key_at),
                    _ => {
                        if let Some(ty) = self.response(&name, value, &key_at, part) {
                            endpoint.response = ty;
                        }
                    }
                }
            }
            self.answer_source(&mut endpoint, &at);
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
            if let Some(office_at) = office_task_at.filter(|_| endpoint.office_task) {
                self.office_task(&endpoint, &office_at);
            }
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

    /// The fields of an answer that no page shows come from where the
    /// endpoint does.
    fn answer_source(&mut self, endpoint: &mut Endpoint, at: &YamlPath) {
        if let (Some(source), TypeExpr::Object(object)) = (&endpoint.source, &mut endpoint.response)
        {
            let fields_at = at.key("response").key("fields");
            let holder = format!("the answer of `{}`", endpoint.name);
            self.inherit_source(&mut object.fields, source, &fields_at, &holder);
        }
    }

    pub(super) fn method(&mut self, value: &Value, at: &YamlPath) -> Option<Method> {
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

    pub(super) fn auth(&mut self, value: &Value, at: &YamlPath) -> Option<Auth> {
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
    pub(super) fn user_token(
        &mut self,
        endpoint: &Endpoint,
        at: &YamlPath,
        auth_at: Option<&YamlPath>,
    ) {
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
    pub(super) fn multipart_parts(&mut self, endpoint: &Endpoint, at: &YamlPath) {
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

    /// `office_task: true` needs the answer's `task_id`, a string field of an
    /// inline response.
    fn office_task(&mut self, endpoint: &Endpoint, at: &YamlPath) {
        let has_task_id = matches!(&endpoint.response, TypeExpr::Object(object)
            if object.fields.iter().any(|f| f.name == "task_id" && f.ty == TypeExpr::String));
        if !has_task_id {
            self.error(
                at,
                Anchor::Key,
                format!(
                    "`{}` says its answer is an office task, but declares no `task_id` string field",
                    endpoint.name
                ),
                Some("declare `task_id: {type: string, required: false}` under `response: fields:`".into()),
            );
        }
    }

    pub(super) fn paging(&mut self, value: &Value, at: &YamlPath) -> Option<Paging> {
        let entries = self.entries(value, at, PAGING_KEYS, &["next"])?;
        let mut paging = Paging {
            kind: PagingKind::Offset,
            offset: String::new(),
            next: String::new(),
            items: None,
            carry: Vec::new(),
        };
        let mut positions = 0;
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
                "offset" | "cursor" => {
                    positions += 1;
                    paging.kind = if key == "cursor" {
                        PagingKind::Cursor
                    } else {
                        PagingKind::Offset
                    };
                    paging.offset = text;
                }
                "next" => paging.next = text,
                _ => paging.items = Some(text),
            }
        }
        if positions != 1 {
            self.error(
                at,
                Anchor::Key,
                "`paging:` takes one of `offset:` and `cursor:`".to_owned(),
                Some(
                    "`offset: <integer query parameter>` for an offset, \
                     `cursor: <string query parameter>` for a cursor the answer hands back"
                        .into(),
                ),
            );
            return None;
        }
        Some(paging)
    }

    pub(super) fn scope(&mut self, value: &Value, at: &YamlPath) -> Scope {
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

    pub(super) fn response(
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
    pub(super) fn path_template(&mut self, endpoint: &Endpoint, at: &YamlPath) {
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
    pub(super) fn parameter_kinds(&mut self, endpoint: &Endpoint, at: &YamlPath, part: &FilePart) {
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
}
