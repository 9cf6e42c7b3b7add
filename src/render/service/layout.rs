//! Line layout of the generated Rust code where it depends on the length of model names.
//!
//! The generated code must be exactly what `rustfmt` (default settings) would write, and
//! whether rustfmt keeps a call or a signature on one line depends on its width. The
//! templates keep every other line short and fixed; the few constructs whose width
//! follows the model are laid out here with rustfmt's rules: lines of at most 100
//! columns, call arguments and array items on one line only within 60 columns, struct
//! literals within 18.

/// rustfmt's `max_width`.
const MAX_WIDTH: usize = 100;
/// rustfmt's `fn_call_width` and `array_width` (the `Default` width heuristics).
const LIST_WIDTH: usize = 60;
/// rustfmt's `struct_lit_width`.
const STRUCT_LIT_WIDTH: usize = 18;

fn width(text: &str) -> usize {
    text.chars().count()
}

fn pad(indent: usize) -> String {
    " ".repeat(indent)
}

/// A function signature: `{head}({params}){tail}` on one line when it fits, else one
/// parameter per line. `tail` is e.g. ` -> T {`, ` {}` or `;`.
pub fn signature(indent: usize, head: &str, params: &[String], tail: &str) -> String {
    let one = format!("{}{head}({}){tail}", pad(indent), params.join(", "));
    if width(&one) <= MAX_WIDTH || params.is_empty() {
        return one;
    }
    let mut out = format!("{}{head}(\n", pad(indent));
    for p in params {
        out.push_str(&format!("{}{p},\n", pad(indent + 4)));
    }
    out.push_str(&format!("{}){tail}", pad(indent)));
    out
}

/// A call, macro or array: `{head}{open}{items}{close}{tail}` on one line when the
/// items fit the list width and the line fits, else one item per line.
pub fn list(
    indent: usize,
    head: &str,
    open: &str,
    items: &[String],
    close: &str,
    tail: &str,
) -> String {
    list_within(indent, head, open, items, close, tail, LIST_WIDTH)
}

/// `Ok(vec![...])`-like nesting: the inner macro is the outer call's only argument,
/// so the outer call's width limit applies to `vec![...]` as a whole.
pub fn nested_list(indent: usize, head: &str, items: &[String], tail: &str) -> String {
    list_within(
        indent,
        head,
        "(vec![",
        items,
        "])",
        tail,
        LIST_WIDTH - "vec![]".len(),
    )
}

fn list_within(
    indent: usize,
    head: &str,
    open: &str,
    items: &[String],
    close: &str,
    tail: &str,
    limit: usize,
) -> String {
    let joined = items.join(", ");
    let one = format!("{}{head}{open}{joined}{close}{tail}", pad(indent));
    if items.is_empty() || (width(&joined) <= limit && width(&one) <= MAX_WIDTH) {
        return one;
    }
    let inner = format!("{}{joined},", pad(indent + 4));
    // rustfmt packs short simple arguments (names, literals, references; at most 10
    // columns each) on one line.
    if items.len() > 1
        && items.iter().all(|i| is_simple(i) && width(i) <= 10)
        && width(&joined) <= LIST_WIDTH
        && width(&inner) <= MAX_WIDTH
    {
        return format!(
            "{}{head}{open}\n{inner}\n{}{close}{tail}",
            pad(indent),
            pad(indent)
        );
    }
    let mut out = format!("{}{head}{open}\n", pad(indent));
    for item in items {
        out.push_str(&format!("{}{item},\n", pad(indent + 4)));
    }
    out.push_str(&format!("{}{close}{tail}", pad(indent)));
    out
}

/// Whether rustfmt counts an argument as simple: a path or literal, maybe borrowed.
fn is_simple(item: &str) -> bool {
    let bare = item.trim_start_matches("&mut ").trim_start_matches('&');
    let literal =
        bare.starts_with('"') && bare.ends_with('"') && !bare[1..bare.len() - 1].contains('"');
    literal
        || bare
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
}

/// `{lhs} = {callee}({args});` (a `let` or a `const`): on one line when it fits, else
/// the right side alone on the next line when it fits there, else the arguments broken.
pub fn assign_call(indent: usize, lhs: &str, callee: &str, args: &[String]) -> String {
    let joined = args.join(", ");
    let rhs = format!("{callee}({joined})");
    let one = format!("{}{lhs} = {rhs};", pad(indent));
    let short = width(&joined) <= LIST_WIDTH;
    if short && width(&one) <= MAX_WIDTH {
        return one;
    }
    let next = format!("{}{rhs};", pad(indent + 4));
    if short && width(&next) <= MAX_WIDTH {
        return format!("{}{lhs} =\n{next}", pad(indent));
    }
    list(indent, &format!("{lhs} = {callee}"), "(", args, ")", ";")
}

/// `{lhs} = {rhs};` with an unbreakable right side (a literal, a path): on the next
/// line when the whole does not fit but the right side fits there.
pub fn assign(indent: usize, lhs: &str, rhs: &str) -> String {
    let one = format!("{}{lhs} = {rhs};", pad(indent));
    let next = format!("{}{rhs};", pad(indent + 4));
    // Moving the right side down only helps when it then fits.
    if width(&one) <= MAX_WIDTH || width(&next) > MAX_WIDTH {
        return one;
    }
    format!("{}{lhs} =\n{next}", pad(indent))
}

