//! The fake server's runtime under generated code: routes, request decoding,
//! answers.
//!
//! kdocs-codegen emits, next to each client, a `fake` module (see
//! `Settings::with_fake_server`) that only *describes* the server side of the
//! spec and calls this module:
//!
//! - a route table, [`Route`]s with their [`Param`]s: method, path template,
//!   and where each parameter comes from;
//! - a [`FromWire`] impl per request type, naming each field:
//!   `file_token: request.required("file_token")?`;
//! - a `Handlers` trait with one method per operation, whose default answers
//!   with the spec's example through [`example`];
//! - a `Service<H>` implementing [`Api`] by calling the handler of a route.
//!
//! Everything that does work is here, written and tested once: matching a
//! method and path against the routes ([`match_route`]), reading each
//! parameter from the path, the query or the JSON body, converting it to the
//! field's type, and refusing a missing, empty or mistyped one the way kdocs
//! refuses a bad argument: `10001` InvalidArgument, HTTP 400, with a hint that
//! names the parameter. A path the spec does not have, or a method it does not
//! allow, is answered with the fake's own codes (see
//! [`FakeCode`]).
//!
//! [`FakeKdocs::start_serving`](super::FakeKdocs::start_serving) serves any
//! generated API this way; [`FakeKdocs::start`](super::FakeKdocs::start)
//! serves kdocs' own, with state kept for the endpoints that need it.

use std::time::SystemTime;

use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::errors::FakeCode;
pub use super::errors::FakeError;
use crate::runtime::{Auth, BodyKind, FilePart, Method};

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// One parameter of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The wire name.
    pub name: &'static str,
    /// Whether it must be present (and, for a string, not empty).
    pub required: bool,
    /// Whether it is a list: repeated in a query string (`?ext=a&ext=b`),
    /// comma-joined in a multipart part.
    pub repeated: bool,
    /// Where it is sent, with the name it is sent under there (the same
    /// everywhere, unless a page spells it differently in one place); a
    /// parameter sent in several places must carry the same value in each.
    pub locations: &'static [(Location, &'static str)],
}

/// One endpoint of a spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The operation name.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template (`/files/{file_token}/download`).
    pub path: &'static str,
    /// How the call authenticates: the server verifies the WPS-2 signature
    /// and the user's `access_token` as this says.
    pub auth: Auth,
    /// What the body is.
    pub body: BodyKind,
    /// Its parameters.
    pub params: &'static [Param],
}

impl Route {
    /// The parameter whose Rust name is `name`.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// What a generated `Service` gives the fake server: its routes, and a way to
/// call the handler of one.
pub trait Api: Send + Sync + 'static {
    /// Every route, in spec order.
    fn routes(&self) -> &'static [Route];

    /// Answers the request that matched `routes()[index]`: the `data` of a
    /// success envelope, or an error answer.
    fn call(
        &self,
        index: usize,
        call: &Call<'_>,
        request: &WireRequest<'_>,
    ) -> Result<Value, FakeError>;
}

/// Who is calling and when: what a handler may want besides the request.
pub struct Call<'a> {
    pub(crate) shared: &'a super::Shared,
    pub(crate) app_id: &'a str,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) now: SystemTime,
}

impl Call<'_> {
    /// The app id of the signed request, or of the app the user's access
    /// token was issued to (empty for a call with neither).
    pub fn app_id(&self) -> &str {
        self.app_id
    }

    /// The user of the request's `access_token`, on an endpoint that takes one.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id
    }

    /// The fake clock's time when the request arrived.
    pub fn now(&self) -> SystemTime {
        self.now
    }

    /// The fake's base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }
}

/// A request that matched a route, before decoding.
#[derive(Debug)]
pub struct WireRequest<'a> {
    route: &'static Route,
    /// Path parameters, percent-decoded, by name.
    path: PathValues,
    /// Query pairs, decoded, in order.
    query: Vec<(String, String)>,
    /// The JSON body object, when the request had a body.
    body: Option<Map<String, Value>>,
    /// The parts of a multipart body.
    form: Option<Form>,
    /// The file name of a `Content-Disposition` request header.
    disposition: Option<String>,
    /// Why the body could not be used, when it could not.
    body_error: Option<String>,
    /// The body bytes as received.
    raw: &'a [u8],
}

