//! Long-term keys in the OS keychain, so that they need not sit in a plaintext credentials
//! file: the freedesktop Secret Service on Linux (our own small D-Bus client: no C library,
//! nothing at start-up), Credential Manager on Windows, the login Keychain on macOS. One entry
//! per profile, named so that a person finds it in the OS's own tool. Nothing here runs
//! unless keys are needed: resolving settings only notes where the keychain is.

#[cfg(windows)]
mod credential_manager;
#[cfg(target_os = "linux")]
mod dbus;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "linux")]
mod secret_service;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::checks;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};

/// The service every entry is filed under.
pub(crate) const SERVICE: &str = "mfa-env";

/// A profile's entry.
pub(crate) struct Entry {
    pub(crate) profile: String,
}

impl Entry {
    pub(crate) fn of(profile: &str) -> Entry {
        Entry {
            profile: profile.to_owned(),
        }
    }

    /// What the OS's tool lists it as (the Keychain shows the service instead).
    #[cfg(not(target_os = "macos"))]
    pub(crate) fn label(&self) -> String {
        format!("{SERVICE}: {}", self.profile)
    }
}

/// An IAM user's long-term keys, as an entry holds them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredKeys {
    pub(crate) aws_access_key_id: String,
    pub(crate) aws_secret_access_key: String,
}

// The secret stays out of debug output.
impl fmt::Debug for StoredKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredKeys({}, ..)", self.aws_access_key_id)
    }
}

impl StoredKeys {
    /// Keys of the shape AWS gives an IAM user: `AKIA...` and a 40-character secret; a
    /// session's (`ASIA...`) is refused.
    pub(crate) fn checked(access_key_id: &str, secret_access_key: &str) -> Result<StoredKeys> {
        checks::long_term_key_id(access_key_id).map_err(|why| {
            Error::new(format!(
                "the access key id is {why}: give an IAM user's long-term access key id (AKIA followed by 16 letters and digits)"
            ))
        })?;
        checks::secret_key(secret_access_key).map_err(|why| {
            Error::new(format!(
                "the secret access key is {why}: give the 40 characters AWS showed with the access key"
            ))
        })?;
        Ok(StoredKeys {
            aws_access_key_id: access_key_id.to_owned(),
            aws_secret_access_key: secret_access_key.to_owned(),
        })
    }

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(bytes: &[u8], profile: &str) -> Result<StoredKeys> {
        let not_ours = || {
            Error::new(format!(
                "the keychain entry of '{}' does not hold keys as mfa-env stores them: run mfa-env add {} again",
                shown(profile),
                shown(profile)
            ))
        };
        let keys: StoredKeys = serde_json::from_slice(bytes).map_err(|_| not_ours())?;
        StoredKeys::checked(&keys.aws_access_key_id, &keys.aws_secret_access_key)
            .map_err(|_| not_ours())
    }
}

/// Why the keychain could not be used (Windows and macOS report only some of these).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) enum Fault {
    /// No way to the keychain at all (no session bus): why.
    Unreachable(String),
    /// A bus, but nothing on it keeps secrets.
    NoService,
    Timeout(Duration),
    /// Locked, and nobody can be asked to unlock it here.
    Locked,
    /// The person dismissed the unlock dialog.
    Dismissed,
    /// No default keyring to store in.
    NoCollection,
    /// The keychain refused, saying this.
    Refused(String),
}

impl Fault {
    fn message(&self) -> String {
        let keep = "or keep the keys in the credentials file";
        match self {
            Fault::Unreachable(why) => format!(
                "cannot reach a keychain ({why}): start gnome-keyring or KeePassXC's Secret Service in this session, {keep}"
            ),
            Fault::NoService => format!(
                "no Secret Service on the session bus (nothing provides org.freedesktop.secrets): start gnome-keyring or KeePassXC's Secret Service, {keep}"
            ),
            Fault::Timeout(bound) => format!(
                "the keychain did not answer within {} s: restart it, {keep}",
                bound.as_secs()
            ),
            Fault::Locked => format!(
                "the keychain is locked and cannot ask to be unlocked here: unlock it (log in to the desktop, or gnome-keyring-daemon --unlock), {keep}"
            ),
            Fault::Dismissed => {
                "the keychain's unlock dialog was dismissed; nothing was read or written".to_owned()
            }
            Fault::NoCollection => format!(
                "the keychain has no default keyring to store in: create one (Seahorse, or KeePassXC's Secret Service settings), {keep}"
            ),
            Fault::Refused(why) => format!("the keychain refused: {}", crate::error::clean(why)),
        }
    }
}

/// The keychain of this environment, not yet opened: where it is, as the environment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keychain {
    #[cfg(target_os = "linux")]
    place: secret_service::Place,
}

impl Keychain {
    pub(crate) fn of(env: &Environment) -> Keychain {
        #[cfg(not(target_os = "linux"))]
        let _ = env;
        Keychain {
            #[cfg(target_os = "linux")]
            place: secret_service::Place::new(
                env.text("DBUS_SESSION_BUS_ADDRESS").ok().flatten(),
                env.path("XDG_RUNTIME_DIR").as_deref(),
                env.os("DISPLAY").is_some() || env.os("WAYLAND_DISPLAY").is_some(),
            ),
        }
    }

