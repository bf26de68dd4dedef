//! Where the MFA code comes from, in this order: `--token-code`, a TOTP seed
//! (`--totp-secret-env`), a command that prints it (`--token-command`, else the profile's
//! `mfa_process`), else a person: on the terminal, or in a desktop dialog (`--prompt`, else
//! `mfa_prompt`; by default the terminal when there is one, else a dialog). Every source is
//! checked before a network call, and no code or seed ever appears in a message.

mod dialog;
mod totp;
mod watched;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::checks;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::output;
use crate::platform;
use crate::request::{CodeSource, Obtain, Prompt};
use dialog::Desktop;
use totp::{Clock, SystemClock, Totp};
use watched::{Ended, Watched};

/// More than any line holding a code; a longer one is refused, not read on.
const MAX_LINE: usize = 256;
/// A command or a dialog may wait this long for a person (a touch, a typed code).
const PATIENCE: Duration = Duration::from_secs(120);
/// Codes a person may type at the terminal in one run, typos and refused codes together.
const TERMINAL_TRIES: u32 = 3;

enum Source {
    /// No code may be asked for (a renewal, with nobody there).
    Never,
    Given(String),
    Stdin,
    Totp {
        totp: Totp,
        var: String,
    },
    /// A command that prints the code; `origin` names it in messages.
    Command {
        command: String,
        origin: String,
    },
    /// A person, where `prompt` says (`None`: the terminal, else a dialog).
    Person(Option<Prompt>),
}

/// The codes of one run: the first, and a next one when STS refused the first: for a TOTP
/// seed or a command the next window's (the first was perhaps already used), for a person at
/// the terminal another one typed (up to `TERMINAL_TRIES` in all).
pub(crate) struct Codes {
    source: Source,
    clock: Box<dyn Clock>,
    /// The TOTP step of the code last given out.
    step: Option<u64>,
    last: Option<String>,
    /// Once a person was asked at the terminal: the prompt, and the codes typed so far.
    terminal: Option<(String, u32)>,
    /// Whether a program runs mfa-env for the session (a `credential_process`).
    for_a_program: bool,
    patience: Duration,
    env: Environment,
}

impl Codes {
    /// Picks the source by precedence and checks what can be checked before anything is sent.
    /// `mfa_process` and `mfa_prompt` are the profile's settings of those names.
    pub(crate) fn new(
        obtain: &Obtain,
        mfa_process: Option<&str>,
        mfa_prompt: Option<Prompt>,
        env: &Environment,
    ) -> Result<Codes> {
        let source = if let Some(code) = &obtain.code {
            match code {
                CodeSource::Given(code) => Source::Given(code.clone()),
                CodeSource::Stdin => Source::Stdin,
            }
        } else if let Some(var) = &obtain.totp_env {
            let seed = env.text(var)?.ok_or_else(|| {
                Error::new(format!(
                    "--totp-secret-env names {var}, which is not set: set {var} to the virtual MFA device's base32 seed (in CI, from the job's secrets)"
                ))
            })?;
            let totp = Totp::from_seed(seed).ok_or_else(|| {
                Error::new(format!(
                    "the TOTP seed in {var} is not base32 (A-Z and 2-7, at least 16 of them, = padding at the end): copy the secret key shown when the virtual MFA device was created"
                ))
            })?;
            Source::Totp {
                totp,
                var: var.clone(),
            }
        } else if let Some(command) = &obtain.token_command {
            Source::Command {
                command: command.clone(),
                origin: "--token-command".to_owned(),
            }
        } else if let Some(process) = mfa_process {
            Source::Command {
                command: process.to_owned(),
                origin: "mfa_process".to_owned(),
            }
        } else {
            Source::Person(obtain.prompt.or(mfa_prompt))
        };
        Ok(Codes {
            source,
            clock: clock(env),
            step: None,
            last: None,
            terminal: None,
            for_a_program: obtain.for_a_program,
            patience: patience(env),
            env: env.clone(),
        })
    }

    /// Whether the code comes from a source someone set up (a flag, a seed, a command), rather
    /// than from asking a person when one is needed.
    pub(crate) fn is_arranged(&self) -> bool {
        matches!(
            self.source,
            Source::Given(_) | Source::Stdin | Source::Totp { .. } | Source::Command { .. }
        )
    }

    /// Codes that are never there: for calls that must not need one.
    pub(crate) fn none() -> Codes {
        Codes {
            source: Source::Never,
            clock: Box::new(SystemClock),
            step: None,
            last: None,
            terminal: None,
            for_a_program: false,
            patience: PATIENCE,
            env: Environment::default(),
        }
    }

