//! `rotate PROFILE`: against moto's IAM (a credentials-file profile rotated, only its two key
//! lines changed, the old key gone, the new one known to IAM; a user with two keys refused
//! before anything changes; a keychain profile's entry replaced, where a Secret Service runs),
//! and against a fake IAM: a new key that does not work is rolled back to the byte.

use crate::support::*;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The AWS CLI against moto, signing with `keys`, reading no file of the developer's.
fn aws_cli(moto: &Moto, (id, secret): (&str, &str), args: &[&str]) -> Command {
    let mut cmd = Command::new("aws");
    cmd.args([
        "--endpoint-url",
        &moto.url,
        "--region",
        "us-east-1",
        "--output",
        "text",
    ])
    .args(args)
    .env("AWS_ACCESS_KEY_ID", id)
    .env("AWS_SECRET_ACCESS_KEY", secret)
    .env("AWS_CONFIG_FILE", "/dev/null")
    .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    cmd
}

/// An administrator's keys: moto accepts any.
const ADMIN: (&str, &str) = ("AKIAADMINADMINADMIN1", "admin");

/// The AWS CLI against moto, as an administrator would call it.
fn aws(moto: &Moto, args: &[&str]) -> String {
    assert_succeeds(&run(&mut aws_cli(moto, ADMIN, args), ""))
}

/// moto's user for sessions whose keys it does not map ("moto"), with no key but one new one.
fn moto_user_with_one_key(moto: &Moto) -> (String, String) {
    // It may exist already from an earlier run of this story.
    let _ = run(
        &mut aws_cli(moto, ADMIN, &["iam", "create-user", "--user-name", "moto"]),
        "",
    );
    for id in keys_of(moto) {
        aws(
            moto,
            &[
                "iam",
                "delete-access-key",
                "--user-name",
                "moto",
                "--access-key-id",
                &id,
            ],
        );
    }
    let created = aws(
        moto,
        &[
            "iam",
            "create-access-key",
            "--user-name",
            "moto",
            "--query",
            "AccessKey.[AccessKeyId,SecretAccessKey]",
        ],
    );
    let mut words = created.split_whitespace();
    (
        words.next().unwrap().to_owned(),
        words.next().unwrap().to_owned(),
    )
}

fn keys_of(moto: &Moto) -> Vec<String> {
    aws(
        moto,
        &[
            "iam",
            "list-access-keys",
            "--user-name",
            "moto",
            "--query",
            "AccessKeyMetadata[].AccessKeyId",
        ],
    )
    .split_whitespace()
    .map(str::to_owned)
    .collect()
}

fn credentials_with(id: &str, secret: &str) -> String {
    format!(
        "# my keys\n[other]\nregion = eu-west-1\n\n[default]\r\naws_access_key_id={id}\r\n; the secret\r\naws_secret_access_key = {secret}\r\noutput = json\r\n[last]\nx = 1"
    )
}

