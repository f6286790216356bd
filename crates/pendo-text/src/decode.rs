//! JSON from a dependency, decoded within bounds.
//!
//! An answer's bytes are already capped (HTTP bodies, database answers), but JSON grows
//! when decoded: `[{},{},…]` is three bytes per element and tens of bytes per decoded
//! value, so 4 MiB of it once took over a gigabyte. [`bounded`] decodes into a
//! [`Value`] keeping at most [`MAX_ITEMS`] elements of any list and [`MAX_KEYS`] keys of
//! any object (the rest is read and dropped, never stored), and refuses a document of
//! more than [`MAX_VALUES`] values in all. The checks ask for a few dozen rows; an answer
//! that holds more than they asked for is cut to what they asked for ([`rows`]).
//! [`count_rows`] counts a list without keeping it; [`openapi_columns`] reads the tables'
//! columns from PostgREST's OpenAPI root without keeping the rest.
//!
//! Part of pendo-text, beside the text work, because this is where a hostile answer's
//! time goes: serde_json's parser is generic code, instantiated here at opt-level 3
//! (in the size-built core it made 4 MiB answers about 60 % slower to read).

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

/// The most elements of one list that are kept.
pub const MAX_ITEMS: usize = 10_000;
/// The most keys of one object that are kept.
pub const MAX_KEYS: usize = 512;
/// The most values one document may hold (kept ones; dropped ones do not count).
pub const MAX_VALUES: usize = 200_000;

/// Decodes `bytes` as JSON within the bounds above.
pub fn bounded(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let budget = Cell::new(MAX_VALUES);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Seed(&budget).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The first `limit` elements of a JSON list (none when the answer is not a list).
pub fn rows(bytes: &[u8], limit: usize) -> Result<Vec<Value>, serde_json::Error> {
    Ok(match bounded(bytes)? {
        Value::Array(mut a) => {
            a.truncate(limit);
            a
        }
        _ => Vec::new(),
    })
}

#[derive(Clone, Copy)]
struct Seed<'a>(&'a Cell<usize>);

impl Seed<'_> {
    fn spend<E: serde::de::Error>(&self) -> Result<(), E> {
        match self.0.get() {
            0 => Err(E::custom(format!(
                "the answer holds more than {MAX_VALUES} values"
            ))),
            n => {
                self.0.set(n - 1);
                Ok(())
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.spend()?;
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut out = Vec::new();
        while out.len() < MAX_ITEMS {
            match seq.next_element_seed(self)? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut out = Map::new();
        while out.len() < MAX_KEYS {
            let Some(key) = map.next_key::<String>()? else {
                return Ok(Value::Object(out));
            };
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object(out))
    }
}

#[derive(serde::Deserialize)]
struct Row {
    #[serde(rename = "lastUpdatedAt", default)]
    last_updated_at: Option<serde_json::Number>,
}

/// Counts a JSON list's rows and finds the newest `lastUpdatedAt` (Pendo's lists date
/// each row so), one row at a time: no row is kept, so 32 MiB of `[{},{},…]` costs the
/// body and nothing more.
pub fn count_rows(body: &[u8]) -> Result<(usize, Option<i64>), serde_json::Error> {
    use serde::de::{Deserializer as _, SeqAccess, Visitor};
    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = (usize, Option<i64>);
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let (mut count, mut newest) = (0usize, None::<i64>);
            while let Some(row) = seq.next_element::<Row>()? {
                count += 1;
                if let Some(at) = row.last_updated_at.as_ref().and_then(|n| n.as_i64()) {
                    newest = Some(newest.map_or(at, |n| n.max(at)));
                }
            }
            Ok((count, newest))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let counted = (&mut de).deserialize_seq(Count)?;
    de.end()?;
    Ok(counted)
}

/// Each table's column names from PostgREST's OpenAPI root (`definitions.<table>.properties`),
/// read as the bytes go by: nothing else of the document is kept, so a root of any size
/// within the body cap costs its names and no more. `None` when the body is not JSON or
/// has no `definitions` object; a table whose definition or `properties` is not an
/// object is left out. Where a key repeats, the last one counts (as `serde_json::Value`
/// reads it).
pub fn openapi_columns(bytes: &[u8]) -> Option<BTreeMap<String, Vec<String>>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let root = Lenient::<Root>::deserialize(&mut de).ok()?;
    de.end().ok()?;
    let Tables(tables) = root.0?.0?;
    Some(tables)
}

/// The root: its `definitions`, when that is an object.
struct Root(Option<Tables>);

/// `definitions`: each table whose `properties` can be read, with their names.
struct Tables(BTreeMap<String, Vec<String>>);

/// A table's definition: its `properties`, when that is an object.
struct Table(Option<Names>);

/// An object read by [`FromMap`]; any other JSON value is skipped and reads as `None`.
struct Lenient<T>(Option<T>);

/// A type read from a JSON object's entries.
trait FromMap: Sized {
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The object's entry `key` read as a `T` (the last one, where it repeats; `None` when
/// it is missing or not an object), every other entry skipped.
fn entry<'de, A: MapAccess<'de>, T: FromMap>(mut map: A, key: &str) -> Result<Option<T>, A::Error> {
    let mut found = None;
    while let Some(k) = map.next_key::<String>()? {
        if k == key {
            found = map.next_value::<Lenient<T>>()?.0;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(found)
}

impl FromMap for Root {
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        entry(map, "definitions").map(Root)
    }
}

impl FromMap for Table {
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        entry(map, "properties").map(Table)
    }
}

impl FromMap for Tables {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut tables = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            // The last definition of a name counts, even one that cannot be read.
            match map.next_value::<Lenient<Table>>()?.0.and_then(|t| t.0) {
                Some(Names(columns)) => tables.insert(name, columns),
                None => tables.remove(&name),
            };
        }
        Ok(Tables(tables))
    }
}

