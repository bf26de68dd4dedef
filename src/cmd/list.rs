//! `mfa-env list`: every profile of the config and credentials files, what kind it is, its MFA
//! device, a role's source, the time left of its cached session, and why mfa-env cannot use it
//! when it cannot. No network, and never a key, not even an access key id.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::aws::cache::Cache;
use crate::aws::chain;
use crate::aws::files::AwsFiles;
use crate::aws::obtain::cache;
use crate::aws::profiles::Profile;
use crate::durations;
use crate::environment::Environment;
use crate::error::Result;
use crate::error::{shown_cow, shows_as_is, unsafe_to_show};
use crate::output;
use crate::request::List;
use crate::time;

/// One profile, borrowed from the files: `list` allocates little, as it must stay fast with
/// hundreds of profiles.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Row<'a> {
    pub(crate) profile: &'a str,
    pub(crate) kind: &'static str,
    /// Where the keys that sign for it are: `credentials`, `config`, `process`, `environment`,
    /// or `keychain?` (the keychain is not opened to look).
    pub(crate) keys: Option<&'static str>,
    pub(crate) mfa_device: Option<&'a str>,
    pub(crate) source_profile: Option<Cow<'a, str>>,
    /// `11h58m`, `expired`, or none cached: for people, as `status` spells it.
    pub(crate) session: Option<String>,
    /// For programs: when the cached session ends (`2026-12-01T05:00:00Z`), and the seconds
    /// it has left (0 once expired); none cached, both null.
    pub(crate) expiration: Option<String>,
    pub(crate) seconds_left: Option<i64>,
    /// Why mfa-env cannot use the profile, if it cannot.
    pub(crate) problem: Option<String>,
    /// Whether keys in the credentials file's section of this name stand beside a config
    /// profile that gets credentials its own way (tools disagree on which wins).
    pub(crate) shadows_config: bool,
    /// The NOTE column: the problem, and the shadowing.
    #[serde(skip)]
    pub(crate) note: Option<String>,
}

pub(crate) fn run(how: List, env: &Environment) -> Result<()> {
    let files = AwsFiles::load(env)?;
    let rows = rows(&files, cache(env).as_ref(), time::now())?;
    if rows.is_empty() && how == List::Table {
        output::note(&format!(
            "no profiles in {}: run `aws configure` to create one",
            files.both()
        ));
        return Ok(());
    }
    output::stdout(&match how {
        List::Table => table(&rows),
        List::Names => names(&rows),
        List::Json => json(&rows),
    })
}

pub(crate) fn rows<'a>(
    files: &'a AwsFiles,
    cache: Option<&Cache>,
    now: i64,
) -> Result<Vec<Row<'a>>> {
    let ends = cache.map(Cache::latest_ends).unwrap_or_default();
    // Sized once: rows are big, and a grown vector would leave its old copies behind.
    let all = files.profiles.all()?;
    let mut rows = Vec::with_capacity(all.len());
    for p in all {
        rows.push({
            let chain::Classified {
                kind,
                keys,
                note: problem,
            } = chain::classify(p, &files.profiles);
            let shadowed = p.shadowed();
            let shadowing = shadowed
                .map(|property| format!("credentials-file keys shadow the config's {property}"));
            let note = match (&problem, shadowing) {
                (Some(problem), Some(shadowing)) => Some(format!("{problem}; {shadowing}")),
                (problem, shadowing) => problem.clone().or(shadowing),
            };
            let end = ends.get(&p.name).copied();
            let left = end.map(|end| (end - now).max(0));
            Row {
                profile: &p.name,
                kind: kind.name(),
                keys,
                mfa_device: p.get("mfa_serial"),
                source_profile: source_of(p),
                session: left.map(|left| match left {
                    0 => "expired".to_owned(),
                    left => durations::format_remaining(left),
                }),
                expiration: end.map(time::format_utc),
                seconds_left: left,
                problem,
                shadows_config: shadowed.is_some(),
                note,
            }
        });
    }
    Ok(rows)
}

/// A role's source, as the SOURCE column shows it: its `source_profile`, or its
/// `credential_source` in parentheses.
fn source_of(p: &Profile) -> Option<Cow<'_, str>> {
    if !p.has("role_arn") {
        return None;
    }
    p.get("source_profile").map(Cow::Borrowed).or_else(|| {
        p.get("credential_source")
            .map(|c| Cow::Owned(format!("({c})")))
    })
}

