//! Just enough D-Bus for the Secret Service: one connection to the session bus, method calls
//! and their replies, and the signal a prompt ends with. The wire format is the
//! specification's; replies are read in either byte order. Every read has a deadline.

mod wire;

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use wire::{ERROR, METHOD_RETURN, SIGNAL, decode_message, encode_call};
pub(crate) use wire::{Message, Value};

/// The largest message we read: Secret Service answers are a few hundred bytes.
const MAX_MESSAGE: usize = 1 << 20;

/// Why a call did not get its answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// There is no session bus to connect to: why.
    NoBus(String),
    /// The bus, or the peer, did not answer in time.
    Timeout,
    Io(io::Error),
    /// The peer answered with an error: its name and message.
    Remote {
        name: String,
        message: String,
    },
    /// Something that is not D-Bus as the specification writes it.
    Protocol(&'static str),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Failure::Timeout,
            _ => Failure::Io(e),
        }
    }
}

type Result<T> = std::result::Result<T, Failure>;

/// Where the session bus is, as `DBUS_SESSION_BUS_ADDRESS` (else `$XDG_RUNTIME_DIR/bus`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    Path(PathBuf),
    Abstract(Vec<u8>),
}

impl Address {
    /// The first address we can use from the variable's list (`unix:path=...;unix:abstract=...`),
    /// else the systemd user bus; `Err` says why there is none.
    pub(crate) fn session(
        variable: Option<&str>,
        runtime_dir: Option<&std::path::Path>,
    ) -> std::result::Result<Address, String> {
        if let Some(list) = variable.filter(|v| !v.is_empty()) {
            return list
                .split(';')
                .find_map(Address::parse)
                .ok_or_else(|| "DBUS_SESSION_BUS_ADDRESS names no unix socket".to_owned());
        }
        match runtime_dir.map(|d| d.join("bus")) {
            Some(bus) if bus.exists() => Ok(Address::Path(bus)),
            _ => Err("DBUS_SESSION_BUS_ADDRESS is not set".to_owned()),
        }
    }

    fn parse(address: &str) -> Option<Address> {
        let rest = address.strip_prefix("unix:")?;
        for pair in rest.split(',') {
            let (key, value) = pair.split_once('=')?;
            let value = unescape(value)?;
            match key {
                "path" => {
                    return Some(Address::Path(PathBuf::from(String::from_utf8(value).ok()?)));
                }
                "abstract" => return Some(Address::Abstract(value)),
                _ => {}
            }
        }
        None
    }
}

/// A D-Bus address value: `%XX` escapes.
fn unescape(value: &str) -> Option<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}
/// A connection to the session bus, authenticated as this user.
pub(crate) struct Bus {
    stream: UnixStream,
    serial: u32,
    /// Signals read while waiting for a reply, for a later wait.
    signals: Vec<Message>,
}

