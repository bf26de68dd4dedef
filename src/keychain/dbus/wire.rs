//! The D-Bus wire format, as the specification writes it: values encoded little-endian, read
//! back in either byte order, with a depth bound.

use super::{Failure, Result};

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
/// A message read off the bus.
#[derive(Debug)]
pub(crate) struct Message {
    pub(super) kind: u8,
    pub(super) reply_to: Option<u32>,
    pub(super) path: Option<String>,
    pub(super) interface: Option<String>,
    pub(super) member: Option<String>,
    pub(super) error_name: Option<String>,
    pub(crate) body: Vec<Value>,
}

pub(super) const METHOD_CALL: u8 = 1;
pub(super) const METHOD_RETURN: u8 = 2;
pub(super) const ERROR: u8 = 3;
pub(super) const SIGNAL: u8 = 4;

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

pub(super) fn encode_call(
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
        let mut bytes = [0; N];
        // `take(N)` gives exactly N bytes or an error.
        bytes.copy_from_slice(self.take(N)?);
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

pub(super) fn decode_message(data: &[u8], big: bool, header_len: usize) -> Result<Message> {
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
}
