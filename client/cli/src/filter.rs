//! `--jq FILTER`: a jq filter over the JSON answer, run by jaq (the jq
//! language in Rust: `jaq-core` with the standard library of `jaq-std` and
//! `jaq-json`).
//!
//! Each value the filter outputs is printed on its own line, as JSON
//! (indented unless `--compact` or `--paginate`), or with `--raw-output`
//! (`-r`) a string as its text, as `jq -r` does.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde_json::Value;

use crate::failure::Failure;

/// A compiled filter.
pub struct JqFilter {
    filter: jaq_core::Filter<data::JustLut<Val>>,
}

impl std::fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JqFilter").finish_non_exhaustive()
    }
}

/// One output of a filter: a JSON value, or text that is not JSON (a jq
/// value JSON cannot hold, such as a byte string or NaN).
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// A JSON value.
    Json(Value),
    /// A value as jq writes it.
    Text(String),
}

impl JqFilter {
    /// Compiles `code`, or says where it is wrong.
    pub fn new(code: &str) -> Result<Self, Failure> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let program = File { code, path: () };
        let modules = loader
            .load(&arena, program)
            .map_err(|errors| invalid(code, load_errors(errors)))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let names: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, undefined)| undefined)
                    .map(|(name, _)| format!("`{name}` is not defined"))
                    .collect();
                invalid(code, names.join("; "))
            })?;
        Ok(JqFilter { filter })
    }

    /// The outputs of the filter on `input`, or its first error.
    pub fn run(&self, input: &Value) -> Result<Vec<Output>, Failure> {
        let text = serde_json::to_vec(input).map_err(|e| Failure::api(e.to_string()))?;
        let input = jaq_json::read::parse_single(&text)
            .map_err(|e| Failure::api(format!("--jq: the answer is not JSON: {e}")))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        self.filter
            .id
            .run((ctx, input))
            .map(unwrap_valr)
            .map(|result| {
                result
                    .map(output)
                    .map_err(|e| Failure::usage(format!("--jq: {e}")))
            })
            .collect()
    }
}

fn invalid(code: &str, reason: String) -> Failure {
    Failure::usage(format!("--jq `{code}` is not a jq filter: {reason}"))
}

/// What the loader found wrong, in words.
fn load_errors(errors: jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::Error;
    let mut reasons = Vec::new();
    for (_, error) in errors {
        match error {
            Error::Io(items) => {
                reasons.extend(items.into_iter().map(|(path, e)| format!("{path}: {e}")))
            }
            Error::Lex(items) => reasons.extend(items.into_iter().map(|(expected, at)| {
                format!("expected {} at `{}`", expected.as_str(), excerpt(at))
            })),
            Error::Parse(items) => reasons.extend(items.into_iter().map(|(expected, at)| {
                let at = if at.is_empty() {
                    "the end".to_owned()
                } else {
                    format!("`{}`", excerpt(at))
                };
                format!("expected {} at {at}", expected.as_str())
            })),
        }
    }
    reasons.join("; ")
}

/// The start of the rest of the filter, where a mistake is.
fn excerpt(rest: &str) -> String {
    rest.chars().take(20).collect()
}

/// A jq value as JSON, when JSON can hold it.
fn output(value: Val) -> Output {
    let text = value.to_string();
    match serde_json::from_str(&text) {
        Ok(json) => Output::Json(json),
        Err(_) => Output::Text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(code: &str, input: Value) -> Vec<Output> {
        JqFilter::new(code).unwrap().run(&input).unwrap()
    }

    #[test]
    fn paths_iterators_and_the_standard_library() {
        let page = json!({"files": [{"fname": "a.docx", "fsize": 3}, {"fname": "b.xlsx", "fsize": 5}], "next_offset": -1});
        assert_eq!(
            run(".files[].fname", page.clone()),
            [Output::Json(json!("a.docx")), Output::Json(json!("b.xlsx"))]
        );
        assert_eq!(run(".next_offset", page.clone()), [Output::Json(json!(-1))]);
        assert_eq!(
            run("[.files[].fsize] | add", page.clone()),
            [Output::Json(json!(8))]
        );
        assert_eq!(
            run(".files | map(select(.fsize > 4)) | length", page.clone()),
            [Output::Json(json!(1))]
        );
        assert_eq!(
            run(r#".files[0] | "\(.fname): \(.fsize)""#, page),
            [Output::Json(json!("a.docx: 3"))]
        );
        assert_eq!(run("empty", json!(1)), []);
    }

    #[test]
    fn a_filter_that_is_not_jq_says_where() {
        let err = JqFilter::new(".files[").unwrap_err();
        assert!(err.message().contains("is not a jq filter"), "{err:?}");
        let err = JqFilter::new("nosuchfunction").unwrap_err();
        assert!(
            err.message().contains("`nosuchfunction` is not defined"),
            "{err:?}"
        );
    }

    #[test]
    fn a_run_time_error_is_reported() {
        let filter = JqFilter::new(".a.b").unwrap();
        let err = filter.run(&json!({"a": 5})).unwrap_err();
        assert!(err.message().starts_with("--jq: "), "{err:?}");
        assert_eq!(
            filter.run(&json!({"a": null})).unwrap(),
            [Output::Json(Value::Null)]
        );
    }
}
