//! A session for the settings of a run: the cached one while it has time left, else a new one
//! from STS (GetSessionToken, or the chain of roles), which is then cached.

use aws_sdk_sts::config::Credentials as AwsKeys;

use crate::aws::cache::{Cache, Scope};
use crate::aws::credentials::Credentials;
use crate::aws::network::Network;
use crate::aws::proxy::Proxies;
use crate::aws::settings::{Role, Settings};
use crate::aws::sts;
use crate::code::Codes;
use crate::durations;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::files;
use crate::output::note;
use crate::platform;
use crate::request::{Obtain, Reuse};

/// A cached session that still has enough time left, else a new one from STS (then cached).
pub(crate) fn session(
    reuse: &Reuse,
    obtain: &Obtain,
    settings: &Settings,
    env: &Environment,
    now: i64,
) -> Result<Credentials> {
    let calls = Calls::new(settings, reuse, env)?;
    let scope = Scope::new(settings);
    let min_remaining = reuse.min_remaining.unwrap_or(durations::MIN_REMAINING);
    if !reuse.force
        && let Some(creds) = calls.cached(&scope, min_remaining)
    {
        return Ok(creds);
    }
    let mut codes = codes_for(obtain, settings, env)?;
    // A cached MFA session of the source profile signs the first AssumeRole: no new code.
    let chained = if reuse.force {
        None
    } else {
        calls.source_session(durations::CHAIN_MIN_LEFT)
    };
    let creds = calls.fetch(&mut codes, chained.as_ref(), now)?;
    calls.store(&scope, &creds);
    Ok(creds)
}

