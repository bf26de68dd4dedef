# mfa-env completion for PowerShell: subcommands, flags, shell names and profile names.
# Install: add to your $PROFILE:  Invoke-Expression (& mfa-env completions powershell | Out-String)
# Profile names come from `mfa-env list --names`.
Register-ArgumentCompleter -Native -CommandName mfa-env, mfa-env.exe -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
    # After `exec --` the words are the command's.
    if ($words -contains '--') { return }
    $previous = if ($wordToComplete) { $words[-2] } else { $words[-1] }
    $candidates = switch ($previous) {
        { $_ -in '--shell', '-s' } { '@SHELLS@' -split ' ' }
        '--prompt' { '@PROMPTS@' -split ' ' }
        'init' { '@INIT_SHELLS@' -split ' ' }
        'completions' { '@COMPLETION_SHELLS@' -split ' ' }
        { $_ -in '--profile', '-p', '--write-profile' } { & $words[0] list --names 2>$null }
        default {
            if ($wordToComplete -like '-*') { '@FLAGS@' -split ' ' }
            else { ('@SUBCOMMANDS@' -split ' ') + ('@FLAGS@' -split ' ') }
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
