//! The validated spec: what the `validate` stage produces from the YAML.
//!
//! Everything here has been checked: names are valid and unique, every type
//! reference resolves, path templates and path parameters agree. Lists keep the
//! order of the files (file name, then position in the file), which makes every
//! later stage deterministic.

/// A whole API, merged from all spec files.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The service-level part.
    pub service: Service,
    /// Named types, in file order.
    pub types: Vec<TypeDef>,
    /// Endpoints, in file order.
    pub endpoints: Vec<Endpoint>,
    /// Known service error codes, in file order.
    pub errors: Vec<ErrorCode>,
}

impl Spec {
    /// The named type called `name`.
    pub fn type_named(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The families of the endpoints, in spec order, each once.
    pub fn families(&self) -> Vec<&str> {
        let mut families: Vec<&str> = Vec::new();
        for family in self.endpoints.iter().filter_map(|e| e.family.as_deref()) {
            if !families.contains(&family) {
                families.push(family);
            }
        }
        families
    }

    /// The spec with only the endpoints of `families` (and those of no
    /// family), and only the named types they use: what a client built with a
    /// subset of its cargo features compiles.
    pub fn only_families(&self, families: &[&str]) -> Spec {
        let endpoints: Vec<Endpoint> = self
            .endpoints
            .iter()
            .filter(|e| e.family.as_deref().is_none_or(|f| families.contains(&f)))
            .cloned()
            .collect();
        // Named types reachable from the kept endpoints.
        let mut used: Vec<String> = Vec::new();
        let mut pending: Vec<&TypeExpr> = endpoints
            .iter()
            .flat_map(|e| {
                e.path_params
                    .iter()
                    .chain(&e.query)
                    .chain(&e.body)
                    .chain(&e.multipart)
                    .map(|f| &f.ty)
                    .chain(std::iter::once(&e.response))
            })
            .collect();
        while let Some(ty) = pending.pop() {
            match ty {
                TypeExpr::Array(inner) | TypeExpr::Map(inner) => pending.push(inner),
                TypeExpr::Object(object) => pending.extend(object.fields.iter().map(|f| &f.ty)),
                TypeExpr::Named(name) if !used.contains(name) => {
                    used.push(name.clone());
                    if let Some(TypeDef {
                        kind: TypeKind::Object(fields),
                        ..
                    }) = self.type_named(name)
                    {
                        pending.extend(fields.iter().map(|f| &f.ty));
                    }
                }
                _ => {}
            }
        }
        Spec {
            service: self.service.clone(),
            types: self
                .types
                .iter()
                .filter(|t| used.contains(&t.name))
                .cloned()
                .collect(),
            endpoints,
            errors: self.errors.clone(),
        }
    }
}

/// The service-level part of a spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Short name (`kdocs`).
    pub name: String,
    /// Human title.
    pub title: String,
    /// Default base URL.
    pub base_url: String,
    /// Signing scheme name (`WPS-2`).
    pub signing_scheme: String,
    /// How signing works, for docs.
    pub signing_description: String,
    /// How the response envelope looks, for docs.
    pub envelope_description: String,
    /// The `code` that means success.
    pub success_code: i64,
    /// Rate limits of endpoints that give none.
    pub default_rate_limits: Vec<RateLimit>,
}

/// One quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Which kind of app it applies to.
    pub app: String,
    /// Calls allowed per period.
    pub limit: u64,
    /// The period (`day`, `hour`, `minute`, `second`).
    pub per: String,
}

/// A named type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// PascalCase name.
    pub name: String,
    /// Rustdoc text.
    pub description: String,
    /// Deprecation note, when deprecated.
    pub deprecated: Option<String>,
    /// Its shape.
    pub kind: TypeKind,
    /// Whether the fields the spec does not declare are kept (`others:
    /// true`), for an object type.
    pub others: bool,
}

/// The shape of a named type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// A JSON object with known fields.
    Object(Vec<Field>),
    /// A string with known values; unknown values are kept, not rejected.
    Enum(Vec<EnumValue>),
}

/// One value of a string enum.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    /// The value on the wire.
    pub value: String,
    /// Rustdoc text.
    pub description: String,
}

