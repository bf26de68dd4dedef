//! How mfa-env reaches STS: proxies as the AWS CLI picks them, CA bundles for a TLS-inspecting
//! proxy, the host and signing region of the legacy global endpoint, and host lookups that
//! cannot abort.

use crate::support::*;

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A CA, and a certificate for 127.0.0.1 that it signed, made with openssl in `dir`.
fn make_ca(dir: &Path, name: &str) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca_subject = format!("/CN={name}");
    let ca_key = format!("{name}.key");
    let ca_pem = format!("{name}.pem");
    let mut args = vec!["req", "-x509"];
    args.extend(key);
    args.extend([
        "-keyout",
        &ca_key,
        "-out",
        &ca_pem,
        "-days",
        "2",
        "-subj",
        &ca_subject,
    ]);
    args.extend([
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(&args);
    let mut args = vec!["req"];
    args.extend(key);
    args.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(&args);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        &ca_pem,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}

/// An STS speaking TLS with the certificate in `dir`, answering every call with credentials.
struct TlsSts {
    url: String,
    child: Child,
}

impl Drop for TlsSts {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tls_sts(dir: &Path) -> TlsSts {
    let script = format!(
        r#"
import http.server, ssl
class Sts(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult><Credentials><AccessKeyId>{FIXED_ID}</AccessKeyId><SecretAccessKey>{FIXED_SECRET}</SecretAccessKey><SessionToken>{FIXED_TOKEN}</SessionToken><Expiration>{FIXED_EXPIRATION}</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sts)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("server.pem", "server.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The server binds a port of its own choosing and says which, once it listens.
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap();
    let port: u16 = port.trim().parse().expect("the TLS STS did not start");
    TlsSts {
        url: format!("https://127.0.0.1:{port}"),
        child,
    }
}

/// Proxies named in the environment are used, as the AWS CLI uses them; only loopback is contacted.
#[test]
fn proxies_from_the_environment() {
    let proxy = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let via = |endpoint: &str, var: &str| {
        run(
            mfa_at(&home, endpoint)
                .args(["-s", "bash", "-t", "123456", "--no-cache"])
                .env(var, &proxy.url),
            "",
        )
    };
    let out = via("http://sts.example.invalid", "HTTP_PROXY");
    assert_succeeds(&out);
    assert_eq!(
        proxy.requests()[0].line,
        "POST http://sts.example.invalid/ HTTP/1.1"
    );
    assert_eq!(proxy.requests()[0].param("TokenCode"), Some("123456"));

    // HTTPS goes through a CONNECT tunnel; this fake proxy cannot tunnel, so the run fails cleanly.
    let out = via("https://sts.example.invalid", "HTTPS_PROXY");
    assert!(!out.status.success() && out.stdout.is_empty());
    assert_eq!(
        proxy.requests()[1].line,
        "CONNECT sts.example.invalid:443 HTTP/1.1"
    );
}

/// Under a limit that lets mfa-env start no thread (a pids limit), looking up the endpoint's
/// host fails with one line of ours, never an abort (the runtime's own pool panics there).
#[test]
fn no_thread_to_spare_is_a_clean_failure() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("NOTE: not root: cannot run mfa-env as a user with no process to spare");
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    as_uid(&home.path, 65534, &[]);
    let url = sts.url.replace("127.0.0.1", "localhost");
    let mut cmd = mfa_at(&home, &url);
    cmd.args(["-s", "bash", "-t", "123456"]);
    run_as(&mut cmd, 65534);
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            libc::setrlimit(libc::RLIMIT_NPROC, &limit);
            Ok(())
        });
    }
    let out = run(&mut cmd, "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_fails(&out, "cannot start a thread to look up the host");
    assert_eq!(sts.count(), 0);
}

#[test]
fn a_ca_bundle_makes_a_private_ca_trusted() {
    if !require("openssl") || !require("python3") {
        return;
    }
    let home = Home::with_default_profile();
    let dir = home.file("pki");
    std::fs::create_dir_all(&dir).unwrap();
    make_ca(&dir, "other-ca");
    make_ca(&dir, "corp-ca");
    let sts = tls_sts(&dir);
    let attempt = |env: &[(&str, &Path)]| {
        let mut cmd = mfa_at(&home, &sts.url);
        cmd.args(["-s", "bash", "-t", "123456", "--no-cache"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd, "")
    };

    // The system's CAs do not know this one: one line that names the fix.
    let out = attempt(&[]);
    assert_fails(
        &out,
        &format!("the TLS certificate of {} is not trusted", sts.url),
    );
    assert!(
        stderr(&out)
            .contains("set AWS_CA_BUNDLE (or ca_bundle in the profile) to the PEM file of its CA")
    );

    // The bundle, from the environment or from the profile.
    let out = attempt(&[("AWS_CA_BUNDLE", &dir.join("corp-ca.pem"))]);
    assert!(assert_succeeds(&out).contains(FIXED_TOKEN));
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nca_bundle = ~/pki/corp-ca.pem\n"
    ));
    assert_succeeds(&attempt(&[]));

    // Another CA's bundle: the run names the setting to fix.
    let out = attempt(&[("AWS_CA_BUNDLE", &dir.join("other-ca.pem"))]);
    assert_fails(
        &out,
        "it is not signed by a CA in the bundle AWS_CA_BUNDLE names: fix AWS_CA_BUNDLE",
    );
    let out = attempt(&[("AWS_CA_BUNDLE", &dir.join("missing.pem"))]);
    assert_fails(&out, "AWS_CA_BUNDLE names the CA bundle");
    let out = attempt(&[("AWS_CA_BUNDLE", &dir.join("server.ext"))]);
    assert_fails(&out, "holds no PEM certificate");
}

