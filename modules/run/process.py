"""Terraform as a child process that no signal kills by surprise.

Why: `cdktf deploy` (0.21) forwards Ctrl-C to Terraform but exits without waiting for it;
its pseudo-terminal closes and Terraform, which does not handle SIGHUP, dies about 40 ms
later, leaving a stale state lock and forgetting what it created since its last state
snapshot (measured against moto: a stale lock in 2 of 3 runs). Plain Terraform given
SIGINT (or SIGTERM) stops gracefully: it cancels the operations in flight, marks an
interrupted resource tainted, writes its state and releases the lock.

So the `Supervisor`:

* starts every child (Terraform, the synth) in a process group of its own, so a terminal's
  Ctrl-C or hang-up (sent to the foreground process group) and a CI runner's signals reach
  the runner only, and Terraform hears of them only through it;
* turns the first SIGINT, SIGTERM or SIGHUP it gets, or its own `timeout`, into ONE SIGINT
  for each running child, starts nothing more, and waits for the children to exit;
* does not forward later signals: a second SIGINT makes Terraform exit at once without
  saving its state ("Two interrupts received. Exiting immediately"), and CI runners send
  SIGTERM a few seconds after SIGINT on their own (GitHub: 7.5 s);
* only once the grace period (`GRACE_SECONDS`) has passed sends that second SIGINT, and
  SIGKILL `KILL_AFTER_SECONDS` later to a child still running.

A run stopped this way exits with 128 + the signal's number (130 for SIGINT), or
`TIMEOUT_EXIT` (124) for the timeout.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

#: Default wait for Terraform to stop after the forwarded SIGINT, in seconds.
GRACE_SECONDS = 300.0
#: After the second SIGINT, the wait before SIGKILL, in seconds.
KILL_AFTER_SECONDS = 10.0
#: Exit code of a run stopped by its own timeout (as coreutils' `timeout`).
TIMEOUT_EXIT = 124
#: The signals that stop a run: Ctrl-C, a CI runner's or `kill`'s terminate, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_POLL_SECONDS = 0.2

Output = Callable[[str], None]


def say(message: str) -> None:
    """A line from the runner itself, on stderr. Never fails: after a hang-up the terminal
    is gone, and the runner must still wait for Terraform."""
    try:
        print(f"run: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a signal arrived mid-write
        pass


def echo(line: str) -> None:
    """Pass a child's output line through to stdout; never fails (see `say`)."""
    try:
        sys.stdout.write(line)
        sys.stdout.flush()
    except (OSError, ValueError, RuntimeError):
        pass


@dataclass(frozen=True)
class StopRequest:
    """Why and when the run was asked to stop."""

    reason: str  # the signal's name, or "timeout"
    exit_code: int
    at: float  # monotonic time


class Stopped(Exception):
    """Raised instead of starting a child, or of waiting for an answer, once a stop was requested."""

    def __init__(self, request: StopRequest):
        super().__init__(request.reason)
        self.request = request


@dataclass
class _Child:
    label: str
    interrupted: bool = False
    second_interrupt_at: float | None = None
    killed: bool = False


