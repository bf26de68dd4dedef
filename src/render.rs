//! Turns a session into the complete text for one target, or refuses before anything is
//! written: callers print only a finished `Rendered`, so an `eval` never half-applies.
//!
//! Applying a session also clears `AWS_PROFILE` and `AWS_DEFAULT_PROFILE` (some SDKs prefer a
//! named profile to keys in the environment), remembers the profile in `MFA_ENV_PROFILE` (so
//! that a refresh uses the same long-term profile), and what those held before in
//! `MFA_ENV_RESTORE_*` (so that `--unset` puts it back). A configured region is set in
//! `AWS_REGION` and `AWS_DEFAULT_REGION` (the apply clears `AWS_PROFILE`, which would otherwise
//! take the profile's region with it), with the same bookkeeping. The names live in `vars`.

use serde::Serialize;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::shell::{Refused, Shell};
use crate::time;
use crate::vars::{self, Before, PROFILE, PROFILE_CHOOSERS};

pub(crate) struct Rendered {
    /// What goes to stdout.
    pub(crate) stdout: String,
    /// What to append to `$GITHUB_ENV` (github only).
    pub(crate) github_env: String,
}

/// What an apply does besides setting the session's four variables.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Apply {
    /// The long-term profile the session was made from (`None`: keys from the environment).
    pub(crate) profile: Option<String>,
    /// The region configured for the run, if one was.
    pub(crate) region: Option<String>,
    /// The variables the apply changes and remembers, as they are now.
    pub(crate) before: Before,
}

/// The `credential_process` document, in the field order the AWS documentation shows.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessOutput<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: String,
}

/// The text that applies `creds` for `shell`. `delimiter` gives GitHub heredoc delimiters.
pub(crate) fn exports(
    shell: Shell,
    creds: &Credentials,
    apply: &Apply,
    delimiter: &mut dyn FnMut() -> String,
) -> Result<Rendered> {
    creds.check()?;
    let mut out = Rendered {
        stdout: String::new(),
        github_env: String::new(),
    };
    if shell == Shell::Json {
        let document = ProcessOutput {
            version: 1,
            access_key_id: &creds.access_key_id,
            secret_access_key: &creds.secret_access_key,
            session_token: &creds.session_token,
            expiration: time::format_utc(creds.expiration),
        };
        out.stdout = serde_json::to_string_pretty(&document).map_err(|e| {
            Error::new(format!("cannot write the credential_process document: {e}"))
        })?;
        out.stdout.push('\n');
        return Ok(out);
    }

    let mut sets: Vec<(&str, String)> = creds.variables().into();
    let (region_sets, mut unsets) = vars::region_changes(&apply.before, apply.region.as_deref());
    sets.extend(region_sets);
    match &apply.profile {
        Some(profile) => sets.push((PROFILE, profile.clone())),
        None => unsets.push(PROFILE),
    }
    for (chooser, keeper) in PROFILE_CHOOSERS {
        if let Some(value) = apply.before.get(chooser) {
            sets.push((keeper, value.to_owned()));
        }
        unsets.push(chooser);
    }

    let mut text = String::new();
    for (name, value) in &sets {
        let delimiter = if shell == Shell::Github {
            unique(delimiter, value)
        } else {
            String::new()
        };
        text.push_str(
            &shell
                .set(name, value, &delimiter)
                .map_err(|r| refused(shell, name, r))?,
        );
    }
    if shell.can_unset() {
        text.push_str(
            &shell
                .unset(&unsets)
                .map_err(|r| refused(shell, "the unset lines", r))?,
        );
    }
    if shell == Shell::Github {
        out.stdout
            .push_str(&Shell::github_mask(&creds.secret_access_key));
        out.stdout
            .push_str(&Shell::github_mask(&creds.session_token));
        out.github_env = text;
    } else {
        out.stdout = text;
    }
    Ok(out)
}

/// A delimiter that does not occur in `value`.
fn unique(delimiter: &mut dyn FnMut() -> String, value: &str) -> String {
    loop {
        let candidate = delimiter();
        if !candidate.is_empty() && !value.contains(&candidate) {
            return candidate;
        }
    }
}

