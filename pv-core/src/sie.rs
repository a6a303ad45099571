//! The format-4 SIE state description of a secure CPU (uv-spec.md §5.1), the SIE page
//! that holds it, the interception codes (§5.2), the interruption-injection controls
//! (§5.5) and what one SIE entry of a secure CPU ends with ([`SieExit`]).
//!
//! The host prepares the state description in its own storage and enters the secure
//! CPU with [`crate::uvc::Ultravisor::sie`]; the ultravisor reads it, runs the CPU and
//! stores the interception data back. The **SIE page** is the 4 KiB page that starts
//! with the state description (like Linux's `struct sie_page`): the state description is
//! its first [`SD_LEN`] bytes and the secure interception GR save area `pv_grregs[16]`
//! lies at [`PV_GRREGS_OFF`] *\[the page layout follows KVM; the spec only names
//! "SIE page + 0x380"\]*. The SIDA is a separate area of host storage described by
//! [`StateDescription::sidad`].
//!
//! Every field is big-endian at an explicit offset; [`StateDescription::FIELDS`] lists
//! them and a compile-time assertion checks that they lie inside [`SD_LEN`], ascending and
//! without overlap.

use crate::uvc::field::{BeField, fields_fit_after};

/// Size of the state description (bytes).
pub const SD_LEN: usize = 0x200;
/// Size of the SIE page (the state description plus the save areas after it).
pub const SIE_PAGE_LEN: usize = 0x1000;
/// Offset of `pv_grregs[16]` in the SIE page.
pub const PV_GRREGS_OFF: usize = 0x380;
/// The SIDA size unit (a SIDA is 1 to 256 pages).
pub const SIDA_PAGE: u64 = 0x1000;

/// `sdf` value of a protected (format-4) state description.
pub const SDF_FORMAT4: u8 = 2;
/// `cpuflags` bit: a stop is requested; the CPU stops with interception 0x28 *\[KVM's
/// `CPUSTAT_STOP_INT`\]*.
pub const CPUSTAT_STOP_INT: u32 = 0x0400_0000;

/// Interception codes seen with PV (uv-spec.md §5.2).
pub mod icpt {
    /// Program interruption (for PV only a loop of specification exceptions).
    pub const PROGRAM: u8 = 0x08;
    /// External interruption loop.
    pub const EXTERNAL: u8 = 0x14;
    /// Wait state.
    pub const WAIT: u8 = 0x1c;
    /// Validity: the reason code is in the high halfword of `ipb`.
    pub const VALIDITY: u8 = 0x20;
    /// Stop.
    pub const STOP: u8 = 0x28;
    /// Mask notification: the guest's PSW machine-check mask (bit 13) changed
    /// *\[mapping inferred, uv-spec §11.12\]*.
    pub const MCHKREQ: u8 = 0x60;
    /// Mask notification: the interruption subclass masks of CR0, CR6 or CR14 changed
    /// *\[mapping inferred, uv-spec §11.12\]*.
    pub const INT_ENABLE: u8 = 0x64;
    /// PV instruction: the host emulates, the next entry completes the instruction.
    pub const PV_INSTR: u8 = 0x68;
    /// PV notification: the ultravisor already executed the instruction.
    pub const PV_NOTIFY: u8 = 0x6c;
    /// PV prefix: the prefix pages are not secure.
    pub const PV_PREFIX: u8 = 0x70;
}

/// Interruption-injection control values (`iictl`, uv-spec.md §5.1, §5.5).
pub mod iictl {
    /// Nothing to inject.
    pub const NONE: u8 = 0;
    /// Machine check.
    pub const MCHK: u8 = 1;
    /// External interruption (`eic`, `eiparams`, `extcpuaddr`).
    pub const EXT: u8 = 2;
    /// I/O interruption (subchannel id/nr, parameter, word).
    pub const IO: u8 = 3;
    /// Restart.
    pub const RESTART: u8 = 4;
    /// Program interruption: specification (only after a 0x68 interception).
    pub const PGM_SPEC: u8 = 0x10;
    /// Program interruption: operand (only after a 0x68 interception).
    pub const PGM_OPERAND: u8 = 0x11;
}

