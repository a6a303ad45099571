//! Program 4 of `sie_rules.rs` (SERVC with a bad SCCB, mask notifications, machine
//! check, timer loop), shared with the hostile-host proptest.

use super::*;

/// Offsets of program4's data block (from B).
pub mod d {
    use super::off::DATA;
    pub const MASK64: u64 = DATA;
    pub const CR0_SERVICE: u64 = DATA + 0x08;
    pub const CR14_WARNING: u64 = DATA + 0x10;
    pub const CR0_TIMER: u64 = DATA + 0x18;
    pub const EXT_ON: u64 = DATA + 0x20;
    pub const NEGATIVE: u64 = DATA + 0x28;
    pub const P_WAIT: u64 = DATA + 0x30;
    pub const P_CONT1: u64 = DATA + 0x40;
    pub const P_MWAIT: u64 = DATA + 0x50;
    pub const P_CONT2: u64 = DATA + 0x60;
    pub const P_EXTON: u64 = DATA + 0x70;
    pub const P_DONE: u64 = DATA + 0x80;
}

/// Result slots of program4 (from RES).
pub mod r {
    pub const EXT_PARAM: u64 = 0x00;
    pub const EXT_CODE: u64 = 0x08;
    pub const MCIC: u64 = 0x10;
    pub const EDC: u64 = 0x18;
    pub const FADDR: u64 = 0x20;
    pub const SAVED_R11: u64 = 0x28;
    pub const SERVC_CC: u64 = 0x30;
    pub const MCK_OLD_MASK: u64 = 0x38;
}

/// The bad SCCB: 0x200 bytes starting 0x100 before a page boundary.
pub const BAD_SCCB: u64 = 0x1f00;
pub const MCHK_H: u64 = 0xe00;
pub const EXT_H: u64 = 0xe80;
pub const LOOP_H: u64 = 0xf00;

/// Program 4: SERVC with an SCCB crossing a page (0x6c); LCTLG CR0 (0x64); an enabled
/// wait for the service signal; LCTLG CR14 (0x64); LPSWE with PSW bit 13 into a wait
/// (0x60, then 0x1c) for a machine check whose handler records the lowcore fields; then
/// an external new PSW that enables external interruptions, a negative CPU timer, CR0's
/// CPU-timer mask (0x64) and LPSWE enabling them: the timer interruption loops (0x14).
pub fn program4() -> Vec<u8> {
    use off::*;
    let res = |s: u64| (RES + s) as u32;
    let mut a = Asm::default();
    a.larl(12, 0);
    a.lgfi(11, SECRET11 as i32);
    a.lgfi(13, SECRET13 as i32);
    a.mvc(0, 0x1e0, 8, 12, d::MASK64 as u16); // machine-check new PSW
    a.larl(1, MCHK_H);
    a.stg(1, 0, 0x1e8);
    a.mvc(0, 0x1b0, 8, 12, d::MASK64 as u16); // external new PSW (disabled)
    a.larl(1, EXT_H);
    a.stg(1, 0, 0x1b8);
    a.lgfi(1, 0x0002_0001);
    a.larl(2, BAD_SCCB);
    a.servc(1, 2); // -> 0x6c: bad SCCB
    a.ipm(5);
    a.stg(5, 12, res(r::SERVC_CC));
    a.lctlg(0, 0, 12, d::CR0_SERVICE as u32); // -> 0x64
    a.larl(1, 0); // CONT1 below
    let cont1_fix = a.b.len();
    a.stg(1, 12, (d::P_WAIT + 8) as u32);
    a.stg(1, 12, (d::P_CONT1 + 8) as u32);
    a.lpswe(12, d::P_WAIT as u16); // enabled wait -> 0x1c
    // CONT1:
    let cont1 = a.at();
    a.lctlg(14, 14, 12, d::CR14_WARNING as u32); // -> 0x64
    a.larl(1, 0); // CONT2 below
    let cont2_fix = a.b.len();
    a.stg(1, 12, (d::P_MWAIT + 8) as u32);
    a.stg(1, 12, (d::P_CONT2 + 8) as u32);
    a.lpswe(12, d::P_MWAIT as u16); // PSW bit 13 on, wait -> 0x60, 0x1c
    // CONT2:
    let cont2 = a.at();
    a.mvc(0, 0x1b0, 8, 12, d::EXT_ON as u16); // external new PSW enables externals
    a.larl(1, LOOP_H);
    a.stg(1, 0, 0x1b8);
    a.s_op(0xb208, 12, d::NEGATIVE as u16); // spt: the CPU timer is negative
    a.lctlg(0, 0, 12, d::CR0_TIMER as u32); // -> 0x64
    a.larl(1, LOOP_H);
    a.stg(1, 12, (d::P_EXTON + 8) as u32);
    a.lpswe(12, d::P_EXTON as u16); // the timer interruption loops -> 0x14
    assert!(a.at() <= MCHK_H);
    // Patch the two LARLs with their targets.
    for (at, target) in [(cont1_fix, cont1), (cont2_fix, cont2)] {
        let from = at as u64 - 6;
        let rel = ((target - from) / 2) as i32;
        a.b[at - 4..at].copy_from_slice(&rel.to_be_bytes());
    }
    a.b.resize(MCHK_H as usize, 0);
    a.lg(6, 0, 0xe8);
    a.stg(6, 12, res(r::MCIC));
    a.llgf(6, 0, 0xf4);
    a.stg(6, 12, res(r::EDC));
    a.lg(6, 0, 0xf8);
    a.stg(6, 12, res(r::FADDR));
    a.lg(6, 0, 0x1280 + 11 * 8);
    a.stg(6, 12, res(r::SAVED_R11));
    a.lg(6, 0, 0x160);
    a.stg(6, 12, res(r::MCK_OLD_MASK));
    a.lpswe(12, d::P_CONT2 as u16);
    a.b.resize(EXT_H as usize, 0);
    a.llgf(6, 0, 0x80);
    a.stg(6, 12, res(r::EXT_PARAM));
    a.llgh(6, 0, 0x86);
    a.stg(6, 12, res(r::EXT_CODE));
    a.lpswe(12, d::P_CONT1 as u16);
    a.b.resize(LOOP_H as usize, 0);
    a.lpswe(12, d::P_DONE as u16);
    let mut img = a.b;
    img.resize(SIZE, 0);
    Asm::data(&mut img, d::MASK64, &0x0000_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::CR0_SERVICE, &0x200u64.to_be_bytes());
    Asm::data(&mut img, d::CR14_WARNING, &0xc300_0000u64.to_be_bytes());
    Asm::data(&mut img, d::CR0_TIMER, &0x400u64.to_be_bytes());
    Asm::data(&mut img, d::EXT_ON, &0x0100_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::NEGATIVE, &0xffff_ffff_ff00_0000u64.to_be_bytes());
    Asm::data(&mut img, d::P_WAIT, &0x0102_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::P_CONT1, &0x0000_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::P_MWAIT, &0x0006_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::P_CONT2, &0x0000_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::P_EXTON, &0x0100_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, d::P_DONE, &0x0002_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, BAD_SCCB, &0x200u16.to_be_bytes());
    img
}
