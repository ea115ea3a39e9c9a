//! The `ErrorCode` table: one variant per documented code, its category and
//! its description.

use super::{Context, Element, List};
use crate::emit::doc_example::{error_code_example, with_example};
use crate::emit::str_literal;
use crate::model::ErrorCodeModel;
use crate::spec::ErrorCategory;

impl Context<'_> {
    pub(super) fn error_code_items(&mut self, codes: &[ErrorCodeModel]) {
        self.doc(&with_example(
            "The service error codes this client knows, from the spec's `errors:` table:\n\
             only codes a source names (a documentation page, or answers observed in\n\
             public clients), each variant saying which.\n\n\
             A code it does not know is kept in `Unknown`. More codes may be added as\n\
             sources are found, so the enum is `#[non_exhaustive]`: match it with a\n\
             wildcard arm.",
            error_code_example(self.settings, codes),
        ));
        self.derive(&[
            "::std::clone::Clone",
            "::std::marker::Copy",
            "::std::fmt::Debug",
            "::std::cmp::PartialEq",
            "::std::cmp::Eq",
            "::std::hash::Hash",
        ]);
        self.w.line("#[non_exhaustive]");
        self.w.open("pub enum ErrorCode {");
        for c in codes {
            self.doc(&c.doc);
            self.w.line(&format!("{},", c.name));
        }
        self.doc("A code not in the spec.");
        self.w.line("Unknown(i64),");
        self.w.close("}");
        self.w.blank();
        self.w.open("impl ErrorCode {");
        self.code_conversions(codes);
        self.w.blank();
        self.code_descriptions(codes);
        self.w.close("}");
        self.w.blank();
        self.known_codes_table(codes);
    }

    /// `from_code` and `code`.
    fn code_conversions(&mut self, codes: &[ErrorCodeModel]) {
        self.doc("The known code for `code`, or `Unknown`.");
        self.w.open("pub fn from_code(code: i64) -> Self {");
        self.w.open("match code {");
        for c in codes {
            self.w.line(&format!("{}i64 => Self::{},", c.code, c.name));
        }
        self.w.line("other => Self::Unknown(other),");
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
        self.doc("The numeric code.");
        self.w.open("pub fn code(self) -> i64 {");
        self.w.open("match self {");
        for c in codes {
            self.w.line(&format!("Self::{} => {}i64,", c.name, c.code));
        }
        self.w.line("Self::Unknown(code) => code,");
        self.w.close("}");
        self.w.close("}");
    }

    /// `name`, `message`, `is_retryable` and `category`.
    fn code_descriptions(&mut self, codes: &[ErrorCodeModel]) {
        let rt = self.rt.clone();
        self.doc(
            "The variant's name for a known code (the service's `message` when a\n\
             source shows one); `None` for `Unknown`.",
        );
        self.w
            .open("pub fn name(self) -> ::std::option::Option<&'static str> {");
        self.w.open("::std::option::Option::Some(match self {");
        for c in codes {
            self.w
                .line(&format!("Self::{} => {},", c.name, str_literal(&c.name)));
        }
        self.w
            .line("Self::Unknown(_) => return ::std::option::Option::None,");
        self.w.close("})");
        self.w.close("}");
        self.w.blank();
        self.doc("The `message` the service sends with the code, when a source shows it.");
        self.w
            .open("pub fn message(self) -> ::std::option::Option<&'static str> {");
        self.w.open("match self {");
        for c in codes {
            let message = match &c.message {
                Some(message) => format!("::std::option::Option::Some({})", str_literal(message)),
                None => "::std::option::Option::None".to_owned(),
            };
            self.w.line(&format!("Self::{} => {message},", c.name));
        }
        self.w
            .line("Self::Unknown(_) => ::std::option::Option::None,");
        self.w.close("}");
        self.w.close("}");
        self.w.blank();
        self.doc("Whether the spec marks the failure as worth retrying later.");
        self.w.open("pub fn is_retryable(self) -> bool {");
        let retryable: Vec<String> = codes
            .iter()
            .filter(|c| c.retryable)
            .map(|c| format!("Self::{}", c.name))
            .collect();
        if retryable.is_empty() {
            self.w.line("let _ = self;");
            self.w.line("false");
        } else {
            self.w
                .line(&format!("matches!(self, {})", retryable.join(" | ")));
        }
        self.w.close("}");
        self.w.blank();
        self.doc("Which family of failure the code belongs to, when known.");
        self.w.open(&format!(
            "pub fn category(self) -> ::std::option::Option<{rt}::ErrorCategory> {{"
        ));
        self.w.open("::std::option::Option::Some(match self {");
        for c in codes {
            self.w.line(&format!(
                "Self::{} => {rt}::ErrorCategory::{},",
                c.name,
                category_text(c.category)
            ));
        }
        self.w
            .line("Self::Unknown(_) => return ::std::option::Option::None,");
        self.w.close("})");
        self.w.close("}");
    }

    /// The same table as data, for the runtime: its errors judge a
    /// documented code by this entry, not by the HTTP status.
    fn known_codes_table(&mut self, codes: &[ErrorCodeModel]) {
        let rt = self.rt.clone();
        self.doc(&format!(
            "The spec's error table as the runtime reads it\n\
             ([`Config::with_error_codes`]({rt}::Config::with_error_codes)): one entry per\n\
             [`ErrorCode`] variant but `Unknown`."
        ));
        self.w
            .open(&format!("pub static ERROR_CODES: &[{rt}::KnownCode] = &["));
        for c in codes {
            let arguments = vec![
                c.code.to_string().into(),
                str_literal(&c.name).into(),
                format!("{rt}::ErrorCategory::{}", category_text(c.category)).into(),
                c.retryable.to_string().into(),
            ];
            self.w.wrapped(&Element::seq([
                format!("{rt}::KnownCode::new").into(),
                List::arguments(arguments).into(),
                ",".into(),
            ]));
        }
        self.w.close("];");
        self.w.blank();
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
