//! Makes the template stores under `fuzz/template/` and writes the seed inputs under
//! `fuzz/corpus/<target>/seed-<name>`, replacing what was there:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`. The seeds refer to the
//! templates (the agreement, its document), so the two are made together.

fn main() -> std::io::Result<()> {
    let template = coachline_fuzz::template_dir();
    if template.exists() {
        std::fs::remove_dir_all(&template)?;
    }
    std::fs::create_dir_all(&template)?;
    coachline_fuzz::make_templates(&template);
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, name, bytes) in coachline_fuzz::seeds() {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
    }
    Ok(())
}