/// A field of an object, or a parameter of an endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The JSON / wire name (a valid Rust identifier, snake_case).
    pub name: String,
    /// Its type.
    pub ty: TypeExpr,
    /// Whether it must be present.
    pub required: bool,
    /// Whether it may be `null`.
    pub nullable: bool,
    /// The value assumed when it is absent.
    pub default: Option<DefaultValue>,
    /// Rustdoc text.
    pub description: String,
    /// Deprecation note, when deprecated.
    pub deprecated: Option<String>,
    /// Whether the value is a secret (redacted in `Debug`).
    pub sensitive: bool,
    /// An example value.
    pub example: Option<crate::yaml::Value>,
    /// Where the field comes from, when no documentation page shows it
    /// (its own `source:`, or the one of the field or endpoint it is in).
    pub source: Option<Source>,
}

/// Where a field or an endpoint comes from when no page of the service's
/// documentation shows it: the `source:` marker of the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// What was observed.
    pub observed: Observation,
    /// Where: repositories and paths or public code ids of the clients, or the
    /// URLs of the pages on another host; at least one.
    pub refs: Vec<String>,
    /// More about what the source shows.
    pub note: Option<String>,
}

/// The kinds of observation a [`Source`] may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Observation {
    /// `public clients`: public client code sends or reads it.
    PublicClients,
    /// `another host`: a copy of the same page on another host of the
    /// vendor shows it; the service's own copy does not.
    AnotherHost,
}

impl Observation {
    /// Every observation, with its spelling in the spec.
    pub const ALL: [(Observation, &'static str); 2] = [
        (Observation::PublicClients, "public clients"),
        (Observation::AnotherHost, "another host"),
    ];

    /// The spelling in the spec.
    pub fn as_str(self) -> &'static str {
        Observation::ALL
            .iter()
            .find(|(o, _)| *o == self)
            .map_or("", |(_, s)| s)
    }
}

impl Source {
    /// The sentence the generated docs and the OpenAPI export give a sourced
    /// item: it says that no page shows it, and where it was seen.
    pub fn sentence(&self) -> String {
        let refs = self
            .refs
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = match self.observed {
            Observation::PublicClients => {
                format!("Seen in public clients, not on the pages: {refs}.")
            }
            Observation::AnotherHost => {
                format!("Seen on another host's copy of the page, not on the pages: {refs}.")
            }
        };
        if let Some(note) = &self.note {
            // `…: refs.` becomes `…: refs (note).`
            text.pop();
            text.push_str(&format!(" ({}).", note.trim().trim_end_matches('.')));
        }
        text
    }
}

/// A default value of a field, already checked against the field's type.
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Integer(i128),
    /// A float.
    Float(f64),
    /// A string, or an enum value.
    String(String),
}

