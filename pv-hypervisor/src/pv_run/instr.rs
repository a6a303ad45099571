//! The host's answers to a secure CPU's instruction interceptions (0x68) and
//! notifications (0x6c), from the text, `pv_grregs` and the SIDA only (uv-spec.md §5.3,
//! §5.4, §6.2). After a 0x68 the host's CC (PSW mask), output registers and SIDA
//! complete the instruction on the next entry, or it injects a specification exception
//! (`iictl` 0x10); after a 0x6c the ultravisor already executed it and the host only
//! learns about it.
//!
//! - SERVC (0x68): the SCCB from the SIDA through [`crate::sclp::Sclp::process_sccb`],
//!   the response back into the SIDA, CC 0, a service signal owed. SERVC (0x6c, a bad
//!   SCCB the ultravisor completed itself): a service signal owed.
//! - STSI (0x68): [`crate::stsi::stsi`] as for a normal guest: the SYSIB into the SIDA
//!   and CC 0, the level into GR0, CC 3, or a specification exception.
//! - SIGP stop and store status (0x68): to CPU 0 itself CC 0, the CPU is set stopped and
//!   the run ends; other addresses CC 3 (not operational). Other SIGP orders (0x6c): a
//!   stop (5) to CPU 0 itself stops it the same way; everything else needs nothing (the
//!   ultravisor already gave CC 0, the host cannot change it).
//! - SPX (0x6c): the new prefix from SIDA offset 0.
//! - DIAG 0x44, 0x9c (0x6c): nothing (yield).
//! - DIAG 0x288 (0x68): [`crate::diag288::Watchdog`]'s checks (a specification
//!   exception if refused), else CC 0; the host sees no guest time, so the watchdog never
//!   expires *\[pvsim choice\]*.
//! - DIAG 0x500 (0x68), as QEMU without virtio devices: subcode 3 (virtio-ccw notify)
//!   returns −22 (−EINVAL, no such subchannel) in GR2, subcode 4 (storage limit) the
//!   highest guest address, other subcodes a specification exception.
//! - DIAG 0x308 subcodes 0 and 1 (0x6c), 3 (0x68): the run ends with
//!   [`super::PvRunEnd::ResetRequest`]. Subcodes 5 and 6 (0x68): set or store the
//!   normal IPIB through the SIDA, response 0x0001, 0x0102 (none stored) or 0x0402
//!   (invalid) in GR1.
//! - Other DIAGs (0x68): a specification exception, as QEMU gives unknown DIAGs.
//! - CSCH, HSCH, MSCH, SSCH, STSCH, TSCH, RSCH, XSCH, RCHP, CHSC: CC 3, a configuration
//!   without devices *\[as pv-hypervisor's non-secure machine\]*; TPI: CC 0 (nothing
//!   pending); STCRW: a zero CRW, CC 1; SCHM, STCPS: nothing.
//! - UVC (0x6c, Remove Shared on a pinned page): nothing; this host pins no pages.

use pv_core::be;
use pv_core::sie::iictl;
use pv_core::uvc::Ultravisor;

use super::{Next, PvRun, PvRunEnd, PvRunError, Seen, cpu_state, unhandled};
use crate::diag288::{MIN_TIMEOUT, Watchdog, function};
use crate::stsi::{self, StsiFacts, StsiOutcome};

/// The DIAGNOSE text every DIAG interception carries (uv-spec.md §5.3).
const DIAG_IPA: u16 = 0x8302;
/// SERVICE CALL.
const SERVC_IPA: u16 = 0xb220;
/// STORE SYSTEM INFORMATION.
const STSI_IPA: u16 = 0xb27d;
/// SET PREFIX.
const SPX_IPA: u16 = 0xb210;
/// The SIGP opcode (first byte of the text).
const SIGP_OP: u16 = 0xae;
/// SIGP orders: stop, stop and store status.
const SIGP_STOP: u64 = 5;
const SIGP_STOP_STORE: u64 = 9;
/// DIAG 308 response codes (uv-spec.md §6.3).
const DIAG308_OK: u64 = 0x0001;
const DIAG308_NO_IPIB: u64 = 0x0102;
const DIAG308_INVALID: u64 = 0x0402;
/// −EINVAL, what QEMU's virtio-ccw notify returns for a subchannel that does not exist.
const EINVAL: i64 = -22;

/// The channel-subsystem instructions that find no device (CC 3).
const NO_DEVICE: [u16; 9] =
    [0xb230, 0xb231, 0xb232, 0xb233, 0xb234, 0xb235, 0xb238, 0xb276, 0xb23b];
/// CHSC (RRE, opcode 0xb95f).
const CHSC_IPA: u16 = 0xb95f;
/// TPI, STCRW, SCHM, STCPS.
const TPI_IPA: u16 = 0xb236;
const STCRW_IPA: u16 = 0xb239;
const SCHM_IPA: u16 = 0xb23c;
const STCPS_IPA: u16 = 0xb23a;

