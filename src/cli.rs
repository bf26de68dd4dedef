//! The command line: one table of flags (which modes take each), and one request per mode that
//! holds only what that mode accepts, every value already checked. `--help` is built from the
//! same table, so it cannot drift from what is parsed.

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::checks;
use crate::durations;
use crate::error::{Error, Result, shown};
use crate::shell::{self, Shell};

/// What a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Export,
    Unset,
    Init,
    Status,
    Exec,
    List,
    Completions,
    Help,
    Version,
}

impl Mode {
    /// How messages name the mode.
    fn label(self) -> &'static str {
        match self {
            Mode::Export => "getting a session",
            Mode::Unset => "--unset",
            Mode::Init => "init",
            Mode::Status => "status",
            Mode::Exec => "exec",
            Mode::List => "list",
            Mode::Completions => "completions",
            Mode::Help => "--help",
            Mode::Version => "--version",
        }
    }

    /// The word that selects the mode, for those chosen by a word.
    pub(crate) fn word(self) -> Option<&'static str> {
        match self {
            Mode::Init => Some("init"),
            Mode::Status => Some("status"),
            Mode::Exec => Some("exec"),
            Mode::List => Some("list"),
            Mode::Completions => Some("completions"),
            _ => None,
        }
    }
}

/// The modes chosen by a word, in `--help` and completion order.
pub(crate) const WORDS: &[Mode] = &[
    Mode::Init,
    Mode::Status,
    Mode::Exec,
    Mode::List,
    Mode::Completions,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
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
    Help,
    Version,
}

struct Flag {
    id: Opt,
    long: &'static str,
    short: Option<char>,
    /// The value's name in `--help`; `None` for a switch.
    value: Option<&'static str>,
    /// `--help` text; `\n` starts an indented line.
    help: &'static str,
    modes: &'static [Mode],
}

use Mode::{Exec as X, Export as E, Init as I, List as L, Status as S, Unset as U};

/// Every flag, in `--help` order.
const FLAGS: &[Flag] = &[
    Flag {
        id: Opt::Shell,
        long: "shell",
        short: Some('s'),
        value: Some("SHELL"),
        modes: &[E, U],
        help: "output syntax (default: the shell that runs mfa-env; see SHELLS)",
    },
    Flag {
        id: Opt::Profile,
        long: "profile",
        short: Some('p'),
        value: Some("NAME"),
        modes: &[E, U, S, X],
        help: "long-term profile (else $AWS_PROFILE, $MFA_ENV_PROFILE,\n\"default\"; see below)",
    },
    Flag {
        id: Opt::Serial,
        long: "serial-number",
        short: None,
        value: Some("ID"),
        modes: &[E, S, X],
        help: "MFA device serial or ARN (else $AWS_MFA_SERIAL, else the\nprofile's mfa_serial)",
    },
    Flag {
        id: Opt::TokenCode,
        long: "token-code",
        short: Some('t'),
        value: Some("CODE"),
        modes: &[E, X],
        help: "the 6-digit code (123456, 123 456); \"-\" reads one line from\nstdin; absent: asked on the terminal",
    },
    Flag {
        id: Opt::TotpSecretEnv,
        long: "totp-secret-env",
        short: None,
        value: Some("VAR"),
        modes: &[E, X],
        help: "compute the code from the base32 seed in $VAR (automation)",
    },
    Flag {
        id: Opt::TokenCommand,
        long: "token-command",
        short: None,
        value: Some("CMD"),
        modes: &[E, X],
        help: "run CMD (sh -c / cmd /c) and take the code from its output\n(else the profile's mfa_process)",
    },
    Flag {
        id: Opt::Prompt,
        long: "prompt",
        short: None,
        value: Some("HOW"),
        modes: &[E, X],
        help: "where to ask for the code: terminal, gui (a desktop dialog) or\nnone (else mfa_prompt; default: terminal, else gui)",
    },
    Flag {
        id: Opt::Duration,
        long: "duration-seconds",
        short: Some('d'),
        value: Some("N"),
        modes: &[E, S, X],
        help: "session length in seconds, else the profile's duration_seconds:\nDURATIONS",
    },
    Flag {
        id: Opt::Region,
        long: "region",
        short: None,
        value: Some("REGION"),
        modes: &[E, S, X],
        help: "else $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region,\nelse the usual region of the device's or role's partition\n(us-gov-west-1, cn-north-1, ...), else us-east-1",
    },
    Flag {
        id: Opt::RoleArn,
        long: "role-arn",
        short: None,
        value: Some("ARN"),
        modes: &[E, S, X],
        help: "assume this role with the MFA code (else the profile's role_arn)",
    },
    Flag {
        id: Opt::RoleSessionName,
        long: "role-session-name",
        short: None,
        value: Some("NAME"),
        modes: &[E, X],
        help: "session name for the role (else role_session_name)",
    },
    Flag {
        id: Opt::ExternalId,
        long: "external-id",
        short: None,
        value: Some("ID"),
        modes: &[E, S, X],
        help: "external id for the role (else external_id)",
    },
    Flag {
        id: Opt::WriteProfile,
        long: "write-profile",
        short: None,
        value: Some("NAME"),
        modes: &[E],
        help: "also write the session to [NAME] in the shared credentials\nfile (with --shell none to print nothing)",
    },
    Flag {
        id: Opt::OverwriteLongTerm,
        long: "overwrite-long-term",
        short: None,
        value: None,
        modes: &[E],
        help: "let --write-profile replace a section holding long-term keys",
    },
    Flag {
        id: Opt::MinRemaining,
        long: "min-remaining",
        short: None,
        value: Some("TIME"),
        modes: &[E, S, X],
        help: "reuse a cached session only while more than TIME is left\n(90s, 15m, 1h; default 15m)",
    },
    Flag {
        id: Opt::Force,
        long: "force",
        short: None,
        value: None,
        modes: &[E, X],
        help: "ignore the cached session, ask for a new code",
    },
    Flag {
        id: Opt::NoCache,
        long: "no-cache",
        short: None,
        value: None,
        modes: &[E, X],
        help: "neither read nor write the session cache",
    },
    Flag {
        id: Opt::Unset,
        long: "unset",
        short: None,
        value: None,
        modes: &[U],
        help: "print lines that clear the session and restore AWS_PROFILE",
    },
    Flag {
        id: Opt::Forget,
        long: "forget",
        short: None,
        value: None,
        modes: &[U],
        help: "with --unset: also delete the profile's cached sessions",
    },
    Flag {
        id: Opt::All,
        long: "all",
        short: None,
        value: None,
        modes: &[U],
        help: "with --forget: delete every cached session",
    },
    Flag {
        id: Opt::Cmd,
        long: "cmd",
        short: None,
        value: Some("NAME"),
        modes: &[I],
        help: "with init: name of the function (default: mfa)",
    },
    Flag {
        id: Opt::Server,
        long: "server",
        short: None,
        value: None,
        modes: &[X],
        help: "with exec: serve the session from a local endpoint that renews\nit, instead of putting keys in the command's environment",
    },
    Flag {
        id: Opt::Short,
        long: "short",
        short: None,
        value: None,
        modes: &[S],
        help: "with status: print PROFILE TIME_LEFT on stdout (a prompt segment)",
    },
    Flag {
        id: Opt::Names,
        long: "names",
        short: None,
        value: None,
        modes: &[L],
        help: "with list: only the profile names, one per line",
    },
    Flag {
        id: Opt::Json,
        long: "json",
        short: None,
        value: None,
        modes: &[L],
        help: "with list: a JSON array of the same fields",
    },
    Flag {
        id: Opt::Help,
        long: "help",
        short: Some('h'),
        value: None,
        modes: &[Mode::Help],
        help: "this text",
    },
    Flag {
        id: Opt::Version,
        long: "version",
        short: Some('V'),
        value: None,
        modes: &[Mode::Version],
        help: "the version",
    },
];

