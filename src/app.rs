//! One run, start to end: arguments → settings → cached or fresh credentials → rendered text →
//! stdout. Only finished, checked text is ever written, so an `eval` never half-applies.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_sdk_sts::config::Credentials as Keys;

use crate::cache::{Cache, Key};
use crate::cli::{self, Args, CodeSource, Mode};
use crate::credentials_file;
use crate::creds::Credentials;
use crate::error::{Error, Result};
use crate::init;
use crate::render;
use crate::settings::{self, Settings};
use crate::shell::Shell;
use crate::sts;
use crate::time;
use crate::totp::Totp;

/// Role chaining (AssumeRole signed by a session) is capped by AWS at one hour.
const CHAINED_MAX: i32 = 3600;
const ROLE_DURATION: std::ops::RangeInclusive<i32> = 900..=43_200;

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode> {
    let args = cli::parse(args)?;
    match args.mode {
        Mode::Help => output(cli::USAGE),
        Mode::Version => output(&format!("mfa-env {}\n", env!("CARGO_PKG_VERSION"))),
        Mode::Init(shell) => output(&init::render(shell, args.cmd.as_deref())?),
        Mode::Unset => unset(&args),
        Mode::Status => status(&args),
        Mode::Export => export(&args),
    }
}

/// Writes everything at once; a closed stdout fails quietly (nobody is left to read why).
fn output(text: &str) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|_| Error::Quiet)?;
    Ok(ExitCode::SUCCESS)
}

fn note(message: &str) {
    eprintln!("mfa-env: {message}");
}

fn unset(args: &Args) -> Result<ExitCode> {
    let text = render::unsets(args.shell.unwrap_or_else(Shell::detect))?;
    if args.forget
        && let Some(cache) = Cache::open()
    {
        cache.forget(&settings::label(args))?;
    }
    output(&text)
}

