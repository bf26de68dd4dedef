//! Sessions reused between runs: one request, no code and no terminal on the second run, and
//! a cache file that is doubtful in any way ignored and replaced.

use crate::support::*;

use std::os::unix::fs::PermissionsExt;

fn expires_in(secs: i64) -> String {
    iso_in(secs)
}

fn session(secs: i64) -> Reply {
    Reply::creds(FIXED_ID, FIXED_SECRET, FIXED_TOKEN, &expires_in(secs))
}

/// A run with a code, which fills the cache.
fn sign_in(home: &Home, sts: &FakeSts) {
    let out = run(
        mfa_at(home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
}

/// A run that can only succeed from the cache: no code, no terminal.
fn from_cache(home: &Home, sts: &FakeSts, extra: &[&str]) -> std::process::Output {
    run(
        detached(mfa_at(home, &sts.url).args(["-s", "bash"]).args(extra)),
        "",
    )
}

#[test]
fn a_second_run_reuses_the_session_without_code_or_network() {
    let sts = FakeSts::start(vec![session(43_200)]);
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
    let sts = FakeSts::start(vec![session(43_200)]);
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
    let sts = FakeSts::start(vec![session(600)]);
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
    let sts = FakeSts::start(vec![session(43_200)]);
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
    let sts = FakeSts::start(vec![session(43_200)]);
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
    let sts = FakeSts::start(vec![session(43_200)]);
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
    let sts = FakeSts::start(vec![session(43_200)]);
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
fn status_reports_and_exits_accordingly() {
    let sts = FakeSts::start(vec![session(43_200 + 30)]);
    let home = Home::with_default_profile();
    let status = |home: &Home| run(mfa_at(home, &sts.url).arg("status"), "");

    let out = status(&home);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "this shell: no session\ndefault: no cached session\n"
    );
    assert_eq!(stdout(&out), "");

    sign_in(&home, &sts);
    let out = status(&home);
    assert_eq!(
        out.status.code(),
        Some(0),
        "exit 0: the cache can serve a run"
    );
    let text = stderr(&out);
    assert!(
        text.starts_with("this shell: no session\ndefault: 12h 0m left, expires ")
            && text.ends_with("Z\n"),
        "{text}"
    );
    // Both: what this shell holds (an applied session), and what the cache holds.
    let applied = assert_succeeds(&run(mfa_at(&home, &sts.url).args(["-s", "bash"]), ""));
    let mut cmd = mfa_at(&home, &sts.url);
    for line in applied.lines().filter_map(|l| l.strip_prefix("export ")) {
        let (name, value) = line.split_once('=').unwrap();
        cmd.env(name, value.trim_matches('\''));
    }
    let text = stderr(&run(cmd.arg("status"), ""));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("this shell: the session of 'default', 12h 0m left, expires "),
        "{text}"
    );
    assert!(lines[1].starts_with("default: 12h 0m left"), "{text}");

    // Expired: rewrite the cached expiration into the past.
    let file = home.cached_sessions().pop().unwrap();
    let mut entry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    entry["credentials"]["expiration"] = serde_json::json!(1_000_000_000);
    std::fs::write(&file, entry.to_string()).unwrap();
    let out = status(&home);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "this shell: no session\ndefault: the cached session expired at 2001-09-09T01:46:40Z\n"
    );
}

#[test]
fn unset_forget_deletes_the_cached_session() {
    let sts = FakeSts::start(vec![session(43_200)]);
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
    let sts = FakeSts::start(vec![session(43_200)]);
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
