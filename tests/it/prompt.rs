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

/// A typo is asked again before anything is sent; the third is the last.
#[test]
fn a_mistyped_code_is_refused_before_the_network() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([
        DRIVER,
        "MFA code for",
        "13579|12a456|1234567|111111",
        BIN,
        "--shell",
        "bash",
    ])
    .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 1, "{result}");
    assert_eq!(result["answers"], 3, "three tries in all: {result}");
    assert_eq!(result["stdout"], "");
    let terminal = result["terminal"].as_str().unwrap();
    let prompt = format!("MFA code for default ({SERIAL}): ");
    assert!(
        terminal.contains(&format!(
            "that is not a 6-digit code (it is too short); type it again\r\n{prompt}"
        )),
        "{terminal:?}"
    );
    assert!(
        terminal.contains(&format!(
            "that is not a 6-digit code (it contains letters); type it again\r\n{prompt}"
        )),
        "{terminal:?}"
    );
    assert!(
        terminal.contains(
            "mfa-env: the MFA code typed is wrong: it is too long; run again and type the 6 digits your device shows"
        ),
        "{terminal:?}"
    );
    assert_eq!(sts.count(), 0);
}

/// A 5-digit typo, then the code: one call, with the code.
#[test]
fn a_typo_at_the_prompt_is_asked_again() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([
        DRIVER,
        "MFA code for",
        "13579|135790",
        BIN,
        "--shell",
        "bash",
    ])
    .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 0, "{result}");
    assert_eq!(result["answers"], 2, "{result}");
    assert!(
        result["stdout"]
            .as_str()
            .unwrap()
            .contains(&format!("export AWS_SESSION_TOKEN='{FIXED_TOKEN}'")),
        "{result}"
    );
    let codes: Vec<_> = sts
        .requests()
        .iter()
        .map(|r| r.param("TokenCode").unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["135790"]);
}

fn refused_code() -> Reply {
    Reply::error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    )
}

fn codes_sent(sts: &FakeSts) -> Vec<String> {
    sts.requests()
        .iter()
        .map(|r| r.param("TokenCode").unwrap_or_default().to_owned())
        .collect()
}

/// A code STS refuses is asked again, saying why; the same code typed again is not sent.
#[test]
fn a_refused_code_is_asked_again_at_the_terminal() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![refused_code(), Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([
        DRIVER,
        "MFA code for",
        "111111|111111|222222",
        BIN,
        "--shell",
        "bash",
    ])
    .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 0, "{result}");
    assert_eq!(result["answers"], 3, "{result}");
    let terminal = result["terminal"].as_str().unwrap();
    let prompt = format!("MFA code for default ({SERIAL}): ");
    assert!(
        terminal.contains(&format!(
            "that code was not accepted; wait for the next one\r\n{prompt}"
        )),
        "{terminal:?}"
    );
    assert!(
        terminal.contains(&format!(
            "that is the code STS just refused; wait for the next one\r\n{prompt}"
        )),
        "{terminal:?}"
    );
    assert_eq!(codes_sent(&sts), ["111111", "222222"]);
    assert!(
        result["stdout"]
            .as_str()
            .unwrap()
            .contains(&format!("export AWS_SESSION_TOKEN='{FIXED_TOKEN}'")),
        "{result}"
    );
}

/// Three codes refused: the third refusal is the run's error, and nobody is asked a fourth time.
#[test]
fn three_refused_codes_end_the_run() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![refused_code(), refused_code(), refused_code()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([
        DRIVER,
        "MFA code for",
        "111111|222222|333333|444444",
        BIN,
        "--shell",
        "bash",
    ])
    .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 1, "{result}");
    assert_eq!(result["answers"], 3, "{result}");
    assert_eq!(result["stdout"], "");
    assert_eq!(codes_sent(&sts), ["111111", "222222", "333333"]);
    let terminal = result["terminal"].as_str().unwrap();
    assert!(
        terminal
            .contains("mfa-env: STS rejected the MFA code: it was wrong, expired or already used"),
        "{terminal:?}"
    );
}

