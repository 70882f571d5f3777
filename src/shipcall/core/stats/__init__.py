"""Paired statistics for comparing two runs: bootstrap intervals, paired tests, multiple-testing
corrections and sample-size (power) estimates. Pure NumPy/SciPy; randomness only from a seed."""

from shipcall.core.stats.bootstrap import (
    BootstrapResult,
    bootstrap_p_value,
    iter_poisson_weights,
    paired_bootstrap,
    poisson_weights,
)
from shipcall.core.stats.corrections import CORRECTIONS, adjust, bh, holm
from shipcall.core.stats.power import detection_power, items_needed, sigma_d_binary
from shipcall.core.stats.tests import (
    PairedTestResult,
    mcnemar_exact,
    mcnemar_exact_p,
    paired_t,
    paired_t_p,
)

__all__ = [
    "CORRECTIONS",
    "BootstrapResult",
    "PairedTestResult",
    "adjust",
    "bh",
    "bootstrap_p_value",
    "detection_power",
    "holm",
    "items_needed",
    "iter_poisson_weights",
    "mcnemar_exact",
    "mcnemar_exact_p",
    "paired_bootstrap",
    "paired_t",
    "paired_t_p",
    "poisson_weights",
    "sigma_d_binary",
]