/// A type as written in the spec.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// `string`
    String,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f64`
    F64,
    /// `any`: arbitrary JSON.
    Any,
    /// `file`: the file part of a multipart body.
    File,
    /// `array<T>`
    Array(Box<TypeExpr>),
    /// `map<T>`: string keys.
    Map(Box<TypeExpr>),
    /// A named type.
    Named(String),
    /// An inline object.
    Object(InlineObject),
}

/// An object type written in place.
#[derive(Clone, Debug, PartialEq)]
pub struct InlineObject {
    /// Rustdoc text.
    pub description: String,
    /// Its fields.
    pub fields: Vec<Field>,
    /// Whether the fields the page does not show are kept (`others: true`:
    /// a response whose page shows only some of its fields).
    pub others: bool,
}

impl TypeExpr {
    /// Whether the type is a scalar that fits in a URL (path or query);
    /// `is_enum` tells whether a named type is a string enum.
    pub fn is_url_scalar(&self, is_enum: impl Fn(&str) -> bool) -> bool {
        match self {
            TypeExpr::String
            | TypeExpr::Bool
            | TypeExpr::I32
            | TypeExpr::I64
            | TypeExpr::U32
            | TypeExpr::U64
            | TypeExpr::F64 => true,
            TypeExpr::Named(name) => is_enum(name),
            _ => false,
        }
    }

    /// The spelling used in the spec (`array<string>`, `Token`, `object`).
    pub fn spelling(&self) -> String {
        match self {
            TypeExpr::String => "string".into(),
            TypeExpr::Bool => "bool".into(),
            TypeExpr::I32 => "i32".into(),
            TypeExpr::I64 => "i64".into(),
            TypeExpr::U32 => "u32".into(),
            TypeExpr::U64 => "u64".into(),
            TypeExpr::F64 => "f64".into(),
            TypeExpr::Any => "any".into(),
            TypeExpr::File => "file".into(),
            TypeExpr::Array(item) => format!("array<{}>", item.spelling()),
            TypeExpr::Map(value) => format!("map<{}>", value.spelling()),
            TypeExpr::Named(name) => name.clone(),
            TypeExpr::Object(_) => "object".into(),
        }
    }
}

/// HTTP methods the runtime supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// All supported methods.
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// The upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether requests with this method may carry a body (DELETE may: the
    /// pages document DELETEs with a JSON body).
    pub fn allows_body(self) -> bool {
        !matches!(self, Method::Get)
    }

    /// Whether requests with this method always carry a body (`{}` at least).
    pub fn always_has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

/// Who may call an endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Required permissions.
    pub permissions: Vec<Permission>,
    /// Free text from the docs.
    pub note: Option<String>,
}

/// A permission an app must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permission {
    /// The permission value (`user_basic`).
    pub name: String,
    /// Its display name.
    pub title: String,
    /// What it grants.
    pub description: String,
}

/// One endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// snake_case operation name.
    pub name: String,
    /// One-line summary.
    pub summary: String,
    /// Longer description.
    pub description: String,
    /// HTTP method.
    pub method: Method,
    /// Path template with `{name}` placeholders.
    pub path: String,
    /// Whether repeating the call is safe (used by retries).
    pub idempotent: bool,
    /// Whether the answer's `task_id` names an office task (`office_task:
    /// true`): `get_office_task` answers it, `Client::wait_for_task` waits.
    pub office_task: bool,
    /// Deprecation note, when deprecated.
    pub deprecated: Option<String>,
    /// Rate limits (the service defaults when the endpoint gives none).
    pub rate_limits: Vec<RateLimit>,
    /// Permission scope.
    pub scope: Scope,
    /// Path parameters, in the order the spec lists them.
    pub path_params: Vec<Field>,
    /// Query parameters.
    pub query: Vec<Field>,
    /// JSON body fields.
    pub body: Vec<Field>,
    /// multipart/form-data parts (a `file` part and text parts), instead of a
    /// JSON body.
    pub multipart: Vec<Field>,
    /// The shape of the response `data`.
    pub response: TypeExpr,
    /// How the call authenticates.
    pub auth: Auth,
    /// The family (the file's `family:`), which a client may leave out.
    pub family: Option<String>,
    /// How a list endpoint pages, when it does.
    pub paging: Option<Paging>,
    /// Where the endpoint comes from, when no documentation page shows it.
    pub source: Option<Source>,
}

/// How an endpoint authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// The WPS-2 signature headers (`wps2`).
    Wps2,
    /// A user `access_token` query parameter, no signature (`access_token`).
    AccessToken,
    /// Both (`wps2+access_token`).
    Wps2AndAccessToken,
    /// Neither (`none`): credentials, if any, are ordinary parameters.
    None,
}

impl Auth {
    /// Every mode, with its spelling in the spec.
    pub const ALL: [(Auth, &'static str); 4] = [
        (Auth::Wps2, "wps2"),
        (Auth::AccessToken, "access_token"),
        (Auth::Wps2AndAccessToken, "wps2+access_token"),
        (Auth::None, "none"),
    ];

    /// The spelling in the spec.
    pub fn as_str(self) -> &'static str {
        Auth::ALL
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, s)| s)
    }

    /// Whether requests carry the WPS-2 signature.
    pub fn signed(self) -> bool {
        matches!(self, Auth::Wps2 | Auth::Wps2AndAccessToken)
    }

    /// Whether requests carry a user `access_token`.
    pub fn user(self) -> bool {
        matches!(self, Auth::AccessToken | Auth::Wps2AndAccessToken)
    }
}

