//! Shared helpers of the public-API tests: a host that issues UVCs through the architected
//! bytes ([`pv_core::uvc::call`]), a standard storage layout, and the vector assets.
#![allow(dead_code)]

use pv_core::uvc::guest::QuiUvcb;
use pv_core::uvc::uvcb::{CgcUvcb, CscUvcb, InitUvcb, SscUvcb};
use pv_core::uvc::{UvcCmd, UvcInstr, UvcOutcome, Uvcb, call, call_nodata, rc};
use pv_core::{GuestAbs, Storage};
use pv_header::ecc::CustomerKey;
use pv_ultravisor::{GuestUvcOutcome, MachineGeneration, MachineSpec, Ultravisor};

pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
/// Where the host keeps its UVCB.
pub const UVCB: u64 = 0x1_0000;
/// The SCA.
pub const SCA: u64 = 0x2_0000;
/// State descriptions, one page per CPU.
pub const SIE: u64 = 0x3_0000;
/// Where the host puts an SE header for Set Secure Configuration Parameters.
pub const HDR_AT: u64 = 0x8_0000;
/// Initialize's storage.
pub const UV_BASE: u64 = 2 * GIB;
/// Guest storage of configuration n: MSO = GUEST_MSO + n * GUEST_MSL.
pub const GUEST_MSO: u64 = 4 * GIB;
/// Guest storage length.
pub const GUEST_MSL: u64 = 64 * MIB;
/// Base storage of configuration n: CONF_BASE + n MiB.
pub const CONF_BASE: u64 = 6 * GIB;
/// Variable storage of configuration n: CONF_VAR + n * 16 MiB.
pub const CONF_VAR: u64 = 6 * GIB + 256 * MIB;
/// CPU storage of CPU n: CPU_STOR + n * 64 KiB.
pub const CPU_STOR: u64 = 7 * GIB;

