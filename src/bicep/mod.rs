//! Native Bicep support.
//!
//! [`syntax`] turns Bicep (`.bicep`) and Bicep parameter (`.bicepparam`) text into a
//! syntax tree with exact byte spans, collecting syntax errors instead of stopping at
//! the first one. Lowering that tree to ARM is a separate layer built on top of it.
pub mod lower;
pub mod syntax;
