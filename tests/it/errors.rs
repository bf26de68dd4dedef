//! Errors: one line, naming the fix, nothing on stdout, and one rule for exit codes.

use crate::support::*;

#[test]
fn command_line_errors_are_usage_errors() {
    let home = Home::with_default_profile();
    for (args, needle) in [
        (&["-t", "12345"][..], "too short"),
        (&["-t", "abcdef"], "contains letters"),
        (&["-d", "899"], "between 900 and 129600"),
        (&["-d", "129601"], "between 900 and 129600"),
        (&["--shell", "murex"], "unknown shell 'murex'"),
        (&["--frobnicate"], "--frobnicate"),
        (
            &["init", "json"],
            "init has no snippet for 'json': it supports bash, zsh, sh, ksh, fish, powershell, cmd, tcsh, csh, elvish, xonsh or nu",
        ),
    ] {
        let out = run(home.mfa().args(args), "");
        assert_fails(&out, needle);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn closed_stdout_fails_quietly() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut child = spawn_piped(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]));
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
}

#[test]
fn command_line_mistakes_are_named() {
    let home = Home::with_default_profile();
    for (args, needle) in [
        (
            &["--token-cod", "123456"][..],
            "unknown option --token-cod: did you mean --token-code?",
        ),
        (&["--duration", "3600"], "did you mean --duration-seconds?"),
        (
            &["-token-code", "123456"],
            "long options take two dashes, as in --token-code",
        ),
        (
            &["init", "murex"],
            "it supports bash, zsh, sh, ksh, fish, powershell, cmd, tcsh, csh, elvish, xonsh or nu",
        ),
        (
            &["--role-arn", "admin"],
            "--role-arn is not a role ARN like arn:aws:iam::123456789012:role/NAME",
        ),
        (
            &["--role-session-name", "a b/c"],
            "--role-session-name is not 2 to 64",
        ),
        (&["--external-id", "x\ny"], "--external-id is not 2 to 1224"),
        (&["status", "--unset"], "--unset does not apply to status"),
        (
            &["init", "bash", "--shell", "fish"],
            "--shell does not apply to init",
        ),
        (
            &["--unset", "--write-profile", "x"],
            "--write-profile does not apply to --unset",
        ),
        (
            &["--unset", "--min-remaining", "5m"],
            "--min-remaining does not apply to --unset",
        ),
        (
            &["status", "--shell", "bash"],
            "--shell does not apply to status",
        ),
        (&["--help", "extra"], "--help"),
        (&["-t", "12345"], "too short"),
        (&["-t", "12345a"], "contains letters"),
    ] {
        let out = run(home.mfa().args(args), "");
        assert_fails(&out, needle);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(!err.contains("12345a") && !err.contains("x\ny"), "{err}");
    }
}

/// 2 means the command line itself is wrong; 1 means anything found in files, the
/// environment, the terminal or the network.
#[test]
fn exit_codes_follow_one_rule() {
    let sts = FakeSts::start(vec![Reply::error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed",
    )]);
    let home = Home::with_default_profile();
    let no_serial = Home::new();
    no_serial.credentials(&format!(
        "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n"
    ));
    let bad_region = Home::with_default_profile();
    bad_region.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = not a region\n"
    ));
    type Case<'a> = (&'a Home, &'a [&'a str], &'a [(&'a str, &'a str)], i32);
    let cases: &[Case] = &[
        (&home, &["--bogus"], &[], 2),
        (&home, &["-d", "10"], &[], 2),
        (&home, &["--region", "not a region"], &[], 2),
        (&home, &["--serial-number", "x"], &[], 2),
        (&home, &["-p", "nope", "-t", "123456"], &[], 1),
        (&no_serial, &["-t", "123456"], &[], 1),
        (&bad_region, &["-t", "123456"], &[], 1),
        (
            &home,
            &["-t", "123456"],
            &[("AWS_REGION", "not a region")],
            1,
        ),
        (&home, &["-t", "-"], &[], 1),
        (&home, &[], &[], 1),
        (&home, &["--totp-secret-env", "NOPE"], &[], 1),
        (&home, &["-t", "123456"], &[], 1),
        (&home, &["status"], &[], 1),
    ];
    for (home, args, env, code) in cases {
        let mut cmd = mfa_at(home, &sts.url);
        cmd.args(["-s", "bash"].iter().filter(|_| !args.contains(&"status")))
            .args(*args);
        for (k, v) in *env {
            cmd.env(k, v);
        }
        let out = run(detached(&mut cmd), "");
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{args:?} {env:?}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// Every error is one line: fragments from the user or a file have control characters escaped.
#[test]
fn every_error_is_one_line() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for args in [
        &["-p", "a\nb", "-t", "123456"][..],
        &["-p", "\u{1b}[31mred", "-t", "123456"],
        &["--write-profile", "a\nb", "-t", "123456"],
        &["--region", "eu\nwest"],
        &["--bogus\nflag"],
    ] {
        let out = run(mfa_at(&home, &sts.url).args(args), "");
        assert_fails(&out, "");
        assert!(
            !stderr(&out).contains('\u{1b}'),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A value continued on an indented line holds a newline: named, escaped.
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n  and more\n"));
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "mfa_serial of profile 'default' in ");
    // An indented comment after a property is a comment, as in the AWS CLI.
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n  # my device\nregion =\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].param("SerialNumber"), Some(SERIAL));
    assert_eq!(
        sts.requests()[0].signing_region(),
        "us-east-1",
        "an empty region is not set"
    );
}

/// A bug or a full memory ends the run with one line, never a backtrace, and nothing on stdout
/// (debug builds can be asked to fail these ways).
#[test]
fn abort_paths_print_one_line() {
    for (how, line) in [
        ("panic", "mfa-env: internal error at src/test_hooks.rs:"),
        (
            "memory",
            "mfa-env: internal error: out of memory; nothing was printed\n",
        ),
    ] {
        let out = run(
            Home::new()
                .mfa()
                .args(["--unset", "--shell", "bash"])
                .env("MFA_ENV_TEST_ABORT", how)
                .env("RUST_BACKTRACE", "1"),
            "",
        );
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(
            err.starts_with(line) && err.lines().count() == 1,
            "{how}: {err:?}"
        );
    }
}
