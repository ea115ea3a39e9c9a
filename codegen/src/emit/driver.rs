//! The every-endpoint driver: code that calls each operation of the spec
//! with the spec's `example:` values, through a client generated from the
//! same spec and as `kdocs` command-line arguments. Emitted, in place of the
//! client, with [`Settings::with_driver`].
//!
//! A request is built as the doc examples build it (`doc_example`'s
//! values: the examples, and placeholders where the spec gives none), with
//! two exceptions a server must accept: a user-token operation's
//! `access_token` query parameter is the caller's token, and a file
//! parameter the caller's file. The command line gets the same values as
//! text, one flag per parameter.
//!
//! The generated items, all about the client at the driver path:
//!
//! - `Inputs`: the token and the file;
//! - `OPERATIONS`: every operation's name, in spec order;
//! - `call(client, name, inputs)`: the answer as JSON, or the call's error;
//! - `argv(name, inputs)`: the subcommand and its flags;
//! - a module per operation with its `call` and `argv`.

use super::doc_example::{self, Values};
use super::str_literal;
use super::writer::RustWriter;
use crate::model::{Location, Model, OperationModel, ParamModel, RustType};
use crate::naming::is_keyword;
use crate::Settings;

/// Writes the driver; `api` is the path of the generated client's items.
pub(crate) fn write(w: &mut RustWriter, model: &Model, settings: &Settings, api: &str) {
    let values = Values::new(model, settings, api);
    let rt = values.runtime().to_owned();
    header(w, model, &rt);
    dispatch(w, model, api, &rt);
    for op in &model.operations {
        operation(w, model, settings, api, &rt, op);
    }
}

/// `Inputs`, `OPERATIONS` and `answer`.
fn header(w: &mut RustWriter, model: &Model, rt: &str) {
    w.doc("What the calls take besides the spec's example values: what a server checks.");
    w.line("#[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug)]");
    w.open("pub struct Inputs<'a> {");
    w.doc(
        "A user's access token the server accepts: the `access_token` of every operation \
         that acts as a user.",
    );
    w.line("pub access_token: &'a str,");
    w.doc("A file that exists: the value of every file parameter.");
    w.line("pub file: &'a ::std::path::Path,");
    w.close("}");
    w.blank();
    w.doc("Every operation of the spec, in spec order: the names [`call`] and [`argv`] take.");
    w.open("pub const OPERATIONS: &[&str] = &[");
    for op in &model.operations {
        w.line(&format!("{},", str_literal(&op.name)));
    }
    w.close("];");
    w.blank();
    w.doc(
        "The answer of a call as JSON (an answer that does not serialize is a JSON string \
         saying so, which equals no answer of the spec).",
    );
    w.line(&format!("fn answer<T: {rt}::serde::Serialize>("));
    w.indent();
    w.line(&format!("answer: ::std::result::Result<T, {rt}::Error>,"));
    w.dedent();
    w.open(&format!(
        ") -> ::std::result::Result<{rt}::serde_json::Value, {rt}::Error> {{"
    ));
    w.open("answer.map(|answer| {");
    w.open(&format!(
        "{rt}::serde_json::to_value(&answer).unwrap_or_else(|e| {{"
    ));
    w.line(&format!(
        "{rt}::serde_json::Value::String(::std::format!(\"the answer is not JSON: {{e}}\"))"
    ));
    w.close("})");
    w.close("})");
    w.close("}");
    w.blank();
}

/// `call` and `argv` by operation name.
fn dispatch(w: &mut RustWriter, model: &Model, api: &str, rt: &str) {
    w.doc(
        "Calls the operation `name` through the client with the spec's example values; its \
         answer as JSON. `None` for a name that is no operation of the spec.",
    );
    w.line("pub async fn call(");
    w.indent();
    w.line(&format!("client: &{api}::Client,"));
    w.line("name: &str,");
    w.line("inputs: &Inputs<'_>,");
    w.dedent();
    w.open(&format!(
        ") -> ::std::option::Option<::std::result::Result<{rt}::serde_json::Value, {rt}::Error>> {{"
    ));
    w.open("::std::option::Option::Some(match name {");
    for op in &model.operations {
        w.line(&format!(
            "{} => {}::call(client, inputs).await,",
            str_literal(&op.name),
            module_name(op)
        ));
    }
    w.line("_ => return ::std::option::Option::None,");
    w.close("})");
    w.close("}");
    w.blank();
    w.doc(
        "The `kdocs` command line of the same call, after the program name and the global \
         options: the subcommand and a flag per parameter. `None` for a name that is no \
         operation of the spec.",
    );
    w.line("pub fn argv(");
    w.indent();
    w.line("name: &str,");
    w.line("inputs: &Inputs<'_>,");
    w.dedent();
    w.open(") -> ::std::option::Option<::std::vec::Vec<::std::string::String>> {");
    w.open("::std::option::Option::Some(match name {");
    for op in &model.operations {
        w.line(&format!(
            "{} => {}::argv(inputs),",
            str_literal(&op.name),
            module_name(op)
        ));
    }
    w.line("_ => return ::std::option::Option::None,");
    w.close("})");
    w.close("}");
    w.blank();
}

