//! The pvsim side of the oracle tests: an SE image built with pv-ipl for the test host
//! key, and a z17 ultravisor model (holding `host.key`) that runs it as a secure guest
//! and takes guest UV calls. Nothing here uses `s390_pv`.
#![allow(dead_code)]

use std::io::Cursor;

use pv_core::uvc::guest::{AddSecretUvcb, AttestUvcb, ListSecretsUvcb, RetrieveSecretUvcb};
use pv_core::uvc::uvcb::{CgcUvcb, CscUvcb, CtsUvcb, InitUvcb, SscUvcb, UnpackUvcb};
use pv_core::uvc::{UvcCmd, Uvcb, call, call_nodata, rc};
use pv_core::{GuestAbs, Psw, Storage};
use pv_header::ecc::CustomerKey;
use pv_header::hdr::SeHdrBuilder;
use pv_header::hkd::HostKeyDocument;
use pv_header::pcf::PlaintextControlFlags;
use pv_header::rand::CounterRandom;
use pv_header::request::SecretList;
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ultravisor::{GuestUvcOutcome, MachineGeneration, MachineSpec, Ultravisor};

/// rc/rrc of a call that executed.
pub const OK: (u16, u16) = (rc::EXECUTED, 0);

const MIB: u64 = 1 << 20;
const UVCB: u64 = 0x1_0000;
const SCA: u64 = 0x2_0000;
const SIE: u64 = 0x3_0000;
const HDR_AT: u64 = 0x8_0000;
const UV_BASE: u64 = 2 << 30;
const MSO: u64 = 4 << 30;
const MSL: u64 = 64 * MIB;
const CONF_BASE: u64 = 6 << 30;
const CONF_VAR: u64 = (6 << 30) + 256 * MIB;
const CPU_STOR: u64 = 7 << 30;

/// Guest page that holds the UVCB of guest calls.
pub const G_UVCB: u64 = 0x100_0000;
/// Guest area where requests (ARCB/ASRCB) are placed.
pub const G_REQ: u64 = 0x100_1000;
/// Guest area for the measurement.
pub const G_MEAS: u64 = 0x100_3000;
/// Guest area for additional data.
pub const G_ADD: u64 = 0x100_4000;
/// Guest area for lists and retrieved secrets.
pub const G_OUT: u64 = 0x100_5000;

/// A test asset (copied from the shared vectors, see `assets/PROVENANCE.md`).
pub fn asset(path: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// An SE image for `keys/host.crt` built by pv-ipl from synthetic components.
pub fn image() -> Vec<u8> {
    let kernel: Vec<u8> = (0..3 * 4096 + 17).map(|i| (i * 7 % 251) as u8).collect();
    let ramdisk = vec![0x5a; 2 * 4096];
    let parm = b"console=ttysclp0 pvsim-oracle".to_vec();
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: Some(&mut &ramdisk[..]),
        cmdline: Some(&mut &parm[..]),
        stage3a: None,
        stage3b: None,
    };
    let hkd = HostKeyDocument::read(&asset("keys/host.crt")).unwrap();
    let builder = SeHdrBuilder::new([*hkd.public_key()], Psw::new_64bit(0))
        .pcf(PlaintextControlFlags::PVIMG_DEFAULT);
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"pvsim-oracle/image");
    create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng).unwrap();
    out.into_inner()
}

/// A secure guest running `img` on a z17 ultravisor model whose host key is `host.key`.
pub struct Guest {
    /// The ultravisor model.
    pub uv: Ultravisor,
    /// The secure CPU.
    pub cpu: u64,
}

