//! What a failed STS call means for the person, as one line that names the fix: a pure
//! function of what went wrong (no SDK types) and of the run's context, tested as a table.

use crate::aws::settings::{Origin, Role};
use crate::durations;
use crate::error::{Error, clean};

/// What went wrong with a call, as the SDK reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The whole call, retries included, ran past its bound.
    Timeout,
    /// One attempt timed out reaching the endpoint.
    AttemptTimeout,
    /// The answer was larger than any STS answer (`max` bytes).
    TooLarge { max: usize },
    /// TLS refused the endpoint's certificate (why, as the TLS stack said it).
    Certificate(String),
    /// The endpoint could not be reached (the deepest cause).
    Unreachable(String),
    /// Something answered, but not as STS does (its HTTP status).
    NotSts { status: u16 },
    /// STS answered with an error: HTTP status, error code and message.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// Anything else (the deepest cause).
    Other(String),
}

/// Which call failed, for its message.
pub(crate) enum Call<'a> {
    SessionToken {
        duration: Option<i32>,
    },
    AssumeRole {
        role: &'a Role,
        duration: Option<i32>,
    },
}

/// What a message may name about the run.
pub(crate) struct Context<'a> {
    /// The endpoint as messages name it.
    pub(crate) endpoint: &'a str,
    /// The setting that chose the endpoint, if one did.
    pub(crate) endpoint_origin: Option<&'a Origin>,
    /// The setting that named the CAs trusted, if one did.
    pub(crate) ca_origin: Option<&'a str>,
    /// The profile the run goes by (already made safe to show).
    pub(crate) label: &'a str,
    pub(crate) signing_region: &'a str,
    /// The bound on a whole call, in seconds.
    pub(crate) bound: u64,
}

/// A failed call's message, and whether STS refused the MFA code itself (worth one retry with
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

/// The message of `fault` in `call`.
pub(crate) fn describe(fault: &Fault, call: &Call, context: &Context) -> Failure {
    let endpoint = context.endpoint;
    let chosen_by = match context.endpoint_origin {
        Some(origin) => format!("; it was chosen by {origin}: check or unset it"),
        None => "; check your proxy (HTTPS_PROXY)".to_owned(),
    };
    let message = match fault {
        Fault::Timeout => format!(
            "STS at {endpoint} did not answer within {} s: check your network, VPN or proxy and try again",
            context.bound
        ),
        Fault::TooLarge { max } => format!(
            "the endpoint {endpoint} sent an answer larger than {} KiB, which is no STS answer{chosen_by}",
            max / 1024
        ),
        Fault::AttemptTimeout => {
            format!("STS at {endpoint} did not answer in time: check your network, VPN or proxy")
        }
        Fault::Certificate(why) => {
            let fix = match context.ca_origin {
                Some(origin) => {
                    format!("it is not signed by a CA in the bundle {origin} names: fix {origin}")
                }
                None => "behind a TLS-inspecting proxy, set AWS_CA_BUNDLE (or ca_bundle in the profile) to the PEM file of its CA".to_owned(),
            };
            format!(
                "the TLS certificate of {endpoint} is not trusted ({}): {fix}",
                clean(why)
            )
        }
        Fault::Unreachable(why) => format!(
            "cannot reach STS at {endpoint} ({}): check your network and proxy (HTTPS_PROXY){}",
            clean(why),
            match context.endpoint_origin {
                Some(origin) => format!(", or {origin}"),
                None => String::new(),
            }
        ),
        Fault::NotSts { status } => {
            format!("the endpoint {endpoint} did not answer as STS does (HTTP {status}){chosen_by}")
        }
        Fault::Other(why) => format!("cannot call STS: {}", clean(why)),
        Fault::Refused {
            status,
            code,
            message,
        } => return refused(*status, code, &clean(message), call, context, &chosen_by),
    };
    Failure::from(Error::new(message))
}

