//! Writing files that hold secrets: whole or not at all.

use std::fs::{self, Metadata};
use std::io::{self, Write};
use std::path::Path;

use crate::platform;

/// Replaces `path` with `contents` so that any reader sees the old file or the new one, never
/// part of either: a private temporary file in the same directory, fsync, rename. The new file
/// gets the mode of `keep_mode` (the file it replaces), else 0600.
pub fn write_atomic(path: &Path, contents: &[u8], keep_mode: Option<&Metadata>) -> io::Result<()> {
    write_atomic_then(path, contents, keep_mode, || Ok(()))
}

/// [`write_atomic`] with a hook between writing and renaming, where tests simulate a crash.
pub fn write_atomic_then(
    path: &Path,
    contents: &[u8],
    keep_mode: Option<&Metadata>,
    before_rename: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let temp = dir.join(format!(".{name}.{}.{stamp}.tmp", std::process::id()));
    let result = (|| {
        let mut file = platform::create_private(&temp)?;
        file.write_all(contents)?;
        if let Some(meta) = keep_mode {
            platform::set_same_mode(&file, meta)?;
        }
        file.sync_all()?;
        before_rename()?;
        fs::rename(&temp, path)?;
        // The rename itself is durable only once the directory is synced.
        #[cfg(unix)]
        fs::File::open(dir)?.sync_all()?;
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

    #[test]
    fn replaces_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("mfa-env-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credentials");
        fs::write(&path, "old").unwrap();

        let crash = write_atomic_then(&path, b"new", None, || Err(io::Error::other("crash")));
        assert!(crash.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left behind"
        );

        // A crash (here a panic, with no cleanup) between write and rename: the file is whole.
        let crashed = std::panic::catch_unwind(|| {
            write_atomic_then(&path, b"half", None, || panic!("killed"))
        });
        assert!(crashed.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");

        write_atomic(&path, b"new", None).unwrap();
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
}
