//! Command-line values as the parameters of an operation.
//!
//! [`Args`] holds the values given to a subcommand, as text, by parameter
//! name; it is the [`ParamSource`] that an operation's generated
//! `from_params` builds its request from. A value that is not a string is read
//! as JSON (`5`, `true`, `["a","b"]`, `{"overwrite":true}`), a list argument
//! may be repeated, and a file argument is a path, read when the request is
//! sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use kdocs_client::runtime::{
    params, Error, FilePart, ParamError, ParamSource, ParamSpec, UploadProgress,
};
use serde_json::Value;

/// The values given to a command, by parameter name (every value as text).
#[derive(Clone, Default)]
pub struct Args {
    values: BTreeMap<String, Vec<String>>,
    /// Told how far the upload of a file argument is.
    upload_progress: Option<Arc<dyn Fn(UploadProgress) + Send + Sync>>,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be tokens: names only.
        f.debug_set().entries(self.values.keys()).finish()
    }
}

/// Why an operation's subcommand could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// A required argument is missing: its flag.
    #[error("`{0}` is required")]
    Missing(String),
    /// An argument's value is not usable.
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

impl From<ParamError> for CommandError {
    fn from(e: ParamError) -> Self {
        match e {
            ParamError::Missing(param) => CommandError::Missing(param.flag()),
            ParamError::Invalid { param, reason } => CommandError::Invalid {
                name: param.flag(),
                reason,
            },
            other => CommandError::Invalid {
                name: other.param().flag(),
                reason: other.to_string(),
            },
        }
    }
}

impl ParamSource for Args {
    fn offer(
        &mut self,
        param: &'static ParamSpec,
        accept: &mut dyn FnMut(&Value) -> Result<(), String>,
    ) -> Result<bool, ParamError> {
        let Some(values) = self.values.get(param.name) else {
            return Ok(false);
        };
        params::offer_each(readings(values), accept)
            .map(|()| true)
            .map_err(|e| ParamError::invalid(param, format!("has the wrong type: {e}")))
    }

    fn file(&mut self, param: &'static ParamSpec) -> Result<Option<FilePart>, ParamError> {
        let Some(path) = self.values.get(param.name).and_then(|v| v.last()) else {
            return Ok(None);
        };
        if !std::path::Path::new(path).is_file() {
            return Err(ParamError::invalid(
                param,
                format!("names no readable file ({path})"),
            ));
        }
        let part = FilePart::from_path(path);
        Ok(Some(match &self.upload_progress {
            Some(progress) => {
                let progress = progress.clone();
                part.on_progress(move |p| progress(p))
            }
            None => part,
        }))
    }
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

    /// Calls `progress` as a file argument is uploaded (see
    /// [`FilePart::on_progress`]).
    pub fn on_upload_progress(
        &mut self,
        progress: impl Fn(UploadProgress) + Send + Sync + 'static,
    ) {
        self.upload_progress = Some(Arc::new(progress));
    }
}

/// The readings of command-line text, in order: JSON first where the text is
/// JSON that is not a string, so `5` is a number for a number field and
/// `{"a":1}` an object for a JSON field (a string field still gets `5` as
/// text, since a number is refused there), then the text itself; one value
/// also as a list of one; several values as a list.
fn readings(values: &[String]) -> Vec<Value> {
    let forms = |text: &str| -> Vec<Value> {
        let raw = Value::String(text.to_owned());
        match serde_json::from_str::<Value>(text) {
            Ok(Value::String(_)) | Err(_) => vec![raw],
            Ok(json) => vec![json, raw],
        }
    };
    match values {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kdocs_client::runtime::Location;

    fn args(pairs: &[(&str, &str)]) -> Args {
        let mut args = Args::new();
        for (name, value) in pairs {
            args.push(name, *value);
        }
        args
    }

    /// A parameter of that name, leaked: what `SPEC.params` holds.
    fn param(name: &str) -> &'static ParamSpec {
        let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        Box::leak(Box::new(ParamSpec {
            name,
            wire: &[(Location::Query, "wire")],
            required: true,
            list: false,
            file: false,
            secret: false,
            help: "",
        }))
    }

    fn required<T: serde::de::DeserializeOwned>(
        a: &mut Args,
        name: &str,
    ) -> Result<T, CommandError> {
        Ok(params::required(a, param(name))?)
    }

    #[test]
    fn text_becomes_typed_values() {
        let mut a = args(&[
            ("name", "report.docx"),
            ("count", "5"),
            ("flag", "true"),
            ("id", "007"),
            ("exts", "docx"),
            ("exts", "xlsx"),
            ("one", "pdf"),
            ("options", r#"{"overwrite":true}"#),
        ]);
        assert_eq!(required::<String>(&mut a, "name").unwrap(), "report.docx");
        assert_eq!(required::<u32>(&mut a, "count").unwrap(), 5);
        assert!(required::<bool>(&mut a, "flag").unwrap());
        assert_eq!(required::<String>(&mut a, "id").unwrap(), "007");
        assert_eq!(
            required::<Vec<String>>(&mut a, "exts").unwrap(),
            ["docx", "xlsx"]
        );
        assert_eq!(required::<Vec<String>>(&mut a, "one").unwrap(), ["pdf"]);
        assert_eq!(
            required::<Value>(&mut a, "options").unwrap()["overwrite"],
            true
        );
        assert_eq!(
            params::optional::<u32>(&mut a, param("absent")).unwrap(),
            None
        );
        let err = required::<u32>(&mut a, "name").unwrap_err();
        assert!(
            err.to_string().starts_with("`--name` has the wrong type"),
            "{err}"
        );
        let err = required::<u32>(&mut a, "absent").unwrap_err();
        assert_eq!(err.to_string(), "`--absent` is required");
        assert!(!format!("{a:?}").contains("report.docx"));
    }

    #[test]
    fn files_are_paths_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "x").unwrap();
        let mut a = args(&[("file", path.to_str().unwrap()), ("gone", "/no/such/file")]);
        assert_eq!(
            params::file(&mut a, param("file")).unwrap().filename(),
            "a.txt"
        );
        assert!(params::file(&mut a, param("gone")).is_err());
        assert!(params::file_opt(&mut a, param("absent")).unwrap().is_none());
    }
}
