//! The line rules of the AWS shared files, as the AWS CLI's parser has them: what each line is,
//! what a section header names, and the byte searches that let a big file be checked at the
//! speed of reading it.

use std::borrow::Cow;

use super::{FileKind, ParseError};

/// `a == b`, eight bytes at a time: `==` on bytes calls the C library's `bcmp`, which musl (the
/// static build's) runs a byte at a time, and `list` compares thousands of property names.
#[inline(always)]
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map_or(0, |w| u64::from_ne_bytes(*w))
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

/// Checks a file's lines as the AWS CLI's parser does, a block of whole lines at a time, and
/// reports each section header. Most lines of a big file are `key = value`: those are checked
/// all at once from maps of the block's bytes, and only the others go through the scanner.
pub(super) struct Checker {
    scanner: Scanner,
    /// Lines checked so far, for the number of a bad one.
    lines: usize,
    /// The block as bits, one per byte, 64 to a word.
    maps: Maps,
}

#[derive(Default)]
struct Maps {
    /// Bytes that are '\n'.
    newlines: Vec<u64>,
    /// Bytes that are '=' or ':'.
    marks: Vec<u64>,
    /// Line starts: of a line that begins with a property's name (`plain`), or with anything
    /// else but its end (`other`: headers, comments, indented lines).
    plain: Vec<u64>,
    other: Vec<u64>,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker {
            scanner: Scanner {
                checking: true,
                ..Scanner::default()
            },
            lines: 0,
            maps: Maps::default(),
        }
    }
}

impl Checker {
    /// Checks `block` (whole lines; only a file's last may lack its '\n'), which starts at
    /// offset `base` of the file: `header` is told each header's text and its line's offset in
    /// the file.
    pub(super) fn block(
        &mut self,
        block: &str,
        base: usize,
        header: &mut dyn FnMut(&str, usize),
    ) -> Result<(), ParseError> {
        let bytes = block.as_bytes();
        self.maps.make(bytes);
        let mut at = 0;
        // A line at a time until a section begins: a property before it is refused.
        while at < bytes.len() && !self.scanner.in_section {
            at = self.line(block, at, base, header)?;
        }
        // A property's line without its '=' is named a line at a time.
        if at < bytes.len() && !self.all_at_once(block, at, base, header)? {
            while at < bytes.len() {
                at = self.line(block, at, base, header)?;
            }
        }
        Ok(())
    }

    /// Checks the line at `at`: where the next one begins.
    fn line(
        &mut self,
        block: &str,
        at: usize,
        base: usize,
        header: &mut dyn FnMut(&str, usize),
    ) -> Result<usize, ParseError> {
        let bytes = block.as_bytes();
        let newline = next_bit(&self.maps.newlines, at).unwrap_or(bytes.len());
        let end = (newline + 1).min(bytes.len());
        self.lines += 1;
        if bytes[at] == b'\n' || self.plain_property(bytes, at, newline) {
            return Ok(end);
        }
        let line = self.lines;
        self.other(block, at, end, base, header)
            .map_err(|message| ParseError { line, message })?;
        Ok(end)
    }

    /// Checks the lines from `at` (a line start, in a section) to the block's end: the plain
    /// properties' lines all at once, then each other line in order (told the state the lines
    /// before it leave). `false` when a property's line has no mark (and nothing was checked).
    fn all_at_once(
        &mut self,
        block: &str,
        at: usize,
        base: usize,
        header: &mut dyn FnMut(&str, usize),
    ) -> Result<bool, ParseError> {
        let bytes = block.as_bytes();
        let lines = self.maps.classify(bytes, at);
        if !self.maps.every_plain_line_has_a_mark(at) {
            return Ok(false);
        }
        // Lines before `done` have left their state in the scanner.
        let mut done = at;
        let mut others = next_bit(&self.maps.other, at);
        while let Some(start) = others {
            let newline = next_bit(&self.maps.newlines, start).unwrap_or(bytes.len());
            let end = (newline + 1).min(bytes.len());
            // A header does not read the state; an indented line does: that of the last
            // property's line before it, if one came since the last line read here.
            if bytes[start] != b'[' {
                self.after_plain(bytes, done, start);
            }
            // (The lines before a bad one are counted only then.)
            if let Err(message) = self.other(block, start, end, base, header) {
                let line = self.lines + count(&self.maps.newlines, at, start) + 1;
                return Err(ParseError { line, message });
            }
            done = end;
            others = next_bit(&self.maps.other, end);
        }
        self.after_plain(bytes, done, bytes.len());
        self.lines += lines;
        Ok(true)
    }

