//! Per endpoint: the request struct with its constructor, setters and
//! accessors, its `Operation` impl, page streams for paged lists, and the
//! methods on the client (and its blocking twin).

use super::{auth_text, path_or_error, Context, Element, List};
use crate::emit::doc_example::{method_example, with_example};
use crate::emit::{field_name, str_literal};
use crate::model::{BodyKind, Location, OperationModel, PagingModel, ParamModel, RustType};
use crate::spec::{Method, PagingKind};

impl Context<'_> {
    pub(super) fn operation_items(&mut self, op: &OperationModel) {
        self.request_struct(op);
        self.request_impl(op);
        self.operation_impl(op);
        if let Some(paging) = &op.paging {
            self.paged_impl(op, paging);
        }
    }

    /// `Paged` for a request that pages: where its offset or cursor goes,
    /// where a page's next one, carried values and items are. The loop is
    /// the runtime's `Pages`.
    fn paged_impl(&mut self, op: &OperationModel, paging: &PagingModel) {
        let rt = self.rt.clone();
        let output = self.rust_type(&op.response);
        let item = match &paging.items {
            Some((_, item, _)) => self.rust_type(item),
            None => output.clone(),
        };
        let uses_deprecated = self.operation_uses_deprecated(op);
        self.allow_deprecated_if(uses_deprecated);
        self.w
            .open(&format!("impl {rt}::Paged for {} {{", op.request_name));
        self.w.line(&format!("type Item = {item};"));
        self.w.blank();
        self.w.signature(
            "fn position",
            vec!["&self".into()],
            Some(format!("{rt}::PagePosition").into()),
        );
        self.w.line(&position_of(&rt, paging));
        self.w.close("}");
        self.w.blank();
        self.w.signature(
            "fn next_request",
            vec!["&self".into(), format!("page: &{output}").into()],
            Some("::std::option::Option<Self>".into()),
        );
        self.next_request_body(paging);
        self.w.close("}");
        self.w.blank();
        self.items_fns(paging, &output, &item);
        self.w.close("}");
        self.w.blank();
    }

    /// `next_request`: the next position from the page (none after the
    /// last), then the carried values.
    fn next_request_body(&mut self, paging: &PagingModel) {
        let offset = &paging.offset_field;
        let next = &paging.next_field;
        match paging.kind {
            PagingKind::Offset => {
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
                let offset_set = match paging.offset_type {
                    RustType::I64 => "::std::option::Option::Some(next)",
                    _ => {
                        "::std::option::Option::Some(::std::convert::TryFrom::try_from(next).ok()?)"
                    }
                };
                self.w.line(&format!("let next = {next_value};"));
                self.w.open("if next < 0 {");
                self.w.line("return ::std::option::Option::None;");
                self.w.close("}");
                self.w.line("let mut request = self.clone();");
                self.w.line(&format!("request.{offset} = {offset_set};"));
            }
            PagingKind::Cursor => {
                // The last page leaves the cursor out, or empty.
                self.w.line(&format!(
                    "let next = page.{next}.clone().filter(|next| !next.is_empty())?;"
                ));
                self.w.line("let mut request = self.clone();");
                self.w.line(&format!(
                    "request.{offset} = ::std::option::Option::Some(next);"
                ));
            }
        }
        for (param, field, optional) in &paging.carry {
            if *optional {
                self.w
                    .line(&format!("request.{param} = page.{field}.clone();"));
            } else {
                self.w.line(&format!(
                    "request.{param} = ::std::option::Option::Some(page.{field}.clone());"
                ));
            }
        }
        self.w.line("::std::option::Option::Some(request)");
    }

    /// `into_items` and, when the spec names the items, `is_empty`.
    fn items_fns(&mut self, paging: &PagingModel, output: &str, item: &str) {
        self.w.signature(
            "fn into_items",
            vec![format!("page: {output}").into()],
            Some(List::generic_type("::std::vec::Vec", vec![item.to_owned().into()]).into()),
        );
        match &paging.items {
            Some((field, _, true)) => self.w.line(&format!("page.{field}.unwrap_or_default()")),
            Some((field, _, false)) => self.w.line(&format!("page.{field}")),
            None => self.w.line("::std::vec![page]"),
        }
        self.w.close("}");
        if let Some((field, _, optional)) = &paging.items {
            self.w.blank();
            self.w.signature(
                "fn is_empty",
                vec![format!("page: &{output}").into()],
                Some("bool".into()),
            );
            if *optional {
                self.w.line(&format!(
                    "page.{field}.as_ref().is_none_or(|items| items.is_empty())"
                ));
            } else {
                self.w.line(&format!("page.{field}.is_empty()"));
            }
            self.w.close("}");
        }
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
            "; each parameter reads back through the method of its name, which describes it."
        });
        if self.settings.doc_examples().is_some() {
            doc.push_str(&format!(
                " The example on [`{name}`]({client}::{name}) builds one.",
                name = op.name
            ));
        }
        self.doc(&doc);
        self.deprecated(&op.deprecated);
        let uses_deprecated = op
            .params
            .iter()
            .any(|p| self.mentions_deprecated(&p.field.ty));
        self.allow_deprecated_if(uses_deprecated);
        // A request whose parameters are all optional can be built by `Default`.
        if op.params.iter().all(|p| p.field.optional) {
            self.derive(&[
                "::std::clone::Clone",
                "::std::fmt::Debug",
                "::std::default::Default",
            ]);
        } else {
            self.derive(&["::std::clone::Clone", "::std::fmt::Debug"]);
        }
        if op.params.is_empty() {
            self.w.line(&format!("pub struct {} {{}}", op.request_name));
        } else {
            // The fields are private: each parameter's docs are on its
            // accessor, the one place rustdoc shows them.
            self.w.open(&format!("pub struct {} {{", op.request_name));
            for p in &op.params {
                let field = Element::seq([
                    format!("{}: ", field_name(&p.field)).into(),
                    self.field_type(&p.field),
                    ",".into(),
                ]);
                self.w.wrapped(&field);
            }
            self.w.close("}");
        }
        self.w.blank();
    }

    /// The argument type a constructor or setter takes for `ty`, and whether
    /// it is converted with `.into()`.
    pub(super) fn argument(&self, ty: &RustType) -> (Element, bool) {
        match ty {
            RustType::String | RustType::SecretString => (
                List::generic_type(
                    "impl ::std::convert::Into",
                    vec!["::std::string::String".into()],
                )
                .into(),
                true,
            ),
            other => (self.type_element(other), false),
        }
    }

    /// Converts an argument named `ident` to the field's type.
    pub(super) fn convert(&self, ty: &RustType, ident: &str, into: bool) -> String {
        match ty {
            RustType::SecretString => format!("{}::Secret::new({ident}.into())", self.rt),
            _ if into => format!("{ident}.into()"),
            _ => ident.to_owned(),
        }
    }

    fn request_impl(&mut self, op: &OperationModel) {
        let uses_deprecated = self.operation_uses_deprecated(op);
        self.allow_deprecated_if(uses_deprecated);
        self.w.open(&format!("impl {} {{", op.request_name));
        self.constructor(op);
        for p in op.params.iter().filter(|p| p.field.optional) {
            self.w.blank();
            self.setter(p);
        }
        for p in &op.params {
            self.w.blank();
            self.getter(p);
        }
        self.w.close("}");
        self.w.blank();
    }

    /// `new`, from the required parameters.
    fn constructor(&mut self, op: &OperationModel) {
        let required: Vec<&ParamModel> = op.params.iter().filter(|p| !p.field.optional).collect();
        let mut doc = format!(
            "The request of [`{name}`]({client}::{name}), with its required parameters.",
            name = op.name,
            client = self.settings.client_type.as_deref().unwrap_or("Client"),
        );
        for p in &required {
            doc.push_str(&format!(
                "\n- {}: {}",
                member_link(&p.field),
                p.field.doc.lines().next().unwrap_or_default()
            ));
        }
        self.doc(&doc);
        let parameters: Vec<Element> = required
            .iter()
            .map(|p| {
                Element::seq([
                    format!("{}: ", field_name(&p.field)).into(),
                    self.argument(&p.field.ty).0,
                ])
            })
            .collect();
        self.w
            .signature("pub fn new", parameters, Some("Self".into()));
        let inits: Vec<Element> = op
            .params
            .iter()
            .map(|p| {
                let ident = field_name(&p.field);
                if p.field.optional {
                    return format!("{ident}: ::std::option::Option::None").into();
                }
                let (_, into) = self.argument(&p.field.ty);
                if !into && p.field.ty != RustType::SecretString {
                    // The argument has the field's type: field init shorthand.
                    ident.into()
                } else {
                    format!("{ident}: {}", self.convert(&p.field.ty, &ident, into)).into()
                }
            })
            .collect();
        self.w.wrapped(&List::fields("Self {", "}", inits).into());
        self.w.close("}");
    }

    /// `with_*` of an optional parameter.
    fn setter(&mut self, p: &ParamModel) {
        let field = field_name(&p.field);
        let (ty, into) = self.argument(&p.field.ty);
        let converted = self.convert(&p.field.ty, "value", into);
        self.doc(&format!("Sets the optional {}.", member_link(&p.field)));
        self.deprecated(&p.field.deprecated);
        self.w.signature(
            &format!("pub fn with_{}", p.field.rust_name),
            vec!["mut self".into(), Element::seq(["value: ".into(), ty])],
            Some("Self".into()),
        );
        self.w.wrapped(&Element::seq([
            format!("self.{field} = ::std::option::Option::Some").into(),
            List::arguments(vec![converted.into()]).into(),
            ";".into(),
        ]));
        self.w.line("self");
        self.w.close("}");
    }

    /// A read accessor, with the parameter's docs: `&str` for strings, the
    /// value for `Copy` scalars, a reference otherwise; `Option` of those for
    /// optional parameters.
    fn getter(&mut self, p: &ParamModel) {
        let field = field_name(&p.field);
        let set = if p.field.optional {
            format!(
                "The `{}` parameter, if set ([`with_{}`](Self::with_{})).",
                p.field.wire_name, p.field.rust_name, p.field.rust_name
            )
        } else {
            format!("The `{}` parameter.", p.field.wire_name)
        };
        self.doc(&format!("{set}\n\n{}", p.field.doc));
        self.deprecated(&p.field.deprecated);
        let copy = matches!(
            p.field.ty,
            RustType::Bool
                | RustType::I32
                | RustType::I64
                | RustType::U32
                | RustType::U64
                | RustType::F64
        );
        let ty = self.type_element(&p.field.ty);
        let option = |inner: Element| -> Element {
            List::generic_type("::std::option::Option", vec![inner]).into()
        };
        let (ret, body) = match (&p.field.ty, p.field.optional) {
            (RustType::String, false) => ("&str".into(), format!("&self.{field}")),
            (RustType::String, true) => (option("&str".into()), format!("self.{field}.as_deref()")),
            (_, false) if copy => (ty, format!("self.{field}")),
            (_, true) if copy => (option(ty), format!("self.{field}")),
            (_, false) => (Element::seq(["&".into(), ty]), format!("&self.{field}")),
            (_, true) => (
                option(Element::seq(["&".into(), ty])),
                format!("self.{field}.as_ref()"),
            ),
        };
        self.w
            .signature(&format!("pub fn {field}"), vec!["&self".into()], Some(ret));
        self.w.line(&body);
        self.w.close("}");
    }

    fn operation_impl(&mut self, op: &OperationModel) {
        let rt = self.rt.clone();
        let output = self.rust_type(&op.response);
        let body = match op.body {
            BodyKind::None => "None",
            BodyKind::Json => "Json",
            BodyKind::Multipart => "Multipart",
        };
        let uses_deprecated = self.operation_uses_deprecated(op);
        self.allow_deprecated_if(uses_deprecated);
        self.w
            .open(&format!("impl {rt}::Operation for {} {{", op.request_name));
        self.w.line(&format!("type Output = {output};"));
        self.w.blank();
        self.w.open(&format!(
            "const SPEC: {rt}::OperationSpec = {rt}::OperationSpec {{"
        ));
        self.w.line(&format!("name: {},", str_literal(&op.name)));
        self.w.line(&format!(
            "method: {rt}::Method::{},",
            method_text(op.method)
        ));
        self.w.line(&format!("path: {},", str_literal(&op.path)));
        self.w.line(&format!("idempotent: {},", op.idempotent));
        self.w
            .line(&format!("auth: {rt}::Auth::{},", auth_text(op.auth)));
        self.w.line(&format!("body: {rt}::BodyKind::{body},"));
        self.w
            .line(&format!("summary: {},", str_literal(&op.request_doc)));
        self.w
            .line(&format!("docs: {},", str_literal(op.doc.trim())));
        self.param_specs(op);
        self.w
            .line(&format!("example: {},", str_literal(&op.example_answer)));
        let family = match &op.family {
            Some(family) => format!("::std::option::Option::Some({})", str_literal(family)),
            None => "::std::option::Option::None".to_owned(),
        };
        self.w.line(&format!("family: {family},"));
        self.w.line(&format!("office_task: {},", op.office_task));
        self.w.close("};");
        self.w.blank();
        self.w.signature(
            "fn write",
            vec![
                "&self".into(),
                format!("request: &mut {rt}::RequestParts").into(),
            ],
            None,
        );
        self.param_writes(op);
        self.w.close("}");
        self.w.blank();
        self.w.signature(
            "fn from_params",
            vec![format!("source: &mut dyn {rt}::ParamSource").into()],
            Some(format!("::std::result::Result<Self, {rt}::ParamError>").into()),
        );
        self.param_reads(op);
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
    }

    /// The body of `write`: where each parameter goes.
    fn param_writes(&mut self, op: &OperationModel) {
        if op.params.is_empty() {
            self.w.line("let _ = request;");
        }
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
                    self.w.line(&format!(
                        "request.{optional_fn}({wire}, self.{ident}.as_ref());"
                    ));
                } else {
                    self.w
                        .line(&format!("request.{required}({wire}, &self.{ident});"));
                }
            }
        }
    }

    /// `SPEC.params`: each parameter's names, places and kind, the one
    /// description the fake and the `kdocs` command read.
    fn param_specs(&mut self, op: &OperationModel) {
        if op.params.is_empty() {
            self.w.line("params: &[],");
            return;
        }
        let rt = self.rt.clone();
        self.w.open("params: &[");
        for p in &op.params {
            let wire: Vec<Element> = p
                .places()
                .map(|(location, wire)| {
                    let location = match location {
                        Location::Path => "Path",
                        Location::Query => "Query",
                        Location::Body => "Body",
                        Location::Multipart => "Multipart",
                    };
                    format!("({rt}::Location::{location}, {})", str_literal(wire)).into()
                })
                .collect();
            let help = p.field.doc.lines().next().unwrap_or_default().trim();
            self.w.open(&format!("{rt}::ParamSpec {{"));
            self.w
                .line(&format!("name: {},", str_literal(&p.field.rust_name)));
            self.w.wrapped(&Element::seq([
                "wire: ".into(),
                List::slice(wire).into(),
                ",".into(),
            ]));
            self.w.line(&format!("required: {},", !p.field.optional));
            self.w.line(&format!(
                "list: {},",
                matches!(p.field.ty, RustType::Vec(_))
            ));
            self.w
                .line(&format!("file: {},", p.field.ty == RustType::File));
            self.w.line(&format!(
                "secret: {},",
                p.field.ty == RustType::SecretString
            ));
            self.w.line(&format!("help: {},", str_literal(help)));
            self.w.close("},");
        }
        self.w.close("],");
    }

    /// The body of `from_params`: each field read by its `SPEC.params` entry.
    fn param_reads(&mut self, op: &OperationModel) {
        let rt = self.rt.clone();
        if op.params.is_empty() {
            self.w.line("let _ = source;");
            self.w.line("::std::result::Result::Ok(Self {})");
            return;
        }
        self.w.line("let params = Self::SPEC.params;");
        self.w.open("::std::result::Result::Ok(Self {");
        for (index, p) in op.params.iter().enumerate() {
            let read = match (p.field.ty == RustType::File, p.field.optional) {
                (true, true) => "file_opt",
                (true, false) => "file",
                (false, true) => "optional",
                (false, false) => "required",
            };
            self.w.line(&format!(
                "{}: {rt}::params::{read}(source, &params[{index}])?,",
                field_name(&p.field)
            ));
        }
        self.w.close("})");
    }

    pub(super) fn client_items(&mut self, operations: &[OperationModel]) {
        let rt = self.rt.clone();
        let target = match &self.settings.client_type {
            Some(path) => path_or_error(path),
            None => {
                self.client_wrapper();
                "Client".to_owned()
            }
        };
        if operations.is_empty() {
            self.w.line(&format!("impl {target} {{}}"));
            self.w.blank();
            return self.operation_list(operations);
        }
        self.w.open(&format!("impl {target} {{"));
        for (i, op) in operations.iter().enumerate() {
            if i > 0 {
                self.w.blank();
            }
            let output = self.method_head(op, &op.doc, false);
            // The runtime's future itself, not an `async fn` wrapping it: no
            // state machine per method to check (the callers' `.await` is the
            // same).
            let result = self.result_type(&output);
            let future = Element::seq([
                List::generic_type(
                    "impl ::std::future::Future",
                    vec![Element::seq(["Output = ".into(), result])],
                )
                .into(),
                " + '_".into(),
            ]);
            self.method_line(op, &op.name, future);
            let call = match &self.settings.client_type {
                Some(_) => "self",
                None => "self.inner",
            };
            self.w.line(&format!("{call}.execute(request)"));
            self.w.close("}");
            if op.paging.is_some() {
                self.w.blank();
                self.doc(&format!(
                    "Every page of [`{}`](Self::{}), from the request's offset on: \
                     each next request asks for the offset the last page gave, until it \
                     gives `-1`. Walk them with `next_page`, `next_item`, `collect_items` \
                     or as a `Stream`.",
                    op.name, op.name
                ));
                self.method_attributes(op);
                let pages = format!("{rt}::Pages<'_, {}>", op.request_name);
                self.method_line(op, &format!("{}_pages", op.name), pages.into());
                let runtime = match &self.settings.client_type {
                    Some(_) => "self",
                    None => "&self.inner",
                };
                self.w
                    .line(&format!("{rt}::Pages::new({runtime}, request)"));
                self.w.close("}");
            }
        }
        self.w.close("}");
        self.w.blank();
        self.operation_list(operations);
        if let Some(path) = self.settings.blocking_client_type() {
            self.blocking_items(path, operations);
        }
    }

    /// The `Client` wrapper, when the settings name no client type.
    fn client_wrapper(&mut self) {
        let rt = self.rt.clone();
        self.doc(&format!(
            "The generated API, on top of the runtime's [`Client`]({rt}::Client)."
        ));
        self.derive(&["::std::clone::Clone", "::std::fmt::Debug"]);
        self.w.open("pub struct Client {");
        self.w.line(&format!("inner: {rt}::Client,"));
        self.w.close("}");
        self.w.blank();
        self.w.open("impl Client {");
        self.doc("Wraps a configured runtime client.");
        self.w
            .open(&format!("pub fn new(inner: {rt}::Client) -> Self {{"));
        self.w.line("Self { inner }");
        self.w.close("}");
        self.w.blank();
        self.doc("The runtime client underneath.");
        self.w
            .open(&format!("pub fn runtime(&self) -> &{rt}::Client {{"));
        self.w.line("&self.inner");
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
    }

    /// `pub fn name(&self, request: Request) -> output {`, opening the body.
    fn method_line(&mut self, op: &OperationModel, name: &str, output: Element) {
        self.w.signature(
            &format!("pub fn {name}"),
            vec![
                "&self".into(),
                format!("request: {}", op.request_name).into(),
            ],
            Some(output),
        );
    }

    /// `for_each_operation`: every request type, for code that serves or
    /// lists the whole API (the fake server, the `kdocs` command).
    fn operation_list(&mut self, operations: &[OperationModel]) {
        let rt = self.rt.clone();
        self.doc(&format!(
            "Calls [`visit`]({rt}::OperationVisitor::visit) with the request type of every \
             operation of this API, in spec order ([`visit_paged`]({rt}::OperationVisitor::visit_paged) \
             for a list that pages): the fake kdocs server builds its routes this way, and the \
             `kdocs` command its subcommands. Each type's [`SPEC`]({rt}::Operation::SPEC) \
             describes it."
        ));
        let uses_deprecated = operations
            .iter()
            .any(|op| self.operation_uses_deprecated(op));
        self.allow_deprecated_if(uses_deprecated);
        self.w.open(&format!(
            "pub fn for_each_operation(visitor: &mut impl {rt}::OperationVisitor) {{"
        ));
        if operations.is_empty() {
            self.w.line("let _ = visitor;");
        }
        for op in operations {
            // A list that pages is visited as one, so a visitor can walk it.
            let visit = if op.paging.is_some() {
                "visit_paged"
            } else {
                "visit"
            };
            self.w
                .line(&format!("visitor.{visit}::<{}>();", op.request_name));
        }
        self.w.close("}");
        self.w.blank();
    }

    /// Writes one method's doc (with its example, async or blocking) and
    /// attributes, and gives its output type.
    fn method_head(&mut self, op: &OperationModel, doc: &str, blocking: bool) -> String {
        let example = method_example(self.model, self.settings, op, blocking);
        self.doc(&with_example(doc, example));
        self.method_attributes(op);
        self.rust_type(&op.response)
    }

    /// `Result<output, Error>` of the runtime.
    fn result_type(&self, output: &str) -> Element {
        List::generic_type(
            "::std::result::Result",
            vec![output.into(), format!("{}::Error", self.rt).into()],
        )
        .into()
    }

    /// `#[deprecated]` and `#[allow(deprecated)]` of a method, as needed.
    fn method_attributes(&mut self, op: &OperationModel) {
        self.deprecated(&op.deprecated);
        let uses_deprecated = self.operation_uses_deprecated(op);
        self.allow_deprecated_if(uses_deprecated);
    }

    /// The same methods, blocking: each runs `execute` to completion on the
    /// blocking client's own runtime.
    fn blocking_items(&mut self, path: &str, operations: &[OperationModel]) {
        self.w.open(&format!("impl {} {{", path_or_error(path)));
        for (i, op) in operations.iter().enumerate() {
            if i > 0 {
                self.w.blank();
            }
            let doc = format!(
                "{}\n\nBlocking: runs on the client's own runtime (do not call it from async code).",
                op.doc
            );
            let output = self.method_head(op, &doc, true);
            let result = self.result_type(&output);
            self.method_line(op, &op.name, result);
            self.w.line("self.execute(request)");
            self.w.close("}");
        }
        self.w.close("}");
        self.w.blank();
    }
}

