//! The freedesktop Secret Service (GNOME Keyring, KWallet, KeePassXC) over the session bus:
//! one item per profile, found by its attributes, in the default collection. Secrets travel
//! with the `plain` algorithm: the session bus is this user's own, and any of the user's
//! processes may ask the service for them anyway.

use std::time::{Duration, Instant};

use super::dbus::{Address, Bus, Failure, Value};
use super::{Entry, Fault};

const DESTINATION: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";
const ITEM: &str = "org.freedesktop.Secret.Item";
const COLLECTION: &str = "org.freedesktop.Secret.Collection";
const PROMPT: &str = "org.freedesktop.Secret.Prompt";
/// A call that needs no person: the service answers at once, or has hung.
const CALL_BOUND: Duration = Duration::from_secs(10);
/// An unlock dialog waits this long for a person.
const PROMPT_BOUND: Duration = Duration::from_secs(120);

/// Where the service is, from the environment, not yet connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    bus: Result<Address, String>,
    /// Whether an unlock dialog can be shown (a desktop session).
    can_prompt: bool,
}

impl Place {
    pub(crate) fn new(
        bus_variable: Option<&str>,
        runtime_dir: Option<&std::path::Path>,
        can_prompt: bool,
    ) -> Place {
        Place {
            bus: Address::session(bus_variable, runtime_dir),
            can_prompt,
        }
    }
}

/// One conversation with the service: the bus, and a session for secrets.
struct Service {
    bus: Bus,
    session: String,
    can_prompt: bool,
}

impl Service {
    fn open(place: &Place) -> Result<Service, Fault> {
        let address = place.bus.clone().map_err(Fault::Unreachable)?;
        let mut bus = Bus::connect(&address, CALL_BOUND).map_err(fault)?;
        let reply = call(
            &mut bus,
            SERVICE_PATH,
            SERVICE,
            "OpenSession",
            &[
                Value::Str("plain".into()),
                Value::Variant(Box::new(Value::Str(String::new()))),
            ],
        )?;
        let session = reply
            .get(1)
            .and_then(Value::as_str)
            .ok_or(Fault::Refused("OpenSession gave no session".into()))?
            .to_owned();
        Ok(Service {
            bus,
            session,
            can_prompt: place.can_prompt,
        })
    }

