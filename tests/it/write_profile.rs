//! `--write-profile`: the session in a profile the AWS CLI reads, without losing any other byte
//! of the file, only ever into the user's own regular file, under a lock parallel runs share.

use crate::support::*;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn creds_path(home: &Home) -> std::path::PathBuf {
    home.file(".aws/credentials")
}

fn write_profile(home: &Home, sts: &FakeSts, extra: &[&str]) -> std::process::Output {
    run(
        mfa_at(home, &sts.url)
            .args(["--shell", "none", "-t", "123456", "--write-profile", "mfa"])
            .args(extra),
        "",
    )
}

/// `--write-profile NAME` writes the region configured for the source, so that
/// `aws --profile NAME ...` works right away; never a region nobody configured.
#[test]
fn a_written_profile_has_the_configured_region() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let written_region = |home: &Home, extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = mfa_at(home, &sts.url);
        cmd.args([
            "-s",
            "none",
            "-t",
            "123456",
            "--write-profile",
            "mfa",
            "--force",
        ])
        .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd, "");
        assert_succeeds(&out);
        let text = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
        let section = text.split("[mfa]").nth(1).unwrap().to_owned();
        section
            .lines()
            .find_map(|l| l.strip_prefix("region = "))
            .map(str::to_owned)
    };
    let home = Home::with_default_profile();
    assert_eq!(
        written_region(&home, &[], &[]),
        None,
        "none configured, none invented"
    );
    assert_eq!(
        written_region(&home, &["--region", "eu-west-1"], &[]).as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        written_region(&home, &[], &[("AWS_REGION", "ap-south-1")]).as_deref(),
        Some("ap-south-1")
    );
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-north-1\n"
    ));
    assert_eq!(
        written_region(&home, &[], &[]).as_deref(),
        Some("eu-north-1")
    );

    // The AWS CLI, with nothing but the written profile, finds it.
    if require("aws") {
        let out = run(
            home.command("aws")
                .args(["configure", "get", "region", "--profile", "mfa"]),
            "",
        );
        assert_eq!(stdout(&out).trim(), "eu-north-1", "{}", stderr(&out));
    }
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

#[test]
fn writes_a_profile_the_aws_cli_reads() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let out = write_profile(&home, &sts, &[]);
    assert_succeeds(&out);
    assert_eq!(stdout(&out), "", "--shell none prints nothing");
    assert_eq!(
        std::fs::read_to_string(creds_path(&home)).unwrap(),
        format!(
            "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
             [mfa]\naws_access_key_id = {FIXED_ID}\naws_secret_access_key = {FIXED_SECRET}\n\
             aws_session_token = {FIXED_TOKEN}\nexpiration = {FIXED_EXPIRATION}\nmfa_env_source_profile = default\n"
        )
    );
    if require("aws") {
        for (key, value) in [
            ("aws_session_token", FIXED_TOKEN),
            ("aws_access_key_id", FIXED_ID),
            ("aws_secret_access_key", FIXED_SECRET),
        ] {
            let out = run(
                home.command("aws")
                    .args(["configure", "get", key, "--profile", "mfa"]),
                "",
            );
            assert_succeeds(&out);
            assert_eq!(stdout(&out).trim_end(), value);
        }
    }
    // Printing and writing together; a second write updates the section in place.
    let out = run(
        mfa_at(&home, &sts.url).args([
            "-s",
            "bash",
            "-t",
            "123456",
            "--write-profile",
            "mfa",
            "--force",
        ]),
        "",
    );
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("export AWS_ACCESS_KEY_ID="));
    assert_eq!(
        std::fs::read_to_string(creds_path(&home))
            .unwrap()
            .matches("[mfa]")
            .count(),
        1
    );
}

