@echo off
rem mfa-env for cmd: this file sets AWS session credentials in the calling cmd session; with --unset it clears them.
rem Save it as mfa.cmd in a directory on PATH:  mfa-env init cmd > "%USERPROFILE%\bin\mfa.cmd"
rem Each "set" line mfa-env prints runs here, in the caller's environment: no file ever holds the
rem credentials, and echo stays off so that they do not appear on the screen. mfa-env prints
rem nothing when it fails; the || branch then prints "exit N", which passes its exit code on.
for /f "usebackq tokens=1*" %%A in (`""mfa-env" --shell cmd %* || call echo exit %%^errorlevel%%"`) do (if "%%A"=="exit" (exit /b %%B) else set %%B)
exit /b 0
