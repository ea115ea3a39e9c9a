//! The fake server's runtime: routes, request decoding, handlers, answers.
//!
//! A fake serves an API described by its operations' descriptors
//! ([`OperationSpec`]): the generated `for_each_operation` hands every request
//! type to an [`Api`], which keeps, for each, its descriptor and the one
//! function that serves it. Serving a request is the same for every
//! operation:
//!
//! - the route is found by method and path template ([`match_route`]);
//! - the request is decoded into the request type by its generated
//!   `from_params`, reading each parameter from the path, the query, the JSON
//!   body or the multipart parts as its [`ParamSpec`] says ([`WireRequest`] is
//!   the [`ParamSource`]); a missing, empty or mistyped one is refused the way
//!   kdocs refuses a bad argument: `10001` InvalidArgument, HTTP 400, with a
//!   hint that names the parameter;
//! - the handler registered for the operation ([`Api::on`]) answers, or, when
//!   there is none, the spec's example answer ([`OperationSpec::example`]).
//!
//! A path the spec does not have, or a method it does not allow, is answered
//! with the fake's own codes (see [`FakeCode`]).
//!
//! [`FakeKdocs::start_serving`](super::FakeKdocs::start_serving) serves any
//! generated API this way; [`FakeKdocs::start`](super::FakeKdocs::start)
//! serves kdocs' own, with handlers that keep state for the endpoints that
//! need it.

use std::any::Any;
use std::collections::HashMap;
use std::time::SystemTime;

use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::errors::FakeCode;
pub use super::errors::FakeError;
use crate::runtime::{
    params, BodyKind, FilePart, Location, Method, Operation, OperationSpec, OperationVisitor,
    ParamError, ParamSource, ParamSpec,
};

/// A handler of the operation `O`: its answer to a decoded request.
type Handler<O> = Box<
    dyn Fn(&Call<'_>, O) -> Result<<O as Operation>::Output, FakeError> + Send + Sync + 'static,
>;

/// Serves one operation: decodes the request, runs its handler (or answers
/// its example), gives the answer as JSON.
type Serve = fn(&Api, &Call<'_>, &WireRequest<'_>) -> Result<Value, FakeError>;

/// One endpoint an [`Api`] serves.
#[derive(Clone, Copy)]
pub struct Route {
    /// The operation's descriptor: name, method, path, auth, parameters.
    pub spec: &'static OperationSpec,
    serve: Serve,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("operation", &self.spec.name)
            .field("method", &self.spec.method)
            .field("path", &self.spec.path)
            .finish()
    }
}

/// An API as a fake serves it: a route per operation, and the handlers
/// registered for some of them.
///
/// ```
/// use kdocs_client::fake::wire::Api;
/// use kdocs_client::fake::FakeError;
/// use kdocs_client::GetUserInfoRequest;
///
/// // Every operation of the generated API, answering with the spec's
/// // examples; one of them answered by hand, with the request decoded.
/// let api = Api::new(kdocs_client::for_each_operation)
///     .on::<GetUserInfoRequest, _>(|call, _request| {
///         let answer = serde_json::json!({"nickname": call.app_id()});
///         serde_json::from_value(answer).map_err(|e| FakeError::internal(e.to_string()))
///     });
/// assert!(api.route("get_user_info").is_some());
/// ```
pub struct Api {
    routes: Vec<Route>,
    handlers: HashMap<&'static str, Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut handled: Vec<&str> = self.handlers.keys().copied().collect();
        handled.sort_unstable();
        f.debug_struct("Api")
            .field("routes", &self.routes.len())
            .field("handled", &handled)
            .finish()
    }
}

impl OperationVisitor for Api {
    fn visit<O: Operation + 'static>(&mut self) {
        self.routes.push(Route {
            spec: &O::SPEC,
            serve: serve::<O>,
        });
    }
}

impl Api {
    /// The operations `operations` visits (a generated `for_each_operation`),
    /// each answering with its example until a handler is registered.
    pub fn new(operations: impl FnOnce(&mut Api)) -> Self {
        let mut api = Api {
            routes: Vec::new(),
            handlers: HashMap::new(),
        };
        operations(&mut api);
        api
    }

