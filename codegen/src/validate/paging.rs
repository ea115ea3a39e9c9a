//! Pass 2, paging: a `paging:` names a query parameter and answer fields of
//! the types its kind needs.
//!
//! - `offset:` an optional integer query parameter; `next:` an integer field
//!   of the answer (`-1` when there is no more);
//! - `cursor:` an optional string query parameter; `next:` an optional string
//!   field (left out, or empty, on the last page);
//! - `carry:` optional query parameters set from answer fields of the same
//!   type; `items:` a list field of the answer.

use super::*;

/// Where a problem is, and what it is: `(path, anchor, message, hint)`.
type Found<'a> = dyn FnMut(YamlPath, Anchor, String, Option<String>) + 'a;

fn integer(ty: &TypeExpr) -> bool {
    matches!(
        ty,
        TypeExpr::I32 | TypeExpr::I64 | TypeExpr::U32 | TypeExpr::U64
    )
}

/// Checks `paging` of `endpoint` (`fields`: its answer's, when the answer is
/// an object; `at`: the `paging:` key).
pub(super) fn check(
    endpoint: &Endpoint,
    paging: &Paging,
    fields: Option<&[Field]>,
    at: &YamlPath,
    found: &mut Found<'_>,
) {
    position(endpoint, paging, at, found);
    let Some(fields) = fields else {
        found(
            at.clone(),
            Anchor::Key,
            format!(
                "`{}` pages, but its response is not an object",
                endpoint.name
            ),
            Some("declare the response's fields, with the next offset or cursor among them".into()),
        );
        return;
    };
    next(paging, fields, at, found);
    carry(endpoint, paging, fields, at, found);
    items(paging, fields, at, found);
}

/// The request's offset or cursor parameter.
fn position(endpoint: &Endpoint, paging: &Paging, at: &YamlPath, found: &mut Found<'_>) {
    let key = paging.kind.key();
    let (fits, wanted, hint) = match paging.kind {
        PagingKind::Offset => (
            integer as fn(&TypeExpr) -> bool,
            "an optional integer",
            "declare it `{type: i64, required: false}`: the first page is asked without it",
        ),
        PagingKind::Cursor => (
            (|ty: &TypeExpr| matches!(ty, TypeExpr::String)) as fn(&TypeExpr) -> bool,
            "an optional string",
            "declare it `{type: string, required: false}`: the first page is asked without it",
        ),
    };
    match endpoint.query.iter().find(|q| q.name == paging.offset) {
        Some(q) if fits(&q.ty) && !q.required => {}
        Some(_) => found(
            at.key(key),
            Anchor::Value,
            format!(
                "paging {key} `{}` must be {wanted} query parameter",
                paging.offset
            ),
            Some(hint.into()),
        ),
        None => {
            let names: Vec<&str> = endpoint.query.iter().map(|q| q.name.as_str()).collect();
            found(
                at.key(key),
                Anchor::Value,
                format!(
                    "paging {key} `{}` is not a query parameter of `{}`",
                    paging.offset, endpoint.name
                ),
                Some(match closest(&paging.offset, names.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => "add it under `query:`".into(),
                }),
            )
        }
    }
}

/// The answer's next offset or cursor.
fn next(paging: &Paging, fields: &[Field], at: &YamlPath, found: &mut Found<'_>) {
    let (fits, message, hint): (bool, &str, &str) = match (
        paging.kind,
        fields.iter().find(|f| f.name == paging.next),
    ) {
        (_, None) => {
            found(
                    at.key("next"),
                    Anchor::Value,
                    format!("paging next `{}` is not a field of the response", paging.next),
                    Some(match paging.kind {
                        PagingKind::Offset => {
                            "declare it among the response's fields (an i64; -1 when there is no more)"
                        }
                        PagingKind::Cursor => {
                            "declare it among the response's fields (an optional string, left out on the last page)"
                        }
                    }
                    .into()),
                );
            return;
        }
        (PagingKind::Offset, Some(f)) => (
            integer(&f.ty),
            "must be an integer field",
            "the next offset is a number (an i64; -1 when there is no more)",
        ),
        (PagingKind::Cursor, Some(f)) => (
            matches!(f.ty, TypeExpr::String) && !f.required,
            "must be an optional string field",
            "the last page leaves the cursor out: declare it `{type: string, required: false}`",
        ),
    };
    if !fits {
        found(
            at.key("next"),
            Anchor::Value,
            format!("paging next `{}` {message}", paging.next),
            Some(hint.into()),
        );
    }
}

/// The values the next request takes from the answer.
fn carry(
    endpoint: &Endpoint,
    paging: &Paging,
    fields: &[Field],
    at: &YamlPath,
    found: &mut Found<'_>,
) {
    for (param, field) in &paging.carry {
        let carry_at = at.key("carry").key(param);
        let query = endpoint.query.iter().find(|q| &q.name == param);
        let answer = fields.iter().find(|f| &f.name == field);
        match (query, answer) {
            (Some(q), Some(f)) if q.ty == f.ty && !q.required => {}
            (Some(_), Some(_)) => found(
                carry_at,
                Anchor::Key,
                format!("paging carries `{field}` into `{param}`: they must have the same type, and `{param}` must be optional"),
                Some("the first page is asked without it: declare the parameter `required: false`, with the answer field's type".into()),
            ),
            (None, _) => found(
                carry_at,
                Anchor::Key,
                format!("paging carries into `{param}`, which is not a query parameter"),
                Some("name an optional query parameter".into()),
            ),
            (_, None) => found(
                carry_at,
                Anchor::Value,
                format!("paging carries `{field}`, which is not a field of the response"),
                Some("declare it among the response's fields".into()),
            ),
        }
    }
}

/// The answer's list of items.
fn items(paging: &Paging, fields: &[Field], at: &YamlPath, found: &mut Found<'_>) {
    let Some(items) = &paging.items else {
        return;
    };
    match fields.iter().find(|f| &f.name == items) {
        Some(f) if matches!(f.ty, TypeExpr::Array(_)) => {}
        Some(_) => found(
            at.key("items"),
            Anchor::Value,
            format!("paging items `{items}` must be a list field"),
            Some(
                "name the field that holds the page's list (an `array<…>`), or leave `items` out"
                    .into(),
            ),
        ),
        None => found(
            at.key("items"),
            Anchor::Value,
            format!("paging items `{items}` is not a field of the response"),
            Some("declare it among the response's fields, or leave `items` out".into()),
        ),
    }
}
