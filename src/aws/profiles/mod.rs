//! The AWS shared config and credentials files: read the way the AWS CLI reads them, and edited
//! without changing a byte that is not ours. A text is read whole; a big file a block at a time,
//! and a profile's sections again from the file when it is asked for (files are opened by
//! `files`; the line rules are in `lines`).

mod edit;
mod lines;

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::files;
use crate::platform;

use lines::{Checker, Kind, Scanner, cut, next_newline, same};
use lines::{Header, Line, blank, header, scan};

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
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub(crate) name: String,
    /// The lines of its sections, copied once (`list` reads every profile): each property's
    /// name and value are ranges of it.
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

    /// A property whose name and value are at these ranges of the text.
    fn set(&mut self, key: (u32, u32), value: (u32, u32), kind: FileKind) {
        // In place, a byte at a time (`to_ascii_lowercase` goes a char at a time).
        self.text[key.0 as usize..key.1 as usize].make_ascii_lowercase();
        self.values.push(Property { key, value, kind });
    }

    /// Continues the value set last: the property whose indented lines these are. The value is
    /// moved to the end of the text first, unless it ends it, so that it grows by the line.
    fn append(&mut self, more: &str) {
        let Some(&Property { value, .. }) = self.values.last() else {
            return;
        };
        let start = match value.1 as usize == self.text.len() {
            true => value.0,
            false => {
                let copy = self.value(&self.values[self.values.len() - 1]).to_owned();
                self.keep(&copy).0
            }
        };
        self.keep("\n");
        let end = self.keep(more).1;
        if let Some(last) = self.values.last_mut() {
            last.value = (start, end);
        }
    }
}

/// Two profiles are alike when they hold the same properties, whatever else their sections'
/// text holds (comments, blank lines).
impl PartialEq for Profile {
    fn eq(&self, other: &Profile) -> bool {
        self.name == other.name
            && self.in_config == other.in_config
            && self.in_credentials == other.in_credentials
            && self.properties().eq(other.properties())
    }
}

impl Eq for Profile {}

/// Every profile of both files, merged as the AWS SDKs merge them; and the `[services NAME]`
/// sections of the config file. Loading checks every line (the AWS CLI refuses a whole file for
/// one bad line) but keeps of each section only where its header is and the hash of the name it
/// gives: a profile asked for by name is read from the sections with its name's hash, and the
/// list of every profile is made only when a run needs it (`list`). So a run on a config of
/// 20,000 profiles reads the few it uses, and keeps 12 bytes per section.
#[derive(Debug, Default)]
pub(crate) struct Profiles {
    sources: Vec<Merged>,
    /// Every section header of every source, in order.
    headings: Vec<Heading>,
    services: Vec<Profile>,
    /// Config file sections without the `profile ` prefix (`[work]`): a common mistake.
    misnamed: Vec<String>,
    /// The profiles asked for by name, each read the first time.
    asked: Asked,
    /// Every profile, in the order the files first name them: made the first time it is needed.
    index: OnceCell<Index>,
}

/// One merged file or text.
#[derive(Debug)]
struct Merged {
    source: Source,
    kind: FileKind,
    /// Its length: where its last section ends.
    len: u32,
    /// Its headings: `Profiles::headings[first..end]`.
    first: u32,
    end: u32,
    /// A config file with a `[profile default]`: its `[default]` sections are not read (the
    /// AWS CLI's rule, wherever they appear).
    prefixed_default: bool,
}

/// Where a merged file's text is.
#[derive(Debug)]
enum Source {
    /// Kept whole: a file that fits one block, and every text merged from memory.
    Text(String),
    /// Left in the file and read a section at a time when a profile is asked for: a big file is
    /// never all in memory (here, its fresh pages cost more than reading it).
    File(Kept),
}

/// A section header: where its line begins in its source, and what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Heading {
    at: u32,
    /// The hash of the profile's or the services' name (0 for other sections).
    hash: u32,
    names: Names,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    Profile,
    /// `[default]` in the config file, which a `[profile default]` overrides.
    BareDefault,
    Services,
    Nothing,
}

impl Heading {
    /// The heading of the header `text` (the line's offset `at`), and what the header names.
    fn of(text: &str, kind: FileKind, at: usize) -> (Heading, Header<'_>) {
        let named = header(text, kind);
        let (names, hash) = match &named {
            Header::Profile(_) if kind == FileKind::Config && text == "default" => {
                (Names::BareDefault, hash("default"))
            }
            Header::Profile(name) => (Names::Profile, hash(name)),
            Header::Services(name) => (Names::Services, hash(name)),
            Header::Misnamed(_) | Header::Other => (Names::Nothing, 0),
        };
        // Offsets fit: files are refused long before 4 GiB.
        let at = at as u32;
        (Heading { at, hash, names }, named)
    }
}

