//! `--write-profile`: the session in a named section of the shared credentials file, every
//! other byte of the file kept.

#![cfg(unix)]

mod common;
use common::*;

use mfa_env::profiles::{self, FileKind, Profiles};
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
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "--shell none prints nothing");
    assert_eq!(
        std::fs::read_to_string(creds_path(&home)).unwrap(),
        format!(
            "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
             [mfa]\naws_access_key_id = {FIXED_ID}\naws_secret_access_key = {FIXED_SECRET}\n\
             aws_session_token = {FIXED_TOKEN}\nexpiration = {FIXED_EXPIRATION}\n"
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
            assert!(out.status.success(), "{}", stderr(&out));
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
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(creds_path(&home)).unwrap(),
        format!(
            "; my keys\r\n[default]\r\naws_access_key_id={LONG_TERM_ID}\r\naws_secret_access_key  =  {LONG_TERM_SECRET}\r\n\r\n\
             [mfa]   # written by mfa-env\r\nregion = eu-west-1\r\naws_session_token = {FIXED_TOKEN}\r\nAWS_Access_Key_Id = {FIXED_ID}\r\n\
             aws_secret_access_key = {FIXED_SECRET}\r\nexpiration = {FIXED_EXPIRATION}\r\n\r\n\
             # trailing comment\r\n[other]\r\nkey=value"
        )
    );
    assert_eq!(
        std::fs::metadata(creds_path(&home))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640,
        "mode kept"
    );
    let leftovers: Vec<_> = std::fs::read_dir(home.file(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");
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
    assert!(out.status.success(), "{}", stderr(&out));
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
    assert!(out.status.success(), "{}", stderr(&out));
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
        "would overwrite the profile whose long-term keys sign the call",
    );
    assert_eq!(std::fs::read_to_string(creds_path(&home)).unwrap(), keys);
    assert_eq!(sts.count(), 0, "refused before the code is spent");

    let out = write_profile(&home, &sts, &["--overwrite-long-term"]);
    assert!(out.status.success(), "{}", stderr(&out));
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

// ---------------------------------------------------------------------------------------------
// Property: over generated files, only our keys in our section change.

/// Credentials files in every shape the AWS parsers accept.
trait CredentialsFiles {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str;
    fn chance(&mut self, percent: u64) -> bool;
    fn file(&mut self) -> String;
}

impl CredentialsFiles for Gen {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn file(&mut self) -> String {
        let eol = if self.chance(30) { "\r\n" } else { "\n" };
        let mut lines = Vec::new();
        for _ in 0..self.next() % 6 {
            if self.chance(30) {
                lines.push(
                    self.pick(&["# comment", "; another", "#[mfa]", "", "   "])
                        .to_owned(),
                );
            }
            let name = self.pick(&["default", "mfa", "other", "mfa2", "MFA"]);
            let header = self
                .pick(&["[{}]", "[ {} ]", "[{}] # note", "[{}]   ; x"])
                .replace("{}", name);
            lines.push(header);
            for _ in 0..self.next() % 5 {
                let key = self.pick(&[
                    "aws_session_token",
                    "aws_access_key_id",
                    "AWS_Secret_Access_Key",
                    "expiration",
                    "region",
                    "output",
                    "x_security_token_expires",
                ]);
                let sep = self.pick(&["=", " = ", "  =", "=  ", "\t=\t"]);
                let value = self.pick(&[
                    "v",
                    "with spaces",
                    "a=b",
                    "x # not a comment?",
                    "",
                    "AKIA+/=",
                ]);
                lines.push(format!("{key}{sep}{value}"));
                if self.chance(10) {
                    lines.push(self.pick(&["  continued", "\tmore = nested"]).to_owned());
                }
                if self.chance(15) {
                    lines.push(self.pick(&["", "# inside", "; inside"]).to_owned());
                }
            }
        }
        let mut text = lines.join(eol);
        if !text.is_empty() && self.chance(70) {
            text.push_str(eol);
        }
        text
    }
}

const OURS: &[(&str, &str)] = &[
    ("aws_access_key_id", "NEWID"),
    ("aws_secret_access_key", "NEW/SECRET+"),
    ("aws_session_token", "NEWTOKEN=="),
    ("expiration", "2099-01-01T00:00:00Z"),
];

/// Lines as (content, line ending), without the ones that hold our keys in `[mfa]`.
fn others(text: &str) -> Vec<(String, String)> {
    let mut kept = Vec::new();
    let mut in_target = false;
    let mut dropping = false;
    for raw in text.split_inclusive('\n') {
        let content = raw.trim_end_matches(['\n', '\r']);
        let ending = raw[content.len()..].to_owned();
        if content.starts_with('[') {
            let name = content
                .split(['#', ';'])
                .next()
                .unwrap()
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim();
            in_target = name == "mfa";
            dropping = false;
        } else if content.starts_with([' ', '\t']) && !content.trim().is_empty() {
            if dropping {
                continue;
            }
        } else if let Some((key, _)) = content.split_once('=') {
            dropping = in_target
                && !content.starts_with(['#', ';'])
                && OURS.iter().any(|(k, _)| k.eq_ignore_ascii_case(key.trim()));
            if dropping {
                continue;
            }
        } else {
            dropping = false;
        }
        kept.push((content.to_owned(), ending));
    }
    kept
}

#[test]
fn only_our_keys_change_in_generated_files() {
    let mut generator = Gen::seeded(0xC0FFEE);
    for case in 0..2000 {
        let text = generator.file();
        let Ok(out) = profiles::set_section(&text, "mfa", OURS) else {
            assert!(
                Profiles::default()
                    .merge(&text, FileKind::Credentials)
                    .is_err(),
                "refused a valid file: {text:?}"
            );
            continue;
        };
        // What the SDKs read: our values in [mfa], every other profile and key as it was.
        let (mut before, mut after) = (Profiles::default(), Profiles::default());
        before.merge(&text, FileKind::Credentials).unwrap();
        after
            .merge(&out, FileKind::Credentials)
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{text:?}\n{out:?}"));
        for name in before.names() {
            if name != "mfa" {
                assert_eq!(
                    after.get(name),
                    before.get(name),
                    "case {case}: [{name}] changed\n{text:?}\n{out:?}"
                );
            }
        }
        let mfa = after.get("mfa").unwrap();
        for (key, value) in OURS {
            assert_eq!(
                mfa.get(*key).map(String::as_str),
                Some(*value),
                "case {case}\n{text:?}\n{out:?}"
            );
        }
        for (key, value) in before.get("mfa").into_iter().flatten() {
            if !OURS.iter().any(|(k, _)| k == key) {
                assert_eq!(mfa.get(key), Some(value), "case {case}: {key} lost");
            }
        }
        // Byte for byte: every line that is not ours is still there, in order, ending included
        // (the last one may gain a line ending when our lines follow it).
        let (old, mut new) = (others(&text), others(&out));
        if before.get("mfa").is_none() {
            // An appended section: a blank line (when the file was not empty) and the header.
            let header = new
                .iter()
                .rposition(|(c, _)| c == "[mfa]")
                .unwrap_or_else(|| panic!("{out:?}"));
            new.remove(header);
            if !text.is_empty() {
                assert_eq!(new.remove(header - 1).0, "", "case {case}");
            }
        }
        assert_eq!(new.len(), old.len(), "case {case}\n{text:?}\n{out:?}");
        for (i, (a, b)) in old.iter().zip(&new).enumerate() {
            assert_eq!(a.0, b.0, "case {case}, line {i}\n{text:?}\n{out:?}");
            let last = i + 1 == old.len();
            assert!(
                a.1 == b.1 || (last && a.1.is_empty()),
                "case {case}, ending of line {i}\n{text:?}\n{out:?}"
            );
        }
        let eol_ending = |t: &str| t.is_empty() || t.ends_with('\n');
        assert_eq!(
            eol_ending(&out),
            eol_ending(&text),
            "case {case}: final newline kept (or kept missing)\n{text:?}\n{out:?}"
        );
        let crlf = text.starts_with(|_: char| true)
            && text
                .split_inclusive('\n')
                .next()
                .is_some_and(|l| l.ends_with("\r\n"));
        if crlf {
            assert!(
                !out.replace("\r\n", "").contains('\n'),
                "case {case}: CRLF file gets CRLF lines\n{out:?}"
            );
        }
    }
}
