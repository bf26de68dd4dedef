//! The integration tests: the real binary, in the real shells, against moto's STS server and
//! fake endpoints on loopback. One test binary; `support` holds what the modules share.

#![cfg(unix)]

mod support;

mod automation;
mod cache;
mod cmd;
mod codes;
mod exec;
mod faults;
mod first_hour;
mod golden;
mod hardening;
mod init;
mod list;
mod moto;
mod parity;
mod profile;
mod prompt;
mod server;
mod session_wins;
mod shells;
mod tls;
mod windows;
mod wine;
