//! `pvsim run`: boots a program on pv-hypervisor's non-secure machine (machine.md), the
//! SCLP console on stdout/stdin, optionally tracing every instruction to stderr. With
//! `--ultravisor` the machine gets pv-ultravisor's model of a z15/z16/z17 preset (its
//! storage sized to the machine's usable memory), and the program is its host.

use std::cell::Cell;
use std::io::{BufWriter, Read, Stderr, Write};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use pv_emu::disasm::{NoSymbols, disassemble};
use pv_hypervisor::host::{Clock, Console, tod_from_unix_micros};
use pv_hypervisor::loader::{BootParams, Kernel};
use pv_hypervisor::machine::secure::{Boxed, SecureHost, secure_layout};
use pv_hypervisor::trace::{InsnEvent, Observer};
use pv_hypervisor::{Facilities, HostUltravisor, Machine, MachineConfig, Outcome, WatchdogAction};

use crate::cli::{RunArgs, UvGeneration, WatchdogArg};
use crate::error::CliError;
use crate::files;

/// Exit status when the instruction limit is reached (as `timeout` does).
const LIMIT_STATUS: u8 = 124;
/// The console line with which kvm-unit-tests-style programs report their result.
const EXIT_PREFIX: &[u8] = b"EXIT: STATUS=";

/// How a run failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestFailure {
    /// The program stopped after printing `EXIT: STATUS=n` with `n` other than 1.
    Reported {
        /// The reported status.
        status: u32,
    },
    /// The machine ended without every CPU stopped.
    Machine(Outcome),
}

impl GuestFailure {
    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Reported { status } => u8::try_from(*status).unwrap_or(u8::MAX).max(1),
            Self::Machine(Outcome::InstructionLimit { .. }) => LIMIT_STATUS,
            Self::Machine(_) => 1,
        }
    }
}

impl std::fmt::Display for GuestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Reported { status } => write!(f, "the program reported EXIT: STATUS={status}"),
            Self::Machine(o) => write!(f, "{o}"),
        }
    }
}

/// Parses a size: a number with an optional K, M, G or T suffix; no suffix means MiB.
pub fn parse_size(s: &str) -> Result<u64, CliError> {
    let t = s.trim();
    let bad = || CliError::BadNumber { option: "--memory", value: s.to_string() };
    let (num, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(bad()),
            };
            (&t[..i], shift)
        }
        _ => (t, 20),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift).ok_or_else(bad)
}

/// The console: guest output to stdout (watching for the `EXIT: STATUS=` line), input
/// from stdin through a reader thread.
struct StdConsole {
    line: Vec<u8>,
    status: Rc<Cell<Option<u32>>>,
    input: Option<Receiver<Vec<u8>>>,
}

impl StdConsole {
    fn new(status: Rc<Cell<Option<u32>>>) -> Self {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Self { line: Vec::new(), status, input: Some(rx) }
    }

    fn watch(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let line = std::mem::take(&mut self.line);
            if let Some(rest) = line.strip_prefix(EXIT_PREFIX) {
                let text = String::from_utf8_lossy(rest);
                if let Ok(n) = text.trim().parse() {
                    self.status.set(Some(n));
                }
            }
        }
    }
}

impl Console for StdConsole {
    fn output(&mut self, bytes: &[u8]) {
        self.watch(bytes);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    fn poll_input(&mut self) -> Option<Vec<u8>> {
        match self.input.as_ref()?.try_recv() {
            Ok(b) => Some(b),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.input = None;
                None
            }
        }
    }

    fn wait_input(&mut self) -> Option<Vec<u8>> {
        let got = self.input.as_ref()?.recv().ok();
        if got.is_none() {
            self.input = None;
        }
        got
    }
}

/// The host's wall clock for the TOD clock at power-on.
struct SystemClock;

impl Clock for SystemClock {
    fn tod(&self) -> u64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        tod_from_unix_micros(now.map_or(0, |d| d.as_micros() as u64))
    }
}

/// `--trace`: one line per instruction on stderr: CPU, address, disassembly, changed
/// registers (new values) and a raised program-interruption code.
struct TracePrinter {
    out: BufWriter<Stderr>,
}

impl Observer for TracePrinter {
    fn instruction(&mut self, ev: &InsnEvent<'_>) {
        let bytes = ev.insn.encode();
        let (text, _) = disassemble(&bytes[..ev.insn.len()], ev.addr, &NoSymbols);
        let mut line = format!("{}:{:016x}  {:<40}", ev.cpu, ev.addr, text.replace('\t', " "));
        for c in ev.changes {
            line.push_str(&format!(" {}={:x}", c.reg, c.new));
        }
        if let Some(code) = ev.program_interruption {
            line.push_str(&format!(" pgm={code:#06x}"));
        }
        let _ = writeln!(self.out, "{}", line.trim_end());
    }
}

