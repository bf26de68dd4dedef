#!/usr/bin/env python3
"""Times commands in interleaved rounds: each round runs every command once, in a shuffled
order, so that a slow moment of a shared machine falls on all of them alike. Prints JSON: per
command its median, min and max in milliseconds.

    pairs.py ROUNDS :: CMD_A... :: CMD_B... [:: CMD_C...]

Each command is a list of words (no shell); its output goes to /dev/null. Commands are
separated by `::`, not `--`, which the commands themselves take (`mfa-env exec -- CMD`). A run
that ends other than expected stops the measurement: 0, or N for a command whose first word is
`exit=N`. Spawning costs the
same for every command, so ratios of medians compare what the programs themselves cost.
"""
import json
import os
import random
import statistics
import subprocess
import sys
import time


def commands(argv):
    groups, group = [], None
    for word in argv:
        if word == "::":
            group = []
            groups.append(group)
        elif group is not None:
            group.append(word)
    return [g for g in groups if g]


def expected(cmd):
    """The exit status a command is expected to end with, and its words."""
    if cmd[0].startswith("exit="):
        return int(cmd[0][5:]), cmd[1:]
    return 0, cmd


def once(cmd, devnull):
    code, argv = expected(cmd)
    actions = [
        (os.POSIX_SPAWN_DUP2, devnull, 0),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
        (os.POSIX_SPAWN_DUP2, devnull, 2),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    took = (time.perf_counter_ns() - start) / 1e6
    if os.waitstatus_to_exitcode(status) != code:  # a figure of a run that failed measures nothing; say why
        again = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        sys.exit(f"pairs.py: {' '.join(argv)} failed (wait status {status}); run again: "
                 f"exit {again.returncode}, stderr: {again.stderr.strip()}")
    return took


def main():
    rounds = int(sys.argv[1])
    cmds = commands(sys.argv[2:])
    devnull = os.open(os.devnull, os.O_RDWR)
    times = [[] for _ in cmds]
    for round_ in range(rounds + 3):
        order = list(range(len(cmds)))
        random.shuffle(order)
        for i in order:
            took = once(cmds[i], devnull)
            if round_ >= 3:  # the first rounds warm the page cache
                times[i].append(took)
    print(json.dumps([
        {
            "command": " ".join(c),
            "median": round(statistics.median(t), 3),
            "min": round(min(t), 3),
            "max": round(max(t), 3),
        }
        for c, t in zip(cmds, times)
    ]))


if __name__ == "__main__":
    main()
