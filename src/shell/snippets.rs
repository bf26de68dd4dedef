//! `mfa-env init SHELL`: the snippets in `shell/`, with the function name and the absolute path
//! of this binary filled in, each quoted or checked for its shell.

use crate::error::{Error, Result, shown};
use crate::shell::{self, Shell};

/// The text in each snippet that names the function (or, for cmd, the file), with `mfa` in
/// it, and the call of the binary, with `mfa-env` in it.
fn markers(shell: Shell) -> (&'static str, &'static str) {
    match shell {
        Shell::Fish => ("function mfa ", "mfa-env --shell"),
        Shell::PowerShell => ("function mfa {", "mfa-env --shell"),
        Shell::Cmd => ("mfa.cmd", "\"mfa-env\" --shell"),
        Shell::Csh => ("alias mfa ", "mfa-env --shell"),
        Shell::Elvish => ("edit:add-var mfa~ ", "(mfa-env --shell"),
        Shell::Xonsh => ("aliases[\"mfa\"]", "\"mfa-env\", \"--shell\""),
        Shell::Nu => ("def --env --wrapped mfa ", "^mfa-env --shell"),
        _ => ("mfa() {", "mfa-env --shell"),
    }
}

/// The snippet for the shell named `name` (a row of `shell::NAMES` with a snippet).
pub(crate) fn render(name: &str, function: Option<&str>, binary: Option<&str>) -> Result<String> {
    let row = shell::lookup(name)
        .filter(|r| r.snippet.is_some())
        .ok_or_else(|| Error::usage(format!("init has no snippet for '{}'", shown(name))))?;
    let function = function.unwrap_or("mfa");
    crate::checks::function_name(function)
        .map_err(|why| Error::usage(format!("--cmd '{}' is {why}", shown(function))))?;
    // bash and zsh take `-` in a function name; dash, posh and ksh do not.
    if ["sh", "ksh"].contains(&row.name) && function.contains('-') {
        return Err(Error::usage(format!(
            "--cmd '{}' is not a function name in POSIX shells: use letters, digits and _",
            shown(function)
        )));
    }
    let (name_marker, bin_marker) = markers(row.shell);
    let text = row
        .snippet
        .unwrap_or_default()
        .replace(name_marker, &name_marker.replacen("mfa", function, 1));
    Ok(
        match binary.and_then(|path| quoted_binary(row.shell, path)) {
            Some(bin) => text.replacen(bin_marker, &bin_marker.replacen("mfa-env", &bin, 1), 1),
            None => text,
        },
    )
}

/// This executable's path written for `shell`; `None` (so `mfa-env` on PATH) when it cannot be
/// written safely.
fn quoted_binary(shell: Shell, path: &str) -> Option<String> {
    // The cmd snippet has the path between quotes already, but in a spot where cmd's parser sees
    // it unquoted: a parenthesis there would end the `for` clause.
    match shell {
        Shell::Cmd if path.contains(['(', ')']) => None,
        // The path goes inside the alias's own single quotes: only a plain one is written.
        Shell::Csh => path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
            .then(|| path.to_owned()),
        // Inside the snippet's own double quotes: the literal's body.
        Shell::Xonsh => shell.quote(path).ok().map(|q| q[1..q.len() - 1].to_owned()),
        _ => shell.quote(path).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_marker_occurs_once() {
        for row in shell::NAMES.iter().filter(|r| r.snippet.is_some()) {
            let (name, bin) = markers(row.shell);
            let text = row.snippet.unwrap();
            assert_eq!(text.matches(bin).count(), 1, "{}", row.name);
            assert!(text.contains(name), "{}", row.name);
        }
    }

    #[test]
    fn renames_fills_in_the_binary_and_refuses_bad_names() {
        let text = render("bash", Some("aws-mfa"), Some("/opt/it's/mfa-env")).unwrap();
        assert!(text.contains("\naws-mfa() {\n"), "{text}");
        assert!(
            text.contains("'/opt/it'\\''s/mfa-env' --shell bash"),
            "{text}"
        );
        let text = render("cmd", None, Some("C:\\Program Files (x86)\\mfa-env.exe")).unwrap();
        assert!(text.contains("\"mfa-env\" --shell"), "{text}");
        for bad in ["", "1x", "-x", "a b", "a;b", "a$(id)", "ä"] {
            assert!(render("fish", Some(bad), None).is_err(), "{bad}");
        }
        assert!(render("json", None, None).is_err());
        assert!(render("sh", Some("aws-mfa"), None).is_err());
        assert!(
            render("sh", Some("aws_mfa"), None)
                .unwrap()
                .contains("\naws_mfa() {\n")
        );
        // Each shell's path, written so that its own parser reads it back.
        let text = render("xonsh", None, Some("/opt/a\"b/mfa-env")).unwrap();
        assert!(
            text.contains(r#"["/opt/a\"b/mfa-env", "--shell""#),
            "{text}"
        );
        let text = render("tcsh", None, Some("/opt/it's/mfa-env")).unwrap();
        assert!(text.contains("`mfa-env --shell csh"), "{text}");
        let text = render("nu", Some("aws-mfa"), Some("/opt/mfa-env")).unwrap();
        assert!(
            text.contains("def --env --wrapped aws-mfa [")
                && text.contains("^\"/opt/mfa-env\" --shell nu"),
            "{text}"
        );
        let text = render("elvish", Some("aws-mfa"), Some("/opt/mfa-env")).unwrap();
        assert!(
            text.contains("edit:add-var aws-mfa~ {")
                && text.contains("('/opt/mfa-env' --shell elvish"),
            "{text}"
        );
    }
}
