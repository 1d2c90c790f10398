//! How long building the index of the demo referential takes (budget: well under 100 ms).

use criterion::{Criterion, criterion_group, criterion_main};

fn load_demo(c: &mut Criterion) {
    let files = content::demo_files();
    c.bench_function("load demo referential (parse + validate + index)", |b| {
        b.iter(|| {
            content::load(std::hint::black_box(&files), content::LoadOptions { require_english: true })
                .expect("demo content is valid")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = load_demo
}
criterion_main!(benches);
