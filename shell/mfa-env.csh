# mfa-env for tcsh and csh: the alias below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from ~/.tcshrc (or ~/.cshrc) with:  mfa-env init tcsh > ~/.mfa-env.csh  and then  source ~/.mfa-env.csh
# csh has no functions: the alias evaluates a successful run's output, and a failed run (which
# prints nothing) evaluates `false`, so that mfa fails too.
alias mfa 'eval "`mfa-env --shell csh \!*:q || echo false`"'
