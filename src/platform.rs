//! The few things that differ per OS, each small and each with a fallback elsewhere.

use std::ffi::OsString;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::environment::Environment;

/// The program name or path of our parent process, if the OS tells us cheaply.
#[cfg(target_os = "linux")]
pub(crate) fn parent_program() -> Option<OsString> {
    use std::os::unix::ffi::OsStringExt;
    let ppid = std::os::unix::process::parent_id();
    let mut comm = std::fs::read(format!("/proc/{ppid}/comm")).ok()?;
    if comm.last() == Some(&b'\n') {
        comm.pop();
    }
    Some(OsString::from_vec(comm))
}

#[cfg(target_os = "macos")]
pub(crate) fn parent_program() -> Option<OsString> {
    use std::os::unix::ffi::OsStringExt;
    let ppid = std::os::unix::process::parent_id() as libc::c_int;
    let mut path = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
    // SAFETY: the buffer is valid for writes of its whole length, which we pass.
    let len = unsafe { libc::proc_pidpath(ppid, path.as_mut_ptr().cast(), path.len() as u32) };
    if len <= 0 {
        return None;
    }
    path.truncate(len as usize);
    Some(OsString::from_vec(path))
}

#[cfg(windows)]
pub(crate) fn parent_program() -> Option<OsString> {
    use std::os::windows::ffi::OsStringExt;
    use windows_sys::Win32::Foundation::{CloseHandle, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW,
        TH32CS_SNAPPROCESS,
    };

    // (pid, parent pid, exe name) of every process: Windows has no cheaper "parent of me".
    let mut processes = Vec::new();
    // SAFETY: the snapshot handle is checked and closed; the entry is sized as the API requires.
    unsafe {
        let snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if snapshot == INVALID_HANDLE_VALUE {
            return None;
        }
        let mut entry = PROCESSENTRY32W {
            dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
            ..Default::default()
        };
        let mut more = Process32FirstW(snapshot, &mut entry);
        while more != 0 {
            let len = entry
                .szExeFile
                .iter()
                .position(|&c| c == 0)
                .unwrap_or(entry.szExeFile.len());
            let name = OsString::from_wide(&entry.szExeFile[..len]);
            processes.push((entry.th32ProcessID, entry.th32ParentProcessID, name));
            more = Process32NextW(snapshot, &mut entry);
        }
        CloseHandle(snapshot);
    }
    let me = std::process::id();
    let parent = processes.iter().find(|p| p.0 == me)?.1;
    processes.into_iter().find(|p| p.0 == parent).map(|p| p.2)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub(crate) fn parent_program() -> Option<OsString> {
    None
}

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

/// Creates a new file that only we can read (0600), failing if the name exists.
pub(crate) fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Opens (creating if need be, 0600) a file to lock; never follows a symlink planted there.
pub(crate) fn open_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Creates a directory only we can enter (0700); an existing one is left as it is.
pub(crate) fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Whether `dir` is a directory (not a symlink) of ours that nobody else may enter.
pub(crate) fn is_private_dir(dir: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    #[cfg(unix)]
    let closed = {
        use std::os::unix::fs::MetadataExt;
        meta.mode() & 0o077 == 0
    };
    #[cfg(not(unix))]
    let closed = true;
    meta.is_dir() && is_own(&meta) && closed
}

/// Creates a new directory in `base` named `prefix` and 16 random hex digits, only we can enter
/// it (0700), and it was not there before: another user cannot have made or replaced it.
pub(crate) fn create_run_dir(base: &Path, prefix: &str) -> io::Result<PathBuf> {
    use ring::rand::SecureRandom;
    if !base.exists() {
        create_private_dir(base)?;
    }
    for _ in 0..8 {
        let mut bytes = [0u8; 8];
        ring::rand::SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| io::Error::other("the operating system gave no random bytes"))?;
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let path = base.join(format!("{prefix}{name}"));
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&path) {
            Ok(()) if is_private_dir(&path) => return Ok(path),
            Ok(()) => {
                let _ = std::fs::remove_dir(&path);
                return Err(io::Error::other("the new directory is not private"));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::ErrorKind::AlreadyExists.into())
}

/// Opens a file for reading without following a symlink planted in its place.
pub(crate) fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    options.open(path)
}

