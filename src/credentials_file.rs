//! `--write-profile`: session credentials into a named section of the shared credentials file,
//! for tools that take `--profile NAME`, without losing any other byte of the file.

use std::fs;
use std::path::{Path, PathBuf};

use crate::creds::Credentials;
use crate::error::{Error, Result};
use crate::files;
use crate::profiles;
use crate::settings::{self, Settings, Source};
use crate::time;

/// Refuses, before any code is spent, a target that would cost the user their long-term keys.
pub fn check_target(settings: &Settings, name: &str, overwrite_long_term: bool) -> Result<PathBuf> {
    if !profiles::is_identifier(name) {
        return Err(Error::usage(format!(
            "--write-profile '{name}' is not a profile name: use letters, digits and _-/.%@:+"
        )));
    }
    if !overwrite_long_term
        && let Source::Profile(source) = &settings.source
        && source == name
    {
        return Err(Error::new(format!(
            "--write-profile {name} would overwrite the profile whose long-term keys sign the call: pick another name (or add --overwrite-long-term)"
        )));
    }
    let path = target(settings.files.credentials_path()?)?;
    let text = settings::read_optional(&path)?.unwrap_or_default();
    let section = profiles::section(&text, name).map_err(|e| malformed(&path, e))?;
    let long_term = section.is_some_and(|s| {
        s.contains_key("aws_access_key_id") && !s.contains_key("aws_session_token")
    });
    if long_term && !overwrite_long_term {
        return Err(Error::new(format!(
            "[{name}] in {} holds long-term keys; writing a session there would lose them: pick another name (or add --overwrite-long-term)",
            path.display()
        )));
    }
    Ok(path)
}

/// Writes the four keys into `[name]`, re-reading the file so that nothing written since is lost.
pub fn write(path: &Path, name: &str, creds: &Credentials) -> Result<()> {
    let existing = match fs::metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::new(format!("cannot read {}: {e}", path.display()))),
    };
    let text = settings::read_optional(path)?.unwrap_or_default();
    let expiration = time::format_utc(creds.expiration);
    let updated = profiles::set_section(
        &text,
        name,
        &[
            ("aws_access_key_id", &creds.access_key_id),
            ("aws_secret_access_key", &creds.secret_access_key),
            ("aws_session_token", &creds.session_token),
            ("expiration", &expiration),
        ],
    )
    .map_err(|e| malformed(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::platform::create_private_dir(dir)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    files::write_atomic(path, updated.as_bytes(), existing.as_ref()).map_err(|e| {
        Error::new(format!(
            "cannot write {}: {e}; the file is unchanged",
            path.display()
        ))
    })
}

/// The file to replace: a symlinked credentials file is written where the link points.
fn target(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_owned();
    // A chain of links, possibly ending at a file that does not exist yet.
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&path).map_err(|e| {
                    Error::new(format!("cannot follow the symlink {}: {e}", path.display()))
                })?;
                path = path.parent().map_or(next.clone(), |dir| dir.join(&next));
            }
            _ => return Ok(path),
        }
    }
    Err(Error::new(format!(
        "{} is a loop of symlinks",
        path.display()
    )))
}

fn malformed(path: &Path, e: profiles::ParseError) -> Error {
    Error::new(format!(
        "{} is malformed at {e}: fix that line; the file was not changed",
        path.display()
    ))
}
