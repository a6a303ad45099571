//! STORE SYSTEM INFORMATION for a virtual machine (machine.md, "Host detection: STSI";
//! checks in QEMU's `HELPER(stsi)` order, SYSIB layouts as Linux' `asm/sysinfo.h`).
//!
//! General register 0 bits 32-35 hold the function code (0 current level, 1 basic
//! machine, 2 logical partition, 3 virtual machine), bits 56-63 selector 1; register 1
//! bits 48-63 selector 2. In order:
//! 1. function code above 3 (15, topology, included): condition code 3, nothing else
//!    checked;
//! 2. register 0 bits 36-55 or register 1 bits 32-47 set: specification exception;
//! 3. function code 0: register 0 bits 32-63 become 0x3000_0000 (level 3, a virtual
//!    machine; bits 0-31 are kept *\[inferred\]*, QEMU clears them), condition code 0;
//! 4. an operand address that is not 4 KiB aligned: specification exception;
//! 5. 1.1.1, 1.2.1, 1.2.2, 2.2.1, 2.2.2 and 3.2.2 store a 4 KiB block, condition code 0;
//!    other selectors: condition code 3.
//!
//! SYSIB offsets: 1.1.1: 32 manufacturer, 48 type, 64 model capacity, 80 sequence,
//! 96 plant, 100 model. 1.2.1 / 2.2.1: 80 sequence, 96 plant, (2.2.1: 100 CPU id),
//! 102 CPU address. 1.2.2: 32 capability, 36 total, 38 configured, 40 standby, 42
//! reserved CPUs. 2.2.2: 32 partition number, 35 characteristics (0x80 dedicated),
//! 36-43 CPU counts as 1.2.2, 44 name, 52 capability adjustment factor, 72 dedicated
//! CPUs. 3.2.2: 31 count of VM descriptions (1), each 64 bytes from 32: 36-43 CPU counts,
//! 44 name, 52 capability adjustment factor, 56 control-program identifier.

use pv_emu::interrupt::PgmCode;

use crate::config::Names;
use crate::ebcdic;

/// The size of a system-information block.
pub const SYSIB_SIZE: usize = 4096;
/// The configuration level this machine reports (3: a virtual machine).
pub const CURRENT_LEVEL: u64 = 3;

const R0_FC_MASK: u64 = 0xf000_0000;
const R0_RESERVED: u64 = 0x0fff_ff00;
const R1_RESERVED: u64 = 0xffff_0000;
/// The capability value and capability-adjustment factor reported.
const CAPABILITY: u32 = 1000;

/// What STSI does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsiOutcome {
    /// Function code 0: store this value in register 0, condition code 0.
    Level {
        /// The new register 0.
        r0: u64,
    },
    /// Store the block at the operand address, condition code 0.
    Store(Box<[u8; SYSIB_SIZE]>),
    /// The requested information is not available: condition code 3.
    NotAvailable,
    /// A program exception.
    Program(PgmCode),
}

/// The facts STSI reports.
#[derive(Debug, Clone, Copy)]
pub struct StsiFacts<'a> {
    /// The names.
    pub names: &'a Names,
    /// Configured CPUs.
    pub cpus: u16,
    /// The address of the CPU executing STSI.
    pub cpu_addr: u16,
}

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn put_text(b: &mut [u8], at: usize, len: usize, s: &str) {
    ebcdic::put_padded(&mut b[at..at + len], s);
}

/// Total, configured, standby and reserved CPU counts at `at`.
fn put_counts(b: &mut [u8], at: usize, cpus: u16) {
    put_u16(b, at, cpus);
    put_u16(b, at + 2, cpus);
    put_u16(b, at + 4, 0);
    put_u16(b, at + 6, 0);
}

