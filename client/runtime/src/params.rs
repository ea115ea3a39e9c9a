//! An operation's parameters as data, and requests built from named values.
//!
//! Each generated operation describes its parameters once, in
//! [`OperationSpec::params`](crate::OperationSpec::params): the Rust name, where
//! each is sent and under which wire name, whether it is required, a list, a
//! file or a secret, and a line of help. Everything that reads requests from
//! outside the typed API reads that description:
//!
//! - the fake kdocs server decodes an HTTP request into the request type;
//! - the `kdocs` command turns `--flag value` arguments into one.
//!
//! Both do it through the one generated constructor,
//! [`Operation::from_params`](crate::Operation::from_params), which asks a
//! [`ParamSource`] for each field in turn. A source knows how its values are
//! written (the text of a query string, a JSON body, command-line text) and
//! offers them reading by reading; the typed decoding is [`required`] and
//! [`optional`] here, written once.
//!
//! ```
//! use kdocs_runtime::params::{self, Location, ParamError, ParamSource, ParamSpec};
//! use kdocs_runtime::FilePart;
//! use kdocs_runtime::serde_json::Value;
//!
//! /// Values by wire name, as JSON.
//! struct Values(Vec<(&'static str, Value)>);
//!
//! impl ParamSource for Values {
//!     fn offer(
//!         &mut self,
//!         param: &'static ParamSpec,
//!         accept: &mut dyn FnMut(&Value) -> Result<(), String>,
//!     ) -> Result<bool, ParamError> {
//!         let Some((_, value)) = self.0.iter().find(|(name, _)| *name == param.wire_name()) else {
//!             return Ok(false);
//!         };
//!         accept(value).map(|()| true).map_err(|reason| ParamError::invalid(param, reason))
//!     }
//!
//!     fn file(&mut self, _: &'static ParamSpec) -> Result<Option<FilePart>, ParamError> {
//!         Ok(None)
//!     }
//! }
//!
//! static COUNT: ParamSpec = ParamSpec {
//!     name: "count",
//!     wire: &[(Location::Query, "count")],
//!     required: true,
//!     list: false,
//!     file: false,
//!     secret: false,
//!     help: "How many.",
//! };
//!
//! let mut source = Values(vec![("count", Value::from(5))]);
//! assert_eq!(params::required::<u32>(&mut source, &COUNT).unwrap(), 5);
//! let err = params::required::<u32>(&mut Values(vec![]), &COUNT).unwrap_err();
//! assert!(matches!(err, ParamError::Missing(p) if p.name == "count"));
//! ```

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::multipart::FilePart;

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// A `{placeholder}` of the path.
    Path,
    /// The query string.
    Query,
    /// A field of the JSON body.
    Body,
    /// A part of a multipart/form-data body.
    Multipart,
}

impl Location {
    /// `path`, `query`, `body`, `multipart`: how errors name the place.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Body => "body",
            Location::Multipart => "multipart",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parameter of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// The Rust name: the request's field, setter and getter, and (with `-`
    /// for `_`) the `kdocs` command's flag.
    pub name: &'static str,
    /// Where it is sent, with the name it is sent under there (the same
    /// everywhere, unless a page spells it differently in one place). A
    /// parameter sent in several places carries the same value in each.
    pub wire: &'static [(Location, &'static str)],
    /// Whether it must be present (and, for a string, not empty).
    pub required: bool,
    /// Whether it is a list: repeated in a query string (`?ext=a&ext=b`),
    /// comma-joined in a multipart part, a JSON array in a body.
    pub list: bool,
    /// Whether it is a file (a multipart file part).
    pub file: bool,
    /// Whether it is a secret (a token): kept out of `Debug`, logs and errors.
    pub secret: bool,
    /// One line of help.
    pub help: &'static str,
}

impl ParamSpec {
    /// The name it is sent under in its first place (the Rust name when it is
    /// sent nowhere).
    pub fn wire_name(&self) -> &'static str {
        self.wire.first().map_or(self.name, |(_, wire)| *wire)
    }

    /// Its first place, if any.
    pub fn location(&self) -> Option<Location> {
        self.wire.first().map(|(location, _)| *location)
    }

    /// The name it is sent under at `location`, if it is sent there.
    pub fn wire_name_at(&self, location: Location) -> Option<&'static str> {
        self.wire
            .iter()
            .find(|(l, _)| *l == location)
            .map(|(_, wire)| *wire)
    }

    /// The command-line flag, `--file-token`.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }
}

/// Why a request could not be built from named values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamError {
    /// A required parameter was not given.
    Missing(&'static ParamSpec),
    /// A parameter was given, but not usable.
    Invalid {
        /// The parameter.
        param: &'static ParamSpec,
        /// What is wrong, in the words of the source (which knows where the
        /// value came from).
        reason: String,
    },
}

impl ParamError {
    /// A parameter given but not usable, for `reason`.
    pub fn invalid(param: &'static ParamSpec, reason: impl Into<String>) -> Self {
        ParamError::Invalid {
            param,
            reason: reason.into(),
        }
    }

    /// The parameter it is about.
    pub fn param(&self) -> &'static ParamSpec {
        match self {
            ParamError::Missing(param) | ParamError::Invalid { param, .. } => param,
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::Missing(param) => write!(f, "`{}` is required", param.name),
            ParamError::Invalid { param, reason } => write!(f, "`{}` {reason}", param.name),
        }
    }
}

impl std::error::Error for ParamError {}

