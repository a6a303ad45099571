//! The s390x architecture for the `gdbstub` crate (which ships none): the register file
//! gdb's s390x target knows, in the order and sizes of its standard features
//! `org.gnu.gdb.s390.core` (PSW mask and address, 64-bit general registers),
//! `org.gnu.gdb.s390.acr` (32-bit access registers) and `org.gnu.gdb.s390.fpr` (FPC and
//! 64-bit floating-point registers), all big-endian as on the machine (GDB manual,
//! "S/390 and System z Features").
//!
//! Register numbers (the `p`/`P` packets): 0 `pswm`, 1 `pswa`, 2-17 `r0`-`r15`,
//! 18-33 `acr0`-`acr15`, 34 `fpc`, 35-50 `f0`-`f15`.

use core::num::NonZeroUsize;

use gdbstub::arch::{Arch, RegId, Registers};
use pv_emu::CpuState;

/// The number of registers in the description.
pub const REG_COUNT: usize = 51;
/// The size in bytes of the whole register file as the `g` packet carries it.
pub const G_PACKET_SIZE: usize = 2 * 8 + 16 * 8 + 16 * 4 + 4 + 16 * 8;
const _: () = assert!(G_PACKET_SIZE == 340);

macro_rules! gr_xml {
    ($($n:literal),*) => {
        concat!($("<reg name=\"r", $n, "\" bitsize=\"64\" type=\"uint64\" group=\"general\"/>\n"),*)
    };
}

macro_rules! acr_xml {
    ($($n:literal),*) => {
        concat!($("<reg name=\"acr", $n, "\" bitsize=\"32\" type=\"uint32\" group=\"access\"/>\n"),*)
    };
}

macro_rules! fpr_xml {
    ($($n:literal),*) => {
        concat!($("<reg name=\"f", $n, "\" bitsize=\"64\" type=\"ieee_double\" group=\"float\"/>\n"),*)
    };
}
/// The target description (`target.xml`) gdb reads with `qXfer:features:read`.
pub const TARGET_XML: &str = concat!(
    r#"<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>s390:64-bit</architecture>
<feature name="org.gnu.gdb.s390.core">
<reg name="pswm" bitsize="64" type="uint64" group="psw"/>
<reg name="pswa" bitsize="64" type="code_ptr" group="psw"/>
"#,
    gr_xml!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    r#"</feature>
<feature name="org.gnu.gdb.s390.acr">
"#,
    acr_xml!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    r#"</feature>
<feature name="org.gnu.gdb.s390.fpr">
<reg name="fpc" bitsize="32" type="uint32" group="float"/>
"#,
    fpr_xml!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    r#"</feature>
</target>
"#
);

/// The s390x (z/Architecture, 64-bit) architecture for `gdbstub`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S390x {}

impl Arch for S390x {
    type Usize = u64;
    type Registers = S390xRegs;
    /// gdb sends the breakpoint length (2 on s390x).
    type BreakpointKind = usize;
    type RegId = S390xRegId;

    fn target_description_xml() -> Option<&'static str> {
        Some(TARGET_XML)
    }
}

/// The register file of one CPU, as [`TARGET_XML`] describes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct S390xRegs {
    /// The PSW mask (bits 0-63 of the 128-bit PSW).
    pub pswm: u64,
    /// The PSW instruction address.
    pub pswa: u64,
    /// General registers 0-15.
    pub gr: [u64; 16],
    /// Access registers 0-15.
    pub acr: [u32; 16],
    /// The floating-point-control register.
    pub fpc: u32,
    /// Floating-point registers 0-15.
    pub fpr: [u64; 16],
}

impl S390xRegs {
    /// The registers of `state`.
    pub fn from_state(state: &CpuState) -> Self {
        Self {
            pswm: state.psw.mask,
            pswa: state.psw.addr,
            gr: state.gr,
            acr: state.ar,
            fpc: state.fpc,
            fpr: state.fpr,
        }
    }

    /// Writes these registers into `state`.
    pub fn to_state(&self, state: &mut CpuState) {
        state.psw.mask = self.pswm;
        state.psw.addr = self.pswa;
        state.gr = self.gr;
        state.ar = self.acr;
        state.fpc = self.fpc;
        state.fpr = self.fpr;
    }

