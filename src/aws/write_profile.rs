//! The shared credentials file as mfa-env changes it, always under one lock, atomically, and
//! without losing any other byte of the file or any other writer's section: `--write-profile`'s
//! sessions (written, and removed by `--unset --forget`), and long-term keys moved out to the
//! keychain by `add --from-credentials`.

use std::path::PathBuf;

use crate::aws::chain::SOURCE_KEY;
use crate::aws::credentials::Credentials;
use crate::aws::files::AwsFiles;
use crate::aws::profiles;
use crate::aws::settings::Settings;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::files::{self, Lock};
use crate::platform;
use crate::time;

/// A checked place to write: refused before any code is spent when it would cost the user
/// their long-term keys, or is not the user's regular file.
pub(crate) struct Target {
    path: PathBuf,
    name: String,
}

pub(crate) fn check(
    settings: &Settings,
    files: &AwsFiles,
    name: &str,
    overwrite_long_term: bool,
) -> Result<Target> {
    if !profiles::writable_name(name) {
        return Err(Error::usage(format!(
            "--write-profile '{}' is not a profile name to write: use letters, digits and _-/.%@:+",
            shown(name)
        )));
    }
    if !overwrite_long_term && settings.keys_profile.as_deref() == Some(name) {
        return Err(Error::usage(format!(
            "--write-profile {name} would replace the long-term keys that sign the call: pick another name (or add --overwrite-long-term)"
        )));
    }
    let path = files.credentials.as_deref().ok_or_else(|| {
        Error::new(
            "cannot find the shared credentials file: set HOME or AWS_SHARED_CREDENTIALS_FILE",
        )
    })?;
    let path = files::write_target(path)?;
    let text = files::read_text(&path, files::MAX_READ)?.unwrap_or_default();
    let section = profiles::section(&text, name).map_err(|e| malformed(&path, e))?;
    let long_term =
        section.is_some_and(|s| s.has("aws_access_key_id") && !s.has("aws_session_token"));
    if long_term && !overwrite_long_term {
        return Err(Error::new(format!(
            "[{name}] in {} holds long-term keys; writing a session there would lose them: pick another name (or add --overwrite-long-term)",
            files::display(&path)
        )));
    }
    Ok(Target {
        path,
        name: name.to_owned(),
    })
}

/// Writes the session into `[name]`: under a lock shared with other mfa-env runs, re-reading
/// the file so that nothing written since the check is lost.
pub(crate) fn write(target: &Target, settings: &Settings, creds: &Credentials) -> Result<()> {
    let path = &target.path;
    let fail = |e: std::io::Error| {
        Error::new(format!(
            "cannot write {}: {e}; the file is unchanged",
            files::display(path)
        ))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        platform::create_private_dir(dir).map_err(fail)?;
    }
    let _lock = Lock::acquire(path).map_err(fail)?;
    // The file may have been replaced by another kind of thing since the check.
    files::write_target(path)?;
    let text = files::read_text(path, files::MAX_READ)?.unwrap_or_default();
    let expiration = time::format_utc(creds.expiration);
    let mut pairs = vec![
        ("aws_access_key_id", creds.access_key_id.as_str()),
        ("aws_secret_access_key", creds.secret_access_key.as_str()),
        ("aws_session_token", creds.session_token.as_str()),
        ("expiration", expiration.as_str()),
    ];
    // So that `aws --profile NAME` works like the source profile; never a region not chosen.
    if let Some(region) = settings.configured_region() {
        pairs.push(("region", region));
    }
    // So that a refresh from this profile can say which profile to use instead.
    if settings.keys_id.is_none() {
        pairs.push((SOURCE_KEY, settings.label.as_str()));
    }
    if let Some((key, _)) = pairs
        .iter()
        .find(|(_, value)| value.contains(['\n', '\r']) || value.trim() != *value)
    {
        return Err(Error::new(format!(
            "refusing to write {key}: its value cannot be written as one line; nothing was written"
        )));
    }
    let updated =
        profiles::set_section(&text, &target.name, &pairs).map_err(|e| malformed(path, e))?;
    files::write_atomic(path, updated.as_bytes()).map_err(fail)
}

/// `--unset --forget`: removes from the shared credentials file the sessions `--write-profile`
/// wrote from profile `from` (from any, with `None`), under the same lock as a write; every
/// other byte stays, and a file with none is not touched. The names removed, and the file.
pub(crate) fn forget(env: &Environment, from: Option<&str>) -> Result<(Vec<String>, String)> {
    let Some(path) = AwsFiles::locate(env).1 else {
        return Ok((Vec::new(), String::new()));
    };
    let shown_path = files::display(&path);
    let fail = |e: std::io::Error| {
        Error::new(format!(
            "cannot remove the sessions written to {shown_path}: {e}; the file is unchanged"
        ))
    };
    let path = files::write_target(&path)?;
    if files::read_text(&path, files::MAX_READ)?.is_none() {
        return Ok((Vec::new(), shown_path));
    }
    let _lock = Lock::acquire(&path).map_err(fail)?;
    files::write_target(&path)?;
    let text = files::read_text(&path, files::MAX_READ)?.unwrap_or_default();
    let (updated, removed) =
        profiles::remove_written(&text, from).map_err(|e| malformed(&path, e))?;
    if !removed.is_empty() {
        files::write_atomic(&path, updated.as_bytes()).map_err(fail)?;
    }
    Ok((removed, shown_path))
}

