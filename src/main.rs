fn main() -> std::process::ExitCode {
    reel::main()
}
