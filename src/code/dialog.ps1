# mfa-env's code dialog on Windows: a small window with a masked field. The prompt comes in
# MFA_ENV_DIALOG_TEXT; the code goes to stdout; Cancel (or closing the window) exits 1.
Add-Type -AssemblyName System.Windows.Forms
$form = New-Object System.Windows.Forms.Form
$form.Text = 'mfa-env'
$form.Width = 420
$form.Height = 160
$form.FormBorderStyle = 'FixedDialog'
$form.StartPosition = 'CenterScreen'
$form.TopMost = $true
$label = New-Object System.Windows.Forms.Label
$label.Text = $Env:MFA_ENV_DIALOG_TEXT
$label.SetBounds(10, 10, 390, 20)
$field = New-Object System.Windows.Forms.TextBox
$field.UseSystemPasswordChar = $true
$field.SetBounds(10, 35, 390, 20)
$ok = New-Object System.Windows.Forms.Button
$ok.Text = 'OK'
$ok.DialogResult = 'OK'
$ok.SetBounds(240, 70, 75, 25)
$cancel = New-Object System.Windows.Forms.Button
$cancel.Text = 'Cancel'
$cancel.DialogResult = 'Cancel'
$cancel.SetBounds(325, 70, 75, 25)
$form.AcceptButton = $ok
$form.CancelButton = $cancel
$form.Controls.AddRange(@($label, $field, $ok, $cancel))
if ($form.ShowDialog() -eq 'OK') {
    [Console]::Out.WriteLine($field.Text)
    exit 0
}
exit 1
