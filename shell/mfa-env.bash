# mfa-env for bash: the function below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.bashrc with:  eval "$(mfa-env init bash)"
mfa() {
    local lines
    # Evaluate only complete output of a successful run; on failure keep its exit status.
    lines=$(mfa-env --shell bash "$@") || return
    eval "$lines"
}
