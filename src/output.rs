//! The writers of finished text: stdout (all at once, or not at all), the GitHub Actions
//! environment file, and notes on stderr.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::files;

/// Writes everything at once; a closed stdout fails quietly (nobody is left to read why).
pub(crate) fn stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|_| Error::Quiet)
}

/// Text for the person on stderr, in one write: a line is never split by another process's
/// output on the same terminal. A stderr that cannot be written has nobody to tell.
pub(crate) fn stderr(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// A one-line note for the person: never a secret, never on stdout.
pub(crate) fn note(message: &str) {
    stderr(&format!("mfa-env: {message}\n"));
}

/// Appends to `$GITHUB_ENV` (or `$GITHUB_OUTPUT`, as `label` says) without disturbing what is
/// there: a heredoc must start on a line of its own.
pub(crate) fn append_github_file(path: &Path, label: &str, text: &str) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::new(format!(
            "cannot append to {label} ({}): {e}",
            files::display(path)
        ))
    };
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    if !meta.is_file() {
        return Err(Error::new(format!(
            "{label} ({}) is not a regular file",
            files::display(path)
        )));
    }
    let mut last = [b'\n'];
    if meta.len() > 0 {
        file.seek(SeekFrom::End(-1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(fail)?;
    }
    let separator = if last[0] == b'\n' { "" } else { "\n" };
    file.write_all(format!("{separator}{text}").as_bytes())
        .map_err(fail)
}

/// A GitHub heredoc delimiter: 128 bits from the operating system's RNG (through ring).
pub(crate) fn random_delimiter() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    // A failing OS RNG leaves zeros; the caller draws again if the delimiter occurs in a value.
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ghadelimiter_{hex}")
}
