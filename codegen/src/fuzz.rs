//! Never a panic: deterministic fuzzing of the loader, validator, model,
//! emitter and OpenAPI export.
//!
//! Each case is either arbitrary YAML-ish text or a mutated copy of a corpus
//! (the real `api-spec` files): lines deleted, duplicated, swapped, re-indented,
//! characters changed, tokens inserted, text truncated. The case goes through
//! [`check_sources`](crate::check_sources) and, when valid, through
//! [`generate_spec`](crate::generate_spec) and the OpenAPI export. A panic is a
//! failure; diagnostics are the expected outcome.
//!
//! The generator is a fixed-seed xorshift, so a run is reproducible: the same
//! seed and case count always make the same inputs. A short run is a test of
//! `kdocs-tests`; a long one is `cargo run --release -p kdocs-codegen --example
//! fuzz_spec -- 100000`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::Settings;

/// A xorshift64* pseudo-random generator (deterministic, no dependencies).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a fixed non-zero value).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Fragments that stress the YAML parser and the validator.
const TOKENS: &[&str] = &[
    "service:",
    "types:",
    "endpoints:",
    "errors:",
    "fields:",
    "enum:",
    "type: string",
    "type: strnig",
    "type: array<",
    "type: map<map<Token>>",
    "type: array<array<array<any>>>",
    "type: Token",
    "type: object",
    "required: false",
    "nullable: true",
    "default: 1",
    "default: -1",
    "default: x",
    "default: 1e400",
    "sensitive: true",
    "deprecated: true",
    "example: [1, {a: b}]",
    "method: GET",
    "method: POST",
    "method: FETCH",
    "path: /a/{b}/c",
    "path: /a/:b",
    "path: {x}",
    "path: '/a/{b}{c}'",
    "path_params:",
    "query:",
    "body:",
    "response: any",
    "response: Token",
    "idempotent: true",
    "scope:",
    "permissions:",
    "- name: x",
    "rate_limits:",
    "- {app: a, limit: 1, per: day}",
    "limit: -5",
    "per: dya",
    "note: n",
    "10001:",
    "name: Bad",
    "category: auth",
    "source:",
    "source: { page: /server/a.html }",
    "page: /server/anonymous/local.html",
    "page: [/a.html, b.html]",
    "observed: public clients",
    "message: InvalidArgument",
    "retryable: yes",
    "&anchor",
    "*anchor",
    "<<: *anchor",
    "!!binary aGk=",
    "!tag x",
    "~",
    "null",
    "? complex",
    ": value",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    "{a: [b, {c: d}]}",
    "'",
    "\"",
    "\"\\u0000\"",
    "|",
    ">",
    "#",
    "%YAML 1.2",
    "---",
    "...",
    "\t",
    "type: type",
    "r#type: string",
    "self: string",
    "_: string",
    "Unknown: x",
    "unknown",
    "0x10",
    "1_000",
    "-9223372036854775809",
    "18446744073709551616",
    ".inf",
    ".nan",
    "true",
    "文档: 值",
    "a: b: c",
    "key:value",
    "  ",
    "\u{feff}",
    "\r",
    "[[[[[[[[",
    "]]]]]]]]",
    "{{{{",
    "}}}}",
];

/// Arbitrary YAML-ish text built from spec-like tokens with random indentation.
pub fn arbitrary_yaml(rng: &mut Rng) -> String {
    let lines = 1 + rng.below(40);
    let mut out = String::new();
    for _ in 0..lines {
        out.push_str(&" ".repeat(rng.below(5) * 2));
        for _ in 0..1 + rng.below(3) {
            out.push_str(rng.pick(TOKENS));
            if rng.below(3) == 0 {
                out.push(' ');
            }
        }
        out.push('\n');
    }
    out
}

