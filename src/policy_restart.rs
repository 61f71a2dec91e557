//! A scan whose policy evaluation the watchdog had to stop goes on without it (issue 18
//! item 10).
//!
//! A builtin that ignores regorus's timer, or one allocation past the memory limit,
//! cannot be stopped inside the process: the thread running it cannot be killed, and
//! the scan cannot wait for it. Instead of ending the run with every other deployment's
//! findings lost, `check` and `audit` replace the process by a fresh run of the same
//! command (`execve`, which ends the runaway thread with the rest of the old process),
//! told in [`VAR`] which deployments were stopped and why. The new run fails those
//! deployments' evaluation at once with the recorded message, evaluates every other
//! one, writes the whole report, and exits 2 naming them, as for any policy error.
//!
//! Nothing is written to standard output or `--output` before the evaluation ends, so
//! the first run leaves nothing behind. After [`MAX_STOPS`] stopped deployments the run
//! ends with exit 2 as before: a repository full of runaways must not run forever.

use std::ffi::{CString, OsString};
use std::sync::OnceLock;

/// Where a restarted run finds the evaluations stopped before it: a JSON array of
/// `[policy, deployment, message]`.
const VAR: &str = "AKSGATE_STOPPED_EVALUATIONS";

/// Restarts a run allows; each costs at most the time limit and its grace.
pub const MAX_STOPS: usize = 8;

/// A message kept in [`VAR`] is cut to this many characters (an environment string has
/// a system limit).
const MESSAGE_CHARS: usize = 2_000;

/// An evaluation the watchdog stopped in an earlier run of this command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// "the built-in pack", or "policy p (file)".
    pub policy: String,
    /// The deployment's label ([`crate::engine::deployment_label`]).
    pub deployment: String,
    pub message: String,
}

/// The command line and environment to run again, captured before any evaluation.
struct Prepared {
    exe: CString,
    argv: Vec<CString>,
    /// The environment without [`VAR`].
    env: Vec<CString>,
}

static PREPARED: OnceLock<Option<Prepared>> = OnceLock::new();
static STOPPED: OnceLock<Vec<Stopped>> = OnceLock::new();

/// Lets the watchdog restart this run (`check` and `audit`; not `test`, whose runs
/// are not deployments). Call it before anything is evaluated.
pub fn enable() {
    PREPARED.get_or_init(prepare);
    stopped();
}

#[cfg(unix)]
fn prepare() -> Option<Prepared> {
    use std::os::unix::ffi::OsStringExt;
    let c = |s: OsString| CString::new(s.into_vec()).ok();
    let exe = c(std::env::current_exe().ok()?.into_os_string())?;
    let argv = std::env::args_os().map(c).collect::<Option<Vec<_>>>()?;
    let env = std::env::vars_os()
        .filter(|(k, _)| k != VAR)
        .map(|(k, v)| {
            let mut kv = k;
            kv.push("=");
            kv.push(v);
            c(kv)
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Prepared { exe, argv, env })
}

#[cfg(not(unix))]
fn prepare() -> Option<Prepared> {
    None
}

/// The evaluations earlier runs of this command stopped (empty in a first run).
pub fn stopped() -> &'static [Stopped] {
    STOPPED.get_or_init(|| std::env::var(VAR).map(|v| decode(&v)).unwrap_or_default())
}

/// What an earlier run stopped on `deployment`, if anything.
pub fn stopped_on(deployment: &str) -> Option<&'static Stopped> {
    stopped().iter().find(|s| s.deployment == deployment)
}

fn decode(text: &str) -> Vec<Stopped> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let [p, d, m] = item.as_array()?.as_slice() else {
                return None;
            };
            Some(Stopped {
                policy: p.as_str()?.to_string(),
                deployment: d.as_str()?.to_string(),
                message: m.as_str()?.to_string(),
            })
        })
        .collect()
}

fn encode(stopped: &[Stopped]) -> String {
    let items: Vec<serde_json::Value> = stopped
        .iter()
        .map(|s| {
            let message: String = s.message.chars().take(MESSAGE_CHARS).collect();
            serde_json::json!([s.policy, s.deployment, message])
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// Replaces the process by a run of the same command that fails `stop`'s evaluation
/// and evaluates everything else. Returns only when that cannot be done (not enabled,
/// too many stops, the same deployment stopped again, `execve` refused): the caller
/// then ends the process.
pub fn restart(stop: Stopped) {
    let Some(Some(prepared)) = PREPARED.get() else {
        return;
    };
    if !possible(&stop.deployment) {
        return;
    }
    let mut all = stopped().to_vec();
    all.push(stop);
    let Ok(var) = CString::new(format!("{VAR}={}", encode(&all))) else {
        return;
    };
    exec(prepared, var);
}

/// Whether [`restart`] would run the command again for a stop on `deployment`.
pub fn possible(deployment: &str) -> bool {
    let before = stopped();
    matches!(PREPARED.get(), Some(Some(_)))
        && before.len() < MAX_STOPS
        && !before.iter().any(|s| s.deployment == deployment)
}

#[cfg(unix)]
fn exec(prepared: &Prepared, var: CString) {
    let mut argv: Vec<*const libc::c_char> = prepared.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut env: Vec<*const libc::c_char> = prepared.env.iter().map(|e| e.as_ptr()).collect();
    env.push(var.as_ptr());
    env.push(std::ptr::null());
    // SAFETY: NUL-terminated strings and NULL-terminated arrays that outlive the call;
    // on success nothing of this process runs again, on failure execve returns -1.
    unsafe {
        libc::execve(prepared.exe.as_ptr(), argv.as_ptr(), env.as_ptr());
    }
}

#[cfg(not(unix))]
fn exec(_: &Prepared, _: CString) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stopped_list_survives_its_encoding_with_hostile_names() {
        let list = vec![
            Stopped {
                policy: "policy p (a \"b\".rego)".into(),
                deployment: "x\ny.json with z=1.json".into(),
                message: "é\u{1b}[31m".into(),
            },
            Stopped {
                policy: "the built-in pack".into(),
                deployment: "b.json".into(),
                message: "m".repeat(MESSAGE_CHARS + 10),
            },
        ];
        let back = decode(&encode(&list));
        assert_eq!(back[0], list[0]);
        assert_eq!(back[1].message.chars().count(), MESSAGE_CHARS);
    }

    #[test]
    fn a_malformed_list_stops_nothing() {
        assert!(decode("not json").is_empty());
        assert!(decode("[[1,2,3],[\"a\"]]").is_empty());
    }
}