/// Turns a request into a request type; generated for each one.
pub trait FromWire: Sized {
    /// Reads every field, refusing a missing or mistyped one.
    fn from_wire(request: &WireRequest<'_>) -> Result<Self, FakeError>;
}

/// [`FromWire::from_wire`], for generated code.
pub fn decode<T: FromWire>(request: &WireRequest<'_>) -> Result<T, FakeError> {
    T::from_wire(request)
}

/// A handler's answer as the `data` JSON.
pub fn answer<T: Serialize>(result: Result<T, FakeError>) -> Result<Value, FakeError> {
    let data = result?;
    serde_json::to_value(&data).map_err(|e| {
        FakeError::fake(
            FakeCode::InternalError,
            format!("the handler's answer is not JSON: {e}"),
        )
    })
}

/// The spec's example answer, as the response type. An example that does not
/// decode (codegen checks examples against their types, so only a hand-made
/// one could) is an internal error of the fake.
pub fn example<T: DeserializeOwned>(json: &str) -> Result<T, FakeError> {
    serde_json::from_str(json).map_err(|e| {
        FakeError::fake(
            FakeCode::InternalError,
            format!("the spec's example answer does not decode: {e}"),
        )
    })
}

/// Path parameters captured by a route: `(name, percent-decoded value)`.
pub type PathValues = Vec<(&'static str, String)>;

/// Finds the route for `method` and the raw (still percent-encoded) `path`.
///
/// A path that matches no template is [`FakeCode::NoSuchEndpoint`]; one that
/// matches only with other methods is [`FakeCode::MethodNotAllowed`]. When
/// several templates match, the one with more literal segments wins
/// (`/files/upload` over `/files/{file_token}`).
pub fn match_route(
    routes: &'static [Route],
    method: Method,
    path: &str,
) -> Result<(usize, PathValues), FakeError> {
    let segments: Vec<String> = path
        .split('/')
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    FakeError::invalid_argument(format!(
                        "path segment {s:?} is not percent-encoded UTF-8"
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    // (route index, literal segments, captured values)
    let mut best: Option<(usize, usize, PathValues)> = None;
    let mut other_methods: Vec<&'static str> = Vec::new();
    for (index, route) in routes.iter().enumerate() {
        let Some((literals, captured)) = match_template(route.path, &segments) else {
            continue;
        };
        if route.method != method {
            other_methods.push(route.method.as_str());
            continue;
        }
        if best.as_ref().is_none_or(|(_, l, _)| literals > *l) {
            best = Some((index, literals, captured));
        }
    }
    match best {
        Some((index, _, captured)) => Ok((index, captured)),
        None if !other_methods.is_empty() => {
            other_methods.sort_unstable();
            other_methods.dedup();
            Err(FakeError::fake(
                FakeCode::MethodNotAllowed,
                format!(
                    "{path} accepts {}, not {method}",
                    other_methods.join(" or ")
                ),
            ))
        }
        None => Err(FakeError::fake(
            FakeCode::NoSuchEndpoint,
            format!("no endpoint {method} {path} in the spec"),
        )),
    }
}

/// The literal segments matched and the captured placeholders, when
/// `segments` fits `template`.
fn match_template(template: &'static str, segments: &[String]) -> Option<(usize, PathValues)> {
    let parts: Vec<&'static str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    let mut captured = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => captured.push((name, segment.clone())),
            None if part == segment => literals += 1,
            None => return None,
        }
    }
    Some((literals, captured))
}

impl<'a> WireRequest<'a> {
    /// A request for `route` with its captured path values, its raw query
    /// string and its body bytes (empty for none).
    pub fn new(route: &'static Route, path: PathValues, query: &str, body: &'a [u8]) -> Self {
        let body_bytes = body;
        let query = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let (body, body_error) = if body.is_empty() {
            (None, None)
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => (Some(map), None),
                Ok(_) => (
                    None,
                    Some("the request body must be a JSON object".to_owned()),
                ),
                Err(e) => (
                    None,
                    Some(format!("the request body is not valid JSON: {e}")),
                ),
            }
        };
        WireRequest {
            route,
            path,
            query,
            body,
            form: None,
            disposition: None,
            body_error,
            raw: body_bytes,
        }
    }

    /// The same request with its multipart body, parsed (see [`parse_form`]).
    pub fn with_form(mut self, form: Form) -> Self {
        self.form = Some(form);
        self.body = None;
        self.body_error = None;
        self
    }

    /// The same request with the file name of its `Content-Disposition`
    /// header (the upload pages send the file name there, unsigned).
    pub fn with_disposition(mut self, filename: Option<String>) -> Self {
        self.disposition = filename;
        self
    }

    /// The file name the `Content-Disposition` request header gave, if any.
    pub fn disposition_filename(&self) -> Option<&str> {
        self.disposition.as_deref()
    }

    /// The body bytes exactly as received.
    pub fn raw_body(&self) -> &'a [u8] {
        self.raw
    }