/// Validity-interception reason codes (`ipb >> 16`). The spec gives only the 0x20xx
/// class; pvsim's values, one per host mistake, are all *\[inferred\]* (uv-spec §11.14).
pub mod validity {
    /// `sdf` is not 2 (format 4).
    pub const SDF: u16 = 0x2001;
    /// No secure CPU has the handle in `pv_handle_cpu` (e.g. a flipped bit).
    pub const CPU_HANDLE: u16 = 0x2002;
    /// `pv_handle_config` is not the configuration of that CPU.
    pub const CONFIG_HANDLE: u16 = 0x2003;
    /// The state description is not the one given to Create Secure CPU.
    pub const STATE_ORIGIN: u16 = 0x2004;
    /// The guest ASCE passed at entry is not the configuration's.
    pub const ASCE: u16 = 0x2005;
    /// The configuration has not been verified.
    pub const NOT_VERIFIED: u16 = 0x2006;
    /// A dump is in progress.
    pub const DUMPING: u16 = 0x2007;
    /// A DIAG 308 subcode 0/1 was notified and the reset sequence has not completed.
    pub const RESET_PENDING: u16 = 0x2008;
    /// The CPU is not operating (stopped or check-stopped).
    pub const NOT_OPERATING: u16 = 0x2009;
    /// The CPU timer was raised.
    pub const CPU_TIMER: u16 = 0x200a;
    /// The SIDA designation is unusable (size, or pages the host cannot access).
    pub const SIDA: u16 = 0x200b;
    /// `iictl` is not a defined value.
    pub const IICTL: u16 = 0x200c;
    /// A program interruption injected other than right after a 0x68 interception.
    pub const PGM_INJECTION: u16 = 0x200d;
    /// An external interruption code secure guests do not get (or a service signal
    /// while service signals are masked).
    pub const EXT_CODE: u16 = 0x200e;
    /// The guest is not enabled for the injected interruption class.
    pub const NOT_ENABLED: u16 = 0x200f;
    /// The same secure CPU is already in SIE (not reachable in the single-threaded
    /// model; kept for the table).
    pub const ALREADY_RUNNING: u16 = 0x2010;
    /// The CPU timer was lowered by more than the time spent outside SIE.
    pub const CPU_TIMER_LOWERED: u16 = 0x2011;
}

/// The format-4 state description (uv-spec.md §5.1), as native values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateDescription {
    /// 0x00: CPU state flags ([`CPUSTAT_STOP_INT`]).
    pub cpuflags: u32,
    /// 0x10: the ultravisor's CPU handle.
    pub pv_handle_cpu: u64,
    /// 0x18: the ultravisor's configuration handle.
    pub pv_handle_config: u64,
    /// 0x28: the CPU timer.
    pub cputm: u64,
    /// 0x50: the interception code.
    pub icptcode: u8,
    /// 0x55: interruption-injection control ([`iictl`]).
    pub iictl: u8,
    /// 0x56: instruction text (first halfword).
    pub ipa: u16,
    /// 0x58: instruction text (rest); for validity the reason code in the high halfword.
    pub ipb: u32,
    /// 0x68: state-description format (2 = format 4).
    pub sdf: u8,
    /// 0x80: main-storage origin.
    pub mso: u64,
    /// 0x88: main-storage limit.
    pub msl: u64,
    /// 0x90: guest PSW mask as exposed by the ultravisor.
    pub gpsw_mask: u64,
    /// 0x98: guest PSW address as exposed by the ultravisor.
    pub gpsw_addr: u64,
    /// 0xc0: external-interruption parameter.
    pub eiparams: u32,
    /// 0xc4: external-interruption CPU address.
    pub extcpuaddr: u16,
    /// 0xc6: external-interruption code.
    pub eic: u16,
    /// 0xcc: program-interruption ILC (interception data).
    pub pgmilc: u16,
    /// 0xce: program-interruption code (interception data).
    pub iprcc: u16,
    /// 0xd0: failing storage address (machine-check injection).
    pub faddr: u64,
    /// 0xe8: I/O injection: subchannel id.
    pub subchannel_id: u16,
    /// 0xea: I/O injection: subchannel number.
    pub subchannel_nr: u16,
    /// 0xec: I/O injection: interruption parameter.
    pub io_int_parm: u32,
    /// 0xf0: I/O injection: interruption word.
    pub io_int_word: u32,
    /// 0x100: control registers as exposed by the ultravisor.
    pub gcr: [u64; 16],
    /// 0x180: SIDA origin (page aligned) with the size in pages − 1 in the low 8 bits.
    pub sidad: u64,
}