fn status(args: &Args) -> Result<ExitCode> {
    let settings = settings::resolve(args)?;
    let label = &settings.label;
    let cached = Cache::open().and_then(|c| c.load(&Key::new(&settings)));
    let (message, valid) = match cached {
        Some(c) if c.seconds_left() > 0 => (
            format!(
                "{label}: {} left, expires {}",
                time::format_remaining(c.seconds_left()),
                time::format_utc(c.expiration)
            ),
            true,
        ),
        Some(c) => (
            format!(
                "{label}: the cached session expired at {}",
                time::format_utc(c.expiration)
            ),
            false,
        ),
        None => (format!("{label}: no cached session"), false),
    };
    eprintln!("{message}");
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn export(args: &Args) -> Result<ExitCode> {
    let shell = args.shell.unwrap_or_else(Shell::detect);
    // Everything that can be refused is refused before a code is spent.
    let github_env = match shell {
        Shell::Github => Some(github_env_path()?),
        _ => None,
    };
    let settings = settings::resolve(args)?;
    let profile_target = match &args.write_profile {
        Some(name) => Some((
            credentials_file::check_target(&settings, name, args.overwrite_long_term)?,
            name,
        )),
        None => None,
    };
    let cache = if args.no_cache { None } else { Cache::open() };
    let key = Key::new(&settings);
    let min_remaining = args.min_remaining.unwrap_or(cli::DEFAULT_MIN_REMAINING);
    let cached = match &cache {
        Some(cache) if !args.force => cache
            .load(&key)
            .filter(|c| c.seconds_left() > min_remaining),
        _ => None,
    };
    let creds = match cached {
        Some(creds) => creds,
        None => {
            let creds = fetch(args, &settings, cache.as_ref())?;
            if let Some(Err(e)) = cache.as_ref().map(|c| c.store(&key, &creds)) {
                note(&format!(
                    "{e} (the credentials are fine; only reuse is lost)"
                ));
            }
            creds
        }
    };
    let rendered = render::exports(shell, &creds)?;
    if let Some((path, name)) = profile_target {
        credentials_file::write(&path, name, &creds)?;
    }
    if let Some(path) = github_env {
        append_github_env(&path, &rendered.github_env)?;
    }
    if !rendered.stdout.is_empty() && std::io::stdout().is_terminal() {
        note(
            "these lines change nothing by themselves: evaluate them (mfa-env --help, EXAMPLES) or use `mfa` from `mfa-env init SHELL`",
        );
    }
    output(&rendered.stdout)
}

/// New credentials from STS: AssumeRole for a role, else GetSessionToken.
fn fetch(args: &Args, settings: &Settings, cache: Option<&Cache>) -> Result<Credentials> {
    let serial = settings
        .serial
        .as_deref()
        .ok_or_else(|| no_serial(settings))?;
    let totp = match &args.code {
        Some(CodeSource::TotpEnv(var)) => Some(Totp::from_env(var)?),
        _ => None,
    };
    let runtime = sts::runtime()?;

    if let Some(role) = &settings.role {
        // A cached MFA session of the source profile signs the AssumeRole: no new code needed.
        let session = cache
            .filter(|_| !args.force)
            .and_then(|c| c.load(&Key::source_session(settings)))
            .filter(|s| s.seconds_left() > 60);
        if let Some(session) = session {
            let duration = match settings.duration {
                Some(asked) if asked > CHAINED_MAX => {
                    note(&format!(
                        "assuming {} from the cached MFA session: AWS caps a chained role session at 1 hour, so it lasts 3600 s, not {asked}",
                        role.arn
                    ));
                    Some(CHAINED_MAX)
                }
                asked => asked,
            };
            let keys = Keys::new(
                session.access_key_id,
                session.secret_access_key,
                Some(session.session_token),
                None,
                "mfa-env cache",
            );
            let client = sts::Client::new(settings, keys);
            return Ok(runtime.block_on(client.assume_role(role, None, duration))?);
        }
        if let Some(d) = settings.duration.filter(|d| !ROLE_DURATION.contains(d)) {
            return Err(Error::usage(format!(
                "a role session lasts 900 to 43200 seconds, not {d}: pass a smaller --duration-seconds"
            )));
        }
    }

    let keys = runtime.block_on(sts::long_term_keys(settings))?;
    let client = sts::Client::new(settings, keys);
    let (mut code, mut step) = match (&args.code, &totp) {
        (Some(CodeSource::Given(code)), _) => (code.clone(), None),
        (Some(CodeSource::Stdin), _) => (read_stdin_code()?, None),
        (_, Some(totp)) => {
            let now = totp.now();
            (now.code, Some(now.step))
        }
        (_, None) => (ask_code(serial)?, None),
    };
    loop {
        let result = match &settings.role {
            Some(role) => {
                runtime.block_on(client.assume_role(role, Some((serial, &code)), settings.duration))
            }
            None => runtime.block_on(client.session_token(serial, &code, settings.duration)),
        };
        match (result, &totp, step) {
            // AWS refuses a code used twice in its window: one more try with the next one.
            (Err(failure), Some(totp), Some(used)) if failure.code_rejected => {
                note("STS refused the TOTP code (perhaps already used); trying the next one");
                let next = totp.after(used);
                (code, step) = (next.code, None);
            }
            (result, ..) => return Ok(result?),
        }
    }
}

fn no_serial(settings: &Settings) -> Error {
    Error::usage(format!(
        "no MFA device for '{}': pass --serial-number ARN, set AWS_MFA_SERIAL, or add mfa_serial = ARN to the profile in ~/.aws/config",
        settings.label
    ))
}

/// One line from stdin (`--token-code -`).
fn read_stdin_code() -> Result<String> {
    let mut line = String::new();
    let read = std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::new(format!("cannot read the MFA code from stdin: {e}")))?;
    if read == 0 {
        return Err(Error::usage(
            "--token-code - found no line on stdin: pipe the 6-digit code into mfa-env",
        ));
    }
    cli::check_code(line.trim_end_matches(['\n', '\r'])).map(str::to_owned)
}

/// Asks on the controlling terminal, never stdout, without echo.
fn ask_code(serial: &str) -> Result<String> {
    let no_terminal = || {
        Error::usage(
            "no terminal to ask for the MFA code: pass --token-code CODE or --token-code - to read it from stdin",
        )
    };
    // rpassword would report a missing terminal in less helpful words.
    #[cfg(unix)]
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| no_terminal())?;
    let code =
        rpassword::prompt_password(format!("MFA code for {serial}: ")).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::Interrupted => Error::new("cancelled"),
                _ => Error::usage(format!(
                    "could not read the MFA code from the terminal ({e}): pass --token-code CODE or --token-code - to read it from stdin"
                )),
            }
        })?;
    cli::check_code(code.trim()).map(str::to_owned)
}

fn github_env_path() -> Result<PathBuf> {
    std::env::var_os("GITHUB_ENV").filter(|p| !p.is_empty()).map(PathBuf::from).ok_or_else(|| {
        Error::usage("--shell github writes to the file named by $GITHUB_ENV, which is not set: run it in a GitHub Actions step")
    })
}

/// Appends without disturbing what is there: a heredoc must start on a line of its own.
fn append_github_env(path: &Path, text: &str) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::new(format!(
            "cannot append to $GITHUB_ENV ({}): {e}",
            path.display()
        ))
    };
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(fail)?;
    let mut last = [b'\n'];
    if file.metadata().map_err(fail)?.len() > 0 {
        file.seek(SeekFrom::End(-1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(fail)?;
    }
    let separator = if last[0] == b'\n' { "" } else { "\n" };
    file.write_all(format!("{separator}{text}").as_bytes())
        .map_err(fail)
}
