//! The formats for programs: the `credential_process` document the AWS CLI runs us for, and
//! GitHub Actions' masks and `$GITHUB_ENV`.

use crate::support::*;

use std::collections::HashMap;

/// An independent reader of the `$GITHUB_ENV` format: `NAME=value` and `NAME<<DELIM` heredocs.
fn parse_github_env(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for body in lines.by_ref() {
                if body == delimiter {
                    break;
                }
                value.push(body);
            }
            vars.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            vars.insert(name.to_owned(), value.to_owned());
        }
    }
    vars
}

// ---------------------------------------------------------------------------------------------
// credential_process
fn process_home(sts: &FakeSts, code: Option<&str>) -> Home {
    let home = Home::new();
    home.credentials(&format!(
        "[base]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    ));
    let bin = sh_quote(BIN);
    let code = code
        .map(|c| format!(" --token-code {c}"))
        .unwrap_or_default();
    home.config(&format!(
        "[profile base]\nmfa_serial = {SERIAL}\nendpoint_url = {}\n\
         [profile mfa]\ncredential_process = {bin} --shell json --profile base{code}\nregion = us-east-1\n",
        sts.url
    ));
    home
}

/// `aws sts get-caller-identity` through the credential_process profile, printing the account.
fn caller_identity(moto: &Moto) -> Vec<String> {
    [
        "sts",
        "get-caller-identity",
        "--profile",
        "mfa",
        "--endpoint-url",
        &moto.url,
        "--output",
        "text",
        "--query",
        "Account",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn github_masks_secrets_and_appends_to_github_env() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    let env_file = home.file("github_env");
    let before = "EARLIER=kept\nNOTE<<EOF\nmulti\nline\nEOF\nLAST=no final newline";
    std::fs::write(&env_file, before).unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["--shell", "github", "-t", "123456"])
            .env("AWS_ACCESS_KEY_ID", LONG_TERM_ID)
            .env("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET)
            .env("AWS_MFA_SERIAL", SERIAL)
            .env("GITHUB_ENV", &env_file),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(
        stdout(&out),
        format!("::add-mask::{FIXED_ID}\n::add-mask::{FIXED_SECRET}\n::add-mask::{FIXED_TOKEN}\n")
    );
    let text = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        text.starts_with(&format!("{before}\n")),
        "what was there stays: {text:?}"
    );
    let vars = parse_github_env(&text);
    assert_eq!(vars["EARLIER"], "kept");
    assert_eq!(vars["NOTE"], "multi\nline");
    assert_eq!(vars["LAST"], "no final newline");
    assert_eq!(vars["AWS_ACCESS_KEY_ID"], FIXED_ID);
    assert_eq!(vars["AWS_SECRET_ACCESS_KEY"], FIXED_SECRET);
    assert_eq!(vars["AWS_SESSION_TOKEN"], FIXED_TOKEN);
    assert_eq!(
        vars["AWS_CREDENTIAL_EXPIRATION"],
        "2099-01-02T03:04:05+00:00"
    );
    let delimiters: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("AWS_SESSION_TOKEN<<"))
        .collect();
    assert!(delimiters[0].len() > 20 && !FIXED_TOKEN.contains(delimiters[0]));
    // A job's later steps get the region the session was made for.
    assert_eq!(vars["AWS_REGION"], "us-east-1");
    assert_eq!(vars["AWS_DEFAULT_REGION"], "us-east-1");
}

/// `--output-credentials`: the session also as step outputs, each a heredoc; nothing without
/// $GITHUB_OUTPUT, and only with --shell github.
#[test]
fn github_outputs_the_credentials_when_asked() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let (env_file, output_file) = (home.file("github_env"), home.file("github_output"));
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["--shell", "github", "-t", "123456", "--output-credentials"])
            .env("GITHUB_ENV", &env_file)
            .env("GITHUB_OUTPUT", &output_file),
        "",
    );
    assert_succeeds(&out);
    let outputs = parse_github_env(&std::fs::read_to_string(&output_file).unwrap());
    assert_eq!(outputs["aws-access-key-id"], FIXED_ID);
    assert_eq!(outputs["aws-secret-access-key"], FIXED_SECRET);
    assert_eq!(outputs["aws-session-token"], FIXED_TOKEN);
    assert_eq!(outputs["aws-expiration"], "2099-01-02T03:04:05Z");
    assert_eq!(outputs.len(), 4);
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["--shell", "github", "-t", "123456", "--output-credentials"])
            .env("GITHUB_ENV", &env_file),
        "",
    );
    assert_fails(&out, "$GITHUB_OUTPUT, which is not set");
    let out = run(
        home.mfa().args(["-t", "123456", "--output-credentials"]),
        "",
    );
    assert_fails(
        &out,
        "--output-credentials only works together with --shell github",
    );
    assert_eq!(sts.count(), 1);
}

