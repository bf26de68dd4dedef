//! Editing the shared files without changing a byte that is not ours: setting a section's keys,
//! and copies without credentials.

use super::{FileKind, Header, Kind, Line, ParseError, Profile, Profiles, blank, header, scan};

/// The properties from which the AWS SDKs take credentials for a profile: keys, a process, a
/// role, web identity, SSO and console sign-in.
const CREDENTIAL_PROPERTIES: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "credential_process",
    "credential_source",
    "role_arn",
    "source_profile",
    "web_identity_token_file",
    "login_session",
];

/// Whether `key` (any case) gives an SDK credentials.
fn gives_credentials(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    CREDENTIAL_PROPERTIES.contains(&key.as_str()) || key.starts_with("sso_")
}

/// `text` (a config or credentials file) with every property that gives credentials removed,
/// with its continuation lines; every other byte stays: what `exec --server`'s command reads,
/// so that only the endpoint can give it credentials while its other settings apply.
pub(crate) fn without_credentials(text: &str) -> Result<String, ParseError> {
    let mut out = String::with_capacity(text.len());
    let mut dropping = false;
    for line in scan(text)? {
        dropping = match line.kind {
            Kind::Property { key, .. } => gives_credentials(key),
            Kind::Continuation(_) => dropping,
            _ => false,
        };
        if !dropping {
            out.push_str(line.raw);
        }
    }
    Ok(out)
}

/// The profile names a section header may hold when we write it.
pub(crate) fn writable_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

/// The properties of section `[name]` of a credentials file.
pub(crate) fn section(text: &str, name: &str) -> Result<Option<Profile>, ParseError> {
    let mut only = Profiles::default();
    only.merge(text, FileKind::Credentials)?;
    Ok(only.profiles.into_iter().find(|p| p.name == name))
}

/// Sets `pairs` in section `[name]` of a credentials file (appending the section if it is
/// missing) and returns the new text. Every other byte, line ending and comment is kept.
pub(crate) fn set_section(
    text: &str,
    name: &str,
    pairs: &[(&str, &str)],
) -> Result<String, ParseError> {
    let lines = scan(text)?;
    let eol = line_ending(&lines);
    let in_target = in_section(&lines, name);
    let mut out = String::with_capacity(text.len() + 4096);
    let mut written: Vec<&str> = Vec::new();
    // Where missing keys go: after the last property of the last `[name]` section.
    let insert_after = (0..lines.len()).rev().find(|&i| {
        in_target[i]
            && matches!(
                lines[i].kind,
                Kind::Property { .. } | Kind::Continuation(_) | Kind::Section(_)
            )
    });
    let mut replaced_property = false;
    for (i, line) in lines.iter().enumerate() {
        match line.kind {
            Kind::Property { key, .. } if in_target[i] => {
                let ours = pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
                replaced_property = ours.is_some();
                match ours {
                    Some((k, v)) => {
                        out.push_str(&replace_value(line.raw, v));
                        written.push(k);
                    }
                    None => out.push_str(line.raw),
                }
            }
            // The old value's continuation lines would be read as part of the new value.
            Kind::Continuation(_) if in_target[i] && replaced_property => {}
            Kind::Comment | Kind::Blank if in_target[i] => out.push_str(line.raw),
            _ => {
                replaced_property = false;
                out.push_str(line.raw);
            }
        }
        if Some(i) == insert_after {
            let missing: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| !written.contains(k))
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            push_lines(&mut out, &missing, eol);
            written.extend(pairs.iter().map(|(k, _)| *k));
        }
    }
    if insert_after.is_none() {
        append_section(&mut out, name, pairs, eol);
    }
    Ok(keep_missing_final_newline(text, out))
}

/// The file's line ending, from its first line (`\n` for an empty file).
fn line_ending(lines: &[Line]) -> &'static str {
    if lines.first().is_some_and(|l| l.raw.ends_with("\r\n")) {
        "\r\n"
    } else {
        "\n"
    }
}

/// For each line, whether it is in a `[name]` section of a credentials file.
fn in_section(lines: &[Line], name: &str) -> Vec<bool> {
    let mut inside = false;
    lines
        .iter()
        .map(|l| {
            if let Kind::Section(h) = l.kind {
                inside = header(h, FileKind::Credentials) == Header::Profile(name.to_owned());
            }
            inside
        })
        .collect()
}

/// A new `[name]` section at the end, after a blank line unless the file is empty.
fn append_section(out: &mut String, name: &str, pairs: &[(&str, &str)], eol: &str) {
    let mut section = Vec::new();
    if !out.is_empty() {
        section.push(String::new());
    }
    section.push(format!("[{name}]"));
    section.extend(pairs.iter().map(|(k, v)| format!("{k} = {v}")));
    push_lines(out, &section, eol);
}

/// `out`, without a final line ending when `text` had none (even when its last line was ours).
fn keep_missing_final_newline(text: &str, mut out: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        let ending = if out.ends_with("\r\n") {
            2
        } else {
            usize::from(out.ends_with('\n'))
        };
        out.truncate(out.len() - ending);
    }
    out
}

/// Appends `lines` after `out`; where `out` lacks a final line ending, so does the result.
fn push_lines(out: &mut String, lines: &[String], eol: &str) {
    if lines.is_empty() {
        return;
    }
    let open_last_line = !out.is_empty() && !out.ends_with('\n');
    for line in lines {
        if open_last_line {
            out.push_str(eol);
            out.push_str(line);
        } else {
            out.push_str(line);
            out.push_str(eol);
        }
    }
}

/// `raw` (a `key = value` line) with its value replaced; the key, spacing and line end stay.
fn replace_value(raw: &str, value: &str) -> String {
    let body_end = raw.trim_end_matches(['\n', '\r']).len();
    let (body, ending) = raw.split_at(body_end);
    let Some(at) = body.find(['=', ':']) else {
        return raw.to_owned();
    };
    let after = &body[at + 1..];
    let spacing = &after[..after.len() - after.trim_start_matches(blank).len()];
    format!("{}{spacing}{value}{ending}", &body[..=at])
}
