//! Per endpoint: the request struct with its constructor, setters and
//! accessors, its `Operation` impl, page streams for paged lists, and the
//! methods on the client (and its blocking twin).

use std::fmt::Write as _;

use super::layout::{Element, List};
use super::{auth_text, path_or_error, Context};
use crate::emit::doc_example::{method_example, with_example};
use crate::emit::{deprecated_text, field_name, str_literal};
use crate::model::{BodyKind, Location, OperationModel, PagingModel, ParamModel, RustType};
use crate::spec::Method;

impl Context<'_> {
    pub(super) fn operation_items(&mut self, op: &OperationModel) {
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
        let (item, items, is_empty) = match &paging.items {
            Some((field, item, optional)) => {
                let item = self.rust_type(item);
                let (items, empty) = if *optional {
                    (
                        format!("page.{field}.unwrap_or_default()"),
                        format!("page.{field}.as_ref().is_none_or(|items| items.is_empty())"),
                    )
                } else {
                    (format!("page.{field}"), format!("page.{field}.is_empty()"))
                };
                let is_empty = format!(
                    "\n\n    fn is_empty(page: &{output}) -> bool {{\n        {empty}\n    }}"
                );
                (item, items, is_empty)
            }
            None => (
                output.clone(),
                "::std::vec![page]".to_owned(),
                String::new(),
            ),
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
             fn into_items(page: {output}) -> ::std::vec::Vec<{item}> {{\n        {items}\n    }}{is_empty}\n}}\n\n"
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
            ", ::std::default::Default"
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "#[derive(::std::clone::Clone, ::std::fmt::Debug{default})]\npub struct {} {{",
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
        let mut new_doc = format!(
            "The request of [`{name}`]({client}::{name}), with its required parameters.",
            name = op.name,
            client = self.settings.client_type.as_deref().unwrap_or("Client"),
        );
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
        let parameters = List::arguments(args.into_iter().map(Element::from).collect()).layout(
            4,
            "    pub fn new".len(),
            " -> Self {".len(),
        );
        let _ = write!(
            self.out,
            "    pub fn new{parameters} -> Self {{\n        Self {{\n{inits}        }}\n    }}\n",
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
        let params = self.param_specs(op);
        let reads = self.param_reads(op);
        let _ = write!(
            self.out,
            "{allow}impl {rt}::Operation for {name} {{\n    type Output = {output};\n\n    \
             const SPEC: {rt}::OperationSpec = {rt}::OperationSpec {{\n        \
             name: {op_name},\n        method: {rt}::Method::{method},\n        \
             path: {path},\n        idempotent: {idempotent},\n        \
             auth: {rt}::Auth::{auth},\n        body: {rt}::BodyKind::{body},\n        \
             summary: {summary},\n        docs: {docs},\n        \
             params: {params},\n        example: {example},\n    }};\n\n    \
             fn write(&self, request: &mut {rt}::RequestParts) {{\n{writes}    }}\n\n    \
             fn from_params(\n        source: &mut dyn {rt}::ParamSource,\n    \
             ) -> ::std::result::Result<Self, {rt}::ParamError> {{\n{reads}    }}\n}}\n\n",
            name = op.request_name,
            op_name = str_literal(&op.name),
            path = str_literal(&op.path),
            idempotent = op.idempotent,
            summary = str_literal(&op.request_doc),
            docs = str_literal(op.doc.trim()),
            example = str_literal(&op.example_answer),
        );
    }

    /// `SPEC.params`: each parameter's names, places and kind, the one
    /// description the fake and the `kdocs` command read.
    fn param_specs(&self, op: &OperationModel) -> String {
        if op.params.is_empty() {
            return "&[]".to_owned();
        }
        let rt = &self.rt;
        let mut out = String::from("&[\n");
        for p in &op.params {
            let wire: Vec<String> = p
                .places()
                .map(|(location, wire)| {
                    let location = match location {
                        Location::Path => "Path",
                        Location::Query => "Query",
                        Location::Body => "Body",
                        Location::Multipart => "Multipart",
                    };
                    format!("({rt}::Location::{location}, {})", str_literal(wire))
                })
                .collect();
            let help = p.field.doc.lines().next().unwrap_or_default().trim();
            let _ = write!(
                out,
                "            {rt}::ParamSpec {{\n                \
                 name: {name},\n                wire: &[{wire}],\n                \
                 required: {required},\n                list: {list},\n                \
                 file: {file},\n                secret: {secret},\n                \
                 help: {help},\n            }},\n",
                name = str_literal(&p.field.rust_name),
                wire = wire.join(", "),
                required = !p.field.optional,
                list = matches!(p.field.ty, RustType::Vec(_)),
                file = p.field.ty == RustType::File,
                secret = p.field.ty == RustType::SecretString,
                help = str_literal(help),
            );
        }
        out.push_str("        ]");
        out
    }

    /// The body of `from_params`: each field read by its `SPEC.params` entry.
    fn param_reads(&self, op: &OperationModel) -> String {
        let rt = &self.rt;
        if op.params.is_empty() {
            return "        let _ = source;\n        ::std::result::Result::Ok(Self {})\n"
                .to_owned();
        }
        let mut out = String::from(
            "        let params = Self::SPEC.params;\n        ::std::result::Result::Ok(Self {\n",
        );
        for (index, p) in op.params.iter().enumerate() {
            let read = match (p.field.ty == RustType::File, p.field.optional) {
                (true, true) => "file_opt",
                (true, false) => "file",
                (false, true) => "optional",
                (false, false) => "required",
            };
            let value = format!("{rt}::params::{read}(source, &params[{index}])?");
            let _ = writeln!(out, "            {}: {value},", field_name(&p.field));
        }
        out.push_str("        })\n");
        out
    }

    pub(super) fn client_items(&mut self, operations: &[OperationModel]) {
        let rt = self.rt.clone();
        let (target, call) = match &self.settings.client_type {
            Some(path) => (path_or_error(path), "self"),
            None => {
                let _ = write!(
                    self.out,
                    "/// The generated API, on top of the runtime's [`Client`]({rt}::Client).\n\
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
            let (attributes, output) = self.method_head(op, &op.doc, false);
            // The runtime's future itself, not an `async fn` wrapping it: no
            // state machine per method to check (the callers' `.await` is the
            // same).
            let _ = write!(
                self.out,
                "    {attributes}pub fn {name}(&self, request: {request}) \
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
                    "    {attributes}pub fn {name}_pages(&self, request: {request}) \
                     -> {rt}::Pages<'_, {request}> {{\n        \
                     {rt}::Pages::new({runtime}, request)\n    }}\n",
                    name = op.name,
                    request = op.request_name,
                );
            }
        }
        self.out.push_str("}\n\n");
        self.operation_list(operations);
        if let Some(path) = self.settings.blocking_client_type() {
            self.blocking_items(path, operations);
        }
    }

    /// `for_each_operation`: every request type, for code that serves or
    /// lists the whole API (the fake server, the `kdocs` command).
    fn operation_list(&mut self, operations: &[OperationModel]) {
        let rt = self.rt.clone();
        self.doc(
            "",
            &format!(
                "Calls [`visit`]({rt}::OperationVisitor::visit) with the request type of every \
                 operation of this API, in spec order: the fake kdocs server builds its routes \
                 this way, and the `kdocs` command its subcommands. Each type's \
                 [`SPEC`]({rt}::Operation::SPEC) describes it."
            ),
        );
        let allow = if operations
            .iter()
            .any(|op| self.operation_uses_deprecated(op))
        {
            "#[allow(deprecated)]\n"
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "{allow}pub fn for_each_operation(visitor: &mut impl {rt}::OperationVisitor) {{"
        );
        if operations.is_empty() {
            self.out.push_str("    let _ = visitor;\n");
        }
        for op in operations {
            let _ = writeln!(self.out, "    visitor.visit::<{}>();", op.request_name);
        }
        self.out.push_str("}\n\n");
    }

    /// Writes one method's doc (with its example, async or blocking) and
    /// gives its attributes (`#[deprecated]`, `#[allow(deprecated)]`) and
    /// output type.
    fn method_head(&mut self, op: &OperationModel, doc: &str, blocking: bool) -> (String, String) {
        let example = method_example(self.model, self.settings, op, blocking);
        self.doc("    ", &with_example(doc, example));
        let attributes = format!(
            "{}{}",
            deprecated_text(&op.deprecated),
            Self::allow_deprecated_if(self.operation_uses_deprecated(op))
        );
        (attributes, self.rust_type(&op.response))
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
            let (attributes, output) = self.method_head(op, &doc, true);
            let _ = write!(
                self.out,
                "    {attributes}pub fn {name}(&self, request: {request}) \
                 -> ::std::result::Result<{output}, {rt}::Error> {{\n        \
                 self.execute(request)\n    }}\n",
                name = op.name,
                request = op.request_name,
            );
        }
        self.out.push_str("}\n\n");
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
