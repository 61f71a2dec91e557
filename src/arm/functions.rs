//! The ARM template function library (the functions that only need their evaluated
//! arguments). Functions that need the evaluation context or lazy arguments
//! (`parameters`, `variables`, `copyIndex`, `if`, `and`, `or`, `coalesce`, lambdas and
//! the functions taking them) live in [`crate::arm::eval`].
//!
//! Conventions: [`call`] returns `Ok(value)` (which may be an unknown propagated from an
//! argument) or `Err(reason)` for a problem found here (a type error, or a value that only
//! exists at deployment time); the evaluator turns `Err` into [`Val::Unknown`].
//!
//! Hashing: `uniqueString()` and `guid()` are deterministic (same inputs, same output) and
//! have Azure's shapes (13 lowercase base32 characters; a GUID), but they are NOT the
//! values Azure computes (Azure uses a MurmurHash64 variant; we use FNV-1a mixed with
//! SplitMix64). Compare them only with each other.

use crate::arm::eval::DeploymentContext;
use crate::arm::value::{Unknown, Val};
use std::cmp::Ordering;

/// What `deployment().properties.templateLink.uri` gives: the template's own location,
/// so that a link relative to it (`uri(base, 'nested/x.json')`) names a file of the
/// scan. The resolver reads a link under this prefix as a path relative to the linking
/// template ([`self_relative`]).
pub const SELF_URI: &str = "https://aksgate.invalid/template-itself/azuredeploy.json";

/// The path relative to the linking template that a link built on [`SELF_URI`] names
/// (its query, a SAS token, dropped), or `None` for any other URI.
pub fn self_relative(uri: &str) -> Option<&str> {
    let base = SELF_URI.rsplit_once('/').map_or(SELF_URI, |(b, _)| b);
    let rest = uri.strip_prefix(base)?.strip_prefix('/')?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    (!rest.is_empty()).then_some(rest)
}

/// Longest string a function may produce (bytes).
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// Most elements an array (or entries an object) produced by a function may have.
pub const MAX_ARRAY_LEN: usize = 100_000;
/// Largest total size ([`weight`]) of a value produced by, or passed to, a function.
pub const MAX_WEIGHT: usize = 8_000_000;
/// Largest `count` accepted by `range()` (ARM's own limit).
pub const MAX_RANGE: i64 = 10_000;

type R = Result<Val, String>;

/// Functions whose value exists only at deployment time.
pub fn is_deployment_time(lower: &str) -> bool {
    matches!(
        lower,
        "reference"
            | "newguid"
            | "utcnow"
            | "pickzones"
            | "providers"
            | "deployer"
            | "getsecret"
            | "externalinput"
            | "extensions"
    ) || lower.starts_with("list")
}

/// Deepest nesting of arrays/objects a function may produce.
pub const MAX_VALUE_DEPTH: usize = 512;

/// Rough size of a value: one per node plus string and key bytes. Stops counting past
/// `cap`; a value nested deeper than [`MAX_VALUE_DEPTH`] weighs `usize::MAX`.
pub fn weight(v: &Val, cap: usize) -> usize {
    fn go(v: &Val, acc: &mut usize, cap: usize, depth: usize) {
        if *acc > cap {
            return;
        }
        if depth > MAX_VALUE_DEPTH {
            *acc = usize::MAX;
            return;
        }
        *acc += 1;
        match v {
            Val::Str(s) => *acc += s.len(),
            Val::Array(a) => {
                for x in a {
                    go(x, acc, cap, depth + 1);
                }
            }
            Val::Object(o) => {
                for (k, x) in o {
                    *acc = acc.saturating_add(k.len());
                    go(x, acc, cap, depth + 1);
                }
            }
            _ => {}
        }
    }
    let mut acc = 0;
    go(v, &mut acc, cap, 0);
    acc
}

/// Checks a function result against the output limits; its [`weight`] when it holds.
pub fn check_result(name: &str, v: &Val) -> Result<usize, String> {
    match v {
        Val::Str(s) if s.len() > MAX_STRING_BYTES => {
            return Err(format!(
                "{name}() result exceeds the limit of {MAX_STRING_BYTES} bytes"
            ))
        }
        Val::Array(a) if a.len() > MAX_ARRAY_LEN => {
            return Err(format!(
                "{name}() result exceeds the limit of {MAX_ARRAY_LEN} elements"
            ))
        }
        Val::Object(o) if o.len() > MAX_ARRAY_LEN => {
            return Err(format!(
                "{name}() result exceeds the limit of {MAX_ARRAY_LEN} properties"
            ))
        }
        _ => {}
    }
    let w = weight(v, MAX_WEIGHT);
    if w > MAX_WEIGHT {
        return Err(format!(
            "{name}() result is too large or nested more than {MAX_VALUE_DEPTH} levels deep"
        ));
    }
    Ok(w)
}

/// The first unknown anywhere inside `v` (depth-first).
pub fn find_unknown(v: &Val) -> Option<&Unknown> {
    match v {
        Val::Unknown(u) => Some(u),
        Val::Array(a) => a.iter().find_map(find_unknown),
        Val::Object(o) => o.iter().find_map(|(_, x)| find_unknown(x)),
        _ => None,
    }
}

/// Deep equality as ARM's `equals()`: numbers by value (1 == 1.0), strings
/// case-sensitively, arrays element-wise, objects by key set (keys compared
/// case-insensitively, order ignored) and values. Unknowns are never equal.
pub fn deep_equals(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Int(x), Val::Float(y)) | (Val::Float(y), Val::Int(x)) => (*x as f64) == *y,
        (Val::Float(x), Val::Float(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Array(x), Val::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_equals(p, q))
        }
        (Val::Object(x), Val::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| match b.get(k) {
                    Some(w) => deep_equals(v, w),
                    None => false,
                })
        }
        _ => false,
    }
}

/// Renders a scalar the way `concat()`/`format()` embed it: strings bare, integers in
/// decimal, booleans as .NET does (`True`/`False`), null as the empty string, arrays and
/// objects as compact JSON.
pub fn display_string(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Bool(true) => "True".to_string(),
        Val::Bool(false) => "False".to_string(),
        Val::Null => String::new(),
        Val::Unknown(u) => format!("{} (unknown)", u.expr),
        other => other.to_json().to_string(),
    }
}

fn ordinal(i: usize) -> String {
    format!("argument {}", i + 1)
}

fn arity(name: &str, args: &[Val], min: usize, max: usize) -> Result<(), String> {
    let n = args.len();
    if n < min || n > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        let s = if want == "1" { "" } else { "s" };
        return Err(format!("{name}() expects {want} argument{s}, got {n}"));
    }
    Ok(())
}

fn type_err(name: &str, i: usize, want: &str, got: &Val) -> String {
    format!(
        "{name}() expects {want} as {}, got {}",
        ordinal(i),
        got.type_name()
    )
}

fn s_arg<'v>(name: &str, args: &'v [Val], i: usize) -> Result<&'v str, String> {
    match &args[i] {
        Val::Str(s) => Ok(s),
        other => Err(type_err(name, i, "a string", other)),
    }
}

