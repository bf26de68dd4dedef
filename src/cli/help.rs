//! `mfa-env --help`: usage, then the flag table, the shell table and the durations as parsed.

use crate::aws::sources;
use crate::durations;
use crate::shell::{self, Shell};

use super::flags::{FLAGS, Flag};
use crate::request::Mode;

/// Each mode's usage lines, with what each does: the whole page lists them all, a command's
/// page its own.
pub(super) const USAGE: &[(Mode, &str, &str)] = &[
    (
        Mode::Export,
        "eval \"$(mfa-env [OPTIONS])\"",
        "get session credentials, print lines that set them",
    ),
    (
        Mode::Unset,
        "mfa-env --unset [--forget [--all]]",
        "print lines that clear them (no network)",
    ),
    (
        Mode::Init,
        "mfa-env init SHELL [--cmd NAME]",
        "print a snippet that defines `mfa` for SHELL",
    ),
    (
        Mode::Status,
        "mfa-env status [--short] [OPTIONS]",
        "this shell's session and the cached one (exit 0 if cached)",
    ),
    (
        Mode::Exec,
        "mfa-env exec [OPTIONS] [--] CMD...",
        "run CMD with the session (no CMD: your shell)",
    ),
    (
        Mode::Exec,
        "mfa-env exec --server [OPTIONS] [--] CMD...",
        "... from a local endpoint that renews it",
    ),
    (
        Mode::List,
        "mfa-env list [--names | --json]",
        "the profiles, their kind, device and cached session",
    ),
    (
        Mode::Add,
        "mfa-env add PROFILE [--from-credentials]",
        "store PROFILE's long-term keys in the OS keychain",
    ),
    (
        Mode::Remove,
        "mfa-env remove PROFILE",
        "delete PROFILE's keychain entry and cached sessions",
    ),
    (
        Mode::Rotate,
        "mfa-env rotate PROFILE [OPTIONS]",
        "new access keys for PROFILE's IAM user, the old deleted",
    ),
    (
        Mode::Login,
        "mfa-env login [PROFILE] [--open]",
        "a console sign-in URL for PROFILE's role session",
    ),
    (
        Mode::Completions,
        "mfa-env completions SHELL",
        "the completion script: bash, zsh, fish, powershell",
    ),
    (
        Mode::Help,
        "mfa-env help [COMMAND]",
        "this text, or a command's (COMMAND --help too)",
    ),
];

/// Each command's examples, for its page.
pub(super) const EXAMPLES: &[(Mode, &str, &str)] = &[
    (Mode::Unset, "mfa --unset", "with the `init` function"),
    (
        Mode::Unset,
        "out=$(mfa-env --unset) && eval \"$out\"",
        "without it; --forget also deletes the cache",
    ),
    (
        Mode::Init,
        "eval \"$(mfa-env init bash)\"",
        "in ~/.bashrc; then `mfa`, `mfa --unset`",
    ),
    (
        Mode::Init,
        "mfa-env init fish | source",
        "in ~/.config/fish/config.fish",
    ),
    (
        Mode::Status,
        "mfa-env status",
        "on stderr: this shell, then the cache",
    ),
    (
        Mode::Status,
        "mfa-env status --short",
        "a prompt segment: `default 11h58m`",
    ),
    (
        Mode::Exec,
        "mfa-env exec -- terraform plan",
        "one command with the session",
    ),
    (
        Mode::Exec,
        "mfa-env exec --server -p admin -- terraform apply",
        "renewed while it runs",
    ),
    (Mode::List, "mfa-env list", "a table for people"),
    (
        Mode::Add,
        "mfa-env add default",
        "asks for the access key id and the secret",
    ),
    (
        Mode::Add,
        "mfa-env add default --from-credentials",
        "moves them out of ~/.aws/credentials",
    ),
    (
        Mode::Remove,
        "mfa-env remove default",
        "the keychain entry and the cached sessions",
    ),
    (Mode::List, "mfa-env list --json", "for programs"),
    (
        Mode::Login,
        "mfa-env login admin --open",
        "the console in your browser, as the role",
    ),
    (
        Mode::Login,
        "mfa-env login admin | pbcopy",
        "the URL, for another browser",
    ),
    (
        Mode::Rotate,
        "mfa-env rotate default",
        "with an MFA session; the new keys go where the old were",
    ),
    (
        Mode::Completions,
        "mfa-env completions fish > ~/.config/fish/completions/mfa-env.fish",
        "",
    ),
    (
        Mode::Completions,
        "eval \"$(mfa-env completions bash)\"",
        "in ~/.bashrc",
    ),
];

/// `mfa-env --help`: usage, then the flag table, the shell table and the durations as parsed.
pub(crate) fn help() -> String {
    let mut text = String::from(
        "mfa-env: turn an MFA code into AWS session credentials, exported in your shell\n\nUSAGE:\n",
    );
    text.push_str(&aligned(USAGE.iter().map(|(_, u, w)| (*u, *w))));
    text.push_str("\nOPTIONS:\n");
    for flag in FLAGS {
        text.push_str(&flag_lines(flag));
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
    mfa-env add default --from-credentials         optional: the keys into the OS keychain

EXAMPLES:
    eval \"$(mfa-env init bash)\"                    in ~/.bashrc; then `mfa`, `mfa --unset`
    out=$(mfa-env) && eval \"$out\"                  bash, zsh, sh, ksh, without `mfa`
    mfa-env | source                               fish
    mfa-env | Out-String | Invoke-Expression       PowerShell
    mfa-env --write-profile mfa-session --shell none   then: aws s3 ls --profile mfa-session
    mfa-env --shell github --totp-secret-env MFA_SEED   a CI job's setup step

`eval \"$(mfa-env)\"` runs nothing when mfa-env fails, but its status is then 0: in a
script, use `mfa` or the `out=... &&` form, which stop there.
The long-term profile is --profile, else $AWS_PROFILE (or $AWS_DEFAULT_PROFILE), else
$MFA_ENV_PROFILE (which an applied session sets, so that a refresh uses the same profile), else
\"default\". Applying a session clears AWS_PROFILE, so that every SDK uses the session;
--unset sets it back.
The long-term keys are the chosen profile's (or its source_profile's) in the credentials or
config file, else that profile's entry in the OS keychain (mfa-env add).
The MFA code comes from --token-code, else --totp-secret-env, else --token-command, else the
profile's mfa_process, else a person: on the terminal, or in a desktop dialog without one.
Exit status: 0 done, 1 the run failed (files, environment, terminal, network), 2 the command
line is wrong.
",
    );
    text
}

