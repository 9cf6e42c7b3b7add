//! `stormcraft explain`: what a diagnostic means, with a bad and a fixed example; or
//! what a change found by `diff` means, with an example of it.

use super::{out, CliError};
use crate::diagnostic::Code;
use crate::diff::rules::DiffCode;

/// Prints the explanation of `code` (a code or a rule name, of `check` or of `diff`),
/// or with `list` one line per code: the check rules, then the diff rules.
pub(super) fn run_explain(code: Option<&str>, list: bool) -> Result<u8, CliError> {
    if list {
        // The slug column is as wide as the longest slug, so no slug runs into its
        // summary as new rules are added.
        let width = Code::ALL
            .iter()
            .map(|code| code.slug().len())
            .chain(DiffCode::ALL.iter().map(|code| code.slug().len()))
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for code in Code::ALL {
            text.push_str(&format!(
                "{}  {:<8} {:<width$} {}\n",
                code.as_str(),
                format!("{:?}", code.severity()).to_lowercase(),
                code.slug(),
                code.summary()
            ));
        }
        for code in DiffCode::ALL {
            text.push_str(&format!(
                "{:<5}  {:<8} {:<width$} {}\n",
                code.as_str(),
                "diff",
                code.slug(),
                code.summary()
            ));
        }
        out(&text);
        return Ok(0);
    }
    let text = code.unwrap_or_default();
    if let Some(code) = Code::parse(text) {
        out(&crate::check::explain::explain(code));
        return Ok(0);
    }
    if let Some(code) = DiffCode::parse(text) {
        out(&crate::diff::rules::explain(code));
        return Ok(0);
    }
    let candidates: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.slug())
        .chain(DiffCode::ALL.iter().map(|c| c.slug()))
        .collect();
    let help = crate::suggest::did_you_mean(text, candidates)
        .unwrap_or_else(|| "run `stormcraft explain --list` to see every code".to_owned());
    Err(CliError::UnknownCode {
        code: text.to_owned(),
        help,
    })
}