    /// Leaves the scanner in the state of the last plain property's line in `from..to`, if any.
    fn after_plain(&mut self, bytes: &[u8], from: usize, to: usize) {
        if let Some(start) = last_bit(&self.maps.plain, from, to) {
            let newline = next_bit(&self.maps.newlines, start).unwrap_or(bytes.len());
            self.plain_property(bytes, start, newline);
        }
    }

    /// Checks the line at `at..end` that is not a plain property's: why the AWS CLI refuses it.
    fn other(
        &mut self,
        block: &str,
        at: usize,
        end: usize,
        base: usize,
        header: &mut dyn FnMut(&str, usize),
    ) -> Result<(), &'static str> {
        let bytes = block.as_bytes();
        let newline = match bytes[end - 1] == b'\n' {
            true => end - 1,
            false => end,
        };
        if let Some((from, to)) = plain_header(bytes, at, newline) {
            self.scanner.in_section = true;
            self.scanner.after_property = false;
            // Next to ASCII brackets.
            header(cut(block, from, to), base + at);
            return Ok(());
        }
        // `at` and `end` are 0, the length, or just after a '\n' (ASCII).
        let raw = cut(block, at, end);
        if let Kind::Section(text) = self.scanner.line(raw)? {
            header(text, base + at);
        }
        Ok(())
    }

    /// Whether the line `bytes[at..newline]` is a property's line that starts with its name, in
    /// a section: then the scanner is told of it as its `line` would be, and need not read it.
    #[inline(always)]
    fn plain_property(&mut self, bytes: &[u8], at: usize, newline: usize) -> bool {
        if !self.scanner.in_section || !starts_plain(bytes[at]) {
            return false;
        }
        let Some(mark) = next_bit(&self.maps.marks, at).filter(|&mark| mark < newline) else {
            return false;
        };
        // The value is empty when only blanks (and a '\r') follow the mark: nested lines come.
        let mut end = newline;
        if bytes[end - 1] == b'\r' {
            end -= 1;
        }
        while end > mark + 1 && matches!(bytes[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        self.scanner.after_property = true;
        self.scanner.nested = end == mark + 1;
        true
    }

    /// `block`, a line at a time through the scanner alone: what the maps must agree with.
    #[cfg(test)]
    pub(super) fn block_slowly(
        &mut self,
        block: &str,
        base: usize,
        header: &mut dyn FnMut(&str, usize),
    ) -> Result<(), ParseError> {
        let mut at = 0;
        for raw in block.split_inclusive('\n') {
            self.lines += 1;
            let kind = self.scanner.line(raw).map_err(|message| ParseError {
                line: self.lines,
                message,
            })?;
            if let Kind::Section(text) = kind {
                header(text, base + at);
            }
            at += raw.len();
        }
        Ok(())
    }
}

impl Maps {
    /// The maps of the newlines and marks of `bytes`.
    fn make(&mut self, bytes: &[u8]) {
        let (chunks, rest) = bytes.as_chunks::<64>();
        let mut last = [0; 64];
        last[..rest.len()].copy_from_slice(rest);
        // Sized (every word is written below), not zeroed.
        let words = bytes.len().div_ceil(64);
        self.newlines.resize(words, 0);
        self.marks.resize(words, 0);
        let all = chunks.iter().chain((!rest.is_empty()).then_some(&last));
        for ((chunk, newlines), marks) in all.zip(&mut self.newlines).zip(&mut self.marks) {
            (*newlines, *marks) = masks(chunk);
        }
    }

    /// The maps of the line starts from `at` (a line start) on, by their first byte: how many
    /// lines there are.
    fn classify(&mut self, bytes: &[u8], at: usize) -> usize {
        let words = self.newlines.len();
        // Zeroed in one `memset` each (`resize` after `clear` writes a word at a time).
        self.plain.resize(words, 0);
        self.plain.fill(0);
        self.other.resize(words, 0);
        self.other.fill(0);
        let (mut start, mut lines) = (at, 0);
        let mut newlines = Ones::from(&self.newlines, at);
        let (plain, other) = (&mut self.plain[..], &mut self.other[..]);
        while start < bytes.len() {
            lines += 1;
            let bit = 1 << (start % 64);
            match bytes[start] {
                b'\n' => {}
                first if starts_plain(first) => plain[start / 64] |= bit,
                _ => other[start / 64] |= bit,
            }
            match newlines.next() {
                Some(newline) => start = newline + 1,
                None => break,
            }
        }
        lines
    }

    /// Whether, from `at` on, the first '=', ':' or '\n' after each plain line's start is a mark.
    /// All lines at once: subtracting the starts from the events (as one long number), each
    /// start's borrow runs up to its line's first event and takes that bit away.
    fn every_plain_line_has_a_mark(&self, at: usize) -> bool {
        let mut borrow = false;
        let from = at / 64;
        let words = self.newlines[from..].iter().zip(&self.marks[from..]);
        for ((&newlines, &marks), &plain) in words.zip(&self.plain[from..]) {
            let events = newlines | marks;
            let (less, b1) = events.overflowing_sub(plain);
            let (less, b2) = less.overflowing_sub(u64::from(borrow));
            borrow = b1 | b2;
            let first = (less ^ events) & events;
            if first & newlines != 0 {
                return false;
            }
        }
        // A borrow out of the end: the last line has no mark and no end.
        !borrow
    }
}

/// Whether a line that begins with `first` begins with a property's name: not a blank, a
/// comment, a header, a mark, or the line's end.
#[inline(always)]
fn starts_plain(first: u8) -> bool {
    // A table, not a `match`: one load, where the size-optimized build compares nine times.
    const PLAIN: [bool; 256] = {
        let mut table = [true; 256];
        let mut not = b" \t\r\n#;[=:".as_slice();
        while let [c, rest @ ..] = not {
            table[*c as usize] = false;
            not = rest;
        }
        table
    };
    PLAIN[usize::from(first)]
}

/// Where the name of the header on the line `bytes[at..newline]` is, when the line is `[`, the
/// name and `]` alone (what the scanner reads of it, without reading it).
#[inline(always)]
fn plain_header(bytes: &[u8], at: usize, newline: usize) -> Option<(usize, usize)> {
    if bytes[at] != b'[' {
        return None;
    }
    let mut end = newline;
    if bytes[end - 1] == b'\r' {
        end -= 1;
    }
    // `[]` names nothing: the scanner refuses it.
    match end >= at + 3 && bytes[end - 1] == b']' {
        true => Some((at + 1, end - 1)),
        false => None,
    }
}

/// The offset of the first set bit at or after `from`.
#[inline(always)]
fn next_bit(bits: &[u64], from: usize) -> Option<usize> {
    let mut word = from / 64;
    let mut found = bits.get(word)? & (u64::MAX << (from % 64));
    while found == 0 {
        word += 1;
        found = *bits.get(word)?;
    }
    Some(word * 64 + found.trailing_zeros() as usize)
}

/// The offset of the last set bit in `from..to`.
fn last_bit(bits: &[u64], from: usize, to: usize) -> Option<usize> {
    if to <= from {
        return None;
    }
    let (first, mut word) = (from / 64, (to - 1) / 64);
    let mut found = bits.get(word)? & (u64::MAX >> (63 - (to - 1) % 64));
    loop {
        if word == first {
            found &= u64::MAX << (from % 64);
        }
        if found != 0 {
            return Some(word * 64 + 63 - found.leading_zeros() as usize);
        }
        if word == first {
            return None;
        }
        word -= 1;
        found = bits[word];
    }
}

/// How many bits are set in `from..to`.
fn count(bits: &[u64], from: usize, to: usize) -> usize {
    let mut n = 0;
    let mut at = from;
    while at < to {
        let (word, shift) = (at / 64, at % 64);
        let Some(&bits) = bits.get(word) else { break };
        let upto = (to - word * 64).min(64);
        let wanted = (u64::MAX << shift) & (u64::MAX >> (64 - upto));
        n += (bits & wanted).count_ones() as usize;
        at = (word + 1) * 64;
    }
    n
}

/// The offsets of the set bits from `from` on, in order.
struct Ones<'a> {
    bits: &'a [u64],
    word: usize,
    left: u64,
}

