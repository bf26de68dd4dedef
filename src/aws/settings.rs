//! The settings of one run, as a pure function of the request, an environment snapshot and the
//! parsed shared files: which long-term keys sign, which roles follow, which MFA device, which
//! duration, region and endpoint. Each setting's sources, in order, are declared in `sources`;
//! the role chain is walked in `chain`; this puts them together.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::aws::chain::{self, KeysAt, Walk};
use crate::aws::endpoint::{self, Variant};
use crate::aws::files::{AwsFiles, expand_home};
use crate::aws::profiles::Profile;
use crate::aws::sources::{self, Lookup};
use crate::checks;
use crate::durations;
use crate::environment::Environment;
use crate::environment::vars::Before;
use crate::error::{Error, Result, shown};
use crate::keychain::Keychain;
use crate::request::{Choice, Prompt};

pub(crate) use crate::aws::sources::{Origin, Setting};

/// The name a run without a profile (keys from the environment) goes by.
pub(crate) const ENV_LABEL: &str = "environment";

/// The long-term keys that sign the first call.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Keys {
    Static {
        access_key_id: String,
        secret_access_key: String,
    },
    /// A profile's `credential_process`.
    Process { command: String },
    /// A profile without keys in the files: the keychain's entry for it, read when needed.
    Keychain { profile: String, keychain: Keychain },
}

// Secrets stay out of debug output.
impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Keys::Static { access_key_id, .. } => write!(f, "Static({access_key_id}, ..)"),
            Keys::Process { command } => write!(f, "Process({command})"),
            Keys::Keychain { profile, .. } => write!(f, "Keychain({profile})"),
        }
    }
}

/// A role to assume after the keys (or the previous role) have signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Role {
    pub(crate) arn: String,
    pub(crate) session_name: String,
    pub(crate) external_id: Option<String>,
    /// The MFA device whose code this call carries, if the role's profile names one.
    pub(crate) serial: Option<String>,
    pub(crate) duration: Option<Setting<i32>>,
    /// The profile that names this role (or the one `--role-arn` was given for).
    pub(crate) profile: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The profile the user selected (or "environment"), as messages and the cache name it.
    pub(crate) label: String,
    pub(crate) keys: Keys,
    /// Where the keys are: "profile 'x'" or the environment.
    pub(crate) keys_origin: String,
    /// The profile whose keys sign (none for keys from the environment).
    pub(crate) keys_profile: Option<String>,
    /// For keys from the environment: their access key id, which names them in the cache.
    pub(crate) keys_id: Option<String>,
    /// Roles to assume in order; empty for a plain MFA session.
    pub(crate) roles: Vec<Role>,
    /// The MFA device for GetSessionToken (a plain session).
    pub(crate) serial: Option<Setting<String>>,
    /// The duration asked for a plain session.
    pub(crate) duration: Option<Setting<i32>>,
    pub(crate) region: Setting<String>,
    pub(crate) endpoint: Endpoint,
    /// A configured IAM endpoint (`rotate`), else the partition's.
    pub(crate) iam_endpoint: Option<Setting<String>>,
    /// The PEM file of the CAs to trust instead of the system's (`AWS_CA_BUNDLE`, `ca_bundle`).
    pub(crate) ca_bundle: Option<Setting<PathBuf>>,
    /// A command that prints the MFA code (`mfa_process`): the selected profile's, else that of
    /// the profile whose keys sign.
    pub(crate) mfa_process: Option<Setting<String>>,
    /// Where to ask for the code (`mfa_prompt`).
    pub(crate) mfa_prompt: Option<Setting<Prompt>>,
    /// The `mfa_serial` of the profile whose keys sign, when its roles are assumed without MFA
    /// (the AWS CLI uses a source profile's device for its own sessions only): for a note that
    /// a code given is not used, and where `mfa_serial` goes.
    pub(crate) unused_serial: Option<Setting<String>>,
}

/// The STS endpoint of a run: configured, or the default for the region and its variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    /// The region requests are signed for: the run's, except where the endpoint rules say
    /// otherwise (the legacy global endpoint is signed for us-east-1).
    pub(crate) signing_region: String,
    /// The setting that chose it; `None` for the default.
    pub(crate) origin: Option<Origin>,
}

impl Settings {
    /// The region, when the user configured one (flag, environment or profile).
    pub(crate) fn configured_region(&self) -> Option<&str> {
        match self.region.origin {
            Origin::Default | Origin::Partition(_) => None,
            _ => Some(&self.region.value),
        }
    }

    /// The MFA device this run needs a code for: the plain session's, or the first role's that
    /// names one.
    pub(crate) fn mfa_serial(&self) -> Option<&str> {
        if self.roles.is_empty() {
            self.serial.as_ref().map(|s| s.value.as_str())
        } else {
            self.roles.iter().find_map(|r| r.serial.as_deref())
        }
    }

    /// The duration that defines what was asked for: the plain session's or the final role's.
    pub(crate) fn asked_duration(&self) -> Option<i32> {
        match self.roles.last() {
            Some(role) => role.duration.as_ref().map(|d| d.value),
            None => self.duration.as_ref().map(|d| d.value),
        }
    }
}

/// The profile chosen by flag or environment (`sources::PROFILE`), and by which; `None` for
/// neither.
pub(crate) fn chosen_profile(
    flag: Option<&str>,
    env: &Environment,
) -> Result<Option<(String, Origin)>> {
    for source in sources::PROFILE {
        let chosen = match *source {
            sources::Source::Flag(name) => flag.map(|f| (f.to_owned(), Origin::Flag(name))),
            sources::Source::Env(var) => env.text(var)?.map(|v| (v.to_owned(), Origin::Env(var))),
            _ => None,
        };
        if chosen.is_some() {
            return Ok(chosen);
        }
    }
    Ok(None)
}

/// Long-term keys in the environment: they sign only when no profile was chosen and they are
/// not a session from an earlier run (STS refuses GetSessionToken signed by one).
fn env_keys(env: &Environment) -> Result<Option<(String, String)>> {
    Ok(
        match (
            env.text("AWS_ACCESS_KEY_ID")?,
            env.text("AWS_SECRET_ACCESS_KEY")?,
            env.text("AWS_SESSION_TOKEN")?,
        ) {
            (Some(id), Some(secret), None) => Some((id.to_owned(), secret.to_owned())),
            _ => None,
        },
    )
}

/// The name this run goes by, without reading any file: for `--unset --forget`.
pub(crate) fn label(flag: Option<&str>, env: &Environment) -> Result<String> {
    Ok(match chosen_profile(flag, env)? {
        Some((name, _)) => name,
        None if env_keys(env)?.is_some() => ENV_LABEL.to_owned(),
        None => "default".to_owned(),
    })
}