fn config(args: &RunArgs) -> Result<MachineConfig, CliError> {
    let mut facilities = Facilities::default();
    // A PV host offers secure-execution unpack (QEMU requires it in the CPU model).
    facilities.set(FACILITY_UNPACK, args.host_key.is_some());
    if let Some(list) = &args.facilities {
        facilities.apply(list)?;
    }
    Ok(MachineConfig {
        memory: parse_size(&args.memory)?,
        cpus: args.smp,
        facilities,
        max_instructions: args.max_instructions,
        watchdog: match args.watchdog {
            WatchdogArg::Stop => WatchdogAction::Stop,
            WatchdogArg::Restart => WatchdogAction::Restart,
        },
        ..MachineConfig::default()
    })
}

/// The ultravisor model of `generation` (its preset, with the derived host keys) over
/// `size` bytes of storage, for `--ultravisor`.
fn ultravisor(generation: UvGeneration, size: u64) -> Box<dyn HostUltravisor> {
    use pv_ultravisor::{MachineGeneration as G, MachineSpec, Ultravisor};
    let g = match generation {
        UvGeneration::Z15 => G::Z15,
        UvGeneration::Z16 => G::Z16,
        UvGeneration::Z17 => G::Z17,
    };
    Box::new(Ultravisor::new(MachineSpec::preset(g).with_storage_size(size)))
}

/// Facility 161, secure-execution unpack (DIAG 308 subcodes 8-10).
const FACILITY_UNPACK: u8 = 161;

/// The ultravisor that hosts the program's secure guest for `--host-key`: z16 with the
/// host key, its storage reaching the guest origin plus `memory`.
fn secure_host(key_file: &std::path::Path, memory: u64) -> Result<SecureHost, CliError> {
    use pv_ultravisor::{MachineGeneration, MachineSpec, Ultravisor};
    let pem = files::read_file(key_file)?;
    let pem =
        std::str::from_utf8(&pem).map_err(|_| CliError::Usage("--host-key: not a PEM file"))?;
    let key = pv_header::ecc::CustomerKey::from_pem(pem)?;
    let size = secure_layout(memory).mso + memory;
    let spec =
        MachineSpec::preset(MachineGeneration::Z16).with_host_key(key).with_storage_size(size);
    Ok(Box::new(Boxed(Ultravisor::new(spec))))
}

/// Runs `pvsim run`.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let cfg = config(args)?;
    let cfg_memory = cfg.memory;
    let kernel = Kernel::parse(files::read_file(&args.kernel)?)?;
    let initrd = args.initrd.as_deref().map(files::read_file).transpose()?;
    let params = BootParams { cmdline: args.append.clone().map(String::into_bytes), initrd };
    let status = Rc::new(Cell::new(None));
    let console = StdConsole::new(Rc::clone(&status));
    let mut machine = match args.ultravisor {
        None => Machine::new(cfg, Box::new(console), &SystemClock)?,
        Some(generation) => {
            let uv = ultravisor(generation, cfg.usable_memory());
            Machine::with_ultravisor(cfg, uv, Box::new(console), &SystemClock)?
        }
    };
    if let Some(key) = &args.host_key {
        machine.set_secure_host(secure_host(key, cfg_memory)?);
    }
    if args.trace {
        machine.set_observer(Box::new(TracePrinter { out: BufWriter::new(std::io::stderr()) }));
    }
    machine.boot(kernel, params)?;
    let outcome = match args.gdb {
        Some(port) => crate::cmd::gdb::run(&mut machine, port, &status)?,
        None => machine.run(),
    };
    if let Some(fault) = machine.ultravisor_fault() {
        eprintln!("pvsim: {fault}");
    }
    drop(machine);
    if !outcome.is_clean() {
        return Err(CliError::Guest(GuestFailure::Machine(outcome)));
    }
    match status.get() {
        None | Some(1) => Ok(()),
        Some(status) => Err(CliError::Guest(GuestFailure::Reported { status })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128M").unwrap(), 128 << 20);
        assert_eq!(parse_size("64").unwrap(), 64 << 20);
        assert_eq!(parse_size("4g").unwrap(), 4 << 30);
        assert_eq!(parse_size("2048K").unwrap(), 2 << 20);
        for bad in ["", "M", "12X", "1.5G", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exit_codes_and_status_line() {
        assert_eq!(GuestFailure::Reported { status: 3 }.exit_code(), 3);
        assert_eq!(GuestFailure::Reported { status: 77 }.exit_code(), 77);
        assert_eq!(GuestFailure::Reported { status: 1000 }.exit_code(), 255);
        let lim = GuestFailure::Machine(Outcome::InstructionLimit { executed: 5 });
        assert_eq!(lim.exit_code(), 124);
        assert_eq!(GuestFailure::Machine(Outcome::Idle).exit_code(), 1);
        let status = Rc::new(Cell::new(None));
        let mut c = StdConsole { line: vec![], status: Rc::clone(&status), input: None };
        c.watch(b"PASS: x\nEXIT: STA");
        assert_eq!(status.get(), None);
        c.watch(b"TUS=3\n");
        assert_eq!(status.get(), Some(3));
        assert_eq!(c.poll_input(), None);
    }
}
