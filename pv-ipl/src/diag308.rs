//! DIAGNOSE 308 ("IPL functions") for a normal (non-secure) guest, as a pure state
//! machine (uv-spec.md §6.1–6.3, following QEMU's `handle_diag_308`).
//!
//! The state is the two saved IPIBs: the normal one (subcodes 5/6, used by re-IPL) and the
//! PV one (subcodes 8/9/10). [`Diag308State::execute`] takes the decoded instruction
//! ([`Diag308Request`]), the machine configuration ([`Diag308Config`]) and the guest's
//! absolute storage (the [`Storage`] seam of `pv-core`), and returns what the
//! architecture says happens ([`Diag308Outcome`]): a response code for R1+1, a reset the
//! hypervisor must perform, or a program exception. It never touches CPUs or devices.
//!
//! Checks, in QEMU's order (uv-spec.md §6.1):
//! 1. problem state → privileged-operation exception;
//! 2. subcode with bits outside the low 16 → specification exception;
//! 3. subcode ≥ 8 without facility 161 (unpack) → specification exception;
//! 4. dispatch; subcodes 2, 4, 7 and ≥ 11 → specification exception.
//!
//! Subcodes 5, 6, 8 and 9 first check that R1 is even and the address 4 KiB aligned
//! (specification) and that the whole 4 KiB block is addressable (addressing).
//!
//! Modelling choices *\[inferred\]*:
//! - Subcode 8 also requires `0x88 + 24·num_comp <= len`; QEMU instead reads entries past
//!   `len` from its zero-filled buffer (uv-spec.md §11 item 18).
//! - QEMU's SCSI pseudo type 0xff, which QEMU rebuilds from a device, is answered 0x0402:
//!   this model has no SCSI devices.
//! - The response register is `(R1 + 1) mod 16` (only subcode 10 can see an odd R1).
//! - Subcode 10 returns [`ResetKind::Pv`]; the hypervisor performs the unpack flow
//!   (uv-spec.md §6.5) and, on failure, writes [`pv_start_failure_word`] into R1+1.
//!   Secure-guest handling (intercepts 0x68/0x6c, SIDA) is not modelled here yet.

use alloc::vec::Vec;

use pv_core::storage::check_range;
use pv_core::{GuestAbs, PAGE_SIZE, Storage, StorageFault, be, is_page_aligned};

use crate::ipib::{self, PvBlock};

/// Subcode numbers (uv-spec.md §6.2).
pub mod subcode {
    /// Reset with clear ("modified clear").
    pub const RESET_CLEAR: u64 = 0;
    /// Load-normal reset.
    pub const RESET_NORMAL: u64 = 1;
    /// Release the hardware storage area (not implemented: specification exception).
    pub const RELEASE_HSA: u64 = 2;
    /// Load clear (re-IPL from the saved IPIB).
    pub const LOAD_CLEAR: u64 = 3;
    /// Load normal with dump (not implemented: specification exception).
    pub const LOAD_NORMAL_DUMP: u64 = 4;
    /// Set IPIB.
    pub const SET: u64 = 5;
    /// Store IPIB.
    pub const STORE: u64 = 6;
    /// Load normal without reset (not implemented: specification exception).
    pub const LOAD_NORMAL: u64 = 7;
    /// Set PV IPIB.
    pub const PV_SET: u64 = 8;
    /// Store PV IPIB.
    pub const PV_STORE: u64 = 9;
    /// Unpack and IPL in secure mode.
    pub const PV_START: u64 = 10;
}

/// The KVM PV command numbers that appear in the subcode-10 failure word
/// (uv-spec.md §6.3).
pub mod kvm_pv_cmd {
    /// `KVM_PV_SET_SEC_PARMS` (→ UVC Set Secure Configuration Parameters).
    pub const SET_SEC_PARMS: u16 = 2;
    /// `KVM_PV_UNPACK` (→ UVC Unpack).
    pub const UNPACK: u16 = 3;
    /// `KVM_PV_VERIFY` (→ UVC Verify Unpack).
    pub const VERIFY: u16 = 4;
}

