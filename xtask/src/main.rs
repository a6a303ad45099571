//! Developer tasks for pvsim: `cargo xtask ci` runs every check CI runs, in CI's order;
//! `cargo xtask bench …` runs the benchmarks that measure a peer in the same run.
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
            "interop oracle (needs libssl-dev, pkg-config)",
            cargo().args(["test", "--manifest-path", "oracle/Cargo.toml"]),
        )
        && run(
            "clippy",
            cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        )
        && run(
            "clippy (oracle)",
            cargo().args([
                "clippy",
                "--manifest-path",
                "oracle/Cargo.toml",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        )
        && run("rustfmt", cargo().args(["fmt", "--all", "--check"]))
        && run(
            "rustfmt (oracle)",
            cargo().args(["fmt", "--manifest-path", "oracle/Cargo.toml", "--check"]),
        )
        && run(
            "rustdoc",
            cargo().args(["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"),
        )
}

/// The benchmarks that print a ratio against a peer measured in the same run.
fn bench(what: &str, extra: &[String]) -> bool {
    match what {
        "emu" => {
            // The example also times `pvsim run` when the release binary sits next to it.
            run("build pvsim (release)", cargo().args(["build", "--release", "-p", "pvsim"]))
                && run(
                    "pv-emu and pvsim run vs qemu-system-s390x",
                    cargo()
                        .args(["run", "--release", "-p", "pv-emu", "--example", "bench", "--"])
                        .args(extra),
                )
        }
        "image" => run(
            "pvsim image create vs one SHA-512 stream",
            cargo().args(["bench", "-p", "pvsim", "--bench", "image_create"]),
        ),
        "uv" => run("ultravisor unpack and paging", cargo().args(["bench", "-p", "pv-ultravisor"])),
        "prepare" => run(
            "component preparation and batched XTS",
            cargo().args(["bench", "-p", "pv-header", "--bench", "prepare"]),
        ),
        _ => {
            eprintln!("xtask: unknown benchmark {what:?} (emu, image, uv, prepare)");
            false
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <command>\n  \
         ci                  run the checks CI runs (tests, clippy, fmt, doc)\n  \
         bench emu [--full]  pv-emu against qemu-system-s390x on guests/bench\n  \
         bench image         pvsim image create against one SHA-512 stream\n  \
         bench uv            ultravisor unpack/verify and paging\n  \
         bench prepare       component preparation and batched AES-XTS"
    );
    ExitCode::from(2)
}

fn status(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => status(ci()),
        Some("bench") => match args.get(1) {
            Some(what) => status(bench(what, &args[2..])),
            None => usage(),
        },
        _ => usage(),
    }
}
