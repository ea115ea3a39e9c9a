//! What an operation sends: the endpoint description and the request parts.
//!
//! Generated code implements [`Operation`] for each request type. Its
//! [`Operation::write`] only says where each value goes
//! (`request.path("file_token", &self.file_token)`); this module turns that into
//! an encoded path, a query string and a JSON body, and checks identifiers
//! before anything is sent.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::multipart::{FilePart, Part};
use super::params::{ParamError, ParamSource, ParamSpec};
use super::secret::Secret;

/// HTTP methods used by kdocs endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an endpoint authenticates, as its spec declares (`auth:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// The WPS-2 signature headers.
    Wps2,
    /// A user `access_token` query parameter (a request parameter), no signature.
    AccessToken,
    /// Both.
    Wps2AndAccessToken,
    /// Neither: the OAuth token calls carry the app's credentials as parameters.
    None,
}

impl Auth {
    /// Whether requests carry the WPS-2 signature headers.
    pub fn signed(self) -> bool {
        matches!(self, Auth::Wps2 | Auth::Wps2AndAccessToken)
    }

    /// Whether requests carry a user `access_token`.
    pub fn user(self) -> bool {
        matches!(self, Auth::AccessToken | Auth::Wps2AndAccessToken)
    }
}

/// What a request's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body.
    None,
    /// A JSON object (`{}` when no field is set).
    Json,
    /// multipart/form-data.
    Multipart,
}

/// The static description of an endpoint, as written in the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationSpec {
    /// The operation name (`get_download_url`).
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template with `{name}` placeholders.
    pub path: &'static str,
    /// Whether repeating the call is safe.
    pub idempotent: bool,
    /// How the call authenticates.
    pub auth: Auth,
    /// What the body is.
    pub body: BodyKind,
    /// One line: what the operation does.
    pub summary: &'static str,
    /// Its documentation (the `kdocs` command's help).
    pub docs: &'static str,
    /// Its parameters, in the request type's field order.
    pub params: &'static [ParamSpec],
    /// The spec's example answer (the envelope's `data`), as JSON: what the
    /// fake kdocs answers unless a handler keeps state for the operation.
    pub example: &'static str,
    /// The family of the spec file the operation is in (`appspace`), when the
    /// file names one: the cargo feature that compiles it, and the group of
    /// its `kdocs` subcommand.
    pub family: Option<&'static str>,
    /// Whether the answer's `task_id` names an office task (an extraction
    /// or a conversion), which `get_office_task` answers and
    /// `Client::wait_for_task` waits for (`kdocs … --wait`).
    pub office_task: bool,
}

impl OperationSpec {
    /// The parameter whose Rust name is `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// One endpoint's request type. Implemented by generated code.
///
/// `Send`, as its output, like every generated type: a call can move between
/// threads.
pub trait Operation: Send {
    /// The type of the response `data` (`Serialize` too: a fake server
    /// answers with it).
    type Output: DeserializeOwned + Serialize + Send;
    /// The endpoint's description.
    const SPEC: OperationSpec;
    /// Puts each parameter where it belongs.
    fn write(&self, request: &mut RequestParts);

    /// Builds the request from named values (the fake's decoded HTTP
    /// request, the command line): each field read from `source` by its
    /// entry in [`SPEC.params`](OperationSpec::params). See [`crate::params`].
    fn from_params(source: &mut dyn ParamSource) -> Result<Self, ParamError>
    where
        Self: Sized;
}

/// Code that does something with every operation of an API, by type: the
/// generated `for_each_operation` calls [`visit`](Self::visit) once per
/// operation, in spec order. The fake server builds its routes this way, and
/// the `kdocs` command its subcommands.
pub trait OperationVisitor {
    /// Called with each operation's request type.
    fn visit<O: Operation + 'static>(&mut self);

