//! Everything that touches the AWS SDK: the long-term keys that sign, the STS client, the two
//! calls we make, and STS's answers turned into one-line messages that name the fix.

use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{
    BehaviorVersion, Credentials as Keys, ProvideCredentials, Region, SharedHttpClient,
};
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Connector, tls};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::creds::Credentials;
use crate::error::{Error, Result};
use crate::settings::{Role, Settings, Source};

/// A stalled endpoint is given up on well within 30 s, retries included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(8);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20);

/// An STS call that failed, and whether STS refused the MFA code itself (worth one retry with
/// the next TOTP code).
#[derive(Debug)]
pub struct Failure {
    pub code_rejected: bool,
    pub error: Error,
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        f.error
    }
}

/// A runtime only for the paths that need the network: the others never start one.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the network runtime: {e}")))
}

/// The long-term keys that sign our call, from exactly one place: never the default chain,
/// which would wait on instance metadata and prefer a stale session from the environment.
pub async fn long_term_keys(settings: &Settings) -> Result<Keys> {
    let keys = match &settings.source {
        Source::Env {
            access_key_id,
            secret_access_key,
        } => Keys::new(access_key_id, secret_access_key, None, None, "environment"),
        Source::Profile(name) => ProfileFileCredentialsProvider::builder()
            // Only a profile's `credential_source` would use the network; it still needs a client.
            .configure(&ProviderConfig::without_region().with_http_client(https()))
            .profile_name(name)
            .build()
            .provide_credentials()
            .await
            .map_err(|e| {
                Error::new(format!(
                    "cannot load the keys of profile '{name}': {}",
                    DisplayErrorContext(&e)
                ))
            })?,
    };
    let origin = match &settings.source {
        Source::Env { .. } => "AWS_ACCESS_KEY_ID in the environment".to_owned(),
        Source::Profile(name) => format!("profile '{name}'"),
    };
    if keys.session_token().is_some() || keys.access_key_id().starts_with("ASIA") {
        return Err(Error::new(format!(
            "{origin} holds temporary credentials; GetSessionToken needs an IAM user's long-term keys"
        )));
    }
    Ok(keys)
}

pub struct Client {
    sts: aws_sdk_sts::Client,
    endpoint: String,
    label: String,
}

impl Client {
    pub fn new(settings: &Settings, keys: Keys) -> Client {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(ATTEMPT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(keys)
            .http_client(https())
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(url) = &settings.endpoint {
            config = config.endpoint_url(url);
        }
        Client {
            sts: aws_sdk_sts::Client::from_conf(config.build()),
            endpoint: settings
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("sts.{}.amazonaws.com", settings.region)),
            label: settings.label.clone(),
        }
    }

    pub async fn session_token(
        &self,
        serial: &str,
        code: &str,
        duration: Option<i32>,
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
        convert(response.credentials())
    }

    /// `AssumeRole`, with the MFA device and code when given (none when chaining from a session).
    pub async fn assume_role(
        &self,
        role: &Role,
        mfa: Option<(&str, &str)>,
        duration: Option<i32>,
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
        convert(response.credentials())
    }

