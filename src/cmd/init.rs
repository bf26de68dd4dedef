//! `mfa-env init SHELL [--cmd NAME]`: the snippet that defines `mfa`, with this binary's path.

use crate::error::Result;
use crate::output;
use crate::request::Init;
use crate::shell::snippets;

pub(crate) fn run(init: &Init) -> Result<()> {
    let binary = std::env::current_exe()
        .ok()
        .filter(|p| p.is_absolute() && p.is_file());
    let binary = binary.as_deref().and_then(|p| p.to_str());
    output::stdout(&snippets::render(
        init.shell,
        init.function.as_deref(),
        binary,
    )?)
}
