//! Percentiles, and the table the benchmark ends with: each figure beside its goal.

use std::time::Duration;

/// p50, p99 and max of a set of durations, in milliseconds (nearest rank).
fn percentiles(mut samples: Vec<Duration>) -> [f64; 3] {
    assert!(!samples.is_empty(), "no samples");
    samples.sort();
    let at = |q: f64| {
        let rank = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1].as_secs_f64() * 1000.0
    };
    [at(0.5), at(0.99), at(1.0)]
}

/// A goal a figure is held to; none for figures that are only shown.
#[derive(Clone, Copy)]
pub enum Goal {
    Below(f64),
    AtLeast(f64),
    Exactly(f64),
    None,
}

struct Row {
    figure: String,
    measured: String,
    goal: String,
    verdict: &'static str,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

impl Table {
    /// A figure with its unit (`ms`, `/s`, `MiB` …), printed with `decimals`.
    pub fn add(&mut self, figure: &str, value: f64, unit: &str, decimals: usize, goal: Goal) {
        let shown = |v: f64| format!("{v:.decimals$} {unit}").trim_end().to_owned();
        let (goal, met) = match goal {
            Goal::Below(limit) => (format!("< {}", shown(limit)), Some(value < limit)),
            Goal::AtLeast(limit) => (format!(">= {}", shown(limit)), Some(value >= limit)),
            Goal::Exactly(wanted) => (format!("= {}", shown(wanted)), Some(value == wanted)),
            Goal::None => ("-".to_owned(), None),
        };
        self.rows.push(Row {
            figure: figure.to_owned(),
            measured: shown(value),
            goal,
            verdict: match met {
                Some(true) => "goal met",
                Some(false) => "goal missed",
                None => "",
            },
        });
    }

    /// `figure`'s p50 and p99 as two rows, the goal held to the p99; answers the max.
    pub fn latencies(&mut self, figure: &str, samples: Vec<Duration>, p99_goal: Goal) -> f64 {
        let [p50, p99, max] = percentiles(samples);
        self.ms(&format!("{figure}, p50"), p50, Goal::None);
        self.ms(&format!("{figure}, p99"), p99, p99_goal);
        max
    }

    pub fn ms(&mut self, figure: &str, value: f64, goal: Goal) {
        self.add(figure, value, "ms", 2, goal);
    }

    pub fn number(&mut self, figure: &str, value: f64, unit: &str, goal: Goal) {
        self.add(figure, value, unit, 0, goal);
    }

    pub fn mib(&mut self, figure: &str, value: f64, goal: Goal) {
        self.add(figure, value, "MiB", 1, goal);
    }

    pub fn print(&self) {
        let width = |f: fn(&Row) -> &str, title: &str| {
            self.rows
                .iter()
                .map(|r| f(r).chars().count())
                .chain([title.len()])
                .max()
                .unwrap_or(0)
        };
        let w = [
            width(|r| &r.figure, "figure"),
            width(|r| &r.measured, "measured"),
            width(|r| &r.goal, "goal"),
        ];
        let line = |a: &str, b: &str, c: &str, d: &str| {
            println!(
                "| {a:<0$} | {b:>1$} | {c:<2$} | {d:<11} |",
                w[0], w[1], w[2]
            );
        };
        line("figure", "measured", "goal", "verdict");
        line(
            &"-".repeat(w[0]),
            &"-".repeat(w[1]),
            &"-".repeat(w[2]),
            &"-".repeat(11),
        );
        for row in &self.rows {
            line(&row.figure, &row.measured, &row.goal, row.verdict);
        }
    }
}
