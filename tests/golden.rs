//! The exact text mfa-env prints for every shell and format, set and unset.

#![cfg(unix)]

mod common;
use common::*;

fn exports(shell: &str) -> String {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["--shell", shell, "--token-code", "123456"]),
        "",
    );
    assert!(out.status.success(), "{shell}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{shell}: nothing on stderr");
    stdout(&out)
}

fn unsets(shell: &str) -> String {
    let out = run(Home::new().mfa().args(["--unset", "--shell", shell]), "");
    assert!(out.status.success(), "{shell}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn posix_shells() {
    let expected = "\
export AWS_ACCESS_KEY_ID='ASIAFAKESTS0000TEST'
export AWS_SECRET_ACCESS_KEY='s3cr3t/Key+ForTests0123456789abcdefghIJ'
export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE/session+token=='
export AWS_CREDENTIAL_EXPIRATION='2099-01-02T03:04:05+00:00'
";
    for shell in ["bash", "zsh", "sh", "ksh"] {
        assert_eq!(exports(shell), expected, "{shell}");
        assert_eq!(
            unsets(shell),
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION\n"
        );
    }
}

#[test]
fn fish() {
    assert_eq!(
        exports("fish"),
        "\
set -gx AWS_ACCESS_KEY_ID 'ASIAFAKESTS0000TEST'
set -gx AWS_SECRET_ACCESS_KEY 's3cr3t/Key+ForTests0123456789abcdefghIJ'
set -gx AWS_SESSION_TOKEN 'FwoGZXIvYXdzEXAMPLE/session+token=='
set -gx AWS_CREDENTIAL_EXPIRATION '2099-01-02T03:04:05+00:00'
"
    );
    assert_eq!(
        unsets("fish"),
        "set -e AWS_ACCESS_KEY_ID\nset -e AWS_SECRET_ACCESS_KEY\nset -e AWS_SESSION_TOKEN\nset -e AWS_CREDENTIAL_EXPIRATION\n"
    );
}

#[test]
fn powershell() {
    let expected = "\
$Env:AWS_ACCESS_KEY_ID = 'ASIAFAKESTS0000TEST'
$Env:AWS_SECRET_ACCESS_KEY = 's3cr3t/Key+ForTests0123456789abcdefghIJ'
$Env:AWS_SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE/session+token=='
$Env:AWS_CREDENTIAL_EXPIRATION = '2099-01-02T03:04:05+00:00'
";
    let expected_unset = "\
Remove-Item -LiteralPath Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_CREDENTIAL_EXPIRATION -ErrorAction SilentlyContinue
";
    for shell in ["powershell", "pwsh"] {
        assert_eq!(exports(shell), expected);
        assert_eq!(unsets(shell), expected_unset);
    }
}

#[test]
fn cmd() {
    assert_eq!(
        exports("cmd"),
        "\
set \"AWS_ACCESS_KEY_ID=ASIAFAKESTS0000TEST\"
set \"AWS_SECRET_ACCESS_KEY=s3cr3t/Key+ForTests0123456789abcdefghIJ\"
set \"AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE/session+token==\"
set \"AWS_CREDENTIAL_EXPIRATION=2099-01-02T03:04:05+00:00\"
"
    );
    assert_eq!(
        unsets("cmd"),
        "set \"AWS_ACCESS_KEY_ID=\"\nset \"AWS_SECRET_ACCESS_KEY=\"\nset \"AWS_SESSION_TOKEN=\"\nset \"AWS_CREDENTIAL_EXPIRATION=\"\n"
    );
}

#[test]
fn json_is_a_credential_process_document() {
    assert_eq!(
        exports("json"),
        r#"{
  "Version": 1,
  "AccessKeyId": "ASIAFAKESTS0000TEST",
  "SecretAccessKey": "s3cr3t/Key+ForTests0123456789abcdefghIJ",
  "SessionToken": "FwoGZXIvYXdzEXAMPLE/session+token==",
  "Expiration": "2099-01-02T03:04:05Z"
}
"#
    );
}

#[test]
fn dotenv() {
    assert_eq!(
        exports("dotenv"),
        "\
AWS_ACCESS_KEY_ID=ASIAFAKESTS0000TEST
AWS_SECRET_ACCESS_KEY=s3cr3t/Key+ForTests0123456789abcdefghIJ
AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE/session+token==
AWS_CREDENTIAL_EXPIRATION=2099-01-02T03:04:05+00:00
"
    );
}

#[test]
fn none_prints_nothing() {
    assert_eq!(exports("none"), "");
}

#[test]
fn formats_without_unset_refuse_it() {
    for shell in ["json", "github", "dotenv"] {
        let out = run(Home::new().mfa().args(["--unset", "--shell", shell]), "");
        assert_fails(&out, "--unset does not apply");
        assert_eq!(out.status.code(), Some(2));
    }
}

#[test]
fn unset_needs_no_credentials_and_no_network() {
    // An empty home, and any endpoint that would be contacted is a closed port.
    let home = Home::new();
    let out = run(
        home.mfa()
            .args(["--unset", "--shell", "bash"])
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        "",
    );
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

#[test]
fn help_and_version() {
    let out = run(Home::new().mfa().arg("--help"), "");
    let help = stdout(&out);
    assert!(out.status.success());
    for section in [
        "USAGE:",
        "OPTIONS:",
        "SHELLS:",
        "EXAMPLES:",
        "eval \"$(mfa-env)\"",
        "mfa-env | source",
        "Invoke-Expression",
    ] {
        assert!(help.contains(section), "{section}");
    }
    let out = run(Home::new().mfa().arg("-V"), "");
    assert_eq!(
        stdout(&out),
        format!("mfa-env {}\n", env!("CARGO_PKG_VERSION"))
    );
}
