//! The AWS files and settings as the AWS CLI reads them: mistakes named with their fix, files
//! that never block, the file read is the file that signs, names and values checked.

use crate::support::*;

use std::os::unix::ffi::OsStrExt;

const WRITTEN: &str = "[mfa]\naws_access_key_id = ASIAFAKESTS0000TEST\naws_secret_access_key = s\naws_session_token = t\nmfa_env_source_profile = default\n";

fn with_written_profile() -> Home {
    let home = Home::with_default_profile();
    let creds = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    home.credentials(&format!("{creds}{WRITTEN}"));
    home
}

#[test]
fn configuration_errors_name_the_fix() {
    let home = Home::with_default_profile();
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "nope", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "profile 'nope' (from --profile) is not in");
    assert!(stderr(&out).contains("known: default"));

    home.config("[default]\nregion = us-east-1\n");
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "no MFA device for 'default': pass --serial-number");
    assert_eq!(out.status.code(), Some(1), "a setting missing from a file");

    home.config("[default]\nmfa_serial = x\n");
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "not a device serial or ARN");

    home.config("[default]\nmfa_serial\n");
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "config is malformed at line 2");

    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nduration_seconds = forever\n"
    ));
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "duration_seconds = forever");

    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile sso]\nsso_start_url = https://x\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "sso", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "IAM Identity Center");
    assert_eq!(sts.count(), 0);
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

/// A config or credentials file that is a FIFO (or `<(...)`) is refused at once, never waited
/// on; `/dev/null` reads as no file, as the AWS CLI reads it; a file over 16 MiB is refused.
#[test]
fn profile_files_never_block_and_are_bounded() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let fifo = home.file("fifo");
    mkfifo(&fifo);
    for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456"])
                .env(var, &fifo),
            "",
        );
        assert_fails(
            &out,
            "it is a FIFO (a pipe, as <(...) makes), not a regular file",
        );
    }
    // Process substitution, through bash.
    if require("bash") {
        let script = format!(
            "AWS_SHARED_CREDENTIALS_FILE=<(cat .aws/credentials) {} -s bash -t 123456",
            sh_quote(BIN)
        );
        let out = run(
            home.command("bash")
                .args(["--norc", "-c", &script])
                .env("AWS_ENDPOINT_URL_STS", &sts.url),
            "",
        );
        assert_fails(&out, "it is a FIFO");
    }
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_MFA_SERIAL", SERIAL),
        "",
    );
    assert_succeeds(&out);

    let big = home.file("big");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_CONFIG_FILE", &big),
        "",
    );
    assert_fails(&out, "larger than 16 MiB");
    assert_eq!(sts.count(), 1);
}

/// The keys that sign come from the very file mfa-env read and named: with a home or a path
/// that is not UTF-8, or a set-but-empty variable (which the AWS CLI reads as no file).
#[test]
fn the_file_read_is_the_file_that_signs() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let odd = home.path.join(std::ffi::OsStr::from_bytes(b"h\xffme"));
    std::fs::create_dir_all(odd.join(".aws")).unwrap();
    std::fs::write(
        odd.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIAODDHOME000000001\naws_secret_access_key = odd\n",
    )
    .unwrap();
    std::fs::write(
        odd.join(".aws/config"),
        format!("[default]\nmfa_serial = {SERIAL}\n"),
    )
    .unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("HOME", &odd),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].signing_key(), "AKIAODDHOME000000001");

    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("AWS_SHARED_CREDENTIALS_FILE", odd.join(".aws/credentials")),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[1].signing_key(), "AKIAODDHOME000000001");

    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("AWS_SHARED_CREDENTIALS_FILE", ""),
        "",
    );
    assert_fails(
        &out,
        "profile 'default' has no keys in the files, and cannot reach a keychain",
    );
    assert_eq!(sts.count(), 2);
}

/// Variables that are set but not UTF-8 are errors naming them, never a fallback.
#[test]
fn non_utf8_variables_are_named() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for var in [
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL_STS",
        "AWS_MFA_SERIAL",
        "AWS_REGION",
    ] {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456"])
                .env(var, std::ffi::OsStr::from_bytes(b"x\xff")),
            "",
        );
        assert_fails(
            &out,
            &format!("{var} is not UTF-8 text ('x\u{fffd}'): fix or unset it"),
        );
    }
    assert_eq!(sts.count(), 0);
}

/// Profile names the AWS CLI accepts are found: non-ASCII, commas, spaces (quoted).
#[test]
fn profile_names_the_aws_cli_accepts() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    home.credentials(&format!(
        "[ä]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n[a,b]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n[a b]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n"
    ));
    home.config(&format!(
        "[profile ä]\nmfa_serial = {SERIAL}\n[profile a,b]\nmfa_serial = {SERIAL}\n[profile \"a b\"]\nmfa_serial = {SERIAL}\n"
    ));
    for name in ["ä", "a,b", "a b"] {
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "-p", name]),
            "",
        );
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    assert_eq!(sts.count(), 3);
}

/// Role parameters from a profile are checked before any code is spent.
#[test]
fn role_parameters_from_profiles_are_checked() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for (extra, needle) in [
        ("role_arn = admin\n", "role_arn of profile 'r' in "),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nrole_session_name = a b/c\n",
            "role_session_name of profile 'r'",
        ),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nexternal_id = a\n  b\n",
            "external_id of profile 'r'",
        ),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nduration_seconds = 50000\n",
            "fix duration_seconds of profile 'r' in ",
        ),
    ] {
        home.config(&format!(
            "[default]\nmfa_serial = {SERIAL}\n[profile r]\nsource_profile = default\nmfa_serial = {SERIAL}\n{extra}"
        ));
        let out = run(mfa_at(&home, &sts.url).args(["-p", "r"]), "");
        assert_fails(&out, needle);
        assert_eq!(out.status.code(), Some(1));
    }
    assert_eq!(sts.count(), 0);
}
