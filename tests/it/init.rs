//! `mfa-env init`: the snippets in `shell/`, and the `mfa` function they define, run in the
//! real shells.

use crate::support::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn init(args: &[&str]) -> String {
    let out = run(Home::new().mfa().arg("init").args(args), "");
    assert_succeeds(&out);
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

fn file(name: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/shell/{name}")).unwrap()
}

#[test]
fn init_prints_the_files_with_this_binary_filled_in() {
    let posix = sh_quote(BIN);
    let fish = fish_quote(BIN);
    let pwsh = pwsh_quote(BIN);
    let cases = [
        (
            "bash",
            "mfa-env.bash",
            "mfa-env --shell",
            format!("{posix} --shell"),
        ),
        (
            "zsh",
            "mfa-env.zsh",
            "mfa-env --shell",
            format!("{posix} --shell"),
        ),
        (
            "fish",
            "mfa-env.fish",
            "mfa-env --shell",
            format!("{fish} --shell"),
        ),
        (
            "powershell",
            "mfa-env.ps1",
            "mfa-env --shell",
            format!("{pwsh} --shell"),
        ),
        (
            "cmd",
            "mfa-env.cmd",
            "\"mfa-env\" --shell",
            format!("\"{BIN}\" --shell"),
        ),
    ];
    let json = serde_json::Value::from(BIN).to_string();
    let more = [
        (
            "sh",
            "mfa-env.sh",
            "mfa-env --shell",
            format!("{posix} --shell"),
        ),
        (
            "ksh",
            "mfa-env.sh",
            "mfa-env --shell",
            format!("{posix} --shell"),
        ),
        (
            "tcsh",
            "mfa-env.csh",
            "mfa-env --shell",
            format!("{BIN} --shell"),
        ),
        (
            "csh",
            "mfa-env.csh",
            "mfa-env --shell",
            format!("{BIN} --shell"),
        ),
        (
            "elvish",
            "mfa-env.elv",
            "(mfa-env --shell",
            format!("({posix} --shell"),
        ),
        (
            "xonsh",
            "mfa-env.xsh",
            "\"mfa-env\", \"--shell",
            format!("{json}, \"--shell"),
        ),
        (
            "nu",
            "mfa-env.nu",
            "^mfa-env --shell",
            format!("^{json} --shell"),
        ),
    ];
    for (shell, name, marker, filled) in cases.into_iter().chain(more) {
        let expected = file(name).replacen(marker, &filled, 1);
        assert_eq!(init(&[shell]), expected, "{shell}");
    }
    assert_eq!(init(&["pwsh"]), init(&["powershell"]));
    assert_eq!(init(&["nushell"]), init(&["nu"]));
    for alias in ["dash", "ash", "yash", "posh"] {
        assert_eq!(init(&[alias]), init(&["sh"]), "{alias}");
    }
}

#[test]
fn cmd_renames_the_function() {
    assert!(init(&["bash", "--cmd", "aws_mfa"]).contains("\naws_mfa() {\n"));
    assert!(init(&["zsh", "--cmd", "aws-mfa"]).contains("\naws-mfa() {\n"));
    assert!(init(&["fish", "--cmd", "aws-mfa"]).contains("\nfunction aws-mfa --description"));
    assert!(init(&["powershell", "--cmd", "Get-Mfa"]).contains("\nfunction Get-Mfa {\n"));
    assert!(init(&["cmd", "--cmd", "awsmfa"]).contains("Save it as awsmfa.cmd"));
    for bad in ["1mfa", "-mfa", "mfa;id", "$(id)", "a b", "ä", ""] {
        let out = run(Home::new().mfa().args(["init", "bash", "--cmd", bad]), "");
        assert_fails(&out, "is not a function name");
        assert_eq!(out.status.code(), Some(2));
    }
}

#[test]
fn snippets_pass_their_linters() {
    if require("shellcheck") {
        let path = format!("{ROOT}/shell/mfa-env.sh");
        let out = run(
            std::process::Command::new("shellcheck").args(["-s", "sh", &path]),
            "",
        );
        assert!(out.status.success(), "{}", stdout(&out));
        let path = format!("{ROOT}/shell/mfa-env.bash");
        let out = run(
            std::process::Command::new("shellcheck").args(["-s", "bash", &path]),
            "",
        );
        assert!(out.status.success(), "{}", stdout(&out));
        let home = Home::new();
        std::fs::write(home.file("init.bash"), init(&["bash"])).unwrap();
        let out = run(
            home.command("shellcheck").args(["-s", "bash", "init.bash"]),
            "",
        );
        assert!(out.status.success(), "{}", stdout(&out));
    }
    if require("fish") && require("fish_indent") {
        let path = format!("{ROOT}/shell/mfa-env.fish");
        let out = run(
            std::process::Command::new("fish").args(["--no-config", "--no-execute", &path]),
            "",
        );
        assert_succeeds(&out);
        let out = run(
            std::process::Command::new("fish_indent").args(["--check", &path]),
            "",
        );
        assert!(out.status.success(), "fish_indent would change {path}");
    }
    if require("zsh") {
        let out = run(
            std::process::Command::new("zsh").args([
                "--no-rcs",
                "-n",
                &format!("{ROOT}/shell/mfa-env.zsh"),
            ]),
            "",
        );
        assert_succeeds(&out);
    }
}

/// The POSIX shells beyond bash and zsh, each loading `init sh ARGS` (ksh: `init ksh`):
/// (program, flags, script that loads the snippet).
fn posix_named(args: &str) -> Vec<(&'static str, Vec<&'static str>, String)> {
    let posix = sh_quote(BIN);
    POSIX_SHELLS
        .iter()
        .filter(|(program, _)| !["bash", "zsh"].contains(program))
        .map(|(program, flags)| {
            let name = if program.contains("ksh") { "ksh" } else { "sh" };
            (
                *program,
                flags.to_vec(),
                format!("eval \"$({posix} init {name}{args})\"\n"),
            )
        })
        .collect()
}

/// (program, flags, script that loads the snippet, script that lists variable and function names)
fn shells() -> Vec<(&'static str, Vec<&'static str>, String, &'static str)> {
    shells_named("")
}

/// The shells, each with the line that loads its snippet made with `init SHELL ARGS`.
fn shells_named(args: &str) -> Vec<(&'static str, Vec<&'static str>, String, &'static str)> {
    let posix = sh_quote(BIN);
    let fish = fish_quote(BIN);
    vec![
        (
            "bash",
            vec!["--norc", "--noprofile", "-euo", "pipefail", "-s"],
            format!("eval \"$({posix} init bash{args})\"\n"),
            "compgen -v | sort > vars.txt\n{ compgen -A function || true; } > functions.txt\n",
        ),
        (
            "zsh",
            vec!["--no-rcs", "-eu", "-s"],
            format!("eval \"$({posix} init zsh{args})\"\n"),
            "print -l ${(k)parameters} | sort > vars.txt\nprint -l ${(k)functions} > functions.txt\n",
        ),
        (
            "fish",
            vec!["--no-config"],
            format!("{fish} init fish{args} | source\n"),
            "set -n | sort > vars.txt\nfunctions -n > functions.txt; true\n",
        ),
    ]
}

#[test]
fn loading_a_snippet_prints_nothing_and_defines_only_the_function() {
    for (program, flags, load, list) in shells() {
        if !require(program) {
            continue;
        }
        let home = Home::new();
        let listing = |with_snippet: bool| {
            // `true` stands in for the loading command: bash sets PIPESTATUS after the first one.
            let script = if with_snippet {
                format!("{load}{list}")
            } else {
                format!("true\n{list}")
            };
            let out = run(home.command(program).args(&flags), &script);
            assert!(out.status.success(), "{program}: {}", stderr(&out));
            assert_eq!(
                (stdout(&out).as_str(), stderr(&out).as_str()),
                ("", ""),
                "{program} printed something"
            );
            let read = |f: &str| std::fs::read_to_string(home.file(f)).unwrap();
            (read("vars.txt"), read("functions.txt"))
        };
        let (vars_before, functions_before) = listing(false);
        let (vars_after, functions_after) = listing(true);
        assert_eq!(
            vars_after, vars_before,
            "{program}: the snippet left variables behind"
        );
        let names = |text: &str| {
            text.split(['\n', ','])
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
        };
        let before = names(&functions_before);
        let mut added: Vec<String> = names(&functions_after)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        added.sort_unstable();
        assert_eq!(added, ["mfa"], "{program}");
    }
}

/// `mfa` sets the variables for child processes, `mfa --unset` clears them, and a failed run
/// leaves the environment exactly as it was and returns mfa-env's status.
#[test]
fn the_function_sets_clears_and_fails_cleanly() {
    the_function_named("mfa", "");
}

/// The same, with the function renamed by `init SHELL --cmd NAME`.
#[test]
fn a_renamed_function_sets_clears_and_fails_cleanly() {
    the_function_named("aws-mfa", " --cmd aws-mfa");
    the_function_named("aws_mfa", " --cmd aws_mfa");
    // dash, posh and ksh take no `-` in a function name: refused, not a broken snippet.
    let out = run(
        Home::new().mfa().args(["init", "sh", "--cmd", "aws-mfa"]),
        "",
    );
    assert_fails(&out, "not a function name in POSIX shells");
}

fn the_function_named(mfa: &str, args: &str) {
    let Some(moto) = moto() else { return };
    let deny = FakeSts::start(vec![Reply::error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    )]);
    // POSIX shells other than bash and zsh take no `-` in a function name (tested apart).
    let posix = posix_named(args).into_iter().filter(|_| !mfa.contains('-'));
    let every = shells_named(args)
        .into_iter()
        .map(|(program, flags, load, _)| (program, flags, load))
        .chain(posix);
    for (program, flags, load) in every {
        if !require(program) {
            continue;
        }
        let home = Home::with_default_profile();
        let script = if program == "fish" {
            format!(
                "{load}{mfa} --token-code 123456 --no-cache\nenv -0 > set.env\n{mfa} --unset\nenv -0 > unset.env\n\
                 set -gx AWS_ACCESS_KEY_ID previous\nset -gx AWS_ENDPOINT_URL_STS $DENY\n\
                 {mfa} --token-code 123456 --no-cache\necho $status > status.txt\n\
                 {mfa} --token-code 12345\necho $status >> status.txt\nenv -0 > failed.env\n"
            )
        } else {
            format!(
                "{load}{mfa} --token-code 123456 --no-cache\nenv -0 > set.env\n{mfa} --unset\nenv -0 > unset.env\n\
                 export AWS_ACCESS_KEY_ID=previous\nexport AWS_ENDPOINT_URL_STS=\"$DENY\"\n\
                 rc=0; {mfa} --token-code 123456 --no-cache || rc=$?\necho \"$rc\" > status.txt\n\
                 rc=0; {mfa} --token-code 12345 || rc=$?\necho \"$rc\" >> status.txt\nenv -0 > failed.env\n"
            )
        };
        let out = run(
            home.command(program)
                .args(&flags)
                .env("AWS_ENDPOINT_URL_STS", &moto.url)
                .env("DENY", &deny.url),
            &script,
        );
        assert!(out.status.success(), "{program}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{program}");
        let env = |f: &str| parse_env0(&std::fs::read(home.file(f)).unwrap());
        let set = env("set.env");
        assert!(set["AWS_SESSION_TOKEN"].len() > 100, "{program}");
        assert!(set.contains_key("AWS_CREDENTIAL_EXPIRATION"), "{program}");
        assert!(
            VARS.iter().all(|v| !env("unset.env").contains_key(*v)),
            "{program}"
        );
        let failed = env("failed.env");
        assert_eq!(
            failed.get("AWS_ACCESS_KEY_ID").map(String::as_str),
            Some("previous"),
            "{program}"
        );
        assert!(
            !failed.contains_key("AWS_SESSION_TOKEN"),
            "{program}: a failed run must not half-apply"
        );
        assert_eq!(
            std::fs::read_to_string(home.file("status.txt")).unwrap(),
            "1\n2\n",
            "{program}: mfa-env's status"
        );
        assert!(
            stderr(&out).contains("rejected the MFA code"),
            "{program}: {}",
            stderr(&out)
        );
    }
}

