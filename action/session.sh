#!/usr/bin/env bash
# The action's second step: one run of mfa-env --shell github, which masks the session and
# appends it (and the region) to $GITHUB_ENV for the job's later steps. The long-term keys,
# the seed and a code reach mfa-env through its environment and stdin, never a command line.
set -euo pipefail

# Masked before anything else is printed: the long-term keys, the seed and a code.
for secret in "$INPUT_AWS_ACCESS_KEY_ID" "$INPUT_AWS_SECRET_ACCESS_KEY" "$INPUT_TOTP_SEED" "$INPUT_TOKEN_CODE"; do
    [ -n "$secret" ] && echo "::add-mask::$secret"
done

error() { # the messages as they were, the last (the error) as one ::error:: annotation
    local line last=
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$last" ] && echo "$last"
        last=$line
    done
    last=${last//'%'/'%25'}
    last=${last//$'\r'/'%0D'}
    echo "::error::${last:-mfa-env failed}"
}
truthy() { case $1 in true | True | TRUE | yes | 1) return 0 ;; *) return 1 ;; esac; }

if truthy "$INPUT_UNSET_CURRENT_CREDENTIALS"; then
    # An earlier step's session must not be taken for the long-term keys.
    unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION
    if [ -z "$INPUT_AWS_ACCESS_KEY_ID" ]; then unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; fi
fi
if [ -n "$INPUT_AWS_ACCESS_KEY_ID" ] || [ -n "$INPUT_AWS_SECRET_ACCESS_KEY" ]; then
    export AWS_ACCESS_KEY_ID=$INPUT_AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$INPUT_AWS_SECRET_ACCESS_KEY
    # Keys given to the action are the ones to sign with, not a profile the job names.
    unset AWS_PROFILE AWS_DEFAULT_PROFILE
fi

args=(--shell github --no-cache --serial-number "$INPUT_MFA_SERIAL")
[ -n "$INPUT_AWS_REGION" ] && args+=(--region "$INPUT_AWS_REGION")
if [ -n "$INPUT_ROLE_TO_ASSUME" ]; then
    args+=(--role-arn "$INPUT_ROLE_TO_ASSUME")
    [ -n "$INPUT_ROLE_SESSION_NAME" ] && args+=(--role-session-name "$INPUT_ROLE_SESSION_NAME")
    [ -n "$INPUT_ROLE_EXTERNAL_ID" ] && args+=(--external-id "$INPUT_ROLE_EXTERNAL_ID")
    [ -n "$INPUT_ROLE_DURATION_SECONDS" ] && args+=(--duration-seconds "$INPUT_ROLE_DURATION_SECONDS")
else
    [ -n "$INPUT_DURATION_SECONDS" ] && args+=(--duration-seconds "$INPUT_DURATION_SECONDS")
fi
[ -n "$INPUT_AWS_PROFILE" ] && args+=(--write-profile "$INPUT_AWS_PROFILE")
truthy "$INPUT_OUTPUT_CREDENTIALS" && args+=(--output-credentials)
code=
if [ -n "$INPUT_TOTP_SEED" ]; then
    export MFA_ENV_ACTION_TOTP_SEED=$INPUT_TOTP_SEED
    args+=(--totp-secret-env MFA_ENV_ACTION_TOTP_SEED)
elif [ -n "$INPUT_TOKEN_CODE" ]; then
    args+=(--token-code -)
    code=$INPUT_TOKEN_CODE
else
    echo "::error::mfa-env action: set totp-seed (the virtual MFA device's seed) or token-code"
    exit 1
fi

# The account: the role's, else the MFA device's (both ARNs name it).
account=
for arn in "$INPUT_ROLE_TO_ASSUME" "$INPUT_MFA_SERIAL"; do
    if [[ $arn =~ ^arn:aws[a-z-]*:iam::([0-9]{12}): ]]; then
        account=${BASH_REMATCH[1]}
        break
    fi
done
if [ -n "$account" ] && truthy "$INPUT_MASK_AWS_ACCOUNT_ID"; then echo "::add-mask::$account"; fi

messages=$(mktemp "${RUNNER_TEMP:?}/mfa-env.XXXXXX")
trap 'rm -f "$messages"' EXIT
if ! printf '%s\n' "$code" | "${MFA_ENV_BIN:-mfa-env}" "${args[@]}" 2>"$messages"; then
    error <"$messages"
    exit 1
fi
cat "$messages" >&2
echo "aws-account-id=$account" >>"$GITHUB_OUTPUT"
