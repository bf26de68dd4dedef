//! The one error type. Every failure becomes a value carrying a complete, one-line message that
//! names the fix; `main` prints it once as `mfa-env: <message>`.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// The command line itself is wrong (exit 2).
    Usage(String),
    /// Anything else that stops a run (exit 1).
    Failed(String),
    /// Stdout is gone (a closed pipe): nobody is left to read a message (exit 1).
    Quiet,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn new(message: impl Into<String>) -> Self {
        Error::Failed(message.into())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Failed(_) | Error::Quiet => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Failed(m) => f.write_str(m),
            Error::Quiet => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl From<lexopt::Error> for Error {
    fn from(e: lexopt::Error) -> Self {
        Error::usage(format!("{e} (see mfa-env --help)"))
    }
}
