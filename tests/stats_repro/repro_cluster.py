"""The audit's repro_cluster.py (../shared/notes/stats-repro/), through `monitor()`: sticky per-user
canary (20% of 100 users), identical systems, users differ in how often the system abstains for
them (Beta(1.2, 6.8), mean 0.15); ~100 queries per user. Before: the e-process on raw query
counts fired in 0.217 of canaries. Now each observation carries its user and the monitor divides
the counts by each arm's design effect."""
import sys

import numpy as np

from shipcall.core.monitor import Observation, monitor

sims = int(sys.argv[1]) if len(sys.argv) > 1 else 300
rng = np.random.default_rng(3)
fires = 0
for _s in range(sims):
    prop = rng.beta(1.2, 6.8, 100)
    cand = rng.random(100) < 0.2
    uid = rng.permutation(np.repeat(np.arange(100), rng.poisson(100, 100) + 1))
    y, arm = rng.random(uid.size) < prop[uid], cand[uid]
    obs = [Observation(f"{k:07d}", "candidate" if arm[k] else "baseline", bool(y[k]), (), f"u{uid[k]}")
           for k in range(uid.size)]
    row = monitor({"abstention": obs}).rows[0]
    fires += row.verdict in ("candidate_worse", "candidate_better")
print(f"false alarms: {fires / sims:.3f} (promised <= 0.05)")
