//! `mfa-env exec`: the command gets the session and nothing else that would override it, runs
//! in mfa-env's place (same pid, signals, status), owns stdin and stdout, and nests.

use crate::support::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

fn exec_at(home: &Home, sts: &FakeSts) -> std::process::Command {
    let mut cmd = mfa_at(home, &sts.url);
    cmd.arg("exec");
    cmd
}

#[test]
fn the_command_sees_the_session_and_nothing_that_overrides_it() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
    ));
    let out = run(
        exec_at(&home, &sts)
            .args(["-t", "123456", "--", "env", "-0"])
            .env("AWS_PROFILE", "default")
            .env("AWS_DEFAULT_PROFILE", "default")
            .env("AWS_SECURITY_TOKEN", "old")
            .env("AWS_SESSION_EXPIRATION", "old")
            .env("AWS_CREDENTIAL_EXPIRATION", "old")
            .env("MFA_ENV_RESTORE_PROFILE", "old")
            .env("KEEP_ME", "kept"),
        "",
    );
    assert_eq!(stderr(&out), "", "nothing of mfa-env's own");
    let env = parse_env0(&out.stdout);
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", FIXED_ID),
        ("AWS_SECRET_ACCESS_KEY", FIXED_SECRET),
        ("AWS_SESSION_TOKEN", FIXED_TOKEN),
        ("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05+00:00"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("MFA_ENV_PROFILE", "default"),
        ("KEEP_ME", "kept"),
    ] {
        assert_eq!(env.get(k).map(String::as_str), Some(v), "{k}");
    }
    for gone in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_SESSION_EXPIRATION",
        "MFA_ENV_RESTORE_PROFILE",
    ] {
        assert!(!env.contains_key(gone), "{gone}");
    }
    // No region configured: none set.
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    let out = run(exec_at(&home, &sts).args(["--", "env", "-0"]), "");
    let env = parse_env0(&out.stdout);
    assert!(!env.contains_key("AWS_REGION") && !env.contains_key("AWS_DEFAULT_REGION"));
}

#[test]
fn exit_statuses_pass_through() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let plain = home.file("not-executable");
    std::fs::write(&plain, "#!/bin/sh\n").unwrap();
    let status = |args: &[&str]| run(exec_at(&home, &sts).args(["-t", "123456"]).args(args), "");
    assert_eq!(status(&["--", "true"]).status.code(), Some(0));
    assert_eq!(status(&["--", "sh", "-c", "exit 3"]).status.code(), Some(3));
    let out = status(&["--", plain.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(126));
    assert_fails(&out, "permission denied");
    let out = status(&["--", "terrafrom"]);
    assert_eq!(out.status.code(), Some(127));
    assert_fails(&out, "cannot run 'terrafrom': not found on PATH");
    // Killed by a signal: the command is the process, so the shell sees 128 + 15.
    let out = status(&["--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.signal(), Some(15));
    if require("bash") {
        let script = format!("{} exec -- sh -c 'kill -TERM $$'; echo $?", sh_quote(BIN));
        let out = run(
            home.command("bash")
                .args(["--norc", "-c", &script])
                .env("AWS_ENDPOINT_URL_STS", &sts.url),
            "",
        );
        assert_eq!(stdout(&out), "143\n");
    }
}

#[test]
fn the_command_runs_in_mfa_env_s_place() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut child = spawn_piped(exec_at(&home, &sts).args([
        "-t",
        "123456",
        "--",
        "sh",
        "-c",
        "trap 'echo got USR1; exit 5' USR1; echo $$; while :; do sleep 0.05; done",
    ]));
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let reported: u32 = lines.next().unwrap().unwrap().parse().unwrap();
    assert_eq!(reported, pid, "the command has mfa-env's own pid");
    // SAFETY: sends a signal to the child we started.
    unsafe { libc::kill(pid as i32, libc::SIGUSR1) };
    assert_eq!(lines.next().unwrap().unwrap(), "got USR1");
    assert_eq!(child.wait().unwrap().code(), Some(5));
}

#[test]
fn stdin_and_stdout_pass_through_byte_for_byte() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let data: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let mut child = exec_at(&home, &sts)
        .args(["-t", "123456", "--", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = data.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let mut echoed = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut echoed)
        .unwrap();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert!(echoed == data, "the bytes came back changed");

    // With --token-code -, the first line is the code; every byte after it is the command's.
    let out = run(
        exec_at(&home, &sts).args(["-t", "-", "--force", "--", "cat"]),
        "654321\nrest\n\0binary\n",
    );
    assert_eq!(out.stdout, b"rest\n\0binary\n");
    assert_eq!(
        sts.requests().last().unwrap().param("TokenCode"),
        Some("654321")
    );
}

#[test]
fn options_after_the_command_are_the_command_s() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        exec_at(&home, &sts).args([
            "-t",
            "123456",
            "-p",
            "default",
            "--",
            "printf",
            "%s\\n",
            "-p",
            "--profile",
            "--unset",
        ]),
        "",
    );
    assert_eq!(stdout(&out), "-p\n--profile\n--unset\n");
    // The first word that is not an option starts the command, also without `--`.
    let out = run(exec_at(&home, &sts).args(["echo", "-t", "x"]), "");
    assert_eq!(stdout(&out), "-t x\n");
}

