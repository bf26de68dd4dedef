//! The AWS shared config and credentials files: read the way the AWS SDKs read them, and edited
//! without changing a byte that is not ours.

use std::collections::HashMap;
use std::fmt;

/// Which of the two shared files a text comes from: their section headers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/config`: `[default]` and `[profile NAME]`.
    Config,
    /// `~/.aws/credentials`: `[NAME]`.
    Credentials,
}

/// A line the SDKs would refuse, with its 1-based number.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

pub type Properties = HashMap<String, String>;

/// Every profile's properties, merged as the SDKs merge them: config first, then credentials.
#[derive(Debug, Default)]
pub struct Profiles(HashMap<String, Properties>);

impl Profiles {
    /// Adds one file's profiles; later keys override earlier ones.
    pub fn merge(&mut self, text: &str, kind: FileKind) -> Result<(), ParseError> {
        let lines = scan(text)?;
        // In the config file `[profile default]` wins over `[default]` wherever they appear.
        let prefixed_default = kind == FileKind::Config
            && lines.iter().any(|l| matches!(l.kind, Kind::Section(h) if h.split_whitespace().eq(["profile", "default"])));
        let mut current: Option<&mut Properties> = None;
        let mut last_key: Option<String> = None;
        for line in &lines {
            match line.kind {
                Kind::Section(header) => {
                    let name = profile_name(header, kind).filter(|_| {
                        !(prefixed_default && header.trim_matches(WHITESPACE) == "default")
                    });
                    current = name.map(|n| self.0.entry(n.to_owned()).or_default());
                    last_key = None;
                }
                Kind::Property { key, value } => {
                    if let Some(props) = current.as_deref_mut() {
                        let key = key.to_ascii_lowercase();
                        props.insert(key.clone(), value.to_owned());
                        last_key = Some(key);
                    }
                }
                Kind::Continuation(more) => {
                    if let (Some(props), Some(key)) = (current.as_deref_mut(), &last_key)
                        && let Some(value) = props.get_mut(key)
                    {
                        value.push('\n');
                        value.push_str(more);
                    }
                }
                Kind::Blank | Kind::Comment => {}
            }
        }
        Ok(())
    }

    pub fn get(&self, profile: &str) -> Option<&Properties> {
        self.0.get(profile)
    }

    /// The profile names, sorted, for "did you mean" messages.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// The profile a section header names in a file of `kind`, if it names one.
fn profile_name(header: &str, kind: FileKind) -> Option<&str> {
    let header = header.trim_matches(WHITESPACE);
    let name = match (kind, header.split_once(WHITESPACE)) {
        (FileKind::Config, Some(("profile", name))) => name.trim_matches(WHITESPACE),
        (FileKind::Config, None) if header == "default" => header,
        (FileKind::Credentials, None) => header,
        _ => return None,
    };
    is_identifier(name).then_some(name)
}

/// The characters the SDKs accept in a profile name.
pub fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

const WHITESPACE: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    Blank,
    Comment,
    /// The text between the brackets.
    Section(&'a str),
    Property {
        key: &'a str,
        value: &'a str,
    },
    /// An indented line that continues the property above.
    Continuation(&'a str),
}

struct Line<'a> {
    /// The line as it is in the file, line ending included.
    raw: &'a str,
    kind: Kind<'a>,
}

/// Splits a file into classified lines, refusing what the SDKs' parser refuses.
fn scan(text: &str) -> Result<Vec<Line<'_>>, ParseError> {
    let mut lines = Vec::new();
    let mut in_section = false;
    let mut after_property = false;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let error = |message| ParseError {
            line: index + 1,
            message,
        };
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let kind = if content.trim_matches(WHITESPACE).is_empty() {
            Kind::Blank
        } else if content.starts_with(COMMENT) {
            Kind::Comment
        } else if content.starts_with('[') {
            let header = strip_comment(content, false);
            let name = header
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .ok_or(error("a section header must end with ']'"))?;
            in_section = true;
            after_property = false;
            Kind::Section(name)
        } else if !in_section {
            return Err(error("expected a [section] before this line"));
        } else if content.starts_with(WHITESPACE) {
            if !after_property {
                return Err(error("an indented line must continue a property"));
            }
            Kind::Continuation(content.trim_matches(WHITESPACE))
        } else {
            let (key, value) = strip_comment(content, true)
                .split_once('=')
                .ok_or(error("expected 'key = value'"))?;
            let key = key.trim_matches(WHITESPACE);
            if key.is_empty() {
                return Err(error("a property has no name before '='"));
            }
            after_property = true;
            Kind::Property {
                key,
                value: value.trim_matches(WHITESPACE),
            }
        };
        lines.push(Line { raw, kind });
    }
    Ok(lines)
}

/// Cuts a trailing `#` or `;` comment; in property lines only one preceded by whitespace counts.
fn strip_comment(line: &str, needs_whitespace: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let mut previous_whitespace = false;
    for (index, c) in line.char_indices() {
        if COMMENT.contains(&c) && (previous_whitespace || !needs_whitespace) {
            return line[..index].trim_matches(WHITESPACE);
        }
        previous_whitespace = c.is_whitespace();
    }
    line
}

/// The properties of section `[name]` of a credentials file.
pub fn section(text: &str, name: &str) -> Result<Option<Properties>, ParseError> {
    let mut only = Profiles::default();
    only.merge(text, FileKind::Credentials)?;
    Ok(only.0.remove(name))
}

