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
            // Not --offline: on a fresh machine the other platforms' crates are not fetched yet.
            .args(["metadata", "--format-version", "1", "--locked"])
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

/// A release artifact of `scripts/dist`: under CI=true (where `.ci/run` builds them before the
/// tests) a missing one fails the run; elsewhere its test is skipped.
pub(crate) fn artifact(relative: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(ROOT).join(relative);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{relative} is missing: .ci/run builds it with scripts/dist");
    }
    eprintln!("SKIPPED: {relative} is not built (scripts/dist)");
    None
}

/// Whether an ELF file asks for a program interpreter (a dynamic loader).
fn has_interpreter(elf: &[u8]) -> bool {
    let word = |at: usize, n: usize| {
        elf[at..at + n]
            .iter()
            .rev()
            .fold(0u64, |v, b| v << 8 | u64::from(*b))
    };
    assert_eq!(&elf[..5], b"\x7fELF\x02", "a 64-bit ELF file");
    let (phoff, phentsize, phnum) = (
        word(0x20, 8) as usize,
        word(0x36, 2) as usize,
        word(0x38, 2),
    );
    (0..phnum as usize).any(|i| word(phoff + i * phentsize, 4) == 3)
}

/// The static Linux binaries: no interpreter, no library; each runs (aarch64 under qemu) and
/// makes a session against moto.
#[test]
fn the_static_binaries_run_anywhere() {
    let Some(moto) = moto() else { return };
    for (target, runner) in [
        ("x86_64-unknown-linux-musl", None),
        ("aarch64-unknown-linux-musl", Some("qemu-aarch64")),
    ] {
        if runner.is_some_and(|r| !require(r)) {
            continue;
        }
        let Some(bin) = artifact(&format!("target/{target}/release/mfa-env")) else {
            continue;
        };
        assert!(!has_interpreter(&std::fs::read(&bin).unwrap()), "{target}");
        let home = Home::with_default_profile();
        let command = |args: &[&str]| {
            let mut cmd = match runner {
                Some(r) => {
                    let mut cmd = home.command(r);
                    cmd.arg(&bin);
                    cmd
                }
                None => home.command(bin.to_str().unwrap()),
            };
            cmd.args(args);
            cmd
        };
        let version = assert_succeeds(&run(&mut command(&["--version"]), ""));
        assert_eq!(version, format!("mfa-env {}\n", env!("CARGO_PKG_VERSION")));
        let unset = assert_succeeds(&run(&mut command(&["--unset", "-s", "bash"]), ""));
        assert_eq!(
            unset,
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION MFA_ENV_PROFILE\n"
        );
        let out = run(
            command(&["-s", "json", "-t", "123456", "--no-cache"])
                .env("AWS_ENDPOINT_URL_STS", &moto.url),
            "",
        );
        let json: serde_json::Value = serde_json::from_str(&assert_succeeds(&out)).unwrap();
        assert!(
            json["SessionToken"].as_str().unwrap().len() > 100,
            "{target}"
        );
    }
}

/// A web server on loopback serving the files of `dir`; stopped when dropped.
pub(crate) struct Served {
    pub(crate) url: String,
    child: std::process::Child,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve(dir: &std::path::Path) -> Served {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import http.server, functools, sys\n\
             handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n\
             handler.log_message = lambda *a: None\n\
             server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)\n\
             print(server.server_address[1], flush=True)\n\
             server.serve_forever()",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap();
    Served {
        url: format!("http://127.0.0.1:{}", port.trim()),
        child,
    }
}

/// install.sh against the archives scripts/dist made, served on loopback: it installs and
/// runs; a tampered archive installs nothing; an unknown system is named.
#[test]
fn install_sh_installs_checks_and_refuses() {
    if !require("curl") || !require("python3") {
        return;
    }
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("mfa-env-{version}-x86_64-unknown-linux-musl.tar.gz");
    let Some(archive) = artifact(&format!("target/dist/{name}")) else {
        return;
    };
    let site = Home::new();
    std::fs::copy(&archive, site.file(&name)).unwrap();
    std::fs::copy(
        archive.with_file_name("SHA256SUMS"),
        site.file("SHA256SUMS"),
    )
    .unwrap();
    let served = serve(&site.path);
    let install = |home: &Home, path: &str| {
        run(
            home.command("sh")
                .arg(format!("{ROOT}/install.sh"))
                .env("MFA_ENV_DIST_URL", &served.url)
                .env("MFA_ENV_INSTALL_DIR", home.file("bin"))
                .env("PATH", path)
                .env("SHELL", "/bin/bash"),
            "",
        )
    };
    let path = std::env::var("PATH").unwrap();
    let home = Home::new();
    let out = install(&home, &path);
    let said = assert_succeeds(&out);
    assert!(said.contains(&format!("(mfa-env {version})")), "{said}");
    assert!(said.contains("eval \"$(mfa-env init bash)\""), "{said}");
    let installed = home.file("bin/mfa-env");
    let out = run(Command::new(&installed).arg("--version"), "");
    assert_eq!(assert_succeeds(&out), format!("mfa-env {version}\n"));

    // One byte changed in the archive: refused before unpacking, nothing installed.
    let mut bytes = std::fs::read(site.file(&name)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(site.file(&name), bytes).unwrap();
    let home = Home::new();
    let out = install(&home, &path);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not match SHA256SUMS")
            && stderr(&out).contains("nothing was installed"),
        "{}",
        stderr(&out)
    );
    assert!(!home.file("bin/mfa-env").exists());

    // A system without an archive.
    let shims = Home::new();
    std::fs::write(
        shims.file("uname"),
        "#!/bin/sh\ncase $1 in -s) echo SunOS ;; *) echo sparc64 ;; esac\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(shims.file("uname"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(shims.file("uname"), perms).unwrap();
    let out = install(&home, &format!("{}:{path}", shims.path.display()));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no archive for SunOS"),
        "{}",
        stderr(&out)
    );
    assert!(!home.file("bin/mfa-env").exists());
}
