//! How calls reach STS (and, later, IAM): one TLS stack with one crypto provider (rustls and
//! ring: small, no C toolchain to build), the proxy the environment names for the endpoint (as
//! the AWS CLI chooses it), the CAs to trust, host lookups that cannot abort the process, and a
//! bound on every answer's size.

use std::time::Duration;

use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
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

use crate::environment::Environment;
use crate::error::{Error, Result};

/// A real STS answer is under 4 KiB; anything past this is not one, and is not read on.
pub(crate) const MAX_ANSWER: usize = 64 * 1024;

/// How calls reach the endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    proxy: Option<String>,
    /// The CAs to trust instead of the system's (`AWS_CA_BUNDLE`, `ca_bundle`).
    tls: Option<TlsContext>,
    /// Where the CAs came from, for messages.
    pub(crate) ca_origin: Option<String>,
}

impl Network {
    /// `proxy` for the endpoint; `ca_bundle` the text of a PEM file and the setting naming it;
    /// `plain`: the endpoint is `http://`, so nothing needs a CA unless the proxy is `https://`.
    pub(crate) fn new(
        proxy: Option<String>,
        ca_bundle: Option<(&str, String)>,
        plain: bool,
        env: &Environment,
    ) -> Result<Network> {
        let tls_proxy = proxy.as_deref().is_some_and(|p| p.starts_with("https:"));
        let (tls, ca_origin) = match ca_bundle {
            Some((pem, origin)) => {
                let Some(certificates) = certificates(pem) else {
                    return Err(Error::new(format!(
                        "the CA bundle that {origin} names holds no PEM certificate that TLS can use: point it at a PEM file of CA certificates"
                    )));
                };
                (Some(trusting(&certificates)), Some(origin))
            }
            // Nothing to verify: no CA file is read.
            None if plain && !tls_proxy => (Some(trusting("")), None),
            None => (system_roots(env).map(|pem| trusting(&pem)), None),
        };
        Ok(Network {
            proxy,
            tls,
            ca_origin,
        })
    }
}

/// A TLS context that trusts exactly `pem` (already checked by `certificates`).
fn trusting(pem: &str) -> TlsContext {
    let store = TrustStore::empty().with_native_roots(false);
    let store = if pem.is_empty() {
        store
    } else {
        store.with_pem_certificate(pem.as_bytes())
    };
    TlsContext::builder()
        .with_trust_store(store)
        .build()
        .unwrap_or_default()
}

/// The CA certificates of `pem` that TLS can use as roots, as PEM; `None` when there are none.
/// The SDK panics on a block it cannot parse, so only the blocks that parse are kept.
fn certificates(pem: &str) -> Option<String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut kept = String::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let Some(length) = rest[start..].find(END) else {
            break;
        };
        let block = &rest[start..start + length + END.len()];
        rest = &rest[start + length + END.len()..];
        let usable = CertificateDer::from_pem_slice(block.as_bytes())
            .is_ok_and(|der| rustls::RootCertStore::empty().add(der).is_ok());
        if usable {
            kept.push_str(block);
            kept.push('\n');
        }
    }
    (!kept.is_empty()).then_some(kept)
}

/// Where distributions keep all their CA roots in one file, in the order OpenSSL's probe
/// looks (Debian and Ubuntu, Fedora and RHEL, openSUSE, Alpine and the BSDs).
#[cfg(all(unix, not(target_os = "macos")))]
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system's CA roots from its one bundle file, read once. The SDK's own search reads that
/// file and then every file of `/etc/ssl/certs` again (the same roots, a hundred more opens).
/// `None`: let the SDK look, as before: where `SSL_CERT_FILE` or `SSL_CERT_DIR` say, on macOS
/// and Windows (the OS's store), or where no bundle file exists.
#[cfg(all(unix, not(target_os = "macos")))]
fn system_roots(env: &Environment) -> Option<String> {
    if env.os("SSL_CERT_FILE").is_some() || env.os("SSL_CERT_DIR").is_some() {
        return None;
    }
    SYSTEM_BUNDLES.iter().find_map(|path| {
        use crate::files::{MAX_READ, read_text};
        let text = read_text(std::path::Path::new(path), MAX_READ).ok()??;
        certificates(&text)
    })
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn system_roots(_: &Environment) -> Option<String> {
    None
}

impl HttpClient for Network {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.connector(settings, components.sleep_impl())
    }
}