/// A big file, kept open: a profile is read from it only while it is the file that was checked.
#[derive(Debug)]
struct Kept {
    file: std::fs::File,
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

impl Kept {
    /// The lines of the section at `at..end` of the file, read again, when its header still
    /// names `name`; `None` when it names another profile whose name has the same `hash`. Only
    /// while the file is as it was checked (its length and time), and the bytes still begin
    /// with a header and hold no other.
    fn read(
        &self,
        (at, end): (u32, u32),
        kind: FileKind,
        name: &str,
        hash: u32,
    ) -> Result<Option<String>> {
        let mut text = self.read_at(u64::from(at), (end - at) as usize)?;
        let changed = || self.changed();
        let header = header_line(&text).len();
        let found = named(cut(&text, 0, header), kind).ok_or_else(changed)?;
        if found != name {
            return match self::hash(&found) == hash {
                true => Ok(None),
                false => Err(changed()),
            };
        }
        let lines = text.split_off(header);
        let whole = lines.ends_with('\n') || (lines.is_empty() && text.ends_with('\n'));
        let mut scanner = Scanner::in_section();
        let another = lines
            .split_inclusive('\n')
            .any(|line| matches!(scanner.line(line), Ok(Kind::Section(_))));
        match (whole || u64::from(end) == self.len) && !another {
            true => Ok(Some(lines)),
            false => Err(changed()),
        }
    }

    /// The whole file, read again: only while it holds the very `headings` that were checked.
    fn read_all(&self, headings: &[Heading], kind: FileKind) -> Result<String> {
        // Offsets fit: the file was read whole once.
        let text = self.read_at(0, self.len as usize)?;
        let mut again = Vec::with_capacity(headings.len());
        Checker::default()
            .block(&text, 0, &mut |header, at| {
                again.push(Heading::of(header, kind, at).0)
            })
            .map_err(|_| self.changed())?;
        match again == headings {
            true => Ok(text),
            false => Err(self.changed()),
        }
    }

    /// `len` bytes of the file at offset `at`, as text: only while its length and time are
    /// those it had when it was checked.
    fn read_at(&self, at: u64, len: usize) -> Result<String> {
        let io = |e: std::io::Error| files::read_error(&self.path, &e.to_string());
        let meta = self.file.metadata().map_err(io)?;
        if meta.len() != self.len || meta.modified().ok() != self.modified {
            return Err(self.changed());
        }
        let mut bytes = vec![0; len];
        platform::read_exact_at(&self.file, &mut bytes, at).map_err(io)?;
        String::from_utf8(bytes).map_err(|_| self.changed())
    }

    fn changed(&self) -> Error {
        files::read_error(
            &self.path,
            "it changed while mfa-env was reading it; run mfa-env again",
        )
    }
}

/// A section's first line: its header, with its line ending.
fn header_line(section: &str) -> &str {
    let end = (next_newline(section.as_bytes(), 0) + 1).min(section.len());
    // Just after a '\n' (ASCII), or the text's end.
    cut(section, 0, end)
}

/// The name of the profile or services that the header `line` gives, if it does.
fn named(line: &str, kind: FileKind) -> Option<Cow<'_, str>> {
    match Scanner::default().line(line) {
        Ok(Kind::Section(text)) => match header(text, kind) {
            Header::Profile(name) | Header::Services(name) => Some(name),
            Header::Misnamed(_) | Header::Other => None,
        },
        _ => None,
    }
}

/// The profiles read by name: a list of cells, each set once (a run asks for a few).
#[derive(Debug, Default)]
struct Asked {
    profile: OnceCell<Profile>,
    next: OnceCell<Box<Asked>>,
}

/// Every profile, in the order the files first name them, and the sections of each.
#[derive(Debug, Default)]
struct Index {
    /// The whole text of each source left in its file, read again (`None` for a kept text).
    texts: Vec<Option<String>>,
    /// Every profile's name, one after the other (an entry's `name` is a range of it).
    names: String,
    entries: Vec<Entry>,
    /// `entries` indexes + 1 by name (open addressing; 0 is empty), at most half full.
    table: Vec<u32>,
    /// For each heading, the next heading of the same profile (`NONE` for the last).
    next: Vec<u32>,
    /// Each entry's properties, read on first use.
    parsed: Vec<OnceCell<Profile>>,
}

#[derive(Debug)]
struct Entry {
    /// Its name's range in `Index::names`, and the name's hash (compared before the name).
    name: (u32, u32),
    hash: u32,
    first: u32,
    last: u32,
    in_config: bool,
    in_credentials: bool,
}

const NONE: u32 = u32::MAX;

