//! `mfa-env --unset [--forget [--all]]`: the lines that clear the session and give back what
//! an apply replaced; with `--forget`, the cached sessions deleted too.

use std::io::IsTerminal;

use crate::aws::obtain::cache;
use crate::aws::settings;
use crate::environment::Environment;
use crate::environment::vars::{self, Before};
use crate::error::{Result, shown};
use crate::output::{self, note};
use crate::request::{Forget, Unset};
use crate::shell::render;

pub(crate) fn run(request: &Unset, env: &Environment) -> Result<()> {
    let shell = super::detect(request.shell, env)?;
    let text = render::unset(shell, &vars::unset_lines(&Before::capture(env)?))?;
    // The lines come out whatever happens to the cache: the session must leave this shell.
    if let Some(forget) = &request.forget
        && let Some(cache) = cache(env)
    {
        let forgotten = match forget {
            Forget::All => cache
                .forget(None)
                .map(|removed| (removed, "of every profile".to_owned())),
            Forget::Profile(flag) => {
                let label = settings::label(flag.as_deref(), env)?;
                cache.forget(Some(&label)).map(|removed| {
                    let whose = format!("of '{}' (--all: of every profile)", shown(&label));
                    (removed, whose)
                })
            }
        };
        match forgotten {
            Ok((removed, whose)) => note(&format!("deleted {removed} cached session(s) {whose}")),
            Err(e) => note(&format!("{e}; the environment is cleared all the same")),
        }
    }
    if std::io::stdout().is_terminal() {
        note(&format!(
            "these lines clear nothing by themselves: {}",
            shell.apply_hint(&super::again_args(&request.again, shell, env))
        ));
    }
    output::stdout(&text)
}
