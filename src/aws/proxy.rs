//! The proxy for a URL, chosen from the environment exactly as the AWS CLI chooses it (Python's
//! `urllib.request.getproxies` and `proxy_bypass_environment`, through botocore):
//! `HTTPS_PROXY` / `HTTP_PROXY` by the URL's scheme (a lower-case variable wins over an
//! upper-case one; `ALL_PROXY` is not used), and `NO_PROXY` as host suffixes, `host:port`, or
//! `*` for every host (no address ranges).

use std::collections::HashMap;

use crate::environment::Environment;

/// The `*_proxy` variables, as Python reads them.
pub(crate) struct Proxies(HashMap<String, String>);

impl Proxies {
    pub(crate) fn from_env(env: &Environment) -> Proxies {
        let mut proxies = HashMap::new();
        let named = |name: &str| {
            let lower = name.to_ascii_lowercase();
            lower.strip_suffix("_proxy").map(str::to_owned)
        };
        // First any case, then lower case only, which wins (and, when empty, removes).
        for (name, value) in env.vars() {
            if let (Some(name), Some(value)) = (name.to_str(), value.to_str())
                && let Some(scheme) = named(name)
                && !value.is_empty()
            {
                proxies.insert(scheme, value.to_owned());
            }
        }
        for (name, value) in env.vars() {
            if let (Some(name), Some(value)) = (name.to_str(), value.to_str())
                && name.ends_with("_proxy")
                && let Some(scheme) = named(name)
            {
                if value.is_empty() {
                    proxies.remove(&scheme);
                } else {
                    proxies.insert(scheme, value.to_owned());
                }
            }
        }
        Proxies(proxies)
    }

    /// The proxy to use for `url`, with `http://` added when it names no scheme.
    pub(crate) fn for_url(&self, url: &str) -> Option<String> {
        let (scheme, rest) = url.split_once("://")?;
        let netloc = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let netloc = netloc.rsplit('@').next().unwrap_or(netloc);
        if self.bypass(netloc) {
            return None;
        }
        let proxy = self.0.get(&scheme.to_ascii_lowercase())?;
        Some(if proxy.contains("://") {
            proxy.clone()
        } else {
            format!("http://{proxy}")
        })
    }

    /// `proxy_bypass_environment`: `host` is `name[:port]`.
    fn bypass(&self, host: &str) -> bool {
        let Some(no_proxy) = self.0.get("no") else {
            return false;
        };
        if no_proxy == "*" {
            return true;
        }
        let host = host.to_ascii_lowercase();
        let host_only = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host.as_str(),
        };
        no_proxy
            .split(',')
            .map(|n| n.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .any(|name| {
                let suffix = format!(".{name}");
                host_only == name
                    || host == name
                    || host_only.ends_with(&suffix)
                    || host.ends_with(&suffix)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(env: &[(&str, &str)], url: &str) -> Option<String> {
        Proxies::from_env(&Environment::of(env)).for_url(url)
    }

    #[test]
    fn chooses_by_scheme_and_case() {
        let url = "https://sts.us-east-1.amazonaws.com";
        assert_eq!(proxy(&[], url), None);
        assert_eq!(
            proxy(&[("HTTPS_PROXY", "p:3128")], url).as_deref(),
            Some("http://p:3128")
        );
        assert_eq!(proxy(&[("HTTP_PROXY", "http://p")], url), None);
        assert_eq!(
            proxy(&[("HTTP_PROXY", "http://p")], "http://127.0.0.1:9").as_deref(),
            Some("http://p")
        );
        assert_eq!(
            proxy(&[("ALL_PROXY", "http://p")], url),
            None,
            "not used by the AWS CLI"
        );
        assert_eq!(
            proxy(
                &[
                    ("HTTPS_PROXY", "http://upper"),
                    ("https_proxy", "http://lower")
                ],
                url
            )
            .as_deref(),
            Some("http://lower")
        );
        assert_eq!(
            proxy(&[("HTTPS_PROXY", "http://upper"), ("https_proxy", "")], url),
            None
        );
    }

    #[test]
    fn no_proxy_as_python_reads_it() {
        let with = |no: &str, url: &str| {
            proxy(
                &[
                    ("HTTPS_PROXY", "http://p"),
                    ("HTTP_PROXY", "http://p"),
                    ("NO_PROXY", no),
                ],
                url,
            )
            .is_none()
        };
        let local = "http://127.0.0.1:18080/";
        assert!(with("*", local));
        assert!(with(".0.0.1", local), "a suffix");
        assert!(with("0.0.1", local), "a suffix, leading dot or not");
        assert!(with("127.0.0.1:18080", local), "host and port");
        assert!(!with("127.0.0.1:18081", local));
        assert!(with("localhost, 127.0.0.1", local));
        assert!(!with("127.0.0.0/8", local), "no address ranges");
        assert!(!with("1.0.0.1", local));
        assert!(with("amazonaws.com", "https://sts.us-east-1.amazonaws.com"));
        assert!(!with(
            "*.amazonaws.com",
            "https://sts.us-east-1.amazonaws.com"
        ));
        assert!(with(
            "STS.US-EAST-1.AMAZONAWS.COM",
            "https://sts.us-east-1.amazonaws.com"
        ));
    }
}
