//! Sessions reused between runs: one request, no code and no terminal on the second run, and
//! a cache file that is doubtful in any way ignored and replaced.

use crate::support::*;

use std::os::unix::fs::PermissionsExt;

/// A run that can only succeed from the cache: no code, no terminal.
fn from_cache(home: &Home, sts: &FakeSts, extra: &[&str]) -> std::process::Output {
    run(
        detached(mfa_at(home, &sts.url).args(["-s", "bash"]).args(extra)),
        "",
    )
}

#[test]
fn a_second_run_reuses_the_session_without_code_or_network() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    let first = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let second = from_cache(&home, &sts, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(stderr(&second), "");
    assert_eq!(sts.count(), 1, "exactly one request across two runs");

    // Another output format from the same session; a different region is another session.
    assert!(from_cache(&home, &sts, &["-s", "json"]).status.success());
    assert_fails(
        &from_cache(&home, &sts, &["--region", "eu-west-1"]),
        "no terminal",
    );
    assert_eq!(sts.count(), 1);

    let files = home.cached_sessions();
    assert_eq!(files.len(), 1);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&home.file(".cache/mfa-env")), 0o700);
}

#[test]
fn xdg_cache_home_is_honoured() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    let xdg = home.file("xdg");
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456"])
            .env("XDG_CACHE_HOME", &xdg),
        "",
    );
    assert!(out.status.success());
    assert_eq!(std::fs::read_dir(xdg.join("mfa-env")).unwrap().count(), 1);
    assert!(home.cached_sessions().is_empty());
}

#[test]
fn a_session_about_to_expire_is_not_reused() {
    let sts = FakeSts::start(vec![session_lasting(600)]);
    let home = Home::with_default_profile();
    sign_in(&home, &sts);
    // 10 minutes left: below the default 15, above 5.
    assert_fails(
        &from_cache(&home, &sts, &[]),
        "no terminal to ask for the MFA code",
    );
    assert!(
        from_cache(&home, &sts, &["--min-remaining", "5m"])
            .status
            .success()
    );
    assert_fails(
        &from_cache(&home, &sts, &["--min-remaining", "1h"]),
        "no terminal",
    );
    assert_eq!(sts.count(), 1);
}

#[test]
fn force_and_no_cache() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    let code = ["-s", "bash", "-t", "123456"];
    assert!(
        run(mfa_at(&home, &sts.url).args(code).arg("--no-cache"), "")
            .status
            .success()
    );
    assert!(
        home.cached_sessions().is_empty(),
        "--no-cache writes nothing"
    );
    assert!(run(mfa_at(&home, &sts.url).args(code), "").status.success());
    assert_eq!(sts.count(), 2);
    assert!(
        run(mfa_at(&home, &sts.url).args(code).arg("--no-cache"), "")
            .status
            .success()
    );
    assert_eq!(sts.count(), 3, "--no-cache does not read either");
    assert!(
        run(mfa_at(&home, &sts.url).args(code).arg("--force"), "")
            .status
            .success()
    );
    assert_eq!(sts.count(), 4, "--force asks STS again");
    assert_fails(&from_cache(&home, &sts, &["--force"]), "no terminal");
}

#[test]
fn doubtful_cache_files_are_ignored_and_replaced() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    sign_in(&home, &sts);
    let file = home.cached_sessions().pop().unwrap();
    let good = std::fs::read(&file).unwrap();

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_fails(&from_cache(&home, &sts, &[]), "no terminal");
    sign_in(&home, &sts);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600,
        "replaced"
    );
    assert!(from_cache(&home, &sts, &[]).status.success());

    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    assert_fails(&from_cache(&home, &sts, &[]), "no terminal");
    sign_in(&home, &sts);
    assert!(from_cache(&home, &sts, &[]).status.success());

    // A symlink planted in the file's place is not followed.
    std::fs::write(home.file("elsewhere.json"), &good).unwrap();
    std::fs::set_permissions(
        home.file("elsewhere.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(home.file("elsewhere.json"), &file).unwrap();
    assert_fails(&from_cache(&home, &sts, &[]), "no terminal");

    // A file that belongs to someone else (only root can make one).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        sign_in(&home, &sts);
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        assert_fails(&from_cache(&home, &sts, &[]), "no terminal");
    } else {
        eprintln!(
            "NOTE: not root, so the other-owner case is covered by the unit test of is_private only"
        );
    }
}

#[test]
fn twenty_concurrent_runs_share_a_warm_cache() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    let first = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    let expected = stdout(&first);
    let children: Vec<_> = (0..20)
        .map(|_| spawn_piped(detached(mfa_at(&home, &sts.url).args(["-s", "bash"]))))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_succeeds(&out);
        assert_eq!(stdout(&out), expected);
    }
    assert_eq!(sts.count(), 1);
    assert!(
        from_cache(&home, &sts, &[]).status.success(),
        "the cache is still valid"
    );
}

