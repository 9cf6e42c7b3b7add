//! SC056 scenario-value-type: a scenario value does not fit its field's type.
//!
//! Raised in the flow phase, where scenarios are lowered and their values checked
//! (`src/check/resolve/values.rs`); its finding is built here.

use super::prelude::*;
use super::scenario_finding;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC056",
    slug: "scenario-value-type",
    severity: Severity::Error,
    summary: "a scenario value does not fit its field's type",
    explanation: Explanation {
        text: r#"Every value a scenario gives in `given`, `when` or `then` becomes JSON that the generated test reads into the message's Rust type. A value that does not fit the field's type would make that test fail before it tests anything, so `check` reads each one as the generated code will: an enum takes one of its variants (spelt exactly), an integer a whole number within its type's range, `f64` any finite number, `decimal` a number or a quoted decimal (`"19.99"`, kept digit for digit; a YAML number with more digits than a float holds must be quoted), `uuid` a UUID, `timestamp` an RFC 3339 timestamp (`2026-05-04T09:30:00Z`), `date` a `YYYY-MM-DD` date, `bytes` a list of numbers from 0 to 255, `json` anything, `T?` null or a `T`, `[T]` a list, `map<string, T>` a mapping, and a record a mapping with every field that is not optional.

A message field of type `uuid` may also hold a symbolic name (`order-1`): the generated test replaces it with a UUID derived from the name, so the same name always means the same aggregate. That replacement happens only for the message's own `uuid` fields; inside an optional, a list, a map or a record, write a real UUID."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      CancellationReason:
        enum: [CustomerRequest, OutOfStock]
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            fields: {quantity: u32}
            errors: [NoLines]
          CancelOrder:
            by: Customer
            fields: {reason: CancellationReason}
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: {PlaceOrder: {quantity: -1}}
        then: [OrderPlaced]
      - name: cancel on request
        given: [OrderPlaced]
        when: {CancelOrder: {reason: CustomerRequst}}
        then: [OrderCancelled]
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      CancellationReason:
        enum: [CustomerRequest, OutOfStock]
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            fields: {quantity: u32}
            errors: [NoLines]
          CancelOrder:
            by: Customer
            fields: {reason: CancellationReason}
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: {PlaceOrder: {quantity: 1}}
        then: [OrderPlaced]
      - name: cancel on request
        given: [OrderPlaced]
        when: {CancelOrder: {reason: CustomerRequest}}
        then: [OrderCancelled]
"#,
    },
};

/// What a type takes, as the help line describes it.
#[derive(Clone, Copy, Debug)]
pub enum Shape<'a> {
    /// A built-in.
    Primitive(Primitive),
    /// An enum and its variants.
    Enum(&'a str, &'a [String]),
    /// A record and its field names.
    Record(&'a str, &'a [&'a str]),
    /// `[T]`.
    List,
    /// `map<string, T>`.
    Map,
}

/// Why a value does not fit.
#[derive(Clone, Debug)]
pub enum Problem<'a> {
    /// A value of the wrong kind (`found`: "a string", "a number", ...); `rewrite` is
    /// the same value written so that it fits, when there is one (quoted or unquoted).
    Kind {
        /// What the YAML value is.
        found: &'a str,
        /// What the type takes.
        shape: Shape<'a>,
        /// The value rewritten to fit, if it can be.
        rewrite: Option<String>,
    },
    /// null for a type that is not optional; `top` when the value is a field of the
    /// message itself (which may be left out instead).
    Null {
        /// The message's own field.
        top: bool,
    },
    /// A number with a fraction for an integer type.
    NotWhole {
        /// The integer type.
        ty: Primitive,
    },
    /// A whole number outside its integer type's range.
    OutOfRange {
        /// The integer type.
        ty: Primitive,
        /// Below the minimum (else above the maximum).
        below: bool,
    },
    /// A whole number written with a point or an exponent (`2.0`, `1e3`), which
    /// reaches serde as a float that no integer type takes; `whole` is the integer.
    FloatForInteger {
        /// The integer type.
        ty: Primitive,
        /// The same number as an integer.
        whole: String,
    },
    /// A whole number above `i64::MAX`, which YAML numbers in a model cannot carry.
    TooLargeToCarry,
    /// NaN or an infinity.
    NotFinite,
    /// A YAML number for a decimal with more digits than a float keeps; `quoted` is
    /// the text as written, in quotes.
    InexactDecimal {
        /// The value as written, quoted.
        quoted: String,
    },
    /// A decimal beyond ±79228162514264337593543950335.
    DecimalOutOfRange,
    /// A decimal with more digits than a `decimal` keeps (it would be rounded).
    DecimalTooPrecise,
    /// A string that is not a decimal number.
    NotDecimal,
    /// A string that is not a variant of the enum.
    NotVariant {
        /// The enum's name.
        name: &'a str,
        /// What was written.
        found: &'a str,
        /// The enum's variants.
        variants: &'a [String],
    },
    /// A string that is not a UUID where a symbolic name is not replaced.
    NotUuid,
    /// A string that is not an RFC 3339 timestamp; `calendar` when it has the shape
    /// of one but names a day or time that does not exist.
    NotTimestamp {
        /// Right shape, impossible date or time.
        calendar: bool,
    },
    /// A string that is not a `YYYY-MM-DD` date; `calendar` as for timestamps.
    NotDate {
        /// Right shape, impossible day.
        calendar: bool,
    },
    /// An element of a `bytes` list that is not a number from 0 to 255.
    NotByte,
    /// A record value without some fields that are not optional.
    MissingFields {
        /// The record's name.
        name: &'a str,
        /// The missing fields, in declaration order.
        missing: &'a [&'a str],
    },
}

