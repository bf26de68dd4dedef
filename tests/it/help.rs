//! Help where people look for it: `mfa-env help [COMMAND]` and `COMMAND --help` print that
//! command's usage, its flags only, and examples; `--help` stays the whole page. Pinned as text.

use crate::support::*;

/// Each command's page, byte for byte.
const PAGES: &[(&str, &str)] = &[
    (
        "login",
        r#"mfa-env login: a console sign-in URL for PROFILE's role session

USAGE:
    mfa-env login [PROFILE] [--open]  a console sign-in URL for PROFILE's role session

OPTIONS:
    -p, --profile NAME            long-term profile (else $AWS_PROFILE, $AWS_DEFAULT_PROFILE,
                                  $MFA_ENV_PROFILE, else "default")
        --serial-number ID        MFA device serial or ARN (else $AWS_MFA_SERIAL, the profile's
                                  mfa_serial)
    -t, --token-code CODE         the 6-digit code (123456, 123 456); "-" reads one line from
                                  stdin; absent: asked on the terminal
        --totp-secret-env VAR     compute the code from the base32 seed in $VAR (automation)
        --token-command CMD       run CMD (sh -c / cmd /c) and take the code from its output
                                  (else the profile's mfa_process, its source profile's
                                  mfa_process)
        --prompt HOW              where to ask for the code: terminal, gui (a desktop dialog) or
                                  none (else the profile's mfa_prompt; default: terminal, else
                                  gui)
    -d, --duration-seconds N      session length in seconds, else the profile's
                                  duration_seconds: 900..129600, default 12h (root user: at most
                                  3600); with a role 900..43200, default 1h
        --region REGION           the region for STS and the session (else $AWS_REGION,
                                  $AWS_DEFAULT_REGION, the profile's region, else the usual
                                  region of the device's or role's partition: us-gov-west-1,
                                  cn-north-1, ..., else us-east-1)
        --role-arn ARN            assume this role with the MFA code (else the profile's
                                  role_arn)
        --role-session-name NAME  session name for the role (else role_session_name)
        --external-id ID          external id for the role (else external_id)
        --force                   ignore the cached session, ask for a new code
        --no-cache                neither read nor write the session cache
        --open                    open the sign-in URL in the browser instead of printing it
    -h, --help                    this text

EXAMPLES:
    mfa-env login admin --open    the console in your browser, as the role
    mfa-env login admin | pbcopy  the URL, for another browser

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "rotate",
        r#"mfa-env rotate: new access keys for PROFILE's IAM user, the old deleted

USAGE:
    mfa-env rotate PROFILE [OPTIONS]  new access keys for PROFILE's IAM user, the old deleted

OPTIONS:
        --serial-number ID        MFA device serial or ARN (else $AWS_MFA_SERIAL, the profile's
                                  mfa_serial)
    -t, --token-code CODE         the 6-digit code (123456, 123 456); "-" reads one line from
                                  stdin; absent: asked on the terminal
        --totp-secret-env VAR     compute the code from the base32 seed in $VAR (automation)
        --token-command CMD       run CMD (sh -c / cmd /c) and take the code from its output
                                  (else the profile's mfa_process, its source profile's
                                  mfa_process)
        --prompt HOW              where to ask for the code: terminal, gui (a desktop dialog) or
                                  none (else the profile's mfa_prompt; default: terminal, else
                                  gui)
        --region REGION           the region for STS and the session (else $AWS_REGION,
                                  $AWS_DEFAULT_REGION, the profile's region, else the usual
                                  region of the device's or role's partition: us-gov-west-1,
                                  cn-north-1, ..., else us-east-1)
        --force                   ignore the cached session, ask for a new code
        --no-cache                neither read nor write the session cache
    -h, --help                    this text

EXAMPLES:
    mfa-env rotate default  with an MFA session; the new keys go where the old were

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "unset",
        r#"mfa-env --unset: print lines that clear them (no network)

USAGE:
    mfa-env --unset [--forget [--all]]  print lines that clear them (no network)

OPTIONS:
    -s, --shell SHELL             output syntax (default: the shell that runs mfa-env; see
                                  SHELLS in --help)
    -p, --profile NAME            long-term profile (else $AWS_PROFILE, $AWS_DEFAULT_PROFILE,
                                  $MFA_ENV_PROFILE, else "default")
        --unset                   print lines that clear the session and restore AWS_PROFILE
        --forget                  with --unset: also delete the profile's cached sessions and
                                  the sections --write-profile wrote from it
        --all                     with --forget: of every profile
    -h, --help                    this text

EXAMPLES:
    mfa --unset  with the `init` function
    out=$(mfa-env --unset) && eval "$out"  without it; --forget also deletes the cache

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "init",
        r#"mfa-env init: print a snippet that defines `mfa` for SHELL

USAGE:
    mfa-env init SHELL [--cmd NAME]  print a snippet that defines `mfa` for SHELL

OPTIONS:
        --cmd NAME                with init: name of the function (default: mfa)
    -h, --help                    this text

EXAMPLES:
    eval "$(mfa-env init bash)"  in ~/.bashrc; then `mfa`, `mfa --unset`
    mfa-env init fish | source   in ~/.config/fish/config.fish

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "status",
        r#"mfa-env status: this shell's session and the cached one (exit 0 if cached)

USAGE:
    mfa-env status [--short] [OPTIONS]  this shell's session and the cached one (exit 0 if cached)

OPTIONS:
    -p, --profile NAME            long-term profile (else $AWS_PROFILE, $AWS_DEFAULT_PROFILE,
                                  $MFA_ENV_PROFILE, else "default")
        --serial-number ID        MFA device serial or ARN (else $AWS_MFA_SERIAL, the profile's
                                  mfa_serial)
    -d, --duration-seconds N      session length in seconds, else the profile's
                                  duration_seconds: 900..129600, default 12h (root user: at most
                                  3600); with a role 900..43200, default 1h
        --region REGION           the region for STS and the session (else $AWS_REGION,
                                  $AWS_DEFAULT_REGION, the profile's region, else the usual
                                  region of the device's or role's partition: us-gov-west-1,
                                  cn-north-1, ..., else us-east-1)
        --role-arn ARN            assume this role with the MFA code (else the profile's
                                  role_arn)
        --external-id ID          external id for the role (else external_id)
        --min-remaining TIME      reuse a cached session only while more than TIME is left (90s,
                                  15m, 1h; default 15m)
        --short                   with status: print PROFILE TIME_LEFT on stdout (a prompt
                                  segment)
    -h, --help                    this text

EXAMPLES:
    mfa-env status          on stderr: this shell, then the cache
    mfa-env status --short  a prompt segment: `default 11h58m`

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "exec",
        r#"mfa-env exec: run CMD with the session (no CMD: your shell)

USAGE:
    mfa-env exec [OPTIONS] [--] CMD...  run CMD with the session (no CMD: your shell)
    mfa-env exec --server [OPTIONS] [--] CMD...  ... from a local endpoint that renews it

OPTIONS:
    -p, --profile NAME            long-term profile (else $AWS_PROFILE, $AWS_DEFAULT_PROFILE,
                                  $MFA_ENV_PROFILE, else "default")
        --serial-number ID        MFA device serial or ARN (else $AWS_MFA_SERIAL, the profile's
                                  mfa_serial)
    -t, --token-code CODE         the 6-digit code (123456, 123 456); "-" reads one line from
                                  stdin; absent: asked on the terminal
        --totp-secret-env VAR     compute the code from the base32 seed in $VAR (automation)
        --token-command CMD       run CMD (sh -c / cmd /c) and take the code from its output
                                  (else the profile's mfa_process, its source profile's
                                  mfa_process)
        --prompt HOW              where to ask for the code: terminal, gui (a desktop dialog) or
                                  none (else the profile's mfa_prompt; default: terminal, else
                                  gui)
    -d, --duration-seconds N      session length in seconds, else the profile's
                                  duration_seconds: 900..129600, default 12h (root user: at most
                                  3600); with a role 900..43200, default 1h
        --region REGION           the region for STS and the session (else $AWS_REGION,
                                  $AWS_DEFAULT_REGION, the profile's region, else the usual
                                  region of the device's or role's partition: us-gov-west-1,
                                  cn-north-1, ..., else us-east-1)
        --role-arn ARN            assume this role with the MFA code (else the profile's
                                  role_arn)
        --role-session-name NAME  session name for the role (else role_session_name)
        --external-id ID          external id for the role (else external_id)
        --min-remaining TIME      reuse a cached session only while more than TIME is left (90s,
                                  15m, 1h; default 15m)
        --force                   ignore the cached session, ask for a new code
        --no-cache                neither read nor write the session cache
        --server                  with exec: serve the session from a local endpoint that renews
                                  it, instead of putting keys in the command's environment
    -h, --help                    this text

EXAMPLES:
    mfa-env exec -- terraform plan  one command with the session
    mfa-env exec --server -p admin -- terraform apply  renewed while it runs

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "list",
        r#"mfa-env list: the profiles, their kind, device and cached session

USAGE:
    mfa-env list [--names | --json]  the profiles, their kind, device and cached session

OPTIONS:
        --names                   with list: only the profile names, one per line
        --json                    with list: a JSON array of the same fields
    -h, --help                    this text

EXAMPLES:
    mfa-env list         a table for people
    mfa-env list --json  for programs

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "add",
        r#"mfa-env add: store PROFILE's long-term keys in the OS keychain

USAGE:
    mfa-env add PROFILE [--from-credentials]  store PROFILE's long-term keys in the OS keychain

OPTIONS:
        --from-credentials        with add: move the profile's keys out of the shared
                                  credentials file
    -h, --help                    this text

EXAMPLES:
    mfa-env add default  asks for the access key id and the secret
    mfa-env add default --from-credentials  moves them out of ~/.aws/credentials

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "remove",
        r#"mfa-env remove: delete PROFILE's keychain entry and cached sessions

USAGE:
    mfa-env remove PROFILE  delete PROFILE's keychain entry and cached sessions

OPTIONS:
    -h, --help                    this text

EXAMPLES:
    mfa-env remove default  the keychain entry and the cached sessions

The whole page, every command and flag: mfa-env --help
"#,
    ),
    (
        "completions",
        r#"mfa-env completions: the completion script: bash, zsh, fish, powershell

USAGE:
    mfa-env completions SHELL  the completion script: bash, zsh, fish, powershell

OPTIONS:
    -h, --help                    this text

EXAMPLES:
    mfa-env completions fish > ~/.config/fish/completions/mfa-env.fish
    eval "$(mfa-env completions bash)"  in ~/.bashrc

The whole page, every command and flag: mfa-env --help
"#,
    ),
];

