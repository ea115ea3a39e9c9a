//! `Serialize` and `Deserialize` of the generated structs and enums, written
//! once here instead of derived for each.
//!
//! serde_derive writes well over a hundred lines per struct (a field enum
//! with its own visitor, a visitor with `visit_seq` and `visit_map`, a
//! duplicate check and a missing-field check per field), and type-checking
//! that was most of the time `cargo check` spent on generated code
//! (BENCHMARKS.md). A generated struct's impls are instead one call each,
//! describing the struct:
//!
//! ```
//! use kdocs_runtime::object::{self, Opt, Req, Skip};
//! use kdocs_runtime::serde::{Deserialize, Deserializer, Serialize, Serializer};
//!
//! #[derive(Debug, PartialEq)]
//! pub struct File {
//!     pub id: String,
//!     pub size: Option<u64>,
//!     pub version: u32, // `default: 1`
//! }
//!
//! impl<'de> Deserialize<'de> for File {
//!     fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
//!         let v = object::deserialize::<(Req<String>, Opt<u64>, Opt<u32>), _>(
//!             deserializer, "File", &["id", "size", "version"],
//!         )?;
//!         Ok(Self { id: v.0, size: v.1, version: v.2.unwrap_or(1) })
//!     }
//! }
//!
//! impl Serialize for File {
//!     fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
//!         object::serialize(serializer, "File", &["id", "size", "version"],
//!             (&self.id, Skip(&self.size), &self.version))
//!     }
//! }
//!
//! let file: File = serde_json::from_str(r#"{"id": "f1", "size": null, "extra": 1}"#).unwrap();
//! assert_eq!(file, File { id: "f1".into(), size: None, version: 1 });
//! assert_eq!(serde_json::to_string(&file).unwrap(), r#"{"id":"f1","version":1}"#);
//! ```
//!
//! It decodes as serde_derive would (`#[serde(default, skip_serializing_if =
//! "Option::is_none")]` on the optional fields, a missing required field is
//! `missing field `id``, a repeated one `duplicate field `id``, unknown
//! fields are skipped) except that a struct is read from a map only, not
//! from a sequence of its fields. The fields are a tuple of slots ([`Req`],
//! [`Opt`]), at most 12 to a tuple: a struct with more nests tuples. The loop
//! over the map is generic over that tuple, so it is type-checked once, here,
//! and only instantiated per struct.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// The fields of a struct being decoded: a [`Req`] or an [`Opt`] per field,
/// or a tuple of slots.
pub trait Slots<'de>: Sized {
    /// How many fields.
    const LEN: usize;
    /// The fields' values: a required field's value, an optional one's `Option`.
    type Out;
    /// Nothing read yet.
    fn empty() -> Self;
    /// Reads the map's next value into field `index`, named `names[index]`.
    fn set<A: MapAccess<'de>>(
        &mut self,
        index: usize,
        names: &'static [&'static str],
        map: &mut A,
    ) -> Result<(), A::Error>;
    /// The values, or the name of the first required field that is missing.
    fn finish(self, names: &'static [&'static str]) -> Result<Self::Out, &'static str>;
}

/// A required field: present and, unless `T` is an `Option`, not `null`.
pub struct Req<T>(Option<T>);

/// An optional field: absent or `null` is `None`.
pub struct Opt<T>(Option<Option<T>>);

/// Reads the map's next value into an empty `slot`; a second value for the
/// same field is an error, as serde's derive makes it.
fn fill_once<'de, V: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<V>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

impl<'de, T: Deserialize<'de>> Slots<'de> for Req<T> {
    const LEN: usize = 1;
    type Out = T;

    fn empty() -> Self {
        Req(None)
    }

    fn set<A: MapAccess<'de>>(
        &mut self,
        _: usize,
        names: &'static [&'static str],
        map: &mut A,
    ) -> Result<(), A::Error> {
        fill_once(&mut self.0, names[0], map)
    }

    fn finish(self, names: &'static [&'static str]) -> Result<T, &'static str> {
        self.0.ok_or(names[0])
    }
}

impl<'de, T: Deserialize<'de>> Slots<'de> for Opt<T> {
    const LEN: usize = 1;
    type Out = Option<T>;

    fn empty() -> Self {
        Opt(None)
    }

    fn set<A: MapAccess<'de>>(
        &mut self,
        _: usize,
        names: &'static [&'static str],
        map: &mut A,
    ) -> Result<(), A::Error> {
        fill_once(&mut self.0, names[0], map)
    }

    fn finish(self, _: &'static [&'static str]) -> Result<Option<T>, &'static str> {
        Ok(self.0.flatten())
    }
}

