//! Just enough D-Bus for the Secret Service: one connection to the session bus, method calls
//! and their replies, and the signal a prompt ends with. The wire format is the
//! specification's; replies are read in either byte order. Every read has a deadline.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The largest message we read: Secret Service answers are a few hundred bytes.
const MAX_MESSAGE: usize = 1 << 20;
/// Containers nested deeper than this are refused (the specification allows 64).
const MAX_DEPTH: usize = 64;

/// A value on the wire, typed as D-Bus types it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Byte(u8),
    Bool(bool),
    I16(i16),
    U16(u16),
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    F64(f64),
    /// `s`
    Str(String),
    /// `o`
    Path(String),
    /// `g`
    Sig(String),
    /// `ay`, kept as bytes.
    Bytes(Vec<u8>),
    /// `a` of anything else: the element's signature, and the elements.
    Array(String, Vec<Value>),
    Struct(Vec<Value>),
    /// `{kv}`, inside an array.
    Entry(Box<Value>, Box<Value>),
    Variant(Box<Value>),
}

impl Value {
    pub(crate) fn signature(&self) -> String {
        match self {
            Value::Byte(_) => "y".into(),
            Value::Bool(_) => "b".into(),
            Value::I16(_) => "n".into(),
            Value::U16(_) => "q".into(),
            Value::I32(_) => "i".into(),
            Value::U32(_) => "u".into(),
            Value::I64(_) => "x".into(),
            Value::U64(_) => "t".into(),
            Value::F64(_) => "d".into(),
            Value::Str(_) => "s".into(),
            Value::Path(_) => "o".into(),
            Value::Sig(_) => "g".into(),
            Value::Bytes(_) => "ay".into(),
            Value::Array(element, _) => format!("a{element}"),
            Value::Struct(fields) => {
                let inner: String = fields.iter().map(Value::signature).collect();
                format!("({inner})")
            }
            Value::Entry(k, v) => format!("{{{}{}}}", k.signature(), v.signature()),
            Value::Variant(_) => "v".into(),
        }
    }