    /// The same API with `handler` answering the operation `O` (replacing
    /// an earlier handler of it). The request comes decoded and checked.
    pub fn on<O, F>(mut self, handler: F) -> Self
    where
        O: Operation + 'static,
        F: Fn(&Call<'_>, O) -> Result<O::Output, FakeError> + Send + Sync + 'static,
    {
        let handler: Handler<O> = Box::new(handler);
        self.handlers.insert(O::SPEC.name, Box::new(handler));
        self
    }

    /// Every route, in the order the operations were visited (spec order).
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route of the operation `name`.
    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|route| route.spec.name == name)
    }

    /// Answers `request`, which matched `route`: the `data` of a success
    /// envelope, or an error answer.
    pub fn call(
        &self,
        route: &Route,
        call: &Call<'_>,
        request: &WireRequest<'_>,
    ) -> Result<Value, FakeError> {
        (route.serve)(self, call, request)
    }

    fn handler<O: Operation + 'static>(&self) -> Option<&Handler<O>> {
        self.handlers
            .get(O::SPEC.name)
            .and_then(|handler| handler.downcast_ref::<Handler<O>>())
    }
}

/// [`Serve`] for the operation `O`.
fn serve<O: Operation + 'static>(
    api: &Api,
    call: &Call<'_>,
    request: &WireRequest<'_>,
) -> Result<Value, FakeError> {
    let mut source = request;
    let input = O::from_params(&mut source).map_err(refusal)?;
    let output = match api.handler::<O>() {
        Some(handler) => handler(call, input)?,
        None => example::<O::Output>(O::SPEC.example)?,
    };
    answer(Ok(output))
}

/// A parameter refused, as kdocs refuses it: `10001`, naming it.
fn refusal(error: ParamError) -> FakeError {
    match error {
        ParamError::Missing(param) if param.file => FakeError::invalid_argument(format!(
            "multipart file part `{}` is required",
            param
                .wire_name_at(Location::Multipart)
                .unwrap_or(param.name)
        )),
        ParamError::Missing(param) => FakeError::invalid_argument(format!(
            "{} parameter `{}` is required",
            param.location().unwrap_or(Location::Query),
            param.wire_name()
        )),
        ParamError::Invalid { reason, .. } => FakeError::invalid_argument(reason),
        other => FakeError::invalid_argument(other.to_string()),
    }
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
    pub fn base_url(&self) -> String {
        self.shared.base_url()
    }

    /// The fake's state: the files, tokens and apps every handler shares
    /// (what [`FakeKdocs`](super::FakeKdocs) derefs to).
    pub fn state(&self) -> &super::FakeState {
        self.shared
    }
}

