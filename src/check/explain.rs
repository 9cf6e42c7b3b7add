//! Long explanations of each diagnostic code, for `stormcraft explain`.

use crate::diagnostic::Code;

/// The explanation of `code`: what the rule checks, why, a bad and a fixed example.
pub fn explain(code: Code) -> String {
    format!("{} ({}): {}\n", code.as_str(), code.slug(), code.summary())
}