/// Who signs: the selected profile (whose settings apply) and the keys at the end of its chain.
struct Signer<'a> {
    label: String,
    selected: Option<&'a Profile>,
    keys: Keys,
    keys_origin: String,
    keys_profile: Option<&'a Profile>,
    keys_id: Option<String>,
    roles: Vec<Role>,
}

/// The settings of a run. `session_name` is `--role-session-name`; `now` names role sessions.
pub(crate) fn resolve(
    choice: &Choice,
    session_name: Option<&str>,
    env: &Environment,
    files: &AwsFiles,
    now: i64,
) -> Result<Settings> {
    let before = Before::capture(env)?;
    let signer = signer(choice, env, files)?;
    let lookup = Lookup {
        choice,
        env,
        before: &before,
        files,
        selected: signer.selected,
        keys_profile: signer.keys_profile,
    };
    let serial = lookup.first(sources::SERIAL)?;
    if let Some(s) = &serial {
        checked(s, checks::serial)?;
    }
    let duration = match lookup.first(sources::DURATION)? {
        Some(d) if matches!(d.origin, Origin::Flag(_)) => {
            Some(d.map(|_| choice.duration.unwrap_or_default()))
        }
        Some(d) => {
            let parsed = durations::parse_profile(&d.value, &place_of(&d.origin))?;
            Some(d.map(|_| parsed))
        }
        None => None,
    };
    let mut roles = signer.roles;
    let asked = Asked {
        serial: serial.as_ref(),
        duration: duration.as_ref(),
        session_name,
    };
    finish_roles(&mut roles, &signer.label, choice, env, &asked, now)?;
    let region = match lookup.first(sources::REGION)? {
        Some(region) => region,
        None => default_region(serial.as_ref(), &roles),
    };
    checked(&region, checks::region)?;
    let endpoint = endpoint_for(&lookup, &region)?;
    let iam_endpoint = configured_endpoint(&lookup, sources::IAM_ENDPOINT)?;
    let mfa_prompt = match lookup.first(sources::MFA_PROMPT)? {
        Some(s) => Some(Setting {
            value: Prompt::parse(&s.value).ok_or_else(|| {
                Error::new(format!(
                    "{} is '{}', not one of terminal, gui, none: fix it",
                    s.origin,
                    shown(&s.value)
                ))
            })?,
            origin: s.origin,
        }),
        None => None,
    };
    let unused_serial = if !roles.is_empty() && roles.iter().all(|r| r.serial.is_none()) {
        lookup.first(&[sources::Source::KeysProfile("mfa_serial")])?
    } else {
        None
    };
    Ok(Settings {
        label: signer.label,
        keys: signer.keys,
        keys_origin: signer.keys_origin,
        keys_profile: signer.keys_profile.map(|p| p.name.clone()),
        keys_id: signer.keys_id,
        roles,
        serial,
        duration,
        region,
        endpoint,
        iam_endpoint,
        ca_bundle: ca_bundle(&lookup, env)?,
        mfa_process: lookup.first(sources::MFA_PROCESS)?,
        mfa_prompt,
        unused_serial,
    })
}

/// The selected profile and the keys that sign: the chosen profile's chain, or, when no
/// profile is chosen, long-term keys in the environment (settings still from `[default]`, as
/// the AWS CLI reads them).
fn signer<'a>(choice: &Choice, env: &Environment, files: &'a AwsFiles) -> Result<Signer<'a>> {
    let chosen =
        chosen_profile(choice.profile.as_deref(), env)?.map(|(name, origin)| match origin {
            Origin::Flag(_) if choice.profile_word => (name, Origin::Flag("PROFILE")),
            origin => (name, origin),
        });
    if chosen.is_none()
        && let Some((access_key_id, secret_access_key)) = env_keys(env)?
    {
        return Ok(Signer {
            label: ENV_LABEL.to_owned(),
            selected: files.profiles.get("default")?,
            keys: Keys::Static {
                access_key_id: access_key_id.clone(),
                secret_access_key,
            },
            keys_origin: "AWS_ACCESS_KEY_ID in the environment".to_owned(),
            keys_profile: None,
            keys_id: Some(access_key_id),
            roles: Vec::new(),
        });
    }
    let (name, origin) = chosen.unwrap_or_else(|| ("default".to_owned(), Origin::Default));
    let Some(profile) = files.profiles.get(&name)? else {
        let stale_session = env.text("AWS_SESSION_TOKEN")?.is_some();
        return Err(missing_profile(&name, &origin, stale_session, files));
    };
    refuse_written_session(profile, &origin, files)?;
    let Walk { keys, roles } =
        chain::walk(profile, &files.profiles).map_err(|stop| stop.message(files))?;
    let roles = roles
        .into_iter()
        .map(|r| role_of(r, files))
        .collect::<Result<Vec<_>>>()?;
    let (keys, keys_origin, keys_profile) = match keys {
        KeysAt::Profile(at) => (
            keys_of(at),
            format!("profile '{}'", shown(&at.name)),
            Some(at),
        ),
        KeysAt::Keychain(at) => (
            Keys::Keychain {
                profile: at.name.clone(),
                keychain: Keychain::of(env),
            },
            format!(
                "profile '{}' (its keys in {})",
                shown(&at.name),
                Keychain::name()
            ),
            Some(at),
        ),
        KeysAt::Environment => {
            let Some((access_key_id, secret_access_key)) = env_keys(env)? else {
                let role = roles.last().map_or(name.as_str(), |r| r.profile.as_str());
                return Err(Error::new(format!(
                    "profile '{}' takes its keys from the environment (credential_source = Environment), but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY do not hold long-term keys",
                    shown(role)
                )));
            };
            let keys = Keys::Static {
                access_key_id,
                secret_access_key,
            };
            (
                keys,
                "AWS_ACCESS_KEY_ID in the environment".to_owned(),
                None,
            )
        }
    };
    Ok(Signer {
        label: name,
        selected: Some(profile),
        keys,
        keys_origin,
        keys_profile,
        keys_id: None,
        roles,
    })
}

/// What the run asked for the last role: the run's MFA device and duration, and the session
/// name of `--role-session-name`.
struct Asked<'a> {
    serial: Option<&'a Setting<String>>,
    duration: Option<&'a Setting<i32>>,
    session_name: Option<&'a str>,
}

