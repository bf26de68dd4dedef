//! All per-shell syntax lives here: how a value is quoted, how a variable is set and unset, and
//! which shell is asking. Every output target is one variant; adding one is one variant, one arm
//! per method, one snippet in `shell/`, one row in the tests.

use std::ffi::OsStr;
use std::path::Path;

use crate::platform;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    /// bash, zsh, sh, ksh, dash, mksh: `export NAME='value'`.
    Posix,
    Fish,
    PowerShell,
    Cmd,
    /// The `credential_process` document.
    Json,
    /// GitHub Actions: masks on stdout, variables appended to `$GITHUB_ENV`.
    Github,
    /// `NAME=value` lines for `docker --env-file`, systemd and dotenv loaders.
    Dotenv,
    /// Print nothing (with `--write-profile`, or to warm the cache).
    NoOutput,
}

/// Why a value cannot be written for a shell. Never carries the value itself: it may be a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

impl Shell {
    /// The names `--shell` accepts, as shown in messages.
    pub const NAMES: &'static str =
        "bash, zsh, sh, ksh, fish, powershell (pwsh), cmd, json, github, dotenv, none";

    pub fn from_name(name: &str) -> Option<Shell> {
        Some(match name {
            "bash" | "zsh" | "sh" | "ksh" | "dash" | "mksh" => Shell::Posix,
            "fish" => Shell::Fish,
            "powershell" | "pwsh" => Shell::PowerShell,
            "cmd" => Shell::Cmd,
            "json" => Shell::Json,
            "github" => Shell::Github,
            "dotenv" => Shell::Dotenv,
            "none" => Shell::NoOutput,
            _ => return None,
        })
    }

