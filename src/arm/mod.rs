//! The ARM template model: values, expressions and their evaluation.
pub mod value;
