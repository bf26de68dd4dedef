//! UTC timestamps as Unix seconds, and the few ISO 8601 forms we print and read.

use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `2026-11-29T01:00:00Z`.
pub(crate) fn format_utc(secs: i64) -> String {
    let (date, time) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(date);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// `2026-11-29T01:00:00+00:00`, the form the AWS CLI exports as `AWS_CREDENTIAL_EXPIRATION`.
pub(crate) fn format_utc_offset(secs: i64) -> String {
    let mut s = format_utc(secs);
    s.pop();
    s.push_str("+00:00");
    s
}

/// `14:02 UTC` on the day of `now`, else `2026-11-30 14:02 UTC`: when a session ends, for people.
pub(crate) fn format_until(secs: i64, now: i64) -> String {
    let full = format_utc(secs);
    let (date, clock) = (&full[..10], &full[11..16]);
    if secs.div_euclid(86_400) == now.div_euclid(86_400) {
        format!("{clock} UTC")
    } else {
        format!("{date} {clock} UTC")
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_795_914_000), "2026-11-29T01:00:00Z");
        assert_eq!(
            format_utc_offset(1_795_914_000),
            "2026-11-29T01:00:00+00:00"
        );
    }

    #[test]
    fn until() {
        assert_eq!(format_until(1_795_914_000, 1_795_912_000), "01:00 UTC");
        assert_eq!(
            format_until(1_795_914_000, 1_795_800_000),
            "2026-11-29 01:00 UTC"
        );
    }
}
