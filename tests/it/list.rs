//! Knowing where you stand: `mfa-env list`, completions in the real shells (profile names
//! from `list --names`), and `status --short` as a prompt segment.

use crate::support::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every kind of profile, in both files or one, with names that are hard to handle, and the
/// key material that must never be shown.
fn fixture() -> (Home, Vec<&'static str>) {
    let home = Home::new();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n\
         [profile work.eu]\nmfa_serial = GAHT00000001\nregion = eu-west-1\n\
         [profile \"admin role\"]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = work.eu\nmfa_serial = GAHT00000001\n\
         [profile orphan]\nrole_arn = arn:aws:iam::123456789012:role/o\nsource_profile = gone\n\
         [profile tool]\ncredential_process = get-keys --secret-flag PROCESSSECRET\n\
         [profile sso]\nsso_start_url = https://example.awsapps.com/start\n\
         [profile ünïcode]\nmfa_serial = GAHT00000002\n\
         [profile config-only]\nregion = us-west-2\n"
    ));
    home.credentials(
        "[default]\naws_access_key_id = AKIADEFAULTKEYID0001\naws_secret_access_key = DEFAULTSECRET\n\
         [work.eu]\naws_access_key_id = AKIAWORKKEYID0000001\naws_secret_access_key = WORKSECRET\n\
         [ünïcode]\naws_access_key_id = AKIAUNICODEKEYID0001\naws_secret_access_key = UNICODESECRET\n\
         [half]\naws_access_key_id = AKIAHALFKEYID0000001\n\
         [written]\naws_access_key_id = ASIAWRITTENKEYID0001\naws_secret_access_key = WRITTENSECRET\naws_session_token = WRITTENTOKEN\nmfa_env_source_profile = default\n",
    );
    let secrets = vec![
        "AKIADEFAULTKEYID0001",
        "DEFAULTSECRET",
        "AKIAWORKKEYID0000001",
        "WORKSECRET",
        "AKIAUNICODEKEYID0001",
        "UNICODESECRET",
        "AKIAHALFKEYID0000001",
        "ASIAWRITTENKEYID0001",
        "WRITTENSECRET",
        "WRITTENTOKEN",
        "PROCESSSECRET",
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
    ];
    (home, secrets)
}

