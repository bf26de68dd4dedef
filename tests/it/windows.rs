//! The real `mfa-env.exe` (x86_64-pc-windows-gnu, release) under Wine: parent detection in cmd,
//! the `mfa` batch file, the cache in `%LOCALAPPDATA%`, `--write-profile` in
//! `%USERPROFILE%\.aws`, `exec`, PowerShell output byte for byte, and no hang without a console.
//! What Wine cannot show (real PowerShell, the Windows console prompt) is said in README.

use crate::support::*;
use crate::wine::*;

use std::path::{Path, PathBuf};
use std::process::Output;

/// The directory with the exe, or `None` (skipped) where the Windows build cannot be made.
fn build() -> Option<PathBuf> {
    windows_build().map(Path::to_owned)
}

/// The Windows user's `.aws` files, fresh, with CRLF line endings; no cached sessions.
fn fresh_user(config_extra: &str) -> PathBuf {
    let profile = user_profile();
    let _ = std::fs::remove_dir_all(profile.join("AppData/Local/mfa-env"));
    let aws = profile.join(".aws");
    let _ = std::fs::remove_dir_all(&aws);
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        format!("; my keys\r\n[default]\r\naws_access_key_id = {LONG_TERM_ID}\r\naws_secret_access_key = {LONG_TERM_SECRET}\r\n"),
    )
    .unwrap();
    std::fs::write(
        aws.join("config"),
        format!("[default]\r\nmfa_serial = {SERIAL}\r\nregion = us-east-1\r\n{config_extra}"),
    )
    .unwrap();
    profile
}

