//! Settings for tests only, honoured by debug builds (which the tests run) and never read by a
//! release build: every `MFA_ENV_TEST_*` variable is read here and nowhere else.
//!
//! - `MFA_ENV_TEST_NOW=SECONDS`: a virtual clock for TOTP codes, whose waits take no time.
//! - `MFA_ENV_TEST_FAST_NETWORK=1`: network bounds of seconds, not tens of seconds.
//! - `MFA_ENV_TEST_PATIENCE_MS=N`: the bound on a code command or a dialog.
//! - `MFA_ENV_TEST_DELIMITER=TEXT`: GitHub heredoc delimiters TEXT1, TEXT2, ...
//! - `MFA_ENV_TEST_ABORT=panic|memory`: end the run as a bug or a full memory would.

use crate::environment::Environment;

#[cfg(debug_assertions)]
fn value<'a>(env: &'a Environment, name: &str) -> Option<&'a str> {
    env.text(name).ok().flatten()
}

/// The virtual start of the clock, in seconds since the epoch.
pub(crate) fn now(env: &Environment) -> Option<f64> {
    #[cfg(debug_assertions)]
    return value(env, "MFA_ENV_TEST_NOW").and_then(|s| s.parse().ok());
    #[cfg(not(debug_assertions))]
    {
        let _ = env;
        None
    }
}

/// Whether network bounds are shortened.
pub(crate) fn fast_network(env: &Environment) -> bool {
    #[cfg(debug_assertions)]
    return value(env, "MFA_ENV_TEST_FAST_NETWORK") == Some("1");
    #[cfg(not(debug_assertions))]
    {
        let _ = env;
        false
    }
}

/// The bound on a code command or a dialog, in milliseconds.
pub(crate) fn patience_ms(env: &Environment) -> Option<u64> {
    #[cfg(debug_assertions)]
    return value(env, "MFA_ENV_TEST_PATIENCE_MS").and_then(|s| s.parse().ok());
    #[cfg(not(debug_assertions))]
    {
        let _ = env;
        None
    }
}

/// The stem of GitHub heredoc delimiters, for golden tests.
pub(crate) fn delimiter(env: &Environment) -> Option<&str> {
    #[cfg(debug_assertions)]
    return value(env, "MFA_ENV_TEST_DELIMITER");
    #[cfg(not(debug_assertions))]
    {
        let _ = env;
        None
    }
}

/// Ends the run the way a bug (`panic`) or a full memory (`memory`) would, so that tests can
/// see those print one line and nothing on stdout.
pub(crate) fn abort_if_asked(env: &Environment) {
    #[cfg(debug_assertions)]
    match value(env, "MFA_ENV_TEST_ABORT") {
        Some("panic") => panic!("asked to by MFA_ENV_TEST_ABORT"),
        Some("memory") => {
            let huge = vec![1u8; 1 << 40];
            std::hint::black_box(huge);
        }
        _ => {}
    }
    #[cfg(not(debug_assertions))]
    let _ = env;
}
