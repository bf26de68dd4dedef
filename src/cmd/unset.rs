//! `mfa-env --unset [--forget [--all]]`: the lines that clear the session and give back what
//! an apply replaced; with `--forget`, the cached sessions deleted too.

use std::io::IsTerminal;

use crate::aws::obtain::cache;
use crate::aws::settings;
use crate::aws::write_profile;
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
    if let Some(forget) = &request.forget {
        let from = match forget {
            Forget::All => None,
            Forget::Profile(flag) => Some(settings::label(flag.as_deref(), env)?),
        };
        forget_cached(from.as_deref(), env);
        forget_written(from.as_deref(), env);
    }
    if std::io::stdout().is_terminal() {
        note(&format!(
            "these lines clear nothing by themselves: {}",
            shell.apply_hint(&super::again_args(&request.again, shell, env))
        ));
    }
    output::stdout(&text)
}

/// Deletes the cached sessions of `from` (of every profile with `None`), saying how many.
fn forget_cached(from: Option<&str>, env: &Environment) {
    let Some(cache) = cache(env) else { return };
    let whose = match from {
        None => "of every profile".to_owned(),
        Some(label) => format!("of '{}' (--all: of every profile)", shown(label)),
    };
    match cache.forget(from) {
        Ok(removed) => note(&format!("deleted {removed} cached session(s) {whose}")),
        Err(e) => note(&format!("{e}; the environment is cleared all the same")),
    }
}

/// Removes the sessions `--write-profile` wrote from `from` (from any with `None`), saying which.
fn forget_written(from: Option<&str>, env: &Environment) {
    match write_profile::forget(env, from) {
        Ok((removed, _)) if removed.is_empty() => {}
        Ok((removed, file)) => {
            let sections: Vec<String> = removed.iter().map(|n| format!("[{}]", shown(n))).collect();
            note(&format!(
                "removed {} from {file}: the session(s) mfa-env wrote there",
                sections.join(", ")
            ));
        }
        Err(e) => note(&format!("{e}; the environment is cleared all the same")),
    }
}
