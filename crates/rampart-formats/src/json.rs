//! Streaming JSON: visit a top-level document key by key and stream its large arrays element
//! by element, so memory grows with one record, not with the report.
//!
//! Parsers write a small `Visitor` for their top-level object and use [`StreamSeq`] for each
//! big array. Errors carry a JSON pointer to the failing element; serde_json adds the line
//! and column. [`json_error`] turns them into [`ParseError`]s that name the file.

use crate::error::ParseError;
use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

/// A seed that deserializes a JSON array, calling `f(index, element)` for each element
/// instead of collecting them. `f` returns `Err(message)` to stop the parse.
pub struct StreamSeq<'f, T, F>
where
    F: FnMut(usize, T) -> Result<(), String>,
{
    /// JSON pointer of the array, for error messages (`/runs/0/results`).
    pub pointer: &'f str,
    /// Called per element.
    pub f: F,
    /// The element type.
    pub _t: PhantomData<T>,
}

impl<'f, T, F> StreamSeq<'f, T, F>
where
    F: FnMut(usize, T) -> Result<(), String>,
{
    /// A streaming seed for the array at `pointer`.
    pub fn new(pointer: &'f str, f: F) -> Self {
        StreamSeq {
            pointer,
            f,
            _t: PhantomData,
        }
    }
}

impl<'de, T, F> DeserializeSeed<'de> for StreamSeq<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(usize, T) -> Result<(), String>,
{
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T, F> Visitor<'de> for StreamSeq<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(usize, T) -> Result<(), String>,
{
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array at {}", self.pointer)
    }

    fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
        // `null` where an array is expected: many tools write it for "none".
        Ok(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
        let mut i = 0usize;
        loop {
            let next = seq.next_element::<T>().map_err(|e| {
                de::Error::custom(format!(
                    "at {}/{i}: {}",
                    self.pointer,
                    strip_position(&e.to_string())
                ))
            })?;
            let Some(item) = next else { break };
            (self.f)(i, item).map_err(de::Error::custom)?;
            i += 1;
        }
        Ok(i)
    }
}

/// Removes serde_json's trailing ` at line L column C`, which the final error re-adds once.
pub fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(pos) if msg[pos..].contains(" column ") => msg[..pos].to_string(),
        _ => msg.to_string(),
    }
}

/// Turns a serde_json error into a [`ParseError`] naming `file`, the place (line, column and
/// the JSON pointer when the message carries one) and what was expected.
pub fn json_error(file: &str, e: &serde_json::Error) -> ParseError {
    let raw = strip_position(&e.to_string());
    let (pointer, message) = match raw.strip_prefix("at /") {
        Some(rest) => match rest.split_once(": ") {
            Some((ptr, msg)) => (Some(format!("/{ptr}")), msg.to_string()),
            None => (None, raw.clone()),
        },
        None => (None, raw.clone()),
    };
    let message = match () {
        _ if message.contains("EOF while parsing") => {
            format!("{message}: the document ends early (truncated file?)")
        }
        _ if message.contains("trailing characters") => {
            "expected a single JSON document, found more content after it (JSON Lines?)".into()
        }
        _ if message.contains("recursion limit") => {
            "nesting is too deep (more than 128 levels): expected a report".into()
        }
        _ => message,
    };
    let position = if e.line() > 0 {
        format!("line {}, column {}", e.line(), e.column())
    } else {
        "start of file".to_string()
    };
    let place = match pointer {
        Some(p) => format!("{position} (at {p})"),
        None => position,
    };
    ParseError::Invalid {
        file: file.to_string(),
        place,
        message,
    }
}

/// Deserializes one whole JSON document of type `T` from `reader` (for small formats and
/// records), checking that nothing but white space follows it.
pub fn from_reader<T: DeserializeOwned, R: Read>(file: &str, reader: R) -> Result<T, ParseError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let v = T::deserialize(&mut de).map_err(|e| json_error(file, &e))?;
    de.end().map_err(|e| json_error(file, &e))?;
    Ok(v)
}

/// Runs a top-level visitor over the document in `reader`, then checks that nothing but white
/// space follows. Use with a parser's own `Visitor` for its top-level object.
pub fn visit_document<'de, V, R>(file: &str, reader: R, visitor: V) -> Result<V::Value, ParseError>
where
    V: Visitor<'de>,
    R: Read,
{
    let mut de = serde_json::Deserializer::from_reader(reader);
    let v =
        de::Deserializer::deserialize_any(&mut de, visitor).map_err(|e| json_error(file, &e))?;
    de.end().map_err(|e| json_error(file, &e))?;
    Ok(v)
}

/// A JSON value of any type deserialized leniently as a string: strings as-is, numbers and
/// booleans as their text, null and others as `None`. Real reports put numbers where strings
/// belong and the reverse.
pub fn lenient_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Serde helper: deserializes a field that may be a string, a number, a bool or null as
/// `Option<String>`. Use with `#[serde(default, deserialize_with = "json::opt_string")]`.
pub fn opt_string<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    // Same result as `lenient_string(&Value::deserialize(d)?)`, without building a `Value`:
    // this runs for every string field of every record.
    d.deserialize_any(LenientStringVisitor)
}

/// Visitor behind [`opt_string`]: scalars as text, null / arrays / objects as `None`.
struct LenientStringVisitor;

