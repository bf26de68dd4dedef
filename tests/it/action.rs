//! The GitHub Action (action.yml), run step by step the way the runner runs a composite action
//! (tests/it/action_runner.py), offline: then a later step must see the session.

use crate::support::*;

use std::collections::HashMap;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const ROBOT: &str = "arn:aws:iam::123456789012:mfa/ci-robot";
/// The robot's long-term keys (not the tests' usual ones: moto hands those out as sessions).
const ROBOT_ID: &str = "AKIAROBOTKEY00000001";
const ROBOT_SECRET: &str = "robot/Secret+Key0123456789abcdefghijklmn";

struct Ran {
    status: i64,
    /// Each step's stdout, in order: what the job's log shows.
    log: String,
    errors: String,
    env: HashMap<String, String>,
    outputs: HashMap<String, String>,
    github_env: String,
}

/// Runs the action with `inputs` in `home`. With `cached`, this build of mfa-env is already in
/// the tool cache (so the test hooks work); else the release archive is fetched from `dist`.
fn run_action(
    home: &Home,
    inputs: &[(&str, &str)],
    env: &[(&str, &str)],
    cached: bool,
    dist: Option<&str>,
) -> Ran {
    let work = home.file("runner");
    std::fs::create_dir_all(&work).unwrap();
    if cached {
        let dir = work.join(format!(
            "tool-cache/mfa-env/{}/x86_64-unknown-linux-musl",
            env!("CARGO_PKG_VERSION")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(BIN, dir.join("mfa-env")).unwrap();
    }
    let inputs: serde_json::Map<String, serde_json::Value> = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    let result = home.file("result.json");
    let mut cmd = home.command("python3");
    cmd.arg(format!("{ROOT}/tests/it/action_runner.py"))
        .arg(ROOT)
        .arg(&work)
        .arg(serde_json::Value::Object(inputs).to_string())
        .arg(&result)
        .envs(env.iter().copied());
    if let Some(url) = dist {
        cmd.env("MFA_ENV_DIST_URL", url);
    }
    let out = run(&mut cmd, "");
    assert!(out.status.success(), "the runner: {}", stderr(&out));
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    let strings = |v: &serde_json::Value| -> HashMap<String, String> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect()
    };
    let steps = result["steps"].as_array().unwrap();
    let joined = |field: &str| -> String {
        steps
            .iter()
            .map(|s| s[field].as_str().unwrap().to_owned())
            .collect()
    };
    Ran {
        status: result["status"].as_i64().unwrap(),
        log: joined("stdout"),
        errors: joined("stderr"),
        env: strings(&result["env"]),
        outputs: strings(&result["outputs"]),
        github_env: std::fs::read_to_string(work.join("github_env-1")).unwrap_or_default(),
    }
}

/// A later step: the AWS CLI with the job's environment after the action.
fn later_step(env: &HashMap<String, String>, endpoint: &str) -> serde_json::Value {
    let mut cmd = Command::new("aws");
    cmd.env_clear()
        .envs(env)
        .env("AWS_ENDPOINT_URL_STS", endpoint)
        .args(["sts", "get-caller-identity", "--output", "json"]);
    let out = run(&mut cmd, "");
    serde_json::from_str(&assert_succeeds(&out)).unwrap()
}

/// The masks come first: no value appears in the log before its `::add-mask::` line.
fn masked_first(log: &str, values: &[&str]) {
    for value in values {
        let mask = log
            .find(&format!("::add-mask::{value}\n"))
            .unwrap_or_else(|| panic!("{value} is not masked in {log}"));
        let first = log.find(value).unwrap();
        assert_eq!(
            first,
            mask + "::add-mask::".len(),
            "{value} shown before its mask"
        );
    }
}

/// The release archive from the loopback release page: fetched, checked and cached; a plain
/// session reaches a later step (the AWS CLI against moto), with the region.
#[test]
fn the_action_gets_mfa_env_and_a_session_for_later_steps() {
    let Some(moto) = moto() else { return };
    if !require("aws") || !require("curl") {
        return;
    }
    let name = format!(
        "mfa-env-{}-x86_64-unknown-linux-musl.tar.gz",
        env!("CARGO_PKG_VERSION")
    );
    let Some(archive) = crate::package::artifact(&format!("target/dist/{name}")) else {
        return;
    };
    let site = Home::new();
    std::fs::copy(&archive, site.file(&name)).unwrap();
    std::fs::copy(
        archive.with_file_name("SHA256SUMS"),
        site.file("SHA256SUMS"),
    )
    .unwrap();
    let served = crate::package::serve(&site.path);
    let home = Home::new();
    let inputs = [
        ("aws-access-key-id", ROBOT_ID),
        ("aws-secret-access-key", ROBOT_SECRET),
        ("mfa-serial", ROBOT),
        ("totp-seed", TOTP_SEED),
        ("aws-region", "eu-west-1"),
    ];
    let ran = run_action(
        &home,
        &inputs,
        &[("AWS_ENDPOINT_URL_STS", &moto.url)],
        false,
        Some(&served.url),
    );
    assert_eq!(ran.status, 0, "{}{}", ran.log, ran.errors);
    let cached = home.file(&format!(
        "runner/tool-cache/mfa-env/{}/x86_64-unknown-linux-musl/mfa-env",
        env!("CARGO_PKG_VERSION")
    ));
    assert!(cached.exists(), "not kept in the tool cache");
    let id = &ran.env["AWS_ACCESS_KEY_ID"];
    assert_ne!(id, ROBOT_ID);
    assert_eq!(ran.env["AWS_REGION"], "eu-west-1");
    assert_eq!(ran.env["AWS_DEFAULT_REGION"], "eu-west-1");
    masked_first(
        &ran.log,
        &[
            ROBOT_ID,
            ROBOT_SECRET,
            TOTP_SEED,
            id,
            &ran.env["AWS_SECRET_ACCESS_KEY"],
            &ran.env["AWS_SESSION_TOKEN"],
        ],
    );
    assert_eq!(ran.outputs["aws-account-id"], "123456789012");
    assert_eq!(
        ran.outputs["aws-session-token"], "",
        "outputs are off by default"
    );
    let identity = later_step(&ran.env, &moto.url);
    assert!(identity["Account"].is_string(), "{identity}");

    // The archive changed on the release page: nothing installed, one error line.
    let mut bytes = std::fs::read(site.file(&name)).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(site.file(&name), bytes).unwrap();
    let home = Home::new();
    let ran = run_action(&home, &inputs, &[], false, Some(&served.url));
    assert_ne!(ran.status, 0);
    assert!(
        ran.log.contains("::error::mfa-env action: ") && ran.log.contains("does not match"),
        "{}",
        ran.log
    );
}

/// A role with outputs on: the role's session for later steps, and as outputs; the account
/// masked when asked; a profile written.
#[test]
fn the_action_assumes_a_role_and_outputs_when_asked() {
    // The role names the MFA device: one AssumeRole call, with the code.
    let sts = FakeSts::start(vec![Reply::creds(
        "ASIAROLE000000000001",
        "ROLESECRET",
        "ROLETOKEN",
        FIXED_EXPIRATION,
    )]);
    let home = Home::new();
    let role = "arn:aws:iam::210987654321:role/deploy";
    let ran = run_action(
        &home,
        &[
            ("aws-access-key-id", ROBOT_ID),
            ("aws-secret-access-key", ROBOT_SECRET),
            ("mfa-serial", ROBOT),
            ("token-code", "424242"),
            ("role-to-assume", role),
            ("role-session-name", "ci"),
            ("role-duration-seconds", "1800"),
            ("output-credentials", "true"),
            ("mask-aws-account-id", "true"),
            ("aws-profile", "ci"),
        ],
        &[("AWS_ENDPOINT_URL_STS", &sts.url)],
        true,
        None,
    );
    assert_eq!(ran.status, 0, "{}{}", ran.log, ran.errors);
    assert_eq!(ran.env["AWS_ACCESS_KEY_ID"], "ASIAROLE000000000001");
    assert_eq!(ran.env["AWS_SESSION_TOKEN"], "ROLETOKEN");
    assert_eq!(ran.outputs["aws-access-key-id"], "ASIAROLE000000000001");
    assert_eq!(ran.outputs["aws-secret-access-key"], "ROLESECRET");
    assert_eq!(ran.outputs["aws-session-token"], "ROLETOKEN");
    assert_eq!(ran.outputs["aws-expiration"], FIXED_EXPIRATION);
    assert_eq!(ran.outputs["aws-account-id"], "210987654321");
    masked_first(
        &ran.log,
        &["210987654321", "ROLESECRET", "ROLETOKEN", "424242"],
    );
    let requests = sts.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].param("Action"), Some("AssumeRole"));
    assert_eq!(requests[0].param("RoleArn"), Some(role));
    assert_eq!(requests[0].param("RoleSessionName"), Some("ci"));
    assert_eq!(requests[0].param("DurationSeconds"), Some("1800"));
    assert_eq!(requests[0].param("TokenCode"), Some("424242"));
    assert_eq!(requests[0].signing_key(), ROBOT_ID);
    // The code went in on stdin: no command line of ours holds it.
    assert!(!ran.github_env.contains(ROBOT_SECRET));
    let written = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    assert!(
        written.contains("[ci]") && written.contains("ROLETOKEN"),
        "{written}"
    );
}

