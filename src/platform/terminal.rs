//! The terminal's mode while a code is typed without echo, on Unix and on Windows.

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
        unsafe { ExitProcess(crate::error::exit::INTERRUPTED) }
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

/// Asks on the terminal, with echo (a key id, not a secret), and reads one line of at most
/// 1 KiB; `None` when there is no terminal.
pub(crate) fn ask_echoed(prompt: &str) -> Option<std::io::Result<String>> {
    use std::io::{BufRead, BufReader, Read, Write};
    #[cfg(windows)]
    let (input, output) = ("CONIN$", "CONOUT$");
    #[cfg(not(windows))]
    let (input, output) = ("/dev/tty", "/dev/tty");
    let open = |read: bool| {
        std::fs::OpenOptions::new()
            .read(read)
            .write(!read)
            .open(if read { input } else { output })
            .ok()
    };
    let (mut shown, typed) = (open(false)?, open(true)?);
    let asked = (|| {
        shown.write_all(prompt.as_bytes())?;
        shown.flush()?;
        let mut line = String::new();
        BufReader::new(typed.take(1024)).read_line(&mut line)?;
        if !line.ends_with('\n') {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim().to_owned())
    })();
    Some(asked)
}

/// Asks on the terminal without echo (a code, a secret); the terminal's mode comes back on
/// every way out, signals included (`TerminalGuard`). `None` when there is no terminal.
pub(crate) fn ask_hidden(prompt: &str) -> Option<std::io::Result<String>> {
    let guard = TerminalGuard::open()?;
    let typed = rpassword::prompt_password(prompt);
    if typed.is_err() {
        // The prompt's line is still open: messages start on a line of their own.
        guard.newline();
    }
    Some(typed)
}