fn as_int(v: &Val) -> Option<i64> {
    match v {
        Val::Int(i) => Some(*i),
        Val::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Some(*f as i64),
        _ => None,
    }
}

fn i_arg(name: &str, args: &[Val], i: usize) -> Result<i64, String> {
    as_int(&args[i]).ok_or_else(|| type_err(name, i, "an integer", &args[i]))
}

fn b_arg(name: &str, args: &[Val], i: usize) -> Result<bool, String> {
    match &args[i] {
        Val::Bool(b) => Ok(*b),
        other => Err(type_err(name, i, "a bool", other)),
    }
}

fn a_arg<'v>(name: &str, args: &'v [Val], i: usize) -> Result<&'v [Val], String> {
    match &args[i] {
        Val::Array(a) => Ok(a),
        other => Err(type_err(name, i, "an array", other)),
    }
}

fn o_arg<'v>(name: &str, args: &'v [Val], i: usize) -> Result<&'v [(String, Val)], String> {
    match &args[i] {
        Val::Object(o) => Ok(o),
        other => Err(type_err(name, i, "an object", other)),
    }
}

fn unknown_val(u: &Unknown) -> Val {
    Val::Unknown(Box::new(u.clone()))
}

/// Functions that need every argument fully known (not just at the top level).
fn needs_deep(lower: &str) -> bool {
    matches!(
        lower,
        "equals"
            | "contains"
            | "string"
            | "union"
            | "intersection"
            | "uniquestring"
            | "guid"
            | "indexof"
            | "lastindexof"
            | "format"
            | "min"
            | "max"
            | "join"
            | "less"
            | "lessorequals"
            | "greater"
            | "greaterorequals"
            | "resourceid"
            | "subscriptionresourceid"
            | "tenantresourceid"
            | "extensionresourceid"
            | "managementgroupresourceid"
    )
}

/// Functions whose result is a container of their arguments, so an unknown argument
/// only makes one element unknown.
fn structural(lower: &str) -> bool {
    matches!(lower, "createarray" | "array")
}

/// Names of the functions [`call`] implements (lowercase). The evaluator adds its own
/// special forms (see [`crate::arm::eval::SPECIAL_FORMS`]).
pub const FUNCTIONS: &[&str] = &[
    "add",
    "aksgate.unknown",
    "array",
    "base64",
    "base64tojson",
    "base64tostring",
    "bool",
    "concat",
    "contains",
    "createarray",
    "createobject",
    "datauri",
    "datauritostring",
    "deployment",
    "div",
    "empty",
    "endswith",
    "environment",
    "equals",
    "extensionresourceid",
    "false",
    "first",
    "flatten",
    "float",
    "format",
    "greater",
    "greaterorequals",
    "guid",
    "indexfromend",
    "indexof",
    "int",
    "intersection",
    "items",
    "join",
    "json",
    "last",
    "lastindexof",
    "length",
    "less",
    "lessorequals",
    "managementgroup",
    "managementgroupresourceid",
    "max",
    "min",
    "mod",
    "mul",
    "not",
    "null",
    "objectkeys",
    "padleft",
    "range",
    "replace",
    "resourcegroup",
    "resourceid",
    "shallowmerge",
    "skip",
    "split",
    "startswith",
    "string",
    "sub",
    "subscription",
    "subscriptionresourceid",
    "substring",
    "take",
    "tenant",
    "tenantresourceid",
    "toupper",
    "tolower",
    "trim",
    "true",
    "tryget",
    "union",
    "uniquestring",
    "uri",
    "uricomponent",
    "uricomponenttostring",
];