/// Opens a file for reading without blocking when it is a FIFO or a device.
pub(crate) fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

/// Whether a file belongs to us.
#[cfg(unix)]
pub(crate) fn is_own(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    meta.uid() == unsafe { libc::geteuid() }
}

/// Windows files under the user's profile carry the user's ACL.
#[cfg(not(unix))]
pub(crate) fn is_own(_meta: &Metadata) -> bool {
    true
}

/// Whether a file holding secrets is ours alone: owned by us, no group or other access.
#[cfg(unix)]
pub(crate) fn is_private(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.is_file() && is_own(meta) && meta.mode() & 0o077 == 0
}

/// Windows files under `%LOCALAPPDATA%` inherit a per-user ACL.
#[cfg(not(unix))]
pub(crate) fn is_private(meta: &Metadata) -> bool {
    meta.is_file()
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

/// Open files this process may hold: the soft limit raised to the hard one (at most 65536),
/// for the endpoint of `exec --server`; children get the limit we started with back
/// (`restore_open_files`). `None` where there is no such limit.
#[cfg(unix)]
pub(crate) fn raise_open_files() -> Option<u64> {
    // SAFETY: getrlimit and setrlimit read and write the struct passed.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        let _ = ORIGINAL_OPEN_FILES.set(limit.rlim_cur);
        let wanted = limit.rlim_max.min(65_536).max(limit.rlim_cur);
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: limit.rlim_max,
        };
        let now = if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            wanted
        } else {
            limit.rlim_cur
        };
        Some(now as u64)
    }
}

#[cfg(not(unix))]
pub(crate) fn raise_open_files() -> Option<u64> {
    None
}

#[cfg(unix)]
static ORIGINAL_OPEN_FILES: std::sync::OnceLock<libc::rlim_t> = std::sync::OnceLock::new();

/// In a child between fork and exec: the open-files limit we started with, if we raised it.
#[cfg(unix)]
pub(crate) fn restore_open_files() {
    if let Some(&original) = ORIGINAL_OPEN_FILES.get() {
        // SAFETY: getrlimit and setrlimit are async-signal-safe.
        unsafe {
            let mut limit: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
                limit.rlim_cur = original;
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
        }
    }
}

#[cfg(unix)]
pub(crate) mod job {
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
}

#[cfg(unix)]
pub(crate) use unix_terminal::TerminalGuard;

/// The terminal's mode while a code is typed without echo, restored on every way out: a normal
/// return, an error, and the signals that end a process at a prompt (Ctrl-C, SIGTERM, SIGHUP,
/// SIGQUIT), after which the run exits with 128 + the signal's number.
#[cfg(unix)]
mod unix_terminal {
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicI32, Ordering};

    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    /// The terminal's fd while a prompt is open, else -1; read by the signal handler.
    static TTY: AtomicI32 = AtomicI32::new(-1);
    /// The terminal's mode before the prompt. Written before TTY is set, read only after.
    static mut SAVED: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();

    extern "C" fn restore_and_exit(signal: libc::c_int) {
        let fd = TTY.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: tcsetattr and write are async-signal-safe; SAVED was written before TTY.
            unsafe {
                libc::tcsetattr(fd, libc::TCSANOW, (&raw const SAVED).cast());
                libc::write(fd, b"\n".as_ptr().cast(), 1);
            }
        }
        // SAFETY: _exit is async-signal-safe and ends the process without running destructors.
        unsafe { libc::_exit(crate::error::exit::signal(signal).into()) }
    }

    pub(crate) struct TerminalGuard {
        tty: File,
        previous: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl TerminalGuard {
        /// `None` when there is no controlling terminal.
        pub(crate) fn open() -> Option<TerminalGuard> {
            let tty = OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .ok()?;
            let fd = tty.as_raw_fd();
            // SAFETY: SAVED is written here, before TTY publishes the fd to the handler, and no
            // other thread prompts; tcgetattr fills the whole struct or fails.
            unsafe {
                if libc::tcgetattr(fd, (&raw mut SAVED).cast()) != 0 {
                    return None;
                }
            }
            TTY.store(fd, Ordering::SeqCst);
            let mut previous = Vec::new();
            for signal in SIGNALS {
                // SAFETY: a zeroed sigaction with our handler and an empty mask is valid.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = restore_and_exit as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut action.sa_mask);
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(signal, &action, &mut old) == 0 {
                        previous.push((signal, old));
                    }
                }
            }
            Some(TerminalGuard { tty, previous })
        }

        /// Ends the prompt's line, so that what follows starts on a line of its own.
        pub(crate) fn newline(&self) {
            let _ = (&self.tty).write_all(b"\n");
        }
    }

    impl Drop for TerminalGuard {
        fn drop(&mut self) {
            // SAFETY: restores the mode saved in open() and the previous signal actions.
            unsafe {
                libc::tcsetattr(
                    self.tty.as_raw_fd(),
                    libc::TCSANOW,
                    (&raw const SAVED).cast(),
                );
                TTY.store(-1, Ordering::SeqCst);
                for (signal, old) in &self.previous {
                    libc::sigaction(*signal, old, std::ptr::null_mut());
                }
            }
        }
    }
}

