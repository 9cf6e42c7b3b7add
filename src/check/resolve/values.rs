//! Scenario values against their fields' types. The generated test reads each value
//! with serde into the message's Rust type; a value it would refuse is reported here,
//! at the value (SC056), and a field that a nested record does not have as SC055.
//!
//! The rules mirror the generated code: integers are JSON integers in their type's
//! range, `decimal` is `rust_decimal` (a number or a string, 28 digits after the
//! point at most), `uuid` the `uuid` crate's forms, `timestamp` and `date` chrono's
//! RFC 3339 and `YYYY-MM-DD`, `bytes` a list of numbers (serde's `Vec<u8>`), and a
//! record needs every field that is not an `Option`. A symbolic name stands for a
//! UUID only in a `uuid` field of the message itself: that is where the generated
//! harness replaces it (the fields whose default is the nil UUID).

use super::*;
use crate::check::rules::sc055_unknown_field;
use crate::check::rules::sc056_scenario_value_type::{self, a_type, Problem, Shape, BYTE};

/// The scenario a value belongs to and the message it is about.
pub(super) struct Place<'s> {
    /// The scenario's name.
    pub scenario: &'s str,
    /// The command or event whose value it is.
    pub subject: NodeRef,
}

impl Resolver<'_> {
    /// Checks `node`, written at `span` for the message field `path` of type `ty`.
    pub(super) fn check_field_value(
        &mut self,
        place: &Place<'_>,
        path: &str,
        ty: &TypeRef,
        node: &Node,
        span: Span,
    ) {
        self.check_value(place, path, ty, node, span, true);
    }

    /// `top` is true for a field of the message itself, false inside a container.
    fn check_value(
        &mut self,
        place: &Place<'_>,
        path: &str,
        ty: &TypeRef,
        node: &Node,
        span: Span,
        top: bool,
    ) {
        let report = |this: &mut Self, ty: &TypeRef, problem: &Problem<'_>, span: Span| {
            let expected = a_type(&this.model.type_name(ty));
            this.report(place, path, &expected, problem, span);
        };
        if let TypeRef::Optional(inner) = ty {
            if !matches!(node, Node::Null) {
                // The default of an optional is null, not the nil UUID, so the harness
                // does not replace a symbolic name in it: `top` ends here.
                self.check_value(place, path, inner, node, span, false);
            }
            return;
        }
        if matches!(node, Node::Null) && *ty != TypeRef::Primitive(Primitive::Json) {
            report(self, ty, &Problem::Null { top }, span);
            return;
        }
        match ty {
            TypeRef::Primitive(Primitive::Bytes) if matches!(node, Node::Seq(_)) => {
                let Node::Seq(items) = node else { return };
                for (index, item) in items.iter().enumerate() {
                    if !matches!(item.value, Node::Int(0..=255)) {
                        let item_span = Span::from_location(span.file, &item.referenced);
                        let item_path = format!("{path}[{index}]");
                        self.report(place, &item_path, BYTE, &Problem::NotByte, item_span);
                    }
                }
            }
            TypeRef::Primitive(p) => {
                if let Some(problem) = self.primitive_problem(*p, node, span, top) {
                    report(self, ty, &problem, span);
                }
            }
            TypeRef::Named(id) => {
                // A record that lost a field to a type error would report its value
                // as unknown or missing: the name error says it already.
                if self.tainted_types.contains(id) {
                    return;
                }
                let named = &self.model.types[id.index()];
                let name = named.name.clone();
                match named.kind.clone() {
                    NamedTypeKind::Enum(variants) => {
                        let problem = match node {
                            Node::Str(s) if variants.contains(s) => return,
                            Node::Str(s) => Problem::NotVariant {
                                name: &name,
                                found: s,
                                variants: &variants,
                            },
                            other => Problem::Kind {
                                found: other.kind(),
                                shape: Shape::Enum(&name, &variants),
                                rewrite: None,
                            },
                        };
                        report(self, ty, &problem, span);
                    }
                    NamedTypeKind::Record(fields) => {
                        self.check_record(place, path, ty, &name, &fields, node, span);
                    }
                }
            }
            TypeRef::List(inner) => match node {
                Node::Seq(items) => {
                    for (index, item) in items.iter().enumerate() {
                        let item_span = Span::from_location(span.file, &item.referenced);
                        let item_path = format!("{path}[{index}]");
                        self.check_value(place, &item_path, inner, &item.value, item_span, false);
                    }
                }
                other => {
                    let problem = Problem::Kind {
                        found: other.kind(),
                        shape: Shape::List,
                        rewrite: None,
                    };
                    report(self, ty, &problem, span);
                }
            },
            TypeRef::Map(inner) => match node {
                Node::Map(entries) => {
                    for (key, value) in entries {
                        let value_span = Span::from_location(span.file, &value.referenced);
                        let value_path = member_path(path, &key.value);
                        self.check_value(
                            place,
                            &value_path,
                            inner,
                            &value.value,
                            value_span,
                            false,
                        );
                    }
                }
                other => {
                    let problem = Problem::Kind {
                        found: other.kind(),
                        shape: Shape::Map,
                        rewrite: None,
                    };
                    report(self, ty, &problem, span);
                }
            },
            TypeRef::Optional(_) => {}
        }
    }

    /// A record value: a mapping of its fields, every field that is not optional
    /// given (serde's derive fills only `Option` fields that are left out).
    #[allow(clippy::too_many_arguments)]
    fn check_record(
        &mut self,
        place: &Place<'_>,
        path: &str,
        ty: &TypeRef,
        name: &str,
        fields: &[Field],
        node: &Node,
        span: Span,
    ) {
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let Node::Map(entries) = node else {
            let problem = Problem::Kind {
                found: node.kind(),
                shape: Shape::Record(name, &names),
                rewrite: None,
            };
            let expected = a_type(&self.model.type_name(ty));
            self.report(place, path, &expected, &problem, span);
            return;
        };
        for (key, value) in entries {
            let key_span = Span::from_location(span.file, &key.referenced);
            match fields.iter().find(|f| f.name == key.value) {
                Some(field) => {
                    let value_span = Span::from_location(span.file, &value.referenced);
                    let field_path = format!("{path}.{}", key.value);
                    self.check_value(
                        place,
                        &field_path,
                        &field.ty,
                        &value.value,
                        value_span,
                        false,
                    );
                }
                None => self.flow.push(sc055_unknown_field::diagnostic(
                    "record",
                    name,
                    &key.value,
                    key_span,
                    &names,
                    place.subject,
                )),
            }
        }
        let missing: Vec<&str> = fields
            .iter()
            .filter(|f| !matches!(f.ty, TypeRef::Optional(_)))
            .filter(|f| !entries.iter().any(|(key, _)| key.value == f.name))
            .map(|f| f.name.as_str())
            .collect();
        if !missing.is_empty() {
            let problem = Problem::MissingFields {
                name,
                missing: &missing,
            };
            let expected = a_type(&self.model.type_name(ty));
            self.report(place, path, &expected, &problem, span);
        }
    }

    /// Records an SC056 finding for the value at `path`, which is not `expected`.
    fn report(
        &mut self,
        place: &Place<'_>,
        path: &str,
        expected: &str,
        problem: &Problem<'_>,
        span: Span,
    ) {
        self.flow.push(sc056_scenario_value_type::diagnostic(
            place.scenario,
            path,
            expected,
            problem,
            span,
            place.subject,
        ));
    }

    /// The text of `span` as written in the model.
    fn written(&self, span: Span) -> &str {
        let text = &self.sources.file(span.file).text;
        let start = span.start as usize;
        text.get(start..start + span.len as usize).unwrap_or("")
    }

    /// Why `node` does not fit the primitive `p`, if it does not.
    fn primitive_problem(
        &self,
        p: Primitive,
        node: &Node,
        span: Span,
        top: bool,
    ) -> Option<Problem<'static>> {
        let kind = |rewrite: Option<String>| Problem::Kind {
            found: node.kind(),
            shape: Shape::Primitive(p),
            rewrite,
        };
        match p {
            Primitive::Json => None,
            Primitive::String => match node {
                Node::Str(_) => None,
                Node::Int(i) => Some(kind(Some(format!("\"{i}\"")))),
                Node::Bool(b) => Some(kind(Some(format!("\"{b}\"")))),
                Node::Float(f) => {
                    let text = self.written(span).trim();
                    let text = if text.parse::<f64>().is_ok() {
                        text.to_owned()
                    } else {
                        f.to_string()
                    };
                    Some(kind(Some(format!("\"{text}\""))))
                }
                _ => Some(kind(None)),
            },
            Primitive::Bool => match node {
                Node::Bool(_) => None,
                Node::Str(s) if s == "true" || s == "false" => Some(kind(Some(s.clone()))),
                _ => Some(kind(None)),
            },
            Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64 => {
                self.integer_problem(p, node, span)
            }
            Primitive::F64 => match node {
                Node::Int(_) => None,
                Node::Float(f) if f.is_finite() => None,
                Node::Float(_) => Some(Problem::NotFinite),
                Node::Str(s) if s.parse::<f64>().is_ok_and(f64::is_finite) => {
                    Some(kind(Some(s.clone())))
                }
                _ => Some(kind(None)),
            },
            Primitive::Decimal => match node {
                Node::Int(_) => None,
                Node::Float(f) if !f.is_finite() => Some(Problem::NotFinite),
                Node::Float(f) => {
                    // serde_json hands rust_decimal the float, which reads its
                    // shortest text: digits the float did not keep are lost.
                    let carried = DecimalText::parse(&f.to_string(), false)?;
                    let text = self.written(span).trim();
                    match DecimalText::parse(text, false) {
                        Some(written) if written != carried => Some(Problem::InexactDecimal {
                            quoted: format!("\"{text}\""),
                        }),
                        _ => carried.fits().err(),
                    }
                }
                Node::Str(s) => match DecimalText::parse(s, true) {
                    Some(value) => value.fits().err(),
                    None => Some(Problem::NotDecimal),
                },
                _ => Some(kind(None)),
            },
            Primitive::Uuid => match node {
                // A symbolic name: the harness derives a UUID from it.
                Node::Str(_) if top => None,
                Node::Str(s) if is_uuid(s) => None,
                Node::Str(_) => Some(Problem::NotUuid),
                _ => Some(kind(None)),
            },
            Primitive::Timestamp => match node {
                Node::Str(s) => match timestamp(s) {
                    Written::Valid => None,
                    Written::Impossible => Some(Problem::NotTimestamp { calendar: true }),
                    Written::Malformed => Some(Problem::NotTimestamp { calendar: false }),
                },
                _ => Some(kind(None)),
            },
            Primitive::Date => match node {
                Node::Str(s) => match date(s) {
                    Written::Valid => None,
                    Written::Impossible => Some(Problem::NotDate { calendar: true }),
                    Written::Malformed => Some(Problem::NotDate { calendar: false }),
                },
                _ => Some(kind(None)),
            },
            Primitive::Bytes => match node {
                // Its elements are checked one by one, by `check_value`.
                Node::Seq(_) => None,
                _ => Some(kind(None)),
            },
        }
    }

    /// Why `node` is not a JSON integer in the range of `p`.
    fn integer_problem(&self, p: Primitive, node: &Node, span: Span) -> Option<Problem<'static>> {
        let (min, max): (i128, i128) = match p {
            Primitive::I32 => (i32::MIN.into(), i32::MAX.into()),
            Primitive::U32 => (0, u32::MAX.into()),
            Primitive::U64 => (0, u64::MAX.into()),
            _ => (i64::MIN.into(), i64::MAX.into()),
        };
        let kind = |rewrite: Option<String>| Problem::Kind {
            found: node.kind(),
            shape: Shape::Primitive(p),
            rewrite,
        };
        let out_of_range = |value: i128| {
            if value < min {
                Some(Problem::OutOfRange { ty: p, below: true })
            } else if value > max {
                Some(Problem::OutOfRange {
                    ty: p,
                    below: false,
                })
            } else {
                None
            }
        };
        match node {
            Node::Int(i) => out_of_range(i128::from(*i)),
            Node::Float(f) if !f.is_finite() => Some(Problem::NotFinite),
            Node::Float(f) => {
                // The loader reads integers beyond i64 as floats; those and numbers
                // with a point or an exponent reach serde as floats, which no
                // integer type takes.
                let text = self.written(span).trim();
                if let Ok(value) = text.trim_start_matches('+').parse::<i128>() {
                    return out_of_range(value).or(Some(Problem::TooLargeToCarry));
                }
                if f.fract() != 0.0 {
                    return Some(Problem::NotWhole { ty: p });
                }
                // `f` is whole: its value in range is exact as an integer.
                out_of_range(*f as i128).or_else(|| {
                    Some(Problem::FloatForInteger {
                        ty: p,
                        whole: format!("{}", *f as i128),
                    })
                })
            }
            Node::Str(s) => {
                // Unquoted, a model number must also fit the loader's i64.
                let carried = i128::from(i64::MIN)..=i128::from(i64::MAX);
                let in_range = s
                    .parse::<i128>()
                    .ok()
                    .filter(|v| (min..=max).contains(v) && carried.contains(v));
                Some(kind(in_range.map(|v| v.to_string())))
            }
            _ => Some(kind(None)),
        }
    }
}