    /// How messages name this target.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Posix => "POSIX shells",
            Shell::Fish => "fish",
            Shell::PowerShell => "PowerShell",
            Shell::Cmd => "cmd",
            Shell::Json => "json",
            Shell::Github => "github",
            Shell::Dotenv => "dotenv",
            Shell::NoOutput => "none",
        }
    }

    /// Maps a program name as the OS reports it (`-bash`, `ksh93`, `pwsh.exe`, `/bin/zsh`).
    fn from_program(program: &OsStr) -> Option<Shell> {
        // Split on both separators: a Windows path may be inspected on any platform in tests.
        let base = program.to_str()?.rsplit(['/', '\\']).next()?;
        let base = base.trim_start_matches('-').to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        match base {
            "bash" | "zsh" | "sh" | "ksh" | "ksh93" | "mksh" | "lksh" | "dash" | "ash" | "yash"
            | "posh" => Some(Shell::Posix),
            "fish" => Some(Shell::Fish),
            "pwsh" | "powershell" => Some(Shell::PowerShell),
            "cmd" => Some(Shell::Cmd),
            _ => None,
        }
    }

    /// The shell that will evaluate our output: the parent process, else `$SHELL`, else POSIX.
    pub fn detect() -> Shell {
        if let Some(shell) = platform::parent_program().and_then(|p| Shell::from_program(&p)) {
            return shell;
        }
        // bash, zsh and ksh exec a lone `-c` command in their own place, so our parent is
        // whoever started the shell. They leave `_` naming the program they ran; fish never does.
        if let (Some(ran), Some(me)) = (std::env::var_os("_"), std::env::args_os().next())
            && Path::new(&ran).file_name().is_some()
            && Path::new(&ran).file_name() == Path::new(&me).file_name()
        {
            return Shell::Posix;
        }
        std::env::var_os("SHELL")
            .and_then(|s| Shell::from_program(&s))
            .unwrap_or(Shell::Posix)
    }

    /// `value` as a literal in this shell's syntax, or why it cannot be one.
    pub fn quote(self, value: &str) -> Result<String, Refused> {
        if value.chars().any(char::is_control) {
            return Err(Refused("it contains a control character"));
        }
        Ok(match self {
            Shell::Posix => format!("'{}'", value.replace('\'', r"'\''")),
            // Inside fish single quotes only `\\` and `\'` are escapes.
            Shell::Fish => format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'")),
            Shell::PowerShell => {
                // PowerShell takes the curly single quotes as quote characters too.
                let mut quoted = String::with_capacity(value.len() + 2);
                quoted.push('\'');
                for c in value.chars() {
                    quoted.push(c);
                    if matches!(c, '\'' | '\u{2018}'..='\u{201B}') {
                        quoted.push(c);
                    }
                }
                quoted.push('\'');
                quoted
            }
            // `set "NAME=value"` has no escapes that hold in a batch file, on the command line
            // and in a `for /f` body alike, and cmd reads our output in the OEM code page.
            Shell::Cmd => {
                if let Some(c) = value
                    .chars()
                    .find(|c| !c.is_ascii() || r#""%!^&|<>"#.contains(*c))
                {
                    return Err(if c.is_ascii() {
                        Refused("cmd cannot hold one of \" % ! ^ & | < > in a value")
                    } else {
                        Refused("cmd cannot hold a non-ASCII character in a value")
                    });
                }
                value.to_owned()
            }
            // Readers of these files disagree on quotes, `$`, `#` and whitespace, so none pass.
            Shell::Dotenv => {
                if value
                    .chars()
                    .any(|c| !c.is_ascii_graphic() || "\"'\\$#`".contains(c))
                {
                    return Err(Refused(
                        "dotenv files cannot portably hold whitespace, quotes, \\, $, # or `",
                    ));
                }
                value.to_owned()
            }
            // Values go into heredocs whose delimiter is chosen to avoid them.
            Shell::Github => value.to_owned(),
            Shell::Json => serde_json::Value::from(value).to_string(),
            Shell::NoOutput => String::new(),
        })
    }

    /// One line (or record) that sets and exports `name`.
    pub fn set(self, name: &str, value: &str) -> Result<String, Refused> {
        check_name(name)?;
        let quoted = self.quote(value)?;
        Ok(match self {
            Shell::Posix => format!("export {name}={quoted}\n"),
            Shell::Fish => format!("set -gx {name} {quoted}\n"),
            Shell::PowerShell => format!("$Env:{name} = {quoted}\n"),
            Shell::Cmd => format!("set \"{name}={quoted}\"\n"),
            Shell::Dotenv => format!("{name}={quoted}\n"),
            Shell::Github => {
                let delimiter = heredoc_delimiter(value);
                format!("{name}<<{delimiter}\n{quoted}\n{delimiter}\n")
            }
            Shell::NoOutput => String::new(),
            Shell::Json => return Err(Refused("json is one document, not a line per variable")),
        })
    }

    /// Lines that remove `names` from the environment, for the targets where that means something.
    pub fn unset(self, names: &[&str]) -> Result<String, Refused> {
        for name in names {
            check_name(name)?;
        }
        Ok(match self {
            Shell::Posix => format!("unset {}\n", names.join(" ")),
            Shell::Fish => names.iter().map(|n| format!("set -e {n}\n")).collect(),
            Shell::PowerShell => names
                .iter()
                .map(|n| {
                    format!("Remove-Item -LiteralPath Env:{n} -ErrorAction SilentlyContinue\n")
                })
                .collect(),
            Shell::Cmd => names.iter().map(|n| format!("set \"{n}=\"\n")).collect(),
            Shell::NoOutput => String::new(),
            Shell::Json | Shell::Github | Shell::Dotenv => {
                return Err(Refused("this format cannot unset variables"));
            }
        })
    }

    /// `::add-mask::` for GitHub Actions, with its workflow-command escapes.
    pub fn github_mask(value: &str) -> String {
        let escaped = value
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        format!("::add-mask::{escaped}\n")
    }
}

/// Variable names are checked, never quoted.
fn check_name(name: &str) -> Result<(), Refused> {
    let mut chars = name.chars();
    let head_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if head_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(Refused("it is not a valid variable name"))
    }
}

/// A GitHub env-file heredoc delimiter that does not occur in `value`.
fn heredoc_delimiter(value: &str) -> String {
    loop {
        let delimiter = format!("ghadelimiter_{:016x}{:016x}", random_u64(), random_u64());
        if !value.contains(&delimiter) {
            return delimiter;
        }
    }
}

