//! Parse a subcommand's arguments with `lexopt`, against its flags in [`crate::table`].
//!
//! `--flag value`, `--flag=value`, switches, `--` (everything after it is positional), `-h` /
//! `--help`. A flag that is not repeatable may be given once; an unknown flag gets a "did you
//! mean".

use std::ffi::OsString;
use std::str::FromStr;

use crate::Fail;
use crate::table::{COMMANDS, Command, Flag};

/// The arguments of one subcommand, checked against its table entry.
pub struct Parsed {
    pub command: &'static Command,
    /// Every flag given, in order, with its value (`""` for a switch).
    given: Vec<(&'static Flag, String)>,
    pub positionals: Vec<String>,
}

/// What the arguments ask for.
pub enum Parse {
    Run(Parsed),
    /// `-h` or `--help` was given.
    Help,
}

/// A `String` from an argument, or an error naming `what`.
fn utf8(value: OsString, what: &str) -> Result<String, Fail> {
    value
        .into_string()
        .map_err(|bad| Fail::usage(format!("{what}: {bad:?} is not valid UTF-8")))
}

/// The number of single-character edits (insert, delete, substitute, swap two neighbours)
/// between `a` and `b`: the optimal string alignment distance.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the distance between the first i characters of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a typo of it.
pub fn closest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .map(|c| (distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The error for `--name`, which `command` does not have.
fn unknown(command: &Command, name: &str) -> Fail {
    let names = command.flags().map(|f| f.name).chain(["help"]);
    let hint = match closest(name, names) {
        Some(close) => format!("; did you mean --{close}?"),
        None => match COMMANDS.iter().find(|c| c.flag(name).is_some()) {
            Some(other) => format!("; `{}` has it", other.name),
            None => String::new(),
        },
    };
    Fail::usage(format!(
        "unknown option --{name} for `{0}`{hint} (see `twilio-jwt {0} --help`)",
        command.name
    ))
}

/// Parse `args` (what follows the subcommand's name).
pub fn parse(command: &'static Command, args: Vec<OsString>) -> Result<Parse, Fail> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut parsed = Parsed {
        command,
        given: Vec::new(),
        positionals: Vec::new(),
    };
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::UnexpectedValue { option, .. }) => {
                return Err(Fail::usage(format!("{option} takes no value")));
            }
            Err(e) => return Err(Fail::usage(e.to_string())),
        };
        let name = match arg {
            lexopt::Arg::Value(value) => {
                parsed.positionals.push(utf8(value, "argument")?);
                continue;
            }
            lexopt::Arg::Short('h') | lexopt::Arg::Long("help") => return Ok(Parse::Help),
            lexopt::Arg::Short(c) => {
                return Err(Fail::usage(format!(
                    "unknown option -{c} for `{0}` (see `twilio-jwt {0} --help`)",
                    command.name
                )));
            }
            lexopt::Arg::Long(name) => name.to_string(),
        };
        let flag = command.flag(&name).ok_or_else(|| unknown(command, &name))?;
        if !flag.repeat && parsed.given.iter().any(|(f, _)| f.name == flag.name) {
            return Err(Fail::usage(format!(
                "--{name} given twice: it takes one value (only the repeatable flags may repeat)"
            )));
        }
        let value = match flag.value {
            None => String::new(),
            Some(placeholder) => {
                let needs = || Fail::usage(format!("--{name} needs a value ({placeholder})"));
                match parser.optional_value() {
                    Some(value) => utf8(value, &format!("--{name}"))?,
                    None => {
                        let value = parser.value().map_err(|_| needs())?;
                        let value = utf8(value, &format!("--{name}"))?;
                        // `--identity --ttl 5m` forgot the identity: say so rather than
                        // take `--ttl` as one (`--identity=--ttl` still works).
                        if value.starts_with("--") {
                            return Err(needs());
                        }
                        value
                    }
                }
            }
        };
        parsed.given.push((flag, value));
    }
    // Checked here, not when a command asks for its argument: a minting command takes none, and
    // a stray word (`access --identity a b`) must not be dropped silently.
    parsed.positional()?;
    Ok(Parse::Run(parsed))
}

