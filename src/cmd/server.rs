//! `exec --server`: a credential endpoint on 127.0.0.1, as the AWS SDKs' container credential
//! provider reads one (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` in the `Authorization` header). Each answer is renewed
//! before it gets close to its end, so long commands never see an expired session.
//!
//! Another local user can connect too, so nobody may starve or crash it: one thread serves
//! every connection (no thread per connection to run out of), a connection has 2 s to send its
//! request and as long to take the answer, at most `MAX_CONNECTIONS` are kept (the oldest goes
//! when a new one comes), and a failing accept is retried after a growing pause. Renewals run
//! on a thread of their own, one at a time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::aws::credentials::Credentials;
use crate::aws::obtain::Renewal;
use crate::aws::served::State;
use crate::durations;
use crate::error::{Error, Result, shown};
use crate::output::note;
use crate::time;

/// The one path served.
const PATH: &str = "/credentials";
/// More than any request the SDKs send; a longer one is cut off.
const MAX_REQUEST: usize = 8 * 1024;
/// How long a connection may take to send its request, and to take the answer.
const IO_DEADLINE: Duration = Duration::from_secs(2);
/// How long an answer may wait for a renewal (STS calls give up well within this).
const RENEWAL_DEADLINE: Duration = Duration::from_secs(30);
/// Connections kept at once; beyond this the oldest is closed for the newest. Fewer where the
/// open-files limit is lower, so that room is made before an accept can fail.
const MAX_CONNECTIONS: usize = 2048;
/// Connections the kernel queues before we accept them.
const BACKLOG: u32 = 4096;
/// Open files kept free for everything else (the renewal's network calls, the cache).
const SPARE_FILES: u64 = 64;

/// A running endpoint: its URL and token, for the command's environment.
pub(crate) struct Endpoint {
    pub(crate) url: String,
    pub(crate) token: String,
}

/// 256 bits from the operating system's RNG (through ring), as hex.
fn new_token() -> Result<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| {
            Error::new("the operating system gave no random bytes for the endpoint's token")
        })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Starts the endpoint on 127.0.0.1 (a port the OS chooses; never another interface) and its
/// renewal thread; `state` is where what is served is written for `status`. It serves until
/// the process ends. Both threads start here or the run fails here, before any command.
pub(crate) fn start(
    creds: Credentials,
    renewal: Renewal,
    label: &str,
    state: Option<PathBuf>,
) -> Result<Endpoint> {
    let cannot = |e: std::io::Error| {
        Error::new(format!(
            "cannot open the credential endpoint on 127.0.0.1: {e}"
        ))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(cannot)?;
    // A long queue of connections not yet accepted: when it is full the kernel drops a new
    // one's SYN, and TCP tries again only a second later.
    let listener = {
        let _inside = runtime.enter();
        let socket = tokio::net::TcpSocket::new_v4().map_err(cannot)?;
        socket
            .bind((std::net::Ipv4Addr::LOCALHOST, 0).into())
            .map_err(cannot)?;
        socket.listen(BACKLOG).map_err(cannot)?
    };
    let port = listener.local_addr().map_err(cannot)?.port();
    let token = new_token()?;
    let (ask, asked) = mpsc::channel();
    let mut worker = Worker {
        current: creds,
        renewal,
        label: label.to_owned(),
        state,
        warned: false,
        said: None,
    };
    worker.publish();
    std::thread::Builder::new()
        .name("renewal".into())
        .spawn(move || worker.run(&asked))
        .map_err(cannot)?;
    let files = crate::platform::raise_open_files().unwrap_or(1024);
    let endpoint = Arc::new(Shared {
        token: token.clone(),
        ask: Mutex::new(ask),
        live: Mutex::new(Live::default()),
        cap: (files.saturating_sub(SPARE_FILES) as usize).clamp(16, MAX_CONNECTIONS),
    });
    std::thread::Builder::new()
        .name("endpoint".into())
        .spawn(move || runtime.block_on(serve(listener, endpoint)))
        .map_err(cannot)?;
    Ok(Endpoint {
        url: format!("http://127.0.0.1:{port}{PATH}"),
        token,
    })
}

/// What every connection's task shares.
struct Shared {
    token: String,
    /// Requests for the current credentials, to the renewal thread.
    ask: Mutex<mpsc::Sender<oneshot::Sender<Result<String, String>>>>,
    live: Mutex<Live>,
    /// How many connections are kept at once.
    cap: usize,
}

/// The connections being served, oldest first.
#[derive(Default)]
struct Live {
    next: u64,
    tasks: BTreeMap<u64, tokio::task::AbortHandle>,
}

impl Shared {
    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the connection that has been open longest.
    fn drop_oldest(&self) {
        if let Some((_, task)) = self.live().tasks.pop_first() {
            task.abort();
        }
    }
}

async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let mut pause = Duration::from_millis(10);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                pause = Duration::from_millis(10);
                if shared.live().tasks.len() >= shared.cap {
                    shared.drop_oldest();
                }
                let id = {
                    let mut live = shared.live();
                    live.next += 1;
                    live.next
                };
                let task_shared = shared.clone();
                let task = tokio::spawn(async move {
                    let deadline = IO_DEADLINE * 2 + RENEWAL_DEADLINE;
                    let _ = tokio::time::timeout(deadline, answer(stream, &task_shared)).await;
                    task_shared.live().tasks.remove(&id);
                });
                // One thread runs every task: this one cannot have ended yet.
                shared.live().tasks.insert(id, task.abort_handle());
            }
            Err(_) => {
                // Out of file descriptors, or any other trouble: make room, pause, try again.
                shared.drop_oldest();
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// Byte-wise comparison that takes as long whatever the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn answer(mut stream: tokio::net::TcpStream, shared: &Shared) {
    let Ok(Some(request)) = tokio::time::timeout(IO_DEADLINE, read_head(&mut stream)).await else {
        return;
    };
    let (status, body) = respond(&request, shared).await;
    let reason = match status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(IO_DEADLINE, async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// The status and body for one request.
async fn respond(request: &str, shared: &Shared) -> (u16, String) {
    let mut lines = request.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default(),
        first.next().unwrap_or_default(),
    );
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim())
        .unwrap_or_default();
    if !same(authorization.as_bytes(), shared.token.as_bytes()) {
        return (
            403,
            error_body("the Authorization header does not hold this endpoint's token"),
        );
    }
    if path.split('?').next() != Some(PATH) {
        return (404, error_body("there is nothing here"));
    }
    if method != "GET" {
        return (405, error_body("only GET is answered"));
    }
    let (reply, replied) = oneshot::channel();
    let sent = shared
        .ask
        .lock()
        .map(|ask| ask.send(reply).is_ok())
        .unwrap_or(false);
    let answer = match tokio::time::timeout(RENEWAL_DEADLINE, replied).await {
        Ok(Ok(answer)) if sent => answer,
        _ => Err("the renewal of the session did not answer in time".to_owned()),
    };
    match answer {
        Ok(body) => (200, body),
        Err(message) => (500, error_body(&message)),
    }
}