#[test]
fn nothing_else_in_the_file_changes() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    let original = format!(
        "; my keys\r\n[default]\r\naws_access_key_id={LONG_TERM_ID}\r\naws_secret_access_key  =  {LONG_TERM_SECRET}\r\n\r\n\
         [mfa]   # written by mfa-env\r\nregion = eu-west-1\r\naws_session_token = old\r\n  continued-old\r\nAWS_Access_Key_Id = OLDID\r\n\r\n\
         # trailing comment\r\n[other]\r\nkey=value"
    );
    std::fs::write(creds_path(&home), &original).unwrap();
    std::fs::set_permissions(creds_path(&home), std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = write_profile(&home, &sts, &[]);
    assert_succeeds(&out);
    assert_eq!(
        std::fs::read_to_string(creds_path(&home)).unwrap(),
        format!(
            "; my keys\r\n[default]\r\naws_access_key_id={LONG_TERM_ID}\r\naws_secret_access_key  =  {LONG_TERM_SECRET}\r\n\r\n\
             [mfa]   # written by mfa-env\r\nregion = eu-west-1\r\naws_session_token = {FIXED_TOKEN}\r\nAWS_Access_Key_Id = {FIXED_ID}\r\n\
             aws_secret_access_key = {FIXED_SECRET}\r\nexpiration = {FIXED_EXPIRATION}\r\nmfa_env_source_profile = default\r\n\r\n\
             # trailing comment\r\n[other]\r\nkey=value"
        )
    );
    assert_eq!(
        std::fs::metadata(creds_path(&home))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600,
        "a file holding a session is private, whatever mode it had"
    );
    let leftovers: Vec<_> = std::fs::read_dir(home.file(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
}

#[test]
fn a_new_file_is_private_and_the_variable_is_honoured() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    std::fs::write(
        home.file("base"),
        format!("[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"),
    )
    .unwrap();
    // The base keys come from the environment here; the target file does not exist yet.
    let target = home.file("new/credentials");
    let out = run(
        mfa_at(&home, &sts.url)
            .args(["--shell", "none", "-t", "123456", "--write-profile", "mfa"])
            .env("AWS_ACCESS_KEY_ID", LONG_TERM_ID)
            .env("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET)
            .env("AWS_SHARED_CREDENTIALS_FILE", &target),
        "",
    );
    assert_succeeds(&out);
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("[mfa]\naws_access_key_id = ")
    );
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_symlinked_file_is_written_through_the_link() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let real = home.file("dotfiles/aws-credentials");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::rename(creds_path(&home), &real).unwrap();
    std::os::unix::fs::symlink("../dotfiles/aws-credentials", creds_path(&home)).unwrap();
    let out = write_profile(&home, &sts, &[]);
    assert_succeeds(&out);
    assert!(
        std::fs::symlink_metadata(creds_path(&home))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays"
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("[mfa]"));
}

#[test]
fn long_term_keys_are_never_overwritten_by_accident() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let keys = format!(
        "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\
         [mfa]\naws_access_key_id = AKIAOTHERUSER0000001\naws_secret_access_key = other\n"
    );
    home.credentials(&keys);
    assert_fails(&write_profile(&home, &sts, &[]), "[mfa] in ");
    assert!(stderr(&write_profile(&home, &sts, &[])).contains("holds long-term keys"));
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "none", "-t", "123456", "--write-profile", "default"]),
        "",
    );
    assert_fails(
        &out,
        "--write-profile default would replace the long-term keys that sign the call",
    );
    assert_eq!(std::fs::read_to_string(creds_path(&home)).unwrap(), keys);
    assert_eq!(sts.count(), 0, "refused before the code is spent");

    let out = write_profile(&home, &sts, &["--overwrite-long-term"]);
    assert_succeeds(&out);
    assert!(
        std::fs::read_to_string(creds_path(&home))
            .unwrap()
            .contains(FIXED_TOKEN)
    );
}

#[test]
fn a_malformed_file_is_named_and_left_alone() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let broken =
        format!("[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = x\n[mfa\n");
    home.credentials(&broken);
    let out = write_profile(&home, &sts, &[]);
    assert_fails(&out, "credentials is malformed at line 4");
    assert_eq!(std::fs::read_to_string(creds_path(&home)).unwrap(), broken);
    assert_eq!(sts.count(), 0);
    for bad in ["profile mfa", "a b", "[x]", ""] {
        let out = run(
            mfa_at(&home, &sts.url).args(["-t", "123456", "--write-profile", bad]),
            "",
        );
        assert!(!out.status.success() && out.stdout.is_empty(), "{bad:?}");
    }
}

/// `--unset --forget` removes the sections mfa-env wrote from that profile (`--all`: from any),
/// never one it did not write, and every other byte of the file stays.
#[test]
fn forget_removes_the_sessions_it_wrote() {
    let sts = FakeSts::start(vec![Reply::fixed(), Reply::fixed()]);
    let home = Home::new();
    let original = format!(
        "# my keys\r\n[default]\r\naws_access_key_id = {LONG_TERM_ID}\r\naws_secret_access_key = {LONG_TERM_SECRET}\r\n\r\n\
         [work]\r\naws_access_key_id = AKIAWORK000000000001\r\naws_secret_access_key = WORKSECRET\r\n\
         [mine]\r\naws_access_key_id = ASIAMINE\r\naws_secret_access_key = MINE\r\naws_session_token = MINETOKEN\r\n"
    );
    home.credentials(&original);
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile work]\nmfa_serial = GAHT00000001\n"
    ));
    for (profile, name) in [("default", "mfa-session"), ("work", "work-session")] {
        assert_succeeds(&run(
            mfa_at(&home, &sts.url).args([
                "-s",
                "none",
                "-t",
                "123456",
                "-p",
                profile,
                "--write-profile",
                name,
            ]),
            "",
        ));
    }
    let read = || std::fs::read_to_string(creds_path(&home)).unwrap();
    assert!(read().contains("[work-session]") && read().contains("[mfa-session]"));
    let out = run(home.mfa().args(["--unset", "--forget", "-s", "bash"]), "");
    assert!(
        stdout(&out)
            .starts_with("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(&format!(
            "mfa-env: removed [mfa-session] from {}: the session(s) mfa-env wrote there\n",
            creds_path(&home).display()
        )),
        "{}",
        stderr(&out)
    );
    let after = read();
    assert!(!after.contains("[mfa-session]"), "{after}");
    assert!(
        after.contains("[work-session]"),
        "another profile's stays: {after}"
    );
    assert!(after.starts_with(&original), "{after}");
    let out = run(
        home.mfa()
            .args(["--unset", "--forget", "--all", "-s", "bash"]),
        "",
    );
    assert_succeeds(&out);
    assert!(
        stderr(&out).contains("removed [work-session] from "),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(), original, "every other byte stays");
    // Nothing of ours left: the file is not even rewritten.
    let before = std::fs::metadata(creds_path(&home))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run(
        home.mfa()
            .args(["--unset", "--forget", "--all", "-s", "bash"]),
        "",
    );
    assert!(!stderr(&out).contains("removed ["), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(creds_path(&home))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
}
