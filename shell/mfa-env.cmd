@rem mfa-env for cmd: this file sets AWS session credentials in the calling cmd session; with --unset it clears them.
@rem Save it as mfa.cmd in a directory on PATH:  mfa-env init cmd > "%USERPROFILE%\bin\mfa.cmd"
@rem Each line mfa-env prints runs here, in the caller's environment: no file holds the credentials.
@rem mfa-env prints nothing when it fails; the || branch then turns its exit code into exit /b N.
@for /f "usebackq delims=" %%L in (`""mfa-env" --shell cmd %* || call echo exit /b %%^errorlevel%%"`) do @%%L
@exit /b 0