    /// The code to send for `serial`, asked for `label`'s session.
    pub(crate) fn first(&mut self, serial: &str, label: &str) -> Result<String> {
        let code = match &self.source {
            Source::Never => Err(Error::new(format!(
                "renewing the session for '{}' would need an MFA code, and nobody is asked here",
                shown(label)
            ))),
            Source::Given(code) => Ok(code.clone()),
            Source::Stdin => read_stdin_code(),
            Source::Totp { totp, .. } => {
                let code = totp.now(self.clock.as_ref());
                self.step = Some(code.step);
                Ok(code.code)
            }
            Source::Command { command, origin } => {
                run_for_code(command, origin, self.patience, &self.env)
            }
            Source::Person(prompt) => {
                let text = format!("MFA code for {} ({})", shown(label), shown(serial));
                let prompt = *prompt;
                self.ask_person(prompt, text)
            }
        }?;
        self.last = Some(code.clone());
        Ok(code)
    }

    /// After STS refused a code as used: the next one, where a source has a next one (a
    /// TOTP seed's next step; a command run again in the next 30-second step).
    pub(crate) fn next(&mut self) -> Option<Result<String>> {
        match &self.source {
            Source::Totp { totp, var } => {
                let used = self.step.take()?;
                output::note(&format!(
                    "STS refused the code from {var} (perhaps already used); trying the next one"
                ));
                Some(Ok(totp.after(used, self.clock.as_ref()).code))
            }
            Source::Command { command, origin } => {
                let used = self.last.take()?;
                output::note(&format!(
                    "STS refused the code from {origin} (perhaps already used); running it again for the next one"
                ));
                // Devices make a new code every 30 seconds: wait for the next step.
                let now = self.clock.since_epoch().as_secs_f64();
                let wait = 30.0 - now % 30.0;
                self.clock.sleep(Duration::from_secs_f64(wait));
                Some(run_for_code(command, origin, self.patience, &self.env).and_then(|code| {
                    if code == used {
                        Err(Error::new(format!(
                            "{origin} printed the same code again: check its device, then run again"
                        )))
                    } else {
                        Ok(code)
                    }
                }))
            }
            Source::Person(_) => {
                let (text, tries) = self.terminal.take()?;
                let refused = self.last.take()?;
                let again = Terminal {
                    text,
                    tries,
                    refused: Some(refused),
                };
                let result = again.ask()?;
                self.terminal = result.as_ref().ok().map(|(_, asked)| asked.clone());
                Some(result.map(|(code, _)| {
                    self.last = Some(code.clone());
                    code
                }))
            }
            Source::Never | Source::Given(_) | Source::Stdin => None,
        }
    }

    /// Asks a person: on the terminal or in a dialog, as `prompt` says (`None`: the terminal if
    /// there is one, else a dialog if one can be shown).
    fn ask_person(&mut self, prompt: Option<Prompt>, text: String) -> Result<String> {
        let for_a_program = self.for_a_program;
        let no_terminal = || {
            Error::new(if for_a_program {
                "no terminal to ask for the MFA code, as a credential_process: set mfa_process = COMMAND (one that prints the code) in the profile, add --prompt gui to ask in a dialog, or run mfa-env in a terminal first (its cached session is used here without a code)"
            } else {
                "no terminal to ask for the MFA code: pass --token-code CODE, or --token-code - to read it from stdin"
            })
        };
        let (patience, env) = (self.patience, &self.env);
        let dialog = || {
            let invocation =
                dialog::invocation(Desktop::this(), &text, env, |p| platform::on_path(p, env))?;
            Some(ask_dialog(&invocation, patience))
        };
        let first = Terminal {
            text: text.clone(),
            tries: 0,
            refused: None,
        };
        let at_terminal = match prompt {
            Some(Prompt::Nowhere) => {
                return Err(Error::new(
                    "no MFA code source and --prompt none (or mfa_prompt = none): pass --token-code CODE, --token-code -, --totp-secret-env VAR or --token-command CMD",
                ));
            }
            Some(Prompt::Terminal) => first.ask().ok_or_else(no_terminal)?,
            Some(Prompt::Gui) => {
                return dialog()
                    .ok_or_else(no_desktop)?
                    .and_then(|code| code.ok_or_else(no_desktop));
            }
            None => match first.ask() {
                Some(result) => result,
                None => {
                    return dialog()
                        .ok_or_else(no_terminal)?
                        .and_then(|code| code.ok_or_else(no_terminal));
                }
            },
        };
        let (code, asked) = at_terminal?;
        self.terminal = Some(asked);
        Ok(code)
    }
}

