# mfa-env completion for bash: subcommands, each mode's flags, shell and profile names, and
# after `exec`'s command, that command's own completion.
# Install: mfa-env completions bash > ~/.local/share/bash-completion/completions/mfa-env
# (or source its output from ~/.bashrc). Profile names come from `mfa-env list --names`.
_mfa_env() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local subcommands="@SUBCOMMANDS@" valued=" @VALUED@ " shells="@SHELLS@"
    local init_shells="@INIT_SHELLS@" completion_shells="@COMPLETION_SHELLS@" prompts="@PROMPTS@"
    local mode="" command_at=0 names=0 i word name flags
    COMPREPLY=()
    # Which mode the words so far chose, and where exec's command starts.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $mode == exec && $word == -- ]]; then
            command_at=$((i + 1))
            break
        elif [[ $mode == exec && $word != -* ]]; then
            command_at=$i
            break
        elif [[ $valued == *" $word "* ]]; then
            ((i++))
        elif [[ -z $mode && " $subcommands " == *" $word "* ]]; then
            mode=$word
        elif [[ -z $mode && $word == --unset ]]; then
            mode='unset'
        fi
    done
    if ((command_at > 0)); then
        # The command's words: its own completion where bash-completion provides one.
        if declare -F _command_offset >/dev/null; then
            _command_offset "$command_at"
        elif ((COMP_CWORD == command_at)); then
            mapfile -t COMPREPLY < <(compgen -c -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return
    fi
    case $prev in
    --shell | -s) mapfile -t COMPREPLY < <(compgen -W "$shells" -- "$cur") && return ;;
    --prompt) mapfile -t COMPREPLY < <(compgen -W "$prompts" -- "$cur") && return ;;
    init) [[ $mode == init && $cur != -* ]] && mapfile -t COMPREPLY < <(compgen -W "$init_shells" -- "$cur") && return ;;
    completions) [[ $mode == completions && $cur != -* ]] && mapfile -t COMPREPLY < <(compgen -W "$completion_shells" -- "$cur") && return ;;
    help) [[ $mode == help && $cur != -* ]] && mapfile -t COMPREPLY < <(compgen -W "$subcommands unset" -- "$cur") && return ;;
    --profile | -p | --write-profile) names=1 ;;
    add | remove | rotate | login) [[ $mode == "$prev" && $cur != -* ]] && names=1 ;;
    esac
    if ((names)); then
        # One name per line, spaces and all; each inserted as one word.
        while IFS= read -r name; do
            if [[ $name == "$cur"* ]]; then
                COMPREPLY+=("$(printf '%q' "$name")")
            fi
        done < <("${COMP_WORDS[0]}" list --names 2>/dev/null)
        return
    fi
    case ${mode:-export} in
    # @MODE_FLAGS@ (each mode's flags, filled in by mfa-env)
    esac
    if [[ -z $mode && $cur != -* ]]; then
        flags="$subcommands $flags"
    fi
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
}
complete -F _mfa_env mfa-env
