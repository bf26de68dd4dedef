//! Sessions kept between runs, so that a new terminal does not need a new code. One private
//! file per (profile, keys, device, region, endpoint, roles, duration asked); anything doubtful
//! is ignored, not trusted.

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::aws::credentials::Credentials;
use crate::aws::settings::Settings;
use crate::error::{Error, Result};
use crate::files;
use crate::platform;

const VERSION: u32 = 4;
/// Far more than a cache entry ever needs; a bigger file is not ours.
const MAX_SIZE: u64 = 64 * 1024;

/// The scope a cached session was made for; it is reused only for exactly the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Scope {
    pub(crate) profile: String,
    /// The access key id of keys from the environment, which have no profile name.
    pub(crate) access_key_id: Option<String>,
    pub(crate) serial: Option<String>,
    pub(crate) region: String,
    pub(crate) endpoint: String,
    /// Each role assumed, in order, with its external id.
    pub(crate) roles: Vec<(String, Option<String>)>,
    /// The duration asked for (flag or profile); `None` is STS's default.
    pub(crate) duration: Option<i32>,
}

impl Scope {
    pub(crate) fn new(settings: &Settings) -> Scope {
        Scope {
            profile: settings.label.clone(),
            access_key_id: settings.keys_id.clone(),
            serial: settings.mfa_serial().map(str::to_owned),
            region: settings.region.value.clone(),
            endpoint: settings.endpoint.url.clone(),
            roles: settings
                .roles
                .iter()
                .map(|r| (r.arn.clone(), r.external_id.clone()))
                .collect(),
            duration: settings.asked_duration(),
        }
    }

    /// The plain MFA session of the profile whose keys sign for a role, with the first role's
    /// device, of any duration: a role can be assumed from it without a new code.
    pub(crate) fn source_session(settings: &Settings) -> Option<Scope> {
        let first = settings.roles.first()?;
        Some(Scope {
            profile: settings.keys_profile.clone()?,
            access_key_id: None,
            serial: Some(first.serial.clone()?),
            region: settings.region.value.clone(),
            endpoint: settings.endpoint.url.clone(),
            roles: Vec::new(),
            duration: None,
        })
    }

    fn file_name(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        // FNV-1a: a stable name; the scope stored inside is what decides a match.
        let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{hash:016x}.json")
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    scope: Scope,
    credentials: Credentials,
}

#[derive(Clone)]
pub(crate) struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub(crate) fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// The session stored for `scope`, if the file is ours alone, whole, and made for `scope`.
    pub(crate) fn load(&self, scope: &Scope) -> Option<Credentials> {
        let entry = self.read(&self.dir.join(scope.file_name()))?;
        (entry.scope == *scope).then_some(entry.credentials)
    }

    /// The session for `scope` whatever duration it was asked with: the one that lasts longest.
    pub(crate) fn load_any_duration(&self, scope: &Scope) -> Option<Credentials> {
        self.entries()
            .filter(|e| {
                Scope {
                    duration: None,
                    ..e.scope.clone()
                } == *scope
            })
            .map(|e| e.credentials)
            .max_by_key(|c| c.expiration)
    }

    /// For each profile with a cached session (any device, region, role or duration): when
    /// the one that ends last ends. The cache is read once.
    pub(crate) fn latest_ends(&self) -> std::collections::HashMap<String, i64> {
        let mut ends = std::collections::HashMap::new();
        for entry in self.entries() {
            let end = ends.entry(entry.scope.profile).or_insert(i64::MIN);
            *end = (*end).max(entry.credentials.expiration);
        }
        ends
    }

    fn read(&self, path: &std::path::Path) -> Option<Entry> {
        let file = platform::open_no_follow(path).ok()?;
        let meta = file.metadata().ok()?;
        if !platform::is_private(&meta) || meta.len() > MAX_SIZE {
            return None;
        }
        // Sized from the length: one read, not a doubling series of them.
        let mut text = String::with_capacity(meta.len() as usize + 1);
        file.take(MAX_SIZE).read_to_string(&mut text).ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        (entry.version == VERSION && entry.credentials.check().is_ok()).then_some(entry)
    }

