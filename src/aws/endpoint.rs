//! Which STS endpoint a region means, with FIPS, dual-stack or the legacy global endpoint: the
//! SDK's own endpoint rules, asked once, so that the host we connect to is the host we name.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};

/// How the default endpoint is chosen when none is configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Variant {
    pub(crate) fips: bool,
    pub(crate) dual_stack: bool,
    /// `sts_regional_endpoints = legacy`: the global endpoint for the regions that had it.
    pub(crate) legacy_global: bool,
}

/// The default STS endpoint of a region: where to connect, and the region to sign for (not
/// always the region asked: the global endpoint is signed for us-east-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) url: String,
    pub(crate) signing_region: String,
}

/// The endpoint of STS in `region` by the SDK's own rules, or why there is none (e.g. FIPS
/// where no FIPS endpoint exists).
pub(crate) fn resolve(region: &str, variant: Variant) -> Result<Resolved, String> {
    if variant == Variant::default()
        && let Some(resolved) = commercial(region)
    {
        return Ok(resolved);
    }
    let params = Params::builder()
        .region(region)
        .use_fips(variant.fips)
        .use_dual_stack(variant.dual_stack)
        .use_global_endpoint(variant.legacy_global)
        .build()
        .map_err(|e| e.to_string())?;
    let resolver = DefaultResolver::new();
    let future = pin!(resolver.resolve_endpoint(&params));
    // The rules are evaluated in place: the future is ready when first asked.
    let endpoint = match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(endpoint)) => endpoint,
        Poll::Ready(Err(e)) => return Err(e.to_string()),
        Poll::Pending => return Err("the endpoint rules did not answer at once".to_owned()),
    };
    Ok(Resolved {
        url: endpoint.url().to_owned(),
        signing_region: signing_region(&endpoint).unwrap_or(region).to_owned(),
    })
}

/// The endpoint of the usual case (a region of the `aws` partition by its pattern, no variant),
/// as the rules give it, without the rules: they parse the SDK's partition table first, which
/// costs more than the rest of a cache hit (`the_usual_case_is_the_rules_answer` checks it).
fn commercial(region: &str) -> Option<Resolved> {
    // The aws partition's `^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`, as a host label (the
    // rules refuse a region that is not one, so no `_`).
    let mut parts = region.split('-');
    let (prefix, middle, number) = (parts.next()?, parts.next()?, parts.next()?);
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    let known = ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"].contains(&prefix);
    let digits = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    (known && word(middle) && digits && parts.next().is_none()).then(|| Resolved {
        url: format!("https://sts.{region}.amazonaws.com"),
        signing_region: region.to_owned(),
    })
}

/// The `signingRegion` of the rules' auth scheme, where they name one.
fn signing_region(endpoint: &aws_smithy_types::endpoint::Endpoint) -> Option<&str> {
    endpoint
        .auth_schemes()
        .iter()
        .find_map(|scheme| match scheme.get("signingRegion") {
            Some(aws_smithy_types::Document::String(region)) => Some(region.as_str()),
            _ => None,
        })
}

/// With no region configured: the partition of the first of `arns` (the MFA device's, the
/// roles') that names one we know, and its usual region (a GovCloud or China key can never
/// sign in us-east-1); `None` for the default, us-east-1.
pub(crate) fn default_region<'a>(
    arns: impl IntoIterator<Item = &'a str>,
) -> Option<(&'a str, &'static str)> {
    arns.into_iter().find_map(|arn| {
        let partition = crate::checks::partition(arn)?;
        Some((partition, partition_region(partition)?))
    })
}

/// The region STS is usually called in for an ARN's partition, when no region is configured.
fn partition_region(partition: &str) -> Option<&'static str> {
    Some(match partition {
        "aws-us-gov" => "us-gov-west-1",
        "aws-cn" => "cn-north-1",
        "aws-iso" => "us-iso-east-1",
        "aws-iso-b" => "us-isob-east-1",
        "aws-iso-e" => "eu-isoe-west-1",
        "aws-iso-f" => "us-isof-south-1",
        "aws-eusc" => "eusc-de-east-1",
        _ => return None,
    })
}

/// The host of a URL, for messages and the proxy rules.
pub(crate) fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_s_rules() {
        let url = |region: &str, fips, dual_stack, legacy_global| {
            resolve(
                region,
                Variant {
                    fips,
                    dual_stack,
                    legacy_global,
                },
            )
            .unwrap()
            .url
        };
        assert_eq!(
            url("us-east-1", false, false, false),
            "https://sts.us-east-1.amazonaws.com"
        );
        assert_eq!(
            url("us-east-1", true, false, false),
            "https://sts-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            url("eu-central-1", false, true, false),
            "https://sts.eu-central-1.api.aws"
        );
        assert_eq!(
            url("us-east-1", true, true, false),
            "https://sts-fips.us-east-1.api.aws"
        );
        assert_eq!(
            url("us-east-1", false, false, true),
            "https://sts.amazonaws.com"
        );
        assert_eq!(
            url("cn-north-1", false, false, false),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            url("eusc-de-east-1", false, false, false),
            "https://sts.eusc-de-east-1.amazonaws.eu"
        );
        assert_eq!(
            url("us-gov-west-1", false, false, false),
            "https://sts.us-gov-west-1.amazonaws.com"
        );
    }

    /// The shortcut gives the rules' own answer for every region of the aws partition, and
    /// leaves every other name to them.
    #[test]
    fn the_usual_case_is_the_rules_answer() {
        let by_rules = |region: &str| {
            let params = Params::builder().region(region).build().unwrap();
            let resolver = DefaultResolver::new();
            let future = pin!(resolver.resolve_endpoint(&params));
            match future.poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(Ok(endpoint)) => Some(Resolved {
                    url: endpoint.url().to_owned(),
                    signing_region: signing_region(&endpoint).unwrap_or(region).to_owned(),
                }),
                _ => None,
            }
        };
        let regions = [
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "us-future1-99",
            "us-EAST-1",
        ];
        for region in regions {
            assert_eq!(commercial(region), by_rules(region), "{region}");
        }
        for other in [
            "aws-global",
            "us-gov-west-1",
            "cn-north-1",
            "us-iso-east-1",
            "eusc-de-east-1",
            "eu-isoe-west-1",
            "us-east-1a",
            "us-east-",
            "-east-1",
            "us--1",
            "US-EAST-1",
            "us-east-1-",
            "local",
            "us-future_1-99",
        ] {
            assert_eq!(commercial(other), None, "{other}");
        }
    }

    #[test]
    fn partitions_and_hosts() {
        assert_eq!(partition_region("aws-us-gov"), Some("us-gov-west-1"));
        assert_eq!(partition_region("aws"), None);
        assert_eq!(
            default_region(["GAHT12345678", "arn:aws-cn:iam::1:role/r"]),
            Some(("aws-cn", "cn-north-1"))
        );
        assert_eq!(default_region(["arn:aws:iam::1:mfa/u"]), None);
        assert_eq!(
            host("https://sts.eusc-de-east-1.amazonaws.eu"),
            "sts.eusc-de-east-1.amazonaws.eu"
        );
        assert_eq!(host("http://127.0.0.1:5000/x"), "127.0.0.1:5000");
    }
}
