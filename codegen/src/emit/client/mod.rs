//! The client emitter: request and response types, one `Operation` impl and
//! one `Client` method per endpoint, and the `ErrorCode` table.
//!
//! Emitted code stays thin: types, a constructor, setters and read accessors
//! per request, and an `Operation` impl that only *describes* the endpoint
//! (name, method, path, where each parameter goes). Signing, sending, retrying
//! and decoding are done by the hand-written runtime, which is written and
//! tested once.
//!
//! This emitter writes Rust text directly, not `quote` tokens: it is most of
//! the generated file, and building tokens and printing them again took most
//! of a build script's generation time (BENCHMARKS.md). The other emitters,
//! used only with the `fake` and `cli` features, still write tokens.
//!
//! With [`Settings::with_doc_examples`], each method's docs (and `ErrorCode`'s)
//! end with an `# Example` doctest, written by the `doc_example` module from
//! the spec's `example:` values.

mod error_codes;
mod layout;
mod operations;
mod types;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{path_text, rust_type_text, str_literal, write_doc};
use crate::model::{FieldModel, Model, OperationModel, RustType};
use crate::spec::Auth;
use crate::Settings;

/// The client part of the generated file, as Rust text.
pub fn text(model: &Model, settings: &Settings) -> String {
    let mut cx = Context::new(settings, model);
    for s in &model.structs {
        cx.struct_item(s);
    }
    for e in &model.enums {
        cx.enum_item(e);
    }
    for op in &model.operations {
        cx.operation_items(op);
    }
    cx.client_items(&model.operations);
    if !model.error_codes.is_empty() {
        cx.error_code_items(&model.error_codes);
    }
    cx.out
}

struct Context<'a> {
    settings: &'a Settings,
    /// For the doc examples, which build values of the generated types.
    model: &'a Model,
    /// The runtime's path (`crate::runtime`).
    rt: String,
    /// Named types marked deprecated: generated code that mentions them allows
    /// the lint, so only the user's own uses warn.
    deprecated: BTreeSet<String>,
    out: String,
}

const ALLOW_DEPRECATED: &str = "#[allow(deprecated)]\n";

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
        let mut out = String::with_capacity(4096 + 12 * 1024 * model.operations.len());
        let rt = match path_text(&settings.runtime_path) {
            Ok(path) => path,
            Err(message) => {
                let _ = writeln!(out, "::core::compile_error!({});", str_literal(&message));
                settings.runtime_path.clone()
            }
        };
        Self {
            settings,
            model,
            rt,
            deprecated,
            out,
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
    fn allow_deprecated_if(needed: bool) -> &'static str {
        if needed {
            ALLOW_DEPRECATED
        } else {
            ""
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

    fn rust_type(&self, ty: &RustType) -> String {
        rust_type_text(&self.rt, ty)
    }

    fn field_type(&self, field: &FieldModel) -> String {
        let ty = self.rust_type(&field.ty);
        if field.optional {
            format!("::std::option::Option<{ty}>")
        } else {
            ty
        }
    }

    /// Writes a doc text at `indent`.
    fn doc(&mut self, indent: &str, doc: &str) {
        write_doc(&mut self.out, indent, doc);
    }
}

/// A configured type path, or a `compile_error!` in its place.
fn path_or_error(path: &str) -> String {
    path_text(path)
        .unwrap_or_else(|message| format!("::core::compile_error!({})", str_literal(&message)))
}

/// The variant of the runtime's `Auth`.
fn auth_text(auth: Auth) -> &'static str {
    match auth {
        Auth::Wps2 => "Wps2",
        Auth::AccessToken => "AccessToken",
        Auth::Wps2AndAccessToken => "Wps2AndAccessToken",
        Auth::None => "None",
    }
}
