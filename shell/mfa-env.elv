# mfa-env for elvish: the function below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.config/elvish/rc.elv with:  eval (mfa-env init elvish | slurp)
# A failed run raises its exception before anything is evaluated.
edit:add-var mfa~ {|@args| eval (mfa-env --shell elvish $@args | slurp) }
