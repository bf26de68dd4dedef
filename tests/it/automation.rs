//! Automation: GitHub Actions, credential_process for the AWS CLI and SDKs, TOTP seeds for
//! robots, and MFA-protected roles.

use crate::support::*;

use std::collections::HashMap;
use std::process::Command;

// ---------------------------------------------------------------------------------------------
// GitHub Actions

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
        format!("::add-mask::{FIXED_SECRET}\n::add-mask::{FIXED_TOKEN}\n")
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

// ---------------------------------------------------------------------------------------------
// TOTP

/// RFC 4226/6238 seed "12345678901234567890" in base32.
const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// The code for the 30-second step that contains `at`, from Python's hmac: an implementation
/// that shares nothing with ours.
fn python_code(at: f64) -> String {
    let script = "import base64, hashlib, hmac, struct, sys\n\
        key = base64.b32decode(sys.argv[1])\n\
        mac = hmac.new(key, struct.pack('>Q', int(float(sys.argv[2])) // 30), hashlib.sha1).digest()\n\
        o = mac[-1] & 15\n\
        print('%06d' % ((struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000))";
    let out = Command::new("python3")
        .args(["-c", script, SEED, &at.to_string()])
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
            .env("MFA_SEED", SEED)
            .env("MFA_ENV_TEST_NOW", at.to_string()),
        "",
    )
}

/// The start of a 30-second step.
const AT: f64 = 1_700_000_010.0;

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

// ---------------------------------------------------------------------------------------------
// MFA-protected roles

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

const ROLE: &str = "arn:aws:iam::123456789012:role/admin";

fn role_home(extra: &str) -> Home {
    let home = Home::with_default_profile();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n\
         [profile admin]\nrole_arn = {ROLE}\nsource_profile = default\nmfa_serial = {SERIAL}\n{extra}"
    ));
    home
}

#[test]
fn a_role_profile_assumes_the_role_with_the_code() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home =
        role_home("external_id = ext-42\nrole_session_name = alice\nduration_seconds = 7200\n");
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "admin", "-s", "bash", "-t", "314159"]),
        "",
    );
    assert_succeeds(&out);
    assert!(stdout(&out).contains(FIXED_TOKEN));
    let request = &sts.requests()[0];
    assert_eq!(request.param("Action"), Some("AssumeRole"));
    assert_eq!(request.param("RoleArn"), Some(ROLE));
    assert_eq!(request.param("SerialNumber"), Some(SERIAL));
    assert_eq!(request.param("TokenCode"), Some("314159"));
    assert_eq!(request.param("ExternalId"), Some("ext-42"));
    assert_eq!(request.param("RoleSessionName"), Some("alice"));
    assert_eq!(request.param("DurationSeconds"), Some("7200"));
    assert_eq!(request.signing_key(), LONG_TERM_ID);

    // The role's session is cached like any other.
    assert!(
        run(
            detached(mfa_at(&home, &sts.url).args(["-p", "admin", "-s", "bash"])),
            ""
        )
        .status
        .success()
    );
    assert_eq!(sts.count(), 1);
}

#[test]
fn role_flags_work_without_a_role_profile() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args([
            "-s",
            "bash",
            "-t",
            "271828",
            "--role-arn",
            ROLE,
            "--role-session-name",
            "ci",
            "--external-id",
            "x1",
        ]),
        "",
    );
    assert_succeeds(&out);
    let request = &sts.requests()[0];
    assert_eq!(request.param("RoleArn"), Some(ROLE));
    assert_eq!(request.param("RoleSessionName"), Some("ci"));
    assert_eq!(request.param("ExternalId"), Some("x1"));
    assert_eq!(request.param("DurationSeconds"), None);
    let out = run(
        mfa_at(&home, &sts.url).args([
            "-s",
            "bash",
            "-t",
            "271828",
            "--role-arn",
            ROLE,
            "-d",
            "50000",
        ]),
        "",
    );
    assert_fails(&out, "a role session lasts 900 to 43200 seconds");
}

