//! Which program started us: the parent process, as cheaply as each OS tells it, by name (to
//! know the shell we print for) and by path (to start that shell again for `exec`).

use std::ffi::OsString;
use std::path::PathBuf;

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

/// The parent's executable, a path to start it again by; `None` when it is gone (a shell
/// upgraded while it runs shows `/usr/bin/bash (deleted)`).
#[cfg(target_os = "linux")]
pub(crate) fn parent_executable() -> Option<PathBuf> {
    let ppid = std::os::unix::process::parent_id();
    std::fs::read_link(format!("/proc/{ppid}/exe"))
        .ok()
        .filter(|path| path.is_file())
}

#[cfg(target_os = "macos")]
pub(crate) fn parent_executable() -> Option<PathBuf> {
    parent_program()
        .map(PathBuf::from)
        .filter(|path| path.is_file())
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
    parent_process().map(|(_, name)| name)
}

/// The parent's executable, from its process (a name is not enough: `powershell.exe` lives
/// outside PATH on some systems).
#[cfg(windows)]
pub(crate) fn parent_executable() -> Option<PathBuf> {
    use std::os::windows::ffi::OsStringExt;
    use windows_sys::Win32::Foundation::CloseHandle;
    use windows_sys::Win32::System::Threading::{
        OpenProcess, PROCESS_NAME_WIN32, PROCESS_QUERY_LIMITED_INFORMATION,
        QueryFullProcessImageNameW,
    };

    let (pid, _) = parent_process()?;
    let mut path = vec![0u16; 32_768];
    let mut len = path.len() as u32;
    // SAFETY: the handle is checked and closed; the buffer's length is passed with it.
    let found = unsafe {
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if process.is_null() {
            return None;
        }
        let found =
            QueryFullProcessImageNameW(process, PROCESS_NAME_WIN32, path.as_mut_ptr(), &mut len);
        CloseHandle(process);
        found != 0
    };
    found.then(|| PathBuf::from(OsString::from_wide(&path[..len as usize])))
}

/// The parent's process id and exe name.
#[cfg(windows)]
fn parent_process() -> Option<(u32, OsString)> {
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
    processes
        .into_iter()
        .find(|p| p.0 == parent)
        .map(|p| (p.0, p.2))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub(crate) fn parent_program() -> Option<OsString> {
    None
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub(crate) fn parent_executable() -> Option<PathBuf> {
    None
}
