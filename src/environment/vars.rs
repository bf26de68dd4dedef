//! The environment variables mfa-env sets, clears and remembers, one list each, and what an
//! apply leaves behind: the profile it was made from, and what it replaced, so that a refresh
//! reads the user's own settings and `--unset` gives them back.

use crate::environment::Environment;
use crate::error::Result;

/// The session's variables, in the order we print them.
pub(crate) const SESSION: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// Other names of credentials that a command must not inherit beside the session.
pub(crate) const OTHER_CREDENTIALS: [&str; 2] = ["AWS_SECURITY_TOKEN", "AWS_SESSION_EXPIRATION"];

/// The long-term profile a session was made from, remembered for the next run.
pub(crate) const PROFILE: &str = "MFA_ENV_PROFILE";

/// The variables that make an SDK prefer a profile to the session, and where an apply keeps
/// what each held.
pub(crate) const PROFILE_CHOOSERS: [(&str, &str); 2] = [
    ("AWS_PROFILE", "MFA_ENV_RESTORE_PROFILE"),
    ("AWS_DEFAULT_PROFILE", "MFA_ENV_RESTORE_DEFAULT_PROFILE"),
];

/// The region variables an apply sets when a region is configured, and where it keeps what
/// each held.
pub(crate) const REGIONS: [(&str, &str); 2] = [
    ("AWS_REGION", "MFA_ENV_RESTORE_REGION"),
    ("AWS_DEFAULT_REGION", "MFA_ENV_RESTORE_DEFAULT_REGION"),
];

/// The region an apply set: where `REGIONS` still hold it, they hold ours, not the user's.
pub(crate) const REGION: &str = "MFA_ENV_REGION";

/// Every variable whose value an apply or `--unset` needs to know beforehand.
pub(crate) const WATCHED: [&str; 9] = [
    PROFILE_CHOOSERS[0].0,
    PROFILE_CHOOSERS[0].1,
    PROFILE_CHOOSERS[1].0,
    PROFILE_CHOOSERS[1].1,
    REGIONS[0].0,
    REGIONS[0].1,
    REGIONS[1].0,
    REGIONS[1].1,
    REGION,
];

/// The values of `WATCHED` in the environment now.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Before(Vec<(&'static str, String)>);

impl Before {
    pub(crate) fn capture(env: &Environment) -> Result<Before> {
        let mut values = Vec::new();
        for name in WATCHED {
            if let Some(value) = env.text(name)? {
                values.push((name, value.to_owned()));
            }
        }
        Ok(Before(values))
    }

