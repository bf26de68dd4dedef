//! Every rule about time spans: STS's session durations (ranges, defaults, caps), the profile's
//! `duration_seconds`, `--min-remaining`, and how a time left is shown. `--help` and README
//! state what this module decides.

use std::ops::RangeInclusive;

use crate::error::{Error, Result};

/// GetSessionToken: 15 minutes to 36 hours; STS's default is 12 hours.
pub(crate) const SESSION: RangeInclusive<i32> = 900..=129_600;
/// GetSessionToken signed by the root user's keys: at most one hour.
pub(crate) const ROOT_MAX: i32 = 3600;
/// AssumeRole: 15 minutes to 12 hours, and at most the role's own maximum; default 1 hour.
pub(crate) const ROLE: RangeInclusive<i32> = 900..=43_200;
/// AssumeRole signed by session credentials ("role chaining") is capped by AWS at one hour.
pub(crate) const CHAINED_MAX: i32 = 3600;
/// A cached session is reused while more than this is left, unless `--min-remaining` says.
pub(crate) const MIN_REMAINING: i64 = 15 * 60;
/// `exec --server` renews what it serves once this little is left (the SDKs refresh sooner).
pub(crate) const RENEWAL_MARGIN: i64 = 15 * 60;
/// A session about to end is not worth chaining a role from.
pub(crate) const CHAIN_MIN_LEFT: i64 = 60;

/// The `--help` text for `--duration-seconds`, from the constants above.
pub(crate) fn help() -> String {
    format!(
        "{}..{}, default 12h (root user: at most {}); with a role {}..{}, default 1h",
        SESSION.start(),
        SESSION.end(),
        ROOT_MAX,
        ROLE.start(),
        ROLE.end()
    )
}

/// `--duration-seconds N`: any duration some call accepts; the role's range is checked once
/// the settings say whether a role is assumed.
pub(crate) fn parse_flag(text: &str) -> Result<i32> {
    match text.parse::<i32>() {
        Ok(n) if SESSION.contains(&n) => Ok(n),
        _ => Err(Error::usage(format!(
            "--duration-seconds must be a number of seconds between {} and {} (43200 is 12 hours)",
            SESSION.start(),
            SESSION.end()
        ))),
    }
}

/// A profile's `duration_seconds`, which names where it came from when it is wrong.
pub(crate) fn parse_profile(text: &str, place: &str) -> Result<i32> {
    match text.parse::<i32>() {
        Ok(n) if SESSION.contains(&n) => Ok(n),
        _ => Err(Error::new(format!(
            "{place} has duration_seconds = {}: it must be a number of seconds between {} and {}",
            crate::error::shown(text),
            SESSION.start(),
            SESSION.end()
        ))),
    }
}

/// `90`, `90s`, `15m`, `1h`, `1h30m` as seconds.
pub(crate) fn parse_span(text: &str) -> Result<i64> {
    let bad = || {
        Error::usage(format!(
            "--min-remaining '{}' is not a time: use e.g. 90s, 15m or 1h",
            crate::error::shown(text)
        ))
    };
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        total = number
            .parse::<i64>()
            .ok()
            .and_then(|n| total.checked_add(n))
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// `12h3m`, `4m`, `59s`: how long is left. The one spelling of a duration in all output (a
/// prompt segment, `status`, `list`, messages), and one `--min-remaining` reads back.
pub(crate) fn format_remaining(secs: i64) -> String {
    match secs {
        ..60 => format!("{}s", secs.max(0)),
        60..3600 => format!("{}m", secs / 60),
        _ => format!("{}h{}m", secs / 3600, secs / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_range() {
        assert_eq!(parse_flag("900").unwrap(), 900);
        assert_eq!(parse_flag("129600").unwrap(), 129_600);
        for bad in ["899", "129601", "1h", "", "-900", "9e2"] {
            let err = parse_flag(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains("between 900 and 129600"), "{err}");
        }
    }

    #[test]
    fn profile_values_name_their_place() {
        let err = parse_profile("50", "profile 'x' in /h/.aws/config").unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.to_string()
                .starts_with("profile 'x' in /h/.aws/config has duration_seconds = 50")
        );
    }

    #[test]
    fn spans() {
        assert_eq!(parse_span("90").unwrap(), 90);
        assert_eq!(parse_span("15m").unwrap(), 900);
        assert_eq!(parse_span("1h30m").unwrap(), 5400);
        for bad in ["", "m", "5x", "1h-", "99999999999999999999"] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn remaining() {
        assert_eq!(format_remaining(43_380), "12h3m");
        assert_eq!(format_remaining(11_520), "3h12m");
        assert_eq!(format_remaining(240), "4m");
        assert_eq!(format_remaining(59), "59s");
        assert_eq!(format_remaining(-5), "0s");
        // What is printed reads back as --min-remaining.
        for secs in [43_380, 240, 59] {
            let printed = format_remaining(secs);
            assert_eq!(parse_span(&printed).unwrap(), secs);
        }
    }

    #[test]
    fn help_states_the_ranges() {
        assert_eq!(
            help(),
            "900..129600, default 12h (root user: at most 3600); with a role 900..43200, default 1h"
        );
    }
}