/// Calls function `lower` (lowercase name) with evaluated arguments.
pub fn call(lower: &str, args: Vec<Val>, dc: &DeploymentContext) -> R {
    if is_deployment_time(lower) {
        return Err(format!("{lower}() is only known at deployment time"));
    }
    if !structural(lower) {
        if let Some(u) = args.iter().find(|a| a.is_unknown()) {
            return Ok(u.clone());
        }
    }
    // Merging objects keeps unknown members as members; only array union compares values.
    let object_union = lower == "union" && matches!(args.first(), Some(Val::Object(_)));
    if needs_deep(lower) && !object_union {
        if let Some(u) = args.iter().find_map(find_unknown) {
            return Ok(unknown_val(u));
        }
    }
    let total = args
        .iter()
        .fold(0usize, |acc, a| acc.saturating_add(weight(a, MAX_WEIGHT)));
    if total > MAX_WEIGHT {
        return Err(format!("{lower}() arguments are too large"));
    }
    let n = lower;
    let a = &args[..];
    match lower {
        // ---- front ends: a value a front end (Terraform) could not know, written into
        // the template it lowers to, with the source expression and the reason.
        "aksgate.unknown" => {
            arity(n, a, 2, 2)?;
            Ok(Val::unknown(s_arg(n, a, 0)?, s_arg(n, a, 1)?))
        }

        // ---- literals
        "null" => arity(n, a, 0, 0).map(|_| Val::Null),
        "true" => arity(n, a, 0, 0).map(|_| Val::Bool(true)),
        "false" => arity(n, a, 0, 0).map(|_| Val::Bool(false)),

        // ---- comparison and logic
        "equals" => {
            arity(n, a, 2, 2)?;
            Ok(Val::Bool(deep_equals(&a[0], &a[1])))
        }
        "not" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Bool(!b_arg(n, a, 0)?))
        }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            arity(n, a, 2, 2)?;
            let ord = compare(n, &a[0], &a[1])?;
            Ok(Val::Bool(match lower {
                "less" => ord == Ordering::Less,
                "lessorequals" => ord != Ordering::Greater,
                "greater" => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }

        // ---- numeric
        "add" | "sub" | "mul" | "div" | "mod" => {
            arity(n, a, 2, 2)?;
            let x = i_arg(n, a, 0)?;
            let y = i_arg(n, a, 1)?;
            let r = match lower {
                "add" => x.checked_add(y),
                "sub" => x.checked_sub(y),
                "mul" => x.checked_mul(y),
                _ if y == 0 => return Err(format!("{lower}() division by zero")),
                "div" => x.checked_div(y),
                _ => x.checked_rem(y),
            };
            r.map(Val::Int)
                .ok_or_else(|| format!("{lower}() integer overflow"))
        }
        "min" | "max" => {
            arity(n, a, 1, usize::MAX)?;
            let items: &[Val] = match (a.len(), &a[0]) {
                (1, Val::Array(x)) => x,
                _ => a,
            };
            if items.is_empty() {
                return Err(format!("{lower}() of an empty array"));
            }
            let mut best = &items[0];
            for it in items {
                if !matches!(it, Val::Int(_) | Val::Float(_)) {
                    return Err(format!("{lower}() expects integers, got {}", it.type_name()));
                }
                let ord = compare(n, it, best)?;
                if (lower == "min" && ord == Ordering::Less)
                    || (lower == "max" && ord == Ordering::Greater)
                {
                    best = it;
                }
            }
            Ok(best.clone())
        }
        "range" => {
            arity(n, a, 2, 2)?;
            let start = i_arg(n, a, 0)?;
            let count = i_arg(n, a, 1)?;
            if count < 0 {
                return Err("range() count must not be negative".into());
            }
            if count > MAX_RANGE {
                return Err(format!("range count exceeds {MAX_RANGE}"));
            }
            if start.checked_add(count).is_none_or(|e| e > i64::from(i32::MAX) + 1) {
                return Err("range() start + count exceeds 2147483647".into());
            }
            Ok(Val::Array((start..start + count).map(Val::Int).collect()))
        }

        // ---- conversion
        "string" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(match &a[0] {
                Val::Str(s) => s.clone(),
                v @ (Val::Array(_) | Val::Object(_)) => v.to_json().to_string(),
                v => display_string(v),
            }))
        }
        "int" => {
            arity(n, a, 1, 1)?;
            match &a[0] {
                Val::Int(i) => Ok(Val::Int(*i)),
                Val::Float(f) if f.is_finite() && f.abs() < 9.0e18 => {
                    Ok(Val::Int(f.round_ties_even() as i64))
                }
                Val::Str(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Val::Int)
                    .map_err(|_| format!("int() cannot convert '{s}' to an integer")),
                other => Err(type_err(n, 0, "a string or number", other)),
            }
        }
        "float" => {
            arity(n, a, 1, 1)?;
            match &a[0] {
                Val::Int(i) => Ok(Val::Float(*i as f64)),
                Val::Float(f) => Ok(Val::Float(*f)),
                Val::Str(s) => match s.trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => Ok(Val::Float(f)),
                    _ => Err(format!("float() cannot convert '{s}' to a number")),
                },
                other => Err(type_err(n, 0, "a string or number", other)),
            }
        }
        "bool" => {
            arity(n, a, 1, 1)?;
            match &a[0] {
                Val::Bool(b) => Ok(Val::Bool(*b)),
                Val::Int(i) => Ok(Val::Bool(*i != 0)),
                Val::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Val::Bool(true)),
                Val::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Val::Bool(false)),
                Val::Str(s) => Err(format!("bool() cannot convert '{s}' to a bool")),
                other => Err(type_err(n, 0, "a string, int or bool", other)),
            }
        }
        "json" => {
            arity(n, a, 1, 1)?;
            let s = s_arg(n, a, 0)?;
            serde_json::from_str::<serde_json::Value>(s)
                .map(|v| Val::from_json(&v))
                .map_err(|e| format!("json() invalid JSON: {e}"))
        }
        "array" => {
            arity(n, a, 1, 1)?;
            Ok(match &a[0] {
                Val::Array(x) => Val::Array(x.clone()),
                Val::Unknown(_) => a[0].clone(),
                other => Val::Array(vec![other.clone()]),
            })
        }
        "createarray" => Ok(Val::Array(args)),
        "createobject" => {
            if a.len() % 2 != 0 {
                return Err("createObject() expects an even number of arguments (key, value pairs)".into());
            }
            let mut out: Vec<(String, Val)> = Vec::with_capacity(a.len() / 2);
            for (i, pair) in a.chunks(2).enumerate() {
                let k = s_arg(n, a, i * 2)?;
                if out.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                    return Err(format!("createObject() duplicate key '{k}'"));
                }
                out.push((k.to_string(), pair[1].clone()));
            }
            Ok(Val::Object(out))
        }
        "base64" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(base64_encode(s_arg(n, a, 0)?.as_bytes())))
        }
        "base64tostring" | "base64tojson" => {
            arity(n, a, 1, 1)?;
            let bytes = base64_decode(s_arg(n, a, 0)?)
                .ok_or_else(|| format!("{lower}() argument is not valid base64"))?;
            let s = String::from_utf8_lossy(&bytes).into_owned();
            if lower == "base64tojson" {
                serde_json::from_str::<serde_json::Value>(&s)
                    .map(|v| Val::from_json(&v))
                    .map_err(|e| format!("base64ToJson() invalid JSON: {e}"))
            } else {
                Ok(Val::Str(s))
            }
        }
        "datauri" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(format!(
                "data:text/plain;charset=utf8;base64,{}",
                base64_encode(s_arg(n, a, 0)?.as_bytes())
            )))
        }
        "datauritostring" => {
            arity(n, a, 1, 1)?;
            let s = s_arg(n, a, 0)?;
            let (meta, data) = s
                .strip_prefix("data:")
                .and_then(|r| r.split_once(','))
                .ok_or("dataUriToString() argument is not a data URI")?;
            if meta.ends_with(";base64") {
                let bytes =
                    base64_decode(data).ok_or("dataUriToString() invalid base64 data")?;
                Ok(Val::Str(String::from_utf8_lossy(&bytes).into_owned()))
            } else {
                Ok(Val::Str(percent_decode(data)))
            }
        }
        "uricomponent" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(percent_encode(s_arg(n, a, 0)?)))
        }
        "uricomponenttostring" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(percent_decode(s_arg(n, a, 0)?)))
        }
        "uri" => {
            arity(n, a, 2, 2)?;
            uri_combine(s_arg(n, a, 0)?, s_arg(n, a, 1)?).map(Val::Str)
        }

        // ---- strings
        "concat" => concat(args),
        "format" => {
            arity(n, a, 1, usize::MAX)?;
            format_net(s_arg(n, a, 0)?, &a[1..]).map(Val::Str)
        }
        "tolower" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(s_arg(n, a, 0)?.to_lowercase()))
        }
        "toupper" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(s_arg(n, a, 0)?.to_uppercase()))
        }
        "trim" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Str(s_arg(n, a, 0)?.trim().to_string()))
        }
        "replace" => {
            arity(n, a, 3, 3)?;
            let s = s_arg(n, a, 0)?;
            let old = s_arg(n, a, 1)?;
            let new = s_arg(n, a, 2)?;
            if old.is_empty() {
                return Err("replace() the string to replace must not be empty".into());
            }
            let count = s.matches(old).count();
            if s.len() + count.saturating_mul(new.len()) > MAX_STRING_BYTES {
                return Err(format!("replace() result exceeds the limit of {MAX_STRING_BYTES} bytes"));
            }
            Ok(Val::Str(s.replace(old, new)))
        }
        "split" => {
            arity(n, a, 2, 2)?;
            let s = s_arg(n, a, 0)?;
            let delims: Vec<&str> = match &a[1] {
                Val::Str(d) => vec![d.as_str()],
                Val::Array(ds) => {
                    let mut v = Vec::new();
                    for d in ds {
                        match d {
                            Val::Str(d) => v.push(d.as_str()),
                            other => {
                                return Err(format!(
                                    "split() delimiters must be strings, got {}",
                                    other.type_name()
                                ))
                            }
                        }
                    }
                    v
                }
                other => return Err(type_err(n, 1, "a string or array of strings", other)),
            };
            Ok(Val::Array(split_multi(s, &delims).into_iter().map(Val::Str).collect()))
        }
        "join" => {
            arity(n, a, 2, 2)?;
            let items = a_arg(n, a, 0)?;
            let delim = s_arg(n, a, 1)?;
            let mut parts = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Val::Array(_) | Val::Object(_) => {
                        return Err(format!(
                            "join() elements must be strings, integers or bools, got {}",
                            it.type_name()
                        ))
                    }
                    v => parts.push(display_string(v)),
                }
            }
            let total: usize = parts.iter().map(String::len).sum::<usize>()
                + delim.len() * parts.len();
            if total > MAX_STRING_BYTES {
                return Err(format!("join() result exceeds the limit of {MAX_STRING_BYTES} bytes"));
            }
            Ok(Val::Str(parts.join(delim)))
        }
        "substring" => {
            arity(n, a, 2, 3)?;
            let s = s_arg(n, a, 0)?;
            let chars: Vec<char> = s.chars().collect();
            let start = i_arg(n, a, 1)?;
            if start < 0 || start as usize > chars.len() {
                return Err(format!(
                    "substring() start index {start} is outside the string (length {})",
                    chars.len()
                ));
            }
            let start = start as usize;
            let len = if a.len() == 3 {
                let l = i_arg(n, a, 2)?;
                if l < 0 || start + l as usize > chars.len() {
                    return Err(format!(
                        "substring() start {start} and length {l} are outside the string (length {})",
                        chars.len()
                    ));
                }
                l as usize
            } else {
                chars.len() - start
            };
            Ok(Val::Str(chars[start..start + len].iter().collect()))
        }
        "startswith" | "endswith" => {
            arity(n, a, 2, 2)?;
            let s = s_arg(n, a, 0)?.to_lowercase();
            let p = s_arg(n, a, 1)?.to_lowercase();
            Ok(Val::Bool(if lower == "startswith" {
                s.starts_with(&p)
            } else {
                s.ends_with(&p)
            }))
        }
        "indexof" | "lastindexof" => {
            arity(n, a, 2, 2)?;
            let last = lower == "lastindexof";
            match &a[0] {
                Val::Str(s) => {
                    let needle = match &a[1] {
                        Val::Str(x) => x.clone(),
                        other => return Err(type_err(n, 1, "a string", other)),
                    };
                    Ok(Val::Int(str_index_of(s, &needle, last)))
                }
                Val::Array(items) => {
                    let pos = if last {
                        items.iter().rposition(|x| deep_equals(x, &a[1]))
                    } else {
                        items.iter().position(|x| deep_equals(x, &a[1]))
                    };
                    Ok(Val::Int(pos.map_or(-1, |p| p as i64)))
                }
                other => Err(type_err(n, 0, "a string or array", other)),
            }
        }
        "padleft" => {
            arity(n, a, 2, 3)?;
            let s = match &a[0] {
                Val::Str(s) => s.clone(),
                Val::Int(i) => i.to_string(),
                other => return Err(type_err(n, 0, "a string or integer", other)),
            };
            let total = i_arg(n, a, 1)?;
            if total < 0 || total as usize > MAX_STRING_BYTES {
                return Err(format!("padLeft() total length {total} is out of range"));
            }
            let pad = if a.len() == 3 {
                let p = s_arg(n, a, 2)?;
                let mut it = p.chars();
                match (it.next(), it.next()) {
                    (Some(c), None) => c,
                    _ => return Err("padLeft() padding must be a single character".into()),
                }
            } else {
                ' '
            };
            let have = s.chars().count();
            let mut out: String = std::iter::repeat_n(pad, (total as usize).saturating_sub(have))
                .collect();
            out.push_str(&s);
            Ok(Val::Str(out))
        }
        "uniquestring" | "guid" => {
            arity(n, a, 1, usize::MAX)?;
            let mut parts = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                parts.push(s_arg(n, a, i)?);
            }
            let joined = parts.join("-");
            if lower == "guid" {
                Ok(Val::Str(guid_of(&joined)))
            } else {
                Ok(Val::Str(unique_string_of(&joined)))
            }
        }

        // ---- networking (IPv4 only)
        "parsecidr" => {
            arity(n, a, 1, 1)?;
            let (addr, bits) = parse_cidr(n, s_arg(n, a, 0)?)?;
            let mask = prefix_mask(bits);
            let network = addr & mask;
            let broadcast = network | !mask;
            let (first, last) = if bits >= 31 {
                (network, broadcast)
            } else {
                (network + 1, broadcast - 1)
            };
            Ok(Val::Object(vec![
                kv("network", s(ipv4(network))),
                kv("netmask", s(ipv4(mask))),
                kv("broadcast", s(ipv4(broadcast))),
                kv("firstUsable", s(ipv4(first))),
                kv("lastUsable", s(ipv4(last))),
                kv("cidr", Val::Int(i64::from(bits))),
            ]))
        }
        "cidrsubnet" => {
            arity(n, a, 3, 3)?;
            let (addr, bits) = parse_cidr(n, s_arg(n, a, 0)?)?;
            let new_bits = i_arg(n, a, 1)?;
            let index = i_arg(n, a, 2)?;
            if new_bits < i64::from(bits) || new_bits > 32 {
                return Err(format!(
                    "cidrSubnet() new prefix length {new_bits} must be between {bits} and 32"
                ));
            }
            let new_bits = new_bits as u32;
            let count = 1u64 << (new_bits - bits);
            if index < 0 || index as u64 >= count {
                return Err(format!(
                    "cidrSubnet() subnet index {index} is out of range (0 to {})",
                    count - 1
                ));
            }
            let base = u64::from(addr & prefix_mask(bits));
            let size = 1u64 << (32 - new_bits);
            let net = (base + index as u64 * size) as u32;
            Ok(Val::Str(format!("{}/{new_bits}", ipv4(net))))
        }
        "cidrhost" => {
            arity(n, a, 2, 2)?;
            let (addr, bits) = parse_cidr(n, s_arg(n, a, 0)?)?;
            let index = i_arg(n, a, 1)?;
            let network = u64::from(addr & prefix_mask(bits));
            let size = 1u64 << (32 - bits);
            // Host 0 is the first usable address (the one after the network address).
            let usable = if bits >= 31 { size } else { size - 2 };
            let offset = if bits >= 31 { 0 } else { 1 };
            if index < 0 || index as u64 >= usable {
                return Err(format!(
                    "cidrHost() host index {index} is out of range for a /{bits} network"
                ));
            }
            Ok(Val::Str(ipv4((network + offset + index as u64) as u32)))
        }

        // ---- collections
        "length" => {
            arity(n, a, 1, 1)?;
            match &a[0] {
                Val::Str(s) => Ok(Val::Int(s.chars().count() as i64)),
                Val::Array(x) => Ok(Val::Int(x.len() as i64)),
                Val::Object(o) => Ok(Val::Int(o.len() as i64)),
                other => Err(type_err(n, 0, "a string, array or object", other)),
            }
        }
        "empty" => {
            arity(n, a, 1, 1)?;
            match &a[0] {
                Val::Null => Ok(Val::Bool(true)),
                Val::Str(s) => Ok(Val::Bool(s.is_empty())),
                Val::Array(x) => Ok(Val::Bool(x.is_empty())),
                Val::Object(o) => Ok(Val::Bool(o.is_empty())),
                other => Err(type_err(n, 0, "a string, array or object", other)),
            }
        }
        "contains" => {
            arity(n, a, 2, 2)?;
            match &a[0] {
                Val::Str(s) => match &a[1] {
                    Val::Str(x) => Ok(Val::Bool(s.contains(x.as_str()))),
                    v @ (Val::Int(_) | Val::Float(_) | Val::Bool(_)) => {
                        Ok(Val::Bool(s.contains(&display_string(v))))
                    }
                    other => Err(type_err(n, 1, "a string", other)),
                },
                Val::Array(items) => Ok(Val::Bool(items.iter().any(|x| deep_equals(x, &a[1])))),
                Val::Object(_) => match &a[1] {
                    Val::Str(k) => Ok(Val::Bool(a[0].get(k).is_some())),
                    other => Err(type_err(n, 1, "a string key", other)),
                },
                other => Err(type_err(n, 0, "a string, array or object", other)),
            }
        }
        "first" | "last" => {
            arity(n, a, 1, 1)?;
            let first = lower == "first";
            match &a[0] {
                Val::Array(x) => Ok(if first { x.first() } else { x.last() }
                    .cloned()
                    .unwrap_or(Val::Null)),
                Val::Str(s) => Ok(Val::Str(
                    if first { s.chars().next() } else { s.chars().next_back() }
                        .map(String::from)
                        .unwrap_or_default(),
                )),
                other => Err(type_err(n, 0, "a string or array", other)),
            }
        }
        "skip" | "take" => {
            arity(n, a, 2, 2)?;
            let k = i_arg(n, a, 1)?.max(0) as usize;
            let skip = lower == "skip";
            match &a[0] {
                Val::Array(x) => {
                    let k = k.min(x.len());
                    Ok(Val::Array(if skip { x[k..].to_vec() } else { x[..k].to_vec() }))
                }
                Val::Str(s) => Ok(Val::Str(if skip {
                    s.chars().skip(k).collect()
                } else {
                    s.chars().take(k).collect()
                })),
                other => Err(type_err(n, 0, "a string or array", other)),
            }
        }
        "indexfromend" => {
            arity(n, a, 2, 2)?;
            let x = a_arg(n, a, 0)?;
            let k = i_arg(n, a, 1)?;
            if k < 1 || k as usize > x.len() {
                return Err(format!(
                    "indexFromEnd() index {k} is out of range (array length {})",
                    x.len()
                ));
            }
            Ok(x[x.len() - k as usize].clone())
        }
        "union" => {
            arity(n, a, 1, usize::MAX)?;
            // A `null` argument adds nothing (an undeclared reference evaluates to null,
            // and the rest of the union is still worth knowing).
            let kept: Vec<Val> = a.iter().filter(|v| !matches!(v, Val::Null)).cloned().collect();
            if kept.is_empty() {
                return Ok(Val::Null);
            }
            let a = &kept[..];
            match &a[0] {
                Val::Array(_) => {
                    let mut out: Vec<Val> = Vec::new();
                    for i in 0..a.len() {
                        for it in a_arg(n, a, i)? {
                            if !out.iter().any(|x| deep_equals(x, it)) {
                                out.push(it.clone());
                            }
                        }
                    }
                    Ok(Val::Array(out))
                }
                Val::Object(_) => {
                    let mut out: Vec<(String, Val)> = Vec::new();
                    for i in 0..a.len() {
                        deep_merge(&mut out, o_arg(n, a, i)?);
                    }
                    Ok(Val::Object(out))
                }
                other => Err(type_err(n, 0, "an array or object", other)),
            }
        }
        "intersection" => {
            arity(n, a, 2, usize::MAX)?;
            match &a[0] {
                Val::Array(first) => {
                    let mut rest = Vec::new();
                    for i in 1..a.len() {
                        rest.push(a_arg(n, a, i)?);
                    }
                    let mut out: Vec<Val> = Vec::new();
                    for it in first {
                        if rest.iter().all(|r| r.iter().any(|x| deep_equals(x, it)))
                            && !out.iter().any(|x| deep_equals(x, it))
                        {
                            out.push(it.clone());
                        }
                    }
                    Ok(Val::Array(out))
                }
                Val::Object(first) => {
                    for i in 1..a.len() {
                        o_arg(n, a, i)?;
                    }
                    let out = first
                        .iter()
                        .filter(|(k, v)| {
                            a[1..].iter().all(|o| o.get(k).is_some_and(|w| deep_equals(v, w)))
                        })
                        .cloned()
                        .collect();
                    Ok(Val::Object(out))
                }
                other => Err(type_err(n, 0, "an array or object", other)),
            }
        }
        "shallowmerge" => {
            arity(n, a, 1, 1)?;
            let mut out: Vec<(String, Val)> = Vec::new();
            for it in a_arg(n, a, 0)? {
                match it {
                    Val::Object(o) => {
                        for (k, v) in o {
                            set_key(&mut out, k, v.clone());
                        }
                    }
                    Val::Unknown(_) => return Ok(it.clone()),
                    other => {
                        return Err(format!(
                            "shallowMerge() expects an array of objects, found {}",
                            other.type_name()
                        ))
                    }
                }
            }
            Ok(Val::Object(out))
        }
        "flatten" => {
            arity(n, a, 1, 1)?;
            let mut out = Vec::new();
            for it in a_arg(n, a, 0)? {
                match it {
                    Val::Array(x) => out.extend(x.iter().cloned()),
                    Val::Unknown(_) => return Ok(it.clone()),
                    other => {
                        return Err(format!(
                            "flatten() expects an array of arrays, found {}",
                            other.type_name()
                        ))
                    }
                }
                if out.len() > MAX_ARRAY_LEN {
                    return Err(format!("flatten() result exceeds the limit of {MAX_ARRAY_LEN} elements"));
                }
            }
            Ok(Val::Array(out))
        }
        "objectkeys" => {
            arity(n, a, 1, 1)?;
            Ok(Val::Array(
                o_arg(n, a, 0)?
                    .iter()
                    .map(|(k, _)| Val::Str(k.clone()))
                    .collect(),
            ))
        }
        "items" => {
            arity(n, a, 1, 1)?;
            let mut entries: Vec<&(String, Val)> = o_arg(n, a, 0)?.iter().collect();
            entries.sort_by(|x, y| {
                x.0.to_lowercase()
                    .cmp(&y.0.to_lowercase())
                    .then_with(|| x.0.cmp(&y.0))
            });
            Ok(Val::Array(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        Val::Object(vec![
                            ("key".to_string(), Val::Str(k.clone())),
                            ("value".to_string(), v.clone()),
                        ])
                    })
                    .collect(),
            ))
        }
        "tryget" => {
            arity(n, a, 2, usize::MAX)?;
            let mut cur = &a[0];
            for key in &a[1..] {
                let next = match (cur, key) {
                    (Val::Object(_), Val::Str(k)) => cur.get(k),
                    (Val::Array(x), k) => as_int(k)
                        .filter(|i| *i >= 0)
                        .and_then(|i| x.get(i as usize)),
                    _ => None,
                };
                match next {
                    Some(v) if v.is_unknown() => return Ok(v.clone()),
                    Some(v) => cur = v,
                    None => return Ok(Val::Null),
                }
            }
            Ok(cur.clone())
        }

        // ---- deployment scope
        "resourcegroup" => {
            arity(n, a, 0, 0)?;
            Ok(resource_group_obj(dc))
        }
        "subscription" => {
            arity(n, a, 0, 0)?;
            Ok(Val::Object(vec![
                kv("id", s(format!("/subscriptions/{}", dc.subscription_id))),
                kv("subscriptionId", s(&dc.subscription_id)),
                kv("tenantId", s(&dc.tenant_id)),
                kv("displayName", dt("subscription().displayName")),
            ]))
        }
        "tenant" => {
            arity(n, a, 0, 0)?;
            Ok(Val::Object(vec![
                kv("tenantId", s(&dc.tenant_id)),
                kv("countryCode", dt("tenant().countryCode")),
                kv("displayName", dt("tenant().displayName")),
            ]))
        }
        "managementgroup" => {
            arity(n, a, 0, 0)?;
            Ok(Val::Object(vec![
                kv(
                    "id",
                    s("/providers/Microsoft.Management/managementGroups/{managementgroup}"),
                ),
                kv("name", s("{managementgroup}")),
                kv("type", s("/providers/Microsoft.Management/managementGroups")),
                kv("properties", dt("managementGroup().properties")),
            ]))
        }
        "deployment" => {
            arity(n, a, 0, 0)?;
            // `properties.templateLink.uri` is where the template itself is: the
            // quickstart convention `uri(deployment().properties.templateLink.uri,
            // 'nested/x.json')` names a file beside it, which the resolver finds in the
            // scan ([`SELF_URI`]). The rest of the properties are known only to ARM.
            Ok(Val::Object(vec![
                kv("name", s(&dc.deployment_name)),
                kv("location", known_location(dc, "deployment().location")),
                kv(
                    "properties",
                    Val::Object(vec![
                        kv(
                            "templateLink",
                            Val::Object(vec![
                                kv("uri", s(SELF_URI)),
                                kv("id", dt("deployment().properties.templateLink.id")),
                            ]),
                        ),
                        kv("parameters", dt("deployment().properties.parameters")),
                        kv("mode", dt("deployment().properties.mode")),
                        kv("provisioningState", dt("deployment().properties.provisioningState")),
                    ]),
                ),
            ]))
        }
        "environment" => {
            arity(n, a, 0, 0)?;
            Ok(environment_obj())
        }
        "resourceid" => {
            let (scope, rest) = split_scope_args(n, a, 2)?;
            let (sub, rg) = match scope.len() {
                0 => (dc.subscription_id.clone(), dc.resource_group.clone()),
                1 => (dc.subscription_id.clone(), scope[0].clone()),
                _ => (scope[0].clone(), scope[1].clone()),
            };
            let tail = provider_path(n, rest)?;
            Ok(Val::Str(format!(
                "/subscriptions/{sub}/resourceGroups/{rg}/providers/{tail}"
            )))
        }
        "subscriptionresourceid" => {
            let (scope, rest) = split_scope_args(n, a, 1)?;
            let sub = scope.first().cloned().unwrap_or_else(|| dc.subscription_id.clone());
            let tail = provider_path(n, rest)?;
            Ok(Val::Str(format!("/subscriptions/{sub}/providers/{tail}")))
        }
        "tenantresourceid" => {
            let (_, rest) = split_scope_args(n, a, 0)?;
            Ok(Val::Str(format!("/providers/{}", provider_path(n, rest)?)))
        }
        "managementgroupresourceid" => {
            let (scope, rest) = split_scope_args(n, a, 1)?;
            let mg = scope
                .first()
                .cloned()
                .unwrap_or_else(|| "{managementgroup}".to_string());
            Ok(Val::Str(format!(
                "/providers/Microsoft.Management/managementGroups/{mg}/providers/{}",
                provider_path(n, rest)?
            )))
        }
        "extensionresourceid" => {
            arity(n, a, 3, usize::MAX)?;
            let base = s_arg(n, a, 0)?.trim_end_matches('/');
            Ok(Val::Str(format!(
                "{base}/providers/{}",
                provider_path(n, &a[1..])?
            )))
        }

        "lambda" | "lambdavariables" => Err(format!(
            "{lower}() can only be used inside filter(), map(), reduce(), sort(), toObject(), mapValues() or groupBy()"
        )),
        _ if lower.contains('.') => Err(format!(
            "user-defined function '{lower}' is not supported"
        )),
        _ => Err(format!("unsupported function '{lower}'")),
    }
}

