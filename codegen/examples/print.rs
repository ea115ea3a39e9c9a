fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "api-spec".into());
    match kdocs_codegen::generate_dir(
        dir.as_ref(),
        &kdocs_codegen::Settings::new()
            .with_runtime_path("crate::runtime")
            .with_client_type("crate::Client"),
    ) {
        Ok(code) => print!("{code}"),
        Err(d) => {
            eprint!("{d}");
            std::process::exit(1)
        }
    }
}