    #[cfg(test)]
    pub(crate) fn of(pairs: &[(&'static str, &str)]) -> Before {
        Before(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The user's own value of `var`, one of `REGIONS`: what it holds, unless that is the
    /// region an apply set, whose kept value then stands in.
    pub(crate) fn users_region(&self, var: &str) -> Option<&str> {
        let keeper = REGIONS.iter().find(|(v, _)| *v == var)?.1;
        let current = self.get(var);
        match self.get(REGION) {
            Some(ours) if current == Some(ours) => self.get(keeper),
            _ => current,
        }
    }
}

/// What to set and clear so that the region variables hold `region` (a configured region),
/// with the user's own values kept for `--unset`; or, for `None`, so that they hold the user's
/// own values again wherever they still hold ours.
pub(crate) fn region_changes(
    before: &Before,
    region: Option<&str>,
) -> (Vec<(&'static str, String)>, Vec<&'static str>) {
    let (mut sets, mut unsets) = (Vec::new(), Vec::new());
    let ours = before.get(REGION);
    if region.is_none() && ours.is_none() {
        return (sets, unsets);
    }
    for (var, keeper) in REGIONS {
        let users = before.users_region(var);
        match region {
            Some(region) => {
                sets.push((var, region.to_owned()));
                match users {
                    Some(value) => sets.push((keeper, value.to_owned())),
                    None if before.get(keeper).is_some() => unsets.push(keeper),
                    None => {}
                }
            }
            None => {
                if before.get(var) == ours {
                    match users {
                        Some(value) => sets.push((var, value.to_owned())),
                        None => unsets.push(var),
                    }
                }
                if before.get(keeper).is_some() {
                    unsets.push(keeper);
                }
            }
        }
    }
    match region {
        Some(region) => sets.push((REGION, region.to_owned())),
        None => unsets.push(REGION),
    }
    (sets, unsets)
}

/// What an apply does besides setting the session's variables.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Apply {
    /// The long-term profile the session was made from (`None`: keys from the environment).
    pub(crate) profile: Option<String>,
    /// The region configured for the run, if one was.
    pub(crate) region: Option<String>,
    /// The variables the apply changes and remembers, as they are now.
    pub(crate) before: Before,
}

/// Variables to set, in order, and variables to clear.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Lines {
    pub(crate) sets: Vec<(&'static str, String)>,
    pub(crate) unsets: Vec<&'static str>,
}

/// The lines of an apply: the session's variables (`session`, in `SESSION` order), the region
/// when one is configured, the profile it was made from, and what they replace kept; the
/// variables that would make an SDK prefer a profile cleared.
pub(crate) fn apply_lines(session: [(&'static str, String); 4], apply: &Apply) -> Lines {
    let mut sets: Vec<(&'static str, String)> = session.into();
    let (region_sets, mut unsets) = region_changes(&apply.before, apply.region.as_deref());
    sets.extend(region_sets);
    match &apply.profile {
        Some(profile) => sets.push((PROFILE, profile.clone())),
        None => unsets.push(PROFILE),
    }
    for (chooser, keeper) in PROFILE_CHOOSERS {
        if let Some(value) = apply.before.get(chooser) {
            sets.push((keeper, value.to_owned()));
        }
        unsets.push(chooser);
    }
    Lines { sets, unsets }
}

/// The lines of `--unset`: the session's variables and our bookkeeping cleared, and the profile
/// and region variables an apply replaced given back.
pub(crate) fn unset_lines(before: &Before) -> Lines {
    let mut unsets: Vec<&'static str> = SESSION.to_vec();
    unsets.push(PROFILE);
    let mut sets = Vec::new();
    for (chooser, keeper) in PROFILE_CHOOSERS {
        if let Some(value) = before.get(keeper) {
            unsets.push(keeper);
            sets.push((chooser, value.to_owned()));
        }
    }
    let (region_sets, region_unsets) = region_changes(before, None);
    unsets.extend(region_unsets);
    sets.extend(region_sets);
    Lines { sets, unsets }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(before: &[(&'static str, &str)], region: Option<&str>) -> String {
        let (sets, unsets) = region_changes(&Before::of(before), region);
        let mut out: Vec<String> = sets.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.extend(unsets.iter().map(|k| format!("-{k}")));
        out.join(" ")
    }

    #[test]
    fn an_apply_keeps_the_users_region_and_unset_gives_it_back() {
        // Nothing configured, nothing of ours: nothing changes.
        assert_eq!(changes(&[("AWS_REGION", "us-west-2")], None), "");
        // A first apply: the user's AWS_REGION is kept.
        assert_eq!(
            changes(&[("AWS_REGION", "us-west-2")], Some("eu-west-1")),
            "AWS_REGION=eu-west-1 MFA_ENV_RESTORE_REGION=us-west-2 AWS_DEFAULT_REGION=eu-west-1 MFA_ENV_REGION=eu-west-1"
        );
        let applied = [
            ("AWS_REGION", "eu-west-1"),
            ("MFA_ENV_RESTORE_REGION", "us-west-2"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("MFA_ENV_REGION", "eu-west-1"),
        ];
        // A refresh keeps the user's value, not ours.
        assert_eq!(
            changes(&applied, Some("ap-south-1")),
            "AWS_REGION=ap-south-1 MFA_ENV_RESTORE_REGION=us-west-2 AWS_DEFAULT_REGION=ap-south-1 MFA_ENV_REGION=ap-south-1"
        );
        // --unset, or an apply with no region: the user's values come back.
        assert_eq!(
            changes(&applied, None),
            "AWS_REGION=us-west-2 -MFA_ENV_RESTORE_REGION -AWS_DEFAULT_REGION -MFA_ENV_REGION"
        );
        // A variable the user changed since is theirs: left alone.
        let changed = [
            ("AWS_REGION", "sa-east-1"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("MFA_ENV_REGION", "eu-west-1"),
        ];
        assert_eq!(
            changes(&changed, None),
            "-AWS_DEFAULT_REGION -MFA_ENV_REGION"
        );
        let before = Before::of(&applied);
        assert_eq!(before.users_region("AWS_REGION"), Some("us-west-2"));
        assert_eq!(before.users_region("AWS_DEFAULT_REGION"), None);
        assert_eq!(
            Before::of(&changed).users_region("AWS_REGION"),
            Some("sa-east-1")
        );
    }
}
