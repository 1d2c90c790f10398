//! Any bytes, read as a raw answer to any demo challenge, must give a verdict or a typed error.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static DEMO: LazyLock<content::Content> = LazyLock::new(|| content::demo().expect("demo content"));

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(raw) = std::str::from_utf8(rest) else { return };
    let challenge = &DEMO.challenges[usize::from(pick) * 7 % DEMO.challenges.len()];
    if let Ok(response) = engine::answer::Response::parse(challenge.kind, raw) {
        for locale in [content::Locale::Fr, content::Locale::En] {
            let _ = engine::answer::examine(challenge, locale, &response, engine::answer::Context::default());
        }
    }
});
