#compdef mfa-env
# mfa-env completion for zsh: subcommands, each mode's flags with what each does, shell and
# profile names, and after `exec`'s command, that command's own completion.
# Install: mfa-env completions zsh > "${fpath[1]}/_mfa-env" (a directory on $fpath), or
# source its output from ~/.zshrc after compinit. Profile names come from `mfa-env list --names`.
_mfa-env() {
    local -a subcommands valued shells init_shells completion_shells prompts names flags
    subcommands=(@SUBCOMMANDS@)
    valued=(@VALUED@)
    shells=(@SHELLS@)
    init_shells=(@INIT_SHELLS@)
    completion_shells=(@COMPLETION_SHELLS@)
    prompts=(@PROMPTS@)
    local mode= word
    integer i command_at=0
    # Which mode the words so far chose, and where exec's command starts.
    for ((i = 2; i < CURRENT; i++)); do
        word=${words[i]}
        if [[ $mode == exec && $word == -- ]]; then
            command_at=$((i + 1))
            break
        elif [[ $mode == exec && $word != -* ]]; then
            command_at=$i
            break
        elif ((${valued[(Ie)$word]})); then
            ((i++))
        elif [[ -z $mode ]] && ((${subcommands[(Ie)$word]})); then
            mode=$word
        elif [[ -z $mode && $word == --unset ]]; then
            mode=unset
        fi
    done
    if ((command_at)); then
        # The command's words, completed as if it had been typed alone.
        shift $((command_at - 1)) words
        ((CURRENT -= command_at - 1))
        _normal
        return
    fi
    case ${words[CURRENT-1]} in
    --shell | -s) compadd -- $shells && return ;;
    --prompt) compadd -- $prompts && return ;;
    --profile | -p | --write-profile | add | remove | rotate | login)
        if [[ ${words[CURRENT-1]} == -* ]] || [[ $mode == "${words[CURRENT-1]}" && $PREFIX != -* ]]; then
            names=("${(@f)$(${words[1]} list --names 2>/dev/null)}")
            compadd -- "${names[@]}"
            return
        fi
        ;;
    init) [[ $mode == init && $PREFIX != -* ]] && compadd -- $init_shells && return ;;
    completions) [[ $mode == completions && $PREFIX != -* ]] && compadd -- $completion_shells && return ;;
    help) [[ $mode == help && $PREFIX != -* ]] && compadd -- $subcommands unset && return ;;
    esac
    case ${mode:-export} in
    # @MODE_FLAGS@ (each mode's flags with what each does, filled in by mfa-env)
    esac
    if [[ -z $mode && $PREFIX != -* ]]; then
        compadd -- $subcommands
    fi
    _describe -t options option flags
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _mfa-env "$@"
elif (( $+functions[compdef] )); then
    compdef _mfa-env mfa-env
fi
