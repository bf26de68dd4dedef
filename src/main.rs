use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;

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

fn main() -> ExitCode {
    // A bug must not print a backtrace or a value; stdout is still empty at that point.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("mfa-env: internal error{place}; nothing was printed (please report this)");
    }));
    mfa_env::main(std::env::args_os().skip(1))
}