/// A doc link to the method of a field's name (`` `type` `` alone for a
/// keyword: rustdoc links cannot name a raw identifier).
pub(super) fn member_link(field: &crate::model::FieldModel) -> String {
    if field.is_raw() {
        format!("`{}`", field.rust_name)
    } else {
        format!("[`{0}`](Self::{0})", field.rust_name)
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

/// The body of `position`: the request's offset (0 when unset) or cursor
/// (empty when unset).
fn position_of(rt: &str, paging: &PagingModel) -> String {
    let offset = &paging.offset_field;
    match (paging.kind, &paging.offset_type) {
        (PagingKind::Cursor, _) => format!(
            "{rt}::PagePosition::Cursor(self.{offset}.clone().unwrap_or_default())"
        ),
        (PagingKind::Offset, RustType::I64) => {
            format!("{rt}::PagePosition::Offset(self.{offset}.unwrap_or(0))")
        }
        (PagingKind::Offset, RustType::U64) => format!(
            "{rt}::PagePosition::Offset(self.{offset}.map_or(0, |offset| i64::try_from(offset).unwrap_or(i64::MAX)))"
        ),
        (PagingKind::Offset, _) => {
            format!("{rt}::PagePosition::Offset(self.{offset}.map_or(0, i64::from))")
        }
    }
}
