//! The AWS shared config and credentials files: read the way the AWS CLI reads them, and edited
//! without changing a byte that is not ours. Reading is pure (text in, profiles out); the files
//! themselves are opened by `files`.

mod edit;

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

pub(crate) use edit::{
    remove_written, section, set_section, without_credentials, without_keys, writable_name,
};

/// Which of the two shared files a text comes from: their section headers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `~/.aws/config`: `[default]`, `[profile NAME]`, `[services NAME]`, `[sso-session NAME]`.
    Config,
    /// `~/.aws/credentials`: `[NAME]`.
    Credentials,
}

/// A line the AWS CLI would refuse, with its 1-based number.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) line: usize,
    pub(crate) message: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One profile: its properties from both files, in the order they were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    /// Every property's name and value, one after the other: one allocation per profile, not
    /// two per property (`list` reads every profile).
    text: String,
    values: Vec<Property>,
    /// Which files have a section for this profile.
    pub(crate) in_config: bool,
    pub(crate) in_credentials: bool,
}

/// A property's name (lower-case) and value, as ranges of the profile's `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Property {
    key: (u32, u32),
    value: (u32, u32),
    kind: FileKind,
}

impl Profile {
    /// The value of `property`: the credentials file wins over the config file, a later line over
    /// an earlier one; an empty value counts as not set, as in the AWS CLI.
    pub(crate) fn get(&self, property: &str) -> Option<&str> {
        self.entry(property).map(|(value, _)| value)
    }

    /// The value of `property` and the file it came from.
    pub(crate) fn entry(&self, property: &str) -> Option<(&str, FileKind)> {
        // One pass from the end (`list` asks a dozen properties of every profile): the last
        // credentials-file value, else the last config-file value.
        let mut found = None;
        for p in self.values.iter().rev() {
            let key = &self.text.as_bytes()[p.key.0 as usize..p.key.1 as usize];
            if !same(key, property.as_bytes()) {
                continue;
            }
            match p.kind {
                FileKind::Credentials => {
                    found = Some(p);
                    break;
                }
                FileKind::Config if found.is_none() => found = Some(p),
                FileKind::Config => {}
            }
        }
        found
            .map(|p| (self.value(p), p.kind))
            .filter(|(v, _)| !v.is_empty())
    }

    pub(crate) fn has(&self, property: &str) -> bool {
        self.get(property).is_some()
    }

    /// Every property as read: its name, its value and its file, in order (later wins).
    pub(crate) fn properties(&self) -> impl Iterator<Item = (&str, &str, FileKind)> {
        self.values
            .iter()
            .map(|p| (self.key(p), self.value(p), p.kind))
    }

    /// When keys in the credentials file's section stand beside a config section that gets
    /// credentials its own way (`credential_process`, `role_arn`, `sso_...`): that property.
    /// Tools then disagree on which wins, and a stale written session may.
    pub(crate) fn shadowed(&self) -> Option<&str> {
        let set = |file: FileKind, wanted: &dyn Fn(&str) -> bool| {
            self.properties()
                .find(|(key, value, kind)| *kind == file && !value.is_empty() && wanted(key))
                .map(|(key, _, _)| key)
        };
        set(FileKind::Credentials, &|key| key == "aws_access_key_id")?;
        set(FileKind::Config, &edit::gives_credentials)
    }

    /// Whether any property's name starts with `prefix` (`sso_`).
    pub(crate) fn has_prefix(&self, prefix: &str) -> bool {
        self.properties().any(|(k, _, _)| k.starts_with(prefix))
    }

    // Each range starts and ends where a pushed `&str` did: char boundaries by construction.
    fn key(&self, p: &Property) -> &str {
        cut(&self.text, p.key.0 as usize, p.key.1 as usize)
    }

    fn value(&self, p: &Property) -> &str {
        cut(&self.text, p.value.0 as usize, p.value.1 as usize)
    }

    /// Appends `text` to the profile's text: its range there.
    fn keep(&mut self, text: &str) -> (u32, u32) {
        // Offsets fit: `merge` refuses texts of 4 GiB, and a profile's text is a part of one.
        let start = self.text.len() as u32;
        self.text.push_str(text);
        (start, self.text.len() as u32)
    }

    fn set(&mut self, key: &str, value: &str, kind: FileKind) {
        let key = self.keep(key);
        // In place, a byte at a time (`to_ascii_lowercase` goes a char at a time).
        self.text[key.0 as usize..].make_ascii_lowercase();
        let value = self.keep(value);
        self.values.push(Property { key, value, kind });
    }

    /// Continues the value set last: the property whose indented lines these are. Its value
    /// ends the text, so the text grows by the line.
    fn append(&mut self, more: &str) {
        if self.values.is_empty() {
            return;
        }
        self.keep("\n");
        let end = self.keep(more).1;
        if let Some(last) = self.values.last_mut() {
            last.value.1 = end;
        }
    }
}

/// Every profile of both files, merged as the AWS SDKs merge them; and the `[services NAME]`
/// sections of the config file. The texts are kept: loading checks every line (the AWS CLI
/// refuses a whole file for one bad line) but indexes only the section headers, and a profile's
/// properties are read when it is first asked for. So a run on a config of 20,000 profiles
/// reads the few it uses, and the index costs a few bytes per profile.
#[derive(Debug, Default)]
pub(crate) struct Profiles {
    texts: Vec<(String, FileKind)>,
    /// Every profile section, in file order.
    sections: Vec<Section>,
    /// One per profile name, in the order the files first name them.
    entries: Vec<Entry>,
    /// Each entry's properties, read on first use.
    parsed: Vec<OnceCell<Box<Profile>>>,
    /// `entries` indexes + 1 by name (open addressing; 0 is empty): linear in the file's size.
    table: Vec<u32>,
    /// Names written with quotes or escapes, which are not a slice of the text.
    spelled: Vec<String>,
    services: Vec<Profile>,
    /// Config file sections without the `profile ` prefix (`[work]`): a common mistake.
    misnamed: Vec<String>,
}

/// The lines of one section after its header: in which text, and where.
#[derive(Debug, Clone, Copy)]
struct Section {
    text: u32,
    start: u32,
    end: u32,
    /// The next section of the same profile (`NONE` for the last).
    next: u32,
}

#[derive(Debug)]
struct Entry {
    name: Name,
    first: u32,
    last: u32,
    in_config: bool,
    in_credentials: bool,
}

/// A profile's name: a slice of one text, or one of `spelled`.
#[derive(Debug, Clone, Copy)]
enum Name {
    Slice { text: u32, start: u32, len: u32 },
    Spelled(u32),
}

