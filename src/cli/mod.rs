//! The command line: the flags table (`flags`), `--help` (`help`), what a mistake probably
//! meant (`suggest`), and the parser here, which turns the arguments into the request of one
//! mode (`crate::request`), every value already checked.

mod flags;
mod help;
#[cfg(test)]
mod man;
mod suggest;

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::checks;
use crate::durations;
use crate::error::{Error, Result, shown};
use crate::request::{
    Add, Again, Choice, CodeSource, Exec, Export, Forget, Init, List, Login, Mode, Obtain, Prompt,
    Remove, Request, Reuse, Rotate, Status, Unset, WriteProfile,
};
use crate::shell::{self, Shell};

pub(crate) use crate::request::WORDS;
pub(crate) use flags::{mode_words, summaries, valued_words};
pub(crate) use help::{command_help, help};

use flags::{FLAGS, Flag, Opt};
use suggest::{hint_for, long_flag, not_for, one_dash, subcommand};

/// What the command line holds before the mode is decided: the mode's word, the flags in the
/// order given, a word after `init` or `completions`, and `exec`'s command.
#[derive(Default)]
struct Words {
    mode: Option<Mode>,
    flags: Vec<(&'static Flag, Option<String>)>,
    positional: Vec<String>,
    command: Vec<OsString>,
}

/// Reads the command line into the request of its mode, or says what is wrong with it.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Request> {
    let words = read(args)?;
    let mode = mode_of(&words)?;
    // Help wins over whatever else the line holds: `exec --server --help` is exec's page.
    if mode == Mode::Help {
        return Ok(Request::Help {
            topic: help_topic(&words)?,
            evaluated: words.flags.iter().any(|(f, _)| f.id == Opt::Shell),
        });
    }
    for (flag, _) in &words.flags {
        if !flag.modes.contains(&mode) {
            return Err(not_for(flag, mode));
        }
    }
    let mut given = Given::default();
    for (flag, value) in &words.flags {
        given.take(flag, value.clone().unwrap_or_default())?;
    }
    build(mode, given, words.positional, words.command)
}

fn read(args: impl IntoIterator<Item = OsString>) -> Result<Words> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut words = Words::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Long(name) => {
                let flag = long_flag(name)?;
                let value = match flag.value {
                    Some(_) => Some(text(parser.value()?, flag)?),
                    None if parser.optional_value().is_some() => {
                        return Err(Error::usage(format!("--{} takes no value", flag.long)));
                    }
                    None => None,
                };
                words.flags.push((flag, value));
            }
            Short(c) => words.flags.push(short_flag(c, &mut parser)?),
            // The command of `exec` and everything after it are the command's own.
            Value(word) if words.mode == Some(Mode::Exec) => {
                words.command.push(word);
                words.command.extend(parser.raw_args()?);
                break;
            }
            Value(word) => positional(&mut words, word)?,
        }
    }
    Ok(words)
}

