//! The IAM calls of `rotate`: ListAccessKeys, CreateAccessKey and DeleteAccessKey. IAM speaks
//! the Query protocol as STS does, so each is a form POST signed with SigV4 (`aws-sigv4`, linked
//! for STS already), sent by `Network::send` through the same proxy and TLS, and its XML answer
//! read with the SDK's own decoder (`aws-smithy-xml`). No IAM SDK: see README, Performance.

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_xml::decode::{Document, ScopedDecoder, XmlDecodeError, try_data};

use crate::aws::credentials::Credentials;
use crate::aws::network::{Network, Unsent};
use crate::aws::settings::Setting;
use crate::error::{Error, Result, clean};

/// IAM's API version, as every Query call names it.
const VERSION: &str = "2010-05-08";
/// One call, retries aside: IAM answers in well under a second.
const BOUND: Duration = Duration::from_secs(15);

/// Where IAM is: its one endpoint per partition (signed for that partition's first region),
/// or `AWS_ENDPOINT_URL_IAM` / `AWS_ENDPOINT_URL` as the SDKs read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    pub(crate) signing_region: String,
}

impl Endpoint {
    /// IAM's endpoint for a run in `region`: `configured` (`sources::IAM_ENDPOINT`) as it is,
    /// else the partition's.
    pub(crate) fn for_region(region: &str, configured: Option<&Setting<String>>) -> Endpoint {
        let (default, signing_region) = if region.starts_with("cn-") {
            ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1")
        } else if region.starts_with("us-gov-") {
            ("https://iam.us-gov.amazonaws.com", "us-gov-west-1")
        } else {
            ("https://iam.amazonaws.com", "us-east-1")
        };
        Endpoint {
            url: configured
                .map_or(default, |c| c.value.trim_end_matches('/'))
                .to_owned(),
            signing_region: signing_region.to_owned(),
        }
    }

    /// The host, as messages name it.
    pub(crate) fn host(&self) -> &str {
        crate::aws::endpoint::host(&self.url)
    }
}

/// An access key as `ListAccessKeys` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessKey {
    pub(crate) id: String,
    pub(crate) status: String,
}

/// A key `CreateAccessKey` made: the only time IAM shows its secret.
pub(crate) struct NewKey {
    pub(crate) id: String,
    pub(crate) secret: String,
}

// The secret stays out of debug output.
impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewKey({}, ..)", self.id)
    }
}

/// IAM, called with an MFA session.
pub(crate) struct Iam<'a> {
    pub(crate) network: &'a Network,
    pub(crate) endpoint: &'a Endpoint,
    pub(crate) session: &'a Credentials,
}

