//! Identifiers of generated Rust code: case conversion and keyword escaping, in one place
//! (the keyword list and the snake_case converter are `check`'s, so the names it
//! reserves are the names generated).
//!
//! Model names are already checked (PascalCase elements, snake_case fields and contexts),
//! so conversion only has to be faithful, not forgiving.

use crate::check::names::{is_rust_keyword, to_snake_case, NOT_RAW_KEYWORDS};

/// `name` as a Rust identifier: keywords become raw identifiers (`r#type`). serde strips
/// the `r#` when it derives field names, so the JSON key stays `type`. The few keywords
/// that cannot be raw (`self`, `crate`...) get a trailing underscore.
pub fn ident(name: &str) -> String {
    if NOT_RAW_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else if is_rust_keyword(name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// `PlaceOrder` → `place_order`, `HTTPCall` → `http_call`, `order_id` stays: the
/// crate's one snake_case converter, the one `check` uses for the names it reserves.
pub fn snake(name: &str) -> String {
    to_snake_case(name)
}

/// `place_order` → `PlaceOrder`; an already PascalCase name is returned as is.
pub fn pascal(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `OrderSummary` → `order-summary` (URL path segments).
pub fn kebab(name: &str) -> String {
    snake(name).replace('_', "-")
}

/// `OrderPlaced` → `order placed` (sentences in doc comments and messages).
pub fn words(name: &str) -> String {
    snake(name).replace('_', " ")
}

/// A Rust string literal holding `text` exactly (escapes quotes, backslashes and
/// control characters the Rust way, which is not JSON's way).
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A raw string literal holding `text`, with enough `#` that it cannot end early.
pub fn raw_string_literal(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(snake("PlaceOrder"), "place_order");
        assert_eq!(snake("HTTPCall"), "http_call");
        assert_eq!(snake("order_id"), "order_id");
        assert_eq!(snake("Order2Go"), "order2_go");
        assert_eq!(pascal("order_id"), "OrderId");
        assert_eq!(pascal("PlaceOrder"), "PlaceOrder");
        assert_eq!(kebab("OrderSummary"), "order-summary");
        assert_eq!(words("OrderPlaced"), "order placed");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
        assert_eq!(ident("total"), "total");
    }

    #[test]
    fn literals_escape_the_rust_way() {
        assert_eq!(
            string_literal("a \"b\"\\\u{1}"),
            "\"a \\\"b\\\"\\\\\\u{1}\""
        );
        assert_eq!(raw_string_literal("{\"a\":1}"), "r#\"{\"a\":1}\"#");
        assert_eq!(raw_string_literal("\"#"), "r##\"\"#\"##");
    }
}