fn help(args: &[&str]) -> String {
    let out = run(Home::new().mfa().args(args), "");
    assert_eq!(stderr(&out), "", "{args:?}");
    assert_succeeds(&out)
}

#[test]
fn every_command_has_its_page() {
    for (topic, page) in PAGES {
        assert_eq!(help(&["help", topic]), *page, "help {topic}");
        let asked = if *topic == "unset" {
            help(&["--unset", "--help"])
        } else {
            help(&[topic, "--help"])
        };
        assert_eq!(asked, *page, "{topic} --help");
    }
    // Another flag on the line does not stop the page.
    assert_eq!(
        help(&["exec", "--server", "-p", "x", "--help"]),
        PAGES.iter().find(|(t, _)| *t == "exec").unwrap().1
    );
    // `help` and `--help` alone: the whole page, which lists every command's usage.
    let whole = help(&["--help"]);
    assert_eq!(help(&["help"]), whole);
    for (topic, page) in PAGES {
        let usage = page.lines().nth(3).unwrap().trim();
        let command = usage.split("  ").next().unwrap();
        assert!(
            whole.contains(&format!("    {command} ")),
            "{topic}: {usage}"
        );
    }
    let out = run(Home::new().mfa().args(["help", "statsu"]), "");
    assert_eq!(out.status.code(), Some(2));
    assert_fails(&out, "did you mean status?");
}