impl<'de> Slots<'de> for () {
    const LEN: usize = 0;
    type Out = ();

    fn empty() -> Self {}

    fn set<A: MapAccess<'de>>(
        &mut self,
        _: usize,
        _: &'static [&'static str],
        _: &mut A,
    ) -> Result<(), A::Error> {
        Ok(())
    }

    fn finish(self, _: &'static [&'static str]) -> Result<(), &'static str> {
        Ok(())
    }
}

/// `Slots` for a tuple of slots: field `index` is in the first element that
/// reaches it.
macro_rules! tuple_slots {
    ($($slot:ident $index:tt),+) => {
        impl<'de, $($slot: Slots<'de>),+> Slots<'de> for ($($slot,)+) {
            const LEN: usize = 0 $(+ $slot::LEN)+;
            type Out = ($($slot::Out,)+);

            fn empty() -> Self {
                ($($slot::empty(),)+)
            }

            #[allow(unused_assignments)]
            fn set<Map: MapAccess<'de>>(
                &mut self,
                index: usize,
                names: &'static [&'static str],
                map: &mut Map,
            ) -> Result<(), Map::Error> {
                let (mut index, mut names) = (index, names);
                $(
                    if index < $slot::LEN {
                        return self.$index.set(index, &names[..$slot::LEN], map);
                    }
                    index -= $slot::LEN;
                    names = &names[$slot::LEN..];
                )+
                Ok(())
            }

            #[allow(unused_assignments)]
            fn finish(self, names: &'static [&'static str]) -> Result<Self::Out, &'static str> {
                let mut names = names;
                Ok(($({
                    let (these, rest) = names.split_at($slot::LEN);
                    names = rest;
                    self.$index.finish(these)?
                },)+))
            }
        }
    };
}

/// Decodes the struct `name`, whose fields are named `names` on the wire and
/// read into the slots `S` (in the same order): the values, in that order.
pub fn deserialize<'de, S: Slots<'de>, D: Deserializer<'de>>(
    deserializer: D,
    name: &'static str,
    names: &'static [&'static str],
) -> Result<S::Out, D::Error> {
    if names.len() != S::LEN {
        return Err(de::Error::custom(format_args!(
            "struct {name}: {} field names for {} fields",
            names.len(),
            S::LEN
        )));
    }
    deserializer.deserialize_struct(
        name,
        names,
        StructVisitor::<S> {
            name,
            names,
            slots: PhantomData,
        },
    )
}

/// The fields a struct does not name, as they came.
pub type Others = BTreeMap<String, serde_json::Value>;

/// [`deserialize`] for a struct that keeps the fields it does not name: the
/// values, and the other fields.
pub fn deserialize_with_others<'de, S: Slots<'de>, D: Deserializer<'de>>(
    deserializer: D,
    name: &'static str,
    names: &'static [&'static str],
) -> Result<(S::Out, Others), D::Error> {
    if names.len() != S::LEN {
        return Err(de::Error::custom(format_args!(
            "struct {name}: {} field names for {} fields",
            names.len(),
            S::LEN
        )));
    }
    deserializer.deserialize_map(OthersVisitor::<S> {
        name,
        names,
        slots: PhantomData,
    })
}

struct StructVisitor<S> {
    name: &'static str,
    names: &'static [&'static str],
    slots: PhantomData<S>,
}

impl<'de, S: Slots<'de>> Visitor<'de> for StructVisitor<S> {
    type Value = S::Out;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S::Out, A::Error> {
        let mut slots = S::empty();
        while let Some(index) = map.next_key_seed(FieldIndex(self.names))? {
            match index {
                Some(index) => slots.set(index, self.names, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        slots.finish(self.names).map_err(de::Error::missing_field)
    }
}

struct OthersVisitor<S> {
    name: &'static str,
    names: &'static [&'static str],
    slots: PhantomData<S>,
}

impl<'de, S: Slots<'de>> Visitor<'de> for OthersVisitor<S> {
    type Value = (S::Out, Others);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut slots = S::empty();
        let mut others = BTreeMap::new();
        while let Some(key) = map.next_key_seed(FieldOrOther(self.names))? {
            match key {
                Ok(index) => slots.set(index, self.names, &mut map)?,
                Err(other) => {
                    others.insert(other, map.next_value()?);
                }
            }
        }
        let values = slots.finish(self.names).map_err(de::Error::missing_field)?;
        Ok((values, others))
    }
}

