//! What a mistyped command line probably meant: the nearest flag or command, a long option
//! written with one dash, a flag given to a mode that does not take it.

use crate::checks;
use crate::error::{Error, Result, shown};

use super::flags::{self, FLAGS, Flag};
use crate::request::{Mode, WORDS};

/// A flag given to a mode that does not take it.
pub(crate) fn not_for(flag: &Flag, mode: Mode) -> Error {
    let homes: Vec<&str> = flag.modes.iter().map(|m| m.label()).collect();
    // A flag that is a mode itself (--unset) goes on a command line of its own.
    if homes == [format!("--{}", flag.long)] {
        return Error::usage(format!(
            "--{0} does not apply to {1}; it is a command of its own: mfa-env --{0}",
            flag.long,
            mode.label()
        ));
    }
    Error::usage(format!(
        "--{} does not apply to {}; it works with {} (see mfa-env --help)",
        flag.long,
        mode.label(),
        homes.join(", ")
    ))
}

/// The mode a word names, or an error that says what was probably meant.
pub(crate) fn subcommand(word: &str) -> Result<Mode> {
    if let Some(mode) = WORDS.iter().find(|m| m.word() == Some(word)) {
        return Ok(*mode);
    }
    let words: Vec<&str> = WORDS.iter().filter_map(|m| m.word()).collect();
    let hint = match nearest(word, words.iter().copied()) {
        Some(near) => format!(": did you mean {near}?"),
        None if checks::code(word).is_ok() => ": pass the MFA code as --token-code CODE".to_owned(),
        None => format!(": mfa-env takes options, or one of {}", words.join(", ")),
    };
    Err(Error::usage(format!(
        "unknown command '{}'{hint} (see mfa-env --help)",
        shown(word)
    )))
}

/// The flag spelled `--name`, or an error that says what was probably meant.
pub(crate) fn long_flag(name: &str) -> Result<&'static Flag> {
    flags::long(name).ok_or_else(|| {
        Error::usage(format!(
            "unknown option --{}{} (see mfa-env --help)",
            shown(name),
            hint_for(name)
        ))
    })
}

/// `: did you mean --token-code?` when a flag name is near `typed`.
pub(crate) fn hint_for(typed: &str) -> String {
    nearest(typed, FLAGS.iter().map(|f| f.long))
        .map(|near| format!(": did you mean --{near}?"))
        .unwrap_or_default()
}

/// An error for `-token-code` (a long flag written with one dash), if that is what `-c` + `rest`
/// looks like.
pub(crate) fn one_dash(c: char, rest: &str) -> Option<Error> {
    let typed = format!("{c}{rest}");
    let name = typed.split('=').next().unwrap_or_default();
    if name.len() < 3 {
        return None;
    }
    let near = FLAGS
        .iter()
        .map(|f| f.long)
        .find(|long| *long == name)
        .or_else(|| nearest(name, FLAGS.iter().map(|f| f.long)))?;
    Some(Error::usage(format!(
        "-{} is not an option: long options take two dashes, as in --{near}",
        shown(name)
    )))
}

/// The candidate that `typed` is a prefix of, or is within two edits of.
fn nearest<'a>(typed: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    if typed.len() >= 3 {
        let mut prefixed = candidates.clone().filter(|c| c.starts_with(typed));
        if let (Some(only), None) = (prefixed.next(), prefixed.next()) {
            return Some(only);
        }
    }
    candidates
        .map(|c| (edit_distance(typed, c), c))
        .filter(|(d, c)| *d <= 2 && *d < c.len().min(typed.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
