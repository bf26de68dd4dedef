//! `mfa-env [OPTIONS]`: get a session (or reuse the cached one) and print the lines that set
//! it, in the syntax of the shell or format asked; optionally also into a profile.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::aws::credentials::Credentials;
use crate::aws::obtain;
use crate::aws::settings::Settings;
use crate::aws::write_profile;
use crate::environment::Environment;
use crate::environment::vars::{self, Apply, Before, PROFILE_CHOOSERS};
use crate::error::{Error, Result, shown};
use crate::output::{self, note};
use crate::request::Export;
use crate::shell::Shell;
use crate::shell::render::{self, Rendered};
use crate::time;

pub(crate) fn run(request: &Export, env: &Environment) -> Result<()> {
    let shell = super::detect(request.shell, env)?;
    let now = time::now();
    // Everything that can be refused is refused before a code is spent.
    let github_env = match shell {
        Shell::Github => Some(github_file(env, "GITHUB_ENV")?),
        _ => None,
    };
    let github_output = if request.output_credentials {
        Some(github_file(env, "GITHUB_OUTPUT")?)
    } else {
        None
    };
    let (files, settings) = super::resolve(
        &request.choice,
        request.obtain.role_session_name.as_deref(),
        env,
        now,
    )?;
    let target = match &request.write_profile {
        Some(w) => Some(write_profile::check(
            &settings,
            &files,
            &w.name,
            w.overwrite_long_term,
        )?),
        None => None,
    };
    let apply = apply(&settings, shell, env)?;
    // Checked now, on a dummy session, so that a value the shell cannot hold stops the run
    // before a code is spent.
    render_session(shell, &Credentials::placeholder(), &apply, &mut || {
        "D".into()
    })?;
    let on_terminal = std::io::stdout().is_terminal() && shell != Shell::NoOutput;
    if on_terminal && request.reuse.no_cache && target.is_none() {
        return Err(Error::new(format!(
            "stdout is a terminal, where the session would be shown, and --no-cache keeps nothing to apply later: run {}",
            shell.apply_hint(&super::again_args(&request.again, shell, env))
        )));
    }

    let creds = obtain::session(&request.reuse, &request.obtain, &settings, env, now)?;
    let rendered = render_session(shell, &creds, &apply, &mut delimiter(env))?;
    if let Some(target) = &target {
        write_profile::write(target, &settings, &creds)?;
    }
    write_github(github_env, github_output, &apply, &rendered, &creds, env)?;
    if on_terminal {
        // Printed here, the session would only be shown, not applied: keep it off the screen.
        let until = time::format_until(creds.expiration, now);
        let kept = if request.reuse.no_cache {
            String::new()
        } else {
            format!(
                "; apply it with: {}",
                shell.apply_hint(&super::again_args(&request.again, shell, env))
            )
        };
        let written = match &request.write_profile {
            Some(w) => format!(" and written to profile '{}'", w.name),
            None => String::new(),
        };
        note(&format!(
            "session for '{}' cached{written} until {until}{kept}",
            shown(&settings.label)
        ));
        return Ok(());
    }
    output::stdout(&rendered.stdout)
}

/// The step's files under `--shell github`: the environment for later steps, and the outputs.
fn write_github(
    github_env: Option<PathBuf>,
    github_output: Option<PathBuf>,
    apply: &Apply,
    rendered: &Rendered,
    creds: &Credentials,
    env: &Environment,
) -> Result<()> {
    if let Some(path) = github_env {
        if let Some(name) = PROFILE_CHOOSERS
            .iter()
            .map(|(chooser, _)| *chooser)
            .find(|chooser| apply.before.get(chooser).is_some())
        {
            note(&format!(
                "{name} is set in this step; $GITHUB_ENV cannot unset it, so if later steps have it too, remove it from the job's env (some SDKs prefer it to the session)"
            ));
        }
        output::append_github_file(&path, "$GITHUB_ENV", &rendered.github_env)?;
    }
    if let Some(path) = github_output {
        let expiration = time::format_utc(creds.expiration);
        let outputs = render::github_outputs(
            &[
                ("aws-access-key-id", &creds.access_key_id),
                ("aws-secret-access-key", &creds.secret_access_key),
                ("aws-session-token", &creds.session_token),
                ("aws-expiration", &expiration),
            ],
            &mut delimiter(env),
        )?;
        output::append_github_file(&path, "$GITHUB_OUTPUT", &outputs)?;
    }
    Ok(())
}

/// The text that applies `creds` for `shell`: checked first (a session comes from the network).
fn render_session(
    shell: Shell,
    creds: &Credentials,
    apply: &Apply,
    delimiter: &mut dyn FnMut() -> String,
) -> Result<Rendered> {
    creds.check()?;
    if shell == Shell::Json {
        return Ok(Rendered {
            stdout: creds.process_document(),
            github_env: String::new(),
        });
    }
    let lines = vars::apply_lines(creds.variables(), apply);
    // In a workflow's log the access key id is masked too: it names the account's user.
    let secrets = [
        creds.access_key_id.as_str(),
        creds.secret_access_key.as_str(),
        creds.session_token.as_str(),
    ];
    render::apply(shell, &lines, &secrets, delimiter)
}

/// What the apply does besides the session: remember the profile, set the configured region
/// (in a GitHub job always the region used: later steps have nothing else to go by), and keep
/// what they replace.
fn apply(settings: &Settings, shell: Shell, env: &Environment) -> Result<Apply> {
    let region = match shell {
        Shell::Github => Some(settings.region.value.as_str()),
        _ => settings.configured_region(),
    };
    Ok(Apply {
        profile: settings.keys_id.is_none().then(|| settings.label.clone()),
        region: region.map(str::to_owned),
        before: Before::capture(env)?,
    })
}

/// The file a GitHub Actions step names in `var` (`GITHUB_ENV`, `GITHUB_OUTPUT`).
fn github_file(env: &Environment, var: &str) -> Result<PathBuf> {
    env.path(var).ok_or_else(|| {
        Error::new(format!(
            "--shell github writes to the file named by ${var}, which is not set: run it in a GitHub Actions step"
        ))
    })
}

/// GitHub heredoc delimiters: random; debug builds let a golden test pin them.
fn delimiter(env: &Environment) -> impl FnMut() -> String + '_ {
    let fixed = crate::test_hooks::delimiter(env);
    let mut count = 0;
    move || match fixed {
        Some(fixed) => {
            count += 1;
            format!("{fixed}{count}")
        }
        None => output::random_delimiter(),
    }
}