/// Aligned columns, for people.
pub(crate) fn table(rows: &[Row]) -> String {
    fn or_dash(v: Option<&str>) -> Cow<'_, str> {
        v.map_or(Cow::Borrowed("-"), shown_cow)
    }
    let header = [
        "PROFILE",
        "KIND",
        "KEYS",
        "MFA DEVICE",
        "SOURCE",
        "SESSION",
        "NOTE",
    ]
    .map(Cow::Borrowed);
    /// A row's cells, made twice (for the widths, then the lines) rather than kept.
    fn cells<'r>(r: &'r Row<'_>) -> [Cow<'r, str>; 7] {
        [
            shown_cow(r.profile),
            Cow::Borrowed(r.kind),
            Cow::Borrowed(r.keys.unwrap_or("-")),
            or_dash(r.mfa_device),
            or_dash(r.source_profile.as_deref()),
            or_dash(r.session.as_deref()),
            Cow::Borrowed(r.note.as_deref().unwrap_or_default()),
        ]
    }
    let width = |cell: &str| match cell.is_ascii() {
        true => cell.len(),
        false => cell.chars().count(),
    };
    let mut widths = [0; 7];
    for row in std::iter::once(header.clone()).chain(rows.iter().map(cells)) {
        for (w, cell) in widths.iter_mut().zip(&row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = widths.iter().sum::<usize>() + 2 * widths.len();
    let mut out = String::with_capacity(line * (rows.len() + 1));
    for row in std::iter::once(header).chain(rows.iter().map(cells)) {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                pad(&mut out, widths[i] - width(cell) + 2);
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}

/// `count` spaces.
fn pad(out: &mut String, mut count: usize) {
    const SPACES: &str = "                                ";
    while count > 0 {
        let n = count.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        count -= n;
    }
}

/// One name per line, for scripts and completions. A name that cannot be printed raw (a
/// control character, a bidirectional override) is left out: escaped, it would be another name.
pub(crate) fn names(rows: &[Row]) -> String {
    let mut out = String::new();
    for name in rows.iter().map(|r| r.profile) {
        if shows_as_is(name) {
            out.push_str(name);
            out.push('\n');
        }
    }
    out
}

/// The rows as JSON, every character a terminal would act on written as an escape: the
/// values decode to the names as they are.
pub(crate) fn json(rows: &[Row]) -> String {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, Escaping(PrettyFormatter::new()));
    if rows.serialize(&mut serializer).is_err() {
        return "[]\n".to_owned();
    }
    String::from_utf8(out).unwrap_or_default() + "\n"
}

/// serde_json's pretty output, with `\uXXXX` also for the characters `shown` escapes that JSON
/// lets through raw (bidirectional overrides, line separators).
struct Escaping(PrettyFormatter<'static>);

impl Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(unsafe_to_show) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::profiles::{FileKind, Profiles};

    fn files(config: &str, credentials: &str) -> AwsFiles {
        let mut profiles = Profiles::default();
        profiles.merge(config, FileKind::Config).unwrap();
        profiles.merge(credentials, FileKind::Credentials).unwrap();
        AwsFiles {
            config: None,
            credentials: None,
            profiles,
        }
    }

    #[test]
    fn every_kind_and_its_problem() {
        let f = files(
            "[default]\nmfa_serial = GAHT12345678\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = default\nmfa_serial = GAHT12345678\n\
             [profile lost]\nrole_arn = arn:aws:iam::123456789012:role/l\nsource_profile = nowhere\n\
             [profile proc]\ncredential_process = get-keys\n[profile sso]\nsso_start_url = https://x\n[profile bare]\nregion = x\n",
            "[default]\naws_access_key_id = AKIASECRETKEYID00001\naws_secret_access_key = s\n[half]\naws_access_key_id = AKIAHALF\n\
             [mfa]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\nmfa_env_source_profile = default\n",
        );
        let rows = rows(&f, None, 0).unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = rows
            .iter()
            .map(|r| (r.profile, r.kind, r.keys, r.problem.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("default", "keys", Some("credentials"), None),
                ("admin", "role", Some("credentials"), None),
                (
                    "lost",
                    "role",
                    None,
                    Some("source_profile 'nowhere' is not a profile")
                ),
                ("proc", "process", Some("process"), None),
                ("sso", "sso", None, Some("SSO cannot make an MFA session")),
                // No keys in the files: perhaps in the keychain, which list does not open.
                ("bare", "other", Some("keychain?"), None),
                (
                    "half",
                    "keys",
                    None,
                    Some("keys missing aws_secret_access_key")
                ),
                (
                    "mfa",
                    "keys",
                    None,
                    Some("a session mfa-env wrote from 'default'")
                ),
            ]
        );
        let table = table(&rows);
        assert!(
            table.starts_with(
                "PROFILE  KIND     KEYS         MFA DEVICE    SOURCE   SESSION  NOTE\n"
            ),
            "{table}"
        );
        assert!(
            table.contains("admin    role     credentials  GAHT12345678  default  -\n"),
            "{table}"
        );
        assert!(
            !table.contains("AKIA") && !json(&rows).contains("AKIA"),
            "never a key"
        );
        assert_eq!(names(&rows).lines().count(), 8);
    }

    #[test]
    fn names_that_would_act_on_a_terminal_are_escaped_or_left_out() {
        let f = files(
            "[profile ok]\n[profile \"t\x1b]0;pwned\x07\"]\n[profile rtl\u{202e}x]\n[profile ä]\n",
            "",
        );
        let rows = rows(&f, None, 0).unwrap();
        assert_eq!(names(&rows), "ok\nä\n");
        let table = table(&rows);
        assert!(table.contains("t\\x1b]0;pwned\\x07  "), "{table}");
        assert!(table.contains("rtl\\u{202e}x"), "{table}");
        assert!(!table.contains(['\x1b', '\u{202e}']), "{table}");
        let json = json(&rows);
        assert!(
            json.contains(r#""profile": "t\u001b]0;pwned\u0007""#),
            "{json}"
        );
        assert!(json.contains(r#""profile": "rtl\u202ex""#), "{json}");
        assert!(json.contains(r#""profile": "ä""#), "{json}");
        let back: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back[2]["profile"], "rtl\u{202e}x",
            "the same names, decoded"
        );
    }
}