/// `-c` and its value, or what `-cVALUE` probably meant.
fn short_flag(c: char, parser: &mut lexopt::Parser) -> Result<(&'static Flag, Option<String>)> {
    let Some(flag) = flags::short(c) else {
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
    if flag.value.is_none() {
        return Ok((flag, None));
    }
    let value = text(parser.value()?, flag)?;
    // `-token-code 123456` reads as `-t oken-code`: say what was meant.
    let typed = format!("{c}{value}");
    let spelled = FLAGS
        .iter()
        .any(|f| f.long == typed || (typed.len() >= 4 && f.long.starts_with(&typed)));
    if spelled && let Some(err) = one_dash(c, &value) {
        return Err(err);
    }
    Ok((flag, Some(value)))
}

/// A word that is no flag: the mode's word, or the one word `init` and `completions` take.
fn positional(words: &mut Words, word: OsString) -> Result<()> {
    let word = word.into_string().map_err(|w| {
        Error::usage(format!(
            "'{}' is not UTF-8 text",
            shown(&w.to_string_lossy())
        ))
    })?;
    match words.mode {
        None if words.positional.is_empty() => words.mode = Some(subcommand(&word)?),
        Some(
            Mode::Init
            | Mode::Completions
            | Mode::Help
            | Mode::Add
            | Mode::Remove
            | Mode::Rotate
            | Mode::Login,
        ) if words.positional.is_empty() => words.positional.push(word),
        mode => {
            return Err(Error::usage(format!(
                "unexpected argument '{}' for {} (see mfa-env --help)",
                shown(&word),
                mode.unwrap_or(Mode::Export).label()
            )));
        }
    }
    Ok(())
}

/// Whose page `help` or `--help` asks for: the command's (`exec --help`, `help exec`,
/// `help unset`, `--unset --help`), else the whole page.
fn help_topic(words: &Words) -> Result<Option<Mode>> {
    match (words.mode, words.positional.first()) {
        (Some(Mode::Help), Some(topic)) if topic == "unset" || topic == "--unset" => {
            Ok(Some(Mode::Unset))
        }
        (Some(Mode::Help), Some(topic)) => {
            Ok(Some(subcommand(topic)?).filter(|m| *m != Mode::Help))
        }
        (Some(Mode::Help) | None, _) => Ok(words
            .flags
            .iter()
            .any(|(f, _)| f.id == Opt::Unset)
            .then_some(Mode::Unset)),
        (Some(mode), _) => Ok(Some(mode)),
    }
}

/// The mode: `--help` and `--version` win, `--unset` is one of its own, else the word's.
fn mode_of(words: &Words) -> Result<Mode> {
    let has = |id: Opt| {
        words
            .flags
            .iter()
            .find(|(f, _)| f.id == id)
            .map(|(f, _)| *f)
    };
    Ok(
        if has(Opt::Help).is_some() || words.mode == Some(Mode::Help) {
            Mode::Help
        } else if has(Opt::Version).is_some() {
            Mode::Version
        } else if let Some(unset) = has(Opt::Unset) {
            if let Some(mode) = words.mode {
                return Err(not_for(unset, mode));
            }
            Mode::Unset
        } else {
            words.mode.unwrap_or(Mode::Export)
        },
    )
}

/// Every flag's value, checked and typed, as the mode's request will hold it.
#[derive(Default)]
struct Given {
    choice: Choice,
    reuse: Reuse,
    obtain: Obtain,
    shell: Option<Shell>,
    write_profile: Option<String>,
    overwrite_long_term: bool,
    output_credentials: bool,
    forget: bool,
    all: bool,
    server: bool,
    short: bool,
    names: bool,
    json: bool,
    from_credentials: bool,
    open: bool,
    function: Option<String>,
    profile_flag: bool,
    again: Again,
}

impl Given {
    /// Checks `value` for `flag` and keeps it.
    fn take(&mut self, flag: &'static Flag, value: String) -> Result<()> {
        let bad = |why: checks::Why| Error::usage(format!("--{} is {why}", flag.long));
        if !matches!(flag.id, Opt::TokenCode | Opt::Force) {
            let shown = flag.value.is_some().then(|| value.clone());
            self.again.0.push((flag.long, shown));
        }
        match flag.id {
            Opt::Shell => self.shell = Some(shell_named(&value)?),
            Opt::Profile if value.is_empty() => {
                return Err(Error::usage("--profile needs a profile name"));
            }
            Opt::Profile => {
                self.profile_flag = true;
                self.choice.profile = Some(value);
            }
            Opt::Serial => {
                checks::serial(&value).map_err(bad)?;
                self.choice.serial = Some(value);
            }
            Opt::TokenCode => self.obtain.code = Some(code_given(&value)?),
            Opt::TotpSecretEnv => {
                checks::variable_name(&value).map_err(bad)?;
                self.obtain.totp_env = Some(value);
            }
            Opt::TokenCommand if value.trim().is_empty() => {
                return Err(Error::usage("--token-command needs a command"));
            }
            Opt::TokenCommand => self.obtain.token_command = Some(value),
            Opt::Prompt => {
                self.obtain.prompt = Some(Prompt::parse(&value).ok_or_else(|| {
                    Error::usage(format!(
                        "--prompt '{}' is not one of terminal, gui, none",
                        shown(&value)
                    ))
                })?);
            }
            Opt::Duration => self.choice.duration = Some(durations::parse_flag(&value)?),
            Opt::Region => {
                checks::region(&value).map_err(bad)?;
                self.choice.region = Some(value);
            }
            Opt::RoleArn => {
                checks::role_arn(&value).map_err(bad)?;
                self.choice.role_arn = Some(value);
            }
            Opt::RoleSessionName => {
                checks::session_name(&value).map_err(bad)?;
                self.obtain.role_session_name = Some(value);
            }
            Opt::ExternalId => {
                checks::external_id(&value).map_err(bad)?;
                self.choice.external_id = Some(value);
            }
            Opt::WriteProfile => self.write_profile = Some(value),
            Opt::MinRemaining => self.reuse.min_remaining = Some(durations::parse_span(&value)?),
            Opt::Cmd => self.function = Some(value),
            Opt::OverwriteLongTerm => self.overwrite_long_term = true,
            Opt::OutputCredentials => self.output_credentials = true,
            Opt::Force => self.reuse.force = true,
            Opt::NoCache => self.reuse.no_cache = true,
            Opt::Forget => self.forget = true,
            Opt::All => self.all = true,
            Opt::Server => self.server = true,
            Opt::Short => self.short = true,
            Opt::Names => self.names = true,
            Opt::Json => self.json = true,
            Opt::FromCredentials => self.from_credentials = true,
            Opt::Open => self.open = true,
            Opt::Unset | Opt::Help | Opt::Version => {}
        }
        Ok(())
    }
}

fn shell_named(name: &str) -> Result<Shell> {
    shell::lookup(name).map(|n| n.shell).ok_or_else(|| {
        Error::usage(format!(
            "unknown shell '{}': use {}",
            shown(name),
            shell::listed(|_| true)
        ))
    })
}

fn code_given(value: &str) -> Result<CodeSource> {
    if value == "-" {
        return Ok(CodeSource::Stdin);
    }
    checks::code(value).map(CodeSource::Given).map_err(|why| {
        Error::usage(format!(
            "the MFA code given with --token-code is wrong: {why}; pass the 6 digits your device shows, like --token-code 123456"
        ))
    })
}

fn needs(flag: &str, other: &str) -> Error {
    Error::usage(format!("{flag} only works together with {other}"))
}

fn contradiction(reuse: &Reuse) -> Result<()> {
    if reuse.force && reuse.no_cache {
        return Err(Error::usage(
            "--force and --no-cache contradict each other: pick one",
        ));
    }
    Ok(())
}

/// The request for `mode` from flags already known to apply to it.
fn build(
    mode: Mode,
    given: Given,
    positional: Vec<String>,
    command: Vec<OsString>,
) -> Result<Request> {
    Ok(match mode {
        Mode::Help => Request::Help {
            topic: None,
            evaluated: false,
        },
        Mode::Version => Request::Version,
        Mode::Export => export(given)?,
        Mode::Unset => unset(given)?,
        Mode::Init => init(given, &positional)?,
        Mode::Status => Request::Status(Status {
            choice: given.choice,
            min_remaining: given.reuse.min_remaining,
            short: given.short,
        }),
        Mode::List => Request::List(match (given.names, given.json) {
            (true, true) => {
                return Err(Error::usage(
                    "--names and --json contradict each other: pick one",
                ));
            }
            (true, false) => List::Names,
            (false, true) => List::Json,
            (false, false) => List::Table,
        }),
        Mode::Completions => completions(&positional)?,
        Mode::Add => Request::Add(Add {
            profile: profile_word("add", &positional)?,
            from_credentials: given.from_credentials,
        }),
        Mode::Remove => Request::Remove(Remove {
            profile: profile_word("remove", &positional)?,
        }),
        Mode::Login => login(given, &positional)?,
        Mode::Rotate => {
            contradiction(&given.reuse)?;
            Request::Rotate(Rotate {
                profile: profile_word("rotate", &positional)?,
                choice: given.choice,
                reuse: given.reuse,
                obtain: given.obtain,
            })
        }
        Mode::Exec => {
            contradiction(&given.reuse)?;
            Request::Exec(Exec {
                choice: given.choice,
                reuse: given.reuse,
                obtain: given.obtain,
                server: given.server,
                command,
            })
        }
    })
}

/// `login [PROFILE]`: the profile as a word, or `--profile`, not both.
fn login(mut given: Given, positional: &[String]) -> Result<Request> {
    contradiction(&given.reuse)?;
    if !positional.is_empty() {
        if given.profile_flag {
            return Err(Error::usage(
                "login takes its profile once: mfa-env login PROFILE, or --profile PROFILE",
            ));
        }
        given.choice.profile = Some(profile_word("login", positional)?);
        given.choice.profile_word = true;
    }
    Ok(Request::Login(Login {
        choice: given.choice,
        reuse: given.reuse,
        obtain: given.obtain,
        open: given.open,
    }))
}

fn export(given: Given) -> Result<Request> {
    if given.overwrite_long_term && given.write_profile.is_none() {
        return Err(needs("--overwrite-long-term", "--write-profile NAME"));
    }
    if given.output_credentials && given.shell != Some(Shell::Github) {
        return Err(needs("--output-credentials", "--shell github"));
    }
    contradiction(&given.reuse)?;
    Ok(Request::Export(Export {
        choice: given.choice,
        reuse: given.reuse,
        obtain: Obtain {
            for_a_program: given.shell == Some(Shell::Json),
            ..given.obtain
        },
        shell: given.shell,
        write_profile: given.write_profile.map(|name| WriteProfile {
            name,
            overwrite_long_term: given.overwrite_long_term,
        }),
        output_credentials: given.output_credentials,
        again: given.again,
    }))
}

fn unset(given: Given) -> Result<Request> {
    if given.all && !given.forget {
        return Err(needs("--all", "--unset --forget"));
    }
    if given.profile_flag && !given.forget {
        return Err(needs(
            "--profile",
            "--unset --forget (it picks whose sessions to delete)",
        ));
    }
    if given.all && given.profile_flag {
        return Err(Error::usage(
            "--forget --all deletes every profile's sessions: drop --profile, or --all",
        ));
    }
    Ok(Request::Unset(Unset {
        shell: given.shell,
        forget: match (given.forget, given.all) {
            (false, _) => None,
            (true, true) => Some(Forget::All),
            (true, false) => Some(Forget::Profile(given.choice.profile)),
        },
        again: given.again,
    }))
}

fn init(given: Given, positional: &[String]) -> Result<Request> {
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
    Ok(Request::Init(Init {
        shell: row.name,
        function: given.function,
    }))
}

/// The profile `add` and `remove` name.
fn profile_word(command: &str, positional: &[String]) -> Result<String> {
    match positional.first() {
        Some(name) if !name.is_empty() && !name.chars().any(char::is_control) => Ok(name.clone()),
        Some(_) => Err(Error::usage(format!(
            "{command} needs a profile name without control characters"
        ))),
        None => Err(Error::usage(format!(
            "{command} needs a profile: mfa-env {command} PROFILE (see mfa-env {command} --help)"
        ))),
    }
}

fn completions(positional: &[String]) -> Result<Request> {
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
    Ok(Request::Completions(row.name))
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
                profile_word: false,
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
                output_credentials: false,
                again: Again::default(),
            })
        );
        assert!(export("-s github --output-credentials").output_credentials);
        assert!(
            parse_line("--output-credentials")
                .unwrap_err()
                .to_string()
                .contains("--output-credentials only works together with --shell github")
        );
        // What a hint repeats: each option by its long name, as given, never a code or --force.
        assert_eq!(
            export("-s json -p work -t 123456 --force --min-remaining 1h --region eu-west-1").again,
            Again(vec![
                ("shell", Some("json".into())),
                ("profile", Some("work".into())),
                ("min-remaining", Some("1h".into())),
                ("region", Some("eu-west-1".into())),
            ])
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
                forget: Some(Forget::Profile(None)),
                again: Again(vec![("unset", None), ("forget", None)]),
            })
        );
        assert_eq!(
            parse_line("--unset --forget --all -s fish").unwrap(),
            Request::Unset(Unset {
                shell: Some(Shell::Fish),
                forget: Some(Forget::All),
                again: Again(vec![
                    ("unset", None),
                    ("forget", None),
                    ("all", None),
                    ("shell", Some("fish".into())),
                ]),
            })
        );
        let help = |topic| Request::Help {
            topic,
            evaluated: false,
        };
        assert_eq!(parse_line("-h").unwrap(), help(None));
        // A command's own page, however it is asked for; help wins over other flags.
        for (line, page) in [
            ("status --help", Some(Mode::Status)),
            ("help exec", Some(Mode::Exec)),
            ("exec --server -p x --help", Some(Mode::Exec)),
            ("help unset", Some(Mode::Unset)),
            ("--unset --help", Some(Mode::Unset)),
            ("init bash --help", Some(Mode::Init)),
            ("help", None),
            ("help help", None),
            ("--help -p x", None),
        ] {
            assert_eq!(parse_line(line).unwrap(), help(page), "{line}");
        }
        // From an `mfa` function, whose output is evaluated: the page goes to the terminal.
        assert_eq!(
            parse_line("--shell bash --help").unwrap(),
            Request::Help {
                topic: None,
                evaluated: true
            }
        );
        assert!(
            parse_line("help nothing")
                .unwrap_err()
                .to_string()
                .contains("unknown command")
        );
        assert_eq!(parse_line("-V").unwrap(), Request::Version);
    }

    /// Every (mode, flag) pair, from the table the parser uses: a flag is accepted exactly by
    /// the modes the table gives it, and refused by the others with a usage error naming the mode.
    #[test]
    fn every_flag_against_every_mode() {
        // (--help takes any flag: it wins; pinned in `modes`.)
        let modes: [(Mode, &[&str]); 12] = [
            (Mode::Export, &[]),
            (Mode::Unset, &["--unset"]),
            (Mode::Init, &["init", "bash"]),
            (Mode::Status, &["status"]),
            (Mode::Exec, &["exec"]),
            (Mode::List, &["list"]),
            (Mode::Completions, &["completions", "bash"]),
            (Mode::Add, &["add", "work"]),
            (Mode::Remove, &["remove", "work"]),
            (Mode::Rotate, &["rotate", "work"]),
            (Mode::Login, &["login"]),
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
                Opt::OutputCredentials => (&[], &["--shell", "github"]),
                Opt::MinRemaining => (&["5m"], &[]),
                Opt::Force
                | Opt::NoCache
                | Opt::Unset
                | Opt::Forget
                | Opt::Server
                | Opt::Short
                | Opt::Names
                | Opt::Json
                | Opt::FromCredentials
                | Opt::Open
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
        // --version stands alone, or after a mode's word; --help wins over anything.
        for line in ["--help", "status --help", "--version", "init --version"] {
            assert!(parse_line(line).is_ok(), "{line}");
        }
        assert!(parse_line("--unset -s fish").is_ok());
        for line in ["--version -s fish", "status --unset", "init bash --unset"] {
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
            "--shell murex",
            "--bogus",
            "init",
            "init murex",
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
        assert!(
            err("init json").contains(
                "bash, zsh, sh, ksh, fish, powershell, cmd, tcsh, csh, elvish, xonsh or nu"
            )
        );
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