/// The request line and headers, or `None` for anything that is not a whole, short request.
async fn read_head(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(head).ok()
}

fn error_body(message: &str) -> String {
    serde_json::json!({ "code": "MfaEnvError", "message": message }).to_string()
}

/// The container-credentials document, as the SDKs parse it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    token: &'a str,
    expiration: String,
}

/// What is served, renewed on the renewal thread, one request at a time.
struct Worker {
    current: Credentials,
    renewal: Renewal,
    label: String,
    state: Option<PathBuf>,
    /// Whether the MFA session's end has been announced.
    warned: bool,
    /// The trouble last said on stderr: said again only after things went well in between.
    said: Option<String>,
}

impl Worker {
    fn run(&mut self, asked: &mpsc::Receiver<oneshot::Sender<Result<String, String>>>) {
        while let Ok(reply) = asked.recv() {
            let answer = self.credentials().map_err(|e| e.to_string());
            let _ = reply.send(answer);
        }
    }

    /// One line on stderr per episode of trouble, not one per request.
    fn say(&mut self, message: String) {
        if self.said.as_deref() != Some(message.as_str()) {
            note(&message);
            self.said = Some(message);
        }
    }

    /// What to serve now: the current credentials, renewed first when they get close to the end.
    fn credentials(&mut self) -> Result<String> {
        let now = time::now();
        if self.current.expiration - now <= durations::RENEWAL_MARGIN {
            match self.renewal.renew(&self.current, now) {
                Ok(Some(newer)) => {
                    self.current = newer;
                    self.warned = false;
                    self.publish();
                }
                Ok(None) => {}
                Err(e) if self.current.expiration > now => {
                    self.say(format!("{e} (serving the current session while it lasts)"));
                }
                Err(e) => {
                    self.say(e.to_string());
                    return Err(e);
                }
            }
        }
        if let Some(ends) = self.renewal.mfa_ends(&self.current)
            && ends - now <= durations::RENEWAL_MARGIN
            && !self.warned
        {
            self.warned = true;
            note(&format!(
                "the MFA session for '{}' ends at {}; run mfa-env --force in another terminal to renew it",
                shown(&self.label),
                time::format_until(ends, now)
            ));
        }
        if self.current.expiration <= now {
            let e = Error::new(format!(
                "the session for '{}' has ended and could not be renewed without an MFA code: run mfa-env --force in another terminal",
                shown(&self.label)
            ));
            self.say(e.to_string());
            return Err(e);
        }
        self.said = None;
        let document = Document {
            access_key_id: &self.current.access_key_id,
            secret_access_key: &self.current.secret_access_key,
            token: &self.current.session_token,
            expiration: time::format_utc(self.current.expiration),
        };
        serde_json::to_string(&document).map_err(|e| Error::new(e.to_string()))
    }

    /// Says what is served, for `status` in the command: until when it lasts without a code.
    fn publish(&self) {
        if let Some(path) = &self.state {
            let expiration = self
                .renewal
                .mfa_ends(&self.current)
                .unwrap_or(self.current.expiration);
            State {
                profile: self.label.clone(),
                expiration,
            }
            .write(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_comparison() {
        let token = new_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token().unwrap());
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd") && !same(b"abc", b"ab") && !same(b"", b"a"));
    }
}
