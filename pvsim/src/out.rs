//! Standard output without panics: `println!` panics when the reader has gone away
//! (`pvsim demo | head`). These helpers return [`CliError::Stdout`] instead, which `main`
//! turns into a quiet exit when the cause is a closed pipe.

use std::io::Write;

use crate::error::CliError;

/// Writes `args` and a newline to standard output.
pub fn line(args: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.write_all(b"\n")).map_err(CliError::Stdout)
}

/// Writes `s` as it is to standard output.
pub fn text(s: &str) -> Result<(), CliError> {
    std::io::stdout().lock().write_all(s.as_bytes()).map_err(CliError::Stdout)
}

/// Flushes standard output.
pub fn flush() -> Result<(), CliError> {
    std::io::stdout().flush().map_err(CliError::Stdout)
}

/// `println!` that returns `Result<(), CliError>` instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
