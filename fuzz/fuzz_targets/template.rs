//! Whole-template resolution: any JSON text that parses is classified, resolved with the
//! ARM evaluator and turned into a policy input, never a panic.
#![no_main]
use aksgate::classify::{classify, Kind};
use aksgate::resolve::arm_eval::ArmEvaluator;
use aksgate::resolve::{resolve_template, NoLinks};
use aksgate::source::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = aksgate::json::parse(text) else { return };
    let kind = match classify(&doc.root) {
        Kind::Template(s) => Kind::Template(s),
        _ => Kind::Template(aksgate::classify::Scope::ResourceGroup),
    };
    let mut sources = Sources::default();
    let file = sources.add("t.json".into(), text.into());
    let mut eval = ArmEvaluator::new(file, &doc.root, Default::default());
    let unit = resolve_template(&doc.root, file, kind, &mut eval, &NoLinks);
    let network = aksgate::network::build(&unit);
    let _ = aksgate::input::build(&unit, &sources, &network, &Default::default());
});