impl Bus {
    /// Connects, checks that the bus runs as this user (or root), authenticates and says
    /// Hello; all within `bound`.
    pub(crate) fn connect(address: &Address, bound: Duration) -> Result<Bus> {
        let stream = match address {
            Address::Path(path) => UnixStream::connect(path),
            #[cfg(target_os = "linux")]
            Address::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
                UnixStream::connect_addr(&addr)
            }
            #[cfg(not(target_os = "linux"))]
            Address::Abstract(_) => {
                return Err(Failure::NoBus("abstract sockets are Linux only".into()));
            }
        }
        .map_err(|e| Failure::NoBus(format!("cannot connect to the session bus: {e}")))?;
        check_peer(&stream)?;
        let mut bus = Bus {
            stream,
            serial: 0,
            signals: Vec::new(),
        };
        let deadline = Instant::now() + bound;
        bus.authenticate(deadline)?;
        bus.call(
            deadline,
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "Hello",
            &[],
        )?;
        Ok(bus)
    }

    /// SASL EXTERNAL with our uid, as the specification's first exchange.
    fn authenticate(&mut self, deadline: Instant) -> Result<()> {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() }.to_string();
        let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
        self.stream
            .write_all(format!("\0AUTH EXTERNAL {hex}\r\n").as_bytes())?;
        let line = self.read_line(deadline)?;
        if !line.starts_with("OK ") {
            return Err(Failure::NoBus(format!(
                "the session bus refused us ({})",
                crate::error::shown(line.trim())
            )));
        }
        self.stream.write_all(b"BEGIN\r\n")?;
        Ok(())
    }

    fn read_line(&mut self, deadline: Instant) -> Result<String> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            if line.len() > 512 {
                return Err(Failure::Protocol("an authentication line too long"));
            }
            self.set_deadline(deadline)?;
            if self.stream.read(&mut byte)? == 0 {
                return Err(Failure::Protocol("the bus closed the connection"));
            }
            line.push(byte[0]);
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    fn set_deadline(&self, deadline: Instant) -> Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Timeout);
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.set_write_timeout(Some(left))?;
        Ok(())
    }

    /// Calls `member` and waits (until `deadline`) for its reply's body.
    pub(crate) fn call(
        &mut self,
        deadline: Instant,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Value],
    ) -> Result<Vec<Value>> {
        self.serial += 1;
        let serial = self.serial;
        let message = encode_call(serial, destination, path, interface, member, args);
        self.set_deadline(deadline)?;
        self.stream.write_all(&message)?;
        loop {
            let reply = self.read_message(deadline)?;
            match reply.kind {
                METHOD_RETURN if reply.reply_to == Some(serial) => return Ok(reply.body),
                ERROR if reply.reply_to == Some(serial) => {
                    let message = reply
                        .body
                        .first()
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    return Err(Failure::Remote {
                        name: reply.error_name.unwrap_or_default(),
                        message,
                    });
                }
                SIGNAL => self.signals.push(reply),
                _ => {}
            }
        }
    }

    /// Waits (until `deadline`) for the signal `interface.member` from object `path`.
    pub(crate) fn signal(
        &mut self,
        deadline: Instant,
        path: &str,
        interface: &str,
        member: &str,
    ) -> Result<Vec<Value>> {
        let wanted = |m: &Message| {
            m.kind == SIGNAL
                && m.path.as_deref() == Some(path)
                && m.interface.as_deref() == Some(interface)
                && m.member.as_deref() == Some(member)
        };
        if let Some(at) = self.signals.iter().position(wanted) {
            return Ok(self.signals.remove(at).body);
        }
        loop {
            let message = self.read_message(deadline)?;
            if wanted(&message) {
                return Ok(message.body);
            }
        }
    }

    fn read_message(&mut self, deadline: Instant) -> Result<Message> {
        let mut fixed = [0u8; 16];
        self.read_exact(&mut fixed, deadline)?;
        let big = match fixed[0] {
            b'l' => false,
            b'B' => true,
            _ => return Err(Failure::Protocol("a message in no byte order")),
        };
        let word = |at: usize| {
            let bytes = [fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]];
            if big {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        let (body_len, fields_len) = (word(4) as usize, word(12) as usize);
        let header_len = (16 + fields_len).next_multiple_of(8);
        let total = header_len
            .checked_add(body_len)
            .filter(|t| *t <= MAX_MESSAGE)
            .ok_or(Failure::Protocol("a message too large"))?;
        let mut data = fixed.to_vec();
        data.resize(total, 0);
        self.read_exact(&mut data[16..], deadline)?;
        decode_message(&data, big, header_len)
    }

    fn read_exact(&mut self, buf: &mut [u8], deadline: Instant) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            self.set_deadline(deadline)?;
            match self.stream.read(&mut buf[done..]) {
                Ok(0) => return Err(Failure::Protocol("the bus closed the connection")),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// The bus must run as this user or root: another user's socket would get our keys.
fn check_peer(stream: &UnixStream) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let mut cred = libc::ucred {
            pid: 0,
            uid: 0,
            gid: 0,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: the buffer is a ucred and its size is passed with it.
        let status = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&raw mut cred).cast(),
                &mut len,
            )
        };
        // SAFETY: getuid cannot fail.
        let me = unsafe { libc::getuid() };
        if status != 0 || (cred.uid != me && cred.uid != 0) {
            return Err(Failure::NoBus(format!(
                "the session bus socket belongs to another user (uid {})",
                cred.uid
            )));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Address::session(Some("unix:path=/run/user/1/bus"), None),
            Ok(Address::Path("/run/user/1/bus".into()))
        );
        assert_eq!(
            Address::session(
                Some("tcp:host=x;unix:abstract=/tmp/dbus-a%2cb,guid=1"),
                None
            ),
            Ok(Address::Abstract(b"/tmp/dbus-a,b".to_vec()))
        );
        assert!(Address::session(Some("tcp:host=x,port=1"), None).is_err());
        assert!(Address::session(None, None).is_err());
        assert_eq!(Address::parse("unix:path=/a%zz"), None);
    }
}
