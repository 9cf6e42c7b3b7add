//! The rules of the checker, one file per rule: the rule's explanation with its bad
//! and fixed example models, and the code that finds it — a check over the resolved
//! model for flow rules, or the constructors of its findings for rules raised where
//! names are resolved.

pub mod sc070_reserved_word;
pub mod sc071_reserved_crate_name;
pub mod sc072_generated_name_clash;
pub mod sc073_case_collision;
pub mod sc074_unsupported_key_type;
pub mod sc075_unsupported_id_type;

/// What every rule file uses.
mod prelude {
    pub use crate::check::explain::Explanation;
    pub use crate::check::names::{is_rust_keyword, NOT_RAW_KEYWORDS};
    pub use crate::diagnostic::{Code, Diagnostic};
    pub use crate::ir::{AggregateId, Model, NodeRef, Primitive, ReadModelId, TypeRef};
    pub use crate::source::Span;
}

use crate::diagnostic::Diagnostic;
use crate::ir::Model;

/// Runs every rule that is a check over the resolved model.
pub(crate) fn check_model(model: &Model, out: &mut Vec<Diagnostic>) {
    sc074_unsupported_key_type::check(model, out);
    sc075_unsupported_id_type::check(model, out);
}