    /// Register `id`'s value, zero-extended.
    pub fn get(&self, id: S390xRegId) -> u64 {
        match id {
            S390xRegId::Pswm => self.pswm,
            S390xRegId::Pswa => self.pswa,
            S390xRegId::Gr(n) => self.gr[usize::from(n & 15)],
            S390xRegId::Acr(n) => u64::from(self.acr[usize::from(n & 15)]),
            S390xRegId::Fpc => u64::from(self.fpc),
            S390xRegId::Fpr(n) => self.fpr[usize::from(n & 15)],
        }
    }

    /// Sets register `id` (32-bit registers take the low 32 bits of `v`).
    pub fn set(&mut self, id: S390xRegId, v: u64) {
        match id {
            S390xRegId::Pswm => self.pswm = v,
            S390xRegId::Pswa => self.pswa = v,
            S390xRegId::Gr(n) => self.gr[usize::from(n & 15)] = v,
            S390xRegId::Acr(n) => self.acr[usize::from(n & 15)] = v as u32,
            S390xRegId::Fpc => self.fpc = v as u32,
            S390xRegId::Fpr(n) => self.fpr[usize::from(n & 15)] = v,
        }
    }

    /// Writes register `id` big-endian into `buf`; its size in bytes, or `None` when
    /// `buf` is too short.
    pub fn read_reg(&self, id: S390xRegId, buf: &mut [u8]) -> Option<usize> {
        let size = id.size();
        let bytes = self.get(id).to_be_bytes();
        buf.get_mut(..size)?.copy_from_slice(&bytes[8 - size..]);
        Some(size)
    }

    /// Sets register `id` from its big-endian bytes; `None` unless `bytes` has exactly
    /// the register's size.
    pub fn write_reg(&mut self, id: S390xRegId, bytes: &[u8]) -> Option<()> {
        if bytes.len() != id.size() {
            return None;
        }
        let v = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        self.set(id, v);
        Some(())
    }
}

impl Registers for S390xRegs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pswa
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        let mut buf = [0u8; 8];
        for id in S390xRegId::all() {
            let n = self.read_reg(id, &mut buf).unwrap_or(0);
            buf[..n].iter().for_each(|&b| write_byte(Some(b)));
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() != G_PACKET_SIZE {
            return Err(());
        }
        let mut at = 0;
        for id in S390xRegId::all() {
            let size = id.size();
            self.write_reg(id, &bytes[at..at + size]).ok_or(())?;
            at += size;
        }
        Ok(())
    }
}

/// One register of [`TARGET_XML`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S390xRegId {
    /// The PSW mask.
    Pswm,
    /// The PSW address.
    Pswa,
    /// General register 0-15.
    Gr(u8),
    /// Access register 0-15.
    Acr(u8),
    /// The floating-point-control register.
    Fpc,
    /// Floating-point register 0-15.
    Fpr(u8),
}

impl S390xRegId {
    /// The register with gdb number `n` (see the module documentation).
    pub fn from_number(n: usize) -> Option<Self> {
        let low = |base: usize| (n - base) as u8;
        Some(match n {
            0 => Self::Pswm,
            1 => Self::Pswa,
            2..=17 => Self::Gr(low(2)),
            18..=33 => Self::Acr(low(18)),
            34 => Self::Fpc,
            35..=50 => Self::Fpr(low(35)),
            _ => return None,
        })
    }

    /// Its gdb number.
    pub fn number(self) -> usize {
        match self {
            Self::Pswm => 0,
            Self::Pswa => 1,
            Self::Gr(n) => 2 + usize::from(n & 15),
            Self::Acr(n) => 18 + usize::from(n & 15),
            Self::Fpc => 34,
            Self::Fpr(n) => 35 + usize::from(n & 15),
        }
    }

    /// Its size in bytes.
    pub fn size(self) -> usize {
        match self {
            Self::Acr(_) | Self::Fpc => 4,
            _ => 8,
        }
    }

    /// Its name in [`TARGET_XML`].
    pub fn name(self) -> String {
        match self {
            Self::Pswm => "pswm".into(),
            Self::Pswa => "pswa".into(),
            Self::Gr(n) => format!("r{n}"),
            Self::Acr(n) => format!("acr{n}"),
            Self::Fpc => "fpc".into(),
            Self::Fpr(n) => format!("f{n}"),
        }
    }

    /// Every register, in gdb number order.
    pub fn all() -> impl Iterator<Item = Self> {
        (0..REG_COUNT).filter_map(Self::from_number)
    }
}

