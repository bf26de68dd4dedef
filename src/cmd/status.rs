//! `mfa-env status`: what this shell's environment holds, and what the cache holds. The prompt
//! segment (`--short`) shows only the first: a session that is merely cached is not what `aws`
//! signs with, so it is not shown.

use crate::aws::cache::Scope;
use crate::aws::obtain::cache;
use crate::aws::served::State;
use crate::aws::settings::{ENV_LABEL, Keys};
use crate::durations;
use crate::environment::Environment;
use crate::environment::vars::PROFILE as PROFILE_VAR;
use crate::error::{Result, exit, shown};
use crate::keychain::Keychain;
use crate::output;
use crate::request::Status;
use crate::time;

/// A session that this shell's environment holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct InShell {
    /// The profile it was made from (`MFA_ENV_PROFILE`), else "environment".
    pub(crate) label: String,
    /// When it ends; for one served by `exec --server`, when it can no longer be renewed
    /// without a code.
    pub(crate) expiration: i64,
    /// Served by `exec --server` rather than held in the environment's keys.
    pub(crate) served: bool,
}

/// The session in the environment: keys with a session token and an expiration, as an apply
/// or `exec` leaves them, or the endpoint of `exec --server`; `None` when there is neither.
pub(crate) fn in_shell(env: &Environment) -> Option<InShell> {
    let text = |name: &str| env.text(name).ok().flatten();
    if text("AWS_ACCESS_KEY_ID").is_none()
        && let Some(state) = State::of(env)
    {
        return Some(InShell {
            label: state.profile,
            expiration: state.expiration,
            served: true,
        });
    }
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        text(name)?;
    }
    Some(InShell {
        label: text(PROFILE_VAR).unwrap_or(ENV_LABEL).to_owned(),
        expiration: time::parse_utc(text("AWS_CREDENTIAL_EXPIRATION")?)?,
        served: false,
    })
}

pub(crate) fn run(request: &Status, env: &Environment) -> Result<u8> {
    let now = time::now();
    let in_shell = in_shell(env).filter(|s| {
        request
            .choice
            .profile
            .as_ref()
            .is_none_or(|asked| *asked == s.label)
    });
    let window = request.min_remaining.unwrap_or(0);
    if request.short {
        // A prompt segment: one line when this shell holds a session, else nothing, and never
        // a message in the prompt.
        return Ok(match in_shell.filter(|s| s.expiration - now > window) {
            Some(s) => {
                let left = durations::format_remaining(s.expiration - now);
                output::stdout(&format!("{} {left}\n", shown(&s.label)))?;
                0
            }
            None => exit::FAILED,
        });
    }
    let shell_line = match &in_shell {
        Some(s) if s.served && s.expiration > now => format!(
            "this shell: the session of '{}', served by mfa-env exec --server, {} left without a new code, until {}",
            shown(&s.label),
            durations::format_remaining(s.expiration - now),
            time::format_utc(s.expiration)
        ),
        Some(s) if s.expiration > now => format!(
            "this shell: the session of '{}', {} left, expires {}",
            shown(&s.label),
            durations::format_remaining(s.expiration - now),
            time::format_utc(s.expiration)
        ),
        Some(s) => format!(
            "this shell: the session of '{}' expired at {}",
            shown(&s.label),
            time::format_utc(s.expiration)
        ),
        None => "this shell: no session".to_owned(),
    };
    let (_, settings) = super::resolve(&request.choice, None, env, now)?;
    let label = shown(&settings.label);
    let cached = cache(env).and_then(|c| c.load(&Scope::new(&settings)));
    let (cache_line, valid) = match cached {
        Some(c) if c.expiration - now > window => (
            format!(
                "{label}: {} left, expires {}",
                durations::format_remaining(c.expiration - now),
                time::format_utc(c.expiration)
            ),
            true,
        ),
        Some(c) if c.expiration > now => (
            format!(
                "{label}: {} left, less than the --min-remaining {} asked",
                durations::format_remaining(c.expiration - now),
                durations::format_remaining(window)
            ),
            false,
        ),
        Some(c) => (
            format!(
                "{label}: the cached session expired at {}",
                time::format_utc(c.expiration)
            ),
            false,
        ),
        None => (format!("{label}: no cached session"), false),
    };
    // Where a new session's keys would come from, when that is the keychain (named, not opened);
    // keys in the files say nothing new, so setups without the keychain read as before.
    match &settings.keys {
        Keys::Keychain { profile, .. } => output::stderr(&format!(
            "{shell_line}\n{cache_line}\nkeys: {}, as {}, if it holds them (status does not open it)\n",
            Keychain::name(),
            Keychain::entry_name(profile)
        )),
        _ => output::stderr(&format!("{shell_line}\n{cache_line}\n")),
    }
    Ok(if valid { 0 } else { exit::FAILED })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_session_counts() {
        let session = [
            ("AWS_ACCESS_KEY_ID", "ASIAX"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_SESSION_TOKEN", "t"),
            ("AWS_CREDENTIAL_EXPIRATION", "2026-11-29T01:00:00+00:00"),
        ];
        let with = |extra: &[(&str, &str)], drop: &str| {
            let pairs: Vec<(&str, &str)> = session
                .iter()
                .chain(extra)
                .filter(|(k, _)| *k != drop)
                .copied()
                .collect();
            in_shell(&Environment::of(&pairs))
        };
        assert_eq!(
            with(&[(PROFILE_VAR, "prod")], ""),
            Some(InShell {
                label: "prod".into(),
                expiration: 1_795_914_000,
                served: false,
            })
        );
        assert_eq!(with(&[], "").unwrap().label, ENV_LABEL);
        // Long-term keys, an expiration alone, an unreadable expiration: no session.
        for drop in [
            "AWS_SESSION_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert_eq!(with(&[(PROFILE_VAR, "prod")], drop), None, "{drop}");
        }
        assert_eq!(with(&[("AWS_CREDENTIAL_EXPIRATION", "soon")], ""), None);
    }
}
