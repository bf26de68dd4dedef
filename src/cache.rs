//! Sessions kept between runs, so that a new terminal does not need a new code. One private
//! file per (profile, serial, region, endpoint, role); anything doubtful is ignored, not trusted.

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::creds::Credentials;
use crate::error::{Error, Result};
use crate::files;
use crate::platform;
use crate::settings::{Settings, Source};

const VERSION: u32 = 1;
/// Far more than a cache entry ever needs; a bigger file is not ours.
const MAX_SIZE: u64 = 64 * 1024;

/// What a cached session was made for; it is reused only for exactly the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub profile: String,
    /// The access key id of keys from the environment, which have no profile name.
    pub access_key_id: Option<String>,
    pub serial: Option<String>,
    pub region: String,
    pub endpoint: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

impl Key {
    pub fn new(settings: &Settings) -> Key {
        Key {
            profile: settings.label.clone(),
            access_key_id: match &settings.source {
                Source::Env { access_key_id, .. } => Some(access_key_id.clone()),
                Source::Profile(_) => None,
            },
            serial: settings.serial.clone(),
            region: settings.region.clone(),
            endpoint: settings.endpoint.clone(),
            role_arn: settings.role.as_ref().map(|r| r.arn.clone()),
            external_id: settings.role.as_ref().and_then(|r| r.external_id.clone()),
        }
    }

    /// The key of the plain MFA session of the profile whose keys sign for a role.
    pub fn source_session(settings: &Settings) -> Key {
        let mut key = Key::new(settings);
        if let Source::Profile(source) = &settings.source {
            key.profile = source.clone();
        }
        key.role_arn = None;
        key.external_id = None;
        key
    }

    fn file_name(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        // FNV-1a: a stable name; the key stored inside is what decides a match.
        let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{hash:016x}.json")
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    key: Key,
    credentials: Credentials,
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn open() -> Option<Cache> {
        platform::cache_dir().map(|dir| Cache { dir })
    }

    #[cfg(test)]
    fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// The session stored for `key`, if the file is ours alone, whole, and made for `key`.
    pub fn load(&self, key: &Key) -> Option<Credentials> {
        let file = platform::open_no_follow(&self.dir.join(key.file_name())).ok()?;
        let meta = file.metadata().ok()?;
        if !platform::is_private(&meta) || meta.len() > MAX_SIZE {
            return None;
        }
        let mut text = String::new();
        file.take(MAX_SIZE).read_to_string(&mut text).ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        (entry.version == VERSION && entry.key == *key && entry.credentials.check().is_ok())
            .then_some(entry.credentials)
    }

    pub fn store(&self, key: &Key, credentials: &Credentials) -> Result<()> {
        let entry = Entry {
            version: VERSION,
            key: key.clone(),
            credentials: credentials.clone(),
        };
        let text = serde_json::to_vec_pretty(&entry).map_err(|e| Error::new(e.to_string()))?;
        platform::create_private_dir(&self.dir)
            .and_then(|()| files::write_atomic(&self.dir.join(key.file_name()), &text, None))
            .map_err(|e| {
                Error::new(format!(
                    "cannot write the session cache in {}: {e}",
                    self.dir.display()
                ))
            })
    }

    /// Deletes every session cached for `profile`; returns how many there were.
    pub fn forget(&self, profile: &str) -> Result<usize> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot read {}: {e}",
                    self.dir.display()
                )));
            }
        };
        let mut removed = 0;
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap_or_default();
            let Ok(entry) = serde_json::from_str::<Entry>(&text) else {
                continue;
            };
            if entry.key.profile == profile {
                fs::remove_file(&path)
                    .map_err(|e| Error::new(format!("cannot delete {}: {e}", path.display())))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::example;

    fn key(profile: &str) -> Key {
        Key {
            profile: profile.into(),
            access_key_id: None,
            serial: Some("GAHT12345678".into()),
            region: "us-east-1".into(),
            endpoint: None,
            role_arn: None,
            external_id: None,
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mfa-env-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn stores_loads_and_forgets() {
        let dir = temp("roundtrip");
        let cache = Cache::at(dir.clone());
        cache.store(&key("a"), &example()).unwrap();
        cache.store(&key("b"), &example()).unwrap();
        assert_eq!(cache.load(&key("a")), Some(example()));
        let other_region = Key {
            region: "eu-west-1".into(),
            ..key("a")
        };
        assert_eq!(cache.load(&other_region), None);
        assert_eq!(cache.forget("a").unwrap(), 1);
        assert_eq!(cache.load(&key("a")), None);
        assert_eq!(cache.load(&key("b")), Some(example()));
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn ignores_files_others_can_read_and_corrupt_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp("doubtful");
        let cache = Cache::at(dir.clone());
        cache.store(&key("a"), &example()).unwrap();
        let path = dir.join(key("a").file_name());
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(cache.load(&key("a")), None);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "{\"version\": 1, \"key\"").unwrap();
        assert_eq!(cache.load(&key("a")), None);
        cache.store(&key("a"), &example()).unwrap();
        assert_eq!(cache.load(&key("a")), Some(example()));
        fs::remove_dir_all(dir).unwrap();
    }
}
