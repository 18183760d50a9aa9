"""The benchmark's own measuring: a child's peak memory is the child's, not its parent's."""

from bench.management.commands.bench import _peak_rss_mib


def test_a_childs_peak_memory_is_its_own_not_the_benchmarks():
    # getrusage's ru_maxrss carries the parent's high-water mark across fork and exec: a bench
    # holding this much reported it for every command it timed afterwards.
    held = bytearray(600 * 1024 * 1024)
    held[::4096] = b"\1" * len(held[::4096])
    seconds, peak = _peak_rss_mib(["check"])
    assert seconds > 0
    assert 10 < peak < 400, peak
    del held
