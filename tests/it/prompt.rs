//! The MFA prompt, driven through a real pseudo-terminal: shown on the terminal, the code not
//! echoed, stdout holding only the lines for `eval`.

use crate::support::*;

use serde_json::Value;

const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/pty_driver.py");

fn on_terminal(cmd: &mut std::process::Command) -> Value {
    let out = run(cmd, "");
    assert!(out.status.success(), "driver: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn asks_on_the_terminal_without_echo() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([DRIVER, "MFA code for", "135790", BIN, "--shell", "bash"])
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);

    assert_eq!(result["status"], 0, "{result}");
    let terminal = result["terminal"].as_str().unwrap();
    assert!(
        terminal.contains(&format!("MFA code for default ({SERIAL}): ")),
        "{terminal:?}"
    );
    assert!(
        !terminal.contains("135790"),
        "the code must not be echoed: {terminal:?}"
    );
    assert!(
        !terminal.contains("export "),
        "credentials stay off the terminal"
    );
    let stdout = result["stdout"].as_str().unwrap();
    assert!(
        !stdout.contains("MFA code"),
        "the prompt never goes to stdout"
    );
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    assert!(
        stdout.lines().all(|l| l.starts_with("export AWS_")
            || l.starts_with("export MFA_ENV_")
            || l.starts_with("unset ")),
        "{stdout}"
    );
    assert_eq!(sts.requests()[0].param("TokenCode"), Some("135790"));
}

#[test]
fn a_mistyped_code_is_refused_before_the_network() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([DRIVER, "MFA code for", "13579", BIN, "--shell", "bash"])
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 1, "{result}");
    assert_eq!(result["stdout"], "");
    assert!(
        result["terminal"]
            .as_str()
            .unwrap()
            .contains("the MFA code typed is wrong: it is too short")
    );
    assert_eq!(sts.count(), 0);
}

/// The shell function captures stdout; the prompt still reaches the person at the terminal.
#[test]
fn the_bash_function_still_prompts() {
    if !require("python3") || !require("bash") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let bin = sh_quote(BIN);
    let script = format!("eval \"$({bin} init bash)\"; mfa; env -0 > after.env");
    let mut cmd = home.command("python3");
    cmd.args([
        DRIVER,
        "MFA code for",
        "112233",
        "bash",
        "--norc",
        "--noprofile",
        "-c",
        &script,
    ])
    .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 0, "{result}");
    assert_eq!(result["answered"], true);
    let env = parse_env0(&std::fs::read(home.file("after.env")).unwrap());
    assert_eq!(env["AWS_SESSION_TOKEN"], FIXED_TOKEN);
}

/// Run straight at a terminal, the lines would set nothing: say how to use them.
#[test]
fn a_terminal_on_stdout_gets_a_hint() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let command = format!("{} --shell bash > /dev/tty", sh_quote(BIN));
    let mut cmd = home.command("python3");
    cmd.args([DRIVER, "MFA code for", "135790", "sh", "-c", &command])
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 0, "{result}");
    let terminal = result["terminal"].as_str().unwrap();
    assert!(
        terminal.contains(
            "mfa-env: session for 'default' cached until 2099-01-02 03:04 UTC; apply it with: eval \"$(mfa-env)\"\r\n"
        ),
        "{terminal}"
    );
    assert!(
        !terminal.contains(FIXED_SECRET) && !terminal.contains(FIXED_TOKEN),
        "{terminal}"
    );
    // The session is cached: applying it now needs no code and no network.
    let out = run(mfa_at(&home, &sts.url).args(["--shell", "bash"]), "");
    assert!(stdout(&out).contains(FIXED_TOKEN), "{}", stderr(&out));
    assert_eq!(sts.count(), 1);
}
