//! The integration tests: the real binary, in the real shells, against moto's STS server and
//! fake endpoints on loopback. One test binary; `support` holds what the modules share.

#![cfg(unix)]

mod support;

mod action;
mod apply;
mod cache;
mod cmd;
mod codes;
mod completions;
mod config;
mod errors;
mod every_shell;
mod exec;
mod export;
mod formats;
mod golden;
mod help;
mod init;
mod keychain;
mod list;
mod login;
mod network;
mod package;
mod parity;
mod prompt;
mod roles;
mod rotate;
mod server;
mod shells;
mod status;
mod sts;
mod windows;
mod wine;
mod write_profile;
