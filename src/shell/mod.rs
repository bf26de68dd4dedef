//! All per-shell syntax lives here: the one table of shell names, how a value is quoted, how a
//! variable is set and unset, how a person applies our output, and which shell is asking.
//! Adding a shell is one row in `NAMES`, one arm per method, one snippet in `shell/`.
//! nushell alone cannot evaluate text: it gets one JSON record (`render` builds it).

pub(crate) mod completions;
pub(crate) mod render;
pub(crate) mod snippets;

use std::ffi::OsStr;
use std::path::Path;

/// The syntax (or data format) of what we print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::enum_variant_names,
    reason = "PowerShell is the product's own name"
)]
pub(crate) enum Shell {
    /// bash, zsh, sh, ksh, dash, mksh: `export NAME='value'`.
    Posix,
    Fish,
    PowerShell,
    Cmd,
    /// tcsh and csh: `setenv NAME 'value';`, read through `eval "`...`"` (the `;` holds the
    /// lines apart once the backquotes have made them one).
    Csh,
    /// `set-env NAME 'value'`.
    Elvish,
    /// `$NAME = "value"`: Python string literals, run with `execx`.
    Xonsh,
    /// nushell: one JSON record for `load-env`, `null` for a variable to hide.
    Nu,
    /// The `credential_process` document.
    Json,
    /// GitHub Actions: masks on stdout, variables appended to `$GITHUB_ENV`.
    Github,
    /// `NAME=value` lines for `docker --env-file`, systemd and dotenv loaders.
    Dotenv,
    /// Print nothing (with `--write-profile`, or to warm the cache).
    NoOutput,
}

/// One name that `--shell`, `init` and `completions` accept.
pub(crate) struct Name {
    pub(crate) name: &'static str,
    pub(crate) shell: Shell,
    /// Other spellings of the same name.
    pub(crate) aliases: &'static [&'static str],
    /// Program names (as the OS reports them) that mean this shell is our parent.
    pub(crate) programs: &'static [&'static str],
    /// The snippet `init` prints, from `shell/`.
    pub(crate) snippet: Option<&'static str>,
    /// The completion script `completions` prints, from `shell/`.
    pub(crate) completion: Option<&'static str>,
}