#[test]
fn a_cached_mfa_session_chains_into_the_role_without_a_code() {
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_200),
    )]);
    let home = role_home("duration_seconds = 7200\n");
    assert!(
        run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
            ""
        )
        .status
        .success()
    );
    let out = run(
        detached(mfa_at(&home, &sts.url).args(["-p", "admin", "-s", "bash"])),
        "",
    );
    assert_succeeds(&out);
    assert!(
        stderr(&out)
            .contains("AWS caps such a role session at 1 hour, so it lasts 3600 s, not 7200"),
        "{}",
        stderr(&out)
    );
    let request = &sts.requests()[1];
    assert_eq!(request.param("Action"), Some("AssumeRole"));
    assert_eq!(request.param("TokenCode"), None);
    assert_eq!(request.param("SerialNumber"), None);
    assert_eq!(request.param("DurationSeconds"), Some("3600"));
    assert_eq!(
        request.signing_key(),
        FIXED_ID,
        "signed by the cached session"
    );
    assert_eq!(
        request
            .headers
            .get("x-amz-security-token")
            .map(String::as_str),
        Some(FIXED_TOKEN)
    );
}

#[test]
fn role_refusals_name_the_fix() {
    let cases = [
        (
            Reply::error(
                403,
                "AccessDenied",
                "User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole",
            ),
            "not allowed to assume arn:aws:iam::123456789012:role/admin",
        ),
        (
            Reply::error(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
            "above the role's maximum session duration",
        ),
    ];
    for (reply, needle) in cases {
        let sts = FakeSts::start(vec![reply]);
        let home = role_home("external_id = ext\nduration_seconds = 43200\n");
        let out = run(
            mfa_at(&home, &sts.url).args(["-p", "admin", "-s", "bash", "-t", "123456"]),
            "",
        );
        assert_fails(&out, needle);
    }
    let home = Home::with_default_profile();
    home.config(&format!(
        "[profile admin]\nrole_arn = {ROLE}\nmfa_serial = {SERIAL}\n"
    ));
    let out = run(home.mfa().args(["-p", "admin", "-t", "123456"]), "");
    assert_fails(&out, "has role_arn but no source_profile");
}

#[test]
fn roles_against_moto() {
    let Some(moto) = moto() else { return };
    let home = role_home("");
    let out = run(
        mfa_at(&home, &moto.url).args(["-p", "admin", "-s", "json", "-t", "123456", "--no-cache"]),
        "",
    );
    assert_succeeds(&out);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(doc["SessionToken"].as_str().unwrap().len() > 50);
}

/// Messages say what is true: web identity is named as such, and a code given for a role that
/// is assumed without MFA (its mfa_serial sits only on the source profile, as the AWS CLI reads
/// it) is said to be unused, with where mfa_serial goes.
#[test]
fn role_messages_say_what_is_true() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n\
         [profile plain]\nrole_arn = arn:aws:iam::123456789012:role/plain\nsource_profile = default\n\
         [profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\nweb_identity_token_file = /var/run/token\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "web", "-t", "123456"]),
        "",
    );
    assert_fails(
        &out,
        "profile 'web' assumes its role with a web identity token (web_identity_token_file), which mfa-env does not support",
    );
    let list = assert_succeeds(&run(home.mfa().arg("list"), ""));
    assert!(
        list.contains("web identity (web_identity_token_file) is not supported"),
        "{list}"
    );

    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "plain", "-t", "123456", "-s", "bash"]),
        "",
    );
    assert!(assert_succeeds(&out).contains(FIXED_ID));
    assert_eq!(
        stderr(&out),
        format!(
            "mfa-env: assuming arn:aws:iam::123456789012:role/plain without MFA, so the code is not used: profile 'plain' names no mfa_serial, and mfa_serial of profile 'default' in {} counts only for that profile's own sessions; add mfa_serial = {SERIAL} to profile 'plain' to assume the role with MFA\n",
            home.file(".aws/config").display()
        )
    );
    let requests = sts.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].param("Action"), Some("AssumeRole"));
    assert_eq!(requests[0].param("TokenCode"), None);
    // Nothing said when no code was given: nothing goes unused.
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "plain", "--force", "-s", "bash"]),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(stderr(&out), "");
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
