//! `mfa-env completions SHELL`: the scripts in `shell/`, with the words they offer filled in
//! from the tables the parser uses (flags, subcommands, shell names), so that they cannot
//! drift from what mfa-env accepts. Profile names they ask of `mfa-env list --names`.

use crate::error::{Error, Result};
use crate::shell;

/// The words of the command line that completions offer, from the parser's tables.
pub(crate) struct Words {
    pub(crate) subcommands: Vec<&'static str>,
    pub(crate) flags: Vec<String>,
}

pub(crate) fn render(name: &str, offered: &Words) -> Result<String> {
    let script = shell::lookup(name)
        .and_then(|row| row.completion)
        .ok_or_else(|| Error::usage(format!("completions has no script for '{name}'")))?;
    let words = |feature: &dyn Fn(&shell::Name) -> bool| -> String {
        let mut words = Vec::new();
        for row in shell::NAMES.iter().filter(|r| feature(r)) {
            words.push(row.name);
            words.extend(row.aliases);
        }
        words.join(" ")
    };
    Ok(script
        .replace("@SUBCOMMANDS@", &offered.subcommands.join(" "))
        .replace("@FLAGS@", &offered.flags.join(" "))
        .replace("@SHELLS@", &words(&|_| true))
        .replace("@INIT_SHELLS@", &words(&|r| r.snippet.is_some()))
        .replace("@COMPLETION_SHELLS@", &words(&|r| r.completion.is_some()))
        .replace("@PROMPTS@", "terminal gui none")
        .replace("@PWSH_QUOTES@", &shell::powershell_quote_class()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Words {
        Words {
            subcommands: vec!["init", "status", "exec", "list", "completions"],
            flags: vec!["--shell".into(), "-s".into(), "--profile".into()],
        }
    }

    #[test]
    fn every_flag_subcommand_and_shell_is_offered() {
        let offered = offered();
        for row in shell::NAMES.iter().filter(|r| r.completion.is_some()) {
            let script = render(row.name, &offered).unwrap();
            for placeholder in [
                "@SUBCOMMANDS@",
                "@FLAGS@",
                "@SHELLS@",
                "@PROMPTS@",
                "@PWSH_QUOTES@",
                "_SHELLS@",
            ] {
                assert!(
                    !script.contains(placeholder),
                    "{}: {placeholder} left",
                    row.name
                );
            }
            let words: Vec<&str> = script
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .collect();
            for flag in &offered.flags {
                assert!(words.contains(&flag.as_str()), "{}: {flag}", row.name);
            }
            for word in [
                "init",
                "status",
                "exec",
                "list",
                "completions",
                "pwsh",
                "dotenv",
            ] {
                assert!(script.contains(word), "{}: {word}", row.name);
            }
        }
        assert!(render("cmd", &offered).is_err());
    }
}
