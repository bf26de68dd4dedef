//! Getting a session: what is sent to STS (device, code, duration), with which keys, in which
//! region, and the whole round trip against moto's STS in every shell.

use crate::support::*;

use std::process::Command;

/// moto's session: whatever it returns, checked for shape.
fn session_json(home: &Home, moto: &Moto, extra: &[&str]) -> serde_json::Value {
    let out = run(
        mfa_at(home, &moto.url)
            .args(["--shell", "json", "--token-code", "123456", "--no-cache"])
            .args(extra),
        "",
    );
    assert_succeeds(&out);
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn sends_serial_code_and_duration() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    run_ok(mfa_at(&home, &sts.url).args([
        "-s",
        "bash",
        "-t",
        "012345",
        "-d",
        "3600",
        "--no-cache",
    ]));
    run_ok(mfa_at(&home, &sts.url).args([
        "-s",
        "bash",
        "-t",
        "654321",
        "--serial-number",
        "GAHT12345678",
        "--no-cache",
    ]));
    let requests = sts.requests();
    assert_eq!(requests[0].param("Action"), Some("GetSessionToken"));
    assert_eq!(requests[0].param("SerialNumber"), Some(SERIAL));
    assert_eq!(requests[0].param("TokenCode"), Some("012345"));
    assert_eq!(requests[0].param("DurationSeconds"), Some("3600"));
    assert_eq!(requests[1].param("SerialNumber"), Some("GAHT12345678"));
    assert_eq!(requests[1].param("TokenCode"), Some("654321"));
    assert_eq!(
        requests[1].param("DurationSeconds"),
        None,
        "STS's own default"
    );
    assert_eq!(requests[0].signing_key(), LONG_TERM_ID);
}

#[test]
fn serial_from_the_environment_and_code_from_stdin() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "-", "--no-cache"])
            .env("AWS_MFA_SERIAL", "GAHT00000001"),
        "246810\n",
    );
    assert_succeeds(&out);
    let request = &sts.requests()[0];
    assert_eq!(request.param("SerialNumber"), Some("GAHT00000001"));
    assert_eq!(request.param("TokenCode"), Some("246810"));

    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "-", "--no-cache"]),
        "12345\n",
    );
    assert_fails(
        &out,
        "the MFA code read from stdin is wrong: it is too short",
    );
    assert_eq!(out.status.code(), Some(1), "stdin is not the command line");
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "-", "--no-cache"]),
        "",
    );
    assert_fails(&out, "no line on stdin");
    assert_eq!(sts.count(), 1, "bad codes never reach STS");
}

/// A session left in the environment by the previous run must not sign the next call.
#[test]
fn stale_session_in_the_environment_is_ignored() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let stale = |cmd: &mut Command| {
        cmd.env("AWS_ACCESS_KEY_ID", FIXED_ID)
            .env("AWS_SECRET_ACCESS_KEY", FIXED_SECRET)
            .env("AWS_SESSION_TOKEN", FIXED_TOKEN)
            .args(["-s", "bash", "-t", "123456", "--no-cache"]);
    };
    let mut cmd = mfa_at(&home, &sts.url);
    stale(&mut cmd);
    run_ok(&mut cmd);
    let request = &sts.requests()[0];
    assert_eq!(request.signing_key(), LONG_TERM_ID);
    assert!(!request.headers.contains_key("x-amz-security-token"));

    // Twice in a row in a real shell: the second run sees the first one's session.
    let bin = sh_quote(BIN);
    let script =
        format!("eval \"$({bin} -t 111111 --no-cache)\"\neval \"$({bin} -t 222222 --no-cache)\"\n");
    let out = run(
        home.command("bash")
            .args(["--norc", "-eu", "-s"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        &script,
    );
    assert_succeeds(&out);
    let requests = sts.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.signing_key() == LONG_TERM_ID));
}

#[test]
fn long_term_keys_in_the_environment_sign_in_ci() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    run_ok(
        mfa_at(&home, &sts.url)
            .env("AWS_ACCESS_KEY_ID", "AKIACIROBOT000000001")
            .env("AWS_SECRET_ACCESS_KEY", "ci/secret+key")
            .env("AWS_MFA_SERIAL", SERIAL)
            .args(["-s", "github", "-t", "123456", "-s", "bash", "--no-cache"]),
    );
    assert_eq!(sts.requests()[0].signing_key(), "AKIACIROBOT000000001");

    // A named profile wins over keys in the environment.
    let home = Home::with_default_profile();
    run_ok(
        mfa_at(&home, &sts.url)
            .env("AWS_ACCESS_KEY_ID", "AKIACIROBOT000000001")
            .env("AWS_SECRET_ACCESS_KEY", "ci/secret+key")
            .args(["-p", "default", "-s", "bash", "-t", "123456", "--no-cache"]),
    );
    assert_eq!(sts.requests()[1].signing_key(), LONG_TERM_ID);
}