/// A page lists only the flags its command takes, each as the whole page says it.
#[test]
fn pages_hold_their_own_flags_only() {
    let whole = help(&["--help"]);
    let list = PAGES.iter().find(|(t, _)| *t == "list").unwrap().1;
    assert!(list.contains("--names") && list.contains("--json"));
    assert!(!list.contains("--profile") && !list.contains("--token-code"));
    for (_, page) in PAGES {
        for line in page.lines().filter(|l| l.trim_start().starts_with('-')) {
            assert!(whole.contains(line), "{line}");
        }
    }
}

/// `mfa --help` in a shell whose `mfa` function evaluates the output: the page reaches the
/// terminal and nothing is evaluated (the page holds command lines).
#[test]
fn help_asked_through_mfa_is_not_evaluated() {
    let whole = help(&["--help"]);
    for args in [
        &["--shell", "bash", "--help"][..],
        &["-s", "fish", "help", "exec"],
    ] {
        let out = run(Home::new().mfa().args(args), "");
        assert!(out.status.success(), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert!(stderr(&out).starts_with("mfa-env"), "{args:?}");
    }
    let out = run(Home::new().mfa().args(["-s", "bash", "--help"]), "");
    assert_eq!(stderr(&out), whole);
    let bash = format!(
        "PATH={}:$PATH; eval \"$(mfa-env init bash)\"; mfa --help; echo \"rc=$?\"",
        bin_dir()
    );
    let out = run(std::process::Command::new("bash").args(["-c", &bash]), "");
    assert_eq!(stdout(&out), "rc=0\n");
    assert_eq!(stderr(&out), whole);
}
