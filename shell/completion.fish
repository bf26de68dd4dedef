# mfa-env completion for fish: subcommands, flags, shell names and profile names.
# Install: mfa-env completions fish > ~/.config/fish/completions/mfa-env.fish
# Profile names come from `mfa-env list --names`.
complete -c mfa-env -f
complete -c mfa-env -n '__fish_use_subcommand; and not __mfa_env_after_dashdash' -a "(string split ' ' -- '@SUBCOMMANDS@')"
for flag in (string split ' ' -- '@FLAGS@')
    if string match -q -- '--*' $flag
        complete -c mfa-env -n 'not __mfa_env_after_dashdash' -l (string sub -s 3 -- $flag)
    end
end
complete -c mfa-env -n 'not __mfa_env_after_dashdash' -s s -l shell -x -a "(string split ' ' -- '@SHELLS@')"
complete -c mfa-env -n 'not __mfa_env_after_dashdash' -l prompt -x -a "(string split ' ' -- '@PROMPTS@')"
complete -c mfa-env -n 'not __mfa_env_after_dashdash' -s p -l profile -x -a "(__mfa_env_profiles)"
complete -c mfa-env -n 'not __mfa_env_after_dashdash' -l write-profile -x -a "(__mfa_env_profiles)"
complete -c mfa-env -n '__fish_seen_subcommand_from init; and not __mfa_env_after_dashdash' -x -a "(string split ' ' -- '@INIT_SHELLS@')"
complete -c mfa-env -n '__fish_seen_subcommand_from completions; and not __mfa_env_after_dashdash' -x -a "(string split ' ' -- '@COMPLETION_SHELLS@')"

function __mfa_env_profiles --description 'Profiles mfa-env can name'
    set -l command (commandline -opc)[1]
    $command list --names 2>/dev/null
end

# After `exec --` the words are the command's: none of ours are offered.
function __mfa_env_after_dashdash
    contains -- -- (commandline -opc)[2..-1]
end
complete -c mfa-env -n __mfa_env_after_dashdash -F