/// The one table of shell names: parsing, detection, `--help`, `init` and completions read it.
pub(crate) const NAMES: &[Name] = &[
    Name {
        name: "bash",
        shell: Shell::Posix,
        aliases: &[],
        programs: &["bash"],
        snippet: Some(include_str!("../../shell/mfa-env.bash")),
        completion: Some(include_str!("../../shell/completion.bash")),
    },
    Name {
        name: "zsh",
        shell: Shell::Posix,
        aliases: &[],
        programs: &["zsh"],
        snippet: Some(include_str!("../../shell/mfa-env.zsh")),
        completion: Some(include_str!("../../shell/completion.zsh")),
    },
    Name {
        name: "sh",
        shell: Shell::Posix,
        aliases: &["dash", "ash", "yash", "posh"],
        programs: &["sh", "dash", "ash", "yash", "posh", "busybox"],
        snippet: Some(include_str!("../../shell/mfa-env.sh")),
        completion: None,
    },
    Name {
        name: "ksh",
        shell: Shell::Posix,
        aliases: &["mksh"],
        programs: &["ksh", "ksh93", "mksh", "lksh", "pdksh"],
        snippet: Some(include_str!("../../shell/mfa-env.sh")),
        completion: None,
    },
    Name {
        name: "fish",
        shell: Shell::Fish,
        aliases: &[],
        programs: &["fish"],
        snippet: Some(include_str!("../../shell/mfa-env.fish")),
        completion: Some(include_str!("../../shell/completion.fish")),
    },
    Name {
        name: "powershell",
        shell: Shell::PowerShell,
        aliases: &["pwsh"],
        programs: &["pwsh", "powershell"],
        snippet: Some(include_str!("../../shell/mfa-env.ps1")),
        completion: Some(include_str!("../../shell/completion.ps1")),
    },
    Name {
        name: "cmd",
        shell: Shell::Cmd,
        aliases: &[],
        programs: &["cmd"],
        snippet: Some(include_str!("../../shell/mfa-env.cmd")),
        completion: None,
    },
    Name {
        name: "tcsh",
        shell: Shell::Csh,
        aliases: &[],
        programs: &["tcsh"],
        snippet: Some(include_str!("../../shell/mfa-env.csh")),
        completion: None,
    },
    Name {
        name: "csh",
        shell: Shell::Csh,
        aliases: &[],
        // Debian's csh is BSD's, whose executable is bsd-csh.
        programs: &["csh", "bsd-csh"],
        snippet: Some(include_str!("../../shell/mfa-env.csh")),
        completion: None,
    },
    Name {
        name: "elvish",
        shell: Shell::Elvish,
        aliases: &[],
        programs: &["elvish"],
        snippet: Some(include_str!("../../shell/mfa-env.elv")),
        completion: None,
    },
    Name {
        name: "xonsh",
        shell: Shell::Xonsh,
        aliases: &[],
        // Also a Python interpreter with XONSH_VERSION set: see `detect`.
        programs: &["xonsh"],
        snippet: Some(include_str!("../../shell/mfa-env.xsh")),
        completion: None,
    },
    Name {
        name: "nu",
        shell: Shell::Nu,
        aliases: &["nushell"],
        programs: &["nu"],
        snippet: Some(include_str!("../../shell/mfa-env.nu")),
        completion: None,
    },
    Name {
        name: "json",
        shell: Shell::Json,
        aliases: &[],
        programs: &[],
        snippet: None,
        completion: None,
    },
    Name {
        name: "github",
        shell: Shell::Github,
        aliases: &[],
        programs: &[],
        snippet: None,
        completion: None,
    },
    Name {
        name: "dotenv",
        shell: Shell::Dotenv,
        aliases: &[],
        programs: &[],
        snippet: None,
        completion: None,
    },
    Name {
        name: "none",
        shell: Shell::NoOutput,
        aliases: &[],
        programs: &[],
        snippet: None,
        completion: None,
    },
];

/// The row for `name` (or one of its aliases).
pub(crate) fn lookup(name: &str) -> Option<&'static Name> {
    NAMES
        .iter()
        .find(|n| n.name == name || n.aliases.contains(&name))
}

/// The names in the table that have `feature`, as `a, b or c` for messages and help.
pub(crate) fn listed(feature: impl Fn(&Name) -> bool) -> String {
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|n| feature(n))
        .map(|n| n.name)
        .collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The characters that end a PowerShell single-quoted string, each written twice inside one:
/// `'` and the curly single quotes U+2018 to U+201B, which PowerShell takes as quotes too.
pub(crate) const POWERSHELL_QUOTES: [char; 5] =
    ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// `POWERSHELL_QUOTES` as a .NET regex class in a PowerShell single-quoted string, ASCII only,
/// for the scripts that quote in PowerShell itself (the completion script).
pub(crate) fn powershell_quote_class() -> String {
    let class: String = POWERSHELL_QUOTES
        .iter()
        .map(|&c| match c {
            '\'' => "''".to_owned(),
            c => format!("\\u{:04X}", c as u32),
        })
        .collect();
    format!("'[{class}]'")
}

/// Why a value cannot be written for a shell. Never carries the value itself: it may be a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused(pub(crate) &'static str);