/// The message of an error STS answered with.
fn refused(
    status: u16,
    code: &str,
    said: &str,
    call: &Call,
    context: &Context,
    chosen_by: &str,
) -> Failure {
    let (endpoint, label) = (context.endpoint, context.label);
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
            context.signing_region,
            match context.endpoint_origin {
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
            "the endpoint {endpoint} did not answer as STS does (HTTP {status}){chosen_by}"
        ),
        _ if mentions("duration") => duration_refused(call, said),
        _ if status >= 500 => format!(
            "STS had an internal error (HTTP {status}) and still failed after 3 tries: try again in a minute"
        ),
        _ => format!("STS refused the request: {}: {said}", clean(code)),
    };
    Failure::from(Error::new(message))
}

fn duration_refused(call: &Call, said: &str) -> String {
    match call {
        Call::SessionToken { duration: Some(d) } if *d > durations::ROOT_MAX => format!(
            "STS refused a duration of {d} s: the root user's limit is {}, so with root keys ask for {} or less (STS: {said})",
            durations::ROOT_MAX,
            durations::ROOT_MAX
        ),
        Call::AssumeRole {
            role,
            duration: Some(d),
        } => format!(
            "STS refused a duration of {d} s for {}: it is above the role's maximum session duration; ask for less or raise the role's MaxSessionDuration (STS: {said})",
            role.arn
        ),
        _ => format!("STS refused the session duration: {said}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, code: &str, message: &str) -> Fault {
        Fault::Refused {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// Every fault, its message, and whether it is worth a retry with the next code.
    #[test]
    fn every_fault_names_its_fix() {
        let role = Role {
            arn: "arn:aws:iam::123456789012:role/admin".into(),
            session_name: "s".into(),
            external_id: Some("x".into()),
            serial: None,
            duration: None,
            profile: "admin".into(),
        };
        let origin = Origin::Env("AWS_ENDPOINT_URL_STS");
        let configured = Context {
            endpoint: "http://127.0.0.1:9",
            endpoint_origin: Some(&origin),
            ca_origin: None,
            label: "default",
            signing_region: "eu-west-1",
            bound: 20,
        };
        let default = Context {
            endpoint: "sts.us-east-1.amazonaws.com",
            endpoint_origin: None,
            ca_origin: Some("AWS_CA_BUNDLE"),
            ..configured
        };
        let session = Call::SessionToken {
            duration: Some(7200),
        };
        let assume = Call::AssumeRole {
            role: &role,
            duration: Some(43_200),
        };
        type Row<'a> = (Fault, &'a Call<'a>, &'a Context<'a>, bool, &'a str);
        let table: &[Row] = &[
            (
                Fault::Timeout,
                &session,
                &default,
                false,
                "STS at sts.us-east-1.amazonaws.com did not answer within 20 s: check your network, VPN or proxy and try again",
            ),
            (
                Fault::AttemptTimeout,
                &session,
                &default,
                false,
                "STS at sts.us-east-1.amazonaws.com did not answer in time: check your network, VPN or proxy",
            ),
            (
                Fault::TooLarge { max: 65_536 },
                &session,
                &configured,
                false,
                "the endpoint http://127.0.0.1:9 sent an answer larger than 64 KiB, which is no STS answer; it was chosen by AWS_ENDPOINT_URL_STS: check or unset it",
            ),
            (
                Fault::Certificate("invalid peer certificate: UnknownIssuer".into()),
                &session,
                &default,
                false,
                "the TLS certificate of sts.us-east-1.amazonaws.com is not trusted (invalid peer certificate: UnknownIssuer): it is not signed by a CA in the bundle AWS_CA_BUNDLE names: fix AWS_CA_BUNDLE",
            ),
            (
                Fault::Certificate("bad".into()),
                &session,
                &configured,
                false,
                "the TLS certificate of http://127.0.0.1:9 is not trusted (bad): behind a TLS-inspecting proxy, set AWS_CA_BUNDLE (or ca_bundle in the profile) to the PEM file of its CA",
            ),
            (
                Fault::Unreachable("Connection refused (os error 111)".into()),
                &session,
                &configured,
                false,
                "cannot reach STS at http://127.0.0.1:9 (Connection refused (os error 111)): check your network and proxy (HTTPS_PROXY), or AWS_ENDPOINT_URL_STS",
            ),
            (
                Fault::NotSts { status: 200 },
                &session,
                &default,
                false,
                "the endpoint sts.us-east-1.amazonaws.com did not answer as STS does (HTTP 200); check your proxy (HTTPS_PROXY)",
            ),
            (
                Fault::Other("bo\nom\n".into()),
                &session,
                &default,
                false,
                "cannot call STS: bo\\nom",
            ),
            (
                refusal(
                    403,
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                ),
                &session,
                &default,
                true,
                "STS rejected the MFA code: it was wrong, expired or already used; wait for the next code and run again (STS: MultiFactorAuthentication failed with invalid MFA one time pass code.)",
            ),
            (
                refusal(403, "AccessDenied", "not authorized"),
                &assume,
                &default,
                false,
                "not allowed to assume arn:aws:iam::123456789012:role/admin: check that the role's trust policy names the user of 'default', that its external id matches, and that this user may call sts:AssumeRole (STS: not authorized)",
            ),
            (
                refusal(403, "AccessDenied", "nope"),
                &session,
                &default,
                false,
                "STS denied GetSessionToken for 'default' (STS: nope)",
            ),
            (
                refusal(403, "ExpiredToken", "expired"),
                &session,
                &default,
                false,
                "the keys of 'default' are an expired session; an MFA session needs an IAM user's long-term keys (aws configure)",
            ),
            (
                refusal(403, "InvalidClientTokenId", "invalid"),
                &session,
                &default,
                false,
                "AWS does not know the access key of 'default' (deleted, deactivated or mistyped): fix it with `aws configure`",
            ),
            (
                refusal(
                    403,
                    "SignatureDoesNotMatch",
                    "Credential should be scoped to a valid region.",
                ),
                &session,
                &default,
                false,
                "STS at sts.us-east-1.amazonaws.com refused a request signed for region eu-west-1: give the region that endpoint serves (--region, AWS_REGION or the profile's region) (STS: Credential should be scoped to a valid region.)",
            ),
            (
                refusal(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match",
                ),
                &session,
                &default,
                false,
                "the secret key of 'default' does not match its access key: fix it with `aws configure`",
            ),
            (
                refusal(400, "Throttling", "Rate exceeded"),
                &session,
                &default,
                false,
                "STS is throttling requests and still refused after 3 tries: wait a minute and run again",
            ),
            (
                refusal(403, "RegionDisabledException", "off"),
                &session,
                &default,
                false,
                "STS is not activated in this region: pass --region us-east-1, or activate the region in IAM account settings",
            ),
            (
                refusal(404, "", ""),
                &session,
                &configured,
                false,
                "the endpoint http://127.0.0.1:9 did not answer as STS does (HTTP 404); it was chosen by AWS_ENDPOINT_URL_STS: check or unset it",
            ),
            (
                refusal(
                    400,
                    "ValidationError",
                    "DurationSeconds exceeds the 1 hour limit",
                ),
                &Call::SessionToken {
                    duration: Some(7200),
                },
                &default,
                false,
                "STS refused a duration of 7200 s: the root user's limit is 3600, so with root keys ask for 3600 or less (STS: DurationSeconds exceeds the 1 hour limit)",
            ),
            (
                refusal(
                    400,
                    "ValidationError",
                    "The requested DurationSeconds exceeds the MaxSessionDuration",
                ),
                &assume,
                &default,
                false,
                "STS refused a duration of 43200 s for arn:aws:iam::123456789012:role/admin: it is above the role's maximum session duration; ask for less or raise the role's MaxSessionDuration (STS: The requested DurationSeconds exceeds the MaxSessionDuration)",
            ),
            (
                refusal(400, "ValidationError", "bad duration"),
                &Call::SessionToken { duration: None },
                &default,
                false,
                "STS refused the session duration: bad duration",
            ),
            (
                refusal(503, "ServiceUnavailable", "later"),
                &session,
                &default,
                false,
                "STS had an internal error (HTTP 503) and still failed after 3 tries: try again in a minute",
            ),
            (
                refusal(400, "Weird\u{1b}", "odd"),
                &session,
                &default,
                false,
                "STS refused the request: Weird\\x1b: odd",
            ),
        ];
        for (fault, call, context, retry, message) in table {
            let failure = describe(fault, call, context);
            assert_eq!(failure.code_rejected, *retry, "{fault:?}");
            assert_eq!(failure.error.to_string(), *message, "{fault:?}");
        }
    }
}
