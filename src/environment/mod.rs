//! The process environment, read once into a snapshot that the pure steps take as a value.

pub(crate) mod vars;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use crate::error::{Error, Result, shown};

#[derive(Debug, Clone, Default)]
pub(crate) struct Environment {
    vars: HashMap<OsString, OsString>,
    /// Our own `argv[0]`, as the shell ran us.
    program: Option<OsString>,
}

impl Environment {
    pub(crate) fn capture(program: Option<OsString>) -> Environment {
        Environment {
            vars: std::env::vars_os().collect(),
            program,
        }
    }

    /// Our own `argv[0]`.
    pub(crate) fn program(&self) -> Option<&OsStr> {
        self.program.as_deref()
    }

    #[cfg(test)]
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Environment {
        Environment {
            vars: pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect(),
            program: None,
        }
    }

    #[cfg(all(test, unix))]
    pub(crate) fn set_os(&mut self, name: &str, value: OsString) {
        self.vars.insert(name.into(), value);
    }

    /// A variable as the OS has it, set or not; empty counts as set here.
    pub(crate) fn os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// A text setting: an empty variable is not set; one that is not UTF-8 is an error that
    /// names it, never a silent fallback to another profile or endpoint.
    pub(crate) fn text(&self, name: &str) -> Result<Option<&str>> {
        match self.os(name) {
            None => Ok(None),
            Some(value) => match value.to_str() {
                Some("") => Ok(None),
                Some(text) => Ok(Some(text)),
                None => Err(Error::new(format!(
                    "{name} is not UTF-8 text ('{}'): fix or unset it",
                    shown(&value.to_string_lossy())
                ))),
            },
        }
    }

    /// A path setting: any bytes the OS allows in a path; empty is not set.
    pub(crate) fn path(&self, name: &str) -> Option<PathBuf> {
        self.os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    }

    /// Every variable, for the proxy rules (which look at names in any case) and child processes.
    pub(crate) fn vars(&self) -> impl Iterator<Item = (&OsStr, &OsStr)> {
        self.vars
            .iter()
            .map(|(k, v)| (k.as_os_str(), v.as_os_str()))
    }

    /// The user's home directory, as the AWS SDKs find it.
    pub(crate) fn home(&self) -> Option<PathBuf> {
        #[cfg(windows)]
        let home = self.path("USERPROFILE").or_else(|| {
            let (drive, path) = (self.os("HOMEDRIVE")?, self.os("HOMEPATH")?);
            let mut joined = drive.to_os_string();
            joined.push(path);
            Some(PathBuf::from(joined))
        });
        #[cfg(not(windows))]
        let home = self.path("HOME");
        home
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values() {
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut env = Environment::of(&[("A", "x"), ("EMPTY", ""), ("T", "TRUE")]);
        assert_eq!(env.text("A").unwrap(), Some("x"));
        assert_eq!(env.text("EMPTY").unwrap(), None);
        assert_eq!(env.text("MISSING").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            env.set_os("AWS_PROFILE", OsString::from_vec(b"w\xffrk".to_vec()));
            let err = env.text("AWS_PROFILE").unwrap_err();
            assert_eq!(err.exit_code(), 1);
            assert!(
                err.to_string().starts_with("AWS_PROFILE is not UTF-8"),
                "{err}"
            );
            assert!(env.path("AWS_PROFILE").is_some());
        }
    }
}