/// A code given on the command line: the digits, or "-" for one line of stdin.
#[derive(PartialEq, Eq)]
pub(crate) enum CodeSource {
    Given(String),
    Stdin,
}

// The code stays out of debug output.
impl std::fmt::Debug for CodeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeSource::Given(_) => f.write_str("Given(..)"),
            CodeSource::Stdin => f.write_str("Stdin"),
        }
    }
}

/// Where to ask a person for the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prompt {
    Terminal,
    Gui,
    /// Never ask: a run without another source fails at once.
    Nowhere,
}

impl Prompt {
    pub(crate) fn parse(text: &str) -> Option<Prompt> {
        match text {
            "terminal" => Some(Prompt::Terminal),
            "gui" => Some(Prompt::Gui),
            "none" => Some(Prompt::Nowhere),
            _ => None,
        }
    }
}

/// What picks a session: the same for getting one and for asking about the cached one.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Choice {
    pub(crate) profile: Option<String>,
    pub(crate) serial: Option<String>,
    pub(crate) duration: Option<i32>,
    pub(crate) region: Option<String>,
    pub(crate) role_arn: Option<String>,
    pub(crate) external_id: Option<String>,
}

/// Whether a cached session may stand in for a new one: kept apart from `Choice`, which says
/// which session, not how fresh it must be.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Reuse {
    /// Seconds a cached session must still have; `None` for the default.
    pub(crate) min_remaining: Option<i64>,
    pub(crate) force: bool,
    pub(crate) no_cache: bool,
}