/// A mutated copy of `text`: one to four line- or character-level changes.
pub fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let rounds = if rng.below(2) == 0 {
        1
    } else {
        1 + rng.below(4)
    };
    for _ in 0..rounds {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(9) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 => {
                // Change one character.
                let chars: Vec<char> = lines[i].chars().collect();
                let at = rng.below(chars.len() + 1);
                let replacement = rng.pick(&[
                    ":", "-", "{", "}", "[", "]", " ", "\t", "#", "'", "\"", "&", "*", "!", "|",
                    ">", "?", "%", "@", "a", "Z", "0", "<", "_",
                ]);
                let mut line: String = chars[..at.min(chars.len())].iter().collect();
                line.push_str(replacement);
                line.extend(chars.iter().skip(at + 1));
                lines[i] = line;
            }
            4 => {
                let token = rng.pick(TOKENS).to_owned();
                let indent = " ".repeat(rng.below(6) * 2);
                lines.insert(i, format!("{indent}{token}"));
            }
            5 => {
                // Re-indent.
                let line = lines[i].trim_start().to_owned();
                lines[i] = format!("{}{line}", " ".repeat(rng.below(9)));
            }
            6 => {
                // Append a token to a line.
                let token = rng.pick(TOKENS);
                lines[i].push(' ');
                lines[i].push_str(token);
            }
            7 => {
                lines.truncate(i);
            }
            _ => {
                // Cut a line in the middle.
                let chars: Vec<char> = lines[i].chars().collect();
                let at = rng.below(chars.len() + 1);
                lines[i] = chars[..at].iter().collect();
            }
        }
    }
    let mut out = lines.join("\n");
    if rng.below(2) == 0 {
        out.push('\n');
    }
    out
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases run.
    pub cases: u64,
    /// Cases whose spec was valid (and so went through codegen and the export).
    pub valid: u64,
    /// Inputs that panicked.
    pub failures: Vec<Failure>,
}

/// One input that panicked.
#[derive(Debug)]
pub struct Failure {
    /// The case number in the run.
    pub case: u64,
    /// The panic message.
    pub message: String,
    /// The spec files of the case: `(name, text)`.
    pub files: Vec<(String, String)>,
}

/// Runs `cases` cases from `seed` against `corpus` (`(file name, text)` pairs).
pub fn run(corpus: &[(String, String)], cases: u64, seed: u64) -> Report {
    let mut rng = Rng::new(seed);
    let mut report = Report::default();
    let settings = Settings::new();
    for case in 0..cases {
        let files = make_case(&mut rng, corpus);
        let outcome = catch_unwind(AssertUnwindSafe(|| run_case(&files, &settings)));
        report.cases += 1;
        match outcome {
            Ok(true) => report.valid += 1,
            Ok(false) => {}
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic".into());
                report.failures.push(Failure {
                    case,
                    message,
                    files,
                });
            }
        }
    }
    report
}

fn make_case(rng: &mut Rng, corpus: &[(String, String)]) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = corpus.to_vec();
    match rng.below(4) {
        0 if !files.is_empty() => {
            // Replace one file by arbitrary text.
            let i = rng.below(files.len());
            files[i].1 = arbitrary_yaml(rng);
        }
        1 => {
            // Arbitrary text alone.
            files = vec![("arbitrary.yaml".into(), arbitrary_yaml(rng))];
        }
        _ => {
            // Mutate one or more files of the corpus.
            let n = if rng.below(4) == 0 {
                1 + rng.below(files.len().max(1))
            } else {
                1
            };
            for _ in 0..n {
                if files.is_empty() {
                    break;
                }
                let i = rng.below(files.len());
                files[i].1 = mutate(rng, &files[i].1);
            }
        }
    }
    files
}

/// Runs one case; `true` when the spec was valid.
fn run_case(files: &[(String, String)], settings: &Settings) -> bool {
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    match crate::check_sources(&borrowed) {
        Ok(spec) => {
            let code = crate::generate_spec(&spec, settings);
            let _ = crate::openapi::document(&spec);
            // Generated code must always parse: an error here is a bug too.
            if let Err(e) = code {
                panic!("valid spec but generation failed: {e}");
            }
            true
        }
        Err(diagnostics) => {
            for d in diagnostics.iter() {
                let _ = d.to_string();
            }
            false
        }
    }
}
