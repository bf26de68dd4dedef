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
        let text = render("cmd", None, Some("C:\\Program AwsFiles (x86)\\mfa-env.exe")).unwrap();
        assert!(text.contains("\"mfa-env\" --shell"), "{text}");
        for bad in ["", "1x", "-x", "a b", "a;b", "a$(id)", "ä"] {
            assert!(render("fish", Some(bad), None).is_err(), "{bad}");
        }
        assert!(render("json", None, None).is_err());
    }
}