pub fn asset(path: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub fn key(path: &str) -> CustomerKey {
    CustomerKey::from_pem(&String::from_utf8(asset(path)).unwrap()).unwrap()
}

/// The test host key of the vectors (`keys/host.key`, for `keys/host.crt`).
pub fn host_key() -> CustomerKey {
    key("keys/host.key")
}

pub fn host_pub(crt: &str) -> p521::PublicKey {
    *pv_header::hkd::HostKeyDocument::read(&asset(crt)).unwrap().public_key()
}

/// A machine of `generation` whose current host key is the vectors' `host.key`.
pub fn spec(generation: MachineGeneration) -> MachineSpec {
    MachineSpec::preset(generation).with_host_key(host_key())
}

/// The host side of a test: the ultravisor seen through `pv_core::uvc::Ultravisor`.
pub struct Host {
    pub uv: Ultravisor,
    configs: u64,
    cpus: u64,
}

impl Host {
    pub fn new(generation: MachineGeneration) -> Self {
        Self::with_spec(spec(generation))
    }

    pub fn with_spec(spec: MachineSpec) -> Self {
        Self::with_uv(Ultravisor::new(spec))
    }

    pub fn with_uv(uv: Ultravisor) -> Self {
        Self { uv, configs: 0, cpus: 0 }
    }

    /// A z16 host with an initialized UV.
    pub fn ready() -> Self {
        let mut h = Self::new(MachineGeneration::Z16);
        h.init();
        h
    }

    pub fn limits(&self) -> pv_ultravisor::Limits {
        self.uv.spec().limits
    }

    pub fn call<T: Uvcb>(&mut self, u: &T) -> (UvcOutcome, T) {
        call(&mut self.uv, UVCB, u).unwrap()
    }

    /// `(rc, rrc)` of a typed call that completed.
    pub fn rc<T: Uvcb>(&mut self, u: &T) -> (u16, u16) {
        let (o, _) = self.call(u);
        o.rc_rrc().unwrap_or_else(|| panic!("{:?}: {o:?}", T::CMD))
    }

    pub fn nodata(&mut self, cmd: UvcCmd, handle: u64) -> (u16, u16) {
        let o = call_nodata(&mut self.uv, UVCB, cmd, handle).unwrap();
        o.rc_rrc().unwrap_or_else(|| panic!("{cmd:?}: {o:?}"))
    }

    /// Executes raw UVCB bytes at `at` with instruction fields `instr`.
    pub fn raw(&mut self, at: u64, bytes: &[u8], instr: UvcInstr) -> UvcOutcome {
        use pv_core::uvc::Ultravisor as _;
        self.uv.host_storage().write(GuestAbs(at), bytes).unwrap();
        self.uv.host_uvc(UvcInstr { uvcb: at, ..instr }).unwrap()
    }

    pub fn write(&mut self, at: u64, data: &[u8]) {
        use pv_core::uvc::Ultravisor as _;
        self.uv.host_storage().write(GuestAbs(at), data).unwrap();
    }

    pub fn read(&mut self, at: u64, len: usize) -> Result<Vec<u8>, pv_core::StorageFault> {
        use pv_core::uvc::Ultravisor as _;
        let mut b = vec![0u8; len];
        self.uv.host_storage().read(GuestAbs(at), &mut b).map(|()| b)
    }

    pub fn init_uvcb(&self) -> InitUvcb {
        InitUvcb { stor_origin: UV_BASE, stor_len: self.limits().uv_base_stor_len }
    }

    pub fn init(&mut self) {
        let u = self.init_uvcb();
        assert_eq!(self.rc(&u), (rc::EXECUTED, 0));
    }

    /// A valid CGC UVCB for the next configuration.
    pub fn cgc_uvcb(&self) -> CgcUvcb {
        let n = self.configs;
        CgcUvcb {
            guest_handle: 0,
            conf_base_stor_origin: CONF_BASE + n * MIB,
            conf_virt_stor_origin: CONF_VAR + n * 16 * MIB,
            flags: 0,
            guest_stor_origin: GUEST_MSO + n * GUEST_MSL,
            guest_stor_len: GUEST_MSL,
            guest_sca: SCA,
            guest_asce: (0x100_0000 * (n + 1)) | 0x100 | 0x3,
        }
    }

    pub fn create_config(&mut self) -> u64 {
        let u = self.cgc_uvcb();
        let (o, out) = self.call(&u);
        assert!(o.is_ok(), "{o:?}");
        assert_ne!(out.guest_handle, 0);
        self.configs += 1;
        out.guest_handle
    }

    /// The MSO of the configuration created `n`-th.
    pub fn mso(n: u64) -> u64 {
        GUEST_MSO + n * GUEST_MSL
    }

    /// A valid CSC UVCB for the next CPU of configuration `cfg`.
    pub fn csc_uvcb(&self, cfg: u64, num: u16) -> CscUvcb {
        let n = self.cpus;
        CscUvcb {
            cpu_handle: 0,
            guest_handle: cfg,
            stor_origin: CPU_STOR + n * 0x1_0000,
            num,
            state_origin: SIE + n * 0x1000,
        }
    }

    pub fn create_cpu(&mut self, cfg: u64, num: u16) -> u64 {
        let u = self.csc_uvcb(cfg, num);
        let (o, out) = self.call(&u);
        assert!(o.is_ok(), "{o:?}");
        self.cpus += 1;
        out.cpu_handle
    }

    /// Set Secure Configuration Parameters with `hdr` placed at [`HDR_AT`].
    pub fn ssc(&mut self, cfg: u64, hdr: &[u8]) -> (u16, u16) {
        self.write(HDR_AT, hdr);
        let u = SscUvcb {
            guest_handle: cfg,
            sec_header_origin: HDR_AT,
            sec_header_len: hdr.len() as u32,
        };
        self.rc(&u)
    }

    pub fn qui(&mut self) -> QuiUvcb {
        let (o, q) = self.call(&QuiUvcb::default());
        assert!(o.is_ok(), "{o:?}");
        q
    }
}

/// Issues a guest UVC from `cpu` with the UVCB at guest address `at`.
pub fn guest_call<T: Uvcb>(uv: &mut Ultravisor, cpu: u64, at: u64, u: &T) -> (GuestUvcOutcome, T) {
    let image = u.to_image();
    let bytes = &image[..T::LEN];
    uv.guest_storage(cpu).unwrap().write(GuestAbs(at), bytes).unwrap();
    let out = uv.guest_uvc(cpu, UvcInstr::at(at)).unwrap();
    let mut back = vec![0u8; T::LEN];
    uv.guest_storage(cpu).unwrap().read(GuestAbs(at), &mut back).unwrap();
    (out, T::decode(&back))
}

/// `(rc, rrc)` of a guest call that completed.
pub fn guest_rc<T: Uvcb>(uv: &mut Ultravisor, cpu: u64, at: u64, u: &T) -> (u16, u16) {
    match guest_call(uv, cpu, at, u).0 {
        GuestUvcOutcome::Done(o) => o.rc_rrc().unwrap_or_else(|| panic!("{o:?}")),
        other => panic!("{other:?}"),
    }
}