/// The module of one operation: its `call` and `argv`.
fn operation(
    w: &mut RustWriter,
    model: &Model,
    settings: &Settings,
    api: &str,
    rt: &str,
    op: &OperationModel,
) {
    let mut values = Values::new(model, settings, api);
    let params = doc_example::example_params(&mut values, op);
    let sends_file = params.iter().any(|(p, _)| p.field.ty == RustType::File);
    let file = if sends_file {
        values.import(&format!("{rt}::FilePart"))
    } else {
        String::new()
    };
    let given = |p: &ParamModel| match own_input(op, p) {
        Some(Input::AccessToken) => Some("inputs.access_token".to_owned()),
        Some(Input::File) => Some(format!("{file}::from_path(inputs.file)")),
        None => None,
    };
    let request = values.request(op, &given);
    let uses_inputs = params.iter().any(|(p, _)| own_input(op, p).is_some());
    let inputs = if uses_inputs { "inputs" } else { "_inputs" };

    w.doc(&format!("`{}` with the spec's example values.", op.name));
    w.line("#[allow(deprecated)]");
    w.open(&format!("pub mod {} {{", module_name(op)));
    for line in values.use_lines() {
        w.line(&line);
    }
    w.blank();
    w.doc(&format!("Calls `{}` through the client.", op.name));
    w.line("pub async fn call(");
    w.indent();
    w.line(&format!("client: &{api}::Client,"));
    w.line(&format!("{inputs}: &super::Inputs<'_>,"));
    w.dedent();
    w.open(&format!(
        ") -> ::std::result::Result<{rt}::serde_json::Value, {rt}::Error> {{"
    ));
    request.write(w);
    w.line(&format!(
        "super::answer(client.{}(request).await)",
        method_name(op)
    ));
    w.close("}");
    w.blank();
    w.doc("The `kdocs` arguments of the same call.");
    w.open(&format!(
        "pub fn argv({inputs}: &super::Inputs<'_>) -> ::std::vec::Vec<::std::string::String> {{"
    ));
    w.open("::std::vec![");
    w.line(&format!(
        "{}.to_owned(),",
        str_literal(&op.name.replace('_', "-"))
    ));
    for (p, value) in &params {
        let flag = format!("--{}", p.field.rust_name.replace('_', "-"));
        let texts: Vec<String> = match own_input(op, p) {
            Some(Input::AccessToken) => vec!["inputs.access_token.to_owned()".to_owned()],
            Some(Input::File) => vec!["inputs.file.display().to_string()".to_owned()],
            None => doc_example::cli_values(&p.field.ty, value)
                .iter()
                .map(|text| format!("{}.to_owned()", str_literal(text)))
                .collect(),
        };
        for text in texts {
            w.line(&format!("{}.to_owned(),", str_literal(&flag)));
            w.line(&format!("{text},"));
        }
    }
    w.close("]");
    w.close("}");
    w.close("}");
    w.blank();
}

/// A value the caller gives instead of the example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Input {
    /// The user's access token.
    AccessToken,
    /// A file that exists.
    File,
}

/// Whether `p` takes one of the caller's inputs: the `access_token` query
/// parameter of an operation that acts as a user (what the fake server
/// checks against the tokens it issued), or any file.
fn own_input(op: &OperationModel, p: &ParamModel) -> Option<Input> {
    if p.field.ty == RustType::File {
        return Some(Input::File);
    }
    let token = op.auth.user()
        && p.places()
            .any(|(location, name)| location == Location::Query && name == "access_token");
    token.then_some(Input::AccessToken)
}

/// The operation's module: its name (`r#` before a keyword).
fn module_name(op: &OperationModel) -> String {
    method_name(op)
}

/// The client method of the operation.
fn method_name(op: &OperationModel) -> String {
    if is_keyword(&op.name) {
        format!("r#{}", op.name)
    } else {
        op.name.clone()
    }
}
