//! What reaches STS, and every way a run can fail: against a fake STS on loopback.

use crate::support::*;

use std::process::Command;

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd, "");
    assert_succeeds(&out);
    stdout(&out)
}

#[test]
fn sends_serial_code_and_duration() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    ok(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "012345", "-d", "3600", "--no-cache"]));
    ok(mfa_at(&home, &sts.url).args([
        "-s",
        "bash",
        "-t",
        "654321",
        "--serial-number",
        "GAHT12345678",
        "--no-cache",
    ]));
    let requests = sts.requests();
    assert_eq!(requests[0].param("Action"), Some("GetSessionToken"));
    assert_eq!(requests[0].param("SerialNumber"), Some(SERIAL));
    assert_eq!(requests[0].param("TokenCode"), Some("012345"));
    assert_eq!(requests[0].param("DurationSeconds"), Some("3600"));
    assert_eq!(requests[1].param("SerialNumber"), Some("GAHT12345678"));
    assert_eq!(requests[1].param("TokenCode"), Some("654321"));
    assert_eq!(
        requests[1].param("DurationSeconds"),
        None,
        "STS's own default"
    );
    assert_eq!(requests[0].signing_key(), LONG_TERM_ID);
}

#[test]
fn serial_from_the_environment_and_code_from_stdin() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "-", "--no-cache"])
            .env("AWS_MFA_SERIAL", "GAHT00000001"),
        "246810\n",
    );
    assert_succeeds(&out);
    let request = &sts.requests()[0];
    assert_eq!(request.param("SerialNumber"), Some("GAHT00000001"));
    assert_eq!(request.param("TokenCode"), Some("246810"));

    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "-", "--no-cache"]),
        "12345\n",
    );
    assert_fails(
        &out,
        "the MFA code read from stdin is wrong: it is too short",
    );
    assert_eq!(out.status.code(), Some(1), "stdin is not the command line");
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "-", "--no-cache"]),
        "",
    );
    assert_fails(&out, "no line on stdin");
    assert_eq!(sts.count(), 1, "bad codes never reach STS");
}

/// A session left in the environment by the previous run must not sign the next call.
#[test]
fn stale_session_in_the_environment_is_ignored() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let stale = |cmd: &mut Command| {
        cmd.env("AWS_ACCESS_KEY_ID", FIXED_ID)
            .env("AWS_SECRET_ACCESS_KEY", FIXED_SECRET)
            .env("AWS_SESSION_TOKEN", FIXED_TOKEN)
            .args(["-s", "bash", "-t", "123456", "--no-cache"]);
    };
    let mut cmd = mfa_at(&home, &sts.url);
    stale(&mut cmd);
    ok(&mut cmd);
    let request = &sts.requests()[0];
    assert_eq!(request.signing_key(), LONG_TERM_ID);
    assert!(!request.headers.contains_key("x-amz-security-token"));

    // Twice in a row in a real shell: the second run sees the first one's session.
    let bin = sh_quote(BIN);
    let script =
        format!("eval \"$({bin} -t 111111 --no-cache)\"\neval \"$({bin} -t 222222 --no-cache)\"\n");
    let out = run(
        home.command("bash")
            .args(["--norc", "-eu", "-s"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        &script,
    );
    assert_succeeds(&out);
    let requests = sts.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.signing_key() == LONG_TERM_ID));
}

#[test]
fn long_term_keys_in_the_environment_sign_in_ci() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    ok(mfa_at(&home, &sts.url)
        .env("AWS_ACCESS_KEY_ID", "AKIACIROBOT000000001")
        .env("AWS_SECRET_ACCESS_KEY", "ci/secret+key")
        .env("AWS_MFA_SERIAL", SERIAL)
        .args(["-s", "github", "-t", "123456", "-s", "bash", "--no-cache"]));
    assert_eq!(sts.requests()[0].signing_key(), "AKIACIROBOT000000001");

    // A named profile wins over keys in the environment.
    let home = Home::with_default_profile();
    ok(mfa_at(&home, &sts.url)
        .env("AWS_ACCESS_KEY_ID", "AKIACIROBOT000000001")
        .env("AWS_SECRET_ACCESS_KEY", "ci/secret+key")
        .args(["-p", "default", "-s", "bash", "-t", "123456", "--no-cache"]));
    assert_eq!(sts.requests()[1].signing_key(), LONG_TERM_ID);
}

#[test]
fn region_precedence() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let region = |extra: &[(&str, &str)], args: &[&str]| {
        let mut cmd = mfa_at(&home, &sts.url);
        cmd.args(["-s", "bash", "-t", "123456", "--no-cache"])
            .args(args);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        ok(&mut cmd);
        sts.requests().last().unwrap().signing_region()
    };
    assert_eq!(region(&[], &[]), "us-east-1");
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = ap-south-1\n"
    ));
    assert_eq!(region(&[], &[]), "ap-south-1");
    assert_eq!(
        region(&[("AWS_DEFAULT_REGION", "eu-north-1")], &[]),
        "eu-north-1"
    );
    assert_eq!(
        region(
            &[
                ("AWS_DEFAULT_REGION", "eu-north-1"),
                ("AWS_REGION", "eu-west-3")
            ],
            &[]
        ),
        "eu-west-3"
    );
    assert_eq!(
        region(&[("AWS_REGION", "eu-west-3")], &["--region", "sa-east-1"]),
        "sa-east-1"
    );
}