impl PvRun {
    /// A 0x68 interception: emulate, leaving the results in `seen` and the SIDA.
    pub(super) fn instruction<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        seen: &mut Seen,
    ) -> Result<Next, PvRunError<U::Error>> {
        let ipa = seen.sd.ipa;
        match ipa {
            DIAG_IPA => self.diag(uv, seen),
            SERVC_IPA => self.servc(uv, seen),
            STSI_IPA => self.stsi(uv, seen),
            _ if ipa >> 8 == SIGP_OP => self.sigp_stop_store(uv, seen),
            _ if NO_DEVICE.contains(&ipa) || ipa == CHSC_IPA => {
                seen.set_cc(3);
                Ok(Next::Enter)
            }
            TPI_IPA => {
                seen.set_cc(0);
                Ok(Next::Enter)
            }
            STCRW_IPA => {
                self.sida_write(uv, &[0; 4])?;
                seen.set_cc(1);
                Ok(Next::Enter)
            }
            SCHM_IPA | STCPS_IPA => Ok(Next::Enter),
            _ => Err(unhandled(&seen.sd)),
        }
    }

    /// A 0x6c notification: learn what the ultravisor did.
    pub(super) fn notification<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        seen: &Seen,
    ) -> Result<Next, PvRunError<U::Error>> {
        let r = seen.grregs();
        match seen.sd.ipa {
            SPX_IPA => {
                let b = self.sida_read(uv, 4)?;
                self.prefix = u64::from(be::get_u32(&b, 0).unwrap_or(0) & 0x7fff_e000);
            }
            // A bad SCCB: the ultravisor completed SERVC itself; the signal is still owed.
            SERVC_IPA => {
                let pending = self.sclp.events.event_pending();
                self.owe_service_signal(pending);
            }
            DIAG_IPA if r[5] == 0x308 && r[2] <= 1 => {
                return Ok(Next::End(PvRunEnd::ResetRequest { subcode: r[2] as u8 }));
            }
            ipa if ipa >> 8 == SIGP_OP => {
                let (order, target) = sigp_order(seen);
                if matches!(order, SIGP_STOP | SIGP_STOP_STORE) && target == 0 {
                    self.set_cpu_state(uv, cpu_state::STOPPED)?;
                    return Ok(Next::End(PvRunEnd::Stopped));
                }
            }
            // DIAG 0x44 / 0x9c, UVC Remove Shared on a pinned page, anything else: the
            // ultravisor executed it, nothing for this host to do.
            _ => {}
        }
        Ok(Next::Enter)
    }

    /// SERVC (0x68): the SCCB in the SIDA.
    fn servc<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        seen: &mut Seen,
    ) -> Result<Next, PvRunError<U::Error>> {
        let r1 = ((seen.sd.ipb >> 20) & 0xf) as usize;
        let command = seen.grregs()[r1] as u32;
        let hdr = self.sida_read(uv, 2)?;
        let len = usize::from(be::get_u16(&hdr, 0).unwrap_or(0));
        let mut sccb = self.sida_read(uv, len)?;
        let pending = self.sclp.process_sccb(&mut sccb, &self.info, &mut self.console, command);
        self.sida_write(uv, &sccb)?;
        seen.set_cc(0);
        self.owe_service_signal(pending);
        Ok(Next::Enter)
    }

    /// STSI (0x68): GR0 and GR1 exposed; the operand address is the ultravisor's.
    fn stsi<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        seen: &mut Seen,
    ) -> Result<Next, PvRunError<U::Error>> {
        let mut r = seen.grregs();
        let facts =
            StsiFacts { names: &self.opts.names, cpus: self.cpus.len() as u16, cpu_addr: 0 };
        // The alignment of the operand is checked by the ultravisor when it stores.
        match stsi::stsi(r[0], r[1], 0, &facts) {
            StsiOutcome::Level { r0 } => {
                r[0] = r0;
                seen.set_grregs(r);
                seen.set_cc(0);
            }
            StsiOutcome::Store(block) => {
                self.sida_write(uv, &block[..])?;
                seen.set_cc(0);
            }
            StsiOutcome::NotAvailable => seen.set_cc(3),
            StsiOutcome::Program(_) => seen.sd.iictl = iictl::PGM_SPEC,
        }
        Ok(Next::Enter)
    }

    /// SIGP stop and store status (the only SIGP order that is a 0x68).
    fn sigp_stop_store<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        seen: &mut Seen,
    ) -> Result<Next, PvRunError<U::Error>> {
        let (_, target) = sigp_order(seen);
        if target == 0 {
            // The issuer stops itself: CC 0 for the instruction, then the CPU is set
            // stopped as QEMU does; the caller sees a stopped CPU.
            seen.set_cc(0);
            self.set_cpu_state(uv, cpu_state::STOPPED)?;
            return Ok(Next::End(PvRunEnd::Stopped));
        }
        seen.set_cc(3);
        Ok(Next::Enter)
    }

    /// DIAGNOSE (0x68): GR0 = R1, GR1 = R1+1, GR2 = R3, GR5 = the function code.
    fn diag<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        seen: &mut Seen,
    ) -> Result<Next, PvRunError<U::Error>> {
        let mut r = seen.grregs();
        match r[5] {
            0x500 => match r[1] {
                3 => r[2] = EINVAL as u64,
                4 => r[2] = self.layout.msl.saturating_sub(1),
                _ => {
                    seen.sd.iictl = iictl::PGM_SPEC;
                    return Ok(Next::Enter);
                }
            },
            0x288 => {
                // The checks only: the host sees no guest time, so it never expires.
                let mut w = Watchdog::default();
                if self.watchdog_armed {
                    let _ = w.execute(0, function::INIT, MIN_TIMEOUT, 0, 0);
                }
                match w.execute(0, r[0], r[1], r[2], 0) {
                    Ok(()) => {
                        self.watchdog_armed = w.deadline().is_some();
                        seen.set_cc(0);
                    }
                    Err(_) => seen.sd.iictl = iictl::PGM_SPEC,
                }
                return Ok(Next::Enter);
            }
            0x308 => match r[2] {
                3 => return Ok(Next::End(PvRunEnd::ResetRequest { subcode: 3 })),
                5 => {
                    let hdr = self.sida_read(uv, 4)?;
                    let len = be::get_u32(&hdr, 0).unwrap_or(0) as usize;
                    r[1] = if valid_normal_ipib(&self.sida_read(uv, len)?, len) {
                        self.ipib = Some(self.sida_read(uv, len)?);
                        DIAG308_OK
                    } else {
                        DIAG308_INVALID
                    };
                }
                6 => {
                    r[1] = match &self.ipib {
                        Some(b) => {
                            let b = b.clone();
                            self.sida_write(uv, &b)?;
                            DIAG308_OK
                        }
                        None => DIAG308_NO_IPIB,
                    };
                }
                _ => {
                    seen.sd.iictl = iictl::PGM_SPEC;
                    return Ok(Next::Enter);
                }
            },
            _ => {
                seen.sd.iictl = iictl::PGM_SPEC;
                return Ok(Next::Enter);
            }
        }
        seen.set_grregs(r);
        Ok(Next::Enter)
    }
}

