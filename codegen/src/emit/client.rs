//! The client emitter: request and response types, one `Operation` impl and
//! one `Client` method per endpoint, and the `ErrorCode` table.
//!
//! Emitted code stays thin: types, a constructor, setters and read accessors
//! per request, and an `Operation` impl that only *describes* the endpoint
//! (name, method, path, where each parameter goes). Signing, sending, retrying
//! and decoding are done by the hand-written runtime, which is written and
//! tested once.
//!
//! With [`Settings::with_doc_examples`], each method's docs (and `ErrorCode`'s)
//! end with an `# Example` doctest, written by the `doc_example` module from
//! the spec's `example:` values.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::doc_example::{error_code_example, method_example, with_example};
use super::{deprecated_attr, doc_attrs, field_ident, method_tokens, path_tokens};
use crate::model::{
    BodyKind, EnumModel, ErrorCodeModel, FieldModel, Location, Model, OperationModel, PagingModel,
    ParamModel, RustType, StructModel,
};
use crate::spec::{Auth, DefaultValue, ErrorCategory};
use crate::Settings;

/// The client part of the generated file, as tokens.
pub fn tokens(model: &Model, settings: &Settings) -> TokenStream {
    let cx = Context::new(settings, model);
    let structs = model.structs.iter().map(|s| cx.struct_item(s));
    let enums = model.enums.iter().map(|e| cx.enum_item(e));
    let operations = model.operations.iter().map(|o| cx.operation_items(o));
    let client = cx.client_items(&model.operations);
    let errors = (!model.error_codes.is_empty()).then(|| cx.error_code_items(&model.error_codes));
    let defaults = cx.default_fns(model);
    quote! {
        #(#structs)*
        #(#enums)*
        #(#operations)*
        #client
        #errors
        #defaults
    }
}

struct Context<'a> {
    settings: &'a Settings,
    /// For the doc examples, which build values of the generated types.
    model: &'a Model,
    rt: TokenStream,
    /// Named types marked deprecated: generated code that mentions them allows
    /// the lint, so only the user's own uses warn.
    deprecated: BTreeSet<String>,
}

fn default_fn_ident(owner: &str, field: &FieldModel) -> Ident {
    format_ident!(
        "default_{}_{}",
        crate::validate::to_snake_case(owner),
        field.rust_name
    )
}

