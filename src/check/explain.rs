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
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc\n");
        assert_eq!(wrap("abcdefgh ij", 4), "abcdefgh\nij\n");
    }
}
