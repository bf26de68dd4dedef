//! `mfa-env.1`, the man page, written from the tables `--help` is written from (usage, flags,
//! shells, examples), so that the two cannot drift. Built only for the tests: one compares the
//! committed file with this output (`MFA_ENV_TEST_WRITE_MAN=1 cargo test --lib man` rewrites it).

use crate::aws::sources;
use crate::durations;
use crate::shell;

use super::flags::FLAGS;
use super::help::{EXAMPLES, USAGE, sample};

/// Every variable mfa-env reads or sets, with what it means to it.
pub(crate) const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "AWS_PROFILE, AWS_DEFAULT_PROFILE",
        "the long-term profile when --profile is not given; an apply clears them (so that every SDK uses the session) and --unset gives them back",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
        "long-term keys to sign with when no profile is chosen; set to the session's by an apply; read by add when no terminal is there",
    ),
    (
        "AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION",
        "set by an apply; a session token in the environment is never used to sign",
    ),
    (
        "AWS_SECURITY_TOKEN, AWS_SESSION_EXPIRATION",
        "older spellings some tools set; cleared for a command under exec",
    ),
    (
        "AWS_MFA_SERIAL",
        "the MFA device when --serial-number is not given",
    ),
    (
        "AWS_REGION, AWS_DEFAULT_REGION",
        "the region of the STS endpoint; set to the profile's region by an apply when it has one, and given back by --unset",
    ),
    (
        "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE",
        "where the config and credentials files are (default ~/.aws/config and ~/.aws/credentials)",
    ),
    (
        "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL",
        "the STS endpoint, as the AWS SDKs take it",
    ),
    (
        "AWS_ENDPOINT_URL_IAM",
        "the IAM endpoint rotate calls (else AWS_ENDPOINT_URL, the iam endpoint_url of the profile's [services] section, the profile's endpoint_url, else the partition's own)",
    ),
    (
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "true: the configured endpoint URLs are ignored",
    ),
    (
        "AWS_STS_REGIONAL_ENDPOINTS",
        "legacy: the global endpoint sts.amazonaws.com for the regions that had it",
    ),
    (
        "AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT",
        "the FIPS or dual-stack STS endpoint",
    ),
    (
        "AWS_CA_BUNDLE",
        "a PEM file of the CAs to trust instead of the system's",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "where the system's CAs are, when set",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "the proxy for the endpoint, as the AWS CLI chooses it (lower-case spellings too)",
    ),
    (
        "AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, AWS_WEB_IDENTITY_TOKEN_FILE",
        "web-identity settings: never used to sign; cleared for a command under exec",
    ),
    (
        "AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "set for the command by exec --server (the local endpoint that serves the session); otherwise cleared for it",
    ),
    (
        "MFA_ENV_AWS_CONFIG_FILE, MFA_ENV_AWS_SHARED_CREDENTIALS_FILE",
        "set by exec --server for its command: the user's own files, which mfa-env inside the command reads",
    ),
    (
        "MFA_ENV_SERVED",
        "set by exec --server for its command: the session there is served, not in the environment",
    ),
    (
        "MFA_ENV_PROFILE",
        "set by an apply: the profile the session was made from, which a refresh uses",
    ),
    (
        "MFA_ENV_RESTORE_PROFILE, MFA_ENV_RESTORE_DEFAULT_PROFILE",
        "set by an apply: what --unset gives back to AWS_PROFILE and AWS_DEFAULT_PROFILE",
    ),
    (
        "MFA_ENV_REGION, MFA_ENV_RESTORE_REGION, MFA_ENV_RESTORE_DEFAULT_REGION",
        "set by an apply that set the region: the region it set, and what --unset gives back",
    ),
    (
        "MFA_ENV_DIALOG_TEXT",
        "the text of the desktop dialog that asks for the code",
    ),
    (
        "GITHUB_ENV",
        "--shell github: the file the variables are appended to",
    ),
    (
        "SHELL, ComSpec",
        "the shell when the parent process is none (exec with no command starts it)",
    ),
    (
        "XONSH_VERSION",
        "set by xonsh: a Python parent process is xonsh",
    ),
    (
        "HOME, USERPROFILE, HOMEDRIVE, HOMEPATH",
        "the home directory, for ~/.aws and the cache",
    ),
    ("XDG_CACHE_HOME, LOCALAPPDATA", "where the session cache is"),
    (
        "XDG_RUNTIME_DIR",
        "where private run directories and the session bus are",
    ),
    (
        "DBUS_SESSION_BUS_ADDRESS",
        "the session bus of the Secret Service keychain",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "a desktop: the code dialog, and the keychain's unlock prompt",
    ),
    (
        "PATH",
        "where exec finds its command, and mfa-env its code command",
    ),
];

/// The page's date: the release it describes (raise it with the version).
const DATE: &str = "2026-12-01";

