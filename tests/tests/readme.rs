//! The README says what the spec says: its family table lists exactly the
//! families of the spec's operations, in no particular order, with no number
//! a person must keep in step.

use std::collections::BTreeSet;

use kdocs_tests::spec::api_spec_model;

#[test]
fn the_readme_family_table_lists_the_families_of_the_spec() {
    let families: BTreeSet<String> = api_spec_model()
        .operations
        .into_iter()
        .map(|op| {
            op.family
                .unwrap_or_else(|| panic!("{}: no family", op.name))
        })
        .collect();
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("The API families"))
        .expect("a section `The API families`");
    let rows: Vec<&str> = section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            cells.get(1)?.strip_prefix('`')?.strip_suffix('`')
        })
        .collect();
    let table: BTreeSet<String> = rows.iter().map(|r| r.to_string()).collect();
    assert_eq!(rows.len(), table.len(), "a family listed twice: {rows:?}");
    assert_eq!(table, families);
    assert!(
        !section.contains("| Endpoints |") && !section.contains("**total**"),
        "the table counts endpoints by hand"
    );
}

/// The README's table of the other features lists every feature of
/// `client/Cargo.toml` that is documented there (a `##` comment) and is not a
/// family: the crate docs list them from the same comments.
#[test]
fn the_readme_feature_table_lists_the_documented_features() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(root.join("client/Cargo.toml")).unwrap();
    let features = manifest
        .split("\n[features]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [features] section");
    let families: BTreeSet<String> = api_spec_model()
        .operations
        .into_iter()
        .filter_map(|op| op.family)
        .collect();
    let mut documented = BTreeSet::new();
    let mut doc = false;
    for line in features.lines() {
        if line.starts_with("## ") {
            doc = true;
        } else if let Some((name, _)) = line.split_once(" = ").filter(|_| doc) {
            if !families.contains(name) {
                documented.insert(name.to_owned());
            }
            doc = false;
        } else if !line.starts_with(' ') && !line.starts_with('"') && !line.starts_with(']') {
            doc = false;
        }
    }
    assert!(
        documented.contains("blocking") && documented.contains("fake"),
        "{documented:?}"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let listed: BTreeSet<String> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .filter(|name| !families.contains(name))
        .collect();
    assert_eq!(listed, documented);
}
