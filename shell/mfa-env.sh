# mfa-env for POSIX shells (sh, dash, ksh, mksh, yash, posh, busybox ash): the function below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.profile (or the file $ENV names, such as ~/.kshrc) with:  eval "$(mfa-env init sh)"
mfa() {
    # Evaluate only complete output of a successful run; on failure keep its exit status.
    # POSIX functions have no local variables: this one is removed again. ${1+"$@"}: "$@"
    # with no arguments is an error under set -u in posh and old ksh.
    _mfa_env_lines=$(mfa-env --shell sh ${1+"$@"}) || {
        set -- "$?"
        unset _mfa_env_lines
        return "$1"
    }
    eval "$_mfa_env_lines"
    unset _mfa_env_lines
}
