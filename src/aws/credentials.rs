//! Session credentials, checked before anything prints them: they come from the network.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::environment::vars;
use crate::error::{Error, Result};
use crate::time;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    /// Unix seconds, UTC.
    pub(crate) expiration: i64,
}

// Secrets stay out of debug output and panic messages.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &time::format_utc(self.expiration))
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Refuses anything real STS credentials never contain: they are base64 (`[A-Za-z0-9+/=]`).
    /// This is what keeps a hostile or broken endpoint's text out of an `eval`.
    pub(crate) fn check(&self) -> Result<()> {
        for (field, value) in [
            ("AccessKeyId", &self.access_key_id),
            ("SecretAccessKey", &self.secret_access_key),
            ("SessionToken", &self.session_token),
        ] {
            if value.is_empty() {
                return Err(Error::new(format!(
                    "STS returned an empty {field}; nothing was printed"
                )));
            }
            if !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            {
                return Err(Error::new(format!(
                    "STS returned a {field} with characters real credentials never contain; \
                     refusing to print it (check the endpoint: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url)"
                )));
            }
        }
        Ok(())
    }

    /// Name and value of each variable, in [`vars::SESSION`] order.
    pub(crate) fn variables(&self) -> [(&'static str, String); 4] {
        let [id, secret, token, expiration] = vars::SESSION;
        [
            (id, self.access_key_id.clone()),
            (secret, self.secret_access_key.clone()),
            (token, self.session_token.clone()),
            (expiration, time::format_utc_offset(self.expiration)),
        ]
    }

    pub(crate) fn seconds_left(&self) -> i64 {
        self.expiration - time::now()
    }

    /// The `credential_process` document (AWS documents the field order shown), for the SDKs and
    /// the AWS CLI.
    pub(crate) fn process_document(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Document<'a> {
            version: u8,
            access_key_id: &'a str,
            secret_access_key: &'a str,
            session_token: &'a str,
            expiration: String,
        }
        let document = Document {
            version: 1,
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            session_token: &self.session_token,
            expiration: time::format_utc(self.expiration),
        };
        // Plain strings and a number: serialising cannot fail.
        serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
    }

    /// A session of the right shape, to check before a code is spent that everything else a
    /// rendering holds can be written.
    pub(crate) fn placeholder() -> Credentials {
        Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: "s".into(),
            session_token: "t".into(),
            expiration: 0,
        }
    }
}

#[cfg(test)]
pub(crate) fn example() -> Credentials {
    Credentials {
        access_key_id: "ASIAEXAMPLE123".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: "FwoGZXIvYXdzEXAMPLE//token==".into(),
        expiration: 1_795_914_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes_and_refuses_the_rest() {
        assert_eq!(example().check(), Ok(()));
        for bad in ["'; touch pwned #", "$(id)", "a\nb", "", "é"] {
            let creds = Credentials {
                session_token: bad.into(),
                ..example()
            };
            assert!(creds.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_credential_process_document() {
        assert_eq!(
            example().process_document(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXAMPLE123\",\n  \
             \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\",\n  \
             \"SessionToken\": \"FwoGZXIvYXdzEXAMPLE//token==\",\n  \
             \"Expiration\": \"2026-11-29T01:00:00Z\"\n}\n"
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let shown = format!("{:?}", example());
        assert!(
            !shown.contains("wJalr") && !shown.contains("FwoG"),
            "{shown}"
        );
    }
}