    /// `a{ss}`: string pairs, as attributes are given.
    pub(crate) fn string_dict(pairs: &[(&str, &str)]) -> Value {
        let entries = pairs
            .iter()
            .map(|(k, v)| {
                Value::Entry(
                    Box::new(Value::Str((*k).into())),
                    Box::new(Value::Str((*v).into())),
                )
            })
            .collect();
        Value::Array("{ss}".into(), entries)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Path(s) | Value::Sig(s) => Some(s),
            Value::Variant(inner) => inner.as_str(),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Variant(inner) => inner.as_bool(),
            _ => None,
        }
    }

    /// The object paths of an `ao`.
    pub(crate) fn paths(&self) -> Vec<String> {
        match self {
            Value::Array(_, items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }
}

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

/// A message read off the bus.
#[derive(Debug)]
pub(crate) struct Message {
    kind: u8,
    reply_to: Option<u32>,
    path: Option<String>,
    interface: Option<String>,
    member: Option<String>,
    error_name: Option<String>,
    pub(crate) body: Vec<Value>,
}

const METHOD_CALL: u8 = 1;
const METHOD_RETURN: u8 = 2;
const ERROR: u8 = 3;
const SIGNAL: u8 = 4;

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

// ---------------------------------------------------------------------------------------------
// The wire format.

fn align_of(signature: u8) -> usize {
    match signature {
        b'y' | b'g' | b'v' => 1,
        b'n' | b'q' => 2,
        b'b' | b'i' | b'u' | b'h' | b's' | b'o' | b'a' => 4,
        _ => 8,
    }
}

fn pad(buf: &mut Vec<u8>, align: usize) {
    buf.resize(buf.len().next_multiple_of(align), 0);
}

/// Appends `value` (little-endian) to `buf`, whose start is 8-aligned in the message.
fn encode(buf: &mut Vec<u8>, value: &Value) {
    let string = |buf: &mut Vec<u8>, s: &str| {
        pad(buf, 4);
        buf.extend((s.len() as u32).to_le_bytes());
        buf.extend(s.as_bytes());
        buf.push(0);
    };
    match value {
        Value::Byte(b) => buf.push(*b),
        Value::Bool(b) => {
            pad(buf, 4);
            buf.extend(u32::from(*b).to_le_bytes());
        }
        Value::I16(n) => {
            pad(buf, 2);
            buf.extend(n.to_le_bytes());
        }
        Value::U16(n) => {
            pad(buf, 2);
            buf.extend(n.to_le_bytes());
        }
        Value::I32(n) => {
            pad(buf, 4);
            buf.extend(n.to_le_bytes());
        }
        Value::U32(n) => {
            pad(buf, 4);
            buf.extend(n.to_le_bytes());
        }
        Value::I64(n) => {
            pad(buf, 8);
            buf.extend(n.to_le_bytes());
        }
        Value::U64(n) => {
            pad(buf, 8);
            buf.extend(n.to_le_bytes());
        }
        Value::F64(n) => {
            pad(buf, 8);
            buf.extend(n.to_le_bytes());
        }
        Value::Str(s) | Value::Path(s) => string(buf, s),
        Value::Sig(s) => {
            buf.push(s.len() as u8);
            buf.extend(s.as_bytes());
            buf.push(0);
        }
        Value::Bytes(bytes) => {
            pad(buf, 4);
            buf.extend((bytes.len() as u32).to_le_bytes());
            buf.extend(bytes);
        }
        Value::Array(element, items) => {
            pad(buf, 4);
            let at = buf.len();
            buf.extend([0; 4]);
            pad(
                buf,
                align_of(element.as_bytes().first().copied().unwrap_or(b'y')),
            );
            let start = buf.len();
            for item in items {
                encode(buf, item);
            }
            let len = (buf.len() - start) as u32;
            buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
        }
        Value::Struct(fields) => {
            pad(buf, 8);
            for field in fields {
                encode(buf, field);
            }
        }
        Value::Entry(k, v) => {
            pad(buf, 8);
            encode(buf, k);
            encode(buf, v);
        }
        Value::Variant(inner) => {
            encode(buf, &Value::Sig(inner.signature()));
            encode(buf, inner);
        }
    }
}

fn encode_call(
    serial: u32,
    destination: &str,
    path: &str,
    interface: &str,
    member: &str,
    args: &[Value],
) -> Vec<u8> {
    let mut body = Vec::new();
    for arg in args {
        encode(&mut body, arg);
    }
    let signature: String = args.iter().map(Value::signature).collect();
    let field = |code: u8, value: Value| {
        Value::Struct(vec![Value::Byte(code), Value::Variant(Box::new(value))])
    };
    let mut fields = vec![
        field(1, Value::Path(path.into())),
        field(2, Value::Str(interface.into())),
        field(3, Value::Str(member.into())),
        field(6, Value::Str(destination.into())),
    ];
    if !signature.is_empty() {
        fields.push(field(8, Value::Sig(signature)));
    }
    let mut message = vec![b'l', METHOD_CALL, 0, 1];
    message.extend((body.len() as u32).to_le_bytes());
    message.extend(serial.to_le_bytes());
    encode(&mut message, &Value::Array("(yv)".into(), fields));
    pad(&mut message, 8);
    message.extend(body);
    message
}

/// Reads values from a message, in its byte order.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    big: bool,
}

