"""A kind's cost is the worker's own time on its answers (``admission.work_clock``): not the
time it waited for a CPU behind the machine's other processes, which under load made ordinary
searches pass for costly, so that the visitors behind one address were refused them."""

import os
import time
from multiprocessing import get_context
from unittest import mock

import pytest
from django.test import Client, RequestFactory

from geo_directory import admission
from geo_directory import cache as response_cache

SCHEDSTAT = "/proc/thread-self/schedstat"
SEARCH = "/lieux/?lon=6.2357&lat=44.0925&rayon=20"  # a moved "near me": built each time


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _spin_on(cpu: int, seconds: float) -> None:
    os.sched_setaffinity(0, {cpu})
    spin(seconds)


@pytest.mark.skipif(not os.path.exists(SCHEDSTAT), reason="the kernel does not count CPU waits")
def test_the_work_clock_leaves_out_the_time_spent_waiting_for_a_cpu():
    cpu = min(os.sched_getaffinity(0))
    saved = os.sched_getaffinity(0)
    rival = get_context("fork").Process(target=_spin_on, args=(cpu, 3.0))
    os.sched_setaffinity(0, {cpu})
    try:
        rival.start()
        time.sleep(0.2)  # the rival spins on our only CPU
        wall, work, cpu_time = time.perf_counter(), admission.work_clock(), time.thread_time()
        target = cpu_time + 0.2
        while time.thread_time() < target:  # 200 ms of our own computing, shared with the rival
            pass
        wall = time.perf_counter() - wall
        work = admission.work_clock() - work
        cpu_time = time.thread_time() - cpu_time
    finally:
        rival.terminate()
        rival.join()
        os.sched_setaffinity(0, saved)
    assert wall > 1.5 * cpu_time  # half of the CPU was the rival's
    assert work < 1.2 * cpu_time  # the wait for it is not counted


@pytest.mark.django_db
def test_a_kind_is_judged_by_the_work_clock(settings, tmp_path):
    settings.LOCAL_CACHE_DIR = str(tmp_path)
    settings.COSTLY_CONCURRENCY = 2  # the guard on, as with the workers of make demo
    response_cache.clear()
    client = Client()
    assert client.get(SEARCH).status_code == 200  # the first of the process: warms it
    admission.COSTS.clear()
    readings = iter(range(0, 10**6, 2))  # each answer: 2 s of the worker's own time

    try:
        with mock.patch.object(admission, "work_clock", lambda: float(next(readings))):
            assert client.get(SEARCH).status_code == 200
        kind = admission.kind_of(RequestFactory().get(SEARCH))[0]
        assert admission.COSTS.costly(kind)  # its few milliseconds elapsed are not its cost
    finally:
        admission.COSTS.clear()


def _reads_its_own(queue) -> None:
    admission._cpu_waited()
    queue.put(admission._THREAD.schedstat.pid == os.getpid())


@pytest.mark.skipif(not os.path.exists(SCHEDSTAT), reason="the kernel does not count CPU waits")
def test_a_forked_worker_reads_its_own_threads_figures():
    admission._cpu_waited()  # the parent's file open, as gunicorn's master may have it
    context = get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_reads_its_own, args=(queue,))
    child.start()
    try:
        assert queue.get(timeout=10) is True
    finally:
        child.join()