/// `text` for roff: backslashes and leading dots or quotes escaped, dashes as typed.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.' | '\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// The page, in man(7) macros.
pub(crate) fn page() -> String {
    let mut page = format!(
        ".TH MFA\\-ENV 1 {DATE} \"mfa-env {}\" \"User Commands\"\n\
         .SH NAME\n\
         mfa\\-env \\- turn an MFA code into AWS session credentials, exported in your shell\n\
         .SH SYNOPSIS\n",
        env!("CARGO_PKG_VERSION")
    );
    for (_, usage, _) in USAGE {
        page.push_str(&format!(".nf\n{}\n.fi\n", roff(usage)));
    }
    page.push_str(
        ".SH DESCRIPTION\n\
         An IAM user whose policy requires MFA calls STS GetSessionToken with the MFA device and a \
         one-time code, and uses the temporary credentials it returns.\n\
         .B mfa\\-env\n\
         does that in one step and prints the lines that set AWS_ACCESS_KEY_ID, \
         AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION in the syntax of \
         the shell that runs it (see SHELLS); sessions are cached until they are about to expire. \
         Standard output carries only those lines, and is empty when the run fails; messages \
         and prompts go to standard error or the terminal.\n\
         .SH COMMANDS\n",
    );
    for (_, usage, what) in USAGE {
        page.push_str(&format!(".TP\n.B {}\n{}\n", roff(usage), roff(what)));
    }
    page.push_str(".SH OPTIONS\n");
    for flag in FLAGS {
        let short = flag.short.map_or(String::new(), |c| format!("\\-{c}, "));
        let value = flag
            .value
            .map_or(String::new(), |v| format!(" \\fI{v}\\fR"));
        let help = flag.help.replace("DURATIONS", &durations::help()).replace(
            "{sources}",
            &flag.sources.map(sources::described).unwrap_or_default(),
        );
        page.push_str(&format!(
            ".TP\n\\fB{short}\\-\\-{}\\fR{value}\n{}\n",
            roff(flag.long),
            roff(&help)
        ));
    }
    page.push_str(".SH SHELLS\nThe names --shell takes; init takes those marked *.\n");
    for name in shell::NAMES {
        let aliases = if name.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", name.aliases.join(", "))
        };
        let star = if name.snippet.is_some() { " *" } else { "" };
        page.push_str(&format!(
            ".TP\n.B {}{}{}\n{}\n",
            roff(name.name),
            roff(&aliases),
            star,
            roff(sample(name.shell))
        ));
    }
    page.push_str(".SH ENVIRONMENT\n");
    for (names, what) in ENVIRONMENT {
        page.push_str(&format!(".TP\n.B {}\n{}\n", roff(names), roff(what)));
    }
    page.push_str(
        ".SH FILES\n\
         .TP\n.I ~/.aws/config\n\
         profiles: mfa_serial, region, role_arn, source_profile, credential_process and the rest, \
         as the AWS CLI reads them\n\
         .TP\n.I ~/.aws/credentials\n\
         long-term keys; \\-\\-write\\-profile writes sessions here, atomically and mode 0600\n\
         .TP\n.I $XDG_CACHE_HOME/mfa\\-env/ \\fR(else\\fP ~/.cache/mfa\\-env/\\fR; Windows: %LOCALAPPDATA%\\\\mfa\\-env\\\\)\n\
         the session cache: one file per profile, device and role, mode 0600\n\
         .SH EXIT STATUS\n\
         .TP\n.B 0\ndone (status: the session is valid)\n\
         .TP\n.B 1\nthe run failed: files, environment, terminal or network (status: no valid session)\n\
         .TP\n.B 2\nthe command line is wrong\n\
         .TP\n.B 126, 127\nexec: the command cannot be run, or is not found\n\
         .TP\n.B 128+N\na signal N ended the run or the command\n\
         .SH EXAMPLES\n",
    );
    for (_, example, what) in EXAMPLES {
        page.push_str(&format!(".TP\n.B {}\n{}\n", roff(example), roff(what)));
    }
    page.push_str(".SH SEE ALSO\n.BR aws (1)\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/mfa-env.1");

    #[test]
    fn the_committed_man_page_is_the_generated_one() {
        let page = page();
        if std::env::var_os("MFA_ENV_TEST_WRITE_MAN").is_some() {
            std::fs::write(PATH, &page).unwrap();
        }
        let committed = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            committed == page,
            "mfa-env.1 differs from the flag table: run MFA_ENV_TEST_WRITE_MAN=1 cargo test --lib man"
        );
    }

    /// Every AWS_ or MFA_ENV_ variable named in the source is in ENVIRONMENT (test hooks aside).
    #[test]
    fn every_variable_is_documented() {
        let listed: Vec<&str> = ENVIRONMENT
            .iter()
            .flat_map(|(names, _)| names.split(", "))
            .collect();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut missing = Vec::new();
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                let ours = word.starts_with("AWS_") || word.starts_with("MFA_ENV_");
                let hook = word.starts_with("MFA_ENV_TEST_") || word == "MFA_ENV_PROPTEST_SEED";
                let complete =
                    word.len() > 8 && !word.ends_with('_') && word == word.to_ascii_uppercase();
                if ours
                    && !hook
                    && complete
                    && !listed.contains(&word)
                    && !missing.contains(&word.to_owned())
                {
                    missing.push(word.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "not in ENVIRONMENT: {missing:?}");
    }
}
