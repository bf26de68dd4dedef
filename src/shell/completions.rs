//! `mfa-env completions SHELL`: the scripts in `shell/`, with the words they offer filled in
//! from the tables the parser uses (flags per mode, with a line about each; subcommands; shell
//! names), so that they cannot drift from what mfa-env accepts. Profile names they ask of
//! `mfa-env list --names`; after `exec`'s command they hand over to the shell's own completion
//! for that command.

use crate::error::{Error, Result};
use crate::shell::{self, Shell};

/// The words of the command line that completions offer, from the parser's tables.
pub(crate) struct Words<'a> {
    pub(crate) subcommands: Vec<&'static str>,
    /// The flags that take a value: the word after one is its value, never a mode's word.
    pub(crate) valued: Vec<String>,
    /// Each mode, by the word that selects it (`export` for none, `unset` for `--unset`),
    /// with its flags as typed and a line about each (for the scripts that `describe`).
    pub(crate) modes: Vec<(&'static str, Vec<(String, &'a str)>)>,
}

/// Whether `shell`'s script shows a line about each flag (zsh and fish menus do).
pub(crate) fn describes(shell: &str) -> bool {
    matches!(
        shell::lookup(shell).map(|row| row.name),
        Some("zsh" | "fish")
    )
}

pub(crate) fn render(name: &str, offered: &Words) -> Result<String> {
    let row = shell::lookup(name)
        .filter(|row| row.completion.is_some())
        .ok_or_else(|| Error::usage(format!("completions has no script for '{name}'")))?;
    let words = |feature: &dyn Fn(&shell::Name) -> bool| -> String {
        let mut words = Vec::new();
        for row in shell::NAMES.iter().filter(|r| feature(r)) {
            words.push(row.name);
            words.extend(row.aliases);
        }
        words.join(" ")
    };
    // The line that names @MODE_FLAGS@ (a comment, so that the file lints as it is) is replaced
    // by the modes' lines, at its indent.
    let script = row.completion.unwrap_or_default();
    let script = match script.find("@MODE_FLAGS@") {
        Some(at) => {
            let start = script[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = script[at..].find('\n').map_or(script.len(), |i| at + i + 1);
            let indent = &script[start..at - script[start..at].trim_start().len()];
            let lines: String = mode_flags(row.name, offered)
                .iter()
                .map(|line| format!("{indent}{line}\n"))
                .collect();
            format!("{}{lines}{}", &script[..start], &script[end..])
        }
        None => script.to_owned(),
    };
    Ok(script
        .replace("@SUBCOMMANDS@", &offered.subcommands.join(" "))
        .replace("@VALUED@", &offered.valued.join(" "))
        .replace("@SHELLS@", &words(&|_| true))
        .replace("@INIT_SHELLS@", &words(&|r| r.snippet.is_some()))
        .replace("@COMPLETION_SHELLS@", &words(&|r| r.completion.is_some()))
        .replace("@PROMPTS@", "terminal gui none")
        .replace("@PWSH_QUOTES@", &shell::powershell_quote_class()))
}

/// Each mode's flags, in the script's own syntax: a `case` per mode for bash and zsh (zsh with
/// each flag's line, for `_describe`), `complete` lines for fish, a `switch` for PowerShell.
fn mode_flags(shell: &str, offered: &Words) -> Vec<String> {
    let quote = |shell: Shell, text: &str| shell.quote(text).unwrap_or_else(|_| "''".into());
    let mut lines = Vec::new();
    for (mode, flags) in &offered.modes {
        let names: Vec<&str> = flags.iter().map(|(f, _)| f.as_str()).collect();
        match shell {
            "bash" => lines.push(format!(
                "{mode}) flags={} ;;",
                quote(Shell::Posix, &names.join(" "))
            )),
            "zsh" => {
                let specs: Vec<String> = flags
                    .iter()
                    .map(|(f, about)| quote(Shell::Posix, &format!("{f}:{about}")))
                    .collect();
                lines.push(format!("({mode}) flags=({}) ;;", specs.join(" ")));
            }
            "fish" => {
                for (flag, about) in flags {
                    let spelled = match flag.strip_prefix("--") {
                        Some(long) => format!("-l {long}"),
                        None => format!("-s {}", flag.trim_start_matches('-')),
                    };
                    lines.push(format!(
                        "complete -c mfa-env -n '__mfa_env_mode {mode}' {spelled} -d {}",
                        quote(Shell::Fish, about)
                    ));
                }
            }
            _ => lines.push(format!(
                "'{mode}' {{ {} -split ' ' }}",
                quote(Shell::PowerShell, &names.join(" "))
            )),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Words<'static> {
        Words {
            subcommands: vec!["init", "status", "exec", "list", "completions", "help"],
            valued: vec!["--profile".into(), "-p".into()],
            modes: vec![
                (
                    "export",
                    vec![
                        ("--profile".into(), "long-term profile"),
                        ("-p".into(), "long-term profile"),
                    ],
                ),
                ("list", vec![("--json".into(), "it's JSON")]),
            ],
        }
    }

    #[test]
    fn every_placeholder_is_filled() {
        let offered = offered();
        for row in shell::NAMES.iter().filter(|r| r.completion.is_some()) {
            let script = render(row.name, &offered).unwrap();
            // A placeholder is @NAME@, capitals and underscores between two at signs.
            let parts: Vec<&str> = script.split('@').collect();
            let inner = parts
                .get(1..parts.len().saturating_sub(1))
                .unwrap_or_default();
            let placeholder = inner
                .iter()
                .find(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
            assert_eq!(placeholder, None, "{}: {script}", row.name);
            assert!(script.contains("json"), "{}", row.name);
        }
        assert!(render("cmd", &offered).is_err());
    }

    #[test]
    fn each_script_quotes_as_its_shell() {
        let offered = offered();
        let lines = |shell: &str| mode_flags(shell, &offered);
        assert_eq!(
            lines("bash"),
            ["export) flags='--profile -p' ;;", "list) flags='--json' ;;"]
        );
        assert_eq!(lines("zsh")[1], "(list) flags=('--json:it'\\''s JSON') ;;");
        assert_eq!(
            lines("fish"),
            [
                "complete -c mfa-env -n '__mfa_env_mode export' -l profile -d 'long-term profile'",
                "complete -c mfa-env -n '__mfa_env_mode export' -s p -d 'long-term profile'",
                "complete -c mfa-env -n '__mfa_env_mode list' -l json -d 'it\\'s JSON'",
            ]
        );
        assert_eq!(lines("powershell")[1], "'list' { '--json' -split ' ' }");
    }

    #[test]
    fn the_modes_take_the_placeholder_s_indent() {
        let script = render("powershell", &offered()).unwrap();
        assert!(
            script.contains("\n                'list' { '--json' -split ' ' }\n            }\n"),
            "{script}"
        );
    }
}
