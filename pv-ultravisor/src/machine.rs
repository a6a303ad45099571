//! Machine generations: what the ultravisor of an IBM z15, z16 or z17 reports and allows
//! (uv-spec.md §1.4, §2, §3), in ONE table, [`GENERATIONS`].
//!
//! **No public source gives the real values.** Every number below is pvsim's choice,
//! made to be plausible and consistent with the spec:
//!
//! | item | z15 | z16 | z17 | why |
//! |---|---|---|---|---|
//! | host calls (QUI bits) | 0-7, 11, 13-22 | + 23-27 (fast destroy, dump), 34 (query keys) | as z16 | §1.4: kvm-unit-tests requires 1-7, 11, 13-19, 21, 22; 23-27 and 34 "on machines that have those functions" (dumping and host-key queries came later) |
//! | guest calls | 0, 8, 9 | + 28-31 (attestation, add/list secrets, lock) | + 33 (retrieve secret) | attestation and secrets came with later machines; retrievable secrets and CCK update with z17 (se-format §1.5 "z17 or newer") |
//! | `uv_base_stor_len` | 8 MiB | 16 MiB | 16 MiB | a multiple of 1 MiB (§2) |
//! | `conf_base_phys_stor_len` | 16 KiB | 32 KiB | 32 KiB | page multiple; kvm-unit-tests aligns base storage to 16 KiB |
//! | `conf_base_virt_stor_len` | 8 KiB | 16 KiB | 16 KiB | page multiple |
//! | `conf_virt_var_stor_len` | 256 B | 256 B | 256 B | per 1 MiB of guest storage (§3.2 step 1) |
//! | `cpu_stor_len` | 4 KiB | 8 KiB | 8 KiB | page multiple; also the Dump CPU size |
//! | `max_num_sec_conf` | 512 | 1024 | 1024 | |
//! | `max_guest_stor_addr` | 16 TiB | 64 TiB | 64 TiB | |
//! | `max_guest_cpu_id` | 247 | 247 | 247 | KVM's extended SCA has 248 slots |
//! | features | none | MISC, AIV, AP, AP_INTR | same | AP pass-through arrived with later machines |
//! | SE header versions | v1 | v1 | v1 | MSB0 bit 0 = v1 *\[inferred, uv-spec §11.8\]* |
//! | PCF | 0x1000_00e0 | 0x3000_00e2 | 0x3000_00f2 | no-encryption + PCKMO on all; dump and backup keys from z16; PCKMO HMAC on z17 |
//! | SCF | 0 | bit 1 | bits 1, 2 | CCK extension secret with add-secret; CCK update on z17 |
//! | dump state / finalize | — | 4096 / 256 | 4096 / 256 | per 1 MiB block: 256 pages × 16 bytes |
//! | attestation versions / flags | — | v1 / bits 1-3 | v1 / bits 1-3 | nonce, image and attestation PHKH; secret-store hash and firmware state are not modelled |
//! | add-secret versions / flags | — | v1 / bit 0 | v1 / bit 0 | bit 0 = disable dumping |
//! | secret types (MSB0 bit = type) | — | 1, 2 | 1-0xa, 0x11-0x16 | retrievable secrets with z17 |
//! | max association / retrievable secrets | 0 / 0 | 64 / 0 | 64 / 64 | |
//! | host keys | current + backup | current + backup | current + backup | P-521 keys derived from a fixed label with pv-header's SHA-256 counter generator (test keys, not secrets) |
//!
//! [`MachineSpec`] takes a generation's row, the storage size and the host keys; tests
//! give their own host key (e.g. the vectors' `host.key`) with
//! [`MachineSpec::with_host_key`].

use pv_core::uvc::InstalledCalls;
use pv_header::ecc::CustomerKey;
use pv_header::rand::CounterRandom;

/// A machine generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MachineGeneration {
    /// IBM z15.
    Z15,
    /// IBM z16.
    Z16,
    /// IBM z17.
    Z17,
}

