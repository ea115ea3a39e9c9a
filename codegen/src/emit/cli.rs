//! The command-line emitter: one command per endpoint, from the same model.
//!
//! It writes a `commands` module (with [`Settings::with_cli`]) on the
//! client's hand-written command runtime (`runtime::cli`):
//!
//! - `COMMANDS`: for each operation its `OperationSpec` (name, method, path,
//!   auth), summary, description and arguments (name, help, required, list, file);
//! - `impl FromArgs` for each request type: one line per field, naming it;
//!   reading and converting the command line's text is the runtime's;
//! - `call`: runs the named operation on a client and gives its answer as
//!   JSON.
//!
//! A command-line program (the `kdocs` command) builds its subcommands from
//! `COMMANDS`, so an endpoint added to the YAML is a new subcommand with no
//! hand-written code.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{field_ident, path_tokens};
use crate::model::{Model, OperationModel, ParamModel, RustType};
use crate::Settings;

/// The `commands` module, as tokens; `cli` is the command runtime's path.
pub fn tokens(model: &Model, settings: &Settings, cli: &str) -> TokenStream {
    let cli_path = path_tokens(cli);
    let rt = path_tokens(settings.runtime_path());
    let client = match settings.client_type() {
        Some(path) => path_tokens(path),
        None => quote!(super::Client),
    };
    let commands = model.operations.iter().map(|op| command(op, &rt));
    let decoders = model.operations.iter().map(decoder);
    let arms = model.operations.iter().map(|op| {
        let name = &op.name;
        let method = format_ident!("{}", op.name);
        quote!(#name => cli::answer(client.#method(cli::decode(args)?).await),)
    });
    quote! {
        /// The API as commands, generated from the same spec as the client:
        /// the command table, arguments decoded into the request types, and
        /// [`call`](commands::call), which runs one.
        #[allow(deprecated)]
        pub mod commands {
            use #cli_path as cli;

            /// Every operation as a command, in spec order.
            pub static COMMANDS: &[cli::CommandSpec] = &[#(#commands),*];

            #(#decoders)*

            /// Runs the operation `name` with `args` and gives its answer as
            /// JSON; an unknown name, or a missing or mistyped argument, is a
            /// `cli::CommandError` naming it.
            pub async fn call(
                client: &#client,
                name: &str,
                args: &cli::Args,
            ) -> ::std::result::Result<#rt::serde_json::Value, cli::CommandError> {
                match name {
                    #(#arms)*
                    other => ::std::result::Result::Err(cli::CommandError::unknown(other)),
                }
            }
        }
    }
}

fn command(op: &OperationModel, rt: &TokenStream) -> TokenStream {
    let request = format_ident!("{}", op.request_name);
    let summary = &op.request_doc;
    let about = op.doc.trim();
    let args = op.params.iter().map(argument);
    quote! {
        cli::CommandSpec {
            operation: &<super::#request as #rt::Operation>::SPEC,
            summary: #summary,
            about: #about,
            args: &[#(#args),*],
        }
    }
}

fn argument(p: &ParamModel) -> TokenStream {
    let name = &p.field.rust_name;
    let help = p.field.doc.lines().next().unwrap_or_default().trim();
    let required = !p.field.optional;
    let list = matches!(p.field.ty, RustType::Vec(_));
    let file = p.field.ty == RustType::File;
    let secret = p.field.ty == RustType::SecretString;
    quote! {
        cli::ArgSpec {
            name: #name,
            help: #help,
            required: #required,
            list: #list,
            file: #file,
            secret: #secret,
        }
    }
}

fn decoder(op: &OperationModel) -> TokenStream {
    let request = format_ident!("{}", op.request_name);
    let fields = op.params.iter().map(|p| {
        let ident = field_ident(&p.field);
        let name = &p.field.rust_name;
        match (p.field.ty == RustType::File, p.field.optional) {
            (true, true) => quote!(#ident: args.file_opt(#name)?,),
            (true, false) => quote!(#ident: args.file(#name)?,),
            (false, true) => quote!(#ident: args.optional(#name)?,),
            (false, false) => quote!(#ident: args.required(#name)?,),
        }
    });
    quote! {
        impl cli::FromArgs for super::#request {
            fn from_args(
                args: &cli::Args,
            ) -> ::std::result::Result<Self, cli::CommandError> {
                ::std::result::Result::Ok(Self {
                    #(#fields)*
                })
            }
        }
    }
}