/// A command's page: its usage, its flags only, and its examples.
pub(crate) fn command_help(mode: Mode) -> String {
    let what = USAGE
        .iter()
        .find(|(m, _, _)| *m == mode)
        .map_or("", |(_, _, what)| *what);
    let mut text = format!("mfa-env {}: {what}\n\nUSAGE:\n", mode.label());
    text.push_str(&aligned(
        USAGE
            .iter()
            .filter(|(m, _, _)| *m == mode)
            .map(|(_, u, w)| (*u, *w)),
    ));
    text.push_str("\nOPTIONS:\n");
    for flag in FLAGS
        .iter()
        .filter(|f| f.modes.contains(&mode) || f.long == "help")
    {
        text.push_str(&flag_lines(flag));
    }
    let examples = EXAMPLES
        .iter()
        .filter(|(m, _, _)| *m == mode)
        .map(|(_, e, w)| (*e, *w));
    text.push_str("\nEXAMPLES:\n");
    text.push_str(&aligned(examples));
    text.push_str("\nThe whole page, every command and flag: mfa-env --help\n");
    text
}

/// `    COMMAND    what it does` lines, the second column aligned after the longest command
/// of up to 34 characters (a longer one keeps two spaces); a command alone when `what` is empty.
fn aligned<'a>(rows: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> String {
    let column = rows
        .clone()
        .map(|(command, _)| command.chars().count())
        .filter(|n| *n <= 34)
        .max()
        .unwrap_or(0)
        + 2;
    rows.map(|(command, what)| {
        if what.is_empty() {
            format!("    {command}\n")
        } else if command.chars().count() + 2 > column {
            format!("    {command}  {what}\n")
        } else {
            format!("    {command:<column$}{what}\n")
        }
    })
    .collect()
}

/// A flag's lines: its spellings and value, then its help wrapped beside them.
fn flag_lines(flag: &Flag) -> String {
    let mut head = String::with_capacity(48);
    head.push_str(&flag.short.map_or("    ".to_owned(), |c| format!("-{c}, ")));
    head.push_str("--");
    head.push_str(flag.long);
    if let Some(value) = flag.value {
        head.push(' ');
        head.push_str(value);
    }
    // Only the texts that hold a placeholder are rebuilt (`--help` runs at a person's pace,
    // but it is also a start-up path: see README, Performance).
    let mut help = std::borrow::Cow::Borrowed(flag.help);
    if help.contains("DURATIONS") {
        help = help.replace("DURATIONS", &durations::help()).into();
    }
    if let Some(sources) = flag.sources {
        help = help
            .replace("{sources}", &sources::described(sources))
            .into();
    }
    let mut text = String::with_capacity(help.len() + 128);
    for (i, line) in wrapped(&help, WIDTH).iter().enumerate() {
        let left = if i == 0 { head.as_str() } else { "" };
        text.push_str("    ");
        text.push_str(left);
        // The flag column is 30 wide (a longer flag pushes its first line right).
        let used = left.chars().count();
        text.extend(std::iter::repeat_n(' ', 30usize.saturating_sub(used)));
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// The width of the help column: a flag's lines end by column 96.
const WIDTH: usize = 62;

/// `text` in lines of at most `width` characters, broken between words.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::with_capacity(width + 16);
    let mut count = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let length = word.chars().count();
        if !line.is_empty() && count + 1 + length > width {
            lines.push(std::mem::replace(
                &mut line,
                String::with_capacity(width + 16),
            ));
            count = 0;
        }
        if !line.is_empty() {
            line.push(' ');
            count += 1;
        }
        line.push_str(word);
        count += length;
    }
    lines.push(line);
    lines
}

/// One line of what `--shell` prints for each syntax, for `--help`.
pub(super) fn sample(shell: Shell) -> &'static str {
    match shell {
        Shell::Posix => "export NAME='value'",
        Shell::Fish => "set -gx NAME 'value'",
        Shell::PowerShell => "$Env:NAME = 'value'",
        Shell::Cmd => "set \"NAME=value\"",
        Shell::Csh => "setenv NAME 'value';",
        Shell::Elvish => "set-env NAME 'value'",
        Shell::Xonsh => "$NAME = \"value\"",
        Shell::Nu => "{\"NAME\": \"value\"}, a record for load-env",
        Shell::Json => "credential_process document for the AWS SDKs and CLI",
        Shell::Github => "GitHub Actions: masks on stdout, variables into $GITHUB_ENV",
        Shell::Dotenv => "NAME=value lines (docker --env-file, systemd EnvironmentFile)",
        Shell::NoOutput => "nothing (with --write-profile, or to fill the cache)",
    }
}