/// For `exec --server`: the session, and how to renew it later without asking anyone.
pub(crate) fn renewable_session(
    reuse: &Reuse,
    obtain: &Obtain,
    settings: &Settings,
    env: &Environment,
    now: i64,
) -> Result<(Credentials, Renewal)> {
    let calls = Calls::new(settings, reuse, env)?;
    let mfa_first = settings.roles.first().is_some_and(|r| r.serial.is_some());
    let mfa_later = settings.roles.iter().skip(1).any(|r| r.serial.is_some());
    let renewer = match (settings.roles.is_empty(), mfa_first, mfa_later) {
        // A plain session: renewed by another mfa-env run, which puts it in the cache.
        (true, _, _) => Renewer::Cache(Scope::new(settings)),
        // No MFA anywhere: the long-term keys assume the roles again.
        (false, false, false) => Renewer::LongTerm,
        // MFA on the first role: an MFA session of the source profile assumes them again.
        (false, true, false) if Scope::source_session(settings).is_some() => Renewer::FromSession,
        _ => Renewer::Not,
    };
    if renewer == Renewer::FromSession {
        // The MFA session first (cached, or made with a code now), then the roles from it.
        let min_remaining = reuse.min_remaining.unwrap_or(durations::MIN_REMAINING);
        let session = match calls.source_session(min_remaining).filter(|_| !reuse.force) {
            Some(session) => session,
            None => {
                let mut codes = codes_for(obtain, settings, env)?;
                let session = calls.source_fetch(&mut codes, now)?;
                if let Some(scope) = Scope::source_session(settings) {
                    calls.store(&scope, &session);
                }
                session
            }
        };
        let scope = Scope::new(settings);
        let creds = match calls.cached(&scope, min_remaining).filter(|_| !reuse.force) {
            Some(creds) => creds,
            None => {
                let creds = calls.fetch(&mut Codes::none(), Some(&session), now)?;
                calls.store(&scope, &creds);
                creds
            }
        };
        return Ok((creds, Renewal { calls, renewer }));
    }
    let creds = session(reuse, obtain, settings, env, now)?;
    Ok((creds, Renewal { calls, renewer }))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Renewer {
    /// Another mfa-env run renews a plain session: it is picked up from the cache.
    Cache(Scope),
    /// The roles are assumed again from the cached MFA session of their source profile.
    FromSession,
    /// The roles need no MFA: the long-term keys assume them again.
    LongTerm,
    /// Served while it lasts (MFA on a role past the first).
    Not,
}

/// How a served session is renewed without a person, and when that can no longer be done.
pub(crate) struct Renewal {
    calls: Calls,
    renewer: Renewer,
}

impl Renewal {
    /// Credentials with more time left than `current`, if they can be had without a code.
    pub(crate) fn renew(&self, current: &Credentials, now: i64) -> Result<Option<Credentials>> {
        let newer = |c: Credentials| (c.expiration > current.expiration).then_some(c);
        match &self.renewer {
            Renewer::Cache(scope) => Ok(self.calls.cached(scope, 0).and_then(newer)),
            Renewer::FromSession => {
                let Some(session) = self.calls.source_session(durations::CHAIN_MIN_LEFT) else {
                    return Ok(None);
                };
                let creds = self.calls.fetch(&mut Codes::none(), Some(&session), now)?;
                self.calls.store(&Scope::new(&self.calls.settings), &creds);
                Ok(newer(creds))
            }
            Renewer::LongTerm => {
                let creds = self.calls.fetch(&mut Codes::none(), None, now)?;
                Ok(newer(creds))
            }
            Renewer::Not => Ok(None),
        }
    }

    /// When the MFA session behind what is served ends, for a warning before it does.
    pub(crate) fn mfa_ends(&self, current: &Credentials) -> Option<i64> {
        match &self.renewer {
            Renewer::Cache(_) | Renewer::Not => Some(current.expiration),
            Renewer::FromSession => self
                .calls
                .source_session(0)
                .map_or(Some(current.expiration), |s| Some(s.expiration)),
            Renewer::LongTerm => None,
        }
    }
}

/// What calling STS takes for one run's settings, ready for several calls (renewals too).
#[derive(Clone)]
struct Calls {
    settings: Settings,
    cache: Option<Cache>,
    bounds: sts::Bounds,
    network: Network,
}

impl Calls {
    fn new(settings: &Settings, reuse: &Reuse, env: &Environment) -> Result<Calls> {
        Ok(Calls {
            settings: settings.clone(),
            cache: if reuse.no_cache { None } else { cache(env) },
            bounds: sts::Bounds::for_run(env),
            network: network(settings, env)?,
        })
    }

    /// The cached session for `scope` with more than `min_left` seconds left.
    fn cached(&self, scope: &Scope, min_left: i64) -> Option<Credentials> {
        self.cache
            .as_ref()?
            .load(scope)
            .filter(|c| c.seconds_left() > min_left)
    }

    /// The cached MFA session of the profile whose keys sign for the roles.
    fn source_session(&self, min_left: i64) -> Option<Credentials> {
        let scope = Scope::source_session(&self.settings)?;
        self.cache
            .as_ref()?
            .load_any_duration(&scope)
            .filter(|s| s.seconds_left() > min_left)
    }

    fn store(&self, scope: &Scope, creds: &Credentials) {
        if let Some(Err(e)) = self.cache.as_ref().map(|c| c.store(scope, creds)) {
            note(&format!("{e} (the session is fine; only reuse is lost)"));
        }
    }

    /// A plain MFA session of the source profile, with the first role's device.
    fn source_fetch(&self, codes: &mut Codes, now: i64) -> Result<Credentials> {
        let serial = self.settings.roles.first().and_then(|r| r.serial.clone());
        let plain = Settings {
            roles: Vec::new(),
            serial: serial.map(|value| crate::aws::settings::Setting {
                value,
                origin: crate::aws::settings::Origin::Default,
            }),
            duration: None,
            ..self.settings.clone()
        };
        Calls {
            settings: plain,
            ..self.clone()
        }
        .fetch(codes, None, now)
    }

    /// New credentials from STS: GetSessionToken for a plain session, else the chain of roles
    /// (signed by `chained`, an MFA session, when given).
    fn fetch(
        &self,
        codes: &mut Codes,
        chained: Option<&Credentials>,
        now: i64,
    ) -> Result<Credentials> {
        let settings = &self.settings;
        if settings.roles.is_empty() && settings.serial.is_none() {
            return Err(no_serial(settings));
        }
        let runtime = sts::runtime()?;
        let keys = match chained {
            Some(session) => session_keys(session),
            None => runtime.block_on(sts::long_term_keys(settings))?,
        };
        let client = sts::Client::new(settings, keys, self.bounds, self.network.clone());
        if settings.roles.is_empty() {
            self.session_token(&runtime, &client, codes, now)
        } else {
            self.assume_roles(&runtime, client, codes, chained, now)
        }
    }

    /// GetSessionToken, once more with the next code when STS refused one as used.
    fn session_token(
        &self,
        runtime: &tokio::runtime::Runtime,
        client: &sts::Client,
        codes: &mut Codes,
        now: i64,
    ) -> Result<Credentials> {
        let settings = &self.settings;
        let serial = settings
            .serial
            .as_ref()
            .map(|s| s.value.as_str())
            .unwrap_or_default();
        let duration = settings.duration.as_ref().map(|d| d.value);
        let mut code = codes.first(serial, &shown(&settings.label))?;
        loop {
            match runtime.block_on(client.session_token(serial, &code, duration, now)) {
                Err(failure) if failure.code_rejected => match codes.next() {
                    Some(next) => code = next?,
                    None => return Err(failure.error),
                },
                result => return Ok(result?),
            }
        }
    }

    /// The chain of roles, each signed by the session before it (the first by the keys, or by
    /// `chained`); the one code goes to every role that names an MFA device.
    fn assume_roles(
        &self,
        runtime: &tokio::runtime::Runtime,
        mut client: sts::Client,
        codes: &mut Codes,
        chained: Option<&Credentials>,
        now: i64,
    ) -> Result<Credentials> {
        let settings = &self.settings;
        if chained.is_none() && codes.is_arranged() {
            note_unused_code(settings);
        }
        let mut code: Option<String> = None;
        let mut creds = None;
        for (index, role) in settings.roles.iter().enumerate() {
            let duration = capped(role, index > 0 || chained.is_some());
            let serial = match (&role.serial, index == 0 && chained.is_some()) {
                (Some(serial), false) => Some(serial.as_str()),
                _ => None,
            };
            if let Some(serial) = serial
                && code.is_none()
            {
                code = Some(codes.first(serial, &shown(&settings.label))?);
            }
            let result = loop {
                let mfa = serial.zip(code.as_deref());
                match runtime.block_on(client.assume_role(role, mfa, duration, now)) {
                    Err(failure) if failure.code_rejected && mfa.is_some() => match codes.next() {
                        Some(Ok(next)) => code = Some(next),
                        Some(Err(e)) => break Err(e),
                        None => break Err(failure.error),
                    },
                    result => break result.map_err(Error::from),
                }
            }?;
            client = client.with_keys(session_keys(&result));
            creds = Some(result);
        }
        creds.ok_or_else(|| Error::new("no role to assume"))
    }
}

/// Where this run's codes come from: the request's sources, else the profile's.
fn codes_for(obtain: &Obtain, settings: &Settings, env: &Environment) -> Result<Codes> {
    Codes::new(
        obtain,
        settings.mfa_process.as_ref().map(|p| p.value.as_str()),
        settings.mfa_prompt.as_ref().map(|p| p.value),
        env,
    )
}

/// A role's duration; signed by session credentials, at most what AWS allows a chained role
/// session (said, when more was asked).
fn capped(role: &Role, signed_by_session: bool) -> Option<i32> {
    let duration = role.duration.as_ref().map(|d| d.value);
    match duration {
        Some(asked) if signed_by_session && asked > durations::CHAINED_MAX => {
            note(&format!(
                "assuming {} with session credentials: AWS caps such a role session at 1 hour, so it lasts {} s, not {asked}",
                role.arn,
                durations::CHAINED_MAX
            ));
            Some(durations::CHAINED_MAX)
        }
        duration => duration,
    }
}

/// Says that a code given is not used when the roles are assumed without MFA.
fn note_unused_code(settings: &Settings) {
    if let (Some(serial), Some(role)) = (&settings.unused_serial, settings.roles.first()) {
        note(&format!(
            "assuming {} without MFA, so the code is not used: profile '{}' names no mfa_serial, and {} counts only for that profile's own sessions; add mfa_serial = {} to profile '{}' to assume the role with MFA",
            role.arn,
            shown(&role.profile),
            serial.origin,
            shown(&serial.value),
            shown(&role.profile),
        ));
    }
}

fn session_keys(session: &Credentials) -> AwsKeys {
    AwsKeys::new(
        session.access_key_id.clone(),
        session.secret_access_key.clone(),
        Some(session.session_token.clone()),
        None,
        "mfa-env session",
    )
}

fn no_serial(settings: &Settings) -> Error {
    let label = shown(&settings.label);
    Error::new(format!(
        "no MFA device for '{label}': pass --serial-number ARN, set AWS_MFA_SERIAL, or add mfa_serial = ARN to [{}] in the config file",
        if settings.label == "default" {
            "default".to_owned()
        } else {
            format!("profile {label}")
        }
    ))
}

/// The proxy for the endpoint, and the CAs to trust, as the environment and profile say.
fn network(settings: &Settings, env: &Environment) -> Result<Network> {
    network_for(&settings.endpoint.url, settings, env)
}

/// How calls to `url` go for this run: its proxy, and the CAs the settings trust.
pub(crate) fn network_for(url: &str, settings: &Settings, env: &Environment) -> Result<Network> {
    let proxy = Proxies::from_env(env).for_url(url);
    let bundle = match &settings.ca_bundle {
        Some(setting) => {
            let origin = setting.origin.to_string();
            let pem = files::read_text(&setting.value, files::MAX_READ)?.ok_or_else(|| {
                Error::new(format!(
                    "{origin} names the CA bundle {}, which does not exist: fix {origin}",
                    files::display(&setting.value)
                ))
            })?;
            Some((pem, origin))
        }
        None => None,
    };
    let plain = url.starts_with("http://");
    Network::new(
        proxy,
        bundle
            .as_ref()
            .map(|(pem, origin)| (pem.as_str(), origin.clone())),
        plain,
        env,
    )
}

/// Where this run's cache is, if there is a place for one.
pub(crate) fn cache(env: &Environment) -> Option<Cache> {
    platform::cache_dir(env).map(Cache::at)
}