impl<'de> Visitor<'de> for LenientStringVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, a number, a boolean or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map(|n| n.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}

/// Serde helper: deserializes a list of strings leniently as `Vec<String>`: null is empty, a
/// single string is a list of one, numbers and booleans become their text, and nested arrays
/// or objects inside the list are skipped. Use with
/// `#[serde(default, deserialize_with = "json::strings")]`.
pub fn strings<'de, D: de::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element_seed(LenientSeed)? {
                out.extend(item);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Vec<String>, A::Error> {
            LenientStringVisitor.visit_map(map).map(|_| Vec::new())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<String>, E> {
            Ok(LenientStringVisitor
                .visit_f64::<E>(v)?
                .into_iter()
                .collect())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
    }
    struct LenientSeed;
    impl<'de> DeserializeSeed<'de> for LenientSeed {
        type Value = Option<String>;
        fn deserialize<D2: de::Deserializer<'de>>(
            self,
            d: D2,
        ) -> Result<Option<String>, D2::Error> {
            d.deserialize_any(LenientStringVisitor)
        }
    }
    d.deserialize_any(V)
}

/// Serde helper: deserializes a number or a numeric string as `Option<f64>`; anything else
/// (null, words, objects) is `None`.
pub fn opt_f64<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(opt_string(d)?
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite()))
}

/// Serde helper for small sub-documents: deserializes `T` through a `serde_json::Value`, and
/// falls back to `T::default()` when the value does not have the expected shape, so one
/// off-spec sub-object does not fail the whole record.
pub fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// An element of a streamed array: the record when it is a JSON object, else what was found
/// instead, so the parser can report the element and go on rather than fail the document.
#[derive(Debug)]
pub enum Record<T> {
    /// The element was an object and deserialized as `T`.
    Object(T),
    /// The element was not an object: a short description of what it was (`a string` ...).
    Other(&'static str),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Record<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Record<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Record<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Record::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record<T>, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Record::Other("an array"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Record<T>, E> {
                Ok(Record::Other("a string"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Record<T>, E> {
                Ok(Record::Other("a number"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Record<T>, E> {
                Ok(Record::Other("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Record<T>, E> {
                Ok(Record::Other("a number"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Record<T>, E> {
                Ok(Record::Other("a boolean"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Record<T>, E> {
                Ok(Record::Other("null"))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON object's entries in document order, for small maps read once: one vector where a
/// `BTreeMap` allocates a node of eleven entries (and moves each value into it). A repeated key
/// stays repeated; [`Entries::into_sorted`] gives a map's view.
#[derive(Debug)]
pub struct Entries<V>(pub Vec<(String, V)>);

impl<V> Entries<V> {
    /// The entries by key, the last of a repeated key winning: what a `BTreeMap` would hold.
    pub fn into_sorted(self) -> Vec<(String, V)> {
        let mut entries = self.0;
        // Stable: equal keys keep their document order, so the last one is the later value.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, V)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match out.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => out.push(entry),
            }
        }
        out
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Visit<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Entries<V>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(2).min(16));
                while let Some(entry) = map.next_entry::<String, V>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Visit(PhantomData))
    }
}

/// Serde helper: deserializes a field that may be a number, a numeric string or null as
/// `Option<u32>`; anything else is `None`.
pub fn opt_u32<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Number(n) => n.as_u64().and_then(|x| u32::try_from(x).ok()),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Serde helper: deserializes a field that may be a list, a single item or null as a `Vec`.
pub fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: DeserializeOwned,
{
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|i| serde_json::from_value(i).map_err(de::Error::custom))
            .collect(),
        other => Ok(vec![
            serde_json::from_value(other).map_err(de::Error::custom)?,
        ]),
    }
}

use serde::Deserialize;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_a_map_would() {
        let text = r#"{"redhat": 1, "nvd": 2, "ghsa": 3, "nvd": 4}"#;
        let entries: Entries<u32> = serde_json::from_str(text).unwrap();
        let order: Vec<(&str, u32)> = entries.0.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(order, [("redhat", 1), ("nvd", 2), ("ghsa", 3), ("nvd", 4)]);
        let as_map: std::collections::BTreeMap<String, u32> = serde_json::from_str(text).unwrap();
        assert_eq!(
            entries.into_sorted(),
            as_map.into_iter().collect::<Vec<_>>()
        );
        // Not an object: a record says what it was instead.
        let r: Record<Entries<u32>> = serde_json::from_str("[1]").unwrap();
        assert!(matches!(r, Record::Other("an array")));
        let r: Record<Entries<u32>> = serde_json::from_str("{}").unwrap();
        assert!(matches!(r, Record::Object(Entries(e)) if e.is_empty()));
    }

    #[test]
    fn errors_name_place_and_expectation() {
        let e = from_reader::<serde_json::Value, _>("r.json", &b"{\"a\": [1, 2"[..]).unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("r.json: line 1, column 11"), "{s}");
        assert!(s.contains("truncated"), "{s}");
        let e = from_reader::<serde_json::Value, _>("r.json", &b"{}\n{}\n"[..]).unwrap_err();
        assert!(e.to_string().contains("JSON Lines"), "{e}");
        let deep = "[".repeat(10_000);
        let e = from_reader::<serde_json::Value, _>("d.json", deep.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("too deep"), "{e}");
    }
}
