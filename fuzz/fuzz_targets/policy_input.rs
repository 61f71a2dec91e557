//! The policy-input conversion (`engine::input_value`): every JSON document has a
//! regorus value (never an error that would leave a deployment unevaluated), and a
//! value that came from JSON converts back to JSON without error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let value = aksgate::engine::input_value(&doc).expect("every JSON value converts");
    let back = aksgate::engine::result_json(&value).expect("and converts back");
    // Strings, keys, booleans and nulls survive the round trip exactly; numbers keep
    // their value (1.0 may come back as 1).
    if !has_number(&doc) {
        assert_eq!(back, doc);
    }
});

fn has_number(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(_) => true,
        serde_json::Value::Array(a) => a.iter().any(has_number),
        serde_json::Value::Object(m) => m.values().any(has_number),
        _ => false,
    }
}
