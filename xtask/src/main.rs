//! Developer tasks for pvsim: `cargo xtask ci` runs every check CI runs, in CI's order.
//!
//! Tasks that need the s390x cross toolchain or QEMU live here, never in the README's two
//! commands.

use std::process::{Command, ExitCode};

fn run(what: &str, cmd: &mut Command) -> bool {
    eprintln!("xtask: {what}: {cmd:?}");
    match cmd.status() {
        Ok(s) if s.success() => true,
        Ok(s) => {
            eprintln!("xtask: {what} failed ({s})");
            false
        }
        Err(e) => {
            eprintln!("xtask: {what} could not start: {e}");
            false
        }
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The checks of `.ci/run`, in order; stops at the first failure.
fn ci() -> bool {
    run("tests (README command)", cargo().args(["test", "--workspace"]))
        && run(
            "clippy",
            cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        )
        && run("rustfmt", cargo().args(["fmt", "--all", "--check"]))
        && run(
            "rustdoc",
            cargo().args(["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"),
        )
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask <ci>\n  ci    run the checks CI runs (tests, clippy, fmt, doc)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => {
            if ci() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => usage(),
    }
}
