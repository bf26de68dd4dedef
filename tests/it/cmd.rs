//! cmd, under Wine: the `set` lines evaluated in a batch file and read back, and the `mfa.cmd`
//! snippet run against a stand-in `mfa-env.bat` (Wine cannot start a Linux mfa-env).

use crate::support::*;
use crate::wine::*;

#[test]
fn set_lines_round_trip_or_are_refused() {
    let home = Home::with_default_profile();
    std::fs::create_dir_all(home.file("temp")).unwrap();
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let out = run(
        mfa_at(&home, &sts.url).args(["--shell", "cmd", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
    let exports = stdout(&out);
    let out = run(home.mfa().args(["--shell", "cmd", "--unset"]), "");
    let unsets = stdout(&out);

    let mut lines = vec!["@echo off".to_owned()];
    lines.extend(exports.lines().map(str::to_owned));
    let mut accepted = Vec::new();
    for (i, value) in ADVERSARIAL.iter().enumerate() {
        match set_line("cmd", &format!("V{i}"), value) {
            Some(line) => {
                lines.push(line.trim_end().to_owned());
                accepted.push((format!("V{i}"), value.to_string()));
            }
            None => assert!(
                value.is_empty()
                    || value
                        .chars()
                        .any(|c| !c.is_ascii() || c.is_control() || "\"%!^&|<>".contains(c)),
                "cmd refused {value:?}"
            ),
        }
    }
    lines.extend([">set.txt set AWS_", ">values.txt set V"].map(str::to_owned));
    lines.extend(unsets.lines().map(str::to_owned));
    lines.push(">unset.txt set".to_owned());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    write_batch(&home.file("t.bat"), &lines);

    let Some(out) = wine_cmd(&home.path, "t.bat", &[]) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |f: &str| {
        parse_set(&String::from_utf8_lossy(
            &std::fs::read(home.file(f)).unwrap(),
        ))
    };
    let set = read("set.txt");
    assert_eq!(set["AWS_ACCESS_KEY_ID"], FIXED_ID);
    assert_eq!(set["AWS_SECRET_ACCESS_KEY"], FIXED_SECRET);
    assert_eq!(set["AWS_SESSION_TOKEN"], FIXED_TOKEN);
    assert_eq!(
        set["AWS_CREDENTIAL_EXPIRATION"],
        "2099-01-02T03:04:05+00:00"
    );
    let values = read("values.txt");
    for (name, value) in &accepted {
        if value.is_empty() {
            assert!(!values.contains_key(name), "set \"V=\" clears");
        } else {
            assert_eq!(values.get(name), Some(value), "cmd changed {value:?}");
        }
    }
    let after = read("unset.txt");
    assert!(VARS.iter().all(|v| !after.contains_key(*v)), "{after:?}");
    assert!(!home.file("pwned").exists());
}

/// A stand-in for mfa-env: prints fixed `set` lines, or nothing and exit code 3 for `fail`.
fn stand_in(home: &Home) -> String {
    write_batch(
        &home.file("mfa-env.bat"),
        &[
            "@echo off",
            "if \"%3\"==\"fail\" exit /b 3",
            "echo set \"AWS_ACCESS_KEY_ID=ASIASTANDIN\"",
            "echo set \"AWS_SECRET_ACCESS_KEY=stand/in+secret=\"",
            "echo set \"AWS_SESSION_TOKEN=stand  in token\"",
            "exit /b 0",
        ],
    );
    let snippet = run(Home::new().mfa().args(["init", "cmd"]), "");
    let snippet = stdout(&snippet);
    let pointed = snippet.replacen(
        &format!("\"{BIN}\""),
        &format!("\"{}\"", windows_path(&home.file("mfa-env.bat"))),
        1,
    );
    assert_ne!(pointed, snippet, "the snippet names this binary");
    std::fs::write(home.file("mfa.cmd"), &pointed).unwrap();
    pointed
}

#[test]
fn the_cmd_snippet_sets_variables_in_the_callers_session() {
    let home = Home::new();
    std::fs::create_dir_all(home.file("temp")).unwrap();
    let snippet = stand_in(&home);
    assert!(
        snippet.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "CRLF line endings"
    );
    write_batch(
        &home.file("driver.bat"),
        &[
            "@echo off",
            "set \"AWS_ACCESS_KEY_ID=previous\"",
            ">before.txt set",
            "call mfa.cmd",
            "echo status=%errorlevel%",
            ">after.txt set",
        ],
    );
    let Some(out) = wine_cmd(&home.path, "driver.bat", &[]) else {
        return;
    };
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "status=0",
        "nothing else is printed"
    );
    let read = |f: &str| {
        parse_set(&String::from_utf8_lossy(
            &std::fs::read(home.file(f)).unwrap(),
        ))
    };
    let (before, after) = (read("before.txt"), read("after.txt"));
    assert_eq!(after["AWS_ACCESS_KEY_ID"], "ASIASTANDIN");
    assert_eq!(after["AWS_SECRET_ACCESS_KEY"], "stand/in+secret=");
    assert_eq!(after["AWS_SESSION_TOKEN"], "stand  in token");
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| !k.starts_with("AWS_") && before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "helper variables left behind: {changed:?}"
    );
    let temp: Vec<_> = std::fs::read_dir(home.file("temp")).unwrap().collect();
    assert!(
        temp.is_empty(),
        "no temporary file may hold the credentials"
    );
}

#[test]
fn the_cmd_snippet_passes_on_the_exit_code_and_sets_nothing() {
    let home = Home::new();
    std::fs::create_dir_all(home.file("temp")).unwrap();
    stand_in(&home);
    // Wine loses the code of a `call`ed batch file, so the snippet runs as the top-level batch.
    let Some(out) = wine_cmd(&home.path, "mfa.cmd", &["fail"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let Some(out) = wine_cmd(&home.path, "mfa.cmd", &[]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "echo stays off: no credentials on the screen"
    );
}