fn kv(k: &str, v: Val) -> (String, Val) {
    (k.to_string(), v)
}

fn s(x: impl Into<String>) -> Val {
    Val::Str(x.into())
}

fn dt(what: &str) -> Val {
    Val::unknown(what, format!("{what} is only known at deployment time"))
}

/// The deployment's region when the caller knows it; unknown while it is the placeholder.
fn known_location(dc: &DeploymentContext, what: &str) -> Val {
    if dc.location == DeploymentContext::default().location {
        dt(what)
    } else {
        s(&dc.location)
    }
}

fn resource_group_obj(dc: &DeploymentContext) -> Val {
    Val::Object(vec![
        kv(
            "id",
            s(format!(
                "/subscriptions/{}/resourceGroups/{}",
                dc.subscription_id, dc.resource_group
            )),
        ),
        kv("name", s(&dc.resource_group)),
        kv("type", s("Microsoft.Resources/resourceGroups")),
        // The resource group's region is chosen when deploying, not in the template:
        // a placeholder here would be taken for a real region.
        kv("location", known_location(dc, "resourceGroup().location")),
        kv("tags", dt("resourceGroup().tags")),
        kv("managedBy", dt("resourceGroup().managedBy")),
        kv(
            "properties",
            Val::Object(vec![kv("provisioningState", s("Succeeded"))]),
        ),
    ])
}

