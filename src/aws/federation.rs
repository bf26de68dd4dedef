//! The AWS console sign-in of `login`: a role session exchanged at the partition's federation
//! endpoint (`Action=getSigninToken`) for a sign-in token, and the URL that signs in with it.
//! The session goes only into that exchange's query, over HTTPS; the URL holds the token alone.

use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;

use crate::aws::credentials::Credentials;
use crate::aws::iam::form;
use crate::aws::network::Network;
use crate::error::{Error, Result, clean};

/// The exchange is one small answer.
const BOUND: Duration = Duration::from_secs(15);

/// The sign-in and console hosts of a partition, from the run's region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignIn {
    pub(crate) federation: &'static str,
    pub(crate) console: &'static str,
}

impl SignIn {
    pub(crate) fn for_region(region: &str) -> SignIn {
        if region.starts_with("cn-") {
            SignIn {
                federation: "https://signin.amazonaws.cn/federation",
                console: "https://console.amazonaws.cn/",
            }
        } else if region.starts_with("us-gov-") {
            SignIn {
                federation: "https://signin.amazonaws-us-gov.com/federation",
                console: "https://console.amazonaws-us-gov.com/",
            }
        } else {
            SignIn {
                federation: "https://signin.aws.amazon.com/federation",
                console: "https://console.aws.amazon.com/",
            }
        }
    }

    /// The console's home page, in `region` when one was chosen.
    fn destination(&self, region: Option<&str>) -> String {
        match region {
            Some(region) => format!("{}console/home?region={region}", self.console),
            None => self.console.to_owned(),
        }
    }

    /// Exchanges `session` for a sign-in token and returns the URL that signs in with it.
    pub(crate) async fn url(
        &self,
        session: &Credentials,
        region: Option<&str>,
        network: &Network,
    ) -> Result<String> {
        let json = serde_json::json!({
            "sessionId": session.access_key_id,
            "sessionKey": session.secret_access_key,
            "sessionToken": session.session_token,
        })
        .to_string();
        let query = form(&[("Action", "getSigninToken"), ("Session", &json)]);
        let mut request = HttpRequest::new(SdkBody::empty());
        let host = crate::aws::endpoint::host(self.federation);
        let bad = |e: &dyn std::fmt::Display| Error::new(format!("cannot ask {host}: {e}"));
        request.set_method("GET").map_err(|e| bad(&e))?;
        request
            .set_uri(format!("{}?{query}", self.federation))
            .map_err(|e| bad(&e))?;
        let (status, body) = network.send(request, BOUND).await.map_err(|unsent| {
            Error::new(format!(
                "the console sign-in failed: {}",
                unsent.describe(host, network.ca_origin.as_deref())
            ))
        })?;
        let token = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["SigninToken"].as_str().map(str::to_owned))
            .filter(|t| !t.is_empty());
        let Some(token) = token.filter(|_| status == 200) else {
            let said = clean(&String::from_utf8_lossy(&body[..body.len().min(200)]));
            return Err(Error::new(format!(
                "{host} gave no sign-in token (HTTP {status}: {said}): the role session may have ended; run again with --force"
            )));
        };
        Ok(format!(
            "{}?{}",
            self.federation,
            form(&[
                ("Action", "login"),
                ("Issuer", "mfa-env"),
                ("Destination", &self.destination(region)),
                ("SigninToken", &token),
            ])
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_signs_in_at_its_own_host() {
        assert_eq!(
            SignIn::for_region("eu-west-1").federation,
            "https://signin.aws.amazon.com/federation"
        );
        assert_eq!(
            SignIn::for_region("cn-northwest-1").console,
            "https://console.amazonaws.cn/"
        );
        assert_eq!(
            SignIn::for_region("us-gov-west-1").federation,
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            SignIn::for_region("eu-west-1").destination(Some("eu-west-1")),
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
    }
}
