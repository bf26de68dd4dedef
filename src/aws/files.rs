//! Where the AWS config and credentials files are (as the AWS CLI finds them, with `~` and
//! `$VARIABLES` expanded) and what they hold, read once per run.

use std::path::{Path, PathBuf};

use crate::aws::profiles::{FileKind, Profiles};
use crate::aws::served;
use crate::environment::Environment;
use crate::error::Result;
use crate::files;

/// The AWS config and credentials files: where they are and what they hold, read once.
#[derive(Debug, Default)]
pub(crate) struct AwsFiles {
    pub(crate) config: Option<PathBuf>,
    pub(crate) credentials: Option<PathBuf>,
    pub(crate) profiles: Profiles,
}

impl AwsFiles {
    /// Where the AWS CLI looks: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`;
    /// inside `exec --server`'s command, where the user's own values say (not at our copies).
    pub(crate) fn locate(env: &Environment) -> (Option<PathBuf>, Option<PathBuf>) {
        let home = env.home();
        let locate = |var: &str, default: &str| match served::users_file_var(env, var) {
            // Set but empty: the AWS CLI then reads no file at all.
            Some(value) if value.is_empty() => None,
            Some(value) => Some(expand_home(
                &expand_vars(Path::new(value), env),
                home.as_deref(),
            )),
            None => home.as_ref().map(|h| h.join(".aws").join(default)),
        };
        (
            locate("AWS_CONFIG_FILE", "config"),
            locate("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        )
    }

    /// Reads and parses both files once; a missing file is empty.
    pub(crate) fn load(env: &Environment) -> Result<AwsFiles> {
        let (config, credentials) = AwsFiles::locate(env);
        let mut profiles = Profiles::default();
        for (path, kind) in [
            (&config, FileKind::Config),
            (&credentials, FileKind::Credentials),
        ] {
            let Some(path) = path else { continue };
            if let Some(opened) = files::open_regular(path)? {
                profiles.merge_file(opened, path, kind, files::MAX_READ)?;
            }
        }
        Ok(AwsFiles {
            config,
            credentials,
            profiles,
        })
    }

    /// The file a profile's `key` came from, for messages.
    pub(crate) fn place(&self, kind: FileKind) -> String {
        let path = match kind {
            FileKind::Config => &self.config,
            FileKind::Credentials => &self.credentials,
        };
        path.as_deref()
            .map_or_else(|| "(no file)".to_owned(), files::display)
    }

    pub(crate) fn both(&self) -> String {
        format!(
            "{} or {}",
            self.place(FileKind::Config),
            self.place(FileKind::Credentials)
        )
    }
}

/// `$NAME` and `${NAME}` replaced by set variables, as the AWS CLI (Python's
/// `os.path.expandvars`) does with these paths; anything else stays as written.
fn expand_vars(path: &Path, env: &Environment) -> PathBuf {
    let Some(text) = path.to_str().filter(|t| t.contains('$')) else {
        return path.to_owned();
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", after),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        match env.text(name).ok().flatten().filter(|_| !name.is_empty()) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[at..rest.len() - tail.len()]),
        }
        rest = tail;
    }
    out.push_str(rest);
    PathBuf::from(out)
}

/// `~/x` as the AWS CLI expands it.
pub(crate) fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_owned(),
    }
}
