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
/// reports each section header.
pub(super) struct Checker {
    scanner: Scanner,
    /// Lines checked so far, for the number of a bad one.
    lines: usize,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker {
            scanner: Scanner {
                checking: true,
                ..Scanner::default()
            },
            lines: 0,
        }
    }
}

impl Checker {
    /// Checks `block` (whole lines; only a file's last may lack its '\n'), which starts at
    /// offset `base` of the file: `header` is told each header's text, its whole line, and the
    /// line's offset in the file.
    pub(super) fn block(
        &mut self,
        block: &str,
        base: usize,
        header: &mut dyn FnMut(&str, &str, usize),
    ) -> Result<(), ParseError> {
        let bytes = block.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let end = (next_newline(bytes, at) + 1).min(bytes.len());
            // `at` and `end` are 0, the length, or just after a '\n' (ASCII).
            let raw = cut(block, at, end);
            self.lines += 1;
            let kind = self.scanner.line(raw).map_err(|message| ParseError {
                line: self.lines,
                message,
            })?;
            if let Kind::Section(text) = kind {
                header(text, raw, base + at);
            }
            at = end;
        }
        Ok(())
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