/// Executes STSI with registers 0 and 1 and the operand address `addr`.
pub fn stsi(r0: u64, r1: u64, addr: u64, f: &StsiFacts<'_>) -> StsiOutcome {
    let fc = (r0 & R0_FC_MASK) >> 28;
    // Rule 1.
    if fc > CURRENT_LEVEL {
        return StsiOutcome::NotAvailable;
    }
    // Rule 2.
    if r0 & R0_RESERVED != 0 || r1 & R1_RESERVED != 0 {
        return StsiOutcome::Program(PgmCode::Specification);
    }
    // Rule 3.
    if fc == 0 {
        return StsiOutcome::Level { r0: (r0 & !0xffff_ffff) | (CURRENT_LEVEL << 28) };
    }
    // Rule 4.
    if addr & 0xfff != 0 {
        return StsiOutcome::Program(PgmCode::Specification);
    }
    // Rule 5.
    let (sel1, sel2) = (r0 & 0xff, r1 & 0xffff);
    let mut b = Box::new([0u8; SYSIB_SIZE]);
    let n = &f.names;
    match (fc, sel1, sel2) {
        (1, 1, 1) => {
            put_text(&mut b[..], 32, 16, &n.manufacturer);
            put_text(&mut b[..], 48, 4, &n.machine_type);
            put_text(&mut b[..], 64, 16, &n.model);
            put_text(&mut b[..], 80, 16, &n.model);
            put_text(&mut b[..], 96, 4, &n.model);
            put_text(&mut b[..], 100, 16, &n.model);
        }
        (1 | 2, 2, 1) => {
            put_text(&mut b[..], 80, 16, &n.model);
            put_text(&mut b[..], 96, 4, &n.model);
            if fc == 2 {
                put_u16(&mut b[..], 100, f.cpu_addr);
            }
            put_u16(&mut b[..], 102, f.cpu_addr);
        }
        (1, 2, 2) => {
            put_u32(&mut b[..], 32, CAPABILITY);
            put_counts(&mut b[..], 36, f.cpus);
        }
        (2, 2, 2) => {
            put_u16(&mut b[..], 32, 1);
            b[35] = 0x80;
            put_counts(&mut b[..], 36, f.cpus);
            put_text(&mut b[..], 44, 8, &n.lpar);
            put_u32(&mut b[..], 52, CAPABILITY);
            put_u16(&mut b[..], 72, f.cpus);
        }
        (3, 2, 2) => {
            b[31] = 1;
            put_counts(&mut b[..], 36, f.cpus);
            put_text(&mut b[..], 44, 8, &n.vm);
            put_u32(&mut b[..], 52, CAPABILITY);
            put_text(&mut b[..], 56, 16, &n.control_program);
        }
        _ => return StsiOutcome::NotAvailable,
    }
    StsiOutcome::Store(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(names: &Names) -> StsiFacts<'_> {
        StsiFacts { names, cpus: 2, cpu_addr: 1 }
    }

    fn block(r0: u64, r1: u64) -> Box<[u8; SYSIB_SIZE]> {
        let names = Names::default();
        match stsi(r0, r1, 0x3000, &facts(&names)) {
            StsiOutcome::Store(b) => b,
            o => panic!("{r0:#x} {r1:#x}: {o:?}"),
        }
    }

    fn ebcdic(s: &str, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        ebcdic::put_padded(&mut v, s);
        v
    }

    #[test]
    fn checks_in_order() {
        let names = Names::default();
        let f = facts(&names);
        // Function code above 3 wins over reserved bits and alignment.
        assert_eq!(stsi(0xf000_ff00, 0xffff_0000, 1, &f), StsiOutcome::NotAvailable);
        assert_eq!(stsi(0x4000_0000, 0, 0, &f), StsiOutcome::NotAvailable);
        for (r0, r1) in [(0x1000_0100, 1), (0x1080_0001, 1), (0x1000_0001, 0x0001_0001)] {
            assert_eq!(stsi(r0, r1, 0, &f), StsiOutcome::Program(PgmCode::Specification));
        }
        // Function code 0 ignores the address and keeps bits 0-31.
        assert_eq!(
            stsi(0xabcd_0000_0000_0001, 0, 7, &f),
            StsiOutcome::Level { r0: 0xabcd_0000_3000_0000 }
        );
        assert_eq!(stsi(0x1000_0001, 1, 0x3008, &f), StsiOutcome::Program(PgmCode::Specification));
        for (r0, r1) in [(0x1000_0001, 2), (0x2000_0001, 1), (0x3000_0002, 1), (0x3000_0001, 1)] {
            assert_eq!(stsi(r0, r1, 0x3000, &f), StsiOutcome::NotAvailable, "{r0:#x}.{r1}");
        }
        // The high halves of the registers are ignored.
        assert!(matches!(
            stsi(0xffff_ffff_3000_0002, 0xffff_ffff_0000_0002, 0x3000, &f),
            StsiOutcome::Store(_)
        ));
    }

    #[test]
    fn sysib_111() {
        let b = block(0x1000_0001, 1);
        assert_eq!(&b[32..48], &ebcdic("PVSIM", 16)[..]);
        assert_eq!(&b[32..37], &[0xd7, 0xe5, 0xe2, 0xc9, 0xd4]);
        assert_eq!(&b[48..52], &[0xf2, 0xf9, 0xf6, 0xf4]);
        assert_eq!(&b[100..116], &ebcdic("PVSIM", 16)[..]);
        assert!(b[..32].iter().all(|&x| x == 0));
        assert!(b[116..].iter().all(|&x| x == 0));
    }

    #[test]
    fn sysib_12x_and_221() {
        let b = block(0x1000_0002, 1);
        assert_eq!((&b[96..100], &b[100..104]), (&ebcdic("PVSI", 4)[..], &[0, 0, 0, 1][..]));
        let b = block(0x2000_0002, 1);
        assert_eq!(&b[100..104], &[0, 1, 0, 1]);
        let b = block(0x1000_0002, 2);
        assert_eq!(&b[32..44], &[0, 0, 3, 0xe8, 0, 2, 0, 2, 0, 0, 0, 0]);
    }

    #[test]
    fn sysib_222() {
        let b = block(0x2000_0002, 2);
        assert_eq!(&b[32..44], &[0, 1, 0, 0x80, 0, 2, 0, 2, 0, 0, 0, 0]);
        assert_eq!(&b[44..52], &ebcdic("PVSIM", 8)[..]);
        assert_eq!(&b[52..56], &1000u32.to_be_bytes());
        assert_eq!(&b[72..76], &[0, 2, 0, 0]);
    }

    #[test]
    fn sysib_322() {
        let b = block(0x3000_0002, 2);
        assert_eq!(b[31], 1);
        assert_eq!(&b[36..44], &[0, 2, 0, 2, 0, 0, 0, 0]);
        assert_eq!(&b[44..52], &ebcdic("PVSIMVM", 8)[..]);
        assert_eq!(&b[56..72], &ebcdic("PVSIM/hypervisor", 16)[..]);
        // Not "KVM/" nor "QEMU": kvm-unit-tests sees an unknown hypervisor.
        assert_ne!(&b[56..60], &ebcdic("KVM/", 4)[..]);
        assert!(b[96..].iter().all(|&x| x == 0), "one VM description only");
    }
}