/// 64 unpredictable bits from the OS-seeded keys std gives every `RandomState`.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_each_shell_exactly() {
        let v = r#"a'b\c"$d`e"#;
        assert_eq!(Shell::Posix.quote(v).unwrap(), r#"'a'\''b\c"$d`e'"#);
        assert_eq!(Shell::Fish.quote(v).unwrap(), r#"'a\'b\\c"$d`e'"#);
        assert_eq!(Shell::PowerShell.quote(v).unwrap(), r#"'a''b\c"$d`e'"#);
        assert_eq!(
            Shell::PowerShell.quote("x\u{2018}y\u{201B}").unwrap(),
            "'x\u{2018}\u{2018}y\u{201B}\u{201B}'"
        );
        assert_eq!(Shell::Json.quote("a\"b").unwrap(), r#""a\"b""#);
    }

    #[test]
    fn fish_value_ending_in_backslash_stays_closed() {
        assert_eq!(Shell::Fish.quote(r"ab\").unwrap(), r"'ab\\'");
    }

    #[test]
    fn refuses_what_a_shell_cannot_hold() {
        for shell in [
            Shell::Posix,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Cmd,
            Shell::Dotenv,
            Shell::Github,
        ] {
            assert!(shell.quote("a\nb").is_err(), "{shell:?}");
            assert!(shell.quote("a\0b").is_err(), "{shell:?}");
            assert!(shell.quote("a\u{7f}").is_err(), "{shell:?}");
            assert!(shell.quote("a\u{85}").is_err(), "{shell:?}");
        }
        for bad in ["a\"b", "50%", "hi!", "a^b", "a&b", "a|b", "a<b", "a>b", "é"] {
            assert!(Shell::Cmd.quote(bad).is_err(), "{bad}");
        }
        for bad in ["a b", "a'b", "a\"b", "a$b", "a#b", "a`b", "a\\b", "é"] {
            assert!(Shell::Dotenv.quote(bad).is_err(), "{bad}");
        }
        assert_eq!(Shell::Cmd.quote("AbC+/=").unwrap(), "AbC+/=");
    }

    #[test]
    fn set_and_unset_lines() {
        assert_eq!(Shell::Posix.set("A_1", "v").unwrap(), "export A_1='v'\n");
        assert_eq!(Shell::Fish.set("A", "v").unwrap(), "set -gx A 'v'\n");
        assert_eq!(Shell::PowerShell.set("A", "v").unwrap(), "$Env:A = 'v'\n");
        assert_eq!(Shell::Cmd.set("A", "v").unwrap(), "set \"A=v\"\n");
        assert_eq!(Shell::Dotenv.set("A", "v").unwrap(), "A=v\n");
        assert_eq!(Shell::Posix.unset(&["A", "B"]).unwrap(), "unset A B\n");
        assert_eq!(
            Shell::Fish.unset(&["A", "B"]).unwrap(),
            "set -e A\nset -e B\n"
        );
        assert_eq!(Shell::Cmd.unset(&["A"]).unwrap(), "set \"A=\"\n");
        assert_eq!(
            Shell::PowerShell.unset(&["A"]).unwrap(),
            "Remove-Item -LiteralPath Env:A -ErrorAction SilentlyContinue\n"
        );
        assert!(Shell::Json.unset(&["A"]).is_err());
        assert!(Shell::Posix.set("1A", "v").is_err());
        assert!(Shell::Posix.set("A;B", "v").is_err());
        assert!(Shell::Posix.unset(&["A B"]).is_err());
    }

    #[test]
    fn github_records_use_a_fresh_delimiter() {
        let record = Shell::Github.set("A", "value").unwrap();
        let (head, rest) = record.split_once('\n').unwrap();
        let delimiter = head.strip_prefix("A<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(rest, format!("value\n{delimiter}\n"));
        assert_ne!(record, Shell::Github.set("A", "value").unwrap());
        assert_eq!(Shell::github_mask("a%b"), "::add-mask::a%25b\n");
    }

    #[test]
    fn names_and_programs() {
        assert_eq!(Shell::from_name("pwsh"), Some(Shell::PowerShell));
        assert_eq!(Shell::from_name("tcsh"), None);
        for (program, shell) in [
            ("-bash", Shell::Posix),
            ("/usr/bin/zsh", Shell::Posix),
            ("ksh93", Shell::Posix),
            ("fish", Shell::Fish),
            (
                "C:\\Program Files\\PowerShell\\7\\pwsh.exe",
                Shell::PowerShell,
            ),
            ("powershell.exe", Shell::PowerShell),
            ("CMD.EXE", Shell::Cmd),
        ] {
            assert_eq!(
                Shell::from_program(OsStr::new(program)),
                Some(shell),
                "{program}"
            );
        }
        assert_eq!(Shell::from_program(OsStr::new("python3")), None);
    }
}