impl Reader<'_> {
    fn align(&mut self, align: usize) -> Result<()> {
        let to = self.pos.next_multiple_of(align);
        if to > self.data.len() {
            return Err(Failure::Protocol("a message cut short"));
        }
        self.pos = to;
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or(Failure::Protocol("a message cut short"))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.align(N)?;
        let mut bytes: [u8; N] = self.take(N)?.try_into().expect("N bytes");
        if self.big {
            bytes.reverse();
        }
        Ok(bytes)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.fixed()?))
    }

    fn text(&mut self, len: usize) -> Result<String> {
        let bytes = self.take(len + 1)?;
        String::from_utf8(bytes[..len].to_vec())
            .map_err(|_| Failure::Protocol("a string that is not UTF-8"))
    }

    /// One value of the complete type at the start of `sig`; the rest of `sig`.
    fn value<'s>(&mut self, sig: &'s [u8], depth: usize) -> Result<(Value, &'s [u8])> {
        if depth > MAX_DEPTH {
            return Err(Failure::Protocol("values nested too deep"));
        }
        let (&code, rest) = sig
            .split_first()
            .ok_or(Failure::Protocol("a signature cut short"))?;
        let value = match code {
            b'y' => Value::Byte(self.take(1)?[0]),
            b'b' => Value::Bool(self.u32()? != 0),
            b'n' => Value::I16(i16::from_le_bytes(self.fixed()?)),
            b'q' => Value::U16(u16::from_le_bytes(self.fixed()?)),
            b'i' => Value::I32(i32::from_le_bytes(self.fixed()?)),
            b'u' | b'h' => Value::U32(self.u32()?),
            b'x' => Value::I64(i64::from_le_bytes(self.fixed()?)),
            b't' => Value::U64(u64::from_le_bytes(self.fixed()?)),
            b'd' => Value::F64(f64::from_le_bytes(self.fixed()?)),
            b's' | b'o' => {
                let len = self.u32()? as usize;
                let text = self.text(len)?;
                if code == b's' {
                    Value::Str(text)
                } else {
                    Value::Path(text)
                }
            }
            b'g' => {
                let len = usize::from(self.take(1)?[0]);
                Value::Sig(self.text(len)?)
            }
            b'v' => {
                let len = usize::from(self.take(1)?[0]);
                let inner = self.text(len)?;
                let (value, left) = self.value(inner.as_bytes(), depth + 1)?;
                if !left.is_empty() {
                    return Err(Failure::Protocol("a variant of more than one type"));
                }
                Value::Variant(Box::new(value))
            }
            b'a' => return self.array(rest, depth),
            b'(' if rest.first() == Some(&b')') => {
                return Err(Failure::Protocol("an empty struct"));
            }
            b'(' => {
                self.align(8)?;
                let mut fields = Vec::new();
                let mut rest = rest;
                while rest.first() != Some(&b')') {
                    let (field, left) = self.value(rest, depth + 1)?;
                    fields.push(field);
                    rest = left;
                }
                return Ok((Value::Struct(fields), &rest[1..]));
            }
            b'{' => {
                self.align(8)?;
                let (k, rest) = self.value(rest, depth + 1)?;
                let (v, rest) = self.value(rest, depth + 1)?;
                let rest = rest
                    .strip_prefix(b"}")
                    .ok_or(Failure::Protocol("a dict entry of more than two types"))?;
                return Ok((Value::Entry(Box::new(k), Box::new(v)), rest));
            }
            _ => return Err(Failure::Protocol("a type D-Bus does not have")),
        };
        Ok((value, rest))
    }

    /// An array whose element type starts `sig`; the rest of `sig` after that type.
    fn array<'s>(&mut self, sig: &'s [u8], depth: usize) -> Result<(Value, &'s [u8])> {
        let len = self.u32()? as usize;
        let element_end = single_type(sig)?;
        let (element, rest) = sig.split_at(element_end);
        self.align(align_of(element[0]))?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.data.len())
            .ok_or(Failure::Protocol("an array past the message's end"))?;
        if element == b"y" {
            let bytes = self.take(len)?.to_vec();
            return Ok((Value::Bytes(bytes), rest));
        }
        let mut items = Vec::new();
        while self.pos < end {
            let before = self.pos;
            let (item, _) = self.value(element, depth + 1)?;
            if self.pos == before {
                return Err(Failure::Protocol("an array of empty elements"));
            }
            items.push(item);
        }
        let element = String::from_utf8_lossy(element).into_owned();
        Ok((Value::Array(element, items), rest))
    }
}

/// The length of the one complete type at the start of `sig`.
fn single_type(sig: &[u8]) -> Result<usize> {
    let cut = Failure::Protocol("a signature cut short");
    match sig.first() {
        None => Err(cut),
        Some(b'a') => Ok(1 + single_type(&sig[1..])?),
        Some(&open @ (b'(' | b'{')) => {
            let close = if open == b'(' { b')' } else { b'}' };
            let mut at = 1;
            while sig
                .get(at)
                .ok_or(Failure::Protocol("a signature cut short"))?
                != &close
            {
                at += single_type(&sig[at..])?;
            }
            Ok(at + 1)
        }
        Some(_) => Ok(1),
    }
}