impl Iam<'_> {
    pub(crate) async fn list_access_keys(&self, user: &str) -> Result<Vec<AccessKey>> {
        let xml = self.call("ListAccessKeys", &[("UserName", user)]).await?;
        let members = records(
            &xml,
            &["ListAccessKeysResult", "AccessKeyMetadata", "member"],
        )
        .map_err(|_| self.unreadable("ListAccessKeys"))?;
        Ok(members
            .iter()
            .filter_map(|fields| {
                Some(AccessKey {
                    id: field(fields, "AccessKeyId")?.to_owned(),
                    status: field(fields, "Status").unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    pub(crate) async fn create_access_key(&self, user: &str) -> Result<NewKey> {
        let xml = self.call("CreateAccessKey", &[("UserName", user)]).await?;
        let keys = records(&xml, &["CreateAccessKeyResult", "AccessKey"])
            .map_err(|_| self.unreadable("CreateAccessKey"))?;
        keys.first()
            .and_then(|fields| {
                Some(NewKey {
                    id: field(fields, "AccessKeyId")?.to_owned(),
                    secret: field(fields, "SecretAccessKey")?.to_owned(),
                })
            })
            .ok_or_else(|| self.unreadable("CreateAccessKey"))
    }

    pub(crate) async fn delete_access_key(&self, user: &str, id: &str) -> Result<()> {
        self.call(
            "DeleteAccessKey",
            &[("UserName", user), ("AccessKeyId", id)],
        )
        .await
        .map(drop)
    }

    fn unreadable(&self, action: &str) -> Error {
        Error::new(format!(
            "{} answered {action} with something that is not IAM's answer: check AWS_ENDPOINT_URL_IAM",
            self.endpoint.host()
        ))
    }

    /// One signed call; its answer's XML, or IAM's refusal as a message.
    async fn call(&self, action: &str, params: &[(&str, &str)]) -> Result<String> {
        let mut pairs = vec![("Action", action), ("Version", VERSION)];
        pairs.extend_from_slice(params);
        let body = form(&pairs);
        let request = self
            .signed(&body)
            .map_err(|why| Error::new(format!("cannot sign the {action} request: {why}")))?;
        let host = self.endpoint.host();
        let (status, bytes) =
            self.network
                .send(request, BOUND)
                .await
                .map_err(|unsent: Unsent| {
                    Error::new(format!(
                        "{action}: {}",
                        unsent.describe(host, self.network.ca_origin.as_deref())
                    ))
                })?;
        let xml = String::from_utf8_lossy(&bytes).into_owned();
        if status == 200 {
            return Ok(xml);
        }
        let error = records(&xml, &["Error"])
            .ok()
            .and_then(|e| e.into_iter().next());
        let (code, message) = match &error {
            Some(fields) => (
                field(fields, "Code").unwrap_or_default(),
                field(fields, "Message").unwrap_or_default(),
            ),
            None => ("", ""),
        };
        Err(Error::new(refusal(action, status, code, &clean(message))))
    }

    fn signed(&self, body: &str) -> std::result::Result<HttpRequest, String> {
        let url = format!("{}/", self.endpoint.url);
        let host = self.endpoint.host().to_owned();
        let identity: Identity = aws_credential_types::Credentials::new(
            &self.session.access_key_id,
            &self.session.secret_access_key,
            Some(self.session.session_token.clone()),
            None,
            "mfa-env",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.endpoint.signing_region)
            .name("iam")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("host", host.as_str()),
        ];
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let mut request = HttpRequest::new(SdkBody::from(body.to_owned()));
        request.set_method("POST").map_err(|e| e.to_string())?;
        request.set_uri(url.as_str()).map_err(|e| e.to_string())?;
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request
                .headers_mut()
                .try_insert(name.to_owned(), value.to_owned())
                .map_err(|e| e.to_string())?;
        }
        Ok(request)
    }
}

/// What IAM's refusal of `action` means, and what to do.
fn refusal(action: &str, status: u16, code: &str, message: &str) -> String {
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(" ({message})")
    };
    match code {
        "AccessDenied" | "AccessDeniedException" => format!(
            "IAM refused {action}{said}: the user's policy must allow iam:{action} on itself (policies often require MFA for it, which this session has)"
        ),
        "LimitExceeded" => {
            format!("IAM refused {action}: the user has 2 access keys already{said}")
        }
        "NoSuchEntity" => format!("IAM refused {action}{said}: the user or the key does not exist"),
        "InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken" => format!(
            "IAM refused the MFA session for {action}{said}: run mfa-env --force for a new one, then rotate again"
        ),
        "" => format!("IAM answered {action} with HTTP {status} and no error code"),
        code => format!("IAM refused {action}: {code}{said}"),
    }
}

/// `application/x-www-form-urlencoded`, as AWS's Query APIs read it.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The fields (name, text) of each element at `path` under the root.
fn records(
    xml: &str,
    path: &[&str],
) -> std::result::Result<Vec<Vec<(String, String)>>, XmlDecodeError> {
    let mut document = Document::new(xml);
    let mut root = document.root_element()?;
    let mut out = Vec::new();
    walk(&mut root, path, &mut out)?;
    Ok(out)
}

fn walk(
    decoder: &mut ScopedDecoder,
    path: &[&str],
    out: &mut Vec<Vec<(String, String)>>,
) -> std::result::Result<(), XmlDecodeError> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    while let Some(mut child) = decoder.next_tag() {
        if !child.start_el().matches(first) {
            continue;
        }
        if rest.is_empty() {
            let mut fields = Vec::new();
            while let Some(mut leaf) = child.next_tag() {
                let name = leaf.start_el().local().to_owned();
                fields.push((name, try_data(&mut leaf)?.into_owned()));
            }
            out.push(fields);
        } else {
            walk(&mut child, rest, out)?;
        }
    }
    Ok(())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The IAM user an ARN names (`arn:aws:iam::123456789012:user/path/NAME`), or `None` for
/// anything else (root, an assumed role).
pub(crate) fn user_of(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_iam_writes_them() {
        let listed = "<ListAccessKeysResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListAccessKeysResult><IsTruncated>false</IsTruncated><AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>AKIAONE</AccessKeyId><Status>Active</Status></member><member><AccessKeyId>AKIATWO</AccessKeyId><Status>Inactive</Status></member></AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>";
        let members = records(
            listed,
            &["ListAccessKeysResult", "AccessKeyMetadata", "member"],
        )
        .unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(field(&members[1], "AccessKeyId"), Some("AKIATWO"));
        assert_eq!(field(&members[1], "Status"), Some("Inactive"));
        let error = "<ErrorResponse><Error><Type>Sender</Type><Code>LimitExceeded</Code><Message>a &amp; b</Message></Error></ErrorResponse>";
        let fields = records(error, &["Error"]).unwrap();
        assert_eq!(field(&fields[0], "Message"), Some("a & b"));
        assert!(records("not xml", &["Error"]).is_err());
    }

    #[test]
    fn users_and_forms() {
        assert_eq!(
            user_of("arn:aws:iam::123456789012:user/alice"),
            Some("alice")
        );
        assert_eq!(
            user_of("arn:aws:iam::123456789012:user/ops/eu/bob"),
            Some("bob")
        );
        assert_eq!(user_of("arn:aws:iam::123456789012:root"), None);
        assert_eq!(user_of("arn:aws:sts::123456789012:assumed-role/r/s"), None);
        assert_eq!(
            form(&[("A", "b c/+="), ("K", "é")]),
            "A=b%20c%2F%2B%3D&K=%C3%A9"
        );
        assert_eq!(
            crate::aws::endpoint::host("http://127.0.0.1:5000"),
            "127.0.0.1:5000"
        );
        assert_eq!(
            crate::aws::endpoint::host("https://iam.amazonaws.com/x"),
            "iam.amazonaws.com"
        );
    }

    #[test]
    fn partitions_have_their_own_iam() {
        let of = |region| Endpoint::for_region(region, None);
        assert_eq!(of("eu-west-1").url, "https://iam.amazonaws.com");
        assert_eq!(of("eu-west-1").signing_region, "us-east-1");
        assert_eq!(
            of("cn-northwest-1").url,
            "https://iam.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(of("us-gov-east-1").signing_region, "us-gov-west-1");
        let configured = Setting {
            value: "http://127.0.0.1:9/".to_owned(),
            origin: crate::aws::settings::Origin::Env("AWS_ENDPOINT_URL"),
        };
        let endpoint = Endpoint::for_region("eu-west-1", Some(&configured));
        assert_eq!(endpoint.url, "http://127.0.0.1:9");
        assert_eq!(endpoint.signing_region, "us-east-1");
    }
}
