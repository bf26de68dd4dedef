//! Completion scripts in the real shells: flags, subcommands and profile names, and their linters.

use crate::support::*;

/// `complete_at WORD...` runs the bash completion as bash would for those words, the last being
/// the one under the cursor, and prints what it offers.
const BASH_COMPLETE_AT: &str = "complete_at() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _mfa_env 2>/dev/null; printf '%s|' \"${COMPREPLY[@]}\"; echo; }\n";

#[test]
fn bash_completes_flags_subcommands_and_profile_names() {
    if !require("bash") {
        return;
    }
    let (home, _) = fixture();
    let script = format!(
        "eval \"$(mfa-env completions bash)\"\n\
         complete -p mfa-env\n\
         {BASH_COMPLETE_AT}\
         complete_at mfa-env --prof\n\
         complete_at mfa-env st\n\
         complete_at mfa-env --shell pw\n\
         complete_at mfa-env init f\n\
         complete_at mfa-env --profile ''\n\
         complete_at mfa-env --profile ad\n\
         complete_at mfa-env -p wo\n\
         complete_at mfa-env add ad\n\
         complete_at mfa-env remove wo\n\
         complete_at mfa-env add --\n\
         complete_at mfa-env --write-profile wr\n\
         complete_at mfa-env --shell bash -p ü\n"
    );
    let out = run(
        with_bin_on_path(home.command("bash").args(["--norc", "-s"])),
        &script,
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
         work.eu|\n\
         admin\\ role|\n\
         work.eu|\n\
         --from-credentials|--help|\n\
         written|\n\
         ünïcode|\n",
        "{}",
        stderr(&out)
    );
}

/// After a mode's word, only the flags that mode takes; after exec's command, the command's
/// words: commands, then files, even without the bash-completion package's helpers.
#[test]
fn bash_completes_each_mode_s_flags_and_exec_s_command_on_its_own() {
    if !require("bash") {
        return;
    }
    let (home, _) = fixture();
    std::fs::write(home.file("notes.txt"), "").unwrap();
    let script = format!(
        "eval \"$(mfa-env completions bash)\"\n\
         declare -F _command_offset || echo 'no helpers'\n\
         {BASH_COMPLETE_AT}\
         complete_at mfa-env status --\n\
         complete_at mfa-env list --\n\
         complete_at mfa-env init --\n\
         complete_at mfa-env completions --\n\
         complete_at mfa-env exec --se\n\
         complete_at mfa-env --unset --\n\
         complete_at mfa-env --shell fish --unset --fo\n\
         complete_at mfa-env --no\n\
         complete_at mfa-env exec -- mfa-en\n\
         complete_at mfa-env exec -- cat no\n\
         complete_at mfa-env exec --profile work.eu cat no\n\
         complete_at mfa-env exec -- ls --prof\n\
         complete_at mfa-env -p work.eu exec --for\n"
    );
    let out = run(
        with_bin_on_path(home.command("bash").args(["--norc", "-s"])),
        &script,
    );
    assert_eq!(
        assert_succeeds(&out),
        "no helpers\n\
         --profile|--serial-number|--duration-seconds|--region|--role-arn|--external-id|--min-remaining|--short|--help|\n\
         --names|--json|--help|\n\
         --cmd|--help|\n\
         --help|\n\
         --serial-number|--server|\n\
         --shell|--profile|--unset|--forget|--all|--help|\n\
         --forget|\n\
         --no-cache|\n\
         mfa-env|\n\
         notes.txt|\n\
         notes.txt|\n\
         |\n\
         --force|\n",
        "{}",
        stderr(&out)
    );
}

/// bash-completion's helpers, where CI installs them.
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

fn require_bash_completion() -> bool {
    let found = std::path::Path::new(BASH_COMPLETION).exists();
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "bash-completion is required under CI=true (see .ci/run)"
        );
        eprintln!("SKIPPED: bash-completion is not installed");
    }
    found
}

