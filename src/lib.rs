//! mfa-env: an MFA code in, AWS session credentials out, as lines for the caller's shell.
//!
//! The layers, each a folder, none reaching back up:
//!
//! - [`cli`] reads the command line into a [`request`] per mode, every value checked;
//! - [`cmd`] runs each mode, one file per command, orchestrating the layers below;
//! - [`aws`] holds the AWS side: the shared files and profiles, the settings of a run, the
//!   endpoint and STS client, the session cache, obtaining a session, and the IAM and sign-in
//!   calls of `rotate` and `login`;
//! - [`code`] is where MFA codes come from: flags, a TOTP seed, a command, a person;
//! - [`shell`] is every shell's syntax: quoting, the lines that set and clear, detection,
//!   the `init` snippets and the completion scripts;
//! - [`platform`] is what differs per OS; [`environment`] the variables, read once.
//!
//! Where is the rule for ...
//!
//! | rule | file |
//! |---|---|
//! | durations: ranges, defaults, the chained-role cap, renewal margin, reuse window | `src/durations.rs` |
//! | shell syntax: setting and clearing a variable, per shell | `src/shell/mod.rs` |
//! | quoting a value for a shell (or refusing it) | `src/shell/mod.rs` |
//! | precedence of settings: each setting's sources, in order | `src/aws/sources.rs` |
//! | a profile's role chain, and whether mfa-env can use a profile | `src/aws/chain.rs` |
//! | exit codes | `src/error.rs` |
//! | text shown to people: escaping, bounding | `src/error.rs` |
//! | file writing: regular files only, 0600, atomic, locked | `src/files.rs` |
//! | the AWS files' line rules: what a line is, what a header names, a block's lines checked at once | `src/aws/profiles/lines.rs` |
//! | reading the AWS files: a big file a block at a time, a profile read by its name's hash, again only from the file as it was checked | `src/aws/profiles/mod.rs` |
//! | memory: an arena first, then the system allocator | `src/alloc.rs` |
//! | code-source order: flag, seed, command, `mfa_process`, a person | `src/code/mod.rs` |
//! | region and partition defaults | `src/aws/endpoint.rs` |
//! | endpoint selection and signing region (STS) | `src/aws/endpoint.rs` |
//! | IAM's endpoint, and signing its calls | `src/aws/iam.rs` |
//! | the console sign-in hosts and URL | `src/aws/federation.rs` |
//! | rotating keys: the order of the steps, and the rollback | `src/cmd/rotate.rs` |
//! | what an STS failure means for the person | `src/aws/failure.rs` |
//! | the variables we set, clear and remember | `src/environment/vars.rs` |
//! | the shapes of values (codes, serials, ARNs, names) | `src/checks.rs` |
//! | test-only settings of debug builds (`MFA_ENV_TEST_*`) | `src/test_hooks.rs` |

// Every failure is a value, printed once: outside tests, a panic has no place to come from.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod alloc;
mod aws;
mod checks;
mod cli;
mod cmd;
mod code;
mod durations;
mod environment;
mod error;
mod files;
mod keychain;
mod output;
mod platform;
mod request;
mod shell;
mod test_hooks;
mod time;

use std::ffi::OsString;

pub use alloc::Allocator;

/// Runs mfa-env with `args` (the program name first); prints any error once, on stderr; the
/// exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    let mut args = args.into_iter();
    let program = args.next();
    let run = || {
        let request = cli::parse(args)?;
        let env = environment::Environment::capture(program);
        test_hooks::abort_if_asked(&env);
        cmd::run(request, &env)
    };
    match run() {
        Ok(code) => code,
        Err(error::Error::Quiet) => error::exit::FAILED,
        Err(e) => {
            output::stderr(&format!("mfa-env: {e}\n"));
            e.exit_code()
        }
    }
}
