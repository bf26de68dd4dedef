//! Everything that touches the AWS SDK: the long-term keys that sign, the STS client, the two
//! calls we make, and STS's answers turned into one-line messages that name the fix.

use std::time::Duration;

use aws_config::credential_process::CredentialProcessProvider;
use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{
    BehaviorVersion, Credentials as AwsKeys, ProvideCredentials, Region, SharedHttpClient,
};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use crate::aws::credentials::Credentials;
use crate::aws::failure::{self, Call, Context, Failure, Fault};
use crate::aws::network::{self, Network, innermost};
use crate::aws::settings::{Keys, Origin, Role, Settings};
use crate::error::{Error, Result, clean, shown};
use crate::keychain::Keychain;

/// How long calls may take, retries included, and how soon a failed attempt is tried again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    attempt: Duration,
    operation: Duration,
    backoff: Duration,
}

impl Bounds {
    /// A stalled endpoint is given up on well within 30 s, retries included.
    const REAL: Bounds = Bounds {
        attempt: Duration::from_secs(8),
        operation: Duration::from_secs(20),
        backoff: Duration::from_secs(1),
    };

    /// The real bounds; tests may shrink them (`test_hooks::fast_network`: 3 s per attempt,
    /// 4 s in all, retries after 10 ms) so that a stall costs little time.
    pub(crate) fn for_run(env: &crate::environment::Environment) -> Bounds {
        if crate::test_hooks::fast_network(env) {
            return Bounds {
                attempt: Duration::from_secs(3),
                operation: Duration::from_secs(4),
                backoff: Duration::from_millis(10),
            };
        }
        Bounds::REAL
    }
}

/// A runtime only for the paths that need the network: the others never start one.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the network runtime: {e}")))
}

/// The long-term keys that sign our first call, from the very profile data the settings came
/// from: never the SDK's default chain, which would wait on instance metadata and prefer a
/// stale session in the environment.
pub(crate) async fn long_term_keys(settings: &Settings) -> Result<AwsKeys> {
    let keys = match &settings.keys {
        Keys::Static {
            access_key_id,
            secret_access_key,
        } => AwsKeys::new(access_key_id, secret_access_key, None, None, "mfa-env"),
        Keys::Keychain { profile, keychain } => match keychain.load(profile).map_err(|e| {
            Error::new(format!(
                "profile '{}' has no keys in the files, and {e}",
                shown(profile)
            ))
        })? {
            Some(keys) => AwsKeys::new(
                keys.aws_access_key_id,
                keys.aws_secret_access_key,
                None,
                None,
                "mfa-env keychain",
            ),
            None => {
                let name = shown(profile);
                return Err(Error::new(format!(
                    "profile '{name}' has no keys: none in the files, and none in {}: run mfa-env add {name} (or aws configure --profile {name})",
                    Keychain::name()
                )));
            }
        },
        Keys::Process { command } => CredentialProcessProvider::new(command.clone())
            .provide_credentials()
            .await
            .map_err(|e| {
                Error::new(format!(
                    "the credential_process of {} failed: {}",
                    settings.keys_origin,
                    clean(&innermost(&e))
                ))
            })?,
    };
    if keys.session_token().is_some() || keys.access_key_id().starts_with("ASIA") {
        return Err(Error::new(format!(
            "{} holds temporary credentials; an MFA session needs an IAM user's long-term keys",
            settings.keys_origin
        )));
    }
    Ok(keys)
}

pub(crate) struct Client {
    sts: aws_sdk_sts::Client,
    bounds: Bounds,
    /// The setting that named the CAs trusted, for a refused certificate's message.
    ca_origin: Option<String>,
    /// The endpoint as messages name it, and the setting that chose it.
    endpoint: String,
    endpoint_origin: Option<Origin>,
    /// The region requests are signed for.
    signing_region: String,
    label: String,
}

