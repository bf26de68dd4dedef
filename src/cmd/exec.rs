//! `mfa-env exec`: run one command (or the user's shell) with the session in its environment.
//! On Unix the command takes mfa-env's place (same process, signals and job control go straight
//! to it, its status is the status); on Windows mfa-env waits for it and passes its exit code on.

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::Path;

use crate::aws::credentials::Credentials;
use crate::aws::obtain;
use crate::aws::served::{self, RunDir};
use crate::environment::Environment;
use crate::environment::vars::{self, Before, PROFILE_CHOOSERS};
use crate::error::{Result, shown};
use crate::output::note;
use crate::platform::{self, process};
use crate::request::Exec;
use crate::shell;
use crate::time;

use super::server;

/// Runs a command (or the user's shell) with the session in its environment.
pub(crate) fn run(request: &Exec, env: &Environment) -> Result<u8> {
    let now = time::now();
    let (files, settings) = super::resolve(
        &request.choice,
        request.obtain.role_session_name.as_deref(),
        env,
        now,
    )?;
    let shell;
    let command: &[std::ffi::OsString] = if request.command.is_empty() {
        shell = users_shell(env);
        &shell
    } else {
        &request.command
    };
    // The session first (and so the credentials checked), then the command: a command that
    // cannot run is refused before anything is printed or started.
    let (creds, renewal) = if request.server {
        let (creds, renewal) =
            obtain::renewable_session(&request.reuse, &request.obtain, &settings, env, now)?;
        (creds, Some(renewal))
    } else {
        let creds = obtain::session(&request.reuse, &request.obtain, &settings, env, now)?;
        (creds, None)
    };
    process::check_runnable(&command[0], env)?;
    let profile = settings
        .keys_id
        .is_none()
        .then_some(settings.label.as_str());
    let secrets: Vec<&str> = request.obtain.totp_env.iter().map(String::as_str).collect();
    let mut vars = child_env(env, &creds, settings.configured_region(), profile, &secrets);
    if request.command.is_empty() && std::io::stderr().is_terminal() {
        note(&format!(
            "starting {} with the session for '{}' until {}; `exit` leaves it",
            shown(&command[0].to_string_lossy()),
            shown(&settings.label),
            time::format_until(creds.expiration, now)
        ));
    }
    match renewal {
        // mfa-env stays, as the endpoint's home, until the command ends.
        Some(renewal) => {
            // The command's files, without anything that would win over the endpoint; removed
            // when the command ends (run_beside returns), as is the endpoint.
            let run_dir = RunDir::create(env)?;
            let copies = run_dir
                .write_copies(env, [files.config.as_deref(), files.credentials.as_deref()])?;
            process::hold_signals();
            let endpoint =
                server::start(creds, renewal, &settings.label, Some(run_dir.state_path()))?;
            vars = server_env(vars, &endpoint.url, &endpoint.token, copies);
            let status = process::run_beside(command, vars);
            drop(run_dir);
            status
        }
        None => process::run(command, vars),
    }
}

/// Whether the command must not inherit `name`: credentials, names that make some SDKs prefer
/// a profile to the session, and the bookkeeping of an apply (the command starts afresh).
fn removed(name: &str) -> bool {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    vars::SESSION.iter().any(|n| is(n))
        || vars::OTHER_CREDENTIALS.iter().any(|n| is(n))
        || PROFILE_CHOOSERS.iter().any(|(c, k)| is(c) || is(k))
        || vars::REGIONS.iter().any(|(_, keeper)| is(keeper))
        || is(vars::PROFILE)
        || is(vars::REGION)
}

/// The command's environment: the parent's, without what `removed` names and without
/// `secrets` (the variable holding a TOTP seed leaves with the keys), with the session, the
/// region when one was configured (else the user's own, where an apply had set ours), and the
/// profile the session was made from.
pub(crate) fn child_env(
    env: &Environment,
    creds: &Credentials,
    region: Option<&str>,
    profile: Option<&str>,
    secrets: &[&str],
) -> Vec<(OsString, OsString)> {
    let (region_sets, region_unsets) =
        vars::region_changes(&Before::capture(env).unwrap_or_default(), region);
    let dropped = |name: &OsStr| {
        let name = name.to_string_lossy();
        removed(&name)
            || secrets.iter().any(|s| name == *s)
            || region_sets.iter().any(|(n, _)| name == *n)
            || region_unsets.iter().any(|n| name == *n)
    };
    let mut child: Vec<(OsString, OsString)> = env
        .vars()
        .filter(|(name, _)| !dropped(name))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for (name, value) in creds.variables() {
        child.push((name.into(), value.into()));
    }
    for (name, value) in region_sets {
        if !removed(name) {
            child.push((name.into(), value.into()));
        }
    }
    if let Some(profile) = profile {
        child.push((vars::PROFILE.into(), profile.into()));
    }
    child
}