/// Named values that a request is built from (see the module docs).
pub trait ParamSource {
    /// Offers `param`'s value to `accept`, one reading after another (text as
    /// itself, then as JSON, say) until `accept` takes one. `Ok(false)` when
    /// the value is not given; an error when it is given but no reading is
    /// taken, or it is unusable whatever the type (an empty required string,
    /// two places that disagree). `accept` answers why a reading is refused.
    fn offer(
        &mut self,
        param: &'static ParamSpec,
        accept: &mut dyn FnMut(&Value) -> Result<(), String>,
    ) -> Result<bool, ParamError>;

    /// The file of a file parameter, when given.
    fn file(&mut self, param: &'static ParamSpec) -> Result<Option<FilePart>, ParamError>;
}

/// Offers `readings` to `accept` in order, for a [`ParamSource`]: `Ok` at the
/// first one taken; otherwise the first refusal's reason (empty for no
/// reading), for the source to word with where the value came from.
pub fn offer_each(
    readings: impl IntoIterator<Item = Value>,
    accept: &mut dyn FnMut(&Value) -> Result<(), String>,
) -> Result<(), String> {
    let mut first = None;
    for reading in readings {
        match accept(&reading) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or_default())
}

/// A required parameter's value, as `T`.
pub fn required<T: DeserializeOwned>(
    source: &mut dyn ParamSource,
    param: &'static ParamSpec,
) -> Result<T, ParamError> {
    optional(source, param)?.ok_or(ParamError::Missing(param))
}

/// An optional parameter's value, as `T`, when given.
pub fn optional<T: DeserializeOwned>(
    source: &mut dyn ParamSource,
    param: &'static ParamSpec,
) -> Result<Option<T>, ParamError> {
    let mut taken = None;
    let given = source.offer(param, &mut |value| {
        T::deserialize(value)
            .map(|value| taken = Some(value))
            .map_err(|e| e.to_string())
    })?;
    match (given, taken) {
        (true, Some(value)) => Ok(Some(value)),
        (false, _) => Ok(None),
        // A source that says it took a value no reading of which was taken.
        (true, None) => Err(ParamError::invalid(param, "has no usable value")),
    }
}

/// A required file parameter.
pub fn file(
    source: &mut dyn ParamSource,
    param: &'static ParamSpec,
) -> Result<FilePart, ParamError> {
    source.file(param)?.ok_or(ParamError::Missing(param))
}

/// An optional file parameter, when given.
pub fn file_opt(
    source: &mut dyn ParamSource,
    param: &'static ParamSpec,
) -> Result<Option<FilePart>, ParamError> {
    source.file(param)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offers text as itself, then as JSON: the readings a text source gives.
    struct Text(Vec<(&'static str, &'static str)>);

    impl ParamSource for Text {
        fn offer(
            &mut self,
            param: &'static ParamSpec,
            accept: &mut dyn FnMut(&Value) -> Result<(), String>,
        ) -> Result<bool, ParamError> {
            let Some((_, text)) = self.0.iter().find(|(n, _)| *n == param.name) else {
                return Ok(false);
            };
            let json = serde_json::from_str::<Value>(text).ok();
            let readings = [Some(Value::String((*text).to_owned())), json];
            offer_each(readings.into_iter().flatten(), accept)
                .map(|()| true)
                .map_err(|e| ParamError::invalid(param, e))
        }

        fn file(&mut self, _: &'static ParamSpec) -> Result<Option<FilePart>, ParamError> {
            Ok(None)
        }
    }

    const fn spec(name: &'static str, required: bool) -> ParamSpec {
        ParamSpec {
            name,
            wire: &[(Location::Query, "wire_name")],
            required,
            list: false,
            file: false,
            secret: false,
            help: "",
        }
    }

    static COUNT: ParamSpec = spec("count", true);
    static NAME: ParamSpec = spec("name", false);
    static NOWHERE: ParamSpec = ParamSpec {
        wire: &[],
        ..spec("nowhere", false)
    };

    #[test]
    fn values_are_typed_by_the_first_reading_taken() {
        let mut source = Text(vec![("count", "5"), ("name", "007")]);
        assert_eq!(required::<u32>(&mut source, &COUNT).unwrap(), 5);
        assert_eq!(
            optional::<String>(&mut source, &NAME).unwrap().as_deref(),
            Some("007")
        );
        let err = required::<u32>(&mut Text(vec![("count", "five")]), &COUNT).unwrap_err();
        assert!(matches!(&err, ParamError::Invalid { param, .. } if param.name == "count"));
        assert!(err.to_string().starts_with("`count` "), "{err}");
    }

    #[test]
    fn absent_values() {
        let mut source = Text(vec![]);
        assert_eq!(optional::<u32>(&mut source, &NAME).unwrap(), None);
        let err = required::<u32>(&mut source, &COUNT).unwrap_err();
        assert_eq!(err, ParamError::Missing(&COUNT));
        assert_eq!(err.to_string(), "`count` is required");
        assert_eq!(err.param().flag(), "--count");
        assert!(file(&mut source, &COUNT).is_err());
        assert!(file_opt(&mut source, &COUNT).unwrap().is_none());
    }

    #[test]
    fn wire_names() {
        assert_eq!(COUNT.wire_name(), "wire_name");
        assert_eq!(COUNT.location(), Some(Location::Query));
        assert_eq!(COUNT.wire_name_at(Location::Query), Some("wire_name"));
        assert_eq!(COUNT.wire_name_at(Location::Body), None);
        assert_eq!(NOWHERE.wire_name(), "nowhere");
        assert_eq!(NOWHERE.location(), None);
        assert_eq!(Location::Multipart.to_string(), "multipart");
    }
}
