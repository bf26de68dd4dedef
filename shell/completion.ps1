# mfa-env completion for PowerShell: subcommands, each mode's flags, shell and profile names.
# Install: add to your $PROFILE:  Invoke-Expression (& mfa-env completions powershell | Out-String)
# Profile names come from `mfa-env list --names`.
Register-ArgumentCompleter -Native -CommandName mfa-env, mfa-env.exe -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
    $valued = '@VALUED@' -split ' '
    $subcommands = '@SUBCOMMANDS@' -split ' '
    # The words before the one being completed: which mode they chose.
    $typed = if ($wordToComplete) { $words.Count - 1 } else { $words.Count }
    $mode = 'export'
    for ($i = 1; $i -lt $typed; $i++) {
        $word = $words[$i]
        # After exec's command the words are the command's: PowerShell completes them.
        if ($mode -eq 'exec' -and ($word -eq '--' -or -not $word.StartsWith('-'))) { return }
        if ($valued -contains $word) { $i++ }
        elseif ($mode -eq 'export' -and $subcommands -contains $word) { $mode = $word }
        elseif ($mode -eq 'export' -and $word -eq '--unset') { $mode = 'unset' }
    }
    $previous = if ($typed -gt 1) { $words[$typed - 1] } else { '' }
    $candidates = switch ($previous) {
        { $_ -in '--shell', '-s' } { '@SHELLS@' -split ' '; break }
        '--prompt' { '@PROMPTS@' -split ' '; break }
        { $_ -eq 'init' -and $mode -eq 'init' } { '@INIT_SHELLS@' -split ' '; break }
        { $_ -eq 'completions' -and $mode -eq 'completions' } { '@COMPLETION_SHELLS@' -split ' '; break }
        { $_ -eq 'help' -and $mode -eq 'help' } { $subcommands + 'unset'; break }
        { $_ -in '--profile', '-p', '--write-profile' -or ($_ -in 'add', 'remove', 'rotate', 'login' -and $mode -eq $_) } { & $words[0] list --names 2>$null; break }
        default {
            $flags = switch ($mode) {
                # @MODE_FLAGS@ (each mode's flags, filled in by mfa-env)
            }
            if ($mode -eq 'export' -and $wordToComplete -notlike '-*') { $subcommands + $flags } else { $flags }
        }
    }
    # A literal prefix (no wildcards), without the quote a half-typed 'name may start with.
    $prefix = $wordToComplete.TrimStart("'", '"')
    $candidates | Where-Object { $_.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase) } | ForEach-Object {
        # Quoted unless plainly safe: `$`, `@`, `;`, spaces and the like mean something to PowerShell;
        # inside the quotes each character that would end them is written twice.
        $text = if ($_ -match '^\w[\w./:%+=-]*$' -or $_ -like '-*') { $_ } else { "'" + ($_ -replace @PWSH_QUOTES@, '$0$0') + "'" }
        [System.Management.Automation.CompletionResult]::new($text, $_, 'ParameterValue', $_)
    }
}