impl Ones<'_> {
    fn from(bits: &[u64], from: usize) -> Ones<'_> {
        let word = from / 64;
        let left = bits.get(word).map_or(0, |w| w & (u64::MAX << (from % 64)));
        Ones { bits, word, left }
    }
}

impl Iterator for Ones<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.left == 0 {
            self.word += 1;
            self.left = *self.bits.get(self.word)?;
        }
        let bit = self.left.trailing_zeros() as usize;
        self.left &= self.left - 1;
        Some(self.word * 64 + bit)
    }
}

/// Which of 64 bytes are '\n' (bit `i` for byte `i`), and which are '=' or ':'. Sixteen bytes
/// at a time on x86_64, whose every CPU has SSE2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(chunk: &[u8; 64]) -> (u64, u64) {
    // SAFETY: SSE2 is part of the x86_64 baseline, so every CPU this target runs on has it.
    unsafe { masks_sse2(chunk) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn masks_sse2(chunk: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let (newline, equals, colon) = (
        _mm_set1_epi8(b'\n' as i8),
        _mm_set1_epi8(b'=' as i8),
        _mm_set1_epi8(b':' as i8),
    );
    let (mut newlines, mut marks) = (0, 0);
    // Written out four times, as the size-optimized build would not unroll a loop.
    macro_rules! sixteen {
        ($at:literal) => {
            // SAFETY: the 16 bytes at `$at` (0, 16, 32 or 48) are within the 64 of `chunk`.
            let v = unsafe { _mm_loadu_si128(chunk.as_ptr().add($at).cast::<__m128i>()) };
            // The high bit of each byte's compare, one bit per byte.
            let is_mark = _mm_or_si128(_mm_cmpeq_epi8(v, equals), _mm_cmpeq_epi8(v, colon));
            newlines |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) as u16) << $at;
            marks |= u64::from(_mm_movemask_epi8(is_mark) as u16) << $at;
        };
    }
    sixteen!(0);
    sixteen!(16);
    sixteen!(32);
    sixteen!(48);
    (newlines, marks)
}

