//! `mfa-env completions SHELL`: the completion script, offering the parser's own words.

use crate::cli;
use crate::error::Result;
use crate::output;
use crate::shell::completions::{self, Words};

pub(crate) fn run(shell: &str) -> Result<()> {
    let offered = Words {
        subcommands: cli::WORDS.iter().filter_map(|m| m.word()).collect(),
        flags: cli::flag_words(),
    };
    output::stdout(&completions::render(shell, &offered)?)
}