fn environment_obj() -> Val {
    Val::Object(vec![
        kv("name", s("AzureCloud")),
        kv("gallery", s("https://gallery.azure.com/")),
        kv("graph", s("https://graph.windows.net/")),
        kv("portal", s("https://portal.azure.com")),
        kv("graphAudience", s("https://graph.windows.net/")),
        kv("activeDirectoryDataLake", s("https://datalake.azure.net/")),
        kv("batch", s("https://batch.core.windows.net/")),
        kv("media", s("https://rest.media.azure.net")),
        kv(
            "sqlManagement",
            s("https://management.core.windows.net:8443/"),
        ),
        kv(
            "vmImageAliasDoc",
            s("https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json"),
        ),
        kv("resourceManager", s("https://management.azure.com/")),
        kv(
            "authentication",
            Val::Object(vec![
                kv("loginEndpoint", s("https://login.microsoftonline.com/")),
                kv(
                    "audiences",
                    Val::Array(vec![
                        s("https://management.core.windows.net/"),
                        s("https://management.azure.com/"),
                    ]),
                ),
                kv("tenant", s("common")),
                kv("identityProvider", s("AAD")),
            ]),
        ),
        kv(
            "suffixes",
            Val::Object(vec![
                kv("acrLoginServer", s(".azurecr.io")),
                kv(
                    "azureDatalakeAnalyticsCatalogAndJob",
                    s("azuredatalakeanalytics.net"),
                ),
                kv("azureDatalakeStoreFileSystem", s("azuredatalakestore.net")),
                kv("azureFrontDoorEndpointSuffix", s("azurefd.net")),
                kv("keyvaultDns", s(".vault.azure.net")),
                kv("sqlServerHostname", s(".database.windows.net")),
                kv("storage", s("core.windows.net")),
            ]),
        ),
    ])
}