    fn failure<E>(
        &self,
        err: SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
        call: Call<'_>,
    ) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let endpoint = &self.endpoint;
        let plain = |message: String| Failure {
            code_rejected: false,
            error: Error::new(message),
        };
        let service = match &err {
            SdkError::ServiceError(service) => service,
            SdkError::TimeoutError(_) => {
                return plain(format!(
                    "STS at {endpoint} did not answer within {} s: check your network, VPN or proxy and try again",
                    OPERATION_TIMEOUT.as_secs()
                ));
            }
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                return plain(format!(
                    "STS at {endpoint} did not answer in time: check your network, VPN or proxy"
                ));
            }
            SdkError::DispatchFailure(_) => {
                return plain(format!(
                    "cannot reach STS at {endpoint} ({}): check your network and proxy (HTTPS_PROXY), or AWS_ENDPOINT_URL_STS / endpoint_url",
                    clean(&innermost(&err))
                ));
            }
            SdkError::ResponseError(response) => {
                return plain(format!(
                    "STS at {endpoint} answered with something that is not an STS response (HTTP {}): check the endpoint",
                    response.raw().status().as_u16()
                ));
            }
            _ => {
                return plain(format!(
                    "cannot call STS: {}",
                    clean(&DisplayErrorContext(&err).to_string())
                ));
            }
        };
        let status = service.raw().status().as_u16();
        let code = service.err().code().unwrap_or_default();
        let said = clean(service.err().message().unwrap_or_default());
        let label = &self.label;
        let mentions = |word: &str| said.to_ascii_lowercase().contains(word);
        let message = match code {
            "AccessDenied" if mentions("multifactor") || mentions("mfa") => {
                return Failure {
                    code_rejected: true,
                    error: Error::new(format!(
                        "STS rejected the MFA code: it was wrong, expired or already used; wait for the next code and run again (STS: {said})"
                    )),
                };
            }
            "AccessDenied" => match call {
                Call::AssumeRole { role, .. } => {
                    let external = if role.external_id.is_some() { ", that its external id matches" } else { "" };
                    format!(
                        "not allowed to assume {}: check that the role's trust policy names the user of '{label}'{external}, and that this user may call sts:AssumeRole (STS: {said})",
                        role.arn
                    )
                }
                Call::SessionToken { .. } => format!("STS denied GetSessionToken for '{label}' (STS: {said})"),
            },
            "ExpiredToken" | "ExpiredTokenException" => format!(
                "the keys of '{label}' are an expired session; GetSessionToken needs an IAM user's long-term keys (aws configure)"
            ),
            "InvalidClientTokenId" => format!(
                "AWS does not know the access key of '{label}' (deleted, deactivated or mistyped): fix it with `aws configure`"
            ),
            "SignatureDoesNotMatch" => {
                format!("the secret key of '{label}' does not match its access key: fix it with `aws configure`")
            }
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException" => {
                "STS is throttling requests and still refused after 3 tries: wait a minute and run again".to_owned()
            }
            "RegionDisabledException" => {
                "STS is not activated in this region: pass --region us-east-1, or activate the region in IAM account settings".to_owned()
            }
            _ if mentions("duration") => match call {
                Call::SessionToken { duration: Some(d) } if d > 3600 => format!(
                    "STS refused --duration-seconds {d}: the root user's limit is 3600, so with root keys pass --duration-seconds 3600 or less (STS: {said})"
                ),
                Call::AssumeRole { role, duration: Some(d) } => format!(
                    "STS refused --duration-seconds {d} for {}: it is above the role's maximum session duration; pass a smaller value or raise the role's MaxSessionDuration (STS: {said})",
                    role.arn
                ),
                _ => format!("STS refused the session duration: {said}"),
            },
            _ if status >= 500 => format!(
                "STS had an internal error (HTTP {status}) and still failed after 3 tries: try again in a minute"
            ),
            "" => format!(
                "STS at {endpoint} answered HTTP {status} with something that is not an STS response: check the endpoint"
            ),
            _ => format!("STS refused the request: {code}: {said}"),
        };
        plain(message)
    }
}

/// One TLS stack with one crypto provider (rustls and ring: small, no C toolchain to build), and
/// the proxy the environment names (`HTTPS_PROXY`, `NO_PROXY`), as the AWS CLI honours it.
#[derive(Debug)]
struct Https;

impl HttpClient for Https {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let mut connector = Connector::builder()
            .connector_settings(settings.clone())
            .proxy_config(ProxyConfig::from_env());
        connector.set_sleep_impl(components.sleep_impl());
        let connector = connector
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build();
        SharedHttpConnector::new(connector)
    }
}

fn https() -> SharedHttpClient {
    SharedHttpClient::new(Https)
}

enum Call<'a> {
    SessionToken {
        duration: Option<i32>,
    },
    AssumeRole {
        role: &'a Role,
        duration: Option<i32>,
    },
}

fn convert(credentials: Option<&aws_sdk_sts::types::Credentials>) -> Result<Credentials, Failure> {
    let Some(c) = credentials else {
        return Err(Failure {
            code_rejected: false,
            error: Error::new("STS answered without credentials; nothing was printed"),
        });
    };
    let creds = Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
        expiration: c.expiration().secs(),
    };
    creds.check().map_err(|error| Failure {
        code_rejected: false,
        error,
    })?;
    Ok(creds)
}

/// The deepest cause, which names what actually happened ("Connection refused").
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Text from the network, made safe to show on a terminal: no control characters, bounded.
fn clean(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    if text.chars().count() > 300 {
        shown.push('…');
    }
    shown.trim().to_owned()
}