const NONE: u32 = u32::MAX;

/// A header's text and the lines that follow it, found while checking a file: offsets, which
/// keep this list small on a big file.
struct Found {
    header: (u32, u32),
    start: u32,
    end: u32,
}

impl Found {
    fn header<'t>(&self, text: &'t str) -> &'t str {
        cut(
            text,
            self.header.0 as usize,
            (self.header.0 + self.header.1) as usize,
        )
    }

    fn lines<'t>(&self, text: &'t str) -> &'t str {
        cut(text, self.start as usize, self.end as usize)
    }
}

impl Profiles {
    /// Adds one file's sections; later values override earlier ones.
    pub(crate) fn merge(
        &mut self,
        text: impl Into<String>,
        kind: FileKind,
    ) -> Result<(), ParseError> {
        let text = text.into();
        if text.len() >= NONE as usize {
            return Err(ParseError {
                line: 1,
                message: "the file is too large",
            });
        }
        let found = headers(&text)?;
        // In the config file `[profile default]` wins over `[default]` wherever they appear: the
        // `[default]` sections are linked at the end, and only if no `[profile default]` came.
        let mut bare_default = Vec::new();
        let mut prefixed_default = false;
        let index = self.texts.len() as u32;
        // Sized once: no copies while a big file's index grows.
        self.sections.reserve_exact(found.len());
        self.entries.reserve_exact(found.len());
        let wanted = ((self.entries.len() + found.len()) * 2).next_power_of_two();
        if self.table.len() < wanted {
            self.rehash(wanted, &text);
        }
        for f in &found {
            let h = f.header(&text);
            let name = match header(h, kind) {
                Header::Profile(name) if kind == FileKind::Config && name == "default" => {
                    prefixed_default |= h != "default";
                    name
                }
                Header::Profile(name) => name,
                Header::Services(name) => {
                    let at = self.service_index(name.into_owned());
                    read_section(&mut self.services[at], f.lines(&text), kind);
                    continue;
                }
                Header::Misnamed(name) => {
                    self.misnamed.push(name);
                    continue;
                }
                Header::Other => continue,
            };
            let name = match name {
                // A slice of `text`: its offset.
                Cow::Borrowed(slice) => Name::Slice {
                    text: index,
                    start: (slice.as_ptr() as usize - text.as_ptr() as usize) as u32,
                    len: slice.len() as u32,
                },
                Cow::Owned(owned) => {
                    self.spelled.push(owned);
                    Name::Spelled(self.spelled.len() as u32 - 1)
                }
            };
            let section = Section {
                text: index,
                start: f.start,
                end: f.end,
                next: NONE,
            };
            let entry = self.entry(name, kind, &text);
            if kind == FileKind::Config && h == "default" {
                bare_default.push((entry, section));
            } else {
                self.link(entry, section);
            }
        }
        if !prefixed_default {
            for (entry, section) in bare_default {
                self.link(entry, section);
            }
        }
        drop(found);
        self.texts.push((text, kind));
        self.parsed.resize_with(self.entries.len(), OnceCell::new);
        Ok(())
    }

