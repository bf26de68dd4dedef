//! `mfa-env --help`: usage, then the flag table, the shell table and the durations as parsed.

use crate::aws::sources;
use crate::durations;
use crate::shell::{self, Shell};

use super::flags::FLAGS;

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
        let help = flag.help.replace("DURATIONS", &durations::help()).replace(
            "{sources}",
            &flag.sources.map(sources::described).unwrap_or_default(),
        );
        let mut lines = wrapped(&help, WIDTH).into_iter();
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

/// The width of the help column: a flag's lines end by column 96.
const WIDTH: usize = 62;

/// `text` in lines of at most `width` characters, broken between words.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
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
