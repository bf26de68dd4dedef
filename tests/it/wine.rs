//! Wine for the tests: one prefix, one Wine program at a time, and the real `mfa-env.exe` built
//! once for x86_64-pc-windows-gnu with the test-only stand-in DLL next to it.

use crate::support::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Wine runs one program at a time here: the prefix and its user directories are shared.
static WINE: Mutex<()> = Mutex::new(());

pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    WINE.lock().unwrap_or_else(|e| e.into_inner())
}

/// `NAME=value` lines as cmd's `set` prints them.
pub fn parse_set(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim_end_matches('\r').split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

pub fn prefix() -> PathBuf {
    std::env::temp_dir().join("mfa-env-test-wineprefix")
}

/// A Wine command in `dir`, quiet and headless, with nothing on stdin.
pub fn wine(dir: &Path) -> Command {
    let mut cmd = Command::new("wine");
    cmd.current_dir(dir).env_clear();
    for keep in ["PATH", "HOME", "USER", "LANG"] {
        if let Some(value) = std::env::var_os(keep) {
            cmd.env(keep, value);
        }
    }
    cmd.env("WINEPREFIX", prefix())
        .env("WINEDEBUG", "-all")
        .env("MFA_ENV_TEST_FAST_NETWORK", "1")
        .stdin(Stdio::null());
    cmd
}

/// Runs `batch` (written with CRLF) with Wine's cmd in `dir`, `args` after it.
pub fn wine_cmd(dir: &Path, batch: &str, args: &[&str]) -> Option<Output> {
    if !require("wine") {
        return None;
    }
    let _one = one_at_a_time();
    let out = wine(dir)
        .args(["cmd", "/c", batch])
        .args(args)
        .env("TEMP", windows_path(&dir.join("temp")))
        .env("TMP", windows_path(&dir.join("temp")))
        .output()
        .unwrap();
    Some(out)
}

/// How Wine names a Unix path.
pub fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

pub fn write_batch(path: &Path, lines: &[&str]) {
    std::fs::write(path, lines.join("\r\n") + "\r\n").unwrap();
}

/// The Windows user's profile directory in the prefix (Wine sets `USERPROFILE` and
/// `LOCALAPPDATA` itself, whatever the Unix environment says).
pub fn user_profile() -> PathBuf {
    static PROFILE: OnceLock<PathBuf> = OnceLock::new();
    PROFILE
        .get_or_init(|| {
            let dir = std::env::temp_dir();
            let out = wine(&dir)
                .args(["cmd", "/c", "echo %USERPROFILE%"])
                .output()
                .unwrap();
            let windows = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            let out = Command::new("winepath")
                .args(["-u", &windows])
                .env("WINEPREFIX", prefix())
                .env("WINEDEBUG", "-all")
                .output()
                .unwrap();
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        })
        .clone()
}

/// The directory holding `mfa-env.exe` (release, x86_64-pc-windows-gnu) and the stand-in
/// `bcryptprimitives.dll`, built once per test run. `None` (skipped, with a reason) where the
/// Windows target, its linker or Wine is missing; under CI=true that is a failure.
pub fn windows_build() -> Option<&'static Path> {
    static BUILD: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILD
        .get_or_init(|| {
            if !require("wine") || !require("x86_64-w64-mingw32-gcc") {
                return None;
            }
            let root = env!("CARGO_MANIFEST_DIR");
            let target_dir = Path::new(root).join("target/windows");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            // A target directory of its own: the outer `cargo test` may still hold the other.
            let out = Command::new(&cargo)
                .args(["build", "--release", "--target", "x86_64-pc-windows-gnu", "--target-dir"])
                .arg(&target_dir)
                .current_dir(root)
                .output()
                .unwrap();
            if !out.status.success() {
                let why = String::from_utf8_lossy(&out.stderr).into_owned();
                if std::env::var("CI").is_ok_and(|v| v == "true")
                    || !why.contains("target may not be installed")
                {
                    panic!("the Windows build failed:\n{why}");
                }
                eprintln!("SKIPPED: the x86_64-pc-windows-gnu target is not installed (rustup target add x86_64-pc-windows-gnu)");
                return None;
            }
            let dir = target_dir.join("under-wine");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(
                target_dir.join("x86_64-pc-windows-gnu/release/mfa-env.exe"),
                dir.join("mfa-env.exe"),
            )
            .unwrap();
            let stand_in = Path::new(root).join("tests/it/wine");
            let out = Command::new("x86_64-w64-mingw32-gcc")
                .args(["-shared", "-O2", "-o"])
                .arg(dir.join("bcryptprimitives.dll"))
                .arg(stand_in.join("bcryptprimitives.c"))
                .arg(stand_in.join("bcryptprimitives.def"))
                .arg("-ladvapi32")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            Some(dir)
        })
        .as_deref()
}
