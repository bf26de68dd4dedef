//! The shells beyond the first five (tcsh, csh, elvish, xonsh, nushell), each in the real
//! program: the documented apply line round-trips the session, `--unset` gives the profile
//! back, the shell is detected from the parent process, hostile values round-trip or are
//! refused, and `init`'s `mfa` sets, clears and fails cleanly.

use crate::support::*;

use std::collections::HashMap;

/// One shell: how to run a script file in it, and the few lines the tests need in its syntax.
struct Sh {
    /// The name `--shell` and `init` take.
    name: &'static str,
    program: &'static str,
    /// Before the script's path.
    flags: &'static [&'static str],
    ext: &'static str,
    /// The documented line that applies `mfa-env ARGS` (the binary quoted for the shell).
    apply: fn(&str) -> String,
    /// Writes the environment, NUL-separated, to the file named.
    dump: fn(&str) -> String,
    /// Runs `mfa ARGS` (as `init` defines it) and appends its exit status to status.txt.
    mfa: fn(&str) -> String,
}

fn csh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''").replace('!', r"\!"))
}

fn json(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

const TCSH: Sh = Sh {
    name: "tcsh",
    program: "tcsh",
    flags: &["-f"],
    ext: "csh",
    apply: |args| format!("eval \"`{} {args}`\"\n", csh_quote(BIN)),
    dump: |file| format!("env -0 > {file}\n"),
    mfa: |args| format!("mfa {args}\necho $status >> status.txt\n"),
};

const CSH: Sh = Sh {
    name: "csh",
    program: "csh",
    ..TCSH
};

const ELVISH: Sh = Sh {
    name: "elvish",
    program: "elvish",
    flags: &["-norc"],
    ext: "elv",
    apply: |args| format!("eval ({} {args} | slurp)\n", sh_quote(BIN)),
    dump: |file| format!("env -0 > {file}\n"),
    mfa: |args| {
        format!(
            "try {{ mfa {args}; echo 0 >> status.txt }} catch e {{ echo $e[reason][exit-status] >> status.txt }}\n"
        )
    },
};

const XONSH: Sh = Sh {
    name: "xonsh",
    program: "xonsh",
    flags: &["--no-rc"],
    ext: "xsh",
    apply: |args| format!("execx($({} {args}))\n", json(BIN)),
    dump: |file| format!("env -0 > {file}\n"),
    mfa: |args| {
        format!(
            "run = ![mfa {args}]\n__import__('os').system(f'echo {{run.returncode}} >> status.txt')\n"
        )
    },
};

const NU: Sh = Sh {
    name: "nu",
    program: "nu",
    flags: &["--no-config-file"],
    ext: "nu",
    apply: |args| format!("^{} {args} | from json | load-env\n", json(BIN)),
    dump: |file| format!("^sh -c 'env -0 > {file}'\n"),
    mfa: |args| {
        format!(
            "try {{ mfa {args}; \"0\\n\" | save -a status.txt }} catch {{|e| $\"($e.exit_code)\\n\" | save -a status.txt }}\n"
        )
    },
};

const SHELLS: [&Sh; 5] = [&TCSH, &CSH, &ELVISH, &XONSH, &NU];

impl Sh {
    /// Runs `script` from a file in `home`, with `env` added to the clean environment.
    fn run(&self, home: &Home, script: &str, env: &[(&str, &str)]) -> std::process::Output {
        let path = home.file(&format!("script.{}", self.ext));
        std::fs::write(&path, script).unwrap();
        let mut cmd = home.command(self.program);
        cmd.args(self.flags).arg(&path).envs(env.iter().copied());
        run(&mut cmd, "")
    }
}

fn read_env(home: &Home, file: &str) -> HashMap<String, String> {
    parse_env0(&std::fs::read(home.file(file)).unwrap())
}

/// The documented line, with no --shell: detected from the parent, the session reaches a
/// child exactly as the cache holds it, and `--unset` removes it and gives the profile back.
#[test]
fn each_shell_sets_and_clears_against_moto() {
    let Some(moto) = moto() else { return };
    for sh in SHELLS {
        if !require(sh.program) {
            continue;
        }
        let home = Home::with_default_profile();
        let script = [
            (sh.apply)("--token-code 123456"),
            (sh.dump)("set.env"),
            (sh.apply)("--unset"),
            (sh.dump)("unset.env"),
        ]
        .concat();
        let out = sh.run(
            &home,
            &script,
            &[
                ("AWS_ENDPOINT_URL_STS", &moto.url),
                ("AWS_PROFILE", "default"),
                ("AWS_DEFAULT_PROFILE", "other"),
                ("SHELL", "/bin/bash"),
            ],
        );
        assert!(out.status.success(), "{}: {}", sh.name, stderr(&out));
        assert_eq!(stderr(&out), "", "{}", sh.name);
        assert_eq!(stdout(&out), "", "{}", sh.name);
        // The session the cache holds, as the credential_process document shows it.
        let cached = assert_succeeds(&run(
            home.mfa()
                .args(["--shell", "json"])
                .env("AWS_ENDPOINT_URL_STS", &moto.url),
            "",
        ));
        let cached: serde_json::Value = serde_json::from_str(&cached).unwrap();
        let set = read_env(&home, "set.env");
        for (var, field) in [
            ("AWS_ACCESS_KEY_ID", "AccessKeyId"),
            ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
            ("AWS_SESSION_TOKEN", "SessionToken"),
        ] {
            assert_eq!(
                set.get(var).map(String::as_str),
                cached[field].as_str(),
                "{}: {var}",
                sh.name
            );
        }
        assert!(set.contains_key("AWS_CREDENTIAL_EXPIRATION"), "{}", sh.name);
        assert_eq!(set["MFA_ENV_RESTORE_PROFILE"], "default", "{}", sh.name);
        assert_eq!(
            set["MFA_ENV_RESTORE_DEFAULT_PROFILE"], "other",
            "{}",
            sh.name
        );
        assert!(
            !set.contains_key("AWS_PROFILE") && !set.contains_key("AWS_DEFAULT_PROFILE"),
            "{}",
            sh.name
        );
        let unset = read_env(&home, "unset.env");
        assert!(
            VARS.iter().all(|v| !unset.contains_key(*v)),
            "{}: {unset:?}",
            sh.name
        );
        assert!(
            unset
                .keys()
                .all(|k| !k.starts_with("MFA_ENV_") || k.starts_with("MFA_ENV_TEST_")),
            "{}: {unset:?}",
            sh.name
        );
        assert_eq!(unset["AWS_PROFILE"], "default", "{}", sh.name);
        assert_eq!(unset["AWS_DEFAULT_PROFILE"], "other", "{}", sh.name);
    }
}

/// What `--unset` prints when each shell runs mfa-env, whatever `$SHELL` says.
#[test]
fn each_shell_is_detected_from_the_parent() {
    let first_line = |sh: &Sh, program: &str, flags: &[&str]| {
        let home = Home::new();
        // The printed text itself: mfa-env run by the shell, into a file.
        let script = match sh.name {
            "tcsh" | "csh" => format!("{} --unset > out.txt\n", csh_quote(BIN)),
            "elvish" => format!("{} --unset > out.txt\n", sh_quote(BIN)),
            "xonsh" => format!("{} --unset > out.txt\n", json(BIN)),
            _ => format!("^{} --unset | save -f out.txt\n", json(BIN)),
        };
        std::fs::write(home.file("script"), script).unwrap();
        let out = run(
            home.command(program)
                .args(flags)
                .arg("script")
                .env("SHELL", "/bin/bash"),
            "",
        );
        assert!(out.status.success(), "{program}: {}", stderr(&out));
        let text = std::fs::read_to_string(home.file("out.txt")).unwrap();
        text.lines().next().unwrap_or_default().to_owned()
    };
    let expected = [
        ("tcsh", "unsetenv AWS_ACCESS_KEY_ID;"),
        ("csh", "unsetenv AWS_ACCESS_KEY_ID;"),
        ("elvish", "unset-env AWS_ACCESS_KEY_ID"),
        ("xonsh", "${...}.pop(\"AWS_ACCESS_KEY_ID\", None)"),
        ("nu", "{"),
    ];
    for sh in SHELLS {
        if require(sh.program) {
            let want = expected.iter().find(|(n, _)| *n == sh.name).unwrap().1;
            assert_eq!(first_line(sh, sh.program, sh.flags), want, "{}", sh.name);
        }
    }
    // xonsh as `python3 -m xonsh`: the parent shows as python3, and XONSH_VERSION says which.
    let python = "/usr/bin/python3";
    if require("xonsh") && std::path::Path::new(python).exists() {
        assert_eq!(
            first_line(&XONSH, python, &["-m", "xonsh", "--no-rc"]),
            "${...}.pop(\"AWS_ACCESS_KEY_ID\", None)"
        );
    }
}

/// Adversarial and generated values, each set the documented way in the real shell and read
/// back by a child: byte for byte, or refused (for a control character only); nothing runs.
#[test]
fn each_shell_s_quoting_round_trips_or_refuses() {
    for sh in SHELLS {
        if require(sh.program) {
            check_values(sh, "C.UTF-8");
        }
    }
    if require("tcsh") {
        check_values(&TCSH, "C");
    }
}

fn check_values(sh: &Sh, locale: &str) {
    let mut lines = Vec::new();
    let mut accepted = Vec::new();
    for (i, value) in shell_values().iter().enumerate() {
        match set_line(sh.name, &format!("V{i}"), value) {
            Some(line) => {
                lines.push(line);
                accepted.push((format!("V{i}"), value.clone()));
            }
            // tcsh and csh hold ASCII only: outside a UTF-8 locale tcsh rewrites the rest.
            None => assert!(
                value.is_empty()
                    || value.chars().any(char::is_control)
                    || (sh.ext == "csh" && !value.is_ascii()),
                "{} refused {value:?}",
                sh.name
            ),
        }
    }
    let home = Home::new();
    let script = if sh.name == "nu" {
        // Members of the record `--unset` prints, put together into one.
        let members: Vec<&str> = lines
            .iter()
            .map(|l| l.trim_end().trim_end_matches(','))
            .collect();
        std::fs::write(
            home.file("values.json"),
            format!("{{\n{}\n}}\n", members.join(",\n")),
        )
        .unwrap();
        "open --raw values.json | from json | load-env\n".to_owned()
    } else {
        std::fs::write(home.file("values.txt"), lines.concat()).unwrap();
        match sh.name {
            "tcsh" | "csh" => "eval \"`cat values.txt`\"\n".to_owned(),
            "elvish" => "eval (cat values.txt | slurp)\n".to_owned(),
            _ => "execx($(cat values.txt))\n".to_owned(),
        }
    };
    let out = sh.run(
        &home,
        &format!("{script}{}", (sh.dump)("values.env")),
        &[("LC_ALL", locale)],
    );
    assert!(
        out.status.success(),
        "{} ({locale}): {}",
        sh.name,
        stderr(&out)
    );
    assert_eq!(stderr(&out), "", "{} ({locale})", sh.name);
    let env = read_env(&home, "values.env");
    for (name, value) in &accepted {
        assert_eq!(
            env.get(name),
            Some(value),
            "{} ({locale}) changed {value:?}",
            sh.name
        );
    }
    assert!(!home.file("pwned").exists(), "{} executed a value", sh.name);
}

/// `init`'s `mfa` in each shell: sets the session for children, `--unset` clears it, a refused
/// code or a bad flag leaves the environment as it was and fails.
#[test]
fn each_shell_s_mfa_sets_clears_and_fails_cleanly() {
    let Some(moto) = moto() else { return };
    let deny = FakeSts::start(vec![Reply::error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    )]);
    for sh in [&TCSH, &CSH, &XONSH, &NU] {
        if !require(sh.program) {
            continue;
        }
        let home = Home::with_default_profile();
        let init = assert_succeeds(&run(home.mfa().args(["init", sh.name]), ""));
        std::fs::write(home.file(&format!("init.{}", sh.ext)), &init).unwrap();
        let load = match sh.name {
            "tcsh" | "csh" => "source init.csh\n".to_owned(),
            "xonsh" => {
                "execx(open('init.xsh').read(), 'exec', __xonsh__.ctx, filename='mfa-env')\n"
                    .to_owned()
            }
            _ => "source init.nu\n".to_owned(),
        };
        let redirect = |var: &str| match sh.name {
            "tcsh" | "csh" => format!("setenv {var} \"$DENY\"\n"),
            "xonsh" => format!("${var} = $DENY\n"),
            _ => format!("$env.{var} = $env.DENY\n"),
        };
        let previous = match sh.name {
            "tcsh" | "csh" => "setenv AWS_ACCESS_KEY_ID previous\n",
            "xonsh" => "$AWS_ACCESS_KEY_ID = 'previous'\n",
            _ => "$env.AWS_ACCESS_KEY_ID = 'previous'\n",
        };
        let script = [
            load,
            (sh.mfa)("--token-code 123456 --no-cache"),
            (sh.dump)("set.env"),
            (sh.mfa)("--unset"),
            (sh.dump)("unset.env"),
            previous.to_owned(),
            redirect("AWS_ENDPOINT_URL_STS"),
            (sh.mfa)("--token-code 123456 --no-cache"),
            (sh.mfa)("--token-code 12345"),
            (sh.dump)("failed.env"),
        ]
        .concat();
        let out = sh.run(
            &home,
            &script,
            &[("AWS_ENDPOINT_URL_STS", &moto.url), ("DENY", &deny.url)],
        );
        assert!(out.status.success(), "{}: {}", sh.name, stderr(&out));
        assert_eq!(stdout(&out), "", "{}", sh.name);
        let set = read_env(&home, "set.env");
        assert!(set["AWS_SESSION_TOKEN"].len() > 100, "{}", sh.name);
        assert!(set.contains_key("AWS_CREDENTIAL_EXPIRATION"), "{}", sh.name);
        let unset = read_env(&home, "unset.env");
        assert!(VARS.iter().all(|v| !unset.contains_key(*v)), "{}", sh.name);
        let failed = read_env(&home, "failed.env");
        assert_eq!(failed["AWS_ACCESS_KEY_ID"], "previous", "{}", sh.name);
        assert!(!failed.contains_key("AWS_SESSION_TOKEN"), "{}", sh.name);
        // csh cannot know mfa-env's status, only that it failed.
        let statuses = if sh.ext == "csh" {
            "0\n0\n1\n1\n"
        } else {
            "0\n0\n1\n2\n"
        };
        assert_eq!(
            std::fs::read_to_string(home.file("status.txt")).unwrap(),
            statuses,
            "{}",
            sh.name
        );
        assert!(
            stderr(&out).contains("rejected the MFA code"),
            "{}: {}",
            sh.name,
            stderr(&out)
        );
    }
}