#[test]
fn github_without_github_env_fails_before_the_code_is_spent() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["--shell", "github", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "$GITHUB_ENV");
    assert_eq!(sts.count(), 0);
}

#[test]
fn the_aws_cli_uses_us_as_credential_process_and_the_cache_after() {
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_200),
    )]);
    let home = process_home(&sts, Some("123456"));
    let identity = |home: &Home| {
        run(
            detached(home.command("aws").args(caller_identity(moto))),
            "",
        )
    };
    for _ in 0..2 {
        let out = identity(&home);
        assert_succeeds(&out);
        assert_eq!(stdout(&out).trim().len(), 12);
    }
    assert_eq!(sts.count(), 1, "the second call used the cached session");
    assert_eq!(sts.requests()[0].signing_key(), LONG_TERM_ID);

    // AWS_PROFILE=mfa leaking into the process must not make mfa-env run itself.
    let out = run(
        home.mfa()
            .args(["--shell", "json"])
            .env("AWS_PROFILE", "mfa"),
        "",
    );
    assert_fails(&out, "gets its keys from mfa-env itself");
}

/// Run by the AWS CLI with no terminal and no code source (an IDE, a daemon), the error names
/// what works there, and the AWS CLI passes it on.
#[test]
fn a_credential_process_without_a_terminal_is_told_what_works_there() {
    let advice = "no terminal to ask for the MFA code, as a credential_process: set mfa_process = COMMAND (one that prints the code) in the profile, add --prompt gui to ask in a dialog, or run mfa-env in a terminal first (its cached session is used here without a code)";
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = process_home(&sts, None);
    let out = run(
        detached(home.mfa().args(["--shell", "json", "--profile", "base"])),
        "",
    );
    assert_fails(&out, advice);
    // Elsewhere, the advice for a script.
    let out = run(
        detached(home.mfa().args(["--shell", "bash", "--profile", "base"])),
        "",
    );
    assert_fails(
        &out,
        "no terminal to ask for the MFA code: pass --token-code CODE",
    );
    assert_eq!(sts.count(), 0);
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let out = run(
        detached(home.command("aws").args(caller_identity(moto))),
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains(advice), "{}", stderr(&out));
}

#[test]
fn credential_process_prompts_on_the_terminal_the_sdk_does_not_capture() {
    let Some(moto) = moto() else { return };
    if !require("aws") || !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_200),
    )]);
    let home = process_home(&sts, None);
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/pty_driver.py");
    let out = run(
        home.command("python3")
            .args([driver, "MFA code for", "424242", "aws"])
            .args(caller_identity(moto)),
        "",
    );
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["status"], 0, "{result}");
    assert!(
        result["terminal"]
            .as_str()
            .unwrap()
            .contains(&format!(" ({SERIAL}): "))
    );
    assert_eq!(result["stdout"].as_str().unwrap().trim().len(), 12);
    assert_eq!(sts.requests()[0].param("TokenCode"), Some("424242"));
}

/// The AWS CLI runs mfa-env as a `credential_process` and captures its stderr: the prompt of a
/// `mfa_process` ("touch your YubiKey") still reaches the person, on the terminal.
#[test]
fn the_touch_prompt_reaches_the_terminal_under_credential_process() {
    let Some(moto) = moto() else { return };
    if !require("aws") || !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_200),
    )]);
    let home = process_home(&sts, None);
    let config = std::fs::read_to_string(home.file(".aws/config")).unwrap();
    home.config(&config.replace(
        "[profile base]\n",
        "[profile base]\nmfa_process = echo 'Touch your YubiKey' >&2; echo 515151\n",
    ));
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/pty_driver.py");
    let out = run(
        home.command("python3")
            .args([driver, "never asked", "-", "aws"])
            .args(caller_identity(moto)),
        "",
    );
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["status"], 0, "{result}");
    assert!(
        result["terminal"]
            .as_str()
            .unwrap()
            .contains("Touch your YubiKey"),
        "{result}"
    );
    assert_eq!(sts.requests()[0].param("TokenCode"), Some("515151"));
}
