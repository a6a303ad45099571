//! What the host sees when SIE ends (uv-spec.md §5.1, §5.4): the interception data stored
//! into the state description, `pv_grregs` and the SIDA, and nothing else of the guest.

use alloc::vec::Vec;

use pv_core::psw::{
    PSW_MASK_BA, PSW_MASK_CC, PSW_MASK_EA, PSW_MASK_EXT, PSW_MASK_IO, PSW_MASK_MCHECK,
    PSW_MASK_WAIT,
};
use pv_core::sie::{SieExit, StateDescription, icpt, iictl, set_pv_grregs};
use pv_core::{GuestAbs, Storage};

use super::Ctx;
use crate::error::{Error, Result};
use crate::ultravisor::Ultravisor;

/// The PSW mask bits the host sees *\[inferred\]*.
pub(crate) const PSW_VISIBLE: u64 = PSW_MASK_IO
    | PSW_MASK_EXT
    | PSW_MASK_MCHECK
    | PSW_MASK_WAIT
    | PSW_MASK_CC
    | PSW_MASK_EA
    | PSW_MASK_BA;
/// The CR0 bits the host sees: the external subclass masks (bits 48-54) *\[inferred\]*.
pub(crate) const CR0_VISIBLE: u64 = 0xfe00;
/// The CR6 bits the host sees: the I/O interruption subclass masks *\[inferred\]*.
pub(crate) const CR6_VISIBLE: u64 = 0xff00_0000;
/// The CR14 bits the host sees: the machine-check subclass masks *\[inferred\]*.
pub(crate) const CR14_VISIBLE: u64 = 0x1f00_0000;

/// One interception as the host will see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Icpt {
    /// The interception code.
    pub code: u8,
    /// Instruction text (first halfword).
    pub ipa: u16,
    /// Instruction text (rest), or the validity reason in the high halfword.
    pub ipb: u32,
    /// `pv_grregs`: the registers of the intercepted instruction, others zero.
    pub gr: [u64; 16],
    /// Bytes stored at SIDA offset 0, if the instruction moves data through it.
    pub sida: Option<Vec<u8>>,
    /// Program ILC and code (interception 0x08).
    pub pgm: (u16, u16),
    /// The external-interruption code of an external-interruption loop (0x14).
    pub eic: u16,
}

impl Icpt {
    /// An interception with only a code.
    pub fn code(code: u8) -> Self {
        Self { code, ..Self::default() }
    }

    /// A validity interception with `reason`.
    pub fn validity(reason: u16) -> Self {
        Self { code: icpt::VALIDITY, ipb: u32::from(reason) << 16, ..Self::default() }
    }

    /// An interception with the text of the 2-, 4- or 6-byte instruction `text`.
    pub fn text(code: u8, text: &[u8; 6]) -> Self {
        let ipa = u16::from_be_bytes([text[0], text[1]]);
        let ipb = u32::from_be_bytes([text[2], text[3], text[4], text[5]]);
        Self { code, ipa, ipb, ..Self::default() }
    }
}

/// The guest state the host may see (masked), or nothing for a validity interception.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Exposed {
    /// `Some((psw mask, [cr0, cr6, cr14], cputm))`, already masked.
    state: Option<(u64, [u64; 3], u64)>,
    /// The interruption chosen with `iictl` was delivered (`iictl` reads 0 again);
    /// otherwise the host's `iictl` stays as it was.
    injected: bool,
}

impl Exposed {
    /// Nothing (validity: the CPU may not even exist).
    pub fn none() -> Self {
        Self::default()
    }

    /// What the host may see of CPU `ctx.cpu`.
    pub fn of(uv: &Ultravisor, ctx: &Ctx) -> Result<Self> {
        let cpu = uv.cpus.get(&ctx.cpu).ok_or(Error::Inconsistent { what: "sie cpu" })?;
        let s = &cpu.sie.emu.state;
        let cr = [s.cr[0] & CR0_VISIBLE, s.cr[6] & CR6_VISIBLE, s.cr[14] & CR14_VISIBLE];
        Ok(Self { state: Some((s.psw.mask & PSW_VISIBLE, cr, s.cpu_timer)), injected: false })
    }

    /// The same, with the injection marked as delivered.
    pub fn injected(self, injected: bool) -> Self {
        Self { injected, ..self }
    }
}

/// Stores `icpt` and `exposed` into the SIE page image `page` and writes it (and the
/// SIDA data) back to host storage.
pub(crate) fn write_back(
    uv: &mut Ultravisor,
    sd_addr: u64,
    page: &mut [u8],
    exposed: &Exposed,
    i: &Icpt,
) -> Result<()> {
    let mut sd = StateDescription::decode(page);
    sd.icptcode = i.code;
    sd.ipa = i.ipa;
    sd.ipb = i.ipb;
    if exposed.injected {
        sd.iictl = iictl::NONE;
    }
    (sd.pgmilc, sd.iprcc) = i.pgm;
    if i.code == icpt::EXTERNAL {
        sd.eic = i.eic;
    }
    if let Some((mask, cr, cputm)) = exposed.state {
        sd.gpsw_mask = mask;
        sd.gpsw_addr = 0;
        sd.gcr = [0; 16];
        (sd.gcr[0], sd.gcr[6], sd.gcr[14]) = (cr[0], cr[1], cr[2]);
        sd.cputm = cputm;
    }
    sd.encode_into(page);
    set_pv_grregs(page, i.gr);
    // The SIE page and the SIDA were checked host-accessible at entry and nothing the
    // guest does changes that; a failure here is a model fault.
    let bad = |_| Error::Inconsistent { what: "SIE page or SIDA store" };
    Storage::write(&mut uv.mem, GuestAbs(sd_addr), page).map_err(bad)?;
    if let Some(data) = &i.sida {
        let n = data.len().min(sd.sida_len() as usize);
        Storage::write(&mut uv.mem, GuestAbs(sd.sida_origin()), &data[..n]).map_err(bad)?;
    }
    Ok(())
}

/// Ends SIE with interception `i`.
pub(crate) fn exit(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    sd_addr: u64,
    page: &mut [u8],
    i: Icpt,
    injected: bool,
) -> Result<SieExit> {
    let exposed = Exposed::of(uv, ctx)?.injected(injected);
    sync_psw(uv, ctx)?;
    write_back(uv, sd_addr, page, &exposed, &i)?;
    Ok(SieExit::Intercept(i.code))
}

/// Ends SIE without an interception (a host program-interruption condition or the
/// budget): the state description gets interception code 0 and no registers.
pub(crate) fn exit_plain(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    sd_addr: u64,
    page: &mut [u8],
    e: SieExit,
    injected: bool,
) -> Result<SieExit> {
    let exposed = Exposed::of(uv, ctx)?.injected(injected);
    sync_psw(uv, ctx)?;
    write_back(uv, sd_addr, page, &exposed, &Icpt::code(0))?;
    Ok(e)
}

/// Keeps [`crate::sec_cpu::SecureCpu::psw`] equal to the running PSW, and notes the
/// host clock at the exit (the CPU-timer rule of the next entry).
fn sync_psw(uv: &mut Ultravisor, ctx: &Ctx) -> Result<()> {
    let now = uv.clock.now();
    let cpu = uv.cpus.get_mut(&ctx.cpu).ok_or(Error::Inconsistent { what: "sie cpu" })?;
    cpu.psw = cpu.sie.emu.state.psw;
    cpu.sie.exit_tod = Some(now);
    Ok(())
}