/// A code given with the flag, or piped, is not asked again even with a terminal there.
#[test]
fn given_and_piped_codes_fail_at_once() {
    if !require("python3") {
        return;
    }
    for (args, input) in [(["-t", "111111"], ""), (["-t", "-"], "111111\n")] {
        let sts = FakeSts::start(vec![refused_code(), Reply::fixed()]);
        let home = Home::with_default_profile();
        std::fs::write(home.file("code.txt"), input).unwrap();
        // The code on stdin (or nothing), the terminal there all the same.
        let script = format!(
            "exec {} --shell bash {} < code.txt",
            sh_quote(BIN),
            args.join(" ")
        );
        let mut cmd = home.command("python3");
        cmd.args([DRIVER, "MFA code for", "222222", "sh", "-c", &script])
            .env("AWS_ENDPOINT_URL_STS", &sts.url);
        let result = on_terminal(&mut cmd);
        assert_eq!(result["status"], 1, "{args:?}: {result}");
        assert_eq!(result["answered"], false, "{args:?}: {result}");
        assert_eq!(codes_sent(&sts), ["111111"], "{args:?}");
    }
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
            "mfa-env: session for 'default' cached until 2099-01-02 03:04 UTC; apply it with: eval \"$(mfa-env --shell bash)\"\r\n"
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

/// The hint repeats what was asked, --shell and all (each value quoted for the shell typed
/// in), but never the code, nor --force.
#[test]
fn hints_keep_what_was_asked() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed(), Reply::fixed()]);
    let home = Home::with_default_profile();
    let cases = [
        (
            "--shell json --token-command 'echo 135790' -d 3600 --force",
            "session for 'default' cached until 2099-01-02 03:04 UTC; apply it with: mfa-env --shell json --token-command 'echo 135790' --duration-seconds 3600 > FILE\r\n",
        ),
        (
            "-s dotenv -t 135790 --region eu-west-1 --min-remaining 1h",
            "session for 'default' cached until 2099-01-02 03:04 UTC; apply it with: mfa-env --shell dotenv --region eu-west-1 --min-remaining 1h > FILE\r\n",
        ),
        (
            "--shell pwsh -t 135790 --no-cache",
            "stdout is a terminal, where the session would be shown, and --no-cache keeps nothing to apply later: run mfa-env --shell pwsh --no-cache | Out-String | Invoke-Expression\r\n",
        ),
    ];
    for (args, said) in cases {
        let command = format!("{} {args} > /dev/tty", sh_quote(BIN));
        let mut cmd = home.command("python3");
        cmd.args([DRIVER, "never shown", "", "sh", "-c", &command])
            .env("AWS_ENDPOINT_URL_STS", &sts.url);
        let result = on_terminal(&mut cmd);
        let terminal = result["terminal"].as_str().unwrap();
        assert!(
            terminal.contains(&format!("mfa-env: {said}")),
            "{args}: {terminal:?}"
        );
        assert!(!terminal.contains("-t 135790"), "{terminal:?}");
    }
}

/// Ctrl-C at the prompt inside `eval "$(...)"` in bash and ksh, which do not repair the
/// terminal themselves: echo is back afterwards, the status is 130, nothing was evaluated.
#[test]
fn ctrl_c_at_the_prompt_leaves_the_terminal_echoing() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for shell in ["bash", "ksh"] {
        if !require(shell) {
            continue;
        }
        let script = format!(
            "lines=$({} --force --shell bash); echo \"status=$?\"; eval \"$lines\"; stty -a | tr ' ' '\\n' | grep -x -- '-*echo'; env | grep -c '^AWS_SESSION_TOKEN=' || true",
            sh_quote(BIN)
        );
        let mut cmd = home.command("python3");
        cmd.args([DRIVER, "MFA code for", "<CTRL-C>", shell, "-c", &script])
            .env("AWS_ENDPOINT_URL_STS", &sts.url);
        let result = on_terminal(&mut cmd);
        assert_eq!(result["answered"], true, "{shell}: {result}");
        // The script's own output goes to the driver's pipe, as stdout does under eval.
        assert_eq!(
            result["stdout"], "status=130\necho\n0\n",
            "{shell}: {result}"
        );
        assert_eq!(result["echo_after"], true, "{shell}");
    }
    assert_eq!(sts.count(), 0);
}

/// Every other way out of the prompt restores the terminal too, with stdout empty.
#[test]
fn signals_and_end_of_input_at_the_prompt_restore_the_terminal() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for (answer, status) in [("<SIGTERM>", 143), ("<SIGHUP>", 129), ("<CTRL-D>", 1)] {
        let mut cmd = home.command("python3");
        cmd.args([
            DRIVER,
            "MFA code for",
            answer,
            BIN,
            "--shell",
            "bash",
            "--force",
        ])
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
        let result = on_terminal(&mut cmd);
        assert_eq!(result["status"], status, "{answer}: {result}");
        assert_eq!(result["stdout"], "", "{answer}");
        assert_eq!(result["echo_after"], true, "{answer}");
    }
    // Ctrl-D: the message starts on a line of its own, not after the prompt.
    let mut cmd = home.command("python3");
    cmd.args([DRIVER, "MFA code for", "<CTRL-D>", BIN, "--shell", "bash"])
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    let terminal = result["terminal"].as_str().unwrap();
    assert!(
        terminal.contains("): \r\nmfa-env: no MFA code was typed (end of input)"),
        "{terminal:?}"
    );
    assert_eq!(sts.count(), 0);
}

/// Codes as authenticator apps show them are taken at the prompt.
#[test]
fn a_grouped_code_is_taken_at_the_prompt() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut cmd = home.command("python3");
    cmd.args([DRIVER, "MFA code for", " 123 456 ", BIN, "--shell", "bash"])
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let result = on_terminal(&mut cmd);
    assert_eq!(result["status"], 0, "{result}");
    assert_eq!(sts.requests()[0].param("TokenCode"), Some("123456"));
}

/// `--unset` on a terminal keeps printing its lines (no secret in them), with a hint.
#[test]
fn unset_on_a_terminal_gets_a_hint() {
    if !require("python3") {
        return;
    }
    let home = Home::new();
    let mut cmd = home.command("python3");
    let command = format!("{} --unset --shell fish > /dev/tty", sh_quote(BIN));
    cmd.args([DRIVER, "never shown", "", "sh", "-c", &command]);
    let result = on_terminal(&mut cmd);
    let terminal = result["terminal"].as_str().unwrap();
    assert!(
        terminal.contains("set -e AWS_SESSION_TOKEN; or true"),
        "{terminal:?}"
    );
    assert!(
        terminal
            .contains("mfa-env: these lines clear nothing by themselves: mfa-env --unset --shell fish | source"),
        "{terminal:?}"
    );
}