/// The decoded `DIAG R1,R3,0x308` with the register values it reads (uv-spec.md §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diag308Request {
    /// The R1 field (register number 0..=15).
    pub r1: u8,
    /// Contents of general register R1: the IPIB address for subcodes 5, 6, 8, 9.
    pub addr: u64,
    /// Contents of general register R3: the subcode.
    pub subcode: u64,
    /// Whether the PSW was in problem state.
    pub problem_state: bool,
}

impl Diag308Request {
    /// The request for fields `r1`, `r3` (low 4 bits used) and the general registers.
    pub fn from_regs(r1: u8, r3: u8, gprs: &[u64; 16], problem_state: bool) -> Self {
        Self {
            r1: r1 & 0xf,
            addr: gprs[usize::from(r1 & 0xf)],
            subcode: gprs[usize::from(r3 & 0xf)],
            problem_state,
        }
    }

    /// The register that receives the response code: R1+1 (mod 16).
    pub const fn response_reg(&self) -> u8 {
        (self.r1 + 1) & 0xf
    }
}

/// The machine configuration DIAG 308 depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Diag308Config {
    /// Facility 161 (secure unpack) is installed; without it subcodes ≥ 8 are rejected.
    pub unpack_facility: bool,
    /// The host backs the guest with huge pages (subcode 10 then fails with 0x0a02).
    pub huge_pages: bool,
}

/// DIAG 308 response codes, stored in R1+1 (uv-spec.md §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ResponseCode {
    /// 0x0001: OK.
    Ok = 0x0001,
    /// 0x0102: no (PV) IPIB configured.
    NoConf = 0x0102,
    /// 0x0402: IPIB invalid.
    Invalid = 0x0402,
    /// 0x0902: subcode 10 without a valid PV IPIB.
    NoPvConf = 0x0902,
    /// 0x0a02: cannot enter secure mode.
    InvalidForPv = 0x0a02,
}

impl ResponseCode {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        self as u16
    }
}

/// The subcode-10 failure word (QEMU ≥ 2025, uv-spec.md §6.3):
/// `cmd << 48 | rrc << 32 | rc << 16 | 0x0a02`, with `cmd` a [`kvm_pv_cmd`] number.
pub const fn pv_start_failure_word(cmd: u16, rc: u16, rrc: u16) -> u64 {
    (cmd as u64) << 48 | (rrc as u64) << 32 | (rc as u64) << 16 | ResponseCode::InvalidForPv as u64
}

/// Program exceptions DIAG 308 raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgramException {
    /// Privileged operation (code 0x0002).
    PrivilegedOperation,
    /// Specification (code 0x0006).
    Specification,
    /// A storage access failed: addressing (0x0005), or whatever the storage reports.
    Access(StorageFault),
}

impl ProgramException {
    /// The program-interruption code.
    pub const fn code(self) -> u16 {
        match self {
            Self::PrivilegedOperation => 0x0002,
            Self::Specification => 0x0006,
            Self::Access(f) => f.program_interruption_code(),
        }
    }
}

/// The resets DIAG 308 asks the hypervisor to perform (uv-spec.md §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetKind {
    /// Subcode 0: subsystem and crypto reset, clear reset of every CPU, load normal.
    ModifiedClear,
    /// Subcode 1: subsystem reset, normal reset of other CPUs, initial reset of the
    /// issuing CPU, load normal.
    LoadNormal,
    /// Subcode 3: subsystem and device reset, IPL from the saved normal IPIB.
    ReIpl,
    /// Subcode 10: enter secure mode with the saved PV IPIB (uv-spec.md §6.5).
    Pv,
}

/// What one DIAG 308 does (uv-spec.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Diag308Outcome {
    /// The instruction completes; store `rc` into general register `reg` (R1+1).
    Response {
        /// The register number.
        reg: u8,
        /// The response code.
        rc: ResponseCode,
    },
    /// The instruction does not complete; the hypervisor performs this reset.
    Reset(ResetKind),
    /// A program exception is recognized; nothing changed.
    Program(ProgramException),
}

