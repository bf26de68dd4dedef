# mfa-env completion for fish: subcommands, each mode's flags with what each does, shell and
# profile names, and after `exec`'s command, that command's own completion.
# Install: mfa-env completions fish > ~/.config/fish/completions/mfa-env.fish
# Profile names come from `mfa-env list --names`.
complete -c mfa-env -f

# The mode the words before the cursor chose (`export` when none, `command` once exec's command
# has begun) and, for `command`, where it begins: `MODE INDEX`.
function __mfa_env_state --description 'What mfa-env is being completed for'
    set -l words (commandline -opc)
    set -l valued (string split ' ' -- '@VALUED@')
    set -l subcommands (string split ' ' -- '@SUBCOMMANDS@')
    set -l mode export
    set -l skip 0
    for i in (seq 2 (count $words))
        set -l word $words[$i]
        if test $skip = 1
            set skip 0
        else if test $mode = exec; and test "$word" = --
            echo command (math $i + 1)
            return
        else if test $mode = exec; and not string match -q -- '-*' $word
            echo command $i
            return
        else if contains -- $word $valued
            set skip 1
        else if test $mode = export; and contains -- $word $subcommands
            set mode $word
        else if test $mode = export; and test "$word" = --unset
            set mode unset
        end
    end
    echo $mode
end

function __mfa_env_mode --description 'Whether mfa-env is being completed for MODE' --argument-names wanted
    test (string split ' ' -- (__mfa_env_state))[1] = "$wanted"
end

# Exec's command and its words so far, as the shell would complete them typed alone.
function __mfa_env_command --description 'The command of mfa-env exec'
    set -l at (string split ' ' -- (__mfa_env_state))[2]
    set -l words (commandline -opc) (commandline -ct)
    __fish_complete_subcommand --commandline $words[$at..-1]
end

function __mfa_env_after --description 'Whether the word before the cursor is one of ARGV'
    contains -- (commandline -opc)[-1] $argv
end

function __mfa_env_profiles --description 'Profiles mfa-env can name'
    set -l command (commandline -opc)[1]
    $command list --names 2>/dev/null
end

complete -c mfa-env -n '__mfa_env_mode command' -xa '(__mfa_env_command)'
complete -c mfa-env -n '__mfa_env_after --shell -s' -xa "(string split ' ' -- '@SHELLS@')"
complete -c mfa-env -n '__mfa_env_after --prompt' -xa "(string split ' ' -- '@PROMPTS@')"
complete -c mfa-env -n '__mfa_env_after --profile -p --write-profile' -xa '(__mfa_env_profiles)'
complete -c mfa-env -n '__mfa_env_mode add; and __mfa_env_after add' -xa '(__mfa_env_profiles)'
complete -c mfa-env -n '__mfa_env_mode remove; and __mfa_env_after remove' -xa '(__mfa_env_profiles)'
complete -c mfa-env -n '__mfa_env_mode rotate; and __mfa_env_after rotate' -xa '(__mfa_env_profiles)'
complete -c mfa-env -n '__mfa_env_mode login; and __mfa_env_after login' -xa '(__mfa_env_profiles)'
complete -c mfa-env -n '__mfa_env_mode init; and __mfa_env_after init' -xa "(string split ' ' -- '@INIT_SHELLS@')"
complete -c mfa-env -n '__mfa_env_mode completions; and __mfa_env_after completions' -xa "(string split ' ' -- '@COMPLETION_SHELLS@')"
complete -c mfa-env -n '__mfa_env_mode help; and __mfa_env_after help' -xa "(string split ' ' -- '@SUBCOMMANDS@') unset"
complete -c mfa-env -n "__mfa_env_mode export; and not __mfa_env_after (string split ' ' -- '@VALUED@')" -a "(string split ' ' -- '@SUBCOMMANDS@')"
# @MODE_FLAGS@ (each mode's flags with what each does, filled in by mfa-env)
