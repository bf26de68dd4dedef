//! RFC 6238 codes (HMAC-SHA1, 30 s steps, 6 digits) from a virtual MFA device's base32 seed, for
//! automation that has no person to type a code. Time comes from a `Clock`, so that tests need
//! not wait for real 30-second windows.

use std::time::Duration;

const STEP: u64 = 30;
/// AWS may see a code sent this close to the end of its step only in the next one.
const MIN_LEFT: Duration = Duration::from_secs(5);

/// Where time comes from, and how to wait for it.
pub(crate) trait Clock {
    fn since_epoch(&self) -> Duration;
    fn sleep(&self, duration: Duration);
}

/// The system clock.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn since_epoch(&self) -> Duration {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

pub(crate) struct Totp {
    secret: Vec<u8>,
}

/// A code, and the time step it belongs to.
pub(crate) struct Code {
    pub(crate) code: String,
    pub(crate) step: u64,
}

impl Totp {
    /// A seed as `oathtool --totp -b` reads one; `None` if it is not one.
    pub(crate) fn from_seed(seed: &str) -> Option<Totp> {
        decode_base32(seed).map(|secret| Totp { secret })
    }

    /// The current code, first waiting for the next step if this one is about to end.
    pub(crate) fn now(&self, clock: &dyn Clock) -> Code {
        let (step, left) = step_and_left(clock.since_epoch());
        if left < MIN_LEFT {
            clock.sleep(left);
            return self.at(step + 1);
        }
        self.at(step)
    }

    /// The first code after `step` (AWS refuses a code used twice), waiting for it if need be.
    pub(crate) fn after(&self, step: u64, clock: &dyn Clock) -> Code {
        let start = Duration::from_secs((step + 1) * STEP);
        if let Some(wait) = start.checked_sub(clock.since_epoch()) {
            clock.sleep(wait);
        }
        self.now(clock)
    }

    fn at(&self, step: u64) -> Code {
        Code {
            code: hotp(&self.secret, step, 6),
            step,
        }
    }
}

/// The step `now` falls in, and how long until it ends.
fn step_and_left(now: Duration) -> (u64, Duration) {
    let step = now.as_secs() / STEP;
    (step, Duration::from_secs((step + 1) * STEP) - now)
}

/// RFC 4226 HOTP with HMAC-SHA1 and dynamic truncation.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
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

/// RFC 4648 base32 as `oathtool -b` takes it: surrounding whitespace (a newline from a file)
/// trimmed, spaces anywhere dropped, any case, padding optional but never wrong. Seeds AWS makes
/// are 32 or more symbols; fewer than 16 are refused.
fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text
        .trim()
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    // Padding completes the last group of 8; only these remainders make a whole byte.
    let padding = match compact.len() % 8 {
        0 => 0,
        2 => 6,
        4 => 4,
        5 => 3,
        7 => 1,
        _ => return None,
    };
    let mut padded = compact;
    padded.resize(padded.len() + padding, b'=');
    let symbols = padded
        .iter()
        .position(|&b| b == b'=')
        .unwrap_or(padded.len());
    let pad = padded.len() - symbols;
    // '=' only at the end, in one of the counts a group can have.
    if !matches!(pad, 0 | 1 | 3 | 4 | 6) || padded[symbols..].iter().any(|&b| b != b'=') {
        return None;
    }
    if symbols < 16 {
        return None;
    }
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(symbols * 5 / 8);
    for &c in &padded[..symbols] {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(value);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A clock that starts at `at` and whose sleeps take no time.
    struct FakeClock {
        at: Cell<Duration>,
        slept: Cell<Duration>,
    }

    impl FakeClock {
        fn at(millis: u64) -> FakeClock {
            FakeClock {
                at: Cell::new(Duration::from_millis(millis)),
                slept: Cell::new(Duration::ZERO),
            }
        }
    }

    impl Clock for FakeClock {
        fn since_epoch(&self) -> Duration {
            self.at.get()
        }
        fn sleep(&self, duration: Duration) {
            self.at.set(self.at.get() + duration);
            self.slept.set(self.slept.get() + duration);
        }
    }

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
    fn base32_as_oathtool_reads_it() {
        let key = b"12345678901234567890".to_vec();
        for seed in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n",
            "  GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\t",
        ] {
            assert_eq!(decode_base32(seed), Some(key.clone()), "{seed:?}");
        }
        let short = |s: &str| decode_base32(s).map(|k| k.len());
        for good in [
            "MFRGGZDFMZTWQ2LKNM",
            "MFRGGZDFMZTWQ2LKNM==",
            "MFRGGZDFMZTWQ2LKNM===",
            "MFRGGZDFMZTWQ2LKNM=====",
            "MFRGGZDFMZTWQ2LKNM======",
            "MFRGGZDFMZTWQ2LKNM== ====",
            "MFRGGZDFMZTWQ2LKNM======\n",
        ] {
            assert_eq!(short(good), Some(11), "{good:?}");
        }
        for bad in [
            "MFRGGZDFMZTWQ2LKNM====",
            "MFRGGZDFMZTWQ2LKNM=======",
            "MFRGGZDFMZTWQ2LKN",
            "MFRGGZDFMZTWQ2LKNMA",
            "MFRGGZDF=MZTWQ2LK",
            "MFRGGZDFMZTWQ2LK1",
            "MFRGGZDFMZTWQ2LKN8",
            "MFRGGZDFMZTWQ2LK\tNM",
            "MFRG",
            "",
        ] {
            assert_eq!(short(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn waits_only_near_the_end_of_a_step() {
        let totp = Totp::from_seed("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let clock = FakeClock::at(60_000);
        assert_eq!(totp.now(&clock).step, 2);
        assert_eq!(clock.slept.get(), Duration::ZERO);

        let clock = FakeClock::at(85_500);
        let code = totp.now(&clock);
        assert_eq!(code.step, 3, "4.5 s left: the next step's code");
        assert_eq!(clock.slept.get(), Duration::from_millis(4_500));
        assert_eq!(code.code, hotp(b"12345678901234567890", 3, 6));

        // After a refused code: the next step's, waiting for it.
        let clock = FakeClock::at(61_000);
        let next = totp.after(2, &clock);
        assert_eq!(next.step, 3);
        assert_eq!(clock.slept.get(), Duration::from_secs(29));
    }
}
