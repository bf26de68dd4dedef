//! `mfa-env completions SHELL`: the completion script, offering the parser's own words.

use crate::cli;
use crate::error::Result;
use crate::output;
use crate::request::Mode;
use crate::shell::completions::{self, Words};

/// Each mode, by the word the scripts know it by, in the order they look for them.
const MODES: [(&str, Mode); 12] = [
    ("export", Mode::Export),
    ("unset", Mode::Unset),
    ("init", Mode::Init),
    ("status", Mode::Status),
    ("exec", Mode::Exec),
    ("list", Mode::List),
    ("add", Mode::Add),
    ("remove", Mode::Remove),
    ("rotate", Mode::Rotate),
    ("login", Mode::Login),
    ("completions", Mode::Completions),
    ("help", Mode::Help),
];

pub(crate) fn run(shell: &str) -> Result<()> {
    // Each flag's line once, and only for the scripts that show it.
    let about = if completions::describes(shell) {
        cli::summaries()
    } else {
        Vec::new()
    };
    let offered = Words {
        subcommands: cli::WORDS.iter().filter_map(|m| m.word()).collect(),
        valued: cli::valued_words(),
        modes: MODES
            .iter()
            .map(|(word, mode)| (*word, cli::mode_words(*mode, &about)))
            .collect(),
    };
    output::stdout(&completions::render(shell, &offered)?)
}
