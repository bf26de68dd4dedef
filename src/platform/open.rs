//! Opening a URL in the person's browser, with the platform's own opener.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Opens `url` with `xdg-open` (Linux and BSDs), `open` (macOS) or the URL handler `start`
/// uses (Windows: through rundll32, so that no cmd.exe reads the `&` and `%` of the URL). An
/// opener that fails at once is an error; one still running after a few seconds (a browser
/// started in its place) is left to run.
pub(crate) fn open_url(url: &str) -> Result<()> {
    let (program, args): (&str, Vec<&str>) = if cfg!(windows) {
        ("rundll32", vec!["url.dll,FileProtocolHandler", url])
    } else if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else {
        ("xdg-open", vec![url])
    };
    let mut child = Command::new(program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::new(format!(
                "cannot run {program} to open the sign-in URL ({e}): run mfa-env login without --open and open the URL yourself"
            ))
        })?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(Error::new(format!(
                    "{program} could not open the sign-in URL ({status}): run mfa-env login without --open and open the URL yourself"
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}
