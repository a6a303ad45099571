//! A hostile host tampers with the state description, `pv_grregs`, the SIDA and the ASCE
//! between SIE entries of a real secure guest. After every entry: no panic, no model
//! error, the page tables agree, the guest's secret registers appear nowhere the host can
//! read, and `pv_grregs` is all zero unless the exit is an instruction interception.
//! `PV_UV_PROPTEST_CASES=N` for more cases (16 by default). The guest is the first SIE
//! program or program 4 of `sie_rules.rs`; injections include machine checks (`eiparams`
//! is the high word of the MCIC).

mod sie_support;
mod support;

use proptest::prelude::*;
use pv_core::sie::{SieExit, StateDescription};
use pv_core::uvc::Ultravisor as _;
use sie_support::*;

#[derive(Debug, Clone)]
enum Tamper {
    /// Write `v` (its low `len` bytes) at state-description offset `off`.
    Sd { off: usize, len: usize, v: u64 },
    /// Set `pv_grregs[i]`.
    Reg { i: usize, v: u64 },
    /// Write bytes into the SIDA.
    Sida { off: usize, v: u64 },
    /// An injection with these controls.
    Inject { iictl: u8, eic: u16, param: u32 },
    /// Flip an ASCE bit for this entry.
    Asce { bit: u8 },
    /// Put the known-good handles, sdf and SIDA back.
    Restore,
    /// Nothing.
    None,
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (0usize..0x200, 1usize..=8, any::<u64>()).prop_map(|(off, len, v)| Tamper::Sd {
            off,
            len,
            v
        }),
        (0usize..16, any::<u64>()).prop_map(|(i, v)| Tamper::Reg { i, v }),
        (0usize..0x200, any::<u64>()).prop_map(|(off, v)| Tamper::Sida { off, v }),
        (
            prop::sample::select(vec![0u8, 1, 1, 2, 3, 4, 5, 0x10, 0x11, 0xff]),
            prop::sample::select(vec![0x1004u16, 0x1005, 0x1201, 0x1202, 0x2401, 0x2603, 0]),
            prop::sample::select(vec![0u32, 0x43001, 0x8000_0000, 0x0080_0000, 0x4000_0000])
        )
            .prop_map(|(iictl, eic, param)| Tamper::Inject { iictl, eic, param }),
        (0u8..64).prop_map(|bit| Tamper::Asce { bit }),
        Just(Tamper::Restore),
        Just(Tamper::None),
        Just(Tamper::None),
    ]
}

fn check_view(g: &mut Guest, exit: SieExit) {
    let mut bytes = g.page();
    bytes.extend(g.sida(4096));
    for w in bytes.chunks(4) {
        let x = u64::from(u32::from_be_bytes(w.try_into().unwrap()));
        assert!(x != SECRET11 && x != SECRET13, "guest register leaked after {exit:?}");
    }
    let instr = matches!(exit, SieExit::Intercept(0x68 | 0x6c));
    if !instr {
        assert_eq!(g.grregs(), [0; 16], "registers exposed after {exit:?}");
    }
    let sd = g.get_sd();
    if exit != SieExit::Intercept(0x20) {
        // A validity interception leaves the host's own PSW copy alone.
        assert_eq!(sd.gpsw_addr, 0, "instruction address exposed");
        assert_eq!(sd.gpsw_mask & !0x0307_3001_8000_0000, 0, "PSW bits exposed");
    }
    g.h.uv.check_consistency().unwrap();
}

fn cases() -> u32 {
    std::env::var("PV_UV_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn tampering_never_panics_or_leaks(
        rules in any::<bool>(),
        steps in prop::collection::vec((tamper(), prop::sample::select(vec![1u64, 7, 100, BUDGET])), 1..40)
    ) {
        // The first program, or program 4 (bad SCCB, mask notifications, machine checks,
        // the timer loop).
        let mut g = Guest::boot(&if rules { sie_support::rules::program4() } else { program() });
        let good = g.get_sd();
        for (t, budget) in steps {
            let mut asce = g.asce;
            match t {
                Tamper::Sd { off, len, v } => {
                    let mut p = g.page();
                    let n = len.min(0x200 - off);
                    p[off..off + n].copy_from_slice(&v.to_be_bytes()[8 - n..]);
                    g.h.write(g.sd, &p);
                }
                Tamper::Reg { i, v } => {
                    let mut r = g.grregs();
                    r[i] = v;
                    g.set_grregs(r);
                }
                Tamper::Sida { off, v } => g.h.write(SIDA + off as u64, &v.to_be_bytes()),
                Tamper::Inject { iictl, eic, param } => {
                    let mut s = g.get_sd();
                    (s.iictl, s.eic, s.eiparams) = (iictl, eic, param);
                    g.put_sd(&s);
                }
                Tamper::Asce { bit } => asce ^= 1 << bit,
                Tamper::Restore => {
                    let mut s = g.get_sd();
                    s.pv_handle_cpu = good.pv_handle_cpu;
                    s.pv_handle_config = good.pv_handle_config;
                    (s.sdf, s.sidad, s.iictl) = (2, SIDA, 0);
                    s.cputm = 0;
                    s.cpuflags = 0;
                    g.put_sd(&s);
                }
                Tamper::None => {}
            }
            let exit = g.h.uv.sie(g.sd, asce, budget).unwrap();
            check_view(&mut g, exit);
            // A cooperative host imports what the guest needs.
            match exit {
                SieExit::Intercept(0x70) => {
                    let p = g.guest_prefix();
                    g.import(p);
                    g.import(p + 0x1000);
                }
                SieExit::Program { code: 0x3e, addr } if addr < 0x400_0000 => g.import(addr),
                _ => {}
            }
        }
        let _ = StateDescription::decode(&g.page());
    }
}
