//! Test harness: a clean environment per run, temporary homes, the real shells, moto's STS
//! server and a scriptable fake STS, all on loopback.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_mfa-env");
pub const SERIAL: &str = "arn:aws:iam::123456789012:mfa/tester";
pub const LONG_TERM_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const LONG_TERM_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const VARS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// True where the tool is installed (on PATH, or at the path given). Missing locally: say so
/// and skip. Missing in CI: fail.
pub fn require(tool: &str) -> bool {
    let found = if tool.contains('/') {
        Path::new(tool).is_file()
    } else {
        on_path(tool)
    };
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{tool} is required under CI=true but is not installed (see .ci/run)");
        }
        eprintln!("SKIPPED: {tool} is not installed");
    }
    found
}

/// A temporary directory used as HOME, removed when dropped.
pub struct Home {
    pub path: PathBuf,
}

impl Home {
    pub fn new() -> Home {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mfa-env-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join(".aws")).unwrap();
        Home { path }
    }

    /// A home whose default profile holds long-term keys and names the MFA device.
    pub fn with_default_profile() -> Home {
        let home = Home::new();
        home.credentials(&format!(
            "[default]\naws_access_key_id = {LONG_TERM_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ));
        home.config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
        home
    }

    pub fn config(&self, text: &str) {
        std::fs::write(self.path.join(".aws/config"), text).unwrap();
    }

    pub fn credentials(&self, text: &str) {
        std::fs::write(self.path.join(".aws/credentials"), text).unwrap();
    }

    pub fn file(&self, relative: &str) -> PathBuf {
        self.path.join(relative)
    }

    /// The files of mfa-env's session cache (none when it has no cache directory).
    pub fn cached_sessions(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.file(".cache/mfa-env")) {
            Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// mfa-env with nothing from the developer's environment but PATH.
    pub fn mfa(&self) -> Command {
        let mut cmd = Command::new(BIN);
        clean_env(&mut cmd, &self.path);
        cmd
    }

    /// A shell (or any program) in the same clean environment.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        clean_env(&mut cmd, &self.path);
        cmd
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        if std::env::var_os("MFA_ENV_KEEP_TEST_HOMES").is_none() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn clean_env(cmd: &mut Command, home: &Path) {
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .env("SHELL", "/bin/sh")
        // Anything that would reach instance metadata goes to a closed loopback port instead.
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
        // Debug builds: bounds of seconds, not tens of seconds, on loopback.
        .env("MFA_ENV_TEST_FAST_NETWORK", "1")
        .current_dir(home)
        .stdin(Stdio::null());
}

/// Runs to completion with `input` on stdin.
pub fn run(cmd: &mut Command, input: &str) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failed run: non-zero, empty stdout, one `mfa-env: ...` line containing `needle`.
#[track_caller]
pub fn assert_fails(out: &Output, needle: &str) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected failure, stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty on failure: {:?}",
        stdout(out)
    );
    assert!(
        err.starts_with("mfa-env: ") && err.ends_with('\n') && err.lines().count() == 1,
        "one line: {err:?}"
    );
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

/// Asserts a successful run (stderr shown if not) and returns its stdout.
#[track_caller]
pub fn assert_succeeds(out: &Output) -> String {
    assert!(out.status.success(), "expected success: {}", stderr(out));
    stdout(out)
}

/// Starts `cmd` with stdout and stderr captured, for tests that watch or disturb it while it runs.
pub fn spawn_piped(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// `env -0` output as a map.
pub fn parse_env0(bytes: &[u8]) -> HashMap<String, String> {
    bytes
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let e = String::from_utf8(e.to_vec()).ok()?;
            let (k, v) = e.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// How to run a script from stdin in each POSIX-family shell, strictly.
pub const POSIX_SHELLS: &[(&str, &[&str])] = &[
    (
        "bash",
        &["--norc", "--noprofile", "-eu", "-o", "pipefail", "-s"],
    ),
    ("dash", &["-eu", "-s"]),
    ("zsh", &["--no-rcs", "-eu", "-s"]),
    ("ksh", &["-eu", "-s"]),
    ("mksh", &["-eu", "-s"]),
    ("yash", &["-eu", "-s"]),
    // posh reads a script from stdin without being told.
    ("posh", &["-eu"]),
    ("busybox", &["sh", "-eu", "-s"]),
];
pub const FISH: (&str, &[&str]) = ("fish", &["--no-config"]);

// ---------------------------------------------------------------------------------------------
// moto

pub struct Moto {
    pub url: String,
    _watchdog: Mutex<Child>,
}

/// moto's STS server on a free loopback port, one per test binary; it dies with the tests.
pub fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| {
        if !require("moto_server") || !require("python3") {
            return None;
        }
        // moto binds a port of its own choosing and says which; it ends when our end of its
        // stdin closes, i.e. when this process exits.
        let mut child = Command::new("python3")
            .args([
                "-c",
                "import sys\n\
                 from moto.server import ThreadedMotoServer\n\
                 server = ThreadedMotoServer('127.0.0.1', 0, verbose=False)\n\
                 server.start()\n\
                 print(server.get_host_and_port()[1], flush=True)\n\
                 sys.stdin.read()",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        assert!(!port.trim().is_empty(), "moto did not start");
        Some(Moto {
            url: format!("http://127.0.0.1:{}", port.trim()),
            _watchdog: Mutex::new(child),
        })
    })
    .as_ref()
}

/// A loopback port that refuses connections for as long as this lives: a socket bound to it
/// but never listening, so that nothing else can take the port meanwhile.
pub struct ClosedPort {
    fd: i32,
    pub port: u16,
}

impl ClosedPort {
    pub fn new() -> ClosedPort {
        // SAFETY: a plain socket, bound to 127.0.0.1:0; the address structs are filled in full.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(libc::bind(fd, (&raw const addr).cast(), len), 0);
            let mut bound: libc::sockaddr_in = std::mem::zeroed();
            let mut bound_len = len;
            assert_eq!(
                libc::getsockname(fd, (&raw mut bound).cast(), &mut bound_len),
                0
            );
            ClosedPort {
                fd,
                port: u16::from_be(bound.sin_port),
            }
        }
    }
}

impl Drop for ClosedPort {
    fn drop(&mut self) {
        // SAFETY: closes the socket this owns.
        unsafe { libc::close(self.fd) };
    }
}

// ---------------------------------------------------------------------------------------------
// A fake STS: answers from a script and records what it was sent.

#[derive(Clone, Debug)]
pub enum Reply {
    /// Credentials in the Action's response document.
    Creds {
        id: String,
        secret: String,
        token: String,
        expiration: String,
    },
    /// An STS error document.
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// Any status and body.
    Raw { status: u16, body: String },
    /// Accept, read, and never answer.
    Stall,
    /// A 200 whose chunked body never ends.
    Endless,
    /// A 200 announcing and sending a body of this many bytes.
    Huge(usize),
    /// Credentials that differ per request: the access key id ends with the request's number.
    Numbered,
    /// Numbered credentials lasting this many seconds from the request: GetSessionToken's,
    /// AssumeRole's. GetCallerIdentity is answered as STS does.
    Lasting { session: i64, role: i64 },
}

impl Reply {
    pub fn creds(id: &str, secret: &str, token: &str, expiration: &str) -> Reply {
        Reply::Creds {
            id: id.into(),
            secret: secret.into(),
            token: token.into(),
            expiration: expiration.into(),
        }
    }

    pub fn fixed() -> Reply {
        Reply::creds(FIXED_ID, FIXED_SECRET, FIXED_TOKEN, FIXED_EXPIRATION)
    }

    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::Error {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

pub const FIXED_ID: &str = "ASIAFAKESTS0000TEST";
pub const FIXED_SECRET: &str = "s3cr3t/Key+ForTests0123456789abcdefghIJ";
pub const FIXED_TOKEN: &str = "FwoGZXIvYXdzEXAMPLE/session+token==";
pub const FIXED_EXPIRATION: &str = "2099-01-02T03:04:05Z";

#[derive(Clone, Debug)]
pub struct Request {
    /// `POST / HTTP/1.1`, or what a proxy sees: `CONNECT host:443 HTTP/1.1`.
    pub line: String,
    pub form: HashMap<String, String>,
    pub headers: HashMap<String, String>,
    /// When it arrived, in seconds since the epoch.
    pub at: f64,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str)
    }

    /// The access key id in `Credential=AKID/date/region/sts/aws4_request`.
    pub fn signing_key(&self) -> String {
        self.credential_scope()
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn signing_region(&self) -> String {
        self.credential_scope()
            .split('/')
            .nth(2)
            .unwrap_or_default()
            .to_owned()
    }

    fn credential_scope(&self) -> &str {
        let auth = self
            .headers
            .get("authorization")
            .map(String::as_str)
            .unwrap_or_default();
        auth.split("Credential=")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or_default()
    }
}

/// A scripted STS on loopback; dropped, it stops listening and its threads end.
pub struct FakeSts {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    address: std::net::SocketAddr,
    accepting: Option<std::thread::JoinHandle<()>>,
}

impl FakeSts {
    /// Answers with `script` in order, repeating its last reply.
    pub fn start(script: Vec<Reply>) -> FakeSts {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let script = Arc::new(Mutex::new(script));
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let accepting = std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let (seen, script, stopping) = (seen.clone(), script.clone(), stopping.clone());
                std::thread::spawn(move || serve(stream, &seen, &script, &stopping));
            }
        });
        FakeSts {
            url: format!("http://{address}"),
            requests,
            stop,
            address,
            accepting: Some(accepting),
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the flag and ends, closing the port.
        let _ = TcpStream::connect(self.address);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    seen: &Mutex<Vec<Request>>,
    script: &Mutex<Vec<Reply>>,
    stop: &AtomicBool,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = HashMap::new();
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let request_line = line.trim_end().to_owned();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let form = parse_form(&String::from_utf8_lossy(&body));
    let action = form.get("Action").cloned().unwrap_or_default();
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let number = {
        let mut seen = seen.lock().unwrap();
        seen.push(Request {
            line: request_line,
            form,
            headers,
            at,
        });
        seen.len()
    };
    let reply = {
        let mut script = script.lock().unwrap();
        if script.len() > 1 {
            script.remove(0)
        } else {
            script[0].clone()
        }
    };
    let mut stream = stream;
    let (status, body) = match reply {
        Reply::Stall => {
            // Never answers; ends with the fake STS.
            let start = Instant::now();
            while !stop.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(120) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        Reply::Endless => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            let chunk = format!("{:x}\r\n{}\r\n", 65_536, "<a>".repeat(65_536 / 3) + "x");
            while !stop.load(Ordering::SeqCst) && stream.write_all(chunk.as_bytes()).is_ok() {}
            return;
        }
        Reply::Huge(size) => {
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {size}\r\n\r\n"
            );
            let block = vec![b'a'; 65_536];
            let mut left = size;
            while left > 0 {
                let n = left.min(block.len());
                if stream.write_all(&block[..n]).is_err() {
                    return;
                }
                left -= n;
            }
            return;
        }
        Reply::Lasting { .. } | Reply::Numbered if action == "GetCallerIdentity" => (
            200,
            format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><UserId>AROA:s</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-{number}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
            ),
        ),
        Reply::Lasting { session, role } => {
            let secs = if action == "AssumeRole" {
                role
            } else {
                session
            };
            (
                200,
                creds_document(
                    &action,
                    &format!("ASIALASTING{number:09}"),
                    FIXED_SECRET,
                    FIXED_TOKEN,
                    &iso_in(secs),
                ),
            )
        }
        Reply::Numbered => (
            200,
            creds_document(
                &action,
                &format!("ASIANUMBERED{number:08}"),
                FIXED_SECRET,
                FIXED_TOKEN,
                FIXED_EXPIRATION,
            ),
        ),
        Reply::Raw { status, body } => (status, body),
        Reply::Error {
            status,
            code,
            message,
        } => (
            status,
            format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
                xml_escape(&message)
            ),
        ),
        Reply::Creds {
            id,
            secret,
            token,
            expiration,
        } => (
            200,
            creds_document(&action, &id, &secret, &token, &expiration),
        ),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// An STS answer with credentials; an empty `expiration` leaves the element out.
fn creds_document(action: &str, id: &str, secret: &str, token: &str, expiration: &str) -> String {
    let extra = if action == "AssumeRole" {
        "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>"
    } else {
        ""
    };
    let expiration = if expiration.is_empty() {
        String::new()
    } else {
        format!("<Expiration>{expiration}</Expiration>")
    };
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken>{expiration}</Credentials>{extra}</{action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></{action}Response>",
        xml_escape(id),
        xml_escape(secret),
        xml_escape(token)
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// A home with the default profile and `AWS_ENDPOINT_URL_STS` pointing at `url`.
pub fn mfa_at(home: &Home, url: &str) -> Command {
    let mut cmd = home.mfa();
    cmd.env("AWS_ENDPOINT_URL_STS", url);
    cmd
}

/// Values that break naive quoting somewhere: each shell must hold them exactly or refuse them.
pub const ADVERSARIAL: &[&str] = &[
    "plain",
    "",
    "'",
    "''",
    "a'b",
    "'\\''",
    "\\",
    "ends with backslash\\",
    "\\'",
    "\\\\'",
    "\"double\"",
    "$HOME",
    "${HOME}",
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    "\\'; touch pwned #",
    "%PATH%",
    "!history!",
    "-n",
    "--version",
    "-e \\n",
    "a b  c",
    " leading and trailing ",
    "*",
    "?[a-z]",
    "~",
    "#comment",
    "a;b|c&d<e>f",
    "(paren)",
    "{brace}",
    "é日本😀",
    "\u{2018}curly\u{2019}\u{201a}\u{201b}",
    "\u{a0}nbsp\u{2028}sep\u{feff}",
    "e\u{301}",
    "new\nline",
    "tab\there",
    "cr\rhere",
    "nul\0here",
    "del\u{7f}",
];

/// Runs with no controlling terminal, as under CI or cron: a run that would ask for a code fails.
pub fn detached(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe; it only detaches the child from our terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        })
    }
}

/// Whether `tool` is on PATH, for the few tools CI cannot have (pwsh): those tests say so and skip.
pub fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

/// Where `tool` is on PATH.
pub fn which(tool: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(tool))
                .find(|path| path.is_file())
        })
        .unwrap_or_else(|| panic!("{tool} is not on PATH"))
}

