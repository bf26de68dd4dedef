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

/// The code for the 30-second step that contains `at`, from Python's hmac: an implementation
/// that shares nothing with ours.
fn python_code(at: f64) -> String {
    let script = "import base64, hashlib, hmac, struct, sys\n\
        key = base64.b32decode(sys.argv[1])\n\
        mac = hmac.new(key, struct.pack('>Q', int(float(sys.argv[2])) // 30), hashlib.sha1).digest()\n\
        o = mac[-1] & 15\n\
        print('%06d' % ((struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000))";
    let out = Command::new("python3")
        .args(["-c", script, TOTP_SEED, &at.to_string()])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A TOTP run at the virtual time `at` (debug builds take `MFA_ENV_TEST_NOW`): its waits take
/// no real time.
fn totp_run(home: &Home, sts: &FakeSts, at: f64) -> std::process::Output {
    run(
        mfa_at(home, &sts.url)
            .args(["-s", "bash", "--totp-secret-env", "MFA_SEED", "--no-cache"])
            .env("MFA_SEED", TOTP_SEED)
            .env("MFA_ENV_TEST_NOW", at.to_string()),
        "",
    )
}

/// The start of a 30-second step.
const AT: f64 = 1_700_000_010.0;

/// RFC 4648 base32 with padding, written here apart from mfa-env's decoder.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < symbols {
                out.push(ALPHABET[((bits >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn totp_sends_the_code_of_the_moment() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = totp_run(&home, &sts, AT);
    assert_succeeds(&out);
    assert_eq!(
        sts.requests()[0].param("TokenCode").unwrap(),
        python_code(AT)
    );
}

#[test]
fn totp_waits_for_a_fresh_step_near_the_end_of_one() {
    if !require("python3") {
        return;
    }
    // 3 s left in the step that starts at AT: the next step's code.
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    assert!(totp_run(&home, &sts, AT + 27.0).status.success());
    let sent = sts.requests()[0].param("TokenCode").unwrap().to_owned();
    assert_eq!(sent, python_code(AT + 30.0), "sent in the next step");
    assert_ne!(sent, python_code(AT + 27.0));
}

#[test]
fn totp_retries_once_with_the_next_code_when_sts_refuses_one() {
    if !require("python3") {
        return;
    }
    let refusal = Reply::error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    let sts = FakeSts::start(vec![refusal.clone(), Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = totp_run(&home, &sts, AT);
    assert_succeeds(&out);
    assert!(stderr(&out).contains("trying the next one"));
    let requests = sts.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].param("TokenCode").unwrap(), python_code(AT));
    assert_eq!(
        requests[1].param("TokenCode").unwrap(),
        python_code(AT + 30.0),
        "the next step's code, after waiting for it"
    );

    // Only once: a second refusal is the end.
    let sts = FakeSts::start(vec![refusal]);
    let out = totp_run(&home, &sts, AT);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(
        stderr(&out)
            .lines()
            .last()
            .unwrap()
            .contains("rejected the MFA code"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sts.count(), 2);
}

/// Seeds as people paste them (any case, spaces, padding or none, a final newline): mfa-env
/// takes exactly those `oathtool --totp -b` takes, and computes the same code.
#[test]
fn totp_seeds_are_read_as_oathtool_reads_them() {
    if !require("oathtool") {
        return;
    }
    let mut generator = Gen::seeded(0x0a7b_7001);
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let (mut agreed, mut refused) = (0, 0);
    for case in 0..150 {
        // A real seed (random bytes, base32 with padding), then pasted in one of many ways.
        let bytes: Vec<u8> = (0..10 + generator.next() % 30)
            .map(|_| generator.next() as u8)
            .collect();
        let mut seed = base32(&bytes);
        match generator.next() % 6 {
            0 => seed = seed.trim_end_matches('=').to_owned(),
            1 => seed.push('='),
            2 => {
                let cut = seed.len() - (generator.next() % 3) as usize;
                seed.truncate(cut);
            }
            3 => seed = seed.replacen("==", "= =", 1),
            _ => {}
        }
        if generator.next().is_multiple_of(3) {
            seed = seed.to_lowercase();
        }
        if generator.next().is_multiple_of(3) {
            let at = (generator.next() as usize) % seed.len();
            seed.insert(at, ' ');
        }
        if generator.next().is_multiple_of(4) {
            seed.push('\n');
        }
        // Not in a step's last 5 s, where mfa-env waits for the next code.
        let at = 1_700_000_010
            + 30 * (generator.next() % 30_000) as i64
            + (generator.next() % 25) as i64;
        // What a shell gives oathtool from a file: `$(cat seed)` drops final newlines.
        let oath = Command::new("oathtool")
            .args([
                "--totp",
                "-b",
                "--now",
                &format!("@{at}"),
                seed.trim_end_matches('\n'),
            ])
            .output()
            .unwrap();
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "--totp-secret-env", "MFA_SEED", "--no-cache"])
                .env("MFA_SEED", &seed)
                .env("MFA_ENV_TEST_NOW", format!("{at}.5")),
            "",
        );
        if oath.status.success() {
            assert!(
                out.status.success(),
                "case {case}: {seed:?}: {}",
                stderr(&out)
            );
            let sent = sts
                .requests()
                .last()
                .unwrap()
                .param("TokenCode")
                .unwrap()
                .to_owned();
            assert_eq!(
                sent,
                String::from_utf8_lossy(&oath.stdout).trim(),
                "case {case}: {seed:?}"
            );
            agreed += 1;
        } else {
            assert_fails(&out, "the TOTP seed in MFA_SEED is not base32");
            assert!(
                !stderr(&out).contains(seed.trim()),
                "the seed is never shown"
            );
            refused += 1;
        }
    }
    eprintln!("oathtool agreed on {agreed} seeds, both refused {refused}");
    assert!(agreed > 50 && refused > 10, "{agreed} {refused}");
}

#[test]
fn malformed_or_missing_seeds_are_refused_without_echo() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for seed in [
        "not-base32!!",
        "GEZDGNBV",
        "GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ",
    ] {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "--totp-secret-env", "MFA_SEED"])
                .env("MFA_SEED", seed),
            "",
        );
        assert_fails(&out, "the TOTP seed in MFA_SEED is not base32");
        assert!(!stderr(&out).contains(seed));
    }
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "--totp-secret-env", "MFA_SEED"]),
        "",
    );
    assert_fails(&out, "names MFA_SEED, which is not set");
    assert_eq!(sts.count(), 0);
}

#[test]
fn no_terminal_and_no_code_fails_at_once() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(detached(mfa_at(&home, &sts.url).args(["-s", "bash"])), "");
    assert_fails(
        &out,
        "no terminal to ask for the MFA code: pass --token-code CODE, or --token-code - to read it from stdin",
    );
    assert_eq!(sts.count(), 0);
}

/// `--token-code -` reads one bounded line; surrounding whitespace is dropped as at the prompt.
#[test]
fn a_code_from_stdin_is_one_bounded_line() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "-", "--no-cache"]),
        " 123456 \r\n",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].param("TokenCode"), Some("123456"));
    let zeros = std::fs::File::open("/dev/zero").unwrap();
    let out = mfa_at(&home, &sts.url)
        .args(["-s", "bash", "-t", "-", "--no-cache"])
        .stdin(zeros)
        .output()
        .unwrap();
    assert_fails(&out, "read more than 256 bytes without a line end");
    assert_eq!(sts.count(), 1);
}
