//! `exec --server`: a credential endpoint on 127.0.0.1, as the AWS SDKs' container credential
//! provider reads one (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` in the `Authorization` header). Each answer is renewed
//! before it gets close to its end, so long commands never see an expired session.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::credentials::Credentials;
use crate::error::{Error, Result, shown};
use crate::obtain::Renewal;
use crate::output::note;
use crate::time;

/// The one path served.
const PATH: &str = "/credentials";
/// Answers always have more than this left when that is possible (the SDKs refresh sooner).
const MARGIN: i64 = 15 * 60;
/// More than any request the SDKs send; a longer one is cut off.
const MAX_REQUEST: usize = 8 * 1024;

/// What the endpoint serves, and how it renews it.
pub(crate) struct Served {
    current: Mutex<Credentials>,
    renewal: Renewal,
    token: String,
    label: String,
    warned: AtomicBool,
}

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

/// Starts the endpoint on 127.0.0.1 (a port the OS chooses; never another interface). It
/// serves until the process ends.
pub(crate) fn start(creds: Credentials, renewal: Renewal, label: &str) -> Result<Endpoint> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| {
        Error::new(format!(
            "cannot open the credential endpoint on 127.0.0.1: {e}"
        ))
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot open the credential endpoint: {e}")))?
        .port();
    let token = new_token()?;
    let served = Arc::new(Served {
        current: Mutex::new(creds),
        renewal,
        token: token.clone(),
        label: label.to_owned(),
        warned: AtomicBool::new(false),
    });
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let served = served.clone();
            std::thread::spawn(move || answer(stream, &served));
        }
    });
    Ok(Endpoint {
        url: format!("http://127.0.0.1:{port}{PATH}"),
        token,
    })
}

/// Byte-wise comparison that takes as long whatever the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn answer(mut stream: TcpStream, served: &Served) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_head(&mut stream) else {
        return;
    };
    let mut lines = request.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default(),
        first.next().unwrap_or_default(),
    );
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    let (status, body) = if !same(authorization.as_bytes(), served.token.as_bytes()) {
        (
            403,
            error_body("the Authorization header does not hold this endpoint's token"),
        )
    } else if path.split('?').next() != Some(PATH) {
        (404, error_body("there is nothing here"))
    } else if method != "GET" {
        (405, error_body("only GET is answered"))
    } else {
        match credentials(served) {
            Ok(body) => (200, body),
            Err(e) => {
                note(&e.to_string());
                (500, error_body(&e.to_string()))
            }
        }
    };
    let reason = match status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The request line and headers, or `None` for anything that is not a whole, short request.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
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

/// What to serve now: the current credentials, renewed first when they get close to the end.
fn credentials(served: &Served) -> Result<String> {
    let mut current = served.current.lock().unwrap_or_else(|e| e.into_inner());
    let now = time::now();
    if current.expiration - now <= MARGIN {
        match served.renewal.renew(&current, now) {
            Ok(Some(newer)) => {
                *current = newer;
                served.warned.store(false, Ordering::SeqCst);
            }
            Ok(None) => {}
            Err(e) if current.expiration > now => {
                note(&format!("{e} (serving the current session while it lasts)"));
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(ends) = served.renewal.mfa_ends(&current)
        && ends - now <= MARGIN
        && !served.warned.swap(true, Ordering::SeqCst)
    {
        note(&format!(
            "the MFA session for '{}' ends at {}; run mfa-env --force in another terminal to renew it",
            shown(&served.label),
            time::format_until(ends, now)
        ));
    }
    if current.expiration <= now {
        return Err(Error::new(format!(
            "the session for '{}' has ended and could not be renewed without an MFA code: run mfa-env --force in another terminal",
            shown(&served.label)
        )));
    }
    let document = Document {
        access_key_id: &current.access_key_id,
        secret_access_key: &current.secret_access_key,
        token: &current.session_token,
        expiration: time::format_utc(current.expiration),
    };
    serde_json::to_string(&document).map_err(|e| Error::new(e.to_string()))
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
