//! The Monte Carlo engine on the workload: 100,000 iterations per risk, for 1 and 100
//! risks, short form and full tree. The time includes the portfolio's percentiles, its
//! 128-point loss-exceedance curve and the tail contributions, as in a real run.
//!
//! `cargo bench --bench montecarlo` (the machine's threads are used; set
//! `RAYON_NUM_THREADS=1` to see one core).

use annex::domain::montecarlo::{Options, simulate_workload, workload};

fn main() {
    divan::main();
}

#[divan::bench(args = [1, 100], sample_count = 30)]
fn simple(bencher: divan::Bencher, risks: usize) {
    let set = workload(risks, false);
    simulate_workload(&set, &Options::default());
    bencher.bench(|| simulate_workload(&set, &Options::default()));
}

#[divan::bench(args = [1, 100], sample_count = 30)]
fn tree(bencher: divan::Bencher, risks: usize) {
    let set = workload(risks, true);
    simulate_workload(&set, &Options::default());
    bencher.bench(|| simulate_workload(&set, &Options::default()));
}