/// A wrong seed: one `::error::` line naming the fix, a failing status, nothing for later steps.
#[test]
fn a_wrong_seed_fails_the_step_with_one_annotation() {
    let refused = || {
        Reply::error(
            403,
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        )
    };
    let sts = FakeSts::start(vec![refused(), refused(), refused()]);
    let home = Home::new();
    let ran = run_action(
        &home,
        &[
            ("aws-access-key-id", ROBOT_ID),
            ("aws-secret-access-key", ROBOT_SECRET),
            ("mfa-serial", ROBOT),
            ("totp-seed", TOTP_SEED),
        ],
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.url),
            ("MFA_ENV_TEST_NOW", "1700000000"),
        ],
        true,
        None,
    );
    assert_ne!(ran.status, 0);
    let errors: Vec<&str> = ran
        .log
        .lines()
        .filter(|l| l.starts_with("::error::"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", ran.log);
    assert!(errors[0].contains("rejected the MFA code"), "{}", errors[0]);
    assert_eq!(ran.github_env, "");
    assert!(!ran.env.contains_key("AWS_SESSION_TOKEN"));
}

/// unset-current-credentials: an earlier step's session in the job's environment is dropped and
/// the robot's keys sign; without it, mfa-env refuses that session as keys, before any call.
#[test]
fn stale_session_keys_are_ignored_when_asked() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    // An earlier step's session, still in the job's environment.
    let env = [
        ("AWS_ACCESS_KEY_ID", "ASIASTALE00000000001"),
        ("AWS_SECRET_ACCESS_KEY", "stale-secret"),
        ("AWS_SESSION_TOKEN", "STALE-TOKEN"),
        ("AWS_ENDPOINT_URL_STS", sts.url.as_str()),
    ];
    let inputs = [("mfa-serial", ROBOT), ("token-code", "123456")];
    let ran = run_action(&Home::new(), &inputs, &env, true, None);
    assert_ne!(ran.status, 0);
    assert_eq!(
        ran.log
            .lines()
            .filter(|l| l.starts_with("::error::"))
            .count(),
        1,
        "{}",
        ran.log
    );
    assert_eq!(sts.count(), 0);
    let mut asked = inputs.to_vec();
    asked.extend([
        ("unset-current-credentials", "true"),
        ("aws-access-key-id", ROBOT_ID),
        ("aws-secret-access-key", ROBOT_SECRET),
    ]);
    let ran = run_action(&Home::new(), &asked, &env, true, None);
    assert_eq!(ran.status, 0, "{}{}", ran.log, ran.errors);
    assert_eq!(ran.env["AWS_SESSION_TOKEN"], FIXED_TOKEN);
    assert_eq!(sts.requests()[0].signing_key(), ROBOT_ID);
}

/// action.yml passes actionlint, used from a workflow.
#[test]
fn the_action_lints() {
    if !require("actionlint") {
        return;
    }
    let home = Home::new();
    let workflows = home.file(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::copy(format!("{ROOT}/action.yml"), home.file("action.yml")).unwrap();
    std::fs::write(
        workflows.join("use.yml"),
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n      - uses: ./\n        with:\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          mfa-serial: arn:aws:iam::123456789012:mfa/ci-robot\n          totp-seed: ${{ secrets.MFA_SEED }}\n          aws-region: eu-west-1\n      - run: aws sts get-caller-identity\n",
    )
    .unwrap();
    let out = run(
        home.command("actionlint").arg(".github/workflows/use.yml"),
        "",
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}
