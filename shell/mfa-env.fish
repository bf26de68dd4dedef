# mfa-env for fish: the function below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.config/fish/config.fish with:  mfa-env init fish | source
function mfa --description 'Set (or with --unset clear) AWS session credentials from an MFA code'
    # Evaluate only complete output of a successful run; on failure keep its exit status.
    set -l lines (mfa-env --shell fish $argv)
    or return
    string join \n -- $lines | source
end
