//! The exact text mfa-env prints for every shell and format, set and unset.

use crate::support::*;

/// What a run prints for `shell`, with `env` added to the clean environment.
fn exports_with(shell: &str, env: &[(&str, &str)]) -> String {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = mfa_at(&home, &sts.url);
    cmd.args(["--shell", shell, "--token-code", "123456"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd, "");
    assert!(out.status.success(), "{shell}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{shell}: nothing on stderr");
    stdout(&out)
}

fn exports(shell: &str) -> String {
    exports_with(shell, &[])
}

fn unsets_with(shell: &str, env: &[(&str, &str)]) -> String {
    let home = Home::new();
    let mut cmd = home.mfa();
    cmd.args(["--unset", "--shell", shell]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd, "");
    assert!(out.status.success(), "{shell}: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

fn unsets(shell: &str) -> String {
    unsets_with(shell, &[])
}

const WORK: &[(&str, &str)] = &[("AWS_PROFILE", "default")];
const RESTORE: &[(&str, &str)] = &[("MFA_ENV_RESTORE_PROFILE", "work's")];

#[test]
fn posix_shells() {
    let session = "\
export AWS_ACCESS_KEY_ID='ASIAFAKESTS0000TEST'
export AWS_SECRET_ACCESS_KEY='s3cr3t/Key+ForTests0123456789abcdefghIJ'
export AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE/session+token=='
export AWS_CREDENTIAL_EXPIRATION='2099-01-02T03:04:05+00:00'
export MFA_ENV_PROFILE='default'
";
    for shell in ["bash", "zsh", "sh", "ksh", "dash", "mksh"] {
        assert_eq!(
            exports(shell),
            format!("{session}unset AWS_PROFILE AWS_DEFAULT_PROFILE\n"),
            "{shell}"
        );
        assert_eq!(
            exports_with(shell, WORK),
            format!(
                "{session}export MFA_ENV_RESTORE_PROFILE='default'\nunset AWS_PROFILE AWS_DEFAULT_PROFILE\n"
            ),
            "{shell}"
        );
        assert_eq!(
            unsets(shell),
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE\n"
        );
        assert_eq!(
            unsets_with(shell, RESTORE),
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE MFA_ENV_RESTORE_PROFILE\nexport AWS_PROFILE='work'\\''s'\n"
        );
    }
}

#[test]
fn fish() {
    let session = "\
set -gx AWS_ACCESS_KEY_ID 'ASIAFAKESTS0000TEST'
set -gx AWS_SECRET_ACCESS_KEY 's3cr3t/Key+ForTests0123456789abcdefghIJ'
set -gx AWS_SESSION_TOKEN 'FwoGZXIvYXdzEXAMPLE/session+token=='
set -gx AWS_CREDENTIAL_EXPIRATION '2099-01-02T03:04:05+00:00'
set -gx MFA_ENV_PROFILE 'default'
";
    let clear = "set -e AWS_PROFILE; or true\nset -e AWS_DEFAULT_PROFILE; or true\n";
    assert_eq!(exports("fish"), format!("{session}{clear}"));
    assert_eq!(
        exports_with("fish", WORK),
        format!("{session}set -gx MFA_ENV_RESTORE_PROFILE 'default'\n{clear}")
    );
    let unset = "set -e AWS_ACCESS_KEY_ID; or true\nset -e AWS_SECRET_ACCESS_KEY; or true\nset -e AWS_SESSION_TOKEN; or true\nset -e AWS_CREDENTIAL_EXPIRATION; or true\nset -e MFA_ENV_PROFILE; or true\n";
    assert_eq!(unsets("fish"), unset);
    assert_eq!(
        unsets_with("fish", RESTORE),
        format!("{unset}set -e MFA_ENV_RESTORE_PROFILE; or true\nset -gx AWS_PROFILE 'work\\'s'\n")
    );
}

#[test]
fn powershell() {
    let session = "\
$Env:AWS_ACCESS_KEY_ID = 'ASIAFAKESTS0000TEST'
$Env:AWS_SECRET_ACCESS_KEY = 's3cr3t/Key+ForTests0123456789abcdefghIJ'
$Env:AWS_SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE/session+token=='
$Env:AWS_CREDENTIAL_EXPIRATION = '2099-01-02T03:04:05+00:00'
$Env:MFA_ENV_PROFILE = 'default'
";
    let clear = "\
Remove-Item -LiteralPath Env:AWS_PROFILE -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue
";
    let unset = "\
Remove-Item -LiteralPath Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:AWS_CREDENTIAL_EXPIRATION -ErrorAction SilentlyContinue
Remove-Item -LiteralPath Env:MFA_ENV_PROFILE -ErrorAction SilentlyContinue
";
    for shell in ["powershell", "pwsh"] {
        assert_eq!(exports(shell), format!("{session}{clear}"));
        assert_eq!(
            exports_with(shell, WORK),
            format!("{session}$Env:MFA_ENV_RESTORE_PROFILE = 'default'\n{clear}")
        );
        assert_eq!(unsets(shell), unset);
        assert_eq!(
            unsets_with(shell, RESTORE),
            format!(
                "{unset}Remove-Item -LiteralPath Env:MFA_ENV_RESTORE_PROFILE -ErrorAction SilentlyContinue\n$Env:AWS_PROFILE = 'work''s'\n"
            )
        );
    }
}

#[test]
fn cmd() {
    let session = "\
set \"AWS_ACCESS_KEY_ID=ASIAFAKESTS0000TEST\"
set \"AWS_SECRET_ACCESS_KEY=s3cr3t/Key+ForTests0123456789abcdefghIJ\"
set \"AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE/session+token==\"
set \"AWS_CREDENTIAL_EXPIRATION=2099-01-02T03:04:05+00:00\"
set \"MFA_ENV_PROFILE=default\"
";
    let clear = "set \"AWS_PROFILE=\"\nset \"AWS_DEFAULT_PROFILE=\"\n";
    assert_eq!(exports("cmd"), format!("{session}{clear}"));
    assert_eq!(
        exports_with("cmd", WORK),
        format!("{session}set \"MFA_ENV_RESTORE_PROFILE=default\"\n{clear}")
    );
    let unset = "set \"AWS_ACCESS_KEY_ID=\"\nset \"AWS_SECRET_ACCESS_KEY=\"\nset \"AWS_SESSION_TOKEN=\"\nset \"AWS_CREDENTIAL_EXPIRATION=\"\nset \"MFA_ENV_PROFILE=\"\n";
    assert_eq!(unsets("cmd"), unset);
    assert_eq!(
        unsets_with("cmd", RESTORE),
        format!("{unset}set \"MFA_ENV_RESTORE_PROFILE=\"\nset \"AWS_PROFILE=work's\"\n")
    );
}

#[test]
fn json_is_a_credential_process_document() {
    let expected = r#"{
  "Version": 1,
  "AccessKeyId": "ASIAFAKESTS0000TEST",
  "SecretAccessKey": "s3cr3t/Key+ForTests0123456789abcdefghIJ",
  "SessionToken": "FwoGZXIvYXdzEXAMPLE/session+token==",
  "Expiration": "2099-01-02T03:04:05Z"
}
"#;
    assert_eq!(exports("json"), expected);
    assert_eq!(exports_with("json", WORK), expected, "no profile variables");
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
MFA_ENV_PROFILE=default
"
    );
}

/// The whole `--shell github` output, with the heredoc delimiter pinned (debug builds only).
#[test]
fn github() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let env_file = home.file("github_env");
    std::fs::write(&env_file, "EARLIER=1").unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["--shell", "github", "-t", "123456"])
            .env("GITHUB_ENV", &env_file)
            .env("MFA_ENV_TEST_DELIMITER", "EOF"),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(
        stdout(&out),
        "::add-mask::ASIAFAKESTS0000TEST\n::add-mask::s3cr3t/Key+ForTests0123456789abcdefghIJ\n::add-mask::FwoGZXIvYXdzEXAMPLE/session+token==\n"
    );
    assert_eq!(
        std::fs::read_to_string(&env_file).unwrap(),
        "EARLIER=1
AWS_ACCESS_KEY_ID<<EOF1
ASIAFAKESTS0000TEST
EOF1
AWS_SECRET_ACCESS_KEY<<EOF2
s3cr3t/Key+ForTests0123456789abcdefghIJ
EOF2
AWS_SESSION_TOKEN<<EOF3
FwoGZXIvYXdzEXAMPLE/session+token==
EOF3
AWS_CREDENTIAL_EXPIRATION<<EOF4
2099-01-02T03:04:05+00:00
EOF4
AWS_REGION<<EOF5
us-east-1
EOF5
AWS_DEFAULT_REGION<<EOF6
us-east-1
EOF6
MFA_ENV_REGION<<EOF7
us-east-1
EOF7
MFA_ENV_PROFILE<<EOF8
default
EOF8
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
        "SHELLS",
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
    let out = run(Home::new().mfa().args(["--help", "extra"]), "");
    assert_fails(&out, "");
    assert_eq!(out.status.code(), Some(2));
}

