//! The runtime under the generated commands (feature `cli`).
//!
//! kdocs-codegen emits, with `Settings::with_cli`, a `commands` module that
//! only describes the API as commands: a table of [`CommandSpec`]s, a
//! [`FromArgs`] impl per request type naming each field, and a `call` that
//! runs one operation. Turning command-line text into typed values is done
//! here, once: a value that is not a string is read as JSON (`5`, `true`,
//! `["a","b"]`, `{"overwrite":true}`), a list argument may be repeated, and a
//! file argument is a path, read when the request is sent.
//!
//! A command-line program builds its subcommands from the table (the
//! `kdocs` command does, with clap), collects the values given into
//! [`Args`], and calls `commands::call`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::{Error, FilePart, OperationSpec};

/// One operation as a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    /// The operation: its name (the subcommand is this with `-` for `_`),
    /// method, path template and how it authenticates.
    pub operation: &'static OperationSpec,
    /// One line.
    pub summary: &'static str,
    /// The operation's documentation.
    pub about: &'static str,
    /// Its arguments.
    pub args: &'static [ArgSpec],
}

/// One argument of a command (`--name value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    /// The Rust name (the flag is this with `-` for `_`).
    pub name: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// Whether it is a list: the flag may be repeated.
    pub list: bool,
    /// Whether it is a file: its value is a path.
    pub file: bool,
    /// Whether it is a secret (a token): a program may read it from the
    /// environment rather than the command line, where other users can see it.
    pub secret: bool,
}

impl CommandSpec {
    /// The operation name.
    pub fn name(&self) -> &'static str {
        self.operation.name
    }

    /// The subcommand, `get-file-info`.
    pub fn subcommand(&self) -> String {
        self.operation.name.replace('_', "-")
    }
}

impl ArgSpec {
    /// The flag, `--file-token`.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }
}

/// The values given to a command, by argument name (every value as text).
#[derive(Clone, Default)]
pub struct Args {
    values: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be tokens: names only.
        f.debug_set().entries(self.values.keys()).finish()
    }
}

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// No operation has this name.
    #[error("no command `{0}`")]
    Unknown(String),
    /// A required argument is missing.
    #[error("`{0}` is required")]
    Missing(String),
    /// An argument's value is not of its type.
    #[error("`{name}` {reason}")]
    Invalid {
        /// The flag.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The call failed.
    #[error(transparent)]
    Call(#[from] Error),
}

impl CommandError {
    /// An unknown command.
    pub fn unknown(name: &str) -> Self {
        CommandError::Unknown(name.to_owned())
    }
}

/// Builds a request type from [`Args`]; generated for each one.
pub trait FromArgs: Sized {
    /// Reads every field.
    fn from_args(args: &Args) -> Result<Self, CommandError>;
}

/// [`FromArgs::from_args`], for generated code.
pub fn decode<T: FromArgs>(args: &Args) -> Result<T, CommandError> {
    T::from_args(args)
}

/// An answer as JSON (secrets included: the command's user asked for them).
pub fn answer<T: Serialize>(result: Result<T, Error>) -> Result<Value, CommandError> {
    let value = result?;
    serde_json::to_value(&value).map_err(|e| CommandError::Invalid {
        name: "the answer".into(),
        reason: format!("is not JSON: {e}"),
    })
}

impl Args {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value for `name` (call again for more values of a list).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.values
            .entry(name.to_owned())
            .or_default()
            .push(value.into());
    }

    /// Whether `name` has a value.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// A required value, converted to `T`.
    pub fn required<T: DeserializeOwned>(&self, name: &str) -> Result<T, CommandError> {
        self.optional(name)?
            .ok_or_else(|| CommandError::Missing(flag(name)))
    }

    /// An optional value, converted to `T`.
    pub fn optional<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, CommandError> {
        let Some(values) = self.values.get(name) else {
            return Ok(None);
        };
        convert(name, values).map(Some)
    }

    /// A required file argument: the path of the file to send.
    pub fn file(&self, name: &str) -> Result<FilePart, CommandError> {
        self.file_opt(name)?
            .ok_or_else(|| CommandError::Missing(flag(name)))
    }

    /// An optional file argument.
    pub fn file_opt(&self, name: &str) -> Result<Option<FilePart>, CommandError> {
        let Some(path) = self.values.get(name).and_then(|v| v.last()) else {
            return Ok(None);
        };
        if !std::path::Path::new(path).is_file() {
            return Err(CommandError::Invalid {
                name: flag(name),
                reason: format!("names no readable file ({path})"),
            });
        }
        Ok(Some(FilePart::from_path(path)))
    }
}