/// The values of one generation (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls installed for the host.
    pub host_calls: InstalledCalls,
    /// Calls installed for secure guests.
    pub guest_calls: InstalledCalls,
    /// Bytes to donate with Initialize.
    pub uv_base_stor_len: u64,
    /// Create Secure Configuration base storage.
    pub conf_base_phys_stor_len: u64,
    /// Fixed part of the variable storage.
    pub conf_base_virt_stor_len: u64,
    /// Variable storage per 1 MiB of guest storage.
    pub conf_virt_var_stor_len: u64,
    /// Storage per secure CPU.
    pub cpu_stor_len: u64,
    /// Maximum number of secure configurations.
    pub max_num_sec_conf: u32,
    /// Highest guest address.
    pub max_guest_stor_addr: u64,
    /// Highest CPU number.
    pub max_guest_cpu_id: u16,
    /// Feature indications (QUI 0xa0).
    pub features: u64,
    /// Supported SE header versions (MSB0 bit 0 = v1).
    pub supp_se_hdr_versions: u64,
    /// Supported plaintext control flags.
    pub supp_se_hdr_pcf: u64,
    /// Supported secret control flags (not in QUI; checked by Set Parameters).
    pub supp_se_hdr_scf: u64,
    /// Dump Storage State bytes per 1 MiB.
    pub conf_dump_storage_state_len: u64,
    /// Dump Complete bytes.
    pub conf_dump_finalize_len: u64,
    /// Supported attestation request versions (MSB0 bit 0 = v1).
    pub supp_att_req_hdr_ver: u64,
    /// Supported plaintext attestation flags.
    pub supp_att_pflags: u64,
    /// Supported add-secret request versions (MSB0 bit 0 = v1).
    pub supp_add_secret_req_ver: u64,
    /// Supported add-secret flags.
    pub supp_add_secret_pcf: u64,
    /// Supported secret types (MSB0 bit n = type n).
    pub supp_secret_types: u64,
    /// Maximum association secrets.
    pub max_assoc_secrets: u16,
    /// Maximum retrievable secrets.
    pub max_retr_secrets: u16,
}

const fn calls(bits: &[u8]) -> InstalledCalls {
    let mut c = InstalledCalls([0; 4]);
    let mut i = 0;
    while i < bits.len() {
        c = c.with(bits[i]);
        i += 1;
    }
    c
}

const fn bit(n: u32) -> u64 {
    1u64 << (63 - n)
}

const fn bits(lo: u32, hi: u32) -> u64 {
    let mut v = 0;
    let mut n = lo;
    while n <= hi {
        v |= bit(n);
        n += 1;
    }
    v
}

