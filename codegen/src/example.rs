//! Examples: checking a field's `example:` against its type, and building the
//! example answer of an endpoint.
//!
//! The example answer is what the fake server's generated handlers return for
//! an endpoint no hand-written handler keeps state for. It is built from the
//! spec alone, so that an endpoint added to the YAML is answered at once:
//!
//! - a field with an `example:` answers with it;
//! - a required field without one answers with its `default:`, or the empty
//!   value of its type (`""`, `0`, `false`, `[]`, `{}`, the first value of an
//!   enum);
//! - an optional field without an example or default is left out.
//!
//! Because the answer must decode into the generated response type, every
//! `example:` is checked against its field's type when the spec is validated
//! ([`check`]): a string for a string or an enum, an integer in range for an
//! integer type, an object whose keys are the fields of the object type, and
//! so on.

use serde_json::{Map, Number, Value};

use crate::spec::{DefaultValue, Field, Spec, TypeExpr, TypeKind};

/// Whether `value` fits `ty`; the error says what does not, with a JSON-like
/// path inside the value (`[0].name`).
pub fn check(spec: &Spec, ty: &TypeExpr, value: &crate::yaml::Value) -> Result<(), String> {
    let value = value
        .to_json()
        .map_err(|e| format!("the example cannot be written as JSON ({e})"))?;
    check_json(spec, ty, &value, "")
}

fn check_json(spec: &Spec, ty: &TypeExpr, value: &Value, at: &str) -> Result<(), String> {
    let here = |what: &str| {
        if at.is_empty() {
            format!("the example is {}, not {what}", kind(value))
        } else {
            format!("the example's `{at}` is {}, not {what}", kind(value))
        }
    };
    let integer = |fits: bool, what: &str| if fits { Ok(()) } else { Err(here(what)) };
    match (ty, value) {
        (TypeExpr::Any, _) => Ok(()),
        (TypeExpr::String, Value::String(_)) => Ok(()),
        (TypeExpr::Bool, Value::Bool(_)) => Ok(()),
        (TypeExpr::I32, Value::Number(n)) => integer(
            n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            "an i32",
        ),
        (TypeExpr::I64, Value::Number(n)) => integer(n.as_i64().is_some(), "an i64"),
        (TypeExpr::U32, Value::Number(n)) => integer(
            n.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
            "a u32",
        ),
        (TypeExpr::U64, Value::Number(n)) => integer(n.as_u64().is_some(), "a u64"),
        (TypeExpr::F64, Value::Number(_)) => Ok(()),
        (TypeExpr::Array(item), Value::Array(items)) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_json(spec, item, v, &format!("{at}[{i}]"))),
        (TypeExpr::Map(item), Value::Object(map)) => map
            .iter()
            .try_for_each(|(k, v)| check_json(spec, item, v, &format!("{}{k}", dot(at)))),
        (TypeExpr::Object(object), Value::Object(map)) => {
            check_fields(spec, &object.fields, map, at)
        }
        (TypeExpr::Named(name), value) => match spec.type_named(name).map(|t| &t.kind) {
            Some(TypeKind::Object(fields)) => match value {
                Value::Object(map) => check_fields(spec, fields, map, at),
                _ => Err(here(&format!("an object (`{name}`)"))),
            },
            Some(TypeKind::Enum(_)) => match value {
                Value::String(_) => Ok(()),
                _ => Err(here(&format!("a string (the enum `{name}`)"))),
            },
            None => Ok(()),
        },
        (ty, _) => Err(here(&article(&ty.spelling()))),
    }
}

fn check_fields(
    spec: &Spec,
    fields: &[Field],
    map: &Map<String, Value>,
    at: &str,
) -> Result<(), String> {
    for (key, value) in map {
        let Some(field) = fields.iter().find(|f| &f.name == key) else {
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            return Err(format!(
                "the example has a field `{}{key}` that the type does not declare (fields: {})",
                dot(at),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ));
        };
        if value.is_null() && (field.nullable || !field.required) {
            continue;
        }
        check_json(spec, &field.ty, value, &format!("{}{key}", dot(at)))?;
    }
    Ok(())
}

fn dot(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!("{at}.")
    }
}

