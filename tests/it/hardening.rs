//! Untrusted files, oversized answers, odd environments and parallel runs: each refused in one
//! line, never costing a secret, a section of a file, or the machine.

use crate::support::*;

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn mkfifo(path: &std::path::Path) {
    let out = Command::new("mkfifo").arg(path).output().unwrap();
    assert!(out.status.success());
}

/// `--write-profile` writes only the user's own regular file: a device, FIFO, socket or
/// directory named by AWS_SHARED_CREDENTIALS_FILE is refused before any code is spent.
#[test]
fn only_regular_files_are_written() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let fifo = home.file("fifo");
    mkfifo(&fifo);
    let dir = home.file("dir");
    std::fs::create_dir(&dir).unwrap();
    let socket = home.file("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let keys = home.file("keys");
    std::fs::copy(home.file(".aws/credentials"), &keys).unwrap();
    let mut targets = vec![(fifo, "a FIFO"), (dir, "a directory"), (socket, "a socket")];
    // A null device of our own, never the system's: a regression must not cost the machine its
    // /dev/null. Device nodes need root; without it the unit tests of files.rs cover devices.
    let device = home.file("null-device");
    let made = Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if made {
        targets.push((device, "a device"));
    } else {
        eprintln!("NOTE: mknod needs root; the device case is covered by files.rs's unit tests");
    }
    for (target, kind) in targets {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "none", "-t", "123456", "--write-profile", "mfa"])
                .env("AWS_SHARED_CREDENTIALS_FILE", &target)
                // The long-term keys come from the environment here.
                .env("AWS_ACCESS_KEY_ID", LONG_TERM_ID)
                .env("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET),
            "",
        );
        assert_fails(&out, &format!("it is {kind}"));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(sts.count(), 0, "refused before any network call");

    // A replaced file is 0600, whatever mode it had.
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "none", "-t", "123456", "--write-profile", "mfa"])
            .env("AWS_SHARED_CREDENTIALS_FILE", &keys),
        "",
    );
    assert_succeeds(&out);
    let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// 50 runs at once, each writing its own section: every section survives. 50 writing the same
/// one: the file is valid and holds one of them.
#[test]
fn parallel_writers_lose_nothing() {
    let sts = FakeSts::start(vec![Reply::Numbered]);
    let home = Home::with_default_profile();
    let spawn = |name: String| {
        spawn_piped(mfa_at(&home, &sts.url).args([
            "-s",
            "none",
            "-t",
            "123456",
            "--no-cache",
            "--write-profile",
            &name,
        ]))
    };
    let children: Vec<_> = (0..50).map(|i| spawn(format!("p{i}"))).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_succeeds(&out);
    }
    let text = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    for i in 0..50 {
        assert!(text.contains(&format!("[p{i}]\n")), "[p{i}] lost:\n{text}");
    }
    assert!(text.starts_with(&format!("[default]\naws_access_key_id = {LONG_TERM_ID}\n")));

    let children: Vec<_> = (0..50).map(|_| spawn("same".into())).collect();
    for child in children {
        assert!(child.wait_with_output().unwrap().status.success());
    }
    let text = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    assert_eq!(text.matches("[same]").count(), 1);
    let section = text.split("[same]\n").nth(1).unwrap();
    assert_eq!(section.lines().count(), 5, "{section}");
    let id = section.lines().next().unwrap();
    assert!(id.starts_with("aws_access_key_id = ASIANUMBERED"), "{id}");
    // The file still parses as the AWS CLI reads it.
    if require("aws") {
        let out = run(
            home.command("aws").args([
                "configure",
                "get",
                "aws_access_key_id",
                "--profile",
                "same",
            ]),
            "",
        );
        assert_eq!(format!("aws_access_key_id = {}", stdout(&out).trim()), id);
    }
}

/// A config or credentials file that is a FIFO (or `<(...)`) is refused at once, never waited
/// on; `/dev/null` reads as no file, as the AWS CLI reads it; a file over 16 MiB is refused.
#[test]
fn profile_files_never_block_and_are_bounded() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let fifo = home.file("fifo");
    mkfifo(&fifo);
    for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456"])
                .env(var, &fifo),
            "",
        );
        assert_fails(
            &out,
            "it is a FIFO (a pipe, as <(...) makes), not a regular file",
        );
    }
    // Process substitution, through bash.
    if require("bash") {
        let script = format!(
            "AWS_SHARED_CREDENTIALS_FILE=<(cat .aws/credentials) {} -s bash -t 123456",
            sh_quote(BIN)
        );
        let out = run(
            home.command("bash")
                .args(["--norc", "-c", &script])
                .env("AWS_ENDPOINT_URL_STS", &sts.url),
            "",
        );
        assert_fails(&out, "it is a FIFO");
    }
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_MFA_SERIAL", SERIAL),
        "",
    );
    assert_succeeds(&out);

    let big = home.file("big");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_CONFIG_FILE", &big),
        "",
    );
    assert_fails(&out, "larger than 16 MiB");
    assert_eq!(sts.count(), 1);
}