fn flag(name: &str) -> String {
    format!("--{}", name.replace('_', "-"))
}

/// Text as `T`: as JSON when it reads as a JSON value other than a string
/// (`5`, `true`, `[..]`, `{..}`) and `T` takes that, else as the text itself;
/// several values, or one value of a list type, as a list.
fn convert<T: DeserializeOwned>(name: &str, values: &[String]) -> Result<T, CommandError> {
    // JSON first where the text is JSON that is not a string, so `5` is a
    // number for a number field and `{"a":1}` an object for a JSON field; a
    // string field still gets `5` as text, since a number is refused there.
    let forms = |text: &str| -> Vec<Value> {
        let raw = Value::String(text.to_owned());
        match serde_json::from_str::<Value>(text) {
            Ok(Value::String(_)) | Err(_) => vec![raw],
            Ok(json) => vec![json, raw],
        }
    };
    let attempts: Vec<Value> = match values {
        [one] => {
            let forms = forms(one);
            let lists = forms.iter().map(|v| Value::Array(vec![v.clone()]));
            forms.clone().into_iter().chain(lists).collect()
        }
        many => {
            let per_value: Vec<Vec<Value>> = many.iter().map(|v| forms(v)).collect();
            let json = per_value.iter().map(|f| f[0].clone()).collect();
            let raw = many.iter().map(|v| Value::String(v.clone())).collect();
            vec![Value::Array(json), Value::Array(raw)]
        }
    };
    let mut first_error = None;
    for attempt in attempts {
        match T::deserialize(&attempt) {
            Ok(value) => return Ok(value),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(CommandError::Invalid {
        name: flag(name),
        reason: format!(
            "has the wrong type: {}",
            first_error.map_or_else(String::new, |e| e.to_string())
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> Args {
        let mut args = Args::new();
        for (name, value) in pairs {
            args.push(name, *value);
        }
        args
    }

    #[test]
    fn text_becomes_typed_values() {
        let a = args(&[
            ("name", "report.docx"),
            ("count", "5"),
            ("flag", "true"),
            ("id", "007"),
            ("exts", "docx"),
            ("exts", "xlsx"),
            ("one", "pdf"),
            ("options", r#"{"overwrite":true}"#),
        ]);
        assert_eq!(a.required::<String>("name").unwrap(), "report.docx");
        assert_eq!(a.required::<u32>("count").unwrap(), 5);
        assert!(a.required::<bool>("flag").unwrap());
        assert_eq!(a.required::<String>("id").unwrap(), "007");
        assert_eq!(a.required::<Vec<String>>("exts").unwrap(), ["docx", "xlsx"]);
        assert_eq!(a.required::<Vec<String>>("one").unwrap(), ["pdf"]);
        assert_eq!(
            a.required::<serde_json::Value>("options").unwrap()["overwrite"],
            true
        );
        assert_eq!(a.optional::<u32>("absent").unwrap(), None);
        let err = a.required::<u32>("name").unwrap_err();
        assert!(
            err.to_string().starts_with("`--name` has the wrong type"),
            "{err}"
        );
        let err = a.required::<u32>("absent").unwrap_err();
        assert_eq!(err.to_string(), "`--absent` is required");
        assert!(!format!("{a:?}").contains("report.docx"));
    }

    #[test]
    fn files_are_paths_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "x").unwrap();
        let a = args(&[("file", path.to_str().unwrap()), ("gone", "/no/such/file")]);
        assert_eq!(a.file("file").unwrap().filename(), "a.txt");
        assert!(a.file("gone").is_err());
        assert!(a.file_opt("absent").unwrap().is_none());
    }
}
