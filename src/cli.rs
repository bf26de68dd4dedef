//! The command line: every flag, checked as it is read, into one plain `Args` value.

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::error::{Error, Result};
use crate::shell::Shell;

pub const USAGE: &str = "\
mfa-env: turn an MFA code into AWS session credentials, exported in your shell

USAGE:
    eval \"$(mfa-env [OPTIONS])\"        get session credentials, print lines that set them
    mfa-env --unset [--forget]         print lines that clear them (no network)
    mfa-env init SHELL [--cmd NAME]    print a snippet that defines `mfa` for SHELL
    mfa-env status [OPTIONS]           is a cached session still valid? (exit 0 if so)

OPTIONS:
    -s, --shell SHELL           output syntax (default: the shell that runs mfa-env)
    -p, --profile NAME          long-term profile (default: $AWS_PROFILE, else \"default\")
        --serial-number ID      MFA device serial or ARN (else $AWS_MFA_SERIAL, else the
                                profile's mfa_serial)
    -t, --token-code CODE       the 6-digit code; \"-\" reads one line from stdin;
                                absent: asked on the terminal
        --totp-secret-env VAR   compute the code from the base32 seed in $VAR (automation)
    -d, --duration-seconds N    900..129600 (else the profile's duration_seconds, else 12h;
                                3600 at most for the root user)
        --region REGION         else $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region,
                                else us-east-1
        --role-arn ARN          assume this role with the MFA code (else the profile's role_arn)
        --role-session-name N   session name for the role (else role_session_name)
        --external-id ID        external id for the role (else external_id)
        --write-profile NAME    also write the credentials to [NAME] in the shared
                                credentials file (use with --shell none to print nothing)
        --overwrite-long-term   let --write-profile replace a section holding long-term keys
        --min-remaining TIME    reuse a cached session only while more than TIME is left
                                (90s, 15m, 1h; default 15m)
        --force                 ignore the cached session, ask for a new code
        --no-cache              neither read nor write the session cache
        --unset                 print lines that clear the variables
        --forget                with --unset: also delete the cached session
        --cmd NAME              with init: name of the function (default: mfa)
    -h, --help                  this text
    -V, --version               the version

SHELLS:
    bash, zsh, sh, ksh   export NAME='value'          (dash and mksh too)
    fish                 set -gx NAME 'value'
    powershell, pwsh     $Env:NAME = 'value'
    cmd                  set \"NAME=value\"
    json                 credential_process document for the AWS SDKs and CLI
    github               GitHub Actions: masks on stdout, variables into $GITHUB_ENV
    dotenv               NAME=value lines (docker --env-file, systemd EnvironmentFile)
    none                 print nothing (with --write-profile, or to fill the cache)

EXAMPLES:
    eval \"$(mfa-env)\"                              bash, zsh, sh, ksh
    mfa-env | source                               fish
    mfa-env | Out-String | Invoke-Expression       PowerShell
    eval \"$(mfa-env init bash)\"                    in ~/.bashrc; then `mfa`, `mfa --unset`
    mfa-env --shell json --profile base            credential_process = ... in ~/.aws/config
    mfa-env --write-profile mfa --shell none       then: aws s3 ls --profile mfa
    mfa-env --shell github --totp-secret-env MFA_SEED   a CI job's setup step
";

/// What to do.
#[derive(Debug, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Export,
    Unset,
    Init(InitShell),
    Status,
    Help,
    Version,
}

/// The shells `init` has a snippet for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    PowerShell,
    Cmd,
}

/// Where the MFA code comes from when it is not asked on the terminal.
#[derive(PartialEq, Eq)]
pub enum CodeSource {
    Given(String),
    Stdin,
    TotpEnv(String),
}

// The code stays out of debug output.
impl std::fmt::Debug for CodeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeSource::Given(_) => f.write_str("Given(..)"),
            CodeSource::Stdin => f.write_str("Stdin"),
            CodeSource::TotpEnv(var) => write!(f, "TotpEnv({var})"),
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Args {
    pub mode: Mode,
    pub shell: Option<Shell>,
    pub profile: Option<String>,
    pub serial: Option<String>,
    pub code: Option<CodeSource>,
    pub duration: Option<i32>,
    pub region: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub write_profile: Option<String>,
    pub overwrite_long_term: bool,
    /// Seconds.
    pub min_remaining: Option<i64>,
    pub force: bool,
    pub no_cache: bool,
    pub forget: bool,
    pub cmd: Option<String>,
}

pub const DEFAULT_MIN_REMAINING: i64 = 15 * 60;

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Args> {
    let mut a = Args::default();
    let mut parser = lexopt::Parser::from_args(args);
    let mut seen_positional = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('s') | Long("shell") => {
                let name = text(parser.value()?, "--shell")?;
                a.shell = Some(Shell::from_name(&name).ok_or_else(|| {
                    Error::usage(format!(
                        "unknown shell '{name}': use one of {}",
                        Shell::NAMES
                    ))
                })?);
            }
            Short('p') | Long("profile") => a.profile = Some(text(parser.value()?, "--profile")?),
            Long("serial-number") => a.serial = Some(text(parser.value()?, "--serial-number")?),
            Short('t') | Long("token-code") => {
                a.code = Some(match text(parser.value()?, "--token-code")?.as_str() {
                    "-" => CodeSource::Stdin,
                    code => CodeSource::Given(check_code(code)?.to_owned()),
                })
            }
            Long("totp-secret-env") => {
                a.code = Some(CodeSource::TotpEnv(text(
                    parser.value()?,
                    "--totp-secret-env",
                )?))
            }
            Short('d') | Long("duration-seconds") => {
                a.duration = Some(check_duration(&text(
                    parser.value()?,
                    "--duration-seconds",
                )?)?)
            }
            Long("region") => a.region = Some(text(parser.value()?, "--region")?),
            Long("role-arn") => a.role_arn = Some(text(parser.value()?, "--role-arn")?),
            Long("role-session-name") => {
                a.role_session_name = Some(text(parser.value()?, "--role-session-name")?)
            }
            Long("external-id") => a.external_id = Some(text(parser.value()?, "--external-id")?),
            Long("write-profile") => {
                a.write_profile = Some(text(parser.value()?, "--write-profile")?)
            }
            Long("overwrite-long-term") => a.overwrite_long_term = true,
            Long("min-remaining") => {
                a.min_remaining = Some(parse_span(&text(parser.value()?, "--min-remaining")?)?)
            }
            Long("force") => a.force = true,
            Long("no-cache") => a.no_cache = true,
            Long("unset") => a.mode = Mode::Unset,
            Long("forget") => a.forget = true,
            Long("cmd") => a.cmd = Some(text(parser.value()?, "--cmd")?),
            Short('h') | Long("help") => {
                return Ok(Args {
                    mode: Mode::Help,
                    ..a
                });
            }
            Short('V') | Long("version") => {
                return Ok(Args {
                    mode: Mode::Version,
                    ..a
                });
            }
            Value(word) if !seen_positional && a.mode == Mode::Export => {
                seen_positional = true;
                match word.to_str() {
                    Some("init") => {
                        let name = text(parser.value().map_err(|_| init_needs_shell())?, "init")?;
                        a.mode = Mode::Init(init_shell(&name)?);
                    }
                    Some("status") => a.mode = Mode::Status,
                    _ => {
                        return Err(Error::usage(format!(
                            "unknown command '{}': mfa-env takes options, or `init SHELL`, or `status` (see mfa-env --help)",
                            word.to_string_lossy()
                        )));
                    }
                }
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    check_combinations(&a)?;
    Ok(a)
}

fn check_combinations(a: &Args) -> Result<()> {
    let misplaced =
        |flag: &str, home: &str| Err(Error::usage(format!("{flag} only works with {home}")));
    if a.forget && a.mode != Mode::Unset {
        return misplaced("--forget", "--unset");
    }
    if a.cmd.is_some() && !matches!(a.mode, Mode::Init(_)) {
        return misplaced("--cmd", "init");
    }
    if a.overwrite_long_term && a.write_profile.is_none() {
        return misplaced("--overwrite-long-term", "--write-profile");
    }
    if a.force && a.no_cache {
        return Err(Error::usage(
            "--force and --no-cache contradict each other: pick one",
        ));
    }
    if matches!(a.mode, Mode::Unset | Mode::Init(_) | Mode::Status) && a.code.is_some() {
        return Err(Error::usage(
            "an MFA code is only needed to get credentials, not here",
        ));
    }
    Ok(())
}

fn text(value: OsString, flag: &str) -> Result<String> {
    value
        .into_string()
        .map_err(|v| Error::usage(format!("{flag} got non-UTF-8 text {}", v.to_string_lossy())))
}

/// Exactly six ASCII digits; the code itself never appears in a message.
pub fn check_code(code: &str) -> Result<&str> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(Error::usage(
            "the MFA code must be exactly 6 digits, as your device shows it: pass --token-code 123456",
        ))
    }
}