macro_rules! sd_fields {
    ($( $f:ident : $t:ty = $off:expr ),* $(,)?) => {
        impl StateDescription {
            /// The `(offset, size)` of every field, in offset order.
            pub const FIELDS: &'static [(usize, usize)] = &[ $( ($off, <$t as BeField>::SIZE) ),* ];

            /// Decodes the first [`SD_LEN`] bytes of `b` (missing bytes read as zero).
            pub fn decode(b: &[u8]) -> Self {
                Self { $( $f: <$t as BeField>::get(b, $off).unwrap_or(<$t as BeField>::ZERO), )* }
            }

            /// Encodes every field into `b` (bytes between fields are left alone).
            pub fn encode_into(&self, b: &mut [u8]) {
                $( BeField::put(self.$f, b, $off); )*
            }
        }
    };
}

sd_fields! {
    cpuflags: u32 = 0x00,
    pv_handle_cpu: u64 = 0x10,
    pv_handle_config: u64 = 0x18,
    cputm: u64 = 0x28,
    icptcode: u8 = 0x50,
    iictl: u8 = 0x55,
    ipa: u16 = 0x56,
    ipb: u32 = 0x58,
    sdf: u8 = 0x68,
    mso: u64 = 0x80,
    msl: u64 = 0x88,
    gpsw_mask: u64 = 0x90,
    gpsw_addr: u64 = 0x98,
    eiparams: u32 = 0xc0,
    extcpuaddr: u16 = 0xc4,
    eic: u16 = 0xc6,
    pgmilc: u16 = 0xcc,
    iprcc: u16 = 0xce,
    faddr: u64 = 0xd0,
    subchannel_id: u16 = 0xe8,
    subchannel_nr: u16 = 0xea,
    io_int_parm: u32 = 0xec,
    io_int_word: u32 = 0xf0,
    gcr: [u64; 16] = 0x100,
    sidad: u64 = 0x180,
}

const _: () = assert!(fields_fit_after(StateDescription::FIELDS, 0, SD_LEN));
const _: () = assert!(PV_GRREGS_OFF >= SD_LEN && PV_GRREGS_OFF + 16 * 8 <= SIE_PAGE_LEN);

impl StateDescription {
    /// The SIDA origin (`sidad` without its size bits).
    pub const fn sida_origin(&self) -> u64 {
        self.sidad & !(SIDA_PAGE - 1)
    }

    /// The SIDA size in bytes (the low 8 bits of `sidad` hold the page count − 1).
    pub const fn sida_len(&self) -> u64 {
        ((self.sidad & 0xff) + 1) * SIDA_PAGE
    }

    /// The machine-check interruption code of a machine-check injection: the doubleword
    /// at 0xc0 that overlays `eiparams`, `extcpuaddr` and `eic` (uv-spec.md §5.1).
    pub const fn mcic(&self) -> u64 {
        ((self.eiparams as u64) << 32) | ((self.extcpuaddr as u64) << 16) | self.eic as u64
    }

    /// Sets [`Self::mcic`] (the overlaid external-interruption fields).
    pub const fn set_mcic(&mut self, mcic: u64) {
        self.eiparams = (mcic >> 32) as u32;
        self.extcpuaddr = (mcic >> 16) as u16;
        self.eic = mcic as u16;
    }

    /// The external damage code of a machine-check injection: the word at 0xcc that
    /// overlays `pgmilc` and `iprcc` (uv-spec.md §5.1).
    pub const fn edc(&self) -> u32 {
        ((self.pgmilc as u32) << 16) | self.iprcc as u32
    }

