//! Windows Credential Manager: a generic credential per profile, target `mfa-env:PROFILE`,
//! user name the profile, comment `mfa-env: PROFILE`, as "Windows Credentials" in the Control
//! Panel shows it.

use std::ptr;

use windows_sys::Win32::Foundation::{ERROR_NOT_FOUND, GetLastError};
use windows_sys::Win32::Security::Credentials::{
    CRED_PERSIST_LOCAL_MACHINE, CRED_TYPE_GENERIC, CREDENTIALW, CredDeleteW, CredFree, CredReadW,
    CredWriteW,
};

use super::{Entry, Fault, SERVICE};

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

fn target(entry: &Entry) -> Vec<u16> {
    wide(&format!("{SERVICE}:{}", entry.profile))
}

fn failed(call: &str) -> Fault {
    // SAFETY: reads the calling thread's last error.
    let code = unsafe { GetLastError() };
    Fault::Refused(format!("{call} failed (error {code})"))
}

pub(crate) fn load(entry: &Entry) -> Result<Option<Vec<u8>>, Fault> {
    let target = target(entry);
    let mut credential: *mut CREDENTIALW = ptr::null_mut();
    // SAFETY: the target is NUL-terminated; a credential read is freed with CredFree.
    unsafe {
        if CredReadW(target.as_ptr(), CRED_TYPE_GENERIC, 0, &mut credential) == 0 {
            if GetLastError() == ERROR_NOT_FOUND {
                return Ok(None);
            }
            return Err(failed("CredReadW"));
        }
        let c = &*credential;
        let blob = if c.CredentialBlob.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts(c.CredentialBlob, c.CredentialBlobSize as usize).to_vec()
        };
        CredFree(credential.cast());
        Ok(Some(blob))
    }
}

pub(crate) fn store(entry: &Entry, secret: &[u8]) -> Result<bool, Fault> {
    let existed = load(entry)?.is_some();
    let mut target = target(entry);
    let mut user = wide(&entry.profile);
    let mut comment = wide(&entry.label());
    let mut blob = secret.to_vec();
    let credential = CREDENTIALW {
        Flags: 0,
        Type: CRED_TYPE_GENERIC,
        TargetName: target.as_mut_ptr(),
        Comment: comment.as_mut_ptr(),
        LastWritten: Default::default(),
        CredentialBlobSize: blob.len() as u32,
        CredentialBlob: blob.as_mut_ptr(),
        Persist: CRED_PERSIST_LOCAL_MACHINE,
        AttributeCount: 0,
        Attributes: ptr::null_mut(),
        TargetAlias: ptr::null_mut(),
        UserName: user.as_mut_ptr(),
    };
    // SAFETY: every pointer in the credential is valid for the call.
    if unsafe { CredWriteW(&credential, 0) } == 0 {
        return Err(failed("CredWriteW"));
    }
    Ok(existed)
}

pub(crate) fn delete(entry: &Entry) -> Result<bool, Fault> {
    let target = target(entry);
    // SAFETY: the target is NUL-terminated.
    unsafe {
        if CredDeleteW(target.as_ptr(), CRED_TYPE_GENERIC, 0) == 0 {
            if GetLastError() == ERROR_NOT_FOUND {
                return Ok(false);
            }
            return Err(failed("CredDeleteW"));
        }
    }
    Ok(true)
}