/// The deserializer of a field with a default: `null` decodes as the default,
/// like an absent field.
fn null_or_default_fn_ident(owner: &str, field: &FieldModel) -> Ident {
    format_ident!(
        "null_or_default_{}_{}",
        crate::validate::to_snake_case(owner),
        field.rust_name
    )
}

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
        Self {
            settings,
            model,
            rt: path_tokens(&settings.runtime_path),
            deprecated,
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
    fn allow_deprecated_if(&self, needed: bool) -> TokenStream {
        if needed {
            quote!(#[allow(deprecated)])
        } else {
            quote!()
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

    fn rust_type(&self, ty: &RustType) -> TokenStream {
        super::rust_type(&self.rt, ty, &super::local_name)
    }

    fn field_type(&self, field: &FieldModel) -> TokenStream {
        let ty = self.rust_type(&field.ty);
        if field.optional {
            quote!(::std::option::Option<#ty>)
        } else {
            ty
        }
    }

    // ---- types -------------------------------------------------------------

    fn struct_item(&self, s: &StructModel) -> TokenStream {
        // The type a call answers with says which calls.
        let client = self.settings.client_type.as_deref().unwrap_or("Client");
        let answered_by: Vec<String> = self
            .model
            .operations
            .iter()
            .filter(|op| matches!(&op.response, RustType::Named(name) if *name == s.name))
            .map(|op| format!("[`{name}`]({client}::{name})", name = op.name))
            .collect();
        let doc = if answered_by.is_empty() {
            doc_attrs(&s.doc)
        } else {
            doc_attrs(&format!(
                "{}\n\nThe answer of {}: a plain struct with public fields, decoded \
                 from the envelope's `data`.",
                s.doc,
                answered_by.join(", ")
            ))
        };
        let deprecated = deprecated_attr(&s.deprecated);
        let name = format_ident!("{}", s.name);
        let serde_crate = self.serde_crate();
        let serde_path = path_tokens(&serde_crate);
        let fields = s.fields.iter().map(|f| self.struct_field(&s.name, f));
        let rt = &self.rt;
        let others = s.others.then(|| {
            quote! {
                /// The fields the pages do not show, kept as they came.
                #[serde(flatten)]
                pub others: ::std::collections::BTreeMap<::std::string::String, #rt::serde_json::Value>,
            }
        });
        let allow = self.allow_deprecated_if(
            s.fields
                .iter()
                .any(|f| self.mentions_deprecated(&f.ty) || f.deprecated.is_some()),
        );
        quote! {
            #doc
            #deprecated
            #allow
            #[derive(
                ::std::clone::Clone,
                ::std::fmt::Debug,
                ::std::cmp::PartialEq,
                #serde_path::Serialize,
                #serde_path::Deserialize,
            )]
            #[serde(crate = #serde_crate)]
            pub struct #name {
                #(#fields)*
                #others
            }
        }
    }

    fn struct_field(&self, owner: &str, f: &FieldModel) -> TokenStream {
        let doc = doc_attrs(&f.doc);
        let deprecated = deprecated_attr(&f.deprecated);
        let ident = field_ident(f);
        let ty = self.field_type(f);
        let rename = (f.wire_name != f.rust_name).then(|| {
            let wire = &f.wire_name;
            quote!(#[serde(rename = #wire)])
        });
        let serde = if let Some(_default) = &f.default {
            let path = format!("{}", default_fn_ident(owner, f));
            let with = format!("{}", null_or_default_fn_ident(owner, f));
            quote!(#[serde(default = #path, deserialize_with = #with)])
        } else if f.optional {
            quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
        } else {
            quote!()
        };
        quote! {
            #doc
            #deprecated
            #rename
            #serde
            pub #ident: #ty,
        }
    }

    /// Free functions that give the defaults of fields with `default:`, and
    /// decode such a field's `null` as its default.
    fn default_fns(&self, model: &Model) -> TokenStream {
        let serde_path = path_tokens(&self.serde_crate());
        let fns = model.structs.iter().flat_map(|s| {
            let serde_path = serde_path.clone();
            s.fields.iter().filter_map(move |f| {
                let default = f.default.as_ref()?;
                let ident = default_fn_ident(&s.name, f);
                let with = null_or_default_fn_ident(&s.name, f);
                let ty = self.rust_type(&f.ty);
                let value = self.default_value(&f.ty, default);
                let allow = self.allow_deprecated_if(self.mentions_deprecated(&f.ty));
                Some(quote! {
                    #allow
                    fn #ident() -> #ty {
                        #value
                    }

                    #allow
                    fn #with<'de, D>(deserializer: D) -> ::std::result::Result<#ty, D::Error>
                    where
                        D: #serde_path::Deserializer<'de>,
                    {
                        ::std::result::Result::Ok(
                            <::std::option::Option<#ty> as #serde_path::Deserialize>::deserialize(
                                deserializer,
                            )?
                            .unwrap_or_else(#ident),
                        )
                    }
                })
            })
        });
        quote!(#(#fns)*)
    }

    fn default_value(&self, ty: &RustType, default: &DefaultValue) -> TokenStream {
        match (ty, default) {
            (_, DefaultValue::Bool(b)) => quote!(#b),
            (RustType::I32, DefaultValue::Integer(n)) => {
                let n = *n as i32;
                quote!(#n)
            }
            (RustType::I64, DefaultValue::Integer(n)) => {
                let n = *n as i64;
                quote!(#n)
            }
            (RustType::U32, DefaultValue::Integer(n)) => {
                let n = *n as u32;
                quote!(#n)
            }
            (RustType::U64, DefaultValue::Integer(n)) => {
                let n = *n as u64;
                quote!(#n)
            }
            (_, DefaultValue::Integer(n)) => {
                let n = *n as f64;
                quote!(#n)
            }
            (_, DefaultValue::Float(x)) => quote!(#x),
            (RustType::Named(name), DefaultValue::String(s)) => {
                let name = format_ident!("{}", name);
                quote!(#name::from(#s))
            }
            (_, DefaultValue::String(s)) => quote!(::std::string::String::from(#s)),
        }
    }

    fn enum_item(&self, e: &EnumModel) -> TokenStream {
        let rt = &self.rt;
        let doc = doc_attrs(&format!(
            "{}\n\nA value this version of the client does not know is kept in `Unknown`, so a new server value never breaks decoding.",
            e.doc
        ));
        let deprecated = deprecated_attr(&e.deprecated);
        let name = format_ident!("{}", e.name);
        let serde_crate = self.serde_crate();
        let serde_path = path_tokens(&serde_crate);
        let variants = e.variants.iter().map(|v| {
            let doc = doc_attrs(&v.doc);
            let ident = format_ident!("{}", v.name);
            quote!(#doc #ident,)
        });
        let to_str = e.variants.iter().map(|v| {
            let ident = format_ident!("{}", v.name);
            let value = &v.value;
            quote!(Self::#ident => #value,)
        });
        let allow = self.allow_deprecated_if(e.deprecated.is_some());
        let from_str = e.variants.iter().map(|v| {
            let ident = format_ident!("{}", v.name);
            let value = &v.value;
            quote!(#value => Self::#ident,)
        });
        quote! {
            #doc
            #deprecated
            #[derive(
                ::std::clone::Clone,
                ::std::fmt::Debug,
                ::std::cmp::PartialEq,
                ::std::cmp::Eq,
                ::std::hash::Hash,
                #serde_path::Serialize,
                #serde_path::Deserialize,
            )]
            #[serde(crate = #serde_crate, from = "::std::string::String", into = "::std::string::String")]
            pub enum #name {
                #(#variants)*
                /// A value not known to this version of the client.
                Unknown(::std::string::String),
            }

            #allow
            impl #name {
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#to_str)*
                        Self::Unknown(value) => value,
                    }
                }
            }

            #allow
            impl ::std::convert::From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#from_str)*
                        other => Self::Unknown(::std::string::String::from(other)),
                    }
                }
            }

            #allow
            impl ::std::convert::From<::std::string::String> for #name {
                fn from(value: ::std::string::String) -> Self {
                    Self::from(value.as_str())
                }
            }

            #allow
            impl ::std::convert::From<#name> for ::std::string::String {
                fn from(value: #name) -> Self {
                    ::std::string::String::from(value.as_str())
                }
            }

            #allow
            impl #rt::ParamValue for #name {
                fn to_param(&self) -> ::std::borrow::Cow<'_, str> {
                    ::std::borrow::Cow::Borrowed(self.as_str())
                }
            }
        }
    }

    // ---- operations ------------------------------------------------------------

    fn operation_items(&self, op: &OperationModel) -> TokenStream {
        let request = self.request_struct(op);
        let constructor = self.request_impl(op);
        let operation = self.operation_impl(op);
        let paged = op.paging.as_ref().map(|p| self.paged_impl(op, p));
        quote! {
            #request
            #constructor
            #operation
            #paged
        }
    }

    /// `Paged` for a request that pages: where its offset goes, where a
    /// page's next offset, carried values and items are. The loop is the
    /// runtime's `Pages`.
    fn paged_impl(&self, op: &OperationModel, paging: &PagingModel) -> TokenStream {
        let rt = &self.rt;
        let name = format_ident!("{}", op.request_name);
        let output = self.rust_type(&op.response);
        let offset = format_ident!("{}", paging.offset_field);
        let next = format_ident!("{}", paging.next_field);
        // The next offset as an i64 (-1 when absent or out of range).
        let as_i64 = |value: TokenStream| match paging.next_type {
            RustType::I64 => value,
            RustType::U64 => quote!(i64::try_from(#value).unwrap_or(-1)),
            _ => quote!(i64::from(#value)),
        };
        let next_value = if paging.next_optional {
            let value = as_i64(quote!(next));
            quote!(page.#next.map_or(-1, |next| #value))
        } else {
            as_i64(quote!(page.#next))
        };
        // The request's offset, from and to an i64.
        let (offset_get, offset_set) = match paging.offset_type {
            RustType::I64 => (
                quote!(self.#offset.unwrap_or(0)),
                quote!(::std::option::Option::Some(next)),
            ),
            RustType::U64 => (
                quote!(self.#offset.map_or(0, |offset| i64::try_from(offset).unwrap_or(i64::MAX))),
                quote!(::std::option::Option::Some(
                    ::std::convert::TryFrom::try_from(next).ok()?
                )),
            ),
            _ => (
                quote!(self.#offset.map_or(0, i64::from)),
                quote!(::std::option::Option::Some(
                    ::std::convert::TryFrom::try_from(next).ok()?
                )),
            ),
        };
        let carried = paging.carry.iter().map(|(param, field, optional)| {
            let param = format_ident!("{}", param);
            let field = format_ident!("{}", field);
            if *optional {
                quote!(request.#param = page.#field.clone();)
            } else {
                quote!(request.#param = ::std::option::Option::Some(page.#field.clone());)
            }
        });
        let (item, items) = match &paging.items {
            Some((field, item, optional)) => {
                let field = format_ident!("{}", field);
                let item = self.rust_type(item);
                let items = if *optional {
                    quote!(page.#field.unwrap_or_default())
                } else {
                    quote!(page.#field)
                };
                (item, items)
            }
            None => (output.clone(), quote!(::std::vec![page])),
        };
        let allow = self.allow_deprecated_if(self.operation_uses_deprecated(op));
        quote! {
            #allow
            impl #rt::Paged for #name {
                type Item = #item;

                fn offset(&self) -> i64 {
                    #offset_get
                }

                fn next_request(&self, page: &#output) -> ::std::option::Option<Self> {
                    let next = #next_value;
                    if next < 0 {
                        return ::std::option::Option::None;
                    }
                    let mut request = self.clone();
                    request.#offset = #offset_set;
                    #(#carried)*
                    ::std::option::Option::Some(request)
                }

                fn into_items(page: #output) -> ::std::vec::Vec<#item> {
                    #items
                }
            }
        }
    }

    fn request_struct(&self, op: &OperationModel) -> TokenStream {
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
        let doc = doc_attrs(&doc);
        let deprecated = deprecated_attr(&op.deprecated);
        let name = format_ident!("{}", op.request_name);
        let fields = op.params.iter().map(|p| {
            let doc = doc_attrs(&p.field.doc);
            let ident = field_ident(&p.field);
            let ty = self.field_type(&p.field);
            quote!(#doc #ident: #ty,)
        });
        let allow = self.allow_deprecated_if(
            op.params
                .iter()
                .any(|p| self.mentions_deprecated(&p.field.ty)),
        );
        // A request whose parameters are all optional can be built by `Default`.
        let default = op
            .params
            .iter()
            .all(|p| p.field.optional)
            .then(|| quote!(::std::default::Default,));
        quote! {
            #doc
            #deprecated
            #allow
            #[derive(::std::clone::Clone, ::std::fmt::Debug, #default)]
            pub struct #name {
                #(#fields)*
            }
        }
    }

    /// The argument type a constructor or setter takes for `ty`.
    fn argument(&self, ty: &RustType) -> (TokenStream, bool) {
        match ty {
            RustType::String | RustType::SecretString => (
                quote!(impl ::std::convert::Into<::std::string::String>),
                true,
            ),
            other => (self.rust_type(other), false),
        }
    }

    /// Converts an argument named `ident` to the field's type.
    fn convert(&self, ty: &RustType, ident: &Ident, into: bool) -> TokenStream {
        let rt = &self.rt;
        match ty {
            RustType::SecretString => quote!(#rt::Secret::new(#ident.into())),
            _ if into => quote!(#ident.into()),
            _ => quote!(#ident),
        }
    }

    fn request_impl(&self, op: &OperationModel) -> TokenStream {
        let name = format_ident!("{}", op.request_name);
        let required: Vec<&ParamModel> = op.params.iter().filter(|p| !p.field.optional).collect();
        let args = required.iter().map(|p| {
            let ident = field_ident(&p.field);
            let (ty, _) = self.argument(&p.field.ty);
            quote!(#ident: #ty)
        });
        let inits = op.params.iter().map(|p| {
            let ident = field_ident(&p.field);
            if p.field.optional {
                quote!(#ident: ::std::option::Option::None,)
            } else {
                let (_, into) = self.argument(&p.field.ty);
                if !into && p.field.ty != RustType::SecretString {
                    // The argument has the field's type: field init shorthand.
                    return quote!(#ident,);
                }
                let value = self.convert(&p.field.ty, &ident, into);
                quote!(#ident: #value,)
            }
        });
        let mut new_doc = format!("A `{}` request with its required parameters.", op.name);
        for p in &required {
            new_doc.push_str(&format!(
                "\n- `{}`: {}",
                p.field.rust_name,
                p.field.doc.lines().next().unwrap_or_default()
            ));
        }
        let new_doc = doc_attrs(&new_doc);
        let setters = op.params.iter().filter(|p| p.field.optional).map(|p| {
            let field = field_ident(&p.field);
            let setter = format_ident!("with_{}", p.field.rust_name);
            let value = format_ident!("value");
            let (ty, into) = self.argument(&p.field.ty);
            let converted = self.convert(&p.field.ty, &value, into);
            let doc = doc_attrs(&format!(
                "Sets the optional `{}`.\n\n{}",
                p.field.wire_name, p.field.doc
            ));
            let deprecated = deprecated_attr(&p.field.deprecated);
            quote! {
                #doc
                #deprecated
                pub fn #setter(mut self, #value: #ty) -> Self {
                    self.#field = ::std::option::Option::Some(#converted);
                    self
                }
            }
        });
        let getters = op.params.iter().map(|p| self.getter(p));
        let allow = self.allow_deprecated_if(self.operation_uses_deprecated(op));
        quote! {
            #allow
            impl #name {
                #new_doc
                pub fn new(#(#args),*) -> Self {
                    Self {
                        #(#inits)*
                    }
                }

                #(#setters)*

                #(#getters)*
            }
        }
    }

    /// A read accessor: `&str` for strings, the value for `Copy` scalars, a
    /// reference otherwise; `Option` of those for optional parameters.
    fn getter(&self, p: &ParamModel) -> TokenStream {
        let field = field_ident(&p.field);
        let doc = doc_attrs(&format!(
            "The `{}` parameter{}: {}",
            p.field.wire_name,
            if p.field.optional { ", if set" } else { "" },
            p.field.doc.lines().next().unwrap_or_default()
        ));
        let deprecated = deprecated_attr(&p.field.deprecated);
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
            (RustType::String, false) => (quote!(&str), quote!(&self.#field)),
            (RustType::String, true) => (
                quote!(::std::option::Option<&str>),
                quote!(self.#field.as_deref()),
            ),
            (_, false) if copy => (ty, quote!(self.#field)),
            (_, true) if copy => (quote!(::std::option::Option<#ty>), quote!(self.#field)),
            (_, false) => (quote!(&#ty), quote!(&self.#field)),
            (_, true) => (
                quote!(::std::option::Option<&#ty>),
                quote!(self.#field.as_ref()),
            ),
        };
        quote! {
            #doc
            #deprecated
            pub fn #field(&self) -> #ret {
                #body
            }
        }
    }

    fn operation_impl(&self, op: &OperationModel) -> TokenStream {
        let rt = &self.rt;
        let name = format_ident!("{}", op.request_name);
        let output = self.rust_type(&op.response);
        let op_name = &op.name;
        let method = method_tokens(rt, op.method);
        let path = &op.path;
        let idempotent = op.idempotent;
        let writes = op.params.iter().flat_map(|p| {
            let ident = field_ident(&p.field);
            let optional = p.field.optional;
            let list = matches!(p.field.ty, RustType::Vec(_));
            let file = p.field.ty == RustType::File;
            p.places().map(move |(location, wire)| {
                let (required, optional_fn) = match location {
                    Location::Path => (quote!(path), quote!(path)),
                    Location::Query if list => (quote!(query_each), quote!(query_each_opt)),
                    Location::Query => (quote!(query), quote!(query_opt)),
                    Location::Body => (quote!(body), quote!(body_opt)),
                    Location::Multipart if file => (quote!(file), quote!(file_opt)),
                    Location::Multipart => (quote!(part), quote!(part_opt)),
                };
                if optional {
                    quote!(request.#optional_fn(#wire, self.#ident.as_ref());)
                } else {
                    quote!(request.#required(#wire, &self.#ident);)
                }
            })
        });
        let auth = auth_tokens(rt, op.auth);
        let body = match op.body {
            BodyKind::None => quote!(#rt::BodyKind::None),
            BodyKind::Json => quote!(#rt::BodyKind::Json),
            BodyKind::Multipart => quote!(#rt::BodyKind::Multipart),
        };
        let deprecated_allow = self.allow_deprecated_if(self.operation_uses_deprecated(op));
        quote! {
            #deprecated_allow
            impl #rt::Operation for #name {
                type Output = #output;

                const SPEC: #rt::OperationSpec = #rt::OperationSpec {
                    name: #op_name,
                    method: #method,
                    path: #path,
                    idempotent: #idempotent,
                    auth: #auth,
                    body: #body,
                };

                fn write(&self, request: &mut #rt::RequestParts) {
                    #(#writes)*
                }
            }
        }
    }

    fn client_items(&self, operations: &[OperationModel]) -> TokenStream {
        let rt = &self.rt;
        let (target, call, wrapper) = match &self.settings.client_type {
            Some(path) => (path_tokens(path), quote!(self), quote!()),
            None => (
                quote!(Client),
                quote!(self.inner),
                quote! {
                    /// The generated API, on top of the runtime's [`Client`](#rt::Client).
                    #[derive(::std::clone::Clone, ::std::fmt::Debug)]
                    pub struct Client {
                        inner: #rt::Client,
                    }

                    impl Client {
                        /// Wraps a configured runtime client.
                        pub fn new(inner: #rt::Client) -> Self {
                            Self { inner }
                        }

                        /// The runtime client underneath.
                        pub fn runtime(&self) -> &#rt::Client {
                            &self.inner
                        }
                    }
                },
            ),
        };
        let methods = operations.iter().map(|op| {
            let example = method_example(self.model, self.settings, op, false);
            let doc = doc_attrs(&with_example(&op.doc, example));
            let deprecated = deprecated_attr(&op.deprecated);
            let method = format_ident!("{}", op.name);
            let request = format_ident!("{}", op.request_name);
            let output = self.rust_type(&op.response);
            let allow = self.allow_deprecated_if(self.operation_uses_deprecated(op));
            let pages = op.paging.as_ref().map(|_| {
                let pages = format_ident!("{}_pages", op.name);
                let doc = doc_attrs(&format!(
                    "Every page of [`{}`](Self::{}), from the request's offset on: \
                     each next request asks for the offset the last page gave, until it \
                     gives `-1`. Walk them with `next_page`, `next_item`, `collect_items` \
                     or as a `Stream`.",
                    op.name, op.name
                ));
                let runtime = match &self.settings.client_type {
                    Some(_) => quote!(self),
                    None => quote!(&self.inner),
                };
                quote! {
                    #doc
                    #deprecated
                    #allow
                    pub fn #pages(&self, request: #request) -> #rt::Pages<'_, #request> {
                        #rt::Pages::new(#runtime, request)
                    }
                }
            });
            quote! {
                #doc
                #deprecated
                #allow
                pub async fn #method(
                    &self,
                    request: #request,
                ) -> ::std::result::Result<#output, #rt::Error> {
                    #call.execute(request).await
                }

                #pages
            }
        });
        let blocking = self
            .settings
            .blocking_client_type()
            .map(|path| self.blocking_items(path, operations));
        quote! {
            #wrapper

            impl #target {
                #(#methods)*
            }

            #blocking
        }
    }

    /// The same methods, blocking: each runs `execute` to completion on the
    /// blocking client's own runtime.
    fn blocking_items(&self, path: &str, operations: &[OperationModel]) -> TokenStream {
        let rt = &self.rt;
        let target = path_tokens(path);
        let methods = operations.iter().map(|op| {
            let doc = format!(
                "{}\n\nBlocking: runs on the client's own runtime (do not call it from async code).",
                op.doc
            );
            let example = method_example(self.model, self.settings, op, true);
            let doc = doc_attrs(&with_example(&doc, example));
            let deprecated = deprecated_attr(&op.deprecated);
            let method = format_ident!("{}", op.name);
            let request = format_ident!("{}", op.request_name);
            let output = self.rust_type(&op.response);
            let allow = self.allow_deprecated_if(self.operation_uses_deprecated(op));
            quote! {
                #doc
                #deprecated
                #allow
                pub fn #method(
                    &self,
                    request: #request,
                ) -> ::std::result::Result<#output, #rt::Error> {
                    self.execute(request)
                }
            }
        });
        quote! {
            impl #target {
                #(#methods)*
            }
        }
    }

    // ---- error codes -------------------------------------------------------------

    fn error_code_items(&self, codes: &[ErrorCodeModel]) -> TokenStream {
        let rt = &self.rt;
        let variants = codes.iter().map(|c| {
            let doc = doc_attrs(&c.doc);
            let ident = format_ident!("{}", c.name);
            quote!(#doc #ident,)
        });
        let from_code = codes.iter().map(|c| {
            let ident = format_ident!("{}", c.name);
            let code = c.code;
            quote!(#code => Self::#ident,)
        });
        let to_code = codes.iter().map(|c| {
            let ident = format_ident!("{}", c.name);
            let code = c.code;
            quote!(Self::#ident => #code,)
        });
        let names = codes.iter().map(|c| {
            let ident = format_ident!("{}", c.name);
            let name = &c.name;
            quote!(Self::#ident => #name,)
        });
        let messages = codes.iter().map(|c| {
            let ident = format_ident!("{}", c.name);
            match &c.message {
                Some(message) => quote!(Self::#ident => ::std::option::Option::Some(#message),),
                None => quote!(Self::#ident => ::std::option::Option::None,),
            }
        });
        let retryable = codes.iter().filter(|c| c.retryable).map(|c| {
            let ident = format_ident!("{}", c.name);
            quote!(Self::#ident)
        });
        let retryable: Vec<TokenStream> = retryable.collect();
        let is_retryable = if retryable.is_empty() {
            quote!({
                let _ = self;
                false
            })
        } else {
            quote!(matches!(self, #(#retryable)|*))
        };
        let categories = codes.iter().map(|c| {
            let ident = format_ident!("{}", c.name);
            let category = category_tokens(rt, c.category);
            quote!(Self::#ident => #category,)
        });
        let doc = doc_attrs(&with_example(
            "The service error codes this client knows, from the spec's `errors:` table:\n\
             only codes a source names (a documentation page, or answers observed in\n\
             public clients), each variant saying which.\n\n\
             A code it does not know is kept in `Unknown`. More codes may be added as\n\
             sources are found, so the enum is `#[non_exhaustive]`: match it with a\n\
             wildcard arm.",
            error_code_example(self.settings, codes),
        ));
        quote! {
            #doc
            #[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
            #[non_exhaustive]
            pub enum ErrorCode {
                #(#variants)*
                /// A code not in the spec.
                Unknown(i64),
            }

            impl ErrorCode {
                /// The known code for `code`, or `Unknown`.
                pub fn from_code(code: i64) -> Self {
                    match code {
                        #(#from_code)*
                        other => Self::Unknown(other),
                    }
                }

                /// The numeric code.
                pub fn code(self) -> i64 {
                    match self {
                        #(#to_code)*
                        Self::Unknown(code) => code,
                    }
                }

                /// The variant's name for a known code (the service's `message` when a
                /// source shows one); `None` for `Unknown`.
                pub fn name(self) -> ::std::option::Option<&'static str> {
                    ::std::option::Option::Some(match self {
                        #(#names)*
                        Self::Unknown(_) => return ::std::option::Option::None,
                    })
                }

                /// The `message` the service sends with the code, when a source shows it.
                pub fn message(self) -> ::std::option::Option<&'static str> {
                    match self {
                        #(#messages)*
                        Self::Unknown(_) => ::std::option::Option::None,
                    }
                }

                /// Whether the spec marks the failure as worth retrying later.
                pub fn is_retryable(self) -> bool {
                    #is_retryable
                }

                /// Which family of failure the code belongs to, when known.
                pub fn category(self) -> ::std::option::Option<#rt::ErrorCategory> {
                    ::std::option::Option::Some(match self {
                        #(#categories)*
                        Self::Unknown(_) => return ::std::option::Option::None,
                    })
                }
            }
        }
    }
}

/// The runtime's `Auth` for `auth`.
pub(super) fn auth_tokens(rt: &TokenStream, auth: Auth) -> TokenStream {
    match auth {
        Auth::Wps2 => quote!(#rt::Auth::Wps2),
        Auth::AccessToken => quote!(#rt::Auth::AccessToken),
        Auth::Wps2AndAccessToken => quote!(#rt::Auth::Wps2AndAccessToken),
        Auth::None => quote!(#rt::Auth::None),
    }
}

fn category_tokens(rt: &TokenStream, category: ErrorCategory) -> TokenStream {
    match category {
        ErrorCategory::Auth => quote!(#rt::ErrorCategory::Auth),
        ErrorCategory::Request => quote!(#rt::ErrorCategory::Request),
        ErrorCategory::RateLimit => quote!(#rt::ErrorCategory::RateLimit),
        ErrorCategory::NotFound => quote!(#rt::ErrorCategory::NotFound),
        ErrorCategory::Server => quote!(#rt::ErrorCategory::Server),
    }
}
