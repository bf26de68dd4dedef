//! Resource limits: the open files the endpoint of `exec --server` may hold.

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
