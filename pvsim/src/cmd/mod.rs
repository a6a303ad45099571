//! One module per command.

pub mod build;
pub mod create;
pub mod demo;
pub mod gdb;
pub mod hkd;
pub mod info;
pub mod run;
pub mod test;

use crate::cli::{Cli, Command, ImageCommand};
use crate::error::CliError;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.cmd {
        Command::Image(ImageCommand::Create(a)) => create::run(&a),
        Command::Image(ImageCommand::Info(a)) => info::run(&a),
        Command::Image(ImageCommand::Test(a)) => test::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Run(a) => run::run(&a),
    }
}

/// Parses a number as pvimg does for `--x-pcf`, `--x-scf`, `--x-psw`: decimal, or
/// hexadecimal with a `0x` prefix.
pub fn parse_u64(option: &'static str, s: &str) -> Result<u64, CliError> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    };
    r.map_err(|_| CliError::BadNumber { option, value: s.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("x", "0x1e000").unwrap(), 0x1e000);
        assert_eq!(parse_u64("x", "42").unwrap(), 42);
        assert!(parse_u64("x", "0xzz").is_err());
        assert!(parse_u64("x", "").is_err());
    }
}
