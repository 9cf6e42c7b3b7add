//! Delays and periods as the model writes them (`30m`, `1h30m`, `day at 03:00`), for
//! the timers in diagrams and the deadline and schedule lines of `trace`.

use crate::ir::Every;

/// A delay in seconds as the model's duration syntax writes it: the largest units
/// first, zero parts left out (`45s`, `30m`, `2h`, `1d`, `1h30m`, `0s`).
pub(crate) fn duration_text(secs: u64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            out.push_str(&count.to_string());
            out.push_str(unit);
        }
    }
    out
}

/// A schedule's period: `every 15m`, `every day at 03:00 UTC`.
pub(crate) fn every_text(every: Every) -> String {
    match every {
        Every::Interval { secs } => format!("every {}", duration_text(secs)),
        Every::DailyAt { hour, minute } => format!("every day at {hour:02}:{minute:02} UTC"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(duration_text(45), "45s");
        assert_eq!(duration_text(30 * 60), "30m");
        assert_eq!(duration_text(2 * 3_600), "2h");
        assert_eq!(duration_text(86_400), "1d");
        assert_eq!(duration_text(5_400), "1h30m");
        assert_eq!(duration_text(90_061), "1d1h1m1s");
        assert_eq!(duration_text(0), "0s");
        assert_eq!(every_text(Every::Interval { secs: 900 }), "every 15m");
        assert_eq!(
            every_text(Every::DailyAt { hour: 3, minute: 5 }),
            "every day at 03:05 UTC"
        );
    }
}