#[test]
fn without_a_command_the_user_s_shell_starts() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let shell = home.file("recording-shell");
    std::fs::write(
        &shell,
        "#!/bin/sh\nenv -0 > \"$HOME/shell.env\"\necho \"args: $#\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&shell, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = run(
        exec_at(&home, &sts)
            .args(["-t", "123456"])
            .env("SHELL", &shell),
        "",
    );
    assert_eq!(assert_succeeds(&out), "args: 0\n");
    let env = parse_env0(&std::fs::read(home.file("shell.env")).unwrap());
    assert_eq!(env["AWS_SESSION_TOKEN"], FIXED_TOKEN);
}

/// With no command, the shell exec was run from starts, not the login shell: fish from fish
/// with SHELL naming another. Each reads its script from stdin, and shows its own version.
#[test]
fn without_a_command_the_shell_it_was_run_from_starts() {
    let bin = sh_quote(BIN);
    let cases = [
        (
            "fish",
            vec!["--no-config", "-c"],
            "echo 'echo shell=fish:$FISH_VERSION' | {bin} exec -t 123456",
        ),
        (
            "zsh",
            vec!["-f", "-c"],
            "print -r -- 'echo shell=zsh:$ZSH_VERSION' | {bin} exec -t 123456; true",
        ),
        (
            "bash",
            vec!["--norc", "-c"],
            "echo 'echo shell=bash:$BASH_VERSION' | {bin} exec -t 123456; true",
        ),
    ];
    for (program, args, script) in cases {
        if !require(program) {
            continue;
        }
        let sts = FakeSts::start(vec![Reply::fixed()]);
        let home = Home::with_default_profile();
        let script = script.replace("{bin}", &bin);
        let out = run(
            home.command(program)
                .args(&args)
                .arg(&script)
                .env("AWS_ENDPOINT_URL_STS", &sts.url)
                .env("SHELL", "/bin/sh"),
            "",
        );
        let text = assert_succeeds(&out);
        let version = text
            .trim()
            .strip_prefix(&format!("shell={program}:"))
            .unwrap_or_else(|| panic!("{program}: {text}{}", stderr(&out)));
        assert!(!version.is_empty(), "{program}: {text}");
    }
}

#[test]
fn nested_runs_reuse_the_session() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let bin = sh_quote(BIN);
    let script = format!(
        "{bin} exec -- env -0 > inner.env && eval \"$({bin})\" && {bin} exec -- {bin} exec -- true && echo nested-ok"
    );
    let out = run(
        exec_at(&home, &sts).args(["-t", "123456", "--", "sh", "-c", &script]),
        "",
    );
    assert_eq!(assert_succeeds(&out), "nested-ok\n");
    assert_eq!(
        sts.count(),
        1,
        "no new code, no new call: the cache serves the nested runs"
    );
    let inner = parse_env0(&std::fs::read(home.file("inner.env")).unwrap());
    assert_eq!(inner["AWS_SESSION_TOKEN"], FIXED_TOKEN);
}

#[test]
fn nothing_starts_when_the_session_cannot_be_had() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    let marker = home.file("started");
    let touch = ["--", "touch", marker.to_str().unwrap()];
    let out = run(exec_at(&home, &sts).args(["-t", "123456"]).args(touch), "");
    assert_fails(&out, "no long-term AWS credentials found");
    assert_eq!(out.status.code(), Some(1));
    let home = Home::with_default_profile();
    let out = run(detached(exec_at(&home, &sts).args(touch)), "");
    assert_fails(&out, "no terminal to ask for the MFA code");
    for (args, needle) in [
        (&["--shell", "bash"][..], "--shell does not apply to exec"),
        (
            &["--write-profile", "x"],
            "--write-profile does not apply to exec",
        ),
        (&["--unset"], "--unset does not apply to exec"),
        (&["-t", "12"], "too short"),
    ] {
        let out = run(exec_at(&home, &sts).args(args).args(touch), "");
        assert_fails(&out, needle);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert!(!marker.exists());
    assert_eq!(sts.count(), 0);
}

#[test]
fn the_aws_cli_runs_under_exec_against_moto() {
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &moto.url).args([
            "exec",
            "-t",
            "123456",
            "--region",
            "us-east-1",
            "--",
            "aws",
            "sts",
            "get-caller-identity",
            "--endpoint-url",
            &moto.url,
            "--query",
            "Account",
            "--output",
            "text",
        ]),
        "",
    );
    assert_eq!(assert_succeeds(&out).trim().len(), 12);
}

/// The variable that holds a TOTP seed is a secret like the keys: the command never sees it,
/// with or without --server.
#[test]
fn the_totp_seed_leaves_with_the_keys() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for server in [false, true] {
        let mut cmd = exec_at(&home, &sts);
        if server {
            cmd.arg("--server");
        }
        let out = run(
            cmd.args([
                "--totp-secret-env",
                "MFA_SEED",
                "--force",
                "--",
                "env",
                "-0",
            ])
            .env("MFA_SEED", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
            .env("OTHER_SEED", "kept"),
            "",
        );
        let env = parse_env0(&out.stdout);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!env.contains_key("MFA_SEED"), "server {server}: {env:?}");
        assert_eq!(env.get("OTHER_SEED").map(String::as_str), Some("kept"));
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("GEZDGNBV"),
            "server {server}"
        );
    }
}