impl Index {
    /// The entry of the profile `name`, made (with no sections yet) when the name is new; its
    /// file `kind` noted.
    fn entry(&mut self, name: &str, hash: u32, kind: FileKind) -> usize {
        if self.table.len() < (self.entries.len() + 1) * 2 {
            self.rehash((self.table.len() * 2).max(16));
        }
        let e = match self.find_hashed(name, hash) {
            Ok(e) => e,
            Err(slot) => {
                // Offsets fit: the names are parts of files refused long before 4 GiB.
                let start = self.names.len() as u32;
                self.names.push_str(name);
                self.entries.push(Entry {
                    name: (start, self.names.len() as u32),
                    hash,
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

    /// Makes heading `h` the last of entry `e`'s sections.
    fn link(&mut self, e: usize, h: usize) {
        let entry = &mut self.entries[e];
        match entry.last {
            NONE => entry.first = h as u32,
            last => self.next[last as usize] = h as u32,
        }
        entry.last = h as u32;
    }

    /// The entry named `name` (`Ok`), or the free slot of the table where it goes (`Err`).
    fn find_hashed(&self, name: &str, hash: u32) -> std::result::Result<usize, usize> {
        let mask = self.table.len().wrapping_sub(1);
        if self.table.is_empty() {
            return Err(0);
        }
        let mut slot = hash as usize & mask;
        loop {
            match self.table[slot] {
                0 => return Err(slot),
                e if self.entries[e as usize - 1].hash == hash
                    && same(self.name(e as usize - 1).as_bytes(), name.as_bytes()) =>
                {
                    return Ok(e as usize - 1);
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Makes the table `size` slots (a power of two).
    fn rehash(&mut self, size: usize) {
        self.table = vec![0; size];
        for e in 0..self.entries.len() {
            let mut slot = self.entries[e].hash as usize & (size - 1);
            while self.table[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            self.table[slot] = e as u32 + 1;
        }
    }

    fn name(&self, e: usize) -> &str {
        let (start, end) = self.entries[e].name;
        // The ends of a whole name pushed onto `names`.
        cut(&self.names, start as usize, end as usize)
    }
}

/// One file being merged: where its headings begin, whether it has a `[profile default]`, and
/// its `[services NAME]` sections (which services profile, and which heading).
struct Merging {
    kind: FileKind,
    first: u32,
    prefixed_default: bool,
    services: Vec<(usize, usize)>,
}

/// A file is read in blocks of this size, and kept whole when it fits one.
const BLOCK: usize = 64 * 1024;

impl Profiles {
    /// Adds one text's sections (a file read whole); later values override earlier ones.
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
        let mut merging = self.begin(kind);
        Checker::default().block(&text, 0, &mut |header, at| {
            self.heading(&mut merging, header, at)
        })?;
        let len = text.len() as u32;
        // Reading a text's own sections cannot fail.
        self.end(merging, Source::Text(text), len)
            .map_err(|_| ParseError {
                line: 1,
                message: "unreadable",
            })
    }

    /// Adds the sections of the file at `path`, opened: a file that fits one block is read
    /// whole; a bigger one is checked a block at a time and left in the file.
    pub(crate) fn merge_file(
        &mut self,
        opened: files::Opened,
        path: &Path,
        kind: FileKind,
        limit: u64,
    ) -> Result<()> {
        let malformed = |e: ParseError| {
            Error::new(format!(
                "{} is malformed at {e}: fix or remove that line",
                files::display(path)
            ))
        };
        if opened.len < BLOCK as u64 {
            let text = files::read_opened(opened, path, limit)?;
            return self.merge(text, kind).map_err(malformed);
        }
        let mut file = opened.file;
        let modified = file.metadata().ok().and_then(|m| m.modified().ok());
        let mut merging = self.begin(kind);
        let mut checker = Checker::default();
        let (mut buf, mut filled, mut base) = (vec![0u8; BLOCK], 0, 0);
        let io = |e: std::io::Error| files::read_error(path, &e.to_string());
        loop {
            let read = match file.read(&mut buf[filled..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                read => read.map_err(io)?,
            };
            filled += read;
            if (base + filled) as u64 > limit {
                return Err(files::too_large(path, limit));
            }
            // Whole lines only ('\n' is never inside a UTF-8 sequence); all that is left at the end.
            let upto = match buf[..filled].iter().rposition(|&b| b == b'\n') {
                _ if read == 0 => filled,
                Some(at) => at + 1,
                None if filled == buf.len() => {
                    buf.resize(buf.len() * 2, 0); // a line longer than a block
                    continue;
                }
                None => continue,
            };
            let block = lines::text(&buf[..upto]).ok_or_else(|| files::not_text(path))?;
            checker
                .block(block, base, &mut |header, at| {
                    self.heading(&mut merging, header, at)
                })
                .map_err(malformed)?;
            buf.copy_within(upto..filled, 0);
            filled -= upto;
            base += upto;
            if read == 0 {
                break;
            }
        }
        let kept = Kept {
            file,
            path: path.to_owned(),
            len: base as u64,
            modified,
        };
        self.end(merging, Source::File(kept), base as u32)
    }

    fn begin(&mut self, kind: FileKind) -> Merging {
        // A new source: what was made of the ones before is made again when needed.
        self.asked = Asked::default();
        self.index = OnceCell::new();
        Merging {
            kind,
            first: self.headings.len() as u32,
            prefixed_default: false,
            services: Vec::new(),
        }
    }

    /// The header `header`, whose line is at `at`: a section begins.
    fn heading(&mut self, m: &mut Merging, header: &str, at: usize) {
        // The common header first, in a few steps.
        if let Some(name) = lines::plain_profile(header).filter(|_| m.kind == FileKind::Config) {
            m.prefixed_default |= name == "default";
            // Offsets fit: files are refused long before 4 GiB.
            let (at, hash) = (at as u32, hash(name));
            return self.headings.push(Heading {
                at,
                hash,
                names: Names::Profile,
            });
        }
        let (heading, named) = Heading::of(header, m.kind, at);
        match named {
            Header::Profile(name) => {
                m.prefixed_default |= heading.names == Names::Profile
                    && m.kind == FileKind::Config
                    && name == "default";
            }
            Header::Services(name) => {
                let service = self.service_index(name.into_owned());
                m.services.push((service, self.headings.len()));
            }
            Header::Misnamed(name) => self.misnamed.push(name),
            Header::Other => {}
        }
        self.headings.push(heading);
    }

    /// The file's sections are all found: its `[services]` sections are read.
    fn end(&mut self, m: Merging, source: Source, len: u32) -> Result<()> {
        self.sources.push(Merged {
            source,
            kind: m.kind,
            len,
            first: m.first,
            end: self.headings.len() as u32,
            prefixed_default: m.prefixed_default,
        });
        for (service, h) in m.services {
            let name = self.services[service].name.clone();
            if let Some(lines) = self.section(h, &name, None)? {
                let lines = lines.into_owned();
                read_section(&mut self.services[service], &lines, m.kind);
            }
        }
        Ok(())
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

    /// Heading `h`'s source (its index), and where its line begins and its section ends.
    fn span(&self, h: usize) -> (usize, (u32, u32)) {
        let s = self
            .sources
            .iter()
            .position(|source| h < source.end as usize)
            .unwrap_or(0);
        let source = &self.sources[s];
        let end = match h + 1 < source.end as usize {
            true => self.headings[h + 1].at,
            false => source.len,
        };
        (s, (self.headings[h].at, end))
    }

    /// The lines of heading `h`'s section, when its header names `name` (`None` when it names
    /// another, whose name has the same hash): from the kept text, the `index`'s texts, or the
    /// file.
    fn section<'a>(
        &'a self,
        h: usize,
        name: &str,
        index: Option<&'a Index>,
    ) -> Result<Option<Cow<'a, str>>> {
        let (s, (at, end)) = self.span(h);
        let source = &self.sources[s];
        let text = match (&source.source, index.and_then(|i| i.texts[s].as_deref())) {
            (Source::Text(text), _) => text.as_str(),
            (Source::File(_), Some(text)) => text,
            (Source::File(kept), None) => {
                return Ok(kept
                    .read((at, end), source.kind, name, self.headings[h].hash)?
                    .map(Cow::Owned));
            }
        };
        // Line starts, or the text's end: char boundaries.
        let section = cut(text, at as usize, end as usize);
        let line = header_line(section);
        Ok((named(line, source.kind).as_deref() == Some(name))
            .then(|| Cow::Borrowed(cut(section, line.len(), section.len()))))
    }

    /// Whether heading `h` of `source` is a section of the profile whose name has `hash`.
    fn of_profile(source: &Merged, heading: &Heading, hash: u32) -> bool {
        heading.hash == hash
            && match heading.names {
                Names::Profile => true,
                Names::BareDefault => !source.prefixed_default,
                Names::Services | Names::Nothing => false,
            }
    }

    /// The profile `name`, read from its sections, if the files have it.
    fn read(&self, name: &str) -> Result<Option<Profile>> {
        let hash = hash(name);
        let mut profile = None;
        for source in &self.sources {
            for h in source.first as usize..source.end as usize {
                if !Self::of_profile(source, &self.headings[h], hash) {
                    continue;
                }
                let Some(lines) = self.section(h, name, None)? else {
                    continue;
                };
                let profile = profile.get_or_insert_with(|| Profile {
                    name: name.to_owned(),
                    ..Profile::default()
                });
                match source.kind {
                    FileKind::Config => profile.in_config = true,
                    FileKind::Credentials => profile.in_credentials = true,
                }
                read_section(profile, &lines, source.kind);
            }
        }
        Ok(profile)
    }

    /// The profile `name`, if the files have it; an error only when a big file changed since
    /// it was checked, or cannot be read again.
    pub(crate) fn get(&self, name: &str) -> Result<Option<&Profile>> {
        if let Some(index) = self.index.get() {
            return Ok(match index.find_hashed(name, hash(name)) {
                Ok(e) => Some(self.listed(index, e)),
                Err(_) => None,
            });
        }
        let mut asked = &self.asked;
        loop {
            match asked.profile.get() {
                Some(profile) if profile.name == name => return Ok(Some(profile)),
                Some(_) => asked = asked.next.get_or_init(Box::default),
                None => {
                    return Ok(self
                        .read(name)?
                        .map(|profile| asked.profile.get_or_init(|| profile)));
                }
            }
        }
    }

    /// Every profile, in the order the files first name them: read again from a big file that
    /// is still the one checked.
    pub(crate) fn all(&self) -> Result<impl ExactSizeIterator<Item = &Profile>> {
        let index = self.index()?;
        Ok((0..index.entries.len()).map(move |e| self.listed(index, e)))
    }

    /// Every profile's name, in the same order, without reading its properties.
    pub(crate) fn names(&self) -> Result<impl Iterator<Item = &str>> {
        let index = self.index()?;
        Ok((0..index.entries.len()).map(move |e| index.name(e)))
    }

    /// The index of every profile, made the first time.
    fn index(&self) -> Result<&Index> {
        if let Some(index) = self.index.get() {
            return Ok(index);
        }
        let mut texts = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            texts.push(match &source.source {
                Source::Text(_) => None,
                Source::File(kept) => Some(kept.read_all(
                    &self.headings[source.first as usize..source.end as usize],
                    source.kind,
                )?),
            });
        }
        let mut index = Index {
            next: vec![NONE; self.headings.len()],
            ..Index::default()
        };
        for (source, text) in self.sources.iter().zip(&texts) {
            let text = match (&source.source, text) {
                (Source::Text(text), _) | (Source::File(_), Some(text)) => text,
                (Source::File(_), None) => continue,
            };
            for h in source.first as usize..source.end as usize {
                let heading = self.headings[h];
                if !matches!(heading.names, Names::Profile | Names::BareDefault) {
                    continue;
                }
                // A line start of the text checked.
                let line = header_line(cut(text, heading.at as usize, text.len()));
                let Some(name) = named(line, source.kind) else {
                    continue;
                };
                let e = index.entry(&name, heading.hash, source.kind);
                if Self::of_profile(source, &heading, heading.hash) {
                    index.link(e, h);
                }
            }
        }
        index.texts = texts;
        index.parsed.resize_with(index.entries.len(), OnceCell::new);
        Ok(self.index.get_or_init(|| index))
    }

    /// The profile of the index's entry `e`, read from its sections the first time.
    fn listed<'a>(&'a self, index: &'a Index, e: usize) -> &'a Profile {
        index.parsed[e].get_or_init(|| {
            let entry = &index.entries[e];
            let mut profile = Profile {
                name: index.name(e).to_owned(),
                in_config: entry.in_config,
                in_credentials: entry.in_credentials,
                ..Profile::default()
            };
            let mut h = entry.first;
            while h != NONE {
                // The texts are in memory: read as they were checked.
                if let Ok(Some(lines)) = self.section(h as usize, &profile.name, Some(index)) {
                    let kind = self.sources[self.span(h as usize).0].kind;
                    read_section(&mut profile, &lines, kind);
                }
                h = index.next[h as usize];
            }
            profile
        })
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

/// The hash of a name, eight bytes at a time (FxHash's step, then a final mix so
/// that the low bits the table uses depend on every byte). No adversary to fear: the files are
/// the user's own.
fn hash(name: &str) -> u32 {
    let bytes = name.as_bytes();
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step =
        |h: u64, word: [u8; 8]| (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    let mut h = bytes.len() as u64;
    let mut rest = bytes;
    while let Some((word, after)) = rest.split_first_chunk::<8>() {
        h = step(h, *word);
        rest = after;
    }
    if !rest.is_empty() {
        // A byte at a time: a copy of a few bytes is a call to the C library's `memcpy`.
        let mut word = [0; 8];
        for (to, from) in word.iter_mut().zip(rest) {
            *to = *from;
        }
        h = step(h, word);
    }
    let h = (h ^ (h >> 29)).wrapping_mul(K);
    // The low half, mixed with the high one.
    (h ^ (h >> 32)) as u32
}

/// Adds the properties of one section's lines (checked already) to `profile`.
fn read_section(profile: &mut Profile, lines: &str, kind: FileKind) {
    // The lines are copied once; a name or value found in `lines` is at the same offset of the
    // copy, after what the profile held before.
    let base = profile.keep(lines).0;
    // (An empty part may be a literal "", not a slice of `lines`: any empty range will do.)
    let at_copy = |part: &str| match (part.as_ptr() as usize).checked_sub(lines.as_ptr() as usize) {
        Some(offset) if !part.is_empty() && offset + part.len() <= lines.len() => {
            let start = base + offset as u32;
            (start, start + part.len() as u32)
        }
        _ => (base, base),
    };
    if profile.values.capacity() == 0 {
        profile.values.reserve(4);
    }
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
                profile.set(at_copy(key), at_copy(value), kind);
                after_property = true;
            }
            Ok(Kind::Continuation(more)) if after_property => profile.append(more),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` written to a file of its own and merged from there.
    fn merged_from_file(text: &str, kind: FileKind) -> (Profiles, PathBuf) {
        let (p, path) = merging_file(text, kind);
        (p.unwrap(), path)
    }

    /// `text` written to a file of its own and merged from there, or why not.
    fn merging_file(text: &str, kind: FileKind) -> (Result<Profiles>, PathBuf) {
        static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("mfa-env-blocks-{}-{n}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let mut p = Profiles::default();
        let opened = files::open_regular(&path).unwrap().unwrap();
        let merged = p.merge_file(opened, &path, kind, files::MAX_READ);
        (merged.map(|()| p), path)
    }

    /// A config of many sections, some of each kind the reader treats apart, around `lines`
    /// long lines, CRLF endings and text that is not ASCII.
    fn big_config(sections: usize) -> String {
        let mut text = String::from("# generated\n[default]\nregion = us-east-1\n");
        for i in 0..sections {
            match i % 50 {
                7 => text.push_str("[profile default]\nregion = eu-west-1\n"),
                11 => text.push_str(&format!("[services s{i}]\nsts =\n  endpoint_url = http://127.0.0.1:{i}\n")),
                13 => text.push_str(&format!("[misnamed{i}]\nregion = x\n")),
                17 => text.push_str(&format!("[profile \"q {i}\"]\r\nregion = ä{i}\r\n")),
                19 => text.push_str(&format!("[profile long]\nnote = {}\n", "x".repeat(70_000 + i))),
                23 => text.push_str(&format!("[profile p{}]\nmfa_serial = again{i}\n", i - 20)),
                _ => text.push_str(&format!(
                    "[profile p{i}]\nrole_arn = arn:aws:iam::1:role/r{i} ; a comment\ns3 =\n  max_concurrent_requests = {i}\nsource_profile = default\n\n"
                )),
            }
        }
        text
    }

    #[test]
    fn the_checker_reads_each_line_as_the_scanner_does() {
        // Lines that look alike to the maps and differ to the scanner, joined at random: the
        // checker must find the same headers, or the same bad line, as the scanner alone.
        let lines = [
            "key = value",
            "k=v",
            "k:v",
            "a = b =",
            "s3 =",
            "s3 = ",
            "s3 =\r",
            "s3 = \t",
            "x =\r \r",
            "  indented = x",
            "\tcontinued",
            "  no mark",
            "[profile a]",
            "[a",
            "[]",
            "[ x ]",
            "  [profile b]",
            "#c",
            ";c",
            "",
            " ",
            "\r",
            "=v",
            ":v",
            "no mark",
            "é = ü",
            "]=x",
            "key = value # c",
            "[profile b] ; x",
            "role_arn = arn:aws:iam::123456789012:role/a-long-name",
            "\x0bk = v",
            "k\x0c= v",
            "\x0c",
            "[profile a]\x0b",
            "k\0 = v",
            "k = [x]",
            "[profile a]]",
            "[[profile a]",
            "[profile\ta]",
            "[profile a b]",
            "[default] x",
            "[sso-session s]",
            "[services x]",
            "key=",
            "\u{a0}k = v",
            "k\u{2028} = v",
        ];
        let mut generator = Gen::seeded(0x5eed_11e5);
        for round in 0..10000 {
            let eol = if generator.chance(20) { "\r\n" } else { "\n" };
            let mut text = String::new();
            if generator.chance(70) {
                text.push_str("[default]\n");
            }
            for _ in 0..generator.next() % 40 {
                text.push_str(generator.pick(&lines));
                if generator.chance(5) {
                    text.push_str(&"v".repeat(generator.next() as usize % 150));
                }
                text.push_str(eol);
            }
            if generator.chance(20) {
                text.push_str(generator.pick(&lines)); // no line ending at the end
            }
            let run = |slowly: bool| {
                let mut headers = Vec::new();
                let mut checker = Checker::default();
                let mut note = |header: &str, at: usize| headers.push((header.to_owned(), at));
                let result = match slowly {
                    true => checker.block_slowly(&text, 7, &mut note),
                    false => checker.block(&text, 7, &mut note),
                };
                (result, headers)
            };
            assert_eq!(run(false), run(true), "round {round}: {text:?}");
            // In two blocks, split at a line's end: the state goes on from one to the next.
            let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
            if let Some(&split) = ends.get(generator.next() as usize % ends.len().max(1)) {
                let mut headers = Vec::new();
                let mut checker = Checker::default();
                let mut note = |header: &str, at: usize| headers.push((header.to_owned(), at));
                let result = checker
                    .block(&text[..split], 7, &mut note)
                    .and_then(|()| checker.block(&text[split..], 7 + split, &mut note));
                assert_eq!(
                    (result, headers),
                    run(true),
                    "round {round}, split {split}: {text:?}"
                );
            }
        }
    }

    #[test]
    fn a_big_file_read_in_blocks_reads_as_the_whole_text() {
        let text = big_config(3000);
        assert!(text.len() > 4 * BLOCK);
        let whole = merged(&text, "");
        let (blocks, path) = merged_from_file(&text, FileKind::Config);
        assert!(matches!(blocks.sources[0].source, Source::File(_)));
        assert_eq!(
            blocks.names().unwrap().collect::<Vec<_>>(),
            whole.names().unwrap().collect::<Vec<_>>()
        );
        for (a, b) in whole.all().unwrap().zip(blocks.all().unwrap()) {
            assert_eq!(a, b);
        }
        assert_eq!(blocks.misnamed, whole.misnamed);
        assert_eq!(blocks.services, whole.services);
        assert_eq!(
            blocks
                .service_setting("s11", "sts", "endpoint_url")
                .as_deref(),
            Some("http://127.0.0.1:11")
        );
        assert_eq!(
            blocks.get("default").unwrap().unwrap().get("region"),
            Some("eu-west-1")
        );
        // Asked for by name before any list is made (read from the file, a section at a time),
        // each profile reads as listed; and so does a name that no section gives.
        let (asked, path_asked) = merged_from_file(&text, FileKind::Config);
        for listed in whole.all().unwrap() {
            assert_eq!(asked.get(&listed.name).unwrap(), Some(listed));
            assert_eq!(whole.get(&listed.name).unwrap(), Some(listed));
        }
        assert_eq!(asked.get("misnamed13").unwrap(), None);
        assert!(asked.is_misnamed("misnamed13"));
        assert!(asked.index.get().is_none(), "no list was made");
        std::fs::remove_file(path).unwrap();
        std::fs::remove_file(path_asked).unwrap();
    }

    /// Two names whose hashes are the same.
    fn colliding_names() -> (String, String) {
        let mut seen = std::collections::HashMap::new();
        for i in 0.. {
            let name = format!("team{i}");
            if let Some(other) = seen.insert(hash(&name), name.clone()) {
                return (other, name);
            }
        }
        unreachable!()
    }

    #[test]
    fn names_with_the_same_hash_are_told_apart() {
        let (a, b) = colliding_names();
        assert_eq!(hash(&a), hash(&b));
        let mut text =
            format!("[profile {a}]\nregion = ra\n[profile {b}]\nregion = rb\n[{b}]\nx = y\n");
        let check = |p: &Profiles| {
            assert_eq!(p.get(&a).unwrap().unwrap().get("region"), Some("ra"));
            assert_eq!(p.get(&b).unwrap().unwrap().get("region"), Some("rb"));
            assert!(p.is_misnamed(&b) && !p.is_misnamed(&a));
        };
        check(&merged(&text, ""));
        // Big: the sections read again from the file.
        text.push_str(&big_config(2000));
        let (p, path) = merged_from_file(&text, FileKind::Config);
        check(&p);
        let listed = p.names().unwrap().take(2).collect::<Vec<_>>();
        assert_eq!(listed, [a.as_str(), b.as_str()]);
        check(&p);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_big_file_that_changes_is_not_listed() {
        let text = big_config(2000);
        let (p, path) = merged_from_file(&text, FileKind::Config);
        let time = std::fs::metadata(&path).unwrap().modified().unwrap();
        // The same length and time, a header moved by a byte: not the file that was checked.
        let changed = text.replacen("\n[profile p3]", "[profile p3]\n", 1);
        assert_eq!(changed.len(), text.len());
        std::fs::write(&path, &changed).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(time).unwrap();
        let error = p.names().err().unwrap().to_string();
        assert!(
            error.ends_with("it changed while mfa-env was reading it; run mfa-env again"),
            "{error}"
        );
        // Put back, it is listed.
        std::fs::write(&path, &text).unwrap();
        file.set_modified(time).unwrap();
        assert_eq!(
            p.all().unwrap().len(),
            merged(&text, "").all().unwrap().len()
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_bad_line_of_a_big_file_is_named_by_its_number() {
        let mut text = big_config(2000);
        text.push_str("[profile last]\nno equals sign here\n");
        let whole = Profiles::default()
            .merge(text.clone(), FileKind::Config)
            .unwrap_err();
        let (merged, path) = merging_file(&text, FileKind::Config);
        let error = merged.unwrap_err().to_string();
        assert!(
            error.contains(&format!("is malformed at {whole}: fix or remove that line")),
            "{error} / {whole}"
        );
        assert_eq!(whole.line, text.lines().count());
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_big_file_that_changes_is_not_read_again() {
        let text = big_config(2000);
        let (p, path) = merged_from_file(&text, FileKind::Config);
        assert!(p.get("p1").unwrap().is_some());
        // Rewritten meanwhile, as `aws configure` does: a profile not yet read is refused, not
        // read from whatever is at its offsets now; one read before stays as it was read.
        std::fs::write(&path, text.replace("role/r", "role/other-")).unwrap();
        let error = p.get("p2").unwrap_err().to_string();
        assert!(
            error.ends_with("it changed while mfa-env was reading it; run mfa-env again"),
            "{error}"
        );
        assert!(
            p.get("p1")
                .unwrap()
                .unwrap()
                .get("role_arn")
                .unwrap()
                .ends_with("role/r1")
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_big_file_rewritten_to_the_same_length_and_time_is_caught_by_its_headers() {
        let text = big_config(2000);
        let (p, path) = merged_from_file(&text, FileKind::Config);
        let time = std::fs::metadata(&path).unwrap().modified().unwrap();
        let same_length = |from: &str, to: &str| {
            let changed = text.replacen(from, to, 1);
            assert_eq!(changed.len(), text.len());
            std::fs::write(&path, &changed).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(time).unwrap();
        };
        // Another header where p2's was; then a header inside p3's lines.
        same_length("[profile p2]", "[profile q2]");
        assert!(p.get("p2").unwrap_err().to_string().contains("it changed"));
        same_length(
            "source_profile = default\n\n[profile p4]",
            "[x]\nsource_profile = def\n\n[profile p4]",
        );
        assert!(p.get("p3").unwrap_err().to_string().contains("it changed"));
        // Unchanged where p5 is: read as it was.
        assert_eq!(
            p.get("p5").unwrap().unwrap().get("source_profile"),
            Some("default")
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_small_file_is_kept_whole() {
        let (p, path) = merged_from_file("[default]\nregion = x\n", FileKind::Config);
        assert!(matches!(p.sources[0].source, Source::Text(_)));
        std::fs::remove_file(path).unwrap();
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
        assert_eq!(
            p.get("default").unwrap().unwrap().get("region"),
            Some("eu-west-1")
        );
        let work = p.get("work").unwrap().unwrap();
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
        assert_eq!(
            p.get("a b").unwrap().unwrap().get("region"),
            Some("ap-south-1")
        );
        assert!(p.get("ä,b").unwrap().is_some());
        let names: Vec<&str> = p.names().unwrap().collect();
        assert_eq!(names, ["default", "work", "a b", "ä,b", "profile bad"]);
    }

    #[test]
    fn credentials_win_and_empty_values_are_unset() {
        let p = merged(
            "[default]\nregion = eu-west-1\noutput =\n",
            "[default]\nregion = us-west-2\n",
        );
        let d = p.get("default").unwrap().unwrap();
        assert_eq!(d.get("region"), Some("us-west-2"));
        assert_eq!(d.get("output"), None);
        assert!(d.in_config && d.in_credentials);
    }

    #[test]
    fn profile_default_wins_in_config() {
        let p = merged("[profile default]\nregion = a\n[default]\nregion = b\n", "");
        assert_eq!(p.get("default").unwrap().unwrap().get("region"), Some("a"));
        // Also when quotes or an escape spell it, as Python's shlex reads them.
        for header in [r#"[profile "def"ault]"#, r"[profile def\ault]"] {
            let p = merged(
                &format!("[default]\nregion = b\n{header}\nregion = a\n"),
                "",
            );
            assert_eq!(
                p.get("default").unwrap().unwrap().get("region"),
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
            p.get("default").unwrap().unwrap().get("s3"),
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
            for profile in before.all().unwrap() {
                if profile.name != "mfa" {
                    assert_eq!(
                        after.get(&profile.name).unwrap(),
                        Some(profile),
                        "case {case}: [{}] changed\n{text:?}\n{out:?}",
                        profile.name
                    );
                }
            }
            let mfa = after.get("mfa").unwrap().unwrap();
            for (key, value) in OURS {
                assert_eq!(mfa.get(key), Some(*value), "case {case}\n{text:?}\n{out:?}");
            }
            if let Some(old) = before.get("mfa").unwrap() {
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
            if before.get("mfa").unwrap().is_none() {
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
        // Each profile asked for by name reads as it is listed.
        let asked = merged(config, credentials);
        for listed in ours.all().unwrap() {
            assert_eq!(asked.get(&listed.name).unwrap(), Some(listed));
        }
        let mut profiles: Reading = ours
            .all()
            .unwrap()
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