    /// The route the request matched.
    pub fn route(&self) -> &'static Route {
        self.route
    }

    /// Refuses a body that is not a JSON object when the route takes body
    /// parameters; called by the server before decoding.
    pub fn check_body(&self) -> Result<(), FakeError> {
        if self.route.body == BodyKind::Multipart {
            return match self.form {
                Some(_) => Ok(()),
                None => Err(FakeError::invalid_argument(
                    "the request body must be multipart/form-data",
                )),
            };
        }
        let takes_body = self
            .route
            .params
            .iter()
            .any(|p| p.locations.iter().any(|(l, _)| *l == Location::Body));
        match (&self.body_error, takes_body) {
            (Some(reason), true) => Err(FakeError::invalid_argument(reason.clone())),
            (None, true)
                if self.body.is_none()
                    && self.route.params.iter().any(|p| {
                        p.required && p.locations.iter().any(|(l, _)| *l == Location::Body)
                    }) =>
            {
                Err(FakeError::invalid_argument(
                    "the request body is empty; expected a JSON object",
                ))
            }
            _ => Ok(()),
        }
    }

    /// A required parameter, converted to `T`.
    pub fn required<T: DeserializeOwned>(&self, name: &str) -> Result<T, FakeError> {
        let param = self.param(name)?;
        match self.read(param)? {
            Some((location, wire, value)) => convert(param, location, wire, value),
            None => {
                let (location, wire) = param
                    .locations
                    .first()
                    .copied()
                    .unwrap_or((Location::Query, name));
                Err(FakeError::invalid_argument(format!(
                    "{} parameter `{wire}` is required",
                    describe(location)
                )))
            }
        }
    }

    /// An optional parameter, converted to `T` when present (`null` in a body
    /// counts as absent).
    pub fn optional<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, FakeError> {
        let param = self.param(name)?;
        match self.read(param)? {
            Some((location, wire, value)) => convert(param, location, wire, value).map(Some),
            None => Ok(None),
        }
    }

    /// A required file part.
    pub fn file(&self, name: &str) -> Result<FilePart, FakeError> {
        self.file_opt(name)?.ok_or_else(|| {
            FakeError::invalid_argument(format!("multipart file part `{name}` is required"))
        })
    }

    /// An optional file part.
    pub fn file_opt(&self, name: &str) -> Result<Option<FilePart>, FakeError> {
        let param = self.param(name)?;
        let wire = param
            .locations
            .iter()
            .find(|(l, _)| *l == Location::Multipart)
            .map_or(name, |(_, wire)| *wire);
        Ok(self.form.as_ref().and_then(|form| {
            form.files.iter().find(|f| f.name == wire).map(|f| {
                FilePart::from_bytes(f.filename.clone().unwrap_or_default(), f.bytes.clone())
                    .with_content_type(f.content_type.clone())
            })
        }))
    }

    fn param(&self, name: &str) -> Result<&'static Param, FakeError> {
        self.route.param(name).ok_or_else(|| {
            FakeError::fake(
                FakeCode::InternalError,
                format!(
                    "the route of {} has no parameter `{name}`",
                    self.route.operation
                ),
            )
        })
    }

    /// The parameter's value: the same in every place it is sent, present in
    /// each if in one, and not an empty string if required.
    fn read(&self, param: &Param) -> Result<Option<(Location, &'static str, Value)>, FakeError> {
        let mut found: Option<(Location, &'static str, Value)> = None;
        for &(location, wire) in param.locations {
            let value = match location {
                Location::Path => self
                    .path
                    .iter()
                    .find(|(n, _)| *n == wire)
                    .map(|(_, v)| Value::String(v.clone())),
                Location::Query if param.repeated => {
                    let all: Vec<Value> = self
                        .query
                        .iter()
                        .filter(|(n, _)| n == wire)
                        .map(|(_, v)| Value::String(v.clone()))
                        .collect();
                    (!all.is_empty()).then_some(Value::Array(all))
                }
                Location::Query => self
                    .query
                    .iter()
                    .find(|(n, _)| n == wire)
                    .map(|(_, v)| Value::String(v.clone())),
                Location::Multipart => self.form.as_ref().and_then(|form| {
                    form.texts
                        .iter()
                        .find(|(n, _)| n == wire)
                        .map(|(_, v)| Value::String(v.clone()))
                }),
                Location::Body => self
                    .body
                    .as_ref()
                    .and_then(|b| b.get(wire))
                    .filter(|v| !v.is_null())
                    .cloned(),
            };
            match (value, &found) {
                (Some(value), None) => found = Some((location, wire, value)),
                (Some(value), Some((first, first_wire, seen))) if !same(seen, &value) => {
                    return Err(FakeError::invalid_argument(format!(
                        "{} parameter `{wire}` ({}) differs from the {} parameter `{first_wire}` ({})",
                        describe(location),
                        shown(&value),
                        describe(*first),
                        shown(seen),
                    )))
                }
                (Some(_), Some(_)) => {}
                (None, Some((first, first_wire, _))) if param.required => {
                    return Err(FakeError::invalid_argument(format!(
                        "{} parameter `{wire}` is required, with the same value as the {} parameter `{first_wire}`",
                        describe(location),
                        describe(*first)
                    )))
                }
                (None, _) => {}
            }
        }
        if let Some((location, wire, Value::String(s))) = &found {
            if param.required && s.is_empty() {
                return Err(FakeError::invalid_argument(format!(
                    "{} parameter `{wire}` is empty",
                    describe(*location),
                )));
            }
        }
        Ok(found)
    }
}

