//! Long-term keys in the OS keychain: `add`, `add --from-credentials`, `remove`, and runs that
//! sign with the stored keys, against a real Secret Service (GNOME Keyring on a private bus);
//! no Secret Service, a clean one-line error at once; the commands that need no keys never
//! open the keychain.

use crate::support::*;

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

/// Keys of their own, so that a run signing with them cannot be the files' keys.
const STORED_ID: &str = "AKIAKEYCHAINKEY00001";
const STORED_SECRET: &str = "kEyChAiNsEcReT/0123456789+abcdefghijklmn";

/// A home whose only profile names a device and holds no keys.
fn keyless_home() -> Home {
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    home.credentials("");
    home
}

/// mfa-env in `home`, on `service`'s bus, detached from any terminal.
fn mfa_on(home: &Home, service: &SecretService) -> std::process::Command {
    let mut cmd = home.mfa();
    service.on_bus(&mut cmd).env("HOME", &home.path);
    detached(&mut cmd);
    cmd
}

fn add_from_env(home: &Home, service: &SecretService, profile: &str) -> std::process::Output {
    run(
        mfa_on(home, service)
            .args(["add", profile])
            .env("AWS_ACCESS_KEY_ID", STORED_ID)
            .env("AWS_SECRET_ACCESS_KEY", STORED_SECRET),
        "",
    )
}

