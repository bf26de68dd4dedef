//! Running a command: found and checked before anything starts (127, 126), then either in
//! mfa-env's place (Unix: same process, signals and job control reach it directly) or, for
//! `exec --server`, beside it as a job of its own whose status becomes ours.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::environment::Environment;
use crate::error::{Error, Result, exit, shown};

/// Why a command cannot run, found before anything else is done: 127 when there is no such
/// command, 126 when it is there but cannot be run.
pub(crate) fn check_runnable(program: &OsStr, env: &Environment) -> Result<()> {
    let shown_name = shown(&program.to_string_lossy());
    let not_found = || {
        Error::Exit(
            exit::NOT_FOUND,
            format!("cannot run '{shown_name}': not found on PATH"),
        )
    };
    let cannot = |why: &str| {
        Error::Exit(
            exit::CANNOT_RUN,
            format!("cannot run '{shown_name}': {why}"),
        )
    };
    let path = Path::new(program);
    if program.is_empty() {
        return Err(not_found());
    }
    let candidates: Vec<PathBuf> =
        if path.components().count() > 1 || cfg!(windows) && path.is_absolute() {
            vec![path.to_owned()]
        } else {
            env.os("PATH")
                .map(|p| std::env::split_paths(p).map(|dir| dir.join(path)).collect())
                .unwrap_or_default()
        };
    let mut found_unrunnable = None;
    for candidate in &candidates {
        match runnable(candidate) {
            Some(true) => return Ok(()),
            Some(false) => {
                found_unrunnable.get_or_insert(candidate);
            }
            None => {}
        }
    }
    match found_unrunnable {
        Some(candidate) if candidate.is_dir() => Err(cannot("it is a directory")),
        Some(_) => Err(cannot("permission denied (it is not executable)")),
        // On Windows the loader also tries PATHEXT; let it decide.
        None if cfg!(windows) => Ok(()),
        None if path.components().count() > 1 => Err(Error::Exit(
            exit::NOT_FOUND,
            format!("cannot run '{shown_name}': no such file"),
        )),
        None => Err(not_found()),
    }
}

/// `Some(true)`: a file we may execute; `Some(false)`: something there we may not; `None`:
/// nothing there.
fn runnable(path: &Path) -> Option<bool> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return Some(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: a valid NUL-terminated path; access has no other preconditions.
        Some(unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0)
    }
    #[cfg(not(unix))]
    Some(true)
}

/// Runs the command in mfa-env's place; returns only if that could not be done.
#[cfg(unix)]
pub(crate) fn run(command: &[OsString], vars: Vec<(OsString, OsString)>) -> Result<u8> {
    use std::os::unix::process::CommandExt;
    let (program, mut process) = prepared(command, vars)?;
    let error = process.exec();
    Err(launch_error(program, &error))
}

/// The command with exactly `vars` as its environment, and its program for messages.
fn prepared(
    command: &[OsString],
    vars: Vec<(OsString, OsString)>,
) -> Result<(&OsString, std::process::Command)> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| Error::new("no command"))?;
    let mut process = std::process::Command::new(program);
    process.args(args).env_clear().envs(vars);
    Ok((program, process))
}

/// Starts the command with our standard handles, lets Ctrl+C reach it (and not end mfa-env
/// first), waits, and passes its exit code on.
#[cfg(windows)]
pub(crate) fn run(command: &[OsString], vars: Vec<(OsString, OsString)>) -> Result<u8> {
    use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;
    let (program, mut process) = prepared(command, vars)?;
    // SAFETY: a null handler with TRUE makes this process ignore Ctrl+C; the child does not
    // inherit that, so the key reaches it.
    unsafe { SetConsoleCtrlHandler(None, 1) };
    let status = process.status().map_err(|e| launch_error(program, &e))?;
    Ok(exit::of_command(status.code(), None))
}

