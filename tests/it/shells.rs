//! What mfa-env prints, evaluated by the real shells: every variable read back byte for byte
//! from a child process, then cleared; and quoting checked over adversarial and generated values.

use crate::support::*;

use std::collections::HashMap;

fn q(s: &str) -> String {
    sh_quote(s)
}

/// The four variables as the fake STS's fixed credentials should leave them.
fn expected() -> HashMap<String, String> {
    [
        ("AWS_ACCESS_KEY_ID", FIXED_ID),
        ("AWS_SECRET_ACCESS_KEY", FIXED_SECRET),
        ("AWS_SESSION_TOKEN", FIXED_TOKEN),
        ("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05+00:00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn read_env(home: &Home, file: &str) -> HashMap<String, String> {
    parse_env0(&std::fs::read(home.file(file)).unwrap())
}

/// The environment after an apply and after `--unset`, read back by a child process: the
/// session exactly, the profile variables cleared and remembered, then given back.
fn check_apply_and_unset(shell: &str, home: &Home) {
    let set = read_env(home, "set.env");
    for (k, v) in expected() {
        assert_eq!(set.get(&k), Some(&v), "{shell}: {k}");
    }
    for (k, v) in [
        ("MFA_ENV_PROFILE", "default"),
        ("MFA_ENV_RESTORE_PROFILE", "default"),
        ("MFA_ENV_RESTORE_DEFAULT_PROFILE", "other"),
    ] {
        assert_eq!(set.get(k).map(String::as_str), Some(v), "{shell}: {k}");
    }
    assert!(!set.contains_key("AWS_PROFILE") && !set.contains_key("AWS_DEFAULT_PROFILE"));
    let unset = read_env(home, "unset.env");
    assert!(
        VARS.iter().all(|v| !unset.contains_key(*v)),
        "{shell}: {unset:?}"
    );
    assert!(
        unset
            .keys()
            .all(|k| !k.starts_with("MFA_ENV_") || k.starts_with("MFA_ENV_TEST_")),
        "{shell}: {unset:?}"
    );
    assert_eq!(
        unset.get("AWS_PROFILE").map(String::as_str),
        Some("default")
    );
    assert_eq!(
        unset.get("AWS_DEFAULT_PROFILE").map(String::as_str),
        Some("other")
    );
}

/// `eval "$(mfa-env)"` with no --shell: the shell is detected, the variables reach a child
/// process exactly, and `--unset` removes them.
#[test]
fn posix_shells_set_and_clear() {
    for (shell, flags) in POSIX_SHELLS {
        if !require(shell) {
            continue;
        }
        let sts = FakeSts::start(vec![Reply::fixed()]);
        let home = Home::with_default_profile();
        let bin = q(BIN);
        let script = format!(
            "eval \"$({bin} --token-code 123456)\"\nenv -0 > set.env\neval \"$({bin} --unset)\"\nenv -0 > unset.env\n"
        );
        let out = run(
            home.command(shell)
                .args(*flags)
                .env("AWS_ENDPOINT_URL_STS", &sts.url)
                .env("AWS_PROFILE", "default")
                .env("AWS_DEFAULT_PROFILE", "other"),
            &script,
        );
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{shell}");
        check_apply_and_unset(shell, &home);
    }
}

#[test]
fn fish_sets_and_clears() {
    if !require("fish") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let bin = fish_quote(BIN);
    let script = format!(
        "{bin} --token-code 123456 | source\nenv -0 > set.env\n{bin} --unset | source\nenv -0 > unset.env\n"
    );
    let out = run(
        home.command(FISH.0)
            .args(FISH.1)
            .env("AWS_ENDPOINT_URL_STS", &sts.url)
            .env("AWS_PROFILE", "default")
            .env("AWS_DEFAULT_PROFILE", "other"),
        &script,
    );
    assert_succeeds(&out);
    assert_eq!(stderr(&out), "");
    check_apply_and_unset("fish", &home);
}

/// `bash -c 'mfa-env --unset'` is POSIX and `fish -c` is fish, whatever `$SHELL` says, even
/// when the shell execs mfa-env in its own place.
#[test]
fn detection_follows_the_calling_shell() {
    let unset = |shell: &str, login_shell: &str| {
        let home = Home::new();
        // yash and busybox exec a lone command without leaving `$_`: there only the way
        // people use it, a command substitution, shows the shell.
        let command = if ["yash", "busybox"].contains(&shell) {
            format!("printf '%s\\n' \"$({} --unset)\"", q(BIN))
        } else {
            format!("{} --unset", q(BIN))
        };
        // busybox is every applet: its shell is `busybox sh`.
        let applet: &[&str] = if shell == "busybox" { &["sh"] } else { &[] };
        let out = run(
            home.command(shell)
                .args(applet)
                .args(["-c", &command])
                .env("SHELL", login_shell),
            "",
        );
        assert_succeeds(&out);
        stdout(&out)
    };
    let posix = "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE\n";
    for (shell, _) in POSIX_SHELLS {
        if require(shell) {
            assert_eq!(unset(shell, "/usr/bin/fish"), posix, "{shell}");
        }
    }
    if require("fish") {
        assert!(unset("fish", "/bin/bash").starts_with("set -e AWS_ACCESS_KEY_ID; or true\n"));
    }
    // An unknown parent falls back to $SHELL.
    let out = run(
        Home::new()
            .mfa()
            .arg("--unset")
            .env("SHELL", "/usr/bin/fish"),
        "",
    );
    assert!(stdout(&out).starts_with("set -e "), "{}", stdout(&out));
}

// ---------------------------------------------------------------------------------------------
// Quoting against hostile values, in the real interpreters.

/// Values full of what shells treat specially.
trait ShellValues {
    fn string(&mut self) -> String;
}

impl ShellValues for Gen {
    fn string(&mut self) -> String {
        const SPECIAL: &[char] = &[
            '\'', '\'', '\\', '\\', '"', '$', '`', '!', '%', '-', ' ', '(', ')', ';', '&', '|',
            '<', '>', '*', '#', '~', '{', '}', '^', '=', 'é', '日', '😀', '\u{2018}', '\u{2019}',
            '\u{201b}', '\u{a0}', '\u{2028}', '\u{301}', '\n', '\t', '\u{7f}',
        ];
        let len = self.next() % 24;
        (0..len)
            .map(|_| {
                let r = self.next();
                if r.is_multiple_of(3) {
                    (b' ' + (r >> 8) as u8 % 95) as char
                } else {
                    SPECIAL[(r >> 8) as usize % SPECIAL.len()]
                }
            })
            .collect()
    }
}

pub(crate) fn values() -> Vec<String> {
    let mut generator = Gen::seeded(0x5eed_1234);
    ADVERSARIAL
        .iter()
        .map(|s| s.to_string())
        .chain((0..400).map(|_| generator.string()))
        .collect()
}

/// Sets `V0..Vn` with `shell`'s lines in the real `program`, and reads them back with `env -0`.
/// Every value comes back byte for byte, or was refused for a control character; nothing runs.
fn check_values(shell: &str, program: &str, flags: &[&str], locale: &str) {
    let values = values();
    let mut script = String::new();
    let mut accepted = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match set_line(shell, &format!("V{i}"), value) {
            Some(line) => {
                script.push_str(&line);
                accepted.push((format!("V{i}"), value.clone()));
            }
            None => assert!(
                value.is_empty() || value.chars().any(char::is_control),
                "{program} refused {value:?}"
            ),
        }
    }
    script.push_str("env -0 > values.env\n");
    let home = Home::new();
    let out = run(
        home.command(program).args(flags).env("LC_ALL", locale),
        &script,
    );
    assert!(
        out.status.success(),
        "{program} ({locale}): {}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "", "{program} ({locale})");
    let env = read_env(&home, "values.env");
    for (name, value) in &accepted {
        assert_eq!(
            env.get(name),
            Some(value),
            "{program} ({locale}) changed {value:?}"
        );
    }
    assert!(!home.file("pwned").exists(), "{program} executed a value");
}

#[test]
fn posix_quoting_round_trips_or_refuses() {
    for (shell, flags) in POSIX_SHELLS {
        if require(shell) {
            check_values("bash", shell, flags, "C.UTF-8");
            // yash reads its input in the locale's encoding: in C, non-ASCII is a syntax
            // error of its own (loud, never a changed value).
            if *shell != "yash" {
                check_values("bash", shell, flags, "C");
            }
        }
    }
}

#[test]
fn fish_quoting_round_trips_or_refuses() {
    if require("fish") {
        check_values("fish", FISH.0, FISH.1, "C.UTF-8");
    }
}

/// PowerShell cannot be installed on the build machine; where `pwsh` exists, its quoting is
/// checked the same way (golden tests pin the text everywhere else).
#[test]
fn powershell_quoting_round_trips_when_pwsh_is_installed() {
    if !on_path("pwsh") {
        eprintln!("SKIPPED: pwsh is not installed");
        return;
    }
    let values = values();
    let mut script = String::from("Set-StrictMode -Version Latest\n");
    let mut accepted = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if let Some(line) = set_line("powershell", &format!("V{i}"), value) {
            script.push_str(&line);
            accepted.push((format!("V{i}"), value.clone()));
        }
    }
    // PowerShell's `>` re-encodes text; a child process writes the file itself.
    script.push_str("& sh -c 'env -0 > values.env'\n");
    let home = Home::new();
    std::fs::write(home.file("t.ps1"), script).unwrap();
    let out = run(
        home.command("pwsh")
            .args(["-NoProfile", "-NonInteractive", "-File", "t.ps1"]),
        "",
    );
    assert_succeeds(&out);
    let env = read_env(&home, "values.env");
    for (name, value) in &accepted {
        assert_eq!(env.get(name), Some(value), "pwsh changed {value:?}");
    }
    assert!(!home.file("pwned").exists());
}

/// Run from a shell whose syntax mfa-env does not write, it says so in one line naming
/// `--shell` and prints nothing; `--shell` still works there. murex stands in as dash under
/// murex's name, which is all detection sees.
#[test]
fn a_shell_we_cannot_write_for_is_refused() {
    if !require("dash") {
        return;
    }
    let home = Home::new();
    let murex = home.file("murex");
    std::os::unix::fs::symlink(which("dash"), &murex).unwrap();
    let bin = q(BIN);
    let out = run(
        home.command(murex.to_str().unwrap())
            .args(["-c", &format!("{bin} --unset > out.txt; echo status $?")]),
        "",
    );
    assert_eq!(stdout(&out), "status 1\n");
    assert_eq!(
        stderr(&out),
        "mfa-env: mfa-env writes no syntax for murex, the shell that runs it: pass --shell with one of bash, zsh, sh, ksh, fish, powershell, cmd, tcsh, csh, elvish, xonsh or nu, or run the command with `mfa-env exec -- COMMAND`\n"
    );
    assert_eq!(std::fs::read_to_string(home.file("out.txt")).unwrap(), "");
    let out = run(
        home.command(murex.to_str().unwrap())
            .args(["-c", &format!("{bin} --unset --shell bash; true")]),
        "",
    );
    assert!(assert_succeeds(&out).starts_with("unset AWS_ACCESS_KEY_ID"));
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