fn describe(location: Location) -> &'static str {
    match location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Body => "body",
        Location::Multipart => "multipart",
    }
}

/// Whether two values of one parameter agree (a path or query string against
/// a body number, say, compares as text).
fn same(a: &Value, b: &Value) -> bool {
    a == b || text(a) == text(b)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value for a hint: strings are quoted, long ones cut.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// Converts a parameter's value to `T`. Path and query values are text: a
/// text that is not a `T` as a string is tried as JSON (`5`, `true`), so
/// numbers and booleans come through.
fn convert<T: DeserializeOwned>(
    param: &Param,
    location: Location,
    wire: &str,
    value: Value,
) -> Result<T, FakeError> {
    let first = match T::deserialize(&value) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let text_place = matches!(
        location,
        Location::Path | Location::Query | Location::Multipart
    );
    match (&value, text_place) {
        (Value::String(s), true) => {
            if let Ok(v) = serde_json::from_str::<T>(s) {
                return Ok(v);
            }
            // A list in a multipart part is comma-joined.
            if param.repeated && location == Location::Multipart {
                let items = s.split(',').map(|item| Value::String(item.to_owned()));
                if let Ok(v) = convert_items::<T>(items.collect()) {
                    return Ok(v);
                }
            }
        }
        // Repeated query values: text items, tried as they are and as JSON.
        (Value::Array(items), true) => {
            if let Ok(v) = convert_items::<T>(items.clone()) {
                return Ok(v);
            }
        }
        _ => {}
    }
    Err(FakeError::invalid_argument(format!(
        "{} parameter `{wire}` has the wrong type: {first}",
        describe(location),
    )))
}

/// A list of text items as `T`: as strings, or each item as JSON (`5`, `true`).
fn convert_items<T: DeserializeOwned>(items: Vec<Value>) -> Result<T, serde_json::Error> {
    let as_text = Value::Array(items.clone());
    T::deserialize(&as_text).or_else(|_| {
        let parsed: Vec<Value> = items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
                other => other,
            })
            .collect();
        T::deserialize(&Value::Array(parsed))
    })
}

