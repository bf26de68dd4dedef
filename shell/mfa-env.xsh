# mfa-env for xonsh: the alias below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.xonshrc with:  execx($(mfa-env init xonsh), 'exec', __xonsh__.ctx, filename='mfa-env')


def _mfa_env(args):
    """Evaluate only complete output of a successful run; on failure keep its exit status."""
    import subprocess

    # The environment of this shell as it is now, not as xonsh started.
    run = subprocess.run(
        ["mfa-env", "--shell", "xonsh", *args],
        stdout=subprocess.PIPE,
        env=__xonsh__.env.detype(),
        check=False,
    )
    if run.returncode == 0:
        execx(run.stdout.decode(), "exec", __xonsh__.ctx, filename="mfa-env")
    return run.returncode


aliases["mfa"] = _mfa_env
