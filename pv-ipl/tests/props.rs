//! Property tests: the DIAG 308 state machine under random instruction sequences, and the
//! IPIB parser/serializer as a bijection on the bytes it accepts.

use proptest::prelude::*;
use pv_core::be;
use pv_ipl::diag308::{
    Diag308Config, Diag308Outcome, Diag308Request, Diag308State, ProgramException, ResetKind,
    ResponseCode, subcode,
};
use pv_ipl::ipib::{
    CcwBlock, FcpBlock, Ipib, NvmeBlock, ParamBlock, Pb0Common, PvComponent, diag_valid_normal,
};

const MEM: usize = 16 * 4096;

/// A candidate IPIB: valid blocks of each kind, then byte-level damage.
fn candidate() -> impl Strategy<Value = Vec<u8>> {
    let pv = (1usize..5, any::<u64>(), 0u64..9000).prop_map(|(n, seed, hdr_size)| {
        let comps = (0..n as u64)
            .map(|i| PvComponent {
                tweak_prefix: (0x28 + 10 * i) << 48 | (seed & 0xffff_ffff_ffff),
                addr: 0x2000 + 0x1000 * i,
                len: 0x1000,
            })
            .collect();
        Ipib::new_pv(0x1000, hdr_size, comps).to_bytes().unwrap()
    });
    let ccw = (0u8..8, any::<u16>(), proptest::collection::vec(any::<u8>(), 0..=64)).prop_map(
        |(ssid, devno, vm_parm)| {
            let block = CcwBlock { ssid, devno, vm_flags: 0x40, nss_name: [0; 8], vm_parm };
            ipib(ParamBlock::Ccw(block))
        },
    );
    let fcp = (any::<u64>(), proptest::collection::vec(any::<u8>(), 0..64)).prop_map(
        |(wwpn, scp_data)| {
            let block = FcpBlock { opt: 0x10, wwpn, scp_data, ..FcpBlock::default() };
            ipib(ParamBlock::Fcp(block))
        },
    );
    let nvme = (any::<u32>(), any::<u32>()).prop_map(|(fid, nsid)| {
        ipib(ParamBlock::Nvme(NvmeBlock { fid, nsid, ..NvmeBlock::default() }))
    });
    let raw = proptest::collection::vec(any::<u8>(), 0..300);
    let valid = prop_oneof![pv, ccw, fcp, nvme];
    prop_oneof![
        3 => valid.clone(),
        2 => (valid, proptest::collection::vec((any::<u16>(), any::<u8>()), 1..4)).prop_map(
            |(mut b, edits)| {
                for (at, v) in edits {
                    let i = at as usize % b.len();
                    b[i] = v;
                }
                b
            }
        ),
        1 => raw,
    ]
}

fn ipib(block: ParamBlock) -> Vec<u8> {
    Ipib { flags: 0, version: 1, common: Pb0Common::default(), block }.to_bytes().unwrap()
}

#[derive(Debug, Clone)]
struct Step {
    subcode: u64,
    r1: u8,
    addr: u64,
    problem_state: bool,
    /// Bytes placed at page `page` of storage before the instruction.
    poke: Option<(usize, Vec<u8>)>,
}