/// What the command must not inherit under `--server`, beside the session's variables: other
/// ways to credentials that an SDK would take before the endpoint, and what is replaced.
const SERVER_REMOVED: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// `exec --server`'s environment: as `exec`'s, but the session comes from the endpoint, and the
/// AWS files are the copies of `files` (variables from `RunDir::write_copies`), in which nothing
/// can win over the endpoint.
pub(crate) fn server_env(
    mut vars: Vec<(OsString, OsString)>,
    url: &str,
    token: &str,
    files: Vec<(OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    vars.retain(|(name, _)| {
        let name = name.to_string_lossy();
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        !vars::SESSION.iter().any(|v| is(v))
            && !SERVER_REMOVED.iter().any(|v| is(v))
            && !served::FILES.iter().any(|(v, _, kept)| is(v) || is(kept))
            && !is(served::SERVED)
    });
    vars.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI".into(), url.into()));
    vars.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN".into(), token.into()));
    vars.extend(files);
    vars
}

/// What runs when no command is given: the shell mfa-env was started from, else the login
/// shell (`%ComSpec%` on Windows).
fn users_shell(env: &Environment) -> Vec<OsString> {
    #[cfg(windows)]
    let (var, fallback) = ("ComSpec", "cmd.exe");
    #[cfg(not(windows))]
    let (var, fallback) = ("SHELL", "/bin/sh");
    let login = env
        .os(var)
        .filter(|s| !s.is_empty())
        .map_or_else(|| OsString::from(fallback), OsStr::to_os_string);
    let exe = platform::parent_executable();
    let name = platform::parent_program();
    parent_shell(exe.as_deref(), name.as_deref()).unwrap_or_else(|| vec![login])
}

/// The parent, to start again, when it is a shell: by its executable's path, else (a script
/// run by an interpreter, as xonsh is) by its name on PATH.
fn parent_shell(exe: Option<&Path>, name: Option<&OsStr>) -> Option<Vec<OsString>> {
    if let Some(exe) = exe.filter(|e| shell::is_shell_program(e.as_os_str())) {
        let mut command = vec![exe.as_os_str().to_owned()];
        // busybox is every applet: say which one the shell was.
        if exe.file_stem().is_some_and(|s| s == "busybox") {
            command.push(name.map_or_else(|| "sh".into(), OsStr::to_owned));
        }
        return Some(command);
    }
    name.filter(|n| shell::is_shell_program(n))
        .map(|n| vec![n.to_owned()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_shell_starts_again() {
        let os = |s: &str| OsString::from(s);
        let path = |s: &'static str| Some(Path::new(s));
        assert_eq!(
            parent_shell(path("/usr/bin/fish"), Some(&os("fish"))),
            Some(vec![os("/usr/bin/fish")])
        );
        // Windows reports paths with its separators, and .exe.
        assert_eq!(
            parent_shell(
                path(r"C:\Program Files\PowerShell\7\pwsh.exe"),
                Some(&os("pwsh.exe"))
            ),
            Some(vec![os(r"C:\Program Files\PowerShell\7\pwsh.exe")])
        );
        // A shell run by an interpreter: its name; busybox: the applet it ran as.
        assert_eq!(
            parent_shell(path("/usr/bin/python3.11"), Some(&os("xonsh"))),
            Some(vec![os("xonsh")])
        );
        assert_eq!(
            parent_shell(path("/bin/busybox"), Some(&os("ash"))),
            Some(vec![os("/bin/busybox"), os("ash")])
        );
        // Shells we print no syntax for are still shells to start.
        assert_eq!(
            parent_shell(path("/usr/bin/tcsh"), None),
            Some(vec![os("/usr/bin/tcsh")])
        );
        // Not a shell (a terminal, sudo, a test runner): the login shell instead.
        for (exe, name) in [("/usr/bin/sudo", "sudo"), ("/usr/bin/tmux", "tmux: server")] {
            assert_eq!(parent_shell(path(exe), Some(&os(name))), None, "{exe}");
        }
        assert_eq!(parent_shell(None, None), None);
    }
    use crate::aws::credentials::example;

    #[test]
    fn the_child_environment() {
        let env = Environment::of(&[
            ("PATH", "/bin"),
            ("AWS_ACCESS_KEY_ID", "AKIAOLD"),
            ("AWS_SECURITY_TOKEN", "old"),
            ("AWS_PROFILE", "work"),
            ("aws_default_profile", "x"),
            ("AWS_REGION", "eu-west-1"),
            ("MFA_ENV_RESTORE_PROFILE", "work"),
            ("MFA_SEED", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            ("HOME", "/h"),
        ]);
        let vars: std::collections::BTreeMap<String, String> = child_env(
            &env,
            &example(),
            Some("ap-south-1"),
            Some("prod"),
            &["MFA_SEED"],
        )
        .into_iter()
        .map(|(k, v)| (k.into_string().unwrap(), v.into_string().unwrap()))
        .collect();
        let names: Vec<&str> = vars.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_DEFAULT_REGION",
                "AWS_REGION",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "HOME",
                "MFA_ENV_PROFILE",
                "PATH"
            ]
        );
        assert_eq!(vars["AWS_ACCESS_KEY_ID"], "ASIAEXAMPLE123");
        assert_eq!(vars["AWS_REGION"], "ap-south-1");
        assert_eq!(vars["MFA_ENV_PROFILE"], "prod");
        // No region configured: the caller's region variables stay as they are.
        let vars = child_env(&env, &example(), None, None, &[]);
        assert!(
            vars.iter()
                .any(|(k, v)| k == "AWS_REGION" && v == "eu-west-1")
        );
        assert!(!vars.iter().any(|(k, _)| k == "MFA_ENV_PROFILE"));
    }
}
