//! Knowing where you stand: `mfa-env list`, completions in the real shells (profile names
//! from `list --names`), and `status --short` as a prompt segment.

use crate::support::*;

#[test]
fn list_shows_every_profile_and_no_secret() {
    let (home, secrets) = fixture();
    // A valid cached session for work.eu, and an expired one for the default profile.
    let sts = FakeSts::start(vec![Reply::creds(
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
        &iso_in(43_200 - 90),
    )]);
    for profile in ["work.eu", "default"] {
        assert_succeeds(&run(
            mfa_at(&home, &sts.url).args(["-s", "none", "-t", "123456", "-p", profile]),
            "",
        ));
    }
    for path in home.cached_sessions() {
        let mut entry: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if entry["scope"]["profile"] == "default" {
            entry["credentials"]["expiration"] = serde_json::json!(1_000_000_000);
            std::fs::write(&path, entry.to_string()).unwrap();
        }
    }
    let list = |args: &[&str]| assert_succeeds(&run(home.mfa().arg("list").args(args), ""));
    let table = list(&[]);
    assert_eq!(
        table,
        "\
PROFILE      KIND     KEYS         MFA DEVICE                            SOURCE   SESSION  NOTE
default      keys     credentials  arn:aws:iam::123456789012:mfa/tester  -        expired
work.eu      keys     credentials  GAHT00000001                          -        11h58m
admin role   role     credentials  GAHT00000001                          work.eu  -
orphan       role     -            -                                     gone     -        source_profile 'gone' is not a profile
tool         process  process      -                                     -        -
sso          sso      -            -                                     -        -        SSO cannot make an MFA session
ünïcode      keys     credentials  GAHT00000002                          -        -
config-only  other    keychain?    -                                     -        -
half         keys     -            -                                     -        -        keys missing aws_secret_access_key
written      keys     -            -                                     -        -        a session mfa-env wrote from 'default'
"
    );
    assert_eq!(
        list(&["--names"]),
        "default\nwork.eu\nadmin role\norphan\ntool\nsso\nünïcode\nconfig-only\nhalf\nwritten\n"
    );
    let json: serde_json::Value = serde_json::from_str(&list(&["--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 10);
    assert_eq!(
        json[2],
        serde_json::json!({
            "profile": "admin role",
            "kind": "role",
            "keys": "credentials",
            "mfa_device": "GAHT00000001",
            "source_profile": "work.eu",
            "session": null,
            "expiration": null,
            "seconds_left": null,
            "problem": null,
            "shadows_config": false
        })
    );
    assert_eq!(json[7]["keys"], "keychain?");
    assert_eq!(json[8]["keys"], serde_json::Value::Null);
    assert_eq!(json[0]["session"], "expired");
    assert_eq!(json[0]["expiration"], "2001-09-09T01:46:40Z");
    assert_eq!(json[0]["seconds_left"], 0);
    // The valid one: its end as ISO 8601 UTC, and the seconds to it, which the text rounds.
    assert_eq!(json[1]["session"], "11h58m");
    let left = json[1]["seconds_left"].as_i64().unwrap();
    assert!((43_200 - 90 - 30..=43_200 - 90).contains(&left), "{left}");
    let expiration = json[1]["expiration"].as_str().unwrap();
    assert_eq!(
        expiration.len(),
        "2001-09-09T01:46:40Z".len(),
        "{expiration}"
    );
    assert!(expiration.ends_with('Z'), "{expiration}");
    assert!(
        (parse_iso(expiration) - now() - left).abs() <= 2,
        "{expiration} vs {left}"
    );
    for output in [table, list(&["--names"]), list(&["--json"])] {
        for secret in &secrets {
            assert!(!output.contains(secret), "{secret} shown");
        }
    }
    // No network: an endpoint that would be contacted is a closed port.
    let out = run(
        home.mfa()
            .arg("list")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        "",
    );
    assert_succeeds(&out);
    let out = run(home.mfa().args(["list", "--names", "--json"]), "");
    assert_eq!(out.status.code(), Some(2));
    // No profiles at all: a hint for the person, nothing for scripts.
    let empty = Home::new();
    let out = run(empty.mfa().arg("list"), "");
    assert_eq!(assert_succeeds(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "mfa-env: no profiles in {0}.aws/config or {0}.aws/credentials: run `aws configure` to create one\n",
            empty.file("").display()
        )
    );
    assert_eq!(
        assert_succeeds(&run(empty.mfa().args(["list", "--json"]), "")),
        "[]\n"
    );
}

/// Profile names that would retitle, clear or reorder a terminal: escaped in the table and in
/// JSON (which still decodes to the names), left out of `--names` (and so of completions).
#[test]
fn hostile_names_are_escaped_everywhere() {
    let home = Home::new();
    home.config(
        "[profile \"title\x1b]0;pwned\x07\"]\nregion = x\n[profile \"clear\x1b[2J\"]\nregion = x\n[profile rtl\u{202e}txt.exe]\nregion = x\n[profile plain]\nregion = x\n",
    );
    let list = |args: &[&str]| assert_succeeds(&run(home.mfa().arg("list").args(args), ""));
    assert_eq!(list(&["--names"]), "plain\n");
    let table = list(&[]);
    assert!(!table.contains(['\x1b', '\x07', '\u{202e}']), "{table:?}");
    for shown in [
        r"title\x1b]0;pwned\x07",
        r"clear\x1b[2J",
        r"rtl\u{202e}txt.exe",
    ] {
        assert!(table.contains(shown), "{shown} in {table}");
    }
    let json = list(&["--json"]);
    assert!(!json.contains(['\x1b', '\x07', '\u{202e}']), "{json:?}");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["profile"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "title\x1b]0;pwned\x07",
            "clear\x1b[2J",
            "rtl\u{202e}txt.exe",
            "plain"
        ]
    );
}

/// A credentials-file section with keys beside a config profile of the same name that gets
/// credentials its own way is marked; the usual [default] in both files is not.
#[test]
fn list_marks_a_credentials_section_that_shadows_a_config_profile() {
    let home = Home::new();
    home.config(
        "[default]\nregion = us-east-1\nmfa_serial = GAHT00000001\n\
         [profile mfa]\ncredential_process = mfa-env --shell json --profile default\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n",
    );
    home.credentials(
        "[default]\naws_access_key_id = AKIADEFAULTKEYID0001\naws_secret_access_key = S\n\
         [mfa]\naws_access_key_id = ASIAWRITTEN000000001\naws_secret_access_key = S\naws_session_token = T\nmfa_env_source_profile = default\n\
         [admin]\naws_access_key_id = AKIAADMINKEYID000001\naws_secret_access_key = S\n",
    );
    let table = assert_succeeds(&run(home.mfa().arg("list"), ""));
    assert_eq!(
        table,
        "\
PROFILE  KIND  KEYS         MFA DEVICE    SOURCE   SESSION  NOTE
default  keys  credentials  GAHT00000001  -        -
mfa      keys  -            -             -        -        a session mfa-env wrote from 'default'; credentials-file keys shadow the config's credential_process
admin    role  credentials  -             default  -        credentials-file keys shadow the config's role_arn
"
    );
    let json: serde_json::Value = serde_json::from_str(&assert_succeeds(&run(
        home.mfa().args(["list", "--json"]),
        "",
    )))
    .unwrap();
    let marks: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["shadows_config"].as_bool().unwrap())
        .collect();
    assert_eq!(marks, [false, true, true]);
    assert_eq!(json[1]["problem"], "a session mfa-env wrote from 'default'");
}
