//! `mfa-env init SHELL`: the snippets in `shell/`, with the function name and the absolute path
//! of this binary filled in, each quoted or checked for its shell.

use crate::cli::InitShell;
use crate::error::{Error, Result};
use crate::shell::Shell;

struct Snippet {
    text: &'static str,
    /// The text that names the function (or, for cmd, the file), with `mfa` in it.
    name_marker: &'static str,
    /// The call of the binary, `mfa-env` in it.
    bin_marker: &'static str,
    quoting: Shell,
}

fn snippet_for(shell: InitShell) -> Snippet {
    let (text, name_marker, bin_marker, quoting) = match shell {
        InitShell::Bash => (
            include_str!("../shell/mfa-env.bash"),
            "mfa() {",
            "mfa-env --shell",
            Shell::Posix,
        ),
        InitShell::Zsh => (
            include_str!("../shell/mfa-env.zsh"),
            "mfa() {",
            "mfa-env --shell",
            Shell::Posix,
        ),
        InitShell::Fish => (
            include_str!("../shell/mfa-env.fish"),
            "function mfa ",
            "mfa-env --shell",
            Shell::Fish,
        ),
        InitShell::PowerShell => (
            include_str!("../shell/mfa-env.ps1"),
            "function mfa {",
            "mfa-env --shell",
            Shell::PowerShell,
        ),
        InitShell::Cmd => (
            include_str!("../shell/mfa-env.cmd"),
            "mfa.cmd",
            "\"mfa-env\" --shell",
            Shell::Cmd,
        ),
    };
    Snippet {
        text,
        name_marker,
        bin_marker,
        quoting,
    }
}

pub fn render(shell: InitShell, name: Option<&str>) -> Result<String> {
    let name = name.unwrap_or("mfa");
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(Error::usage(format!(
            "--cmd '{name}' is not a function name: use letters, digits, _ and -, not starting with a digit or -"
        )));
    }
    let snippet = snippet_for(shell);
    let text = snippet.text.replace(
        snippet.name_marker,
        &snippet.name_marker.replacen("mfa", name, 1),
    );
    Ok(match binary(snippet.quoting) {
        Some(bin) => text.replacen(
            snippet.bin_marker,
            &snippet.bin_marker.replacen("mfa-env", &bin, 1),
            1,
        ),
        None => text,
    })
}

/// This executable's absolute path, written for `shell`; `None` (so `mfa-env` on PATH) when it
/// is unknown or cannot be written safely.
fn binary(shell: Shell) -> Option<String> {
    let path = std::env::current_exe()
        .ok()
        .filter(|p| p.is_absolute() && p.is_file())?;
    let path = path.to_str()?;
    // The cmd snippet has the path between quotes already, but in a spot where cmd's parser sees
    // it unquoted: a parenthesis there would end the `for` clause.
    if shell == Shell::Cmd && path.contains(['(', ')']) {
        return None;
    }
    shell.quote(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_marker_occurs_once() {
        for shell in [
            InitShell::Bash,
            InitShell::Zsh,
            InitShell::Fish,
            InitShell::PowerShell,
            InitShell::Cmd,
        ] {
            let s = snippet_for(shell);
            assert_eq!(s.text.matches(s.bin_marker).count(), 1, "{shell:?}");
            assert!(s.text.contains(s.name_marker), "{shell:?}");
        }
    }

    #[test]
    fn renames_and_refuses_bad_names() {
        let text = render(InitShell::Bash, Some("aws-mfa")).unwrap();
        assert!(text.contains("\naws-mfa() {\n"), "{text}");
        for bad in ["", "1x", "-x", "a b", "a;b", "a$(id)", "ä"] {
            assert!(render(InitShell::Fish, Some(bad)).is_err(), "{bad}");
        }
    }
}