#[test]
fn region_precedence() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let region = |extra: &[(&str, &str)], args: &[&str]| {
        let mut cmd = mfa_at(&home, &sts.url);
        cmd.args(["-s", "bash", "-t", "123456", "--no-cache"])
            .args(args);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        run_ok(&mut cmd);
        sts.requests().last().unwrap().signing_region()
    };
    assert_eq!(region(&[], &[]), "us-east-1");
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = ap-south-1\n"
    ));
    assert_eq!(region(&[], &[]), "ap-south-1");
    assert_eq!(
        region(&[("AWS_DEFAULT_REGION", "eu-north-1")], &[]),
        "eu-north-1"
    );
    assert_eq!(
        region(
            &[
                ("AWS_DEFAULT_REGION", "eu-north-1"),
                ("AWS_REGION", "eu-west-3")
            ],
            &[]
        ),
        "eu-west-3"
    );
    assert_eq!(
        region(&[("AWS_REGION", "eu-west-3")], &["--region", "sa-east-1"]),
        "sa-east-1"
    );
}

#[test]
fn every_shell_gets_moto_session_credentials() {
    let Some(moto) = moto() else { return };
    let home = Home::with_default_profile();
    let doc = session_json(&home, moto, &[]);
    let id = doc["AccessKeyId"].as_str().unwrap().to_owned();
    let token = doc["SessionToken"].as_str().unwrap().to_owned();
    assert!(!id.is_empty() && token.len() > 100, "{doc}");

    let bin = sh_quote(BIN);
    for (shell, flags) in POSIX_SHELLS {
        if !require(shell) {
            continue;
        }
        let script =
            format!("eval \"$({bin} --token-code 123456 --no-cache)\"\nenv -0 > set.env\n");
        let out = run(
            home.command(shell)
                .args(*flags)
                .env("AWS_ENDPOINT_URL_STS", &moto.url),
            &script,
        );
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let env = parse_env0(&std::fs::read(home.file("set.env")).unwrap());
        assert_eq!(env["AWS_ACCESS_KEY_ID"], id, "{shell}");
        assert_eq!(env["AWS_SESSION_TOKEN"], token, "{shell}");
        assert!(
            env["AWS_CREDENTIAL_EXPIRATION"].ends_with("+00:00"),
            "{shell}"
        );
    }
    if require("fish") {
        let bin = fish_quote(BIN);
        let script = format!("{bin} --token-code 123456 --no-cache | source\nenv -0 > set.env\n");
        let out = run(
            home.command(FISH.0)
                .args(FISH.1)
                .env("AWS_ENDPOINT_URL_STS", &moto.url),
            &script,
        );
        assert!(out.status.success(), "fish: {}", stderr(&out));
        let env = parse_env0(&std::fs::read(home.file("set.env")).unwrap());
        assert_eq!(env["AWS_SESSION_TOKEN"], token, "fish");
    }
    for shell in ["powershell", "cmd", "dotenv"] {
        let out = run(
            mfa_at(&home, &moto.url).args(["--shell", shell, "-t", "123456", "--no-cache"]),
            "",
        );
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains(&token), "{shell}");
    }
}

#[test]
fn duration_reaches_sts() {
    let Some(moto) = moto() else { return };
    let home = Home::with_default_profile();
    let doc = session_json(&home, moto, &["--duration-seconds", "900"]);
    let expires = parse_iso(doc["Expiration"].as_str().unwrap());
    let left = expires - now();
    assert!(
        (800..=900).contains(&left),
        "moto computes expiry from DurationSeconds: {left}"
    );
}

#[test]
fn named_profile_with_endpoint_and_region_from_the_config_file() {
    let Some(moto) = moto() else { return };
    let home = Home::new();
    home.credentials(&format!(
        "[work]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    ));
    home.config(&format!(
        "[profile work]\nmfa_serial = {SERIAL}\nregion = eu-west-1\nendpoint_url = {}\nduration_seconds = 1800\n",
        moto.url
    ));
    let out = run(
        home.mfa()
            .args(["--profile", "work", "--shell", "json", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let left = parse_iso(doc["Expiration"].as_str().unwrap()) - now();
    assert!(
        (1700..=1800).contains(&left),
        "duration_seconds from the profile: {left}"
    );

    // AWS_PROFILE selects it too, and AWS_ENDPOINT_URL (all services) is honoured.
    home.config(&format!("[profile work]\nmfa_serial = {SERIAL}\n"));
    let out = run(
        home.mfa()
            .args(["--shell", "bash", "-t", "123456", "--no-cache"])
            .env("AWS_PROFILE", "work")
            .env("AWS_ENDPOINT_URL", &moto.url),
        "",
    );
    assert_succeeds(&out);
    assert!(stdout(&out).starts_with("export AWS_ACCESS_KEY_ID='"));
}

#[test]
fn awscli_accepts_what_we_export() {
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let home = Home::with_default_profile();
    let bin = sh_quote(BIN);
    let script = format!(
        "eval \"$({bin} --token-code 123456 --no-cache)\"\naws sts get-caller-identity --endpoint-url \"$AWS_ENDPOINT_URL_STS\" --output text --query Account\n"
    );
    let out = run(
        home.command("bash")
            .args(["--norc", "-eu", "-s"])
            .env("AWS_ENDPOINT_URL_STS", &moto.url)
            .env("AWS_DEFAULT_REGION", "us-east-1"),
        &script,
    );
    assert_succeeds(&out);
    assert_eq!(
        stdout(&out).trim().len(),
        12,
        "an account id: {}",
        stdout(&out)
    );
}
