# mfa-env for nushell: the command below sets AWS session credentials in this shell; with --unset it clears them.
# Load it from config.nu: run  mfa-env init nu | save -f ~/.mfa-env.nu  once, then add  source ~/.mfa-env.nu
# nushell does not evaluate text: mfa-env prints one record, null for a variable to remove.
# A failed run is an error before anything changes.
def --env --wrapped mfa [...args] {
    # Its own statement: a failed external stops the command here (in a pipeline it would not).
    let text = ^mfa-env --shell nu ...$args
    let record = $text | from json
    let gone = $record | transpose name value | where value == null | get name
    hide-env --ignore-errors ...$gone
    load-env ($record | reject ...$gone)
}