/// A key: the index of the field it names, `None` for another.
struct FieldIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldIndex {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| name.as_bytes() == key))
    }

    /// As serde_derive: a field may be named by its index.
    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Self::Value, E> {
        Ok(usize::try_from(index).ok().filter(|i| *i < self.0.len()))
    }
}

/// A key: the index of the field it names, or the key itself.
struct FieldOrOther(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldOrOther {
    type Value = Result<usize, String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldOrOther {
    type Value = Result<usize, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .iter()
            .position(|name| *name == key)
            .ok_or_else(|| key.to_owned()))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key).ok_or(key))
    }
}

/// The fields of a struct being encoded: a reference to each field's value
/// (written always), or [`Skip`] of an `Option` (left out when `None`), or a
/// tuple of those.
pub trait Entries {
    /// How many fields.
    const LEN: usize;
    /// How many fields are written.
    fn present(&self) -> usize;
    /// Writes the fields, named `names`, into `out`.
    fn write<W: FieldWriter>(
        &self,
        names: &'static [&'static str],
        out: &mut W,
    ) -> Result<(), W::Error>;
}

/// Where [`Entries`] write their fields: a struct's fields ([`AsStruct`]) or a
/// map's entries ([`AsMap`]).
pub trait FieldWriter {
    /// The serializer's error.
    type Error;
    /// Writes one field.
    fn field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Self::Error>;
    /// Leaves one field out.
    fn skip(&mut self, name: &'static str) -> Result<(), Self::Error>;
}

/// A struct's serializer as a [`FieldWriter`]: fields, told of those left out.
pub struct AsStruct<'a, M>(pub &'a mut M);

/// A map's serializer as a [`FieldWriter`]: entries, nothing for those left out.
pub struct AsMap<'a, M>(pub &'a mut M);

impl<M: SerializeStruct> FieldWriter for AsStruct<'_, M> {
    type Error = M::Error;

    fn field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_field(name, value)
    }

    fn skip(&mut self, name: &'static str) -> Result<(), M::Error> {
        self.0.skip_field(name)
    }
}

impl<M: SerializeMap> FieldWriter for AsMap<'_, M> {
    type Error = M::Error;

    fn field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(name, value)
    }

    fn skip(&mut self, _: &'static str) -> Result<(), M::Error> {
        Ok(())
    }
}

/// An optional field, left out when `None`.
pub struct Skip<'a, T>(pub &'a Option<T>);

impl<T: Serialize + ?Sized> Entries for &T {
    const LEN: usize = 1;

    fn present(&self) -> usize {
        1
    }

    fn write<W: FieldWriter>(
        &self,
        names: &'static [&'static str],
        out: &mut W,
    ) -> Result<(), W::Error> {
        out.field(names[0], *self)
    }
}

impl<T: Serialize> Entries for Skip<'_, T> {
    const LEN: usize = 1;

    fn present(&self) -> usize {
        usize::from(self.0.is_some())
    }

    fn write<W: FieldWriter>(
        &self,
        names: &'static [&'static str],
        out: &mut W,
    ) -> Result<(), W::Error> {
        match self.0 {
            Some(value) => out.field(names[0], value),
            None => out.skip(names[0]),
        }
    }
}

impl Entries for () {
    const LEN: usize = 0;

    fn present(&self) -> usize {
        0
    }

    fn write<W: FieldWriter>(&self, _: &'static [&'static str], _: &mut W) -> Result<(), W::Error> {
        Ok(())
    }
}

/// `Entries` for a tuple: its elements in order.
macro_rules! tuple_entries {
    ($($entry:ident $index:tt),+) => {
        impl<$($entry: Entries),+> Entries for ($($entry,)+) {
            const LEN: usize = 0 $(+ $entry::LEN)+;

            fn present(&self) -> usize {
                0 $(+ self.$index.present())+
            }

            #[allow(unused_assignments)]
            fn write<W: FieldWriter>(
                &self,
                names: &'static [&'static str],
                out: &mut W,
            ) -> Result<(), W::Error> {
                let mut names = names;
                $(
                    let (these, rest) = names.split_at($entry::LEN);
                    self.$index.write(these, out)?;
                    names = rest;
                )+
                Ok(())
            }
        }
    };
}

/// `Slots` and `Entries` for tuples of 1 to 12 elements (a struct's fields
/// are nested in tuples of at most 12, as the generated code writes them).
macro_rules! tuples {
    ($($element:ident $index:tt),+) => {
        tuple_slots!($($element $index),+);
        tuple_entries!($($element $index),+);
    };
}

