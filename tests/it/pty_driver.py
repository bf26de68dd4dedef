"""Runs a program on a new pseudo-terminal, with its stdout on a pipe as `eval "$(...)"` has it,
types an answer when a prompt appears, and reports both sides as JSON.

usage: pty_driver.py PROMPT ANSWER PROGRAM [ARGS...]
"""
import json
import os
import pty
import select
import sys
import termios
import time

prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
out_r, out_w = os.pipe()
pid, tty = pty.fork()
if pid == 0:
    os.dup2(out_w, 1)
    os.close(out_r)
    os.execvp(argv[0], argv)

os.close(out_w)
terminal, stdout, answered = b"", b"", False
deadline = time.time() + 30
open_fds = {tty, out_r}
while open_fds and time.time() < deadline:
    ready, _, _ = select.select(list(open_fds), [], [], 0.1)
    for fd in ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            open_fds.discard(fd)
        elif fd == tty:
            terminal += chunk
        else:
            stdout += chunk
    # Answer once the prompt is shown and the program has turned echo off, as a person would.
    if not answered and prompt in terminal:
        try:
            echo_off = not termios.tcgetattr(tty)[3] & termios.ECHO
        except termios.error:
            echo_off = False
        if echo_off:
            os.write(tty, answer + b"\r")
            answered = True
_, status = os.waitpid(pid, 0)
json.dump(
    {
        "terminal": terminal.decode(errors="replace"),
        "stdout": stdout.decode(errors="replace"),
        "status": os.waitstatus_to_exitcode(status),
        "answered": answered,
    },
    sys.stdout,
)