/// What the command line adds to the roles: `--role-arn` as a last role of `label`'s (with the
/// run's MFA device), the run's device, external id, session name and duration for the last
/// one, and a session name for each; every role's duration checked.
fn finish_roles(
    roles: &mut Vec<Role>,
    label: &str,
    choice: &Choice,
    env: &Environment,
    asked: &Asked,
    now: i64,
) -> Result<()> {
    let Asked {
        serial,
        duration,
        session_name,
    } = *asked;
    if let Some(arn) = &choice.role_arn {
        roles.push(Role {
            arn: arn.clone(),
            session_name: String::new(),
            external_id: None,
            serial: None,
            duration: None,
            profile: label.to_owned(),
        });
    }
    if let Some(last) = roles.last_mut() {
        if choice.serial.is_some()
            || env.text("AWS_MFA_SERIAL")?.is_some()
            || choice.role_arn.is_some()
        {
            last.serial = serial.map(|s| s.value.clone());
        }
        if let Some(id) = &choice.external_id {
            last.external_id = Some(id.clone());
        }
        if let Some(name) = session_name {
            last.session_name = name.to_owned();
        }
        if duration.is_some() {
            last.duration = duration.cloned();
        }
    }
    for role in roles.iter_mut() {
        if role.session_name.is_empty() {
            role.session_name = format!("mfa-env-{now}");
        }
        if let Some(d) = &role.duration
            && !durations::ROLE.contains(&d.value)
        {
            let fix = match &d.origin {
                Origin::Flag(flag) => format!("pass a smaller {flag}"),
                origin => format!("fix {origin}"),
            };
            let error = format!(
                "a role session lasts {} to {} seconds, not {}: {fix}",
                durations::ROLE.start(),
                durations::ROLE.end(),
                d.value
            );
            return Err(match d.origin {
                Origin::Flag(_) => Error::usage(error),
                _ => Error::new(error),
            });
        }
    }
    Ok(())
}

/// The endpoint, as the AWS CLI picks it: a configured one (`sources::ENDPOINT`), unless told
/// to ignore configured endpoints; else the region's default, in its FIPS or dual-stack form.
fn endpoint_for(lookup: &Lookup, region: &Setting<String>) -> Result<Endpoint> {
    if let Some(e) = configured_endpoint(lookup, sources::ENDPOINT)? {
        // As botocore: a configured endpoint is used as it is, signed for the run's region,
        // FIPS and dual-stack settings notwithstanding.
        return Ok(Endpoint {
            url: e.value,
            signing_region: region.value.clone(),
            origin: Some(e.origin),
        });
    }
    let variant = Variant {
        fips: lookup.switch(sources::FIPS)?,
        dual_stack: lookup.switch(sources::DUAL_STACK)?,
        legacy_global: lookup
            .first(sources::REGIONAL_ENDPOINTS)?
            .is_some_and(|s| s.value == "legacy"),
    };
    let default = endpoint::resolve(&region.value, variant).map_err(|why| {
        Error::new(format!(
            "there is no STS endpoint for region {} with these settings ({why}): fix {}",
            region.value, region.origin
        ))
    })?;
    Ok(Endpoint {
        url: default.url,
        signing_region: default.signing_region,
        origin: None,
    })
}

/// The first of `sources` that configures an endpoint, checked, unless configured endpoints
/// are to be ignored.
fn configured_endpoint(
    lookup: &Lookup,
    sources: &[sources::Source],
) -> Result<Option<Setting<String>>> {
    if lookup.switch(sources::IGNORE_ENDPOINTS)? {
        return Ok(None);
    }
    let configured = lookup.first(sources)?;
    if let Some(e) = &configured {
        checked(e, checks::endpoint)?;
    }
    Ok(configured)
}

/// The CA bundle (`sources::CA_BUNDLE`): the variable as a path (any bytes), the profile's with
/// `~` expanded.
fn ca_bundle(lookup: &Lookup, env: &Environment) -> Result<Option<Setting<PathBuf>>> {
    for source in sources::CA_BUNDLE {
        if let sources::Source::Env(var) = *source {
            if let Some(path) = env.path(var) {
                return Ok(Some(Setting {
                    value: path,
                    origin: Origin::Env(var),
                }));
            }
        } else if let Some(s) = lookup.first(std::slice::from_ref(source))? {
            let home = env.home();
            return Ok(Some(s.map(|v| expand_home(Path::new(&v), home.as_deref()))));
        }
    }
    Ok(None)
}

/// With no region configured: the usual region of the partition the MFA device's or the
/// roles' ARNs name (`endpoint::default_region`), else us-east-1.
fn default_region(serial: Option<&Setting<String>>, roles: &[Role]) -> Setting<String> {
    let arns = serial.map(|s| s.value.as_str()).into_iter().chain(
        roles
            .iter()
            .flat_map(|r| r.serial.as_deref().into_iter().chain([r.arn.as_str()])),
    );
    match endpoint::default_region(arns) {
        Some((partition, region)) => Setting {
            value: region.to_owned(),
            origin: Origin::Partition(partition.to_owned()),
        },
        None => Setting {
            value: "us-east-1".to_owned(),
            origin: Origin::Default,
        },
    }
}

/// A setting that fails its check: a usage error for a flag, a failed run otherwise.
fn checked(
    setting: &Setting<String>,
    check: fn(&str) -> std::result::Result<(), checks::Why>,
) -> Result<()> {
    check(&setting.value).map_err(|why| {
        let origin = &setting.origin;
        match origin {
            Origin::Flag(_) => Error::usage(format!("{origin} is {why}")),
            Origin::Env(_) => Error::new(format!("{origin} is {why}: fix or unset it")),
            _ => Error::new(format!("{origin} is {why}: fix it")),
        }
    })
}

fn place_of(origin: &Origin) -> String {
    match origin {
        Origin::Profile { profile, file, .. } => format!("profile '{}' in {file}", shown(profile)),
        other => other.to_string(),
    }
}

/// A role profile's role: its parameters checked, each naming its place when wrong.
fn role_of(profile: &Profile, files: &AwsFiles) -> Result<Role> {
    let place = |key: &'static str| -> String {
        let file = profile
            .entry(key)
            .map_or_else(|| "(no file)".to_owned(), |(_, kind)| files.place(kind));
        format!("{key} of profile '{}' in {file}", shown(&profile.name))
    };
    let check = |key: &'static str,
                 value: &str,
                 check: fn(&str) -> std::result::Result<(), checks::Why>| {
        check(value).map_err(|why| Error::new(format!("{} is {why}: fix it", place(key))))
    };
    let arn = profile.get("role_arn").unwrap_or_default();
    check("role_arn", arn, checks::role_arn)?;
    let external_id = profile.get("external_id");
    if let Some(id) = external_id {
        check("external_id", id, checks::external_id)?;
    }
    let session_name = profile.get("role_session_name").unwrap_or_default();
    if !session_name.is_empty() {
        check("role_session_name", session_name, checks::session_name)?;
    }
    let serial = profile.get("mfa_serial");
    if let Some(serial) = serial {
        check("mfa_serial", serial, checks::serial)?;
    }
    let duration = match profile.entry("duration_seconds") {
        Some((text, kind)) => {
            let file = files.place(kind);
            let place = format!("profile '{}' in {file}", shown(&profile.name));
            Some(Setting {
                value: durations::parse_profile(text, &place)?,
                origin: Origin::Profile {
                    profile: profile.name.clone(),
                    key: "duration_seconds",
                    file,
                },
            })
        }
        None => None,
    };
    Ok(Role {
        arn: arn.to_owned(),
        session_name: session_name.to_owned(),
        external_id: external_id.map(str::to_owned),
        serial: serial.map(str::to_owned),
        duration,
        profile: profile.name.clone(),
    })
}

