//! Terraform's built-in functions, as AKS modules use them. Where Terraform and ARM
//! agree (lower/upper, length, contains, concat, split/join with their arguments in
//! ARM's order, replace, jsondecode, base64, cidrsubnet) the ARM implementation in
//! [`crate::arm::functions`] does the work; the rest is written here. A function not
//! listed is an unknown value naming it (AKS900 when a rule needs it), never a guess.

use super::eval::{entries, equal, err, is_err, num_val, to_string, Eval, ERR};
use crate::arm::eval::DeploymentContext;
use crate::arm::functions::{self as arm, check_result, find_unknown, MAX_ARRAY_LEN};
use crate::arm::value::Val;
use hcl_edit::expr::Expression;

/// Functions whose value depends on the machine, the clock or files outside the
/// configuration: unknown, with this reason.
fn not_evaluated(name: &str) -> Option<&'static str> {
    Some(match name {
        "file" | "filebase64" | "templatefile" | "fileexists" | "fileset" | "filemd5"
        | "filesha256" | "filebase64sha256" | "abspath" => "reads files, which aksgate does not",
        "timestamp" | "plantimestamp" | "uuid" | "bcrypt" | "uuidv5" => {
            "is only known when Terraform runs"
        }
        _ => return None,
    })
}

pub(crate) fn call(
    ev: &mut Eval,
    whole: &Expression,
    name: &str,
    args: &[&Expression],
    expand: bool,
) -> Val {
    let text = ev.text(whole);
    if name == super::plan::AFTER_APPLY {
        // A plan's value known only after apply, named by its address.
        let at = args.first().map(|a| ev.eval(a));
        if let Some(Val::Str(address)) = at {
            return Val::unknown(
                address,
                "is known only after apply (the plan's after_unknown)",
            );
        }
    }
    if name.contains("::") {
        return Val::unknown(text, format!("provider function {name}() is not evaluated"));
    }
    if let Some(why) = not_evaluated(name) {
        return Val::unknown(text, format!("{name}() {why}"));
    }
    // Lazy ones first: their errors are values, not failures.
    match name {
        "try" => {
            let mut last = err(&text, "try(): no argument evaluated without an error");
            for a in args {
                let v = ev.eval(a);
                if !is_err(&v) && !deep_err(&v) {
                    return v;
                }
                last = v;
            }
            return last;
        }
        "can" => {
            if args.len() != 1 {
                return err(text, "can() takes one argument");
            }
            let v = ev.eval(args[0]);
            if is_err(&v) || deep_err(&v) {
                return Val::Bool(false);
            }
            if v.contains_unknown() {
                return Val::unknown(text, "can() of a value known only after apply");
            }
            return Val::Bool(true);
        }
        _ => {}
    }
    let mut vals: Vec<Val> = args.iter().map(|a| ev.eval(a)).collect();
    if expand {
        match vals.pop() {
            Some(Val::Array(items)) => vals.extend(items),
            Some(u @ Val::Unknown(_)) => return u,
            Some(_) => return err(text, "only a list can be expanded with ..."),
            None => {}
        }
    }
    let out = builtin(name, &text, vals);
    match &out {
        Val::Unknown(_) => out,
        v => match check_result(name, v) {
            Ok(_) => out,
            Err(m) => err(text, m),
        },
    }
}

fn deep_err(v: &Val) -> bool {
    find_unknown(v).is_some_and(|u| u.reason.starts_with(ERR))
}

/// Functions that take their arguments apart without needing every part known.
fn structural(name: &str) -> bool {
    matches!(
        name,
        "merge"
            | "lookup"
            | "coalesce"
            | "coalescelist"
            | "concat"
            | "element"
            | "tolist"
            | "toset"
            | "tomap"
            | "one"
            | "length"
            | "keys"
            | "values"
            | "flatten"
            | "compact"
            | "slice"
            | "reverse"
            | "zipmap"
    )
}

/// An ARM function on the same arguments (already in ARM's order).
fn via_arm(name: &str, text: &str, args: Vec<Val>) -> Val {
    match arm::call(name, args, &DeploymentContext::default()) {
        Ok(v) => v,
        Err(m) => err(text, m),
    }
}

