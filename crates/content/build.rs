//! Rebuilds the crate when the embedded demo referential changes (`include_dir!` cannot tell cargo).

fn main() {
    println!("cargo:rerun-if-changed=../../content");
}