/// A tuple variant `{name}({ty}),` of an enum.
pub fn tuple_variant(indent: usize, name: &str, ty: &str) -> String {
    let one = format!("{}{name}({ty}),", pad(indent));
    if width(&one) <= MAX_WIDTH {
        return one;
    }
    format!(
        "{}{name}(\n{}{ty},\n{}),",
        pad(indent),
        pad(indent + 4),
        pad(indent)
    )
}

/// A top-level `{lhs} {open}{items}{close}` (a `const` holding an array): on one
/// line when it fits, else with the array on the next line when it fits there, else
/// one item per line.
/// Items are tuples, given as their elements.
pub fn assignment(lhs: &str, open: &str, items: &[Vec<String>], close: &str) -> String {
    let tuples: Vec<String> = items
        .iter()
        .map(|t| format!("({})", t.join(", ")))
        .collect();
    let joined = tuples.join(", ");
    let one = format!("{lhs} {open}{joined}{close}");
    let short = items.is_empty() || width(&joined) <= LIST_WIDTH;
    if short && width(&one) <= MAX_WIDTH {
        return one;
    }
    let next = format!("    {open}{joined}{close}");
    if short && width(&next) <= MAX_WIDTH {
        return format!("{lhs}\n{next}");
    }
    if let [single] = items {
        // A lone tuple that does not fit on a line overflows the brackets.
        let mut out = format!("{lhs} {open}(\n");
        for element in single {
            out.push_str(&format!("    {element},\n"));
        }
        out.push_str(&format!("){close}"));
        return out;
    }
    let mut out = format!("{lhs} {open}\n");
    for tuple in items {
        out.push_str(&list(4, "", "(", tuple, ")", ","));
        out.push('\n');
    }
    out.push_str(close);
    out
}

/// A struct literal `{head}{name} { field: expr, ... }{tail}`: on one line when its
/// fields are short, else one field per line.
pub fn struct_literal(
    indent: usize,
    head: &str,
    name: &str,
    fields: &[(String, String)],
    tail: &str,
) -> String {
    let body: Vec<String> = fields.iter().map(|(f, e)| format!("{f}: {e}")).collect();
    let joined = body.join(", ");
    if fields.is_empty() {
        return format!("{}{head}{name} {{}}{tail}", pad(indent));
    }
    let one = format!("{}{head}{name} {{ {joined} }}{tail}", pad(indent));
    if width(&joined) <= STRUCT_LIT_WIDTH && width(&one) <= MAX_WIDTH {
        return one;
    }
    let mut out = format!("{}{head}{name} {{\n", pad(indent));
    for b in &body {
        out.push_str(&format!("{}{b},\n", pad(indent + 4)));
    }
    out.push_str(&format!("{}}}{tail}", pad(indent)));
    out
}

/// A match arm `{pattern} => {body},`, or with the body in a block when too long.
pub fn match_arm(indent: usize, pattern: &str, body: &str) -> String {
    let one = format!("{}{pattern} => {body},", pad(indent));
    if width(&one) <= MAX_WIDTH {
        return one;
    }
    format!(
        "{}{pattern} => {{\n{}{body}\n{}}}",
        pad(indent),
        pad(indent + 4),
        pad(indent)
    )
}

/// `let {lhs} = {rhs};`, with the right side on the next line when too long.
pub fn let_statement(indent: usize, lhs: &str, rhs: &str) -> String {
    assign(indent, &format!("let {lhs}"), rhs)
}

/// `if {a} && {b}({arg}) {`, with one condition per line when too long (and `b`'s
/// argument on its own line when even that is too long).
pub fn if_both(indent: usize, a: &str, b: &str, arg: &str) -> String {
    let one = format!("{}if {a} && {b}({arg}) {{", pad(indent));
    if width(&one) <= MAX_WIDTH {
        return one;
    }
    // The condition alone fits: the brace goes on the next line.
    let condition = format!("{}if {a} && {b}({arg})", pad(indent));
    if width(&condition) <= MAX_WIDTH {
        return format!("{condition}\n{}{{", pad(indent));
    }
    let second = list(
        indent + 4,
        &format!("&& {b}"),
        "(",
        &[arg.to_owned()],
        ")",
        "",
    );
    format!("{}if {a}\n{second}\n{}{{", pad(indent), pad(indent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_break_one_parameter_per_line() {
        let params = vec!["&self".to_owned(), "state: &State".to_owned()];
        assert_eq!(
            signature(4, "fn f", &params, " {}"),
            "    fn f(&self, state: &State) {}"
        );
        let long = vec!["a".repeat(50), "b".repeat(50)];
        assert_eq!(
            signature(0, "fn f", &long, " {"),
            format!(
                "fn f(\n    {},\n    {},\n) {{",
                "a".repeat(50),
                "b".repeat(50)
            )
        );
    }

    #[test]
    fn lists_respect_the_list_width() {
        let items = vec!["x".repeat(30), "y".repeat(30)];
        assert_eq!(
            list(0, "f", "(", &items, ")", ";"),
            format!("f(\n    {},\n    {},\n);", "x".repeat(30), "y".repeat(30))
        );
        assert_eq!(
            list(4, "Ok", "(vec![", &["a".into()], "])", ""),
            "    Ok(vec![a])"
        );
    }

    #[test]
    fn struct_literals_are_one_line_only_when_short() {
        let short = vec![("a".to_owned(), "b".to_owned())];
        assert_eq!(struct_literal(0, "", "S", &short, ""), "S { a: b }");
        let long = vec![("order_id".to_owned(), "command.order_id".to_owned())];
        assert_eq!(
            struct_literal(0, "Some(", "S", &long, ")"),
            "Some(S {\n    order_id: command.order_id,\n})"
        );
    }
}