/// `mfa` again reuses the cached session (no code, no call); `mfa --force` gets a new one.
#[test]
fn the_function_reuses_the_session_and_force_renews_it() {
    let every = shells()
        .into_iter()
        .map(|(program, flags, load, _)| (program, flags, load))
        .chain(posix_named(""));
    for (program, flags, load) in every {
        if !require(program) {
            continue;
        }
        let sts = FakeSts::start(vec![
            Reply::creds(
                "ASIAFIRST0000000001",
                "FIRSTSECRET",
                "FIRSTTOKEN",
                &expires_in(7200),
            ),
            Reply::creds(
                "ASIASECOND000000001",
                "SECONDSECRET",
                "SECONDTOKEN",
                &expires_in(7200),
            ),
        ]);
        let home = Home::with_default_profile();
        let token = if program == "fish" {
            "echo $AWS_SESSION_TOKEN"
        } else {
            "echo \"$AWS_SESSION_TOKEN\""
        };
        let script = format!(
            "{load}mfa --token-code 111111\n{token} > tokens.txt\nmfa --unset\n\
             mfa\n{token} >> tokens.txt\nmfa --force --token-code 222222\n{token} >> tokens.txt\n"
        );
        let out = run(
            home.command(program)
                .args(&flags)
                .env("AWS_ENDPOINT_URL_STS", &sts.url),
            &script,
        );
        assert!(out.status.success(), "{program}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(home.file("tokens.txt")).unwrap(),
            "FIRSTTOKEN\nFIRSTTOKEN\nSECONDTOKEN\n",
            "{program}: {}",
            stderr(&out)
        );
        let codes: Vec<_> = sts
            .requests()
            .iter()
            .map(|r| r.param("TokenCode").unwrap().to_owned())
            .collect();
        assert_eq!(codes, ["111111", "222222"], "{program}");
    }
}

