//! The server emitter: the fake server's side of every endpoint, from the same
//! model as the client.
//!
//! It writes a child module `fake` of the generated code, on the fake's
//! hand-written runtime (`wire`, given by [`Settings::with_fake_server`]):
//!
//! - `ROUTES`: for each operation its method, path template, and where each
//!   parameter comes from (path, query, body), whether it is required;
//! - `impl FromWire` for each request type: one line per field, naming it;
//!   reading, converting and refusing a missing or mistyped parameter (kdocs'
//!   `10001`, naming the parameter) is done by the runtime;
//! - `trait Handlers`: one method per operation, whose default answers with the
//!   spec's example answer ([`crate::example`]); a fake overrides only the
//!   methods that keep state;
//! - `Service<H>`: the glue that lets the runtime call a `Handlers` by route.
//!
//! The module is a child of the one that defines the request types, so it can
//! build them field by field; their fields stay private to everyone else. It
//! imports the fake runtime as `wire` (its only `use`: the module is generated
//! whole, so no name of the includer can interfere) and names everything else
//! by its full path.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, field_reads, method_tokens, path_tokens};
use crate::model::{BodyKind, Location, Model, OperationModel, ParamModel, RustType};
use crate::Settings;

/// The `fake` module, as tokens; `wire` is the fake runtime's path.
pub fn tokens(model: &Model, settings: &Settings, wire: &str) -> TokenStream {
    let wire_path = path_tokens(wire);
    let cx = Context {
        rt: path_tokens(settings.runtime_path()),
        // Imported once at the top of the module: the module is generated
        // whole, so nothing of the includer's scope can shadow the name.
        wire: quote!(wire),
    };
    let routes = cx.routes(&model.operations);
    let decoders = model.operations.iter().map(|op| cx.decoder(op));
    let handlers = cx.handlers(&model.operations);
    let service = cx.service(&model.operations);
    // `use …::wire;`, or `use … as wire;` for a runtime under another name.
    let import = if wire.rsplit("::").next() == Some("wire") {
        quote!(use #wire_path;)
    } else {
        quote!(use #wire_path as wire;)
    };
    quote! {
        /// The fake server's side of this API, generated from the same spec as
        /// the client: the route table, request decoding into the request
        /// types, and [`Handlers`](fake::Handlers), whose methods answer with
        /// the spec's examples unless a fake overrides them.
        #[allow(deprecated)]
        pub mod fake {
            #import

            #routes
            #(#decoders)*
            #handlers
            #service
        }
    }
}

struct Context {
    rt: TokenStream,
    wire: TokenStream,
}

impl Context {
    /// A type as seen from the child module.
    fn rust_type(&self, ty: &RustType) -> TokenStream {
        super::rust_type(&self.rt, ty, &|name| {
            let ident = format_ident!("{}", name);
            quote!(super::#ident)
        })
    }

    fn routes(&self, operations: &[OperationModel]) -> TokenStream {
        let wire = &self.wire;
        let routes = operations.iter().map(|op| {
            let name = &op.name;
            let method = method_tokens(&self.rt, op.method);
            let path = &op.path;
            let params = op.params.iter().map(|p| self.param(p));
            let rt = &self.rt;
            let auth = super::client::auth_tokens(rt, op.auth);
            let body = match op.body {
                BodyKind::None => quote!(#rt::BodyKind::None),
                BodyKind::Json => quote!(#rt::BodyKind::Json),
                BodyKind::Multipart => quote!(#rt::BodyKind::Multipart),
            };
            quote! {
                #wire::Route {
                    operation: #name,
                    method: #method,
                    path: #path,
                    auth: #auth,
                    body: #body,
                    params: &[#(#params),*],
                }
            }
        });
        quote! {
            /// Every endpoint of the spec, in spec order: method, path
            /// template, and where each parameter comes from.
            pub static ROUTES: &[#wire::Route] = &[#(#routes),*];
        }
    }

    fn param(&self, p: &ParamModel) -> TokenStream {
        let wire = &self.wire;
        let name = &p.field.rust_name;
        let required = !p.field.optional;
        let repeated = matches!(p.field.ty, RustType::Vec(_));
        let locations = p.places().map(|(location, wire_name)| {
            let location = match location {
                Location::Path => quote!(#wire::Location::Path),
                Location::Query => quote!(#wire::Location::Query),
                Location::Body => quote!(#wire::Location::Body),
                Location::Multipart => quote!(#wire::Location::Multipart),
            };
            quote!((#location, #wire_name))
        });
        quote! {
            #wire::Param {
                name: #name,
                required: #required,
                repeated: #repeated,
                locations: &[#(#locations),*],
            }
        }
    }

    fn decoder(&self, op: &OperationModel) -> TokenStream {
        let wire = &self.wire;
        let request = format_ident!("{}", op.request_name);
        let from = quote!(request);
        let fields = field_reads(op, &from);
        quote! {
            impl #wire::FromWire for super::#request {
                fn from_wire(
                    request: &#wire::WireRequest<'_>,
                ) -> ::std::result::Result<Self, #wire::FakeError> {
                    ::std::result::Result::Ok(Self {
                        #(#fields)*
                    })
                }
            }
        }
    }

    fn handlers(&self, operations: &[OperationModel]) -> TokenStream {
        let wire = &self.wire;
        let methods = operations.iter().map(|op| {
            let doc = doc_attrs(&format!(
                "`{} {}`: {}\n\nUnless overridden, answers with the spec's example: `{}`",
                op.method.as_str(),
                op.path,
                op.request_doc,
                op.example_answer
            ));
            let method = format_ident!("{}", op.name);
            let request = format_ident!("{}", op.request_name);
            let output = self.rust_type(&op.response);
            let example = &op.example_answer;
            quote! {
                #doc
                fn #method(
                    &self,
                    call: &#wire::Call<'_>,
                    request: super::#request,
                ) -> ::std::result::Result<#output, #wire::FakeError> {
                    let _ = (call, request);
                    #wire::example(#example)
                }
            }
        });
        quote! {
            /// One method per endpoint. Each default answers with the spec's
            /// example; a fake overrides the ones that keep state.
            pub trait Handlers: ::std::marker::Send + ::std::marker::Sync + 'static {
                #(#methods)*
            }
        }
    }

    fn service(&self, operations: &[OperationModel]) -> TokenStream {
        let wire = &self.wire;
        let rt = &self.rt;
        let arms = operations.iter().enumerate().map(|(index, op)| {
            let method = format_ident!("{}", op.name);
            let index = proc_macro2::Literal::usize_unsuffixed(index);
            quote!(#index => #wire::answer(self.0.#method(call, #wire::decode(request)?)),)
        });
        quote! {
            /// Serves a [`Handlers`] implementation: hand it to the fake server.
            pub struct Service<H>(pub H);

            impl<H: Handlers> #wire::Api for Service<H> {
                fn routes(&self) -> &'static [#wire::Route] {
                    ROUTES
                }

                fn call(
                    &self,
                    index: usize,
                    call: &#wire::Call<'_>,
                    request: &#wire::WireRequest<'_>,
                ) -> ::std::result::Result<#rt::serde_json::Value, #wire::FakeError> {
                    match index {
                        #(#arms)*
                        _ => ::std::result::Result::Err(#wire::FakeError::no_such_operation(index)),
                    }
                }
            }
        }
    }
}