/// How a list pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingKind {
    /// `offset:` an integer offset; the answer gives the next one (`-1` when
    /// there is no more).
    Offset,
    /// `cursor:` a string cursor; the answer gives the next one, and leaves
    /// it out (or empty) on the last page.
    Cursor,
}

impl PagingKind {
    /// The spec's key for the request parameter: `offset` or `cursor`.
    pub fn key(self) -> &'static str {
        match self {
            PagingKind::Offset => "offset",
            PagingKind::Cursor => "cursor",
        }
    }
}

/// Paging: the request takes an offset or a cursor, the answer gives the
/// next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paging {
    /// An integer offset or a string cursor.
    pub kind: PagingKind,
    /// The query parameter that takes the offset (or the cursor).
    pub offset: String,
    /// The response field with the next offset.
    pub next: String,
    /// The response field holding the page's items, when the page shows it.
    pub items: Option<String>,
    /// Other query parameters the next request takes from the answer:
    /// `(parameter, response field)`.
    pub carry: Vec<(String, String)>,
}

/// A known service error code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    /// The numeric `code`.
    pub code: i64,
    /// The variant name (PascalCase): the service's `message` when a source
    /// gives one, else a name for what the source says.
    pub name: String,
    /// The `message` the service sends with the code, when a source shows it.
    pub message: Option<String>,
    /// What it means, in the source's words.
    pub description: String,
    /// Whether the failed call may succeed if repeated later.
    pub retryable: bool,
    /// Which family of failure it is.
    pub category: ErrorCategory,
    /// Where the code comes from.
    pub source: ErrorSource,
}

/// Where a known error code comes from: every entry of the error table names
/// one, so that no code is an invention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorSource {
    /// Documentation pages that state the code: paths on the service's
    /// documentation site (`/server/anonymous/local.html`), at least one.
    Pages {
        /// The pages, in spec order.
        pages: Vec<String>,
        /// More about where or how the pages state it.
        note: Option<String>,
    },
    /// No page states the code; it was seen in the answers quoted by public
    /// clients of the service.
    ObservedInPublicClients {
        /// What was observed where.
        note: String,
        /// Where it was observed (repositories and paths, or public code
        /// ids), when the spec names them.
        refs: Vec<String>,
    },
}

impl ErrorSource {
    /// The value of `observed:` for [`ErrorSource::ObservedInPublicClients`].
    pub const OBSERVED_IN_PUBLIC_CLIENTS: &'static str = "public clients";

    /// One line for documentation: `stated on /a.html, /b.html` or
    /// `observed in public clients: <note>`.
    pub fn summary(&self) -> String {
        match self {
            ErrorSource::Pages { pages, note } => {
                let list = pages
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match note {
                    Some(note) => format!("stated on {list} ({})", note.trim()),
                    None => format!("stated on {list}"),
                }
            }
            ErrorSource::ObservedInPublicClients { note, refs } => {
                let mut text = format!(
                    "not on a documentation page; observed in public clients: {}",
                    note.trim()
                );
                if !refs.is_empty() {
                    let refs: Vec<String> = refs.iter().map(|r| format!("`{r}`")).collect();
                    text.push_str(&format!("; see {}", refs.join(", ")));
                }
                text
            }
        }
    }
}

/// Families of service errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCategory {
    /// The caller was refused: credentials, a token or the signature, or a
    /// permission the caller lacks.
    Auth,
    /// The request cannot be carried out as sent (a wrong parameter, or a limit
    /// of the resource it acts on); repeating it unchanged fails again.
    Request,
    /// A quota was exhausted.
    RateLimit,
    /// The referenced resource does not exist or has expired.
    NotFound,
    /// The service failed.
    Server,
}

impl ErrorCategory {
    /// All categories, as spelled in the spec.
    pub const ALL: [(&'static str, ErrorCategory); 5] = [
        ("auth", ErrorCategory::Auth),
        ("request", ErrorCategory::Request),
        ("rate_limit", ErrorCategory::RateLimit),
        ("not_found", ErrorCategory::NotFound),
        ("server", ErrorCategory::Server),
    ];
}