class Supervisor:
    """Runs children one or several at a time and stops them gracefully (module docstring).

    `grace` (default `GRACE_SECONDS`) is the wait after the forwarded SIGINT; `timeout`
    (default none) stops the run that many seconds after the supervisor was created, as a
    signal would; `kill_after` (default `KILL_AFTER_SECONDS`) the wait between the second
    SIGINT and SIGKILL. Signals are handled only inside `handling_signals()`.
    """

    def __init__(
        self,
        *,
        grace: float = GRACE_SECONDS,
        timeout: float | None = None,
        kill_after: float = KILL_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.grace = grace
        self.kill_after = kill_after
        self._clock = clock
        self._deadline = None if timeout is None else clock() + timeout
        # Re-entrant: the signal handler runs in the main thread, possibly while that
        # thread holds the lock in `run`.
        self._lock = threading.RLock()
        self._running: dict[subprocess.Popen[bytes], _Child] = {}
        self.stop: StopRequest | None = None
        #: Labels of the children that were sent the (first) SIGINT.
        self.interrupted: list[str] = []
        #: Labels of children that had to be interrupted twice or killed (state may be incomplete).
        self.forced: list[str] = []

    @property
    def exit_code(self) -> int | None:
        """The exit code a stopped run ends with; None when nothing asked it to stop."""
        return None if self.stop is None else self.stop.exit_code

    @contextmanager
    def handling_signals(self) -> Iterator[Supervisor]:
        """Handle `STOP_SIGNALS` (main thread only) for the duration of the block."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.request_stop(signal.Signals(signum).name, 128 + signum)

    def request_stop(self, reason: str, exit_code: int) -> None:
        """Stop the run: interrupt every running child once; later calls only report."""
        with self._lock:
            now = self._clock()
            running = [child.label for child in self._running.values()]
            if self.stop is not None:
                if running:
                    left = max(0.0, self.stop.at + self.grace - now)
                    say(f"{reason}: still waiting for Terraform to stop ({', '.join(running)}), {left:.0f} s of the "
                        "grace period left; a second interrupt would make it exit without saving its state, so none "
                        "is sent before then")
                return
            self.stop = StopRequest(reason, exit_code, now)
            if running:
                say(f"{reason}: stopping {', '.join(running)} with SIGINT and waiting up to {self.grace:.0f} s for "
                    "Terraform to save its state and release its lock; nothing else is started")
            else:
                say(f"{reason}: stopping; nothing else is started")
            for process in list(self._running):
                self._interrupt(process)

    def _interrupt(self, process: subprocess.Popen[bytes]) -> None:
        """SIGINT to the child's process group, once (its providers ignore it, as under a terminal)."""
        child = self._running[process]
        if not child.interrupted:
            child.interrupted = True
            self.interrupted.append(child.label)
            _signal_group(process, signal.SIGINT)

    def _check_deadline(self) -> None:
        if self.stop is None and self._deadline is not None and self._clock() >= self._deadline:
            self.request_stop("timeout", TIMEOUT_EXIT)

    def check(self) -> None:
        """Raise `Stopped` if the run was asked to stop (or its timeout has passed)."""
        self._check_deadline()
        if self.stop is not None:
            raise Stopped(self.stop)

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | str,
        env: Mapping[str, str],
        label: str,
        output: Output = echo,
        stdout: IO[bytes] | None = None,
    ) -> int:
        """Run `argv` in a process group of its own and return its exit code.

        Its output goes line by line to `output` (default: this process's stdout); with
        `stdout` (a binary file) its standard output goes there instead and only its
        standard error to `output`. Its standard input is empty: Terraform never prompts.
        Returns 127 (as a shell does) when it cannot be started, having said why to `output`.
        Raises `Stopped` instead of starting once a stop was requested.
        """
        with self._lock:
            self.check()
            try:
                process = subprocess.Popen(
                    list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                    stdout=stdout if stdout is not None else subprocess.PIPE,
                    stderr=subprocess.PIPE if stdout is not None else subprocess.STDOUT,
                    process_group=0,
                )
            except OSError as err:  # e.g. no terraform on PATH, or a stack directory missing
                output(f"cannot start {argv[0]} in {cwd}: {err.strerror}\n")
                return 127
            self._running[process] = _Child(label)
            if self.stop is not None:  # a signal arrived while it was being started
                self._interrupt(process)
        stream = process.stderr if stdout is not None else process.stdout
        assert stream is not None
        reader = threading.Thread(target=_pump, args=(stream, output), daemon=True)
        reader.start()
        try:
            while True:
                try:
                    code = process.wait(timeout=_POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    self._tick(process)
        finally:
            # A child's own children may hold the pipe a moment longer; never hang on them.
            reader.join(timeout=5)
            with self._lock:
                child = self._running.pop(process)
            if child.second_interrupt_at is not None:
                self.forced.append(child.label)
        return code

    def _tick(self, process: subprocess.Popen[bytes]) -> None:
        """While waiting: apply the timeout, then escalate once the grace period has passed."""
        self._check_deadline()
        with self._lock:
            stop, child, now = self.stop, self._running[process], self._clock()
            if stop is None:
                return
            self._interrupt(process)
            if child.second_interrupt_at is None and now >= stop.at + self.grace:
                say(f"{child.label}: still running {self.grace:.0f} s after SIGINT: a second SIGINT makes Terraform "
                    "exit now; its state may miss what it did since its last snapshot, and its lock may stay")
                child.second_interrupt_at = now
                _signal_group(process, signal.SIGINT)
            elif (child.second_interrupt_at is not None and not child.killed
                  and now >= child.second_interrupt_at + self.kill_after):
                say(f"{child.label}: still running {self.kill_after:.0f} s after the second SIGINT: SIGKILL")
                child.killed = True
                _signal_group(process, signal.SIGKILL)

    def confirm(self, question: str, answers: TextIO | None = None) -> bool:
        """Ask `question` on stderr; True only for the answer `yes` (as Terraform asks).
        Reads `answers` (default stdin) while watching for a stop: raises `Stopped` when
        one comes while waiting."""
        answers = answers if answers is not None else sys.stdin
        say(question)
        try:
            print("  Enter a value: ", end="", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass
        while True:
            self.check()
            ready, _, _ = select.select([answers], [], [], _POLL_SECONDS)
            if ready:
                return answers.readline().strip() == "yes"


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # process_group=0: the child leads its own group
    except ProcessLookupError:
        pass  # already gone


def _pump(stream: IO[bytes], output: Output) -> None:
    with stream:
        for raw in iter(stream.readline, b""):
            output(raw.decode("utf-8", errors="replace"))
