"""The issue's Monte Carlo workload in vectorised numpy, to compare Annex's engine with on the
same machine: risk i with k = 1 + i mod 10 and m = 1 + i mod 7, modified PERT (lambda = 4)
drawn through numpy's Beta, 100,000 iterations per risk, the portfolio summed per iteration,
its percentiles and a 100-point loss-exceedance curve included in the time.

    python3 benches/peers/numpy_fair.py [risks] [simple|tree]
"""
import sys
import time

import numpy as np


def pert(rng, lo, mode, hi, n, lam=4.0):
    a = 1 + lam * (mode - lo) / (hi - lo)
    b = 1 + lam * (hi - mode) / (hi - lo)
    return lo + (hi - lo) * rng.beta(a, b, n)


def run(risks, tree, n=100_000, seed=1):
    rng = np.random.default_rng(seed)
    portfolio = np.zeros(n)
    for i in range(risks):
        k, m = 1 + i % 10, 1 + i % 7
        if tree:
            tef = pert(rng, 0.5 * k, 2 * k, 10 * k, n)
            v = pert(rng, 0.1, 0.3, 0.6, n)
            pl = pert(rng, 1e4 * m, 5e4 * m, 5e5 * m, n)
            slef = pert(rng, 0.1, 0.3, 0.5, n)
            slem = pert(rng, 5e3 * m, 2e4 * m, 1e5 * m, n)
            loss = tef * v * (pl + slef * slem)
        else:
            loss = pert(rng, 0.1 * k, 0.5 * k, 2 * k, n) * pert(rng, 1e4 * m, 5e4 * m, 5e5 * m, n)
        portfolio += loss
    pct = np.percentile(portfolio, [50, 90, 95, 99])
    grid = np.geomspace(max(portfolio.min(), 1.0), portfolio.max(), 100)
    srt = np.sort(portfolio)
    lec = 1 - np.searchsorted(srt, grid, side="right") / n
    return portfolio.mean(), pct, lec


if __name__ == "__main__":
    risks = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tree = len(sys.argv) > 2 and sys.argv[2] == "tree"
    times = []
    for _ in range(5):
        t = time.perf_counter()
        mean, pct, _ = run(risks, tree)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"numpy {'tree' if tree else 'simple'} {risks} risks: median {times[2] * 1000:.0f} ms, "
          f"best {times[0] * 1000:.0f} ms (portfolio mean {mean:,.0f})")
