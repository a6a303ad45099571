//! `pvsim run --gdb PORT`: waits for gdb on 127.0.0.1:PORT, then runs the machine under
//! its control (pv-hypervisor's stub, `pv_hypervisor::gdb`). When gdb detaches, the
//! program runs on to its end; when gdb kills it, the run fails.

use std::cell::Cell;
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};

use pv_hypervisor::gdb::{GdbEnd, serve};
use pv_hypervisor::{Machine, Outcome};

use crate::cmd::run::GuestFailure;
use crate::error::CliError;

/// The exit status of a run that ended with `outcome` after the console saw `status`
/// (the `EXIT: STATUS=` line), as `pvsim run` exits with it.
pub fn exit_status(outcome: &Outcome, status: Option<u32>) -> u8 {
    if !outcome.is_clean() {
        return GuestFailure::Machine(*outcome).exit_code();
    }
    match status {
        None | Some(1) => 0,
        Some(status) => GuestFailure::Reported { status }.exit_code(),
    }
}

/// Listens on 127.0.0.1:`port`, announces it on stderr, serves one gdb session and
/// returns how the machine ended.
pub fn run(
    machine: &mut Machine,
    port: u16,
    status: &Cell<Option<u32>>,
) -> Result<Outcome, CliError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(|source| CliError::GdbListen { port, source })?;
    let port = listener.local_addr().map_err(|source| CliError::GdbListen { port, source })?.port();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "waiting for gdb on 127.0.0.1:{port}");
    let _ = err.flush();
    drop(err);
    let (conn, _) = listener.accept().map_err(|source| CliError::GdbListen { port, source })?;
    drop(listener);
    let mut code = |o: &Outcome| exit_status(o, status.get());
    match serve(machine, conn, &mut code)? {
        GdbEnd::Ended(outcome) => Ok(outcome),
        GdbEnd::Detached => Ok(machine.run()),
        GdbEnd::Killed => Err(CliError::GdbKilled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_match_pvsim_run() {
        assert_eq!(exit_status(&Outcome::AllStopped, None), 0);
        assert_eq!(exit_status(&Outcome::AllStopped, Some(1)), 0);
        assert_eq!(exit_status(&Outcome::AllStopped, Some(3)), 3);
        assert_eq!(exit_status(&Outcome::Shutdown { cpu: 0 }, Some(0)), 1);
        assert_eq!(exit_status(&Outcome::InstructionLimit { executed: 9 }, None), 124);
        assert_eq!(exit_status(&Outcome::Idle, None), 1);
    }
}