/// With the bash-completion package loaded, exec's command gets its own completion.
#[test]
fn bash_hands_exec_s_command_to_its_own_completion() {
    if !require("bash") || !require("git") || !require_bash_completion() {
        return;
    }
    let (home, _) = fixture();
    let script = format!(
        ". {BASH_COMPLETION}\n\
         eval \"$(mfa-env completions bash)\"\n\
         {BASH_COMPLETE_AT}\
         complete_at mfa-env exec -- git stas\n\
         complete_at mfa-env exec --profile work.eu git stas\n\
         complete_at mfa-env status --sh\n"
    );
    let out = run(
        with_bin_on_path(home.command("bash").args(["--norc", "-s"])),
        &script,
    );
    assert_eq!(
        assert_succeeds(&out),
        "stash |\nstash |\n--short|\n",
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
    std::fs::write(home.file("notes.txt"), "").unwrap();
    // Not --no-config: that also turns off fish's own completions, which exec's command uses.
    let script = "mfa-env completions fish | source\n\
                  complete -C 'mfa-env --prof'\n\
                  echo ---\n\
                  complete -C 'mfa-env --profile ad'\n\
                  echo ---\n\
                  complete -C 'mfa-env --shell pw'\n\
                  echo ---\n\
                  complete -C 'mfa-env comp'\n\
                  echo ---\n\
                  complete -C 'mfa-env list --'\n\
                  echo ---\n\
                  complete -C 'mfa-env --unset --'\n\
                  echo ---\n\
                  complete -C 'mfa-env exec --se'\n\
                  echo ---\n\
                  complete -C 'mfa-env exec -- ls --prof'\n\
                  echo ---\n\
                  complete -C 'mfa-env exec -- git stas'\n\
                  echo ---\n\
                  complete -C 'mfa-env exec -p work.eu cat no'\n\
                  echo ---\n\
                  complete -C 'mfa-env remove ad'\n";
    let out = run(with_bin_on_path(&mut home.command("fish")), script);
    let text = assert_succeeds(&out);
    let sections: Vec<Vec<&str>> = text
        .split("---\n")
        .map(|s| s.lines().map(|l| l.split('\t').next().unwrap()).collect())
        .collect();
    assert_eq!(sections[0], ["--profile"], "{text}");
    assert_eq!(sections[1], ["admin role"], "{text}");
    assert_eq!(sections[2], ["pwsh"], "{text}");
    assert_eq!(sections[3], ["completions"], "{text}");
    assert_eq!(sections[4], ["--help", "--json", "--names"], "{text}");
    assert_eq!(
        sections[5],
        [
            "--all",
            "--forget",
            "--help",
            "--profile",
            "--shell",
            "--unset"
        ],
        "{text}"
    );
    assert_eq!(sections[6], ["--serial-number", "--server"], "{text}");
    assert!(
        sections[7].is_empty(),
        "after exec -- the words are the command's: {text}"
    );
    assert_eq!(sections[8], ["stash"], "{text}");
    assert_eq!(sections[9], ["notes.txt"], "{text}");
    assert_eq!(sections[10], ["admin role"], "{text}");
    // Each flag with what it does, from the table --help prints.
    assert!(
        text.contains("--json\twith list: a JSON array of the same fields\n"),
        "{text}"
    );
}

#[test]
fn zsh_completes_flags_and_profile_names() {
    if !require("zsh") {
        return;
    }
    let (home, _) = fixture();
    // compadd and _describe captured: the words the completion would offer, one per line.
    let script = "eval \"$(mfa-env completions zsh)\"\n\
                  compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -rl -- \"$@\"; }\n\
                  _describe() { print -rl -- ${(P)4}; }\n\
                  words=(mfa-env --prof); CURRENT=2; PREFIX=--prof; _mfa-env | grep -x -- '--profile:long-term profile'\n\
                  words=(mfa-env --profile ''); CURRENT=3; PREFIX=''; _mfa-env | grep -x 'admin role'\n\
                  words=(mfa-env init ''); CURRENT=3; PREFIX=''; _mfa-env | grep -x powershell\n\
                  words=(mfa-env list --); CURRENT=3; PREFIX=--; _mfa-env\n";
    let out = run(
        with_bin_on_path(home.command("zsh").args(["--no-rcs", "-s"])),
        script,
    );
    assert_eq!(
        assert_succeeds(&out),
        "--profile:long-term profile\nadmin role\npowershell\n\
         --names:with list: only the profile names, one per line\n\
         --json:with list: a JSON array of the same fields\n\
         --help:this text\n-h:this text\n",
        "{}",
        stderr(&out)
    );
}

/// Tab in a real bash with bash-completion: the mode's flags, and git's own words after exec.
#[test]
fn bash_at_a_terminal_completes_the_mode_and_the_command() {
    if !require("bash") || !require("git") || !require_bash_completion() {
        return;
    }
    let (home, _) = fixture();
    let Some(term) = terminal(&home, "bash", &["--norc", "--noprofile", "-i"]) else {
        return;
    };
    term.keys(&[
        &format!(". {BASH_COMPLETION}; eval \"$(mfa-env completions bash)\"; echo loaded"),
        "Enter",
    ]);
    term.wait_for("\nloaded").unwrap_or_else(|s| panic!("{s}"));
    term.keys(&["mfa-env exec -- git stas", "Tab"]);
    term.wait_for("$ mfa-env exec -- git stash")
        .unwrap_or_else(|s| panic!("{s}"));
    term.keys(&["C-u", "mfa-env status --sh", "Tab"]);
    term.wait_for("$ mfa-env status --short")
        .unwrap_or_else(|s| panic!("{s}"));
}

/// Tab in a real zsh with compinit: each flag with its description, git's words after exec.
#[test]
fn zsh_at_a_terminal_describes_each_flag_and_completes_the_command() {
    if !require("zsh") || !require("git") {
        return;
    }
    let (home, _) = fixture();
    let Some(term) = terminal(&home, "zsh", &["-f", "-i"]) else {
        return;
    };
    term.keys(&[
        "autoload -Uz compinit && compinit -u -D && eval \"$(mfa-env completions zsh)\" && echo loaded",
        "Enter",
    ]);
    term.wait_for("\nloaded").unwrap_or_else(|s| panic!("{s}"));
    term.keys(&["mfa-env list --", "Tab"]);
    let screen = term
        .wait_for("a JSON array of the same fields")
        .unwrap_or_else(|s| panic!("{s}"));
    assert!(
        screen.contains("only the profile names, one per line"),
        "{screen}"
    );
    assert!(!screen.contains("--force"), "only list's flags: {screen}");
    term.keys(&["C-u", "C-l"]);
    term.keys(&["mfa-env exec -- git stas", "Tab"]);
    term.wait_for("mfa-env exec -- git stash")
        .unwrap_or_else(|s| panic!("{s}"));
    term.keys(&["C-u", "C-l"]);
    term.keys(&["mfa-env --profile ad", "Tab"]);
    term.wait_for("mfa-env --profile admin\\ role")
        .unwrap_or_else(|s| panic!("{s}"));
}

/// Tab in a real fish: git's own words after exec's command.
#[test]
fn fish_at_a_terminal_completes_the_command() {
    if !require("fish") || !require("git") {
        return;
    }
    let (home, _) = fixture();
    let Some(term) = terminal(
        &home,
        "fish",
        &[
            "-i",
            "-C",
            "set -g fish_greeting; function fish_prompt; echo '$ '; end",
        ],
    ) else {
        return;
    };
    term.keys(&["mfa-env completions fish | source; echo loaded", "Enter"]);
    term.wait_for("\nloaded").unwrap_or_else(|s| panic!("{s}"));
    term.keys(&["mfa-env exec -- git stas", "Tab"]);
    term.wait_for("$ mfa-env exec -- git stash")
        .unwrap_or_else(|s| panic!("{s}"));
}

/// PowerShell cannot run here: its script is pinned as text (and run where pwsh exists).
#[test]
fn powershell_completion_golden() {
    let out = run(Home::new().mfa().args(["completions", "powershell"]), "");
    let text = assert_succeeds(&out);
    let template = std::fs::read_to_string(format!("{ROOT}/shell/completion.ps1")).unwrap();
    let valued = "--shell -s --profile -p --serial-number --token-code -t --totp-secret-env --token-command --prompt --duration-seconds -d --region --role-arn --role-session-name --external-id --write-profile --min-remaining --cmd";
    let modes = "                'export' { '--shell -s --profile -p --serial-number --token-code -t --totp-secret-env --token-command --prompt --duration-seconds -d --region --role-arn --role-session-name --external-id --write-profile --overwrite-long-term --output-credentials --min-remaining --force --no-cache --unset --help -h --version -V' -split ' ' }\n\
                 \x20               'unset' { '--shell -s --profile -p --unset --forget --all --help -h' -split ' ' }\n\
                 \x20               'init' { '--cmd --help -h' -split ' ' }\n\
                 \x20               'status' { '--profile -p --serial-number --duration-seconds -d --region --role-arn --external-id --min-remaining --short --help -h' -split ' ' }\n\
                 \x20               'exec' { '--profile -p --serial-number --token-code -t --totp-secret-env --token-command --prompt --duration-seconds -d --region --role-arn --role-session-name --external-id --min-remaining --force --no-cache --server --help -h' -split ' ' }\n\
                 \x20               'list' { '--names --json --help -h' -split ' ' }\n\
                 \x20               'add' { '--from-credentials --help -h' -split ' ' }\n\
                 \x20               'remove' { '--help -h' -split ' ' }\n\
                 \x20               'rotate' { '--serial-number --token-code -t --totp-secret-env --token-command --prompt --region --force --no-cache --help -h' -split ' ' }\n\
                 \x20               'login' { '--profile -p --serial-number --token-code -t --totp-secret-env --token-command --prompt --duration-seconds -d --region --role-arn --role-session-name --external-id --force --no-cache --open --help -h' -split ' ' }\n\
                 \x20               'completions' { '--help -h' -split ' ' }\n\
                 \x20               'help' { '--help -h' -split ' ' }\n";
    let placeholder = "                # @MODE_FLAGS@ (each mode's flags, filled in by mfa-env)\n";
    assert!(template.contains(placeholder));
    let expected = template
        .replace(placeholder, modes)
        .replace(
            "@SUBCOMMANDS@",
            "init status exec list add remove rotate login completions help",
        )
        .replace("@VALUED@", valued)
        .replace(
            "@SHELLS@",
            "bash zsh sh dash ash yash posh ksh mksh fish powershell pwsh cmd tcsh csh elvish xonsh nu nushell json github dotenv none",
        )
        .replace(
            "@INIT_SHELLS@",
            "bash zsh sh dash ash yash posh ksh mksh fish powershell pwsh cmd tcsh csh elvish xonsh nu nushell",
        )
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
             foreach ($line in 'mfa-env --prof', 'mfa-env --profile ad', 'mfa-env -s pw', 'mfa-env list --j') {{\n\
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
        assert_eq!(
            assert_succeeds(&out),
            "--profile\n'admin role'\npwsh\n--json\n"
        );
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