/// A small deterministic generator for property tests; MFA_ENV_PROPTEST_SEED replays another run.
pub struct Gen(pub u64);

impl Gen {
    pub fn seeded(default: u64) -> Gen {
        let seed = std::env::var("MFA_ENV_PROPTEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default);
        eprintln!("property seed: {seed} (MFA_ENV_PROPTEST_SEED)");
        Gen(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

// ---------------------------------------------------------------------------------------------
// Quoting for the scripts the tests write, and time as the tests need it.

/// `s` in POSIX single quotes.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` in fish single quotes.
pub fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// `s` in PowerShell single quotes.
pub fn pwsh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `YYYY-MM-DDTHH:MM:SSZ`, `secs` from now.
pub fn iso_in(secs: i64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", now() + secs),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Unix seconds of an ISO 8601 time.
pub fn parse_iso(text: &str) -> i64 {
    let out = Command::new("date")
        .args(["-u", "-d", text, "+%s"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The line mfa-env prints to set `name` to `value` in `shell`, or `None` if it refuses the
/// value. Taken from the real binary: `--unset` gives `AWS_PROFILE` back from
/// `MFA_ENV_RESTORE_PROFILE`, through the same quoting as every other value.
pub fn set_line(shell: &str, name: &str, value: &str) -> Option<String> {
    if value.is_empty() || value.contains('\0') {
        return None;
    }
    let out = Command::new(BIN)
        .args(["--unset", "--shell", shell])
        .env_clear()
        .env("MFA_ENV_RESTORE_PROFILE", value)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        assert!(out.stdout.is_empty(), "output on failure");
        return None;
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("AWS_PROFILE") && !l.contains("MFA_ENV_RESTORE"))
        .unwrap_or_else(|| panic!("no AWS_PROFILE line in {text:?}"));
    Some(format!("{}\n", line.replacen("AWS_PROFILE", name, 1)))
}

/// Gives `dir` and everything under it to `uid`, except the paths in `keep` (and what is under
/// them), which stay as they are: a home of another user holding, say, root's leftovers.
pub fn as_uid(dir: &Path, uid: u32, keep: &[&Path]) {
    use std::os::unix::ffi::OsStrExt;
    if keep.iter().any(|k| dir.starts_with(k)) {
        return;
    }
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::lchown(c.as_ptr(), uid, uid) },
        0,
        "{}",
        dir.display()
    );
    if dir.is_dir() && !dir.is_symlink() {
        for entry in std::fs::read_dir(dir).unwrap() {
            as_uid(&entry.unwrap().path(), uid, keep);
        }
    }
}

/// Runs `cmd` as `uid` (and the same gid), without supplementary groups: for tests that run
/// as root and need what another user would see.
pub fn run_as(cmd: &mut Command, uid: u32) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: setgroups, setgid and setuid are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(uid) != 0
                || libc::setuid(uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

// ---------------------------------------------------------------------------------------------
// A TLS-terminating proxy: real AWS host names, answered on loopback.

/// `tests/it/mitm.py`: an HTTPS proxy that speaks TLS for whatever host is asked (with a CA made
/// at start) and forwards the requests to `upstream`. Point `HTTPS_PROXY` at `proxy` and
/// `AWS_CA_BUNDLE` at `ca`; it stops when dropped.
pub struct Mitm {
    pub proxy: String,
    pub ca: PathBuf,
    log: PathBuf,
    child: Child,
    _dir: Home,
}

impl Mitm {
    pub fn start(upstream: &str) -> Option<Mitm> {
        if !require("python3") {
            return None;
        }
        let dir = Home::new();
        let (ca, log) = (dir.file("ca.pem"), dir.file("connects.jsonl"));
        let mut child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/mitm.py"))
            .args([&ca, Path::new(upstream), &log])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start mitm.py");
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        assert!(!port.trim().is_empty(), "mitm.py did not start");
        Some(Mitm {
            proxy: format!("http://127.0.0.1:{}", port.trim()),
            ca,
            log,
            child,
            _dir: dir,
        })
    }

    /// The `host:port` of every CONNECT so far, in order.
    pub fn connects(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["connect"].as_str().unwrap().to_owned()
            })
            .collect()
    }
}

impl Drop for Mitm {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// A real terminal: tmux, for what only a terminal shows (job control, Ctrl-C).

/// A tmux server of its own running one shell in a terminal of 200x50; killed when dropped.
pub struct Tmux {
    socket: PathBuf,
    _dir: Home,
}

impl Tmux {
    /// Starts `program` (with `args`) in `home`, with exactly `env` as its environment.
    pub fn start(home: &Home, env: &[(&str, &str)], program: &str, args: &[&str]) -> Option<Tmux> {
        if !require("tmux") {
            return None;
        }
        let dir = Home::new();
        let socket = dir.file("tmux.sock");
        let mut command = vec!["env".to_owned(), "-i".to_owned()];
        command.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        command.push(program.to_owned());
        command.extend(args.iter().map(|a| a.to_string()));
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "50",
                "-c",
            ])
            .arg(&home.path)
            .args(command)
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Some(Tmux { socket, _dir: dir })
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&self.socket);
        cmd
    }

    /// Types `text` (tmux key names such as `C-c` and `Enter` as separate words).
    pub fn keys(&self, keys: &[&str]) {
        assert!(
            self.tmux()
                .arg("send-keys")
                .args(keys)
                .status()
                .unwrap()
                .success()
        );
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        let out = self.tmux().args(["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits up to 20 s for `text` to show; the screen, for the assertion's message.
    pub fn wait_for(&self, text: &str) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return Ok(screen);
            }
            if start.elapsed() > Duration::from_secs(20) {
                return Err(screen);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A terminal with `program` running in `home`, mfa-env on its PATH, the prompt `$ `, and
/// bash as the login shell.
pub fn terminal(home: &Home, program: &str, args: &[&str]) -> Option<Tmux> {
    let path = format!("{}:{}", bin_dir(), std::env::var("PATH").unwrap());
    let home_dir = home.path.to_str().unwrap().to_owned();
    Tmux::start(
        home,
        &[
            ("HOME", &home_dir),
            ("PATH", &path),
            ("TERM", "xterm"),
            ("PS1", "$ "),
            ("SHELL", "/bin/bash"),
        ],
        program,
        args,
    )
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by several feature modules.

/// RFC 4226/6238 seed "12345678901234567890" in base32.
pub const TOTP_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd, "");
    assert_succeeds(&out);
    stdout(&out)
}

pub fn mkfifo(path: &std::path::Path) {
    let out = Command::new("mkfifo").arg(path).output().unwrap();
    assert!(out.status.success());
}

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every kind of profile, in both files or one, with names that are hard to handle, and the
/// key material that must never be shown.
pub fn fixture() -> (Home, Vec<&'static str>) {
    let home = Home::new();
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n\
         [profile work.eu]\nmfa_serial = GAHT00000001\nregion = eu-west-1\n\
         [profile \"admin role\"]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = work.eu\nmfa_serial = GAHT00000001\n\
         [profile orphan]\nrole_arn = arn:aws:iam::123456789012:role/o\nsource_profile = gone\n\
         [profile tool]\ncredential_process = get-keys --secret-flag PROCESSSECRET\n\
         [profile sso]\nsso_start_url = https://example.awsapps.com/start\n\
         [profile ünïcode]\nmfa_serial = GAHT00000002\n\
         [profile config-only]\nregion = us-west-2\n"
    ));
    home.credentials(
        "[default]\naws_access_key_id = AKIADEFAULTKEYID0001\naws_secret_access_key = DEFAULTSECRET\n\
         [work.eu]\naws_access_key_id = AKIAWORKKEYID0000001\naws_secret_access_key = WORKSECRET\n\
         [ünïcode]\naws_access_key_id = AKIAUNICODEKEYID0001\naws_secret_access_key = UNICODESECRET\n\
         [half]\naws_access_key_id = AKIAHALFKEYID0000001\n\
         [written]\naws_access_key_id = ASIAWRITTENKEYID0001\naws_secret_access_key = WRITTENSECRET\naws_session_token = WRITTENTOKEN\nmfa_env_source_profile = default\n",
    );
    let secrets = vec![
        "AKIADEFAULTKEYID0001",
        "DEFAULTSECRET",
        "AKIAWORKKEYID0000001",
        "WORKSECRET",
        "AKIAUNICODEKEYID0001",
        "UNICODESECRET",
        "AKIAHALFKEYID0000001",
        "ASIAWRITTENKEYID0001",
        "WRITTENSECRET",
        "WRITTENTOKEN",
        "PROCESSSECRET",
        FIXED_ID,
        FIXED_SECRET,
        FIXED_TOKEN,
    ];
    (home, secrets)
}

pub fn bin_dir() -> String {
    std::path::Path::new(BIN)
        .parent()
        .unwrap()
        .display()
        .to_string()
}

pub fn with_bin_on_path(cmd: &mut std::process::Command) -> &mut std::process::Command {
    let path = format!("{}:{}", bin_dir(), std::env::var("PATH").unwrap());
    cmd.env("PATH", path)
}

pub fn expires_in(secs: i64) -> String {
    iso_in(secs)
}

pub fn session_lasting(secs: i64) -> Reply {
    Reply::creds(FIXED_ID, FIXED_SECRET, FIXED_TOKEN, &expires_in(secs))
}

/// A run with a code, which fills the cache.
pub fn sign_in(home: &Home, sts: &FakeSts) {
    let out = run(
        mfa_at(home, &sts.url).args(["-s", "bash", "-t", "123456"]),
        "",
    );
    assert_succeeds(&out);
}

/// Where `.ci/run` installs the AWS SDK for JavaScript v3 (`target/test-node`), for the tests
/// that run it; `None` (said) when it is missing locally, a failure under CI=true.
pub fn js_sdk() -> Option<String> {
    let modules = concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-node/node_modules");
    let found = Path::new(modules)
        .join("@aws-sdk/credential-providers")
        .is_dir();
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the AWS SDK for JavaScript is required under CI=true (see .ci/run)");
        }
        eprintln!("SKIPPED: @aws-sdk/credential-providers is not installed in target/test-node");
        return None;
    }
    require("node").then(|| modules.to_owned())
}

// ---------------------------------------------------------------------------------------------
// A Secret Service of our own: a private session bus, and GNOME Keyring on it.

/// A private session bus (no service activation: only what we start is on it), with GNOME
/// Keyring's Secret Service unlocked on it unless `bare`; both stop when dropped.
pub struct SecretService {
    pub address: String,
    pub dir: Home,
    processes: Vec<std::process::Child>,
}

impl SecretService {
    /// A bus with GNOME Keyring on it, its login keyring unlocked; `None` (skipped, or a
    /// failure under CI) where dbus-daemon or gnome-keyring-daemon is missing.
    pub fn start() -> Option<SecretService> {
        if !require("gnome-keyring-daemon") {
            return None;
        }
        use std::os::unix::process::CommandExt;
        let mut service = SecretService::bare()?;
        let mut keyring = service
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        // The password of the login keyring it creates, on stdin, then end of input.
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"test-password")
            .unwrap();
        service.processes.push(keyring);
        let start = Instant::now();
        while !service.has_owner("org.freedesktop.secrets") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "gnome-keyring-daemon did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(service)
    }

    /// A bus with nothing on it that keeps secrets.
    pub fn bare() -> Option<SecretService> {
        if !require("dbus-daemon") {
            return None;
        }
        use std::os::unix::process::CommandExt;
        let dir = Home::new();
        let config = dir.file("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                dir.file("bus").display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(bus.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert!(line.starts_with("unix:"), "dbus-daemon said {line:?}");
        Some(SecretService {
            address: line.trim().to_owned(),
            dir,
            processes: vec![bus],
        })
    }

    /// `program` with this bus as the session bus, and its own home for the keyring's files.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        self.on_bus(&mut cmd);
        cmd
    }

    /// `cmd` with this bus as its session bus.
    pub fn on_bus<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self.dir.file("data"))
            .env("XDG_RUNTIME_DIR", &self.dir.path)
            .env("HOME", &self.dir.path)
    }

    fn has_owner(&self, name: &str) -> bool {
        let out = self
            .command("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                &format!("string:{name}"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("boolean true")
    }

    /// The secret stored for `profile`, as `secret-tool` (libsecret's own client) reads it.
    pub fn lookup(&self, profile: &str) -> Option<String> {
        let out = self
            .command("secret-tool")
            .args(["lookup", "service", "mfa-env", "profile", profile])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in self.processes.iter_mut().rev() {
            // SAFETY: kill of the child's own process group, which it leads.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGTERM) };
            let _ = child.wait();
        }
    }
}
