//! The macOS login Keychain: a generic password per profile, service `mfa-env`, account the
//! profile, as Keychain Access shows it. Compiled and linted here; it runs on macOS only.

use std::ffi::c_void;
use std::ptr;

use super::{Entry, Fault, SERVICE};

type OsStatus = i32;

const NO_ERR: OsStatus = 0;
const ITEM_NOT_FOUND: OsStatus = -25300;
const DUPLICATE_ITEM: OsStatus = -25299;
const INTERACTION_NOT_ALLOWED: OsStatus = -25308;
const NO_DEFAULT_KEYCHAIN: OsStatus = -25307;
const USER_CANCELED: OsStatus = -128;

#[link(name = "Security", kind = "framework")]
unsafe extern "C" {
    fn SecKeychainFindGenericPassword(
        keychain: *const c_void,
        service_len: u32,
        service: *const u8,
        account_len: u32,
        account: *const u8,
        password_len: *mut u32,
        password: *mut *mut c_void,
        item: *mut *mut c_void,
    ) -> OsStatus;
    fn SecKeychainAddGenericPassword(
        keychain: *const c_void,
        service_len: u32,
        service: *const u8,
        account_len: u32,
        account: *const u8,
        password_len: u32,
        password: *const c_void,
        item: *mut *mut c_void,
    ) -> OsStatus;
    fn SecKeychainItemModifyAttributesAndData(
        item: *mut c_void,
        attributes: *const c_void,
        length: u32,
        data: *const c_void,
    ) -> OsStatus;
    fn SecKeychainItemDelete(item: *mut c_void) -> OsStatus;
    fn SecKeychainItemFreeContent(attributes: *const c_void, data: *mut c_void) -> OsStatus;
}

#[link(name = "CoreFoundation", kind = "framework")]
unsafe extern "C" {
    fn CFRelease(object: *const c_void);
}

fn fault(status: OsStatus) -> Fault {
    match status {
        INTERACTION_NOT_ALLOWED => Fault::Locked,
        USER_CANCELED => Fault::Dismissed,
        NO_DEFAULT_KEYCHAIN => Fault::NoCollection,
        other => Fault::Refused(format!("Security framework status {other}")),
    }
}

/// The item of `entry` (to be released), with its password when `read` is asked.
fn find(entry: &Entry, read: bool) -> Result<Option<(*mut c_void, Vec<u8>)>, Fault> {
    let account = entry.profile.as_bytes();
    let mut len = 0u32;
    let mut data: *mut c_void = ptr::null_mut();
    let mut item: *mut c_void = ptr::null_mut();
    // SAFETY: the lengths are those of the buffers passed; what the call returns is freed.
    let status = unsafe {
        SecKeychainFindGenericPassword(
            ptr::null(),
            SERVICE.len() as u32,
            SERVICE.as_ptr(),
            account.len() as u32,
            account.as_ptr(),
            if read { &mut len } else { ptr::null_mut() },
            if read { &mut data } else { ptr::null_mut() },
            &mut item,
        )
    };
    match status {
        NO_ERR => {
            let mut password = Vec::new();
            if !data.is_null() {
                // SAFETY: the keychain returned `len` bytes at `data`, freed right after.
                unsafe {
                    password = std::slice::from_raw_parts(data.cast::<u8>(), len as usize).to_vec();
                    SecKeychainItemFreeContent(ptr::null(), data);
                }
            }
            Ok(Some((item, password)))
        }
        ITEM_NOT_FOUND => Ok(None),
        other => Err(fault(other)),
    }
}

fn release(item: *mut c_void) {
    if !item.is_null() {
        // SAFETY: `item` came from the Security framework and is released once.
        unsafe { CFRelease(item) };
    }
}

pub(crate) fn load(entry: &Entry) -> Result<Option<Vec<u8>>, Fault> {
    Ok(find(entry, true)?.map(|(item, password)| {
        release(item);
        password
    }))
}

pub(crate) fn store(entry: &Entry, secret: &[u8]) -> Result<bool, Fault> {
    if let Some((item, _)) = find(entry, false)? {
        // SAFETY: `item` is valid until released below; the data's length is passed with it.
        let status = unsafe {
            SecKeychainItemModifyAttributesAndData(
                item,
                ptr::null(),
                secret.len() as u32,
                secret.as_ptr().cast(),
            )
        };
        release(item);
        return if status == NO_ERR {
            Ok(true)
        } else {
            Err(fault(status))
        };
    }
    let account = entry.profile.as_bytes();
    // SAFETY: the lengths are those of the buffers passed; no item is asked back.
    let status = unsafe {
        SecKeychainAddGenericPassword(
            ptr::null(),
            SERVICE.len() as u32,
            SERVICE.as_ptr(),
            account.len() as u32,
            account.as_ptr(),
            secret.len() as u32,
            secret.as_ptr().cast(),
            ptr::null_mut(),
        )
    };
    match status {
        NO_ERR => Ok(false),
        DUPLICATE_ITEM => Ok(true),
        other => Err(fault(other)),
    }
}

pub(crate) fn delete(entry: &Entry) -> Result<bool, Fault> {
    let Some((item, _)) = find(entry, false)? else {
        return Ok(false);
    };
    // SAFETY: `item` is valid until released.
    let status = unsafe { SecKeychainItemDelete(item) };
    release(item);
    if status == NO_ERR {
        Ok(true)
    } else {
        Err(fault(status))
    }
}
