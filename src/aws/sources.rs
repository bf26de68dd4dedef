//! Where each setting comes from, declared once as the list of its sources in order (as
//! botocore declares its config variables), evaluated by one function that records the origin
//! used, for messages. `--help` reads the same lists for its "else ..." text.

use std::fmt;

use crate::aws::files::AwsFiles;
use crate::aws::profiles::{FileKind, Profile};
use crate::environment::Environment;
use crate::environment::vars::Before;
use crate::error::{Error, Result, shown};
use crate::request::Choice;

/// One place a setting can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A flag of the request.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// A region variable as the user set it: where an apply set ours, the value it kept.
    UsersRegion(&'static str),
    /// A property of the selected profile.
    Profile(&'static str),
    /// A property of the profile whose keys sign (a role's source profile).
    KeysProfile(&'static str),
    /// A service's (`sts`, `iam`) `endpoint_url` in the `[services NAME]` section the selected
    /// profile names.
    Services(&'static str),
}

use Source::{Env, Flag, KeysProfile, Profile as Prop, Services, UsersRegion};

/// The long-term profile (then `default`).
pub(crate) const PROFILE: &[Source] = &[
    Flag("--profile"),
    Env("AWS_PROFILE"),
    Env("AWS_DEFAULT_PROFILE"),
    Env("MFA_ENV_PROFILE"),
];
/// The MFA device of a plain session.
pub(crate) const SERIAL: &[Source] = &[
    Flag("--serial-number"),
    Env("AWS_MFA_SERIAL"),
    Prop("mfa_serial"),
];
pub(crate) const DURATION: &[Source] = &[Flag("--duration-seconds"), Prop("duration_seconds")];
/// The region (then the partition's usual region, then us-east-1).
pub(crate) const REGION: &[Source] = &[
    Flag("--region"),
    UsersRegion("AWS_REGION"),
    UsersRegion("AWS_DEFAULT_REGION"),
    Prop("region"),
];
/// A configured STS endpoint (else the region's, by the SDK's rules).
pub(crate) const ENDPOINT: &[Source] = &[
    Env("AWS_ENDPOINT_URL_STS"),
    Env("AWS_ENDPOINT_URL"),
    Services("sts"),
    Prop("endpoint_url"),
];
/// A configured IAM endpoint, for `rotate` (else the partition's).
pub(crate) const IAM_ENDPOINT: &[Source] = &[
    Env("AWS_ENDPOINT_URL_IAM"),
    Env("AWS_ENDPOINT_URL"),
    Services("iam"),
    Prop("endpoint_url"),
];
pub(crate) const IGNORE_ENDPOINTS: &[Source] = &[
    Env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
    Prop("ignore_configured_endpoint_urls"),
];
pub(crate) const FIPS: &[Source] = &[Env("AWS_USE_FIPS_ENDPOINT"), Prop("use_fips_endpoint")];
pub(crate) const DUAL_STACK: &[Source] = &[
    Env("AWS_USE_DUALSTACK_ENDPOINT"),
    Prop("use_dualstack_endpoint"),
];
pub(crate) const REGIONAL_ENDPOINTS: &[Source] = &[
    Env("AWS_STS_REGIONAL_ENDPOINTS"),
    Prop("sts_regional_endpoints"),
];
/// The CAs to trust instead of the system's (a path: the variable may hold any bytes).
pub(crate) const CA_BUNDLE: &[Source] = &[Env("AWS_CA_BUNDLE"), Prop("ca_bundle")];
/// A command that prints the MFA code.
pub(crate) const MFA_PROCESS: &[Source] = &[Prop("mfa_process"), KeysProfile("mfa_process")];
pub(crate) const MFA_PROMPT: &[Source] = &[Prop("mfa_prompt")];

/// The sources after the flag, as `--help` says them: `else $AWS_MFA_SERIAL, the profile's
/// mfa_serial`.
pub(crate) fn described(sources: &[Source]) -> String {
    let words: Vec<String> = sources
        .iter()
        .filter_map(|source| match source {
            Flag(_) => None,
            Env(var) | UsersRegion(var) => Some(format!("${var}")),
            Prop(key) => Some(format!("the profile's {key}")),
            KeysProfile(key) => Some(format!("its source profile's {key}")),
            Services(service) => Some(format!("its [services] section's {service} endpoint_url")),
        })
        .collect();
    format!("else {}", words.join(", "))
}

/// Where a setting came from, so that a message names the place to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    Flag(&'static str),
    Env(&'static str),
    Profile {
        profile: String,
        key: &'static str,
        file: String,
    },
    /// The usual region of the partition an ARN names, when none is configured.
    Partition(String),
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Env(var) => write!(f, "{var}"),
            Origin::Profile { profile, key, file } => {
                write!(f, "{key} of profile '{}' in {file}", shown(profile))
            }
            Origin::Partition(partition) => write!(f, "the usual region of partition {partition}"),
            Origin::Default => f.write_str("the default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting<T> {
    pub(crate) value: T,
    pub(crate) origin: Origin,
}

impl<T> Setting<T> {
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Setting<U> {
        Setting {
            value: f(self.value),
            origin: self.origin,
        }
    }
}

/// Everything the sources of one run are read from.
pub(crate) struct Lookup<'a> {
    pub(crate) choice: &'a Choice,
    pub(crate) env: &'a Environment,
    pub(crate) before: &'a Before,
    pub(crate) files: &'a AwsFiles,
    /// The profile whose settings apply (none for keys from the environment with no
    /// `[default]`).
    pub(crate) selected: Option<&'a Profile>,
    /// The profile whose keys sign.
    pub(crate) keys_profile: Option<&'a Profile>,
}

impl Lookup<'_> {
    /// The first of `sources` that is set, and where it came from.
    pub(crate) fn first(&self, sources: &[Source]) -> Result<Option<Setting<String>>> {
        for source in sources {
            if let Some(setting) = self.get(*source)? {
                return Ok(Some(setting));
            }
        }
        Ok(None)
    }

    /// Whether the first of `sources` that is set says `true` (any case), as the AWS CLI reads
    /// its switches.
    pub(crate) fn switch(&self, sources: &[Source]) -> Result<bool> {
        Ok(self
            .first(sources)?
            .is_some_and(|s| s.value.eq_ignore_ascii_case("true")))
    }

    fn get(&self, source: Source) -> Result<Option<Setting<String>>> {
        let setting = |value: &str, origin| Setting {
            value: value.to_owned(),
            origin,
        };
        Ok(match source {
            Flag(flag) => self.flag(flag).map(|v| setting(&v, Origin::Flag(flag))),
            Env(var) => self.env.text(var)?.map(|v| setting(v, Origin::Env(var))),
            UsersRegion(var) => self
                .before
                .users_region(var)
                .map(|v| setting(v, Origin::Env(var))),
            Prop(key) => self.property(self.selected, key),
            KeysProfile(key) => self.property(self.keys_profile, key),
            Services(service) => self.services(service)?,
        })
    }

    /// The value of a flag of the request.
    fn flag(&self, flag: &str) -> Option<String> {
        let choice = self.choice;
        match flag {
            "--profile" => choice.profile.clone(),
            "--serial-number" => choice.serial.clone(),
            "--region" => choice.region.clone(),
            "--duration-seconds" => choice.duration.map(|d| d.to_string()),
            _ => None,
        }
    }

    fn property(&self, profile: Option<&Profile>, key: &'static str) -> Option<Setting<String>> {
        let profile = profile?;
        let (value, kind) = profile.entry(key)?;
        Some(Setting {
            value: value.to_owned(),
            origin: Origin::Profile {
                profile: profile.name.clone(),
                key,
                file: self.files.place(kind),
            },
        })
    }

    /// `endpoint_url` for `service` in the `[services NAME]` section the profile names with
    /// `services`.
    fn services(&self, service: &str) -> Result<Option<Setting<String>>> {
        let Some(profile) = self.selected else {
            return Ok(None);
        };
        let Some(section) = profile.get("services") else {
            return Ok(None);
        };
        let profiles = &self.files.profiles;
        let config = self.files.place(FileKind::Config);
        if !profiles.has_services(section) {
            return Err(Error::new(format!(
                "profile '{}' names services = {}, but {config} has no [services {}] section: add it or remove the line",
                shown(&profile.name),
                shown(section),
                shown(section)
            )));
        }
        Ok(profiles
            .service_setting(section, service, "endpoint_url")
            .map(|url| Setting {
                value: url,
                origin: Origin::Profile {
                    profile: profile.name.clone(),
                    key: "services",
                    file: config,
                },
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_as_help_says_them() {
        assert_eq!(
            described(SERIAL),
            "else $AWS_MFA_SERIAL, the profile's mfa_serial"
        );
        assert_eq!(
            described(REGION),
            "else $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region"
        );
        assert_eq!(
            described(MFA_PROCESS),
            "else the profile's mfa_process, its source profile's mfa_process"
        );
    }
}