/// The DIAG 308 state of one (normal) guest: its saved IPIBs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diag308State {
    normal: Option<Vec<u8>>,
    pv: Option<Vec<u8>>,
}

impl Diag308State {
    /// No IPIB saved.
    pub const fn new() -> Self {
        Self { normal: None, pv: None }
    }

    /// A state whose normal IPIB is `ipib` (e.g. the block of the IPL device), if it passes
    /// the subcode-5 rules; `None` otherwise.
    pub fn with_normal_ipib(ipib: &[u8]) -> Option<Self> {
        let mut page = [0u8; PAGE_SIZE];
        let n = ipib.len().min(PAGE_SIZE);
        page[..n].copy_from_slice(&ipib[..n]);
        ipib::diag_valid_normal(&page).ok()?;
        let len = be::get_u32(&page, 0)? as usize;
        Some(Self { normal: Some(page[..len].to_vec()), pv: None })
    }

    /// The saved normal IPIB (subcodes 5/6), exactly `len` bytes.
    pub fn normal_ipib(&self) -> Option<&[u8]> {
        self.normal.as_deref()
    }

    /// The saved PV IPIB (subcodes 8/9), exactly `len` bytes.
    pub fn pv_ipib(&self) -> Option<&[u8]> {
        self.pv.as_deref()
    }

    /// The saved PV IPIB's header location and components, for the unpack flow.
    pub fn pv_block(&self) -> Option<PvBlock> {
        let b = self.pv.as_deref()?;
        let mut page = [0u8; PAGE_SIZE];
        page[..b.len()].copy_from_slice(b);
        ipib::pv::diag_view(&page, b.len() as u32).ok()
    }

    /// Executes one DIAG 308 (uv-spec.md §6.1–6.3). Changes the state only on a
    /// successful subcode 5 or 8.
    pub fn execute<S: Storage + ?Sized>(
        &mut self,
        cfg: &Diag308Config,
        req: &Diag308Request,
        storage: &mut S,
    ) -> Diag308Outcome {
        use Diag308Outcome::*;
        use ProgramException::*;
        use subcode::*;
        let respond = |rc| Response { reg: req.response_reg(), rc };
        // Rule 1: privileged instruction.
        if req.problem_state {
            return Program(PrivilegedOperation);
        }
        // Rule 2: only the low 16 bits may be set.
        if req.subcode & !0xffff != 0 {
            return Program(Specification);
        }
        // Rule 3: the PV subcodes need facility 161.
        if req.subcode >= PV_SET && !cfg.unpack_facility {
            return Program(Specification);
        }
        match req.subcode {
            RESET_CLEAR => Reset(ResetKind::ModifiedClear),
            RESET_NORMAL => Reset(ResetKind::LoadNormal),
            LOAD_CLEAR => Reset(ResetKind::ReIpl),
            SET | PV_SET => {
                if let Err(p) = parm_check(req, storage) {
                    return Program(p);
                }
                match self.set(req.subcode == PV_SET, req.addr, storage) {
                    Ok(rc) => respond(rc),
                    Err(p) => Program(p),
                }
            }
            STORE | PV_STORE => {
                if let Err(p) = parm_check(req, storage) {
                    return Program(p);
                }
                let slot = if req.subcode == PV_STORE { &self.pv } else { &self.normal };
                match slot {
                    None => respond(ResponseCode::NoConf),
                    Some(b) => match storage.write(GuestAbs(req.addr), b) {
                        Ok(()) => respond(ResponseCode::Ok),
                        Err(f) => Program(Access(f)),
                    },
                }
            }
            PV_START => {
                if self.pv.is_none() {
                    respond(ResponseCode::NoPvConf)
                } else if cfg.huge_pages {
                    respond(ResponseCode::InvalidForPv)
                } else {
                    Reset(ResetKind::Pv)
                }
            }
            // 2 (release HSA), 4 (load normal with dump), 7 (load normal) and unknown.
            _ => Program(Specification),
        }
    }