/// Sets `pairs` in section `[name]` of a credentials file (appending the section if it is
/// missing) and returns the new text. Every other byte, line ending and comment is kept.
pub fn set_section(text: &str, name: &str, pairs: &[(&str, &str)]) -> Result<String, ParseError> {
    let lines = scan(text)?;
    let eol = if lines.first().is_some_and(|l| l.raw.ends_with("\r\n")) {
        "\r\n"
    } else {
        "\n"
    };
    let in_target: Vec<bool> = {
        let mut inside = false;
        lines
            .iter()
            .map(|l| {
                if let Kind::Section(h) = l.kind {
                    inside = profile_name(h, FileKind::Credentials) == Some(name);
                }
                inside
            })
            .collect()
    };

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
        // A new section, after a blank line unless the file is empty.
        let mut section = Vec::new();
        if !out.is_empty() {
            section.push(String::new());
        }
        section.push(format!("[{name}]"));
        section.extend(pairs.iter().map(|(k, v)| format!("{k} = {v}")));
        push_lines(&mut out, &section, eol);
    }
    // A file without a final line ending keeps lacking one, even when its last line was ours.
    if !text.is_empty() && !text.ends_with('\n') {
        let ending = if out.ends_with("\r\n") {
            2
        } else {
            usize::from(out.ends_with('\n'))
        };
        out.truncate(out.len() - ending);
    }
    Ok(out)
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
    let Some(eq) = body.find('=') else {
        return raw.to_owned();
    };
    let after = &body[eq + 1..];
    let spacing = &after[..after.len() - after.trim_start_matches(WHITESPACE).len()];
    format!("{}{spacing}{value}{ending}", &body[..=eq])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(config: &str, credentials: &str) -> Profiles {
        let mut p = Profiles::default();
        p.merge(config, FileKind::Config).unwrap();
        p.merge(credentials, FileKind::Credentials).unwrap();
        p
    }

    #[test]
    fn reads_like_the_sdk() {
        let p = merged(
            "[default]\nregion = eu-west-1\n[profile  work ]\nmfa_serial=arn:aws:iam::1:mfa/u # mine\nDuration_Seconds = 3600\n[work]\nregion=x\n[sso-session s]\nk=v\n",
            "[work]\naws_access_key_id = AKIA;not-a-comment\n; comment\n[profile bad]\nx=y\n",
        );
        assert_eq!(p.get("default").unwrap()["region"], "eu-west-1");
        let work = p.get("work").unwrap();
        assert_eq!(work["mfa_serial"], "arn:aws:iam::1:mfa/u");
        assert_eq!(work["duration_seconds"], "3600");
        assert_eq!(work["aws_access_key_id"], "AKIA;not-a-comment");
        assert!(
            !work.contains_key("region"),
            "[work] in the config file is not a profile"
        );
        assert_eq!(p.names(), ["default", "work"]);
    }

    #[test]
    fn profile_default_wins_in_config() {
        let p = merged("[profile default]\nregion = a\n[default]\nregion = b\n", "");
        assert_eq!(p.get("default").unwrap()["region"], "a");
    }

    #[test]
    fn continuation_lines_extend_values() {
        let p = merged("[default]\ns3 =\n  max_concurrent_requests = 10\n", "");
        assert_eq!(
            p.get("default").unwrap()["s3"],
            "\nmax_concurrent_requests = 10"
        );
    }

    #[test]
    fn refuses_what_the_sdk_refuses() {
        let err = |text: &str| {
            Profiles::default()
                .merge(text, FileKind::Credentials)
                .unwrap_err()
        };
        assert_eq!(err("key = v\n").line, 1);
        assert_eq!(err("[a]\n\n[b\n").line, 3);
        assert_eq!(err("[a]\nnot a property\n").line, 2);
        assert_eq!(err("[a]\n = v\n").line, 2);
        assert_eq!(err("[a]\n  indented\n").line, 2);
    }

    const PAIRS: &[(&str, &str)] = &[("aws_session_token", "T"), ("expiration", "E")];

    #[test]
    fn edits_only_our_keys() {
        let text = "# top\n[default]\naws_access_key_id=AKIA\n\n[mfa]  ; ours\naws_session_token =  old\n  old-continued\n# keep me\n\n[other]\nk = v";
        let out = set_section(text, "mfa", PAIRS).unwrap();
        assert_eq!(
            out,
            "# top\n[default]\naws_access_key_id=AKIA\n\n[mfa]  ; ours\naws_session_token =  T\nexpiration = E\n# keep me\n\n[other]\nk = v"
        );
    }

    #[test]
    fn appends_a_section_keeping_line_endings() {
        assert_eq!(
            set_section("", "mfa", PAIRS).unwrap(),
            "[mfa]\naws_session_token = T\nexpiration = E\n"
        );
        assert_eq!(
            set_section("[a]\r\nk = v\r\n", "mfa", PAIRS).unwrap(),
            "[a]\r\nk = v\r\n\r\n[mfa]\r\naws_session_token = T\r\nexpiration = E\r\n"
        );
        assert_eq!(
            set_section("[a]\nk = v", "mfa", PAIRS).unwrap(),
            "[a]\nk = v\n\n[mfa]\naws_session_token = T\nexpiration = E"
        );
        assert_eq!(
            set_section("[mfa]", "mfa", PAIRS).unwrap(),
            "[mfa]\naws_session_token = T\nexpiration = E"
        );
    }

    #[test]
    fn a_malformed_file_is_not_edited() {
        assert_eq!(
            set_section("[a]\nnope\n", "mfa", PAIRS).unwrap_err().line,
            2
        );
    }
}