/// How long a command or a dialog may take; debug builds let tests shorten it
/// (`MFA_ENV_TEST_PATIENCE_MS`).
fn patience(env: &Environment) -> Duration {
    crate::test_hooks::patience_ms(env).map_or(PATIENCE, Duration::from_millis)
}

/// Runs `command` through the platform's shell and takes the code from the last non-empty line
/// it prints. Its stderr reaches the person ("touch your YubiKey"), its stdin is the terminal
/// when there is one; what it prints on stdout is never shown.
fn run_for_code(
    command: &str,
    origin: &str,
    patience: Duration,
    env: &Environment,
) -> Result<String> {
    let shown_command = shown(command);
    let named = format!("{origin} '{shown_command}'");
    #[cfg(windows)]
    let mut process = {
        let mut c = Command::new("cmd");
        c.args(["/c", command]);
        c
    };
    #[cfg(not(windows))]
    let mut process = {
        let mut c = Command::new("sh");
        c.args(["-c", command]);
        c
    };
    process
        .env_clear()
        .envs(env.vars())
        .stdin(platform::terminal_input().unwrap_or_else(Stdio::null));
    let watched = Watched::spawn(process, 64 * 1024, true)
        .map_err(|e| Error::new(format!("cannot run {named}: {e}")))?;
    // Done once the last line printed is a code: what it left running may hold the pipe.
    let complete = |printed: &[u8]| {
        printed.ends_with(b"\n")
            && last_line(&String::from_utf8_lossy(printed)).is_some_and(|l| checks::code(l).is_ok())
    };
    let (status, printed, last_error) = match watched.wait(patience, complete) {
        Ended::Exited {
            status,
            printed,
            last_error,
        } => (status, printed, last_error),
        Ended::TimedOut => {
            return Err(Error::new(format!(
                "{named} did not finish within {}, so it was stopped: check that it can run without a question",
                crate::durations::format_remaining(patience.as_secs() as i64)
            )));
        }
    };
    if !status.success() {
        #[cfg(unix)]
        if let Some(signal @ (libc::SIGINT | libc::SIGQUIT)) =
            std::os::unix::process::ExitStatusExt::signal(&status)
        {
            return Err(Error::Exit(
                crate::error::exit::signal(signal),
                format!("{named} was interrupted; nothing was printed"),
            ));
        }
        let exit = status
            .code()
            .map_or_else(|| "ended by a signal".to_owned(), |c| format!("exit {c}"));
        let said = if last_error.is_empty() {
            String::new()
        } else {
            format!(": {}", shown(&last_error))
        };
        return Err(Error::new(format!("{named} failed ({exit}){said}")));
    }
    let text = String::from_utf8_lossy(&printed);
    let line =
        last_line(&text).ok_or_else(|| Error::new(format!("{named} printed no MFA code")))?;
    checks::code(line).map_err(|why| {
        Error::new(format!(
            "{named} printed a last line that is no MFA code ({why}): make it print the 6 digits"
        ))
    })
}

/// The last line of `text` that is not blank.
fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().find(|l| !l.trim().is_empty())
}

fn no_desktop() -> Error {
    Error::new(
        "no desktop to show the code dialog in (DISPLAY or WAYLAND_DISPLAY, and zenity or kdialog): pass --token-code CODE, or --prompt terminal",
    )
}

/// Shows the dialog and reads the code it returns; `None` when no dialog could be shown (the
/// program ended at once, saying nothing, as where there is no desktop).
fn ask_dialog(invocation: &dialog::Invocation, patience: Duration) -> Result<Option<String>> {
    let mut command = Command::new(&invocation.program);
    command
        .args(&invocation.args)
        .envs(invocation.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null());
    let watched = Watched::spawn(command, 4096, false).map_err(|e| {
        Error::new(format!(
            "cannot show the code dialog ({}): {e}",
            invocation.program
        ))
    })?;
    let (status, printed) = match watched.wait(patience, |_| false) {
        Ended::Exited {
            status, printed, ..
        } => (status, printed),
        Ended::TimedOut => {
            return Err(Error::new(format!(
                "nobody answered the code dialog within {}; nothing was printed",
                crate::durations::format_remaining(patience.as_secs() as i64)
            )));
        }
    };
    match status.code() {
        Some(0) => {}
        Some(1) => {
            return Err(Error::new(
                "the code dialog was cancelled; nothing was printed",
            ));
        }
        code => {
            return Err(Error::new(format!(
                "the code dialog ({}) failed ({}); pass --token-code CODE instead",
                invocation.program,
                code.map_or_else(|| "a signal".to_owned(), |c| format!("exit {c}"))
            )));
        }
    }
    if printed.is_empty() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&printed);
    checks::code(text.lines().next_back().unwrap_or_default())
        .map(Some)
        .map_err(|why| {
            Error::new(format!(
                "the MFA code typed in the dialog is wrong: {why}; run again and type the 6 digits your device shows"
            ))
        })
}

