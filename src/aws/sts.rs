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
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use http_body_util::BodyExt;

use crate::aws::credentials::Credentials;
use crate::aws::settings::{Keys, Origin, Role, Settings};
use crate::error::{Error, Result, shown};

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
/// A real STS answer is under 4 KiB; anything past this is not one, and is not read on.
const MAX_ANSWER: usize = 64 * 1024;

/// An STS call that failed, and whether STS refused the MFA code itself (worth one retry with
/// the next TOTP code).
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code_rejected: bool,
    pub(crate) error: Error,
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        f.error
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            code_rejected: false,
            error,
        }
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

/// What a failed call was, for its message.
pub(crate) enum Call<'a> {
    SessionToken {
        duration: Option<i32>,
    },
    AssumeRole {
        role: &'a Role,
        duration: Option<i32>,
    },
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

    /// "it was chosen by AWS_ENDPOINT_URL_STS", for messages about an odd endpoint.
    fn chosen_by(&self) -> String {
        match &self.endpoint_origin {
            Some(origin) => format!("; it was chosen by {origin}: check or unset it"),
            None => "; check your proxy (HTTPS_PROXY)".to_owned(),
        }
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
        let plain = |message: String| Failure::from(Error::new(message));
        let service = match &err {
            SdkError::ServiceError(service) => service,
            SdkError::TimeoutError(_) => {
                return plain(format!(
                    "STS at {endpoint} did not answer within {} s: check your network, VPN or proxy and try again",
                    self.bounds.operation.as_secs()
                ));
            }
            SdkError::DispatchFailure(_) if too_large(&err) => {
                return plain(format!(
                    "the endpoint {endpoint} sent an answer larger than {} KiB, which is no STS answer{}",
                    MAX_ANSWER / 1024,
                    self.chosen_by()
                ));
            }
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                return plain(format!(
                    "STS at {endpoint} did not answer in time: check your network, VPN or proxy"
                ));
            }
            SdkError::DispatchFailure(_) if certificate_refused(&err) => {
                let fix = match &self.ca_origin {
                    Some(origin) => format!("it is not signed by a CA in the bundle {origin} names: fix {origin}"),
                    None => "behind a TLS-inspecting proxy, set AWS_CA_BUNDLE (or ca_bundle in the profile) to the PEM file of its CA".to_owned(),
                };
                return plain(format!(
                    "the TLS certificate of {endpoint} is not trusted ({}): {fix}",
                    clean(&innermost(&err))
                ));
            }
            SdkError::DispatchFailure(_) => {
                return plain(format!(
                    "cannot reach STS at {endpoint} ({}): check your network and proxy (HTTPS_PROXY){}",
                    clean(&innermost(&err)),
                    match &self.endpoint_origin {
                        Some(origin) => format!(", or {origin}"),
                        None => String::new(),
                    }
                ));
            }
            SdkError::ResponseError(response) => {
                return plain(format!(
                    "the endpoint {endpoint} did not answer as STS does (HTTP {}){}",
                    response.raw().status().as_u16(),
                    self.chosen_by()
                ));
            }
            _ => {
                return plain(format!("cannot call STS: {}", clean(&innermost(&err))));
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
                    let external = if role.external_id.is_some() {
                        ", that its external id matches"
                    } else {
                        ""
                    };
                    format!(
                        "not allowed to assume {}: check that the role's trust policy names the user of '{label}'{external}, and that this user may call sts:AssumeRole (STS: {said})",
                        role.arn
                    )
                }
                Call::SessionToken { .. } => {
                    format!("STS denied GetSessionToken for '{label}' (STS: {said})")
                }
            },
            "ExpiredToken" | "ExpiredTokenException" => format!(
                "the keys of '{label}' are an expired session; an MFA session needs an IAM user's long-term keys (aws configure)"
            ),
            "InvalidClientTokenId" => format!(
                "AWS does not know the access key of '{label}' (deleted, deactivated or mistyped): fix it with `aws configure`"
            ),
            "SignatureDoesNotMatch" if mentions("scope") || mentions("region") => format!(
                "STS at {endpoint} refused a request signed for region {}: give the region that endpoint serves (--region, AWS_REGION or the profile's region){} (STS: {said})",
                self.signing_region,
                match &self.endpoint_origin {
                    Some(origin) => format!(", or fix {origin}"),
                    None => String::new(),
                }
            ),
            "SignatureDoesNotMatch" => format!(
                "the secret key of '{label}' does not match its access key: fix it with `aws configure`"
            ),
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded"
            | "TooManyRequestsException" => {
                "STS is throttling requests and still refused after 3 tries: wait a minute and run again".to_owned()
            }
            "RegionDisabledException" => {
                "STS is not activated in this region: pass --region us-east-1, or activate the region in IAM account settings".to_owned()
            }
            "" => format!(
                "the endpoint {endpoint} did not answer as STS does (HTTP {status}){}",
                self.chosen_by()
            ),
            _ if mentions("duration") => match call {
                Call::SessionToken { duration: Some(d) } if d > crate::durations::ROOT_MAX => {
                    format!(
                        "STS refused a duration of {d} s: the root user's limit is {}, so with root keys ask for {} or less (STS: {said})",
                        crate::durations::ROOT_MAX,
                        crate::durations::ROOT_MAX
                    )
                }
                Call::AssumeRole {
                    role,
                    duration: Some(d),
                } => format!(
                    "STS refused a duration of {d} s for {}: it is above the role's maximum session duration; ask for less or raise the role's MaxSessionDuration (STS: {said})",
                    role.arn
                ),
                _ => format!("STS refused the session duration: {said}"),
            },
            _ if status >= 500 => format!(
                "STS had an internal error (HTTP {status}) and still failed after 3 tries: try again in a minute"
            ),
            _ => format!("STS refused the request: {}: {said}", clean(code)),
        };
        plain(message)
    }
}

