#![cfg_attr(all(target_os = "linux", not(test)), no_main)]
// The rule lib.rs states: no unwrap or expect outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// An arena first, then the system allocator (src/alloc.rs says why).
#[global_allocator]
static ALLOCATOR: mfa_env::Allocator = mfa_env::Allocator::new();

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
