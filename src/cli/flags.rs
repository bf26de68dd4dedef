//! The one table of flags: each flag's spellings, its value, its help text and the modes that
//! take it. The parser, `--help` and the completion scripts all read it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Opt {
    Shell,
    Profile,
    Serial,
    TokenCode,
    TotpSecretEnv,
    TokenCommand,
    Prompt,
    Duration,
    Region,
    RoleArn,
    RoleSessionName,
    ExternalId,
    WriteProfile,
    OverwriteLongTerm,
    OutputCredentials,
    MinRemaining,
    Force,
    NoCache,
    Unset,
    Forget,
    All,
    Cmd,
    Server,
    Short,
    Names,
    Json,
    FromCredentials,
    Open,
    Help,
    Version,
}

pub(crate) struct Flag {
    pub(crate) id: Opt,
    pub(crate) long: &'static str,
    pub(crate) short: Option<char>,
    /// The value's name in `--help`; `None` for a switch.
    pub(crate) value: Option<&'static str>,
    /// `--help` text, one paragraph; `{sources}` is where the setting's sources are said.
    pub(crate) help: &'static str,
    /// The setting's sources after the flag, in order (`aws::sources`), for the help text.
    pub(crate) sources: Option<&'static [Source]>,
    pub(crate) modes: &'static [Mode],
}

use crate::aws::sources::{self, Source};
use crate::request::Mode;

use Mode::{
    Add as A, Exec as X, Export as E, Init as I, List as L, Login as G, Rotate as R, Status as S,
    Unset as U,
};

