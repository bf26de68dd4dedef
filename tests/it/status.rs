//! `mfa-env status`: what this shell holds and what the cache holds; `--short` as a prompt
//! segment, in the README's prompts.

use crate::support::*;

/// The README code block whose first line starts with `first_line`, without its fences.
fn readme_block(first_line: &str) -> String {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let start = readme
        .find(&format!("\n{first_line}"))
        .expect("README has the block")
        + 1;
    let end = start + readme[start..].find("\n```").unwrap();
    readme[start..end].to_owned()
}

#[test]
fn status_judges_against_the_window_asked() {
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_000),
    )]);
    let home = Home::with_default_profile();
    let out = run(
        mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
    let status = |window: &str| {
        run(
            mfa_at(&home, &sts.url).args(["status", "--min-remaining", window]),
            "",
        )
    };
    let out = status("13h");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("less than the --min-remaining 13h0m asked"),
        "{}",
        stderr(&out)
    );
    assert_eq!(status("11h").status.code(), Some(0));
}

/// `status --short`: a prompt segment from the session in the environment (after an apply, or
/// inside exec), else from the cache; nothing and exit 1 without one.
#[test]
fn status_short_is_a_prompt_segment() {
    if !require("bash") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(3 * 3600 + 12 * 60 + 30),
    )]);
    let home = Home::with_default_profile();
    // What this shell holds, never a session that is only cached: a fresh shell and one right
    // after `--unset` show nothing, though the cache has a valid session all along.
    let script = "mfa-env status --short; echo \"before=$?\"\n\
                  eval \"$(mfa-env -t 123456)\"\n\
                  mfa-env status --short\n\
                  mfa-env status --short --min-remaining 1m\n\
                  mfa-env status --short --min-remaining 4h; echo \"window=$?\"\n\
                  mfa-env exec -- mfa-env status --short\n\
                  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_CREDENTIAL_EXPIRATION -u MFA_ENV_PROFILE mfa-env status --short; echo \"fresh=$?\"\n\
                  eval \"$(mfa-env --unset)\"\n\
                  mfa-env status --short; echo \"unset=$?\"\n\
                  mfa-env status --short -p nope; echo \"nope=$?\"\n";
    let out = run(
        with_bin_on_path(home.command("bash").args(["--norc", "-s"]))
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        script,
    );
    assert_eq!(
        assert_succeeds(&out),
        "before=1\ndefault 3h12m\ndefault 3h12m\nwindow=1\ndefault 3h12m\nfresh=1\nunset=1\nnope=1\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stderr(&out),
        "",
        "a prompt segment never writes to the prompt"
    );
    assert_eq!(home.cached_sessions().len(), 1, "the session stayed cached");
}

/// The README's prompt examples, expanded by bash and zsh as prompts: the segment shows, a
/// profile name is shown as it is (no `$(...)`, `\u` or `%` interpreted), and without a
/// session the prompt is untouched.
#[test]
fn readme_prompt_examples_work() {
    let home = Home::new();
    let name = r"x$(echo pwned)\u%d";
    let expiration = iso_in(2 * 3600 + 5 * 60 + 30);
    for (shell, args, block, expand) in [
        (
            "bash",
            &["--norc", "-s"][..],
            "# ~/.bashrc",
            "printf '%s\\n' \"${PS1@P}\"",
        ),
        (
            "zsh",
            &["--no-rcs", "-s"][..],
            "# ~/.zshrc (zsh",
            "print -rP -- \"$PROMPT\"",
        ),
    ] {
        if !require(shell) {
            continue;
        }
        let script = format!(
            "PS1='$ '; PROMPT='$ '\n{}\n{expand}\n\
             export MFA_ENV_PROFILE='{name}' AWS_CREDENTIAL_EXPIRATION={expiration} AWS_ACCESS_KEY_ID=ASIAX AWS_SECRET_ACCESS_KEY=s AWS_SESSION_TOKEN=t\n{expand}\n",
            readme_block(block)
        );
        let out = run(with_bin_on_path(home.command(shell).args(args)), &script);
        assert_eq!(
            assert_succeeds(&out),
            format!("$ \n[{name} 2h5m] $ \n"),
            "{shell}: {}",
            stderr(&out)
        );
    }
}

/// `--min-remaining` judges the session this shell holds; it does not choose a profile (it
/// once made `--short` look in the cache, where this session is not).
#[test]
fn status_short_min_remaining_judges_the_shell_s_session() {
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(3 * 3600 + 12 * 60 + 30),
    )]);
    let home = Home::with_default_profile();
    let applied = assert_succeeds(&run(
        mfa_at(&home, &sts.url).args(["--no-cache", "-t", "123456", "-s", "bash"]),
        "",
    ));
    assert!(home.cached_sessions().is_empty());
    let status = |args: &[&str]| {
        let mut cmd = home.mfa();
        for line in applied.lines().filter_map(|l| l.strip_prefix("export ")) {
            let (name, value) = line.split_once('=').unwrap();
            cmd.env(name, value.trim_matches('\''));
        }
        run(cmd.args(["status", "--short"]).args(args), "")
    };
    assert_eq!(
        assert_succeeds(&status(&["--min-remaining", "1m"])),
        "default 3h12m\n"
    );
    let out = status(&["--min-remaining", "4h"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
}

#[test]
fn status_reports_and_exits_accordingly() {
    let sts = FakeSts::start(vec![session_lasting(43_200 + 30)]);
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
        text.starts_with("this shell: no session\ndefault: 12h0m left, expires ")
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
        lines[0].starts_with("this shell: the session of 'default', 12h0m left, expires "),
        "{text}"
    );
    assert!(lines[1].starts_with("default: 12h0m left"), "{text}");

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
