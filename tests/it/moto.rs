//! Full runs against a real STS implementation: moto's server on loopback.

use crate::support::*;

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
