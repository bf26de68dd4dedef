//! What STS answers and how a failure reads: refusals that name their fix, retries, stalls,
//! hostile or oversized answers, expirations, and keys that cannot get a session.

use crate::support::*;

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
        let text = run_ok(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]));
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
    let closed = ClosedPort::new();
    let out = run(
        mfa_at(&home, &format!("http://127.0.0.1:{}", closed.port))
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
fn an_endpoint_that_is_not_sts_is_named_with_its_setting() {
    let sts = FakeSts::start(vec![Reply::Raw {
        status: 501,
        body: "<html>Not Implemented</html>".into(),
    }]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_fails(
        &out,
        &format!(
            "the endpoint {} did not answer as STS does (HTTP 501); it was chosen by AWS_ENDPOINT_URL_STS: check or unset it",
            sts.url
        ),
    );
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nendpoint_url = {}\n",
        sts.url
    ));
    let out = run(home.mfa().args(["-s", "bash", "-t", "123456"]), "");
    assert_fails(
        &out,
        "it was chosen by endpoint_url of profile 'default' in ",
    );
}

/// An answer larger than any STS answer is not read on: one line, bounded memory.
#[test]
fn oversized_answers_are_refused() {
    for reply in [
        Reply::Endless,
        Reply::Huge(200 * 1024 * 1024),
        Reply::Huge(70 * 1024),
    ] {
        let sts = FakeSts::start(vec![reply]);
        let home = Home::with_default_profile();
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
            "",
        );
        assert_fails(
            &out,
            "sent an answer larger than 64 KiB, which is no STS answer; it was chosen by AWS_ENDPOINT_URL_STS",
        );
    }
}

/// A session without an expiration in the future is refused, and never cached.
#[test]
fn expirations_are_checked() {
    for expiration in ["", "2001-01-01T00:00:00Z"] {
        let sts = FakeSts::start(vec![Reply::creds(
            FIXED_ID,
            FIXED_SECRET,
            FIXED_TOKEN,
            expiration,
        )]);
        let home = Home::with_default_profile();
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
            "",
        );
        assert_fails(&out, "no expiration in the future");
        assert!(home.cached_sessions().is_empty());
    }
}
