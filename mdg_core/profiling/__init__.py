"""Profiling: the instant overview, correlations, outliers and the full ydata-profiling report job.

Nothing heavy is imported here; ydata-profiling and scikit-learn load inside the functions that use them.
"""

from mdg_core.profiling.overview import DatasetOverview, compute_overview, overview_for

__all__ = ["DatasetOverview", "compute_overview", "overview_for"]