    /// Sets [`Self::edc`] (the overlaid program-interruption fields).
    pub const fn set_edc(&mut self, edc: u32) {
        self.pgmilc = (edc >> 16) as u16;
        self.iprcc = edc as u16;
    }

    /// The validity reason code of a validity interception (`ipb >> 16`).
    pub const fn validity_reason(&self) -> u16 {
        (self.ipb >> 16) as u16
    }
}

/// Reads `pv_grregs[16]` from a SIE page image.
pub fn pv_grregs(page: &[u8]) -> [u64; 16] {
    <[u64; 16] as BeField>::get(page, PV_GRREGS_OFF).unwrap_or([0; 16])
}

/// Writes `pv_grregs[16]` into a SIE page image.
pub fn set_pv_grregs(page: &mut [u8], regs: [u64; 16]) {
    regs.put(page, PV_GRREGS_OFF);
}

/// How one SIE entry of a secure CPU ended ([`crate::uvc::Ultravisor::sie`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SieExit {
    /// An interception: its code ([`icpt`]) and data were stored into the state
    /// description, `pv_grregs` and the SIDA.
    Intercept(u8),
    /// A host program-interruption condition instead of an interception: the guest
    /// touched a non-secure page (0x3e: import it and re-enter) or another
    /// configuration's page (0x3f) at guest absolute `addr` (page aligned, like the
    /// TEID); or the SIE operand itself was unusable (0x06 state description not page
    /// aligned, 0x05 beyond storage, 0x3d on a secure or donated page; `addr` is then the
    /// host address). The guest's instruction is nullified.
    Program {
        /// The program-interruption code.
        code: u16,
        /// The failing address.
        addr: u64,
    },
    /// The instruction budget is used up; nothing is pending, re-enter at will.
    Budget,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_round_trip() {
        let mut sd = StateDescription {
            pv_handle_cpu: 0x1122_3344_5566_7788,
            icptcode: 0x68,
            ipa: 0x8302,
            ipb: 0x5000_0000,
            sdf: 2,
            gpsw_mask: 0x0000_0001_8000_0000,
            sidad: 0x12_3000 | 1,
            ..Default::default()
        };
        sd.gcr[15] = 7;
        let mut b = [0u8; SD_LEN];
        sd.encode_into(&mut b);
        assert_eq!(b[0x10..0x18], 0x1122_3344_5566_7788u64.to_be_bytes());
        assert_eq!((b[0x50], b[0x56], b[0x57], b[0x58], b[0x68]), (0x68, 0x83, 0x02, 0x50, 2));
        assert_eq!(b[0x178..0x180], 7u64.to_be_bytes());
        assert_eq!(StateDescription::decode(&b), sd);
        assert_eq!((sd.sida_origin(), sd.sida_len()), (0x12_3000, 0x2000));
        let v = StateDescription { ipb: 0x2005_0000, ..Default::default() };
        assert_eq!(v.validity_reason(), validity::ASCE);
        let mut page = [0u8; SIE_PAGE_LEN];
        let mut r = [0u64; 16];
        r[5] = 0x500;
        set_pv_grregs(&mut page, r);
        assert_eq!(page[0x380 + 40..0x380 + 48], 0x500u64.to_be_bytes());
        assert_eq!(pv_grregs(&page), r);
        assert!(!fields_fit_after(&[(0, 8), (4, 4)], 0, 16));
        let mut m = StateDescription::default();
        m.set_mcic(0x8000_0000_1234_5678);
        m.set_edc(0x0102_0304);
        m.faddr = 0x5000;
        let mut b = [0u8; SD_LEN];
        m.encode_into(&mut b);
        assert_eq!(b[0xc0..0xc8], 0x8000_0000_1234_5678u64.to_be_bytes());
        assert_eq!(b[0xcc..0xd0], 0x0102_0304u32.to_be_bytes());
        assert_eq!(b[0xd0..0xd8], 0x5000u64.to_be_bytes());
        let m = StateDescription::decode(&b);
        assert_eq!((m.mcic(), m.edc()), (0x8000_0000_1234_5678, 0x0102_0304));
    }
}
