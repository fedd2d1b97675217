//! The one declarative table of subcommands and flags. The parser, every `--help` text and the
//! shell completions are all generated from it, so they cannot disagree.

/// How a shell should complete a flag's value or a positional argument.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Complete {
    /// Free text: offer nothing.
    Text,
    /// A file path.
    File,
    /// One of these words.
    Words(&'static [&'static str]),
    /// A subcommand name.
    Command,
}

/// One `--flag` of a subcommand.
pub struct Flag {
    /// The name without its leading `--`.
    pub name: &'static str,
    /// The value's placeholder in the help (`NAME`, `AC...`); `None` for a switch.
    pub value: Option<&'static str>,
    /// Whether the flag may be given more than once.
    pub repeat: bool,
    /// The SID prefixes its value must start with (34 characters in all), checked unless
    /// `--allow-any-sid`; empty when the value is not a SID.
    pub sid: &'static [&'static str],
    pub complete: Complete,
    /// The help text; a `\n` continues it on the next line, aligned.
    pub help: &'static str,
}

impl Flag {
    const fn switch(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value: None,
            repeat: false,
            sid: &[],
            complete: Complete::Text,
            help,
        }
    }

    const fn value(name: &'static str, value: &'static str, help: &'static str) -> Flag {
        Flag {
            value: Some(value),
            ..Flag::switch(name, help)
        }
    }

    const fn sid(
        name: &'static str,
        value: &'static str,
        prefix: &'static [&'static str],
        help: &'static str,
    ) -> Flag {
        Flag {
            sid: prefix,
            ..Flag::value(name, value, help)
        }
    }

    const fn file(name: &'static str, help: &'static str) -> Flag {
        Flag {
            complete: Complete::File,
            ..Flag::value(name, "PATH", help)
        }
    }

    const fn words(self, words: &'static [&'static str]) -> Flag {
        Flag {
            complete: Complete::Words(words),
            ..self
        }
    }

    const fn repeat(self) -> Flag {
        Flag {
            repeat: true,
            ..self
        }
    }
}

/// A titled group of flags in a subcommand's help.
pub struct Section {
    /// The heading (`""` for none).
    pub title: &'static str,
    pub flags: &'static [Flag],
}

/// A positional argument.
pub struct Positional {
    pub name: &'static str,
    pub required: bool,
    pub complete: Complete,
}

/// One subcommand.
pub struct Command {
    pub name: &'static str,
    /// One line for the top-level command list.
    pub about: &'static str,
    /// The first lines of its help.
    pub intro: &'static str,
    /// What follows `twilio-jwt NAME ` in the usage line.
    pub usage: &'static str,
    pub positional: Option<Positional>,
    pub sections: &'static [Section],
    /// Text after the flags.
    pub notes: &'static str,
}

impl Command {
    /// Every flag of the command, in help order.
    pub fn flags(&self) -> impl Iterator<Item = &'static Flag> + use<> {
        let sections: &'static [Section] = self.sections;
        sections.iter().flat_map(|s| s.flags.iter())
    }

    /// The flag named `name` (without `--`).
    pub fn flag(&self, name: &str) -> Option<&'static Flag> {
        self.flags().find(|f| f.name == name)
    }
}

/// The names of the three algorithms, for `--algorithm`.
pub const ALGORITHMS: &[&str] = &["HS256", "HS384", "HS512"];
/// The shells `completions` knows.
pub const SHELLS: &[&str] = &["bash", "zsh", "fish"];

const TTL: Flag = Flag::value(
    "ttl",
    "DURATION",
    "lifetime: 3600, 90s, 15m, 2h (default 1h, at most 24h)",
);
const MINT_OUTPUT: Section = Section {
    title: "Lifetime and output",
    flags: &[
        TTL,
        Flag::value(
            "valid-until",
            "SECS",
            "absolute expiry in unix seconds, instead of --ttl",
        ),
        Flag::value("nbf", "SECS", "not-before in unix seconds (default: now)"),
        Flag::switch("no-nbf", "leave nbf out"),
        Flag::value("algorithm", "ALG", "HS256 (default), HS384 or HS512").words(ALGORITHMS),
        Flag::value(
            "now",
            "SECS",
            "mint as if the time were SECS (unix seconds)",
        ),
        Flag::switch(
            "json",
            "print {\"token\",\"header\",\"payload\"} instead of the token",
        ),
        Flag::switch(
            "allow-any-sid",
            "skip the SID checks (two-letter prefix, 34 characters); for tests",
        ),
    ],
};