/// The lines that clear a session and give back the profile and region variables it replaced,
/// as `before` remembers them.
pub(crate) fn unsets(shell: Shell, before: &Before) -> Result<String> {
    let refuse = |Refused(why)| {
        Error::usage(format!(
            "--unset does not apply to --shell {}: {why}",
            shell.label()
        ))
    };
    if !shell.can_unset() {
        return Err(refuse(Refused("this format cannot unset variables")));
    }
    let mut names: Vec<&str> = vars::SESSION.to_vec();
    names.push(PROFILE);
    let mut sets = Vec::new();
    for (chooser, keeper) in PROFILE_CHOOSERS {
        if let Some(value) = before.get(keeper) {
            names.push(keeper);
            sets.push((chooser, value.to_owned()));
        }
    }
    let (region_sets, region_unsets) = vars::region_changes(before, None);
    names.extend(region_unsets);
    sets.extend(region_sets);
    let mut text = shell.unset(&names).map_err(refuse)?;
    for (name, value) in &sets {
        text.push_str(
            &shell
                .set(name, value, "")
                .map_err(|r| refused(shell, name, r))?,
        );
    }
    Ok(text)
}

fn refused(shell: Shell, name: &str, Refused(why): Refused) -> Error {
    Error::new(format!(
        "refusing to print {name} for {}: {why}; nothing was printed",
        shell.label()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::example;

    fn apply() -> Apply {
        Apply {
            profile: Some("work".into()),
            region: None,
            before: Before::of(&[("AWS_PROFILE", "work")]),
        }
    }

    fn render(shell: Shell, apply: &Apply) -> Rendered {
        let mut n = 0;
        exports(shell, &example(), apply, &mut || {
            n += 1;
            format!("EOF{n}")
        })
        .unwrap()
    }

    #[test]
    fn posix_exports_exactly() {
        assert_eq!(
            render(Shell::Posix, &apply()).stdout,
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE123'\n\
             export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n\
             export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE//token=='\n\
             export AWS_CREDENTIAL_EXPIRATION='2026-11-29T01:00:00+00:00'\n\
             export MFA_ENV_PROFILE='work'\n\
             export MFA_ENV_RESTORE_PROFILE='work'\n\
             unset AWS_PROFILE AWS_DEFAULT_PROFILE\n"
        );
        // Keys from the environment: no profile to remember, and none left over.
        let plain = render(Shell::Posix, &Apply::default()).stdout;
        assert!(plain.ends_with(
            "export AWS_CREDENTIAL_EXPIRATION='2026-11-29T01:00:00+00:00'\nunset MFA_ENV_PROFILE AWS_PROFILE AWS_DEFAULT_PROFILE\n"
        ), "{plain}");
    }

    #[test]
    fn a_configured_region_is_set_and_given_back() {
        let apply = Apply {
            profile: Some("prod".into()),
            region: Some("eu-west-1".into()),
            before: Before::of(&[("AWS_PROFILE", "prod"), ("AWS_REGION", "us-west-2")]),
        };
        assert_eq!(
            render(Shell::Posix, &apply).stdout,
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE123'\n\
             export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n\
             export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE//token=='\n\
             export AWS_CREDENTIAL_EXPIRATION='2026-11-29T01:00:00+00:00'\n\
             export AWS_REGION='eu-west-1'\n\
             export MFA_ENV_RESTORE_REGION='us-west-2'\n\
             export AWS_DEFAULT_REGION='eu-west-1'\n\
             export MFA_ENV_REGION='eu-west-1'\n\
             export MFA_ENV_PROFILE='prod'\n\
             export MFA_ENV_RESTORE_PROFILE='prod'\n\
             unset AWS_PROFILE AWS_DEFAULT_PROFILE\n"
        );
        let applied = Before::of(&[
            ("MFA_ENV_RESTORE_PROFILE", "prod"),
            ("AWS_REGION", "eu-west-1"),
            ("MFA_ENV_RESTORE_REGION", "us-west-2"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("MFA_ENV_REGION", "eu-west-1"),
        ]);
        assert_eq!(
            unsets(Shell::Posix, &applied).unwrap(),
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE MFA_ENV_RESTORE_PROFILE MFA_ENV_RESTORE_REGION AWS_DEFAULT_REGION MFA_ENV_REGION\n\
             export AWS_PROFILE='prod'\n\
             export AWS_REGION='us-west-2'\n"
        );
    }

    #[test]
    fn github_is_pinned_by_its_delimiters() {
        let out = render(Shell::Github, &apply());
        assert_eq!(
            out.stdout,
            "::add-mask::wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n::add-mask::FwoGZXIvYXdzEXAMPLE//token==\n"
        );
        assert_eq!(
            out.github_env,
            "AWS_ACCESS_KEY_ID<<EOF1\nASIAEXAMPLE123\nEOF1\n\
             AWS_SECRET_ACCESS_KEY<<EOF2\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\nEOF2\n\
             AWS_SESSION_TOKEN<<EOF3\nFwoGZXIvYXdzEXAMPLE//token==\nEOF3\n\
             AWS_CREDENTIAL_EXPIRATION<<EOF4\n2026-11-29T01:00:00+00:00\nEOF4\n\
             MFA_ENV_PROFILE<<EOF5\nwork\nEOF5\n\
             MFA_ENV_RESTORE_PROFILE<<EOF6\nwork\nEOF6\n"
        );
    }

    #[test]
    fn a_delimiter_found_in_a_value_is_drawn_again() {
        let mut draws = vec!["EXAMPLE".to_owned(), "Z1".to_owned()].into_iter();
        let out = exports(Shell::Github, &example(), &Apply::default(), &mut || {
            draws.next().unwrap_or_else(|| "Z2".into())
        })
        .unwrap();
        assert!(
            out.github_env.starts_with("AWS_ACCESS_KEY_ID<<Z1\n"),
            "{}",
            out.github_env
        );
    }

    #[test]
    fn json_is_the_credential_process_document() {
        assert_eq!(
            render(Shell::Json, &apply()).stdout,
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXAMPLE123\",\n  \
             \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\",\n  \
             \"SessionToken\": \"FwoGZXIvYXdzEXAMPLE//token==\",\n  \
             \"Expiration\": \"2026-11-29T01:00:00Z\"\n}\n"
        );
    }

    #[test]
    fn unset_restores_what_the_apply_replaced() {
        assert_eq!(
            unsets(Shell::Posix, &Before::default()).unwrap(),
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE\n"
        );
        assert_eq!(
            unsets(
                Shell::Fish,
                &Before::of(&[("MFA_ENV_RESTORE_PROFILE", "it's")])
            )
            .unwrap(),
            "set -e AWS_ACCESS_KEY_ID; or true\nset -e AWS_SECRET_ACCESS_KEY; or true\nset -e AWS_SESSION_TOKEN; or true\nset -e AWS_CREDENTIAL_EXPIRATION; or true\nset -e MFA_ENV_PROFILE; or true\nset -e MFA_ENV_RESTORE_PROFILE; or true\nset -gx AWS_PROFILE 'it\\'s'\n"
        );
        for shell in [Shell::Json, Shell::Github, Shell::Dotenv] {
            assert_eq!(
                unsets(shell, &Before::default()).unwrap_err().exit_code(),
                2
            );
        }
    }

    #[test]
    fn hostile_values_render_nothing() {
        let creds = Credentials {
            session_token: "x'; touch pwned #".into(),
            ..example()
        };
        for shell in [
            Shell::Posix,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Cmd,
            Shell::Json,
            Shell::Github,
        ] {
            assert!(exports(shell, &creds, &Apply::default(), &mut || "D".into()).is_err());
        }
        let bad_profile = Apply {
            profile: Some("a\nb".into()),
            ..Apply::default()
        };
        assert!(exports(Shell::Posix, &example(), &bad_profile, &mut || "D".into()).is_err());
    }
}
