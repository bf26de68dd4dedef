//! What `exec --server` gives its command besides the endpoint: a private directory of this run
//! with copies of the user's config and credentials files from which every credential has been
//! removed (so that nothing in them can win over the endpoint, while regions and every other
//! setting still apply), and the way back to the real files for mfa-env run inside.
//!
//! The command's `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` name the copies;
//! `MFA_ENV_SERVED` names the directory, and `MFA_ENV_AWS_CONFIG_FILE` /
//! `MFA_ENV_AWS_SHARED_CREDENTIALS_FILE` hold what those two variables held before, when they
//! were set. The directory also holds `session.json`, what is served (no secret), for `status`.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::aws::profiles;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::files;
use crate::platform;

/// Names the directory of the `exec --server` run whose command this is.
pub(crate) const SERVED: &str = "MFA_ENV_SERVED";
/// The file variables the command gets copies for, the name of each copy, and where the value
/// it replaced is kept.
pub(crate) const FILES: [(&str, &str, &str); 2] = [
    ("AWS_CONFIG_FILE", "config", "MFA_ENV_AWS_CONFIG_FILE"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "credentials",
        "MFA_ENV_AWS_SHARED_CREDENTIALS_FILE",
    ),
];
const STATE: &str = "session.json";

/// The value of `var` (one of `FILES`) as the user set it: inside an `exec --server` command,
/// where it names our copy, the value it replaced (`None`: it was not set).
pub(crate) fn users_file_var<'a>(env: &'a Environment, var: &str) -> Option<&'a OsStr> {
    let value = env.os(var);
    let Some((_, copy, kept)) = FILES.iter().find(|(v, _, _)| *v == var) else {
        return value;
    };
    match (env.os(SERVED), value) {
        (Some(dir), Some(value)) if Path::new(value) == Path::new(dir).join(copy) => env.os(kept),
        _ => value,
    }
}

/// A directory of this run only: created fresh (0700, ours, a name nobody can guess), removed
/// when dropped.
pub(crate) struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// In `$XDG_RUNTIME_DIR` when it is ours alone, else in the cache directory, else in the
    /// temporary directory: in each, a new name, refused if anything is there already.
    pub(crate) fn create(env: &Environment) -> Result<RunDir> {
        let bases = [
            env.path("XDG_RUNTIME_DIR")
                .filter(|p| p.is_absolute() && platform::is_private_dir(p)),
            platform::cache_dir(env),
            Some(std::env::temp_dir()),
        ];
        let mut last = None;
        for base in bases.into_iter().flatten() {
            match platform::create_run_dir(&base, "mfa-env-exec-") {
                Ok(path) => return Ok(RunDir { path }),
                Err(e) => last = Some((base, e)),
            }
        }
        let (base, e) =
            last.unwrap_or_else(|| (PathBuf::from("."), std::io::ErrorKind::NotFound.into()));
        Err(Error::new(format!(
            "cannot create a private directory for the command's files in {}: {e}",
            files::display(&base)
        )))
    }

    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the copies of the user's files (`paths`: config, credentials) without their
    /// credentials, and returns the command's variables that name them and the way back.
    pub(crate) fn write_copies(
        &self,
        env: &Environment,
        paths: [Option<&Path>; 2],
    ) -> Result<Vec<(OsString, OsString)>> {
        let mut vars = vec![(SERVED.into(), self.path.as_os_str().to_owned())];
        for ((var, copy, kept), path) in FILES.iter().zip(paths) {
            let text = match path {
                Some(path) => files::read_text(path, files::MAX_READ)?.unwrap_or_default(),
                None => String::new(),
            };
            let stripped = profiles::without_credentials(&text).map_err(|e| {
                Error::new(format!(
                    "{} is malformed at {e}: fix or remove that line",
                    path.map_or_else(String::new, files::display)
                ))
            })?;
            let target = self.path.join(copy);
            files::write_new_private(&target, stripped.as_bytes()).map_err(|e| {
                Error::new(format!("cannot write {}: {e}", files::display(&target)))
            })?;
            vars.push(((*var).into(), target.into_os_string()));
            if let Some(value) = users_file_var(env, var) {
                vars.push(((*kept).into(), value.to_owned()));
            }
        }
        Ok(vars)
    }

    /// Where the endpoint says what it serves.
    pub(crate) fn state_path(&self) -> PathBuf {
        self.path.join(STATE)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What an endpoint serves, for `status` in its command: whose session, and until when it can
/// be served without a new code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) profile: String,
    pub(crate) expiration: i64,
}

impl State {
    pub(crate) fn write(&self, path: &Path) {
        if let Ok(text) = serde_json::to_vec(self) {
            let _ = files::write_atomic(path, &text);
        }
    }

    /// The state of the endpoint serving this environment's command, if it is one.
    pub(crate) fn of(env: &Environment) -> Option<State> {
        env.os("AWS_CONTAINER_CREDENTIALS_FULL_URI")?;
        let path = Path::new(env.os(SERVED)?).join(STATE);
        let text = files::read_text(&path, 4096).ok()??;
        serde_json::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_env_inside_reads_the_users_files() {
        let env = Environment::of(&[
            ("MFA_ENV_SERVED", "/run/x"),
            ("AWS_CONFIG_FILE", "/run/x/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/run/x/credentials"),
            ("MFA_ENV_AWS_SHARED_CREDENTIALS_FILE", "/h/keys"),
        ]);
        assert_eq!(users_file_var(&env, "AWS_CONFIG_FILE"), None, "was not set");
        assert_eq!(
            users_file_var(&env, "AWS_SHARED_CREDENTIALS_FILE"),
            Some(OsStr::new("/h/keys"))
        );
        // Set to something else inside the command: that is the user's choice.
        let env = Environment::of(&[
            ("MFA_ENV_SERVED", "/run/x"),
            ("AWS_CONFIG_FILE", "/elsewhere"),
        ]);
        assert_eq!(
            users_file_var(&env, "AWS_CONFIG_FILE"),
            Some(OsStr::new("/elsewhere"))
        );
    }

    #[test]
    fn a_run_dir_is_fresh_private_and_removed() {
        let base = std::env::temp_dir().join(format!("mfa-env-rundir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let env = Environment::of(&[("XDG_CACHE_HOME", base.to_str().unwrap())]);
        let a = RunDir::create(&env).unwrap();
        let b = RunDir::create(&env).unwrap();
        assert_ne!(a.path(), b.path());
        assert!(a.path().starts_with(base.join("mfa-env")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let path = a.path().to_owned();
        drop(a);
        assert!(!path.exists());
        drop(b);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