tuples!(T0 0);
tuples!(T0 0, T1 1);
tuples!(T0 0, T1 1, T2 2);
tuples!(T0 0, T1 1, T2 2, T3 3);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10);
tuples!(T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10, T11 11);

/// Encodes the struct `name` from its fields' values, named `names` on the
/// wire (in the same order).
pub fn serialize<E: Entries, S: Serializer>(
    serializer: S,
    name: &'static str,
    names: &'static [&'static str],
    entries: E,
) -> Result<S::Ok, S::Error> {
    if names.len() != E::LEN {
        return Err(serde::ser::Error::custom(format_args!(
            "struct {name}: {} field names for {} fields",
            names.len(),
            E::LEN
        )));
    }
    let mut out = serializer.serialize_struct(name, entries.present())?;
    entries.write(names, &mut AsStruct(&mut out))?;
    out.end()
}

/// [`serialize`] for a struct that keeps the fields it does not name: they
/// follow its own, as map entries.
pub fn serialize_with_others<E: Entries, S: Serializer>(
    serializer: S,
    name: &'static str,
    names: &'static [&'static str],
    entries: E,
    others: &Others,
) -> Result<S::Ok, S::Error> {
    if names.len() != E::LEN {
        return Err(serde::ser::Error::custom(format_args!(
            "struct {name}: {} field names for {} fields",
            names.len(),
            E::LEN
        )));
    }
    let mut out = serializer.serialize_map(None)?;
    entries.write(names, &mut AsMap(&mut out))?;
    for (key, value) in others {
        out.serialize_entry(key, value)?;
    }
    out.end()
}

/// Decodes a string enum: the string, then `T::from` it (an unknown value is
/// kept, not refused).
pub fn deserialize_string_enum<'de, T: From<String>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    String::deserialize(deserializer).map(T::from)
}

/// Writes `value` as compact JSON with every [`Secret`](crate::Secret) it
/// holds shown as `"***"`: the `Display` of the generated answers, so that
/// an answer prints as its JSON (as a `serde_json::Value` answer does) without
/// its presigned URLs or tokens.
pub fn display_json<T: Serialize + ?Sized>(value: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (json, secrets) = crate::secret::collecting(|| serde_json::to_value(value));
    let mut json = json.map_err(|_| fmt::Error)?;
    redact_secrets(&mut json, &secrets);
    fmt::Display::fmt(&json, f)
}

