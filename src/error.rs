//! The one error type, and the one table of exit codes. Every failure is a value carrying a
//! complete one-line message that names the fix; `main` prints it once as `mfa-env: <message>`.

use std::borrow::Cow;
use std::fmt;

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes: the rule lives here and nowhere else. `2` means the command line itself is wrong;
/// `1` means anything found in files, the environment, the terminal or the network.
pub(crate) mod exit {
    pub(crate) const FAILED: u8 = 1;
    pub(crate) const USAGE: u8 = 2;
    /// `exec`: the command is there but cannot be run.
    pub(crate) const CANNOT_RUN: u8 = 126;
    /// `exec`: no such command.
    pub(crate) const NOT_FOUND: u8 = 127;
    /// Ctrl+C (Ctrl+Break) at a Windows console prompt, as shells report SIGINT.
    #[cfg(windows)]
    pub(crate) const INTERRUPTED: u32 = 130;

    /// A signal ended the run (at the prompt, or `exec`'s command): 128 + its number, as
    /// shells report it.
    pub(crate) const fn signal(number: i32) -> u8 {
        (128 + number) as u8
    }

    /// Our status for a command that ended with `code`, or was ended by `signal`: its own,
    /// as a shell would report it (the low byte, 128+N for a signal, else 1).
    pub(crate) fn of_command(code: Option<i32>, signal: Option<i32>) -> u8 {
        match (code, signal) {
            (Some(code), _) => (code & 0xff) as u8,
            (None, Some(number)) => self::signal(number),
            (None, None) => FAILED,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Error {
    /// The command line itself is wrong.
    Usage(String),
    /// Anything else that stops a run.
    Failed(String),
    /// A run that ends with its own exit code (`exec`: 126, 127).
    Exit(u8, String),
    /// Stdout is gone (a closed pipe): nobody is left to read a message.
    Quiet,
}

impl Error {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error::Failed(message.into())
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Failed(_) | Error::Quiet => exit::FAILED,
            Error::Exit(code, _) => *code,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Failed(m) | Error::Exit(_, m) => f.write_str(m),
            Error::Quiet => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

/// A fragment that came from the user, a file or the network, made safe for a one-line message
/// on a terminal: control characters are shown escaped (`\n`, `\x1b`), never sent raw.
pub(crate) fn shown(text: &str) -> String {
    shown_cow(text).into_owned()
}

/// Whether `c` would change a terminal's line if printed raw: control characters, and the
/// bidirectional overrides and line separators that reorder or break a line.
pub(crate) fn unsafe_to_show(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `text` shows as it is: nothing in it needs escaping.
pub(crate) fn shows_as_is(text: &str) -> bool {
    text.bytes().all(|b| (b' '..=b'~').contains(&b)) || !text.chars().any(unsafe_to_show)
}

/// Text from the network (an STS message, an error's cause), for a one-line message: trimmed,
/// at most 300 characters, and escaped as `shown` escapes.
pub(crate) fn clean(text: &str) -> String {
    let text = text.trim();
    let mut bounded: String = text.chars().take(300).collect();
    if text.chars().nth(300).is_some() {
        bounded.push('…');
    }
    shown(&bounded)
}

/// `shown`, without a copy when nothing needs escaping (the common case).
pub(crate) fn shown_cow(text: &str) -> Cow<'_, str> {
    if shows_as_is(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if unsafe_to_show(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_what_would_break_a_line() {
        assert_eq!(
            shown("a\nb\x1b[31m\u{85}c\u{202e}"),
            "a\\nb\\x1b[31m\\x85c\\u{202e}"
        );
        assert_eq!(shown("prod ä,b"), "prod ä,b");
        assert_eq!(clean(" denied\x1b[31m\n"), "denied\\x1b[31m");
        assert_eq!(clean(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::new("x").exit_code(), 1);
        assert_eq!(exit::signal(2), 130);
        assert_eq!(exit::of_command(Some(259), None), 3);
        assert_eq!(exit::of_command(None, Some(15)), 143);
    }
}
