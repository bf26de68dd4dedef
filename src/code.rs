//! Where the MFA code comes from: `--token-code`, one line of stdin, a TOTP seed in the
//! environment, or a prompt on the terminal. Every source is checked before a network call, and
//! no code or seed ever appears in a message.

use std::io::Read;

use crate::checks;
use crate::cli::CodeSource;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::platform;
use crate::totp::{Clock, SystemClock, Totp};

/// More than any line holding a code; a longer one is refused, not read on.
const MAX_LINE: usize = 256;

enum Source {
    /// No code may be asked for (a renewal, with nobody there).
    Never,
    Given(String),
    Stdin,
    Totp {
        totp: Totp,
        var: String,
    },
    Prompt,
}

/// The codes of one run: the first, and for a TOTP seed a next one when STS refused the first.
pub(crate) struct Codes {
    source: Source,
    clock: Box<dyn Clock>,
    /// The TOTP step of the code last given out.
    step: Option<u64>,
}

impl Codes {
    /// Checks what can be checked before anything is sent: a TOTP seed must be there and valid.
    pub(crate) fn new(source: Option<&CodeSource>, env: &Environment) -> Result<Codes> {
        let source = match source {
            Some(CodeSource::Given(code)) => Source::Given(code.clone()),
            Some(CodeSource::Stdin) => Source::Stdin,
            Some(CodeSource::TotpEnv(var)) => {
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
            }
            None => Source::Prompt,
        };
        Ok(Codes {
            source,
            clock: clock(env),
            step: None,
        })
    }

    /// Codes that are never there: for calls that must not need one.
    pub(crate) fn none() -> Codes {
        Codes {
            source: Source::Never,
            clock: Box::new(SystemClock),
            step: None,
        }
    }

    /// The code to send for `serial`, asked for `label`'s session.
    pub(crate) fn first(&mut self, serial: &str, label: &str) -> Result<String> {
        match &self.source {
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
            Source::Prompt => ask(serial, label),
        }
    }

    /// After STS refused a code: the next one, where there is a next one (a TOTP seed's).
    pub(crate) fn next(&mut self) -> Option<String> {
        let (Source::Totp { totp, var }, Some(used)) = (&self.source, self.step.take()) else {
            return None;
        };
        eprintln!(
            "mfa-env: STS refused the code from {var} (perhaps already used); trying the next one"
        );
        Some(totp.after(used, self.clock.as_ref()).code)
    }
}

/// The system clock; debug builds let tests start it elsewhere and skip its waits.
fn clock(env: &Environment) -> Box<dyn Clock> {
    #[cfg(debug_assertions)]
    if let Some(start) = env
        .text("MFA_ENV_TEST_NOW")
        .ok()
        .flatten()
        .and_then(|s| s.parse::<f64>().ok())
    {
        return Box::new(test_clock::Virtual::starting(start));
    }
    let _ = env;
    Box::new(SystemClock)
}

#[cfg(debug_assertions)]
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

    impl crate::totp::Clock for Virtual {
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

/// Asks on the controlling terminal, never stdout, without echo; the terminal's mode is
/// restored on every way out, signals included.
fn ask(serial: &str, label: &str) -> Result<String> {
    let no_terminal = || {
        Error::new(
            "no terminal to ask for the MFA code: pass --token-code CODE, or --token-code - to read it from stdin",
        )
    };
    let guard = platform::TerminalGuard::open().ok_or_else(no_terminal)?;
    let prompt = format!("MFA code for {} ({}): ", shown(label), shown(serial));
    let typed = rpassword::prompt_password(prompt);
    let code = match typed {
        Ok(code) => code,
        Err(e) => {
            // The prompt's line is still open: messages start on a line of their own.
            guard.newline();
            return Err(match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Error::new(
                    "no MFA code was typed (end of input): run again and type the 6 digits",
                ),
                _ => Error::new(format!(
                    "could not read the MFA code from the terminal ({e}): pass --token-code CODE or --token-code - to read it from stdin"
                )),
            });
        }
    };
    drop(guard);
    checks::code(&code).map_err(|why| {
        Error::new(format!(
            "the MFA code typed is wrong: {why}; run again and type the 6 digits your device shows"
        ))
    })
}
