//! Naming conventions (PascalCase for things, snake_case for contexts and fields) and
//! the one case converter of the crate: the checker predicts with it which Rust names
//! the generator will derive, so both must convert the same way.

/// `OrderPlaced`: starts with an ASCII capital, letters and digits only.
pub fn is_pascal_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `order_lines`: lowercase ASCII words joined by single underscores.
pub fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

/// Splits a name into lowercase words at `_`, `-`, spaces, and lower→upper steps.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The PascalCase spelling of a name, e.g. `order_placed` → `OrderPlaced`.
pub fn to_pascal_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The typed outcome a command's rule returns, e.g. `ReserveStock` → `ReserveStockOutcome`:
/// an enum in the aggregate's module, beside its commands and events.
pub fn outcome_enum(command: &str) -> String {
    format!("{command}Outcome")
}

/// The variant of an outcome in its command's typed outcome, e.g. `out_of_stock` →
/// `OutOfStock` (`emitted`, the one outcome of an `emits:` command, → `Emitted`).
pub fn outcome_variant(outcome: &str) -> String {
    to_pascal_case(outcome)
}

/// The variant every typed outcome has beside its declared outcomes: the rule decided
/// nothing (a repeat, or a pending default).
pub const NOTHING_VARIANT: &str = "Nothing";

/// The snake_case spelling of a name, e.g. `OrderLines` → `order_lines`,
/// `HTTPCall` → `http_call`, `order-lines` → `order_lines`.
///
/// A word starts at a capital after a lowercase letter or digit, and at the last
/// capital of an acronym followed by a lowercase letter; any other character than a
/// letter or digit separates words. This is the spelling of the modules, functions
/// and paths of generated code, so names that differ only in case can collide in it.
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    let mut pending_separator = false;
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            pending_separator = !out.is_empty();
            continue;
        }
        let boundary = c.is_uppercase()
            && match i.checked_sub(1).map(|p| chars[p]) {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => chars.get(i + 1).is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
        if (boundary || pending_separator) && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        pending_separator = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Rust's strict and reserved keywords (2021 edition and `gen` of 2024): as
/// identifiers they need `r#`, and as module or crate names they cannot be used.
pub const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers either (`r#self` is not an identifier).
pub const NOT_RAW_KEYWORDS: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Whether `name` is a Rust keyword.
pub fn is_rust_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        assert!(is_pascal_case("OrderPlaced"));
        assert!(is_pascal_case("V2Order"));
        assert!(!is_pascal_case("orderPlaced"));
        assert!(!is_pascal_case("Order_Placed"));
        assert!(is_snake_case("order_lines"));
        assert!(is_snake_case("line2"));
        assert!(!is_snake_case("orderLines"));
        assert!(!is_snake_case("order__lines"));
        assert!(!is_snake_case("_order"));
    }

    #[test]
    fn conversions() {
        assert_eq!(to_pascal_case("order_placed"), "OrderPlaced");
        assert_eq!(to_pascal_case("orderPlaced"), "OrderPlaced");
        assert_eq!(to_snake_case("OrderLines"), "order_lines");
        assert_eq!(to_snake_case("order-lines"), "order_lines");
        assert_eq!(to_snake_case("HTTPCall"), "http_call");
        assert_eq!(to_snake_case("HttpCall"), "http_call");
        assert_eq!(to_snake_case("Order2Go"), "order2_go");
        assert_eq!(to_snake_case("order_id"), "order_id");
        assert_eq!(to_snake_case("a  b"), "a_b");
        assert_eq!(to_snake_case("__x"), "x");
    }
}