const ACCOUNT_SID: Flag = Flag::sid(
    "account-sid",
    "AC...",
    &["AC"],
    "account SID (default: $TWILIO_ACCOUNT_SID)",
);
const DEMO: Flag = Flag::switch(
    "demo",
    "built-in FAKE credentials (the environment is ignored)",
);

/// The secrets' help ends with this.
const SECRET_NOTE: &str = "\
Pass secrets in the environment or with a --*-file flag (PATH `-` is stdin): a secret given
as a flag's value shows in `ps` and in the shell history.";

pub const ACCESS: Command = Command {
    name: "access",
    about: "mint an access token (Video, Voice, Chat, Sync, TaskRouter, Live)",
    intro: "Mint an access token (signed with an API key secret).",
    usage: "--identity NAME [GRANTS] [OPTIONS]",
    positional: None,
    sections: &[
        Section {
            title: "",
            flags: &[
                Flag::value("identity", "NAME", "the user's identity (required)"),
                Flag::value(
                    "region",
                    "R",
                    "home region for the twr header (us1, ie1, au1, ...)",
                ),
            ],
        },
        Section {
            title: "Grants (each flag adds its grant)",
            flags: &[
                Flag::switch("video", "Video, any room"),
                Flag::value("video-room", "ROOM", "Video, one room (name or RM... SID)"),
                Flag::sid(
                    "chat-service",
                    "IS...",
                    &["IS"],
                    "Conversations/Chat service",
                ),
                Flag::value("chat-endpoint", "ID", "... endpoint id"),
                Flag::sid("chat-role", "RL...", &["RL"], "... deployment role SID"),
                Flag::sid(
                    "chat-push-credential",
                    "CR...",
                    &["CR"],
                    "... push credential SID",
                ),
                Flag::sid(
                    "voice-outgoing",
                    "AP...",
                    &["AP"],
                    "Voice: TwiML application for outgoing calls",
                ),
                Flag::value(
                    "voice-param",
                    "NAME=VALUE",
                    "... outgoing application parameter (repeatable)",
                )
                .repeat(),
                Flag::switch("voice-incoming", "... allow incoming calls"),
                Flag::sid(
                    "voice-push-credential",
                    "CR...",
                    &["CR"],
                    "... push credential SID",
                ),
                Flag::value("voice-endpoint", "ID", "... endpoint id"),
                Flag::sid("sync-service", "IS...", &["IS"], "Sync service"),
                Flag::value("sync-endpoint", "ID", "... endpoint id"),
                Flag::sid(
                    "taskrouter-workspace",
                    "WS...",
                    &["WS"],
                    "TaskRouter workspace",
                ),
                Flag::sid("taskrouter-worker", "WK...", &["WK"], "... worker"),
                Flag::value("taskrouter-role", "ROLE", "... role"),
                Flag::value(
                    "playback",
                    "JSON",
                    "Live playback grant (the JSON object Twilio returns)",
                ),
            ],
        },
        Section {
            title: "Credentials (flags override the environment)",
            flags: &[
                ACCOUNT_SID,
                Flag::sid(
                    "api-key",
                    "SK...",
                    &["SK"],
                    "API key SID (default: $TWILIO_API_KEY)",
                ),
                Flag::file(
                    "api-secret-file",
                    "read the API key secret from PATH (`-`: stdin)\n(default: $TWILIO_API_SECRET)",
                ),
                Flag::value(
                    "api-secret",
                    "SECRET",
                    "the API key secret itself: visible in `ps` and the\nshell history, prefer the two above",
                ),
                DEMO,
            ],
        },
        MINT_OUTPUT,
    ],
    notes: SECRET_NOTE,
};

