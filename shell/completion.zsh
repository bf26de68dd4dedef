#compdef mfa-env
# mfa-env completion for zsh: subcommands, flags, shell names and profile names.
# Install: mfa-env completions zsh > "${fpath[1]}/_mfa-env" (a directory on $fpath), or
# source its output from ~/.zshrc after compinit. Profile names come from `mfa-env list --names`.
_mfa-env() {
    local -a subcommands flags shells init_shells completion_shells prompts names
    subcommands=(@SUBCOMMANDS@)
    flags=(@FLAGS@)
    shells=(@SHELLS@)
    init_shells=(@INIT_SHELLS@)
    completion_shells=(@COMPLETION_SHELLS@)
    prompts=(@PROMPTS@)
    case ${words[CURRENT-1]} in
    --shell | -s) compadd -- $shells ;;
    --prompt) compadd -- $prompts ;;
    init) compadd -- $init_shells ;;
    completions) compadd -- $completion_shells ;;
    --profile | -p | --write-profile)
        names=("${(@f)$(${words[1]} list --names 2>/dev/null)}")
        compadd -- "${names[@]}"
        ;;
    *)
        (( ${words[(I)--]} && ${words[(I)--]} < CURRENT )) && return
        if [[ $PREFIX == -* ]]; then
            compadd -- $flags
        else
            compadd -- $subcommands $flags
        fi
        ;;
    esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _mfa-env "$@"
elif (( $+functions[compdef] )); then
    compdef _mfa-env mfa-env
fi
