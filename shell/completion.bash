# mfa-env completion for bash: subcommands, flags, shell names and profile names.
# Install: mfa-env completions bash > ~/.local/share/bash-completion/completions/mfa-env
# (or source its output from ~/.bashrc). Profile names come from `mfa-env list --names`.
_mfa_env() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local subcommands="@SUBCOMMANDS@" flags="@FLAGS@" shells="@SHELLS@"
    local init_shells="@INIT_SHELLS@" completion_shells="@COMPLETION_SHELLS@" prompts="@PROMPTS@"
    local word name
    COMPREPLY=()
    case $prev in
    --shell | -s) mapfile -t COMPREPLY < <(compgen -W "$shells" -- "$cur") ;;
    --prompt) mapfile -t COMPREPLY < <(compgen -W "$prompts" -- "$cur") ;;
    init) mapfile -t COMPREPLY < <(compgen -W "$init_shells" -- "$cur") ;;
    completions) mapfile -t COMPREPLY < <(compgen -W "$completion_shells" -- "$cur") ;;
    --profile | -p | --write-profile)
        # One name per line, spaces and all; each inserted as one word.
        while IFS= read -r name; do
            if [[ $name == "$cur"* ]]; then
                COMPREPLY+=("$(printf '%q' "$name")")
            fi
        done < <("${COMP_WORDS[0]}" list --names 2>/dev/null)
        ;;
    *)
        for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
            # After `exec --` (or exec's command) the words are the command's.
            if [[ $word == -- ]]; then
                return
            fi
        done
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$subcommands $flags" -- "$cur")
        fi
        ;;
    esac
}
complete -F _mfa_env mfa-env
