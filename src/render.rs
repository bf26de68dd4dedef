//! Turns credentials into the complete text for one target, or refuses before anything is
//! written: callers print only a finished `Rendered`, so an `eval` never half-applies.

use serde::Serialize;

use crate::creds::{Credentials, VARIABLES};
use crate::error::{Error, Result};
use crate::shell::{Refused, Shell};
use crate::time;

pub struct Rendered {
    /// What goes to stdout.
    pub stdout: String,
    /// What to append to `$GITHUB_ENV` (github only).
    pub github_env: String,
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

pub fn exports(shell: Shell, creds: &Credentials) -> Result<Rendered> {
    creds.check()?;
    let mut out = Rendered {
        stdout: String::new(),
        github_env: String::new(),
    };
    match shell {
        Shell::Json => {
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
        }
        Shell::Github => {
            out.stdout
                .push_str(&Shell::github_mask(&creds.secret_access_key));
            out.stdout
                .push_str(&Shell::github_mask(&creds.session_token));
            for (name, value) in creds.variables() {
                out.github_env.push_str(
                    &shell
                        .set(name, &value)
                        .map_err(|r| refused(shell, name, r))?,
                );
            }
        }
        _ => {
            for (name, value) in creds.variables() {
                out.stdout.push_str(
                    &shell
                        .set(name, &value)
                        .map_err(|r| refused(shell, name, r))?,
                );
            }
        }
    }
    Ok(out)
}

pub fn unsets(shell: Shell) -> Result<String> {
    shell.unset(&VARIABLES).map_err(|Refused(why)| {
        Error::usage(format!(
            "--unset does not apply to --shell {}: {why}",
            shell.name()
        ))
    })
}

fn refused(shell: Shell, name: &str, Refused(why): Refused) -> Error {
    Error::new(format!(
        "refusing to print {name} for {}: {why}; nothing was printed",
        shell.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::example;

    #[test]
    fn posix_exports_exactly() {
        assert_eq!(
            exports(Shell::Posix, &example()).unwrap().stdout,
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE123'\n\
             export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n\
             export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE//token=='\n\
             export AWS_CREDENTIAL_EXPIRATION='2026-11-29T01:00:00+00:00'\n"
        );
    }

    #[test]
    fn json_is_the_credential_process_document() {
        assert_eq!(
            exports(Shell::Json, &example()).unwrap().stdout,
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXAMPLE123\",\n  \
             \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\",\n  \
             \"SessionToken\": \"FwoGZXIvYXdzEXAMPLE//token==\",\n  \
             \"Expiration\": \"2026-11-29T01:00:00Z\"\n}\n"
        );
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
            assert!(exports(shell, &creds).is_err());
        }
    }
}
