//! Completion scripts in the real shells: flags, subcommands and profile names, and their linters.

use crate::support::*;

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
        .replace("@SUBCOMMANDS@", "init status exec list completions help")
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
