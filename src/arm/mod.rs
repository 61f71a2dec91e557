//! The ARM template model: values, expressions and their evaluation.
pub mod eval;
pub mod expr;
pub mod functions;
pub mod value;
pub mod write;
