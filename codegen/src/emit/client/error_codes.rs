//! The `ErrorCode` table: one variant per documented code, its category and
//! its description.

use std::fmt::Write as _;

use super::Context;
use crate::emit::doc_example::{error_code_example, with_example};
use crate::emit::str_literal;
use crate::model::ErrorCodeModel;
use crate::spec::ErrorCategory;

impl Context<'_> {
    pub(super) fn error_code_items(&mut self, codes: &[ErrorCodeModel]) {
        let rt = self.rt.clone();
        self.doc(
            "",
            &with_example(
                "The service error codes this client knows, from the spec's `errors:` table:\n\
                 only codes a source names (a documentation page, or answers observed in\n\
                 public clients), each variant saying which.\n\n\
                 A code it does not know is kept in `Unknown`. More codes may be added as\n\
                 sources are found, so the enum is `#[non_exhaustive]`: match it with a\n\
                 wildcard arm.",
                error_code_example(self.settings, codes),
            ),
        );
        self.out.push_str(
            "#[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, \
             ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]\n\
             #[non_exhaustive]\npub enum ErrorCode {\n",
        );
        for c in codes {
            self.doc("    ", &c.doc);
            let _ = writeln!(self.out, "    {},", c.name);
        }
        self.out.push_str(
            "    /// A code not in the spec.\n    Unknown(i64),\n}\n\n\
             impl ErrorCode {\n    /// The known code for `code`, or `Unknown`.\n    \
             pub fn from_code(code: i64) -> Self {\n        match code {\n",
        );
        for c in codes {
            let _ = writeln!(self.out, "            {}i64 => Self::{},", c.code, c.name);
        }
        self.out.push_str(
            "            other => Self::Unknown(other),\n        }\n    }\n\n    \
             /// The numeric code.\n    pub fn code(self) -> i64 {\n        match self {\n",
        );
        for c in codes {
            let _ = writeln!(self.out, "            Self::{} => {}i64,", c.name, c.code);
        }
        self.out.push_str(
            "            Self::Unknown(code) => code,\n        }\n    }\n\n    \
             /// The variant's name for a known code (the service's `message` when a\n    \
             /// source shows one); `None` for `Unknown`.\n    \
             pub fn name(self) -> ::std::option::Option<&'static str> {\n        \
             ::std::option::Option::Some(match self {\n",
        );
        for c in codes {
            let _ = writeln!(
                self.out,
                "            Self::{} => {},",
                c.name,
                str_literal(&c.name)
            );
        }
        self.out.push_str(
            "            Self::Unknown(_) => return ::std::option::Option::None,\n        })\n    }\n\n    \
             /// The `message` the service sends with the code, when a source shows it.\n    \
             pub fn message(self) -> ::std::option::Option<&'static str> {\n        match self {\n",
        );
        for c in codes {
            match &c.message {
                Some(message) => {
                    let _ = writeln!(
                        self.out,
                        "            Self::{} => ::std::option::Option::Some({}),",
                        c.name,
                        str_literal(message)
                    );
                }
                None => {
                    let _ = writeln!(
                        self.out,
                        "            Self::{} => ::std::option::Option::None,",
                        c.name
                    );
                }
            }
        }
        let retryable: Vec<String> = codes
            .iter()
            .filter(|c| c.retryable)
            .map(|c| format!("Self::{}", c.name))
            .collect();
        let is_retryable = if retryable.is_empty() {
            "{\n            let _ = self;\n            false\n        }".to_owned()
        } else {
            format!("matches!(self, {})", retryable.join(" | "))
        };
        let _ = write!(
            self.out,
            "            Self::Unknown(_) => ::std::option::Option::None,\n        }}\n    }}\n\n    \
             /// Whether the spec marks the failure as worth retrying later.\n    \
             pub fn is_retryable(self) -> bool {{\n        {is_retryable}\n    }}\n\n    \
             /// Which family of failure the code belongs to, when known.\n    \
             pub fn category(self) -> ::std::option::Option<{rt}::ErrorCategory> {{\n        \
             ::std::option::Option::Some(match self {{\n"
        );
        for c in codes {
            let _ = writeln!(
                self.out,
                "            Self::{} => {rt}::ErrorCategory::{},",
                c.name,
                category_text(c.category)
            );
        }
        self.out.push_str(
            "            Self::Unknown(_) => return ::std::option::Option::None,\n        })\n    }\n}\n\n",
        );
        self.known_codes_table(codes);
    }

    /// The same table as data, for the runtime: its errors judge a
    /// documented code by this entry, not by the HTTP status.
    fn known_codes_table(&mut self, codes: &[ErrorCodeModel]) {
        let rt = self.rt.clone();
        self.doc(
            "",
            &format!(
                "The spec's error table as the runtime reads it\n\
                 ([`Config::with_error_codes`]({rt}::Config::with_error_codes)): one entry per\n\
                 [`ErrorCode`] variant but `Unknown`."
            ),
        );
        let _ = writeln!(self.out, "pub static ERROR_CODES: &[{rt}::KnownCode] = &[");
        for c in codes {
            let _ = writeln!(
                self.out,
                "    {rt}::KnownCode::new({}, {}, {rt}::ErrorCategory::{}, {}),",
                c.code,
                str_literal(&c.name),
                category_text(c.category),
                c.retryable
            );
        }
        self.out.push_str("];\n\n");
    }
}

fn category_text(category: ErrorCategory) -> &'static str {
    match category {
        ErrorCategory::Auth => "Auth",
        ErrorCategory::Request => "Request",
        ErrorCategory::RateLimit => "RateLimit",
        ErrorCategory::NotFound => "NotFound",
        ErrorCategory::Server => "Server",
    }
}
