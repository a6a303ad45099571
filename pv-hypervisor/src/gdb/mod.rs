//! A GDB remote stub (`pvsim run --gdb PORT`) on the `gdbstub` crate: [`arch`] is the
//! s390x architecture (register file and target description, which `gdbstub_arch` does
//! not have), [`GdbTarget`] the target over a [`Machine`], [`serve`] one session over a
//! TCP connection.
//!
//! What gdb sees: one thread per CPU (thread id = CPU address + 1); addresses are
//! the selected CPU's logical addresses (DAT when its PSW has DAT on, then prefixing);
//! `continue`, `stepi` (the other CPUs run on meanwhile), software and hardware
//! breakpoints (both checked by the stub before each instruction; guest storage is
//! never patched), Ctrl-C, `detach` and `kill`. When the machine ends, gdb gets the
//! exit status (`W` packet) computed by the caller's function.

pub mod arch;
mod target;

use std::net::TcpStream;

use gdbstub::stub::{DisconnectReason, GdbStub};

pub use crate::machine::{DebugControl, DebugStop};
use crate::{Error, Machine, Outcome};
pub use target::GdbTarget;

/// How a gdb session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GdbEnd {
    /// The machine ended (gdb was told with a `W` packet).
    Ended(Outcome),
    /// gdb detached or went away; the machine can run on without it.
    Detached,
    /// gdb killed the program.
    Killed,
}

/// Serves one gdb session on `conn` until the machine ends, gdb detaches or kills it.
/// `exit_code` gives the exit status gdb is told when the machine ends.
pub fn serve(
    machine: &mut Machine,
    conn: TcpStream,
    exit_code: &mut dyn FnMut(&Outcome) -> u8,
) -> Result<GdbEnd, Error> {
    let _ = conn.set_nodelay(true);
    let mut target = GdbTarget::new(machine, exit_code);
    let res = GdbStub::new(conn).run_blocking::<target::EventLoop<'_>>(&mut target);
    let ended = target.ended;
    match res {
        Ok(DisconnectReason::Kill) => Ok(GdbEnd::Killed),
        Ok(_) => Ok(ended.map_or(GdbEnd::Detached, GdbEnd::Ended)),
        Err(e) if e.is_connection_error() => {
            let kind = e.into_connection_error().map(|(io, _)| io.kind());
            match kind {
                Some(
                    std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe,
                ) => Ok(ended.map_or(GdbEnd::Detached, GdbEnd::Ended)),
                Some(kind) => Err(Error::GdbConnection { kind }),
                None => Err(Error::GdbProtocol),
            }
        }
        Err(_) => Err(Error::GdbProtocol),
    }
}
