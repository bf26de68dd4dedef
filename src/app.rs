//! One run, start to end, as the request's mode says: it orchestrates and decides nothing the
//! modules below it own. Only finished, checked text is ever written to stdout.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{self, Choice, Exec, Export, Forget, Request, Unset};
use crate::credentials::Credentials;
use crate::environment::Environment;
use crate::error::{Error, Result, shown};
use crate::init;
use crate::obtain::{self, cache};
use crate::output::{self, note};
use crate::platform;
use crate::render::{self, Apply};
use crate::served::RunDir;
use crate::settings::{self, AwsFiles, Settings};
use crate::shell::{self, Shell};
use crate::time;
use crate::vars::{Before, PROFILE_CHOOSERS};
use crate::write_profile;

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode> {
    let request = cli::parse(args)?;
    let env = Environment::capture();
    #[cfg(debug_assertions)]
    abort_if_asked(&env);
    match request {
        Request::Help => output::stdout(&cli::help())?,
        Request::Version => output::stdout(&format!("mfa-env {}\n", env!("CARGO_PKG_VERSION")))?,
        Request::Init(init) => {
            let binary = std::env::current_exe()
                .ok()
                .filter(|p| p.is_absolute() && p.is_file());
            let binary = binary.as_deref().and_then(|p| p.to_str());
            output::stdout(&init::render(init.shell, init.function.as_deref(), binary)?)?;
        }
        Request::Unset(unset) => self::unset(&unset, &env)?,
        Request::Status(status) => return crate::status::run(&status, &env),
        Request::Export(export) => self::export(&export, &env)?,
        Request::Exec(exec) => return self::exec(&exec, &env),
        Request::List(how) => {
            let files = AwsFiles::load(&env)?;
            let rows = crate::list::rows(&files, cache(&env).as_ref(), time::now());
            if rows.is_empty() && how == cli::List::Table {
                output::note(&format!(
                    "no profiles in {}: run `aws configure` to create one",
                    files.both()
                ));
                return Ok(ExitCode::SUCCESS);
            }
            output::stdout(&match how {
                cli::List::Table => crate::list::table(&rows),
                cli::List::Names => crate::list::names(&rows),
                cli::List::Json => crate::list::json(&rows),
            })?;
        }
        Request::Completions(shell) => output::stdout(&crate::completions::render(shell)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The shell that will read our output: `--shell`, else the parent process and the environment.
fn detect(given: Option<Shell>, env: &Environment) -> Result<Shell> {
    if let Some(shell) = given {
        return Ok(shell);
    }
    let parent = platform::parent_program();
    let me = std::env::args_os().next();
    shell::detect(&shell::Clues {
        parent: parent.as_deref(),
        underscore: env.os("_"),
        me: me.as_deref(),
        login_shell: env.os("SHELL"),
    })
    .map_err(|name| {
        Error::new(format!(
            "mfa-env writes no syntax for {name}, the shell that runs it: pass --shell with one of {}, or run the command with `mfa-env exec -- COMMAND`",
            shell::listed(|n| n.shell.can_unset() && n.shell != Shell::NoOutput)
        ))
    })
}

fn unset(request: &Unset, env: &Environment) -> Result<()> {
    let shell = detect(request.shell, env)?;
    let text = render::unsets(shell, &Before::capture(env)?)?;
    // The lines come out whatever happens to the cache: the session must leave this shell.
    if let Some(forget) = &request.forget
        && let Some(cache) = cache(env)
    {
        let forgotten = match forget {
            Forget::All => cache
                .forget(None)
                .map(|removed| (removed, "of every profile".to_owned())),
            Forget::Profile(flag) => {
                let label = settings::label(flag.as_deref(), env)?;
                cache.forget(Some(&label)).map(|removed| {
                    let whose = format!("of '{}' (--all: of every profile)", shown(&label));
                    (removed, whose)
                })
            }
        };
        match forgotten {
            Ok((removed, whose)) => note(&format!("deleted {removed} cached session(s) {whose}")),
            Err(e) => note(&format!("{e}; the environment is cleared all the same")),
        }
    }
    if std::io::stdout().is_terminal() {
        note(&format!(
            "these lines clear nothing by themselves: {}",
            shell.apply_hint("--unset")
        ));
    }
    output::stdout(&text)
}

/// The AWS files, read once for the whole run, and this run's settings from them.
pub(crate) fn resolve(
    choice: &Choice,
    role_session_name: Option<&str>,
    env: &Environment,
    now: i64,
) -> Result<(AwsFiles, Settings)> {
    let files = AwsFiles::load(env)?;
    let settings = settings::resolve(choice, role_session_name, env, &files, now)?;
    Ok((files, settings))
}

fn export(request: &Export, env: &Environment) -> Result<()> {
    let shell = detect(request.shell, env)?;
    let now = time::now();
    // Everything that can be refused is refused before a code is spent.
    let github_env = match shell {
        Shell::Github => Some(github_env_path(env)?),
        _ => None,
    };
    let (files, settings) = resolve(
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
    let apply = apply(&settings, env)?;
    // Checked now, on a dummy session, so that a value the shell cannot hold stops the run
    // before a code is spent.
    render::exports(shell, &Credentials::placeholder(), &apply, &mut || {
        "D".into()
    })?;
    let on_terminal = std::io::stdout().is_terminal() && shell != Shell::NoOutput;
    if on_terminal && request.reuse.no_cache && target.is_none() {
        return Err(Error::new(format!(
            "stdout is a terminal, where the session would be shown, and --no-cache keeps nothing to apply later: run {}",
            shell.apply_hint("--no-cache")
        )));
    }

    let creds = obtain::session(&request.reuse, &request.obtain, &settings, env, now)?;
    let rendered = render::exports(shell, &creds, &apply, &mut delimiter(env))?;
    if let Some(target) = &target {
        write_profile::write(target, &settings, &creds)?;
    }
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
        output::append_github_env(&path, &rendered.github_env)?;
    }
    if on_terminal {
        // Printed here, the session would only be shown, not applied: keep it off the screen.
        let until = time::format_until(creds.expiration, now);
        let kept = if request.reuse.no_cache {
            String::new()
        } else {
            format!(
                "; apply it with: {}",
                shell.apply_hint(&hint_args(&request.choice, shell))
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

/// Runs a command (or the user's shell) with the session in its environment.
fn exec(request: &Exec, env: &Environment) -> Result<ExitCode> {
    let now = time::now();
    let (files, settings) = resolve(
        &request.choice,
        request.obtain.role_session_name.as_deref(),
        env,
        now,
    )?;
    let shell;
    let command: &[std::ffi::OsString] = if request.command.is_empty() {
        shell = [crate::exec::default_shell(env)];
        &shell
    } else {
        &request.command
    };
    // The session first (and so the credentials checked), then the command: a command that
    // cannot run is refused before anything is printed or started.
    let (creds, renewal) = if request.server {
        let (creds, renewal) =
            obtain::renewable_session(&request.reuse, &request.obtain, &settings, env, now)?;
        (creds, Some(renewal))
    } else {
        let creds = obtain::session(&request.reuse, &request.obtain, &settings, env, now)?;
        (creds, None)
    };
    crate::exec::check_runnable(&command[0], env)?;
    let profile = settings
        .keys_id
        .is_none()
        .then_some(settings.label.as_str());
    let secrets: Vec<&str> = request.obtain.totp_env.iter().map(String::as_str).collect();
    let mut vars =
        crate::exec::child_env(env, &creds, settings.configured_region(), profile, &secrets);
    if request.command.is_empty() && std::io::stderr().is_terminal() {
        note(&format!(
            "starting {} with the session for '{}' until {}; `exit` leaves it",
            shown(&command[0].to_string_lossy()),
            shown(&settings.label),
            time::format_until(creds.expiration, now)
        ));
    }
    match renewal {
        // mfa-env stays, as the endpoint's home, until the command ends.
        Some(renewal) => {
            // The command's files, without anything that would win over the endpoint; removed
            // when the command ends (run_beside returns), as is the endpoint.
            let run_dir = RunDir::create(env)?;
            let copies = run_dir
                .write_copies(env, [files.config.as_deref(), files.credentials.as_deref()])?;
            crate::exec::hold_signals();
            let endpoint =
                crate::server::start(creds, renewal, &settings.label, Some(run_dir.state_path()))?;
            vars = crate::exec::server_env(vars, &endpoint.url, &endpoint.token, copies);
            let status = crate::exec::run_beside(command, vars);
            drop(run_dir);
            status
        }
        None => crate::exec::run(command, vars),
    }
}

/// What the apply does besides the session: remember the profile, set the configured region,
/// and keep what they replace.
fn apply(settings: &Settings, env: &Environment) -> Result<Apply> {
    Ok(Apply {
        profile: settings.keys_id.is_none().then(|| settings.label.clone()),
        region: settings.configured_region().map(str::to_owned),
        before: Before::capture(env)?,
    })
}

/// The arguments that pick this session, for a hint that gets it again (never a code).
fn hint_args(choice: &Choice, shell: Shell) -> String {
    let mut args: Vec<String> = Vec::new();
    let mut push = |flag: &str, value: &Option<String>| {
        if let Some(value) = value {
            let plain = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./:@+=,".contains(c));
            let value = if plain {
                value.clone()
            } else {
                shell.quote(value).unwrap_or_else(|_| "...".into())
            };
            args.push(format!("{flag} {value}"));
        }
    };
    push("--profile", &choice.profile);
    push("--serial-number", &choice.serial);
    push("--region", &choice.region);
    push("--role-arn", &choice.role_arn);
    push("--external-id", &choice.external_id);
    push(
        "--duration-seconds",
        &choice.duration.map(|d| d.to_string()),
    );
    args.join(" ")
}

fn github_env_path(env: &Environment) -> Result<PathBuf> {
    env.path("GITHUB_ENV").ok_or_else(|| {
        Error::new(
            "--shell github writes to the file named by $GITHUB_ENV, which is not set: run it in a GitHub Actions step",
        )
    })
}

/// GitHub heredoc delimiters: random; debug builds let a golden test pin them.
fn delimiter(env: &Environment) -> impl FnMut() -> String + '_ {
    #[cfg(debug_assertions)]
    let fixed = env.text("MFA_ENV_TEST_DELIMITER").ok().flatten();
    #[cfg(not(debug_assertions))]
    let fixed: Option<&str> = {
        let _ = env;
        None
    };
    let mut count = 0;
    move || match fixed {
        Some(fixed) => {
            count += 1;
            format!("{fixed}{count}")
        }
        None => output::random_delimiter(),
    }
}

/// Test builds only (`MFA_ENV_TEST_ABORT=panic|memory`): end the run the ways a bug or a full
/// memory would, so that tests can see those print one line and nothing on stdout.
#[cfg(debug_assertions)]
fn abort_if_asked(env: &Environment) {
    match env.text("MFA_ENV_TEST_ABORT").ok().flatten() {
        Some("panic") => panic!("asked to by MFA_ENV_TEST_ABORT"),
        Some("memory") => {
            let huge = vec![1u8; 1 << 40];
            std::hint::black_box(huge);
        }
        _ => {}
    }
}
