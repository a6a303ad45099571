//! The machine as a PV host (pv-hypervisor `machine::secure`): an image with pvsim's
//! stage3a and stage3b is IPLed non-secure, stage3a issues DIAG 308 subcodes 8 and 10,
//! and the machine starts it on the real ultravisor model (uv-spec.md §6.5). A host whose
//! key no key slot names leaves the program non-secure with the failure word in R1+1
//! (uv-spec.md §6.3), which stage3a keeps in GR3 at its error wait.

mod pv_run_support;

use std::io::Cursor;

use pv_core::Psw;
use pv_header::ecc::CustomerKey;
use pv_header::hdr::SeHdrBuilder;
use pv_header::hkd::HostKeyDocument;
use pv_header::rand::CounterRandom;
use pv_hypervisor::host::{Console, FixedClock};
use pv_hypervisor::loader::{BootParams, Kernel};
use pv_hypervisor::machine::secure::Boxed;
use pv_hypervisor::{Machine, MachineConfig, Outcome};
use pv_ipl::diag308::{kvm_pv_cmd, pv_start_failure_word};
use pv_ipl::image::{CreateOptions, ImageInputs, create_image};
use pv_ipl::loaders::{LoaderFailure, STAGE3A, STAGE3B, Stage3aFailure};
use pv_run_support::asset;
use pv_ultravisor::{MachineGeneration, MachineSpec, Ultravisor};

/// The raw kernel image of guests/machine/secure.c.
const SECURE: &[u8] = include_bytes!("../../guests/machine/bin/secure.img");

/// Collects what the guest prints.
struct Collect(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Console for Collect {
    fn output(&mut self, bytes: &[u8]) {
        self.0.borrow_mut().extend_from_slice(bytes);
    }
}

/// An SE image of secure.c for `host.crt`, with both of pvsim's loaders.
fn image(cmdline: &[u8]) -> Vec<u8> {
    let hkd = HostKeyDocument::read(&asset("host.crt")).unwrap();
    let inputs = ImageInputs {
        kernel: &mut &SECURE[..],
        ramdisk: None,
        cmdline: Some(&mut &cmdline[..]),
        stage3a: Some(STAGE3A),
        stage3b: Some(STAGE3B),
    };
    let builder = SeHdrBuilder::new([*hkd.public_key()], Psw::new_64bit(0));
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"tests/secure_ipl");
    create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng).unwrap();
    out.into_inner()
}

/// A 128 MiB PV-host machine (facility 161) whose ultravisor holds `key`, booted from
/// `image`; what it printed, how it ended and the machine.
fn boot(image: Vec<u8>, key: &str) -> (String, Outcome, Machine) {
    let mut cfg = MachineConfig { memory: 128 << 20, ..MachineConfig::default() };
    cfg.facilities.set(161, true);
    let out = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let mut m = Machine::new(cfg, Box::new(Collect(out.clone())), &FixedClock(0)).unwrap();
    let key = CustomerKey::from_pem(&String::from_utf8(asset(key)).unwrap()).unwrap();
    let spec = MachineSpec::preset(MachineGeneration::Z16)
        .with_host_key(key)
        .with_storage_size((4 << 30) + (128 << 20));
    m.set_secure_host(Box::new(Boxed(Ultravisor::new(spec))));
    m.boot(Kernel::parse(image).unwrap(), BootParams::default()).unwrap();
    let outcome = m.run();
    let text = String::from_utf8(out.borrow().clone()).unwrap();
    (text, outcome, m)
}

#[test]
fn stage3a_starts_the_image_as_a_secure_guest() {
    let (text, outcome, m) = boot(image(b"expect=secure"), "host.key");
    assert_eq!(outcome, Outcome::AllStopped, "{text}");
    assert!(m.is_secure());
    assert!(text.starts_with("hello from a secure guest\ncommand line: expect=secure\n"), "{text}");
    assert!(text.ends_with("PASS: runs as a secure guest\nSUMMARY: 1 tests\nEXIT: STATUS=1\n"));
}

#[test]
fn another_hosts_key_leaves_the_failure_word_for_stage3a() {
    let (text, outcome, m) = boot(image(b"expect=secure"), "host2.key");
    assert!(text.is_empty(), "{text}");
    assert!(!m.is_secure());
    let Outcome::DisabledWait { psw, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(Stage3aFailure::from_psw(&psw), Some(Stage3aFailure::PvStartFailed));
    // Set Secure Configuration Parameters failed: KVM_PV_SET_SEC_PARMS, rc 0x0102 ...
    let word = m.cpus()[0].state.gr[3];
    assert_eq!(word & 0xffff, 0x0a02);
    assert_eq!(word >> 48, u64::from(kvm_pv_cmd::SET_SEC_PARMS));
    let (rc, rrc) = ((word >> 16) as u16, (word >> 32) as u16);
    assert_eq!(word, pv_start_failure_word(kvm_pv_cmd::SET_SEC_PARMS, rc, rrc));
    assert_ne!(rc, 0x0001);
}
