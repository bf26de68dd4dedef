//! `login [PROFILE]`: the AWS console, signed in with PROFILE's role session. The session (as
//! `exec` gets it) is exchanged for a sign-in token; the URL that holds the token goes to
//! stdout, or to the browser with `--open`. A plain MFA session cannot sign in: AWS's
//! federation endpoint takes only role (and federation) sessions.

use std::io::IsTerminal;

use crate::aws::federation::SignIn;
use crate::aws::obtain;
use crate::aws::sts;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::output::{self, note};
use crate::platform;
use crate::request::Login;
use crate::time;

pub(crate) fn run(request: &Login, env: &Environment) -> Result<()> {
    let now = time::now();
    let (_files, settings) = super::resolve(
        &request.choice,
        request.obtain.role_session_name.as_deref(),
        env,
        now,
    )?;
    let name = shown(&settings.label);
    // Refused before a code is spent.
    if settings.roles.is_empty() {
        return Err(Error::new(format!(
            "profile '{name}' gets a plain MFA session (GetSessionToken), which the AWS console sign-in does not accept: use a role profile (role_arn and source_profile), or pass --role-arn ARN"
        )));
    }
    if !request.open && std::io::stdout().is_terminal() {
        return Err(Error::new(
            "the sign-in URL is a credential (15 minutes of console access) and stdout is a terminal: pass --open to open it in your browser, or send it to a program (mfa-env login | pbcopy)",
        ));
    }
    let session = obtain::session(&request.reuse, &request.obtain, &settings, env, now)?;
    let sign_in = SignIn::for_region(&settings.region.value);
    let network = obtain::network_for(sign_in.federation, &settings, env)?;
    let url =
        sts::runtime()?.block_on(sign_in.url(&session, settings.configured_region(), &network))?;
    if request.open {
        platform::open_url(&url)?;
        note(&format!(
            "opened the AWS console for '{name}' in your browser"
        ));
        return Ok(());
    }
    output::stdout(&format!("{url}\n"))
}