/// Replaces every string of `value` that is one of `secrets` by `"***"`.
fn redact_secrets(value: &mut serde_json::Value, secrets: &[String]) {
    match value {
        serde_json::Value::String(text) if secrets.contains(text) => *text = "***".to_owned(),
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| redact_secrets(v, secrets));
        }
        serde_json::Value::Object(map) => {
            map.values_mut().for_each(|v| redact_secrets(v, secrets));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer prints as its JSON, its secrets as `***` wherever they sit.
    #[test]
    fn display_json_hides_secrets() {
        struct Shown<'a>(&'a serde_json::Value, crate::Secret<String>);
        impl Serialize for Shown<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("plain", self.0)?;
                map.serialize_entry("url", &self.1)?;
                map.end()
            }
        }
        impl fmt::Display for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                display_json(self, f)
            }
        }
        let plain = serde_json::json!({"n": 1, "list": ["a", "https://x/?sig=s3"]});
        let shown = Shown(&plain, crate::Secret::new("https://x/?sig=s3".to_owned()));
        assert_eq!(
            shown.to_string(),
            r#"{"plain":{"list":["a","***"],"n":1},"url":"***"}"#
        );
    }

    /// A struct of 14 fields (two nested tuples), one of each shape.
    #[derive(Debug, PartialEq)]
    struct Wide {
        a: String,
        b: Option<u64>,
        c: u32,
        d: Vec<String>,
        e: Option<Vec<i64>>,
        f: bool,
        g: Option<String>,
        h: i32,
        i: Option<bool>,
        j: f64,
        k: Option<f64>,
        l: serde_json::Value,
        m: String,
        n: Option<String>,
    }

    const NAMES: &[&str] = &[
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "nName",
    ];

    type WideSlots = (
        (
            Req<String>,
            Opt<u64>,
            Opt<u32>,
            Req<Vec<String>>,
            Opt<Vec<i64>>,
            Req<bool>,
            Opt<String>,
        ),
        (
            Req<i32>,
            Opt<bool>,
            Req<f64>,
            Opt<f64>,
            Req<serde_json::Value>,
            Req<String>,
            Opt<String>,
        ),
    );

    impl<'de> Deserialize<'de> for Wide {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let v = deserialize::<WideSlots, _>(deserializer, "Wide", NAMES)?;
            Ok(Self {
                a: v.0 .0,
                b: v.0 .1,
                c: v.0 .2.unwrap_or(7),
                d: v.0 .3,
                e: v.0 .4,
                f: v.0 .5,
                g: v.0 .6,
                h: v.1 .0,
                i: v.1 .1,
                j: v.1 .2,
                k: v.1 .3,
                l: v.1 .4,
                m: v.1 .5,
                n: v.1 .6,
            })
        }
    }

    impl Serialize for Wide {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize(
                serializer,
                "Wide",
                NAMES,
                (
                    (
                        &self.a,
                        Skip(&self.b),
                        &self.c,
                        &self.d,
                        Skip(&self.e),
                        &self.f,
                        Skip(&self.g),
                    ),
                    (
                        &self.h,
                        Skip(&self.i),
                        &self.j,
                        Skip(&self.k),
                        &self.l,
                        &self.m,
                        Skip(&self.n),
                    ),
                ),
            )
        }
    }

    fn wide() -> Wide {
        Wide {
            a: "a".into(),
            b: Some(2),
            c: 3,
            d: vec!["d".into()],
            e: None,
            f: true,
            g: None,
            h: -8,
            i: Some(false),
            j: 0.5,
            k: None,
            l: serde_json::json!({"x": [1]}),
            m: "m".into(),
            n: Some("n".into()),
        }
    }

    #[test]
    fn round_trip_skips_none_and_keeps_order() {
        let text = serde_json::to_string(&wide()).unwrap();
        assert_eq!(
            text,
            r#"{"a":"a","b":2,"c":3,"d":["d"],"f":true,"h":-8,"i":false,"j":0.5,"l":{"x":[1]},"m":"m","nName":"n"}"#
        );
        let back: Wide = serde_json::from_str(&text).unwrap();
        assert_eq!(back, wide());
        // Through a `Value` too, as the client decodes `data`.
        let value = serde_json::to_value(wide()).unwrap();
        assert_eq!(serde_json::from_value::<Wide>(value).unwrap(), wide());
    }

    #[test]
    fn absent_null_unknown_missing_and_repeated_fields() {
        let sparse = r#"{"a":"a","b":null,"c":null,"d":[],"f":false,"h":1,"j":1.0,"l":null,"m":"","zz":{"q":1}}"#;
        let wide: Wide = serde_json::from_str(sparse).unwrap();
        assert_eq!((wide.b, wide.c, wide.n), (None, 7, None));
        assert_eq!(wide.l, serde_json::Value::Null);
        let missing = serde_json::from_str::<Wide>(r#"{"a":"a","d":[]}"#).unwrap_err();
        assert!(
            missing.to_string().starts_with("missing field `f`"),
            "{missing}"
        );
        let repeated = serde_json::from_str::<Wide>(r#"{"a":"a","a":"b"}"#).unwrap_err();
        assert!(
            repeated.to_string().starts_with("duplicate field `a`"),
            "{repeated}"
        );
        let null =
            serde_json::from_str::<Wide>(&sparse.replace(r#""a":"a""#, r#""a":null"#)).unwrap_err();
        assert!(null.to_string().contains("expected a string"), "{null}");
        let list = serde_json::from_str::<Wide>("[1, 2]").unwrap_err();
        assert!(list.to_string().contains("expected struct Wide"), "{list}");
    }

    #[derive(Debug, PartialEq)]
    struct Page {
        next: i64,
        others: BTreeMap<String, serde_json::Value>,
    }

    impl<'de> Deserialize<'de> for Page {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (v, others) =
                deserialize_with_others::<(Req<i64>,), _>(deserializer, "Page", &["next"])?;
            Ok(Self { next: v.0, others })
        }
    }

    impl Serialize for Page {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize_with_others(serializer, "Page", &["next"], (&self.next,), &self.others)
        }
    }

    #[test]
    fn others_keep_what_the_struct_does_not_name() {
        let page: Page = serde_json::from_str(r#"{"files":[1],"next":-1,"z":null}"#).unwrap();
        assert_eq!(page.next, -1);
        assert_eq!(page.others.len(), 2);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"next":-1,"files":[1],"z":null}"#
        );
    }

    #[test]
    fn names_must_match_the_fields() {
        let err =
            deserialize::<(Req<u8>,), _>(serde_json::json!({}), "X", &["a", "b"]).unwrap_err();
        assert!(
            err.to_string().contains("2 field names for 1 fields"),
            "{err}"
        );
    }
}
