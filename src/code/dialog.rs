//! Asking for the code in a small desktop dialog, for runs with no terminal (an IDE, a GUI tool,
//! an SDK running mfa-env as `credential_process`): zenity or kdialog on Linux, osascript on
//! macOS, a PowerShell window on Windows. The text of the dialog names the profile and the
//! device; the code comes back on the program's stdout, never on a command line.

use crate::environment::Environment;

/// The operating systems with a dialog of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Desktop {
    Linux,
    MacOs,
    Windows,
}

impl Desktop {
    pub(crate) fn this() -> Desktop {
        if cfg!(windows) {
            Desktop::Windows
        } else if cfg!(target_os = "macos") {
            Desktop::MacOs
        } else {
            Desktop::Linux
        }
    }
}

/// A program to run and what to give it: the prompt text travels in an argument or a
/// variable, never spliced into a script.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Invocation {
    pub(crate) program: String,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
}

/// The Windows dialog: a small form with a masked field; prints the code, exits 1 on cancel.
const WINDOWS_DIALOG: &str = include_str!("dialog.ps1");

/// The dialog for `desktop`, or `None` when this machine has no way to show one (no display,
/// or neither zenity nor kdialog on Linux).
pub(crate) fn invocation(
    desktop: Desktop,
    text: &str,
    env: &Environment,
    on_path: impl Fn(&str) -> bool,
) -> Option<Invocation> {
    let plain = |program: &str, args: &[&str]| Invocation {
        program: program.to_owned(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        env: Vec::new(),
    };
    match desktop {
        Desktop::Linux => {
            let display = ["DISPLAY", "WAYLAND_DISPLAY"]
                .iter()
                .any(|v| env.os(v).is_some_and(|d| !d.is_empty()));
            if !display {
                None
            } else if on_path("zenity") {
                let text = format!("--text={text}");
                Some(plain(
                    "zenity",
                    &["--entry", "--hide-text", "--title=mfa-env", &text],
                ))
            } else if on_path("kdialog") {
                Some(plain(
                    "kdialog",
                    &["--title", "mfa-env", "--password", text],
                ))
            } else {
                None
            }
        }
        Desktop::MacOs => Some(plain(
            "osascript",
            &[
                "-e",
                "on run argv",
                "-e",
                "text returned of (display dialog (item 1 of argv) default answer \"\" with hidden answer with title \"mfa-env\" buttons {\"Cancel\", \"OK\"} default button \"OK\")",
                "-e",
                "end run",
                text,
            ],
        )),
        Desktop::Windows => Some(Invocation {
            program: "powershell.exe".to_owned(),
            args: [
                "-NoProfile",
                "-NonInteractive",
                "-ExecutionPolicy",
                "Bypass",
                "-EncodedCommand",
                &encode_utf16_base64(WINDOWS_DIALOG),
            ]
            .map(str::to_owned)
            .to_vec(),
            env: vec![("MFA_ENV_DIALOG_TEXT".to_owned(), text.to_owned())],
        }),
    }
}

/// PowerShell's `-EncodedCommand`: the script as UTF-16LE, in base64.
fn encode_utf16_base64(script: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "MFA code for prod (arn:aws:iam::123456789012:mfa/alice)";

    #[test]
    fn linux_needs_a_display_and_a_program() {
        let display = Environment::of(&[("DISPLAY", ":0")]);
        let none = Environment::of(&[]);
        assert_eq!(invocation(Desktop::Linux, TEXT, &none, |_| true), None);
        assert_eq!(invocation(Desktop::Linux, TEXT, &display, |_| false), None);
        assert_eq!(
            invocation(Desktop::Linux, TEXT, &display, |p| p == "zenity").unwrap(),
            Invocation {
                program: "zenity".into(),
                args: vec![
                    "--entry".into(),
                    "--hide-text".into(),
                    "--title=mfa-env".into(),
                    format!("--text={TEXT}")
                ],
                env: vec![],
            }
        );
        let wayland = Environment::of(&[("WAYLAND_DISPLAY", "wayland-0")]);
        let kdialog = invocation(Desktop::Linux, TEXT, &wayland, |p| p == "kdialog").unwrap();
        assert_eq!(kdialog.program, "kdialog");
        assert_eq!(kdialog.args, ["--title", "mfa-env", "--password", TEXT]);
    }

    /// Golden: exactly what runs on macOS, the prompt in an argument (no AppleScript quoting).
    #[test]
    fn macos_golden() {
        let it = invocation(
            Desktop::MacOs,
            "a \"quoted\" name",
            &Environment::of(&[]),
            |_| false,
        )
        .unwrap();
        assert_eq!(it.program, "osascript");
        assert_eq!(
            it.args,
            [
                "-e",
                "on run argv",
                "-e",
                "text returned of (display dialog (item 1 of argv) default answer \"\" with hidden answer with title \"mfa-env\" buttons {\"Cancel\", \"OK\"} default button \"OK\")",
                "-e",
                "end run",
                "a \"quoted\" name",
            ]
        );
    }

    /// Golden: exactly what runs on Windows; the prompt in a variable, the script encoded.
    #[test]
    fn windows_golden() {
        let it = invocation(Desktop::Windows, TEXT, &Environment::of(&[]), |_| false).unwrap();
        assert_eq!(it.program, "powershell.exe");
        assert_eq!(
            &it.args[..5],
            [
                "-NoProfile",
                "-NonInteractive",
                "-ExecutionPolicy",
                "Bypass",
                "-EncodedCommand"
            ]
        );
        assert_eq!(
            it.env,
            [("MFA_ENV_DIALOG_TEXT".to_owned(), TEXT.to_owned())]
        );
        assert!(
            !it.args.iter().any(|a| a.contains("123456789012")),
            "no text in the command"
        );
        // The encoding is UTF-16LE base64 of the script.
        assert_eq!(encode_utf16_base64("ab"), "YQBiAA==");
        assert_eq!(encode_utf16_base64("abc"), "YQBiAGMA");
        assert_eq!(it.args[5], encode_utf16_base64(WINDOWS_DIALOG));
    }
}
