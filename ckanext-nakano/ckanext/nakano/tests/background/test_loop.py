"""The one loop of the long-running processes: a failing step does not end
it, SIGTERM ends it after the step in hand."""
from __future__ import annotations

import os
import signal

import pytest

from ckanext.nakano.background.loop import run_forever


@pytest.fixture()
def own_handlers():
    saved = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGTERM, saved[0])
    signal.signal(signal.SIGINT, saved[1])


def test_a_failing_step_does_not_end_the_loop(own_handlers):
    calls = []

    def step(stop):
        calls.append(len(calls))
        if len(calls) < 3:
            raise ConnectionError("PostgreSQL went away")
        stop.set()

    run_forever("test", step, error_wait=0.01)
    assert calls == [0, 1, 2]


def test_sigterm_ends_the_loop_after_the_step_in_hand(own_handlers):
    finished = []

    def step(stop):
        os.kill(os.getpid(), signal.SIGTERM)   # as supervisord or docker stop would
        finished.append(True)                  # the step goes on to its end
        return 0

    run_forever("test", step)
    assert finished == [True]


def test_once_runs_one_step(own_handlers):
    calls = []
    run_forever("test", lambda stop: calls.append(1) or 60, once=True)
    assert calls == [1]