    /// Subcodes 5 and 8 after the parameter checks.
    fn set<S: Storage + ?Sized>(
        &mut self,
        pv: bool,
        addr: u64,
        storage: &mut S,
    ) -> Result<ResponseCode, ProgramException> {
        let mut page = [0u8; PAGE_SIZE];
        let access = ProgramException::Access;
        storage.read(GuestAbs(addr), &mut page[..4]).map_err(access)?;
        let len = be::get_u32(&page, 0).unwrap_or(u32::MAX);
        // A block longer than one page is invalid.
        if len > ipib::IPIB_MAX_LEN {
            return Ok(ResponseCode::Invalid);
        }
        storage.read(GuestAbs(addr), &mut page[..len as usize]).map_err(access)?;
        let block = page[..len as usize].to_vec();
        if pv {
            if !valid_pv(&page, len, storage.size()) {
                return Ok(ResponseCode::Invalid);
            }
            self.pv = Some(block);
        } else {
            if ipib::diag_valid_normal(&page).is_err() {
                return Ok(ResponseCode::Invalid);
            }
            self.normal = Some(block);
        }
        Ok(ResponseCode::Ok)
    }
}

/// R1 even and the address page aligned (specification), the 4 KiB block inside the
/// guest's storage (addressing) — uv-spec.md §6.2, subcodes 5/6/8/9.
fn parm_check<S: Storage + ?Sized>(
    req: &Diag308Request,
    storage: &S,
) -> Result<(), ProgramException> {
    if req.r1 & 1 != 0 || !is_page_aligned(req.addr) {
        return Err(ProgramException::Specification);
    }
    check_range(storage.size(), GuestAbs(req.addr), PAGE_SIZE).map_err(ProgramException::Access)
}

