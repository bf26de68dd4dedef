"""Runs a program on a new pseudo-terminal, with its stdout on a pipe as `eval "$(...)"` has it,
answers when a prompt appears, and reports both sides as JSON.

usage: pty_driver.py PROMPT ANSWER PROGRAM [ARGS...]

ANSWER is typed followed by Enter, once the prompt is shown and echo is off, as a person would.
Several answers separated by "|" are typed in turn, each when the prompt shows again ("answers"
in the report counts those typed). An answer starting <ECHOED> is typed (without that mark)
even while the terminal echoes, for a question that is not secret. These answers do something
else instead:
  <CTRL-C>, <CTRL-D>        type that key
  <SIGTERM>, <SIGHUP>       send that signal to the program
The report says whether the terminal echoes again after the program ended ("echo_after").
At the 30-second deadline the program is killed ("timed_out": true), never waited for.
"""
import json
import os
import pty
import select
import signal
import sys
import termios
import time

prompt, answers, argv = sys.argv[1].encode(), sys.argv[2].split("|"), sys.argv[3:]
out_r, out_w = os.pipe()
pid, tty = pty.fork()
if pid == 0:
    os.dup2(out_w, 1)
    os.close(out_r)
    os.execvp(argv[0], argv)

os.close(out_w)
terminal, stdout, typed = b"", b"", 0
deadline = time.time() + 30
open_fds = {tty, out_r}


def echo_on():
    try:
        return bool(termios.tcgetattr(tty)[3] & termios.ECHO)
    except termios.error:
        return None


def respond(answer):
    keys = {"<CTRL-C>": b"\x03", "<CTRL-D>": b"\x04"}
    signals = {"<SIGTERM>": signal.SIGTERM, "<SIGHUP>": signal.SIGHUP}
    if answer in keys:
        os.write(tty, keys[answer])
    elif answer in signals:
        os.kill(pid, signals[answer])
    else:
        os.write(tty, answer.encode() + b"\r")


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
    shown = terminal.count(prompt)
    if typed < len(answers) and shown > typed:
        answer = answers[typed]
        echoed = answer.startswith("<ECHOED>")
        if echoed or echo_on() is False:
            respond(answer[len("<ECHOED>"):] if echoed else answer)
            typed += 1
timed_out = bool(open_fds)
if timed_out:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
json.dump(
    {
        "timed_out": timed_out,
        "terminal": terminal.decode(errors="replace"),
        "stdout": stdout.decode(errors="replace"),
        "status": os.waitstatus_to_exitcode(status),
        "answered": typed > 0,
        "answers": typed,
        "echo_after": echo_on(),
    },
    sys.stdout,
)
