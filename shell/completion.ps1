# mfa-env completion for PowerShell: subcommands, flags, shell names and profile names.
# Install: add to your $PROFILE:  Invoke-Expression (& mfa-env completions powershell | Out-String)
# Profile names come from `mfa-env list --names`.
Register-ArgumentCompleter -Native -CommandName mfa-env, mfa-env.exe -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
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
    $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        $text = if ($_ -match '\s') { "'" + ($_ -replace "'", "''") + "'" } else { $_ }
        [System.Management.Automation.CompletionResult]::new($text, $_, 'ParameterValue', $_)
    }
}