/// Splits resourceId-style arguments into leading scope arguments (at most `max_scope`)
/// and the rest (type, names...). The resource type is the first argument containing '/'.
fn split_scope_args<'v>(
    name: &str,
    a: &'v [Val],
    max_scope: usize,
) -> Result<(Vec<String>, &'v [Val]), String> {
    for i in 0..a.len() {
        s_arg(name, a, i)?;
    }
    let type_pos = a
        .iter()
        .position(|v| v.as_str().is_some_and(|t| t.contains('/')))
        .ok_or_else(|| {
            format!("{name}() needs a resource type such as 'Microsoft.Network/virtualNetworks'")
        })?;
    if type_pos > max_scope {
        return Err(format!(
            "{name}() takes at most {max_scope} scope argument(s) before the resource type, got {type_pos}"
        ));
    }
    let scope = a[..type_pos]
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    Ok((scope, &a[type_pos..]))
}

/// `Namespace/t1/t2`, `n1`, `n2` -> `Namespace/t1/n1/t2/n2`.
fn provider_path(name: &str, rest: &[Val]) -> Result<String, String> {
    let ty = rest
        .first()
        .and_then(Val::as_str)
        .ok_or_else(|| format!("{name}() needs a resource type"))?;
    let mut segs = ty.split('/');
    let ns = segs.next().unwrap_or_default();
    let types: Vec<&str> = segs.collect();
    if ns.is_empty() || types.is_empty() || types.iter().any(|t| t.is_empty()) {
        return Err(format!("{name}() invalid resource type '{ty}'"));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, v) in rest.iter().enumerate().skip(1) {
        let nm = v.as_str().ok_or_else(|| type_err(name, i, "a string", v))?;
        names.extend(nm.split('/'));
    }
    if names.len() != types.len() {
        return Err(format!(
            "{name}() resource type '{ty}' needs {} name segment(s), got {}",
            types.len(),
            names.len()
        ));
    }
    let mut out = ns.to_string();
    for (t, nm) in types.iter().zip(names) {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(nm);
    }
    Ok(out)
}