/// Every flag, in `--help` order.
pub(crate) const FLAGS: &[Flag] = &[
    Flag {
        id: Opt::Shell,
        long: "shell",
        short: Some('s'),
        value: Some("SHELL"),
        modes: &[E, U],
        help: "output syntax (default: the shell that runs mfa-env; see SHELLS in --help)",
        sources: None,
    },
    Flag {
        id: Opt::Profile,
        long: "profile",
        short: Some('p'),
        value: Some("NAME"),
        modes: &[E, U, S, X, G],
        help: "long-term profile ({sources}, else \"default\")",
        sources: Some(sources::PROFILE),
    },
    Flag {
        id: Opt::Serial,
        long: "serial-number",
        short: None,
        value: Some("ID"),
        modes: &[E, S, X, R, G],
        help: "MFA device serial or ARN ({sources})",
        sources: Some(sources::SERIAL),
    },
    Flag {
        id: Opt::TokenCode,
        long: "token-code",
        short: Some('t'),
        value: Some("CODE"),
        modes: &[E, X, R, G],
        help: "the 6-digit code (123456, 123 456); \"-\" reads one line from stdin; absent: asked on the terminal",
        sources: None,
    },
    Flag {
        id: Opt::TotpSecretEnv,
        long: "totp-secret-env",
        short: None,
        value: Some("VAR"),
        modes: &[E, X, R, G],
        help: "compute the code from the base32 seed in $VAR (automation)",
        sources: None,
    },
    Flag {
        id: Opt::TokenCommand,
        long: "token-command",
        short: None,
        value: Some("CMD"),
        modes: &[E, X, R, G],
        help: "run CMD (sh -c / cmd /c) and take the code from its output ({sources})",
        sources: Some(sources::MFA_PROCESS),
    },
    Flag {
        id: Opt::Prompt,
        long: "prompt",
        short: None,
        value: Some("HOW"),
        modes: &[E, X, R, G],
        help: "where to ask for the code: terminal, gui (a desktop dialog) or none ({sources}; default: terminal, else gui)",
        sources: Some(sources::MFA_PROMPT),
    },
    Flag {
        id: Opt::Duration,
        long: "duration-seconds",
        short: Some('d'),
        value: Some("N"),
        modes: &[E, S, X, G],
        help: "session length in seconds, {sources}: DURATIONS",
        sources: Some(sources::DURATION),
    },
    Flag {
        id: Opt::Region,
        long: "region",
        short: None,
        value: Some("REGION"),
        modes: &[E, S, X, R, G],
        help: "the region for STS and the session ({sources}, else the usual region of the device's or role's partition: us-gov-west-1, cn-north-1, ..., else us-east-1)",
        sources: Some(sources::REGION),
    },
    Flag {
        id: Opt::RoleArn,
        long: "role-arn",
        short: None,
        value: Some("ARN"),
        modes: &[E, S, X, G],
        help: "assume this role with the MFA code (else the profile's role_arn)",
        sources: None,
    },
    Flag {
        id: Opt::RoleSessionName,
        long: "role-session-name",
        short: None,
        value: Some("NAME"),
        modes: &[E, X, G],
        help: "session name for the role (else role_session_name)",
        sources: None,
    },
    Flag {
        id: Opt::ExternalId,
        long: "external-id",
        short: None,
        value: Some("ID"),
        modes: &[E, S, X, G],
        help: "external id for the role (else external_id)",
        sources: None,
    },
    Flag {
        id: Opt::WriteProfile,
        long: "write-profile",
        short: None,
        value: Some("NAME"),
        modes: &[E],
        help: "also write the session to [NAME] in the shared credentials file (with --shell none to print nothing)",
        sources: None,
    },
    Flag {
        id: Opt::OverwriteLongTerm,
        long: "overwrite-long-term",
        short: None,
        value: None,
        modes: &[E],
        help: "let --write-profile replace a section holding long-term keys",
        sources: None,
    },
    Flag {
        id: Opt::OutputCredentials,
        long: "output-credentials",
        short: None,
        value: None,
        modes: &[E],
        help: "with --shell github: also write the session to $GITHUB_OUTPUT (aws-access-key-id, aws-secret-access-key, aws-session-token, aws-expiration)",
        sources: None,
    },
    Flag {
        id: Opt::MinRemaining,
        long: "min-remaining",
        short: None,
        value: Some("TIME"),
        modes: &[E, S, X],
        help: "reuse a cached session only while more than TIME is left (90s, 15m, 1h; default 15m)",
        sources: None,
    },
    Flag {
        id: Opt::Force,
        long: "force",
        short: None,
        value: None,
        modes: &[E, X, R, G],
        help: "ignore the cached session, ask for a new code",
        sources: None,
    },
    Flag {
        id: Opt::NoCache,
        long: "no-cache",
        short: None,
        value: None,
        modes: &[E, X, R, G],
        help: "neither read nor write the session cache",
        sources: None,
    },
    Flag {
        id: Opt::Unset,
        long: "unset",
        short: None,
        value: None,
        modes: &[U],
        help: "print lines that clear the session and restore AWS_PROFILE",
        sources: None,
    },
    Flag {
        id: Opt::Forget,
        long: "forget",
        short: None,
        value: None,
        modes: &[U],
        help: "with --unset: also delete the profile's cached sessions and the sections --write-profile wrote from it",
        sources: None,
    },
    Flag {
        id: Opt::All,
        long: "all",
        short: None,
        value: None,
        modes: &[U],
        help: "with --forget: of every profile",
        sources: None,
    },
    Flag {
        id: Opt::Cmd,
        long: "cmd",
        short: None,
        value: Some("NAME"),
        modes: &[I],
        help: "with init: name of the function (default: mfa)",
        sources: None,
    },
    Flag {
        id: Opt::Server,
        long: "server",
        short: None,
        value: None,
        modes: &[X],
        help: "with exec: serve the session from a local endpoint that renews it, instead of putting keys in the command's environment",
        sources: None,
    },
    Flag {
        id: Opt::Short,
        long: "short",
        short: None,
        value: None,
        modes: &[S],
        help: "with status: print PROFILE TIME_LEFT on stdout (a prompt segment)",
        sources: None,
    },
    Flag {
        id: Opt::Names,
        long: "names",
        short: None,
        value: None,
        modes: &[L],
        help: "with list: only the profile names, one per line",
        sources: None,
    },
    Flag {
        id: Opt::Json,
        long: "json",
        short: None,
        value: None,
        modes: &[L],
        help: "with list: a JSON array of the same fields",
        sources: None,
    },
    Flag {
        id: Opt::FromCredentials,
        long: "from-credentials",
        short: None,
        value: None,
        modes: &[A],
        help: "with add: move the profile's keys out of the shared credentials file",
        sources: None,
    },
    Flag {
        id: Opt::Open,
        long: "open",
        short: None,
        value: None,
        modes: &[G],
        help: "open the sign-in URL in the browser instead of printing it",
        sources: None,
    },
    Flag {
        id: Opt::Help,
        long: "help",
        short: Some('h'),
        value: None,
        modes: &[Mode::Help],
        help: "this text",
        sources: None,
    },
    Flag {
        id: Opt::Version,
        long: "version",
        short: Some('V'),
        value: None,
        modes: &[Mode::Version],
        help: "the version",
        sources: None,
    },
];

