"""What the AWS CLI would do, asked of botocore (its own resolver), for the parity test.

usage: botocore_oracle.py CASES.json > ANSWERS.json

Each case names an environment (HOME, AWS_* variables) and a kind:
  call   resolve the credentials as the AWS CLI does (role chains run AssumeRole against the
         endpoint the case configures, a fake STS that records them; the MFA prompt answers
         123456), then, for a profile without a role, call GetSessionToken as mfa-env does:
         the device from AWS_MFA_SERIAL or mfa_serial, the profile's duration_seconds;
  host   the URL of the STS endpoint botocore's client would call;
  proxy  the proxy botocore would use for the case's URL (or none).
Every answer is {"ok": ...} or {"error": "..."}; nothing leaves the machine.
"""
import json
import os
import sys

import botocore.endpoint
import botocore.loaders
import botocore.session

# One loader for every session: botocore reads its models once, not once per case.
LOADER = botocore.loaders.create_loader()


def session_for(case):
    # A profile chosen in the environment works as `aws --profile NAME` (keys in the
    # environment do not win over it): that is how mfa-env reads AWS_PROFILE.
    profile = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", LOADER)
    # With no region configured the AWS CLI refuses; mfa-env calls us-east-1 (README).
    if session.get_config_variable("region") is None:
        session.set_config_variable("region", "us-east-1")
    return session


def call(case):
    session = session_for(case)
    provider = session.get_component("credential_provider").get_provider("assume-role")
    provider._prompter = lambda _prompt: "123456"
    scoped = session.get_scoped_config()
    credentials = session.get_credentials()
    if credentials is None:
        return {"error": "no credentials"}
    credentials.get_frozen_credentials()  # runs the role chain, if any
    if "role_arn" not in scoped:
        serial = os.environ.get("AWS_MFA_SERIAL") or scoped.get("mfa_serial")
        if not serial:
            return {"error": "no serial"}
        args = {"SerialNumber": serial, "TokenCode": "123456"}
        if "duration_seconds" in scoped:
            args["DurationSeconds"] = int(scoped["duration_seconds"])
        session.create_client("sts").get_session_token(**args)
    return {"ok": True}


def host(case):
    session = session_for(case)
    client = session.create_client("sts", aws_access_key_id="x", aws_secret_access_key="y")
    return {"ok": client.meta.endpoint_url}


def proxy(case):
    url = case["url"]
    proxies = botocore.endpoint.get_environ_proxies(url)
    return {"ok": proxies.get(url.split("://")[0])}


def main():
    cases = json.load(open(sys.argv[1]))
    answers = []
    for case in cases:
        os.environ.clear()
        os.environ.update(case["env"])
        try:
            answers.append({"call": call, "host": host, "proxy": proxy}[case["kind"]](case))
        except Exception as e:  # any refusal is an answer too
            answers.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(answers, sys.stdout)


main()