fn parse_cidr(name: &str, text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{name}() '{text}' is not an IPv4 CIDR range (IPv6 is not supported)");
    let (ip, bits) = text.trim().split_once('/').ok_or_else(bad)?;
    let bits: u32 = bits.parse().map_err(|_| bad())?;
    if bits > 32 {
        return Err(bad());
    }
    let octets: Vec<&str> = ip.split('.').collect();
    if octets.len() != 4 {
        return Err(bad());
    }
    let mut addr = 0u32;
    for o in octets {
        let v: u8 = o.parse().map_err(|_| bad())?;
        addr = (addr << 8) | u32::from(v);
    }
    Ok((addr, bits))
}

fn prefix_mask(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    }
}

fn ipv4(a: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        a >> 24,
        (a >> 16) & 255,
        (a >> 8) & 255,
        a & 255
    )
}

fn compare(name: &str, x: &Val, y: &Val) -> Result<Ordering, String> {
    match (x, y) {
        (Val::Int(p), Val::Int(q)) => Ok(p.cmp(q)),
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => {
            let p = match x {
                Val::Int(i) => *i as f64,
                Val::Float(f) => *f,
                _ => 0.0,
            };
            let q = match y {
                Val::Int(i) => *i as f64,
                Val::Float(f) => *f,
                _ => 0.0,
            };
            p.partial_cmp(&q)
                .ok_or_else(|| format!("{name}() cannot compare NaN"))
        }
        (Val::Str(p), Val::Str(q)) => Ok(p.cmp(q)),
        _ => Err(format!(
            "{name}() can only compare two integers or two strings, got {} and {}",
            x.type_name(),
            y.type_name()
        )),
    }
}

fn set_key(out: &mut Vec<(String, Val)>, k: &str, v: Val) {
    match out.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(k)) {
        Some(slot) => slot.1 = v,
        None => out.push((k.to_string(), v)),
    }
}

/// Deep merge: later values win; when both sides are objects they are merged recursively.
fn deep_merge(out: &mut Vec<(String, Val)>, add: &[(String, Val)]) {
    for (k, v) in add {
        match out.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(k)) {
            Some(slot) => match (&mut slot.1, v) {
                (Val::Object(existing), Val::Object(more)) => deep_merge(existing, more),
                (slot_v, _) => *slot_v = v.clone(),
            },
            None => out.push((k.clone(), v.clone())),
        }
    }
}

fn concat(args: Vec<Val>) -> R {
    if args.iter().any(|a| matches!(a, Val::Array(_))) {
        let mut out = Vec::new();
        for (i, a) in args.into_iter().enumerate() {
            match a {
                Val::Array(x) => out.extend(x),
                Val::Null => {}
                other => {
                    return Err(format!(
                        "concat() cannot mix arrays and {}s (argument {})",
                        other.type_name(),
                        i + 1
                    ))
                }
            }
            if out.len() > MAX_ARRAY_LEN {
                return Err(format!(
                    "concat() result exceeds the limit of {MAX_ARRAY_LEN} elements"
                ));
            }
        }
        return Ok(Val::Array(out));
    }
    let mut out = String::new();
    for a in &args {
        if let Val::Object(_) = a {
            return Err("concat() cannot concatenate an object".into());
        }
        out.push_str(&display_string(a));
        if out.len() > MAX_STRING_BYTES {
            return Err(format!(
                "concat() result exceeds the limit of {MAX_STRING_BYTES} bytes"
            ));
        }
    }
    Ok(Val::Str(out))
}

