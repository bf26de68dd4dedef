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

/// Nothing in the user's files wins over the endpoint: long-term keys in the config file's
/// [default], a `credential_process`, a role, SSO or web identity there (or in the profile the
/// command picks itself), the command still runs with the MFA session, while the region and
/// other settings of the files apply. Judged by the AWS CLI v1 and v2 (`aws configure list`
/// names `container-role`) and the JavaScript SDK v3, run by the command.
#[test]
fn nothing_in_the_users_files_wins_over_the_endpoint() {
    let Some(modules) = js_sdk() else { return };
    // The AWS CLI v1 (pip's `aws`) and v2 (Debian's, at /usr/bin/aws).
    if !require("aws") || !require("/usr/bin/aws") || !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    std::fs::write(
        home.file("chain.js"),
        "const { fromNodeProviderChain } = require(process.env.MODULES + '/@aws-sdk/credential-providers');\n\
         fromNodeProviderChain()().then((c) => console.log('js ' + c.accessKeyId + ' ' + (c.sessionToken ? 'token' : 'none')), (e) => console.log('js error ' + e.message));\n",
    )
    .unwrap();
    let marker = home.file("process-ran");
    let process = format!(
        "sh -c 'touch {}; echo {{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIAPROCESSKEY000001\\\", \\\"SecretAccessKey\\\": \\\"p\\\"}}'",
        marker.display()
    );
    let work_keys = format!(
        "[work]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\nregion = eu-west-1\n"
    );
    let layouts: [(&str, String, &str); 5] = [
        (
            "keys in the config's [default]",
            format!(
                "[default]\nregion = eu-west-1\naws_access_key_id = AKIACONFIGKEY0000001\naws_secret_access_key = c\nmfa_serial = {SERIAL}\n"
            ),
            "default",
        ),
        (
            "credential_process in [default]",
            format!("[default]\nregion = eu-west-1\ncredential_process = {process}\n"),
            "work",
        ),
        (
            "a role in [default]",
            "[default]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = work\n".to_owned(),
            "work",
        ),
        (
            "SSO in [default]",
            "[default]\nregion = eu-west-1\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = r\n".to_owned(),
            "work",
        ),
        (
            "web identity in [default]",
            "[default]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = /nonexistent/token\n".to_owned(),
            "work",
        ),
    ];
    for (layout, config, profile) in layouts {
        home.config(&format!("{config}[profile work]\nmfa_serial = {SERIAL}\n"));
        let credentials = match profile {
            "default" => format!(
                "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n{work_keys}"
            ),
            _ => work_keys.clone(),
        };
        home.credentials(&credentials);
        let script = "for aws in aws /usr/bin/aws; do $aws configure list | grep access_key; done; \
                      AWS_PROFILE=work aws configure list | grep access_key; \
                      node chain.js; \
                      python3 -c \"import botocore.session as s; print('region', s.Session().get_config_variable('region'))\"";
        let out = run(
            server_at(&home, &sts.url)
                .args([
                    "-p",
                    profile,
                    "-t",
                    "123456",
                    "--no-cache",
                    "--",
                    "sh",
                    "-c",
                    script,
                ])
                .env("MODULES", &modules),
            "",
        );
        let text = assert_succeeds(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{layout}: {text}\n{}", stderr(&out));
        for line in &lines[..3] {
            assert!(line.contains("container-role"), "{layout}: {text}");
        }
        assert_eq!(lines[3], format!("js {FIXED_ID} token"), "{layout}: {text}");
        assert_eq!(lines[4], "region eu-west-1", "{layout}: {text}");
        assert!(!marker.exists(), "{layout}: the credential_process ran");
        let key = sts.requests().last().unwrap().signing_key();
        assert_eq!(
            key, LONG_TERM_ID,
            "{layout}: mfa-env signed with its own profile"
        );
    }
    assert_eq!(stderr(&run(home.mfa().arg("--version"), "")), "");
}

/// What the command reads instead of the user's files lives in a fresh directory of this run:
/// 0700, ours, a name nobody can guess, different for each run, removed when the command ends.
/// `aws configure` inside writes there, never into the user's files or a name another run
/// reads; a file planted under the old fixed name is not used.
#[test]
fn the_replacement_files_live_in_a_private_place_of_this_run() {
    if !require("aws") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let config_before = std::fs::read(home.file(".aws/config")).unwrap();
    let credentials_before = std::fs::read(home.file(".aws/credentials")).unwrap();
    // Planted where an older mfa-env looked: with HOME unset it used $TMPDIR/empty-credentials.
    let tmp = home.file("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(
        tmp.join("empty-credentials"),
        "[default]\naws_access_key_id = AKIAPLANTED000000001\naws_secret_access_key = x\n",
    )
    .unwrap();
    let script = "echo \"$AWS_CONFIG_FILE\"; echo \"$AWS_SHARED_CREDENTIALS_FILE\"; \
                  stat -c '%a %u' \"$(dirname \"$AWS_CONFIG_FILE\")\"; \
                  aws configure set region ap-south-1; \
                  aws configure get region; aws configure list | grep access_key";
    let served = |extra: &[(&str, &str)]| {
        let mut cmd = server_at(&home, &sts.url);
        cmd.args(["-t", "123456", "--", "sh", "-c", script])
            .env("TMPDIR", &tmp);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = run(&mut cmd, "");
        let text = assert_succeeds(&out);
        text.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    let first = served(&[]);
    let second = served(&[]);
    let dir = std::path::Path::new(&first[0]).parent().unwrap().to_owned();
    assert_ne!(first[0], second[0], "a fresh directory for each run");
    assert_eq!(std::path::Path::new(&first[1]).parent().unwrap(), dir);
    let name = dir.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("mfa-env-exec-") && name.len() == "mfa-env-exec-".len() + 16,
        "{name}"
    );
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(first[2], format!("700 {uid}"));
    assert_eq!(
        first[3], "ap-south-1",
        "aws configure writes the run's copy"
    );
    assert!(first[4].contains("container-role"), "{first:?}");
    assert!(!dir.exists(), "removed when the command ended");
    assert_eq!(
        std::fs::read(home.file(".aws/config")).unwrap(),
        config_before
    );
    assert_eq!(
        std::fs::read(home.file(".aws/credentials")).unwrap(),
        credentials_before
    );
    // No HOME, no cache directory: still a fresh private directory, in $TMPDIR.
    let config = home.file(".aws/config");
    let credentials = home.file(".aws/credentials");
    let mut cmd = mfa_at(&home, &sts.url);
    cmd.env_remove("HOME")
        .env("TMPDIR", &tmp)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args([
            "exec",
            "--server",
            "-t",
            "123456",
            "--",
            "sh",
            "-c",
            "echo \"$AWS_SHARED_CREDENTIALS_FILE\"; aws configure list | grep access_key",
        ]);
    let text = assert_succeeds(&run(&mut cmd, ""));
    assert!(
        text.starts_with(&format!("{}/mfa-env-exec-", tmp.display())),
        "{text}"
    );
    assert!(
        text.contains("container-role") && !text.contains("AKIAPLANTED"),
        "{text}"
    );
}

/// Inside the command, mfa-env itself uses the user's real files and the session being
/// served: `status`, `status --short`, an apply and `exec` work there, and no message points
/// at the replacement files.
#[test]
fn mfa_env_works_inside_the_command() {
    let sts = FakeSts::start(vec![Reply::Lasting {
        session: 43_200,
        role: 3600,
    }]);
    let home = keys_home();
    let bin = sh_quote(BIN);
    let script = format!(
        "{bin} status --short; {bin} status 2>&1; \
         eval \"$({bin})\"; echo \"applied $AWS_ACCESS_KEY_ID\"; \
         {bin} exec -- sh -c 'echo \"exec $AWS_ACCESS_KEY_ID\"'; \
         {bin} -p nope 2>&1 || true"
    );
    let out = run(
        server_at(&home, &sts.url).args(["-t", "123456", "--", "sh", "-c", &script]),
        "",
    );
    let text = assert_succeeds(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("default 11h5") || lines[0].starts_with("default 12h0"),
        "{text}"
    );
    assert!(
        lines[1]
            .starts_with("this shell: the session of 'default', served by mfa-env exec --server, "),
        "{text}"
    );
    assert!(lines[2].starts_with("default: 1"), "the real cache: {text}");
    let served = "ASIALASTING000000001";
    assert_eq!(
        lines[3],
        format!("applied {served}"),
        "the served session, from the cache"
    );
    assert_eq!(lines[4], format!("exec {served}"));
    let config = home.file(".aws/config").display().to_string();
    assert!(
        lines[5].contains(&format!("is not in {config} or ")),
        "the real files are named: {text}"
    );
    assert!(
        !text.contains("mfa-env-exec-"),
        "no replacement file named: {text}"
    );
    assert_eq!(sts.count(), 1, "no second session was asked for");
}

/// (user and system CPU seconds, peak resident memory in KiB) of a process, from /proc.
fn usage(pid: u32) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit(") ").next().unwrap().split(' ').collect();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let cpu = (fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()) / ticks;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().trim_end_matches(" kB").parse().unwrap())
        .unwrap();
    (cpu, peak)
}

