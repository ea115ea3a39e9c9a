//! The spec the tests hold the client, the fake and the `kdocs` command to:
//! `api-spec/` as kdocs-codegen models it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kdocs_codegen::model::{self, Model};
use serde_json::Value;

/// The `api-spec/` folder of the workspace.
pub fn api_spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec")
}

/// The model of `api-spec/`, as the client's build script builds it.
pub fn api_spec_model() -> Model {
    let spec = kdocs_codegen::check_dir(&api_spec_dir()).unwrap_or_else(|d| panic!("{d}"));
    model::build(&spec)
}

/// The example answer of each operation of `api-spec/`, by name: what the
/// fake's generated handlers answer, as codegen builds it from the spec.
pub fn example_answers() -> BTreeMap<String, Value> {
    api_spec_model()
        .operations
        .into_iter()
        .map(|op| {
            let answer = serde_json::from_str(&op.example_answer)
                .unwrap_or_else(|e| panic!("{}: the example answer is not JSON: {e}", op.name));
            (op.name, answer)
        })
        .collect()
}

/// `value` as JSON, to compare an answer with an example.
pub fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("not JSON: {e}"))
}