/// .NET composite formatting: `{0}`, `{1,-5}` (alignment honoured), `{0:N2}` (format
/// spec ignored: the value is rendered as by `concat()`), `{{`/`}}` escapes.
fn format_net(fmt: &str, args: &[Val]) -> Result<String, String> {
    let mut out = String::new();
    let mut it = fmt.char_indices().peekable();
    while let Some((pos, c)) = it.next() {
        match c {
            '{' if it.peek().map(|p| p.1) == Some('{') => {
                it.next();
                out.push('{');
            }
            '}' if it.peek().map(|p| p.1) == Some('}') => {
                it.next();
                out.push('}');
            }
            '{' => {
                let rest = &fmt[pos + 1..];
                let end = rest
                    .find('}')
                    .ok_or_else(|| format!("format() unclosed '{{' at position {pos}"))?;
                let spec = &rest[..end];
                for _ in 0..spec.chars().count() + 1 {
                    it.next();
                }
                let (head, _fmt_spec) = spec.split_once(':').unwrap_or((spec, ""));
                let (idx, align) = match head.split_once(',') {
                    Some((i, al)) => (
                        i,
                        al.trim()
                            .parse::<i64>()
                            .map_err(|_| format!("format() invalid alignment in '{{{spec}}}'"))?,
                    ),
                    None => (head, 0),
                };
                let idx: usize = idx
                    .trim()
                    .parse()
                    .map_err(|_| format!("format() invalid placeholder '{{{spec}}}'"))?;
                let v = args.get(idx).ok_or_else(|| {
                    format!(
                        "format() placeholder {{{idx}}} has no argument ({} given)",
                        args.len()
                    )
                })?;
                let text = display_string(v);
                let width = align.unsigned_abs().min(MAX_STRING_BYTES as u64) as usize;
                let pad = width.saturating_sub(text.chars().count());
                if align > 0 {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(&text);
                } else {
                    out.push_str(&text);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            '}' => return Err(format!("format() unmatched '}}' at position {pos}")),
            c => out.push(c),
        }
        if out.len() > MAX_STRING_BYTES {
            return Err(format!(
                "format() result exceeds the limit of {MAX_STRING_BYTES} bytes"
            ));
        }
    }
    Ok(out)
}

/// .NET `String.Split(string[], None)`: splits at the earliest match; at one position the
/// first listed delimiter wins; empty delimiters are ignored; empty parts are kept.
fn split_multi(s: &str, delims: &[&str]) -> Vec<String> {
    let delims: Vec<&str> = delims.iter().copied().filter(|d| !d.is_empty()).collect();
    if delims.is_empty() {
        return vec![s.to_string()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        if !s.is_char_boundary(i) {
            i += 1;
            continue;
        }
        if let Some(d) = delims.iter().find(|d| s[i..].starts_with(**d)) {
            out.push(s[start..i].to_string());
            i += d.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(s[start..].to_string());
    out
}

/// Case-insensitive (ARM) index of `needle` in `s`, in characters; -1 when absent.
fn str_index_of(s: &str, needle: &str, last: bool) -> i64 {
    let hay: Vec<char> = s.chars().flat_map(char::to_lowercase).collect();
    let nd: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    // Lowercasing may change lengths for a few non-ASCII characters; positions are then
    // approximate, which is acceptable for template checks.
    if nd.len() > hay.len() {
        return -1;
    }
    let positions = 0..=hay.len() - nd.len();
    let hit = |p: &usize| hay[*p..*p + nd.len()] == nd[..];
    let found = if last {
        positions.rev().find(hit)
    } else {
        positions.into_iter().find(hit)
    };
    found.map_or(-1, |p| p as i64)
}

fn uri_combine(base: &str, rel: &str) -> Result<String, String> {
    let scheme_end = base
        .find("://")
        .ok_or_else(|| format!("uri() base '{base}' is not an absolute URI"))?;
    if rel.contains("://") {
        return Ok(rel.to_string());
    }
    let after = scheme_end + 3;
    let authority_end = base[after..].find('/').map_or(base.len(), |i| after + i);
    if let Some(r) = rel.strip_prefix('/') {
        return Ok(format!("{}/{}", &base[..authority_end], r));
    }
    // Drop query/fragment of the base, then everything after its last '/'.
    let path_end = base[authority_end..]
        .find(['?', '#'])
        .map_or(base.len(), |i| authority_end + i);
    let base = &base[..path_end];
    match base[authority_end..].rfind('/') {
        Some(i) => Ok(format!("{}{}", &base[..authority_end + i + 1], rel)),
        None => Ok(format!("{base}/{rel}")),
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(B64[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if s.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (ci, chunk) in s.chunks(4).enumerate() {
        let last = ci == s.len() / 4 - 1;
        let mut v = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let d = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if last && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            v = (v << 6) | u32::from(d);
        }
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

fn fnv1a(data: &[u8], seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix(h)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 13 lowercase base32 characters derived from `input` (not Azure's value, see module docs).
pub fn unique_string_of(input: &str) -> String {
    const ALPHA: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let h = (u128::from(fnv1a(input.as_bytes(), 0)) << 64)
        | u128::from(fnv1a(input.as_bytes(), 0x5bd1_e995));
    (0..13)
        .map(|i| ALPHA[((h >> (123 - 5 * i)) & 31) as usize] as char)
        .collect()
}

/// A GUID-shaped (version 5 style) string derived from `input` (not Azure's value).
pub fn guid_of(input: &str) -> String {
    let hi = fnv1a(input.as_bytes(), 0x1234_5678_9abc_def0);
    let lo = fnv1a(input.as_bytes(), 0x0fed_cba9_8765_4321);
    let hi = (hi & !0xf000) | 0x5000; // version nibble
    let lo = (lo & !(0xc000 << 48)) | (0x8000 << 48); // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_roundtrip() {
        for s in ["", "a", "ab", "abc", "abcd", "héllo wörld"] {
            let e = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&e).unwrap(), s.as_bytes(), "{e}");
        }
        assert_eq!(base64_encode(b"one, two, three"), "b25lLCB0d28sIHRocmVl");
        assert!(base64_decode("abc").is_none());
        assert!(base64_decode("a=bc").is_none());
    }

    #[test]
    fn hashes_are_stable_and_shaped() {
        let u = unique_string_of("x");
        assert_eq!(u.len(), 13);
        assert!(u
            .chars()
            .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c)));
        assert_eq!(u, unique_string_of("x"));
        assert_ne!(u, unique_string_of("y"));
        let g = guid_of("x");
        assert_eq!(g.len(), 36);
        assert_eq!(g.as_bytes()[14], b'5');
        assert_ne!(g, guid_of("y"));
    }

    #[test]
    fn split_and_uri() {
        assert_eq!(split_multi("a,b;;c", &[",", ";"]), vec!["a", "b", "", "c"]);
        assert_eq!(split_multi("abc", &[""]), vec!["abc"]);
        assert_eq!(
            uri_combine("http://contoso.org/firstpath", "myscript.sh").unwrap(),
            "http://contoso.org/myscript.sh"
        );
        assert_eq!(
            uri_combine("http://contoso.org/firstpath/", "myscript.sh").unwrap(),
            "http://contoso.org/firstpath/myscript.sh"
        );
        assert_eq!(
            uri_combine("http://contoso.org", "myscript.sh").unwrap(),
            "http://contoso.org/myscript.sh"
        );
        assert_eq!(
            uri_combine("http://contoso.org/a/b", "/c").unwrap(),
            "http://contoso.org/c"
        );
    }

    #[test]
    fn percent_coding() {
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(percent_decode("a%20b%2F%C3%A9"), "a b/é");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