/// `add --from-credentials`: the long-term keys of `[profile]` go to `keep` (which stores them
/// in the keychain); only once it succeeded are those two lines removed from the file. The
/// file, as messages name it.
pub(crate) fn move_keys(
    env: &Environment,
    profile: &str,
    keep: impl FnOnce(&str, &str) -> Result<()>,
) -> Result<String> {
    let path = AwsFiles::locate(env).1.ok_or_else(|| {
        Error::new(
            "cannot find the shared credentials file: set HOME or AWS_SHARED_CREDENTIALS_FILE",
        )
    })?;
    let file = files::display(&path);
    let path = files::write_target(&path)?;
    let none_there = || {
        Error::new(format!(
            "{file} holds no long-term keys for [{}]: run mfa-env add {} to type them",
            shown(profile),
            shown(profile)
        ))
    };
    if files::read_text(&path, files::MAX_READ)?.is_none() {
        return Err(none_there());
    }
    let _lock = Lock::acquire(&path)
        .map_err(|e| Error::new(format!("cannot lock {file}: {e}; nothing was moved")))?;
    files::write_target(&path)?;
    let text = files::read_text(&path, files::MAX_READ)?.unwrap_or_default();
    let section = profiles::section(&text, profile)
        .map_err(|e| malformed(&path, e))?
        .ok_or_else(none_there)?;
    let (Some(id), Some(secret)) = (
        section.get("aws_access_key_id"),
        section.get("aws_secret_access_key"),
    ) else {
        return Err(none_there());
    };
    if section.has("aws_session_token") {
        return Err(Error::new(format!(
            "[{}] in {file} holds a session (aws_session_token), not an IAM user's long-term keys; nothing was moved",
            shown(profile)
        )));
    }
    keep(id, secret)?;
    let updated = profiles::without_keys(&text, profile).map_err(|e| malformed(&path, e))?;
    files::write_atomic(&path, updated.as_bytes()).map_err(|e| {
        Error::new(format!(
            "the keys are in the keychain, but {file} could not be rewritten ({e}): remove aws_access_key_id and aws_secret_access_key from [{}] yourself",
            shown(profile)
        ))
    })?;
    Ok(file)
}

/// `rotate`: replaces the long-term keys of `[profile]` in the credentials file at `path`
/// (they must still be `from`'s), under the lock of every write; every other byte stays. What
/// the file held before, for `restore_keys`.
pub(crate) fn replace_keys(
    path: &std::path::Path,
    profile: &str,
    from: &str,
    to: (&str, &str),
) -> Result<Written> {
    let file = files::display(path);
    let _lock = Lock::acquire(path).map_err(|e| Error::new(format!("cannot lock {file}: {e}")))?;
    files::write_target(path)?;
    let before = files::read_text(path, files::MAX_READ)?.unwrap_or_default();
    let section = profiles::section(&before, profile).map_err(|e| malformed(path, e))?;
    if section.as_ref().and_then(|s| s.get("aws_access_key_id")) != Some(from) {
        return Err(Error::new(format!(
            "[{}] in {file} no longer holds the key {from}: it changed while rotating",
            shown(profile)
        )));
    }
    let pairs = [("aws_access_key_id", to.0), ("aws_secret_access_key", to.1)];
    let after = profiles::set_section(&before, profile, &pairs).map_err(|e| malformed(path, e))?;
    files::write_atomic(path, after.as_bytes())
        .map_err(|e| Error::new(format!("cannot write {file}: {e}")))?;
    Ok(Written { before, after })
}

/// A credentials file as `replace_keys` found it and left it.
pub(crate) struct Written {
    before: String,
    after: String,
}

// The keys stay out of debug output.
impl std::fmt::Debug for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Written(..)")
    }
}

/// Undoes `replace_keys`: the bytes from before when nobody wrote since, else the old keys set
/// back into `[profile]`.
pub(crate) fn restore_keys(
    path: &std::path::Path,
    profile: &str,
    written: &Written,
    old: (&str, &str),
) -> Result<()> {
    let file = files::display(path);
    let _lock = Lock::acquire(path).map_err(|e| Error::new(format!("cannot lock {file}: {e}")))?;
    files::write_target(path)?;
    let now = files::read_text(path, files::MAX_READ)?.unwrap_or_default();
    let text = if now == written.after {
        written.before.clone()
    } else {
        let pairs = [
            ("aws_access_key_id", old.0),
            ("aws_secret_access_key", old.1),
        ];
        profiles::set_section(&now, profile, &pairs).map_err(|e| malformed(path, e))?
    };
    files::write_atomic(path, text.as_bytes())
        .map_err(|e| Error::new(format!("cannot write {file}: {e}")))
}

fn malformed(path: &std::path::Path, e: profiles::ParseError) -> Error {
    Error::new(format!(
        "{} is malformed at {e}: fix that line; the file was not changed",
        files::display(path)
    ))
}