fn list_arg(v: &Val) -> Option<&[Val]> {
    match v {
        Val::Array(a) => Some(a),
        _ => None,
    }
}

fn int_arg(v: &Val) -> Option<i64> {
    match v {
        Val::Int(i) => Some(*i),
        Val::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        Val::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn float_arg(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        Val::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn builtin(name: &str, text: &str, a: Vec<Val>) -> Val {
    if let Some(u) = if structural(name) {
        a.iter().find(|v| v.is_unknown() && !is_err(v))
    } else {
        a.iter()
            .find_map(|v| find_unknown(v).filter(|u| !u.reason.starts_with(ERR)))
            .map(|_| a.iter().find(|v| v.contains_unknown()).expect("found"))
    } {
        let reason = find_unknown(u).map(|x| format!("{} is unknown: {}", x.expr, x.reason));
        return Val::unknown(text, reason.unwrap_or_default());
    }
    if let Some(e) = a.iter().find(|v| is_err(v)) {
        return e.clone();
    }
    let n = a.len();
    let bad = |what: &str| err(text, format!("{name}(): {what}"));
    match name {
        "lower" | "upper" if n == 1 => via_arm(
            if name == "lower" {
                "tolower"
            } else {
                "toupper"
            },
            text,
            a,
        ),
        "length" if n == 1 => match &a[0] {
            Val::Str(s) => Val::Int(s.chars().count() as i64),
            Val::Array(x) => Val::Int(x.len() as i64),
            Val::Object(o) => Val::Int(o.len() as i64),
            _ => bad("needs a string or a collection"),
        },
        "contains" if n == 2 => match &a[0] {
            Val::Array(x) => Val::Bool(x.iter().any(|v| equal(v, &a[1]))),
            _ => bad("needs a list"),
        },
        "concat" => {
            let mut out = Vec::new();
            for v in &a {
                match v {
                    Val::Array(x) => out.extend(x.iter().cloned()),
                    Val::Null => {}
                    _ => return bad("needs lists"),
                }
                if out.len() > MAX_ARRAY_LEN {
                    return bad("result too long");
                }
            }
            Val::Array(out)
        }
        "split" if n == 2 => {
            let mut a = a;
            a.swap(0, 1);
            via_arm("split", text, a)
        }
        "join" if n == 2 => {
            let mut a = a;
            a.swap(0, 1);
            via_arm("join", text, a)
        }
        "replace" if n == 3 => match &a[1] {
            Val::Str(s) if s.len() > 1 && s.starts_with('/') && s.ends_with('/') => Val::unknown(
                text,
                "replace() with a regular expression is not evaluated yet",
            ),
            _ => via_arm("replace", text, a),
        },
        "startswith" | "endswith" if n == 2 => via_arm(name, text, a),
        "trimspace" if n == 1 => via_arm("trim", text, a),
        "jsondecode" if n == 1 => via_arm("json", text, a),
        "base64encode" if n == 1 => via_arm("base64", text, a),
        "base64decode" if n == 1 => via_arm("base64tostring", text, a),
        "jsonencode" if n == 1 => Val::Str(a[0].to_json().to_string()),
        "cidrsubnet" if n == 3 => {
            let (Some(prefix), Some(newbits)) = (a[0].as_str(), int_arg(&a[1])) else {
                return bad("needs a CIDR prefix and a number");
            };
            let bits: i64 = match prefix.rsplit_once('/').and_then(|(_, b)| b.parse().ok()) {
                Some(b) => b,
                None => return bad("needs a CIDR prefix"),
            };
            via_arm(
                "cidrsubnet",
                text,
                vec![a[0].clone(), Val::Int(bits + newbits), a[2].clone()],
            )
        }
        "merge" => {
            let mut out: Vec<(String, Val)> = Vec::new();
            for v in &a {
                match v {
                    Val::Object(o) => {
                        for (k, x) in o {
                            out.retain(|(k2, _)| k2 != k);
                            out.push((k.clone(), x.clone()));
                        }
                    }
                    Val::Null => {}
                    _ => return bad("needs maps or objects"),
                }
            }
            Val::Object(out)
        }
        "lookup" if n == 2 || n == 3 => {
            let key = to_string(&a[1]).unwrap_or_default();
            match &a[0] {
                Val::Object(o) => match o.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.clone(),
                    None if n == 3 => a[2].clone(),
                    None => bad(&format!("no key '{key}'")),
                },
                _ => bad("needs a map"),
            }
        }
        "coalesce" => a
            .iter()
            .find(|v| !matches!(v, Val::Null) && v.as_str() != Some(""))
            .cloned()
            .unwrap_or_else(|| bad("no non-null, non-empty argument")),
        "coalescelist" => a
            .iter()
            .find(|v| list_arg(v).is_some_and(|x| !x.is_empty()))
            .cloned()
            .unwrap_or(Val::Array(Vec::new())),
        "element" if n == 2 => match (list_arg(&a[0]), int_arg(&a[1])) {
            (Some(x), Some(i)) if !x.is_empty() && i >= 0 => x[(i as usize) % x.len()].clone(),
            _ => bad("needs a non-empty list and an index"),
        },
        "one" if n == 1 => match list_arg(&a[0]) {
            Some([]) => Val::Null,
            Some([x]) => x.clone(),
            _ => bad("needs a list of at most one element"),
        },
        "tostring" if n == 1 => match &a[0] {
            Val::Null => Val::Null,
            v => to_string(v)
                .map(Val::Str)
                .unwrap_or_else(|| bad("not a primitive")),
        },
        "tonumber" if n == 1 => match &a[0] {
            Val::Null => Val::Null,
            v => float_arg(v)
                .map(num_val)
                .unwrap_or_else(|| bad("not a number")),
        },
        "tobool" if n == 1 => match &a[0] {
            Val::Bool(b) => Val::Bool(*b),
            Val::Str(s) if s == "true" || s == "false" => Val::Bool(s == "true"),
            Val::Null => Val::Null,
            _ => bad("not a bool"),
        },
        "tolist" | "toset" if n == 1 => match &a[0] {
            Val::Array(x) if name == "toset" => Val::Array(distinct(x)),
            Val::Array(_) | Val::Null => a[0].clone(),
            _ => bad("needs a list or set"),
        },
        "tomap" if n == 1 => match &a[0] {
            Val::Object(_) | Val::Null => a[0].clone(),
            _ => bad("needs a map"),
        },
        "keys" | "values" if n == 1 => match entries(&a[0]) {
            Some(e) if matches!(a[0], Val::Object(_)) => Val::Array(
                e.into_iter()
                    .map(|(k, v)| if name == "keys" { k } else { v })
                    .collect(),
            ),
            _ => bad("needs a map or object"),
        },
        "distinct" if n == 1 => match list_arg(&a[0]) {
            Some(x) => Val::Array(distinct(x)),
            None => bad("needs a list"),
        },
        "flatten" if n == 1 => {
            let mut out = Vec::new();
            if let Some(u) = find_unknown(&a[0]) {
                return Val::unknown(text, format!("{} is unknown: {}", u.expr, u.reason));
            }
            if !flatten(&a[0], &mut out, 0) {
                return bad("needs a list (of lists)");
            }
            Val::Array(out)
        }
        "compact" if n == 1 => match list_arg(&a[0]) {
            Some(x) => Val::Array(
                x.iter()
                    .filter(|v| !matches!(v, Val::Null) && v.as_str() != Some(""))
                    .cloned()
                    .collect(),
            ),
            None => bad("needs a list"),
        },
        "zipmap" if n == 2 => match (list_arg(&a[0]), list_arg(&a[1])) {
            (Some(k), Some(v)) if k.len() == v.len() => Val::Object(
                k.iter()
                    .zip(v)
                    .map(|(k, v)| (to_string(k).unwrap_or_default(), v.clone()))
                    .collect(),
            ),
            _ => bad("needs two lists of one length"),
        },
        "alltrue" | "anytrue" if n == 1 => match list_arg(&a[0]) {
            Some(x) => {
                let t = |v: &Val| matches!(v, Val::Bool(true)) || v.as_str() == Some("true");
                Val::Bool(if name == "alltrue" {
                    x.iter().all(t)
                } else {
                    x.iter().any(t)
                })
            }
            None => bad("needs a list"),
        },
        "range" if (1..=3).contains(&n) => {
            let nums: Option<Vec<f64>> = a.iter().map(float_arg).collect();
            let Some(nums) = nums else {
                return bad("needs numbers");
            };
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => unreachable!("arity checked"),
            };
            if step == 0.0 || ((end - start) / step) > MAX_ARRAY_LEN as f64 {
                return bad("too many elements or a zero step");
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(num_val(x));
                x += step;
            }
            Val::Array(out)
        }
        "index" if n == 2 => match list_arg(&a[0]) {
            Some(x) => match x.iter().position(|v| equal(v, &a[1])) {
                Some(i) => Val::Int(i as i64),
                None => bad("value not in the list"),
            },
            None => bad("needs a list"),
        },
        "slice" if n == 3 => match (list_arg(&a[0]), int_arg(&a[1]), int_arg(&a[2])) {
            (Some(x), Some(s), Some(e)) if 0 <= s && s <= e && (e as usize) <= x.len() => {
                Val::Array(x[s as usize..e as usize].to_vec())
            }
            _ => bad("needs a list and indexes within it"),
        },
        "reverse" if n == 1 => match list_arg(&a[0]) {
            Some(x) => Val::Array(x.iter().rev().cloned().collect()),
            None => bad("needs a list"),
        },
        "sort" if n == 1 => match list_arg(&a[0]) {
            Some(x) => {
                let s: Option<Vec<String>> = x.iter().map(to_string).collect();
                match s {
                    Some(mut s) => {
                        s.sort();
                        Val::Array(s.into_iter().map(Val::Str).collect())
                    }
                    None => bad("needs a list of strings"),
                }
            }
            None => bad("needs a list"),
        },
        "substr" if n == 3 => match (a[0].as_str(), int_arg(&a[1]), int_arg(&a[2])) {
            (Some(s), Some(off), Some(len)) if off >= 0 => {
                let chars = s.chars().skip(off as usize);
                Val::Str(if len < 0 {
                    chars.collect()
                } else {
                    chars.take(len as usize).collect()
                })
            }
            _ => bad("needs a string, an offset and a length"),
        },
        "min" | "max" if n >= 1 => {
            let nums: Option<Vec<f64>> = a.iter().map(float_arg).collect();
            match nums {
                Some(v) => num_val(v.into_iter().fold(
                    if name == "min" {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    },
                    |acc, x| {
                        if name == "min" {
                            acc.min(x)
                        } else {
                            acc.max(x)
                        }
                    },
                )),
                None => bad("needs numbers"),
            }
        }
        "abs" | "ceil" | "floor" if n == 1 => match float_arg(&a[0]) {
            Some(x) => num_val(match name {
                "abs" => x.abs(),
                "ceil" => x.ceil(),
                _ => x.floor(),
            }),
            None => bad("needs a number"),
        },
        "format" if n >= 1 => match a[0].as_str() {
            Some(spec) => format(spec, &a[1..]).unwrap_or_else(|m| bad(&m)),
            None => bad("needs a format string"),
        },
        "title" | "trimprefix" | "trimsuffix" | "trim" | "chomp" | "strrev" => {
            string_fn(name, &a).unwrap_or_else(|| bad("needs strings"))
        }
        _ => Val::unknown(
            text,
            format!("the function {name}() (with {n} arguments) is not evaluated by aksgate yet"),
        ),
    }
}

fn string_fn(name: &str, a: &[Val]) -> Option<Val> {
    let s = a.first()?.as_str()?;
    let arg = |i: usize| a.get(i).and_then(Val::as_str);
    Some(Val::Str(match name {
        "trimprefix" => s.strip_prefix(arg(1)?).unwrap_or(s).to_string(),
        "trimsuffix" => s.strip_suffix(arg(1)?).unwrap_or(s).to_string(),
        "trim" => {
            let cut = arg(1)?;
            s.trim_matches(|c| cut.contains(c)).to_string()
        }
        "chomp" => s.trim_end_matches(['\n', '\r']).to_string(),
        "strrev" => s.chars().rev().collect(),
        _ => {
            let mut up = true;
            s.chars()
                .map(|c| {
                    let o = if up {
                        c.to_uppercase().next().unwrap_or(c)
                    } else {
                        c
                    };
                    up = c.is_whitespace();
                    o
                })
                .collect()
        }
    }))
}

fn distinct(x: &[Val]) -> Vec<Val> {
    let mut out: Vec<Val> = Vec::new();
    for v in x {
        if !out.iter().any(|o| equal(o, v)) {
            out.push(v.clone());
        }
    }
    out
}

fn flatten(v: &Val, out: &mut Vec<Val>, depth: usize) -> bool {
    if depth > 64 || out.len() > MAX_ARRAY_LEN {
        return false;
    }
    match v {
        Val::Array(x) => x.iter().all(|i| match i {
            Val::Array(_) => flatten(i, out, depth + 1),
            // An unknown element may be a list: the result is unknown.
            Val::Unknown(_) => false,
            other => {
                out.push(other.clone());
                true
            }
        }),
        _ => false,
    }
}

/// Terraform's `format`: `%s`, `%d`, `%v`, `%q`, `%f` and `%%` (flags and widths are
/// not read: such a verb is an error, not a wrong string).
fn format(spec: &str, args: &[Val]) -> Result<Val, String> {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars.next().ok_or("a format string ends with %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = args.get(next).ok_or("too few arguments")?;
        next += 1;
        match verb {
            's' | 'v' | 'd' | 'f' => out.push_str(
                &to_string(v)
                    .or_else(|| matches!(verb, 'v').then(|| v.to_json().to_string()))
                    .ok_or("an argument is not a primitive")?,
            ),
            'q' => out
                .push_str(&serde_json::Value::String(to_string(v).unwrap_or_default()).to_string()),
            other => return Err(format!("the verb %{other} is not evaluated yet")),
        }
        if out.len() > arm::MAX_STRING_BYTES {
            return Err("result too long".into());
        }
    }
    Ok(Val::Str(out))
}

#[cfg(test)]
mod tests {
    use super::builtin;
    use crate::arm::value::Val;

    fn s(x: &str) -> Val {
        Val::Str(x.into())
    }

    #[test]
    fn terraform_argument_orders_reach_the_arm_functions() {
        assert_eq!(
            builtin("split", "", vec![s(","), s("a,b")]),
            Val::Array(vec![s("a"), s("b")])
        );
        assert_eq!(
            builtin("join", "", vec![s("-"), Val::Array(vec![s("a"), s("b")])]),
            s("a-b")
        );
        assert_eq!(
            builtin(
                "cidrsubnet",
                "",
                vec![s("10.0.0.0/16"), Val::Int(8), Val::Int(2)]
            ),
            s("10.0.2.0/24")
        );
        assert_eq!(builtin("lower", "", vec![s("UDR")]), s("udr"));
    }

    #[test]
    fn merge_lookup_coalesce_format() {
        let o = |k: &str, v: Val| Val::Object(vec![(k.into(), v)]);
        assert_eq!(
            builtin("merge", "", vec![o("a", Val::Int(1)), o("a", Val::Int(2))]),
            o("a", Val::Int(2))
        );
        assert_eq!(
            builtin("lookup", "", vec![o("a", Val::Int(1)), s("b"), s("d")]),
            s("d")
        );
        assert_eq!(
            builtin("coalesce", "", vec![Val::Null, s(""), s("x")]),
            s("x")
        );
        assert_eq!(
            builtin("format", "", vec![s("%s-%d%%"), s("aks"), Val::Int(3)]),
            s("aks-3%")
        );
    }

    #[test]
    fn an_unknown_function_is_unknown_naming_it() {
        let Val::Unknown(u) = builtin("sha1", "sha1(x)", vec![s("x")]) else {
            panic!("not unknown")
        };
        assert!(u.reason.contains("sha1()"), "{}", u.reason);
        assert!(!u.reason.starts_with(super::ERR));
    }
}
