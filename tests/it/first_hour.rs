//! A new user's first hour: the README's steps, the mistakes people make, and the messages
//! that must point at the real problem and its fix.

use crate::support::*;

const WRITTEN: &str = "[mfa]\naws_access_key_id = ASIAFAKESTS0000TEST\naws_secret_access_key = s\naws_session_token = t\nmfa_env_source_profile = default\n";

fn with_written_profile() -> Home {
    let home = Home::with_default_profile();
    let creds = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    home.credentials(&format!("{creds}{WRITTEN}"));
    home
}

/// `--write-profile NAME` writes the region configured for the source, so that
/// `aws --profile NAME ...` works right away; never a region nobody configured.
#[test]
fn a_written_profile_has_the_configured_region() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let written_region = |home: &Home, extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = mfa_at(home, &sts.url);
        cmd.args([
            "-s",
            "none",
            "-t",
            "123456",
            "--write-profile",
            "mfa",
            "--force",
        ])
        .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd, "");
        assert_succeeds(&out);
        let text = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
        let section = text.split("[mfa]").nth(1).unwrap().to_owned();
        section
            .lines()
            .find_map(|l| l.strip_prefix("region = "))
            .map(str::to_owned)
    };
    let home = Home::with_default_profile();
    assert_eq!(
        written_region(&home, &[], &[]),
        None,
        "none configured, none invented"
    );
    assert_eq!(
        written_region(&home, &["--region", "eu-west-1"], &[]).as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        written_region(&home, &[], &[("AWS_REGION", "ap-south-1")]).as_deref(),
        Some("ap-south-1")
    );
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-north-1\n"
    ));
    assert_eq!(
        written_region(&home, &[], &[]).as_deref(),
        Some("eu-north-1")
    );

    // The AWS CLI, with nothing but the written profile, finds it.
    if require("aws") {
        let out = run(
            home.command("aws")
                .args(["configure", "get", "region", "--profile", "mfa"]),
            "",
        );
        assert_eq!(stdout(&out).trim(), "eu-north-1", "{}", stderr(&out));
    }
}

#[test]
fn refreshing_from_a_written_profile_names_the_long_term_one() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = with_written_profile();
    let expected = "AWS_PROFILE names profile 'mfa', which holds a session that mfa-env wrote from 'default': name that long-term profile with --profile default";
    for extra in [
        &[][..],
        &["--serial-number", "GAHT12345678"],
        &["--write-profile", "mfa"],
    ] {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456"])
                .args(extra)
                .env("AWS_PROFILE", "mfa"),
            "",
        );
        assert_fails(&out, expected);
        assert_eq!(out.status.code(), Some(1));
    }
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "-p", "mfa"]),
        "",
    );
    assert_fails(
        &out,
        "profile 'mfa' holds a session that mfa-env wrote from 'default': name that long-term profile with --profile default",
    );
    assert_eq!(sts.count(), 0);
}

#[test]
fn configuration_mistakes_get_their_own_message() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let message = |args: &[&str]| {
        let out = run(mfa_at(&home, &sts.url).args(args), "");
        assert!(!out.status.success());
        stderr(&out)
    };

    // [work] in the config file, where the AWS CLI needs [profile work].
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[work]\nmfa_serial = {SERIAL}\n"
    ));
    home.credentials(&format!(
        "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n"
    ));
    let e = message(&["-p", "work", "-t", "123456"]);
    assert!(
        e.contains("in the config file its section must be named [profile work], not [work]"),
        "{e}"
    );

    // A key without its secret: one line, which profile, which key, which file.
    home.credentials(&format!("[work]\naws_access_key_id = {LONG_TERM_ID}\n"));
    home.config(&format!("[profile work]\nmfa_serial = {SERIAL}\n"));
    let e = message(&["-p", "work", "-t", "123456"]);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("profile 'work' in ")
            && e.contains(".aws/credentials has no aws_secret_access_key"),
        "{e}"
    );

    // A TOTP variable that is not set.
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["--totp-secret-env", "NOPE"]),
        "",
    );
    let e = stderr(&out);
    assert!(
        e.contains("NOPE, which is not set: set NOPE to the virtual MFA device's base32 seed"),
        "{e}"
    );
    assert_eq!(sts.count(), 0);
}

#[test]
fn an_endpoint_that_is_not_sts_is_named_with_its_setting() {
    let sts = FakeSts::start(vec![Reply::Raw {
        status: 501,
        body: "<html>Not Implemented</html>".into(),
    }]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_fails(
        &out,
        &format!(
            "the endpoint {} did not answer as STS does (HTTP 501); it was chosen by AWS_ENDPOINT_URL_STS: check or unset it",
            sts.url
        ),
    );
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nendpoint_url = {}\n",
        sts.url
    ));
    let out = run(home.mfa().args(["-s", "bash", "-t", "123456"]), "");
    assert_fails(
        &out,
        "it was chosen by endpoint_url of profile 'default' in ",
    );
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
            &["init", "tcsh"],
            "it supports bash, zsh, fish, powershell or cmd",
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

/// fish: clearing variables that are not set leaves status 0, and so does a successful apply
/// after a failed command.
#[test]
fn fish_statuses_stay_zero() {
    if !require("fish") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let bin = fish_quote(BIN);
    let script = format!(
        "{bin} --unset --shell fish | source; echo unset=$status\n\
         false; {bin} -t 123456 --shell fish | source; echo apply=$status\n\
         {bin} init fish | source; mfa --unset; echo mfa-unset=$status\n\
         false; mfa; echo mfa=$status\n\
         set -q AWS_SESSION_TOKEN; and echo has-session\n"
    );
    let out = run(
        home.command("fish")
            .arg("--no-config")
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        &script,
    );
    assert_eq!(
        stdout(&out),
        "unset=0\napply=0\nmfa-unset=0\nmfa=0\nhas-session\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn status_judges_against_the_window_asked() {
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_000),
    )]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
    let status = |window: &str| {
        run(
            mfa_at(&home, &sts.url).args(["status", "--min-remaining", window]),
            "",
        )
    };
    let out = status("13h");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("less than the --min-remaining 13h 0m asked"),
        "{}",
        stderr(&out)
    );
    assert_eq!(status("11h").status.code(), Some(0));
}

#[test]
fn forget_all_deletes_every_profile_s_sessions() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let creds = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    home.credentials(&format!(
        "{creds}[other]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n"
    ));
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile other]\nmfa_serial = {SERIAL}\n"
    ));
    for profile in ["default", "other"] {
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "-p", profile]),
            "",
        );
        assert_succeeds(&out);
    }
    let cached = || home.cached_sessions().len();
    assert_eq!(cached(), 2);
    let out = run(home.mfa().args(["--unset", "--forget", "-s", "bash"]), "");
    assert!(out.status.success());
    assert_eq!(
        stderr(&out),
        "mfa-env: deleted 1 cached session(s) of 'default' (--all: of every profile)\n"
    );
    assert_eq!(cached(), 1);
    let out = run(
        home.mfa()
            .args(["--unset", "--forget", "--all", "-s", "bash"]),
        "",
    );
    assert_eq!(
        stderr(&out),
        "mfa-env: deleted 1 cached session(s) of every profile\n"
    );
    assert_eq!(cached(), 0);
}