impl Guest {
    /// Loads `img` at guest 0, sets its header, unpacks every page, verifies, and makes
    /// 16 more pages at [`G_UVCB`] secure for the guest's calls.
    pub fn boot(img: &[u8]) -> Self {
        let key = String::from_utf8(asset("keys/host.key")).unwrap();
        let spec = MachineSpec::preset(MachineGeneration::Z17)
            .with_host_key(CustomerKey::from_pem(&key).unwrap());
        let mut uv = Ultravisor::new(spec);
        let len = uv.spec().limits.uv_base_stor_len;
        host_ok(&mut uv, &InitUvcb { stor_origin: UV_BASE, stor_len: len });
        let cgc = CgcUvcb {
            guest_handle: 0,
            conf_base_stor_origin: CONF_BASE,
            conf_virt_stor_origin: CONF_VAR,
            flags: 0,
            guest_stor_origin: MSO,
            guest_stor_len: MSL,
            guest_sca: SCA,
            guest_asce: 0x100_0000 | 0x100 | 0x3,
        };
        let cfg = host_ok(&mut uv, &cgc).guest_handle;
        let csc = CscUvcb {
            cpu_handle: 0,
            guest_handle: cfg,
            stor_origin: CPU_STOR,
            num: 0,
            state_origin: SIE,
        };
        let cpu = host_ok(&mut uv, &csc).cpu_handle;

        write_host(&mut uv, MSO, img);
        let info = ImageInfo::from_bytes(img).unwrap();
        let hdr = &img[info.header_offset as usize..][..info.header.sehs() as usize];
        write_host(&mut uv, HDR_AT, hdr);
        let ssc = SscUvcb {
            guest_handle: cfg,
            sec_header_origin: HDR_AT,
            sec_header_len: hdr.len() as u32,
        };
        host_ok(&mut uv, &ssc);
        for c in info.components() {
            for off in (0..c.len).step_by(4096) {
                let u = UnpackUvcb {
                    guest_handle: cfg,
                    gaddr: c.addr + off,
                    tweak0: c.tweak_prefix,
                    tweak1: off,
                };
                host_ok(&mut uv, &u);
            }
        }
        let v = call_nodata(&mut uv, UVCB, UvcCmd::Verify, cfg).unwrap();
        assert_eq!(v.rc_rrc(), Some(OK), "verify");
        for p in 0..16 {
            host_ok(&mut uv, &CtsUvcb { guest_handle: cfg, gaddr: G_UVCB + p * 0x1000 });
        }
        Self { uv, cpu }
    }

    /// Writes guest storage.
    pub fn put(&mut self, at: u64, data: &[u8]) {
        self.uv.guest_storage(self.cpu).unwrap().write(GuestAbs(at), data).unwrap();
    }

    /// Reads guest storage.
    pub fn get(&mut self, at: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.uv.guest_storage(self.cpu).unwrap().read(GuestAbs(at), &mut v).unwrap();
        v
    }

    /// Issues a guest UVC with its UVCB at [`G_UVCB`]; returns (rc, rrc) and the UVCB.
    pub fn call<T: Uvcb>(&mut self, u: &T) -> ((u16, u16), T) {
        self.put(G_UVCB, &u.to_image()[..T::LEN]);
        let out = self.uv.guest_uvc(self.cpu, pv_core::uvc::UvcInstr::at(G_UVCB)).unwrap();
        let GuestUvcOutcome::Done(o) = out else { panic!("{out:?}") };
        let back = T::decode(&self.get(G_UVCB, T::LEN));
        (o.rc_rrc().unwrap(), back)
    }

    /// Retrieve Attestation Measurement for `arcb` with `user` data. Returns (rc, rrc),
    /// the CUID, the 64-byte measurement and `add_len` bytes of additional data.
    pub fn attest(
        &mut self,
        arcb: &[u8],
        user: &[u8],
        add_len: u32,
    ) -> ((u16, u16), [u8; 16], Vec<u8>, Vec<u8>) {
        self.put(G_REQ, arcb);
        let mut u = AttestUvcb {
            arcb_addr: G_REQ,
            user_data_len: user.len() as u16,
            meas_len: 64,
            meas_addr: G_MEAS,
            add_data_len: add_len,
            add_data_addr: G_ADD,
            ..Default::default()
        };
        u.user_data[..user.len()].copy_from_slice(user);
        let (r, back) = self.call(&u);
        let (m, a) = (self.get(G_MEAS, 64), self.get(G_ADD, add_len as usize));
        (r, back.config_uid, m, a)
    }

    /// Add Secret with `asrcb`.
    pub fn add_secret(&mut self, asrcb: &[u8]) -> (u16, u16) {
        self.put(G_REQ, asrcb);
        self.call(&AddSecretUvcb { addr: G_REQ }).0
    }

    /// List Secrets (first page).
    pub fn list(&mut self) -> SecretList {
        let (r, _) = self.call(&ListSecretsUvcb { start_idx: 0, list_addr: G_OUT });
        assert_eq!(r, OK, "list secrets");
        SecretList::from_bytes(&self.get(G_OUT, 4096)).unwrap()
    }

    /// Retrieve Secret `idx` into a 4 KiB buffer; returns (rc, rrc) and the buffer.
    pub fn retrieve(&mut self, idx: u16) -> ((u16, u16), Vec<u8>) {
        let u = RetrieveSecretUvcb { secret_idx: idx, buf_size: 4096, buf_addr: G_OUT };
        let (r, _) = self.call(&u);
        (r, self.get(G_OUT, 4096))
    }
}

fn host_ok<T: Uvcb>(uv: &mut Ultravisor, u: &T) -> T {
    let (o, out) = call(uv, UVCB, u).unwrap();
    assert_eq!(o.rc_rrc(), Some(OK), "{:?}", T::CMD);
    out
}

fn write_host(uv: &mut Ultravisor, at: u64, data: &[u8]) {
    use pv_core::uvc::Ultravisor as _;
    uv.host_storage().write(GuestAbs(at), data).unwrap();
}
