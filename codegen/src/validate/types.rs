//! Named types, their fields, enums, defaults and type expressions.

use super::*;

/// The keys of a field that decide its shape and checks, read before them.
#[derive(Default)]
struct FieldKeys<'v> {
    ty: Option<TypeExpr>,
    fields: Option<Vec<Field>>,
    default: Option<(&'v Value, YamlPath)>,
    others: Option<(Option<bool>, YamlPath)>,
}

impl FileChecker<'_> {
    pub(super) fn types(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) {
        for (name, value) in self.named_entries(value, at) {
            let at = at.key(&name);
            self.type_name(&name, &at);
            let Some(entries) = self.entries(value, &at, TYPE_KEYS, &[]) else {
                continue;
            };
            let mut def = TypeDef {
                name: name.clone(),
                description: String::new(),
                deprecated: None,
                kind: TypeKind::Object(Vec::new()),
                others: false,
            };
            let mut shape = None;
            let mut others_at = None;
            for (key, value) in entries {
                let key_at = at.key(&key);
                match key.as_str() {
                    "description" => {
                        def.description = self.string(value, &key_at).unwrap_or_default()
                    }
                    "deprecated" => def.deprecated = self.deprecation(value, &key_at),
                    "others" => {
                        def.others = self.boolean(value, &key_at).unwrap_or(false);
                        others_at = Some(key_at);
                    }
                    "fields" => {
                        let fields = self.fields(value, &key_at, part);
                        shape = Some((key.clone(), TypeKind::Object(fields)));
                    }
                    _ => {
                        if shape.is_some() {
                            self.error(
                                &key_at,
                                Anchor::Key,
                                "a type has either `fields` or `enum`, not both".into(),
                                Some("split it into two types".into()),
                            );
                        }
                        let values = self.enum_values(value, &key_at);
                        shape = Some((key.clone(), TypeKind::Enum(values)));
                    }
                }
            }
            if let (Some(others_at), Some((_, TypeKind::Enum(_)))) = (&others_at, &shape) {
                self.error(
                    others_at,
                    Anchor::Key,
                    "`others` keeps the undeclared fields of an object; an enum has none".into(),
                    Some("remove `others:`: an enum keeps unknown values in `Unknown`".into()),
                );
            }
            match shape {
                Some((_, kind)) => def.kind = kind,
                None => self.error(
                    &at,
                    Anchor::Key,
                    format!("type `{name}` has neither `fields` nor `enum`"),
                    Some("give an object type `fields:` or a string enum `enum: [a, b]`".into()),
                ),
            }
            part.types.push((def, self.origin(&at)));
        }
    }

    pub(super) fn enum_values(&mut self, value: &Value, at: &YamlPath) -> Vec<EnumValue> {
        let Value::Sequence(items) = value else {
            self.error(
                at,
                Anchor::Value,
                format!("expected a list of enum values, found {}", describe(value)),
                Some("write `enum: [read, write]`".into()),
            );
            return Vec::new();
        };
        let mut values: Vec<EnumValue> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = at.index(i);
            let value = match item {
                Value::String(s) => EnumValue {
                    value: s.clone(),
                    description: String::new(),
                },
                Value::Mapping(_) => {
                    let Some(entries) =
                        self.entries(item, &at, &["value", "description"], &["value"])
                    else {
                        continue;
                    };
                    let mut v = EnumValue {
                        value: String::new(),
                        description: String::new(),
                    };
                    for (key, value) in entries {
                        let text = self.string(value, &at.key(&key)).unwrap_or_default();
                        if key == "value" {
                            v.value = text;
                        } else {
                            v.description = text;
                        }
                    }
                    v
                }
                other => {
                    self.error(
                        &at,
                        Anchor::Value,
                        format!("enum values are strings, found {}", describe(other)),
                        Some("quote the value".into()),
                    );
                    continue;
                }
            };
            if variant_name(&value.value).is_none() {
                self.error(
                    &at,
                    Anchor::Value,
                    format!(
                        "enum value `{}` cannot be turned into a Rust variant name",
                        value.value
                    ),
                    Some("use letters, digits, `_`, `-` or `.`, starting with a letter".into()),
                );
            } else if values
                .iter()
                .any(|v| variant_name(&v.value) == variant_name(&value.value))
            {
                self.error(
                    &at,
                    Anchor::Value,
                    format!("enum value `{}` repeats an earlier value", value.value),
                    Some("values must differ even after conversion to PascalCase".into()),
                );
            } else if variant_name(&value.value).as_deref() == Some("Unknown") {
                self.error(
                    &at,
                    Anchor::Value,
                    "enum value `unknown` is reserved".into(),
                    Some(
                        "the generated enum keeps unrecognised values in its `Unknown` variant"
                            .into(),
                    ),
                );
            }
            values.push(value);
        }
        if items.is_empty() {
            self.error(
                at,
                Anchor::Value,
                "an enum needs at least one value".into(),
                Some("list the values, e.g. `enum: [read, write]`".into()),
            );
        }
        values
    }

    pub(super) fn fields(
        &mut self,
        value: &Value,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Vec<Field> {
        let mut fields = Vec::new();
        for (name, value) in self.named_entries(value, at) {
            let at = at.key(&name);
            self.field_name(&name, &at);
            if let Some(field) = self.field(&name, value, &at, part) {
                fields.push(field);
            }
        }
        fields
    }

    pub(super) fn field(
        &mut self,
        name: &str,
        value: &Value,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Option<Field> {
        let mut field = Field {
            name: name.to_owned(),
            ty: TypeExpr::Any,
            required: true,
            nullable: false,
            default: None,
            description: String::new(),
            deprecated: None,
            sensitive: false,
            example: None,
            source: None,
        };
        // Shorthand: `name: string`.
        if let Value::String(spelled) = value {
            field.ty = self.type_expr(spelled, at, part)?;
            return Some(field);
        }
        let entries = self.entries(value, at, FIELD_KEYS, &[])?;
        let mut keys = FieldKeys::default();
        for (key, value) in entries {
            let key_at = at.key(&key);
            match key.as_str() {
                "source" => field.source = self.source(value, &key_at),
                "others" => keys.others = Some((self.boolean(value, &key_at), key_at)),
                "type" => {
                    if let Some(spelled) = self.string(value, &key_at) {
                        keys.ty = self.type_expr(&spelled, &key_at, part);
                        keys.ty.as_ref()?;
                    }
                }
                "fields" => keys.fields = Some(self.fields(value, &key_at, part)),
                "required" => field.required = self.boolean(value, &key_at).unwrap_or(true),
                "nullable" => field.nullable = self.boolean(value, &key_at).unwrap_or(false),
                "default" => keys.default = Some((value, key_at)),
                "description" => {
                    field.description = self.string(value, &key_at).unwrap_or_default()
                }
                "deprecated" => field.deprecated = self.deprecation(value, &key_at),
                "sensitive" => field.sensitive = self.boolean(value, &key_at).unwrap_or(false),
                _ => field.example = Some(value.clone()),
            }
        }
        field.ty = self.field_shape(&field, &mut keys, at)?;
        self.field_checks(&mut field, keys, at, part);
        Some(field)
    }

    /// The type of a field: its `type:`, or the inline object of its `fields:`.
    fn field_shape(
        &mut self,
        field: &Field,
        keys: &mut FieldKeys,
        at: &YamlPath,
    ) -> Option<TypeExpr> {
        let name = &field.name;
        let ty = match (keys.ty.take(), keys.fields.take()) {
            (Some(_), Some(_)) => {
                self.error(
                    at,
                    Anchor::Key,
                    format!("field `{name}` has both `type` and `fields`"),
                    Some("use `fields:` for an inline object, or `type:` to name one".into()),
                );
                return None;
            }
            (Some(ty), None) => ty,
            (None, Some(fields)) => TypeExpr::Object(InlineObject {
                description: field.description.clone(),
                fields,
                others: keys
                    .others
                    .as_ref()
                    .and_then(|(others, _)| *others)
                    .unwrap_or(false),
            }),
            (None, None) => {
                self.error(
                    at,
                    Anchor::Key,
                    format!("field `{name}` has no `type`"),
                    Some("add `type: string` (or another type), or `fields:` for an object".into()),
                );
                return None;
            }
        };
        if let (Some((_, others_at)), false) = (&keys.others, matches!(ty, TypeExpr::Object(_))) {
            self.error(
                others_at,
                Anchor::Key,
                format!("`others` is for a field with `fields:`; `{name}` has a `type`"),
                Some(
                    "keep the undeclared fields of a named type with `others: true` on the type"
                        .into(),
                ),
            );
        }
        Some(ty)
    }

    /// What a field's keys must agree on: a source makes it optional (and
    /// sources what it holds), `sensitive` is for strings, a default for
    /// optional fields; an example is kept to check once all types are known.
    fn field_checks(
        &mut self,
        field: &mut Field,
        keys: FieldKeys,
        at: &YamlPath,
        part: &mut FilePart,
    ) {
        let name = field.name.clone();
        self.sourced_field_is_optional(field, at);
        if let (Some(source), TypeExpr::Object(object)) = (&field.source, &mut field.ty) {
            let holder = format!("`{name}`");
            self.inherit_source(&mut object.fields, source, &at.key("fields"), &holder);
        }
        if field.sensitive && !matches!(field.ty, TypeExpr::String) {
            self.error(
                &at.key("sensitive"),
                Anchor::Key,
                format!(
                    "only `string` fields can be sensitive, `{name}` is `{}`",
                    field.ty.spelling()
                ),
                Some("mark the string fields inside it as sensitive instead".into()),
            );
        }
        if let Some((value, key_at)) = keys.default {
            if field.required {
                self.error(
                    &key_at,
                    Anchor::Key,
                    format!("required field `{name}` cannot have a default"),
                    Some("add `required: false`, or remove the default".into()),
                );
            } else {
                field.default = self.default_value(value, &field.ty, &key_at, part);
            }
        }
        if let Some(example) = &field.example {
            let origin = self.origin(&at.key("example"));
            part.examples
                .push((field.ty.clone(), example.clone(), origin));
        }
    }

    pub(super) fn default_value(
        &mut self,
        value: &Value,
        ty: &TypeExpr,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Option<DefaultValue> {
        let integer_range = |ty: &TypeExpr| -> Option<(i128, i128)> {
            match ty {
                TypeExpr::I32 => Some((i32::MIN.into(), i32::MAX.into())),
                TypeExpr::I64 => Some((i64::MIN.into(), i64::MAX.into())),
                TypeExpr::U32 => Some((0, u32::MAX.into())),
                TypeExpr::U64 => Some((0, u64::MAX.into())),
                _ => None,
            }
        };
        let parsed = match (ty, value) {
            (TypeExpr::Bool, Value::Bool(b)) => Some(DefaultValue::Bool(*b)),
            (TypeExpr::String, Value::String(s)) => Some(DefaultValue::String(s.clone())),
            // `.inf` and `.nan` have no Rust literal; they are refused below.
            (TypeExpr::F64, Value::Integer(_) | Value::Float(_)) => value
                .as_f64()
                .filter(|x| x.is_finite())
                .map(DefaultValue::Float),
            (TypeExpr::Named(name), Value::String(s)) => {
                // Checked against the enum's values once all types are known.
                part.references
                    .push((format!("{name}={s}"), self.origin(at)));
                Some(DefaultValue::String(s.clone()))
            }
            (ty, Value::Integer(_) | Value::Float(_)) => {
                let range = integer_range(ty);
                let n = match value {
                    Value::Integer(n) => Some(*n),
                    _ => None,
                };
                match (range, n) {
                    (Some((lo, hi)), Some(n)) if (lo..=hi).contains(&n) => {
                        Some(DefaultValue::Integer(n))
                    }
                    (Some((lo, hi)), Some(n)) => {
                        self.error(
                            at,
                            Anchor::Value,
                            format!("default {n} does not fit in `{}`", ty.spelling()),
                            Some(format!("`{}` holds {lo} to {hi}", ty.spelling())),
                        );
                        return None;
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                at,
                Anchor::Value,
                format!(
                    "the default, {}, does not match the field type `{}`",
                    describe(value),
                    ty.spelling()
                ),
                Some("defaults are allowed on bool, integer, f64, string and enum fields".into()),
            );
        }
        parsed
    }

    /// Parses `string`, `array<T>`, `map<T>`, or a type name.
    pub(super) fn type_expr(
        &mut self,
        spelled: &str,
        at: &YamlPath,
        part: &mut FilePart,
    ) -> Option<TypeExpr> {
        const MAX_DEPTH: usize = 16;
        if spelled.matches('<').count() > MAX_DEPTH {
            self.error(
                at,
                Anchor::Value,
                format!("type `{spelled}` nests more than {MAX_DEPTH} levels"),
                Some("name an inner type under `types:` instead".into()),
            );
            return None;
        }
        let s = spelled.trim();
        let generic = |prefix: &str| {
            s.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('<'))
                .and_then(|rest| rest.strip_suffix('>'))
        };
        let ty = match s {
            "string" => TypeExpr::String,
            "bool" => TypeExpr::Bool,
            "i32" => TypeExpr::I32,
            "i64" => TypeExpr::I64,
            "u32" => TypeExpr::U32,
            "u64" => TypeExpr::U64,
            "f64" => TypeExpr::F64,
            "any" => TypeExpr::Any,
            "file" if self.allow_file => TypeExpr::File,
            "file" => {
                self.error(
                    at,
                    Anchor::Value,
                    "`file` is the type of a multipart file part".into(),
                    Some("declare file parts under the endpoint's `multipart:`".into()),
                );
                return None;
            }
            _ => {
                if let Some(inner) = generic("array") {
                    TypeExpr::Array(Box::new(self.type_expr(inner, at, part)?))
                } else if let Some(inner) = generic("map") {
                    TypeExpr::Map(Box::new(self.type_expr(inner, at, part)?))
                } else if is_type_name(s) {
                    part.references.push((s.to_owned(), self.origin(at)));
                    TypeExpr::Named(s.to_owned())
                } else {
                    let lower = s.to_ascii_lowercase();
                    let hint = match lower.as_str() {
                        "integer" | "int" | "number" | "long" => {
                            "use a sized integer: i32, i64, u32 or u64".to_owned()
                        }
                        "boolean" => "use `bool`".to_owned(),
                        "float" | "double" => "use `f64`".to_owned(),
                        "object" => {
                            "write the fields inline with `fields:`, or name a type".to_owned()
                        }
                        _ => match closest(s, BUILTIN_TYPES.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!(
                                "use {}, array<T>, map<T>, or a type name in PascalCase",
                                BUILTIN_TYPES.join(", ")
                            ),
                        },
                    };
                    self.error(at, Anchor::Value, format!("unknown type `{s}`"), Some(hint));
                    return None;
                }
            }
        };
        Some(ty)
    }
}