/// Another local user holds 1,100 slow idle connections to the endpoint (a byte a second, each
/// reopened as soon as it is dropped): a request with the token is still answered within 1 s,
/// mfa-env stays under 20 MB and half a core, and it runs under a limit that would let it start
/// no thread (a pids limit): nothing aborts, the command ends with its own status.
#[test]
fn the_endpoint_cannot_be_starved_or_crashed() {
    starve(None);
}

/// The same with only 256 open files allowed (fewer than the attacker's connections): the
/// oldest connections make room before an accept can fail.
#[test]
fn the_endpoint_holds_with_few_file_descriptors() {
    starve(Some(256));
}

fn starve(open_files: Option<u64>) {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let probe = r#"
import http.client, json, os, time, urllib.parse
url = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
print(url.port, flush=True)
while not os.path.exists("go"):
    time.sleep(0.05)
latencies, statuses = [], set()
for _ in range(10):
    started = time.time()
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    c.request("GET", url.path, headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    r = c.getresponse()
    r.read()
    statuses.add(r.status)
    latencies.append(time.time() - started)
    time.sleep(0.3)
print(json.dumps({"slowest": max(latencies), "statuses": sorted(statuses)}), flush=True)
raise SystemExit(7)
"#;
    std::fs::write(home.file("probe.py"), probe).unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = server_at(&home, &sts.url);
    cmd.args(["-t", "123456", "--", "python3", "probe.py"]);
    if let Some(files) = open_files {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: files,
                    rlim_max: files,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
                Ok(())
            });
        }
    }
    if root {
        // mfa-env as one user, limited to a few processes and threads; the attacker another.
        as_uid(&home.path, 65534, &[]);
        run_as(&mut cmd, 65534);
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 16,
                    rlim_max: 16,
                };
                libc::setrlimit(libc::RLIMIT_NPROC, &limit);
                Ok(())
            });
        }
    } else {
        eprintln!("NOTE: not root: the attacker runs as the same user, without a pids limit");
    }
    let mut child = spawn_piped(&mut cmd);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines.next().unwrap().unwrap();
    let mut attacker = Command::new("python3");
    attacker
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/it/slowloris.py"
        ))
        .args([port.as_str(), "1100", "9"])
        .stdout(std::process::Stdio::piped());
    if root {
        run_as(&mut attacker, 65533);
    }
    let attacker = attacker.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let (cpu_before, _) = usage(child.id());
    let wall = std::time::Instant::now();
    std::fs::write(home.file("go"), "").unwrap();
    let report: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let (cpu_after, peak_kib) = usage(child.id());
    let cpu = (cpu_after - cpu_before) / wall.elapsed().as_secs_f64();
    let reopened = attacker.wait_with_output().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(report["statuses"], serde_json::json!([200]), "{report}");
    assert!(report["slowest"].as_f64().unwrap() < 1.0, "{report}");
    assert!(peak_kib < 20 * 1024, "peak memory {peak_kib} KiB");
    assert!(cpu < 0.5, "{cpu} of a core");
    assert_eq!(status.code(), Some(7), "the command's own status, no abort");
    let reopened: u64 = String::from_utf8_lossy(&reopened.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(
        reopened > 1000,
        "the endpoint dropped the slow connections ({reopened})"
    );
}