impl Parsed {
    /// The value of `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        let mut given = self.given.iter().filter(|(f, _)| f.name == name);
        given.next().map(|(_, v)| v.as_str())
    }

    /// The value of `--name`, `""` if not given.
    pub fn get(&self, name: &str) -> &str {
        self.value(name).unwrap_or("")
    }

    /// Whether `--name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    /// Whether any flag whose name starts with `prefix` was given.
    pub fn any(&self, prefix: &str) -> bool {
        self.given.iter().any(|(f, _)| f.name.starts_with(prefix))
    }

    /// Every flag given, with its value, in order.
    pub fn given(&self) -> impl Iterator<Item = (&'static Flag, &str)> {
        self.given.iter().map(|(f, v)| (*f, v.as_str()))
    }

    /// The `NAME=VALUE` pairs of the repeatable `--name`.
    pub fn pairs(&self, name: &str) -> Result<Vec<(&str, &str)>, Fail> {
        let values = self.given.iter().filter(|(f, _)| f.name == name);
        values
            .map(|(_, value)| match value.split_once('=') {
                Some((n, v)) if !n.is_empty() => Ok((n, v)),
                _ => Err(Fail::usage(format!(
                    "--{name}: expected NAME=VALUE, got {value:?}"
                ))),
            })
            .collect()
    }

    /// The value of `--name` as a number (`what` says which, for the message).
    pub fn number<T: FromStr>(&self, name: &str, what: &str) -> Result<Option<T>, Fail> {
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        let n = value
            .parse()
            .map_err(|_| Fail::usage(format!("--{name}: expected {what}, got {value:?}")))?;
        Ok(Some(n))
    }

    /// A duration in seconds: `90`, `90s`, `15m`, `2h` or `1d`.
    pub fn seconds(&self, name: &str) -> Result<Option<u64>, Fail> {
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        let (digits, unit) = match value.char_indices().last() {
            Some((i, 's')) => (&value[..i], 1),
            Some((i, 'm')) => (&value[..i], 60),
            Some((i, 'h')) => (&value[..i], 3_600),
            Some((i, 'd')) => (&value[..i], 86_400),
            _ => (value, 1),
        };
        let seconds = digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit));
        let seconds = seconds.ok_or_else(|| {
            Fail::usage(format!(
                "--{name}: expected seconds or a duration like 90s, 15m, 2h, got {value:?}"
            ))
        })?;
        Ok(Some(seconds))
    }

    /// `--algorithm`: `HS256` (the default), `HS384` or `HS512`.
    pub fn algorithm(&self) -> Result<twilio_jwt::Algorithm, Fail> {
        let Some(value) = self.value("algorithm") else {
            return Ok(twilio_jwt::Algorithm::default());
        };
        value.to_ascii_uppercase().parse().map_err(|_| {
            Fail::usage(format!(
                "--algorithm: expected HS256, HS384 or HS512, got {value:?}"
            ))
        })
    }

    /// `--now`, else the system clock.
    pub fn now(&self) -> Result<u64, Fail> {
        let now = self.number("now", "unix seconds")?;
        Ok(now.unwrap_or_else(twilio_jwt::unix_now))
    }

    /// The one positional argument, if given (the caller decides whether it is required).
    pub fn positional(&self) -> Result<Option<&str>, Fail> {
        let command = self.command;
        match (&command.positional, self.positionals.as_slice()) {
            (_, []) => Ok(None),
            (Some(_), [one]) => Ok(Some(one)),
            (Some(p), _) => Err(Fail::usage(format!(
                "`{}` takes one {}",
                command.name, p.name
            ))),
            (None, [extra, ..]) => Err(Fail::usage(format!(
                "unexpected argument {extra:?} for `{0}` (see `twilio-jwt {0} --help`)",
                command.name
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, distance};

    #[test]
    fn distance_counts_one_edit_for_each_kind_of_typo() {
        assert_eq!(distance("identity", "identity"), 0);
        assert_eq!(distance("identiy", "identity"), 1); // deletion
        assert_eq!(distance("jsno", "json"), 1); // swapped neighbours
        assert_eq!(distance("secrte", "secret"), 1);
        assert_eq!(distance("vidoe-rom", "video-room"), 2);
        assert_eq!(distance("", "ttl"), 3);
        assert_eq!(distance("abc", "xyz"), 3);
    }

    #[test]
    fn closest_suggests_only_near_misses() {
        let flags = ["video", "video-room", "voice-incoming"];
        assert_eq!(closest("vidoe", flags.into_iter()), Some("video"));
        assert_eq!(
            closest("video-rooms", flags.into_iter()),
            Some("video-room")
        );
        assert_eq!(closest("zzzzzz", flags.into_iter()), None);
        // A short word allows one edit only.
        assert_eq!(closest("vid", ["video"].into_iter()), None);
    }
}