    /// Called instead of [`visit`](Self::visit) for an operation whose pages
    /// a [`Pages`](crate::Pages) walks, so that code that lists the whole API
    /// can walk any list without naming it (the `kdocs` command's
    /// `--paginate`). The default visits it as any other operation.
    fn visit_paged<O: crate::Paged + 'static>(&mut self)
    where
        O::Item: Serialize,
    {
        self.visit::<O>();
    }
}

/// A value that can be sent in a path segment or the query string.
pub trait ParamValue {
    /// The value as text, before percent-encoding.
    fn to_param(&self) -> Cow<'_, str>;

    /// Whether the value is a secret (kept out of error messages even when
    /// the service echoes it back).
    fn is_secret(&self) -> bool {
        false
    }
}

impl ParamValue for String {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for str {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for Secret<String> {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.expose())
    }

    fn is_secret(&self) -> bool {
        true
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_param(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
display_param!(bool, i32, i64, u32, u64, f64);

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_param(&self) -> Cow<'_, str> {
        (**self).to_param()
    }

    fn is_secret(&self) -> bool {
        (**self).is_secret()
    }
}

/// A value serialized to JSON, or why it could not be.
type JsonResult = Result<serde_json::Value, serde_json::Error>;

/// The text of a form part's value (a string without its quotes).
fn part_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Everything except RFC 3986 unreserved characters is percent-encoded, so a
/// value like `a/b?c#d` stays one path segment or one query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a request could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InvalidParameter {
    pub(crate) parameter: &'static str,
    pub(crate) reason: String,
}

/// The parts of one request, filled in by [`Operation::write`].
///
/// `Debug` shows parameter names only: values may be tokens.
#[derive(Default)]
pub struct RequestParts {
    /// Each path placeholder's name and where its percent-encoded value is
    /// in `path_text`.
    path_values: Vec<(&'static str, std::ops::Range<usize>)>,
    /// The percent-encoded path values, one after another.
    path_text: String,
    /// The percent-encoded query string (`name=value&name=value`), written
    /// as parameters are added.
    query: String,
    body: Option<serde_json::Map<String, serde_json::Value>>,
    parts: Vec<Part>,
    invalid: Option<InvalidParameter>,
    /// The text of every secret value written (path, query or body).
    secrets: Vec<String>,
}

impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query_names = self
            .query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split('=').next().unwrap_or_default())
            .collect::<Vec<_>>();
        f.debug_struct("RequestParts")
            .field(
                "path",
                &self.path_values.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("query", &query_names)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|b| b.keys().cloned().collect::<Vec<_>>()),
            )
            .field(
                "multipart",
                &self
                    .parts
                    .iter()
                    .map(|p| match p {
                        Part::Text { name, .. } | Part::File { name, .. } => *name,
                    })
                    .collect::<Vec<_>>(),
            )
            .field("invalid", &self.invalid)
            .finish_non_exhaustive()
    }
}

impl RequestParts {
    /// Sets the path placeholder `{name}`.
    pub fn path(&mut self, name: &'static str, value: &(impl ParamValue + ?Sized)) {
        let text = value.to_param();
        if value.is_secret() {
            self.secrets.push(text.to_string());
        }
        if !self.check_identifier(name, &text) {
            return;
        }
        // URL parsers resolve `.` and `..` segments (even percent-encoded), so
        // such a value would address another endpoint, validly signed.
        if matches!(text.as_ref(), "." | "..") {
            self.invalid(name, format!("cannot be `{text}` in a URL path"));
            return;
        }
        let start = self.path_text.len();
        self.path_text.extend(utf8_percent_encode(&text, COMPONENT));
        self.path_values.push((name, start..self.path_text.len()));
    }

    /// Adds a required query parameter.
    pub fn query(&mut self, name: &'static str, value: &(impl ParamValue + ?Sized)) {
        let text = value.to_param();
        if value.is_secret() {
            self.secrets.push(text.to_string());
        }
        if self.check_identifier(name, &text) {
            if !self.query.is_empty() {
                self.query.push('&');
            }
            self.query.extend(utf8_percent_encode(name, COMPONENT));
            self.query.push('=');
            self.query.extend(utf8_percent_encode(&text, COMPONENT));
        }
    }