fn decode_message(data: &[u8], big: bool, header_len: usize) -> Result<Message> {
    let mut reader = Reader {
        data: &data[..header_len],
        pos: 12,
        big,
    };
    let (fields, _) = reader.value(b"a(yv)", 0)?;
    let mut message = Message {
        kind: data[1],
        reply_to: None,
        path: None,
        interface: None,
        member: None,
        error_name: None,
        body: Vec::new(),
    };
    let mut signature = String::new();
    if let Value::Array(_, fields) = fields {
        for field in fields {
            let Value::Struct(pair) = field else { continue };
            let (Some(Value::Byte(code)), Some(Value::Variant(value))) =
                (pair.first(), pair.get(1))
            else {
                continue;
            };
            let text = value.as_str().map(str::to_owned);
            match code {
                1 => message.path = text,
                2 => message.interface = text,
                3 => message.member = text,
                4 => message.error_name = text,
                5 => {
                    if let Value::U32(n) = **value {
                        message.reply_to = Some(n);
                    }
                }
                8 => signature = text.unwrap_or_default(),
                _ => {}
            }
        }
    }
    // The body's offsets count from its own start, which is 8-aligned.
    let mut reader = Reader {
        data: &data[header_len..],
        pos: 0,
        big,
    };
    let mut sig = signature.as_bytes();
    while !sig.is_empty() {
        let (value, rest) = reader.value(sig, 0)?;
        message.body.push(value);
        sig = rest;
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(values: &[Value], big: bool) -> Vec<Value> {
        let mut body = Vec::new();
        for v in values {
            encode(&mut body, v);
        }
        let signature: String = values.iter().map(Value::signature).collect();
        let mut reader = Reader {
            data: &body,
            pos: 0,
            big,
        };
        let mut sig = signature.as_bytes();
        let mut out = Vec::new();
        while !sig.is_empty() {
            let (value, rest) = reader.value(sig, 0).unwrap();
            out.push(value);
            sig = rest;
        }
        assert_eq!(reader.pos, body.len());
        out
    }

    #[test]
    fn values_round_trip() {
        let values = vec![
            Value::Str("plain".into()),
            Value::Variant(Box::new(Value::Str(String::new()))),
            Value::string_dict(&[("service", "mfa-env"), ("profile", "a b")]),
            Value::Struct(vec![
                Value::Path("/org/freedesktop/secrets/session/1".into()),
                Value::Bytes(vec![]),
                Value::Bytes(b"{\"k\":1}".to_vec()),
                Value::Str("text/plain".into()),
            ]),
            Value::Bool(true),
            Value::Array("o".into(), vec![]),
            Value::Byte(7),
            Value::U64(1 << 40),
            Value::Array(
                "{sv}".into(),
                vec![Value::Entry(
                    Box::new(Value::Str("label".into())),
                    Box::new(Value::Variant(Box::new(Value::I16(-2)))),
                )],
            ),
        ];
        assert_eq!(round_trip(&values, false), values);
    }

    #[test]
    fn a_call_is_a_message_we_read_back() {
        let args = [Value::Str("default".into())];
        let data = encode_call(
            7,
            "org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service",
            "ReadAlias",
            &args,
        );
        let fields_len = u32::from_le_bytes(data[12..16].try_into().unwrap()) as usize;
        let header_len = (16 + fields_len).next_multiple_of(8);
        let m = decode_message(&data, false, header_len).unwrap();
        assert_eq!(m.kind, METHOD_CALL);
        assert_eq!(u32::from_le_bytes(data[8..12].try_into().unwrap()), 7);
        assert_eq!(m.path.as_deref(), Some("/org/freedesktop/secrets"));
        assert_eq!(m.member.as_deref(), Some("ReadAlias"));
        assert_eq!(m.body, args);
    }

    #[test]
    fn big_endian_replies_are_read() {
        // A method return, big-endian: reply to serial 3, signature "s", body "ok".
        let mut fields = Vec::new();
        // (yv) 5 = reply serial u32 3; (yv) 8 = signature "s".
        fields.extend([5, 1, b'u', 0, 0, 0, 0, 3]);
        fields.extend([8, 1, b'g', 0, 1, b's', 0]);
        let mut data = vec![b'B', METHOD_RETURN, 0, 1];
        let body = [0, 0, 0, 2, b'o', b'k', 0];
        data.extend((body.len() as u32).to_be_bytes());
        data.extend(9u32.to_be_bytes());
        data.extend((fields.len() as u32).to_be_bytes());
        data.extend(&fields);
        let header_len = data.len().next_multiple_of(8);
        data.resize(header_len, 0);
        data.extend(body);
        let m = decode_message(&data, true, header_len).unwrap();
        assert_eq!(m.reply_to, Some(3));
        assert_eq!(m.body, [Value::Str("ok".into())]);
    }

    #[test]
    fn hostile_messages_are_refused_not_followed() {
        for (sig, data) in [
            (&b"s"[..], &[0xff, 0xff, 0xff, 0x7f, b'a'][..]),
            (b"ay", &[0xff, 0xff, 0, 0]),
            (b"v", &[200, b's']),
            (b"(s", &[1, 0, 0, 0, b'a', 0]),
            (b"a{sss}", &[8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'a', 0]),
            (b"z", &[0]),
        ] {
            let mut reader = Reader {
                data,
                pos: 0,
                big: false,
            };
            assert!(reader.value(sig, 0).is_err(), "{sig:?}");
        }
        // Nesting past the limit is refused before it can exhaust the stack.
        let deep = "(".repeat(MAX_DEPTH + 2) + "y" + &")".repeat(MAX_DEPTH + 2);
        let zeros = [0u8; 1024];
        let mut reader = Reader {
            data: &zeros,
            pos: 0,
            big: false,
        };
        assert!(matches!(
            reader.value(deep.as_bytes(), 0),
            Err(Failure::Protocol("values nested too deep"))
        ));
    }

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