impl Client {
    pub(crate) fn new(
        settings: &Settings,
        keys: AwsKeys,
        bounds: Bounds,
        network: Network,
    ) -> Client {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(bounds.attempt.min(Duration::from_secs(5)))
            .read_timeout(bounds.attempt)
            .operation_attempt_timeout(bounds.attempt)
            .operation_timeout(bounds.operation)
            .build();
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.endpoint.signing_region.clone()))
            .credentials_provider(keys)
            .http_client(SharedHttpClient::new(network.clone()))
            .timeout_config(timeouts)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(bounds.backoff),
            );
        // The endpoint settings resolved (the default one by the SDK's own rules): the host we
        // connect to is the host messages name.
        config = config.endpoint_url(&settings.endpoint.url);
        Client {
            sts: aws_sdk_sts::Client::from_conf(config.build()),
            bounds,
            ca_origin: network.ca_origin,
            // A configured endpoint as written; the default one by its host.
            endpoint: shown(match settings.endpoint.origin {
                Some(_) => &settings.endpoint.url,
                None => crate::aws::endpoint::host(&settings.endpoint.url),
            }),
            endpoint_origin: settings.endpoint.origin.clone(),
            signing_region: settings.endpoint.signing_region.clone(),
            label: shown(&settings.label),
        }
    }

    /// The same client, signing with other keys (a session, for the next role in a chain).
    pub(crate) fn with_keys(&self, keys: AwsKeys) -> Client {
        let config = self
            .sts
            .config()
            .to_builder()
            .credentials_provider(keys)
            .build();
        Client {
            sts: aws_sdk_sts::Client::from_conf(config),
            bounds: self.bounds,
            ca_origin: self.ca_origin.clone(),
            endpoint: self.endpoint.clone(),
            endpoint_origin: self.endpoint_origin.clone(),
            signing_region: self.signing_region.clone(),
            label: self.label.clone(),
        }
    }

    pub(crate) async fn session_token(
        &self,
        serial: &str,
        code: &str,
        duration: Option<i32>,
        now: i64,
    ) -> Result<Credentials, Failure> {
        let response = self
            .sts
            .get_session_token()
            .serial_number(serial)
            .token_code(code)
            .set_duration_seconds(duration)
            .send()
            .await
            .map_err(|e| self.failure(e, Call::SessionToken { duration }))?;
        Ok(convert(response.credentials(), now)?)
    }

    /// `AssumeRole`, with the MFA device and code when given.
    pub(crate) async fn assume_role(
        &self,
        role: &Role,
        mfa: Option<(&str, &str)>,
        duration: Option<i32>,
        now: i64,
    ) -> Result<Credentials, Failure> {
        let response = self
            .sts
            .assume_role()
            .role_arn(&role.arn)
            .role_session_name(&role.session_name)
            .set_external_id(role.external_id.clone())
            .set_serial_number(mfa.map(|(serial, _)| serial.to_owned()))
            .set_token_code(mfa.map(|(_, code)| code.to_owned()))
            .set_duration_seconds(duration)
            .send()
            .await
            .map_err(|e| self.failure(e, Call::AssumeRole { role, duration }))?;
        Ok(convert(response.credentials(), now)?)
    }

    /// `GetCallerIdentity`: the ARN these keys sign as; a refusal as its code and message.
    pub(crate) async fn caller_arn(&self) -> std::result::Result<String, (String, String)> {
        match self.sts.get_caller_identity().send().await {
            Ok(answer) => Ok(answer.arn().unwrap_or_default().to_owned()),
            Err(SdkError::ServiceError(service)) => Err((
                service.err().code().unwrap_or_default().to_owned(),
                clean(service.err().message().unwrap_or_default()),
            )),
            Err(e) => Err((String::new(), clean(&innermost(&e)))),
        }
    }

    /// What a failed call means, through the pure mapping in `failure`.
    fn failure<E>(
        &self,
        err: SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
        call: Call<'_>,
    ) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let fault = match &err {
            SdkError::ServiceError(service) => Fault::Refused {
                status: service.raw().status().as_u16(),
                code: service.err().code().unwrap_or_default().to_owned(),
                message: service.err().message().unwrap_or_default().to_owned(),
            },
            SdkError::TimeoutError(_) => Fault::Timeout,
            SdkError::DispatchFailure(_) if network::too_large(&err) => Fault::TooLarge {
                max: network::MAX_ANSWER,
            },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => Fault::AttemptTimeout,
            SdkError::DispatchFailure(_) if network::certificate_refused(&err) => {
                Fault::Certificate(innermost(&err))
            }
            SdkError::DispatchFailure(_) => Fault::Unreachable(innermost(&err)),
            SdkError::ResponseError(response) => Fault::NotSts {
                status: response.raw().status().as_u16(),
            },
            _ => Fault::Other(innermost(&err)),
        };
        let context = Context {
            endpoint: &self.endpoint,
            endpoint_origin: self.endpoint_origin.as_ref(),
            ca_origin: self.ca_origin.as_deref(),
            label: &self.label,
            signing_region: &self.signing_region,
            bound: self.bounds.operation.as_secs(),
        };
        failure::describe(&fault, &call, &context)
    }
}

fn convert(credentials: Option<&aws_sdk_sts::types::Credentials>, now: i64) -> Result<Credentials> {
    let Some(c) = credentials else {
        return Err(Error::new(
            "STS answered without credentials; nothing was printed",
        ));
    };
    let creds = Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
        expiration: c.expiration().secs(),
    };
    creds.check()?;
    // A missing Expiration reads as 1970; a session that has already ended is no session; one
    // past year 9999 cannot be written down.
    if creds.expiration <= now || crate::time::format_utc(creds.expiration).is_empty() {
        return Err(Error::new(
            "STS answered with a session that has no expiration in the future (missing, unreadable or past); nothing was printed or cached",
        ));
    }
    Ok(creds)
}