/// The keys that sign come from the very file mfa-env read and named: with a home or a path
/// that is not UTF-8, or a set-but-empty variable (which the AWS CLI reads as no file).
#[test]
fn the_file_read_is_the_file_that_signs() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let odd = home.path.join(std::ffi::OsStr::from_bytes(b"h\xffme"));
    std::fs::create_dir_all(odd.join(".aws")).unwrap();
    std::fs::write(
        odd.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIAODDHOME000000001\naws_secret_access_key = odd\n",
    )
    .unwrap();
    std::fs::write(
        odd.join(".aws/config"),
        format!("[default]\nmfa_serial = {SERIAL}\n"),
    )
    .unwrap();
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("HOME", &odd),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].signing_key(), "AKIAODDHOME000000001");

    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("AWS_SHARED_CREDENTIALS_FILE", odd.join(".aws/credentials")),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[1].signing_key(), "AKIAODDHOME000000001");

    let out = run(
        mfa_at(&home, &sts.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("AWS_SHARED_CREDENTIALS_FILE", ""),
        "",
    );
    assert_fails(
        &out,
        "profile 'default' cannot sign the call: it has no aws_access_key_id",
    );
    assert_eq!(sts.count(), 2);
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

/// `--token-code -` reads one bounded line; surrounding whitespace is dropped as at the prompt.
#[test]
fn a_code_from_stdin_is_one_bounded_line() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "-", "--no-cache"]),
        " 123456 \r\n",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].param("TokenCode"), Some("123456"));
    let zeros = std::fs::File::open("/dev/zero").unwrap();
    let out = mfa_at(&home, &sts.url)
        .args(["-s", "bash", "-t", "-", "--no-cache"])
        .stdin(zeros)
        .output()
        .unwrap();
    assert_fails(&out, "read more than 256 bytes without a line end");
    assert_eq!(sts.count(), 1);
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

/// Variables that are set but not UTF-8 are errors naming them, never a fallback.
#[test]
fn non_utf8_variables_are_named() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for var in [
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL_STS",
        "AWS_MFA_SERIAL",
        "AWS_REGION",
    ] {
        let out = run(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456"])
                .env(var, std::ffi::OsStr::from_bytes(b"x\xff")),
            "",
        );
        assert_fails(
            &out,
            &format!("{var} is not UTF-8 text ('x\u{fffd}'): fix or unset it"),
        );
    }
    assert_eq!(sts.count(), 0);
}

/// Every error is one line: fragments from the user or a file have control characters escaped.
#[test]
fn every_error_is_one_line() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for args in [
        &["-p", "a\nb", "-t", "123456"][..],
        &["-p", "\u{1b}[31mred", "-t", "123456"],
        &["--write-profile", "a\nb", "-t", "123456"],
        &["--region", "eu\nwest"],
        &["--bogus\nflag"],
    ] {
        let out = run(mfa_at(&home, &sts.url).args(args), "");
        assert_fails(&out, "");
        assert!(
            !stderr(&out).contains('\u{1b}'),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A value continued on an indented line holds a newline: named, escaped.
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n  and more\n"));
    let out = run(mfa_at(&home, &sts.url).args(["-t", "123456"]), "");
    assert_fails(&out, "mfa_serial of profile 'default' in ");
    // An indented comment after a property is a comment, as in the AWS CLI.
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n  # my device\nregion =\n"
    ));
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].param("SerialNumber"), Some(SERIAL));
    assert_eq!(
        sts.requests()[0].signing_region(),
        "us-east-1",
        "an empty region is not set"
    );
}

/// Profile names the AWS CLI accepts are found: non-ASCII, commas, spaces (quoted).
#[test]
fn profile_names_the_aws_cli_accepts() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    home.credentials(&format!(
        "[ä]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n[a,b]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n[a b]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n"
    ));
    home.config(&format!(
        "[profile ä]\nmfa_serial = {SERIAL}\n[profile a,b]\nmfa_serial = {SERIAL}\n[profile \"a b\"]\nmfa_serial = {SERIAL}\n"
    ));
    for name in ["ä", "a,b", "a b"] {
        let out = run(
            mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "-p", name]),
            "",
        );
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    assert_eq!(sts.count(), 3);
}

/// Role parameters from a profile are checked before any code is spent.
#[test]
fn role_parameters_from_profiles_are_checked() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    for (extra, needle) in [
        ("role_arn = admin\n", "role_arn of profile 'r' in "),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nrole_session_name = a b/c\n",
            "role_session_name of profile 'r'",
        ),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nexternal_id = a\n  b\n",
            "external_id of profile 'r'",
        ),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nduration_seconds = 50000\n",
            "fix duration_seconds of profile 'r' in ",
        ),
    ] {
        home.config(&format!(
            "[default]\nmfa_serial = {SERIAL}\n[profile r]\nsource_profile = default\nmfa_serial = {SERIAL}\n{extra}"
        ));
        let out = run(mfa_at(&home, &sts.url).args(["-p", "r"]), "");
        assert_fails(&out, needle);
        assert_eq!(out.status.code(), Some(1));
    }
    assert_eq!(sts.count(), 0);
}

/// A bug or a full memory ends the run with one line, never a backtrace, and nothing on stdout
/// (debug builds can be asked to fail these ways).
#[test]
fn abort_paths_print_one_line() {
    for (how, line) in [
        ("panic", "mfa-env: internal error at src/test_hooks.rs:"),
        (
            "memory",
            "mfa-env: internal error: out of memory; nothing was printed\n",
        ),
    ] {
        let out = run(
            Home::new()
                .mfa()
                .args(["--unset", "--shell", "bash"])
                .env("MFA_ENV_TEST_ABORT", how)
                .env("RUST_BACKTRACE", "1"),
            "",
        );
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(
            err.starts_with(line) && err.lines().count() == 1,
            "{how}: {err:?}"
        );
    }
}