/// STS's own bounds for GetSessionToken; the root user's lower limit is reported by STS.
pub const DURATION_RANGE: std::ops::RangeInclusive<i32> = 900..=129_600;

pub fn check_duration(text: &str) -> Result<i32> {
    match text.parse::<i32>() {
        Ok(n) if DURATION_RANGE.contains(&n) => Ok(n),
        _ => Err(Error::usage(format!(
            "duration '{text}' is out of range: pass --duration-seconds between 900 and 129600 (43200 is 12 hours)"
        ))),
    }
}

/// `90`, `90s`, `15m`, `1h`, `1h30m` as seconds.
pub fn parse_span(text: &str) -> Result<i64> {
    let bad = || {
        Error::usage(format!(
            "--min-remaining '{text}' is not a time: use e.g. 90s, 15m or 1h"
        ))
    };
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        total = number
            .parse::<i64>()
            .ok()
            .and_then(|n| total.checked_add(n))
            .ok_or_else(bad)?;
    }
    if text.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

fn init_shell(name: &str) -> Result<InitShell> {
    Ok(match name {
        "bash" => InitShell::Bash,
        "zsh" => InitShell::Zsh,
        "fish" => InitShell::Fish,
        "powershell" | "pwsh" => InitShell::PowerShell,
        "cmd" => InitShell::Cmd,
        _ => return Err(init_needs_shell()),
    })
}

