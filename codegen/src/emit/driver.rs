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

use std::fmt::Write as _;

use super::doc_example::{self, Values};
use super::str_literal;
use crate::model::{Location, Model, OperationModel, ParamModel, RustType};
use crate::validate::is_keyword;
use crate::Settings;

/// The driver's text; `api` is the path of the generated client's items.
pub fn text(model: &Model, settings: &Settings, api: &str) -> String {
    let mut out = String::with_capacity(2048 + 1024 * model.operations.len());
    let values = Values::new(model, settings, api);
    let rt = values.runtime().to_owned();
    header(&mut out, model, &rt);
    dispatch(&mut out, model, api, &rt);
    for op in &model.operations {
        operation(&mut out, model, settings, api, &rt, op);
    }
    out
}

/// `Inputs` and `OPERATIONS`.
fn header(out: &mut String, model: &Model, rt: &str) {
    let _ = writeln!(
        out,
        "/// What the calls take besides the spec's example values: what a server \
         checks.\n\
         #[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug)]\n\
         pub struct Inputs<'a> {{\n    \
         /// A user's access token the server accepts: the `access_token` of every \
         operation that acts as a user.\n    \
         pub access_token: &'a str,\n    \
         /// A file that exists: the value of every file parameter.\n    \
         pub file: &'a ::std::path::Path,\n\
         }}\n"
    );
    let _ = writeln!(
        out,
        "/// Every operation of the spec, in spec order: the names [`call`] and \
         [`argv`] take.\npub const OPERATIONS: &[&str] = &["
    );
    for op in &model.operations {
        let _ = writeln!(out, "    {},", str_literal(&op.name));
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// The answer of a call as JSON (an answer that does not serialize is a \
         JSON string saying so, which equals no answer of the spec).\n\
         fn answer<T: {rt}::serde::Serialize>(\n    \
         answer: ::std::result::Result<T, {rt}::Error>,\n\
         ) -> ::std::result::Result<{rt}::serde_json::Value, {rt}::Error> {{\n    \
         answer.map(|answer| {{\n        \
         {rt}::serde_json::to_value(&answer).unwrap_or_else(|e| {{\n            \
         {rt}::serde_json::Value::String(::std::format!(\"the answer is not JSON: {{e}}\"))\n        \
         }})\n    \
         }})\n\
         }}\n"
    );
}

/// `call` and `argv` by operation name.
fn dispatch(out: &mut String, model: &Model, api: &str, rt: &str) {
    let _ = writeln!(
        out,
        "/// Calls the operation `name` through the client with the spec's example \
         values; its answer as JSON. `None` for a name that is no operation of the spec.\n\
         pub async fn call(\n    \
         client: &{api}::Client,\n    \
         name: &str,\n    \
         inputs: &Inputs<'_>,\n\
         ) -> ::std::option::Option<::std::result::Result<{rt}::serde_json::Value, {rt}::Error>> {{\n    \
         ::std::option::Option::Some(match name {{"
    );
    for op in &model.operations {
        let _ = writeln!(
            out,
            "        {} => {}::call(client, inputs).await,",
            str_literal(&op.name),
            module_name(op)
        );
    }
    out.push_str("        _ => return ::std::option::Option::None,\n    })\n}\n\n");
    let _ = writeln!(
        out,
        "/// The `kdocs` command line of the same call, after the program name and \
         the global options: the subcommand and a flag per parameter. `None` for a \
         name that is no operation of the spec.\n\
         pub fn argv(\n    \
         name: &str,\n    \
         inputs: &Inputs<'_>,\n\
         ) -> ::std::option::Option<::std::vec::Vec<::std::string::String>> {{\n    \
         ::std::option::Option::Some(match name {{"
    );
    for op in &model.operations {
        let _ = writeln!(
            out,
            "        {} => {}::argv(inputs),",
            str_literal(&op.name),
            module_name(op)
        );
    }
    out.push_str("        _ => return ::std::option::Option::None,\n    })\n}\n\n");
}

/// The module of one operation: its `call` and `argv`.
fn operation(
    out: &mut String,
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
    let imports = values.use_lines();

    let _ = writeln!(
        out,
        "/// `{name}` with the spec's example values.\n\
         #[allow(deprecated)]\n\
         pub mod {module} {{",
        name = op.name,
        module = module_name(op)
    );
    for line in &imports {
        let _ = writeln!(out, "    {line}");
    }
    let _ = writeln!(
        out,
        "\n    /// Calls `{name}` through the client.\n    \
         pub async fn call(\n        \
         client: &{api}::Client,\n        \
         {inputs}: &super::Inputs<'_>,\n    \
         ) -> ::std::result::Result<{rt}::serde_json::Value, {rt}::Error> {{",
        name = op.name
    );
    out.push_str(&request.statement("        "));
    let _ = writeln!(
        out,
        "        super::answer(client.{}(request).await)\n    }}\n",
        method_name(op)
    );
    let _ = writeln!(
        out,
        "    /// The `kdocs` arguments of the same call.\n    \
         pub fn argv({inputs}: &super::Inputs<'_>) -> ::std::vec::Vec<::std::string::String> {{\n        \
         ::std::vec![\n            {}.to_owned(),",
        str_literal(&op.name.replace('_', "-"))
    );
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
            let _ = writeln!(
                out,
                "            {}.to_owned(),\n            {text},",
                str_literal(&flag)
            );
        }
    }
    out.push_str("        ]\n    }\n}\n\n");
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