/// How calls reach STS: one TLS stack with one crypto provider (rustls and ring: small, no C
/// toolchain to build), the proxy the environment names for the endpoint (chosen as the AWS CLI
/// chooses it), the CAs to trust, and a bound on every answer's size.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    proxy: Option<String>,
    /// The CAs to trust instead of the system's (`AWS_CA_BUNDLE`, `ca_bundle`).
    tls: Option<TlsContext>,
    /// Where the CAs came from, for messages.
    ca_origin: Option<String>,
}

impl Network {
    /// `proxy` for the endpoint; `ca_bundle` the text of a PEM file and the setting naming it.
    pub(crate) fn new(proxy: Option<String>, ca_bundle: Option<(&str, String)>) -> Result<Network> {
        let (tls, ca_origin) = match ca_bundle {
            Some((pem, origin)) => {
                if !pem.contains("-----BEGIN CERTIFICATE-----") {
                    return Err(Error::new(format!(
                        "the CA bundle that {origin} names holds no PEM certificate: point it at a PEM file of CA certificates"
                    )));
                }
                let context = TlsContext::builder()
                    .with_trust_store(
                        TrustStore::empty()
                            .with_native_roots(false)
                            .with_pem_certificate(pem.as_bytes()),
                    )
                    .build()
                    .map_err(|e| {
                        Error::new(format!(
                            "the CA bundle that {origin} names cannot be used ({}): point it at a PEM file of CA certificates",
                            clean(&innermost(&e))
                        ))
                    })?;
                (Some(context), Some(origin))
            }
            None => (None, None),
        };
        Ok(Network {
            proxy,
            tls,
            ca_origin,
        })
    }
}

impl HttpClient for Network {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let proxy = match &self.proxy {
            Some(url) => ProxyConfig::all(url.as_str()).unwrap_or_else(|_| ProxyConfig::disabled()),
            None => ProxyConfig::disabled(),
        };
        let mut connector = Connector::builder()
            .connector_settings(settings.clone())
            .proxy_config(proxy);
        connector.set_sleep_impl(components.sleep_impl());
        let mut connector = connector.tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ));
        if let Some(context) = &self.tls {
            connector = connector.tls_context(context.clone());
        }
        SharedHttpConnector::new(Bounded(SharedHttpConnector::new(
            connector.build_with_resolver(ThreadResolver),
        )))
    }
}

/// Resolves host names on a thread of its own, started for the lookup: the runtime's timers
/// keep running meanwhile (the bounds hold), and a thread that cannot be started (a pids
/// limit) is a failed lookup, where the runtime's own pool would abort the process.
#[derive(Debug, Clone)]
struct ThreadResolver;

impl ResolveDns for ThreadResolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        let (send, receive) = tokio::sync::oneshot::channel();
        let host = name.to_owned();
        let started = std::thread::Builder::new()
            .name("dns".into())
            .spawn(move || {
                use std::net::ToSocketAddrs;
                let found = (host.as_str(), 0)
                    .to_socket_addrs()
                    .map(|addresses| addresses.map(|a| a.ip()).collect::<Vec<_>>());
                let _ = send.send(found);
            });
        DnsFuture::new(async move {
            if let Err(e) = started {
                return Err(ResolveDnsError::new(format!(
                    "cannot start a thread to look up the host: {e}"
                )));
            }
            match receive.await {
                Ok(Ok(addresses)) => Ok(addresses),
                Ok(Err(e)) => Err(ResolveDnsError::new(e)),
                Err(_) => Err(ResolveDnsError::new(
                    "the host lookup ended without an answer",
                )),
            }
        })
    }
}

/// Reads each answer whole, refusing one larger than `MAX_ANSWER`: an endless or huge body
/// costs at most that much memory.
#[derive(Debug)]
struct Bounded(SharedHttpConnector);

#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the answer is larger than {MAX_ANSWER} bytes")
    }
}

impl std::error::Error for TooLarge {}

impl HttpConnector for Bounded {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let answer = self.0.call(request);
        HttpConnectorFuture::new(async move {
            let mut response = answer.await?;
            let declared = response
                .headers()
                .get("content-length")
                .and_then(|l| l.parse::<u64>().ok());
            if declared.is_some_and(|l| l > MAX_ANSWER as u64) {
                return Err(ConnectorError::other(Box::new(TooLarge), None));
            }
            let body = http_body_util::Limited::new(response.take_body(), MAX_ANSWER);
            let bytes = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    return Err(ConnectorError::other(Box::new(TooLarge), None));
                }
                Err(e) => return Err(ConnectorError::io(e)),
            };
            *response.body_mut() = SdkBody::from(bytes);
            Ok(response)
        })
    }
}

/// Whether TLS refused the endpoint's certificate (rustls: "invalid peer certificate").
fn certificate_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let text = innermost(err).to_ascii_lowercase();
    text.contains("certificate") && (text.contains("invalid") || text.contains("unknown"))
}

fn too_large(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.is::<TooLarge>() {
            return true;
        }
        cause = e.source();
    }
    false
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
