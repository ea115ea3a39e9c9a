//! The client emitter: request and response types, one `Operation` impl and
//! one `Client` method per endpoint, and the `ErrorCode` table.
//!
//! Emitted code stays thin: types, a constructor, setters and read accessors
//! per request, and an `Operation` impl that only *describes* the endpoint
//! (name, method, path, where each parameter goes). Signing, sending, retrying
//! and decoding are done by the hand-written runtime, which is written and
//! tested once.
//!
//! It writes through the `RustWriter` (the `writer` module), which owns
//! indentation and line breaking: no string here holds either.
//!
//! With [`Settings::with_doc_examples`], each method's docs (and `ErrorCode`'s)
//! end with an `# Example` doctest, written by the `doc_example` module from
//! the spec's `example:` values.

mod error_codes;
mod operations;
mod types;

use std::collections::BTreeSet;

use super::writer::{Element, List, RustWriter};
use super::{path_text, str_literal, type_element, type_text};
use crate::model::{FieldModel, Model, OperationModel, RustType};
use crate::spec::Auth;
use crate::Settings;

/// Writes the client part of the generated file.
pub(crate) fn write(w: &mut RustWriter, model: &Model, settings: &Settings) {
    let mut cx = Context::new(w, settings, model);
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
    /// Named types a request can hold, directly or inside another: they get
    /// `with_*` setters, since a caller builds them.
    inputs: BTreeSet<String>,
    w: &'a mut RustWriter,
}

impl<'a> Context<'a> {
    fn new(w: &'a mut RustWriter, settings: &'a Settings, model: &'a Model) -> Self {
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
        let rt = match path_text(&settings.runtime_path) {
            Ok(path) => path,
            Err(message) => {
                w.line(&format!(
                    "::core::compile_error!({});",
                    str_literal(&message)
                ));
                settings.runtime_path.clone()
            }
        };
        Self {
            settings,
            model,
            rt,
            deprecated,
            inputs: input_types(model),
            w,
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

    /// `#[allow(deprecated)]` when generated code itself must use
    /// deprecated items.
    fn allow_deprecated_if(&mut self, needed: bool) {
        if needed {
            self.w.line("#[allow(deprecated)]");
        }
    }

    /// `#[deprecated…]` for an item the spec marks deprecated.
    fn deprecated(&mut self, note: &Option<String>) {
        if let Some(attribute) = super::deprecated_attribute(note) {
            self.w.line(&attribute);
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

    /// A type on one line.
    fn rust_type(&self, ty: &RustType) -> String {
        type_text(&self.rt, ty)
    }

    /// A type as a line element, which breaks when too long.
    fn type_element(&self, ty: &RustType) -> Element {
        type_element(&self.rt, ty)
    }

    /// A field's type (an `Option` of it for an optional field), as a line
    /// element.
    fn field_type(&self, field: &FieldModel) -> Element {
        let ty = self.type_element(&field.ty);
        if field.optional {
            List::generic_type("::std::option::Option", vec![ty]).into()
        } else {
            ty
        }
    }

    /// Writes a doc text.
    fn doc(&mut self, doc: &str) {
        self.w.doc(doc);
    }
}

/// The named types reachable from the operations' parameters.
fn input_types(model: &Model) -> BTreeSet<String> {
    fn visit(model: &Model, ty: &RustType, found: &mut BTreeSet<String>) {
        match ty {
            RustType::Vec(inner) | RustType::Map(inner) => visit(model, inner, found),
            RustType::Named(name) if found.insert(name.clone()) => {
                if let Some(s) = model.structs.iter().find(|s| s.name == *name) {
                    for f in &s.fields {
                        visit(model, &f.ty, found);
                    }
                }
            }
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    for p in model.operations.iter().flat_map(|op| &op.params) {
        visit(model, &p.field.ty, &mut found);
    }
    found
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
