# mfa-env for zsh: the function below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.zshrc with:  eval "$(mfa-env init zsh)"
mfa() {
    emulate -L zsh
    local lines
    # Evaluate only complete output of a successful run; on failure keep its exit status.
    lines=$(mfa-env --shell zsh "$@") || return
    eval "$lines"
}
