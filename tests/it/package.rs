//! What a person installs: the man page lints and renders, the crate's rust-version is the
//! toolchain floor its dependencies set.

use crate::support::*;

use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// mandoc finds nothing above style level, and man renders every section.
#[test]
fn the_man_page_lints_and_renders() {
    if !require("mandoc") {
        return;
    }
    let page = format!("{ROOT}/mfa-env.1");
    let out = run(
        Command::new("mandoc").args(["-Tlint", "-Wwarning", &page]),
        "",
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = run(
        Command::new("mandoc")
            .args(["-Tascii", "-Owidth=100", &page])
            .env("MANPAGER", "cat"),
        "",
    );
    // Bold and underline are overstruck (`X\bX`, `_\bX`): keep the last of each pair.
    let mut text = String::new();
    for c in assert_succeeds(&out).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "COMMANDS",
        "OPTIONS",
        "SHELLS",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
    ] {
        assert!(text.contains(&format!("\n{section}\n")), "{section}");
    }
    assert!(text.contains("--token-code") && text.contains("AWS_CONFIG_FILE"));
}

/// `rust-version` is the highest the locked dependencies ask for, and this toolchain meets it.
#[test]
fn rust_version_is_the_dependencies_floor() {
    let out = run(
        Command::new("cargo")
            .args(["metadata", "--format-version", "1", "--locked", "--offline"])
            .current_dir(ROOT),
        "",
    );
    let metadata: serde_json::Value = serde_json::from_str(&assert_succeeds(&out)).unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|n| n.parse().unwrap()).collect() };
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "mfa-env").unwrap();
    let floor = packages
        .iter()
        .filter(|p| p["name"] != "mfa-env")
        .filter_map(|p| p["rust_version"].as_str())
        .map(version)
        .max()
        .unwrap();
    assert_eq!(version(ours["rust_version"].as_str().unwrap()), floor);
    let rustc = run(Command::new("rustc").arg("--version"), "");
    let running = stdout(&rustc);
    let running = version(
        running
            .split_whitespace()
            .nth(1)
            .unwrap()
            .split('-')
            .next()
            .unwrap(),
    );
    assert!(running >= floor, "{running:?} < {floor:?}");
}
