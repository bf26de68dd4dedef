//! The few things that differ per OS, each small and each with a fallback elsewhere.

use std::ffi::OsString;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The program name or path of our parent process, if the OS tells us cheaply.
#[cfg(target_os = "linux")]
pub fn parent_program() -> Option<OsString> {
    use std::os::unix::ffi::OsStringExt;
    let ppid = std::os::unix::process::parent_id();
    let mut comm = std::fs::read(format!("/proc/{ppid}/comm")).ok()?;
    if comm.last() == Some(&b'\n') {
        comm.pop();
    }
    Some(OsString::from_vec(comm))
}

#[cfg(target_os = "macos")]
pub fn parent_program() -> Option<OsString> {
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
pub fn parent_program() -> Option<OsString> {
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
pub fn parent_program() -> Option<OsString> {
    None
}

pub fn home_dir() -> Option<PathBuf> {
    std::env::home_dir().filter(|h| !h.as_os_str().is_empty())
}

/// Where cached sessions live: `$XDG_CACHE_HOME/mfa-env`, `~/.cache/mfa-env`, or
/// `%LOCALAPPDATA%\mfa-env` on Windows.
pub fn cache_dir() -> Option<PathBuf> {
    let absolute = |v: OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    #[cfg(windows)]
    let base = std::env::var_os("LOCALAPPDATA").and_then(absolute);
    #[cfg(not(windows))]
    let base = std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| home_dir().map(|h| h.join(".cache")));
    base.map(|b| b.join("mfa-env"))
}

/// Creates a new file that only we can read (0600), failing if the name exists.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates a directory only we can enter (0700); an existing one is left as it is.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Opens a file for reading without following a symlink planted in its place.
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path)
}

/// Whether a file holding secrets is ours alone: owned by us, no group or other access.
#[cfg(unix)]
pub fn is_private(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.is_file() && meta.uid() == me && meta.mode() & 0o077 == 0
}

/// Windows files under `%LOCALAPPDATA%` inherit a per-user ACL.
#[cfg(not(unix))]
pub fn is_private(meta: &Metadata) -> bool {
    meta.is_file()
}

/// The permission bits to give a replacement of a file that has `meta`.
#[cfg(unix)]
pub fn set_same_mode(file: &File, meta: &Metadata) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(
        meta.permissions().mode() & 0o7777,
    ))
}

#[cfg(not(unix))]
pub fn set_same_mode(file: &File, meta: &Metadata) -> io::Result<()> {
    file.set_permissions(meta.permissions())
}
