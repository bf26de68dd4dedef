//! `mfa-env exec --server`: real clients read the session from the local endpoint, which
//! renews it, refuses anything but the exact request, and ends with the command.

use crate::support::*;

use std::io::{BufRead, BufReader};
use std::process::Command;

/// A home whose [default] holds long-term keys (in the credentials file, where the AWS CLI
/// would find them before any endpoint) and names the MFA device and a region.
fn keys_home() -> Home {
    let home = Home::with_default_profile();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = us-east-1\n"
    ));
    home
}

fn server_at(home: &Home, url: &str) -> Command {
    let mut cmd = mfa_at(home, url);
    cmd.args(["exec", "--server"]);
    cmd
}

#[test]
fn the_aws_cli_uses_the_endpoint_not_the_long_term_keys() {
    let Some(moto) = moto() else { return };
    if !require("aws") {
        return;
    }
    let home = keys_home();
    let script = format!(
        "aws sts get-caller-identity --endpoint-url {0} --query Account --output text && aws configure list && curl -s -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"",
        moto.url
    );
    let out = run(
        server_at(&home, &moto.url).args(["-t", "123456", "--", "sh", "-c", &script]),
        "",
    );
    let text = assert_succeeds(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap().len(), 12, "{text}");
    let access_key = text
        .lines()
        .find(|l| l.trim_start().starts_with("access_key"))
        .unwrap_or_default();
    assert!(access_key.contains("container-role"), "{text}");
    let document: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    // A session (long-term keys have no token), from moto.
    assert!(
        document["Token"].as_str().is_some_and(|t| t.len() > 20),
        "{document}"
    );
    assert!(document["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(stderr(&out), "", "quiet on success");
}

/// Role sessions of 15 minutes and a few seconds: each is renewed from the cached MFA session
/// as soon as it gets within 15 minutes of its end, without a prompt (no terminal here).
#[test]
fn role_sessions_are_renewed_for_a_real_client() {
    if !require("aws") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::Lasting {
        session: 43_200,
        role: 15 * 60 + 2,
    }]);
    let home = keys_home();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = us-east-1\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\nmfa_serial = {SERIAL}\nregion = us-east-1\n"
    ));
    let script = format!(
        "for i in 1 2 3 4; do aws sts get-caller-identity --endpoint-url {} --output text > /dev/null || exit 1; sleep 2.5; done",
        sts.url
    );
    let out = run(
        detached(
            server_at(&home, &sts.url)
                .args(["-p", "admin", "-t", "123456", "--", "sh", "-c", &script]),
        ),
        "",
    );
    assert_succeeds(&out);
    let requests = sts.requests();
    let actions: Vec<&str> = requests.iter().filter_map(|r| r.param("Action")).collect();
    assert_eq!(
        &actions[..2],
        ["GetSessionToken", "AssumeRole"],
        "an MFA session, then the role from it"
    );
    assert_eq!(requests[0].param("TokenCode"), Some("123456"));
    let calls: Vec<String> = requests
        .iter()
        .filter(|r| r.param("Action") == Some("GetCallerIdentity"))
        .map(Request::signing_key)
        .collect();
    assert_eq!(calls.len(), 4);
    let distinct: std::collections::BTreeSet<&String> = calls.iter().collect();
    assert!(
        distinct.len() >= 3,
        "fresh credentials as they got close to their end: {calls:?}"
    );
    // Every renewal was an AssumeRole signed by the MFA session, without a code.
    for r in requests
        .iter()
        .filter(|r| r.param("Action") == Some("AssumeRole"))
    {
        assert_eq!(r.param("TokenCode"), None);
        assert_eq!(
            r.signing_key(),
            "ASIALASTING000000001",
            "the MFA session's key"
        );
    }
}

/// The endpoint answers only the exact request: the right token, the one path, GET; never a
/// credential in a refusal; only on loopback; and the token is on no command line.
#[test]
fn the_endpoint_refuses_everything_else() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let probe = r#"
import http.client, json, os, socket, sys, urllib.parse
url = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
secret = sys.argv[1]
def ask(method, path, auth):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    c.request(method, path, headers={} if auth is None else {"Authorization": auth})
    r = c.getresponse()
    body = r.read().decode()
    return r.status, secret in body
earlier = open("token.txt").read() if os.path.exists("token.txt") else "0" * 64
print(json.dumps({
    "right": ask("GET", url.path, token),
    "none": ask("GET", url.path, None),
    "wrong": ask("GET", url.path, "0" * 64),
    "earlier": ask("GET", url.path, earlier),
    "prefix": ask("GET", url.path, token[:-1]),
    "path": ask("GET", "/other", token),
    "method": ask("POST", url.path, token),
    "host": url.hostname,
    "in_ps": any(token.encode() in open(f"/proc/{p}/cmdline", "rb").read() for p in os.listdir("/proc") if p.isdigit() and os.path.exists(f"/proc/{p}/cmdline")),
}))
open("token.txt", "w").write(token)
# From another interface of this machine, if it has one: nothing listens there.
addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1", "127.0.1.1"}
for address in addresses:
    try:
        socket.create_connection((address, url.port), timeout=2).close()
        print("reachable from", address)
    except OSError:
        pass
