//! "Can mfa-env use this profile, and how?", answered once: a profile's chain walked as the
//! AWS CLI walks it (`role_arn`, `source_profile` with chains and self-reference,
//! `credential_source`) to the long-term keys that sign. A run follows the walk; `list` shows
//! its kind and, where it stops, why in a few words.

use std::borrow::Cow;

use crate::aws::files::AwsFiles;
use crate::aws::profiles::{FileKind, Profile, Profiles};
use crate::error::{Error, shown, shown_cow};

/// The key `--write-profile` records so that a written session names its long-term profile.
pub(crate) const SOURCE_KEY: &str = "mfa_env_source_profile";

/// Where the keys at the end of a walk are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeysAt<'a> {
    /// A profile's static keys, or its `credential_process`.
    Profile(&'a Profile),
    /// `credential_source = Environment`: the keys in the environment.
    Environment,
    /// No keys in the files: the OS keychain's entry for this profile, looked at only when the
    /// keys are needed.
    Keychain(&'a Profile),
}

/// A chain walked to its keys: where they are, and the role profiles in the order they are
/// assumed (the one nearest the keys first).
#[derive(Debug)]
pub(crate) struct Walk<'a> {
    pub(crate) keys: KeysAt<'a>,
    pub(crate) roles: Vec<&'a Profile>,
}

/// Why a walk stopped, at which profile.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stop<'a> {
    pub(crate) at: &'a Profile,
    pub(crate) problem: Problem<'a>,
}

/// What stops mfa-env from using a profile.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Problem<'a> {
    /// A role assumed with a web identity token.
    WebIdentity,
    BothSources,
    /// A `credential_source` other than `Environment`.
    CredentialSource(&'a str),
    NoSource,
    /// `source_profile` names a profile that is not there.
    MissingSource(&'a str),
    /// The `source_profile` settings go round (reported at the profile the walk began at).
    Loop,
    /// One of the two keys without the other: the one missing.
    MissingKey(&'static str),
    /// A session, not long-term keys (`aws_session_token`, or an `ASIA` access key id).
    Temporary,
    /// A `credential_process` that is mfa-env itself.
    CallsMfaEnv,
    Sso,
    /// Its source's section could not be read again (a big file changed meanwhile): why.
    Unreadable(String),
}

/// Walks `selected`'s chain to the keys that sign.
pub(crate) fn walk<'a>(
    selected: &'a Profile,
    profiles: &'a Profiles,
) -> Result<Walk<'a>, Stop<'a>> {
    let stop = |at, problem| Err(Stop { at, problem });
    let mut roles = Vec::new();
    let mut visited: Vec<&str> = Vec::new();
    let mut profile = selected;
    loop {
        let done = |keys, mut roles: Vec<&'a Profile>| {
            roles.reverse();
            Ok(Walk { keys, roles })
        };
        if !profile.has("role_arn") {
            return done(usable_keys(profile)?, roles);
        }
        // As botocore: with a web identity token the role is assumed with it, not a source.
        if profile.has("web_identity_token_file") {
            return stop(profile, Problem::WebIdentity);
        }
        roles.push(profile);
        visited.push(&profile.name);
        if let Some(source) = profile.get("credential_source") {
            if profile.has("source_profile") {
                return stop(profile, Problem::BothSources);
            }
            if !source.eq_ignore_ascii_case("Environment") {
                return stop(profile, Problem::CredentialSource(source));
            }
            return done(KeysAt::Environment, roles);
        }
        let Some(source) = profile.get("source_profile") else {
            return stop(profile, Problem::NoSource);
        };
        // A profile may take its own keys: role_arn and keys in one section (or the keychain).
        if source == profile.name {
            return done(usable_keys(profile)?, roles);
        }
        let next = match profiles.get(source) {
            Ok(Some(next)) => next,
            Ok(None) => return stop(profile, Problem::MissingSource(source)),
            Err(e) => return stop(profile, Problem::Unreadable(e.to_string())),
        };
        if visited.contains(&next.name.as_str()) {
            return stop(selected, Problem::Loop);
        }
        // A source profile with keys signs with them, even if it also names a role.
        if holds_keys(next) {
            return done(usable_keys(next)?, roles);
        }
        profile = next;
    }
}