impl Shell {
    /// How messages name this target.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Shell::Posix => "POSIX shells",
            Shell::Fish => "fish",
            Shell::PowerShell => "PowerShell",
            Shell::Cmd => "cmd",
            Shell::Csh => "tcsh and csh",
            Shell::Elvish => "elvish",
            Shell::Xonsh => "xonsh",
            Shell::Nu => "nushell",
            Shell::Json => "json",
            Shell::Github => "github",
            Shell::Dotenv => "dotenv",
            Shell::NoOutput => "none",
        }
    }

    /// Whether this target can remove a variable (the data formats cannot).
    pub(crate) fn can_unset(self) -> bool {
        matches!(
            self,
            Shell::Posix
                | Shell::Fish
                | Shell::PowerShell
                | Shell::Cmd
                | Shell::Csh
                | Shell::Elvish
                | Shell::Xonsh
                | Shell::Nu
                | Shell::NoOutput
        )
    }

    /// Whether people type commands in this syntax: hints are quoted for it.
    pub(crate) fn is_interactive(self) -> bool {
        self.can_unset() && self != Shell::NoOutput
    }

    /// `value` as a literal in this shell's syntax, or why it cannot be one.
    pub(crate) fn quote(self, value: &str) -> Result<String, Refused> {
        if value.chars().any(char::is_control) {
            return Err(Refused("it contains a control character"));
        }
        Ok(match self {
            Shell::Posix => format!("'{}'", value.replace('\'', r"'\''")),
            // Inside fish single quotes only `\\` and `\'` are escapes.
            Shell::Fish => format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'")),
            Shell::PowerShell => {
                let mut quoted = String::with_capacity(value.len() + 2);
                quoted.push('\'');
                for c in value.chars() {
                    quoted.push(c);
                    if POWERSHELL_QUOTES.contains(&c) {
                        quoted.push(c);
                    }
                }
                quoted.push('\'');
                quoted
            }
            // In csh single quotes `!` still expands history: `\!` holds it, in tcsh and csh.
            // Outside a UTF-8 locale tcsh rewrites bytes above 0x7F (its quoting uses the high
            // bit), and the locale of the eval is not ours to know: ASCII only.
            Shell::Csh => {
                if !value.is_ascii() {
                    return Err(Refused(
                        "tcsh and csh cannot hold a non-ASCII character safely in a value",
                    ));
                }
                format!("'{}'", value.replace('\'', r"'\''").replace('!', r"\!"))
            }
            Shell::Elvish => format!("'{}'", value.replace('\'', "''")),
            // A JSON string is a Python string literal (xonsh) and a nushell double-quoted
            // string alike: only `\"` and `\\` are escaped, control characters never get here.
            Shell::Xonsh | Shell::Nu | Shell::Json => serde_json::Value::from(value).to_string(),
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
            Shell::NoOutput => String::new(),
        })
    }

    /// One line (or record) that sets and exports `name`. `delimiter` is the GitHub heredoc
    /// delimiter, chosen by the caller so that it does not occur in `value`.
    pub(crate) fn set(self, name: &str, value: &str, delimiter: &str) -> Result<String, Refused> {
        check_name(name)?;
        let quoted = self.quote(value)?;
        Ok(match self {
            Shell::Posix => format!("export {name}={quoted}\n"),
            Shell::Fish => format!("set -gx {name} {quoted}\n"),
            Shell::PowerShell => format!("$Env:{name} = {quoted}\n"),
            Shell::Cmd => format!("set \"{name}={quoted}\"\n"),
            Shell::Csh => format!("setenv {name} {quoted};\n"),
            Shell::Elvish => format!("set-env {name} {quoted}\n"),
            Shell::Xonsh => format!("${name} = {quoted}\n"),
            Shell::Dotenv => format!("{name}={quoted}\n"),
            Shell::Github => {
                if delimiter.is_empty() || value.contains(delimiter) {
                    return Err(Refused("the heredoc delimiter occurs in the value"));
                }
                format!("{name}<<{delimiter}\n{quoted}\n{delimiter}\n")
            }
            Shell::NoOutput => String::new(),
            Shell::Json | Shell::Nu => return Err(Refused("this is one document, not lines")),
        })
    }

    /// Lines that remove `names` from the environment. They leave a status of success in every
    /// shell, also when a variable was not set (fish's `set -e` alone would not).
    pub(crate) fn unset(self, names: &[&str]) -> Result<String, Refused> {
        for name in names {
            check_name(name)?;
        }
        if names.is_empty() {
            return Ok(String::new());
        }
        Ok(match self {
            Shell::Posix => format!("unset {}\n", names.join(" ")),
            Shell::Fish => names
                .iter()
                .map(|n| format!("set -e {n}; or true\n"))
                .collect(),
            Shell::PowerShell => names
                .iter()
                .map(|n| {
                    format!("Remove-Item -LiteralPath Env:{n} -ErrorAction SilentlyContinue\n")
                })
                .collect(),
            Shell::Cmd => names.iter().map(|n| format!("set \"{n}=\"\n")).collect(),
            // tcsh's `unset` clears shell variables only.
            Shell::Csh => names.iter().map(|n| format!("unsetenv {n};\n")).collect(),
            Shell::Elvish => names.iter().map(|n| format!("unset-env {n}\n")).collect(),
            Shell::Xonsh => names
                .iter()
                .map(|n| format!("${{...}}.pop(\"{n}\", None)\n"))
                .collect(),
            Shell::NoOutput => String::new(),
            Shell::Json | Shell::Github | Shell::Dotenv => {
                return Err(Refused("this format cannot unset variables"));
            }
            Shell::Nu => return Err(Refused("this is one document, not lines")),
        })
    }

    /// nushell's record: each variable once, as the last change to it leaves it (`None`: hide
    /// it), one member per line.
    pub(crate) fn nu_record<'a>(
        changes: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<String, (&'a str, Refused)> {
        let mut last: Vec<(&str, Option<&str>)> = Vec::new();
        for (name, value) in changes {
            check_name(name).map_err(|r| (name, r))?;
            match last.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = value,
                None => last.push((name, value)),
            }
        }
        let mut members = Vec::with_capacity(last.len());
        for (name, value) in last {
            let value = match value {
                Some(value) => Shell::Nu.quote(value).map_err(|r| (name, r))?,
                None => "null".to_owned(),
            };
            members.push(format!("  \"{name}\": {value}"));
        }
        Ok(format!("{{\n{}\n}}\n", members.join(",\n")))
    }

    /// `::add-mask::` for GitHub Actions, with its workflow-command escapes.
    pub(crate) fn github_mask(value: &str) -> String {
        let escaped = value
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        format!("::add-mask::{escaped}\n")
    }

    /// How a person applies the output of `mfa-env ARGS` in this shell (`args` already quoted).
    pub(crate) fn apply_hint(self, args: &str) -> String {
        let command = if args.is_empty() {
            "mfa-env".to_owned()
        } else {
            format!("mfa-env {args}")
        };
        match self {
            Shell::Posix => format!("eval \"$({command})\""),
            Shell::Fish => format!("{command} | source"),
            Shell::PowerShell => format!("{command} | Out-String | Invoke-Expression"),
            Shell::Cmd => format!(
                "the mfa command from `mfa-env init cmd` ({})",
                command.replacen("mfa-env", "mfa", 1)
            ),
            Shell::Csh => format!("eval \"`{command}`\""),
            Shell::Elvish => format!("eval ({command} | slurp)"),
            Shell::Xonsh => format!("execx($({command}))"),
            Shell::Nu => format!("{command} | from json | load-env"),
            Shell::Json | Shell::Github | Shell::Dotenv | Shell::NoOutput => {
                format!("{command} > FILE")
            }
        }
    }
}