/// An object's keys, its values skipped (a repeated key stays repeated: the names are
/// only asked whether they hold a column).
struct Names(Vec<String>);

impl FromMap for Names {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            names.push(name);
        }
        Ok(Names(names))
    }
}

impl<'de, T: FromMap> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(std::marker::PhantomData))
    }
}

struct LenientVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: FromMap> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map).map(|t| Lenient(Some(t)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lenient(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the analytics check read before: the whole root as a `Value`.
    fn columns_as_a_value(bytes: &[u8]) -> Option<BTreeMap<String, Vec<String>>> {
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let tables = v["definitions"].as_object()?;
        Some(
            tables
                .iter()
                .filter_map(|(t, def)| {
                    let props = def.get("properties")?.as_object()?;
                    Some((t.clone(), props.keys().cloned().collect()))
                })
                .collect(),
        )
    }

    fn sorted(m: Option<BTreeMap<String, Vec<String>>>) -> Option<BTreeMap<String, Vec<String>>> {
        m.map(|m| {
            m.into_iter()
                .map(|(t, mut c)| {
                    c.sort();
                    c.dedup();
                    (t, c)
                })
                .collect()
        })
    }

    #[test]
    fn openapi_columns_reads_definitions_and_skips_the_rest() {
        let root = br#"{"swagger":"2.0","paths":{"/pendo_guides":{"get":{}}},
            "definitions":{
              "pendo_guides":{"required":["id"],"properties":{"id":{"type":"text"},"views":{"type":"integer"}},"type":"object"},
              "odd":{"properties":[1,2]},
              "plain":7,
              "empty":{"properties":{}}
            },
            "parameters":{"rowFilter.pendo_guides.id":{"name":"id"}}}"#;
        let cols = openapi_columns(root).unwrap();
        assert_eq!(cols["pendo_guides"], ["id", "views"]);
        assert_eq!(cols["empty"], Vec::<String>::new());
        assert!(!cols.contains_key("odd") && !cols.contains_key("plain"));
        assert_eq!(sorted(Some(cols)), sorted(columns_as_a_value(root)));
        for bad in [
            &b"[]"[..],
            b"{}",
            b"{\"definitions\":[]}",
            b"{\"definitions\":{}} trailing",
            b"{\"definitions\":{",
            b"<html>",
        ] {
            assert_eq!(openapi_columns(bad), None, "{bad:?}");
            assert_eq!(columns_as_a_value(bad), None, "{bad:?}");
        }
        // A repeated key: the last one counts, as in a Value.
        let twice = br#"{"definitions":{"t":{"properties":{"a":1}},"t":5},"definitions":{"u":{"properties":{"b":1,"b":2}}}}"#;
        assert_eq!(
            sorted(openapi_columns(twice)),
            sorted(columns_as_a_value(twice))
        );
        assert_eq!(openapi_columns(twice).unwrap().len(), 1);
        // 4 MiB of `[{},{},…]` is read, not kept.
        let mut huge = b"{\"paths\":[".to_vec();
        while huge.len() < 4 << 20 {
            huge.extend_from_slice(b"{},");
        }
        huge.extend_from_slice(b"{}],\"definitions\":{\"t\":{\"properties\":{\"c\":0}}}}");
        assert_eq!(openapi_columns(&huge).unwrap()["t"], ["c"]);
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            "[a-z]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            let key = prop_oneof![
                Just("definitions".to_string()),
                Just("properties".to_string()),
                "[a-c]{1,2}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(key, inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn openapi_columns_agree_with_a_value(v in json_value()) {
            let bytes = serde_json::to_vec(&v).unwrap();
            proptest::prop_assert_eq!(sorted(openapi_columns(&bytes)), sorted(columns_as_a_value(&bytes)));
        }
    }

    #[test]
    fn rows_are_counted_one_at_a_time() {
        let body = br#"[{"lastUpdatedAt":5},{},{"lastUpdatedAt":9,"id":"x"},{"lastUpdatedAt":7}]"#;
        assert_eq!(count_rows(body).unwrap(), (4, Some(9)));
        let many = format!("[{}{{}}]", "{},".repeat(1_000_000));
        assert_eq!(count_rows(many.as_bytes()).unwrap(), (1_000_001, None));
        assert!(count_rows(b"{}").is_err());
        assert!(count_rows(b"[{}] x").is_err());
    }

    #[test]
    fn small_answers_decode_as_serde_json_does() {
        let text = br#"{"a":[1,-2,3.5,"x",null,true,{"b":[]}],"c":{}}"#;
        assert_eq!(
            bounded(text).unwrap(),
            serde_json::from_slice::<Value>(text).unwrap()
        );
        assert!(bounded(b"[1,2").is_err());
        assert!(bounded(b"[1] trailing").is_err());
    }

    #[test]
    fn long_lists_are_cut_and_the_rest_is_never_stored() {
        let mut text = b"[".to_vec();
        for _ in 0..(MAX_ITEMS * 3) {
            text.extend_from_slice(b"{},");
        }
        text.extend_from_slice(b"{}]");
        let v = bounded(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), MAX_ITEMS);
        assert_eq!(rows(&text, 20).unwrap().len(), 20);
        assert_eq!(rows(b"{\"a\":1}", 20).unwrap().len(), 0);
    }

    #[test]
    fn wide_objects_are_cut_and_huge_documents_refused() {
        let keys: Vec<String> = (0..MAX_KEYS * 2).map(|i| format!("\"k{i}\":0")).collect();
        let text = format!("{{{}}}", keys.join(","));
        let v = bounded(text.as_bytes()).unwrap();
        assert_eq!(v.as_object().unwrap().len(), MAX_KEYS);
        // Lists of lists: each within MAX_ITEMS, together over MAX_VALUES.
        let inner = format!("[{}0]", "0,".repeat(MAX_ITEMS - 1));
        let outer = format!(
            "[{}{inner}]",
            format!("{inner},").repeat(MAX_VALUES / MAX_ITEMS)
        );
        let e = bounded(outer.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("more than 200000 values"), "{e}");
    }
}
