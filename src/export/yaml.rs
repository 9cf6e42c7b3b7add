//! A small YAML writer for JSON values: block mappings and sequences, strings plain
//! when that is unambiguous and double-quoted otherwise.
//!
//! Written here rather than taken from a YAML library because the exports only ever
//! write JSON-shaped data, and the rule for plain scalars can then be strict and
//! simple: a string is written plain only when it starts with a letter, `_`, `$` or
//! `/`, holds no character YAML gives a meaning to, and is not a word YAML 1.1 or 1.2
//! reads as a boolean or null. Everything else is double-quoted with JSON's escapes,
//! which are valid in YAML's double-quoted style. Keys follow the insertion order of
//! the JSON map, so the output is as deterministic as its input.

use serde_json::{Map, Value};

/// The YAML text of `value`, ending with a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize) {
    for (key, value) in map {
        push_indent(out, indent);
        out.push_str(&string(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(out, items, indent + 2);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        match item {
            Value::Object(inner) if !inner.is_empty() => {
                // The item's first line goes after the dash: write the block two
                // columns further in, then put the dash in the first line's indent.
                let mut block = String::new();
                write_map(&mut block, inner, indent + 2);
                push_dash(out, indent, &block);
            }
            Value::Array(inner) if !inner.is_empty() => {
                let mut block = String::new();
                write_seq(&mut block, inner, indent + 2);
                push_dash(out, indent, &block);
            }
            scalar => {
                push_indent(out, indent);
                out.push_str("- ");
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// Appends `block` (indented by `indent + 2`) with its first indent replaced by `- `.
fn push_dash(out: &mut String, indent: usize, block: &str) {
    push_indent(out, indent);
    out.push_str("- ");
    out.push_str(&block[indent + 2..]);
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A scalar, or an empty container, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// A string as a plain scalar when that reads back as the same string, else quoted.
fn string(text: &str) -> String {
    if is_plain(text) {
        text.to_owned()
    } else {
        // JSON's escapes (\" \\ \n \t \uXXXX …) are all valid in YAML double quotes.
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
    }
}

/// Words that YAML 1.1 or 1.2 resolves to a boolean or null when plain.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

fn is_plain(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let starts_well = first.is_ascii_alphabetic() || matches!(first, '_' | '$' | '/');
    let chars_ok = text.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, ' ' | '_' | '-' | '.' | '/' | '$' | '(' | ')' | ',')
    });
    starts_well
        && chars_ok
        && !text.ends_with(' ')
        && !RESERVED.iter().any(|w| w.eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_style() {
        let value = json!({
            "a": 1,
            "b": { "c": [1, { "d": "x", "e": [] }, [2, 3]] },
            "f": {},
            "g": null,
        });
        assert_eq!(
            to_yaml(&value),
            "a: 1\nb:\n  c:\n    - 1\n    - d: x\n      e: []\n    - - 2\n      - 3\nf: {}\ng: null\n"
        );
    }

    #[test]
    fn quotes_what_would_read_back_differently() {
        for text in [
            "",
            "yes",
            "No",
            "null",
            "~",
            "1.0",
            "0x1F",
            "-1",
            "#/components/schemas/a.B",
            "a: b",
            "a #b",
            "line\nbreak",
            "\"q\"",
            "'q'",
            " lead",
            "trail ",
            "@x",
            "*x",
            "&x",
            "!x",
            "%x",
            "[x]",
            "{x}",
            "x:",
            "tab\there",
            "é",
        ] {
            assert!(string(text).starts_with('"'), "{text:?} must be quoted");
        }
        for text in [
            "ordering.Money",
            "$ref",
            "/ordering/commands/PlaceOrder",
            "ok words",
        ] {
            assert_eq!(string(text), text);
        }
    }

    #[test]
    fn reads_back_as_the_same_value() {
        let value = json!({
            "strings": ["yes", "1.5", "a: b", "multi\nline \"quoted\" \\ é", "#x", "plain text"],
            "numbers": [0, -3, 1.5, 18446744073709551615u64],
            "nested": [{ "k": [[], {}] }, [[1]]],
            "true": true,
        });
        let back: Value = serde_saphyr::from_str(&to_yaml(&value)).expect("valid YAML");
        assert_eq!(back, value);
    }
}