#[test]
fn list_shows_every_profile_and_no_secret() {
    let (home, secrets) = fixture();
    // A valid cached session for work.eu, and an expired one for the default profile.
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_200 - 90),
    )]);
    for profile in ["work.eu", "default"] {
        assert_succeeds(&run(
            mfa_at(&home, &sts.url).args(["-s", "none", "-t", "123456", "-p", profile]),
            "",
        ));
    }
    for path in home.cached_sessions() {
        let mut entry: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if entry["scope"]["profile"] == "default" {
            entry["credentials"]["expiration"] = serde_json::json!(1_000_000_000);
            std::fs::write(&path, entry.to_string()).unwrap();
        }
    }
    let list = |args: &[&str]| assert_succeeds(&run(home.mfa().arg("list").args(args), ""));
    let table = list(&[]);
    assert_eq!(
        table,
        "\
PROFILE      KIND     MFA DEVICE                            SOURCE   SESSION  NOTE
default      keys     arn:aws:iam::123456789012:mfa/tester  -        expired
work.eu      keys     GAHT00000001                          -        11h 58m
admin role   role     GAHT00000001                          work.eu  -
orphan       role     -                                     gone     -        source_profile 'gone' is not a profile
tool         process  -                                     -        -
sso          sso      -                                     -        -        SSO cannot make an MFA session
ünïcode      keys     GAHT00000002                          -        -
config-only  other    -                                     -        -        no keys
half         keys     -                                     -        -        keys missing aws_secret_access_key
written      keys     -                                     -        -        a session mfa-env wrote from 'default'
"
    );
    assert_eq!(
        list(&["--names"]),
        "default\nwork.eu\nadmin role\norphan\ntool\nsso\nünïcode\nconfig-only\nhalf\nwritten\n"
    );
    let json: serde_json::Value = serde_json::from_str(&list(&["--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 10);
    assert_eq!(
        json[2],
        serde_json::json!({
            "profile": "admin role",
            "kind": "role",
            "mfa_device": "GAHT00000001",
            "source_profile": "work.eu",
            "session": null,
            "problem": null
        })
    );
    assert_eq!(json[0]["session"], "expired");
    for output in [table, list(&["--names"]), list(&["--json"])] {
        for secret in &secrets {
            assert!(!output.contains(secret), "{secret} shown");
        }
    }
    // No network: an endpoint that would be contacted is a closed port.
    let out = run(
        home.mfa()
            .arg("list")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        "",
    );
    assert_succeeds(&out);
    let out = run(home.mfa().args(["list", "--names", "--json"]), "");
    assert_eq!(out.status.code(), Some(2));
    // No profiles at all: a hint for the person, nothing for scripts.
    let empty = Home::new();
    let out = run(empty.mfa().arg("list"), "");
    assert_eq!(assert_succeeds(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "mfa-env: no profiles in {0}.aws/config or {0}.aws/credentials: run `aws configure` to create one\n",
            empty.file("").display()
        )
    );
    assert_eq!(
        assert_succeeds(&run(empty.mfa().args(["list", "--json"]), "")),
        "[]\n"
    );
}

fn bin_dir() -> String {
    std::path::Path::new(BIN)
        .parent()
        .unwrap()
        .display()
        .to_string()
}

fn with_bin_on_path(cmd: &mut std::process::Command) -> &mut std::process::Command {
    let path = format!("{}:{}", bin_dir(), std::env::var("PATH").unwrap());
    cmd.env("PATH", path)
}

#[test]
fn bash_completes_flags_subcommands_and_profile_names() {
    if !require("bash") {
        return;
    }
    let (home, _) = fixture();
    let script = "eval \"$(mfa-env completions bash)\"\n\
                  complete -p mfa-env\n\
                  complete_at() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _mfa_env; printf '%s|' \"${COMPREPLY[@]}\"; echo; }\n\
                  complete_at mfa-env --prof\n\
                  complete_at mfa-env st\n\
                  complete_at mfa-env --shell pw\n\
                  complete_at mfa-env init f\n\
                  complete_at mfa-env --profile ''\n\
                  complete_at mfa-env --profile ad\n\
                  complete_at mfa-env exec -- ls --prof\n\
                  complete_at mfa-env -p wo\n\
                  complete_at mfa-env --write-profile wr\n\
                  complete_at mfa-env --shell bash -p ü\n";
    let out = run(
        with_bin_on_path(home.command("bash").args(["--norc", "-s"])),
        script,
    );
    assert_eq!(
        assert_succeeds(&out),
        "complete -F _mfa_env mfa-env\n\
         --profile|\n\
         status|\n\
         pwsh|\n\
         fish|\n\
         default|work.eu|admin\\ role|orphan|tool|sso|ünïcode|config-only|half|written|\n\
         admin\\ role|\n\
         |\n\
         work.eu|\n\
         written|\n\
         ünïcode|\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn fish_completes_flags_and_profile_names() {
    if !require("fish") {
        return;
    }
    let (home, _) = fixture();
    let script = "mfa-env completions fish | source\n\
                  complete -C 'mfa-env --prof'\n\
                  echo ---\n\
                  complete -C 'mfa-env --profile ad'\n\
                  echo ---\n\
                  complete -C 'mfa-env --shell pw'\n\
                  echo ---\n\
                  complete -C 'mfa-env comp'\n\
                  echo ---\n\
                  complete -C 'mfa-env exec -- ls --prof'\n";
    let out = run(
        with_bin_on_path(home.command("fish").arg("--no-config")),
        script,
    );
    let text = assert_succeeds(&out);
    let sections: Vec<Vec<&str>> = text
        .split("---\n")
        .map(|s| s.lines().map(|l| l.split('\t').next().unwrap()).collect())
        .collect();
    assert_eq!(sections[0], ["--profile"], "{text}");
    assert_eq!(sections[1], ["admin role"], "{text}");
    assert_eq!(sections[2], ["pwsh"], "{text}");
    assert_eq!(sections[3], ["completions"], "{text}");
    assert!(
        sections[4].is_empty(),
        "after exec -- the words are the command's: {text}"
    );
}

#[test]
fn zsh_completes_flags_and_profile_names() {
    if !require("zsh") {
        return;
    }
    let (home, _) = fixture();
    // compadd captured: the words the completion would offer, one per line.
    let script = "eval \"$(mfa-env completions zsh)\"\n\
                  compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -rl -- \"$@\"; }\n\
                  words=(mfa-env --prof); CURRENT=2; PREFIX=--prof; _mfa-env | grep -x -- --profile\n\
                  words=(mfa-env --profile ''); CURRENT=3; PREFIX=''; _mfa-env | grep -x 'admin role'\n\
                  words=(mfa-env init ''); CURRENT=3; PREFIX=''; _mfa-env | grep -x powershell\n";
    let out = run(
        with_bin_on_path(home.command("zsh").args(["--no-rcs", "-s"])),
        script,
    );
    assert_eq!(
        assert_succeeds(&out),
        "--profile\nadmin role\npowershell\n",
        "{}",
        stderr(&out)
    );
}

/// PowerShell cannot run here: its script is pinned as text (and run where pwsh exists).
#[test]
fn powershell_completion_golden() {
    let out = run(Home::new().mfa().args(["completions", "powershell"]), "");
    let text = assert_succeeds(&out);
    let template = std::fs::read_to_string(format!("{ROOT}/shell/completion.ps1")).unwrap();
    let flags = "--shell -s --profile -p --serial-number --token-code -t --totp-secret-env --token-command --prompt --duration-seconds -d --region --role-arn --role-session-name --external-id --write-profile --overwrite-long-term --min-remaining --force --no-cache --unset --forget --all --cmd --server --short --names --json --help -h --version -V";
    let expected = template
        .replace("@SUBCOMMANDS@", "init status exec list completions")
        .replace("@FLAGS@", flags)
        .replace(
            "@SHELLS@",
            "bash zsh sh dash ash ksh mksh fish powershell pwsh cmd json github dotenv none",
        )
        .replace("@INIT_SHELLS@", "bash zsh fish powershell pwsh cmd")
        .replace("@COMPLETION_SHELLS@", "bash zsh fish powershell pwsh")
        .replace("@PROMPTS@", "terminal gui none")
        .replace("@PWSH_QUOTES@", r"'[''\u2018\u2019\u201A\u201B]'");
    assert_eq!(text, expected);
    // The same rule as `--shell powershell`: each quote PowerShell ends a string at is doubled.
    assert!(
        text.contains(r#"{ "'" + ($_ -replace '[''\u2018\u2019\u201A\u201B]', '$0$0') + "'" }"#),
        "{text}"
    );
    if on_path("pwsh") {
        let (home, _) = fixture();
        let script = format!(
            "{text}\n\
             foreach ($line in 'mfa-env --prof', 'mfa-env --profile ad', 'mfa-env -s pw') {{\n\
             (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join '|'\n\
             }}\n"
        );
        std::fs::write(home.file("c.ps1"), script).unwrap();
        let out = run(
            with_bin_on_path(home.command("pwsh").args([
                "-NoProfile",
                "-NonInteractive",
                "-File",
                "c.ps1",
            ])),
            "",
        );
        assert_eq!(assert_succeeds(&out), "--profile\n'admin role'\npwsh\n");
    } else {
        eprintln!(
            "SKIPPED: pwsh is not installed; the PowerShell completion is pinned as text only"
        );
    }
}

#[test]
fn completion_scripts_pass_their_linters() {
    if require("shellcheck") {
        let out = run(
            std::process::Command::new("shellcheck").args([
                "-s",
                "bash",
                &format!("{ROOT}/shell/completion.bash"),
            ]),
            "",
        );
        assert!(out.status.success(), "{}", stdout(&out));
        let home = Home::new();
        let rendered = assert_succeeds(&run(home.mfa().args(["completions", "bash"]), ""));
        std::fs::write(home.file("c.bash"), rendered).unwrap();
        let out = run(
            home.command("shellcheck").args(["-s", "bash", "c.bash"]),
            "",
        );
        assert!(out.status.success(), "{}", stdout(&out));
    }
    if require("fish") && require("fish_indent") {
        let path = format!("{ROOT}/shell/completion.fish");
        assert_succeeds(&run(
            std::process::Command::new("fish").args(["--no-config", "--no-execute", &path]),
            "",
        ));
        let out = run(
            std::process::Command::new("fish_indent").args(["--check", &path]),
            "",
        );
        assert!(out.status.success(), "fish_indent would change {path}");
    }
    if require("zsh") {
        let path = format!("{ROOT}/shell/completion.zsh");
        assert_succeeds(&run(
            std::process::Command::new("zsh").args(["--no-rcs", "-n", &path]),
            "",
        ));
    }
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

/// Profile names that would retitle, clear or reorder a terminal: escaped in the table and in
/// JSON (which still decodes to the names), left out of `--names` (and so of completions).
#[test]
fn hostile_names_are_escaped_everywhere() {
    let home = Home::new();
    home.config(
        "[profile \"title\x1b]0;pwned\x07\"]\nregion = x\n[profile \"clear\x1b[2J\"]\nregion = x\n[profile rtl\u{202e}txt.exe]\nregion = x\n[profile plain]\nregion = x\n",
    );
    let list = |args: &[&str]| assert_succeeds(&run(home.mfa().arg("list").args(args), ""));
    assert_eq!(list(&["--names"]), "plain\n");
    let table = list(&[]);
    assert!(!table.contains(['\x1b', '\x07', '\u{202e}']), "{table:?}");
    for shown in [
        r"title\x1b]0;pwned\x07",
        r"clear\x1b[2J",
        r"rtl\u{202e}txt.exe",
    ] {
        assert!(table.contains(shown), "{shown} in {table}");
    }
    let json = list(&["--json"]);
    assert!(!json.contains(['\x1b', '\x07', '\u{202e}']), "{json:?}");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["profile"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "title\x1b]0;pwned\x07",
            "clear\x1b[2J",
            "rtl\u{202e}txt.exe",
            "plain"
        ]
    );
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