/// The SIGP order and target CPU address of a SIGP interception: the order is D2 plus
/// the base register when the ultravisor exposed it (only R1, R1+1 and R3 are), the
/// target the low halfword of R3.
fn sigp_order(seen: &Seen) -> (u64, u64) {
    let r = seen.grregs();
    let r3 = usize::from(seen.sd.ipa & 0xf);
    let b2 = ((seen.sd.ipb >> 28) & 0xf) as usize;
    let d2 = u64::from((seen.sd.ipb >> 16) & 0xfff);
    let base = if b2 == 0 { 0 } else { r[b2] };
    (base.wrapping_add(d2) & 0xff, r[r3] & 0xffff)
}

/// DIAG 308 subcode 5's check of a normal IPIB (uv-spec.md §6.2): at most 4 KiB, and an
/// FCP block of at least 384 bytes or a CCW block of at least 200 (type 5, PV, is not
/// accepted here).
fn valid_normal_ipib(b: &[u8], len: usize) -> bool {
    if len > 4096 || b.len() < len || len < 0x0d {
        return false;
    }
    matches!((b[0x0c], len), (0, 384..) | (2, 200..))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pv_core::sie::{SIE_PAGE_LEN, StateDescription, icpt, set_pv_grregs};

    fn seen(ipa: u16, ipb: u32, r: [u64; 16]) -> Seen {
        let mut page = vec![0u8; SIE_PAGE_LEN];
        set_pv_grregs(&mut page, r);
        Seen {
            sd: StateDescription { icptcode: icpt::PV_NOTIFY, ipa, ipb, ..Default::default() },
            page,
        }
    }

    #[test]
    fn sigp_order_and_target() {
        let mut r = [0u64; 16];
        r[3] = 0x1_0001;
        // sigp %r4,%r3,5: order 5 to CPU 1.
        assert_eq!(sigp_order(&seen(0xae43, 0x0005_0000, r)), (5, 1));
        // sigp %r4,%r3,9(%r5) with an unexposed base register (0): order 9.
        assert_eq!(sigp_order(&seen(0xae43, 0x5009_0000, r)), (9, 1));
        r[4] = 0x100;
        // The base register is R1 (exposed): 0x100 + 1, order byte 1.
        assert_eq!(sigp_order(&seen(0xae43, 0x4001_0000, r)), (1, 1));
    }

    #[test]
    fn normal_ipib_types_and_lengths() {
        let mut b = vec![0u8; 4096];
        b[0x0c] = 0;
        assert!(valid_normal_ipib(&b, 384));
        assert!(!valid_normal_ipib(&b, 383));
        b[0x0c] = 2;
        assert!(valid_normal_ipib(&b, 200));
        assert!(!valid_normal_ipib(&b, 199));
        b[0x0c] = 5;
        assert!(!valid_normal_ipib(&b, 400), "PV blocks are not normal IPIBs");
        assert!(!valid_normal_ipib(&b, 4097));
        assert!(!valid_normal_ipib(&b[..8], 8));
    }
}