/// elvish's `mfa` lives in the interactive namespace (`edit:add-var`), as rc.elv loads it: at a
/// real terminal, it sets and clears, and a refused code changes nothing.
#[test]
fn elvish_s_mfa_at_a_terminal() {
    let Some(moto) = moto() else { return };
    if !require("elvish") {
        return;
    }
    let home = Home::with_default_profile();
    let Some(term) = terminal(&home, "elvish", &["-norc"]) else {
        return;
    };
    let script = [
        format!("set-env AWS_ENDPOINT_URL_STS {}\n", sh_quote(&moto.url)),
        "eval (mfa-env init elvish | slurp)\n".to_owned(),
        (ELVISH.mfa)("--token-code 123456 --no-cache"),
        (ELVISH.dump)("set.env"),
        (ELVISH.mfa)("--unset"),
        (ELVISH.dump)("unset.env"),
        (ELVISH.mfa)("--token-code 12345"),
        (ELVISH.dump)("failed.env"),
        "echo all-done\n".to_owned(),
    ]
    .concat();
    for line in script.lines() {
        term.keys(&["-l", line]);
        term.keys(&["Enter"]);
    }
    term.wait_for("\nall-done")
        .unwrap_or_else(|s| panic!("{s}"));
    let set = read_env(&home, "set.env");
    assert!(set["AWS_SESSION_TOKEN"].len() > 100);
    let unset = read_env(&home, "unset.env");
    assert!(VARS.iter().all(|v| !unset.contains_key(*v)));
    assert!(!read_env(&home, "failed.env").contains_key("AWS_SESSION_TOKEN"));
    assert_eq!(
        std::fs::read_to_string(home.file("status.txt")).unwrap(),
        "0\n0\n2\n"
    );
}

/// Interactive tcsh expands `!` history even inside single quotes: the values still round-trip.
#[test]
fn tcsh_at_a_terminal_keeps_history_characters() {
    if !require("tcsh") {
        return;
    }
    let home = Home::new();
    let values = ["!history!", "a!b", "!!", "!$", "it's !-1", "\\!", "a\\\\!b"];
    let lines: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| set_line("tcsh", &format!("V{i}"), v).unwrap())
        .collect();
    std::fs::write(home.file("values.txt"), lines).unwrap();
    let Some(term) = terminal(&home, "tcsh", &["-f"]) else {
        return;
    };
    term.keys(&[
        "-l",
        "eval \"`cat values.txt`\"; env -0 > values.env; echo all-done",
    ]);
    term.keys(&["Enter"]);
    term.wait_for("\nall-done")
        .unwrap_or_else(|s| panic!("{s}"));
    let env = read_env(&home, "values.env");
    for (i, v) in values.iter().enumerate() {
        assert_eq!(env.get(&format!("V{i}")).map(String::as_str), Some(*v));
    }
}

/// What sets the generated values: the same as the other shells' tests.
fn shell_values() -> Vec<String> {
    crate::shells::values()
}
