//! Files and directories only we can read: created with the right mode from the start, opened
//! without following a planted symlink or blocking on a FIFO, and checked for their owner.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

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

/// Fills `buf` from `file` at `offset`, leaving the file's position as it is on Unix.
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_exact_at(file, buf, offset);
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(())
    }
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
