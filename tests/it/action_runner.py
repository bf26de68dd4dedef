"""Runs action.yml the way the GitHub runner runs a composite action, offline.

    action_runner.py ACTION_DIR WORK_DIR INPUTS_JSON RESULT_JSON

Each step's `${{ ... }}` expressions (inputs, github.action_path, runner.*, steps.*.outputs) are
substituted, its `run:` is written to a file and run with the shell it names, with
GITHUB_ENV, GITHUB_OUTPUT and GITHUB_PATH fresh files in WORK_DIR; afterwards their contents
are applied as the runner applies them (environment, PATH, step outputs). The result: each
step's stdout and status, the environment and PATH later steps get, and the action's outputs.
"""
import json
import os
import re
import subprocess
import sys

import yaml

action_dir, work, inputs_json, result_path = sys.argv[1:5]
action = yaml.safe_load(open(os.path.join(action_dir, "action.yml")))
given = json.loads(inputs_json)

inputs = {}
for name, spec in action.get("inputs", {}).items():
    inputs[name] = str(given.get(name, spec.get("default", "")))
unknown = set(given) - set(inputs)
assert not unknown, f"not inputs of action.yml: {unknown}"

runner = {
    "os": "Linux",
    "arch": "X64",
    "temp": os.path.join(work, "runner-temp"),
    "tool_cache": os.path.join(work, "tool-cache"),
}
for d in (runner["temp"], runner["tool_cache"]):
    os.makedirs(d, exist_ok=True)
env = dict(os.environ)
env.update({
    "RUNNER_OS": runner["os"],
    "RUNNER_ARCH": runner["arch"],
    "RUNNER_TEMP": runner["temp"],
    "RUNNER_TOOL_CACHE": runner["tool_cache"],
    "GITHUB_ACTION_PATH": action_dir,
})
steps = {}


def expand(text):
    def value(match):
        expr = match.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs."):]]
        if expr == "github.action_path":
            return action_dir
        if expr.startswith("runner."):
            return runner[expr[len("runner."):]]
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return steps.get(m.group(1), {}).get(m.group(2), "")
        raise SystemExit(f"action_runner: cannot evaluate ${{{{ {expr} }}}}")
    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))


def read_commands(path):
    """A GITHUB_ENV / GITHUB_OUTPUT file: NAME=value lines and NAME<<DELIM heredocs."""
    values = {}
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            i += 1
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


SHELLS = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"], "sh": ["sh", "-e"]}
results = []
status = 0
for index, step in enumerate(action["runs"]["steps"]):
    files = {}
    for kind in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH"):
        files[kind] = os.path.join(work, f"{kind.lower()}-{index}")
        open(files[kind], "w").close()
    script = os.path.join(runner["temp"], f"step-{index}.sh")
    with open(script, "w") as f:
        f.write(expand(step["run"]))
    step_env = dict(env)
    step_env.update({k: expand(v) for k, v in step.get("env", {}).items()})
    step_env.update(files)
    done = subprocess.run(SHELLS[step["shell"]] + [script], env=step_env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results.append({"id": step.get("id"), "status": done.returncode,
                    "stdout": done.stdout, "stderr": done.stderr})
    if done.returncode != 0:
        status = done.returncode
        break
    env.update(read_commands(files["GITHUB_ENV"]))
    for directory in reversed(open(files["GITHUB_PATH"]).read().split("\n")):
        if directory:
            env["PATH"] = directory + os.pathsep + env["PATH"]
    if step.get("id"):
        steps[step["id"]] = read_commands(files["GITHUB_OUTPUT"])

outputs = {name: expand(spec["value"]) for name, spec in action.get("outputs", {}).items()}
json.dump({"status": status, "steps": results, "env": env, "outputs": outputs},
          open(result_path, "w"))
