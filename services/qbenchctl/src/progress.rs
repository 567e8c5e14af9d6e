//! Progress for long commands: a bar on a terminal, a log line every few
//! seconds otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Reports how far a long operation has come.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    last_line: Instant,
    /// Off a terminal: whether a line was written, and the latest state
    /// when it has not been, so the last line written is the final state.
    wrote: bool,
    unwritten: Option<String>,
}

/// Time between log lines when not on a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    /// Starts reporting `label`.
    pub fn new(label: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
            bar.set_message(label.to_owned());
            bar
        });
        Progress {
            bar,
            label: label.to_owned(),
            last_line: Instant::now(),
            wrote: false,
            unwritten: None,
        }
    }

    /// Reports `done` of `total`.
    pub fn update(&mut self, done: u64, total: u64, detail: &str) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message(format!("{} {detail}", self.label));
            }
            None => {
                let line = format!("{}: {done}/{total} {detail}", self.label);
                if self.last_line.elapsed() >= LINE_EVERY {
                    eprintln!("{line}");
                    self.last_line = Instant::now();
                    self.wrote = true;
                    self.unwritten = None;
                } else {
                    self.unwritten = Some(line);
                }
            }
        }
    }

    /// Ends the bar; off a terminal, writes the final state if lines were
    /// written before and it is not the last of them.
    pub fn finish(self) {
        match self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => {
                if let (true, Some(line)) = (self.wrote, self.unwritten) {
                    eprintln!("{line}");
                }
            }
        }
    }
}
