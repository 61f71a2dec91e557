//! `.aksgate.toml`: the scan's configuration. Unknown keys and wrong types are errors
//! (exit 2) that name the file, line and column, never silently ignored.
//!
//! ```toml
//! exclude = ["infra/legacy/**"]
//!
//! [[pair]]                      # explicit template ↔ parameter-file pairings
//! template = "infra/aks.json"
//! parameters = "env/prod/aks.json"
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_NAME: &str = ".aksgate.toml";

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Paths to skip (gitignore syntax, relative to the scanned root).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Explicit pairings, on top of the naming conventions.
    #[serde(default)]
    pub pair: Vec<Pair>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// Template path relative to the scanned root.
    pub template: String,
    /// Parameter file path relative to the scanned root.
    pub parameters: String,
}

#[derive(Debug)]
pub struct ConfigError {
    pub file: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid configuration {}: {}",
            self.file.display(),
            self.message
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (l, c) = crate::json::line_col(text, s.start);
                    format!("line {l}, column {c}: ")
                })
                .unwrap_or_default();
            ConfigError {
                file: file.to_path_buf(),
                message: format!("{at}{}", e.message()),
            }
        })
    }

    /// `--config FILE` when given (it must exist), else `.aksgate.toml` in the first
    /// scanned directory when present, else the defaults.
    pub fn load(explicit: Option<&Path>, root: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match root.map(|r| r.join(DEFAULT_NAME)).filter(|p| p.is_file()) {
                Some(p) => p,
                None => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            file: path.clone(),
            message: e.to_string(),
        })?;
        Config::parse(&text, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_rejects_unknown_keys_with_a_position() {
        let c = Config::parse(
            "exclude = [\"a/**\"]\n[[pair]]\ntemplate = \"t.json\"\nparameters = \"p.json\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.pair[0].template, "t.json");
        let e = Config::parse(
            "[[pair]]\ntemplate = \"t.json\"\nparams = \"p.json\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.message.contains("line 3"), "{}", e.message);
        assert!(
            e.message.contains("unknown field `params`"),
            "{}",
            e.message
        );
        let e = Config::parse("exclude = 3\n", Path::new("x.toml")).unwrap_err();
        assert!(e.message.contains("line 1"), "{}", e.message);
    }
}