/// The signals `run_beside` passes on to the command.
#[cfg(unix)]
const FORWARDED: [libc::c_int; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

/// Blocks the signals `run_beside` passes on, in this thread and every thread started after:
/// call it before any other thread starts, so that only the forwarding thread takes them.
#[cfg(unix)]
pub(crate) fn hold_signals() {
    let set = forwarded();
    // SAFETY: changes only this thread's signal mask.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
}

/// `FORWARDED` as a signal set.
#[cfg(unix)]
fn forwarded() -> libc::sigset_t {
    // SAFETY: plain signal-set manipulation on a local value.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in FORWARDED {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

#[cfg(windows)]
pub(crate) fn hold_signals() {}

/// Runs the command as a child (for `--server`, whose endpoint lives in this process) and
/// returns its status (128+N for signal N). The signals must be held (`hold_signals`) before
/// the endpoint's threads start.
///
/// The command gets a process group of its own, and the terminal's foreground when we have
/// it, as a shell does for a job: Ctrl-C reaches it alone, and a signal sent to mfa-env or to
/// mfa-env's group reaches it once, passed on by us (in one group, `kill -INT -PGID` gave it
/// a copy of its own and ours). When it stops (Ctrl-Z) we stop too, so that the shell takes
/// over; when we are continued, we continue it.
#[cfg(unix)]
pub(crate) fn run_beside(command: &[OsString], vars: Vec<(OsString, OsString)>) -> Result<u8> {
    use crate::platform::job::{self, Foreground};
    use std::os::unix::process::CommandExt;
    let set = forwarded();
    let (program, mut child_command) = prepared(command, vars)?;
    let foreground = Foreground::ours();
    let tty = foreground.as_ref().map(Foreground::fd);
    // SAFETY: own_group and sigprocmask are async-signal-safe; the command starts with its own
    // group and nothing blocked.
    unsafe {
        child_command.pre_exec(move || {
            job::own_group(tty)?;
            crate::platform::restore_open_files();
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            Ok(())
        });
    }
    let child = child_command
        .spawn()
        .map_err(|e| launch_error(program, &e))?;
    let group = child.id() as libc::pid_t;
    if let Some(foreground) = &foreground {
        foreground.give(group);
    }
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || pass_signals_on(set, group))
        .map_err(|e| Error::new(format!("cannot pass signals on to the command: {e}")))?;
    let status = loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waits for our child; status is written by the call.
        let waited = unsafe { libc::waitpid(group, &mut status, libc::WUNTRACED) };
        if waited < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Error::new(format!("lost the command: {e}")));
        }
        if libc::WIFSTOPPED(status) {
            let signal = libc::WSTOPSIG(status);
            if matches!(signal, libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU) {
                if let Some(foreground) = &foreground {
                    foreground.take_back();
                }
                // SAFETY: stops this process as the command was stopped; returns once continued.
                unsafe { libc::kill(libc::getpid(), signal) };
                if let Some(foreground) = foreground.as_ref().filter(|f| f.is_ours()) {
                    foreground.give(group);
                }
                job::signal_group(group, libc::SIGCONT);
            }
            continue;
        }
        break status;
    };
    if let Some(foreground) = &foreground {
        foreground.take_back();
    }
    Ok(exit::of_command(
        libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
    ))
}

/// Passes every signal of `set` sent to mfa-env on to the command's process group: being in a
/// group of its own, it cannot have had it already.
#[cfg(unix)]
fn pass_signals_on(set: libc::sigset_t, group: libc::pid_t) {
    loop {
        let mut signal: libc::c_int = 0;
        // SAFETY: waits for one of the signals blocked in every thread.
        if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
            crate::platform::job::signal_group(group, signal);
        }
    }
}

/// On Windows `exec` already waits for the command.
#[cfg(windows)]
pub(crate) fn run_beside(command: &[OsString], vars: Vec<(OsString, OsString)>) -> Result<u8> {
    run(command, vars)
}

fn launch_error(program: &OsStr, error: &std::io::Error) -> Error {
    let name = shown(&program.to_string_lossy());
    match error.kind() {
        std::io::ErrorKind::NotFound => Error::Exit(
            exit::NOT_FOUND,
            format!("cannot run '{name}': not found on PATH"),
        ),
        _ => Error::Exit(exit::CANNOT_RUN, format!("cannot run '{name}': {error}")),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn commands_that_cannot_run() {
        let env = Environment::of(&[("PATH", "/usr/bin:/bin")]);
        assert!(check_runnable(OsStr::new("sh"), &env).is_ok());
        assert!(check_runnable(OsStr::new("/bin/sh"), &env).is_ok());
        let code = |program: &str| {
            check_runnable(OsStr::new(program), &env)
                .unwrap_err()
                .exit_code()
        };
        assert_eq!(code("terrafrom-nope"), 127);
        assert_eq!(code("./no-such-file"), 127);
        let dir = std::env::temp_dir().join(format!("mfa-env-exec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("plain");
        std::fs::write(&plain, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(code(plain.to_str().unwrap()), 126);
        assert_eq!(code(dir.to_str().unwrap()), 126);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
