//! aksgate: a policy-as-code gate for AKS deployment files.
//!
//! The pipeline: [`discover`] → load ([`json`]) → [`classify`] → [`resolve`] →
//! evaluate ([`engine`], [`evaluate`]) → [`finding`]s → [`report`].
pub mod arm;
pub mod audit;
pub mod baseline;
pub mod bicep;
pub mod chunks;
pub mod classify;
pub mod cli;
pub mod compare;
pub mod config;
pub mod discover;
pub mod engine;
pub mod evaluate;
pub mod finding;
pub mod front_files;
pub mod git;
pub mod heap;
pub mod init;
pub mod input;
pub mod inputs;
pub mod json;
pub mod load;
pub mod network;
pub mod pairing;
pub mod plan;
pub mod policy_graph;
pub mod policy_limits;
pub mod policy_restart;
pub mod policy_test;
pub mod report;
pub mod resolve;
pub mod scan;
pub mod source;
pub mod spill;
pub mod stale_build;
pub(crate) mod stream;
pub mod suppress;
pub mod terraform;
#[cfg(test)]
mod testdata;
pub mod text;
pub mod var_files;