/// Variable names are checked, never quoted.
fn check_name(name: &str) -> Result<(), Refused> {
    crate::checks::variable_name(name).map_err(|_| Refused("it is not a valid variable name"))
}

/// Shells whose syntax we do not write: run from one of them, we refuse rather than print
/// lines it would misread (tcsh runs POSIX `unset` and clears nothing).
const UNSUPPORTED: &[&str] = &["murex", "ion", "rc", "es", "oil", "osh", "ysh"];

/// A program name as the OS reports it (`-bash`, `ksh93`, `pwsh.exe`), as a bare lower-case name.
fn program_name(program: &OsStr) -> Option<String> {
    // Split on both separators: a Windows path may be inspected on any platform in tests.
    let base = program.to_str()?.rsplit(['/', '\\']).next()?;
    let base = base.trim_start_matches('-').to_ascii_lowercase();
    Some(base.strip_suffix(".exe").map(str::to_owned).unwrap_or(base))
}

/// The table row for a program name as the OS reports it.
fn from_program(program: &OsStr) -> Option<Shell> {
    let base = program_name(program)?;
    NAMES
        .iter()
        .find(|n| n.programs.contains(&base.as_str()))
        .map(|n| n.shell)
}

/// A shell we know of but write no syntax for, by the name `--shell` would need.
fn unsupported(program: &OsStr) -> Option<&'static str> {
    let base = program_name(program)?;
    UNSUPPORTED.iter().find(|u| **u == base).copied()
}

