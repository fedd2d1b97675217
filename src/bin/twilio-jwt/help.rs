//! The help texts, generated from the table in [`crate::table`].

use crate::table::{COMMANDS, Command, Flag};

/// Where a flag's help text starts.
const HELP_COLUMN: usize = 34;

/// `twilio-jwt --help`.
pub fn overview() -> String {
    let mut s = String::from(
        "twilio-jwt: mint, decode and verify Twilio tokens\n\n\
         Usage: twilio-jwt <COMMAND> [OPTIONS]\n\nCommands:\n",
    );
    for c in COMMANDS {
        s += &format!("  {:<13}{}\n", c.name, c.about);
    }
    s.push_str(
        "\nRun `twilio-jwt help <COMMAND>` or `twilio-jwt <COMMAND> --help` for its options.
  -h, --help     print this help
  -V, --version  print the version

Secrets: prefer the environment (TWILIO_API_SECRET, TWILIO_AUTH_TOKEN) or a file
(--api-secret-file, --auth-token-file, --secret-file; PATH `-` is stdin). A secret given as
a flag's value (--api-secret, --auth-token, --secret) shows in `ps` and in the shell history.
The SIDs come from TWILIO_ACCOUNT_SID and TWILIO_API_KEY or from flags; --demo uses
built-in fake credentials.
A minted token goes alone to stdout; diagnostics go to stderr.
Exit status: 0 ok, 1 verification failed, 2 bad usage or input.
",
    );
    s
}

/// One flag's help line(s), `--name VALUE` then its help in the help column.
fn flag_line(f: &Flag) -> String {
    let mut left = format!("      --{}", f.name);
    if let Some(value) = f.value {
        left += &format!(" {value}");
    }
    let mut s = if left.len() + 2 <= HELP_COLUMN {
        format!("{left:<HELP_COLUMN$}")
    } else {
        format!("{left}\n{:HELP_COLUMN$}", "")
    };
    s += &f.help.replace('\n', &format!("\n{:HELP_COLUMN$}", ""));
    s.push('\n');
    s
}

/// `twilio-jwt COMMAND --help`: only that command's flags.
pub fn command(c: &Command) -> String {
    let mut s = format!("{}\n\nUsage: twilio-jwt {} {}\n", c.intro, c.name, c.usage);
    for section in c.sections {
        s.push('\n');
        if !section.title.is_empty() {
            s += &format!("{}:\n", section.title);
        }
        for f in section.flags {
            s += &flag_line(f);
        }
    }
    if c.sections.is_empty() {
        s.push('\n');
    }
    s += &format!("{:<HELP_COLUMN$}print this help\n", "  -h, --help");
    if !c.notes.is_empty() {
        s += &format!("\n{}\n", c.notes);
    }
    s
}