    /// The keychain, as messages name it.
    pub(crate) fn name() -> &'static str {
        if cfg!(windows) {
            "Windows Credential Manager"
        } else if cfg!(target_os = "macos") {
            "the login Keychain"
        } else {
            "the Secret Service keychain"
        }
    }

    /// Where a person finds `profile`'s entry in the OS's own tool.
    pub(crate) fn entry_name(profile: &str) -> String {
        let profile = shown(profile);
        if cfg!(windows) {
            format!("generic credential {SERVICE}:{profile}")
        } else if cfg!(target_os = "macos") {
            format!("password item {SERVICE}, account {profile}")
        } else {
            format!("item '{SERVICE}: {profile}' with service={SERVICE} profile={profile}")
        }
    }

    /// The keys stored for `profile`, if any.
    pub(crate) fn load(&self, profile: &str) -> Result<Option<StoredKeys>> {
        let entry = Entry::of(profile);
        let bytes = self
            .backend_load(&entry)
            .map_err(|f| Error::new(f.message()))?;
        bytes.map(|b| StoredKeys::decode(&b, profile)).transpose()
    }

    /// Stores `keys` for `profile`; whether an entry was replaced.
    pub(crate) fn store(&self, profile: &str, keys: &StoredKeys) -> Result<bool> {
        let entry = Entry::of(profile);
        self.backend_store(&entry, &keys.encode())
            .map_err(|f| Error::new(f.message()))
    }

    /// Deletes `profile`'s entry; whether there was one.
    pub(crate) fn delete(&self, profile: &str) -> Result<bool> {
        let entry = Entry::of(profile);
        self.backend_delete(&entry)
            .map_err(|f| Error::new(f.message()))
    }

    #[cfg(target_os = "linux")]
    fn backend_load(&self, entry: &Entry) -> std::result::Result<Option<Vec<u8>>, Fault> {
        secret_service::load(&self.place, entry)
    }
    #[cfg(target_os = "linux")]
    fn backend_store(&self, entry: &Entry, secret: &[u8]) -> std::result::Result<bool, Fault> {
        secret_service::store(&self.place, entry, secret)
    }
    #[cfg(target_os = "linux")]
    fn backend_delete(&self, entry: &Entry) -> std::result::Result<bool, Fault> {
        secret_service::delete(&self.place, entry)
    }

    #[cfg(windows)]
    fn backend_load(&self, entry: &Entry) -> std::result::Result<Option<Vec<u8>>, Fault> {
        credential_manager::load(entry)
    }
    #[cfg(windows)]
    fn backend_store(&self, entry: &Entry, secret: &[u8]) -> std::result::Result<bool, Fault> {
        credential_manager::store(entry, secret)
    }
    #[cfg(windows)]
    fn backend_delete(&self, entry: &Entry) -> std::result::Result<bool, Fault> {
        credential_manager::delete(entry)
    }

    #[cfg(target_os = "macos")]
    fn backend_load(&self, entry: &Entry) -> std::result::Result<Option<Vec<u8>>, Fault> {
        macos::load(entry)
    }
    #[cfg(target_os = "macos")]
    fn backend_store(&self, entry: &Entry, secret: &[u8]) -> std::result::Result<bool, Fault> {
        macos::store(entry, secret)
    }
    #[cfg(target_os = "macos")]
    fn backend_delete(&self, entry: &Entry) -> std::result::Result<bool, Fault> {
        macos::delete(entry)
    }

    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    fn backend_load(&self, _: &Entry) -> std::result::Result<Option<Vec<u8>>, Fault> {
        Err(Fault::Unreachable(
            "this OS has no keychain mfa-env knows".into(),
        ))
    }
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    fn backend_store(&self, _: &Entry, _: &[u8]) -> std::result::Result<bool, Fault> {
        Err(Fault::Unreachable(
            "this OS has no keychain mfa-env knows".into(),
        ))
    }
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    fn backend_delete(&self, _: &Entry) -> std::result::Result<bool, Fault> {
        Err(Fault::Unreachable(
            "this OS has no keychain mfa-env knows".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_term_keys_are_kept() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let keys = StoredKeys::checked("AKIAIOSFODNN7EXAMPLE", secret).unwrap();
        assert_eq!(StoredKeys::decode(&keys.encode(), "p").unwrap(), keys);
        assert!(!format!("{keys:?}").contains(secret));
        for (id, secret, says) in [
            ("ASIAIOSFODNN7EXAMPLE", secret, "a session's"),
            ("AKIA", secret, "too short"),
            ("AKIAIOSFODNN7EXAMPLE", "short", "40 characters"),
            ("AKIAIOSFODNN7EXAMPL!", secret, "letters and digits"),
        ] {
            let err = StoredKeys::checked(id, secret).unwrap_err().to_string();
            assert!(err.contains(says), "{id}: {err}");
            assert!(!err.contains(secret) || secret == "short", "{err}");
        }
        assert!(StoredKeys::decode(b"{\"x\":1}", "p").is_err());
    }
}