#[test]
fn sts_refusals_name_the_fix() {
    let cases = [
        (
            Reply::error(
                403,
                "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            ),
            "rejected the MFA code",
        ),
        (
            Reply::error(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            "expired session",
        ),
        (
            Reply::error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            "does not know the access key",
        ),
        (
            Reply::error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
            ),
            "secret key of 'default' does not match",
        ),
        (
            Reply::error(
                403,
                "SignatureDoesNotMatch",
                "Credential should be scoped to a valid region. ",
            ),
            "refused a request signed for region us-east-1: give the region that endpoint serves (--region, AWS_REGION or the profile's region), or fix AWS_ENDPOINT_URL_STS (STS: Credential should be scoped to a valid region.)",
        ),
        (
            Reply::error(400, "Throttling", "Rate exceeded"),
            "throttling",
        ),
        (
            Reply::error(500, "InternalFailure", "oops"),
            "internal error (HTTP 500)",
        ),
        (
            Reply::Raw {
                status: 200,
                body: "<html>captive portal</html>".into(),
            },
            "did not answer as STS does (HTTP 200); it was chosen by AWS_ENDPOINT_URL_STS",
        ),
        (
            Reply::error(
                403,
                "AccessDenied",
                "not authorized to perform sts:GetSessionToken\u{9b}31m\n",
            ),
            "denied GetSessionToken",
        ),
    ];
    for (reply, needle) in cases {
        let sts = FakeSts::start(vec![reply]);
        let home = Home::with_default_profile();
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
            "",
        );
        assert_fails(&out, needle);
        assert!(
            !stderr(&out).contains('\u{9b}'),
            "terminal escapes from the network are not shown"
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(home.cached_sessions().is_empty());
    }
}

#[test]
fn transient_failures_are_retried() {
    for first in [
        Reply::error(400, "Throttling", "Rate exceeded"),
        Reply::error(500, "InternalFailure", "oops"),
    ] {
        let sts = FakeSts::start(vec![first, Reply::fixed()]);
        let home = Home::with_default_profile();
        let text = ok(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]));
        assert!(text.contains(FIXED_TOKEN));
        assert_eq!(sts.count(), 2);
    }
}

#[test]
fn root_duration_limit_is_explained() {
    let sts = FakeSts::start(vec![Reply::error(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles and the root user.",
    )]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "-d", "43200"]),
        "",
    );
    assert_fails(&out, "root user's limit is 3600");
}

#[test]
fn a_stalled_endpoint_is_given_up() {
    let sts = FakeSts::start(vec![Reply::Stall]);
    let home = Home::with_default_profile();
    let mut child = spawn_piped(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]));
    // A generous guard only: mfa-env must give up by itself (after 20 s; 4 s in test builds).
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed().as_secs() < 60,
            "mfa-env hung on a stalled endpoint"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert_fails(&out, "did not answer within 4 s");
}

#[test]
fn unreachable_endpoint() {
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &format!("http://127.0.0.1:{}", free_port()))
            .args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "cannot reach STS");
}

/// Values from the network are checked before anything is printed: a hostile endpoint gets
/// nothing executed and nothing evaluated.
#[test]
fn hostile_credentials_are_refused() {
    let hostile = [
        "'; touch pwned #",
        "$(touch pwned)",
        "`touch pwned`",
        "ok\ntouch pwned",
        "a\"; touch pwned; \"",
    ];
    for value in hostile {
        for reply in [
            Reply::creds(FIXED_ID, FIXED_SECRET, value, FIXED_EXPIRATION),
            Reply::creds(value, FIXED_SECRET, FIXED_TOKEN, FIXED_EXPIRATION),
            Reply::creds(FIXED_ID, value, FIXED_TOKEN, FIXED_EXPIRATION),
        ] {
            let sts = FakeSts::start(vec![reply]);
            let home = Home::with_default_profile();
            for shell in ["bash", "fish", "powershell", "cmd", "json", "dotenv"] {
                let out = run(
                    mfa_at(&home, &sts.url).args(["-s", shell, "-t", "123456", "--no-cache"]),
                    "",
                );
                assert_fails(&out, "characters real credentials never contain");
            }
            let bin = sh_quote(BIN);
            let script = format!("eval \"$({bin} -t 123456 --no-cache)\" || true\n");
            run(
                home.command("bash")
                    .args(["--norc", "-s"])
                    .env("AWS_ENDPOINT_URL_STS", &sts.url),
                &script,
            );
            assert!(!home.file("pwned").exists());
        }
    }
}

