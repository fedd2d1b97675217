//! Differential: the strict JSON reader accepts exactly what serde_json accepts once duplicate
//! member names (compared unescaped) and nesting beyond `MAX_DEPTH` are refused too, and every
//! refusal names an offset inside the input. Self-contained: the reference is serde_json with
//! a visitor that refuses duplicates and measures depth.
#![no_main]

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use twilio_jwt::json::{MAX_DEPTH, Rule, parse};

/// The nesting depth of a document serde_json accepts with no duplicate member names.
struct Depth(usize);

impl<'de> de::Deserialize<'de> for Depth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Strict)
    }
}

struct Strict;

impl<'de> Visitor<'de> for Strict {
    type Value = Depth;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Depth, E> {
        Ok(Depth(0))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Depth, E> {
        Ok(Depth(0))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Depth, E> {
        Ok(Depth(0))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Depth, E> {
        Ok(Depth(0))
    }

    fn visit_str<E>(self, _: &str) -> Result<Depth, E> {
        Ok(Depth(0))
    }

    fn visit_unit<E>(self) -> Result<Depth, E> {
        Ok(Depth(0))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Depth, A::Error> {
        let mut deepest = 0;
        while let Some(Depth(d)) = seq.next_element()? {
            deepest = deepest.max(d);
        }
        Ok(Depth(deepest + 1))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Depth, A::Error> {
        let mut names = HashSet::new();
        let mut deepest = 0;
        while let Some(name) = map.next_key::<String>()? {
            if !names.insert(name) {
                return Err(de::Error::custom("duplicate member name"));
            }
            let Depth(d) = map.next_value()?;
            deepest = deepest.max(d);
        }
        Ok(Depth(deepest + 1))
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ours = parse(data);
    let theirs = serde_json::from_slice::<Depth>(data);
    if let Err(e) = &ours {
        assert!(e.offset() <= data.len(), "{e} past the end of {} bytes", data.len());
    }
    match (ours, theirs) {
        (Ok(_), Ok(Depth(depth))) => assert!(depth <= MAX_DEPTH, "accepted at depth {depth}"),
        (Err(e), Ok(Depth(depth))) => assert!(
            e.rule() == Rule::TooDeep && depth > MAX_DEPTH,
            "refused ({e}) what serde_json accepts at depth {depth}"
        ),
        // serde_json refuses numbers beyond f64's range (`1e400`); the grammar allows them.
        (Ok(_), Err(e)) => assert!(
            e.to_string().starts_with("number out of range"),
            "accepted what serde_json refuses: {e}"
        ),
        (Err(_), Err(_)) => {}
    }
});
