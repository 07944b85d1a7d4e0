//! Paired, alternating runs and their medians.

use std::time::Duration;

/// The results of `runs` pairs: in each pair both sides run once, the
/// first side alternating, so drift in the machine's load hits both alike.
pub struct Paired {
    pub ours: Vec<f64>,
    pub baseline: Vec<f64>,
}

impl Paired {
    /// Runs `ours` and `baseline` `runs` times each, alternating which goes
    /// first; each returns its measure (seconds, or requests per second).
    pub fn run(
        runs: usize,
        mut ours: impl FnMut() -> f64,
        mut baseline: impl FnMut() -> f64,
    ) -> Paired {
        let mut paired = Paired {
            ours: Vec::with_capacity(runs),
            baseline: Vec::with_capacity(runs),
        };
        for i in 0..runs {
            if i % 2 == 0 {
                paired.ours.push(ours());
                paired.baseline.push(baseline());
            } else {
                paired.baseline.push(baseline());
                paired.ours.push(ours());
            }
        }
        paired
    }

    /// Median of ours / median of the baseline.
    pub fn ratio(&self) -> f64 {
        median(&self.ours) / median(&self.baseline)
    }

    /// The lowest and highest ratio within one pair.
    pub fn pair_range(&self) -> (f64, f64) {
        let ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.baseline)
            .map(|(o, b)| o / b)
            .collect();
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// A count from an environment variable, or `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => match v.trim().replace('_', "").parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("{name}={v:?} is not a positive number; using {default}");
                default
            }
        },
        Err(_) => default,
    }
}