/// A parsed multipart/form-data body.
#[derive(Debug, Default)]
pub struct Form {
    texts: Vec<(String, String)>,
    files: Vec<FormFile>,
}

#[derive(Debug)]
struct FormFile {
    name: String,
    filename: Option<String>,
    content_type: String,
    bytes: bytes::Bytes,
}

/// Parses a multipart/form-data `body` sent with `content_type`. A part with
/// a file name is a file part; every other part is text.
pub async fn parse_form(content_type: &str, body: bytes::Bytes) -> Result<Form, FakeError> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| {
        FakeError::invalid_argument(format!("the multipart Content-Type is not usable: {e}"))
    })?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    let bad = |e: multer::Error| {
        FakeError::invalid_argument(format!("the multipart body is not valid: {e}"))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field
            .content_type()
            .map_or_else(|| "application/octet-stream".to_owned(), |m| m.to_string());
        let bytes = field.bytes().await.map_err(bad)?;
        if filename.is_some() {
            form.files.push(FormFile {
                name,
                filename,
                content_type,
                bytes,
            });
        } else {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                FakeError::invalid_argument(format!("multipart part `{name}` is not UTF-8 text"))
            })?;
            form.texts.push((name, text));
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    static PARAMS_DOWNLOAD: &[Param] = &[
        Param {
            name: "file_token",
            required: true,
            repeated: false,
            locations: &[
                (Location::Path, "file_token"),
                (Location::Query, "file_token"),
            ],
        },
        Param {
            name: "count",
            required: false,
            repeated: false,
            locations: &[(Location::Query, "count")],
        },
    ];
    static PARAMS_CREATE: &[Param] = &[
        Param {
            name: "name",
            required: true,
            repeated: false,
            locations: &[(Location::Body, "name")],
        },
        Param {
            name: "size",
            required: false,
            repeated: false,
            locations: &[(Location::Body, "size")],
        },
    ];
    static ROUTES: &[Route] = &[
        Route {
            operation: "download",
            method: Method::Get,
            path: "/files/{file_token}/download",
            auth: Auth::Wps2,
            body: BodyKind::None,
            params: PARAMS_DOWNLOAD,
        },
        Route {
            operation: "upload_url",
            method: Method::Get,
            path: "/files/upload/download",
            auth: Auth::Wps2,
            body: BodyKind::None,
            params: &[],
        },
        Route {
            operation: "create",
            method: Method::Post,
            path: "/files",
            auth: Auth::Wps2,
            body: BodyKind::Json,
            params: PARAMS_CREATE,
        },
    ];

    #[test]
    fn routes_match_by_method_and_literal_segments() {
        let (index, captured) = match_route(ROUTES, Method::Get, "/files/a%2Fb/download").unwrap();
        assert_eq!(
            (index, captured),
            (0, vec![("file_token", "a/b".to_owned())])
        );
        // The literal route wins over the placeholder.
        assert_eq!(
            match_route(ROUTES, Method::Get, "/files/upload/download")
                .unwrap()
                .0,
            1
        );
        let err = match_route(ROUTES, Method::Delete, "/files").unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (405, FakeCode::MethodNotAllowed.code())
        );
        assert!(err.hint().contains("accepts POST"), "{}", err.hint());
        let err = match_route(ROUTES, Method::Get, "/nowhere").unwrap_err();
        assert_eq!(err.code(), FakeCode::NoSuchEndpoint.code());
        let err = match_route(ROUTES, Method::Get, "/files/%ff/download").unwrap_err();
        assert_eq!(err.code(), 10001);
    }

    fn request(index: usize, path: &str, query: &str, body: &'static [u8]) -> WireRequest<'static> {
        let (_, captured) = match_route(ROUTES, ROUTES[index].method, path).unwrap();
        WireRequest::new(&ROUTES[index], captured, query, body)
    }

    #[test]
    fn parameters_are_read_from_each_place_and_must_agree() {
        let r = request(0, "/files/f1/download", "file_token=f1&count=5", b"");
        assert_eq!(r.required::<String>("file_token").unwrap(), "f1");
        assert_eq!(r.optional::<u32>("count").unwrap(), Some(5));
        assert_eq!(r.optional::<String>("count").unwrap().as_deref(), Some("5"));

        let r = request(0, "/files/f1/download", "", b"");
        let err = r.required::<String>("file_token").unwrap_err();
        assert_eq!(err.code(), 10001);
        assert!(
            err.hint()
                .contains("query parameter `file_token` is required"),
            "{}",
            err.hint()
        );

        let r = request(0, "/files/f1/download", "file_token=f2", b"");
        let err = r.required::<String>("file_token").unwrap_err();
        assert!(err.hint().contains("differs"), "{}", err.hint());

        let r = request(0, "/files/f1/download", "file_token=f1&count=many", b"");
        let err = r.optional::<u32>("count").unwrap_err();
        assert_eq!(err.code(), 10001);
        assert!(
            err.hint()
                .starts_with("query parameter `count` has the wrong type"),
            "{}",
            err.hint()
        );
    }

    #[test]
    fn body_parameters_are_typed_and_checked() {
        let r = request(
            2,
            "/files",
            "",
            br#"{"name":"a.docx","size":12,"extra":true}"#,
        );
        r.check_body().unwrap();
        assert_eq!(r.required::<String>("name").unwrap(), "a.docx");
        assert_eq!(r.optional::<u64>("size").unwrap(), Some(12));

        let r = request(2, "/files", "", br#"{"name":"","size":null}"#);
        assert!(r
            .required::<String>("name")
            .unwrap_err()
            .hint()
            .contains("empty"));
        assert_eq!(r.optional::<u64>("size").unwrap(), None);

        let r = request(2, "/files", "", br#"{"name":"a","size":"big"}"#);
        let err = r.optional::<u64>("size").unwrap_err();
        assert!(
            err.hint()
                .starts_with("body parameter `size` has the wrong type"),
            "{}",
            err.hint()
        );

        for (body, reason) in [
            (&b"[1]"[..], "must be a JSON object"),
            (&b"{"[..], "not valid JSON"),
            (&b""[..], "is empty"),
        ] {
            let leaked: &'static [u8] = Box::leak(body.to_vec().into_boxed_slice());
            let err = request(2, "/files", "", leaked).check_body().unwrap_err();
            assert_eq!(err.code(), 10001);
            assert!(err.hint().contains(reason), "{}", err.hint());
        }
    }

    #[test]
    fn answers_and_examples() {
        assert_eq!(
            answer(Ok(serde_json::json!({"a": 1}))).unwrap(),
            serde_json::json!({"a": 1})
        );
        let value: Value = example(r#"{"url":"x"}"#).unwrap();
        assert_eq!(value["url"], "x");
        let err = example::<u32>(r#""x""#).unwrap_err();
        assert_eq!(err.code(), FakeCode::InternalError.code());
    }
}
