//! The semver policy of generated code: the edits a maintainer makes all the
//! time (an optional response field, an enum value, an optional field of a
//! body type, an optional parameter, an endpoint) break no crate written
//! against the spec before them.
//!
//! `downstream!` is such a crate's code, written against
//! `kdocs_tests::semver_before` (`tests/semver-spec/before/`), in the ways the
//! generated docs show: building requests and body types with `new` and the
//! setters, reading response fields, matching with `..` and wildcard arms.
//! It is compiled against the client before the edit and against the client
//! after it (`semver-spec/after/`); this file not compiling is the failure.
//! The doctests of `kdocs_tests::semver_before` check the other half: that
//! what an edit would break (struct literals, exhaustive patterns) does not
//! compile in another crate in the first place.

macro_rules! downstream {
    ($api:ident) => {
        mod $api {
            use kdocs_tests::$api::{CreateFileRequest, Document, GetFileRequest, Kind, Options};

            /// A request with a body type, built as the docs show.
            pub fn create_request() -> CreateFileRequest {
                CreateFileRequest::new("report.docx").with_options(Options::new(true))
            }

            pub fn get_request() -> GetFileRequest {
                GetFileRequest::new("d-1")
            }

            /// What the service answered, read as the docs show.
            pub fn describe(document: &Document) -> String {
                let Document { id, size, .. } = document;
                let kind = match &document.kind {
                    Kind::Doc => "a document",
                    Kind::Sheet => "a sheet",
                    Kind::Unknown(other) => other.as_str(),
                    _ => "a kind this crate does not know",
                };
                format!("{id}: {kind}, {} bytes", size.unwrap_or_default())
            }

            /// A response built for a test of the crate's own code.
            pub fn sample() -> Document {
                let mut document = Document::new("d-1", Kind::Sheet);
                document.size = Some(3);
                document
            }
        }
    };
}

downstream!(semver_before);
downstream!(semver_after);

use kdocs_client::runtime::serde_json::{self, json};

#[test]
fn code_written_before_the_edit_works_after_it() {
    let answer = json!({"id": "d-1", "kind": "slide", "size": 3, "modified_at": 1});
    let before: kdocs_tests::semver_before::Document =
        serde_json::from_value(answer.clone()).unwrap();
    let after: kdocs_tests::semver_after::Document = serde_json::from_value(answer).unwrap();
    assert_eq!(semver_before::describe(&before), "d-1: slide, 3 bytes");
    assert_eq!(
        semver_after::describe(&after),
        "d-1: a kind this crate does not know, 3 bytes"
    );
    assert_eq!(after.modified_at, Some(1));
    for (sample, expected) in [
        (
            serde_json::to_value(semver_before::sample()).unwrap(),
            json!({"id": "d-1", "kind": "sheet", "size": 3}),
        ),
        (
            serde_json::to_value(semver_after::sample()).unwrap(),
            json!({"id": "d-1", "kind": "sheet", "size": 3}),
        ),
    ] {
        assert_eq!(sample, expected);
    }
    assert_eq!(
        format!("{:?}", semver_before::create_request().options()),
        format!("{:?}", semver_after::create_request().options()).replace(", retries: None", "")
    );
    assert_eq!(semver_before::get_request().file_id(), "d-1");
    assert_eq!(semver_after::get_request().with_links(), None);
}
