//! mfa-env: an MFA code in, AWS session credentials out, as lines for the caller's shell.
//!
//! The pipeline, one module per step: [`cli`] (a request per mode) → [`settings`] (a pure
//! function of the request, an [`environment`] snapshot and the parsed [`profiles`]) →
//! [`obtain`] (the [`cache`], or a [`code`] and [`sts`]) → [`credentials`] → [`render`] through
//! [`shell`] → [`output`]. [`app`] orchestrates; [`platform`] and [`files`] hold the I/O.

mod app;
mod cache;
mod checks;
mod cli;
mod code;
mod completions;
mod credentials;
mod dialog;
mod durations;
mod endpoint;
mod environment;
mod error;
mod exec;
mod files;
mod init;
mod list;
mod obtain;
mod output;
mod platform;
mod profiles;
mod proxy;
mod render;
mod served;
mod server;
mod settings;
mod shell;
mod status;
mod sts;
mod time;
mod totp;
mod vars;
mod watched;
mod write_profile;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs mfa-env with `args` (without the program name); prints any error once, on stderr.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    match app::run(args) {
        Ok(code) => code,
        Err(error::Error::Quiet) => ExitCode::from(error::exit::FAILED),
        Err(e) => {
            eprintln!("mfa-env: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