fn article(spelling: &str) -> String {
    match spelling.chars().next() {
        // `u32` is read "you thirty-two": a u32.
        Some('a' | 'e' | 'i' | 'o') => format!("an {spelling}"),
        _ => format!("a {spelling}"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(n) if n.is_i64() && n.as_i64().is_some_and(|n| n < 0) => "a negative integer",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The example answer for a response of type `ty` (see the [module docs](self)).
pub fn answer(spec: &Spec, ty: &TypeExpr) -> Value {
    value_of(spec, ty, 0)
}

/// Deeper than this, a recursive type answers with its empty value.
const MAX_DEPTH: usize = 8;

fn value_of(spec: &Spec, ty: &TypeExpr, depth: usize) -> Value {
    match ty {
        TypeExpr::String => Value::String(String::new()),
        TypeExpr::Bool => Value::Bool(false),
        TypeExpr::I32 | TypeExpr::I64 | TypeExpr::U32 | TypeExpr::U64 => Value::from(0),
        TypeExpr::F64 => Value::from(0.0),
        TypeExpr::Any | TypeExpr::Map(_) => Value::Object(Map::new()),
        // Only request parts are files.
        TypeExpr::File => Value::Null,
        TypeExpr::Array(_) => Value::Array(Vec::new()),
        TypeExpr::Object(object) => object_of(spec, &object.fields, depth),
        TypeExpr::Named(name) => match spec.type_named(name).map(|t| &t.kind) {
            Some(TypeKind::Object(fields)) => object_of(spec, fields, depth),
            Some(TypeKind::Enum(values)) => {
                Value::String(values.first().map(|v| v.value.clone()).unwrap_or_default())
            }
            None => Value::Object(Map::new()),
        },
    }
}

fn object_of(spec: &Spec, fields: &[Field], depth: usize) -> Value {
    let mut map = Map::new();
    if depth >= MAX_DEPTH {
        return Value::Object(map);
    }
    for field in fields {
        let value = match (&field.example, &field.default) {
            (Some(example), _) => example.to_json().ok(),
            (None, Some(default)) => Some(default_json(default)),
            (None, None) if field.required => Some(value_of(spec, &field.ty, depth + 1)),
            (None, None) => None,
        };
        if let Some(value) = value {
            map.insert(field.name.clone(), value);
        }
    }
    Value::Object(map)
}

/// A default as the JSON value it stands for (a non-finite float as null).
pub(crate) fn default_json(default: &DefaultValue) -> Value {
    match default {
        DefaultValue::Bool(b) => Value::Bool(*b),
        DefaultValue::Integer(n) => i64::try_from(*n)
            .map(Value::from)
            .or_else(|_| u64::try_from(*n).map(Value::from))
            .unwrap_or(Value::Null),
        DefaultValue::Float(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
        DefaultValue::String(s) => Value::String(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(types: &str, response: &str) -> Spec {
        let service = "service:\n  name: t\n  base_url: https://example.invalid\n  signing: {scheme: WPS-2}\n";
        let endpoint = format!(
            "endpoints:\n  op:\n    summary: s\n    description: d\n    method: GET\n    path: /p\n    response:\n{response}"
        );
        crate::check_sources(&[
            ("a.yaml", service),
            ("b.yaml", types),
            ("c.yaml", &endpoint),
        ])
        .unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn answers_use_examples_defaults_and_empty_values() {
        let spec = spec(
            "types:\n  Kind:\n    description: k\n    enum: [{value: doc, description: d}, {value: sheet, description: s}]\n  Item:\n    description: i\n    fields:\n      id: {type: i64, example: 7}\n      kind: Kind\n      tags: {type: array<string>, required: false}\n",
            "      fields:\n        url: {type: string, example: 'https://x'}\n        count: u32\n        flag: {type: bool, required: false, default: true}\n        note: {type: string, required: false}\n        items: {type: array<Item>, example: [{id: 1, kind: sheet}]}\n        first: Item\n        meta: any\n",
        );
        let endpoint = &spec.endpoints[0];
        assert_eq!(
            answer(&spec, &endpoint.response),
            serde_json::json!({
                "url": "https://x",
                "count": 0,
                "flag": true,
                "items": [{"id": 1, "kind": "sheet"}],
                "first": {"id": 7, "kind": "doc"},
                "meta": {},
            })
        );
    }

    #[test]
    fn examples_are_checked_against_their_types() {
        let spec = spec(
            "types:\n  Item:\n    description: i\n    fields:\n      id: i64\n      name: {type: string, required: false}\n",
            "      fields:\n        x: any\n",
        );
        let check =
            |ty: TypeExpr, yaml: &str| check(&spec, &ty, &crate::yaml::load(yaml).unwrap().0);
        assert!(check(TypeExpr::String, "abc").is_ok());
        assert_eq!(
            check(TypeExpr::String, "12").unwrap_err(),
            "the example is an integer, not a string"
        );
        assert!(check(TypeExpr::U32, "-1").is_err());
        assert!(check(TypeExpr::I32, "3000000000").is_err());
        assert!(check(TypeExpr::F64, "1").is_ok());
        assert!(check(TypeExpr::Any, "{a: [1]}").is_ok());
        let items = TypeExpr::Array(Box::new(TypeExpr::Named("Item".into())));
        assert!(check(
            items.clone(),
            "[{id: 1}, {id: 2, name: x}, {id: 3, name: null}]"
        )
        .is_ok());
        assert_eq!(
            check(items.clone(), "[{id: 1}, {id: x}]").unwrap_err(),
            "the example's `[1].id` is a string, not an i64"
        );
        assert_eq!(
            check(items, "[{id: 1, nmae: x}]").unwrap_err(),
            "the example has a field `[0].nmae` that the type does not declare (fields: id, name)"
        );
        let map = TypeExpr::Map(Box::new(TypeExpr::Bool));
        assert_eq!(
            check(map, "{a: true, b: 1}").unwrap_err(),
            "the example's `b` is an integer, not a bool"
        );
    }
}
