//! Program-interruption conditions (Principles of Operation, chapter 6, "Program
//! Interruption"; the PV codes from the ultravisor architecture as Linux'
//! `arch/s390/kernel/pgm_check.S` lists them).

/// Program-interruption codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
#[allow(missing_docs)]
pub enum PgmCode {
    Operation = 0x01,
    PrivilegedOperation = 0x02,
    Execute = 0x03,
    Protection = 0x04,
    Addressing = 0x05,
    Specification = 0x06,
    Data = 0x07,
    FixedPointOverflow = 0x08,
    FixedPointDivide = 0x09,
    SegmentTranslation = 0x10,
    PageTranslation = 0x11,
    TranslationSpecification = 0x12,
    SpecialOperation = 0x13,
    AsceType = 0x38,
    RegionFirstTranslation = 0x39,
    RegionSecondTranslation = 0x3a,
    RegionThirdTranslation = 0x3b,
    SecureStorageAccess = 0x3d,
    NonSecureStorageAccess = 0x3e,
    SecureStorageViolation = 0x3f,
}

/// Translation-exception identification bits (the layout KVM's `trans_exc_code_bits`
/// uses): bits 0-51 the page address, 52-53 the fetch/store indication (facility 75),
/// 56/60/61 the protection type (suppression on protection), 62-63 the address space.
pub mod teid {
    /// Fetch/store indication: the access was a store.
    pub const FSI_STORE: u64 = 1 << 10;
    /// Fetch/store indication: the access was a fetch.
    pub const FSI_FETCH: u64 = 2 << 10;
    /// Bit 56: low-address protection.
    pub const B56_LAP: u64 = 1 << 7;
    /// Bit 60: key-controlled protection.
    pub const B60_KEY: u64 = 1 << 3;
    /// Bit 61: DAT protection.
    pub const B61_DAT: u64 = 1 << 2;

    /// The fetch/store indication for an access.
    pub const fn fsi(store: bool) -> u64 {
        if store { FSI_STORE } else { FSI_FETCH }
    }
}

/// A program-interruption condition raised by one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramCheck {
    /// The interruption code.
    pub code: u16,
    /// Translation-exception identification, stored at 0xa8 when present.
    pub teid: Option<u64>,
    /// Data-exception code, stored at 0x90 when present.
    pub dxc: Option<u8>,
}

impl ProgramCheck {
    /// A condition with only a code.
    pub const fn new(code: PgmCode) -> Self {
        Self { code: code as u16, teid: None, dxc: None }
    }

    /// A condition with a translation-exception identification.
    pub const fn with_teid(code: PgmCode, teid: u64) -> Self {
        Self { code: code as u16, teid: Some(teid), dxc: None }
    }

    /// A data exception with its DXC.
    pub const fn data(dxc: u8) -> Self {
        Self { code: PgmCode::Data as u16, teid: None, dxc: Some(dxc) }
    }

    /// Whether the condition nullifies (the old PSW points at the instruction): the
    /// DAT-related and PV storage exceptions. All others suppress or complete, and the
    /// old PSW points at the next instruction.
    pub const fn nullifies(&self) -> bool {
        matches!(self.code, 0x10 | 0x11 | 0x38..=0x3b | 0x3d | 0x3e)
    }
}

impl From<pv_core::StorageFault> for ProgramCheck {
    fn from(f: pv_core::StorageFault) -> Self {
        let code = f.program_interruption_code();
        let teid = match code {
            0x3d | 0x3e => Some(f.addr().get() & !0xfff),
            _ => None,
        };
        Self { code, teid, dxc: None }
    }
}