/// The legacy global endpoint (`sts_regional_endpoints = legacy` outside us-east-1, or region
/// aws-global): mfa-env connects to sts.amazonaws.com and signs for us-east-1, as the endpoint
/// rules and botocore say; real STS refuses any other scope. Reached through a TLS-terminating
/// proxy on loopback, so the request is seen whole.
#[test]
fn the_legacy_global_endpoint_is_signed_for_us_east_1() {
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let Some(mitm) = Mitm::start(&sts.url) else {
        return;
    };
    let home = Home::with_default_profile();
    for (config, env, host, signed) in [
        (
            "region = eu-west-1\nsts_regional_endpoints = legacy\n",
            &[][..],
            "sts.amazonaws.com:443",
            "us-east-1",
        ),
        (
            "region = eu-west-1\n",
            &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")][..],
            "sts.amazonaws.com:443",
            "us-east-1",
        ),
        (
            "region = aws-global\n",
            &[][..],
            "sts.amazonaws.com:443",
            "us-east-1",
        ),
        (
            "region = eu-west-1\n",
            &[][..],
            "sts.eu-west-1.amazonaws.com:443",
            "eu-west-1",
        ),
    ] {
        home.config(&format!("[default]\nmfa_serial = {SERIAL}\n{config}"));
        let before = sts.count();
        let mut cmd = home.mfa();
        cmd.args(["-t", "123456", "--no-cache", "-s", "bash"])
            .env("HTTPS_PROXY", &mitm.proxy)
            .env("AWS_CA_BUNDLE", &mitm.ca);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd, "");
        assert!(assert_succeeds(&out).contains(FIXED_ID), "{config}");
        assert_eq!(mitm.connects().last().map(String::as_str), Some(host));
        let request = &sts.requests()[before];
        assert_eq!(request.signing_region(), signed, "{config} {env:?}");
        assert_eq!(request.headers["host"], host.trim_end_matches(":443"));
    }
}

/// The files a run opens, as strace sees them (following threads).
fn opened_files(cmd: &mut Command) -> (std::process::Output, Vec<String>) {
    let log = tempfile_path("strace");
    let mut traced = Command::new("strace");
    traced
        .args(["-f", "-qq", "-e", "trace=open,openat", "-o"])
        .arg(&log)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))));
    if let Some(dir) = cmd.get_current_dir() {
        traced.current_dir(dir);
    }
    let out = run(&mut traced, "");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let opened = text
        .lines()
        .filter(|l| !l.contains("ENOENT"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect();
    (out, opened)
}

fn tempfile_path(name: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("mfa-env-{name}-{}-{n}", std::process::id()))
}

/// The system's CA roots are read once, from their one bundle file (not again from each file of
/// /etc/ssl/certs); an `http://` endpoint reads none; SSL_CERT_FILE still decides when set.
#[test]
fn the_ca_roots_are_read_once_and_only_for_tls() {
    const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
    if !require("strace") || !require("openssl") || !Path::new(BUNDLE).exists() {
        return;
    }
    let home = Home::with_default_profile();
    let dir = home.file("pki");
    std::fs::create_dir_all(&dir).unwrap();
    make_ca(&dir, "corp-ca");
    let tls = tls_sts(&dir);
    let certificates = |opened: &[String]| -> Vec<String> {
        opened
            .iter()
            .filter(|p| p.starts_with("/etc/ssl") || p.starts_with("/usr/lib/ssl"))
            .cloned()
            .collect()
    };
    // An untrusted endpoint: the roots are loaded (and refuse it), from the bundle alone.
    let (out, opened) =
        opened_files(mfa_at(&home, &tls.url).args(["-s", "bash", "-t", "123456", "--no-cache"]));
    assert_fails(&out, "is not trusted");
    assert_eq!(certificates(&opened), [BUNDLE]);
    // SSL_CERT_FILE names the roots: that file, and it decides.
    let (out, opened) = opened_files(
        mfa_at(&home, &tls.url)
            .args(["-s", "bash", "-t", "123456", "--no-cache"])
            .env("SSL_CERT_FILE", dir.join("corp-ca.pem")),
    );
    assert!(assert_succeeds(&out).contains(FIXED_TOKEN));
    assert!(
        opened.iter().any(|p| p.ends_with("corp-ca.pem")),
        "{opened:?}"
    );
    // Plain http: no CA file at all.
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let (out, opened) =
        opened_files(mfa_at(&home, &sts.url).args(["-s", "bash", "-t", "123456", "--no-cache"]));
    assert_succeeds(&out);
    assert_eq!(certificates(&opened), Vec::<String>::new());
}
