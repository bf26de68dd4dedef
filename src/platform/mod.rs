//! What differs per OS, each piece small and with a fallback elsewhere: the parent process,
//! where the cache lives, private files, the terminal, job control, limits, and running a
//! command in our place or beside us.

mod fs;
#[cfg(unix)]
pub(crate) mod job;
mod limits;
mod open;
mod parent;
pub(crate) mod process;
mod terminal;

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use crate::environment::Environment;

pub(crate) use fs::{
    create_private, create_private_dir, create_run_dir, is_own, is_private, is_private_dir,
    open_no_follow, open_nonblocking, open_private, read_exact_at,
};
pub(crate) use limits::raise_open_files;
#[cfg(unix)]
pub(crate) use limits::restore_open_files;
pub(crate) use open::open_url;
pub(crate) use parent::{parent_executable, parent_program};
pub(crate) use terminal::{ask_echoed, ask_hidden};

/// Where cached sessions live: `$XDG_CACHE_HOME/mfa-env`, `~/.cache/mfa-env`, or
/// `%LOCALAPPDATA%\mfa-env` on Windows.
pub(crate) fn cache_dir(env: &Environment) -> Option<PathBuf> {
    let absolute = |p: PathBuf| Some(p).filter(|p| p.is_absolute());
    #[cfg(windows)]
    let base = env.path("LOCALAPPDATA").and_then(absolute);
    #[cfg(not(windows))]
    let base = env
        .path("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| env.home().map(|h| h.join(".cache")));
    base.map(|b| b.join("mfa-env"))
}

/// The terminal as a child's stdin, when there is one (so a command can ask its own question).
pub(crate) fn terminal_input() -> Option<std::process::Stdio> {
    #[cfg(windows)]
    let console = "CONIN$";
    #[cfg(not(windows))]
    let console = "/dev/tty";
    OpenOptions::new()
        .read(true)
        .open(console)
        .ok()
        .map(std::process::Stdio::from)
}

/// Whether `program` is on the PATH the environment names.
pub(crate) fn on_path(program: &str, env: &Environment) -> bool {
    let Some(path) = env.os("PATH") else {
        return false;
    };
    std::env::split_paths(path).any(|dir| {
        let candidate = dir.join(program);
        candidate.is_file() || (cfg!(windows) && candidate.with_extension("exe").is_file())
    })
}

/// Standard input without a buffer in between: a read takes only the bytes asked for.
pub(crate) fn raw_stdin() -> std::mem::ManuallyDrop<File> {
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: fd 0 stays open for the life of the process; ManuallyDrop never closes it.
        std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(0) })
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::{AsRawHandle, FromRawHandle};
        let handle = std::io::stdin().as_raw_handle();
        // SAFETY: the standard input handle stays open; ManuallyDrop never closes it.
        std::mem::ManuallyDrop::new(unsafe { File::from_raw_handle(handle) })
    }
}
