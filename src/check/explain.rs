//! Long explanations of each diagnostic code, for `stormcraft explain`.
//!
//! The texts are data: one [`Explanation`] per [`Code`], in the rule's own file under
//! `src/check/rules/`. Each example is a complete
//! model, so a reader can paste it into a file and run `stormcraft check` on it, and
//! a test checks that every `Bad` model triggers its code and every `Fixed` model is
//! clean.

pub use super::rules::Explanation;
use crate::diagnostic::{Code, Severity};

/// The explanation of `code`, printed by [`explain`]: it lives in the rule's file.
pub fn explanation(code: Code) -> Explanation {
    code.rule().explanation
}

const WIDTH: usize = 80;

/// The explanation of `code` as text: a title line (`SC020 unresolved-reference
/// (error)`), the rule's summary, what it checks and why, then a `Bad:` and a
/// `Fixed:` model, each indented by four spaces.
pub fn explain(code: Code) -> String {
    let explanation = explanation(code);
    let severity = match code.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut out = format!(
        "{} {} ({severity})\n\n{}{}.\n",
        code.as_str(),
        code.slug(),
        code.summary()[..1].to_uppercase(),
        &code.summary()[1..]
    );
    for paragraph in explanation.text.split("\n\n") {
        out.push('\n');
        out.push_str(&wrap(paragraph, WIDTH));
    }
    for (title, model) in [("Bad", explanation.bad), ("Fixed", explanation.fixed)] {
        out.push_str(&format!("\n{title}:\n\n"));
        for line in model.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

/// Greedy word wrap; a word longer than `width` gets a line of its own.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::model::load::load_str;

    /// The model printed after `title:` in an explanation, without its indentation.
    fn example(text: &str, title: &str) -> String {
        let start = text
            .find(&format!("\n{title}:\n\n"))
            .unwrap_or_else(|| panic!("no `{title}:` section in:\n{text}"));
        let mut model = String::new();
        for line in text[start..].lines().skip(3) {
            if !line.is_empty() && !line.starts_with("    ") {
                break;
            }
            model.push_str(line.strip_prefix("    ").unwrap_or(line));
            model.push('\n');
        }
        model
    }

    fn codes_found(name: &str, model: &str) -> Vec<Code> {
        let loaded = load_str(name, model);
        check(&loaded)
            .diagnostics
            .sorted()
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn every_code_has_a_complete_explanation() {
        for code in Code::ALL {
            let text = explain(*code);
            let title = text.lines().next().unwrap_or_default();
            assert!(
                title.starts_with(&format!("{} {} (", code.as_str(), code.slug())),
                "{title}"
            );
            let explanation = explanation(*code);
            assert!(explanation.text.len() > 80, "{code} explains too little");
            assert_ne!(explanation.bad, explanation.fixed, "{code}");
            assert!(text
                .lines()
                .all(|l| l.chars().count() <= WIDTH + 4 || l.starts_with("    ")));
        }
        let title = explain(Code::UnresolvedReference);
        assert!(
            title.starts_with("SC020 unresolved-reference (error)\n"),
            "{title}"
        );
    }

    #[test]
    fn bad_examples_trigger_their_code_and_fixed_ones_are_clean() {
        for code in Code::ALL {
            let text = explain(*code);
            let bad = example(&text, "Bad");
            let fixed = example(&text, "Fixed");
            assert_eq!(bad.trim_end(), explanation(*code).bad.trim_end(), "{code}");
            let found = codes_found("bad.yaml", &bad);
            assert!(
                found.contains(code),
                "the bad example of {code} gives {found:?}, not {code}:\n{bad}"
            );
            let found = codes_found("fixed.yaml", &fixed);
            assert!(
                found.is_empty(),
                "the fixed example of {code} is not clean: {found:?}\n{fixed}"
            );
        }
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc\n");
        assert_eq!(wrap("abcdefgh ij", 4), "abcdefgh\nij\n");
    }
}
