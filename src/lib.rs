//! mfa-env: an MFA code in, AWS session credentials out, as lines for the caller's shell.
//!
//! The pipeline, one module per step: [`cli`] arguments → [`settings`] (with [`profiles`]) →
//! [`cache`] or [`sts`] → [`creds`] → [`render`] through [`shell`]. [`app`] runs it.

pub mod app;
pub mod cache;
pub mod cli;
pub mod credentials_file;
pub mod creds;
pub mod error;
pub mod files;
pub mod init;
pub mod platform;
pub mod profiles;
pub mod render;
pub mod settings;
pub mod shell;
pub mod sts;
pub mod time;
pub mod totp;