/// A signal sent to the process group (`kill -INT -PGID`, as job control and supervisors do)
/// reaches the command once, not twice (Terraform reads a second SIGINT as "stop now"); one
/// sent to mfa-env alone is passed on, once.
#[test]
fn a_signal_to_the_process_group_reaches_the_command_once() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let counter = r#"
import signal, sys, time
got = []
signal.signal(signal.SIGINT, lambda *_: got.append(1))
print("ready", flush=True)
while not got:
    time.sleep(0.01)
time.sleep(1.0)
print(len(got), flush=True)
"#;
    std::fs::write(home.file("counter.py"), counter).unwrap();
    for (i, target) in ["group"; 10].into_iter().chain(["process"]).enumerate() {
        let mut cmd = server_at(&home, &sts.url);
        cmd.args(["-t", "123456", "--", "python3", "counter.py"]);
        let mut child = spawn_piped(detached(&mut cmd));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        let pid = child.id() as i32;
        let to = if target == "group" { -pid } else { pid };
        // SAFETY: signals the process (group) of the mfa-env we started.
        unsafe { libc::kill(to, libc::SIGINT) };
        assert_eq!(
            lines.next().unwrap().unwrap(),
            "1",
            "try {i}, to the {target}"
        );
        assert!(child.wait().unwrap().success());
    }
}