    fn call(
        &mut self,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, Fault> {
        call(&mut self.bus, path, interface, member, args)
    }

    /// The items of `entry`, unlocked (asking a person where the service needs to and can).
    fn items(&mut self, entry: &Entry) -> Result<Vec<String>, Fault> {
        let reply = self.call(SERVICE_PATH, SERVICE, "SearchItems", &[attributes(entry)])?;
        let mut items = reply.first().map(Value::paths).unwrap_or_default();
        let locked = reply.get(1).map(Value::paths).unwrap_or_default();
        if !locked.is_empty() {
            items.extend(self.unlock(locked)?);
        }
        Ok(items)
    }

    /// Unlocks `objects` (items or a collection): at once, or through the service's prompt.
    fn unlock(&mut self, objects: Vec<String>) -> Result<Vec<String>, Fault> {
        let paths = Value::Array("o".into(), objects.into_iter().map(Value::Path).collect());
        let reply = self.call(SERVICE_PATH, SERVICE, "Unlock", &[paths])?;
        let mut unlocked = reply.first().map(Value::paths).unwrap_or_default();
        let prompt = reply
            .get(1)
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned();
        if prompt != "/" {
            let result = self.prompt(&prompt)?;
            unlocked.extend(result.paths());
        }
        Ok(unlocked)
    }

    /// Runs a prompt of the service (an unlock dialog) and waits for its result; refused at
    /// once where no dialog can be shown, so that nothing waits for a person who is not there.
    fn prompt(&mut self, prompt: &str) -> Result<Value, Fault> {
        if !self.can_prompt {
            return Err(Fault::Locked);
        }
        // The bus passes the prompt's answer on only to those who asked for it.
        let rule = format!("type='signal',interface='{PROMPT}',member='Completed',path='{prompt}'");
        self.bus
            .call(
                Instant::now() + CALL_BOUND,
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "AddMatch",
                &[Value::Str(rule)],
            )
            .map_err(fault)?;
        self.call(prompt, PROMPT, "Prompt", &[Value::Str(String::new())])?;
        let deadline = Instant::now() + PROMPT_BOUND;
        let body = self
            .bus
            .signal(deadline, prompt, PROMPT, "Completed")
            .map_err(|e| match e {
                Failure::Timeout => Fault::Locked,
                other => fault(other),
            })?;
        if body.first().and_then(Value::as_bool).unwrap_or(true) {
            return Err(Fault::Dismissed);
        }
        Ok(body
            .into_iter()
            .nth(1)
            .unwrap_or(Value::Array("o".into(), vec![])))
    }

    fn secret(&mut self, item: &str) -> Result<Vec<u8>, Fault> {
        let reply = self.call(
            item,
            ITEM,
            "GetSecret",
            &[Value::Path(self.session.clone())],
        )?;
        match reply.into_iter().next() {
            Some(Value::Struct(fields)) => match fields.into_iter().nth(2) {
                Some(Value::Bytes(value)) => Ok(value),
                _ => Err(Fault::Refused("GetSecret gave no secret".into())),
            },
            _ => Err(Fault::Refused("GetSecret gave no secret".into())),
        }
    }

    /// The default collection, unlocked.
    fn collection(&mut self) -> Result<String, Fault> {
        let reply = self.call(
            SERVICE_PATH,
            SERVICE,
            "ReadAlias",
            &[Value::Str("default".into())],
        )?;
        let collection = reply
            .first()
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned();
        if collection == "/" {
            return Err(Fault::NoCollection);
        }
        let locked = self.call(
            &collection,
            "org.freedesktop.DBus.Properties",
            "Get",
            &[Value::Str(COLLECTION.into()), Value::Str("Locked".into())],
        )?;
        if locked.first().and_then(Value::as_bool).unwrap_or(false) {
            self.unlock(vec![collection.clone()])?;
        }
        Ok(collection)
    }
}

fn call(
    bus: &mut Bus,
    path: &str,
    interface: &str,
    member: &str,
    args: &[Value],
) -> Result<Vec<Value>, Fault> {
    let deadline = Instant::now() + CALL_BOUND;
    bus.call(deadline, DESTINATION, path, interface, member, args)
        .map_err(fault)
}

/// What a failed exchange means, for the person.
fn fault(failure: Failure) -> Fault {
    match failure {
        Failure::NoBus(why) => Fault::Unreachable(why),
        Failure::Timeout => Fault::Timeout(CALL_BOUND),
        Failure::Io(e) => Fault::Unreachable(format!("the session bus failed: {e}")),
        Failure::Remote { name, .. }
            if name == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name == "org.freedesktop.DBus.Error.NameHasNoOwner" =>
        {
            Fault::NoService
        }
        Failure::Remote { name, .. } if name.ends_with(".IsLocked") => Fault::Locked,
        Failure::Remote { name, message } => Fault::Refused(format!("{name}: {message}")),
        Failure::Protocol(why) => Fault::Refused(format!("the bus sent {why}")),
    }
}

/// How items of mfa-env are found: `service=mfa-env`, `profile=PROFILE`.
fn attributes(entry: &Entry) -> Value {
    Value::string_dict(&[("service", super::SERVICE), ("profile", &entry.profile)])
}

pub(crate) fn load(place: &Place, entry: &Entry) -> Result<Option<Vec<u8>>, Fault> {
    let mut service = Service::open(place)?;
    match service.items(entry)?.first() {
        Some(item) => service.secret(item).map(Some),
        None => Ok(None),
    }
}

/// Stores `secret` for `entry`, replacing what was there; whether something was.
pub(crate) fn store(place: &Place, entry: &Entry, secret: &[u8]) -> Result<bool, Fault> {
    let mut service = Service::open(place)?;
    let existed = !service.items(entry)?.is_empty();
    let collection = service.collection()?;
    let properties = Value::Array(
        "{sv}".into(),
        vec![
            property(
                "org.freedesktop.Secret.Item.Label",
                Value::Str(entry.label()),
            ),
            property("org.freedesktop.Secret.Item.Attributes", attributes(entry)),
        ],
    );
    let secret = Value::Struct(vec![
        Value::Path(service.session.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(secret.to_vec()),
        Value::Str("application/json".into()),
    ]);
    let reply = service.call(
        &collection,
        COLLECTION,
        "CreateItem",
        &[properties, secret, Value::Bool(true)],
    )?;
    let prompt = reply
        .get(1)
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_owned();
    if prompt != "/" {
        service.prompt(&prompt)?;
    }
    Ok(existed)
}

/// Deletes every item of `entry`; whether there was one.
pub(crate) fn delete(place: &Place, entry: &Entry) -> Result<bool, Fault> {
    let mut service = Service::open(place)?;
    let items = service.items(entry)?;
    for item in &items {
        let reply = service.call(item, ITEM, "Delete", &[])?;
        let prompt = reply
            .first()
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned();
        if prompt != "/" {
            service.prompt(&prompt)?;
        }
    }
    Ok(!items.is_empty())
}

fn property(name: &str, value: Value) -> Value {
    Value::Entry(
        Box::new(Value::Str(name.into())),
        Box::new(Value::Variant(Box::new(value))),
    )
}