/// `path.key` for a map entry, or `path["key"]` when the key is not a plain name.
fn member_path(path: &str, key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        format!("{path}.{key}")
    } else {
        format!("{path}[{key:?}]")
    }
}

/// A decimal number as `digits × 10^exponent`, sign apart, with no leading or
/// trailing zeros in `digits` (empty for zero): two texts of the same number compare
/// equal.
#[derive(Debug, PartialEq, Eq)]
struct DecimalText {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// The largest mantissa of a `rust_decimal::Decimal` (2^96 - 1).
const DECIMAL_MAX: &str = "79228162514264337593543950335";
/// The most digits a `rust_decimal::Decimal` keeps after the point.
const DECIMAL_MAX_SCALE: i64 = 28;

impl DecimalText {
    /// Reads `[+-]digits[.digits][e[+-]digits]`; `underscores` allows `_` after a
    /// digit, as `rust_decimal`'s parser does.
    fn parse(text: &str, underscores: bool) -> Option<DecimalText> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let exponent: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                e.trim_start_matches('+').parse().ok()?
            }
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits = String::new();
        let mut fraction_len: i64 = 0;
        for (part, is_fraction) in [(whole, false), (fraction, true)] {
            let mut after_digit = false;
            for c in part.chars() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    after_digit = true;
                    fraction_len += i64::from(is_fraction);
                } else if c == '_' && underscores && after_digit {
                    continue;
                } else {
                    return None;
                }
            }
        }
        if digits.is_empty() {
            return None;
        }
        let mut exponent = exponent.checked_sub(fraction_len)?;
        let trimmed = digits.trim_start_matches('0');
        let kept = trimmed.trim_end_matches('0');
        exponent = exponent.checked_add((trimmed.len() - kept.len()) as i64)?;
        let zero = kept.is_empty();
        Some(DecimalText {
            negative: negative && !zero,
            digits: kept.to_owned(),
            exponent: if zero { 0 } else { exponent },
        })
    }

    /// Whether a `rust_decimal::Decimal` holds this number exactly.
    fn fits(&self) -> Result<(), Problem<'static>> {
        if self.digits.is_empty() {
            return Ok(());
        }
        let len = self.digits.len() as i64;
        // Saturating: an exponent may be any i64 the text spells.
        let whole_len = len.saturating_add(self.exponent);
        let max_len = DECIMAL_MAX.len() as i64;
        if whole_len > max_len {
            return Err(Problem::DecimalOutOfRange);
        }
        if self.exponent >= 0 {
            let whole = format!("{}{}", self.digits, "0".repeat(self.exponent as usize));
            return if whole.len() as i64 == max_len && whole.as_str() > DECIMAL_MAX {
                Err(Problem::DecimalOutOfRange)
            } else {
                Ok(())
            };
        }
        if whole_len == max_len && &self.digits[..max_len as usize] > DECIMAL_MAX {
            return Err(Problem::DecimalOutOfRange);
        }
        let too_long = len > max_len || (len == max_len && self.digits.as_str() > DECIMAL_MAX);
        if self.exponent.saturating_neg() > DECIMAL_MAX_SCALE || too_long {
            return Err(Problem::DecimalTooPrecise);
        }
        Ok(())
    }
}

