//! Prints the steps `reel drive` takes from a recording (before locating them), as JSON: what
//! `benches/drive.py` hands its hand-written peer so that it types the same texts and loads the
//! same pages. usage: cargo run --release --example drive_steps -- RECORDING
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: drive_steps RECORDING");
        std::process::exit(2);
    };
    let recording = match reel::recording::load(std::path::Path::new(&path), &Default::default()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let steps: Vec<reel::drive::Step> = recording
        .windows
        .iter()
        .flat_map(reel::drive::steps::extract)
        .collect();
    println!("{}", serde_json::to_string(&steps).unwrap_or_default());
}