/// Every flag that takes a value, as typed (`--shell`, `-s`, ...), for completions.
pub(crate) fn valued_words() -> Vec<String> {
    FLAGS
        .iter()
        .filter(|f| f.value.is_some())
        .flat_map(spellings)
        .collect()
}

/// The flags `mode` takes (and `--help`; with no mode's word yet, also those that choose a
/// mode themselves), as typed, each with its line from `about` (one per flag of `FLAGS`, from
/// `summaries`; empty where the script shows none): what completions offer.
pub(crate) fn mode_words(mode: Mode, about: &[String]) -> Vec<(String, &str)> {
    let chooses = |f: &Flag| mode == Mode::Export && matches!(f.id, Opt::Unset | Opt::Version);
    FLAGS
        .iter()
        .enumerate()
        .filter(|(_, f)| f.modes.contains(&mode) || f.id == Opt::Help || chooses(f))
        .flat_map(|(i, f)| {
            let line = about.get(i).map_or("", String::as_str);
            spellings(f).into_iter().map(move |w| (w, line))
        })
        .collect()
}

/// Each flag's line for a completion menu, in `FLAGS` order.
pub(crate) fn summaries() -> Vec<String> {
    FLAGS.iter().map(summary).collect()
}

/// `--long` and `-s`.
fn spellings(flag: &Flag) -> Vec<String> {
    let mut words = vec![format!("--{}", flag.long)];
    words.extend(flag.short.map(|c| format!("-{c}")));
    words
}

/// A flag's help without its parentheses, up to a semicolon or its list of sources: a line for
/// a completion menu.
fn summary(flag: &Flag) -> String {
    let help = &flag.help[..flag.help.find("{sources}").unwrap_or(flag.help.len())];
    // Kept in slices between the marks (ASCII, so their offsets are char boundaries).
    let mut kept = String::with_capacity(help.len());
    let (mut depth, mut start, mut ended) = (0usize, 0, false);
    for (at, b) in help.bytes().enumerate() {
        match b {
            b'(' | b')' | b';' if depth == 0 => kept.push_str(&help[start..at]),
            _ => {}
        }
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => {
                ended = true;
                break;
            }
            _ => {}
        }
        if matches!(b, b'(' | b')') && depth == 0 {
            start = at + 1;
        }
    }
    if !ended && depth == 0 {
        kept.push_str(&help[start..]);
    }
    let mut line = String::with_capacity(kept.len());
    for word in kept.split_whitespace() {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    line.trim_end_matches([',', ':']).to_owned()
}

/// The flag spelled `--name`.
pub(crate) fn long(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.long == name)
}

/// The flag spelled `-c`.
pub(crate) fn short(c: char) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.short == Some(c))
}
