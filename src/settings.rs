//! Arguments, environment and profile files resolved into the settings of one run: which
//! long-term keys sign, which MFA device, which region and endpoint, which role.

use std::env;
use std::path::{Path, PathBuf};

use crate::cli::{self, Args};
use crate::error::{Error, Result};
use crate::platform;
use crate::profiles::{FileKind, Profiles, Properties};

/// Where the long-term keys that sign the STS call come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A profile in the shared files (aws-config's profile provider reads it).
    Profile(String),
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` without a session token: the CI case.
    Env {
        access_key_id: String,
        secret_access_key: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

#[derive(Debug)]
pub struct Settings {
    /// The profile (or "environment") the user selected, as messages and the cache name it.
    pub label: String,
    pub source: Source,
    pub serial: Option<String>,
    pub duration: Option<i32>,
    pub region: String,
    pub endpoint: Option<String>,
    pub role: Option<Role>,
    pub files: Files,
}

/// The shared config and credentials files, where the SDKs look for them.
#[derive(Debug, Clone)]
pub struct Files {
    pub config: Option<PathBuf>,
    pub credentials: Option<PathBuf>,
}

impl Files {
    pub fn locate() -> Files {
        let locate = |var: &str, default: &str| match env::var_os(var).filter(|v| !v.is_empty()) {
            Some(path) => expand_home(Path::new(&path)),
            None => platform::home_dir().map(|h| h.join(".aws").join(default)),
        };
        Files {
            config: locate("AWS_CONFIG_FILE", "config"),
            credentials: locate("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }

    /// Both files merged; a missing file is empty, an unreadable or malformed one an error.
    pub fn load(&self) -> Result<Profiles> {
        let mut profiles = Profiles::default();
        for (path, kind) in [
            (&self.config, FileKind::Config),
            (&self.credentials, FileKind::Credentials),
        ] {
            let Some(path) = path else { continue };
            let Some(text) = read_optional(path)? else {
                continue;
            };
            profiles.merge(&text, kind).map_err(|e| {
                Error::new(format!(
                    "{} is malformed at {e}: fix or remove that line",
                    path.display()
                ))
            })?;
        }
        Ok(profiles)
    }

    pub fn credentials_path(&self) -> Result<&Path> {
        self.credentials.as_deref().ok_or_else(|| {
            Error::new(
                "cannot find the shared credentials file: set HOME or AWS_SHARED_CREDENTIALS_FILE",
            )
        })
    }
}

/// `~/x` as the SDKs expand it.
fn expand_home(path: &Path) -> Option<PathBuf> {
    match path.strip_prefix("~") {
        Ok(rest) => platform::home_dir().map(|h| h.join(rest)),
        Err(_) => Some(path.to_owned()),
    }
}

/// A file's text, or `None` if it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::new(format!("cannot read {}: {e}", path.display()))),
    }
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

/// The profile named by `--profile` or `$AWS_PROFILE`, if any.
pub fn chosen_profile(args: &Args) -> Option<String> {
    args.profile.clone().or_else(|| var("AWS_PROFILE"))
}

/// Keys in the environment sign only when no profile was named and they are not a session from
/// an earlier run (STS refuses GetSessionToken signed by session keys).
fn env_keys(chosen: &Option<String>) -> Option<(String, String)> {
    match (
        var("AWS_ACCESS_KEY_ID"),
        var("AWS_SECRET_ACCESS_KEY"),
        var("AWS_SESSION_TOKEN"),
    ) {
        (Some(id), Some(secret), None) if chosen.is_none() => Some((id, secret)),
        _ => None,
    }
}

/// The name `resolve` would give this run, without reading any file.
pub fn label(args: &Args) -> String {
    let chosen = chosen_profile(args);
    match (&chosen, env_keys(&chosen)) {
        (None, Some(_)) => ENV_LABEL.to_owned(),
        (chosen, _) => chosen.clone().unwrap_or_else(|| "default".to_owned()),
    }
}

const ENV_LABEL: &str = "environment";

pub fn resolve(args: &Args) -> Result<Settings> {
    let files = Files::locate();
    let profiles = files.load()?;
    let chosen = chosen_profile(args);
    let env_keys = env_keys(&chosen);
    let stale_session = chosen.is_none() && var("AWS_SESSION_TOKEN").is_some();

    let (label, selected, source) = match (chosen, env_keys) {
        // Keys from the environment; settings (mfa_serial, region...) still from [default].
        (None, Some((access_key_id, secret_access_key))) => (
            ENV_LABEL.to_owned(),
            profiles.get("default"),
            Source::Env {
                access_key_id,
                secret_access_key,
            },
        ),
        (chosen, _) => {
            let name = chosen.clone().unwrap_or_else(|| "default".to_owned());
            let Some(props) = profiles.get(&name) else {
                return Err(missing_profile(
                    &name,
                    chosen.is_some(),
                    stale_session,
                    &profiles,
                    &files,
                ));
            };
            let source = match props.get("role_arn") {
                Some(_) => role_source(&name, props, &profiles)?,
                None => name.clone(),
            };
            check_has_keys(&source, profiles.get(&source).unwrap_or(props))?;
            (name, Some(props), Source::Profile(source))
        }
    };
    let source_props = match &source {
        Source::Profile(name) => profiles.get(name),
        Source::Env { .. } => None,
    };
    // A key from the selected profile, else from the profile whose keys sign.
    let key = |k: &str| {
        selected
            .and_then(|p| p.get(k))
            .or_else(|| source_props.and_then(|p| p.get(k)))
            .cloned()
    };

    let serial = args
        .serial
        .clone()
        .or_else(|| var("AWS_MFA_SERIAL"))
        .or_else(|| key("mfa_serial"));
    if let Some(serial) = &serial {
        check_serial(serial)?;
    }
    let duration = match (args.duration, selected.and_then(|p| p.get("duration_seconds"))) {
        (Some(d), _) => Some(d),
        (None, Some(text)) => Some(cli::check_duration(text).map_err(|_| {
            Error::new(format!(
                "profile '{label}' has duration_seconds = {text}: it must be a number between 900 and 129600"
            ))
        })?),
        (None, None) => None,
    };
    let region = args
        .region
        .clone()
        .or_else(|| var("AWS_REGION"))
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .or_else(|| key("region"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    check_region(&region)?;
    let endpoint = var("AWS_ENDPOINT_URL_STS")
        .or_else(|| var("AWS_ENDPOINT_URL"))
        .or_else(|| key("endpoint_url"));
    if let Some(url) = &endpoint {
        check_endpoint(url)?;
    }
    // A profile's role applies only when that profile's keys sign, as in the AWS CLI.
    let profile_role = match source {
        Source::Profile(_) => selected.and_then(|p| p.get("role_arn")).cloned(),
        Source::Env { .. } => None,
    };
    let role_arn = args.role_arn.clone().or(profile_role);
    let role = role_arn.map(|arn| Role {
        arn,
        session_name: args
            .role_session_name
            .clone()
            .or_else(|| key("role_session_name"))
            .unwrap_or_else(|| format!("mfa-env-{}", crate::time::now())),
        external_id: args.external_id.clone().or_else(|| key("external_id")),
    });
    Ok(Settings {
        label,
        source,
        serial,
        duration,
        region,
        endpoint,
        role,
        files,
    })
}

/// The profile whose keys sign for a role profile, as the AWS CLI reads it.
fn role_source(name: &str, props: &Properties, profiles: &Profiles) -> Result<String> {
    let Some(source) = props.get("source_profile") else {
        return Err(Error::new(format!(
            "profile '{name}' has role_arn but no source_profile: add source_profile = PROFILE_WITH_LONG_TERM_KEYS"
        )));
    };
    match profiles.get(source) {
        None => Err(Error::new(format!(
            "profile '{name}' names source_profile = {source}, which does not exist"
        ))),
        Some(p) if p.contains_key("role_arn") => Err(Error::new(format!(
            "profile '{name}' takes its keys from role profile '{source}': point source_profile at a profile that holds only an IAM user's long-term keys"
        ))),
        Some(_) => Ok(source.clone()),
    }
}

/// Fails early, in our words, where aws-config's provider would fail with bare ones.
fn check_has_keys(name: &str, props: &Properties) -> Result<()> {
    // A profile whose credential_process is mfa-env would have us run ourselves, endlessly.
    if props
        .get("credential_process")
        .is_some_and(|p| p.contains("mfa-env"))
    {
        return Err(Error::usage(format!(
            "profile '{name}' gets its keys from mfa-env itself (credential_process): pass --profile with the profile that holds the long-term keys"
        )));
    }
    if props.contains_key("aws_access_key_id") || props.contains_key("credential_process") {
        return Ok(());
    }
    let why = if props.keys().any(|k| k.starts_with("sso_")) {
        "it signs in through IAM Identity Center (SSO), which GetSessionToken cannot use"
    } else {
        "it has no aws_access_key_id"
    };
    Err(Error::new(format!(
        "profile '{name}' cannot sign the call: {why}; GetSessionToken needs an IAM user's long-term keys (aws configure --profile {name})"
    )))
}

fn missing_profile(
    name: &str,
    named: bool,
    stale_session: bool,
    profiles: &Profiles,
    files: &Files,
) -> Error {
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or("(no home directory)".into(), |p| p.display().to_string())
    };
    let places = format!("{} or {}", shown(&files.config), shown(&files.credentials));
    if named {
        let known = profiles.names();
        let known = if known.is_empty() {
            "there are none".to_owned()
        } else {
            format!("known: {}", known.join(", "))
        };
        return Error::new(format!(
            "profile '{name}' is not in {places} ({known}): check --profile or AWS_PROFILE"
        ));
    }
    let stale = if stale_session {
        "; the AWS_* variables hold an earlier session, which cannot sign GetSessionToken"
    } else {
        ""
    };
    Error::new(format!(
        "no long-term AWS credentials found (no [default] profile in {places}{stale}): run `aws configure` or pass --profile NAME"
    ))
}

/// An MFA serial as IAM defines it: `[\w+=/:,.@-]{9,256}`.
pub fn check_serial(serial: &str) -> Result<()> {
    let ok = (9..=256).contains(&serial.len())
        && serial
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=/:,.@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::usage(
            "the MFA serial is not a device serial or ARN (like GAHT12345678 or arn:aws:iam::123456789012:mfa/user): fix --serial-number, AWS_MFA_SERIAL or mfa_serial",
        ))
    }
}

fn check_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "'{region}' is not a region name like us-east-1: fix --region, AWS_REGION or the profile's region"
        )))
    }
}

fn check_endpoint(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    if rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace)) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "endpoint '{url}' is not an http(s) URL: fix AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        assert!(check_serial("GAHT12345678").is_ok());
        assert!(check_serial("arn:aws:iam::123456789012:mfa/user").is_ok());
        assert!(check_serial("short").is_err());
        assert!(check_serial("arn:aws:iam::1:mfa/it's").is_err());
    }

    #[test]
    fn regions_and_endpoints() {
        assert!(check_region("eu-central-1").is_ok());
        assert!(check_region("us-east-1.evil.com/").is_err());
        assert!(check_endpoint("http://127.0.0.1:5000").is_ok());
        assert!(check_endpoint("ftp://x").is_err());
        assert!(check_endpoint("https://").is_err());
    }
}