fn holds_keys(profile: &Profile) -> bool {
    profile.has("aws_access_key_id") || profile.has("aws_secret_access_key")
}

/// Where a profile's own keys are, if they can sign: both static keys, long-term; else a
/// `credential_process` that is not mfa-env; else, with nothing in the files, the keychain.
fn usable_keys(profile: &Profile) -> Result<KeysAt<'_>, Stop<'_>> {
    let stop = |problem| {
        Err(Stop {
            at: profile,
            problem,
        })
    };
    match (
        profile.get("aws_access_key_id"),
        profile.has("aws_secret_access_key"),
    ) {
        // Only the keys that sign tell temporary from long-term by their prefix.
        (Some(id), true) if profile.has("aws_session_token") || id.starts_with("ASIA") => {
            stop(Problem::Temporary)
        }
        (Some(_), true) => Ok(KeysAt::Profile(profile)),
        (Some(_), false) => stop(Problem::MissingKey("aws_secret_access_key")),
        (None, true) => stop(Problem::MissingKey("aws_access_key_id")),
        (None, false) => match profile.get("credential_process") {
            // One whose credential_process is mfa-env would have us run ourselves, endlessly.
            Some(command) if command.contains("mfa-env") => stop(Problem::CallsMfaEnv),
            Some(_) => Ok(KeysAt::Profile(profile)),
            None if profile.has_prefix("sso_") => stop(Problem::Sso),
            None => Ok(KeysAt::Keychain(profile)),
        },
    }
}

impl Stop<'_> {
    /// The one-line message of a run that stops here, naming the fix.
    pub(crate) fn message(&self, files: &AwsFiles) -> Error {
        let name = shown(&self.at.name);
        Error::new(match &self.problem {
            Problem::WebIdentity => format!(
                "profile '{name}' assumes its role with a web identity token (web_identity_token_file), which mfa-env does not support: mfa-env needs an IAM user's long-term keys (source_profile = PROFILE_WITH_KEYS)"
            ),
            Problem::BothSources => {
                format!("profile '{name}' has both source_profile and credential_source: keep one")
            }
            Problem::CredentialSource(source) => format!(
                "profile '{name}' has credential_source = {}, which mfa-env does not support: use source_profile, or credential_source = Environment",
                shown(source)
            ),
            Problem::NoSource => format!(
                "profile '{name}' has role_arn but no source_profile: add source_profile = PROFILE_WITH_LONG_TERM_KEYS"
            ),
            Problem::MissingSource(source) => format!(
                "profile '{name}' names source_profile = {}, which is not in {}",
                shown(source),
                files.both()
            ),
            Problem::Loop => format!(
                "the source_profile settings of '{name}' form a loop: end the chain at a profile with long-term keys"
            ),
            Problem::MissingKey(missing) => {
                let present = if *missing == "aws_access_key_id" {
                    "aws_secret_access_key"
                } else {
                    "aws_access_key_id"
                };
                let file = self
                    .at
                    .entry(present)
                    .map_or_else(String::new, |(_, kind)| files.place(kind));
                format!(
                    "profile '{name}' in {file} has no {missing}: add it (aws configure --profile {name})"
                )
            }
            Problem::Temporary => {
                let (what, fix) = session_profile(self.at, files);
                format!("profile '{name}' {what}: {fix}")
            }
            Problem::CallsMfaEnv => format!(
                "profile '{name}' gets its keys from mfa-env itself (credential_process): pass --profile with the profile that holds the long-term keys"
            ),
            Problem::Sso => format!(
                "profile '{name}' cannot sign the call: it signs in through IAM Identity Center (SSO), which cannot call GetSessionToken; mfa-env needs an IAM user's long-term keys (aws configure --profile {name})"
            ),
            Problem::Unreadable(why) => why.clone(),
        })
    }

    /// A few words for `list`'s NOTE column.
    pub(crate) fn note(&self) -> Cow<'_, str> {
        Cow::Owned(match &self.problem {
            Problem::WebIdentity => {
                return Cow::Borrowed("web identity (web_identity_token_file) is not supported");
            }
            Problem::BothSources => {
                return Cow::Borrowed("both source_profile and credential_source");
            }
            Problem::CredentialSource(source) => {
                format!("credential_source {} is not supported", shown_cow(source))
            }
            Problem::NoSource => return Cow::Borrowed("role without source_profile"),
            Problem::MissingSource(source) => {
                format!("source_profile '{}' is not a profile", shown_cow(source))
            }
            Problem::Loop => return Cow::Borrowed("its source_profile settings form a loop"),
            Problem::MissingKey(missing) => format!("keys missing {missing}"),
            Problem::Temporary => match self.at.get(SOURCE_KEY) {
                Some(source) => format!("a session mfa-env wrote from '{}'", shown_cow(source)),
                None if self.at.has("aws_session_token") => {
                    return Cow::Borrowed("temporary keys (aws_session_token)");
                }
                None => return Cow::Borrowed("temporary keys (an ASIA access key id)"),
            },
            Problem::CallsMfaEnv => {
                return Cow::Borrowed("its credential_process is mfa-env itself");
            }
            Problem::Sso => return Cow::Borrowed("SSO cannot make an MFA session"),
            Problem::Unreadable(_) => return Cow::Borrowed("its file changed while it was read"),
        })
    }
}