/// The subcode-8 rules (uv-spec.md §6.4): pbt 5, `len >= 148`, components fit in `len`,
/// header at most 8192 bytes and inside the guest's storage of `size` bytes, ≥ 1
/// component, aligned addresses, strictly increasing tweak prefixes.
fn valid_pv(page: &[u8], len: u32, size: u64) -> bool {
    let Ok(block) = ipib::pv::diag_view(page, len) else {
        return false;
    };
    // The size was checked against 8192 first, so it fits `usize`.
    block.check_unpack_rules().is_ok()
        && (block.hdr_size == 0 && block.hdr_addr <= size
            || check_range(size, GuestAbs(block.hdr_addr), block.hdr_size as usize).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipib::{Ipib, PvComponent};

    const CFG: Diag308Config = Diag308Config { unpack_facility: true, huge_pages: false };

    fn req(subcode: u64, addr: u64) -> Diag308Request {
        Diag308Request { r1: 2, addr, subcode, problem_state: false }
    }

    fn ccw_ipib() -> Vec<u8> {
        let mut b = alloc::vec![0u8; 200];
        be::put_u32(&mut b, 0, 200);
        be::put_u32(&mut b, 8, 192);
        b[0x0c] = ipib::pbt::CCW;
        be::put_u16(&mut b, 0x6e, 0x1234);
        b
    }

    fn pv_ipib() -> Vec<u8> {
        Ipib::new_pv(
            0x14000,
            640,
            alloc::vec![
                PvComponent { tweak_prefix: 0x0028_0000_0000_0001, addr: 0x15000, len: 0x1000 },
                PvComponent { tweak_prefix: 0x003c_0000_0000_0001, addr: 0x16000, len: 0x1000 },
            ],
        )
        .to_bytes()
        .unwrap()
    }

    /// Flat guest storage (plain bytes, no keys).
    fn storage() -> alloc::vec::Vec<u8> {
        alloc::vec![0u8; 0x20000]
    }

    #[test]
    fn general_checks_in_order() {
        let mut st = Diag308State::new();
        let mut mem = storage();
        let mut r = req(5, 0x1001);
        r.problem_state = true;
        let out = st.execute(&CFG, &r, mem.as_mut_slice());
        assert_eq!(out, Diag308Outcome::Program(ProgramException::PrivilegedOperation));
        let out = st.execute(&CFG, &req(1 << 16, 0), mem.as_mut_slice());
        assert_eq!(out, Diag308Outcome::Program(ProgramException::Specification));
        let no161 = Diag308Config { unpack_facility: false, huge_pages: false };
        for sc in [8, 9, 10] {
            let out = st.execute(&no161, &req(sc, 0), mem.as_mut_slice());
            assert_eq!(out, Diag308Outcome::Program(ProgramException::Specification));
        }
        for sc in [2, 4, 7, 11, 0xffff] {
            let out = st.execute(&CFG, &req(sc, 0), mem.as_mut_slice());
            assert_eq!(out, Diag308Outcome::Program(ProgramException::Specification), "{sc}");
        }
        assert_eq!(
            st.execute(&CFG, &req(0, 0), mem.as_mut_slice()),
            Diag308Outcome::Reset(ResetKind::ModifiedClear)
        );
        assert_eq!(
            st.execute(&CFG, &req(1, 0), mem.as_mut_slice()),
            Diag308Outcome::Reset(ResetKind::LoadNormal)
        );
        assert_eq!(
            st.execute(&CFG, &req(3, 0), mem.as_mut_slice()),
            Diag308Outcome::Reset(ResetKind::ReIpl)
        );
        assert_eq!(st, Diag308State::new());
    }

    #[test]
    fn parameter_checks() {
        let mut st = Diag308State::new();
        let mut mem = storage();
        let mut odd = req(5, 0x1000);
        odd.r1 = 3;
        let spec = Diag308Outcome::Program(ProgramException::Specification);
        let addr = Diag308Outcome::Program(ProgramException::Access(StorageFault::Addressing {
            addr: GuestAbs(0x20000),
        }));
        assert_eq!(st.execute(&CFG, &odd, mem.as_mut_slice()), spec);
        assert_eq!(st.execute(&CFG, &req(6, 0x1008), mem.as_mut_slice()), spec);
        assert_eq!(st.execute(&CFG, &req(8, 0x20000), mem.as_mut_slice()), addr);
        assert_eq!(
            st.execute(&CFG, &req(9, 0x1f000), mem.as_mut_slice()),
            Diag308Outcome::Response { reg: 3, rc: ResponseCode::NoConf }
        );
    }

    #[test]
    fn set_and_store_normal() {
        let mut st = Diag308State::new();
        let mut mem = storage();
        let ok = |rc| Diag308Outcome::Response { reg: 3, rc };
        assert_eq!(st.execute(&CFG, &req(6, 0x2000), mem.as_mut_slice()), ok(ResponseCode::NoConf));
        let blk = ccw_ipib();
        mem[0x1000..0x1000 + 200].copy_from_slice(&blk);
        assert_eq!(st.execute(&CFG, &req(5, 0x1000), mem.as_mut_slice()), ok(ResponseCode::Ok));
        assert_eq!(st.normal_ipib(), Some(&blk[..]));
        assert_eq!(st.execute(&CFG, &req(6, 0x3000), mem.as_mut_slice()), ok(ResponseCode::Ok));
        assert_eq!(&mem[0x3000..0x3000 + 200], &blk[..]);
        // Too long, too short, PV type: 0x0402, and the saved block stays.
        for (len, pbt) in [(4097u32, 2u8), (199, 2), (383, 0), (400, 5), (400, 0xff)] {
            be::put_u32(&mut mem, 0x4000, len);
            mem[0x400c] = pbt;
            assert_eq!(
                st.execute(&CFG, &req(5, 0x4000), mem.as_mut_slice()),
                ok(ResponseCode::Invalid)
            );
            assert_eq!(st.normal_ipib(), Some(&blk[..]));
        }
        assert_eq!(Diag308State::with_normal_ipib(&blk).unwrap().normal_ipib(), Some(&blk[..]));
        assert!(Diag308State::with_normal_ipib(&pv_ipib()).is_none());
    }

    #[test]
    fn set_store_and_start_pv() {
        let mut st = Diag308State::new();
        let mut mem = storage();
        let ok = |rc| Diag308Outcome::Response { reg: 3, rc };
        assert_eq!(st.execute(&CFG, &req(10, 0), mem.as_mut_slice()), ok(ResponseCode::NoPvConf));
        let blk = pv_ipib();
        mem[0x1000..0x1000 + blk.len()].copy_from_slice(&blk);
        // A normal set rejects type 5.
        assert_eq!(
            st.execute(&CFG, &req(5, 0x1000), mem.as_mut_slice()),
            ok(ResponseCode::Invalid)
        );
        assert_eq!(st.execute(&CFG, &req(8, 0x1000), mem.as_mut_slice()), ok(ResponseCode::Ok));
        assert_eq!(st.pv_ipib(), Some(&blk[..]));
        assert_eq!(st.pv_block().unwrap().components.len(), 2);
        assert_eq!(st.execute(&CFG, &req(9, 0x5000), mem.as_mut_slice()), ok(ResponseCode::Ok));
        assert_eq!(&mem[0x5000..0x5000 + blk.len()], &blk[..]);
        assert_eq!(st.execute(&CFG, &req(6, 0x5000), mem.as_mut_slice()), ok(ResponseCode::NoConf));
        assert_eq!(
            st.execute(&CFG, &req(10, 0), mem.as_mut_slice()),
            Diag308Outcome::Reset(ResetKind::Pv)
        );
        let huge = Diag308Config { unpack_facility: true, huge_pages: true };
        assert_eq!(
            st.execute(&huge, &req(10, 0), mem.as_mut_slice()),
            ok(ResponseCode::InvalidForPv)
        );
    }

    #[test]
    fn pv_rules() {
        let mut mem = storage();
        let ok = |rc| Diag308Outcome::Response { reg: 3, rc };
        let good = pv_ipib();
        let cases: [(usize, &[u8]); 6] = [
            (0x80, &8193u64.to_be_bytes()),        // header too large
            (0x78, &0x1ff00u64.to_be_bytes()),     // header not readable
            (0x74, &0u32.to_be_bytes()),           // no components
            (0x74, &3u32.to_be_bytes()),           // more components than len
            (0x88 + 8, &0x15008u64.to_be_bytes()), // unaligned address
            (0x88 + 24, &0x0028_0000_0000_0001u64.to_be_bytes()), // prefixes not increasing
        ];
        for (off, bytes) in cases {
            let mut st = Diag308State::new();
            let mut b = good.clone();
            b[off..off + bytes.len()].copy_from_slice(bytes);
            mem[0x1000..0x1000 + b.len()].copy_from_slice(&b);
            assert_eq!(
                st.execute(&CFG, &req(8, 0x1000), mem.as_mut_slice()),
                ok(ResponseCode::Invalid),
                "{off:#x}"
            );
            assert_eq!(st.pv_ipib(), None);
        }
        // QEMU's minimum is 148 bytes (uv-spec.md §11 item 18).
        let mut st = Diag308State::new();
        let mut b = good.clone();
        be::put_u32(&mut b, 0, 147);
        mem[0x1000..0x1000 + b.len()].copy_from_slice(&b);
        assert_eq!(
            st.execute(&CFG, &req(8, 0x1000), mem.as_mut_slice()),
            ok(ResponseCode::Invalid)
        );
    }

    #[test]
    fn failure_word_and_registers() {
        assert_eq!(pv_start_failure_word(kvm_pv_cmd::UNPACK, 0x0102, 0x1b), 0x0003_001b_0102_0a02);
        let mut gprs = [0u64; 16];
        gprs[4] = 0x1000;
        gprs[15] = 5;
        let r = Diag308Request::from_regs(4, 15, &gprs, false);
        assert_eq!((r.addr, r.subcode, r.response_reg()), (0x1000, 5, 5));
        assert_eq!(Diag308Request::from_regs(15, 0, &gprs, false).response_reg(), 0);
        assert_eq!(ProgramException::Specification.code(), 6);
        let fault = StorageFault::Addressing { addr: GuestAbs(0) };
        assert_eq!(ProgramException::Access(fault).code(), 5);
        assert_eq!(ResponseCode::InvalidForPv.code(), 0x0a02);
    }
}
