//! `progenitor-gen OPENAPI.json OUT.rs [--unformatted]`: what progenitor's
//! README puts in a build script, as a command: read the document, generate
//! the tokens with the default settings, parse them with `syn` and print them
//! with `prettyplease`, write the file. `--unformatted` writes the tokens' own
//! text instead (no syn, no prettyplease), as kdocs-codegen's build-script path
//! does. `--stages` prints the time of each step on stderr.
//!
//! One adaptation of the document: kdocs-codegen's export gives each
//! operation a `200` response (the envelope with the operation's `data`) and a
//! `default` one (the error envelope, which kdocs also sends with HTTP 200).
//! progenitor 0.15.1 counts a `default` response as a possible success and
//! asserts that all successes have one type (progenitor-impl's
//! `method.rs:1220`, `response_types.len() <= 1`), so the `default` response
//! is given as `4XX` and `5XX` instead: the same error type, for the statuses
//! progenitor can tell apart.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [input, output] = paths[..] else {
        eprintln!("usage: progenitor-gen OPENAPI.json OUT.rs [--unformatted] [--stages]");
        std::process::exit(2);
    };
    let started = Instant::now();
    let text = std::fs::read_to_string(input).expect("readable OpenAPI document");
    let mut document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    errors_as_4xx_and_5xx(&mut document);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(document).expect("an OpenAPI 3.0 document");
    let loaded = Instant::now();
    let mut generator = progenitor::Generator::default();
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot generate {input}: {e}"));
    let generated = Instant::now();
    let content = if flag("--unformatted") {
        tokens.to_string()
    } else {
        let file: syn::File = syn::parse2(tokens).expect("progenitor's tokens parse");
        prettyplease::unparse(&file)
    };
    std::fs::write(output, content).expect("writable output");
    let written = Instant::now();
    if flag("--stages") {
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        eprintln!(
            "load {:.1} ms, generate tokens {:.1} ms, format and write {:.1} ms",
            ms(started, loaded),
            ms(loaded, generated),
            ms(generated, written)
        );
    }
}

/// Every operation's `default` response becomes its `4XX` and `5XX` responses.
fn errors_as_4xx_and_5xx(document: &mut serde_json::Value) {
    let Some(paths) = document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for item in paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
    {
        for operation in item.values_mut() {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(serde_json::Value::as_object_mut)
            else {
                continue;
            };
            if let Some(error) = responses.remove("default") {
                responses.insert("4XX".into(), error.clone());
                responses.insert("5XX".into(), error);
            }
        }
    }
}
