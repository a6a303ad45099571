//! Instruction tracing (DESIGN.md: tracing comes in through a small trait): with an
//! [`Observer`] installed the machine runs one instruction at a time and reports each
//! one with the registers it changed (the hypervisor's own handling of intercepted
//! instructions included).

use pv_emu::CpuState;
use pv_emu::decode::Insn;
use pv_emu::exec::Tracer;

/// A register an instruction can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reg {
    /// General register 0-15.
    Gr(u8),
    /// Floating-point register 0-15.
    Fpr(u8),
    /// Control register 0-15.
    Cr(u8),
    /// Access register 0-15.
    Ar(u8),
    /// The PSW mask (condition code, masks, addressing mode).
    PswMask,
    /// The prefix register.
    Prefix,
    /// The floating-point-control register.
    Fpc,
}

impl core::fmt::Display for Reg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Gr(n) => write!(f, "r{n}"),
            Self::Fpr(n) => write!(f, "f{n}"),
            Self::Cr(n) => write!(f, "c{n}"),
            Self::Ar(n) => write!(f, "a{n}"),
            Self::PswMask => f.write_str("pswm"),
            Self::Prefix => f.write_str("prefix"),
            Self::Fpc => f.write_str("fpc"),
        }
    }
}

/// One register change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegChange {
    /// The register.
    pub reg: Reg,
    /// Its value before.
    pub old: u64,
    /// Its value after.
    pub new: u64,
}

/// One executed instruction.
#[derive(Debug, Clone, Copy)]
pub struct InsnEvent<'a> {
    /// The CPU's address.
    pub cpu: u16,
    /// The instruction's address.
    pub addr: u64,
    /// The instruction.
    pub insn: &'a Insn,
    /// The program-interruption code it raised, if any.
    pub program_interruption: Option<u16>,
    /// The registers it changed.
    pub changes: &'a [RegChange],
}

/// Receives executed instructions.
pub trait Observer {
    /// Called once per executed instruction.
    fn instruction(&mut self, event: &InsnEvent<'_>);
}

/// The registers that differ between two states.
pub fn diff(before: &CpuState, after: &CpuState) -> Vec<RegChange> {
    let mut v = Vec::new();
    let mut add = |reg, old: u64, new: u64| {
        if old != new {
            v.push(RegChange { reg, old, new });
        }
    };
    for i in 0..16u8 {
        let n = usize::from(i);
        add(Reg::Gr(i), before.gr[n], after.gr[n]);
    }
    for i in 0..16u8 {
        let n = usize::from(i);
        add(Reg::Fpr(i), before.fpr[n], after.fpr[n]);
    }
    for i in 0..16u8 {
        let n = usize::from(i);
        add(Reg::Cr(i), before.cr[n], after.cr[n]);
        add(Reg::Ar(i), u64::from(before.ar[n]), u64::from(after.ar[n]));
    }
    add(Reg::PswMask, before.psw.mask, after.psw.mask);
    add(Reg::Prefix, u64::from(before.prefix), u64::from(after.prefix));
    add(Reg::Fpc, u64::from(before.fpc), u64::from(after.fpc));
    v
}

/// Collects what pv-emu reports during one step.
#[derive(Debug, Default)]
pub(crate) struct StepRecord {
    pub insn: Option<(u64, Insn)>,
    pub program_interruption: Option<u16>,
}

impl Tracer for StepRecord {
    fn instruction(&mut self, addr: u64, insn: &Insn) {
        self.insn = Some((addr, *insn));
    }

    fn program_interruption(&mut self, code: u16, _addr: u64) {
        self.program_interruption = Some(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_changed_registers() {
        let a = CpuState::new();
        let mut b = a.clone();
        b.gr[3] = 7;
        b.cr[0] = 0x40000;
        b.psw.set_cc(2);
        b.prefix = 0x2000;
        let d = diff(&a, &b);
        let regs: Vec<String> = d.iter().map(|c| c.reg.to_string()).collect();
        assert_eq!(regs, ["r3", "c0", "pswm", "prefix"]);
        assert_eq!((d[0].old, d[0].new), (0, 7));
        assert!(diff(&a, &a).is_empty());
        assert_eq!(Reg::Fpr(1).to_string(), "f1");
        assert_eq!(Reg::Ar(2).to_string(), "a2");
        assert_eq!(Reg::Fpc.to_string(), "fpc");
    }
}
