//! What each mode was asked, already checked: one request per mode, holding only what that
//! mode accepts. The command line (`cli`) builds them; the commands (`cmd`) and everything
//! below take them, and none of them knows how they were parsed.

use std::ffi::OsString;

use crate::shell::Shell;

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
    Add,
    Remove,
    Rotate,
    Login,
    Help,
    Version,
}

impl Mode {
    /// How messages name the mode.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Mode::Export => "getting a session",
            Mode::Unset => "--unset",
            Mode::Init => "init",
            Mode::Status => "status",
            Mode::Exec => "exec",
            Mode::List => "list",
            Mode::Completions => "completions",
            Mode::Add => "add",
            Mode::Remove => "remove",
            Mode::Rotate => "rotate",
            Mode::Login => "login",
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
            Mode::Add => Some("add"),
            Mode::Remove => Some("remove"),
            Mode::Rotate => Some("rotate"),
            Mode::Login => Some("login"),
            Mode::Help => Some("help"),
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
    Mode::Add,
    Mode::Remove,
    Mode::Rotate,
    Mode::Login,
    Mode::Completions,
    Mode::Help,
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
    /// `profile` was the command's PROFILE word (`rotate PROFILE`, `login PROFILE`), which
    /// messages name as such, not `--profile`.
    pub(crate) profile_word: bool,
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
    /// The session goes to a program that ran mfa-env (`--shell json`, a `credential_process`),
    /// not to a person: advice names what works there.
    pub(crate) for_a_program: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct WriteProfile {
    pub(crate) name: String,
    pub(crate) overwrite_long_term: bool,
}

/// The options as given (`--shell json`, `-p work` as `--profile work`), for a hint that runs
/// the same again: never a code, nor `--force` (again, it would spend a new one).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Again(pub(crate) Vec<(&'static str, Option<String>)>);

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Export {
    pub(crate) choice: Choice,
    pub(crate) reuse: Reuse,
    pub(crate) obtain: Obtain,
    pub(crate) shell: Option<Shell>,
    pub(crate) write_profile: Option<WriteProfile>,
    /// `--shell github`: the session also into `$GITHUB_OUTPUT`.
    pub(crate) output_credentials: bool,
    pub(crate) again: Again,
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
    pub(crate) again: Again,
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

/// `add PROFILE`: long-term keys into the keychain, typed (or from the environment), or moved
/// out of the credentials file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Add {
    pub(crate) profile: String,
    pub(crate) from_credentials: bool,
}

/// `remove PROFILE`: the keychain entry and the cached sessions deleted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Remove {
    pub(crate) profile: String,
}

/// `rotate PROFILE`: new long-term keys for PROFILE's IAM user, the old key deleted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Rotate {
    pub(crate) profile: String,
    /// The device and region flags: the MFA session is PROFILE's own.
    pub(crate) choice: Choice,
    pub(crate) reuse: Reuse,
    pub(crate) obtain: Obtain,
}

/// `login [PROFILE]`: the console sign-in URL for PROFILE's role session.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Login {
    pub(crate) choice: Choice,
    pub(crate) reuse: Reuse,
    pub(crate) obtain: Obtain,
    /// `--open`: the URL goes to the browser, not to stdout.
    pub(crate) open: bool,
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
    Add(Add),
    Remove(Remove),
    Rotate(Rotate),
    Login(Login),
    /// The whole page, or one command's. `evaluated`: `--shell` was given, so stdout is read by
    /// an eval (the `mfa` functions do that), and the page goes to stderr instead.
    Help {
        topic: Option<Mode>,
        evaluated: bool,
    },
    Version,
}
