//! `--write-profile`: the session in a named section of the shared credentials file, every
//! other byte of the file kept.

use crate::support::*;

use std::os::unix::fs::PermissionsExt;

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