fn step() -> impl Strategy<Value = Step> {
    let sub = prop_oneof![
        4 => prop_oneof![Just(5u64), Just(6), Just(8), Just(9)],
        4 => 0u64..12,
        1 => 12u64..0x10000,
        1 => any::<u64>(),
    ];
    // Usually the instruction addresses the page just written; sometimes anything.
    let addr = prop_oneof![
        6 => Just(None),
        2 => (0u64..16).prop_map(|p| Some(p * 4096)),
        1 => (0u64..MEM as u64 + 8192).prop_map(Some),
        1 => any::<u64>().prop_map(Some),
    ];
    let poke = proptest::option::weighted(0.7, candidate());
    let r1 = prop_oneof![3 => (0u8..8).prop_map(|r| r * 2), 1 => 0u8..16];
    (sub, r1, 0usize..16, addr, proptest::bool::weighted(0.05), poke).prop_map(
        |(subcode, r1, page, addr, problem_state, poke)| Step {
            subcode,
            r1,
            addr: addr.unwrap_or(page as u64 * 4096),
            problem_state,
            poke: poke.map(|b| (page, b)),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn diag308_sequences_keep_invariants(
        steps in proptest::collection::vec(step(), 1..40),
        unpack_facility in any::<bool>(),
        huge_pages in any::<bool>(),
    ) {
        let cfg = Diag308Config { unpack_facility, huge_pages };
        let mut st = Diag308State::new();
        let mut mem = vec![0u8; MEM];
        for s in steps {
            if let Some((page, bytes)) = &s.poke {
                let at = page * 4096;
                let n = bytes.len().min(MEM - at);
                mem[at..at + n].copy_from_slice(&bytes[..n]);
            }
            let before = st.clone();
            let mem_before = mem.clone();
            let req = Diag308Request { r1: s.r1, addr: s.addr, subcode: s.subcode, problem_state: s.problem_state };
            let out = st.execute(&cfg, &req, mem.as_mut_slice());
            let spec = Diag308Outcome::Program(ProgramException::Specification);
            // General checks, in order.
            if s.problem_state {
                prop_assert_eq!(out, Diag308Outcome::Program(ProgramException::PrivilegedOperation));
            } else if s.subcode > 0xffff || (s.subcode >= 8 && !unpack_facility) {
                prop_assert_eq!(out, spec);
            }
            // Per-subcode outcomes.
            match (out, s.subcode) {
                (Diag308Outcome::Program(_), _) => {
                    prop_assert_eq!(&st, &before);
                    prop_assert!(mem == mem_before);
                }
                (Diag308Outcome::Reset(kind), sc) => {
                    let want = match sc {
                        subcode::RESET_CLEAR => ResetKind::ModifiedClear,
                        subcode::RESET_NORMAL => ResetKind::LoadNormal,
                        subcode::LOAD_CLEAR => ResetKind::ReIpl,
                        subcode::PV_START => ResetKind::Pv,
                        _ => return Err(TestCaseError::fail(format!("reset for {sc}"))),
                    };
                    prop_assert_eq!(kind, want);
                    prop_assert!(sc != subcode::PV_START || (st.pv_ipib().is_some() && !huge_pages));
                    prop_assert_eq!(&st, &before);
                }
                (Diag308Outcome::Response { reg, rc }, sc) => {
                    prop_assert_eq!(reg, (s.r1 + 1) & 15);
                    match sc {
                        subcode::SET | subcode::PV_SET => {
                            prop_assert!(s.r1 % 2 == 0 && s.addr % 4096 == 0);
                            prop_assert!(matches!(rc, ResponseCode::Ok | ResponseCode::Invalid));
                            let (now, was) = if sc == subcode::SET {
                                (st.normal_ipib(), before.normal_ipib())
                            } else {
                                (st.pv_ipib(), before.pv_ipib())
                            };
                            if rc == ResponseCode::Ok {
                                let now = now.unwrap();
                                let at = s.addr as usize;
                                prop_assert_eq!(now, &mem[at..at + now.len()]);
                            } else {
                                prop_assert_eq!(now, was);
                            }
                        }
                        subcode::STORE | subcode::PV_STORE => {
                            let slot = if sc == subcode::STORE { st.normal_ipib() } else { st.pv_ipib() };
                            match slot {
                                None => prop_assert_eq!(rc, ResponseCode::NoConf),
                                Some(b) => {
                                    prop_assert_eq!(rc, ResponseCode::Ok);
                                    let at = s.addr as usize;
                                    prop_assert_eq!(&mem[at..at + b.len()], b);
                                }
                            }
                            prop_assert_eq!(&st, &before);
                        }
                        subcode::PV_START => {
                            let want = if st.pv_ipib().is_none() {
                                ResponseCode::NoPvConf
                            } else {
                                ResponseCode::InvalidForPv
                            };
                            prop_assert_eq!(rc, want);
                        }
                        _ => return Err(TestCaseError::fail(format!("response for {sc}"))),
                    }
                }
            }
            // The saved blocks always satisfy their acceptance rules.
            if let Some(n) = st.normal_ipib() {
                let mut page = [0u8; 4096];
                page[..n.len()].copy_from_slice(n);
                prop_assert!(diag_valid_normal(&page).is_ok());
                prop_assert_eq!(be::get_u32(n, 0), Some(n.len() as u32));
            }
            if st.pv_ipib().is_some() {
                let pv = st.pv_block().unwrap();
                prop_assert!(pv.check_unpack_rules().is_ok());
            }
        }
    }

    #[test]
    fn ipib_parse_is_a_bijection_on_accepted_bytes(b in candidate()) {
        if let Ok(ipib) = Ipib::parse(&b) {
            let len = ipib.len();
            prop_assert_eq!(ipib.to_bytes().unwrap(), b[..len].to_vec());
        }
    }
}

#[test]
fn valid_candidates_round_trip() {
    let comps = vec![PvComponent { tweak_prefix: 0x0028 << 48, addr: 0x15000, len: 0x1000 }];
    for b in [
        Ipib::new_pv(0x14000, 640, comps).to_bytes().unwrap(),
        ipib(ParamBlock::Ccw(CcwBlock::default())),
        ipib(ParamBlock::Fcp(FcpBlock::default())),
        ipib(ParamBlock::Nvme(NvmeBlock::default())),
    ] {
        assert_eq!(Ipib::parse(&b).unwrap().to_bytes().unwrap(), b);
    }
}