/// PowerShell cannot be installed on the build machine; where `pwsh` exists, run it for real.
#[test]
fn powershell_function_when_pwsh_is_installed() {
    let Some(moto) = moto() else { return };
    if !on_path("pwsh") {
        eprintln!("SKIPPED: pwsh is not installed (the PowerShell text is pinned by golden tests)");
        return;
    }
    let home = Home::with_default_profile();
    let bin = pwsh_quote(BIN);
    let script = format!(
        "Set-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n\
         Invoke-Expression (& {bin} init powershell | Out-String)\n\
         mfa --token-code 123456 --no-cache\n\
         [IO.File]::WriteAllText('set.txt', $Env:AWS_SESSION_TOKEN)\n\
         mfa --unset\n\
         [IO.File]::WriteAllText('unset.txt', [string]($null -eq $Env:AWS_SESSION_TOKEN))\n\
         & {bin} --shell powershell --unset | Out-String | Invoke-Expression\n"
    );
    std::fs::write(home.file("t.ps1"), script).unwrap();
    let out = run(
        home.command("pwsh")
            .args(["-NoProfile", "-NonInteractive", "-File", "t.ps1"])
            .env("AWS_ENDPOINT_URL_STS", &moto.url),
        "",
    );
    assert_succeeds(&out);
    assert!(std::fs::read_to_string(home.file("set.txt")).unwrap().len() > 100);
    assert_eq!(
        std::fs::read_to_string(home.file("unset.txt")).unwrap(),
        "True"
    );
}