#[cfg(windows)]
pub(crate) use windows_console::TerminalGuard;

/// The console's input mode while a code is typed without echo, restored on every way out:
/// a normal return, an error, and Ctrl+C or Ctrl+Break (then the run exits with 130).
#[cfg(windows)]
mod windows_console {
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    use std::os::windows::io::AsRawHandle;
    use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

    use windows_sys::Win32::Foundation::HANDLE;
    use windows_sys::Win32::System::Console::{
        GetConsoleMode, SetConsoleCtrlHandler, SetConsoleMode,
    };
    use windows_sys::Win32::System::Threading::ExitProcess;

    /// The console input handle while a prompt is open (0 when none), and its mode before it.
    static CONSOLE: AtomicUsize = AtomicUsize::new(0);
    static SAVED: AtomicU32 = AtomicU32::new(0);

    unsafe extern "system" fn restore_and_exit(_event: u32) -> i32 {
        let handle = CONSOLE.load(Ordering::SeqCst);
        if handle != 0 {
            // SAFETY: the handle stays open while the guard lives; the mode was saved from it.
            unsafe { SetConsoleMode(handle as HANDLE, SAVED.load(Ordering::SeqCst)) };
        }
        // SAFETY: ends the process, as the default handler would, with the status shells use.
        unsafe { ExitProcess(130) }
    }

    pub(crate) struct TerminalGuard {
        console: File,
    }

    impl TerminalGuard {
        /// `None` when there is no console.
        pub(crate) fn open() -> Option<TerminalGuard> {
            let console = OpenOptions::new()
                .read(true)
                .write(true)
                .open("CONIN$")
                .ok()?;
            let handle = console.as_raw_handle() as HANDLE;
            let mut mode = 0;
            // SAFETY: a valid console handle and a place for its mode.
            if unsafe { GetConsoleMode(handle, &mut mode) } == 0 {
                return None;
            }
            SAVED.store(mode, Ordering::SeqCst);
            CONSOLE.store(handle as usize, Ordering::SeqCst);
            // SAFETY: installs a handler that only restores the mode and exits.
            unsafe { SetConsoleCtrlHandler(Some(restore_and_exit), 1) };
            Some(TerminalGuard { console })
        }

        /// Ends the prompt's line, so that what follows starts on a line of its own.
        pub(crate) fn newline(&self) {
            if let Ok(mut out) = OpenOptions::new().write(true).open("CONOUT$") {
                let _ = out.write_all(b"\r\n");
            }
        }
    }

    impl Drop for TerminalGuard {
        fn drop(&mut self) {
            let handle = self.console.as_raw_handle() as HANDLE;
            // SAFETY: restores the saved mode and removes the handler installed in open().
            unsafe {
                SetConsoleMode(handle, SAVED.load(Ordering::SeqCst));
                SetConsoleCtrlHandler(Some(restore_and_exit), 0);
            }
            CONSOLE.store(0, Ordering::SeqCst);
        }
    }
}