const MIB: u64 = 1 << 20;
const Z15_HOST: &[u8] = &[0, 1, 2, 3, 4, 5, 6, 7, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
const Z16_HOST: &[u8] =
    &[0, 1, 2, 3, 4, 5, 6, 7, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 34];

/// The table: one row per generation, with the labels its host keys are derived from.
pub const GENERATIONS: [(MachineGeneration, Limits, &str); 3] = [
    (
        MachineGeneration::Z15,
        Limits {
            host_calls: calls(Z15_HOST),
            guest_calls: calls(&[0, 8, 9]),
            uv_base_stor_len: 8 * MIB,
            conf_base_phys_stor_len: 0x4000,
            conf_base_virt_stor_len: 0x2000,
            conf_virt_var_stor_len: 0x100,
            cpu_stor_len: 0x1000,
            max_num_sec_conf: 512,
            max_guest_stor_addr: 1 << 44,
            max_guest_cpu_id: 247,
            features: 0,
            supp_se_hdr_versions: bit(0),
            supp_se_hdr_pcf: 0x1000_00e0,
            supp_se_hdr_scf: 0,
            conf_dump_storage_state_len: 0,
            conf_dump_finalize_len: 0,
            supp_att_req_hdr_ver: 0,
            supp_att_pflags: 0,
            supp_add_secret_req_ver: 0,
            supp_add_secret_pcf: 0,
            supp_secret_types: 0,
            max_assoc_secrets: 0,
            max_retr_secrets: 0,
        },
        "pvsim/z15/host-key",
    ),
    (
        MachineGeneration::Z16,
        Limits {
            host_calls: calls(Z16_HOST),
            guest_calls: calls(&[0, 8, 9, 28, 29, 30, 31]),
            uv_base_stor_len: 16 * MIB,
            conf_base_phys_stor_len: 0x8000,
            conf_base_virt_stor_len: 0x4000,
            conf_virt_var_stor_len: 0x100,
            cpu_stor_len: 0x2000,
            max_num_sec_conf: 1024,
            max_guest_stor_addr: 1 << 46,
            max_guest_cpu_id: 247,
            features: pv_core::uvc::guest::FEATURE_MISC
                | pv_core::uvc::guest::FEATURE_AIV
                | pv_core::uvc::guest::FEATURE_AP
                | pv_core::uvc::guest::FEATURE_AP_INTR,
            supp_se_hdr_versions: bit(0),
            supp_se_hdr_pcf: 0x3000_00e2,
            supp_se_hdr_scf: bit(1),
            conf_dump_storage_state_len: 0x1000,
            conf_dump_finalize_len: 0x100,
            supp_att_req_hdr_ver: bit(0),
            supp_att_pflags: bits(1, 3),
            supp_add_secret_req_ver: bit(0),
            supp_add_secret_pcf: bit(0),
            supp_secret_types: bits(1, 2),
            max_assoc_secrets: 64,
            max_retr_secrets: 0,
        },
        "pvsim/z16/host-key",
    ),
    (
        MachineGeneration::Z17,
        Limits {
            host_calls: calls(Z16_HOST),
            guest_calls: calls(&[0, 8, 9, 28, 29, 30, 31, 33]),
            uv_base_stor_len: 16 * MIB,
            conf_base_phys_stor_len: 0x8000,
            conf_base_virt_stor_len: 0x4000,
            conf_virt_var_stor_len: 0x100,
            cpu_stor_len: 0x2000,
            max_num_sec_conf: 1024,
            max_guest_stor_addr: 1 << 46,
            max_guest_cpu_id: 247,
            features: pv_core::uvc::guest::FEATURE_MISC
                | pv_core::uvc::guest::FEATURE_AIV
                | pv_core::uvc::guest::FEATURE_AP
                | pv_core::uvc::guest::FEATURE_AP_INTR,
            supp_se_hdr_versions: bit(0),
            supp_se_hdr_pcf: 0x3000_00f2,
            supp_se_hdr_scf: bits(1, 2),
            conf_dump_storage_state_len: 0x1000,
            conf_dump_finalize_len: 0x100,
            supp_att_req_hdr_ver: bit(0),
            supp_att_pflags: bits(1, 3),
            supp_add_secret_req_ver: bit(0),
            supp_add_secret_pcf: bit(0),
            supp_secret_types: bits(1, 0xa) | bits(0x11, 0x16),
            max_assoc_secrets: 64,
            max_retr_secrets: 64,
        },
        "pvsim/z17/host-key",
    ),
];

impl MachineGeneration {
    /// This generation's row of [`GENERATIONS`].
    pub fn limits(self) -> Limits {
        GENERATIONS
            .iter()
            .find(|(g, ..)| *g == self)
            .map(|(_, l, _)| *l)
            .unwrap_or(GENERATIONS[0].1)
    }

    fn key_label(self) -> &'static str {
        GENERATIONS.iter().find(|(g, ..)| *g == self).map_or("pvsim/host-key", |(_, _, k)| k)
    }
}

