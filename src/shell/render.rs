//! The complete text that sets and clears variables for one shell or format, or a refusal
//! before anything is written: callers print only a finished `Rendered`, so an `eval` never
//! half-applies. What to set and clear is decided elsewhere (`environment::vars`); this is
//! only how each shell writes it.

use crate::environment::vars::Lines;
use crate::error::{Error, Result};
use crate::shell::{Refused, Shell};

pub(crate) struct Rendered {
    /// What goes to stdout.
    pub(crate) stdout: String,
    /// What to append to `$GITHUB_ENV` (github only).
    pub(crate) github_env: String,
}

/// The text of an apply: each set, then the clearing. For GitHub Actions the variables go to
/// `$GITHUB_ENV` and stdout holds the masks of `secrets`; `delimiter` gives the heredoc
/// delimiters, drawn again when one occurs in a value.
pub(crate) fn apply(
    shell: Shell,
    lines: &Lines,
    secrets: &[&str],
    delimiter: &mut dyn FnMut() -> String,
) -> Result<Rendered> {
    if shell == Shell::Nu {
        let sets = lines.sets.iter().map(|(n, v)| (*n, Some(v.as_str())));
        let stdout = Shell::nu_record(sets.chain(lines.unsets.iter().map(|n| (*n, None))))
            .map_err(|(name, r)| refused(shell, name, r))?;
        return Ok(Rendered {
            stdout,
            github_env: String::new(),
        });
    }
    let mut text = String::new();
    for (name, value) in &lines.sets {
        let delimiter = if shell == Shell::Github {
            unique(delimiter, value).ok_or_else(|| {
                refused(
                    shell,
                    name,
                    Refused("no heredoc delimiter was found that it lacks"),
                )
            })?
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
                .unset(&lines.unsets)
                .map_err(|r| refused(shell, "the unset lines", r))?,
        );
    }
    Ok(if shell == Shell::Github {
        Rendered {
            stdout: secrets.iter().map(|s| Shell::github_mask(s)).collect(),
            github_env: text,
        }
    } else {
        Rendered {
            stdout: text,
            github_env: String::new(),
        }
    })
}

/// `$GITHUB_OUTPUT` lines for `outputs` (step output names, such as `aws-session-token`), each
/// a heredoc with a delimiter its value lacks.
pub(crate) fn github_outputs(
    outputs: &[(&str, &str)],
    delimiter: &mut dyn FnMut() -> String,
) -> Result<String> {
    let mut text = String::new();
    for (name, value) in outputs {
        if value.chars().any(char::is_control) {
            return Err(refused(
                Shell::Github,
                name,
                Refused("it contains a control character"),
            ));
        }
        let delimiter = unique(delimiter, value).ok_or_else(|| {
            refused(
                Shell::Github,
                name,
                Refused("no heredoc delimiter was found that it lacks"),
            )
        })?;
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    Ok(text)
}

/// A delimiter that does not occur in `value`, drawn at most 16 times (a random one of 128
/// bits is found at the first).
fn unique(delimiter: &mut dyn FnMut() -> String, value: &str) -> Option<String> {
    (0..16)
        .map(|_| delimiter())
        .find(|candidate| !candidate.is_empty() && !value.contains(candidate))
}

/// The text of `--unset`: the clearing first, then what is given back.
pub(crate) fn unset(shell: Shell, lines: &Lines) -> Result<String> {
    let refuse = |Refused(why)| {
        Error::usage(format!(
            "--unset does not apply to --shell {}: {why}",
            shell.label()
        ))
    };
    if !shell.can_unset() {
        return Err(refuse(Refused("this format cannot unset variables")));
    }
    if shell == Shell::Nu {
        let sets = lines.sets.iter().map(|(n, v)| (*n, Some(v.as_str())));
        let unsets = lines.unsets.iter().map(|n| (*n, None));
        return Shell::nu_record(unsets.chain(sets)).map_err(|(name, r)| refused(shell, name, r));
    }
    let mut text = shell.unset(&lines.unsets).map_err(refuse)?;
    for (name, value) in &lines.sets {
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
    use crate::environment::vars::{Apply, Before, apply_lines, unset_lines};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLE//token==";

    fn session() -> [(&'static str, String); 4] {
        [
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE123".into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.into()),
            ("AWS_SESSION_TOKEN", TOKEN.into()),
            (
                "AWS_CREDENTIAL_EXPIRATION",
                "2026-11-29T01:00:00+00:00".into(),
            ),
        ]
    }

    fn exports(
        shell: Shell,
        apply: &Apply,
        delimiter: &mut dyn FnMut() -> String,
    ) -> Result<Rendered> {
        super::apply(
            shell,
            &apply_lines(session(), apply),
            &[SECRET, TOKEN],
            delimiter,
        )
    }

    fn unsets(shell: Shell, before: &Before) -> Result<String> {
        unset(shell, &unset_lines(before))
    }

    fn apply() -> Apply {
        Apply {
            profile: Some("work".into()),
            region: None,
            before: Before::of(&[("AWS_PROFILE", "work")]),
        }
    }

    fn render(shell: Shell, apply: &Apply) -> Rendered {
        let mut n = 0;
        exports(shell, apply, &mut || {
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
        let out = exports(Shell::Github, &Apply::default(), &mut || {
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
    fn values_a_shell_cannot_hold_render_nothing() {
        let bad_profile = Apply {
            profile: Some("a\nb".into()),
            ..Apply::default()
        };
        for shell in [
            Shell::Posix,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Cmd,
            Shell::Github,
        ] {
            assert!(exports(shell, &bad_profile, &mut || "EOF".into()).is_err());
        }
        // A delimiter source that never finds one the value lacks: refused, not drawn forever.
        let Err(err) = exports(Shell::Github, &Apply::default(), &mut || "E".into()) else {
            panic!("rendered with a delimiter found in a value");
        };
        assert!(err.to_string().contains("no heredoc delimiter"), "{err}");
    }
}