#[test]
fn a_profile_is_rotated_in_the_credentials_file_and_the_keychain_and_two_keys_refused() {
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let (old_id, old_secret) = moto_user_with_one_key(moto);
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    let before = credentials_with(&old_id, &old_secret);
    home.credentials(&before);
    let rotate = |home: &Home| {
        run(
            home.mfa()
                .args(["rotate", "default", "-t", "123456"])
                .env("AWS_ENDPOINT_URL", &moto.url),
            "",
        )
    };
    let out = rotate(&home);
    assert_eq!(assert_succeeds(&out), "", "nothing on stdout");
    let keys = keys_of(moto);
    assert_eq!(keys.len(), 1, "{keys:?}");
    let new_id = &keys[0];
    assert_ne!(new_id, &old_id);
    let after = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    let new_secret = after
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .unwrap()
        .trim_end_matches('\r')
        .to_owned();
    // Only the two key lines changed, line endings and all.
    assert_eq!(
        after,
        before
            .replace(&format!("={old_id}"), &format!("={new_id}"))
            .replace(&old_secret, &new_secret)
    );
    assert_eq!(
        stderr(&out),
        format!(
            "mfa-env: rotated the keys of profile 'default' (IAM user moto): {new_id} is stored in [default] of {}, and {old_id} is deleted\n",
            home.file(".aws/credentials").display()
        )
    );
    assert!(!stderr(&out).contains(&new_secret));
    // IAM knows the new key as the user's: moto names an unknown key's caller `sts::...`.
    let identity = run(
        &mut aws_cli(
            moto,
            (new_id, &new_secret),
            &["sts", "get-caller-identity", "--query", "Arn"],
        ),
        "",
    );
    assert_eq!(
        assert_succeeds(&identity).trim(),
        "arn:aws:iam::123456789012:user/moto"
    );

    // A second key made elsewhere: refused before anything changes, naming the way out.
    let extra = aws(
        moto,
        &[
            "iam",
            "create-access-key",
            "--user-name",
            "moto",
            "--query",
            "AccessKey.AccessKeyId",
        ],
    );
    let extra = extra.trim();
    let out = rotate(&home);
    assert_fails(
        &out,
        &format!(
            "IAM user moto has 2 access keys already, IAM's limit: delete the one not in use, {extra} (Active), with aws iam delete-access-key --user-name moto --access-key-id ID (see aws iam list-access-keys --user-name moto); nothing was changed"
        ),
    );
    assert_eq!(
        std::fs::read_to_string(home.file(".aws/credentials")).unwrap(),
        after
    );
    assert_eq!(keys_of(moto).len(), 2);

    // The same user's keys in the keychain (one test: moto has one IAM for the whole run).
    aws(
        moto,
        &[
            "iam",
            "delete-access-key",
            "--user-name",
            "moto",
            "--access-key-id",
            extra,
        ],
    );
    let Some(service) = SecretService::start() else {
        return;
    };
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    home.credentials("");
    let mfa = || {
        let mut cmd = home.mfa();
        service.on_bus(&mut cmd).env("HOME", &home.path);
        detached(&mut cmd);
        cmd
    };
    assert_succeeds(&run(
        mfa()
            .args(["add", "default"])
            .env("AWS_ACCESS_KEY_ID", new_id)
            .env("AWS_SECRET_ACCESS_KEY", &new_secret),
        "",
    ));
    let out = run(
        mfa()
            .args(["rotate", "default", "-t", "123456"])
            .env("AWS_ENDPOINT_URL", &moto.url),
        "",
    );
    assert_eq!(assert_succeeds(&out), "");
    let keys = keys_of(moto);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(&keys[0], new_id);
    let stored = service.lookup("default").unwrap();
    assert!(
        stored.contains(&keys[0]) && !stored.contains(new_id.as_str()),
        "{stored}"
    );
    assert_eq!(
        std::fs::read_to_string(home.file(".aws/credentials")).unwrap(),
        ""
    );
    assert!(
        stderr(&out).contains(&format!(
            "is stored in item 'mfa-env: default' with service=mfa-env profile=default, and {new_id} is deleted"
        )),
        "{}",
        stderr(&out)
    );
}

/// The fake STS and IAM of `fake_iam.py`, and the log of what it was asked.
struct FakeIam {
    url: String,
    log: std::path::PathBuf,
    child: Child,
}

impl FakeIam {
    fn start(home: &Home, old: &str) -> FakeIam {
        let log = home.file("iam.log");
        let mut child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/fake_iam.py"))
            .arg(&log)
            .arg(old)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        FakeIam {
            url: format!("http://127.0.0.1:{}", port.trim()),
            log,
            child,
        }
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for FakeIam {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const OLD_ID: &str = "AKIAOLDKEYOLDKEY0001";
const NEW_ID: &str = "AKIANEWKEYNEWKEY0001";

#[test]
fn a_new_key_that_does_not_work_is_rolled_back() {
    if !require("python3") {
        return;
    }
    let home = Home::new();
    home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    let before = credentials_with(OLD_ID, "oldSECRET/oldSECRET+oldSECRET/oldSECRET1");
    home.credentials(&before);
    let iam = FakeIam::start(&home, OLD_ID);
    let out = run(
        home.mfa()
            .args(["rotate", "default", "-t", "123456"])
            .env("AWS_ENDPOINT_URL", &iam.url),
        "",
    );
    assert_fails(
        &out,
        &format!(
            "the new key {NEW_ID} did not work within 3 s: InvalidClientTokenId The security token included in the request is invalid.; rolled back: the new key {NEW_ID} was deleted, and the old key {OLD_ID} stays in place"
        ),
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(
        std::fs::read_to_string(home.file(".aws/credentials")).unwrap(),
        before
    );
    let calls = iam.calls();
    assert!(
        calls.contains(&format!("DeleteAccessKey {NEW_ID}")),
        "{calls:?}"
    );
    assert!(
        !calls.contains(&format!("DeleteAccessKey {OLD_ID}")),
        "{calls:?}"
    );
    assert!(
        calls.contains(&format!("GetCallerIdentity {NEW_ID}")),
        "{calls:?}"
    );
    assert!(!stderr(&out).contains("newSECRET"));
}