#[test]
fn concurrent_writers_leave_a_valid_cache() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    let children: Vec<_> = (0..10)
        .map(|_| {
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456", "--force"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(home.cached_sessions().len(), 1, "no temporary files left");
    assert!(from_cache(&home, &sts, &[]).status.success());
}

#[test]
fn unset_forget_deletes_the_cached_session() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    sign_in(&home, &sts);
    let out = run(
        mfa_at(&home, &sts.url).args(["--unset", "--shell", "bash"]),
        "",
    );
    assert!(out.status.success());
    assert_eq!(home.cached_sessions().len(), 1, "--unset alone keeps it");
    let out = run(
        mfa_at(&home, &sts.url).args(["--unset", "--forget", "--shell", "bash"]),
        "",
    );
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("unset AWS_ACCESS_KEY_ID"));
    assert!(home.cached_sessions().is_empty());
    assert_eq!(
        run(mfa_at(&home, &sts.url).arg("status"), "").status.code(),
        Some(1)
    );
}

/// A cache directory left behind by `sudo mfa-env` (another user's, unreadable): `--unset
/// --forget` still prints every unset line and exits 0 (so `mfa --unset --forget` clears the
/// session), and says on stderr what it could not delete and how to fix it.
#[test]
fn unset_forget_clears_the_environment_even_when_the_cache_is_stuck() {
    let sts = FakeSts::start(vec![session_lasting(43_200)]);
    let home = Home::with_default_profile();
    sign_in(&home, &sts);
    let cache = home.file(".cache/mfa-env");
    let mut cmd = home.mfa();
    cmd.args(["--unset", "--forget", "--shell", "bash"]);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // As root, nothing is out of reach: run as another user whose home holds root's cache.
        as_uid(&home.path, 65534, &[&cache]);
        run_as(&mut cmd, 65534);
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o500)).unwrap();
    }
    let out = run(&mut cmd, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE\n"
    );
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("mfa-env: cannot ") && err.contains(&cache.display().to_string()),
        "{err}"
    );
    assert!(
        err.contains("the environment is cleared all the same"),
        "{err}"
    );
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        assert!(
            err.contains(&format!("remove it with `sudo rm -r {}`", cache.display())),
            "{err}"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700));
}

#[test]
fn forget_all_deletes_every_profile_s_sessions() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let creds = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    home.credentials(&format!(
        "{creds}[other]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n"
    ));
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile other]\nmfa_serial = {SERIAL}\n"
    ));
    for profile in ["default", "other"] {
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "-p", profile]),
            "",
        );
        assert_succeeds(&out);
    }
    let cached = || home.cached_sessions().len();
    assert_eq!(cached(), 2);
    let out = run(home.mfa().args(["--unset", "--forget", "-s", "bash"]), "");
    assert!(out.status.success());
    assert_eq!(
        stderr(&out),
        "mfa-env: deleted 1 cached session(s) of 'default' (--all: of every profile)\n"
    );
    assert_eq!(cached(), 1);
    let out = run(
        home.mfa()
            .args(["--unset", "--forget", "--all", "-s", "bash"]),
        "",
    );
    assert_eq!(
        stderr(&out),
        "mfa-env: deleted 1 cached session(s) of every profile\n"
    );
    assert_eq!(cached(), 0);
}

/// A cached session is reused only for the duration it was asked with, in both directions.
#[test]
fn the_duration_asked_is_part_of_the_cache_key() {
    let sts = FakeSts::start(vec![Reply::Numbered]);
    let home = Home::with_default_profile();
    let get = |extra: &[&str]| {
        let out = run(
            detached(mfa_at(&home, &sts.url).args(["-s", "bash"]).args(extra)),
            "",
        );
        (out.status.success(), stdout(&out), stderr(&out))
    };
    assert!(get(&["-t", "123456"]).0);
    let (ok, _, err) = get(&["-d", "900"]);
    assert!(
        !ok && err.contains("no terminal"),
        "a shorter session is not the cached one: {err}"
    );
    assert!(get(&["-d", "900", "-t", "123456"]).0);
    assert!(
        get(&["-d", "900"]).0,
        "the 900 s session is reused for 900 s"
    );
    let (ok, _, err) = get(&["-d", "129600"]);
    assert!(
        !ok && err.contains("no terminal"),
        "a longer one neither: {err}"
    );
    assert!(get(&[]).0, "the default-duration session is still there");
    assert_eq!(sts.count(), 2);
    // The profile's duration_seconds is what is asked when no flag is given.
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nduration_seconds = 900\n"
    ));
    assert!(get(&[]).0, "the same as -d 900");
}
