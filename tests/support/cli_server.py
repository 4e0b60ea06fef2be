"""A `gates` process for each command, forked from one that has already imported the project.

Started by `support.cli` once per test process. Each request becomes a fork of this process that runs
`python -m monitor ARGS` as the interpreter would (its own cwd, environment, argv, exit code and stderr,
nothing on stdin), so the command is the real entry point in a process of its own, without the 0.3-0.5 s of CPU
each fresh interpreter spends importing numpy, asyncio, bleak and the project before it reads its argv.

Requests and replies are pickled, length-prefixed frames on two pipes named on the command line.
"""

from __future__ import annotations

import importlib
import os
import pickle
import pkgutil
import runpy
import signal
import struct
import sys
import tempfile
import time
import traceback

PACKAGES = ("gates", "drivers", "simulators", "monitor")
POLL_S = (0.001, 0.02)  # first and longest wait between looks at a running command


def preload() -> None:
    """Every module of the project (and so everything they import), except the ones that run on import."""
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


def read_frame(fd: int) -> object | None:
    """The next frame, or None once the other end has closed its pipe."""
    head = read_exactly(fd, 4)
    body = None if head is None else read_exactly(fd, struct.unpack("!I", head)[0])
    return None if body is None else pickle.loads(body)


def read_exactly(fd: int, n: int) -> bytes | None:
    data = bytearray()
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def write_frame(fd: int, value: object) -> None:
    body = pickle.dumps(value)
    data = memoryview(struct.pack("!I", len(body)) + body)
    while data:  # a pipe may take a big frame (a command's megabytes of stdout) in parts
        data = data[os.write(fd, data):]


def run_command(request: dict, stdin_fd: int, out_fd: int, err_fd: int, protocol: tuple[int, int]) -> None:
    """In the child: become `python -m monitor ARGS` and exit as it would."""
    code = 1
    try:
        for fd in protocol:
            os.close(fd)
        for fd, target in ((stdin_fd, 0), (out_fd, 1), (err_fd, 2)):
            os.dup2(fd, target)
        if request["cwd"] is not None:
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()  # as a fresh interpreter reads TZ
        sys.path[0] = os.getcwd()  # where `python -m` looks first, in place of this script's folder
        sys.argv = ["-m", *(os.fsdecode(arg) for arg in request["args"])]
        try:
            runpy.run_module("monitor", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as stop:
            code = exit_code(stop.code)
        except KeyboardInterrupt:
            code = 128 + signal.SIGINT
        except BaseException:
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def exit_code(code: object) -> int:
    """What the interpreter exits with for `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def serve(requests: int, replies: int) -> None:
    while (request := read_frame(requests)) is not None:
        with open(os.devnull, "rb") as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                run_command(request, stdin.fileno(), out.fileno(), err.fileno(), (requests, replies))
            returncode, timed_out = wait(pid, request["timeout"])
            out.seek(0)
            err.seek(0)
            write_frame(replies, {"returncode": returncode, "timed_out": timed_out, "stdout": out.read(),
                                  "stderr": err.read()})


def wait(pid: int, timeout: float) -> tuple[int, bool]:
    """The child's exit code as subprocess gives it (minus the signal for a kill), and whether it ran out of time."""
    deadline, pause = time.monotonic() + timeout, POLL_S[0]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), False
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status), True
        time.sleep(pause)
        pause = min(pause * 2, POLL_S[1])


if __name__ == "__main__":
    preload()
    serve(int(sys.argv[1]), int(sys.argv[2]))
