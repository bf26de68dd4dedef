//! `mfa-env add PROFILE [--from-credentials]`: an IAM user's long-term keys into the OS
//! keychain: typed at the terminal (the secret without echo), taken from the environment when
//! no terminal is there, or moved out of the shared credentials file. Never calls AWS.

use crate::aws::files::AwsFiles;
use crate::aws::write_profile;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::keychain::{Keychain, StoredKeys};
use crate::output::note;
use crate::platform;
use crate::request::Add;

pub(crate) fn run(request: &Add, env: &Environment) -> Result<()> {
    let keychain = Keychain::of(env);
    let profile = &request.profile;
    let name = shown(profile);
    if request.from_credentials {
        let file = write_profile::move_keys(env, profile, |id, secret| {
            let keys = StoredKeys::checked(id, secret)
                .map_err(|e| Error::new(format!("[{name}]: {e}; nothing was moved")))?;
            keychain.store(profile, &keys)?;
            // Only keys read back from the keychain may leave the file.
            match keychain.load(profile)? {
                Some(stored) if stored == keys => Ok(()),
                _ => Err(Error::new(format!(
                    "{} did not give the keys of '{name}' back as stored; nothing was removed from the credentials file",
                    Keychain::name()
                ))),
            }
        })?;
        note(&format!(
            "moved the keys of [{name}] from {file} into {}, as {}",
            Keychain::name(),
            Keychain::entry_name(profile)
        ));
        return Ok(());
    }
    let keys = asked_or_given(profile, env)?;
    let replaced = keychain.store(profile, &keys)?;
    note(&format!(
        "{} the keys of '{name}' in {}, as {}",
        if replaced { "replaced" } else { "stored" },
        Keychain::name(),
        Keychain::entry_name(profile)
    ));
    warn_about_files(profile, env);
    Ok(())
}

/// The keys typed at the terminal, else from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
fn asked_or_given(profile: &str, env: &Environment) -> Result<StoredKeys> {
    let name = shown(profile);
    if let Some(id) = platform::ask_echoed(&format!("AWS access key id for '{name}': ")) {
        let id = id.map_err(|e| unread(&e))?;
        let secret = platform::ask_hidden(&format!("AWS secret access key for '{name}': "))
            .ok_or_else(|| Error::new("the terminal went away; nothing was stored"))?
            .map_err(|e| unread(&e))?;
        return StoredKeys::checked(id.trim(), secret.trim());
    }
    match (
        env.text("AWS_ACCESS_KEY_ID")?,
        env.text("AWS_SECRET_ACCESS_KEY")?,
    ) {
        (Some(id), Some(secret)) => StoredKeys::checked(id, secret).map_err(|e| {
            Error::new(format!(
                "{e} (from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            ))
        }),
        _ => Err(Error::new(format!(
            "no terminal to ask for the keys of '{name}': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or move them with mfa-env add {name} --from-credentials"
        ))),
    }
}

fn unread(e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            Error::new("nothing was typed (end of input); nothing was stored")
        }
        _ => Error::new(format!(
            "could not read from the terminal ({e}); nothing was stored"
        )),
    }
}

/// Says what the files do to keys in the keychain: keys there win, and a profile in neither
/// file cannot be chosen.
fn warn_about_files(profile: &str, env: &Environment) {
    let Ok(files) = AwsFiles::load(env) else {
        return;
    };
    let name = shown(profile);
    let Ok(found) = files.profiles.get(profile) else {
        return;
    };
    match found {
        Some(p) if p.has("aws_access_key_id") => note(&format!(
            "{} still holds keys for [{name}], and those win: remove them, or run mfa-env add {name} --from-credentials",
            files.both()
        )),
        Some(_) => {}
        None => note(&format!(
            "'{name}' is a profile of neither {}: add [profile {name}] with its mfa_serial to the config file to use it",
            files.both()
        )),
    }
}
