from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Developer tools: the corpus generator and the benchmark (WORKBENCH_BENCH=true adds them)."""

    name = "bench"
    verbose_name = "Benchmark"