pub const CLIENT: Command = Command {
    name: "client",
    about: "mint a client capability token (legacy Twilio Client)",
    intro: "Mint a client capability token (legacy Twilio Client, signed with the auth token).",
    usage: "[--incoming NAME] [--outgoing AP...] [--events] [OPTIONS]",
    positional: None,
    sections: &[
        Section {
            title: "",
            flags: &[
                Flag::value(
                    "incoming",
                    "NAME",
                    "allow incoming connections to client NAME",
                ),
                Flag::sid(
                    "outgoing",
                    "AP...",
                    &["AP"],
                    "allow outgoing connections through this TwiML application",
                ),
                Flag::value(
                    "param",
                    "NAME=VALUE",
                    "outgoing application parameter (repeatable)",
                )
                .repeat(),
                Flag::switch("events", "allow subscribing to the event stream"),
                Flag::value(
                    "filter",
                    "NAME=VALUE",
                    "event stream filter (repeatable, needs --events)",
                )
                .repeat(),
            ],
        },
        AUTH_TOKEN_CREDENTIALS,
        MINT_OUTPUT,
    ],
    notes: SECRET_NOTE,
};

const AUTH_TOKEN_CREDENTIALS: Section = Section {
    title: "Credentials (flags override the environment)",
    flags: &[
        ACCOUNT_SID,
        Flag::file(
            "auth-token-file",
            "read the auth token from PATH (`-`: stdin)\n(default: $TWILIO_AUTH_TOKEN)",
        ),
        Flag::value(
            "auth-token",
            "TOKEN",
            "the auth token itself: visible in `ps` and the\nshell history, prefer the two above",
        ),
        DEMO,
    ],
};

/// The TaskRouter `--allow-*` policy switches (help from `TaskRouterOptions`); the last five
/// are for workers only.
pub const TASKROUTER_POLICIES: &[Flag] = &[
    Flag::switch(
        "allow-web-sockets",
        "GET and POST the event-bridge web socket (default)",
    ),
    Flag::switch(
        "allow-fetch-self",
        "GET the channel's own resource (default)",
    ),
    Flag::switch("allow-update-self", "POST the channel's own resource"),
    Flag::switch("allow-delete-self", "DELETE the channel's own resource"),
    Flag::switch("allow-fetch-subresources", "GET everything below it (/**)"),
    Flag::switch("allow-update-subresources", "POST everything below it"),
    Flag::switch("allow-delete-subresources", "DELETE everything below it"),
    Flag::switch(
        "allow-fetch-activities",
        "workers: GET the workspace's activities (default)",
    ),
    Flag::switch(
        "allow-fetch-reservations",
        "workers: GET the workspace's tasks (default)",
    ),
    Flag::switch(
        "allow-fetch-worker-reservations",
        "workers: GET the worker's reservations (default)",
    ),
    Flag::switch(
        "allow-update-activities",
        "workers: POST the worker with an ActivitySid",
    ),
    Flag::switch(
        "allow-update-reservations",
        "workers: POST tasks and the worker's reservations",
    ),
];

pub const TASKROUTER: Command = Command {
    name: "taskrouter",
    about: "mint a TaskRouter capability token",
    intro: "Mint a TaskRouter capability token (signed with the auth token).",
    usage: "--workspace WS... [--channel WK...|WQ...|WS...] [OPTIONS]",
    positional: None,
    sections: &[
        Section {
            title: "",
            flags: &[
                Flag::sid(
                    "workspace",
                    "WS...",
                    &["WS"],
                    "the workspace SID (required)",
                ),
                Flag::sid(
                    "channel",
                    "ID",
                    &["WK", "WQ", "WS"],
                    "a worker (WK...), task queue (WQ...) or the workspace\n(WS..., the default)",
                ),
                Flag::value(
                    "friendly-name",
                    "NAME",
                    "the friendly_name claim (default: the channel id)",
                ),
                Flag::switch(
                    "no-defaults",
                    "start with no policies (default: web sockets, fetch\nself and, for workers, fetch activities/reservations)",
                ),
            ],
        },
        Section {
            title: "Policies (each adds one; the (default) ones are on unless --no-defaults)",
            flags: TASKROUTER_POLICIES,
        },
        AUTH_TOKEN_CREDENTIALS,
        MINT_OUTPUT,
    ],
    notes: SECRET_NOTE,
};

const NOW_SHOWN: Flag = Flag::value(
    "now",
    "SECS",
    "show times relative to SECS (unix seconds) instead of now",
);

