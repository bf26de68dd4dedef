//! Where the code comes from: commands that print it (`--token-command`, `mfa_process`), the
//! precedence of every source, and a desktop dialog (zenity under Xvfb, answered by xdotool)
//! when there is no terminal.

use crate::support::*;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A script in the home that does `body`; returns its path as a command line.
fn script(home: &Home, name: &str, body: &str) -> String {
    let path = home.file(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

fn sent_code(sts: &FakeSts) -> Option<String> {
    sts.requests().last()?.param("TokenCode").map(str::to_owned)
}

#[test]
fn commands_that_print_the_code() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let get = |command: &str| {
        run(
            detached(mfa_at(&home, &sts.url).args([
                "-s",
                "bash",
                "--no-cache",
                "--token-command",
                command,
            ]))
            .env("MFA_ENV_TEST_PATIENCE_MS", "1000"),
            "",
        )
    };
    let out = get("printf '123456\\n'");
    assert_succeeds(&out);
    assert_eq!(sent_code(&sts).as_deref(), Some("123456"));

    // Noise lines before, spaces inside: the last non-empty line, as apps show codes.
    let out = get("printf 'Touch your YubiKey...\\n 234 567 \\n\\n'");
    assert_succeeds(&out);
    assert_eq!(sent_code(&sts).as_deref(), Some("234567"));

    // Its stderr reaches the person.
    let out = get("echo 'touch your key' >&2; echo 345678");
    assert_succeeds(&out);
    assert_eq!(stderr(&out), "touch your key\n");

    // The command's own stderr passes through; then one line of ours.
    let out = get("echo 'device not found' >&2; exit 3");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "device not found\nmfa-env: --token-command 'echo 'device not found' >&2; exit 3' failed (exit 3): device not found\n"
    );
    let count = sts.count();
    let out = get("sleep 30");
    assert_fails(&out, "did not finish within 1s, so it was stopped");
    let out = get("true");
    assert_fails(&out, "printed no MFA code");
    let out = get("printf 'sec%s\\n' ret-abcdef");
    assert_fails(
        &out,
        "printed a last line that is no MFA code (it contains letters)",
    );
    assert!(
        !stderr(&out).contains("secret-abcdef"),
        "what it printed is never shown"
    );
    assert_eq!(sts.count(), count, "nothing sent after a failure");
}

/// `--token-code` > `--totp-secret-env` > `--token-command` > `mfa_process` > a prompt.
#[test]
fn sources_in_their_order() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let profile_command = script(&home, "profile-code", "echo 444444");
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nmfa_process = {profile_command}\n"
    ));
    let flag_command = script(&home, "flag-code", "echo 333333");
    const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let at = "1700000010";
    let totp_code = "732303"; // the RFC 6238 seed's code at 1700000010 (oathtool agrees)
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "-t",
                "111111",
                "--totp-secret-env",
                "SEED",
                "--token-command",
                &flag_command,
            ],
            "111111",
        ),
        (
            &[
                "--totp-secret-env",
                "SEED",
                "--token-command",
                &flag_command,
            ],
            totp_code,
        ),
        (&["--token-command", &flag_command], "333333"),
        (&[], "444444"),
    ];
    for (args, expected) in cases {
        let out = run(
            detached(
                mfa_at(&home, &sts.url)
                    .args(["-s", "bash", "--no-cache"])
                    .args(*args),
            )
            .env("SEED", SEED)
            .env("MFA_ENV_TEST_NOW", at),
            "",
        );
        assert_succeeds(&out);
        assert_eq!(sent_code(&sts).as_deref(), Some(*expected), "{args:?}");
    }
    if require("oathtool") {
        let out = Command::new("oathtool")
            .args(["--totp", "-b", "--now", &format!("@{at}"), SEED])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), totp_code);
    }
    // With no source at all and --prompt none: at once, a message that lists the sources.
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nmfa_prompt = none\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "--no-cache"]),
        "",
    );
    assert_fails(&out, "no MFA code source and --prompt none");
}

