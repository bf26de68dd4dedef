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
pub(super) fn gives_credentials(key: &str) -> bool {
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
    // A text's sections are read from memory: `get` has nothing to fail on.
    Ok(only.get(name).ok().flatten().cloned())
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

/// `text` (a credentials file) without the long-term keys of `[name]`: its
/// `aws_access_key_id` and `aws_secret_access_key` lines (with their continuations), and not
/// one other byte.
pub(crate) fn without_keys(text: &str, name: &str) -> Result<String, ParseError> {
    let lines = scan(text)?;
    let inside = in_section(&lines, name);
    let mut out = String::with_capacity(text.len());
    let mut dropping = false;
    for (line, inside) in lines.iter().zip(inside) {
        dropping = match line.kind {
            Kind::Property { key, .. } => {
                inside
                    && (key.eq_ignore_ascii_case("aws_access_key_id")
                        || key.eq_ignore_ascii_case("aws_secret_access_key"))
            }
            Kind::Continuation(_) => dropping,
            _ => false,
        };
        if !dropping {
            out.push_str(line.raw);
        }
    }
    Ok(keep_missing_final_newline(text, out))
}

/// What `--write-profile` writes: the session, its end, the region and the mark that names the
/// profile it came from.
const WRITTEN: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "expiration",
    "region",
    crate::aws::chain::SOURCE_KEY,
];

/// `text` (a credentials file) without the sessions mfa-env wrote there: each section marked
/// with `mfa_env_source_profile` (naming `from`, or any profile when `None`) that holds a
/// session token. A section holding nothing but what mfa-env writes goes whole, with the blank
/// line that set it apart; where someone added lines of their own, those stay and only the
/// session and its mark go. Every other byte stays. Also the names of the sections changed.
pub(crate) fn remove_written(
    text: &str,
    from: Option<&str>,
) -> Result<(String, Vec<String>), ParseError> {
    let lines = scan(text)?;
    let mut drop = vec![false; lines.len()];
    let mut names = Vec::new();
    for range in sections(&lines) {
        let Kind::Section(h) = lines[range.start].kind else {
            continue;
        };
        let Header::Profile(name) = header(h, FileKind::Credentials) else {
            continue;
        };
        let body = &lines[range.clone()];
        let value = |wanted: &str| {
            body.iter().rev().find_map(|l| match l.kind {
                Kind::Property { key, value } if key.eq_ignore_ascii_case(wanted) => Some(value),
                _ => None,
            })
        };
        let marked = value(crate::aws::chain::SOURCE_KEY)
            .is_some_and(|v| !v.is_empty() && from.is_none_or(|from| v == from));
        if !marked || value("aws_session_token").is_none_or(str::is_empty) {
            continue;
        }
        let ours = |key: &str| WRITTEN.iter().any(|w| w.eq_ignore_ascii_case(key));
        // Blank lines and comments after the last property belong to what follows.
        let last = range
            .clone()
            .rev()
            .find(|&i| matches!(lines[i].kind, Kind::Property { .. } | Kind::Continuation(_)));
        let last = last.unwrap_or(range.start);
        let whole = lines[range.start + 1..=last].iter().all(|l| match l.kind {
            Kind::Property { key, .. } => ours(key),
            Kind::Continuation(_) | Kind::Blank => true,
            _ => false,
        });
        if whole {
            drop_whole(&lines, range.start..=last, &mut drop);
        } else {
            // Only the session and its mark: the region may be the person's.
            let secret = |key: &str| ours(key) && !key.eq_ignore_ascii_case("region");
            let mut dropping = false;
            for i in range {
                dropping = match lines[i].kind {
                    Kind::Property { key, .. } => secret(key),
                    Kind::Continuation(_) => dropping,
                    _ => false,
                };
                drop[i] |= dropping;
            }
        }
        names.push(name.into_owned());
    }
    let out: String = lines
        .iter()
        .zip(&drop)
        .filter(|(_, dropped)| !**dropped)
        .map(|(l, _)| l.raw)
        .collect();
    Ok((keep_missing_final_newline(text, out), names))
}

/// Each section's lines, from its header to the next one.
fn sections(lines: &[Line]) -> Vec<std::ops::Range<usize>> {
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| matches!(lines[i].kind, Kind::Section(_)))
        .collect();
    let ends = starts.iter().skip(1).copied().chain([lines.len()]);
    starts.iter().zip(ends).map(|(&s, e)| s..e).collect()
}

/// Marks the lines of a section written whole dropped (`lines`: its header to its last
/// property), and one blank line that set it apart: the one before it, as `--write-profile`
/// appends it, else the one after.
fn drop_whole(all: &[Line], lines: std::ops::RangeInclusive<usize>, drop: &mut [bool]) {
    let (first, last) = (*lines.start(), *lines.end());
    drop[lines].fill(true);
    let blank = |i: usize| matches!(all[i].kind, Kind::Blank) && !drop[i];
    if first > 0 && blank(first - 1) {
        drop[first - 1] = true;
    } else if last + 1 < all.len() && blank(last + 1) {
        drop[last + 1] = true;
    }
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
                inside = header(h, FileKind::Credentials) == Header::Profile(name.into());
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
