//! `login [PROFILE]`: a role session exchanged at the AWS federation endpoint (reached by its
//! real name through a TLS-terminating proxy on loopback, trusted through AWS_CA_BUNDLE) for a
//! sign-in token; the URL holds the token only, the session goes only into the exchange's query.
//! A plain MFA session is refused before a code is spent; at a terminal the URL is not shown.

use crate::support::*;

const ROLE_CONFIG: &str = "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/user\nregion = eu-west-1\n";
const SIGNIN_TOKEN: &str = "SIGNIN-token_0123456789";

/// A home with a role profile, STS on loopback and the federation endpoint behind the proxy.
struct Setup {
    home: Home,
    sts: FakeSts,
    federation: FakeSts,
    mitm: Mitm,
}

impl Setup {
    fn start() -> Option<Setup> {
        let federation = FakeSts::start(vec![Reply::Raw {
            status: 200,
            body: format!("{{\"SigninToken\":\"{SIGNIN_TOKEN}\"}}"),
        }]);
        let mitm = Mitm::start(&federation.url)?;
        let home = Home::with_default_profile();
        home.config(&format!("[default]\nmfa_serial = {SERIAL}\n{ROLE_CONFIG}"));
        Some(Setup {
            home,
            sts: FakeSts::start(vec![Reply::fixed()]),
            federation,
            mitm,
        })
    }

    fn login(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = self.home.mfa();
        cmd.arg("login")
            .args(args)
            .env("AWS_ENDPOINT_URL_STS", &self.sts.url)
            .env("HTTPS_PROXY", &self.mitm.proxy)
            .env("AWS_CA_BUNDLE", &self.mitm.ca);
        cmd
    }
}

fn expected_url() -> String {
    format!(
        "https://signin.aws.amazon.com/federation?Action=login&Issuer=mfa-env&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken={SIGNIN_TOKEN}"
    )
}

#[test]
fn a_role_session_becomes_a_console_sign_in_url() {
    let Some(setup) = Setup::start() else { return };
    let out = run(&mut setup.login(&["admin", "-t", "123456"]), "");
    assert_eq!(assert_succeeds(&out), format!("{}\n", expected_url()));
    assert_eq!(stderr(&out), "");
    // The role was assumed with the code, and the exchange went to the real host's name.
    let assumed = &setup.sts.requests()[0];
    assert_eq!(assumed.param("Action"), Some("AssumeRole"));
    assert_eq!(assumed.param("TokenCode"), Some("123456"));
    assert!(
        setup
            .mitm
            .connects()
            .contains(&"signin.aws.amazon.com:443".to_owned())
    );
    let exchange = &setup.federation.requests()[0];
    let (path, query) = exchange
        .line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .split_once('?')
        .unwrap();
    assert!(exchange.line.starts_with("GET "), "{}", exchange.line);
    assert_eq!(path, "/federation");
    let params: std::collections::HashMap<String, String> = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), percent_decode(v))
        })
        .collect();
    assert_eq!(params["Action"], "getSigninToken");
    let session: serde_json::Value = serde_json::from_str(&params["Session"]).unwrap();
    assert_eq!(session["sessionId"], FIXED_ID);
    assert_eq!(session["sessionKey"], FIXED_SECRET);
    assert_eq!(session["sessionToken"], FIXED_TOKEN);
    // The session is in that query only: not in the URL, not on the screen.
    for text in [stdout(&out), stderr(&out)] {
        for secret in [FIXED_ID, FIXED_SECRET, FIXED_TOKEN] {
            assert!(!text.contains(secret) && !text.contains(&form_encode(secret)));
        }
    }
    // A second login reuses the cached role session: no code, no STS call.
    let out = run(&mut setup.login(&["admin"]), "");
    assert_eq!(assert_succeeds(&out), format!("{}\n", expected_url()));
    assert_eq!(setup.sts.count(), 1);
}

#[test]
fn open_hands_the_url_to_the_platform_s_opener() {
    let Some(setup) = Setup::start() else { return };
    let bin = setup.home.file("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opened = setup.home.file("opened");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = run(
        setup
            .login(&["admin", "-t", "123456", "--open"])
            .env("PATH", path),
        "",
    );
    assert_eq!(assert_succeeds(&out), "");
    assert_eq!(
        stderr(&out),
        "mfa-env: opened the AWS console for 'admin' in your browser\n"
    );
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        format!("{}\n", expected_url())
    );
}

#[test]
fn a_plain_session_cannot_sign_in() {
    let Some(setup) = Setup::start() else { return };
    let out = run(&mut setup.login(&["-t", "123456"]), "");
    assert_fails(
        &out,
        "profile 'default' gets a plain MFA session (GetSessionToken), which the AWS console sign-in does not accept: use a role profile (role_arn and source_profile), or pass --role-arn ARN",
    );
    assert_eq!(setup.sts.count(), 0, "no code spent");
    assert_eq!(setup.federation.count(), 0);
    // A profile named as the command's word is named so when it is not there.
    let out = run(&mut setup.login(&["nope"]), "");
    assert_fails(&out, "profile 'nope' (from PROFILE) is not in ");
    assert!(
        stderr(&out).trim_end().ends_with(": fix PROFILE"),
        "{}",
        stderr(&out)
    );
    let out = run(&mut setup.login(&["admin", "--profile", "admin"]), "");
    assert_fails(&out, "login takes its profile once");
    assert_eq!(out.status.code(), Some(2));
}

/// At a terminal the URL would only be shown: refused before a code is asked for.
#[test]
fn at_a_terminal_the_url_is_not_shown() {
    let Some(setup) = Setup::start() else { return };
    let Some(term) = terminal(&setup.home, "bash", &["--norc", "--noprofile", "-i"]) else {
        return;
    };
    term.keys(&["mfa-env login admin; echo \"rc=$?\"", "Enter"]);
    let screen = term
        .wait_for("rc=1")
        .unwrap_or_else(|screen| panic!("{screen}"));
    // Long lines wrap at the terminal's width.
    let joined = screen.replace('\n', "");
    assert!(
        joined.contains("mfa-env: the sign-in URL is a credential (15 minutes of console access) and stdout is a terminal: pass --open"),
        "{screen}"
    );
    assert!(!screen.contains("MFA code"), "{screen}");
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}