/// What a profile holding a session is, and the fix.
pub(crate) fn session_profile(profile: &Profile, files: &AwsFiles) -> (String, String) {
    match profile.get(SOURCE_KEY) {
        Some(source) => (
            format!(
                "holds a session that mfa-env wrote from '{}'",
                shown(source)
            ),
            format!(
                "name that long-term profile with --profile {}",
                shown(source)
            ),
        ),
        None => {
            let (why, key) = if profile.has("aws_session_token") {
                ("it has an aws_session_token", "aws_session_token")
            } else {
                ("its access key id starts with ASIA", "aws_access_key_id")
            };
            let file = profile
                .entry(key)
                .map_or_else(String::new, |(_, kind)| files.place(kind));
            (
                format!(
                    "in {file} holds temporary credentials ({why}), which cannot get an MFA session"
                ),
                "name a profile with an IAM user's long-term keys with --profile".to_owned(),
            )
        }
    }
}

/// The kind of a profile, as `list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Keys,
    Role,
    Process,
    Sso,
    Other,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Keys => "keys",
            Kind::Role => "role",
            Kind::Process => "process",
            Kind::Sso => "sso",
            Kind::Other => "other",
        }
    }
}

/// What `list` says of a profile: its kind, where the keys that sign for it are, and where its
/// walk stops if it stops.
pub(crate) struct Classified {
    pub(crate) kind: Kind,
    /// `credentials`, `config`, `process`, `environment`, or `keychain?` (not looked at).
    pub(crate) keys: Option<&'static str>,
    pub(crate) note: Option<String>,
}