    /// The entry of the profile `name`, made (with no sections yet) when the name is new; its
    /// file `kind` noted.
    fn entry(&mut self, name: Name, kind: FileKind, text: &str) -> usize {
        if self.table.len() < (self.entries.len() + 1) * 2 {
            self.rehash((self.table.len() * 2).max(16), text);
        }
        let e = match self.find(self.name_in(name, text), text) {
            Ok(e) => e,
            Err(slot) => {
                self.entries.push(Entry {
                    name,
                    first: NONE,
                    last: NONE,
                    in_config: false,
                    in_credentials: false,
                });
                self.table[slot] = self.entries.len() as u32;
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[e];
        match kind {
            FileKind::Config => entry.in_config = true,
            FileKind::Credentials => entry.in_credentials = true,
        }
        e
    }

    /// Adds `section` as the last of entry `e`'s sections.
    fn link(&mut self, e: usize, section: Section) {
        let at = self.sections.len() as u32;
        self.sections.push(section);
        let entry = &mut self.entries[e];
        match entry.last {
            NONE => entry.first = at,
            last => self.sections[last as usize].next = at,
        }
        entry.last = at;
    }

    /// The entry named `name` (`Ok`), or the free slot of the table where it goes (`Err`).
    /// `pending` is a text being merged, not yet in `texts`.
    fn find(&self, name: &str, pending: &str) -> Result<usize, usize> {
        let mask = self.table.len().wrapping_sub(1);
        if self.table.is_empty() {
            return Err(0);
        }
        let mut slot = hash(name) as usize & mask;
        loop {
            match self.table[slot] {
                0 => return Err(slot),
                e if same(
                    self.name_in(self.entries[e as usize - 1].name, pending)
                        .as_bytes(),
                    name.as_bytes(),
                ) =>
                {
                    return Ok(e as usize - 1);
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Makes the table `size` slots (a power of two, kept at most half full).
    fn rehash(&mut self, size: usize, pending: &str) {
        self.table = vec![0; size];
        for e in 0..self.entries.len() {
            let name = self.name_in(self.entries[e].name, pending);
            let mut slot = hash(name) as usize & (size - 1);
            while self.table[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            self.table[slot] = e as u32 + 1;
        }
    }

    fn name_in<'a>(&'a self, name: Name, pending: &'a str) -> &'a str {
        match name {
            Name::Slice { text, start, len } => {
                let text = self.texts.get(text as usize).map_or(pending, |(t, _)| t);
                cut(text, start as usize, (start + len) as usize)
            }
            Name::Spelled(i) => &self.spelled[i as usize],
        }
    }

    fn service_index(&mut self, name: String) -> usize {
        match self.services.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => {
                self.services.push(Profile {
                    name,
                    in_config: true,
                    ..Profile::default()
                });
                self.services.len() - 1
            }
        }
    }

    /// The profile of entry `e`, read from its sections the first time.
    fn profile(&self, e: usize) -> &Profile {
        self.parsed[e].get_or_init(|| {
            let entry = &self.entries[e];
            let mut profile = Profile {
                name: self.name_in(entry.name, "").to_owned(),
                in_config: entry.in_config,
                in_credentials: entry.in_credentials,
                ..Profile::default()
            };
            let mut at = entry.first;
            while at != NONE {
                let section = self.sections[at as usize];
                let (text, kind) = &self.texts[section.text as usize];
                read_section(
                    &mut profile,
                    cut(text, section.start as usize, section.end as usize),
                    *kind,
                );
                at = section.next;
            }
            Box::new(profile)
        })
    }

    pub(crate) fn get(&self, profile: &str) -> Option<&Profile> {
        self.find(profile, "").ok().map(|e| self.profile(e))
    }

    /// Every profile, in the order the files first name them.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Profile> {
        (0..self.entries.len()).map(|e| self.profile(e))
    }

    /// Every profile's name, in the same order, without reading its properties.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| self.name_in(e.name, ""))
    }

    /// Whether the config file has a `[services NAME]` section.
    pub(crate) fn has_services(&self, section: &str) -> bool {
        self.services.iter().any(|s| s.name == section)
    }

    /// `key` for `service` in `[services NAME]`: `sts =` followed by indented `key = value`.
    pub(crate) fn service_setting(
        &self,
        section: &str,
        service: &str,
        key: &str,
    ) -> Option<String> {
        let nested = self
            .services
            .iter()
            .find(|s| s.name == section)?
            .get(service)?;
        nested
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().to_owned())
            .next_back()
            .filter(|v| !v.is_empty())
    }

    /// Whether the config file has `[name]` where `[profile name]` was meant.
    pub(crate) fn is_misnamed(&self, name: &str) -> bool {
        self.misnamed.iter().any(|m| m == name)
    }
}

/// `a == b`, eight bytes at a time: `==` on bytes calls the C library's `bcmp`, which musl (the
/// static build's) runs a byte at a time, and `list` compares thousands of property names.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut word = [0; 8];
        word.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(word)
    };
    let mut at = 0;
    while at + 8 <= a.len() {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
}

/// FNV-1a: short names, no adversary to fear (a file of the user's own).
fn hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Checks every line of `text` and returns its section headers, each with the byte range of
/// the lines up to the next header.
fn headers(text: &str) -> Result<Vec<Found>, ParseError> {
    let mut found: Vec<Found> = Vec::new();
    let mut scanner = Scanner {
        checking: true,
        ..Scanner::default()
    };
    let bytes = text.as_bytes();
    let (mut at, mut index) = (0, 0);
    while at < bytes.len() {
        let end = (next_newline(bytes, at) + 1).min(bytes.len());
        // `at` and `end` are 0, the length, or just after a '\n' (ASCII).
        let raw = cut(text, at, end);
        index += 1;
        let kind = scanner.line(raw).map_err(|message| ParseError {
            line: index,
            message,
        })?;
        at = end;
        if let Kind::Section(header) = kind {
            if let Some(last) = found.last_mut() {
                last.end = (at - raw.len()) as u32;
            }
            // Offsets fit: `merge` refuses texts of 4 GiB.
            let offset = header.as_ptr() as usize - text.as_ptr() as usize;
            found.push(Found {
                header: (offset as u32, header.len() as u32),
                start: at as u32,
                end: text.len() as u32,
            });
        }
    }
    Ok(found)
}

/// Adds the properties of one section's lines (checked already) to `profile`.
fn read_section(profile: &mut Profile, lines: &str, kind: FileKind) {
    // What the section's properties keep is at most its text: one allocation.
    profile.text.reserve(lines.len());
    let mut scanner = Scanner::in_section();
    let mut after_property = false;
    let bytes = lines.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let end = (next_newline(bytes, at) + 1).min(bytes.len());
        // `at` and `end` are 0, the length, or just after a '\n' (ASCII).
        let raw = cut(lines, at, end);
        at = end;
        match scanner.line(raw) {
            Ok(Kind::Property { key, value }) => {
                profile.set(key, value, kind);
                after_property = true;
            }
            Ok(Kind::Continuation(more)) if after_property => profile.append(more),
            _ => {}
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Header<'a> {
    Profile(Cow<'a, str>),
    Services(Cow<'a, str>),
    /// `[NAME]` in the config file, which the AWS CLI does not read as a profile.
    Misnamed(String),
    Other,
}

/// What a section header names in a file of `kind`, as the AWS CLI reads it.
pub(super) fn header(text: &str, kind: FileKind) -> Header<'_> {
    // Python's configparser keeps the spaces inside the brackets: `[ w ]` is profile " w ".
    match kind {
        FileKind::Credentials if text.is_empty() => Header::Other,
        FileKind::Credentials => Header::Profile(text.into()),
        FileKind::Config if text == "default" => Header::Profile(text.into()),
        FileKind::Config => {
            let prefixed = |prefix: &str| {
                let rest = strip_prefix(text, prefix)?;
                if !matches!(rest.as_bytes().first(), Some(b' ' | b'\t')) {
                    return None;
                }
                one_word(rest)
            };
            if let Some(name) = prefixed("profile") {
                Header::Profile(name)
            } else if let Some(name) = prefixed("services") {
                Header::Services(name)
            } else if text.starts_with("profile")
                || text.starts_with("services")
                || text.starts_with("sso-session")
                || trim_blanks(text).contains(blank)
                || trim_blanks(text).is_empty()
            {
                Header::Other
            } else {
                Header::Misnamed(trim_blanks(text).to_owned())
            }
        }
    }
}

/// The one word of `text` as a shell reads it (the AWS CLI uses `shlex`), else `None`. A plain
/// name is a slice of `text`, found in one pass (every header of a big config is one).
fn one_word(text: &str) -> Option<Cow<'_, str>> {
    let b = text.as_bytes();
    let (mut start, mut end) = (0, b.len());
    while start < end && matches!(b[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    for &c in &b[start..end] {
        match c {
            // Quotes and escapes: split as the shell does.
            b'"' | b'\'' | b'\\' => {
                return match split_words(text) {
                    Some(mut words) if words.len() == 1 => words.pop().map(Cow::Owned),
                    _ => None,
                };
            }
            // A blank before any quote: two words or more.
            b' ' | b'\t' => return None,
            _ => {}
        }
    }
    // Next to ASCII blanks or the text's ends.
    (start < end).then(|| Cow::Borrowed(cut(text, start, end)))
}

/// `text.strip_prefix(prefix)` for an ASCII prefix, without the C library's byte-at-a-time
/// `memcmp` (every header of a big config is looked at).
#[inline(always)]
fn strip_prefix<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let n = prefix.len();
    let head = text.as_bytes().get(..n)?;
    // After an ASCII prefix: a char boundary.
    debug_assert!(prefix.is_ascii());
    same(head, prefix.as_bytes()).then(|| cut(text, n, text.len()))
}

/// Words as a POSIX shell splits them (the AWS CLI uses Python's `shlex`): quotes group, `\`
/// escapes. `None` when a quote is left open.
fn split_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('\\' | '"' | '$' | '`') => w.push(c),
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// The blanks the AWS CLI's parser trims: spaces and tabs. (A function, not a `&[char]`
/// pattern: it is many times faster in our size-optimized build, which `list` notices.)
pub(super) fn blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `text.trim_matches(blank)`, a byte at a time: the blanks are ASCII.
#[inline(always)]
fn trim_blanks(text: &str) -> &str {
    let not_blank = |b: &u8| *b != b' ' && *b != b'\t';
    let bytes = text.as_bytes();
    let Some(start) = bytes.iter().position(not_blank) else {
        return "";
    };
    let end = bytes.iter().rposition(not_blank).map_or(start, |i| i + 1);
    // Next to ASCII blanks or the text's ends.
    cut(text, start, end)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind<'a> {
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

pub(super) struct Line<'a> {
    /// The line as it is in the file, line ending included.
    pub(super) raw: &'a str,
    pub(super) kind: Kind<'a>,
}

/// Splits a file into classified lines, refusing what the AWS CLI's parser refuses.
pub(super) fn scan(text: &str) -> Result<Vec<Line<'_>>, ParseError> {
    let mut scanner = Scanner::default();
    text.split_inclusive('\n')
        .enumerate()
        .map(|(index, raw)| {
            let kind = scanner.line(raw).map_err(|message| ParseError {
                line: index + 1,
                message,
            })?;
            Ok(Line { raw, kind })
        })
        .collect()
}

/// The AWS CLI parser's rules, a line at a time: what a line is, given the lines before it.
#[derive(Default)]
struct Scanner {
    in_section: bool,
    after_property: bool,
    /// A property whose value starts on the next lines holds sub-properties (`s3 =` then
    /// indented `key = value` lines), which the AWS parsers refuse without their '='.
    nested: bool,
    /// Only checking: a property's name and value are left untrimmed, and the value with its
    /// comment (no one reads them).
    checking: bool,
}

impl Scanner {
    /// Just after a section's header.
    fn in_section() -> Scanner {
        Scanner {
            in_section: true,
            ..Scanner::default()
        }
    }

    /// What `raw` (a line with its line ending) is, or why the AWS CLI refuses it.
    #[inline(always)]
    fn line<'a>(&mut self, raw: &'a str) -> Result<Kind<'a>, &'static str> {
        // Offsets into the bytes, not chars and slices: the syntax is ASCII, and big files are
        // read at every prompt (our size-optimized build calls out for every slice and search).
        let b = raw.as_bytes();
        let blank = |c: u8| c == b' ' || c == b'\t';
        let mut end = b.len();
        if end > 0 && b[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && b[end - 1] == b'\r' {
            end -= 1;
        }
        let indented = end > 0 && blank(b[0]);
        let mut start = 0;
        while start < end && blank(b[start]) {
            start += 1;
        }
        while end > start && blank(b[end - 1]) {
            end -= 1;
        }
        if start == end {
            return Ok(Kind::Blank);
        }
        let first = b[start];
        if first == b'#' || first == b';' {
            // Indented comments are comments too, also between continuation lines.
            return Ok(Kind::Comment);
        }
        if indented && self.after_property {
            if self.nested && !b[start..end].contains(&b'=') {
                return Err("expected 'key = value' under a property with an empty value");
            }
            return Ok(Kind::Continuation(cut(raw, start, end)));
        }
        if first == b'[' {
            let mut close = end;
            while close > start && b[close - 1] != b']' {
                close -= 1;
            }
            // `[]` names nothing: the ']' must come after at least one more character.
            if close < start + 3 {
                return Err("a section header must end with ']'");
            }
            self.in_section = true;
            self.after_property = false;
            return Ok(Kind::Section(cut(raw, start + 1, close - 1)));
        }
        if !self.in_section {
            return Err("expected a [section] before this line");
        }
        let at = find_either(b, start, end, b'=', b':');
        if at == end {
            return Err("expected 'key = value'");
        }
        self.after_property = true;
        if self.checking {
            // `b[start]` is not blank, so the name is empty only when the mark comes first;
            // `end` is trimmed, so the value is empty only when the mark ends the line.
            if at == start {
                return Err("a property has no name before '='");
            }
            self.nested = at + 1 == end;
            return Ok(Kind::Property {
                key: cut(raw, start, at),
                value: cut(raw, at + 1, end),
            });
        }
        let mut key_end = at;
        while key_end > start && blank(b[key_end - 1]) {
            key_end -= 1;
        }
        if key_end == start {
            return Err("a property has no name before '='");
        }
        let mut value_start = at + 1;
        while value_start < end && blank(b[value_start]) {
            value_start += 1;
        }
        // A comment needs a blank before it, so only an empty value is empty without it.
        self.nested = value_start == end;
        Ok(Kind::Property {
            key: cut(raw, start, key_end),
            value: strip_comment(cut(raw, value_start, end)),
        })
    }
}

/// `&text[from..to]` where both ends are known char boundaries (next to ASCII bytes, as the
/// line scanner finds them, or where a pushed string ended), so not checked again.
#[inline(always)]
fn cut(text: &str, from: usize, to: usize) -> &str {
    debug_assert!(text.is_char_boundary(from) && text.is_char_boundary(to) && from <= to);
    // SAFETY: `from <= to <= text.len()`, and each is 0, the length, the offset of (or just
    // after) an ASCII byte, which in UTF-8 is always a char boundary, or the end of a whole
    // string pushed onto `text`.
    unsafe { text.get_unchecked(from..to) }
}

/// The offset of the first '\n' in `bytes` at or after `from`, else the length.
#[inline(always)]
fn next_newline(bytes: &[u8], from: usize) -> usize {
    find_either(bytes, from, bytes.len(), b'\n', b'\n')
}

/// The offset of the first `x` or `y` in `bytes[from..to]`, else `to`: eight bytes at a time,
/// since every line of a big file is looked at.
#[inline(always)]
fn find_either(bytes: &[u8], from: usize, to: usize, x: u8, y: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // The high bit of each zero byte of `w`; exact for the lowest one (a borrow can only flag
    // bytes above a zero byte), and the lowest is all that is used.
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & (ONES << 7);
    let mut at = from;
    while at + 8 <= to {
        let Some(chunk) = bytes.get(at..at + 8) else {
            break;
        };
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let found = zeros(w ^ (ONES * u64::from(x))) | zeros(w ^ (ONES * u64::from(y)));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < to && bytes[at] != x && bytes[at] != y {
        at += 1;
    }
    at
}

/// A value without a trailing ` # comment` or ` ; comment` (one preceded by whitespace).
#[inline(always)]
fn strip_comment(value: &str) -> &str {
    let value = trim_blanks(value);
    // Bytes, not chars: the marks are ASCII, which never occurs inside a UTF-8 sequence.
    let b = value.as_bytes();
    let mut at = 0;
    loop {
        at = find_either(b, at, b.len(), b'#', b';');
        if at == b.len() {
            return value;
        }
        if at > 0 && matches!(b[at - 1], b' ' | b'\t') {
            // Just before an ASCII blank: a char boundary.
            return trim_blanks(cut(value, 0, at - 1));
        }
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_are_found_eight_bytes_at_a_time() {
        let text = "a\nbb\n\n0123456789abcdef\néé\u{a0}\n\x0b\x0a\x7f\x09xyzw\n tail without";
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let expected = bytes[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| from + i);
            assert_eq!(next_newline(bytes, from), expected, "from {from}");
        }
    }

    #[test]
    fn either_byte_is_found_eight_bytes_at_a_time() {
        let text = "key = a:b\nrole_arn=arn:aws # x;y\n\x3c\x3e\x3d\x3b\x3a==é:;#\x00\x7f\u{a0}";
        let bytes = text.as_bytes();
        for (x, y) in [(b'=', b':'), (b'#', b';'), (b'\n', b'\n'), (b'<', b'>')] {
            for from in 0..=bytes.len() {
                for to in from..=bytes.len() {
                    let expected = bytes[from..to]
                        .iter()
                        .position(|&b| b == x || b == y)
                        .map_or(to, |i| from + i);
                    assert_eq!(find_either(bytes, from, to, x, y), expected, "{from}..{to}");
                }
            }
        }
    }

    #[test]
    fn same_compares_every_byte() {
        let names = [
            "",
            "a",
            "role_arn",
            "role_arm",
            "source_profile",
            "source_profilf",
        ];
        for a in names {
            for b in names {
                assert_eq!(same(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            }
        }
        // A difference in each position, of the words and of the tail.
        let base = b"0123456789abcdefghi".to_vec();
        for at in 0..base.len() {
            let mut other = base.clone();
            other[at] ^= 1;
            assert!(!same(&base, &other), "{at}");
        }
    }

    fn merged(config: &str, credentials: &str) -> Profiles {
        let mut p = Profiles::default();
        p.merge(config, FileKind::Config).unwrap();
        p.merge(credentials, FileKind::Credentials).unwrap();
        p
    }

    #[test]
    fn reads_like_the_aws_cli() {
        let p = merged(
            "[default]\nregion = eu-west-1\n[profile  work ]\nmfa_serial=arn:aws:iam::1:mfa/u # mine\nDuration_Seconds = 3600\n  # an indented comment\n[work]\nregion=x\n[sso-session s]\nk=v\n[profile \"a b\"]\nregion: ap-south-1\n[profile ä,b]\nk = v\n",
            "[work]\naws_access_key_id = AKIA;not-a-comment\n; comment\n[profile bad]\nx=y\n",
        );
        assert_eq!(p.get("default").unwrap().get("region"), Some("eu-west-1"));
        let work = p.get("work").unwrap();
        assert_eq!(work.get("mfa_serial"), Some("arn:aws:iam::1:mfa/u"));
        assert_eq!(work.get("duration_seconds"), Some("3600"));
        assert_eq!(work.get("aws_access_key_id"), Some("AKIA;not-a-comment"));
        assert_eq!(
            work.entry("aws_access_key_id").map(|e| e.1),
            Some(FileKind::Credentials)
        );
        assert_eq!(
            work.get("region"),
            None,
            "[work] in the config file is not a profile"
        );
        assert!(p.is_misnamed("work"));
        assert_eq!(p.get("a b").unwrap().get("region"), Some("ap-south-1"));
        assert!(p.get("ä,b").is_some());
        let names: Vec<&str> = p.names().collect();
        assert_eq!(names, ["default", "work", "a b", "ä,b", "profile bad"]);
    }

    #[test]
    fn credentials_win_and_empty_values_are_unset() {
        let p = merged(
            "[default]\nregion = eu-west-1\noutput =\n",
            "[default]\nregion = us-west-2\n",
        );
        let d = p.get("default").unwrap();
        assert_eq!(d.get("region"), Some("us-west-2"));
        assert_eq!(d.get("output"), None);
        assert!(d.in_config && d.in_credentials);
    }

    #[test]
    fn profile_default_wins_in_config() {
        let p = merged("[profile default]\nregion = a\n[default]\nregion = b\n", "");
        assert_eq!(p.get("default").unwrap().get("region"), Some("a"));
        // Also when quotes or an escape spell it, as Python's shlex reads them.
        for header in [r#"[profile "def"ault]"#, r"[profile def\ault]"] {
            let p = merged(
                &format!("[default]\nregion = b\n{header}\nregion = a\n"),
                "",
            );
            assert_eq!(
                p.get("default").unwrap().get("region"),
                Some("a"),
                "{header}"
            );
        }
    }

    #[test]
    fn nested_values_and_services() {
        let p = merged(
            "[default]\ns3 =\n  max_concurrent_requests = 10\nservices = local\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:5000\n  # note\ns3 =\n  endpoint_url = http://x\n",
            "",
        );
        assert_eq!(
            p.get("default").unwrap().get("s3"),
            Some("\nmax_concurrent_requests = 10")
        );
        assert_eq!(
            p.service_setting("local", "sts", "endpoint_url").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(p.service_setting("local", "iam", "endpoint_url"), None);
        assert!(p.has_services("local") && !p.has_services("other"));
    }

    #[test]
    fn refuses_what_the_aws_cli_refuses() {
        let err = |text: &str| {
            Profiles::default()
                .merge(text, FileKind::Credentials)
                .unwrap_err()
        };
        assert_eq!(err("key = v\n").line, 1);
        assert_eq!(err("[a]\n\n[b\n").line, 3);
        assert_eq!(err("[a]\nnot a property\n").line, 2);
        assert_eq!(err("[a]\n = v\n").line, 2);
    }

    #[test]
    fn without_credentials_keeps_every_other_byte() {
        let text = "# keys below\r\n[default]\r\nregion = eu-west-1\r\nAWS_Access_Key_Id = AKIA\r\naws_secret_access_key=s\r\n\
                    credential_process = get-keys\r\n  --continued\r\noutput = json\r\n\
                    [profile r]\r\nrole_arn = arn\r\nsource_profile = default\r\nmfa_serial = GAHT12345678\r\n\
                    sso_session = s\r\nsso_start_url = https://x\r\nweb_identity_token_file = /t\r\n\
                    s3 =\r\n  max_concurrent_requests = 5\r\nlogin_session = arn";
        assert_eq!(
            without_credentials(text).unwrap(),
            "# keys below\r\n[default]\r\nregion = eu-west-1\r\noutput = json\r\n\
             [profile r]\r\nmfa_serial = GAHT12345678\r\ns3 =\r\n  max_concurrent_requests = 5\r\n"
        );
        assert_eq!(without_credentials("").unwrap(), "");
        assert!(without_credentials("[a]\nnope\n").is_err());
    }

    #[test]
    fn shell_words() {
        assert_eq!(
            split_words(" a 'b c' \"d\\\"e\" f\\ g").unwrap(),
            ["a", "b c", "d\"e", "f g"]
        );
        assert_eq!(split_words("'open"), None);
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
        assert_eq!(
            set_section("[mfa]\nexpiration: x\n", "mfa", PAIRS).unwrap(),
            "[mfa]\nexpiration: E\naws_session_token = T\n"
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

    /// A small deterministic generator; MFA_ENV_PROPTEST_SEED replays another run.
    struct Gen(u64);

    impl Gen {
        fn seeded(default: u64) -> Gen {
            let seed = std::env::var("MFA_ENV_PROPTEST_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(default);
            eprintln!("property seed: {seed} (MFA_ENV_PROPTEST_SEED)");
            Gen(seed | 1)
        }

        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.next() as usize % items.len()]
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }

        fn file(&mut self) -> String {
            let eol = if self.chance(30) { "\r\n" } else { "\n" };
            let mut lines = Vec::new();
            for _ in 0..self.next() % 6 {
                if self.chance(30) {
                    lines.push(
                        self.pick(&["# comment", "; another", "#[mfa]", "", "   "])
                            .to_owned(),
                    );
                }
                let name = self.pick(&["default", "mfa", "other", "mfa2", "MFA"]);
                let header = self
                    .pick(&["[{}]", "[ {} ]", "[{}] # note", "[{}]   ; x"])
                    .replace("{}", name);
                lines.push(header);
                for _ in 0..self.next() % 5 {
                    let key = self.pick(&[
                        "aws_session_token",
                        "aws_access_key_id",
                        "AWS_Secret_Access_Key",
                        "expiration",
                        "region",
                        "output",
                        "x_security_token_expires",
                    ]);
                    let sep = self.pick(&["=", " = ", "  =", "=  ", "\t=\t"]);
                    let value = self.pick(&[
                        "v",
                        "with spaces",
                        "a=b",
                        "x # not a comment?",
                        "",
                        "AKIA+/=",
                    ]);
                    lines.push(format!("{key}{sep}{value}"));
                    if self.chance(10) {
                        lines.push(self.pick(&["  continued", "\tmore = nested"]).to_owned());
                    }
                    if self.chance(15) {
                        lines.push(self.pick(&["", "# inside", "; inside"]).to_owned());
                    }
                }
            }
            let mut text = lines.join(eol);
            if !text.is_empty() && self.chance(70) {
                text.push_str(eol);
            }
            text
        }
    }

    const OURS: &[(&str, &str)] = &[
        ("aws_access_key_id", "NEWID"),
        ("aws_secret_access_key", "NEW/SECRET+"),
        ("aws_session_token", "NEWTOKEN=="),
        ("expiration", "2099-01-01T00:00:00Z"),
    ];

    /// Lines as (content, line ending), without the ones that hold our keys in `[mfa]`.
    fn others(text: &str) -> Vec<(String, String)> {
        let mut kept = Vec::new();
        let mut in_target = false;
        let mut dropping = false;
        for raw in text.split_inclusive('\n') {
            let content = raw.trim_end_matches(['\n', '\r']);
            let ending = raw[content.len()..].to_owned();
            if content.starts_with('[') {
                let inner = content.trim();
                let name = &inner[1..inner.rfind(']').unwrap_or(inner.len())];
                in_target = name == "mfa";
                dropping = false;
            } else if content.starts_with([' ', '\t']) && !content.trim().is_empty() {
                if dropping {
                    continue;
                }
            } else if let Some((key, _)) = content.split_once('=') {
                dropping = in_target
                    && !content.starts_with(['#', ';'])
                    && OURS.iter().any(|(k, _)| k.eq_ignore_ascii_case(key.trim()));
                if dropping {
                    continue;
                }
            } else {
                dropping = false;
            }
            kept.push((content.to_owned(), ending));
        }
        kept
    }

    const WRITTEN_FROM_DEFAULT: &[(&str, &str)] = &[
        ("aws_access_key_id", "ASIAID"),
        ("aws_secret_access_key", "SECRET"),
        ("aws_session_token", "TOKEN"),
        ("expiration", "2099-01-01T00:00:00Z"),
        ("mfa_env_source_profile", "default"),
    ];

    #[test]
    fn keys_moved_out_leave_every_other_byte() {
        let text = "[a]\r\naws_access_key_id = AKIAA\r\n\n[work]  ; mine\r\nregion = x\r\nAWS_ACCESS_KEY_ID=AKIAW\r\n  continued\r\n# keep\r\naws_secret_access_key = S\r\n[work]\r\naws_secret_access_key = S2";
        assert_eq!(
            without_keys(text, "work").unwrap(),
            "[a]\r\naws_access_key_id = AKIAA\r\n\n[work]  ; mine\r\nregion = x\r\n# keep\r\n[work]"
        );
        assert_eq!(without_keys(text, "none").unwrap(), text);
    }

    #[test]
    fn a_written_session_is_removed_to_the_byte() {
        for text in [
            "",
            "[default]\nk = v\n",
            "[a]\r\nk = v\r\n",
            "[a]\nk = v",
            "# only\n\n",
        ] {
            let written = set_section(text, "mfa-session", WRITTEN_FROM_DEFAULT).unwrap();
            let (out, names) = remove_written(&written, Some("default")).unwrap();
            assert_eq!(out, text, "{written:?}");
            assert_eq!(names, ["mfa-session"]);
            // Another profile's, or --all's.
            assert_eq!(remove_written(&written, Some("work")).unwrap().0, written);
            assert_eq!(remove_written(&written, None).unwrap().0, text);
        }
    }

    #[test]
    fn only_sessions_mfa_env_wrote_are_removed() {
        // Not marked, marked but long-term keys, marked with an empty value: never ours.
        let text = "[mine]\naws_session_token = T\n\
                    [keys]\naws_access_key_id = AKIA\nmfa_env_source_profile = default\n\
                    [empty]\naws_session_token = T\nmfa_env_source_profile =\n";
        assert_eq!(
            remove_written(text, None).unwrap(),
            (text.to_owned(), vec![])
        );
        // Written in the middle, the next section's comment after it; keys in any case.
        let text = "[a]\nk = v\n\n[s]\nAWS_SESSION_TOKEN = T\n  more\nregion = eu-west-1\nMFA_ENV_SOURCE_PROFILE = work\n\n# b's\n[b]\nk = v\n";
        assert_eq!(
            remove_written(text, Some("work")).unwrap(),
            (
                "[a]\nk = v\n\n# b's\n[b]\nk = v\n".to_owned(),
                vec!["s".to_owned()]
            )
        );
        // Someone added lines of their own: those stay (the region too), the session goes.
        let text = "[s]\n# mine\noutput = json\naws_session_token = T\nregion = eu-west-1\nexpiration = E\nmfa_env_source_profile = work\n";
        assert_eq!(
            remove_written(text, Some("work")).unwrap().0,
            "[s]\n# mine\noutput = json\nregion = eu-west-1\n"
        );
        // Two sections of that name, one of them written: only it goes.
        let text = "[s]\nregion = x\n\n[s]\naws_session_token = T\nmfa_env_source_profile = d\n";
        assert_eq!(remove_written(text, None).unwrap().0, "[s]\nregion = x\n");
    }

    #[test]
    fn written_sessions_come_out_of_generated_files_to_the_byte() {
        let mut generator = Gen::seeded(0xBEEF);
        for case in 0..2000 {
            let text = generator.file();
            let Ok(written) = set_section(&text, "mfa-session", WRITTEN_FROM_DEFAULT) else {
                continue;
            };
            assert_eq!(
                remove_written(&text, None).unwrap().0,
                text,
                "case {case}: nothing of this file is ours"
            );
            assert_eq!(
                remove_written(&written, Some("default")).unwrap().0,
                text,
                "case {case}\n{written:?}"
            );
        }
    }

    #[test]
    fn only_our_keys_change_in_generated_files() {
        let mut generator = Gen::seeded(0xC0FFEE);
        for case in 0..2000 {
            let text = generator.file();
            let Ok(out) = set_section(&text, "mfa", OURS) else {
                assert!(
                    Profiles::default()
                        .merge(&text, FileKind::Credentials)
                        .is_err(),
                    "refused a valid file: {text:?}"
                );
                continue;
            };
            // What the SDKs read: our values in [mfa], every other profile and key as it was.
            let (mut before, mut after) = (Profiles::default(), Profiles::default());
            before.merge(&text, FileKind::Credentials).unwrap();
            after
                .merge(&out, FileKind::Credentials)
                .unwrap_or_else(|e| panic!("case {case}: {e}\n{text:?}\n{out:?}"));
            for profile in before.all() {
                if profile.name != "mfa" {
                    assert_eq!(
                        after.get(&profile.name),
                        Some(profile),
                        "case {case}: [{}] changed\n{text:?}\n{out:?}",
                        profile.name
                    );
                }
            }
            let mfa = after.get("mfa").unwrap();
            for (key, value) in OURS {
                assert_eq!(mfa.get(key), Some(*value), "case {case}\n{text:?}\n{out:?}");
            }
            if let Some(old) = before.get("mfa") {
                for (key, value, _) in old.properties() {
                    if !OURS.iter().any(|(k, _)| *k == key) {
                        assert_eq!(
                            mfa.get(key),
                            old.get(key),
                            "case {case}: {key} = {value} lost"
                        );
                    }
                }
            }
            // Byte for byte: every line that is not ours is still there, in order, ending included
            // (the last one may gain a line ending when our lines follow it).
            let (old, mut new) = (others(&text), others(&out));
            if before.get("mfa").is_none() {
                // An appended section: a blank line (when the file was not empty) and the header.
                let header = new
                    .iter()
                    .rposition(|(c, _)| c == "[mfa]")
                    .unwrap_or_else(|| panic!("{out:?}"));
                new.remove(header);
                if !text.is_empty() {
                    assert_eq!(new.remove(header - 1).0, "", "case {case}");
                }
            }
            assert_eq!(new.len(), old.len(), "case {case}\n{text:?}\n{out:?}");
            for (i, (a, b)) in old.iter().zip(&new).enumerate() {
                assert_eq!(a.0, b.0, "case {case}, line {i}\n{text:?}\n{out:?}");
                let last = i + 1 == old.len();
                assert!(
                    a.1 == b.1 || (last && a.1.is_empty()),
                    "case {case}, ending of line {i}\n{text:?}\n{out:?}"
                );
            }
            let eol_ending = |t: &str| t.is_empty() || t.ends_with('\n');
            assert_eq!(
                eol_ending(&out),
                eol_ending(&text),
                "case {case}: final newline kept (or kept missing)\n{text:?}\n{out:?}"
            );
            let crlf = text.starts_with(|_: char| true)
                && text
                    .split_inclusive('\n')
                    .next()
                    .is_some_and(|l| l.ends_with("\r\n"));
            if crlf {
                assert!(
                    !out.replace("\r\n", "").contains('\n'),
                    "case {case}: CRLF file gets CRLF lines\n{out:?}"
                );
            }
        }
    }

    /// Each profile with its non-empty properties, sorted.
    type Reading = Vec<(String, Vec<(String, String)>)>;

    /// The AWS SDK for Rust's reading of a config and a credentials file: each profile's
    /// non-empty properties, or `None` when it refuses the files.
    fn sdk_reading(config: &str, credentials: &str) -> Option<Reading> {
        use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
        use aws_types::os_shim_internal::{Env, Fs};
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config)
            .with_contents(EnvConfigFileKind::Credentials, credentials)
            .build();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let set = runtime
            .block_on(aws_config::profile::load(
                &Fs::from_map(std::collections::HashMap::<String, Vec<u8>>::new()),
                &Env::from_slice(&[]),
                &files,
                None,
            ))
            .ok()?;
        let mut profiles: Reading = set
            .profiles()
            .map(|name| {
                let profile = set.get_profile(name).unwrap();
                // The SDK lists no properties: ask for every name the generators use.
                let mut properties: Vec<(String, String)> = PROPERTIES
                    .iter()
                    .filter_map(|k| Some((k.to_string(), profile.get(k)?.to_owned())))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                properties.sort();
                (name.to_owned(), properties)
            })
            .filter(|(_, properties)| !properties.is_empty())
            .collect();
        profiles.sort();
        Some(profiles)
    }

    fn our_reading(config: &str, credentials: &str) -> Option<Reading> {
        let mut ours = Profiles::default();
        ours.merge(config, FileKind::Config).ok()?;
        ours.merge(credentials, FileKind::Credentials).ok()?;
        let mut profiles: Reading = ours
            .all()
            .map(|p| {
                let mut names: Vec<&str> = p.properties().map(|(k, _, _)| k).collect();
                names.sort();
                names.dedup();
                let properties = names
                    .into_iter()
                    .filter_map(|k| Some((k.to_owned(), p.get(k)?.to_owned())))
                    .collect::<Vec<_>>();
                (p.name.clone(), properties)
            })
            .filter(|(_, properties)| !properties.is_empty())
            .collect();
        profiles.sort();
        Some(profiles)
    }

    /// Every property name the generated files use, in lower case.
    const PROPERTIES: &[&str] = &[
        "region",
        "mfa_serial",
        "output",
        "role_arn",
        "s3",
        "duration_seconds",
        "aws_session_token",
        "aws_access_key_id",
        "aws_secret_access_key",
        "expiration",
        "x_security_token_expires",
    ];

    /// Config files with the quirks both the AWS CLI and the Rust SDK read alike.
    fn config_file(generator: &mut Gen) -> String {
        let eol = if generator.chance(30) { "\r\n" } else { "\n" };
        // One spelling of each header per file: the Rust SDK merges sections spelled
        // differently (`[profile  a ]`, `[profile a] # x`) in no stable order.
        let headers: Vec<String> = ["work", "admin", "a.b-c_d@e"]
            .iter()
            .map(|name| {
                generator
                    .pick(&[
                        "[profile {}]",
                        "[profile  {} ]",
                        "[profile {}] # note",
                        "[sso-session {}]",
                    ])
                    .replace("{}", name)
            })
            .collect();
        let default = generator
            .pick(&["[default]", "[profile default]"])
            .to_owned();
        let mut lines = Vec::new();
        for _ in 0..generator.next() % 6 {
            if generator.chance(30) {
                lines.push(
                    generator
                        .pick(&["# comment", "; another", "", "   "])
                        .to_owned(),
                );
            }
            let header = match generator.next() % 4 {
                0 => default.clone(),
                n => headers[n as usize - 1].clone(),
            };
            lines.push(header);
            for _ in 0..generator.next() % 5 {
                let key = generator.pick(&[
                    "region",
                    "Region",
                    "mfa_serial",
                    "output",
                    "role_arn",
                    "s3",
                    "duration_seconds",
                ]);
                let sep = generator.pick(&["=", " = ", "  =", "=  ", "\t=\t"]);
                let value = generator.pick(&[
                    "v",
                    "with spaces",
                    "a=b",
                    "x # a comment",
                    "x ; another",
                    "x#not-a-comment",
                    "",
                    "eu-west-1",
                ]);
                lines.push(format!("{key}{sep}{value}"));
                if generator.chance(15) {
                    lines.push(
                        generator
                            .pick(&["  continued", "\tmore = nested"])
                            .to_owned(),
                    );
                }
            }
        }
        let mut text = lines.join(eol);
        if !text.is_empty() && generator.chance(70) {
            text.push_str(eol);
        }
        text
    }

    /// Over generated files, we read what the Rust SDK's own parser reads.
    #[test]
    fn reads_what_the_sdk_reads() {
        let mut generator = Gen::seeded(0xD1FF);
        let mut compared = 0;
        for case in 0..1500 {
            // `[ name ]`: the AWS CLI keeps the spaces, the Rust SDK trims them; we follow the
            // AWS CLI (see documented_differences_from_the_sdk), so leave them out here.
            let config = config_file(&mut generator);
            let credentials = generator.file().replace("[ ", "[").replace(" ]", "]");
            let ours = our_reading(&config, &credentials);
            let theirs = sdk_reading(&config, &credentials);
            assert_eq!(
                ours.is_some(),
                theirs.is_some(),
                "case {case}: refused by one only\n{config:?}\n{credentials:?}\n{ours:?}\n{theirs:?}"
            );
            if ours.is_some() {
                compared += 1;
            }
            assert_eq!(ours, theirs, "case {case}\n{config:?}\n{credentials:?}");
        }
        eprintln!("{compared} of 1500 generated pairs read alike by both parsers");
        assert!(compared > 1000);
    }

    /// Where we read as the AWS CLI does and the Rust SDK does not (README, "Compatibility").
    #[test]
    fn documented_differences_from_the_sdk() {
        let ours = |config: &str| our_reading(config, "");
        let theirs = |config: &str| sdk_reading(config, "");
        let v = |k: &str, val: &str| (k.to_owned(), val.to_owned());
        // An indented comment after a property is a comment, not more of the value.
        let text = "[default]\nregion = eu-west-1\n  # note\n";
        assert_eq!(
            ours(text),
            Some(vec![("default".into(), vec![v("region", "eu-west-1")])])
        );
        assert_eq!(
            theirs(text),
            Some(vec![(
                "default".into(),
                vec![v("region", "eu-west-1\n# note")]
            )])
        );
        // Names the AWS CLI takes and the Rust SDK skips.
        let text =
            "[profile ä]\nregion = x\n[profile a,b]\nregion = x\n[profile \"a b\"]\nregion = x\n";
        assert_eq!(ours(text).unwrap().len(), 3);
        assert_eq!(theirs(text).unwrap().len(), 0);
        // Spaces inside the brackets stay part of the name, as in Python's configparser.
        assert_eq!(
            our_reading("", "[ w ]\nregion = x\n"),
            Some(vec![(" w ".into(), vec![v("region", "x")])])
        );
        assert_eq!(
            sdk_reading("", "[ w ]\nregion = x\n"),
            Some(vec![("w".into(), vec![v("region", "x")])])
        );
        assert_eq!(ours("[ default ]\nregion = x\n"), Some(vec![]));
        // `key: value`, as Python's configparser allows.
        assert_eq!(
            ours("[default]\nregion: x\n"),
            Some(vec![("default".into(), vec![v("region", "x")])])
        );
        assert_eq!(theirs("[default]\nregion: x\n"), None);
    }
}