impl Network {
    fn connector(
        &self,
        settings: &HttpConnectorSettings,
        sleep: Option<SharedAsyncSleep>,
    ) -> SharedHttpConnector {
        let proxy = match &self.proxy {
            Some(url) => ProxyConfig::all(url.as_str()).unwrap_or_else(|_| ProxyConfig::disabled()),
            None => ProxyConfig::disabled(),
        };
        let mut connector = Connector::builder()
            .connector_settings(settings.clone())
            .proxy_config(proxy);
        connector.set_sleep_impl(sleep);
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

    /// One request outside the SDK (IAM, the sign-in endpoint), through the same proxy and TLS:
    /// the status and the body (at most `MAX_ANSWER` bytes), all within `bound`.
    pub(crate) async fn send(
        &self,
        request: HttpRequest,
        bound: Duration,
    ) -> std::result::Result<(u16, Vec<u8>), Unsent> {
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(bound.min(Duration::from_secs(5)))
            .read_timeout(bound)
            .build();
        let connector = self.connector(&settings, Some(SharedAsyncSleep::new(TokioSleep::new())));
        let answer = tokio::time::timeout(bound, connector.call(request)).await;
        let mut response = match answer {
            Err(_) => return Err(Unsent::Timeout),
            Ok(Err(e)) if e.is_timeout() => return Err(Unsent::Timeout),
            Ok(Err(e)) if too_large(&e) => return Err(Unsent::TooLarge),
            Ok(Err(e)) if certificate_refused(&e) => {
                return Err(Unsent::Certificate(innermost(&e)));
            }
            Ok(Err(e)) => return Err(Unsent::Unreachable(innermost(&e))),
            Ok(Ok(response)) => response,
        };
        let status = response.status().as_u16();
        // `Bounded` has read the body whole already.
        let body = response.take_body();
        let bytes = body.bytes().map(<[u8]>::to_vec).unwrap_or_default();
        Ok((status, bytes))
    }
}

/// Why a request sent with `Network::send` got no answer.
#[derive(Debug)]
pub(crate) enum Unsent {
    Timeout,
    TooLarge,
    Certificate(String),
    Unreachable(String),
}

impl Unsent {
    /// What happened, for a message that names `host` and `ca_origin` (the CAs trusted).
    pub(crate) fn describe(&self, host: &str, ca_origin: Option<&str>) -> String {
        match self {
            Unsent::Timeout => format!("{host} did not answer in time"),
            Unsent::TooLarge => format!("{host} sent an answer larger than {MAX_ANSWER} bytes"),
            Unsent::Certificate(why) => match ca_origin {
                Some(origin) => format!(
                    "the certificate of {host} is not signed by a CA of the bundle {origin} names ({why})"
                ),
                None => format!("the certificate of {host} was refused ({why})"),
            },
            Unsent::Unreachable(why) => format!("cannot reach {host}: {why}"),
        }
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
pub(crate) fn certificate_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let text = innermost(err).to_ascii_lowercase();
    text.contains("certificate") && (text.contains("invalid") || text.contains("unknown"))
}

pub(crate) fn too_large(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.is::<TooLarge>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The deepest cause, which names what actually happened ("Connection refused").
pub(crate) fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_certificates_tls_can_use_are_kept() {
        let Ok(system) = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt") else {
            return;
        };
        let first = certificates(&system).unwrap();
        let one = &first[..first.find("-----END CERTIFICATE-----").unwrap() + 25];
        let broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----";
        let unended = "-----BEGIN CERTIFICATE-----\nMIIB";
        assert_eq!(
            certificates(&format!("# roots\n{broken}\n{one}\n{unended}")).unwrap(),
            format!("{one}\n")
        );
        assert_eq!(certificates(broken), None);
        assert_eq!(certificates("no PEM here"), None);
    }
}
