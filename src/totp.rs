//! RFC 6238 codes (HMAC-SHA1, 30 s steps, 6 digits) from a virtual MFA device's base32 seed, for
//! automation that has no person to type a code.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

const STEP: u64 = 30;
/// AWS may see a code sent this close to the end of its step only in the next one.
const MIN_LEFT: Duration = Duration::from_secs(5);

pub struct Totp {
    key: Vec<u8>,
}

/// A code, and the time step it belongs to.
pub struct Code {
    pub code: String,
    pub step: u64,
}

impl Totp {
    /// The seed from environment variable `var`; never from a flag, which the process list shows.
    pub fn from_env(var: &str) -> Result<Totp> {
        let seed = std::env::var(var).map_err(|_| {
            Error::usage(format!(
                "--totp-secret-env names {var}, which is not set (or not UTF-8)"
            ))
        })?;
        let key = decode_base32(&seed).ok_or_else(|| {
            Error::usage(format!(
                "the TOTP seed in {var} is not base32 (letters A-Z and digits 2-7, at least 16 of them): copy the secret key shown when the virtual MFA device was created"
            ))
        })?;
        Ok(Totp { key })
    }

    /// The current code, first waiting for the next step if this one is about to end.
    pub fn now(&self) -> Code {
        let (step, left) = step_and_left(since_epoch());
        if left < MIN_LEFT {
            std::thread::sleep(left);
            return self.at(step + 1);
        }
        self.at(step)
    }

    /// The first code after `step` (AWS refuses a code used twice), waiting for it if need be.
    pub fn after(&self, step: u64) -> Code {
        let start = Duration::from_secs((step + 1) * STEP);
        if let Some(wait) = start.checked_sub(since_epoch()) {
            std::thread::sleep(wait);
        }
        self.now()
    }

    fn at(&self, step: u64) -> Code {
        Code {
            code: hotp(&self.key, step, 6),
            step,
        }
    }
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The step `now` falls in, and how long until it ends.
fn step_and_left(now: Duration) -> (u64, Duration) {
    let step = now.as_secs() / STEP;
    (step, Duration::from_secs((step + 1) * STEP) - now)
}

/// RFC 4226 HOTP with HMAC-SHA1 and dynamic truncation.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let mac = ring::hmac::sign(&key, &counter.to_be_bytes());
    let mac = mac.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(digits),
        width = digits as usize
    )
}

/// RFC 4648 base32, as authenticator apps accept it: any case, spaces and padding ignored.
fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    let mut symbols = 0;
    for c in text
        .trim_end_matches('=')
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
    {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return None,
        };
        bits = (bits << 5) | value;
        count += 5;
        symbols += 1;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    (symbols >= 16).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        let seed = b"12345678901234567890";
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(seed, time / STEP, 8), code, "T = {time}");
        }
    }

    #[test]
    fn rfc4226_six_digit_vectors() {
        let codes = ["755224", "287082", "359152", "969429", "338314", "254676"];
        for (counter, code) in codes.iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), *code);
        }
    }

    #[test]
    fn base32() {
        assert_eq!(
            decode_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(),
            b"12345678901234567890"
        );
        assert_eq!(
            decode_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(),
            b"12345678901234567890"
        );
        assert_eq!(
            decode_base32("MZXW6YTBOI======MZXW6YTBOI").map(|k| k.len()),
            None
        );
        assert_eq!(decode_base32("GEZDGNBVGY3TQOJ1"), None);
        assert_eq!(decode_base32("GEZDGNBV"), None);
    }

    #[test]
    fn waits_only_near_the_end_of_a_step() {
        assert_eq!(
            step_and_left(Duration::from_secs(60)),
            (2, Duration::from_secs(30))
        );
        assert_eq!(
            step_and_left(Duration::from_millis(89_500)),
            (2, Duration::from_millis(500))
        );
    }
}
