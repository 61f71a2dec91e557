//! The ARM expression parser and evaluator: any template string evaluates to a value or
//! an unknown, never a panic, a hang or unbounded growth.
#![no_main]
use aksgate::arm::eval::{eval_string, Context};
use aksgate::arm::value::Val;
use libfuzzer_sys::fuzz_target;

struct Ctx;

impl Context for Ctx {
    fn parameter(&mut self, name: &str) -> Option<Val> {
        match name {
            "s" => Some(Val::Str("kubenet".into())),
            "n" => Some(Val::Int(3)),
            "a" => Some(Val::Array(vec![Val::Int(1), Val::Str("x".into())])),
            "o" => Some(Val::Object(vec![("k".into(), Val::Str("v".into()))])),
            "u" => Some(Val::unknown("[parameters('u')]", "not set")),
            _ => None,
        }
    }
    fn variable(&mut self, name: &str) -> Option<Val> {
        self.parameter(name)
    }
    fn copy_index(&self, _loop_name: Option<&str>) -> Option<i64> {
        Some(1)
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = eval_string(s, &mut Ctx);
        let _ = eval_string(&format!("[{s}]"), &mut Ctx);
    }
});
