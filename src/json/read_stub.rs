//! Temporary stand-in until the strict reader lands.
#![allow(missing_docs, dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError { Syntax }
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind { Null, Bool, Number, String, Array, Object }
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> { raw: &'a str }
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> { raw: &'a str }
pub fn parse(_input: &[u8]) -> Result<Value<'_>, JsonError> { Err(JsonError::Syntax) }
impl<'a> Value<'a> {
    pub fn raw(&self) -> &'a str { self.raw }
    pub fn kind(&self) -> Kind { Kind::Null }
    pub fn as_str(&self) -> Option<JsonStr<'a>> { None }
    pub fn members(&self) -> impl Iterator<Item = (JsonStr<'a>, Value<'a>)> { core::iter::empty() }
    pub fn elements(&self) -> impl Iterator<Item = Value<'a>> { core::iter::empty() }
}
impl<'a> JsonStr<'a> { pub fn chars(&self) -> impl Iterator<Item = char> + 'a { self.raw.chars() } }
