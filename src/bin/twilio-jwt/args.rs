//! A tiny argument parser: `--flag value`, `--flag=value`, switches and positionals.

use std::str::FromStr;

use crate::Fail;

/// One command-line item.
pub enum Arg {
    /// `--name` or `-x` (a `=value` part is kept for [`Args::value`]).
    Flag(String),
    /// Anything else, including `-` (stdin).
    Pos(String),
}

/// The arguments after the command name.
pub struct Args {
    rest: std::vec::IntoIter<String>,
    /// The flag just returned, for messages.
    flag: String,
    /// The `value` of a `--flag=value` not yet taken.
    inline: Option<String>,
}

impl Args {
    pub fn new(args: Vec<String>) -> Self {
        Args {
            rest: args.into_iter(),
            flag: String::new(),
            inline: None,
        }
    }

    /// The next item; an error if the previous flag was a switch given `=value`.
    pub fn next(&mut self) -> Result<Option<Arg>, Fail> {
        if self.inline.take().is_some() {
            return Err(Fail::usage(format!("{} takes no value", self.flag)));
        }
        let Some(item) = self.rest.next() else {
            return Ok(None);
        };
        if item.len() < 2 || !item.starts_with('-') {
            return Ok(Some(Arg::Pos(item)));
        }
        match item.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                self.flag = flag.to_string();
                self.inline = Some(value.to_string());
            }
            _ => self.flag = item,
        }
        Ok(Some(Arg::Flag(self.flag.clone())))
    }

    /// The value of the flag just returned: its `=value`, or the next item (which must not
    /// look like a flag).
    pub fn value(&mut self) -> Result<String, Fail> {
        if let Some(value) = self.inline.take() {
            return Ok(value);
        }
        match self.rest.next() {
            Some(value) if !value.starts_with("--") => Ok(value),
            _ => Err(Fail::usage(format!("{} needs a value", self.flag))),
        }
    }

    /// The value parsed as a number (`what` says which, for the message).
    pub fn number<T: FromStr>(&mut self, what: &str) -> Result<T, Fail> {
        let value = self.value()?;
        value
            .parse()
            .map_err(|_| Fail::usage(format!("{}: expected {what}, got {value:?}", self.flag)))
    }

    /// A duration in seconds: `90`, `90s`, `15m`, `2h` or `1d`.
    pub fn seconds(&mut self) -> Result<u64, Fail> {
        let value = self.value()?;
        let (digits, unit) = match value.char_indices().last() {
            Some((i, 's')) => (&value[..i], 1),
            Some((i, 'm')) => (&value[..i], 60),
            Some((i, 'h')) => (&value[..i], 3_600),
            Some((i, 'd')) => (&value[..i], 86_400),
            _ => (value.as_str(), 1),
        };
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .ok_or_else(|| {
                Fail::usage(format!(
                    "{}: expected seconds or a duration like 90s, 15m, 2h, got {value:?}",
                    self.flag
                ))
            })
    }

    /// A `name=value` pair.
    pub fn pair(&mut self) -> Result<(String, String), Fail> {
        let value = self.value()?;
        match value.split_once('=') {
            Some((name, v)) if !name.is_empty() => Ok((name.to_string(), v.to_string())),
            _ => Err(Fail::usage(format!(
                "{}: expected NAME=VALUE, got {value:?}",
                self.flag
            ))),
        }
    }

    /// The error for a flag the command does not know.
    pub fn unknown(&self, command: &str) -> Fail {
        Fail::usage(format!(
            "unknown option {} for `{command}` (see `twilio-jwt {command} --help`)",
            self.flag
        ))
    }

    /// An algorithm name: `HS256`, `HS384` or `HS512`.
    pub fn algorithm(&mut self) -> Result<twilio_jwt::Algorithm, Fail> {
        let value = self.value()?;
        value.to_ascii_uppercase().parse().map_err(|_| {
            Fail::usage(format!(
                "{}: expected HS256, HS384 or HS512, got {value:?}",
                self.flag
            ))
        })
    }
}
