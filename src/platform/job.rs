//! Job control for the children we wait for (a code command, `exec --server`'s command):
//! each gets its own process group, so that a bound can stop all of it and a signal sent
//! to our group is not also delivered to it; and, when we hold the terminal's foreground,
//! the child's group gets it while it runs, so that it can read the terminal and Ctrl-C
//! reaches it, as a shell does for its jobs.

use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, RawFd};

/// The controlling terminal, opened while this process's group is in its foreground.
pub(crate) struct Foreground {
    tty: File,
}

impl Foreground {
    /// `None` without a controlling terminal, or when we run in the background.
    pub(crate) fn ours() -> Option<Foreground> {
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let foreground = Foreground { tty };
        foreground.is_ours().then_some(foreground)
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.tty.as_raw_fd()
    }

    /// Whether our process group is the terminal's foreground now.
    pub(crate) fn is_ours(&self) -> bool {
        // SAFETY: tcgetpgrp and getpgrp only read process state.
        unsafe { libc::tcgetpgrp(self.fd()) == libc::getpgrp() }
    }

    /// Gives the foreground to `group` (errors ignored: the child may have done it, or be
    /// gone). SIGTTOU is held meanwhile: a background process may then still do this.
    pub(crate) fn give(&self, group: libc::pid_t) {
        // SAFETY: changes only this thread's mask, around one tcsetpgrp call.
        unsafe {
            let mut ttou: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut ttou);
            libc::sigaddset(&mut ttou, libc::SIGTTOU);
            libc::pthread_sigmask(libc::SIG_BLOCK, &ttou, &mut old);
            libc::tcsetpgrp(self.fd(), group);
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
    }

    /// Takes the foreground back for our process group.
    pub(crate) fn take_back(&self) {
        // SAFETY: getpgrp has no preconditions.
        self.give(unsafe { libc::getpgrp() });
    }
}

/// In a child between fork and exec: a process group of its own and, when `tty` is given,
/// the terminal's foreground. Only async-signal-safe calls.
pub(crate) fn own_group(tty: Option<RawFd>) -> std::io::Result<()> {
    // SAFETY: setpgid, sigprocmask and tcsetpgrp are async-signal-safe.
    unsafe {
        if libc::setpgid(0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if let Some(fd) = tty {
            let mut ttou: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut ttou);
            libc::sigaddset(&mut ttou, libc::SIGTTOU);
            libc::sigprocmask(libc::SIG_BLOCK, &ttou, &mut old);
            libc::tcsetpgrp(fd, libc::getpid());
            libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
    }
    Ok(())
}

/// Sends `signal` to every process of `group`.
pub(crate) fn signal_group(group: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill with a negative pid signals that process group; no memory is involved.
    unsafe { libc::kill(-group, signal) };
}