    /// Every readable entry.
    fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| self.read(&p))
    }

    pub(crate) fn store(&self, scope: &Scope, credentials: &Credentials) -> Result<()> {
        let entry = Entry {
            version: VERSION,
            scope: scope.clone(),
            credentials: credentials.clone(),
        };
        let text = serde_json::to_vec_pretty(&entry).map_err(|e| Error::new(e.to_string()))?;
        platform::create_private_dir(&self.dir)
            .and_then(|()| files::write_atomic(&self.dir.join(scope.file_name()), &text))
            .map_err(|e| {
                Error::new(format!(
                    "cannot write the session cache in {}: {e}",
                    files::display(&self.dir)
                ))
            })
    }

    /// Deletes the sessions cached for `profile` (every session with `None`); returns how many.
    /// A file that cannot be deleted does not stop the others; the error names them all and
    /// the fix.
    pub(crate) fn forget(&self, profile: Option<&str>) -> Result<usize> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.cannot("read", 0, &e)),
        };
        let (mut removed, mut failed) = (0, None);
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            // Old versions and damaged files are ours too: --all removes them; a profile's
            // forget removes what it can attribute.
            let ours = match (profile, self.read_any(&path)) {
                (None, _) => true,
                (Some(profile), Some(entry_profile)) => entry_profile == profile,
                (Some(_), None) => false,
            };
            if ours {
                match fs::remove_file(&path) {
                    Ok(()) => removed += 1,
                    Err(e) => {
                        let (count, _) = failed.get_or_insert((0, e));
                        *count += 1;
                    }
                }
            }
        }
        match failed {
            Some((count, e)) => Err(self.cannot("delete", count, &e)),
            None => Ok(removed),
        }
    }

    /// Why the cache could not be read or emptied, and how to fix it: a directory of another
    /// user (as `sudo mfa-env` leaves one) is removed with sudo.
    fn cannot(&self, what: &str, count: usize, e: &std::io::Error) -> Error {
        let dir = files::display(&self.dir);
        let files = match count {
            0 => String::new(),
            1 => " 1 cached session in".to_owned(),
            n => format!(" {n} cached sessions in"),
        };
        let fix = match fs::metadata(&self.dir) {
            Ok(meta) if !platform::is_own(&meta) => {
                format!(
                    "it belongs to another user (as `sudo mfa-env` leaves it): remove it with `sudo rm -r {dir}`"
                )
            }
            _ => format!("check the permissions of {dir}"),
        };
        Error::new(format!("cannot {what}{files} {dir} ({e}): {fix}"))
    }

    /// The profile an entry of any version was made for.
    fn read_any(&self, path: &std::path::Path) -> Option<String> {
        let file = platform::open_no_follow(path).ok()?;
        let mut text = String::new();
        file.take(MAX_SIZE).read_to_string(&mut text).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value["scope"]["profile"].as_str().map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::credentials::example;

    fn scope(profile: &str) -> Scope {
        Scope {
            profile: profile.into(),
            access_key_id: None,
            serial: Some("GAHT12345678".into()),
            region: "us-east-1".into(),
            endpoint: "https://sts.us-east-1.amazonaws.com".into(),
            roles: Vec::new(),
            duration: None,
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
        cache.store(&scope("a"), &example()).unwrap();
        cache.store(&scope("b"), &example()).unwrap();
        assert_eq!(cache.load(&scope("a")), Some(example()));
        for other in [
            Scope {
                region: "eu-west-1".into(),
                ..scope("a")
            },
            Scope {
                duration: Some(900),
                ..scope("a")
            },
            Scope {
                roles: vec![("arn".into(), None)],
                ..scope("a")
            },
        ] {
            assert_eq!(cache.load(&other), None, "{other:?}");
        }
        let longer = Credentials {
            expiration: example().expiration + 10,
            ..example()
        };
        cache
            .store(
                &Scope {
                    duration: Some(3600),
                    ..scope("a")
                },
                &longer,
            )
            .unwrap();
        assert_eq!(cache.load_any_duration(&scope("a")), Some(longer));
        assert_eq!(cache.forget(Some("a")).unwrap(), 2);
        assert_eq!(cache.load(&scope("a")), None);
        assert_eq!(cache.load(&scope("b")), Some(example()));
        assert_eq!(cache.forget(None).unwrap(), 1);
        assert_eq!(cache.load(&scope("b")), None);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn ignores_files_others_can_read_and_corrupt_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp("doubtful");
        let cache = Cache::at(dir.clone());
        cache.store(&scope("a"), &example()).unwrap();
        let path = dir.join(scope("a").file_name());
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(cache.load(&scope("a")), None);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "{\"version\": 2, \"key\"").unwrap();
        assert_eq!(cache.load(&scope("a")), None);
        cache.store(&scope("a"), &example()).unwrap();
        assert_eq!(cache.load(&scope("a")), Some(example()));
        fs::remove_dir_all(dir).unwrap();
    }
}