/// A session that has ended and cannot be renewed without a code: every fetch is refused
/// (500), but it is said once on stderr, not once per fetch.
#[test]
fn repeated_errors_are_said_once() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::Lasting {
        session: 2,
        role: 0,
    }]);
    let home = keys_home();
    let fetch = r#"
import http.client, os, time, urllib.parse
url = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
statuses = []
for _ in range(12):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    c.request("GET", url.path, headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    statuses.append(c.getresponse().status)
    time.sleep(0.4)
print(statuses[0], statuses[-1])
"#;
    let out = run(
        server_at(&home, &sts.url).args(["-t", "123456", "--", "python3", "-c", fetch]),
        "",
    );
    assert_eq!(assert_succeeds(&out), "200 500\n");
    let err = stderr(&out);
    assert_eq!(
        err.matches("has ended and could not be renewed").count(),
        1,
        "{err}"
    );
    assert_eq!(err.matches("ends at").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}

/// In a real terminal, the command of `exec --server` is a job as without mfa-env: Ctrl-C
/// reaches it once, Ctrl-Z stops it (the shell says so and takes the terminal back), and `fg`
/// continues it to its end, with its status.
#[test]
fn in_a_terminal_ctrl_c_and_ctrl_z_work_as_for_any_job() {
    if !require("python3") || !require("bash") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    std::fs::write(
        home.file("counter.py"),
        "import signal, time\ngot = []\nsignal.signal(signal.SIGINT, lambda *_: got.append(1))\n\
         print('ready', flush=True)\nwhile not got:\n    time.sleep(0.01)\ntime.sleep(1)\nprint('count=%d' % len(got), flush=True)\n",
    )
    .unwrap();
    std::fs::write(
        home.file("ticks.py"),
        "import time\nfor i in range(8):\n    print('tick', i, flush=True)\n    time.sleep(0.25)\nprint('finished', flush=True)\n",
    )
    .unwrap();
    let path = std::env::var("PATH").unwrap();
    let home_dir = home.path.to_str().unwrap().to_owned();
    let Some(term) = Tmux::start(
        &home,
        &[
            ("HOME", &home_dir),
            ("PATH", &path),
            ("TERM", "xterm"),
            ("PS1", "$ "),
            ("AWS_ENDPOINT_URL_STS", &sts.url),
            ("MFA_ENV_TEST_FAST_NETWORK", "1"),
        ],
        "bash",
        &["--norc", "--noprofile", "-i"],
    ) else {
        return;
    };
    let bin = sh_quote(BIN);
    term.keys(&[
        &format!("{bin} exec --server -t 123456 -- python3 counter.py"),
        "Enter",
    ]);
    term.wait_for("ready").unwrap();
    term.keys(&["C-c"]);
    // Ctrl-C reached the command, once; mfa-env passed nothing on (it was not sent to it).
    let screen = term.wait_for("count=").unwrap();
    assert!(screen.contains("count=1"), "{screen}");
    term.keys(&["clear", "Enter"]);
    term.keys(&[&format!("{bin} exec --server -- python3 ticks.py"), "Enter"]);
    term.wait_for("tick 1").unwrap();
    term.keys(&["C-z"]);
    let screen = term.wait_for("Stopped").unwrap();
    assert!(!screen.contains("finished"), "{screen}");
    term.keys(&["fg", "Enter"]);
    // The job's end, then the shell's prompt (the screen drops its trailing space).
    term.wait_for("finished\n$")
        .unwrap_or_else(|s| panic!("{s}"));
    term.keys(&["echo \"status=$?\"", "Enter"]);
    let screen = term.wait_for("\nstatus=").unwrap_or_else(|s| panic!("{s}"));
    assert!(screen.contains("\nstatus=0\n"), "{screen}");
    term.keys(&["echo still-here", "Enter"]);
    term.wait_for("\nstill-here")
        .unwrap_or_else(|s| panic!("the shell kept its terminal: {s}"));
}

/// mfa-env raises its own open-files limit for the endpoint; the command gets the limit
/// mfa-env was started with.
#[test]
fn the_command_gets_the_open_files_limit_back() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = keys_home();
    let mut cmd = server_at(&home, &sts.url);
    cmd.args(["-t", "123456", "--", "sh", "-c", "ulimit -Sn; ulimit -Hn"]);
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1000,
                rlim_max: 4000,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            Ok(())
        });
    }
    assert_eq!(assert_succeeds(&run(&mut cmd, "")), "1000\n4000\n");
}