/// A role profile's own mfa_process wins over its source profile's.
#[test]
fn a_role_s_mfa_process_wins_over_its_source_s() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let source = script(&home, "source-code", "echo 555555");
    let role = script(&home, "role-code", "echo 666666");
    let config = |role_line: &str| {
        format!(
            "[default]\nmfa_serial = {SERIAL}\nmfa_process = {source}\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\nmfa_serial = {SERIAL}\n{role_line}"
        )
    };
    let get = || {
        let out = run(
            detached(mfa_at(&home, &sts.url).args(["-s", "bash", "--no-cache", "-p", "admin"])),
            "",
        );
        assert_succeeds(&out);
        sent_code(&sts)
    };
    home.config(&config(&format!("mfa_process = {role}\n")));
    assert_eq!(get().as_deref(), Some("666666"));
    home.config(&config(""));
    assert_eq!(get().as_deref(), Some("555555"));
}

/// STS refuses a code as used: the command runs again, for the next step's code.
#[test]
fn a_refused_code_runs_the_command_again() {
    let refusal = Reply::error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    let sts = FakeSts::start(vec![refusal, Reply::fixed()]);
    let home = Home::with_default_profile();
    let counter = home.file("count");
    let command = script(
        &home,
        "counting-code",
        &format!(
            "if [ -e {0} ]; then echo 222222; else touch {0}; echo 111111; fi",
            counter.display()
        ),
    );
    let out = run(
        detached(mfa_at(&home, &sts.url).args([
            "-s",
            "bash",
            "--no-cache",
            "--token-command",
            &command,
        ]))
        .env("MFA_ENV_TEST_NOW", "1700000010"),
        "",
    );
    assert_succeeds(&out);
    let codes: Vec<String> = sts
        .requests()
        .iter()
        .filter_map(|r| r.param("TokenCode").map(str::to_owned))
        .collect();
    assert_eq!(codes, ["111111", "222222"]);
    assert!(stderr(&out).contains("running it again for the next one"));
}

// ---------------------------------------------------------------------------------------------
// A desktop: Xvfb, zenity, and xdotool standing in for the person.

