//! JSON from a dependency, decoded within bounds.
//!
//! An answer's bytes are already capped (HTTP bodies, database answers), but JSON grows
//! when decoded: `[{},{},…]` is three bytes per element and tens of bytes per decoded
//! value, so 4 MiB of it once took over a gigabyte. [`bounded`] decodes into a
//! [`Value`] keeping at most [`MAX_ITEMS`] elements of any list and [`MAX_KEYS`] keys of
//! any object (the rest is read and dropped, never stored), and refuses a document of
//! more than [`MAX_VALUES`] values in all. The checks ask for a few dozen rows; an answer
//! that holds more than they asked for is cut to what they asked for ([`rows`]).
//! [`count_rows`] counts a list without keeping it.
//!
//! Part of pendo-text, beside the text work, because this is where a hostile answer's
//! time goes: serde_json's parser is generic code, instantiated here at opt-level 3
//! (in the size-built core it made 4 MiB answers about 60 % slower to read).

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::Cell;
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

#[cfg(test)]
mod tests {
    use super::*;

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