/// A request that matched a route, before decoding.
#[derive(Debug)]
pub struct WireRequest<'a> {
    spec: &'static OperationSpec,
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
pub fn match_route<'r>(
    routes: &'r [Route],
    method: Method,
    path: &str,
) -> Result<(&'r Route, PathValues), FakeError> {
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
    // (route, literal segments, captured values)
    let mut best: Option<(&'r Route, usize, PathValues)> = None;
    let mut other_methods: Vec<&'static str> = Vec::new();
    for route in routes {
        let Some((literals, captured)) = match_template(route.spec.path, &segments) else {
            continue;
        };
        if route.spec.method != method {
            other_methods.push(route.spec.method.as_str());
            continue;
        }
        if best.as_ref().is_none_or(|(_, l, _)| literals > *l) {
            best = Some((route, literals, captured));
        }
    }
    match best {
        Some((route, _, captured)) => Ok((route, captured)),
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
    pub fn new(
        spec: &'static OperationSpec,
        path: PathValues,
        query: &str,
        body: &'a [u8],
    ) -> Self {
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
            spec,
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

    /// The operation the request matched.
    pub fn spec(&self) -> &'static OperationSpec {
        self.spec
    }

    /// Refuses a body that is not a JSON object when the route takes body
    /// parameters; called by the server before decoding.
    pub fn check_body(&self) -> Result<(), FakeError> {
        if self.spec.body == BodyKind::Multipart {
            return match self.form {
                Some(_) => Ok(()),
                None => Err(FakeError::invalid_argument(
                    "the request body must be multipart/form-data",
                )),
            };
        }
        let takes_body = self
            .spec
            .params
            .iter()
            .any(|p| p.wire_name_at(Location::Body).is_some());
        match (&self.body_error, takes_body) {
            (Some(reason), true) => Err(FakeError::invalid_argument(reason.clone())),
            (None, true)
                if self.body.is_none()
                    && self
                        .spec
                        .params
                        .iter()
                        .any(|p| p.required && p.wire_name_at(Location::Body).is_some()) =>
            {
                Err(FakeError::invalid_argument(
                    "the request body is empty; expected a JSON object",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The parameter's value: the same in every place it is sent, present in
    /// each if in one, and not an empty string if required.
    fn read(
        &self,
        param: &ParamSpec,
    ) -> Result<Option<(Location, &'static str, Value)>, FakeError> {
        let mut found: Option<(Location, &'static str, Value)> = None;
        for &(location, wire) in param.wire {
            let value = match location {
                Location::Path => self
                    .path
                    .iter()
                    .find(|(n, _)| *n == wire)
                    .map(|(_, v)| Value::String(v.clone())),
                Location::Query if param.list => {
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

/// Each parameter as its [`ParamSpec`] says: from every place it is sent,
/// the same value in each; text (a path, a query, a multipart part) offered
/// as itself and then as JSON (`5`, `true`), so numbers and booleans come
/// through; a list from repeated query values or a comma-joined part.
impl ParamSource for &WireRequest<'_> {
    fn offer(
        &mut self,
        param: &'static ParamSpec,
        accept: &mut dyn FnMut(&Value) -> Result<(), String>,
    ) -> Result<bool, ParamError> {
        let found = self
            .read(param)
            .map_err(|e| ParamError::invalid(param, e.hint()))?;
        let Some((location, wire, value)) = found else {
            return Ok(false);
        };
        params::offer_each(readings(param, location, value), accept)
            .map(|()| true)
            .map_err(|e| {
                ParamError::invalid(
                    param,
                    format!("{location} parameter `{wire}` has the wrong type: {e}"),
                )
            })
    }

    fn file(&mut self, param: &'static ParamSpec) -> Result<Option<FilePart>, ParamError> {
        let wire = param
            .wire_name_at(Location::Multipart)
            .unwrap_or(param.name);
        Ok(self.form.as_ref().and_then(|form| {
            form.files.iter().find(|f| f.name == wire).map(|f| {
                FilePart::from_bytes(f.filename.clone().unwrap_or_default(), f.bytes.clone())
                    .with_content_type(f.content_type.clone())
            })
        }))
    }
}

/// The readings of a parameter's value, in order. A body value is JSON
/// already; text is tried as itself, then as JSON; repeated query values as
/// text items, then each as JSON; a multipart list also comma-split.
fn readings(param: &ParamSpec, location: Location, value: Value) -> Vec<Value> {
    let text_place = matches!(
        location,
        Location::Path | Location::Query | Location::Multipart
    );
    if !text_place {
        return vec![value];
    }
    let mut readings = vec![value.clone()];
    match value {
        Value::String(s) => {
            if let Ok(json) = serde_json::from_str::<Value>(&s) {
                readings.push(json);
            }
            // A list in a multipart part is comma-joined.
            if param.list && location == Location::Multipart {
                let items: Vec<Value> = s.split(',').map(|i| Value::String(i.to_owned())).collect();
                readings.extend(item_readings(items));
            }
        }
        Value::Array(items) => readings.extend(item_readings(items).into_iter().skip(1)),
        _ => {}
    }
    readings
}

/// A list of text items as strings, then each item as JSON (`5`, `true`).
fn item_readings(items: Vec<Value>) -> Vec<Value> {
    let parsed = items
        .iter()
        .map(|item| match item {
            Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| item.clone()),
            other => other.clone(),
        })
        .collect();
    vec![Value::Array(items), Value::Array(parsed)]
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

    use crate::runtime::Auth;

    const fn param(
        name: &'static str,
        wire: &'static [(Location, &'static str)],
        required: bool,
    ) -> ParamSpec {
        ParamSpec {
            name,
            wire,
            required,
            list: false,
            file: false,
            secret: false,
            help: "",
        }
    }

    const fn spec(
        name: &'static str,
        method: Method,
        path: &'static str,
        body: BodyKind,
        params: &'static [ParamSpec],
    ) -> OperationSpec {
        OperationSpec {
            name,
            method,
            path,
            idempotent: true,
            auth: Auth::Wps2,
            body,
            summary: "",
            docs: "",
            params,
            example: "{}",
            family: None,
            office_task: false,
        }
    }

    static DOWNLOAD: OperationSpec = spec(
        "download",
        Method::Get,
        "/files/{file_token}/download",
        BodyKind::None,
        &[
            param(
                "file_token",
                &[
                    (Location::Path, "file_token"),
                    (Location::Query, "file_token"),
                ],
                true,
            ),
            param("count", &[(Location::Query, "count")], false),
        ],
    );
    static UPLOAD_URL: OperationSpec = spec(
        "upload_url",
        Method::Get,
        "/files/upload/download",
        BodyKind::None,
        &[],
    );
    static CREATE: OperationSpec = spec(
        "create",
        Method::Post,
        "/files",
        BodyKind::Json,
        &[
            param("name", &[(Location::Body, "name")], true),
            param("size", &[(Location::Body, "size")], false),
        ],
    );

    fn unused(_: &Api, _: &Call<'_>, _: &WireRequest<'_>) -> Result<Value, FakeError> {
        unreachable!("the routes of these tests are matched, never served")
    }

    fn routes() -> Vec<Route> {
        [&DOWNLOAD, &UPLOAD_URL, &CREATE]
            .into_iter()
            .map(|spec| Route {
                spec,
                serve: unused,
            })
            .collect()
    }

    /// A parameter read as `from_params` reads it, refused as the fake refuses.
    fn read<T: DeserializeOwned>(r: &WireRequest<'_>, name: &str) -> Result<Option<T>, FakeError> {
        let param = r.spec().param(name).unwrap();
        params::optional(&mut &*r, param).map_err(refusal)
    }

    fn required<T: DeserializeOwned>(r: &WireRequest<'_>, name: &str) -> Result<T, FakeError> {
        let param = r.spec().param(name).unwrap();
        params::required(&mut &*r, param).map_err(refusal)
    }

    #[test]
    fn routes_match_by_method_and_literal_segments() {
        let routes = routes();
        let (route, captured) = match_route(&routes, Method::Get, "/files/a%2Fb/download").unwrap();
        assert_eq!(
            (route.spec.name, captured),
            ("download", vec![("file_token", "a/b".to_owned())])
        );
        // The literal route wins over the placeholder.
        assert_eq!(
            match_route(&routes, Method::Get, "/files/upload/download")
                .unwrap()
                .0
                .spec
                .name,
            "upload_url"
        );
        let err = match_route(&routes, Method::Delete, "/files").unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (405, FakeCode::MethodNotAllowed.code())
        );
        assert!(err.hint().contains("accepts POST"), "{}", err.hint());
        let err = match_route(&routes, Method::Get, "/nowhere").unwrap_err();
        assert_eq!(err.code(), FakeCode::NoSuchEndpoint.code());
        let err = match_route(&routes, Method::Get, "/files/%ff/download").unwrap_err();
        assert_eq!(err.code(), 10001);
    }

    fn request(
        spec: &'static OperationSpec,
        path: &str,
        query: &str,
        body: &'static [u8],
    ) -> WireRequest<'static> {
        let (_, captured) = match_route(&routes(), spec.method, path).unwrap();
        WireRequest::new(spec, captured, query, body)
    }

    #[test]
    fn parameters_are_read_from_each_place_and_must_agree() {
        let r = request(
            &DOWNLOAD,
            "/files/f1/download",
            "file_token=f1&count=5",
            b"",
        );
        assert_eq!(required::<String>(&r, "file_token").unwrap(), "f1");
        assert_eq!(read::<u32>(&r, "count").unwrap(), Some(5));
        assert_eq!(read::<String>(&r, "count").unwrap().as_deref(), Some("5"));

        let r = request(&DOWNLOAD, "/files/f1/download", "", b"");
        let err = required::<String>(&r, "file_token").unwrap_err();
        assert_eq!(err.code(), 10001);
        assert!(
            err.hint()
                .contains("query parameter `file_token` is required"),
            "{}",
            err.hint()
        );

        let r = request(&DOWNLOAD, "/files/f1/download", "file_token=f2", b"");
        let err = required::<String>(&r, "file_token").unwrap_err();
        assert!(err.hint().contains("differs"), "{}", err.hint());

        let r = request(
            &DOWNLOAD,
            "/files/f1/download",
            "file_token=f1&count=many",
            b"",
        );
        let err = read::<u32>(&r, "count").unwrap_err();
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
            &CREATE,
            "/files",
            "",
            br#"{"name":"a.docx","size":12,"extra":true}"#,
        );
        r.check_body().unwrap();
        assert_eq!(required::<String>(&r, "name").unwrap(), "a.docx");
        assert_eq!(read::<u64>(&r, "size").unwrap(), Some(12));

        let r = request(&CREATE, "/files", "", br#"{"name":"","size":null}"#);
        assert!(required::<String>(&r, "name")
            .unwrap_err()
            .hint()
            .contains("empty"));
        assert_eq!(read::<u64>(&r, "size").unwrap(), None);

        let r = request(&CREATE, "/files", "", br#"{"name":"a","size":"big"}"#);
        let err = read::<u64>(&r, "size").unwrap_err();
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
            let err = request(&CREATE, "/files", "", leaked)
                .check_body()
                .unwrap_err();
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