/// How a session is obtained when none is cached. Code sources are kept apart: their
/// precedence is decided in `code`, not by the order of the flags.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Obtain {
    pub(crate) code: Option<CodeSource>,
    pub(crate) totp_env: Option<String>,
    pub(crate) token_command: Option<String>,
    pub(crate) prompt: Option<Prompt>,
    pub(crate) role_session_name: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct WriteProfile {
    pub(crate) name: String,
    pub(crate) overwrite_long_term: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Export {
    pub(crate) choice: Choice,
    pub(crate) reuse: Reuse,
    pub(crate) obtain: Obtain,
    pub(crate) shell: Option<Shell>,
    pub(crate) write_profile: Option<WriteProfile>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Forget {
    /// The sessions of one profile (`--profile`, else the environment's choice).
    Profile(Option<String>),
    All,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unset {
    pub(crate) shell: Option<Shell>,
    pub(crate) forget: Option<Forget>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Init {
    pub(crate) shell: &'static str,
    pub(crate) function: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Status {
    pub(crate) choice: Choice,
    /// `--min-remaining`, in seconds: the session must have more than this left.
    pub(crate) min_remaining: Option<i64>,
    /// `--short`: `PROFILE TIME_LEFT` on stdout, for a prompt.
    pub(crate) short: bool,
}

/// `list`: the profiles, as a table, names only, or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    Table,
    Names,
    Json,
}

/// `exec`: a command (program and arguments, never read as our flags), or none for a shell.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Exec {
    pub(crate) choice: Choice,
    pub(crate) reuse: Reuse,
    pub(crate) obtain: Obtain,
    /// `--server`: the credential endpoint instead of keys in the environment.
    pub(crate) server: bool,
    pub(crate) command: Vec<OsString>,
}

/// One request per mode.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Request {
    Export(Export),
    Unset(Unset),
    Init(Init),
    Status(Status),
    Exec(Exec),
    List(List),
    Completions(&'static str),
    Help,
    Version,
}

/// Reads the command line into the request of its mode, or says what is wrong with it.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Request> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut word_mode: Option<Mode> = None;
    let mut positional: Vec<String> = Vec::new();
    let mut given: Vec<(&'static Flag, Option<String>)> = Vec::new();
    let mut command: Vec<OsString> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Long(name) => {
                let flag = long_flag(name)?;
                let value = match flag.value {
                    Some(_) => Some(text(parser.value()?, flag)?),
                    None => {
                        if parser.optional_value().is_some() {
                            return Err(Error::usage(format!("--{} takes no value", flag.long)));
                        }
                        None
                    }
                };
                given.push((flag, value));
            }
            Short(c) => {
                let Some(flag) = FLAGS.iter().find(|f| f.short == Some(c)) else {
                    let rest = parser
                        .optional_value()
                        .map(|v| v.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    return Err(one_dash(c, &rest).unwrap_or_else(|| {
                        Error::usage(format!(
                            "unknown option -{}{} (see mfa-env --help)",
                            shown(&c.to_string()),
                            hint_for(&format!("{c}{rest}"))
                        ))
                    }));
                };
                let value = match flag.value {
                    Some(_) => {
                        let value = text(parser.value()?, flag)?;
                        // `-token-code 123456` reads as `-t oken-code`: say what was meant.
                        let typed = format!("{c}{value}");
                        let spelled = FLAGS.iter().any(|f| {
                            f.long == typed || (typed.len() >= 4 && f.long.starts_with(&typed))
                        });
                        if spelled && let Some(err) = one_dash(c, &value) {
                            return Err(err);
                        }
                        Some(value)
                    }
                    None => None,
                };
                given.push((flag, value));
            }
            // The command of `exec` and everything after it are the command's own.
            Value(word) if word_mode == Some(Mode::Exec) => {
                command.push(word);
                command.extend(parser.raw_args()?);
                break;
            }
            Value(word) => {
                let word = word.into_string().map_err(|w| {
                    Error::usage(format!(
                        "'{}' is not UTF-8 text",
                        shown(&w.to_string_lossy())
                    ))
                })?;
                match word_mode {
                    None if positional.is_empty() => {
                        word_mode = Some(subcommand(&word)?);
                    }
                    Some(Mode::Init | Mode::Completions) if positional.is_empty() => {
                        positional.push(word)
                    }
                    mode => {
                        return Err(Error::usage(format!(
                            "unexpected argument '{}' for {} (see mfa-env --help)",
                            shown(&word),
                            mode.unwrap_or(Mode::Export).label()
                        )));
                    }
                }
            }
        }
    }

    let has = |id: Opt| given.iter().any(|(f, _)| f.id == id);
    let mode = if has(Opt::Help) {
        Mode::Help
    } else if has(Opt::Version) {
        Mode::Version
    } else if let Some((unset, _)) = given.iter().find(|(f, _)| f.id == Opt::Unset) {
        if let Some(mode) = word_mode {
            return Err(not_for(unset, mode));
        }
        Mode::Unset
    } else {
        word_mode.unwrap_or(Mode::Export)
    };
    for (flag, _) in &given {
        if !flag.modes.contains(&mode) {
            return Err(not_for(flag, mode));
        }
    }
    build(mode, &given, positional, command)
}

/// The request for `mode` from flags already known to apply to it.
fn build(
    mode: Mode,
    given: &[(&'static Flag, Option<String>)],
    positional: Vec<String>,
    command: Vec<OsString>,
) -> Result<Request> {
    let mut choice = Choice::default();
    let mut reuse = Reuse::default();
    let mut obtain = Obtain::default();
    let mut shell = None;
    let mut write_profile: Option<String> = None;
    let (mut overwrite_long_term, mut forget, mut all) = (false, false, false);
    let mut server = false;
    let (mut short, mut names, mut json) = (false, false, false);
    let mut function = None;
    let mut profile_flag = false;
    for (flag, value) in given {
        let value = value.clone().unwrap_or_default();
        let bad = |why: checks::Why| Error::usage(format!("--{} is {why}", flag.long));
        match flag.id {
            Opt::Shell => {
                let name = shell::lookup(&value).ok_or_else(|| {
                    Error::usage(format!(
                        "unknown shell '{}': use {}",
                        shown(&value),
                        shell::listed(|_| true)
                    ))
                })?;
                shell = Some(name.shell);
            }
            Opt::Profile => {
                if value.is_empty() {
                    return Err(Error::usage("--profile needs a profile name"));
                }
                profile_flag = true;
                choice.profile = Some(value);
            }
            Opt::Serial => {
                checks::serial(&value).map_err(bad)?;
                choice.serial = Some(value);
            }
            Opt::TokenCode => {
                obtain.code = Some(if value == "-" {
                    CodeSource::Stdin
                } else {
                    CodeSource::Given(checks::code(&value).map_err(|why| {
                        Error::usage(format!(
                            "the MFA code given with --token-code is wrong: {why}; pass the 6 digits your device shows, like --token-code 123456"
                        ))
                    })?)
                });
            }
            Opt::TotpSecretEnv => {
                checks::variable_name(&value).map_err(bad)?;
                obtain.totp_env = Some(value);
            }
            Opt::TokenCommand => {
                if value.trim().is_empty() {
                    return Err(Error::usage("--token-command needs a command"));
                }
                obtain.token_command = Some(value);
            }
            Opt::Prompt => {
                obtain.prompt = Some(Prompt::parse(&value).ok_or_else(|| {
                    Error::usage(format!(
                        "--prompt '{}' is not one of terminal, gui, none",
                        shown(&value)
                    ))
                })?);
            }
            Opt::Duration => choice.duration = Some(durations::parse_flag(&value)?),
            Opt::Region => {
                checks::region(&value).map_err(bad)?;
                choice.region = Some(value);
            }
            Opt::RoleArn => {
                checks::role_arn(&value).map_err(bad)?;
                choice.role_arn = Some(value);
            }
            Opt::RoleSessionName => {
                checks::session_name(&value).map_err(bad)?;
                obtain.role_session_name = Some(value);
            }
            Opt::ExternalId => {
                checks::external_id(&value).map_err(bad)?;
                choice.external_id = Some(value);
            }
            Opt::WriteProfile => write_profile = Some(value),
            Opt::OverwriteLongTerm => overwrite_long_term = true,
            Opt::MinRemaining => reuse.min_remaining = Some(durations::parse_span(&value)?),
            Opt::Force => reuse.force = true,
            Opt::NoCache => reuse.no_cache = true,
            Opt::Forget => forget = true,
            Opt::All => all = true,
            Opt::Cmd => function = Some(value),
            Opt::Server => server = true,
            Opt::Short => short = true,
            Opt::Names => names = true,
            Opt::Json => json = true,
            Opt::Unset | Opt::Help | Opt::Version => {}
        }
    }

    let needs = |flag: &str, other: &str| {
        Err(Error::usage(format!(
            "{flag} only works together with {other}"
        )))
    };
    Ok(match mode {
        Mode::Help => {
            if !positional.is_empty() {
                return needs("--help", "nothing else");
            }
            Request::Help
        }
        Mode::Version => Request::Version,
        Mode::Export => {
            if overwrite_long_term && write_profile.is_none() {
                return needs("--overwrite-long-term", "--write-profile NAME");
            }
            if reuse.force && reuse.no_cache {
                return Err(Error::usage(
                    "--force and --no-cache contradict each other: pick one",
                ));
            }
            Request::Export(Export {
                choice,
                reuse,
                obtain,
                shell,
                write_profile: write_profile.map(|name| WriteProfile {
                    name,
                    overwrite_long_term,
                }),
            })
        }
        Mode::Unset => {
            if all && !forget {
                return needs("--all", "--unset --forget");
            }
            if profile_flag && !forget {
                return needs(
                    "--profile",
                    "--unset --forget (it picks whose sessions to delete)",
                );
            }
            if all && profile_flag {
                return Err(Error::usage(
                    "--forget --all deletes every profile's sessions: drop --profile, or --all",
                ));
            }
            Request::Unset(Unset {
                shell,
                forget: match (forget, all) {
                    (false, _) => None,
                    (true, true) => Some(Forget::All),
                    (true, false) => Some(Forget::Profile(choice.profile)),
                },
            })
        }
        Mode::Init => {
            let supported = || shell::listed(|n| n.snippet.is_some());
            let Some(name) = positional.first() else {
                return Err(Error::usage(format!(
                    "init needs a shell: mfa-env init SHELL, where SHELL is {}",
                    supported()
                )));
            };
            let row = shell::lookup(name)
                .filter(|n| n.snippet.is_some())
                .ok_or_else(|| {
                    Error::usage(format!(
                        "init has no snippet for '{}': it supports {}",
                        shown(name),
                        supported()
                    ))
                })?;
            Request::Init(Init {
                shell: row.name,
                function,
            })
        }
        Mode::Status => Request::Status(Status {
            choice,
            min_remaining: reuse.min_remaining,
            short,
        }),
        Mode::List => Request::List(match (names, json) {
            (true, true) => {
                return Err(Error::usage(
                    "--names and --json contradict each other: pick one",
                ));
            }
            (true, false) => List::Names,
            (false, true) => List::Json,
            (false, false) => List::Table,
        }),
        Mode::Completions => {
            let supported = || shell::listed(|n| n.completion.is_some());
            let Some(name) = positional.first() else {
                return Err(Error::usage(format!(
                    "completions needs a shell: mfa-env completions SHELL, where SHELL is {}",
                    supported()
                )));
            };
            let row = shell::lookup(name)
                .filter(|n| n.completion.is_some())
                .ok_or_else(|| {
                    Error::usage(format!(
                        "completions has no script for '{}': it supports {}",
                        shown(name),
                        supported()
                    ))
                })?;
            Request::Completions(row.name)
        }
        Mode::Exec => {
            if reuse.force && reuse.no_cache {
                return Err(Error::usage(
                    "--force and --no-cache contradict each other: pick one",
                ));
            }
            Request::Exec(Exec {
                choice,
                reuse,
                obtain,
                server,
                command,
            })
        }
    })
}

/// Every flag as typed (`--shell`, `-s`, ...), for completions.
pub(crate) fn flag_words() -> Vec<String> {
    let mut words = Vec::new();
    for flag in FLAGS {
        words.push(format!("--{}", flag.long));
        if let Some(c) = flag.short {
            words.push(format!("-{c}"));
        }
    }
    words
}

fn not_for(flag: &Flag, mode: Mode) -> Error {
    let homes: Vec<&str> = flag.modes.iter().map(|m| m.label()).collect();
    // A flag that is a mode itself (--unset) goes on a command line of its own.
    if homes == [format!("--{}", flag.long)] {
        return Error::usage(format!(
            "--{0} does not apply to {1}; it is a command of its own: mfa-env --{0}",
            flag.long,
            mode.label()
        ));
    }
    Error::usage(format!(
        "--{} does not apply to {}; it works with {} (see mfa-env --help)",
        flag.long,
        mode.label(),
        homes.join(", ")
    ))
}

fn subcommand(word: &str) -> Result<Mode> {
    if let Some(mode) = WORDS.iter().find(|m| m.word() == Some(word)) {
        return Ok(*mode);
    }
    let words: Vec<&str> = WORDS.iter().filter_map(|m| m.word()).collect();
    let hint = match nearest(word, words.iter().copied()) {
        Some(near) => format!(": did you mean {near}?"),
        None if checks::code(word).is_ok() => ": pass the MFA code as --token-code CODE".to_owned(),
        None => format!(": mfa-env takes options, or one of {}", words.join(", ")),
    };
    Err(Error::usage(format!(
        "unknown command '{}'{hint} (see mfa-env --help)",
        shown(word)
    )))
}

fn long_flag(name: &str) -> Result<&'static Flag> {
    FLAGS.iter().find(|f| f.long == name).ok_or_else(|| {
        Error::usage(format!(
            "unknown option --{}{} (see mfa-env --help)",
            shown(name),
            hint_for(name)
        ))
    })
}

/// `: did you mean --token-code?` when a flag name is near `typed`.
fn hint_for(typed: &str) -> String {
    nearest(typed, FLAGS.iter().map(|f| f.long))
        .map(|near| format!(": did you mean --{near}?"))
        .unwrap_or_default()
}

/// An error for `-token-code` (a long flag written with one dash), if that is what `-c` + `rest`
/// looks like.
fn one_dash(c: char, rest: &str) -> Option<Error> {
    let typed = format!("{c}{rest}");
    let name = typed.split('=').next().unwrap_or_default();
    if name.len() < 3 {
        return None;
    }
    let near = FLAGS
        .iter()
        .map(|f| f.long)
        .find(|long| *long == name)
        .or_else(|| nearest(name, FLAGS.iter().map(|f| f.long)))?;
    Some(Error::usage(format!(
        "-{} is not an option: long options take two dashes, as in --{near}",
        shown(name)
    )))
}

/// The candidate that `typed` is a prefix of, or is within two edits of.
fn nearest<'a>(typed: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    if typed.len() >= 3 {
        let mut prefixed = candidates.clone().filter(|c| c.starts_with(typed));
        if let (Some(only), None) = (prefixed.next(), prefixed.next()) {
            return Some(only);
        }
    }
    candidates
        .map(|c| (edit_distance(typed, c), c))
        .filter(|(d, c)| *d <= 2 && *d < c.len().min(typed.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn text(value: OsString, flag: &Flag) -> Result<String> {
    value.into_string().map_err(|v| {
        Error::usage(format!(
            "--{} got non-UTF-8 text '{}'",
            flag.long,
            shown(&v.to_string_lossy())
        ))
    })
}

impl From<lexopt::Error> for Error {
    fn from(e: lexopt::Error) -> Self {
        Error::usage(format!("{} (see mfa-env --help)", shown(&e.to_string())))
    }
}

/// `mfa-env --help`: usage, then the flag table, the shell table and the durations as parsed.
pub(crate) fn help() -> String {
    let mut text = String::from(
        "mfa-env: turn an MFA code into AWS session credentials, exported in your shell

USAGE:
    eval \"$(mfa-env [OPTIONS])\"        get session credentials, print lines that set them
    mfa-env --unset [--forget [--all]] print lines that clear them (no network)
    mfa-env init SHELL [--cmd NAME]    print a snippet that defines `mfa` for SHELL
    mfa-env status [--short] [OPTIONS] is a cached session still valid? (exit 0 if so)
    mfa-env exec [OPTIONS] [--] CMD... run CMD with the session (no CMD: your shell)
    mfa-env exec --server [OPTIONS] [--] CMD...   ... from a local endpoint that renews it
    mfa-env list [--names | --json]    the profiles, their kind, device and cached session
    mfa-env completions SHELL          the completion script: bash, zsh, fish, powershell

OPTIONS:
",
    );
    for flag in FLAGS {
        let short = flag.short.map_or("    ".to_owned(), |c| format!("-{c}, "));
        let head = match flag.value {
            Some(value) => format!("{short}--{} {value}", flag.long),
            None => format!("{short}--{}", flag.long),
        };
        let help = flag.help.replace("DURATIONS", &durations::help());
        let mut lines = help.lines();
        text.push_str(&format!(
            "    {head:<30}{}\n",
            lines.next().unwrap_or_default()
        ));
        for line in lines {
            text.push_str(&format!("    {:<30}{line}\n", ""));
        }
    }
    text.push_str(
        "
SHELLS (--shell; init takes those marked *):
",
    );
    for name in shell::NAMES {
        let aliases = if name.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", name.aliases.join(", "))
        };
        let star = if name.snippet.is_some() { " *" } else { "" };
        let names = format!("{}{aliases}{star}", name.name);
        text.push_str(&format!("    {names:<24}{}\n", sample(name.shell)));
    }
    text.push_str(
        "
SETUP (once, as for the AWS CLI):
    aws configure                                  long-term keys and a region
    aws configure set mfa_serial arn:aws:iam::123456789012:mfa/alice

EXAMPLES:
    eval \"$(mfa-env)\"                              bash, zsh, sh, ksh
    mfa-env | source                               fish
    mfa-env | Out-String | Invoke-Expression       PowerShell
    eval \"$(mfa-env init bash)\"                    in ~/.bashrc; then `mfa`, `mfa --unset`
    mfa-env --write-profile mfa --shell none       then: aws s3 ls --profile mfa
    mfa-env --shell github --totp-secret-env MFA_SEED   a CI job's setup step

The long-term profile is --profile, else $AWS_PROFILE (or $AWS_DEFAULT_PROFILE), else
$MFA_ENV_PROFILE (which an applied session sets, so that a refresh uses the same profile), else
\"default\". Applying a session clears AWS_PROFILE, so that every SDK uses the session;
--unset sets it back.
The MFA code comes from --token-code, else --totp-secret-env, else --token-command, else the
profile's mfa_process, else a person: on the terminal, or in a desktop dialog without one.
Exit status: 0 done, 1 the run failed (files, environment, terminal, network), 2 the command
line is wrong.
",
    );
    text
}

/// One line of what `--shell` prints for each syntax, for `--help`.
fn sample(shell: Shell) -> &'static str {
    match shell {
        Shell::Posix => "export NAME='value'",
        Shell::Fish => "set -gx NAME 'value'",
        Shell::PowerShell => "$Env:NAME = 'value'",
        Shell::Cmd => "set \"NAME=value\"",
        Shell::Json => "credential_process document for the AWS SDKs and CLI",
        Shell::Github => "GitHub Actions: masks on stdout, variables into $GITHUB_ENV",
        Shell::Dotenv => "NAME=value lines (docker --env-file, systemd EnvironmentFile)",
        Shell::NoOutput => "nothing (with --write-profile, or to fill the cache)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Request> {
        parse(line.split_whitespace().map(OsString::from))
    }

    fn export(line: &str) -> Export {
        match parse_line(line) {
            Ok(Request::Export(e)) => e,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn reads_every_export_flag() {
        let e = export(
            "-s fish -p work --serial-number GAHT12345678 -t 012345 -d 3600 --region eu-west-1 --write-profile mfa --overwrite-long-term --min-remaining 1h30m --force --role-arn arn:aws:iam::123456789012:role/r --role-session-name me --external-id ab",
        );
        assert_eq!(e.shell, Some(Shell::Fish));
        assert_eq!(
            e.choice,
            Choice {
                profile: Some("work".into()),
                serial: Some("GAHT12345678".into()),
                duration: Some(3600),
                region: Some("eu-west-1".into()),
                role_arn: Some("arn:aws:iam::123456789012:role/r".into()),
                external_id: Some("ab".into()),
            }
        );
        assert_eq!(
            e.reuse,
            Reuse {
                min_remaining: Some(5400),
                force: true,
                no_cache: false
            }
        );
        assert_eq!(e.obtain.code, Some(CodeSource::Given("012345".into())));
        assert_eq!(e.obtain.role_session_name.as_deref(), Some("me"));
        assert_eq!(
            e.write_profile,
            Some(WriteProfile {
                name: "mfa".into(),
                overwrite_long_term: true
            })
        );
        assert_eq!(
            export("--token-code=-").obtain.code,
            Some(CodeSource::Stdin)
        );
        assert_eq!(export("--shell pwsh").shell, Some(Shell::PowerShell));
        assert_eq!(
            parse(["-t", "123 456"].map(OsString::from)).unwrap(),
            Request::Export(Export {
                choice: Choice::default(),
                reuse: Reuse::default(),
                obtain: Obtain {
                    code: Some(CodeSource::Given("123456".into())),
                    ..Obtain::default()
                },
                shell: None,
                write_profile: None,
            })
        );
    }

    #[test]
    fn modes() {
        assert_eq!(
            parse_line("init zsh --cmd aws-mfa").unwrap(),
            Request::Init(Init {
                shell: "zsh",
                function: Some("aws-mfa".into())
            })
        );
        assert_eq!(
            parse_line("init pwsh").unwrap(),
            Request::Init(Init {
                shell: "powershell",
                function: None
            })
        );
        assert!(matches!(parse_line("status -p x"), Ok(Request::Status(_))));
        assert!(matches!(parse_line("-p x status"), Ok(Request::Status(_))));
        let exec = |line: &str| match parse_line(line) {
            Ok(Request::Exec(e)) => e,
            other => panic!("{line}: {other:?}"),
        };
        let e = exec("exec -p prod -- ls -p --unset");
        assert_eq!(e.choice.profile.as_deref(), Some("prod"));
        assert_eq!(e.command, ["ls", "-p", "--unset"].map(OsString::from));
        assert_eq!(
            exec("-t 123456 exec terraform plan -p").command,
            ["terraform", "plan", "-p"].map(OsString::from)
        );
        assert!(exec("exec").command.is_empty());
        assert_eq!(
            parse_line("--unset --forget").unwrap(),
            Request::Unset(Unset {
                shell: None,
                forget: Some(Forget::Profile(None))
            })
        );
        assert_eq!(
            parse_line("--unset --forget --all -s fish").unwrap(),
            Request::Unset(Unset {
                shell: Some(Shell::Fish),
                forget: Some(Forget::All)
            })
        );
        assert_eq!(parse_line("-h").unwrap(), Request::Help);
        assert_eq!(parse_line("status --help").unwrap(), Request::Help);
        assert_eq!(parse_line("-V").unwrap(), Request::Version);
    }

    /// Every (mode, flag) pair, from the table the parser uses: a flag is accepted exactly by
    /// the modes the table gives it, and refused by the others with a usage error naming the mode.
    #[test]
    fn every_flag_against_every_mode() {
        let modes: [(Mode, &[&str]); 9] = [
            (Mode::Export, &[]),
            (Mode::Unset, &["--unset"]),
            (Mode::Init, &["init", "bash"]),
            (Mode::Status, &["status"]),
            (Mode::Exec, &["exec"]),
            (Mode::List, &["list"]),
            (Mode::Completions, &["completions", "bash"]),
            (Mode::Help, &["--help"]),
            (Mode::Version, &["--version"]),
        ];
        // A value each flag accepts, and what else it needs to be valid.
        let sample = |id: Opt, mode: Mode| -> (&[&str], &[&str]) {
            match id {
                Opt::Shell => (&["bash"], &[]),
                Opt::Profile if mode == Mode::Unset => (&["work"], &["--forget"]),
                Opt::Profile => (&["work"], &[]),
                Opt::Serial => (&["GAHT12345678"], &[]),
                Opt::TokenCode => (&["123456"], &[]),
                Opt::TotpSecretEnv => (&["SEED"], &[]),
                Opt::TokenCommand => (&["ykman oath accounts code -s aws"], &[]),
                Opt::Prompt => (&["gui"], &[]),
                Opt::Duration => (&["3600"], &[]),
                Opt::Region => (&["eu-west-1"], &[]),
                Opt::RoleArn => (&["arn:aws:iam::123456789012:role/r"], &[]),
                Opt::RoleSessionName => (&["me"], &[]),
                Opt::ExternalId => (&["ext"], &[]),
                Opt::WriteProfile => (&["mfa"], &[]),
                Opt::OverwriteLongTerm => (&[], &["--write-profile", "mfa"]),
                Opt::MinRemaining => (&["5m"], &[]),
                Opt::Force
                | Opt::NoCache
                | Opt::Unset
                | Opt::Forget
                | Opt::Server
                | Opt::Short
                | Opt::Names
                | Opt::Json
                | Opt::Help
                | Opt::Version => (&[], &[]),
                Opt::All => (&[], &["--forget"]),
                Opt::Cmd => (&["m"], &[]),
            }
        };
        // The flags that choose a mode themselves are checked below.
        let choosers = |f: &&Flag| matches!(f.id, Opt::Help | Opt::Version | Opt::Unset);
        for flag in FLAGS.iter().filter(|f| !choosers(f)) {
            for (mode, words) in modes {
                let (value, extra) = sample(flag.id, mode);
                let accepted = flag.modes.contains(&mode);
                let mut line: Vec<&str> = words.to_vec();
                let long = format!("--{}", flag.long);
                line.push(&long);
                line.extend(value);
                if accepted {
                    line.extend(extra);
                }
                match parse(line.iter().map(OsString::from)) {
                    Ok(_) => assert!(accepted, "{line:?} was accepted"),
                    Err(e) => {
                        assert!(!accepted, "{line:?}: {e}");
                        assert_eq!(e.exit_code(), 2, "{line:?}: {e}");
                        let expected =
                            format!("--{} does not apply to {}", flag.long, mode.label());
                        assert!(e.to_string().contains(&expected), "{line:?}: {e}");
                    }
                }
            }
        }
        // --help and --version stand alone, or after a mode's word.
        for line in ["--help", "status --help", "--version", "init --version"] {
            assert!(parse_line(line).is_ok(), "{line}");
        }
        assert!(parse_line("--unset -s fish").is_ok());
        for line in [
            "--help --unset",
            "--help -p x",
            "init bash --help",
            "--version -s fish",
            "status --unset",
            "init bash --unset",
        ] {
            assert_eq!(parse_line(line).unwrap_err().exit_code(), 2, "{line}");
        }
    }

    #[test]
    fn refuses_bad_input_as_usage_errors() {
        for line in [
            "-t 12345",
            "-t 1234567",
            "-t abcdef",
            "-t ١٢٣٤٥٦",
            "-d 899",
            "-d 129601",
            "-d 1h",
            "--shell tcsh",
            "--bogus",
            "init",
            "init tcsh",
            "init json",
            "frobnicate",
            "--forget",
            "--cmd x",
            "--force --no-cache",
            "--min-remaining 5x",
            "--unset -t 123456",
            "--unset --write-profile x",
            "--unset --min-remaining 5m",
            "--unset --all",
            "--unset --profile x",
            "init bash --shell fish",
            "status --unset",
            "status --min-remaining 13h extra",
            "--help extra",
            "-p",
            "--role-arn admin",
            "--role-session-name a",
            "--external-id a",
            "--serial-number alice",
            "--region us-east-1.evil.com",
            "--totp-secret-env a-b",
            "--force=yes",
            "status status",
        ] {
            let err = parse_line(line).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{line}: {err}");
            assert_eq!(err.to_string().lines().count(), 1, "{line}: {err}");
        }
        let err = parse_line("-t 98765").unwrap_err().to_string();
        assert!(err.contains("too short") && !err.contains("98765"), "{err}");
    }

    #[test]
    fn messages_point_the_right_way() {
        let err = |line: &str| parse_line(line).unwrap_err().to_string();
        assert!(err("--token-cod 123456").contains("did you mean --token-code?"));
        assert!(err("--duration 3600").contains("did you mean --duration-seconds?"));
        assert!(err("--proflie x").contains("did you mean --profile?"));
        assert!(err("init tcsh").contains("bash, zsh, fish, powershell or cmd"));
        assert!(err("-token-code 123456").contains("two dashes, as in --token-code"));
        assert!(err("-profile x").contains("two dashes, as in --profile"));
        assert!(err("-force").contains("two dashes, as in --force"));
        assert!(err("-duration 900").contains("two dashes, as in --duration-seconds"));
        assert!(matches!(
            parse_line("-scmd -pwork -t123456"),
            Ok(Request::Export(_))
        ));
        assert!(err("statsu").contains("did you mean status?"));
        assert!(err("123456").contains("--token-code"));
        assert_eq!(
            err("status --unset"),
            "--unset does not apply to status; it is a command of its own: mfa-env --unset"
        );
        assert!(
            err("--unset --forget -t 123456").contains("--token-code does not apply to --unset")
        );
        let e = parse(["--region", "a\nb"].map(OsString::from))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--region is not a region"), "{e}");
        let e = err("nope\x1b[31m");
        assert!(e.contains("nope\\x1b[31m"), "{e}");
    }

    #[test]
    fn help_lists_every_flag_and_shell() {
        let text = help();
        for flag in FLAGS {
            assert!(text.contains(&format!("--{}", flag.long)), "{}", flag.long);
        }
        for name in shell::NAMES {
            assert!(text.contains(name.name), "{}", name.name);
        }
        assert!(text.contains("900..129600, default 12h"));
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    }
}
