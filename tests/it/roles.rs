//! MFA-protected roles: assumed with the code, from flags or profiles, chained from a cached MFA
//! session, refused with their fix, against moto, and messages that say what is true.

use crate::support::*;

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
