fn main() {
    std::process::exit(aksgate::cli::main());
}
