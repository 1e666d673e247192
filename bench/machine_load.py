"""How busy the shared machine is: shared by the benchmarks to wait for quiet and to report
how many cores other processes used while they measured."""
import os
import time


def busy_seconds():
    """CPU seconds all processes have used since boot (/proc/stat, no idle/iowait)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def children_seconds():
    """CPU seconds used by this script's finished child processes."""
    t = os.times()
    return t.children_user + t.children_system


def mark():
    return (busy_seconds(), children_seconds(), time.time())


def others_cores(since):
    """Mean cores used by processes other than this run's since mark()."""
    busy, children, start = since
    wall = max(time.time() - start, 1e-6)
    return round(((busy_seconds() - busy) - (children_seconds() - children)) / wall, 2)


def wait_for_low_load(max_wait, max_load, max_busy, log):
    """Waits, up to max_wait s, until the 1-min load average is under max_load and the cores
    busy over the last 5 s under max_busy."""
    deadline = time.time() + max_wait
    while True:
        busy, start = busy_seconds(), time.time()
        time.sleep(5)
        cores = (busy_seconds() - busy) / (time.time() - start)
        load = os.getloadavg()[0]
        if (load <= max_load and cores <= max_busy) or time.time() > deadline:
            return
        log(f"load {load:.2f}, {cores:.2f} cores busy: waiting")
        time.sleep(25)