struct Desktop {
    display: String,
    server: Child,
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn desktop() -> Option<Desktop> {
    if !require("Xvfb") || !require("zenity") || !require("xdotool") {
        return None;
    }
    // Xvfb picks a free display and says which on the descriptor given.
    let mut server = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "800x600x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut number = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut number)
        .unwrap();
    Some(Desktop {
        display: format!(":{}", number.trim()),
        server,
    })
}

/// Answers the dialog titled mfa-env on `display`: types `code` and presses Enter, or Escape.
fn answer(display: &str, keys: Option<&str>) -> std::thread::JoinHandle<()> {
    let display = display.to_owned();
    let keys = keys.map(str::to_owned);
    std::thread::spawn(move || {
        let xdotool = |args: &[&str]| {
            Command::new("xdotool")
                .args(args)
                .env("DISPLAY", &display)
                .stderr(Stdio::null())
                .output()
                .unwrap()
        };
        let start = Instant::now();
        let window = loop {
            let out = xdotool(&["search", "--name", "^mfa-env$"]);
            if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
                break id.to_owned();
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no dialog appeared"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        xdotool(&["windowfocus", "--sync", &window]);
        match &keys {
            Some(code) => {
                xdotool(&["type", "--delay", "20", code]);
                xdotool(&["key", "Return"]);
            }
            None => {
                xdotool(&["key", "Escape"]);
            }
        }
    })
}

#[test]
fn a_dialog_asks_when_there_is_no_terminal() {
    let Some(desktop) = desktop() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let get = |keys: Option<&str>| {
        let person = answer(&desktop.display, keys);
        let out = run(
            detached(mfa_at(&home, &sts.url).args(["-s", "bash", "--no-cache"]))
                .env("DISPLAY", &desktop.display),
            "",
        );
        person.join().unwrap();
        out
    };
    let out = get(Some("123 456"));
    assert!(stdout(&out).contains(FIXED_TOKEN), "{}", stderr(&out));
    assert_eq!(sent_code(&sts).as_deref(), Some("123456"));
    let out = get(None);
    assert_fails(&out, "the code dialog was cancelled; nothing was printed");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sts.count(), 1);

    // No display: the clear error of a run without a terminal, at once.
    let out = run(
        detached(mfa_at(&home, &sts.url).args(["-s", "bash", "--no-cache"])),
        "",
    );
    assert_fails(&out, "no terminal to ask for the MFA code");
    let out = run(
        detached(mfa_at(&home, &sts.url).args(["-s", "bash", "--no-cache", "--prompt", "gui"])),
        "",
    );
    assert_fails(&out, "no desktop to show the code dialog in");
}

/// The case the dialog is for: an SDK (the AWS CLI here) runs mfa-env as credential_process,
/// with no terminal, and the person answers the dialog.
#[test]
fn the_aws_cli_with_no_terminal_gets_the_code_from_the_dialog() {
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let Some(desktop) = desktop() else { return };
    let home = Home::with_default_profile();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile mfa]\nregion = us-east-1\ncredential_process = {} --shell json --profile default\n",
        BIN
    ));
    let person = answer(&desktop.display, Some("654321"));
    let out = run(
        detached(home.command("aws").args([
            "sts",
            "get-caller-identity",
            "--profile",
            "mfa",
            "--endpoint-url",
            &moto.url,
            "--query",
            "Account",
            "--output",
            "text",
        ]))
        .env("DISPLAY", &desktop.display)
        .env("AWS_ENDPOINT_URL_STS", &moto.url),
        "",
    );
    person.join().unwrap();
    assert_eq!(assert_succeeds(&out).trim().len(), 12);
}

/// A command that leaves something running that holds its pipes (`sleep 60 &`) cannot hang
/// mfa-env: it returns once the command has exited and printed its code. At the bound, the
/// command's whole process group is stopped, not only `sh`.
#[test]
fn code_commands_cannot_hang_mfa_env() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let get = |command: &str, patience: &str| {
        let started = std::time::Instant::now();
        let out = run(
            detached(mfa_at(&home, &sts.url).args([
                "-s",
                "bash",
                "--no-cache",
                "--token-command",
                command,
            ]))
            .env("MFA_ENV_TEST_PATIENCE_MS", patience),
            "",
        );
        (out, started.elapsed())
    };
    // Running, not a zombie waiting to be reaped by whoever inherited it.
    let alive = |pid_file: &str| {
        let pid = std::fs::read_to_string(home.file(pid_file)).unwrap();
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
            stat.rsplit(") ")
                .next()
                .is_some_and(|s| !s.starts_with('Z'))
        })
    };
    let kill = |pid_file: &str| {
        let pid: i32 = std::fs::read_to_string(home.file(pid_file))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SAFETY: signals the test's own leftover sleep.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    };
    for command in [
        "sleep 60 & echo $! > bg1.pid; echo 123456",
        "sleep 60 >/dev/null 2>&1 </dev/null & echo $! > bg2.pid; sleep 60 & echo 234567",
    ] {
        let (out, took) = get(command, "100000");
        assert_succeeds(&out);
        assert!(took.as_secs() < 30, "{command}: waited {took:?}");
    }
    assert_eq!(sent_code(&sts).as_deref(), Some("234567"));
    kill("bg1.pid");
    kill("bg2.pid");
    // Past the bound: the command and what it started are stopped together.
    let (out, took) = get("sleep 60 & echo $! > bg3.pid; sleep 60", "500");
    assert_fails(&out, "did not finish within 0s, so it was stopped");
    assert!(took.as_secs() < 30, "waited {took:?}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let left = alive("bg3.pid");
    if left {
        kill("bg3.pid");
    }
    assert!(!left, "the command's background sleep outlived the bound");
}