/// The smallest and largest value of an integer type, as text.
fn range(ty: Primitive) -> (&'static str, &'static str) {
    match ty {
        Primitive::I32 => ("-2147483648", "2147483647"),
        Primitive::U32 => ("0", "4294967295"),
        Primitive::U64 => ("0", "18446744073709551615"),
        _ => ("-9223372036854775808", "9223372036854775807"),
    }
}

/// How to write a value of `shape`: the help line of a value of the wrong kind.
fn how_to_write(shape: Shape<'_>) -> String {
    match shape {
        Shape::Primitive(p) => match p {
            Primitive::String => {
                "write text; quote it when it would read as a number, a boolean or null".into()
            }
            Primitive::Bool => "write `true` or `false`".into(),
            Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64 => {
                let (min, max) = range(p);
                format!("write a whole number from {min} to {max}")
            }
            Primitive::F64 => "write a number, e.g. `2.5`".into(),
            Primitive::Decimal => {
                "write a number, or a quoted decimal that keeps every digit, e.g. `\"19.99\"`"
                    .into()
            }
            Primitive::Uuid => "write a UUID such as `5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11`".into(),
            Primitive::Timestamp => {
                "write an RFC 3339 timestamp such as `2026-05-04T09:30:00Z`".into()
            }
            Primitive::Date => "write a date as YYYY-MM-DD, e.g. `2026-03-01`".into(),
            Primitive::Bytes => "write a list of numbers from 0 to 255, e.g. `[104, 105]`".into(),
            Primitive::Json => "any value fits `json`".into(),
        },
        Shape::Enum(name, variants) => {
            format!("the variants of `{name}` are: {}", variants.join(", "))
        }
        Shape::Record(name, fields) => {
            format!(
                "write a mapping of the fields of `{name}`: {}",
                fields.join(", ")
            )
        }
        Shape::List => "write a list: `[a, b]`, or one `- item` per line".into(),
        Shape::Map => "write a mapping of names to values: `{name: value}`".into(),
    }
}

