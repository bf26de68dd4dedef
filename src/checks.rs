//! The shapes AWS accepts, checked before anything is sent: MFA codes, device serials, role ARNs,
//! role session names, external ids, regions, endpoints, long-term keys. Each check says what is wrong without
//! repeating the value (a code is a secret); the caller says where the value came from.

/// What is wrong with a value, in words that fit after "it is" or "it has".
pub(crate) type Why = &'static str;

/// An MFA code as people copy it from an authenticator app: `123456`, `123 456` or `123-456`,
/// with whitespace around it. Returns the six digits.
pub(crate) fn code(text: &str) -> Result<String, Why> {
    let text = text.trim();
    let mut digits = String::with_capacity(6);
    let mut chars = text.chars().peekable();
    let mut previous_digit = false;
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => {
                digits.push(c);
                previous_digit = true;
            }
            // Only between two digits, as apps group them.
            ' ' | '-' if previous_digit && chars.peek().is_some_and(char::is_ascii_digit) => {
                previous_digit = false;
            }
            c if c.is_alphabetic() => return Err("it contains letters"),
            _ => return Err("it contains characters other than the digits 0-9"),
        }
        if digits.len() > 6 {
            return Err("it is too long");
        }
    }
    match digits.len() {
        0 => Err("it is empty"),
        1..=5 => Err("it is too short"),
        _ => Ok(digits),
    }
}

/// An IAM user's access key id: `AKIA` and capital letters or digits, 20 in all today (IAM
/// allows up to 128). A session's (`ASIA...`) is not one.
pub(crate) fn long_term_key_id(id: &str) -> Result<(), Why> {
    if id.starts_with("ASIA") {
        return Err("a session's key id (ASIA...), not an IAM user's");
    }
    if !id.starts_with("AKIA") {
        return Err("not an IAM user's (those start with AKIA)");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err("not only capital letters and digits");
    }
    match id.len() {
        ..20 => Err("too short"),
        129.. => Err("too long"),
        _ => Ok(()),
    }
}

/// A secret access key: 40 characters of letters, digits, `+` and `/`.
pub(crate) fn secret_key(secret: &str) -> Result<(), Why> {
    if secret.len() != 40 {
        return Err("not 40 characters long");
    }
    if !secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return Err("not only letters, digits, + and /");
    }
    Ok(())
}

/// An MFA serial as IAM defines it: `[\w+=/:,.@-]{9,256}`.
pub(crate) fn serial(serial: &str) -> Result<(), Why> {
    let ok = (9..=256).contains(&serial.len())
        && serial
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=/:,.@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("not a device serial or ARN (like GAHT12345678 or arn:aws:iam::123456789012:mfa/user)")
    }
}

/// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`, ...), if `text` is one.
pub(crate) fn partition(text: &str) -> Option<&str> {
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(partition)) if !partition.is_empty() => Some(partition),
        _ => None,
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
pub(crate) fn role_arn(arn: &str) -> Result<(), Why> {
    const SHAPE: Why = "not a role ARN like arn:aws:iam::123456789012:role/NAME";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_word, partition, service, region, account, resource] = parts[..] else {
        return Err(SHAPE);
    };
    let name = resource.strip_prefix("role/").unwrap_or_default();
    let ok = arn_word == "arn"
        && !partition.is_empty()
        && partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && !name.ends_with('/')
        && arn.len() <= 2048
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-/".contains(&b));
    if ok { Ok(()) } else { Err(SHAPE) }
}

/// AssumeRole's `RoleSessionName`: `[\w+=,.@-]{2,64}`.
pub(crate) fn session_name(name: &str) -> Result<(), Why> {
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("not 2 to 64 of the characters A-Z a-z 0-9 _ + = , . @ -")
    }
}

/// AssumeRole's `ExternalId`: `[\w+=,.@:/-]{2,1224}`.
pub(crate) fn external_id(id: &str) -> Result<(), Why> {
    let ok = (2..=1224).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("not 2 to 1224 of the characters A-Z a-z 0-9 _ + = , . @ : / -")
    }
}

