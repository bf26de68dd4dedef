//! An existing `~/.aws` works unchanged: over generated configurations and environments,
//! mfa-env signs with the keys, sends the parameters, picks the region, endpoint host and
//! proxy that botocore (the AWS CLI's own resolver) picks. Differences that are deliberate are
//! listed in README ("Compatibility with the AWS CLI") and pinned at the end of this file.

use crate::support::*;

use std::collections::BTreeMap;
use std::process::Command;

const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/botocore_oracle.py");
const SEED: u64 = 0x00B0_70C0;

/// One generated situation: files in a home, an environment, and what to ask.
struct Case {
    home: Home,
    env: BTreeMap<String, String>,
    kind: &'static str,
    /// The fake STS the case's endpoint names (call and proxy cases).
    sts: Option<FakeSts>,
    /// A recording proxy (host and proxy cases).
    proxy: Option<FakeSts>,
    /// What the case is, for failure messages.
    about: String,
}

impl Gen {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const SERIAL_A: &str = "arn:aws:iam::123456789012:mfa/alice";
const SERIAL_B: &str = "GAHT00000042";
const PROCESS: &str =
    r#"printf %s '{"Version": 1, "AccessKeyId": "AKIAPROCESS000000001", "SecretAccessKey": "p"}'"#;

/// A base environment both sides run in: nothing from the developer's, no instance metadata.
fn base_env(home: &Home) -> BTreeMap<String, String> {
    [
        ("HOME", home.path.to_str().unwrap()),
        ("PATH", &std::env::var("PATH").unwrap()),
        ("LANG", "C.UTF-8"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("MFA_ENV_TEST_FAST_NETWORK", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Where the files go: the default places, or the variables that move them.
fn place_files(
    g: &mut Gen,
    case_home: &Home,
    env: &mut BTreeMap<String, String>,
    config: &str,
    credentials: &str,
) {
    if g.chance(25) {
        let dir = case_home.file("elsewhere");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cfg"), config).unwrap();
        std::fs::write(dir.join("creds"), credentials).unwrap();
        env.insert(
            "AWS_CONFIG_FILE".into(),
            dir.join("cfg").to_str().unwrap().into(),
        );
        env.insert(
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            dir.join("creds").to_str().unwrap().into(),
        );
    } else {
        case_home.config(config);
        case_home.credentials(credentials);
    }
}

/// A configuration with plain, process, self-sourced, chained and environment-sourced profiles,
/// the selected one named by AWS_PROFILE, AWS_DEFAULT_PROFILE or not at all.
fn call_case(g: &mut Gen) -> Case {
    let home = Home::new();
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let mut env = base_env(&home);
    let mut config = String::new();
    let mut credentials = String::new();
    let serial = |g: &mut Gen| g.pick(&[SERIAL_A, SERIAL_B]).to_owned();
    let role = |name: &str| format!("role_arn = arn:aws:iam::123456789012:role/{name}\n");

    let selected = g.pick(&[
        "base", "both", "proc", "default", "r1", "r2", "selfie", "r3", "fromenv",
    ]);
    // Keys.
    credentials
        .push_str("[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n");
    credentials
        .push_str("[both]\naws_access_key_id = AKIABOTH000000000001\naws_secret_access_key = b\n");
    credentials.push_str(
        "[selfie]\naws_access_key_id = AKIASELF000000000001\naws_secret_access_key = s\n",
    );
    credentials.push_str(
        "[keyrole]\naws_access_key_id = AKIAKEYROLE000000001\naws_secret_access_key = k\n",
    );
    if g.chance(50) {
        credentials.push_str(
            "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = d\n",
        );
    }
    // Plain profiles.
    for name in ["base", "both", "default"] {
        let header = if name == "default" {
            "[default]\n".to_owned()
        } else {
            format!("[profile {name}]\n")
        };
        config.push_str(&header);
        if g.chance(80) {
            config.push_str(&format!("mfa_serial = {}\n", serial(g)));
        }
        if g.chance(30) {
            config.push_str(&format!(
                "duration_seconds = {}\n",
                g.pick(&["900", "3600", "43200"])
            ));
        }
        // What a role must not borrow from its source profile. (The selected profile may get
        // a region below; the AWS CLI refuses a key written twice in one section.)
        if g.chance(40) && name != selected {
            config.push_str(&format!(
                "region = {}\n",
                g.pick(&["sa-east-1", "ca-central-1"])
            ));
        }
        if g.chance(20) {
            config.push_str("external_id = from-the-source\nrole_session_name = source-name\n");
        }
        if name == "both" {
            config.push_str(&format!("credential_process = {PROCESS}\n"));
        }
    }
    config.push_str(&format!(
        "[profile proc]\ncredential_process = {PROCESS}\nmfa_serial = {SERIAL_A}\n"
    ));
    // Roles.
    let options = |g: &mut Gen, config: &mut String| {
        if g.chance(60) {
            config.push_str(&format!("mfa_serial = {}\n", serial(g)));
        }
        if g.chance(30) {
            config.push_str("external_id = ext-12345\n");
        }
        if g.chance(30) {
            config.push_str("role_session_name = chosen-name\n");
        }
        if g.chance(30) {
            config.push_str(&format!(
                "duration_seconds = {}\n",
                g.pick(&["900", "3600"])
            ));
        }
    };
    let source = g.pick(&["base", "both", "proc", "keyrole", "default"]);
    config.push_str(&format!(
        "[profile r1]\n{}source_profile = {source}\n",
        role("r1")
    ));
    options(g, &mut config);
    config.push_str(&format!(
        "[profile r2]\n{}source_profile = {}\n",
        role("r2"),
        g.pick(&["r1", "base"])
    ));
    options(g, &mut config);
    config.push_str(&format!(
        "[profile selfie]\n{}source_profile = selfie\n",
        role("selfie")
    ));
    options(g, &mut config);
    config.push_str(&format!(
        "[profile keyrole]\n{}source_profile = base\n",
        role("keyrole")
    ));
    config.push_str(&format!(
        "[profile r3]\n{}source_profile = keyrole\n",
        role("r3")
    ));
    options(g, &mut config);
    config.push_str(&format!(
        "[profile fromenv]\n{}credential_source = Environment\n",
        role("fromenv")
    ));
    options(g, &mut config);

    match g.next() % 3 {
        0 if selected != "default" => {
            env.insert("AWS_PROFILE".into(), selected.into());
        }
        1 if selected != "default" => {
            env.insert("AWS_DEFAULT_PROFILE".into(), selected.into());
        }
        _ => {
            if selected != "default" {
                env.insert("AWS_PROFILE".into(), selected.into());
            }
        }
    }
    if selected == "fromenv" {
        env.insert("AWS_ACCESS_KEY_ID".into(), "AKIAENVIRONMENT00001".into());
        env.insert("AWS_SECRET_ACCESS_KEY".into(), "e".into());
    }
    // The region: environment, the selected profile, or none.
    let mut selected_extra = String::new();
    match g.next() % 3 {
        0 => {
            env.insert(
                "AWS_DEFAULT_REGION".into(),
                g.pick(&["eu-west-1", "ap-south-1"]).into(),
            );
        }
        1 => selected_extra.push_str(&format!(
            "region = {}\n",
            g.pick(&["eu-north-1", "us-west-2"])
        )),
        _ => {}
    }
    // The endpoint: each way the AWS CLI takes one, all naming the fake STS.
    match g.next() % 4 {
        0 => {
            env.insert("AWS_ENDPOINT_URL_STS".into(), sts.url.clone());
        }
        1 => {
            env.insert("AWS_ENDPOINT_URL".into(), sts.url.clone());
        }
        2 => selected_extra.push_str(&format!("endpoint_url = {}\n", sts.url)),
        _ => {
            selected_extra.push_str("services = local\n");
            config.push_str(&format!(
                "[services local]\nsts =\n  endpoint_url = {}\n",
                sts.url
            ));
        }
    }
    // Extra settings of the selected profile go into a section of its own, merged.
    let header = if selected == "default" {
        "[default]".to_owned()
    } else {
        format!("[profile {selected}]")
    };
    config = config.replacen(
        &format!("{header}\n"),
        &format!("{header}\n{selected_extra}"),
        1,
    );
    if g.chance(30) && !selected.starts_with('r') && selected != "selfie" && selected != "fromenv" {
        env.insert("AWS_MFA_SERIAL".into(), SERIAL_B.into());
    }
    place_files(g, &home, &mut env, &config, &credentials);
    let about = format!("call, profile {selected}\n{config}\n{credentials}\n{env:?}");
    Case {
        home,
        env,
        kind: "call",
        sts: Some(sts),
        proxy: None,
        about,
    }
}

/// A plain profile with a region and an endpoint variant: FIPS, dual-stack, legacy, partitions.
fn host_case(g: &mut Gen) -> Case {
    let home = Home::new();
    let proxy = FakeSts::start(vec![Reply::error(502, "Bad", "no tunnels here")]);
    let mut env = base_env(&home);
    let mut config = format!("[default]\nmfa_serial = {SERIAL_A}\n");
    let region = g.pick(&[
        "us-east-1",
        "eu-central-1",
        "us-gov-west-1",
        "cn-north-1",
        "eusc-de-east-1",
        "ap-southeast-2",
        "us-west-2",
    ]);
    if g.chance(50) {
        env.insert("AWS_DEFAULT_REGION".into(), region.into());
    } else {
        config.push_str(&format!("region = {region}\n"));
    }
    for (var, key) in [
        ("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
    ] {
        match g.next() % 4 {
            0 => {
                env.insert(var.into(), g.pick(&["true", "TRUE", "false"]).into());
            }
            1 => config.push_str(&format!("{key} = {}\n", g.pick(&["true", "false"]))),
            _ => {}
        }
    }
    match g.next() % 5 {
        0 => {
            env.insert(
                "AWS_STS_REGIONAL_ENDPOINTS".into(),
                g.pick(&["legacy", "regional"]).into(),
            );
        }
        1 => config.push_str("sts_regional_endpoints = legacy\n"),
        2 => config.push_str(
            "ignore_configured_endpoint_urls = true\nendpoint_url = http://127.0.0.1:9\n",
        ),
        _ => {}
    }
    if g.chance(20) {
        env.insert("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS".into(), "true".into());
        env.insert("AWS_ENDPOINT_URL_STS".into(), "http://127.0.0.1:9".into());
    }
    env.insert("HTTPS_PROXY".into(), proxy.url.clone());
    let credentials =
        "[default]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n";
    place_files(g, &home, &mut env, &config, credentials);
    let about = format!("host\n{config}\n{env:?}");
    Case {
        home,
        env,
        kind: "host",
        sts: None,
        proxy: Some(proxy),
        about,
    }
}

/// A loopback endpoint, a recording proxy, and the proxy variables in every form.
fn proxy_case(g: &mut Gen) -> Case {
    let home = Home::new();
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let proxy = FakeSts::start(vec![Reply::error(502, "Bad", "recorded")]);
    let mut env = base_env(&home);
    env.insert("AWS_ENDPOINT_URL_STS".into(), sts.url.clone());
    let bare = proxy.url.trim_start_matches("http://").to_owned();
    let port = sts.url.rsplit(':').next().unwrap().to_owned();
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "HTTPS_PROXY"] {
        if g.chance(35) {
            let value = match g.next() % 4 {
                0 => String::new(),
                1 => bare.clone(),
                _ => proxy.url.clone(),
            };
            env.insert(name.into(), value);
        }
    }
    for name in ["NO_PROXY", "no_proxy"] {
        if g.chance(40) {
            let value = match g.next() % 9 {
                0 => "*".to_owned(),
                1 => ".0.0.1".to_owned(),
                2 => "0.0.1".to_owned(),
                3 => format!("127.0.0.1:{port}"),
                4 => "127.0.0.1:1".to_owned(),
                5 => "127.0.0.0/8".to_owned(),
                6 => "localhost, example.com".to_owned(),
                7 => " 127.0.0.1 ".to_owned(),
                _ => String::new(),
            };
            env.insert(name.into(), value);
        }
    }
    home.credentials(
        "[default]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n",
    );
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL_A}\nregion = us-east-1\n"
    ));
    let about = format!("proxy {env:?}");
    Case {
        home,
        env,
        kind: "proxy",
        sts: Some(sts),
        proxy: Some(proxy),
        about,
    }
}

/// A request as the comparison sees it.
fn summary(r: &Request) -> String {
    let name = r.param("RoleSessionName").map(|n| {
        if n.starts_with("botocore-session-") || n.starts_with("mfa-env-") {
            "<default>".to_owned()
        } else {
            n.to_owned()
        }
    });
    format!(
        "{} key={} region={} serial={:?} code={} role={:?} external={:?} session={:?} duration={:?}",
        r.param("Action").unwrap_or("?"),
        r.signing_key(),
        r.signing_region(),
        r.param("SerialNumber"),
        r.param("TokenCode").is_some(),
        r.param("RoleArn"),
        r.param("ExternalId"),
        name,
        r.param("DurationSeconds"),
    )
}

fn mfa_env(case: &Case) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .envs(&case.env)
        .current_dir(&case.home.path)
        .args(["--shell", "json", "--token-code", "123456", "--no-cache"]);
    run(&mut cmd, "")
}

/// mfa-env's output for every case `which` picks, two at a time (`None` for the others).
fn run_all(
    cases: &[Case],
    which: impl Fn(&Case) -> bool + Sync,
) -> Vec<Option<std::process::Output>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<std::process::Output>>> =
        cases.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    if which(case) {
                        *results[i].lock().unwrap() = Some(mfa_env(case));
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap())
        .collect()
}