/// Whether `text` is a UUID as the `uuid` crate reads one: 32 hex digits, plain or
/// in groups of 8-4-4-4-12, the grouped form also in braces or after `urn:uuid:`.
fn is_uuid(text: &str) -> bool {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let grouped = |s: &str| {
        let groups: Vec<&str> = s.split('-').collect();
        groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, len)| g.len() == len && hex(g))
    };
    if text.len() == 32 && hex(text) {
        return true;
    }
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return grouped(inner);
    }
    if text.len() > 9 && text[..9].eq_ignore_ascii_case("urn:uuid:") {
        return grouped(&text[9..]);
    }
    grouped(text)
}

/// Whether a text is a date or timestamp: of the right shape and naming a real day
/// and time, of the right shape but not (`2026-02-30`), or not of the shape at all.
#[derive(Debug, PartialEq, Eq)]
enum Written {
    Valid,
    Impossible,
    Malformed,
}

/// `YYYY-MM-DD`: the year, month and day, if `text` has that shape.
fn date_parts(text: &[u8]) -> Option<(u32, u32, u32)> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if text.len() < 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    Some((number(0..4)?, number(5..7)?, number(8..10)?))
}

/// Whether year/month/day is a day of the Gregorian calendar.
fn real_day(year: u32, month: u32, day: u32) -> bool {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// A `date` value: `YYYY-MM-DD`.
fn date(text: &str) -> Written {
    match date_parts(text.as_bytes()) {
        Some((y, m, d)) if text.len() == 10 => {
            if real_day(y, m, d) {
                Written::Valid
            } else {
                Written::Impossible
            }
        }
        _ => Written::Malformed,
    }
}

/// A `timestamp` value: RFC 3339, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with
/// `T` or a space between date and time (RFC 3339 allows both, and chrono reads both).
fn timestamp(text: &str) -> Written {
    let bytes = text.as_bytes();
    let two = |at: usize| -> Option<u32> {
        let part = bytes.get(at..at + 2)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(part[0] - b'0') * 10 + u32::from(part[1] - b'0'))
    };
    let parse = || -> Option<bool> {
        let (y, mo, d) = date_parts(bytes)?;
        if !matches!(bytes.get(10)?, b'T' | b't' | b' ') {
            return None;
        }
        let (h, mi, s) = (two(11)?, two(14)?, two(17)?);
        if bytes.get(13)? != &b':' || bytes.get(16)? != &b':' {
            return None;
        }
        let mut at = 19;
        if bytes.get(at) == Some(&b'.') {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            at += 1 + digits;
        }
        let offset_ok = match bytes.get(at)? {
            b'Z' | b'z' if at + 1 == bytes.len() => true,
            b'+' | b'-' if at + 6 == bytes.len() && bytes[at + 3] == b':' => {
                let (oh, om) = (two(at + 1)?, two(at + 4)?);
                oh <= 23 && om <= 59
            }
            _ => return None,
        };
        // Second 60 is a leap second, which RFC 3339 and chrono accept.
        Some(real_day(y, mo, d) && h <= 23 && mi <= 59 && s <= 60 && offset_ok)
    };
    match parse() {
        Some(true) => Written::Valid,
        Some(false) => Written::Impossible,
        None => Written::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> DecimalText {
        DecimalText::parse(text, true).unwrap_or_else(|| panic!("`{text}` is a decimal"))
    }

    #[test]
    fn decimals_compare_by_value() {
        assert_eq!(decimal("9.50"), decimal("9.5"));
        assert_eq!(decimal("1e3"), decimal("1000"));
        assert_eq!(decimal("-0.0"), decimal("0"));
        assert_eq!(decimal("1_000.5"), decimal("1000.5"));
        assert_eq!(decimal(".5"), decimal("0.5"));
        assert_eq!(decimal("5."), decimal("5"));
        assert_ne!(decimal("0.30000000000000000001"), decimal("0.3"));
        for bad in [
            "", "-", "1.2.3", "_1", "0x10", "NaN", "1e", "1e+", " 1", "--1",
        ] {
            assert_eq!(DecimalText::parse(bad, true), None, "{bad}");
        }
        assert_eq!(DecimalText::parse("1_000", false), None);
    }

    #[test]
    fn decimals_fit_as_rust_decimal_reads_them() {
        // The cases were read with rust_decimal 1.43 itself: what it refuses is out
        // of range, what it rounds is too precise.
        for ok in [
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "12345678901234567890.123456789",
            "1e28",
            "1.0000000000000000000000000000000",
        ] {
            assert!(decimal(ok).fits().is_ok(), "{ok}");
        }
        for out in [
            "79228162514264337593543950336",
            "1e30",
            "8e28",
            "1e9223372036854775807",
        ] {
            assert!(
                matches!(decimal(out).fits(), Err(Problem::DecimalOutOfRange)),
                "{out}"
            );
        }
        for rounded in [
            "0.00000000000000000000000000001",
            "1.00000000000000000000000000001",
            "1e-9223372036854775808",
        ] {
            assert!(
                matches!(decimal(rounded).fits(), Err(Problem::DecimalTooPrecise)),
                "{rounded}"
            );
        }
    }

    #[test]
    fn uuids_in_the_forms_the_uuid_crate_reads() {
        for ok in [
            "5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11",
            "5F0C6A4E-8D2B-4C51-9A57-2F1F0E3D9B11",
            "5f0c6a4e8d2b4c519a572f1f0e3d9b11",
            "{5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11}",
            "urn:uuid:5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11",
        ] {
            assert!(is_uuid(ok), "{ok}");
        }
        for bad in [
            "order-1",
            "5f0c6a4e-8d2b4c51-9a57-2f1f0e3d9b11",
            "5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b1g",
            "",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps_are_rfc_3339() {
        for ok in [
            "2026-05-04T09:30:00Z",
            "2026-05-04 09:30:00Z",
            "2026-05-04t09:30:00z",
            "2026-05-04T09:30:00.123456789Z",
            "2026-05-04T09:30:00+02:00",
            "2024-02-29T23:59:60-01:30",
        ] {
            assert_eq!(timestamp(ok), Written::Valid, "{ok}");
        }
        for impossible in [
            "2026-02-29T00:00:00Z",
            "2026-05-04T24:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-05-04T09:30:00+24:00",
        ] {
            assert_eq!(timestamp(impossible), Written::Impossible, "{impossible}");
        }
        for malformed in [
            "2026-05-04T09:30:00",
            "2026-05-04",
            "2026-5-4T9:30:00Z",
            "2026-05-04T09:30Z",
            "2026-05-04T09:30:00.Z",
            "2026-05-04T09:30:00+0100",
            "yesterday",
        ] {
            assert_eq!(timestamp(malformed), Written::Malformed, "{malformed}");
        }
    }

    #[test]
    fn dates_are_year_month_day() {
        assert_eq!(date("2026-03-01"), Written::Valid);
        assert_eq!(date("2024-02-29"), Written::Valid);
        assert_eq!(date("2026-02-29"), Written::Impossible);
        assert_eq!(date("2026-04-31"), Written::Impossible);
        assert_eq!(date("2026-3-1"), Written::Malformed);
        assert_eq!(date("2026-03-01T00:00:00Z"), Written::Malformed);
        assert_eq!(date("01.03.2026"), Written::Malformed);
    }
}
