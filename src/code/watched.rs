//! A child that prints something for us (a code command, a dialog), waited for with a bound:
//! its stdout is read aside, its stderr relayed to the person as it comes, and we stop waiting
//! soon after it exits even if something it started still holds its pipes (`sleep 20 &`). At
//! the bound its whole process group is stopped. While it runs it has the terminal, so that it
//! can ask its own question.

use std::io::{IsTerminal, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the pipes may stay open after the child exits: something it started in the
/// background may hold them for ever.
const AFTER_EXIT: Duration = Duration::from_secs(1);
const POLL: Duration = Duration::from_millis(20);

/// How a watched child ended.
pub(crate) enum Ended {
    Exited {
        status: ExitStatus,
        /// What it printed on stdout (bounded).
        printed: Vec<u8>,
        /// The last non-empty line of its stderr, for a failure's message.
        last_error: String,
    },
    /// It ran past the bound and was stopped, with its process group.
    TimedOut,
}

pub(crate) struct Watched {
    child: Child,
    printed: Arc<Mutex<Vec<u8>>>,
    /// One message per pipe read to its end.
    ended: mpsc::Receiver<()>,
    pipes: usize,
    last_error: Arc<Mutex<String>>,
    #[cfg(unix)]
    foreground: Option<crate::platform::job::Foreground>,
}

impl Watched {
    /// Starts `command` with stdout piped (up to `limit` bytes kept) and, when `relay` is true,
    /// stderr relayed to the person (else discarded).
    pub(crate) fn spawn(mut command: Command, limit: u64, relay: bool) -> std::io::Result<Watched> {
        command
            .stdout(Stdio::piped())
            .stderr(if relay { Stdio::piped() } else { Stdio::null() });
        #[cfg(unix)]
        let foreground = {
            use std::os::unix::process::CommandExt;
            let foreground = crate::platform::job::Foreground::ours();
            let tty = foreground.as_ref().map(|f| f.fd());
            // SAFETY: own_group makes only async-signal-safe calls.
            unsafe { command.pre_exec(move || crate::platform::job::own_group(tty)) };
            foreground
        };
        let mut child = command.spawn()?;
        #[cfg(unix)]
        if let Some(foreground) = &foreground {
            // Also from here: whichever of us comes first, the child never reads the terminal
            // from the background.
            foreground.give(child.id() as libc::pid_t);
        }
        let printed = Arc::new(Mutex::new(Vec::new()));
        let (done, ended) = mpsc::channel();
        let mut pipes = 0;
        if let Some(mut stdout) = child.stdout.take() {
            let printed = printed.clone();
            let done = done.clone();
            pipes += 1;
            spawn_reader(move || {
                let mut chunk = [0u8; 1024];
                while let Ok(n @ 1..) = stdout.read(&mut chunk) {
                    let mut printed = printed.lock().unwrap_or_else(|e| e.into_inner());
                    let room = (limit as usize).saturating_sub(printed.len());
                    printed.extend_from_slice(&chunk[..n.min(room)]);
                }
                let _ = done.send(());
            });
        }
        let last_error = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let last_error = last_error.clone();
            pipes += 1;
            spawn_reader(move || {
                relay_stderr(stderr, &last_error);
                let _ = done.send(());
            });
        }
        Ok(Watched {
            child,
            printed,
            ended,
            pipes,
            last_error,
            #[cfg(unix)]
            foreground,
        })
    }

    /// Waits for the child for at most `patience`, then for its pipes to end for at most a
    /// second more, or less once `enough` says what was printed is complete.
    pub(crate) fn wait(mut self, patience: Duration, enough: impl Fn(&[u8]) -> bool) -> Ended {
        let start = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() < patience => std::thread::sleep(POLL),
                _ => {
                    self.stop();
                    return Ended::TimedOut;
                }
            }
        };
        self.take_terminal_back();
        let exited = Instant::now();
        let mut open = self.pipes;
        while open > 0 {
            match self.ended.recv_timeout(POLL) {
                Ok(()) => open -= 1,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A reader still blocked on a pipe held open is left be.
                    if exited.elapsed() >= AFTER_EXIT || enough(&self.printed()) {
                        break;
                    }
                }
            }
        }
        let last_error = self
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Ended::Exited {
            status,
            printed: self.printed(),
            last_error,
        }
    }

    fn printed(&self) -> Vec<u8> {
        self.printed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the child and everything in its process group, and reaps it.
    fn stop(&mut self) {
        #[cfg(unix)]
        crate::platform::job::signal_group(self.child.id() as libc::pid_t, libc::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.take_terminal_back();
    }

    fn take_terminal_back(&self) {
        #[cfg(unix)]
        if let Some(foreground) = &self.foreground {
            foreground.take_back();
        }
    }
}

/// A reader thread; if none can be started the pipe is simply not read (the child then sees
/// a full pipe or EOF), never an abort.
fn spawn_reader(work: impl FnOnce() + Send + 'static) {
    let _ = std::thread::Builder::new().spawn(work);
}

/// Passes the child's stderr on as it comes ("touch your YubiKey") and keeps its last line.
fn relay_stderr(mut stderr: impl Read, last_error: &Mutex<String>) {
    let mut person = person();
    let mut chunk = [0u8; 1024];
    let mut line = Vec::new();
    let keep = |line: &[u8]| {
        if !line.iter().all(u8::is_ascii_whitespace) {
            *last_error.lock().unwrap_or_else(|e| e.into_inner()) =
                String::from_utf8_lossy(line).trim().to_owned();
        }
    };
    while let Ok(n @ 1..) = stderr.read(&mut chunk) {
        let _ = person.write_all(&chunk[..n]);
        let _ = person.flush();
        for &b in &chunk[..n] {
            if b == b'\n' {
                keep(&line);
                line.clear();
            } else if line.len() < 1024 {
                line.push(b);
            }
        }
    }
    keep(&line);
}

/// Where a prompt for the person goes: our stderr when it is a terminal; else the controlling
/// terminal when there is one (under `credential_process` the AWS CLI captures our stderr, and
/// "touch your YubiKey" would never be seen); else our stderr.
fn person() -> Box<dyn Write + Send> {
    if !std::io::stderr().is_terminal() {
        #[cfg(unix)]
        let console = "/dev/tty";
        #[cfg(windows)]
        let console = "CONOUT$";
        if let Ok(tty) = std::fs::OpenOptions::new().write(true).open(console) {
            return Box::new(tty);
        }
    }
    Box::new(std::io::stderr())
}