pub const DECODE: Command = Command {
    name: "decode",
    about: "show a token's header, claims and times, WITHOUT verifying it",
    intro: "Show a token's header, claims and times WITHOUT verifying it.",
    usage: "[OPTIONS] TOKEN      (TOKEN `-` reads it from stdin)",
    positional: Some(Positional {
        name: "TOKEN",
        required: true,
        complete: Complete::Text,
    }),
    sections: &[Section {
        title: "",
        flags: &[
            Flag::switch(
                "json",
                "print {\"token\",\"header\",\"payload\",\"verified\":false}",
            ),
            NOW_SHOWN,
        ],
    }],
    notes: "\
Nothing is checked: stderr says UNVERIFIED every time. Use `twilio-jwt verify` to trust a token.
Warnings (on stderr): lifetime over 24h, no identity, nbf in the future, unknown grants.
Strings from the token are shown with control and bidi characters escaped (\\u{202e}).",
};

pub const VERIFY: Command = Command {
    name: "verify",
    about: "check a token's signature and times",
    intro: "Check a token's signature, algorithm and times; print its claims if it is valid.",
    usage: "[OPTIONS] TOKEN      (TOKEN `-` reads it from stdin)",
    positional: Some(Positional {
        name: "TOKEN",
        required: true,
        complete: Complete::Text,
    }),
    sections: &[Section {
        title: "",
        flags: &[
            Flag::file(
                "secret-file",
                "read the signing secret (API key secret or auth token)\nfrom PATH (`-`: stdin)",
            ),
            Flag::value(
                "secret",
                "SECRET",
                "the signing secret itself: visible in `ps` and the\nshell history, prefer --secret-file or the environment",
            ),
            Flag::switch("demo", "the secret of tokens minted with --demo"),
            Flag::value(
                "algorithm",
                "ALG",
                "the algorithm the token must use: HS256 (default), HS384, HS512",
            )
            .words(ALGORITHMS),
            Flag::value(
                "leeway",
                "DURATION",
                "clock skew tolerated on exp and nbf: 30, 30s, 5m (default 0)",
            ),
            Flag::switch(
                "json",
                "print {\"token\",\"header\",\"payload\",\"valid\":true,\"verified\":true},\nor {\"valid\":false,\"error\":KIND,\"message\":...} for an invalid token",
            ),
            Flag::value(
                "now",
                "SECS",
                "verify as if the time were SECS (unix seconds)",
            ),
        ],
    }],
    notes: "\
Without --secret-file, --secret or --demo the secret comes from TWILIO_API_SECRET (access
tokens) or TWILIO_AUTH_TOKEN (capability tokens), whichever is set; the environment or a
file is safer than --secret, which shows in `ps` and in the shell history.
Exit status: 0 valid, 1 invalid (the reason goes to stderr), 2 bad usage or input.",
};

pub const COMPLETIONS: Command = Command {
    name: "completions",
    about: "print a shell completion script (bash, zsh or fish)",
    intro: "Print a completion script for SHELL on stdout.",
    usage: "bash|zsh|fish",
    positional: Some(Positional {
        name: "SHELL",
        required: true,
        complete: Complete::Words(SHELLS),
    }),
    sections: &[],
    notes: "\
bash:  twilio-jwt completions bash > ~/.local/share/bash-completion/completions/twilio-jwt
zsh:   twilio-jwt completions zsh > \"${fpath[1]}/_twilio-jwt\"
fish:  twilio-jwt completions fish > ~/.config/fish/completions/twilio-jwt.fish",
};

pub const HELP: Command = Command {
    name: "help",
    about: "print the help of a command",
    intro: "Print the help of COMMAND, or the overview.",
    usage: "[COMMAND]",
    positional: Some(Positional {
        name: "COMMAND",
        required: false,
        complete: Complete::Command,
    }),
    sections: &[],
    notes: "",
};

/// Every subcommand, in the order of the overview.
pub const COMMANDS: &[&Command] = &[
    &ACCESS,
    &CLIENT,
    &TASKROUTER,
    &DECODE,
    &VERIFY,
    &COMPLETIONS,
    &HELP,
];

/// The subcommand named `name`.
pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().copied().find(|c| c.name == name)
}
