#![cfg_attr(all(target_os = "linux", not(test)), no_main)]

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, except that running out of memory ends the run with our one-line
/// message instead of the standard library's. Nothing has been printed on stdout by then.
struct OneLineOnFailure;

// SAFETY: every call is passed to the system allocator unchanged; only a null result (which
// the caller would turn into an abort) is reported first.
unsafe impl GlobalAlloc for OneLineOnFailure {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        out_of_memory(unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        out_of_memory(unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        out_of_memory(unsafe { System.realloc(ptr, layout, new_size) })
    }
}

fn out_of_memory(ptr: *mut u8) -> *mut u8 {
    if ptr.is_null() {
        // No allocation here: a fixed message straight to stderr, then the end.
        use std::io::Write;
        let _ = std::io::stderr()
            .write_all(b"mfa-env: internal error: out of memory; nothing was printed\n");
        std::process::abort();
    }
    ptr
}

#[global_allocator]
static ALLOCATOR: OneLineOnFailure = OneLineOnFailure;

/// A bug must not print a backtrace or a value; stdout is still empty at that point.
fn one_line_panics() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("mfa-env: internal error{place}; nothing was printed (please report this)");
    }));
}

#[cfg(any(not(target_os = "linux"), test))]
fn main() -> std::process::ExitCode {
    one_line_panics();
    std::process::ExitCode::from(mfa_env::main(std::env::args_os()))
}

/// On Linux mfa-env starts where the C library hands over: the standard library's own start
/// (a guard page for the main thread found by reading /proc/self/maps, a signal stack, signal
/// handlers) costs more than all the rest of `--unset`, and mfa-env needs none of it. What of
/// it matters is done here: descriptors 0 to 2 are open (else a file we open could become
/// stdout), SIGPIPE is ignored (a closed pipe is an error we report, not a kill), and the
/// arguments are read from `argv` (with musl the standard library only learns them at its start).
#[cfg(all(target_os = "linux", not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    use std::os::unix::ffi::OsStringExt;
    one_line_panics();
    // SAFETY: fcntl and open on descriptors only; signal with the constant SIG_IGN.
    unsafe {
        for fd in 0..3 {
            if libc::fcntl(fd, libc::F_GETFD) == -1 {
                let flags = if fd == 0 {
                    libc::O_RDONLY
                } else {
                    libc::O_WRONLY
                };
                if libc::open(c"/dev/null".as_ptr(), flags) != fd {
                    return 127;
                }
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let count = usize::try_from(argc).unwrap_or(0);
    let args = (0..count).map(|i| {
        // SAFETY: the C library passes argc valid, NUL-terminated strings in argv.
        let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
        std::ffi::OsString::from_vec(arg.to_bytes().to_vec())
    });
    // A panic must not unwind into the C library (the release build aborts at once instead).
    std::panic::catch_unwind(|| mfa_env::main(args)).map_or(101, libc::c_int::from)
}