/// README's Options block is `--help`'s USAGE and OPTIONS, byte for byte.
#[test]
fn readme_options_match_help() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("## Options\n\n```\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("README has an Options block");
    let out = run(Home::new().mfa().arg("--help"), "");
    let help = stdout(&out);
    let start = help.find("USAGE:").unwrap();
    let end = help.find("\n\nSHELLS").unwrap();
    assert_eq!(block, &help[start..end]);
}

/// A configured region, in every shell and format: set beside the session (the apply clears
/// AWS_PROFILE, which would take the profile's region with it), and given back by `--unset`.
#[test]
fn a_configured_region_in_every_format() {
    let region = [("AWS_DEFAULT_REGION", "sa-east-1")];
    let session = |set: &dyn Fn(&str, &str) -> String| {
        [
            ("AWS_ACCESS_KEY_ID", "ASIAFAKESTS0000TEST"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "s3cr3t/Key+ForTests0123456789abcdefghIJ",
            ),
            ("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE/session+token=="),
            ("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05+00:00"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("MFA_ENV_RESTORE_DEFAULT_REGION", "sa-east-1"),
            ("MFA_ENV_REGION", "eu-west-1"),
            ("MFA_ENV_PROFILE", "default"),
        ]
        .iter()
        .map(|(k, v)| set(k, v))
        .collect::<String>()
    };
    let posix = |k: &str, v: &str| format!("export {k}='{v}'\n");
    let fish = |k: &str, v: &str| format!("set -gx {k} '{v}'\n");
    let pwsh = |k: &str, v: &str| format!("$Env:{k} = '{v}'\n");
    let cmd = |k: &str, v: &str| format!("set \"{k}={v}\"\n");
    let dotenv = |k: &str, v: &str| format!("{k}={v}\n");
    let with_region = |shell: &str| {
        let sts = FakeSts::start(vec![Reply::fixed()]);
        let home = Home::with_default_profile();
        let mut cmd = mfa_at(&home, &sts.url);
        cmd.args(["--shell", shell, "-t", "123456", "--region", "eu-west-1"]);
        cmd.envs(region);
        let out = run(&mut cmd, "");
        assert_eq!(stderr(&out), "", "{shell}");
        assert_succeeds(&out)
    };
    assert_eq!(
        with_region("bash"),
        session(&posix) + "unset AWS_PROFILE AWS_DEFAULT_PROFILE\n"
    );
    assert_eq!(
        with_region("fish"),
        session(&fish) + "set -e AWS_PROFILE; or true\nset -e AWS_DEFAULT_PROFILE; or true\n"
    );
    assert_eq!(
        with_region("powershell"),
        session(&pwsh)
            + "Remove-Item -LiteralPath Env:AWS_PROFILE -ErrorAction SilentlyContinue\n\
               Remove-Item -LiteralPath Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue\n"
    );
    assert_eq!(
        with_region("cmd"),
        session(&cmd) + "set \"AWS_PROFILE=\"\nset \"AWS_DEFAULT_PROFILE=\"\n"
    );
    assert_eq!(with_region("dotenv"), session(&dotenv));

    // --unset in a shell where that apply happened: the user's AWS_DEFAULT_REGION comes back.
    let applied = [
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("MFA_ENV_RESTORE_DEFAULT_REGION", "sa-east-1"),
        ("MFA_ENV_REGION", "eu-west-1"),
    ];
    assert_eq!(
        unsets_with("bash", &applied),
        "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE AWS_REGION MFA_ENV_RESTORE_DEFAULT_REGION MFA_ENV_REGION\nexport AWS_DEFAULT_REGION='sa-east-1'\n"
    );
    assert_eq!(
        unsets_with("powershell", &applied),
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
            "MFA_ENV_PROFILE",
            "AWS_REGION",
            "MFA_ENV_RESTORE_DEFAULT_REGION",
            "MFA_ENV_REGION"
        ]
        .iter()
        .map(|n| format!("Remove-Item -LiteralPath Env:{n} -ErrorAction SilentlyContinue\n"))
        .collect::<String>()
            + "$Env:AWS_DEFAULT_REGION = 'sa-east-1'\n"
    );
    assert_eq!(
        unsets_with("cmd", &applied),
        "set \"AWS_ACCESS_KEY_ID=\"\nset \"AWS_SECRET_ACCESS_KEY=\"\nset \"AWS_SESSION_TOKEN=\"\nset \"AWS_CREDENTIAL_EXPIRATION=\"\nset \"MFA_ENV_PROFILE=\"\nset \"AWS_REGION=\"\nset \"MFA_ENV_RESTORE_DEFAULT_REGION=\"\nset \"MFA_ENV_REGION=\"\nset \"AWS_DEFAULT_REGION=sa-east-1\"\n"
    );

    // GitHub Actions: the region reaches the later steps too.
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let env_file = home.file("github_env");
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["--shell", "github", "-t", "123456", "--region", "eu-west-1"])
            .env("GITHUB_ENV", &env_file)
            .env("MFA_ENV_TEST_DELIMITER", "EOF"),
        "",
    );
    assert_succeeds(&out);
    let written = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        written.contains("AWS_REGION<<EOF5\neu-west-1\nEOF5\nAWS_DEFAULT_REGION<<EOF6\neu-west-1\nEOF6\nMFA_ENV_REGION<<EOF7\neu-west-1\nEOF7\n"),
        "{written}"
    );
}
