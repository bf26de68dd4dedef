//! Files on disk: read only when regular and bounded, never blocking on a FIFO; written whole or
//! not at all, private, and one writer at a time.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, shown};
use crate::platform;

/// More than any real config or credentials file; a bigger one is refused, not read.
pub(crate) const MAX_READ: u64 = 16 * 1024 * 1024;

/// How a path is shown in messages.
pub(crate) fn display(path: &Path) -> String {
    shown(&path.to_string_lossy())
}

/// What kind of thing is at a path that is not a regular file, for messages.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (a pipe, as <(...) makes)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// A text file's contents, or `None` if nothing is there. Anything but a regular file (after
/// symlinks) is refused without blocking; so is a file over `limit` bytes or not UTF-8.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<Option<String>> {
    match open_regular(path)? {
        Some(opened) => read_opened(opened, path, limit).map(Some),
        None => Ok(None),
    }
}

/// The text of a file `open_regular` opened, refused over `limit` bytes or when not UTF-8.
pub(crate) fn read_opened(opened: Opened, path: &Path, limit: u64) -> Result<String> {
    let Opened { file, len } = opened;
    // Sized once from the file's length: a big config is not copied while it grows.
    let mut bytes = Vec::with_capacity(len.min(limit) as usize + 1);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(path, &e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit));
    }
    String::from_utf8(bytes).map_err(|_| not_text(path))
}

/// A regular file opened for reading, and its length then.
pub(crate) struct Opened {
    pub(crate) file: File,
    pub(crate) len: u64,
}

/// `path` opened for reading, or `None` if nothing is there (or it is the null device).
/// Anything but a regular file (after symlinks) is refused without blocking.
pub(crate) fn open_regular(path: &Path) -> Result<Option<Opened>> {
    let fail = |why: String| read_error(path, &why);
    let meta = std::fs::metadata(path);
    // `AWS_CONFIG_FILE=/dev/null` is how people say "no file"; the AWS CLI reads it as none.
    // (Only what is not a regular file can be the null device: the usual file costs no lookup.)
    if !meta.as_ref().is_ok_and(|m| m.is_file()) && is_null_device(path) {
        return Ok(None);
    }
    // Looked at before opening: opening a socket fails, and a FIFO would wait for a writer.
    match meta {
        Ok(meta) if !meta.is_file() => {
            return Err(fail(format!(
                "it is {}, not a regular file",
                kind_of(&meta)
            )));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let file = match platform::open_nonblocking(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(e.to_string())),
    };
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    // The same check on what was opened: the path may have changed in between.
    if !meta.is_file() {
        return Err(fail(format!(
            "it is {}, not a regular file",
            kind_of(&meta)
        )));
    }
    Ok(Some(Opened {
        file,
        len: meta.len(),
    }))
}

/// "cannot read PATH: WHY".
pub(crate) fn read_error(path: &Path, why: &str) -> Error {
    Error::new(format!("cannot read {}: {why}", display(path)))
}

pub(crate) fn too_large(path: &Path, limit: u64) -> Error {
    read_error(
        path,
        &format!(
            "it is larger than {} MiB, more than such a file ever holds",
            limit / (1024 * 1024)
        ),
    )
}

pub(crate) fn not_text(path: &Path) -> Error {
    read_error(path, "it is not UTF-8 text")
}

/// Whether `path` is the null device, which reads as nothing.
fn is_null_device(path: &Path) -> bool {
    #[cfg(unix)]
    let null = "/dev/null";
    #[cfg(windows)]
    let null = "NUL";
    path.canonicalize().is_ok_and(|p| p == Path::new(null)) || path == Path::new(null)
}

/// The regular file a write to `path` would replace, following symlinks: it must be the user's
/// own regular file, or not exist yet. Anything else is refused before any work is done.
pub(crate) fn write_target(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_owned();
    for _ in 0..40 {
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(path),
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot inspect {}: {e}",
                    display(&path)
                )));
            }
        };
        if meta.file_type().is_symlink() {
            let next = fs::read_link(&path).map_err(|e| {
                Error::new(format!("cannot follow the symlink {}: {e}", display(&path)))
            })?;
            path = match path.parent() {
                Some(dir) => dir.join(next),
                None => next,
            };
            continue;
        }
        if !meta.is_file() {
            return Err(Error::new(format!(
                "refusing to write {}: it is {}, not a regular file; point AWS_SHARED_CREDENTIALS_FILE at a file",
                display(&path),
                kind_of(&meta)
            )));
        }
        if !platform::is_own(&meta) {
            return Err(Error::new(format!(
                "refusing to write {}: it belongs to another user",
                display(&path)
            )));
        }
        return Ok(path);
    }
    Err(Error::new(format!(
        "{} is a loop of symlinks",
        display(&path)
    )))
}

