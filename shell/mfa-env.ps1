# mfa-env for PowerShell: the function below sets AWS session credentials in this session; with --unset it clears them.
# Load it from $PROFILE with:  Invoke-Expression (& mfa-env init powershell | Out-String)
function mfa {
    # Evaluate only complete output of a successful run; $LASTEXITCODE keeps mfa-env's status.
    $lines = & mfa-env --shell powershell @args
    if ($LASTEXITCODE -eq 0) {
        $lines | Out-String | Invoke-Expression
    }
}