/// `mfa-env.exe ARGS`, started by Wine from here (not from cmd), with `env`.
fn exe(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = wine(dir);
    cmd.arg(dir.join("mfa-env.exe")).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_exe_runs_and_detects_cmd() {
    let Some(dir) = build() else { return };
    let _one = one_at_a_time();
    let out = exe(&dir, &["-V"], &[]);
    assert_eq!(
        text(&out.stdout),
        format!("mfa-env {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = exe(&dir, &["--help"], &[]);
    assert!(text(&out.stdout).contains("USAGE:"));
    // Started by cmd, the parent process says cmd (the process snapshot, Windows-only code).
    write_batch(
        &dir.join("unset.bat"),
        &["@echo off", "mfa-env.exe --unset"],
    );
    let out = wine(&dir)
        .args(["cmd", "/c", "unset.bat"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "set \"AWS_ACCESS_KEY_ID=\"\nset \"AWS_SECRET_ACCESS_KEY=\"\nset \"AWS_SESSION_TOKEN=\"\nset \"AWS_CREDENTIAL_EXPIRATION=\"\nset \"MFA_ENV_PROFILE=\"\n"
    );
}

/// A config bigger than one read (64 KiB) is checked a block at a time and each profile read
/// again from the file when asked for: on Windows with `seek_read`.
#[test]
fn a_big_config_is_read_a_block_at_a_time() {
    let Some(dir) = build() else { return };
    let _one = one_at_a_time();
    let profiles: String = (0..3000)
        .map(|i| format!("[profile team{i}]\r\nrole_arn = arn:aws:iam::123456789012:role/r{i}\r\nsource_profile = default\r\nmfa_serial = arn:aws:iam::123456789012:mfa/w{i}\r\n"))
        .collect();
    assert!(profiles.len() > 4 * 64 * 1024);
    fresh_user(&profiles);
    let out = exe(&dir, &["list", "--names"], &[]);
    let expected: Vec<String> = std::iter::once("default".to_owned())
        .chain((0..3000).map(|i| format!("team{i}")))
        .collect();
    assert_eq!(text(&out.stdout).lines().collect::<Vec<_>>(), expected);
    let out = exe(&dir, &["list", "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = &rows[3000];
    assert_eq!(last["profile"], "team2999");
    assert_eq!(last["kind"], "role");
    assert_eq!(last["source_profile"], "default");
    assert_eq!(last["mfa_device"], "arn:aws:iam::123456789012:mfa/w2999");
    assert_eq!(last["keys"], "credentials");
}

/// `mfa-env.exe init cmd > mfa.cmd`, then in one cmd session: `mfa` sets what moto issued, a
/// second `mfa` needs no code (the cache in %LOCALAPPDATA%), `mfa --unset` clears, a failing
/// `mfa` changes nothing and passes its exit code on.
#[test]
fn the_mfa_batch_file_against_moto() {
    let Some(moto) = moto() else { return };
    let Some(dir) = build() else { return };
    // What moto issues (the same every time), through the Linux build.
    let home = Home::with_default_profile();
    let issued: serde_json::Value = serde_json::from_str(&assert_succeeds(&run(
        mfa_at(&home, &moto.url).args(["-s", "json", "-t", "123456", "--no-cache"]),
        "",
    )))
    .unwrap();
    let _one = one_at_a_time();
    let profile = fresh_user("");
    write_batch(
        &dir.join("init.bat"),
        &["@echo off", "mfa-env.exe init cmd > mfa.cmd"],
    );
    assert!(
        wine(&dir)
            .args(["cmd", "/c", "init.bat"])
            .status()
            .unwrap()
            .success()
    );
    write_batch(
        &dir.join("driver.bat"),
        &[
            "@echo off",
            "call mfa --token-code 123456",
            ">first.txt set AWS_",
            "call mfa",
            ">second.txt set AWS_",
            "mfa-env.exe status 2>status.txt",
            "call mfa --profile nope",
            ">failed.txt set AWS_",
            "call mfa --unset",
            ">unset.txt set",
        ],
    );
    let out = wine(&dir)
        .args(["cmd", "/c", "driver.bat"])
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "", "nothing on the screen");
    let read = |f: &str| parse_set(&text(&std::fs::read(dir.join(f)).unwrap()));
    let first = read("first.txt");
    assert_eq!(
        first["AWS_ACCESS_KEY_ID"],
        issued["AccessKeyId"].as_str().unwrap()
    );
    assert_eq!(
        first["AWS_SECRET_ACCESS_KEY"],
        issued["SecretAccessKey"].as_str().unwrap()
    );
    assert_eq!(
        first["AWS_SESSION_TOKEN"],
        issued["SessionToken"].as_str().unwrap()
    );
    assert_eq!(
        read("second.txt"),
        first,
        "the cache served the second mfa, without a code"
    );
    let status = text(&std::fs::read(dir.join("status.txt")).unwrap());
    assert!(
        status.starts_with("this shell: the session of 'default', ")
            && status.contains("\ndefault: "),
        "{status}"
    );
    assert_eq!(read("failed.txt"), first, "a failing mfa changes nothing");
    let after = read("unset.txt");
    assert!(VARS.iter().all(|v| !after.contains_key(*v)), "{after:?}");
    let cached = std::fs::read_dir(profile.join("AppData/Local/mfa-env"))
        .unwrap()
        .count();
    assert_eq!(cached, 1, "one session in %LOCALAPPDATA%\\mfa-env");

    // The exit code of a failing mfa passes on (Wine loses a `call`ed batch file's code, so
    // the batch file runs at the top level here).
    let out = wine(&dir)
        .args(["cmd", "/c", "mfa.cmd", "--profile", "nope"])
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = wine(&dir)
        .args(["cmd", "/c", "mfa.cmd", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn write_profile_keeps_a_crlf_file_crlf() {
    let Some(dir) = build() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let _one = one_at_a_time();
    let profile = fresh_user("");
    let creds = profile.join(".aws/credentials");
    let before = std::fs::read_to_string(&creds).unwrap();
    let out = exe(
        &dir,
        &["-s", "none", "-t", "123456", "--write-profile", "mfa"],
        &[("AWS_ENDPOINT_URL_STS", &sts.url)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&creds).unwrap();
    assert_eq!(
        after,
        format!(
            "{before}\r\n[mfa]\r\naws_access_key_id = {FIXED_ID}\r\naws_secret_access_key = {FIXED_SECRET}\r\naws_session_token = {FIXED_TOKEN}\r\nexpiration = {FIXED_EXPIRATION}\r\nregion = us-east-1\r\nmfa_env_source_profile = default\r\n"
        )
    );
}

#[test]
fn exec_under_wine() {
    let Some(dir) = build() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let _one = one_at_a_time();
    fresh_user("");
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts.url.as_str()),
        ("AWS_PROFILE", "default"),
    ];
    let out = exe(
        &dir,
        &["exec", "-t", "123456", "--", "cmd", "/c", "exit 7"],
        &env,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let out = exe(&dir, &["exec", "--", "cmd", "/c", "set"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let vars = parse_set(&text(&out.stdout));
    assert_eq!(
        vars.get("AWS_SESSION_TOKEN").map(String::as_str),
        Some(FIXED_TOKEN)
    );
    assert_eq!(
        vars.get("MFA_ENV_PROFILE").map(String::as_str),
        Some("default")
    );
    assert!(!vars.contains_key("AWS_PROFILE"));
    assert_eq!(sts.count(), 1, "the second run used the cache");
    let out = exe(&dir, &["exec", "--", "no-such-program"], &env);
    assert_eq!(out.status.code(), Some(127));
}

/// One golden, two platforms: the exe prints the same PowerShell bytes as the Linux build.
#[test]
fn powershell_output_is_the_same_on_both_platforms() {
    let Some(dir) = build() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    // As fresh_user writes it: the region is printed too.
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = us-east-1\n"
    ));
    let linux = assert_succeeds(&run(
        mfa_at(&home, &sts.url).args(["-s", "powershell", "-t", "123456", "--no-cache"]),
        "",
    ));
    let _one = one_at_a_time();
    fresh_user("");
    let out = exe(
        &dir,
        &["-s", "powershell", "-t", "123456", "--no-cache"],
        &[("AWS_ENDPOINT_URL_STS", &sts.url)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), linux);
}

#[test]
fn no_console_and_no_code_fails_at_once() {
    let Some(dir) = build() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let _one = one_at_a_time();
    fresh_user("");
    let started = std::time::Instant::now();
    let out = exe(&dir, &["-s", "cmd"], &[("AWS_ENDPOINT_URL_STS", &sts.url)]);
    assert!(started.elapsed().as_secs() < 30, "it must not wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("no terminal to ask for the MFA code"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sts.count(), 0);
}

/// Keys in Windows Credential Manager (Wine's): `add` from the environment, runs against moto
/// and a recording STS that sign with them, `remove`.
#[test]
fn keys_in_credential_manager_under_wine() {
    let Some(moto) = moto() else { return };
    let Some(dir) = build() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let stored_id = "AKIAWINECREDMAN00001";
    let stored_secret = "wInEcReDeNtIaLmAnAgEr/0123456789+abcdefg";
    let _one = one_at_a_time();
    let profile = fresh_user("");
    std::fs::write(profile.join(".aws/credentials"), "").unwrap();
    let _ = exe(&dir, &["remove", "default"], &[]);
    let out = exe(
        &dir,
        &["add", "default"],
        &[
            ("AWS_ACCESS_KEY_ID", stored_id),
            ("AWS_SECRET_ACCESS_KEY", stored_secret),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "mfa-env: stored the keys of 'default' in Windows Credential Manager, as generic credential mfa-env:default\n"
    );
    let out = exe(
        &dir,
        &["-s", "cmd", "-t", "123456", "--no-cache"],
        &[("AWS_ENDPOINT_URL_STS", &moto.url)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("set \"AWS_SESSION_TOKEN="));
    let out = exe(
        &dir,
        &["-s", "cmd", "-t", "123456", "--no-cache"],
        &[("AWS_ENDPOINT_URL_STS", &sts.url)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sts.requests()[0].signing_key(), stored_id);
    let out = exe(&dir, &["remove", "default"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = exe(&dir, &["remove", "default"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Windows Credential Manager holds no keys of 'default'"),
        "{}",
        text(&out.stderr)
    );
}
