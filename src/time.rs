//! UTC timestamps as Unix seconds, and the few ISO 8601 forms we print and read.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `2026-11-29T01:00:00Z`.
pub fn format_utc(secs: i64) -> String {
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
pub fn format_utc_offset(secs: i64) -> String {
    let mut s = format_utc(secs);
    s.pop();
    s.push_str("+00:00");
    s
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)`; the fraction is dropped.
pub fn parse_utc(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    let s = s.split_once('.').map_or(s, |(whole, fraction)| {
        if fraction.bytes().all(|b| b.is_ascii_digit()) {
            whole
        } else {
            ""
        }
    });
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// `12h 3m`, `4m`, `59s`: how long is left, for people.
pub fn format_remaining(secs: i64) -> String {
    match secs {
        ..60 => format!("{}s", secs.max(0)),
        60..3600 => format!("{}m", secs / 60),
        _ => format!("{}h {}m", secs / 3600, secs / 60 % 60),
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

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
        assert_eq!(parse_utc("2026-11-29T01:00:00Z"), Some(1_795_914_000));
        assert_eq!(parse_utc("2026-11-29T01:00:00+00:00"), Some(1_795_914_000));
        assert_eq!(
            parse_utc("2026-11-28T14:39:09.109013Z"),
            Some(1_795_876_749)
        );
        assert_eq!(parse_utc("2024-02-29T23:59:59Z"), Some(1_709_251_199));
        for bad in [
            "",
            "2026-11-29 01:00:00Z",
            "2026-11-29T01:00:00",
            "2026-13-01T00:00:00Z",
            "2026-11-29T01:00:00.x1Z",
            "+026-11-29T01:00:00Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
        for secs in [0, 951_782_400, 1_795_914_000, 4_102_444_800] {
            assert_eq!(parse_utc(&format_utc(secs)), Some(secs));
        }
    }

    #[test]
    fn remaining() {
        assert_eq!(format_remaining(43_380), "12h 3m");
        assert_eq!(format_remaining(240), "4m");
        assert_eq!(format_remaining(59), "59s");
        assert_eq!(format_remaining(-5), "0s");
    }
}
