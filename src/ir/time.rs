//! Durations and schedules as the model writes them: `45s`, `30m`, `2h`, `1d`,
//! `1h30m`, and `day at 03:00` (UTC) — parsed into seconds and [`Every`], and
//! written back the same way for diagrams and documentation.

use super::Every;

/// Seconds per unit, largest first: a duration writes its parts in this order.
const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// The seconds of a duration such as `45s`, `30m`, `2h`, `1d` or `1h30m`: one or more
/// `<number><unit>` parts, units `d`, `h`, `m`, `s` each at most once and largest
/// first, in total at least one second. `None` for anything else.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    // Index into UNITS of the next unit allowed (units descend, none repeats).
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let position = UNITS[next_unit..].iter().position(|(u, _)| *u == unit)? + next_unit;
        total = total.checked_add(number.checked_mul(UNITS[position].1)?)?;
        next_unit = position + 1;
        rest = &rest[digits + unit.len_utf8()..];
    }
    (total > 0).then_some(total)
}

/// A schedule's `every:`: a duration, or `day at HH:MM` (UTC, 24-hour clock).
pub fn parse_every(text: &str) -> Option<Every> {
    let text = text.trim();
    if let Some(time) = text.strip_prefix("day at ") {
        let (hour, minute) = time.trim().split_once(':')?;
        if hour.is_empty() || hour.len() > 2 || minute.len() != 2 {
            return None;
        }
        let hour: u8 = hour.parse().ok()?;
        let minute: u8 = minute.parse().ok()?;
        return (hour < 24 && minute < 60).then_some(Every::DailyAt { hour, minute });
    }
    parse_duration(text).map(|secs| Every::Interval { secs })
}

/// A number of seconds written as the model writes durations: `90` → `1m30s`.
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, size) in UNITS {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

impl Every {
    /// As the model writes it: `15m`, `day at 03:00`.
    pub fn label(self) -> String {
        match self {
            Every::Interval { secs } => format_duration(secs),
            Every::DailyAt { hour, minute } => format!("day at {hour:02}:{minute:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_into_seconds() {
        assert_eq!(parse_duration("45s"), Some(45));
        assert_eq!(parse_duration("30m"), Some(1_800));
        assert_eq!(parse_duration("2h"), Some(7_200));
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("1d2h3m4s"), Some(93_784));
    }

    #[test]
    fn malformed_durations_are_refused() {
        for bad in [
            "",
            "30",
            "m",
            "30x",
            "30m1h",
            "1h1h",
            "0s",
            "0m0s",
            "-5m",
            "1.5h",
            "30 m",
            "h30",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_is_a_duration_or_a_daily_time() {
        assert_eq!(parse_every("15m"), Some(Every::Interval { secs: 900 }));
        assert_eq!(
            parse_every("day at 03:00"),
            Some(Every::DailyAt { hour: 3, minute: 0 })
        );
        assert_eq!(
            parse_every("day at 23:59"),
            Some(Every::DailyAt {
                hour: 23,
                minute: 59
            })
        );
        for bad in [
            "day at 24:00",
            "day at 3:5",
            "day at 12:60",
            "daily",
            "day at",
        ] {
            assert_eq!(parse_every(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_read_back_as_written() {
        for text in ["45s", "30m", "2h", "1d", "1h30m", "1d2h3m4s"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(
            Every::DailyAt { hour: 3, minute: 0 }.label(),
            "day at 03:00"
        );
    }
}