"#;
    std::fs::write(home.file("probe.py"), probe).unwrap();
    let report = |out: &std::process::Output| -> serde_json::Value {
        serde_json::from_str(assert_succeeds(out).lines().next().unwrap()).unwrap()
    };
    let out = run(
        server_at(&home, &sts.url).args([
            "-t",
            "123456",
            "--",
            "python3",
            "probe.py",
            FIXED_SECRET,
        ]),
        "",
    );
    let text = stdout(&out);
    assert!(!text.contains("reachable from"), "{text}");
    let r = report(&out);
    assert_eq!(r["right"], serde_json::json!([200, true]));
    for (case, status) in [
        ("none", 403),
        ("wrong", 403),
        ("earlier", 403),
        ("prefix", 403),
        ("path", 404),
        ("method", 405),
    ] {
        assert_eq!(r[case], serde_json::json!([status, false]), "{case}");
    }
    assert_eq!(r["host"], "127.0.0.1");
    assert_eq!(r["in_ps"], false, "the token is on no command line");
    // A second run: the first run's token is worth nothing.
    let r = report(&run(
        server_at(&home, &sts.url).args(["--", "python3", "probe.py", FIXED_SECRET]),
        "",
    ));
    assert_eq!(r["earlier"], serde_json::json!([403, false]));
    assert_eq!(r["right"], serde_json::json!([200, true]));
}

/// 50 requests at once from a parallel tool: every one answered.
#[test]
fn concurrent_requests_are_all_answered() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let script = r#"
import concurrent.futures, http.client, os, urllib.parse
url = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
def ask(_):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    c.request("GET", url.path, headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    return c.getresponse().status
with concurrent.futures.ThreadPoolExecutor(50) as pool:
    print(sorted(set(pool.map(ask, range(50)))), len(list(pool.map(ask, range(50)))))
"#;
    let out = run(
        server_at(&home, &sts.url).args(["-t", "123456", "--", "python3", "-c", script]),
        "",
    );
    assert_eq!(assert_succeeds(&out), "[200] 50\n");
}

#[test]
fn statuses_signals_and_the_end_of_the_endpoint() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let status = |args: &[&str]| {
        run(
            server_at(&home, &sts.url)
                .args(["-t", "123456", "--"])
                .args(args),
            "",
        )
    };
    assert_eq!(status(&["sh", "-c", "exit 3"]).status.code(), Some(3));
    assert_eq!(
        status(&["sh", "-c", "kill -TERM $$"]).status.code(),
        Some(143)
    );
    assert_eq!(status(&["terrafrom"]).status.code(), Some(127));

    // SIGTERM to mfa-env reaches the command; both end; the port is closed after.
    let mut child = spawn_piped(server_at(&home, &sts.url).args([
        "--",
        "sh",
        "-c",
        "trap 'echo got TERM; exit 9' TERM; echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; while :; do sleep 0.05; done",
    ]));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    let port: u16 = url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "serving while the command runs"
    );
    // SAFETY: signals the mfa-env we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(lines.next().unwrap().unwrap(), "got TERM");
    assert_eq!(child.wait().unwrap().code(), Some(9));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the endpoint ended with the command"
    );
}

/// The MFA session nearing its end is said once, and a session another run put in the cache
/// is picked up without restarting the command.
#[test]
fn a_renewed_session_is_picked_up_from_the_cache() {
    if !require("python3") {
        return;
    }
    // A plain session with 15 minutes and a few seconds: soon within the margin.
    let sts = FakeSts::start(vec![Reply::Lasting {
        session: 15 * 60 + 2,
        role: 0,
    }]);
    let home = keys_home();
    let fetch = r#"
import http.client, json, os, subprocess, sys, time, urllib.parse
url = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
def key():
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    c.request("GET", url.path, headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    return json.loads(c.getresponse().read())["AccessKeyId"]
first = key()
time.sleep(3)
second = key()
# Another mfa-env run renews the session (in the real user's environment, not this one's).
env = dict(os.environ)
for name in list(env):
    if name.startswith("AWS_CONTAINER") or name.startswith("AWS_ACCESS") or name.startswith("AWS_SECRET") or name.startswith("AWS_SESSION") or name in ("AWS_SHARED_CREDENTIALS_FILE", "MFA_ENV_PROFILE"):
        del env[name]
subprocess.run([sys.argv[1], "--force", "-t", "654321", "-s", "none"], env=env, check=True)
third = key()
print(first, second, third)
"#;
    let out = run(
        server_at(&home, &sts.url).args(["-t", "123456", "--", "python3", "-c", fetch, BIN]),
        "",
    );
    let text = assert_succeeds(&out);
    let keys: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(
        keys[0], keys[1],
        "nothing newer yet: the same session while it lasts"
    );
    assert_ne!(keys[1], keys[2], "the renewed session from the cache");
    let warnings = stderr(&out);
    assert_eq!(
        warnings
            .matches("the MFA session for 'default' ends at")
            .count(),
        1,
        "said once: {warnings}"
    );
    assert!(warnings.contains("run mfa-env --force in another terminal to renew it"));
}
