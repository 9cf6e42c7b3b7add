//! Naming conventions: PascalCase for things, snake_case for contexts and fields.

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

/// The snake_case spelling of a name, e.g. `OrderLines` → `order_lines`.
pub fn to_snake_case(name: &str) -> String {
    words(name).join("_")
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
    }
}