/// A region name such as `us-east-1`: it becomes part of a host name.
pub(crate) fn region(region: &str) -> Result<(), Why> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("not a region name like us-east-1")
    }
}

/// An endpoint URL: `http://` or `https://` and a host.
pub(crate) fn endpoint(url: &str) -> Result<(), Why> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    if rest
        .is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
    {
        Ok(())
    } else {
        Err("not an http:// or https:// URL")
    }
}

/// An environment variable's name, as every shell can write it: `[A-Za-z_][A-Za-z0-9_]*`. The
/// names we set and the ones we are told to read (`--totp-secret-env VAR`) alike.
pub(crate) fn variable_name(name: &str) -> Result<(), Why> {
    if word(name, |c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err("not a variable name (letters, digits and _)")
    }
}

/// A shell function's name (`init --cmd NAME`): a variable name that may also hold `-`.
pub(crate) fn function_name(name: &str) -> Result<(), Why> {
    if word(name, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        Ok(())
    } else {
        Err("not a function name: use letters, digits, _ and -, not starting with a digit or -")
    }
}

/// A letter or `_`, then characters that `rest` allows.
fn word(name: &str, rest: impl Fn(char) -> bool) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_as_apps_show_them() {
        for (text, digits) in [
            ("123456", "123456"),
            (" 123456\n", "123456"),
            ("123 456", "123456"),
            ("123-456", "123456"),
            ("\t012 345 ", "012345"),
        ] {
            assert_eq!(code(text).as_deref(), Ok(digits), "{text:?}");
        }
        for (text, why) in [
            ("12345", "too short"),
            ("1234567", "too long"),
            ("12345a", "letters"),
            ("abcdef", "letters"),
            ("", "empty"),
            ("123  456", "other than the digits"),
            ("-123456", "other than the digits"),
            ("123456-", "other than the digits"),
            ("١٢٣٤٥٦", "other than the digits"),
            ("123_456", "other than the digits"),
        ] {
            let err = code(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }

    #[test]
    fn serials() {
        assert!(serial("GAHT12345678").is_ok());
        assert!(serial("arn:aws:iam::123456789012:mfa/user").is_ok());
        assert!(serial("short").is_err());
        assert!(serial("arn:aws:iam::1:mfa/it's").is_err());
    }

    #[test]
    fn role_arns() {
        for good in [
            "arn:aws:iam::123456789012:role/admin",
            "arn:aws-us-gov:iam::123456789012:role/path/to/Admin+x=y,z.a@b-c",
            "arn:aws-cn:iam::123456789012:role/r",
        ] {
            assert!(role_arn(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "admin",
            "arn:aws:iam::123456789012:user/admin",
            "arn:aws:iam::12345678901:role/admin",
            "arn:aws:sts::123456789012:role/admin",
            "arn:aws:iam:us-east-1:123456789012:role/admin",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
            "arn::iam::123456789012:role/a",
        ] {
            assert!(role_arn(bad).is_err(), "{bad}");
        }
        assert_eq!(partition("arn:aws-us-gov:iam::1:mfa/x"), Some("aws-us-gov"));
        assert_eq!(partition("GAHT12345678"), None);
    }

    #[test]
    fn role_parameters() {
        assert!(session_name("mfa-env-1795914000").is_ok());
        for bad in ["a", "a b/c", &"x".repeat(65), ""] {
            assert!(session_name(bad).is_err(), "{bad}");
        }
        assert!(external_id("tenant:42/a").is_ok());
        for bad in ["a", "a\nb", "a b", &"x".repeat(1225)] {
            assert!(external_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn regions_and_endpoints() {
        assert!(region("eu-central-1").is_ok());
        assert!(region("us-east-1.evil.com/").is_err());
        assert!(region("").is_err());
        assert!(endpoint("http://127.0.0.1:5000").is_ok());
        assert!(endpoint("ftp://x").is_err());
        assert!(endpoint("https://").is_err());
    }
}
