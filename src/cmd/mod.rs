//! The commands, one file each: every `run` takes its checked request and the environment
//! snapshot, orchestrates the layers below (`aws`, `code`, `shell`), and decides nothing they
//! own. Only finished, checked text is ever written to stdout.

mod add;
mod completions;
mod exec;
mod export;
mod init;
mod list;
mod login;
mod remove;
mod rotate;
mod server;
mod status;
mod unset;

use crate::aws::files::AwsFiles;
use crate::aws::settings::{self, Settings};
use crate::cli;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output;
use crate::platform;
use crate::request::{Again, Choice, Request};
use crate::shell::{self, Shell};

/// Runs what `request` asks.
pub(crate) fn run(request: Request, env: &Environment) -> Result<u8> {
    match request {
        Request::Help { topic, evaluated } => {
            let page = topic.map_or_else(cli::help, cli::command_help);
            if evaluated {
                // Never eval'd: `mfa --help` shows the page and changes nothing.
                output::stderr(&page);
            } else {
                output::stdout(&page)?;
            }
        }
        Request::Version => output::stdout(&format!("mfa-env {}\n", env!("CARGO_PKG_VERSION")))?,
        Request::Init(init) => init::run(&init)?,
        Request::Unset(unset) => unset::run(&unset, env)?,
        Request::Status(status) => return status::run(&status, env),
        Request::Export(export) => export::run(&export, env)?,
        Request::Exec(exec) => return exec::run(&exec, env),
        Request::List(how) => list::run(how, env)?,
        Request::Completions(shell) => completions::run(shell)?,
        Request::Add(add) => add::run(&add, env)?,
        Request::Remove(remove) => remove::run(&remove, env)?,
        Request::Rotate(rotate) => rotate::run(&rotate, env)?,
        Request::Login(login) => login::run(&login, env)?,
    }
    Ok(0)
}

/// The shell that will read our output: `--shell`, else the parent process and the environment.
pub(crate) fn detect(given: Option<Shell>, env: &Environment) -> Result<Shell> {
    if let Some(shell) = given {
        return Ok(shell);
    }
    let parent = platform::parent_program();
    let me = env.program();
    shell::detect(&shell::Clues {
        xonsh: env.os("XONSH_VERSION").is_some(),
        parent: parent.as_deref(),
        underscore: env.os("_"),
        me,
        login_shell: env.os("SHELL"),
    })
    .map_err(|name| {
        Error::new(format!(
            "mfa-env writes no syntax for {name}, the shell that runs it: pass --shell with one of {}, or run the command with `mfa-env exec -- COMMAND`",
            shell::listed(|n| n.shell.is_interactive())
        ))
    })
}

/// The options of `again`, as a person types them to run mfa-env again for `shell`'s output:
/// each value that needs it quoted for the shell they type in (for a format such as `json`,
/// the shell that runs mfa-env). A value no shell can hold shows as `...`.
pub(crate) fn again_args(again: &Again, shell: Shell, env: &Environment) -> String {
    let typing = match shell {
        shell if shell.is_interactive() => shell,
        _ => detect(None, env).unwrap_or(Shell::Posix),
    };
    let quoted = |value: &str| {
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./:@+=,".contains(c));
        match typing.quote(value) {
            _ if plain => value.to_owned(),
            Ok(value) if typing == Shell::Cmd => format!("\"{value}\""),
            Ok(value) => value,
            Err(_) => "...".to_owned(),
        }
    };
    let words: Vec<String> = again
        .0
        .iter()
        .map(|(flag, value)| match value {
            Some(value) => format!("--{flag} {}", quoted(value)),
            None => format!("--{flag}"),
        })
        .collect();
    words.join(" ")
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
