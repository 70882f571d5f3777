"""The audit's repro_queue_bias.py: identical systems (20% wrong answers in both arms), a 10% canary,
40 reviews a day for 10 days, then the monitor's wrong_answer row. Before, the reviews came from
the failure-hunting stratified queue and the monitor said `candidate_better` (p = 3.2e-21). Now
the monitor measures wrong answers on the monitoring sample (`--strategy monitor`: the same number
per arm, uniform within each arm). Pass `stratified` as the first argument to see the old bias."""
import sys

import numpy as np

from shipcall.core.monitor import Observation, monitor
from shipcall.core.review import Candidate, sample_queue

strategy = sys.argv[1] if len(sys.argv) > 1 else "monitor"
rng = np.random.default_rng(0)
obs = []
for day in range(10):
    arm = rng.random(500) < 0.10                      # 10% canary
    wrong = rng.random(500) < 0.20                    # same true wrong-answer rate in both arms
    down = rng.random(500) < np.where(wrong, 0.4, 0.03)  # thumbs-down more likely on wrong answers
    cands = [Candidate(f"d{day}-{k:03d}", "candidate" if arm[k] else "baseline", "topic=a",
                       ("negative_feedback",) if down[k] else ()) for k in range(500)]
    for j, q in enumerate(sample_queue(cands, 40, strategy=strategy, seed=day)):
        k = int(q.candidate.request_id.split("-")[1])
        obs.append(Observation(f"{day:03d}-{j:03d}", q.candidate.variant, bool(wrong[k])))
row = monitor({"wrong_answer": obs}).rows[0]
print(f"[{strategy}] baseline {row.x_baseline}/{row.n_baseline} = {row.baseline_rate:.2f} wrong; candidate "
      f"{row.x_candidate}/{row.n_candidate} = {row.candidate_rate:.2f}; always-valid p = {row.p_value:.2g}; "
      f"verdict: {row.verdict}")