#[test]
fn temporary_base_credentials_stop_before_the_code_is_spent() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    home.credentials(&format!(
        "[default]\naws_access_key_id = ASIATEMPORARY0001\naws_secret_access_key = x\n\
         [session]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\naws_session_token = tok\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "profile 'default' in ");
    assert!(
        stderr(&out).contains("holds temporary credentials (its access key id starts with ASIA)")
    );
    let out = run(
        mfa_at(&home, &sts.url).args([
            "-s",
            "bash",
            "-t",
            "123456",
            "-p",
            "session",
            "--serial-number",
            "GAHT12345678",
        ]),
        "",
    );
    assert_fails(&out, "profile 'session' in ");
    assert!(stderr(&out).contains("holds temporary credentials (it has an aws_session_token)"));
    assert_eq!(sts.count(), 0);
}

#[test]
fn no_credentials_fails_at_once_without_instance_metadata() {
    let imds = FakeSts::start(vec![Reply::Stall]);
    let home = Home::new();
    let out = run(
        home.mfa()
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url),
        "",
    );
    assert_fails(&out, "no long-term AWS credentials found");
    assert_eq!(imds.count(), 0, "instance metadata is never asked");
}

#[test]
fn configuration_errors_name_the_fix() {
    let home = Home::with_default_profile();
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "nope", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "profile 'nope' (from --profile) is not in");
    assert!(stderr(&out).contains("known: default"));

    home.config("[default]\nregion = us-east-1\n");
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "no MFA device for 'default': pass --serial-number");
    assert_eq!(out.status.code(), Some(1), "a setting missing from a file");

    home.config("[default]\nmfa_serial = x\n");
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "not a device serial or ARN");

    home.config("[default]\nmfa_serial\n");
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "config is malformed at line 2");

    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nduration_seconds = forever\n"
    ));
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "duration_seconds = forever");

    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile sso]\nsso_start_url = https://x\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-p", "sso", "-t", "123456"]),
        "",
    );
    assert_fails(&out, "IAM Identity Center");
    assert_eq!(sts.count(), 0);
}

#[test]
fn command_line_errors_are_usage_errors() {
    let home = Home::with_default_profile();
    for (args, needle) in [
        (&["-t", "12345"][..], "too short"),
        (&["-t", "abcdef"], "contains letters"),
        (&["-d", "899"], "between 900 and 129600"),
        (&["-d", "129601"], "between 900 and 129600"),
        (&["--shell", "tcsh"], "unknown shell 'tcsh'"),
        (&["--frobnicate"], "--frobnicate"),
        (
            &["init", "tcsh"],
            "init has no snippet for 'tcsh': it supports bash, zsh, fish, powershell or cmd",
        ),
    ] {
        let out = run(home.mfa().args(args), "");
        assert_fails(&out, needle);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
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

#[test]
fn closed_stdout_fails_quietly() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let mut child = spawn_piped(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]));
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
}

/// Proxies named in the environment are used, as the AWS CLI uses them; only loopback is contacted.
#[test]
fn proxies_from_the_environment() {
    let proxy = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let via = |endpoint: &str, var: &str| {
        run(
            mfa_at(&home, endpoint)
                .args(["-s", "bash", "-t", "123456", "--no-cache"])
                .env(var, &proxy.url),
            "",
        )
    };
    let out = via("http://sts.example.invalid", "HTTP_PROXY");
    assert_succeeds(&out);
    assert_eq!(
        proxy.requests()[0].line,
        "POST http://sts.example.invalid/ HTTP/1.1"
    );
    assert_eq!(proxy.requests()[0].param("TokenCode"), Some("123456"));

    // HTTPS goes through a CONNECT tunnel; this fake proxy cannot tunnel, so the run fails cleanly.
    let out = via("https://sts.example.invalid", "HTTPS_PROXY");
    assert!(!out.status.success() && out.stdout.is_empty());
    assert_eq!(
        proxy.requests()[1].line,
        "CONNECT sts.example.invalid:443 HTTP/1.1"
    );
}

/// Under a limit that lets mfa-env start no thread (a pids limit), looking up the endpoint's
/// host fails with one line of ours, never an abort (the runtime's own pool panics there).
#[test]
fn no_thread_to_spare_is_a_clean_failure() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("NOTE: not root: cannot run mfa-env as a user with no process to spare");
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    as_uid(&home.path, 65534, &[]);
    let url = sts.url.replace("127.0.0.1", "localhost");
    let mut cmd = mfa_at(&home, &url);
    cmd.args(["-s", "bash", "-t", "123456"]);
    run_as(&mut cmd, 65534);
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            libc::setrlimit(libc::RLIMIT_NPROC, &limit);
            Ok(())
        });
    }
    let out = run(&mut cmd, "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_fails(&out, "cannot start a thread to look up the host");
    assert_eq!(sts.count(), 0);
}