/// `list`'s view of `walk`. A stop past the profile itself (in its source) is shown with the
/// profile it happened at.
pub(crate) fn classify<'a>(profile: &'a Profile, profiles: &'a Profiles) -> Classified {
    let kind = if profile.has("role_arn") {
        Kind::Role
    } else if holds_keys(profile) {
        Kind::Keys
    } else if profile.has("credential_process") {
        Kind::Process
    } else if profile.has_prefix("sso_") {
        Kind::Sso
    } else {
        Kind::Other
    };
    match walk(profile, profiles) {
        Ok(walk) => Classified {
            kind,
            keys: Some(match walk.keys {
                KeysAt::Profile(at) => match at.entry("aws_access_key_id") {
                    Some((_, FileKind::Credentials)) => "credentials",
                    Some((_, FileKind::Config)) => "config",
                    None => "process",
                },
                KeysAt::Environment => "environment",
                KeysAt::Keychain(_) => "keychain?",
            }),
            note: None,
        },
        Err(stop) => Classified {
            kind,
            keys: None,
            note: Some(if stop.at.name == profile.name {
                stop.note().into_owned()
            } else {
                format!("via '{}': {}", shown_cow(&stop.at.name), stop.note())
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles(config: &str, credentials: &str) -> Profiles {
        let mut p = Profiles::default();
        p.merge(config, FileKind::Config).unwrap();
        p.merge(credentials, FileKind::Credentials).unwrap();
        p
    }

    /// Every answer, for a run and for `list`, from one walk.
    #[test]
    fn one_answer_for_the_chain_and_for_list() {
        let p = profiles(
            "[profile admin]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\n\
             [profile top]\nrole_arn = arn:aws:iam::1:role/t\nsource_profile = admin\n\
             [profile env]\nrole_arn = arn:aws:iam::1:role/e\ncredential_source = Environment\n\
             [profile self]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = self\n\
             [profile loop1]\nrole_arn = arn:aws:iam::1:role/l\nsource_profile = loop2\n\
             [profile loop2]\nrole_arn = arn:aws:iam::1:role/l\nsource_profile = loop1\n\
             [profile viasso]\nrole_arn = arn:aws:iam::1:role/v\nsource_profile = sso\n\
             [profile sso]\nsso_start_url = https://x\n\
             [profile proc]\ncredential_process = get-keys\n\
             [profile bare]\nregion = eu-west-1\n\
             [profile viabare]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = bare\n\
             [profile me]\ncredential_process = mfa-env --shell json\n\
             [profile web]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /t\n",
            "[base]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\
             [asia]\naws_access_key_id = ASIAX\naws_secret_access_key = s\n",
        );
        let get = |name: &str| p.get(name).unwrap().unwrap();
        let w = walk(get("top"), &p).unwrap();
        assert_eq!(w.keys, KeysAt::Profile(get("base")));
        let names: Vec<&str> = w.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["admin", "top"]);
        assert_eq!(walk(get("env"), &p).unwrap().keys, KeysAt::Environment);
        assert_eq!(
            walk(get("proc"), &p).unwrap().keys,
            KeysAt::Profile(get("proc"))
        );
        let stop = |name: &str| walk(get(name), &p).unwrap_err();
        // Without keys in the files, the keychain's: of the profile that would hold them.
        assert_eq!(
            walk(get("self"), &p).unwrap().keys,
            KeysAt::Keychain(get("self"))
        );
        assert_eq!(
            walk(get("bare"), &p).unwrap().keys,
            KeysAt::Keychain(get("bare"))
        );
        assert_eq!(
            walk(get("viabare"), &p).unwrap().keys,
            KeysAt::Keychain(get("bare"))
        );
        assert_eq!(stop("loop1").problem, Problem::Loop);
        assert_eq!(stop("viasso").at.name, "sso");
        for (name, kind, note) in [
            ("admin", Kind::Role, None),
            ("base", Kind::Keys, None),
            (
                "asia",
                Kind::Keys,
                Some("temporary keys (an ASIA access key id)"),
            ),
            (
                "loop1",
                Kind::Role,
                Some("its source_profile settings form a loop"),
            ),
            (
                "viasso",
                Kind::Role,
                Some("via 'sso': SSO cannot make an MFA session"),
            ),
            (
                "me",
                Kind::Process,
                Some("its credential_process is mfa-env itself"),
            ),
            (
                "web",
                Kind::Role,
                Some("web identity (web_identity_token_file) is not supported"),
            ),
        ] {
            let c = classify(get(name), &p);
            assert_eq!((c.kind, c.note.as_deref()), (kind, note), "{name}");
        }
    }
}
