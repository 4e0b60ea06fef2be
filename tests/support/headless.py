"""`gates monitor --headless --json` as a subprocess, for tests that drive it as a user would."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

WAIT_S = 120.0
GATES = [sys.executable, "-m", "monitor"]


class Monitor:
    """`gates monitor --headless --json` in a subprocess, its stdout records and stderr lines collected."""

    def __init__(self, *args: str, env: dict | None = None, prefix: list[str] | None = None) -> None:
        self.cmd = [*(prefix or []), *GATES, "monitor", "--headless", "--json", *args]
        self.env = env
        self.records: list[dict] = []
        self.errors: list[str] = []

    async def start(self) -> Monitor:
        self.proc = await asyncio.create_subprocess_exec(*self.cmd, stdout=asyncio.subprocess.PIPE,
                                                         stderr=asyncio.subprocess.PIPE, env=self.env)
        self._tasks = [asyncio.create_task(self._read_out()), asyncio.create_task(self._read_err())]
        return self

    async def _read_out(self) -> None:
        async for line in self.proc.stdout:
            self.records.append(json.loads(line))

    async def _read_err(self) -> None:
        async for line in self.proc.stderr:
            self.errors.append(line.decode())

    def reps(self) -> list[dict]:
        return [r for r in self.records if r["type"] == "rep"]

    async def until(self, condition, timeout: float = WAIT_S) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not condition():
            if loop.time() > end or self.proc.returncode is not None:
                raise AssertionError(f"gave up waiting; stderr: {''.join(self.errors)}")
            await asyncio.sleep(0.02)

    async def stop(self, sig: int = signal.SIGINT) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), WAIT_S)
        await asyncio.wait_for(asyncio.gather(*self._tasks), WAIT_S)
        return code