#[test]
fn mfa_env_resolves_what_botocore_resolves() {
    if !require("python3") || !require("aws") {
        return;
    }
    let mut g = Gen::seeded(SEED);
    let mut cases: Vec<Case> = Vec::new();
    for i in 0..420 {
        cases.push(match i % 7 {
            0..=3 => call_case(&mut g),
            4 | 5 => host_case(&mut g),
            _ => proxy_case(&mut g),
        });
    }
    // Ask botocore about every case at once (one interpreter start), and meanwhile run mfa-env
    // for the cases where the order of the two does not matter.
    let file = std::env::temp_dir().join(format!("mfa-env-parity-{}.json", std::process::id()));
    let questions: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            let mut q = serde_json::json!({"kind": c.kind, "env": c.env});
            if c.kind == "proxy" {
                q["url"] = serde_json::Value::from(c.env["AWS_ENDPOINT_URL_STS"].clone() + "/");
            }
            q
        })
        .collect();
    std::fs::write(&file, serde_json::to_string(&questions).unwrap()).unwrap();
    let oracle = Command::new("python3")
        .args([ORACLE, file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut outputs: Vec<Option<std::process::Output>> = run_all(&cases, |c| c.kind != "call");
    let out = oracle.wait_with_output().unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    // botocore's calls are in the fake STSs now: mfa-env's follow them.
    let seen_by_oracle: Vec<usize> = cases
        .iter()
        .map(|c| c.sts.as_ref().map_or(0, FakeSts::count))
        .collect();
    for (slot, out) in outputs
        .iter_mut()
        .zip(run_all(&cases, |c| c.kind == "call"))
    {
        if out.is_some() {
            *slot = out;
        }
    }

    let (mut agreed, mut counts) = (0, BTreeMap::<&str, usize>::new());
    let mut outcomes = BTreeMap::<String, usize>::new();
    let mut differences = Vec::new();
    for (i, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        *counts.entry(case.kind).or_default() += 1;
        let out = outputs[i].as_ref().unwrap();
        let oracle_ok = answer.get("ok").is_some();
        let (theirs, ours) = match case.kind {
            "call" => {
                let requests = case.sts.as_ref().unwrap().requests();
                let (theirs, ours) = requests.split_at(seen_by_oracle[i]);
                let theirs: Vec<String> = theirs.iter().map(summary).collect();
                let ours: Vec<String> = ours.iter().map(summary).collect();
                // Both refused (before any call): agreement.
                let theirs = if oracle_ok {
                    theirs.join("\n")
                } else {
                    format!("refused: {}", answer["error"])
                };
                let ours = if out.status.success() {
                    ours.join("\n")
                } else {
                    format!("refused: {}", stderr(out).trim())
                };
                let (theirs, ours) = if theirs.starts_with("refused") && ours.starts_with("refused")
                {
                    ("refused".to_owned(), "refused".to_owned())
                } else {
                    (theirs, ours)
                };
                (theirs, ours)
            }
            "host" => {
                let proxy = case.proxy.as_ref().unwrap();
                let ours = match proxy.requests().first() {
                    Some(r) => r
                        .line
                        .split(' ')
                        .nth(1)
                        .unwrap_or_default()
                        .trim_end_matches(":443")
                        .to_owned(),
                    None => format!("refused: {}", stderr(out).trim()),
                };
                let theirs = match answer["ok"].as_str() {
                    Some(url) => url.trim_start_matches("https://").to_owned(),
                    None => format!("refused: {}", answer["error"]),
                };
                if theirs.starts_with("refused") && ours.starts_with("refused") {
                    ("refused".into(), "refused".into())
                } else {
                    (theirs, ours)
                }
            }
            _ => {
                let proxied = case.proxy.as_ref().unwrap().count() > 0;
                let direct = case.sts.as_ref().unwrap().count() > 0;
                let ours = match (proxied, direct) {
                    (true, false) => "proxy",
                    (false, true) => "direct",
                    _ => "neither",
                };
                let theirs = if answer["ok"].is_string() {
                    "proxy"
                } else {
                    "direct"
                };
                (theirs.to_owned(), ours.to_owned())
            }
        };
        if theirs == ours {
            agreed += 1;
            let outcome = if theirs.starts_with("refused") {
                "refused by both"
            } else {
                "the same calls"
            };
            *outcomes
                .entry(format!("{}: {outcome}", case.kind))
                .or_default() += 1;
        } else {
            differences.push(format!(
                "{}\nbotocore: {theirs}\nmfa-env:  {ours}",
                case.about
            ));
        }
    }
    eprintln!(
        "parity with botocore: {agreed} of {} cases agree ({counts:?}; {outcomes:?}), seed {SEED:#x}",
        cases.len()
    );
    // Agreement must mostly be the same calls, not both refusing: a floor per kind of case.
    for (kind, floor) in [("call", 150), ("host", 100), ("proxy", 50)] {
        let same = outcomes
            .get(&format!("{kind}: the same calls"))
            .copied()
            .unwrap_or(0);
        assert!(
            same >= floor,
            "only {same} {kind} cases made the same calls as botocore (at least {floor}): {outcomes:?}"
        );
    }
    if !differences.is_empty() {
        let report = std::env::temp_dir().join("mfa-env-parity-differences.txt");
        std::fs::write(&report, differences.join("\n\n")).unwrap();
        panic!(
            "{} differences (all in {}); the first:\n\n{}",
            differences.len(),
            report.display(),
            differences[0]
        );
    }
}

/// The deliberate differences README lists under "Compatibility with the AWS CLI", each shown
/// on both sides: what botocore does, and what mfa-env does instead.
#[test]
fn documented_differences_hold() {
    if !require("python3") || !require("aws") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::new();
    home.credentials(
        "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = d\n\
         [work]\naws_access_key_id = AKIAWORK000000000001\naws_secret_access_key = w\n",
    );
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL_A}\nregion = eu-west-1 # a comment\n[profile work]\nmfa_serial = {SERIAL_A}\n"
    ));
    let botocore = |env: &[(&str, &str)], expression: &str| -> String {
        let mut cmd = Command::new("python3");
        cmd.args([
            "-c",
            &format!(
                "import botocore.session; s = botocore.session.Session(); print({expression})"
            ),
        ]);
        cmd.env_clear()
            .env("HOME", &home.path)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let ours = |env: &[(&str, &str)]| -> Request {
        let mut cmd = mfa_at(&home, &sts.url);
        cmd.args(["-s", "json", "-t", "123456", "--no-cache"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        assert_succeeds(&run(&mut cmd, ""));
        sts.requests().pop().unwrap()
    };

    // 1. AWS_PROFILE picks the profile even with keys in the environment (as --profile does);
    //    botocore lets the keys win.
    let keys = [
        ("AWS_PROFILE", "work"),
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001"),
        ("AWS_SECRET_ACCESS_KEY", "e"),
    ];
    assert_eq!(
        botocore(&keys, "s.get_credentials().access_key"),
        "AKIAENVIRONMENT00001"
    );
    assert_eq!(ours(&keys).signing_key(), "AKIAWORK000000000001");

    // 2. AWS_PROFILE before AWS_DEFAULT_PROFILE; botocore takes AWS_DEFAULT_PROFILE first.
    let both = [("AWS_PROFILE", "work"), ("AWS_DEFAULT_PROFILE", "default")];
    assert_eq!(
        botocore(&both, "s.get_credentials().access_key"),
        "AKIADEFAULT000000001"
    );
    assert_eq!(ours(&both).signing_key(), "AKIAWORK000000000001");

    // 3. AWS_REGION before AWS_DEFAULT_REGION, as AWS CLI v2 and the SDKs; botocore (v1)
    //    reads only AWS_DEFAULT_REGION.
    let regions = [
        ("AWS_REGION", "ap-south-1"),
        ("AWS_DEFAULT_REGION", "sa-east-1"),
    ];
    assert_eq!(
        botocore(&regions, "s.get_config_variable('region')"),
        "sa-east-1"
    );
    assert_eq!(ours(&regions).signing_region(), "ap-south-1");

    // 4. An inline comment is no part of a value; botocore (v1) keeps it.
    assert_eq!(
        botocore(&[], "s.get_config_variable('region')"),
        "eu-west-1 # a comment"
    );
    assert_eq!(ours(&[]).signing_region(), "eu-west-1");

    // 5. A session in the environment never signs; botocore would use it.
    let stale = [
        ("AWS_ACCESS_KEY_ID", "ASIASTALE00000000001"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_SESSION_TOKEN", "t"),
    ];
    assert_eq!(
        botocore(&stale, "s.get_credentials().access_key"),
        "ASIASTALE00000000001"
    );
    assert_eq!(ours(&stale).signing_key(), "AKIADEFAULT000000001");

    // 6. No region configured: us-east-1 (or the partition's usual region); botocore refuses.
    home.config(&format!("[default]\nmfa_serial = {SERIAL_A}\n[profile work]\nmfa_serial = arn:aws-us-gov:iam::123456789012:mfa/alice\n"));
    assert_eq!(botocore(&[], "s.get_config_variable('region')"), "None");
    assert_eq!(ours(&[]).signing_region(), "us-east-1");
    assert_eq!(
        ours(&[("AWS_PROFILE", "work")]).signing_region(),
        "us-gov-west-1"
    );

    // 7. A section written twice is merged (as the Rust SDK does); botocore refuses the file.
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL_A}\n[default]\nregion = eu-north-1\n"
    ));
    assert!(
        botocore(&[], "s.get_config_variable('region')").is_empty(),
        "botocore raised"
    );
    assert_eq!(ours(&[]).signing_region(), "eu-north-1");
}

/// The host a message names is the host the run connects to (not one computed apart).
#[test]
fn messages_name_the_host_actually_used() {
    let home = Home::with_default_profile();
    for (region, host) in [
        ("eusc-de-east-1", "sts.eusc-de-east-1.amazonaws.eu"),
        ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
    ] {
        // Through a proxy that is not there: nothing leaves the machine.
        let out = run(
            home.mfa()
                .args(["-s", "bash", "-t", "123456", "--region", region])
                .env("HTTPS_PROXY", "http://127.0.0.1:9"),
            "",
        );
        assert_fails(&out, &format!("cannot reach STS at {host} ("));
    }
}