/// Derives a host key pair from `label` (deterministic and public: a test key).
fn derived_key(label: &str) -> CustomerKey {
    let mut rng = CounterRandom::new(label.as_bytes());
    // Each attempt draws up to 64 candidates, almost all of which are valid scalars; the
    // counter generator never fails, so the first attempt succeeds in practice.
    loop {
        if let Ok(k) = CustomerKey::generate(&mut rng) {
            return k;
        }
    }
}

/// Everything that describes one simulated machine.
#[derive(Debug, Clone)]
pub struct MachineSpec {
    /// The generation.
    pub generation: MachineGeneration,
    /// Its limits (the generation's row, possibly adjusted).
    pub limits: Limits,
    /// Size of the machine's absolute storage in bytes.
    pub storage_size: u64,
    /// The current host key pair (its public key is what SE images are built for).
    pub host_key: CustomerKey,
    /// The backup host key pair, if the machine has one.
    pub backup_host_key: Option<CustomerKey>,
    /// Absolute addresses of the host CPUs' prefix areas (8 KiB each); the absolute
    /// lowcore at 0 is always one.
    pub host_prefixes: alloc::vec::Vec<u64>,
}

impl MachineSpec {
    /// A machine of `generation` with 8 GiB of storage and its derived host keys.
    pub fn preset(generation: MachineGeneration) -> Self {
        let label = generation.key_label();
        Self {
            generation,
            limits: generation.limits(),
            storage_size: 8 << 30,
            host_key: derived_key(label),
            backup_host_key: Some(derived_key(&alloc::format!("{label}/backup"))),
            host_prefixes: alloc::vec![0],
        }
    }

    /// Uses `key` as the current host key.
    pub fn with_host_key(mut self, key: CustomerKey) -> Self {
        self.host_key = key;
        self
    }

    /// Uses `key` as the backup host key (or none).
    pub fn with_backup_host_key(mut self, key: Option<CustomerKey>) -> Self {
        self.backup_host_key = key;
        self
    }

    /// Sets the storage size.
    pub fn with_storage_size(mut self, size: u64) -> Self {
        self.storage_size = size;
        self
    }

    /// Adjusts the limits.
    pub fn with_limits(mut self, f: impl FnOnce(&mut Limits)) -> Self {
        f(&mut self.limits);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pv_core::uvc::UvcCmd;

    #[test]
    fn table_rows_are_consistent() {
        for (g, l, _) in GENERATIONS {
            // kvm-unit-tests' required host bits, and no guest bit on the host.
            for b in [1, 2, 3, 4, 5, 6, 7, 11, 13, 14, 15, 16, 17, 18, 19, 21, 22] {
                assert!(l.host_calls.has(b), "{g:?} host bit {b}");
            }
            for b in [8, 9, 28] {
                assert!(!l.host_calls.has(b), "{g:?}");
            }
            assert!(l.guest_calls.has(8) && l.guest_calls.has(9) && l.guest_calls.has(0));
            assert!(!l.guest_calls.installs(UvcCmd::Init));
            assert_eq!(l.uv_base_stor_len % MIB, 0);
            for len in [l.conf_base_phys_stor_len, l.conf_base_virt_stor_len, l.cpu_stor_len] {
                assert_eq!(len % 4096, 0);
            }
            assert_eq!(g.limits(), l);
        }
        assert_eq!(bit(0), 0x8000_0000_0000_0000);
        assert_eq!(bits(1, 3), 0x7000_0000_0000_0000);
    }

    #[test]
    fn presets_have_distinct_keys() {
        let a = MachineSpec::preset(MachineGeneration::Z16);
        let b = MachineSpec::preset(MachineGeneration::Z17);
        assert_ne!(a.host_key.public_coords(), b.host_key.public_coords());
        let bk = a.backup_host_key.as_ref().unwrap();
        assert_ne!(a.host_key.public_coords(), bk.public_coords());
        // Deterministic.
        let again = MachineSpec::preset(MachineGeneration::Z16);
        assert_eq!(again.host_key.public_coords(), a.host_key.public_coords());
    }
}