/// The system clock; debug builds let tests start it elsewhere and skip its waits.
fn clock(env: &Environment) -> Box<dyn Clock> {
    match crate::test_hooks::now(env) {
        Some(start) => Box::new(test_clock::Virtual::starting(start)),
        None => Box::new(SystemClock),
    }
}

mod test_clock {
    use std::cell::Cell;
    use std::time::Duration;

    /// Test builds only (`MFA_ENV_TEST_NOW=SECONDS`): a clock that starts there and whose waits
    /// take no time, so that TOTP tests need not wait for real 30-second windows.
    pub(super) struct Virtual(Cell<Duration>);

    impl Virtual {
        pub(super) fn starting(secs: f64) -> Virtual {
            Virtual(Cell::new(Duration::from_secs_f64(secs)))
        }
    }

    impl crate::code::totp::Clock for Virtual {
        fn since_epoch(&self) -> Duration {
            self.0.get()
        }
        fn sleep(&self, duration: Duration) {
            self.0.set(self.0.get() + duration);
        }
    }
}

/// One line of stdin (`--token-code -`), read byte by byte so that not one byte after it is
/// consumed: under `exec` the rest of stdin belongs to the command.
fn read_stdin_code() -> Result<String> {
    let mut line = Vec::new();
    let mut stdin = platform::raw_stdin();
    let mut byte = [0u8; 1];
    loop {
        match stdin.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot read the MFA code from stdin: {e}"
                )));
            }
        }
        if line.len() > MAX_LINE {
            return Err(Error::new(format!(
                "--token-code - read more than {MAX_LINE} bytes without a line end: pipe only the 6-digit code"
            )));
        }
    }
    if line.is_empty() {
        return Err(Error::new(
            "--token-code - found no line on stdin: pipe the 6-digit code into mfa-env",
        ));
    }
    let text = String::from_utf8(line)
        .map_err(|_| Error::new("the MFA code read from stdin is not text: pipe the 6 digits"))?;
    checks::code(&text).map_err(|why| {
        Error::new(format!(
            "the MFA code read from stdin is wrong: {why}; pipe the 6 digits your device shows"
        ))
    })
}

/// A question at the terminal: its prompt, the codes typed so far in this run, and the code STS
/// just refused, if it did.
struct Terminal {
    text: String,
    tries: u32,
    refused: Option<String>,
}

impl Terminal {
    /// Asks on the controlling terminal, never stdout, without echo, again after a typo while
    /// tries are left; the terminal's mode is restored on every way out, signals included.
    /// `None` when there is no terminal, or no try left. With the code, the prompt and the
    /// tries so far, for a next question.
    fn ask(self) -> Option<Result<(String, (String, u32))>> {
        if self.tries >= TERMINAL_TRIES {
            return None;
        }
        let mut tries = self.tries;
        let mut why_again = self
            .refused
            .as_ref()
            .map(|_| "that code was not accepted; wait for the next one".to_owned());
        loop {
            tries += 1;
            // The reason for asking again, on the terminal with the prompt it explains.
            let prompt = match &why_again {
                Some(why) => format!("{why}\n{}: ", self.text),
                None => format!("{}: ", self.text),
            };
            let typed = match platform::ask_hidden(&prompt)? {
                Ok(typed) => typed,
                Err(e) => return Some(Err(unread(&e))),
            };
            let last_try = tries >= TERMINAL_TRIES;
            match checks::code(&typed) {
                Ok(code) if self.refused.as_ref() == Some(&code) && !last_try => {
                    why_again =
                        Some("that is the code STS just refused; wait for the next one".into());
                }
                Ok(code) => return Some(Ok((code, (self.text, tries)))),
                Err(why) if !last_try => {
                    why_again = Some(format!("that is not a 6-digit code ({why}); type it again"));
                }
                Err(why) => {
                    return Some(Err(Error::new(format!(
                        "the MFA code typed is wrong: {why}; run again and type the 6 digits your device shows"
                    ))));
                }
            }
        }
    }
}

/// Why nothing could be read at the prompt.
fn unread(e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            Error::new("no MFA code was typed (end of input): run again and type the 6 digits")
        }
        _ => Error::new(format!(
            "could not read the MFA code from the terminal ({e}): pass --token-code CODE or --token-code - to read it from stdin"
        )),
    }
}
