//! How answers are printed on stdout: JSON, indented or `--compact`,
//! through the `--jq` filter when one is given, one line per item with
//! `--paginate`.

use std::io::Write;

use clap::{Arg, ArgAction};
use serde_json::Value;

use crate::failure::Failure;
use crate::filter::{JqFilter, Output as JqOutput};
use crate::settings::Chain;

/// The options that say how to print.
pub(crate) fn args() -> [Arg; 3] {
    [
        Arg::new("compact")
            .long("compact")
            .action(ArgAction::SetTrue)
            .help("Print answers as one line of JSON instead of indented"),
        Arg::new("jq").long("jq").value_name("FILTER").help(
            "Filter the JSON answer with a jq filter (jaq), each output value on its own \
                 line (with --paginate, run on each item)",
        ),
        Arg::new("raw_output")
            .short('r')
            .long("raw-output")
            .action(ArgAction::SetTrue)
            .help("With --jq, print a string output as its text rather than as JSON (jq -r)"),
    ]
}

/// How to print answers.
#[derive(Debug, Default)]
pub(crate) struct Printer {
    compact: bool,
    raw: bool,
    filter: Option<JqFilter>,
}

impl Printer {
    /// The printer `chain`'s options ask for (the filter compiled, or the
    /// reason it does not compile).
    pub(crate) fn from_chain(chain: &Chain<'_>) -> Result<Self, Failure> {
        let filter = chain.given("jq").map(JqFilter::new).transpose()?;
        let raw = chain.flag("raw_output");
        if raw && filter.is_none() {
            return Err(Failure::usage(
                "`--raw-output` prints the strings of a --jq filter's output: give --jq",
            ));
        }
        Ok(Printer {
            compact: chain.flag("compact"),
            raw,
            filter,
        })
    }

    /// One line per item from now on (`--paginate`).
    pub(crate) fn one_line(mut self) -> Self {
        self.compact = true;
        self
    }

    /// Prints `value` (through the filter) on `out`; a closed pipe is not an
    /// error.
    pub(crate) fn print(&self, value: &Value, out: &mut impl Write) -> Result<(), Failure> {
        let outputs = match &self.filter {
            Some(filter) => filter.run(value)?,
            None => vec![JqOutput::Json(value.clone())],
        };
        for output in outputs {
            let text = match output {
                JqOutput::Json(Value::String(text)) if self.raw => text,
                JqOutput::Json(json) if self.compact => json.to_string(),
                JqOutput::Json(json) => {
                    serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string())
                }
                JqOutput::Text(text) => text,
            };
            if writeln!(out, "{text}").is_err() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn printed(printer: &Printer, value: Value) -> String {
        let mut out = Vec::new();
        printer.print(&value, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn printer(compact: bool, raw: bool, jq: Option<&str>) -> Printer {
        Printer {
            compact,
            raw,
            filter: jq.map(|code| JqFilter::new(code).unwrap()),
        }
    }

    #[test]
    fn indented_compact_filtered_and_raw() {
        let answer = json!({"files": [{"fname": "a"}, {"fname": "b"}]});
        assert_eq!(
            printed(&printer(false, false, None), answer.clone()),
            serde_json::to_string_pretty(&answer).unwrap() + "\n"
        );
        assert_eq!(
            printed(&printer(true, false, None), answer.clone()),
            answer.to_string() + "\n"
        );
        assert_eq!(
            printed(
                &printer(false, false, Some(".files[].fname")),
                answer.clone()
            ),
            "\"a\"\n\"b\"\n"
        );
        assert_eq!(
            printed(
                &printer(false, true, Some(".files[].fname")),
                answer.clone()
            ),
            "a\nb\n"
        );
        assert_eq!(
            printed(&printer(false, true, Some(".files[0]")), answer.clone()),
            "{\n  \"fname\": \"a\"\n}\n",
            "-r prints strings raw, other values as JSON"
        );
        assert_eq!(
            printed(&printer(false, false, Some(".files[0]")).one_line(), answer),
            "{\"fname\":\"a\"}\n"
        );
    }
}