/// The keys of a profile the walk found usable: its static keys, else its `credential_process`.
fn keys_of(profile: &Profile) -> Keys {
    match (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        (Some(access_key_id), Some(secret_access_key)) => Keys::Static {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
        },
        _ => Keys::Process {
            command: profile
                .get("credential_process")
                .unwrap_or_default()
                .to_owned(),
        },
    }
}

/// A profile that `--write-profile` filled is no place to get a new session from: say which
/// profile the session was made from.
fn refuse_written_session(profile: &Profile, origin: &Origin, files: &AwsFiles) -> Result<()> {
    if profile.has("role_arn") || !profile.has("aws_session_token") {
        return Ok(());
    }
    let (what, fix) = chain::session_profile(profile, files);
    let name = shown(&profile.name);
    Err(Error::new(match origin {
        Origin::Env(var) => {
            format!("{var} names profile '{name}', which {what}: {fix} (or unset {var})")
        }
        _ => format!("profile '{name}' {what}: {fix}"),
    }))
}

fn missing_profile(name: &str, origin: &Origin, stale_session: bool, files: &AwsFiles) -> Error {
    let shown_name = shown(name);
    if files.profiles.is_misnamed(name) {
        return Error::new(format!(
            "profile '{shown_name}' is not in {}: in the config file its section must be named [profile {shown_name}], not [{shown_name}]",
            files.both()
        ));
    }
    match origin {
        Origin::Default => {
            let stale = if stale_session {
                "; the AWS_* variables hold an earlier session, which cannot get a new one"
            } else {
                ""
            };
            Error::new(format!(
                "no long-term AWS credentials found (no [default] profile in {}{stale}): run `aws configure` or pass --profile NAME",
                files.both()
            ))
        }
        origin => {
            let names: Vec<String> = match files.profiles.names() {
                Ok(names) => names.map(shown).collect(),
                Err(e) => return e,
            };
            let known = if names.is_empty() {
                "there are none".to_owned()
            } else {
                format!("known: {}", names.join(", "))
            };
            Error::new(format!(
                "profile '{shown_name}' (from {origin}) is not in {} ({known}): fix {origin}",
                files.both()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::chain::SOURCE_KEY;
    use crate::aws::profiles::{FileKind, Profiles};

    const KEYS: &str = "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n";

    fn files(config: &str, credentials: &str) -> AwsFiles {
        let mut profiles = Profiles::default();
        profiles.merge(config, FileKind::Config).unwrap();
        profiles.merge(credentials, FileKind::Credentials).unwrap();
        AwsFiles {
            config: Some("/h/.aws/config".into()),
            credentials: Some("/h/.aws/credentials".into()),
            profiles,
        }
    }

    fn resolved(choice: &Choice, env: &[(&str, &str)], f: &AwsFiles) -> Result<Settings> {
        resolve(choice, None, &Environment::of(env), f, 1_795_914_000)
    }

    /// The exit code and message of a run that `resolve` refuses.
    fn refused(choice: &Choice, env: &[(&str, &str)], f: &AwsFiles) -> (u8, String) {
        let err = resolved(choice, env, f).unwrap_err();
        (err.exit_code(), err.to_string())
    }

    fn for_profile(name: &str) -> Choice {
        Choice {
            profile: Some(name.into()),
            ..Choice::default()
        }
    }

    fn static_id(keys: &Keys) -> &str {
        match keys {
            Keys::Static { access_key_id, .. } => access_key_id,
            Keys::Process { command } => command,
            Keys::Keychain { profile, .. } => profile,
        }
    }

    #[test]
    fn which_profile_is_selected() {
        let f = files(
            "[profile a]\n[profile b]\n[profile c]\n[profile d]\n",
            &format!("[default]\n{KEYS}[a]\n{KEYS}[b]\n{KEYS}[c]\n{KEYS}[d]\n{KEYS}"),
        );
        let flag = for_profile("a");
        let all = [
            ("AWS_PROFILE", "b"),
            ("AWS_DEFAULT_PROFILE", "c"),
            ("MFA_ENV_PROFILE", "d"),
        ];
        // Each row: the choice, the environment, the label expected.
        type Row<'a> = (&'a Choice, &'a [(&'a str, &'a str)], &'a str);
        let table: &[Row] = &[
            (&flag, &all, "a"),
            (&Choice::default(), &all, "b"),
            (&Choice::default(), &all[1..], "c"),
            (&Choice::default(), &all[2..], "d"),
            (&Choice::default(), &[], "default"),
            (&Choice::default(), &[("AWS_PROFILE", "")], "default"),
        ];
        for (choice, env, label) in table {
            let s = resolved(choice, env, &f).unwrap();
            assert_eq!(s.label, *label, "{env:?}");
        }
    }

    #[test]
    fn keys_from_the_environment_only_when_no_profile_is_chosen() {
        let f = files(
            "[default]\nregion = eu-west-1\nmfa_serial = GAHT12345678\n",
            &format!("[default]\n{KEYS}"),
        );
        let ci = [
            ("AWS_ACCESS_KEY_ID", "AKIACI"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ];
        let s = resolved(&Choice::default(), &ci, &f).unwrap();
        assert_eq!(s.label, ENV_LABEL);
        assert_eq!(static_id(&s.keys), "AKIACI");
        assert_eq!(s.keys_id.as_deref(), Some("AKIACI"));
        assert_eq!(s.region.value, "eu-west-1", "settings still from [default]");
        assert_eq!(s.mfa_serial(), Some("GAHT12345678"));

        // A session from an earlier run never signs: the profile's keys do.
        let stale = [ci[0], ci[1], ("AWS_SESSION_TOKEN", "t")];
        let s = resolved(&Choice::default(), &stale, &f).unwrap();
        assert_eq!(
            (s.label.as_str(), static_id(&s.keys)),
            ("default", "AKIAEXAMPLE")
        );

        let named = [ci[0], ci[1], ("AWS_PROFILE", "default")];
        assert_eq!(
            static_id(&resolved(&Choice::default(), &named, &f).unwrap().keys),
            "AKIAEXAMPLE"
        );
    }

    #[test]
    fn precedence_of_serial_region_endpoint_and_duration() {
        let f = files(
            "[default]\nmfa_serial = GAHT00000001\nregion = ap-south-1\nendpoint_url = http://profile\nduration_seconds = 7200\n",
            &format!("[default]\n{KEYS}"),
        );
        let s = resolved(&Choice::default(), &[], &f).unwrap();
        assert_eq!(s.mfa_serial(), Some("GAHT00000001"));
        assert_eq!(s.region.value, "ap-south-1");
        assert_eq!(s.configured_region(), Some("ap-south-1"));
        assert_eq!(s.endpoint.url, "http://profile");
        assert_eq!(s.asked_duration(), Some(7200));

        let env = [
            ("AWS_MFA_SERIAL", "GAHT00000002"),
            ("AWS_DEFAULT_REGION", "eu-north-1"),
            ("AWS_ENDPOINT_URL", "http://global"),
        ];
        let s = resolved(&Choice::default(), &env, &f).unwrap();
        assert_eq!(s.mfa_serial(), Some("GAHT00000002"));
        assert_eq!(s.region.value, "eu-north-1");
        assert_eq!(s.endpoint.url, "http://global");

        let env = [
            env[0],
            env[1],
            env[2],
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ENDPOINT_URL_STS", "http://sts"),
        ];
        let s = resolved(&Choice::default(), &env, &f).unwrap();
        assert_eq!(s.region.value, "eu-west-3");
        assert_eq!(s.endpoint.origin, Some(Origin::Env("AWS_ENDPOINT_URL_STS")));

        let flags = Choice {
            serial: Some("GAHT00000003".into()),
            region: Some("sa-east-1".into()),
            duration: Some(900),
            ..Choice::default()
        };
        let s = resolved(&flags, &env, &f).unwrap();
        assert_eq!(s.mfa_serial(), Some("GAHT00000003"));
        assert_eq!(s.region.value, "sa-east-1");
        assert_eq!(s.asked_duration(), Some(900));

        let bare = files("[default]\n", &format!("[default]\n{KEYS}"));
        let s = resolved(&Choice::default(), &[], &bare).unwrap();
        assert_eq!(
            (s.region.value.as_str(), s.configured_region()),
            ("us-east-1", None)
        );
        assert_eq!(s.mfa_serial(), None);
    }

    /// After an apply set `AWS_REGION` to a profile's region, a refresh (or another profile)
    /// reads the user's own region, not ours.
    #[test]
    fn the_region_an_apply_set_is_not_the_users() {
        let f = files(
            "[default]\nregion = eu-west-1\n[profile dev]\n",
            &format!("[default]\n{KEYS}[dev]\n{KEYS}"),
        );
        let applied = [
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("MFA_ENV_REGION", "eu-west-1"),
        ];
        let s = resolved(&for_profile("dev"), &applied, &f).unwrap();
        assert_eq!(
            (s.region.value.as_str(), s.configured_region()),
            ("us-east-1", None)
        );
        let kept = [
            applied[0],
            applied[1],
            applied[2],
            ("MFA_ENV_RESTORE_REGION", "ap-south-1"),
        ];
        let s = resolved(&for_profile("dev"), &kept, &f).unwrap();
        assert_eq!(s.region.origin, Origin::Env("AWS_REGION"));
        assert_eq!(s.region.value, "ap-south-1");
    }

    #[test]
    fn iam_endpoints_follow_the_same_sources() {
        let f = files(
            "[default]\nservices = local\nendpoint_url = http://profile\n\
             [services local]\niam =\n  endpoint_url = http://iam-services\n\
             [profile plain]\nendpoint_url = http://profile\n\
             [profile ignore]\nignore_configured_endpoint_urls = true\nendpoint_url = http://x\n",
            &format!("[default]\n{KEYS}[plain]\n{KEYS}[ignore]\n{KEYS}"),
        );
        let iam = |profile: &str, env: &[(&str, &str)]| {
            resolved(&for_profile(profile), env, &f)
                .unwrap()
                .iam_endpoint
                .map(|s| s.value)
        };
        assert_eq!(iam("default", &[]).as_deref(), Some("http://iam-services"));
        assert_eq!(iam("plain", &[]).as_deref(), Some("http://profile"));
        assert_eq!(
            iam("plain", &[("AWS_ENDPOINT_URL", "http://global")]).as_deref(),
            Some("http://global")
        );
        assert_eq!(
            iam(
                "plain",
                &[
                    ("AWS_ENDPOINT_URL", "http://global"),
                    ("AWS_ENDPOINT_URL_IAM", "http://iam")
                ]
            )
            .as_deref(),
            Some("http://iam")
        );
        assert_eq!(
            iam("ignore", &[("AWS_ENDPOINT_URL_IAM", "http://iam")]),
            None
        );
    }

    #[test]
    fn endpoints_as_the_aws_cli_picks_them() {
        let f = files(
            "[default]\nservices = local\nendpoint_url = http://profile\n\
             [services local]\nsts =\n  endpoint_url = http://services\n\
             [profile fips]\nuse_fips_endpoint = true\nregion = us-east-1\n\
             [profile dual]\nuse_dualstack_endpoint = TRUE\nregion = eu-central-1\n\
             [profile ignore]\nignore_configured_endpoint_urls = true\nendpoint_url = http://x\n\
             [profile missing]\nservices = nope\n\
             [profile legacy]\nsts_regional_endpoints = legacy\n",
            &format!(
                "[default]\n{KEYS}[fips]\n{KEYS}[dual]\n{KEYS}[ignore]\n{KEYS}[missing]\n{KEYS}[legacy]\n{KEYS}"
            ),
        );
        let url = |profile: &str, env: &[(&str, &str)]| {
            let choice = for_profile(profile);
            resolved(&choice, env, &f).map(|s| s.endpoint.url)
        };
        // Table: profile, environment, endpoint.
        for (profile, env, expected) in [
            ("default", &[][..], "http://services"),
            (
                "default",
                &[("AWS_ENDPOINT_URL", "http://global")],
                "http://global",
            ),
            (
                "default",
                &[
                    ("AWS_ENDPOINT_URL", "http://global"),
                    ("AWS_ENDPOINT_URL_STS", "http://sts"),
                ],
                "http://sts",
            ),
            (
                "default",
                &[
                    ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
                    ("AWS_ENDPOINT_URL_STS", "http://sts"),
                ],
                "https://sts.us-east-1.amazonaws.com",
            ),
            ("fips", &[], "https://sts-fips.us-east-1.amazonaws.com"),
            (
                "fips",
                &[("AWS_USE_FIPS_ENDPOINT", "false")],
                "https://sts.us-east-1.amazonaws.com",
            ),
            ("dual", &[], "https://sts.eu-central-1.api.aws"),
            (
                "dual",
                &[
                    ("AWS_USE_FIPS_ENDPOINT", "true"),
                    ("AWS_REGION", "us-east-1"),
                ],
                "https://sts-fips.us-east-1.api.aws",
            ),
            (
                "fips",
                &[("AWS_ENDPOINT_URL_STS", "http://sts")],
                "http://sts",
            ),
            ("ignore", &[], "https://sts.us-east-1.amazonaws.com"),
            ("legacy", &[], "https://sts.amazonaws.com"),
            (
                "legacy",
                &[("AWS_STS_REGIONAL_ENDPOINTS", "regional")],
                "https://sts.us-east-1.amazonaws.com",
            ),
        ] {
            assert_eq!(url(profile, env).unwrap(), expected, "{profile} {env:?}");
        }
        let err = url("missing", &[]).unwrap_err().to_string();
        assert!(
            err.contains(
                "names services = nope, but /h/.aws/config has no [services nope] section"
            ),
            "{err}"
        );
    }

    /// Every case of the STS endpoint-rule tests that ship with aws-sdk-sts (`test_1` ...
    /// `test_69` in its `config/endpoint.rs`) that a user can say in the files or the
    /// environment: the host we connect to and the region we sign for. Even cases say it in
    /// the environment, odd ones in the config file. Left out: 48 and 49 (FIPS or dual-stack
    /// with a configured endpoint, which the rules refuse and botocore, like us, resolves to
    /// the configured endpoint; pinned below) and 50 (no region: we default to us-east-1).
    #[test]
    fn the_sdk_s_endpoint_rule_cases() {
        // (case, region, F fips D dual-stack G legacy global E endpoint, url, signing region)
        let cases: &[(u32, &str, &str, &str, &str)] = &[
            (
                1,
                "af-south-1",
                "-",
                "https://sts.af-south-1.amazonaws.com",
                "af-south-1",
            ),
            (
                2,
                "ap-east-1",
                "-",
                "https://sts.ap-east-1.amazonaws.com",
                "ap-east-1",
            ),
            (
                3,
                "ap-northeast-1",
                "-",
                "https://sts.ap-northeast-1.amazonaws.com",
                "ap-northeast-1",
            ),
            (
                4,
                "ap-northeast-2",
                "-",
                "https://sts.ap-northeast-2.amazonaws.com",
                "ap-northeast-2",
            ),
            (
                5,
                "ap-northeast-3",
                "-",
                "https://sts.ap-northeast-3.amazonaws.com",
                "ap-northeast-3",
            ),
            (
                6,
                "ap-south-1",
                "-",
                "https://sts.ap-south-1.amazonaws.com",
                "ap-south-1",
            ),
            (
                7,
                "ap-southeast-1",
                "-",
                "https://sts.ap-southeast-1.amazonaws.com",
                "ap-southeast-1",
            ),
            (
                8,
                "ap-southeast-2",
                "-",
                "https://sts.ap-southeast-2.amazonaws.com",
                "ap-southeast-2",
            ),
            (
                9,
                "ap-southeast-3",
                "-",
                "https://sts.ap-southeast-3.amazonaws.com",
                "ap-southeast-3",
            ),
            (
                10,
                "aws-global",
                "-",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                11,
                "ca-central-1",
                "-",
                "https://sts.ca-central-1.amazonaws.com",
                "ca-central-1",
            ),
            (
                12,
                "eu-central-1",
                "-",
                "https://sts.eu-central-1.amazonaws.com",
                "eu-central-1",
            ),
            (
                13,
                "eu-north-1",
                "-",
                "https://sts.eu-north-1.amazonaws.com",
                "eu-north-1",
            ),
            (
                14,
                "eu-south-1",
                "-",
                "https://sts.eu-south-1.amazonaws.com",
                "eu-south-1",
            ),
            (
                15,
                "eu-west-1",
                "-",
                "https://sts.eu-west-1.amazonaws.com",
                "eu-west-1",
            ),
            (
                16,
                "eu-west-2",
                "-",
                "https://sts.eu-west-2.amazonaws.com",
                "eu-west-2",
            ),
            (
                17,
                "eu-west-3",
                "-",
                "https://sts.eu-west-3.amazonaws.com",
                "eu-west-3",
            ),
            (
                18,
                "me-south-1",
                "-",
                "https://sts.me-south-1.amazonaws.com",
                "me-south-1",
            ),
            (
                19,
                "sa-east-1",
                "-",
                "https://sts.sa-east-1.amazonaws.com",
                "sa-east-1",
            ),
            (
                20,
                "us-east-1",
                "-",
                "https://sts.us-east-1.amazonaws.com",
                "us-east-1",
            ),
            (
                21,
                "us-east-1",
                "F",
                "https://sts-fips.us-east-1.amazonaws.com",
                "us-east-1",
            ),
            (
                22,
                "us-east-2",
                "-",
                "https://sts.us-east-2.amazonaws.com",
                "us-east-2",
            ),
            (
                23,
                "us-east-2",
                "F",
                "https://sts-fips.us-east-2.amazonaws.com",
                "us-east-2",
            ),
            (
                24,
                "us-west-1",
                "-",
                "https://sts.us-west-1.amazonaws.com",
                "us-west-1",
            ),
            (
                25,
                "us-west-1",
                "F",
                "https://sts-fips.us-west-1.amazonaws.com",
                "us-west-1",
            ),
            (
                26,
                "us-west-2",
                "-",
                "https://sts.us-west-2.amazonaws.com",
                "us-west-2",
            ),
            (
                27,
                "us-west-2",
                "F",
                "https://sts-fips.us-west-2.amazonaws.com",
                "us-west-2",
            ),
            (
                28,
                "us-east-1",
                "FD",
                "https://sts-fips.us-east-1.api.aws",
                "us-east-1",
            ),
            (
                29,
                "us-east-1",
                "D",
                "https://sts.us-east-1.api.aws",
                "us-east-1",
            ),
            (
                30,
                "cn-north-1",
                "-",
                "https://sts.cn-north-1.amazonaws.com.cn",
                "cn-north-1",
            ),
            (
                31,
                "cn-northwest-1",
                "-",
                "https://sts.cn-northwest-1.amazonaws.com.cn",
                "cn-northwest-1",
            ),
            (
                32,
                "cn-north-1",
                "FD",
                "https://sts-fips.cn-north-1.api.amazonwebservices.com.cn",
                "cn-north-1",
            ),
            (
                33,
                "cn-north-1",
                "F",
                "https://sts-fips.cn-north-1.amazonaws.com.cn",
                "cn-north-1",
            ),
            (
                34,
                "cn-north-1",
                "D",
                "https://sts.cn-north-1.api.amazonwebservices.com.cn",
                "cn-north-1",
            ),
            (
                35,
                "us-gov-east-1",
                "-",
                "https://sts.us-gov-east-1.amazonaws.com",
                "us-gov-east-1",
            ),
            (
                36,
                "us-gov-east-1",
                "F",
                "https://sts.us-gov-east-1.amazonaws.com",
                "us-gov-east-1",
            ),
            (
                37,
                "us-gov-west-1",
                "-",
                "https://sts.us-gov-west-1.amazonaws.com",
                "us-gov-west-1",
            ),
            (
                38,
                "us-gov-west-1",
                "F",
                "https://sts.us-gov-west-1.amazonaws.com",
                "us-gov-west-1",
            ),
            (
                39,
                "us-gov-east-1",
                "FD",
                "https://sts-fips.us-gov-east-1.api.aws",
                "us-gov-east-1",
            ),
            (
                40,
                "us-gov-east-1",
                "D",
                "https://sts.us-gov-east-1.api.aws",
                "us-gov-east-1",
            ),
            (
                41,
                "us-iso-east-1",
                "-",
                "https://sts.us-iso-east-1.c2s.ic.gov",
                "us-iso-east-1",
            ),
            (
                42,
                "us-iso-west-1",
                "-",
                "https://sts.us-iso-west-1.c2s.ic.gov",
                "us-iso-west-1",
            ),
            (
                43,
                "us-iso-east-1",
                "F",
                "https://sts-fips.us-iso-east-1.c2s.ic.gov",
                "us-iso-east-1",
            ),
            (
                44,
                "us-isob-east-1",
                "-",
                "https://sts.us-isob-east-1.sc2s.sgov.gov",
                "us-isob-east-1",
            ),
            (
                45,
                "us-isob-east-1",
                "F",
                "https://sts-fips.us-isob-east-1.sc2s.sgov.gov",
                "us-isob-east-1",
            ),
            (46, "us-east-1", "E", "https://example.com", "us-east-1"),
            (47, "", "E", "https://example.com", "us-east-1"),
            (
                51,
                "ap-northeast-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                52,
                "ap-south-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                53,
                "ap-southeast-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                54,
                "ap-southeast-2",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                55,
                "aws-global",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                56,
                "ca-central-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                57,
                "eu-central-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                58,
                "eu-north-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                59,
                "eu-west-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                60,
                "eu-west-2",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                61,
                "eu-west-3",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                62,
                "sa-east-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                63,
                "us-east-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                64,
                "us-east-2",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                65,
                "us-west-1",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                66,
                "us-west-2",
                "G",
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                67,
                "us-east-3",
                "G",
                "https://sts.us-east-3.amazonaws.com",
                "us-east-3",
            ),
            (68, "us-west-1", "GE", "https://example.com", "us-west-1"),
            (69, "", "E", "https://example.com", "us-east-1"),
        ];
        for &(case, region, flags, url, signing) in cases {
            let in_env = case % 2 == 0;
            let mut config = String::from("[default]\n");
            let mut env: Vec<(&str, &str)> = Vec::new();
            let mut say = |key: &'static str, var: &'static str, value: &'static str| {
                if in_env {
                    env.push((var, value));
                } else {
                    config.push_str(&format!("{key} = {value}\n"));
                }
            };
            if !region.is_empty() {
                say("region", "AWS_REGION", region);
            }
            if flags.contains('F') {
                say("use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT", "true");
            }
            if flags.contains('D') {
                say(
                    "use_dualstack_endpoint",
                    "AWS_USE_DUALSTACK_ENDPOINT",
                    "true",
                );
            }
            if flags.contains('G') {
                say(
                    "sts_regional_endpoints",
                    "AWS_STS_REGIONAL_ENDPOINTS",
                    "legacy",
                );
            }
            if flags.contains('E') {
                say(
                    "endpoint_url",
                    "AWS_ENDPOINT_URL_STS",
                    "https://example.com",
                );
            }
            let f = files(&config, &format!("[default]\n{KEYS}"));
            let s = resolved(&Choice::default(), &env, &f)
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            assert_eq!(
                (s.endpoint.url.as_str(), s.endpoint.signing_region.as_str()),
                (url, signing),
                "case {case}: {config:?} {env:?}"
            );
        }
        // Cases 48 and 49, as botocore resolves them: the configured endpoint, as it is.
        for var in ["AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"] {
            let f = files("[default]\n", &format!("[default]\n{KEYS}"));
            let env = [
                (var, "true"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ENDPOINT_URL_STS", "https://example.com"),
            ];
            let s = resolved(&Choice::default(), &env, &f).unwrap();
            assert_eq!(
                (s.endpoint.url.as_str(), s.endpoint.signing_region.as_str()),
                ("https://example.com", "us-east-1")
            );
        }
    }

    #[test]
    fn partitions_choose_the_region_when_none_is_configured() {
        let f = files(
            "[default]\nmfa_serial = arn:aws-us-gov:iam::123456789012:mfa/alice\n\
             [profile cn]\nrole_arn = arn:aws-cn:iam::123456789012:role/r\nsource_profile = default\n\
             [profile eu]\nmfa_serial = arn:aws-eusc:iam::123456789012:mfa/alice\n",
            &format!("[default]\n{KEYS}[eu]\n{KEYS}"),
        );
        let s = resolved(&Choice::default(), &[], &f).unwrap();
        assert_eq!(
            (s.region.value.as_str(), s.configured_region()),
            ("us-gov-west-1", None)
        );
        assert_eq!(s.endpoint.url, "https://sts.us-gov-west-1.amazonaws.com");
        let s = resolved(&for_profile("cn"), &[], &f).unwrap();
        assert_eq!(s.endpoint.url, "https://sts.cn-north-1.amazonaws.com.cn");
        let s = resolved(&for_profile("eu"), &[], &f).unwrap();
        assert_eq!(s.endpoint.url, "https://sts.eusc-de-east-1.amazonaws.eu");
        let s = resolved(&Choice::default(), &[("AWS_REGION", "us-gov-east-1")], &f).unwrap();
        assert_eq!(s.region.value, "us-gov-east-1", "a configured region wins");
    }

    #[test]
    fn file_paths_expand_as_the_aws_cli_expands_them() {
        let env = Environment::of(&[
            ("HOME", "/h"),
            ("X", "/x"),
            ("AWS_CONFIG_FILE", "$X/a ${X}/b $NOPE/c ${X"),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/k"),
        ]);
        let (config, credentials) = AwsFiles::locate(&env);
        assert_eq!(config.unwrap(), Path::new("/x/a /x/b $NOPE/c ${X"));
        assert_eq!(credentials.unwrap(), Path::new("/h/k"));
    }

    #[test]
    fn ca_bundles() {
        let f = files(
            "[default]\nca_bundle = ~/corp.pem\n",
            &format!("[default]\n{KEYS}"),
        );
        let s = resolved(&Choice::default(), &[("HOME", "/h")], &f).unwrap();
        assert_eq!(s.ca_bundle.unwrap().value, Path::new("/h/corp.pem"));
        let s = resolved(&Choice::default(), &[("AWS_CA_BUNDLE", "/etc/ca.pem")], &f).unwrap();
        let bundle = s.ca_bundle.unwrap();
        assert_eq!(
            (bundle.value.as_path(), bundle.origin),
            (Path::new("/etc/ca.pem"), Origin::Env("AWS_CA_BUNDLE"))
        );
    }

    #[test]
    fn bad_values_name_their_origin_and_exit_code() {
        let f = files(
            "[default]\nregion = Bad Region\nmfa_serial = x\n",
            &format!("[default]\n{KEYS}"),
        );
        let serial = Choice {
            serial: Some("GAHT00000001".into()),
            ..Choice::default()
        };
        let (code, err) = refused(&serial, &[], &f);
        assert_eq!(code, 1);
        assert!(
            err.starts_with("region of profile 'default' in /h/.aws/config is not a region"),
            "{err}"
        );
        let (_, err) = refused(&Choice::default(), &[], &f);
        assert!(err.contains("mfa_serial of profile 'default'"), "{err}");
        let keys_only = files("[default]\n", &format!("[default]\n{KEYS}"));
        let (code, err) = refused(&Choice::default(), &[("AWS_REGION", "x y")], &keys_only);
        assert!(err.contains("AWS_REGION"), "{err}");
        assert_eq!(code, 1);
    }

    #[test]
    fn roles_follow_the_aws_cli() {
        let creds = format!("[base]\n{KEYS}[self]\n{KEYS}");
        let f = files(
            "[profile base]\nmfa_serial = GAHT00000009\nregion = eu-west-1\nexternal_id = from-base\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nmfa_serial = GAHT00000001\nduration_seconds = 7200\n\
             [profile plain]\nrole_arn = arn:aws:iam::123456789012:role/plain\nsource_profile = base\n\
             [profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = admin\nexternal_id = ext\n\
             [profile self]\nrole_arn = arn:aws:iam::123456789012:role/self\nsource_profile = self\n\
             [profile env]\nrole_arn = arn:aws:iam::123456789012:role/env\ncredential_source = Environment\n\
             [profile loop1]\nrole_arn = arn:aws:iam::123456789012:role/l\nsource_profile = loop2\n\
             [profile loop2]\nrole_arn = arn:aws:iam::123456789012:role/l\nsource_profile = loop1\n",
            &creds,
        );
        let pick = |name: &str, env: &[(&str, &str)]| resolved(&for_profile(name), env, &f);
        let s = pick("admin", &[]).unwrap();
        assert_eq!(s.keys_profile.as_deref(), Some("base"));
        assert_eq!(s.roles.len(), 1);
        assert_eq!(s.roles[0].serial.as_deref(), Some("GAHT00000001"));
        assert_eq!(
            s.roles[0].external_id, None,
            "nothing is taken from the source profile"
        );
        assert_eq!(
            s.region.value, "us-east-1",
            "not the source profile's region"
        );
        assert_eq!(s.asked_duration(), Some(7200));
        assert_eq!(s.roles[0].session_name, "mfa-env-1795914000");

        let s = pick("plain", &[]).unwrap();
        assert_eq!(
            s.roles[0].serial, None,
            "no mfa_serial of its own: assumed without MFA"
        );
        assert_eq!(
            s.unused_serial.map(|u| u.value).as_deref(),
            Some("GAHT00000009"),
            "the source's device, for the note"
        );
        assert_eq!(pick("admin", &[]).unwrap().unused_serial, None);

        let s = pick("top", &[]).unwrap();
        let arns: Vec<&str> = s.roles.iter().map(|r| r.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::123456789012:role/admin",
                "arn:aws:iam::123456789012:role/top"
            ]
        );
        assert_eq!(s.mfa_serial(), Some("GAHT00000001"));
        assert_eq!(s.roles[1].external_id.as_deref(), Some("ext"));

        let s = pick("self", &[]).unwrap();
        assert_eq!(s.keys_profile.as_deref(), Some("self"));
        assert_eq!(s.roles.len(), 1);

        let s = pick(
            "env",
            &[
                ("AWS_ACCESS_KEY_ID", "AKIAENV"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
            ],
        )
        .unwrap();
        assert_eq!(static_id(&s.keys), "AKIAENV");
        assert!(
            pick("env", &[])
                .unwrap_err()
                .to_string()
                .contains("credential_source = Environment")
        );

        assert!(pick("loop1", &[]).unwrap_err().to_string().contains("loop"));

        // A role from the command line, on a plain profile: that profile's device.
        let s = resolved(
            &Choice {
                profile: Some("base".into()),
                role_arn: Some("arn:aws:iam::123456789012:role/x".into()),
                external_id: Some("flag-ext".into()),
                ..Choice::default()
            },
            &[],
            &f,
        )
        .unwrap();
        assert_eq!(s.roles[0].serial.as_deref(), Some("GAHT00000009"));
        assert_eq!(s.roles[0].external_id.as_deref(), Some("flag-ext"));
    }

    #[test]
    fn role_durations_name_their_place() {
        let f = files(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 50000\n",
            &format!("[default]\n{KEYS}"),
        );
        let (code, err) = refused(&for_profile("r"), &[], &f);
        assert_eq!(code, 1);
        assert!(
            err.contains("fix duration_seconds of profile 'r' in /h/.aws/config"),
            "{err}"
        );
        let flag = Choice {
            duration: Some(50000),
            ..for_profile("r")
        };
        let (code, err) = refused(&flag, &[], &f);
        assert_eq!(code, 2);
        assert!(err.contains("pass a smaller --duration-seconds"), "{err}");
    }

    #[test]
    fn messages_name_what_is_really_wrong() {
        let err = |config: &str, creds: &str, choice: &Choice, env: &[(&str, &str)]| {
            refused(choice, env, &files(config, creds)).1
        };
        let work = for_profile("work");
        let e = err("[work]\nmfa_serial = GAHT12345678\n", "", &work, &[]);
        assert!(e.contains("must be named [profile work]"), "{e}");
        let e = err("", "[work]\naws_access_key_id = A\n", &work, &[]);
        assert!(
            e.contains("profile 'work' in /h/.aws/credentials has no aws_secret_access_key"),
            "{e}"
        );
        let written = format!(
            "[default]\n{KEYS}[mfa]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n{SOURCE_KEY} = default\n"
        );
        let e = err("", &written, &Choice::default(), &[("AWS_PROFILE", "mfa")]);
        assert!(e.contains("holds a session that mfa-env wrote from 'default': name that long-term profile with --profile default"), "{e}");
        assert!(e.contains("AWS_PROFILE"), "{e}");
        let e = err("", &format!("[default]\n{KEYS}"), &for_profile("a\nb"), &[]);
        assert!(e.contains("'a\\nb'") && !e.contains('\n'), "{e}");
        let e = err("", "", &Choice::default(), &[("AWS_SESSION_TOKEN", "t")]);
        assert!(e.contains("earlier session"), "{e}");
    }

    #[test]
    fn non_utf8_environment_is_an_error_not_a_fallback() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let f = files("", &format!("[default]\n{KEYS}"));
            for var in [
                "AWS_PROFILE",
                "AWS_ENDPOINT_URL_STS",
                "AWS_MFA_SERIAL",
                "AWS_REGION",
            ] {
                let mut env = Environment::of(&[]);
                env.set_os(var, std::ffi::OsString::from_vec(b"x\xff".to_vec()));
                let err = resolve(&Choice::default(), None, &env, &f, 0).unwrap_err();
                assert!(
                    err.to_string().starts_with(&format!("{var} is not UTF-8")),
                    "{err}"
                );
            }
        }
    }
}