/// Whether `program` (a name or path, as the OS reports it) is a shell, one we write syntax
/// for or not: what `exec` starts again when it is our parent.
pub(crate) fn is_shell_program(program: &OsStr) -> bool {
    from_program(program).is_some() || unsupported(program).is_some()
}

/// What detection looks at, gathered by `platform` and the environment snapshot.
#[derive(Default)]
pub(crate) struct Clues<'a> {
    /// `$XONSH_VERSION` is set: xonsh runs as a Python interpreter, which may show as our
    /// parent by that name (`python3 -m xonsh`).
    pub(crate) xonsh: bool,
    /// Our parent process's program name or path.
    pub(crate) parent: Option<&'a OsStr>,
    /// `$_`: bash, zsh and ksh set it to the program they ran.
    pub(crate) underscore: Option<&'a OsStr>,
    /// Our own `argv[0]`.
    pub(crate) me: Option<&'a OsStr>,
    /// `$SHELL`.
    pub(crate) login_shell: Option<&'a OsStr>,
}

/// The shell that will evaluate our output: the parent process, else `$SHELL`, else POSIX.
/// `Err` names a parent shell whose syntax we do not write.
pub(crate) fn detect(clues: &Clues) -> Result<Shell, &'static str> {
    if let Some(shell) = clues.parent.and_then(from_program) {
        return Ok(shell);
    }
    if clues.xonsh
        && clues
            .parent
            .and_then(program_name)
            .is_some_and(|p| p.starts_with("python"))
    {
        return Ok(Shell::Xonsh);
    }
    // bash, zsh and ksh exec a lone `-c` command in their own place, so our parent is whoever
    // started the shell. They leave `_` naming the program they ran; fish never does.
    if let (Some(ran), Some(me)) = (clues.underscore, clues.me) {
        let (ran, me) = (Path::new(ran).file_name(), Path::new(me).file_name());
        if ran.is_some() && ran == me {
            return Ok(Shell::Posix);
        }
    }
    if let Some(name) = clues.parent.and_then(unsupported) {
        return Err(name);
    }
    Ok(clues
        .login_shell
        .and_then(from_program)
        .unwrap_or(Shell::Posix))
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
        assert_eq!(Shell::Csh.quote("a'b!c\\").unwrap(), r"'a'\''b\!c\'");
        assert_eq!(Shell::Elvish.quote(v).unwrap(), r#"'a''b\c"$d`e'"#);
        assert_eq!(Shell::Xonsh.quote(v).unwrap(), r#""a'b\\c\"$d`e""#);
        assert_eq!(Shell::Nu.quote("é\\").unwrap(), r#""é\\""#);
        assert_eq!(Shell::Fish.quote(r"ab\").unwrap(), r"'ab\\'");
        assert_eq!(powershell_quote_class(), r"'[''\u2018\u2019\u201A\u201B]'");
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
            for bad in ["a\nb", "a\0b", "a\u{7f}", "a\u{85}"] {
                assert!(shell.quote(bad).is_err(), "{shell:?} {bad:?}");
            }
        }
        for bad in ["a\"b", "50%", "hi!", "a^b", "a&b", "a|b", "a<b", "a>b", "é"] {
            assert!(Shell::Cmd.quote(bad).is_err(), "{bad}");
        }
        for bad in ["a b", "a'b", "a\"b", "a$b", "a#b", "a`b", "a\\b", "é"] {
            assert!(Shell::Dotenv.quote(bad).is_err(), "{bad}");
        }
        for shell in [Shell::Csh, Shell::Elvish, Shell::Xonsh, Shell::Nu] {
            assert!(shell.quote("a\nb").is_err(), "{shell:?}");
        }
        assert!(Shell::Csh.quote("é").is_err());
        assert_eq!(Shell::Cmd.quote("AbC+/=").unwrap(), "AbC+/=");
    }

    #[test]
    fn set_and_unset_lines() {
        let set = |shell: Shell| shell.set("A_1", "v", "EOF").unwrap();
        assert_eq!(set(Shell::Posix), "export A_1='v'\n");
        assert_eq!(set(Shell::Fish), "set -gx A_1 'v'\n");
        assert_eq!(set(Shell::PowerShell), "$Env:A_1 = 'v'\n");
        assert_eq!(set(Shell::Cmd), "set \"A_1=v\"\n");
        assert_eq!(set(Shell::Dotenv), "A_1=v\n");
        assert_eq!(set(Shell::Github), "A_1<<EOF\nv\nEOF\n");
        assert!(Shell::Github.set("A", "xEOFx", "EOF").is_err());
        assert_eq!(Shell::Posix.unset(&["A", "B"]).unwrap(), "unset A B\n");
        assert_eq!(
            Shell::Fish.unset(&["A", "B"]).unwrap(),
            "set -e A; or true\nset -e B; or true\n"
        );
        assert_eq!(Shell::Cmd.unset(&["A"]).unwrap(), "set \"A=\"\n");
        assert_eq!(
            Shell::PowerShell.unset(&["A"]).unwrap(),
            "Remove-Item -LiteralPath Env:A -ErrorAction SilentlyContinue\n"
        );
        assert!(Shell::Json.unset(&["A"]).is_err());
        assert_eq!(set(Shell::Csh), "setenv A_1 'v';\n");
        assert_eq!(set(Shell::Elvish), "set-env A_1 'v'\n");
        assert_eq!(set(Shell::Xonsh), "$A_1 = \"v\"\n");
        assert_eq!(
            Shell::Csh.unset(&["A", "B"]).unwrap(),
            "unsetenv A;\nunsetenv B;\n"
        );
        assert_eq!(Shell::Elvish.unset(&["A"]).unwrap(), "unset-env A\n");
        assert_eq!(
            Shell::Xonsh.unset(&["A"]).unwrap(),
            "${...}.pop(\"A\", None)\n"
        );
        // nushell: one record, each variable once as its last change leaves it.
        assert_eq!(
            Shell::nu_record([("A", Some("x\"y")), ("B", None), ("A", None)]).unwrap(),
            "{\n  \"A\": null,\n  \"B\": null\n}\n"
        );
        assert_eq!(Shell::nu_record([("A B", Some("v"))]).unwrap_err().0, "A B");
        assert!(Shell::Posix.set("1A", "v", "").is_err());
        assert!(Shell::Posix.set("A;B", "v", "").is_err());
        assert!(Shell::Posix.unset(&["A B"]).is_err());
        assert_eq!(Shell::github_mask("a%b\nc"), "::add-mask::a%25b%0Ac\n");
    }

    #[test]
    fn the_table_is_consistent() {
        for (i, n) in NAMES.iter().enumerate() {
            for (j, m) in NAMES.iter().enumerate() {
                if i != j {
                    assert_ne!(n.name, m.name);
                    assert!(!m.aliases.contains(&n.name), "{}", n.name);
                }
            }
            assert_eq!(lookup(n.name).map(|r| r.name), Some(n.name));
        }
        assert_eq!(lookup("pwsh").map(|n| n.shell), Some(Shell::PowerShell));
        assert_eq!(lookup("mksh").map(|n| n.shell), Some(Shell::Posix));
        assert_eq!(lookup("yash").map(|n| n.name), Some("sh"));
        assert_eq!(lookup("nushell").map(|n| n.name), Some("nu"));
        assert_eq!(lookup("csh").map(|n| n.shell), Some(Shell::Csh));
        assert_eq!(
            listed(|n| n.snippet.is_some()),
            "bash, zsh, sh, ksh, fish, powershell, cmd, tcsh, csh, elvish, xonsh or nu"
        );
    }

    #[test]
    fn detection_is_a_function_of_its_clues() {
        let os = OsStr::new;
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
            ("-tcsh", Shell::Csh),
            ("bsd-csh", Shell::Csh),
            ("elvish", Shell::Elvish),
            ("xonsh", Shell::Xonsh),
            ("nu.exe", Shell::Nu),
        ] {
            let clues = Clues {
                parent: Some(os(program)),
                login_shell: Some(os("/usr/bin/fish")),
                ..Clues::default()
            };
            assert_eq!(detect(&clues), Ok(shell), "{program}");
        }
        // A parent that is no shell: `$_` naming us means a POSIX shell exec'd us.
        let clues = Clues {
            parent: Some(os("sshd")),
            underscore: Some(os("/usr/local/bin/mfa-env")),
            me: Some(os("mfa-env")),
            login_shell: Some(os("/usr/bin/fish")),
            xonsh: false,
        };
        assert_eq!(detect(&clues), Ok(Shell::Posix));
        let clues = Clues {
            parent: Some(os("python3")),
            underscore: Some(os("/usr/bin/env")),
            me: Some(os("mfa-env")),
            login_shell: Some(os("/usr/bin/fish")),
            xonsh: false,
        };
        assert_eq!(detect(&clues), Ok(Shell::Fish));
        // xonsh run as `python3 -m xonsh` shows as python3; its variable says which.
        let clues = Clues {
            xonsh: true,
            ..clues
        };
        assert_eq!(detect(&clues), Ok(Shell::Xonsh));
        assert_eq!(detect(&Clues::default()), Ok(Shell::Posix));
        // A shell whose syntax we do not write is named, never served POSIX lines.
        for program in ["murex", "/usr/bin/ion", "rc"] {
            let clues = Clues {
                parent: Some(os(program)),
                login_shell: Some(os("/bin/bash")),
                ..Clues::default()
            };
            assert!(detect(&clues).is_err(), "{program}");
        }
    }

    #[test]
    fn hints() {
        assert_eq!(
            Shell::Posix.apply_hint("--profile work"),
            "eval \"$(mfa-env --profile work)\""
        );
        assert_eq!(Shell::Fish.apply_hint(""), "mfa-env | source");
        assert_eq!(Shell::Csh.apply_hint("-p x"), "eval \"`mfa-env -p x`\"");
        assert_eq!(Shell::Elvish.apply_hint(""), "eval (mfa-env | slurp)");
        assert_eq!(Shell::Xonsh.apply_hint(""), "execx($(mfa-env))");
        assert_eq!(Shell::Nu.apply_hint(""), "mfa-env | from json | load-env");
        assert_eq!(
            Shell::PowerShell.apply_hint(""),
            "mfa-env | Out-String | Invoke-Expression"
        );
    }
}