/// The label under the value and the help line for `problem`.
fn label_and_help(problem: &Problem<'_>) -> (String, String) {
    match problem {
        Problem::Kind {
            found,
            shape,
            rewrite,
        } => {
            let expected = match shape {
                Shape::Primitive(Primitive::String) => "text",
                Shape::Primitive(Primitive::Bool) => "a boolean",
                Shape::Primitive(
                    Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64,
                ) => "a whole number",
                Shape::Primitive(Primitive::F64 | Primitive::Decimal) => "a number",
                Shape::Primitive(Primitive::Uuid) => "a UUID",
                Shape::Primitive(Primitive::Timestamp) => "a timestamp",
                Shape::Primitive(Primitive::Date) => "a date",
                Shape::Primitive(Primitive::Bytes) => "a list of bytes",
                Shape::Primitive(Primitive::Json) => "a JSON value",
                Shape::Enum(..) => "a variant",
                Shape::Record(..) | Shape::Map => "a mapping",
                Shape::List => "a list",
            };
            let help = match rewrite {
                Some(rewrite) => format!("write it as `{rewrite}`"),
                None => how_to_write(*shape),
            };
            (format!("{found}, not {expected}"), help)
        }
        Problem::Null { top } => (
            "null, but the type is not optional".into(),
            if *top {
                "give a value, or leave the field out to start from its default".into()
            } else {
                "give a value: only an optional type (`T?`) takes null".into()
            },
        ),
        Problem::NotWhole { ty } => {
            let (min, max) = range(*ty);
            (
                "not a whole number".into(),
                format!("{} is a whole number from {min} to {max}", a_type(ty.name())),
            )
        }
        Problem::OutOfRange { ty, below } => {
            let (min, max) = range(*ty);
            let name = ty.name();
            (
                if *below {
                    format!("below {min}, the smallest `{name}`")
                } else {
                    format!("above {max}, the largest `{name}`")
                },
                format!("{} is a whole number from {min} to {max}", a_type(name)),
            )
        }
        Problem::FloatForInteger { ty, whole } => (
            format!("a floating-point number, which {} does not take", a_type(ty.name())),
            format!("write it as `{whole}`"),
        ),
        Problem::TooLargeToCarry => (
            "above 9223372036854775807, the largest whole number a model can carry".into(),
            "model numbers are read as 64-bit signed integers; use a smaller value".into(),
        ),
        Problem::NotFinite => (
            "not a finite number".into(),
            "JSON has no NaN or infinity; write a finite number".into(),
        ),
        Problem::InexactDecimal { quoted } => (
            "more digits than a YAML number keeps".into(),
            format!("quote it, so that every digit is kept: `{quoted}`"),
        ),
        Problem::DecimalOutOfRange => (
            "beyond ±79228162514264337593543950335, the range of a `decimal`".into(),
            "use a smaller number".into(),
        ),
        Problem::DecimalTooPrecise => (
            "more digits than a `decimal` keeps: it would be rounded".into(),
            "a `decimal` keeps at most 28 digits after the point and 29 in all; round the value"
                .into(),
        ),
        Problem::NotDecimal => (
            "not a decimal number".into(),
            "write digits with an optional sign, point and exponent, e.g. `\"19.99\"` or `\"-1.5e3\"`"
                .into(),
        ),
        Problem::NotVariant {
            name,
            found,
            variants,
        } => (
            format!("not a variant of `{name}`"),
            did_you_mean(found, variants.iter().map(String::as_str))
                .unwrap_or_else(|| how_to_write(Shape::Enum(name, variants))),
        ),
        Problem::NotUuid => (
            "not a UUID".into(),
            "write a UUID such as `5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11`; a symbolic name \
             (`order-1`) stands for a UUID only in a `uuid` field of the message itself, \
             not inside an optional, a list, a map or a record"
                .into(),
        ),
        Problem::NotTimestamp { calendar } => (
            if *calendar {
                "no such date or time".into()
            } else {
                "not an RFC 3339 timestamp".into()
            },
            "write the date, the time and the offset, e.g. `2026-05-04T09:30:00Z`".into(),
        ),
        Problem::NotDate { calendar } => (
            if *calendar {
                "no such day".into()
            } else {
                "not a date".into()
            },
            "write a date as YYYY-MM-DD, e.g. `2026-03-01`".into(),
        ),
        Problem::NotByte => (
            "not a number from 0 to 255".into(),
            "a byte is a whole number from 0 to 255".into(),
        ),
        Problem::MissingFields { name, missing } => {
            let list: Vec<String> = missing.iter().map(|f| format!("`{f}`")).collect();
            (
                format!("no {}", list.join(", ")),
                format!(
                    "{} value gives every field that is not optional (`T?`); add {}",
                    a_type(name),
                    list.join(", ")
                ),
            )
        }
    }
}

/// A type as a message names it, with its article: "a `u32`", "an `i32`".
pub fn a_type(ty: &str) -> String {
    // Said aloud: "an eye-thirty-two", "an ef-sixty-four", "a you-you-id".
    let an = ty.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O']) || ty.starts_with("f64");
    format!("{} `{ty}`", if an { "an" } else { "a" })
}

/// What an element of a `bytes` value is, as a message names it.
pub const BYTE: &str = "a byte";

/// The finding for a value of scenario `scenario` at `place` (`PlaceOrder.lines[0]`)
/// that is not `expected` ([`a_type`] of the type as the model writes it, or
/// [`BYTE`]), for `problem`.
pub fn diagnostic(
    scenario: &str,
    place: &str,
    expected: &str,
    problem: &Problem<'_>,
    span: Span,
    subject: NodeRef,
) -> Diagnostic {
    let (label, help) = label_and_help(problem);
    scenario_finding(
        Code::ScenarioValueType,
        scenario,
        format_args!("gives `{place}` a value that is not {expected}"),
        span,
        subject,
    )
    .label(label)
    .help(help)
}