    /// Adds an optional query parameter when it is set.
    pub fn query_opt<T: ParamValue>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.query(name, value);
        }
    }

    /// Adds a list query parameter: one `name=value` pair per item
    /// (`?ext=a&ext=b`); an empty list sends none.
    pub fn query_each<T: ParamValue>(&mut self, name: &'static str, values: &[T]) {
        for value in values {
            self.query(name, value);
        }
    }

    /// Adds an optional list query parameter when it is set.
    pub fn query_each_opt<T: ParamValue>(&mut self, name: &'static str, values: Option<&Vec<T>>) {
        if let Some(values) = values {
            self.query_each(name, values);
        }
    }

    /// Adds a text part of a multipart body: a string as it is, a number or
    /// boolean as text, a list comma-joined.
    pub fn part(&mut self, name: &'static str, value: &(impl Serialize + ?Sized)) {
        self.part_json(name, &|| serde_json::to_value(value));
    }

    /// The rest of [`part`](Self::part), the same for every value type.
    fn part_json(&mut self, name: &'static str, to_json: &dyn Fn() -> JsonResult) {
        let (json, secrets) = super::secret::collecting(to_json);
        self.secrets.extend(secrets);
        let text = match json {
            Ok(serde_json::Value::Array(items)) => {
                items.iter().map(part_text).collect::<Vec<_>>().join(",")
            }
            Ok(value) => part_text(&value),
            Err(e) => {
                self.invalid(name, format!("cannot be sent as a form part: {e}"));
                return;
            }
        };
        if self.check_identifier(name, &text) {
            self.parts.push(Part::Text { name, value: text });
        }
    }

    /// Adds an optional text part when it is set.
    pub fn part_opt<T: Serialize>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.part(name, value);
        }
    }

    /// Adds the file part of a multipart body.
    pub fn file(&mut self, name: &'static str, file: &FilePart) {
        self.parts.push(Part::File {
            name,
            file: file.clone(),
        });
    }

    /// Adds an optional file part when it is set.
    pub fn file_opt(&mut self, name: &'static str, file: Option<&FilePart>) {
        if let Some(file) = file {
            self.file(name, file);
        }
    }

    /// Adds a required JSON body field.
    pub fn body(&mut self, name: &'static str, value: &(impl Serialize + ?Sized)) {
        self.body_json(name, &|| serde_json::to_value(value));
    }

    /// The rest of [`body`](Self::body), the same for every value type: only
    /// the serialization in the closure is compiled per type.
    fn body_json(&mut self, name: &'static str, to_json: &dyn Fn() -> JsonResult) {
        let (json, secrets) = super::secret::collecting(to_json);
        self.secrets.extend(secrets);
        match json {
            Ok(serde_json::Value::String(s)) if !self.check_identifier(name, &s) => {}
            Ok(json) => {
                self.body
                    .get_or_insert_with(Default::default)
                    .insert(name.to_owned(), json);
            }
            Err(e) => self.invalid(name, format!("cannot be encoded as JSON: {e}")),
        }
    }

    /// Adds an optional JSON body field when it is set.
    pub fn body_opt<T: Serialize>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.body(name, value);
        }
    }

    /// Required identifiers (tokens, ids) must not be empty or blank: such a
    /// request can only fail, or worse, address a different resource.
    fn check_identifier(&mut self, name: &'static str, value: &str) -> bool {
        if value.trim().is_empty() {
            let reason = if value.is_empty() {
                "is empty"
            } else {
                "is only whitespace"
            };
            self.invalid(name, reason.to_owned());
            return false;
        }
        true
    }

    fn invalid(&mut self, parameter: &'static str, reason: String) {
        if self.invalid.is_none() {
            self.invalid = Some(InvalidParameter { parameter, reason });
        }
    }

    /// The path with placeholders replaced by percent-encoded values, and the
    /// encoded query string (empty when there are no query parameters).
    pub(crate) fn render(&self, template: &str) -> Result<(String, &str), InvalidParameter> {
        if let Some(invalid) = &self.invalid {
            return Err(invalid.clone());
        }
        let mut path = String::with_capacity(template.len() + self.path_text.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            path.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            let value = self
                .path_values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, range)| &self.path_text[range.clone()])
                .ok_or_else(|| InvalidParameter {
                    parameter: "path",
                    reason: format!("placeholder `{{{name}}}` has no value"),
                })?;
            path.push_str(value);
            rest = &rest[close + 1..];
        }
        path.push_str(rest);
        Ok((path, &self.query))
    }

    /// The JSON body bytes, if the operation has body fields.
    pub(crate) fn body_bytes(&self) -> Option<Vec<u8>> {
        self.body
            .as_ref()
            .map(|map| serde_json::to_vec(map).unwrap_or_default())
    }

    /// The text of every secret value written.
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// The parts of a multipart body, in order.
    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_values_stay_one_segment() {
        let mut parts = RequestParts::default();
        parts.path("file_token", "a/b?c#d");
        parts.query("file_token", "a/b?c#d");
        let (path, query) = parts.render("/files/{file_token}/download").unwrap();
        assert_eq!(path, "/files/a%2Fb%3Fc%23d/download");
        assert_eq!(query, "file_token=a%2Fb%3Fc%23d");
    }

    #[test]
    fn unicode_and_spaces_are_encoded() {
        let mut parts = RequestParts::default();
        parts.path("t", "文档 1");
        let (path, _) = parts.render("/x/{t}").unwrap();
        assert_eq!(path, "/x/%E6%96%87%E6%A1%A3%201");
    }

    #[test]
    fn dot_segments_are_refused() {
        for value in [".", ".."] {
            let mut parts = RequestParts::default();
            parts.path("file_token", value);
            let err = parts.render("/files/{file_token}/download").unwrap_err();
            assert_eq!(err.parameter, "file_token");
        }
        let mut parts = RequestParts::default();
        parts.path("file_token", "...");
        assert_eq!(parts.render("/f/{file_token}").unwrap().0, "/f/...");
    }

    #[test]
    fn blank_identifiers_are_refused_with_their_name() {
        let mut parts = RequestParts::default();
        parts.path("file_token", "  ");
        let err = parts.render("/x/{file_token}").unwrap_err();
        assert_eq!(err.parameter, "file_token");
        assert_eq!(err.reason, "is only whitespace");

        let mut parts = RequestParts::default();
        parts.body("token", &Secret::new(String::new()));
        assert_eq!(parts.render("/x").unwrap_err().parameter, "token");
    }

    #[test]
    fn secrets_are_known_and_debug_shows_names_only() {
        let mut parts = RequestParts::default();
        parts.path("token", &Secret::new("path-secret".to_owned()));
        parts.query("access_token", &Secret::new("query-secret".to_owned()));
        parts.query("plain", "visible-id");
        parts.body("token", &Secret::new("body-secret".to_owned()));
        parts.body("file_token", "file-id");
        assert_eq!(
            parts.secrets(),
            ["path-secret", "query-secret", "body-secret"]
        );
        let debug = format!("{parts:?}");
        for value in ["secret", "visible-id", "file-id"] {
            assert!(!debug.contains(value), "{debug}");
        }
        assert!(debug.contains("access_token"), "{debug}");
    }

    #[test]
    fn body_fields_and_optional_values() {
        let mut parts = RequestParts::default();
        parts.body("file_token", "abc");
        parts.body_opt::<bool>("download", None);
        parts.query_opt::<String>("q", None);
        assert_eq!(parts.body_bytes().unwrap(), br#"{"file_token":"abc"}"#);
        assert_eq!(parts.render("/x").unwrap(), ("/x".to_owned(), ""));
        parts.body_opt("download", Some(&true));
        assert_eq!(
            parts.body_bytes().unwrap(),
            br#"{"download":true,"file_token":"abc"}"#
        );
    }
}