/// `masks`, eight bytes at a time in a word: on other CPUs.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn masks_in_words(chunk: &[u8; 64]) -> (u64, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // The high bit of each byte of `w` that is `byte`, exactly (no carry crosses a byte).
    let is = |w: u64, byte: u8| {
        let x = w ^ (ONES * u64::from(byte));
        !(((x & LOW) + LOW) | x) & !LOW
    };
    // Those high bits, one per byte, as the low eight bits (byte `i` to bit `i`).
    let gather = |high: u64| (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
    let (mut newlines, mut marks) = (0, 0);
    for (i, eight) in chunk.as_chunks::<8>().0.iter().enumerate() {
        let w = u64::from_le_bytes(*eight);
        newlines |= gather(is(w, b'\n')) << (8 * i);
        marks |= gather(is(w, b'=') | is(w, b':')) << (8 * i);
    }
    (newlines, marks)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(chunk: &[u8; 64]) -> (u64, u64) {
    masks_in_words(chunk)
}

/// `masks`, a byte at a time: the reference the tests hold the others to.
#[cfg(test)]
fn masks_bytewise(chunk: &[u8; 64]) -> (u64, u64) {
    let (mut newlines, mut marks) = (0, 0);
    for (i, &b) in chunk.iter().enumerate() {
        newlines |= u64::from(b == b'\n') << i;
        marks |= u64::from(b == b'=' || b == b':') << i;
    }
    (newlines, marks)
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
        FileKind::Config if plain_profile(text).is_some() => {
            Header::Profile(cut(text, 8, text.len()).into())
        }
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

/// The name in the header `profile NAME` when it is plain (no blanks, quotes or escapes): every
/// header of a generated config, read in one pass.
#[inline(always)]
pub(super) fn plain_profile(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    if b.first_chunk() != Some(b"profile ") || b.len() == 8 {
        return None;
    }
    // A table, not a `match`: one load a byte, where the size-optimized build compares five times.
    const NOT_PLAIN: [bool; 256] = {
        let mut table = [false; 256];
        let mut special = [b' ', b'\t', b'"', b'\'', b'\\'].as_slice();
        while let [c, rest @ ..] = special {
            table[*c as usize] = true;
            special = rest;
        }
        table
    };
    let mut at = 8;
    while at < b.len() {
        if NOT_PLAIN[usize::from(b[at])] {
            return None;
        }
        at += 1;
    }
    // After the ASCII prefix: a char boundary.
    Some(cut(text, 8, text.len()))
}

/// The one word of `text` as a shell reads it (the AWS CLI uses `shlex`), else `None`. A plain
/// name is a slice of `text`, found in one pass (every header of a big config is one).
pub(super) fn one_word(text: &str) -> Option<Cow<'_, str>> {
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
pub(super) fn strip_prefix<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let n = prefix.len();
    let head = text.as_bytes().get(..n)?;
    // After an ASCII prefix: a char boundary.
    debug_assert!(prefix.is_ascii());
    same(head, prefix.as_bytes()).then(|| cut(text, n, text.len()))
}

/// Words as a POSIX shell splits them (the AWS CLI uses Python's `shlex`): quotes group, `\`
/// escapes. `None` when a quote is left open.
pub(super) fn split_words(text: &str) -> Option<Vec<String>> {
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
pub(super) fn trim_blanks(text: &str) -> &str {
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
pub(super) struct Scanner {
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
    pub(super) fn in_section() -> Scanner {
        Scanner {
            in_section: true,
            ..Scanner::default()
        }
    }

    /// What `raw` (a line with its line ending) is, or why the AWS CLI refuses it.
    #[inline(always)]
    pub(super) fn line<'a>(&mut self, raw: &'a str) -> Result<Kind<'a>, &'static str> {
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

/// `bytes` as text, if they are UTF-8: most files are ASCII, which is checked many bytes at a
/// time (a big file is read at every prompt).
pub(super) fn text(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// `&text[from..to]` where both ends are known char boundaries (next to ASCII bytes, as the
/// line scanner finds them, or where a pushed string ended), so not checked again.
#[inline(always)]
pub(super) fn cut(text: &str, from: usize, to: usize) -> &str {
    debug_assert!(text.is_char_boundary(from) && text.is_char_boundary(to) && from <= to);
    // SAFETY: `from <= to <= text.len()`, and each is 0, the length, the offset of (or just
    // after) an ASCII byte, which in UTF-8 is always a char boundary, or the end of a whole
    // string pushed onto `text`.
    unsafe { text.get_unchecked(from..to) }
}

/// The offset of the first '\n' in `bytes` at or after `from`, else the length.
#[inline(always)]
pub(super) fn next_newline(bytes: &[u8], from: usize) -> usize {
    find_either(bytes, from, bytes.len(), b'\n', b'\n')
}

/// The offset of the first `x` or `y` in `bytes[from..to]`, else `to`: eight bytes at a time,
/// since every line of a big file is looked at.
#[inline(always)]
pub(super) fn find_either(bytes: &[u8], from: usize, to: usize, x: u8, y: u8) -> usize {
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
pub(super) fn strip_comment(value: &str) -> &str {
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
    fn text_is_utf8_or_nothing() {
        assert_eq!(text(b"[a]\nk = v\n"), Some("[a]\nk = v\n"));
        assert_eq!(text("é = ü".as_bytes()), Some("é = ü"));
        assert_eq!(text(&[b'a', 0xff, b'b']), None);
        assert_eq!(text(&[0xc3]), None);
    }

    #[test]
    fn headers_name_what_the_aws_cli_reads() {
        let profile = |name: &str| Header::Profile(name.to_owned().into());
        let cases = [
            ("profile a", profile("a")),
            ("profile team-1.x@y", profile("team-1.x@y")),
            ("profile é", profile("é")),
            ("profile  a ", profile("a")),
            ("profile\ta", profile("a")),
            ("profile \"a b\"", profile("a b")),
            ("profile 'a'b", profile("ab")),
            ("profile a\\ b", profile("a b")),
            ("profile a b", Header::Other),
            ("profile \"a", Header::Other),
            ("profile ", Header::Other),
            ("profile", Header::Other),
            ("profiles x", Header::Other),
            ("default", profile("default")),
            ("services s", Header::Services("s".into())),
            ("work", Header::Misnamed("work".to_owned())),
        ];
        for (text, named) in cases {
            assert_eq!(header(text, FileKind::Config), named, "{text:?}");
        }
        assert_eq!(
            header("profile a", FileKind::Credentials),
            profile("profile a")
        );
    }

    #[test]
    fn the_maps_mark_every_newline_and_mark() {
        // Every byte value at every position, and the three marked ones side by side.
        for k in 0..=255u8 {
            let mut chunk = [0u8; 64];
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = k.wrapping_add((i as u8).wrapping_mul(37));
            }
            assert_eq!(masks(&chunk), masks_bytewise(&chunk), "{k}");
            assert_eq!(masks_in_words(&chunk), masks_bytewise(&chunk), "{k}");
            chunk[usize::from(k) % 64] = [b'\n', b'=', b':'][usize::from(k) % 3];
            assert_eq!(masks(&chunk), masks_bytewise(&chunk), "{k}");
            assert_eq!(masks_in_words(&chunk), masks_bytewise(&chunk), "{k}");
        }
        for masks in [masks, masks_in_words] {
            assert_eq!(masks(&[b'\n'; 64]), (u64::MAX, 0));
            assert_eq!(masks(&[b':'; 64]), (0, u64::MAX));
            assert_eq!(masks(&[0x0a ^ 0x80; 64]), (0, 0));
        }
    }

    #[test]
    fn bits_are_found_and_counted_across_words() {
        let bits = [0b1001, 0, 1 << 63, 0];
        let next: Vec<_> = [0, 1, 3, 4, 64, 191, 192, 255]
            .into_iter()
            .map(|from| next_bit(&bits, from))
            .collect();
        let (a, b, c) = (Some(0), Some(3), Some(191));
        assert_eq!(next, [a, b, b, c, c, c, None, None]);
        assert_eq!((next_bit(&bits, 256), next_bit(&[], 0)), (None, None));
        let last: Vec<_> = [
            (0, 0),
            (0, 1),
            (0, 4),
            (1, 3),
            (1, 4),
            (4, 191),
            (4, 192),
            (192, 256),
        ]
        .into_iter()
        .map(|(from, to)| last_bit(&bits, from, to))
        .collect();
        assert_eq!(last, [None, a, b, None, b, None, c, None]);
        let counted: Vec<_> = [(0, 0), (0, 1), (0, 4), (1, 4), (3, 192), (0, 256), (4, 300)]
            .into_iter()
            .map(|(from, to)| count(&bits, from, to))
            .collect();
        assert_eq!(counted, [0, 1, 2, 1, 2, 3, 1]);
        assert_eq!(Ones::from(&bits, 0).collect::<Vec<_>>(), [0, 3, 191]);
        assert_eq!(Ones::from(&bits, 1).collect::<Vec<_>>(), [3, 191]);
        assert_eq!(Ones::from(&bits, 192).next(), None);
        assert_eq!(Ones::from(&[], 0).next(), None);
    }

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

    #[test]
    fn shell_words() {
        assert_eq!(
            split_words(" a 'b c' \"d\\\"e\" f\\ g").unwrap(),
            ["a", "b c", "d\"e", "f g"]
        );
        assert_eq!(split_words("'open"), None);
    }
}
