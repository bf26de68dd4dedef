//! `rotate PROFILE`: new long-term keys for the IAM user behind PROFILE, made with an MFA
//! session (key management usually requires MFA), stored where the old ones were, checked, and
//! the old key deleted. Any failure after the new key exists rolls back: the new key is deleted
//! and the old one stays stored and valid. Nothing goes to stdout.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_sts::config::Credentials as AwsKeys;

use crate::aws::credentials::Credentials;
use crate::aws::files::AwsFiles;
use crate::aws::iam::{self, Endpoint, Iam, NewKey};
use crate::aws::network::Network;
use crate::aws::obtain;
use crate::aws::profiles::FileKind;
use crate::aws::settings::{Keys, Settings};
use crate::aws::sts;
use crate::aws::write_profile::{self, Written};
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::files;
use crate::keychain::{Keychain, StoredKeys};
use crate::output::note;
use crate::request::{Choice, Rotate};
use crate::time;

/// How long a new key may take to work: IAM's changes reach STS within seconds (tests: 3 s).
fn propagation(env: &Environment) -> Duration {
    if crate::test_hooks::fast_network(env) {
        return Duration::from_secs(3);
    }
    Duration::from_secs(15)
}

/// Where the profile's long-term keys are kept, and so where the new ones go.
enum Store {
    Credentials(PathBuf),
    Keychain(Keychain),
}

pub(crate) fn run(request: &Rotate, env: &Environment) -> Result<()> {
    let now = time::now();
    let choice = Choice {
        profile: Some(request.profile.clone()),
        profile_word: true,
        serial: request.choice.serial.clone(),
        region: request.choice.region.clone(),
        ..Choice::default()
    };
    let (files, settings) = super::resolve(&choice, None, env, now)?;
    let name = shown(&request.profile);
    if !settings.roles.is_empty() {
        return Err(Error::new(format!(
            "profile '{name}' assumes a role; rotate the profile that holds the keys (its source_profile)"
        )));
    }
    let (store, old) = store_of(&settings, &files, &request.profile)?;
    let session = obtain::session(&request.reuse, &request.obtain, &settings, env, now)?;
    let endpoint = Endpoint::for_region(&settings.region.value, settings.iam_endpoint.as_ref());
    let iam_network = obtain::network_for(&endpoint.url, &settings, env)?;
    let sts_network = obtain::network_for(&settings.endpoint.url, &settings, env)?;
    let rotation = Rotation {
        settings: &settings,
        env,
        profile: &request.profile,
        store: &store,
        old: &old,
        iam: Iam {
            network: &iam_network,
            endpoint: &endpoint,
            session: &session,
        },
        sts_network,
    };
    let runtime = sts::runtime()?;
    let (user, new_id) = runtime.block_on(rotation.run(&session))?;
    note(&format!(
        "rotated the keys of profile '{name}' (IAM user {}): {} is stored in {}, and {} is deleted",
        shown(&user),
        new_id,
        store.name(&request.profile),
        old.aws_access_key_id
    ));
    Ok(())
}

/// Where the keys of the profile that signs are, and what they are now.
fn store_of(settings: &Settings, files: &AwsFiles, profile: &str) -> Result<(Store, StoredKeys)> {
    let name = shown(profile);
    match &settings.keys {
        Keys::Keychain { profile, keychain } => {
            let keys = keychain.load(profile)?.ok_or_else(|| {
                Error::new(format!(
                    "profile '{name}' has no keys in {}: run mfa-env add {name}",
                    Keychain::name()
                ))
            })?;
            Ok((Store::Keychain(keychain.clone()), keys))
        }
        Keys::Static {
            access_key_id,
            secret_access_key,
        } if settings.keys_profile.as_deref() == Some(profile) => {
            let in_credentials = files
                .profiles
                .get(profile)?
                .and_then(|p| p.entry("aws_access_key_id"))
                .is_some_and(|(_, kind)| kind == FileKind::Credentials);
            match (&files.credentials, in_credentials) {
                (Some(path), true) => Ok((
                    Store::Credentials(path.clone()),
                    StoredKeys {
                        aws_access_key_id: access_key_id.clone(),
                        aws_secret_access_key: secret_access_key.clone(),
                    },
                )),
                _ => Err(Error::new(format!(
                    "profile '{name}' keeps its keys in {}, where rotate does not write: move them to {} or the keychain (mfa-env add {name}) first",
                    files.place(FileKind::Config),
                    files.place(FileKind::Credentials)
                ))),
            }
        }
        _ => Err(Error::new(format!(
            "the keys that sign for '{name}' are not stored in a profile (they come from {}): rotate them where they are kept",
            settings.keys_origin
        ))),
    }
}

impl Store {
    fn name(&self, profile: &str) -> String {
        match self {
            Store::Credentials(path) => format!("[{}] of {}", shown(profile), files::display(path)),
            Store::Keychain(_) => Keychain::entry_name(profile),
        }
    }
}

struct Rotation<'a> {
    settings: &'a Settings,
    env: &'a Environment,
    profile: &'a str,
    store: &'a Store,
    old: &'a StoredKeys,
    iam: Iam<'a>,
    sts_network: Network,
}

/// What `put` changed, for `undo`.
enum Put {
    Credentials(PathBuf, Written),
    Keychain,
}

