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