impl RegId for S390xRegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let r = Self::from_number(id)?;
        Some((r, NonZeroUsize::new(r.size())))
    }

    fn to_raw_id(&self) -> Option<usize> {
        Some(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> S390xRegs {
        let mut r = S390xRegs {
            pswm: 0x0000_0001_8000_0000,
            pswa: 0x10000,
            fpc: 0x0800_0000,
            ..S390xRegs::default()
        };
        for i in 0..16 {
            r.gr[i] = 0x0101_0101_0101_0101 * (i as u64 + 1);
            r.acr[i] = 0xa000_0000 | i as u32;
            r.fpr[i] = 0x4000_0000_0000_0000 | (i as u64) << 32;
        }
        r
    }

    fn serialize(r: &S390xRegs) -> Vec<u8> {
        let mut v = Vec::new();
        r.gdb_serialize(|b| v.push(b.expect("no unavailable registers")));
        v
    }

    #[test]
    fn g_packet_layout_is_big_endian_in_xml_order() {
        let r = sample();
        let g = serialize(&r);
        assert_eq!(g.len(), G_PACKET_SIZE);
        assert_eq!(&g[..8], &[0, 0, 0, 1, 0x80, 0, 0, 0]);
        assert_eq!(&g[8..16], &[0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(&g[16..24], &[1; 8], "r0");
        assert_eq!(&g[16 + 15 * 8..16 + 16 * 8], &[16; 8], "r15");
        assert_eq!(&g[144..148], &[0xa0, 0, 0, 0], "acr0");
        assert_eq!(&g[204..208], &[0xa0, 0, 0, 15], "acr15");
        assert_eq!(&g[208..212], &[8, 0, 0, 0], "fpc");
        assert_eq!(&g[212..220], &[0x40, 0, 0, 0, 0, 0, 0, 0], "f0");
        assert_eq!(&g[332..340], &[0x40, 0, 0, 15, 0, 0, 0, 0], "f15");
    }

    #[test]
    fn round_trips() {
        let r = sample();
        let g = serialize(&r);
        let mut back = S390xRegs::default();
        back.gdb_deserialize(&g).unwrap();
        assert_eq!(back, r);
        assert!(back.gdb_deserialize(&g[1..]).is_err());
        let mut state = CpuState::new();
        r.to_state(&mut state);
        assert_eq!(S390xRegs::from_state(&state), r);
        for id in S390xRegId::all() {
            let mut buf = [0u8; 8];
            let n = r.read_reg(id, &mut buf).unwrap();
            let mut other = S390xRegs::default();
            other.write_reg(id, &buf[..n]).unwrap();
            assert_eq!(other.get(id), r.get(id), "{}", id.name());
            assert!(other.write_reg(id, &buf[..n - 1]).is_none());
            assert_eq!(S390xRegId::from_raw_id(id.number()).unwrap().0, id);
        }
        assert!(S390xRegId::from_number(REG_COUNT).is_none());
        assert!(r.read_reg(S390xRegId::Gr(0), &mut [0u8; 4]).is_none());
    }

    #[test]
    fn sizes_and_order_match_the_xml() {
        // Every <reg> line of the description, in order: name and bit size.
        let regs: Vec<(String, usize)> = TARGET_XML
            .lines()
            .filter(|l| l.starts_with("<reg "))
            .map(|l| {
                let attr = |a: &str| {
                    let start = l.find(&format!("{a}=\"")).unwrap() + a.len() + 2;
                    l[start..].split('"').next().unwrap().to_string()
                };
                (attr("name"), attr("bitsize").parse().unwrap())
            })
            .collect();
        assert_eq!(regs.len(), REG_COUNT);
        let ours: Vec<(String, usize)> =
            S390xRegId::all().map(|r| (r.name(), r.size() * 8)).collect();
        assert_eq!(regs, ours);
        assert_eq!(ours.iter().map(|r| r.1 / 8).sum::<usize>(), G_PACKET_SIZE);
        for feature in ["org.gnu.gdb.s390.core", "org.gnu.gdb.s390.acr", "org.gnu.gdb.s390.fpr"] {
            assert!(TARGET_XML.contains(&format!("<feature name=\"{feature}\">")), "{feature}");
        }
        assert!(TARGET_XML.contains("<architecture>s390:64-bit</architecture>"));
    }
}
