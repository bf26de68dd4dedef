//! A session for the settings of a run: the cached one while it has time left, else a new one
//! from STS (GetSessionToken, or the chain of roles), which is then cached.

use aws_sdk_sts::config::Credentials as AwsKeys;

use crate::cache::{Cache, Scope};
use crate::cli::{Choice, Obtain};
use crate::code::Codes;
use crate::credentials::Credentials;
use crate::durations;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::files;
use crate::output::note;
use crate::platform;
use crate::proxy::Proxies;
use crate::settings::Settings;
use crate::sts;

/// A cached session that still has enough time left, else a new one from STS (then cached).
pub(crate) fn session(
    choice: &Choice,
    obtain: &Obtain,
    settings: &Settings,
    env: &Environment,
    now: i64,
) -> Result<Credentials> {
    let cache = if obtain.no_cache { None } else { cache(env) };
    let scope = Scope::new(settings);
    let min_remaining = choice.min_remaining.unwrap_or(durations::MIN_REMAINING);
    if let Some(cache) = &cache
        && !obtain.force
        && let Some(creds) = cache
            .load(&scope)
            .filter(|c| c.seconds_left() > min_remaining)
    {
        return Ok(creds);
    }
    let mut codes = Codes::new(obtain.code.as_ref(), env)?;
    let bounds = sts::Bounds::for_run(env);
    let network = network(settings, env)?;
    let creds = fetch(
        settings,
        &mut codes,
        cache.as_ref(),
        obtain.force,
        now,
        bounds,
        network,
    )?;
    if let Some(Err(e)) = cache.as_ref().map(|c| c.store(&scope, &creds)) {
        note(&format!("{e} (the session is fine; only reuse is lost)"));
    }
    Ok(creds)
}

/// New credentials from STS: GetSessionToken for a plain session, else the chain of roles.
fn fetch(
    settings: &Settings,
    codes: &mut Codes,
    cache: Option<&Cache>,
    force: bool,
    now: i64,
    bounds: sts::Bounds,
    network: sts::Network,
) -> Result<Credentials> {
    let label = shown(&settings.label);
    if settings.roles.is_empty() && settings.serial.is_none() {
        return Err(no_serial(settings));
    }
    let runtime = sts::runtime()?;

    // A cached MFA session of the source profile signs the first AssumeRole: no new code.
    let chained = if force {
        None
    } else {
        Scope::source_session(settings)
            .and_then(|scope| cache?.load_any_duration(&scope))
            .filter(|s| s.seconds_left() > durations::CHAIN_MIN_LEFT)
    };
    let keys = match &chained {
        Some(session) => session_keys(session),
        None => runtime.block_on(sts::long_term_keys(settings))?,
    };
    let mut client = sts::Client::new(settings, keys, bounds, network);

    if settings.roles.is_empty() {
        let serial = settings
            .serial
            .as_ref()
            .map(|s| s.value.as_str())
            .unwrap_or_default();
        let duration = settings.duration.as_ref().map(|d| d.value);
        let mut code = codes.first(serial, &label)?;
        loop {
            match runtime.block_on(client.session_token(serial, &code, duration, now)) {
                Err(failure) if failure.code_rejected => match codes.next() {
                    Some(next) => code = next,
                    None => return Err(failure.error),
                },
                result => return Ok(result?),
            }
        }
    }

    let mut code: Option<String> = None;
    let mut creds = None;
    for (index, role) in settings.roles.iter().enumerate() {
        let signed_by_session = index > 0 || chained.is_some();
        let mut duration = role.duration.as_ref().map(|d| d.value);
        if signed_by_session && let Some(asked) = duration.filter(|d| *d > durations::CHAINED_MAX) {
            note(&format!(
                "assuming {} with session credentials: AWS caps such a role session at 1 hour, so it lasts {} s, not {asked}",
                role.arn,
                durations::CHAINED_MAX
            ));
            duration = Some(durations::CHAINED_MAX);
        }
        let serial = match (&role.serial, index == 0 && chained.is_some()) {
            (Some(serial), false) => Some(serial.as_str()),
            _ => None,
        };
        if let Some(serial) = serial
            && code.is_none()
        {
            code = Some(codes.first(serial, &label)?);
        }
        let result = loop {
            let mfa = serial.zip(code.as_deref());
            match runtime.block_on(client.assume_role(role, mfa, duration, now)) {
                Err(failure) if failure.code_rejected && mfa.is_some() => match codes.next() {
                    Some(next) => code = Some(next),
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
fn network(settings: &Settings, env: &Environment) -> Result<sts::Network> {
    let proxy = Proxies::from_env(env).for_url(&settings.endpoint.url);
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
    sts::Network::new(
        proxy,
        bundle
            .as_ref()
            .map(|(pem, origin)| (pem.as_str(), origin.clone())),
    )
}

/// Where this run's cache is, if there is a place for one.
pub(crate) fn cache(env: &Environment) -> Option<Cache> {
    platform::cache_dir(env).map(Cache::at)
}