impl Rotation<'_> {
    /// The rotation: the IAM user and the new key's id.
    async fn run(&self, session: &Credentials) -> Result<(String, String)> {
        let signed_as = self
            .sts(AwsKeys::new(
                &session.access_key_id,
                &session.secret_access_key,
                Some(session.session_token.clone()),
                None,
                "mfa-env session",
            ))
            .caller_arn()
            .await
            .map_err(|(code, why)| {
                Error::new(format!(
                    "GetCallerIdentity with the MFA session failed: {code} {why}"
                ))
            })?;
        let Some(user) = iam::user_of(&signed_as).map(str::to_owned) else {
            return Err(Error::new(format!(
                "the keys of profile '{}' are not an IAM user's ({}): rotate them in the console",
                shown(self.profile),
                shown(&signed_as)
            )));
        };
        let keys = self.iam.list_access_keys(&user).await?;
        if keys.len() >= 2 {
            let other = keys
                .iter()
                .find(|k| k.id != self.old.aws_access_key_id)
                .map_or("the other one".to_owned(), |k| {
                    format!("{} ({})", k.id, k.status)
                });
            let user = shown(&user);
            return Err(Error::new(format!(
                "IAM user {user} has 2 access keys already, IAM's limit: delete the one not in use, {other}, with aws iam delete-access-key --user-name {user} --access-key-id ID (see aws iam list-access-keys --user-name {user}); nothing was changed"
            )));
        }
        let new = self.iam.create_access_key(&user).await?;
        let put = match self.put(&new) {
            Ok(put) => put,
            Err(e) => return Err(self.roll_back(&user, &new, None, e).await),
        };
        if let Err(e) = self.check(&new, &user, &signed_as).await {
            return Err(self.roll_back(&user, &new, Some(put), e).await);
        }
        let old_id = &self.old.aws_access_key_id;
        if let Err(e) = self.iam.delete_access_key(&user, old_id).await {
            return Err(self.roll_back(&user, &new, Some(put), e).await);
        }
        Ok((user, new.id))
    }

    fn sts(&self, keys: AwsKeys) -> sts::Client {
        sts::Client::new(
            self.settings,
            keys,
            sts::Bounds::for_run(self.env),
            self.sts_network.clone(),
        )
    }

    /// Stores the new key where the old one was.
    fn put(&self, new: &NewKey) -> Result<Put> {
        let keys = StoredKeys::checked(&new.id, &new.secret)?;
        match self.store {
            Store::Credentials(path) => {
                let written = write_profile::replace_keys(
                    path,
                    self.profile,
                    &self.old.aws_access_key_id,
                    (&keys.aws_access_key_id, &keys.aws_secret_access_key),
                )?;
                Ok(Put::Credentials(path.clone(), written))
            }
            Store::Keychain(keychain) => {
                keychain.store(self.profile, &keys)?;
                Ok(Put::Keychain)
            }
        }
    }

    /// Puts the old key back where `put` stored the new one.
    fn undo(&self, put: Put) -> Result<()> {
        match (put, self.store) {
            (Put::Credentials(path, written), _) => write_profile::restore_keys(
                &path,
                self.profile,
                &written,
                (&self.old.aws_access_key_id, &self.old.aws_secret_access_key),
            ),
            (Put::Keychain, Store::Keychain(keychain)) => {
                keychain.store(self.profile, self.old).map(drop)
            }
            (Put::Keychain, Store::Credentials(_)) => Ok(()),
        }
    }

    /// The new key signs as the same user: tried until IAM's change has reached STS.
    async fn check(&self, new: &NewKey, user: &str, signed_as: &str) -> Result<()> {
        let client = self.sts(AwsKeys::new(
            &new.id,
            &new.secret,
            None,
            None,
            "mfa-env new key",
        ));
        let account = |arn: &str| arn.split(':').nth(4).map(str::to_owned);
        let started = Instant::now();
        let bound = propagation(self.env);
        loop {
            let why = match client.caller_arn().await {
                Ok(arn)
                    if iam::user_of(&arn) == Some(user) && account(&arn) == account(signed_as) =>
                {
                    return Ok(());
                }
                Ok(arn) => format!(
                    "it signs as {}, not as IAM user {}",
                    shown(&arn),
                    shown(user)
                ),
                Err((code, why)) => format!("{code} {why}").trim().to_owned(),
            };
            if started.elapsed() >= bound {
                return Err(Error::new(format!(
                    "the new key {} did not work within {} s: {why}",
                    new.id,
                    bound.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
    }

    /// After a failure once the new key exists: the old key stored again, the new one deleted;
    /// the message says what happened and what is left.
    async fn roll_back(&self, user: &str, new: &NewKey, put: Option<Put>, cause: Error) -> Error {
        let restored = match put.map(|put| self.undo(put)) {
            Some(Err(e)) => format!(
                "; putting the old key back failed too ({}): store {} again yourself",
                e, self.old.aws_access_key_id
            ),
            _ => String::new(),
        };
        let deleted = match self.iam.delete_access_key(user, &new.id).await {
            Ok(()) => format!("the new key {} was deleted", new.id),
            Err(e) => format!(
                "deleting the new key {} failed too ({}): delete it with aws iam delete-access-key --user-name {} --access-key-id {}",
                new.id,
                e,
                shown(user),
                new.id
            ),
        };
        Error::new(format!(
            "{}; rolled back: {deleted}, and the old key {} stays in place{restored}",
            cause, self.old.aws_access_key_id
        ))
    }
}