#[test]
fn stored_keys_sign_the_run_and_remove_takes_them_away() {
    let Some(service) = SecretService::start() else {
        return;
    };
    let home = keyless_home();
    let out = add_from_env(&home, &service, "default");
    assert_eq!(
        assert_succeeds(&out),
        "",
        "add prints nothing on stdout: {}",
        stderr(&out)
    );
    assert_eq!(
        stderr(&out),
        "mfa-env: stored the keys of 'default' in the Secret Service keychain, as item 'mfa-env: default' with service=mfa-env profile=default\n"
    );
    // Where the OS's own tools find it.
    let stored = service
        .lookup("default")
        .expect("secret-tool finds the entry");
    assert!(stored.contains(STORED_ID), "{stored}");

    let sts = FakeSts::start(vec![Reply::fixed()]);
    let out = run(
        mfa_on(&home, &service)
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        "",
    );
    assert!(stdout(&out).contains(FIXED_TOKEN), "{}", stderr(&out));
    assert_eq!(sts.requests()[0].signing_key(), STORED_ID);
    for text in [stdout(&out), stderr(&out)] {
        assert!(!text.contains(STORED_SECRET) && !text.contains(STORED_ID));
    }
    let list = assert_succeeds(&run(mfa_on(&home, &service).arg("list"), ""));
    assert!(list.contains("default  other  keychain?"), "{list}");
    let out = run(mfa_on(&home, &service).arg("status"), "");
    assert!(
        stderr(&out).ends_with(
            "keys: the Secret Service keychain, as item 'mfa-env: default' with service=mfa-env profile=default, if it holds them (status does not open it)\n"
        ),
        "{}",
        stderr(&out)
    );

    assert_eq!(home.cached_sessions().len(), 1);
    let out = run(mfa_on(&home, &service).args(["remove", "default"]), "");
    assert_succeeds(&out);
    assert_eq!(
        stderr(&out),
        "mfa-env: deleted the keys of 'default' from the Secret Service keychain and 1 cached session(s)\n"
    );
    assert_eq!(service.lookup("default"), None);
    assert!(home.cached_sessions().is_empty());
    let out = run(mfa_on(&home, &service).args(["remove", "default"]), "");
    assert_eq!(out.status.code(), Some(1));
    assert_fails(&out, "holds no keys of 'default'");
    // Without keys anywhere, the run says where they could be, before any code is asked for.
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let out = run(
        mfa_on(&home, &service)
            .args(["-s", "bash", "--force"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        "",
    );
    assert_fails(
        &out,
        "profile 'default' has no keys: none in the files, and none in the Secret Service keychain: run mfa-env add default (or aws configure --profile default)",
    );
    assert_eq!(sts.count(), 0);
}

/// Typed at the terminal: the key id echoed, the secret not; the terminal echoes afterwards.
#[test]
fn add_asks_at_the_terminal_without_echoing_the_secret() {
    let Some(service) = SecretService::start() else {
        return;
    };
    if !require("python3") {
        return;
    }
    let home = keyless_home();
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/pty_driver.py");
    let mut cmd = home.command("python3");
    service.on_bus(&mut cmd).env("HOME", &home.path);
    cmd.args([
        driver,
        "for 'default': ",
        &format!("<ECHOED>{STORED_ID}|{STORED_SECRET}"),
        BIN,
        "add",
        "default",
    ]);
    let out = run(&mut cmd, "");
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["status"], 0, "{result}");
    assert_eq!(result["answers"], 2, "{result}");
    let terminal = result["terminal"].as_str().unwrap();
    assert!(
        terminal.contains(&format!("AWS access key id for 'default': {STORED_ID}")),
        "{terminal:?}"
    );
    assert!(
        terminal.contains("AWS secret access key for 'default': "),
        "{terminal:?}"
    );
    assert!(!terminal.contains(STORED_SECRET), "{terminal:?}");
    assert_eq!(result["echo_after"], true);
    assert!(service.lookup("default").unwrap().contains(STORED_SECRET));
}

/// Session keys, or keys of the wrong shape, are refused before the keychain is touched.
#[test]
fn add_refuses_what_is_no_iam_user_s_keys() {
    let Some(service) = SecretService::start() else {
        return;
    };
    let home = keyless_home();
    for (id, secret, says) in [
        (
            "ASIAKEYCHAINKEY00001",
            STORED_SECRET,
            "the access key id is a session's key id (ASIA...), not an IAM user's",
        ),
        (
            STORED_ID,
            "short",
            "the secret access key is not 40 characters long",
        ),
    ] {
        let out = run(
            mfa_on(&home, &service)
                .args(["add", "default"])
                .env("AWS_ACCESS_KEY_ID", id)
                .env("AWS_SECRET_ACCESS_KEY", secret),
            "",
        );
        assert_fails(&out, says);
        assert!(!stderr(&out).contains(secret) || secret == "short");
    }
    let out = run(mfa_on(&home, &service).args(["add", "default"]), "");
    assert_fails(
        &out,
        "no terminal to ask for the keys of 'default': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or move them with mfa-env add default --from-credentials",
    );
    assert_eq!(service.lookup("default"), None);
}

/// `--from-credentials`: the two lines leave the file, not one other byte; the keys work from
/// the keychain afterwards. Where the keychain cannot take them, the file stays as it was.
#[test]
fn from_credentials_moves_exactly_the_two_lines() {
    let Some(service) = SecretService::start() else {
        return;
    };
    let home = keyless_home();
    let original = format!(
        "# mine\r\n[default]\r\nregion = eu-west-1\r\naws_access_key_id = {STORED_ID}\r\n; why\r\naws_secret_access_key = {STORED_SECRET}\r\noutput = json\r\n\r\n[other]\r\naws_access_key_id = AKIAOTHERKEY00000001\r\naws_secret_access_key = OTHER\r\n"
    );
    let expected = "# mine\r\n[default]\r\nregion = eu-west-1\r\n; why\r\noutput = json\r\n\r\n[other]\r\naws_access_key_id = AKIAOTHERKEY00000001\r\naws_secret_access_key = OTHER\r\n";
    home.credentials(&original);
    let credentials = home.file(".aws/credentials");
    let read = || std::fs::read_to_string(&credentials).unwrap();

    // No Secret Service: refused, the file untouched.
    let bare = SecretService::bare().unwrap();
    let out = run(
        mfa_on(&home, &bare).args(["add", "default", "--from-credentials"]),
        "",
    );
    assert_fails(&out, "no Secret Service on the session bus");
    assert_eq!(read(), original);

    let out = run(
        mfa_on(&home, &service).args(["add", "default", "--from-credentials"]),
        "",
    );
    assert_succeeds(&out);
    assert!(
        stderr(&out).starts_with(&format!(
            "mfa-env: moved the keys of [default] from {} into the Secret Service keychain",
            credentials.display()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(), expected);
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let out = run(
        mfa_on(&home, &service)
            .args(["-s", "none", "-t", "123456"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
        "",
    );
    assert_succeeds(&out);
    assert_eq!(sts.requests()[0].signing_key(), STORED_ID);
    // Nothing left to move: said, the file untouched.
    let out = run(
        mfa_on(&home, &service).args(["add", "default", "--from-credentials"]),
        "",
    );
    assert_fails(&out, "holds no long-term keys for [default]");
    assert_eq!(read(), expected);
}

/// No Secret Service on the bus, or no bus at all: one line naming the fix, at once, and
/// nothing falls back to a file.
#[test]
fn without_a_secret_service_the_error_is_immediate() {
    let Some(bare) = SecretService::bare() else {
        return;
    };
    let home = keyless_home();
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let timed = |cmd: &mut std::process::Command| {
        let start = Instant::now();
        let out = run(cmd, "");
        (out, start.elapsed())
    };
    let (out, took) = timed(
        mfa_on(&home, &bare)
            .args(["-s", "bash", "-t", "123456"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url),
    );
    assert_fails(
        &out,
        "mfa-env: profile 'default' has no keys in the files, and no Secret Service on the session bus (nothing provides org.freedesktop.secrets): start gnome-keyring or KeePassXC's Secret Service, or keep the keys in the credentials file\n",
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(sts.count(), 0);
    let (out, took) = timed(detached(
        home.mfa()
            .args(["add", "default"])
            .env("AWS_ACCESS_KEY_ID", STORED_ID)
            .env("AWS_SECRET_ACCESS_KEY", STORED_SECRET)
            .env("XDG_RUNTIME_DIR", home.file("nowhere")),
    ));
    assert_fails(
        &out,
        "cannot reach a keychain (DBUS_SESSION_BUS_ADDRESS is not set): start gnome-keyring or KeePassXC's Secret Service in this session, or keep the keys in the credentials file",
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        !std::fs::read_to_string(home.file(".aws/credentials"))
            .unwrap()
            .contains(STORED_ID)
    );
}

/// A bus that accepts the connection and then says nothing: bounded, never a hang.
#[test]
fn a_silent_bus_is_a_bounded_wait() {
    let home = keyless_home();
    let dir = Home::new();
    let socket = dir.file("bus");
    let listener = UnixListener::bind(&socket).unwrap();
    let silent = std::thread::spawn(move || {
        let held = listener.accept();
        std::thread::sleep(Duration::from_secs(12));
        drop(held);
    });
    let start = Instant::now();
    let out = run(
        detached(
            home.mfa()
                .args(["add", "default"])
                .env("AWS_ACCESS_KEY_ID", STORED_ID)
                .env("AWS_SECRET_ACCESS_KEY", STORED_SECRET)
                .env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}", socket.display()),
                ),
        ),
        "",
    );
    assert_fails(&out, "the keychain did not answer within 10 s");
    assert!(start.elapsed() < Duration::from_secs(30));
    let _ = silent.join();
}

/// A cache hit, --unset, init, status, list, completions and --help never connect to the
/// bus; a run that needs the keys does (so that this test can fail).
#[test]
fn only_a_run_that_needs_the_keys_opens_the_keychain() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let home = Home::with_default_profile();
    let dir = Home::new();
    let socket = dir.file("bus");
    let listener = UnixListener::bind(&socket).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    // Each connection is counted and closed at once: a client that connects fails fast.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let address = format!("unix:path={}", socket.display());
    // A cached session for the default profile, made with the files' keys, which then go.
    let sts = FakeSts::start(vec![Reply::fixed()]);
    assert_succeeds(&run(
        mfa_at(&home, &sts.url).args(["-s", "none", "-t", "123456"]),
        "",
    ));
    home.credentials("");
    for args in [
        &["-s", "bash"][..],
        &["--unset", "-s", "bash"],
        &["init", "bash"],
        &["status"],
        &["status", "--short"],
        &["list"],
        &["completions", "bash"],
        &["--help"],
        &["help", "add"],
    ] {
        let out = run(
            detached(
                mfa_at(&home, &sts.url)
                    .args(args)
                    .env("DBUS_SESSION_BUS_ADDRESS", &address),
            ),
            "",
        );
        assert!(
            args.contains(&"status") || out.status.success(),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(
            connections.load(Ordering::SeqCst),
            0,
            "{args:?} opened the keychain"
        );
    }
    let out = run(
        detached(
            mfa_at(&home, &sts.url)
                .args(["-s", "bash", "-t", "123456", "--force"])
                .env("DBUS_SESSION_BUS_ADDRESS", &address),
        ),
        "",
    );
    assert_fails(&out, "cannot reach a keychain");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "a run that needs the keys opens the keychain"
    );
}
