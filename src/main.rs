use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must not print a backtrace or a value; stdout is still empty at that point.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("mfa-env: internal error{place}; nothing was printed (please report this)");
    }));
    match mfa_env::app::run(std::env::args_os().skip(1)) {
        Ok(code) => code,
        Err(mfa_env::error::Error::Quiet) => ExitCode::from(1),
        Err(e) => {
            eprintln!("mfa-env: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
