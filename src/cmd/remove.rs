//! `mfa-env remove PROFILE`: the profile's keys out of the OS keychain, and its cached
//! sessions deleted.

use crate::aws::obtain::cache;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::keychain::Keychain;
use crate::output::note;
use crate::request::Remove;

pub(crate) fn run(request: &Remove, env: &Environment) -> Result<()> {
    let profile = &request.profile;
    let name = shown(profile);
    if !Keychain::of(env).delete(profile)? {
        return Err(Error::new(format!(
            "{} holds no keys of '{name}' (no {}): nothing was removed; mfa-env list shows where its keys are",
            Keychain::name(),
            Keychain::entry_name(profile)
        )));
    }
    let sessions = match cache(env).map(|c| c.forget(Some(profile))) {
        Some(Ok(removed)) => format!(" and {removed} cached session(s)"),
        Some(Err(e)) => {
            note(&format!("{e}; the keys are deleted all the same"));
            String::new()
        }
        None => String::new(),
    };
    note(&format!(
        "deleted the keys of '{name}' from {}{sessions}",
        Keychain::name()
    ));
    Ok(())
}