fn init_needs_shell() -> Error {
    Error::usage("init needs a shell: mfa-env init bash|zsh|fish|powershell|cmd")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Args> {
        parse(line.split_whitespace().map(OsString::from))
    }

    #[test]
    fn reads_every_flag() {
        let a = args("-s fish -p work --serial-number GAHT12345678 -t 012345 -d 3600 --region eu-west-1 --write-profile mfa --overwrite-long-term --min-remaining 1h30m --force").unwrap();
        assert_eq!(a.shell, Some(Shell::Fish));
        assert_eq!(a.profile.as_deref(), Some("work"));
        assert_eq!(a.serial.as_deref(), Some("GAHT12345678"));
        assert_eq!(a.code, Some(CodeSource::Given("012345".into())));
        assert_eq!(a.duration, Some(3600));
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        assert_eq!(a.min_remaining, Some(5400));
        assert!(a.force && a.overwrite_long_term);
        assert_eq!(
            args("--token-code=-").unwrap().code,
            Some(CodeSource::Stdin)
        );
        assert_eq!(args("--shell pwsh").unwrap().shell, Some(Shell::PowerShell));
    }

    #[test]
    fn subcommands() {
        assert_eq!(
            args("init zsh --cmd aws-mfa").unwrap().mode,
            Mode::Init(InitShell::Zsh)
        );
        assert_eq!(args("status -p x").unwrap().mode, Mode::Status);
        assert_eq!(args("--unset --forget").unwrap().mode, Mode::Unset);
        assert_eq!(args("-h --bogus").unwrap().mode, Mode::Help);
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
            "frobnicate",
            "--forget",
            "--cmd x",
            "--force --no-cache",
            "--min-remaining 5x",
            "--unset -t 123456",
            "-p",
        ] {
            let err = args(line).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{line}: {err}");
        }
        let err = args("-t 98765").unwrap_err().to_string();
        assert!(err.contains("6 digits") && !err.contains("98765"), "{err}");
        assert!(
            args("-d 899")
                .unwrap_err()
                .to_string()
                .contains("900 and 129600")
        );
    }

    #[test]
    fn spans() {
        assert_eq!(parse_span("90").unwrap(), 90);
        assert_eq!(parse_span("15m").unwrap(), 900);
        assert_eq!(parse_span("2h").unwrap(), 7200);
        assert!(parse_span("").is_err());
        assert!(parse_span("m").is_err());
    }
}