/// Writes `contents` to a new private (0600) file at `path`; fails if anything is there.
pub(crate) fn write_new_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    platform::create_private(path)?.write_all(contents)
}

/// Holds an exclusive advisory lock on a sidecar file next to `path` until dropped. A file that
/// is replaced by rename cannot carry its own lock, so writers of `path` meet at the sidecar.
pub(crate) struct Lock {
    _file: File,
}

impl Lock {
    pub(crate) fn acquire(path: &Path) -> io::Result<Lock> {
        let name = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy());
        let sidecar = path.with_file_name(format!(".{name}.mfa-env-lock"));
        let file = platform::open_private(&sidecar)?;
        file.lock()?;
        Ok(Lock { _file: file })
    }
}

/// Replaces `path` with `contents` so that any reader sees the old file or the new one, never
/// part of either: a private (0600) temporary file in the same directory, fsync, rename.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_then(path, contents, || Ok(()))
}

/// [`write_atomic`] with a hook between writing and renaming, where tests simulate a crash.
fn write_atomic_then(
    path: &Path,
    contents: &[u8],
    before_rename: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let temp = dir.join(format!(".{name}.{}.{stamp}.tmp", std::process::id()));
    let result = (|| {
        let mut file = platform::create_private(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        before_rename()?;
        fs::rename(&temp, path)?;
        // The rename itself is durable only once the directory is synced.
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mfa-env-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn replaces_whole_or_not_at_all() {
        let dir = temp_dir("atomic");
        let path = dir.join("credentials");
        fs::write(&path, "old").unwrap();

        let crash = write_atomic_then(&path, b"new", || Err(io::Error::other("crash")));
        assert!(crash.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left behind"
        );

        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_regular_files_only_and_bounded() {
        let dir = temp_dir("read");
        let path = dir.join("config");
        assert_eq!(read_text(&path, MAX_READ).unwrap(), None);
        fs::write(&path, "[default]\n").unwrap();
        assert_eq!(
            read_text(&path, MAX_READ).unwrap().as_deref(),
            Some("[default]\n")
        );
        let err = read_text(&path, 4).unwrap_err().to_string();
        assert!(err.contains("larger than"), "{err}");
        fs::write(&path, b"\xff\xfe").unwrap();
        assert!(
            read_text(&path, MAX_READ)
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
        assert_eq!(read_text(Path::new("/dev/null"), MAX_READ).unwrap(), None);
        let err = read_text(&dir, MAX_READ).unwrap_err().to_string();
        assert!(err.contains("a directory"), "{err}");
        #[cfg(unix)]
        {
            let fifo = dir.join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = read_text(&fifo, MAX_READ).unwrap_err().to_string();
            assert!(
                err.contains("a FIFO (a pipe, as <(...) makes), not a regular file"),
                "{err}"
            );
            assert!(
                write_target(&fifo)
                    .unwrap_err()
                    .to_string()
                    .contains("a FIFO")
            );
            let err = write_target(Path::new("/dev/null"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("a device"), "{err}");
            let link = dir.join("link");
            std::os::unix::fs::symlink("config", &link).unwrap();
            assert_eq!(write_target(&link).unwrap(), dir.join("config"));
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
