//! Running git on the scanned repository, which is hostile input (`SECURITY.md`).

use std::path::Path;
use std::process::{Command, Stdio};

/// A git command that reads the repository and nothing else: no file-system monitor,
/// hooks, external diff or text conversion programs, replacement objects, lazy
/// fetches of a partial clone, credential helpers, or prompts.
pub fn command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.args([
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.untrackedCache=false",
        "-c",
        "core.quotepath=off",
        "-c",
        "diff.external=",
        "-c",
        "protocol.allow=never",
        "-c",
        "credential.helper=",
    ])
    .env("GIT_NO_REPLACE_OBJECTS", "1")
    .env("GIT_TERMINAL_PROMPT", "0")
    .env("GIT_OPTIONAL_LOCKS", "0")
    .env_remove("GIT_EXTERNAL_DIFF")
    .current_dir(dir)
    .stdin(Stdio::null());
    c
}

/// What git knows of the files under a directory that the walk needs.
#[derive(Debug, Default)]
pub struct Tracked {
    /// Files git tracks that a `.gitignore` ignores, relative to the directory: part of
    /// the deployment all the same.
    pub ignored: std::collections::HashSet<String>,
    /// Submodules (gitlinks), relative to the directory.
    pub submodules: Vec<String>,
}

impl Tracked {
    /// Asks git about `dir`; `None` when it is not in a git work tree (or git is not
    /// installed): the walk then knows only the `.gitignore` files.
    pub fn of(dir: &Path) -> Option<Tracked> {
        let run = |args: &[&str]| -> Option<Vec<u8>> {
            let out = command(dir)
                .args(args)
                .stderr(Stdio::null())
                .output()
                .ok()?;
            out.status.success().then_some(out.stdout)
        };
        // Outside a work tree (or a bare repository) ls-files fails: `None`.
        let mut t = Tracked::default();
        let ignored = run(&[
            "ls-files",
            "-z",
            "--cached",
            "--ignored",
            "--exclude-standard",
        ])?;
        t.ignored = names(&ignored).collect();
        // `<mode> <object> <stage>\t<path>`: mode 160000 is a submodule.
        let staged = run(&["ls-files", "-z", "--stage"])?;
        for rec in staged.split(|b| *b == 0) {
            let tab = rec.iter().position(|b| *b == b'\t');
            if let (true, Some(tab)) = (rec.starts_with(b"160000 "), tab) {
                t.submodules
                    .push(String::from_utf8_lossy(&rec[tab + 1..]).into_owned());
            }
        }
        Some(t)
    }

    /// Whether a tracked file that a `.gitignore` ignores lies under directory `rel`.
    pub fn has_ignored_under(&self, rel: &str) -> bool {
        let prefix = format!("{rel}/");
        self.ignored.iter().any(|p| p.starts_with(&prefix))
    }
}

fn names(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
}
