//! The configuration of one machine: storage size and its SCLP increments, CPUs, the
//! facility list, the names STSI reports, scheduling and the watchdog action
//! (machine.md, "Facilities probed with STFL/STFLE", "SMP and SIGP", "Host detection").

use crate::Error;

/// The most CPUs a machine may have (QEMU's s390x limit; CPU addresses 0-247).
pub const MAX_CPUS: usize = 248;

/// The largest number of storage increments before the increment size doubles
/// (QEMU's `MAX_STORAGE_INCREMENTS`).
pub const MAX_STORAGE_INCREMENTS: u64 = 1020;

/// Facility list bits as STFLE stores them: facility 0 is the leftmost bit of
/// doubleword 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Facilities(pub [u64; 4]);

impl Default for Facilities {
    /// QEMU 7.2's "qemu" TCG CPU model (machine.md): the list pv-emu's default model
    /// reports.
    fn default() -> Self {
        Self(pv_emu::exec::Model::default().facilities)
    }
}

impl Facilities {
    /// Whether facility `n` is installed.
    pub const fn has(&self, n: u8) -> bool {
        self.0[(n / 64) as usize] & (1 << (63 - n % 64)) != 0
    }

    /// Installs (`on`) or removes facility `n`.
    pub fn set(&mut self, n: u8, on: bool) {
        let bit = 1u64 << (63 - n % 64);
        let d = &mut self.0[(n / 64) as usize];
        *d = if on { *d | bit } else { *d & !bit };
    }

    /// Applies a comma-separated edit list: `N` or `+N` installs facility N, `-N` removes
    /// it, `none` removes all, `qemu` restores the default list. Items apply in order.
    pub fn apply(&mut self, spec: &str) -> Result<(), Error> {
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "none" => self.0 = [0; 4],
                "qemu" => *self = Self::default(),
                _ => {
                    let (on, num) = match item.as_bytes()[0] {
                        b'-' => (false, &item[1..]),
                        b'+' => (true, &item[1..]),
                        _ => (true, item),
                    };
                    let n: u8 = num.parse().map_err(|_| Error::Facility { item: item.into() })?;
                    self.set(n, on);
                }
            }
        }
        Ok(())
    }
}

/// What the DIAG 288 watchdog does when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WatchdogAction {
    /// End the run with [`crate::Outcome::WatchdogExpired`].
    #[default]
    Stop,
    /// Deliver a restart interruption to CPU 0 (QEMU's `inject-nmi`) and disarm.
    Restart,
}

/// The names STSI stores (SYSIB 1.1.1, 2.2.2, 3.2.2), as ASCII; they are converted to
/// EBCDIC and blank-padded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Manufacturer (SYSIB 1.1.1, 16 characters).
    pub manufacturer: String,
    /// Machine type (SYSIB 1.1.1, 4 characters).
    pub machine_type: String,
    /// Model, sequence code and plant (SYSIB 1.1.1 and 1.2.1/2.2.1).
    pub model: String,
    /// Logical-partition name (SYSIB 2.2.2, 8 characters).
    pub lpar: String,
    /// Virtual-machine name (SYSIB 3.2.2, 8 characters).
    pub vm: String,
    /// Control-program identifier (SYSIB 3.2.2, 16 characters).
    pub control_program: String,
}

impl Default for Names {
    /// pvsim's own names.
    fn default() -> Self {
        Self {
            manufacturer: "PVSIM".into(),
            machine_type: "2964".into(),
            model: "PVSIM".into(),
            lpar: "PVSIM".into(),
            vm: "PVSIMVM".into(),
            control_program: "PVSIM/hypervisor".into(),
        }
    }
}

/// Everything a machine is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineConfig {
    /// Storage size in bytes (a multiple of 1 MiB). It is rounded down to whole storage
    /// increments, as QEMU does.
    pub memory: u64,
    /// Number of CPUs (addresses 0 to `cpus - 1`).
    pub cpus: usize,
    /// The facility list every CPU reports.
    pub facilities: Facilities,
    /// STSI names.
    pub names: Names,
    /// Instructions a CPU runs before the next one gets its turn.
    pub slice: u64,
    /// Stop after this many instructions in total (all CPUs), if set.
    pub max_instructions: Option<u64>,
    /// The watchdog's action on expiry.
    pub watchdog: WatchdogAction,
}

impl Default for MachineConfig {
    /// 128 MiB, one CPU, QEMU's facility list, 20 000-instruction slices.
    fn default() -> Self {
        Self {
            memory: 128 << 20,
            cpus: 1,
            facilities: Facilities::default(),
            names: Names::default(),
            slice: 20_000,
            max_instructions: None,
            watchdog: WatchdogAction::default(),
        }
    }
}

impl MachineConfig {
    /// The storage increment size as a power of two (at least 1 MiB), so that there are
    /// at most [`MAX_STORAGE_INCREMENTS`] increments (QEMU's `sclp_memory_init`).
    pub fn increment_shift(&self) -> u32 {
        let mut shift = 20;
        while (self.memory >> shift) > MAX_STORAGE_INCREMENTS {
            shift += 1;
        }
        shift
    }

    /// The usable storage size: whole increments only.
    pub fn usable_memory(&self) -> u64 {
        let s = self.increment_shift();
        (self.memory >> s) << s
    }

    /// Checks the CPU count.
    pub fn validate(&self) -> Result<(), Error> {
        if self.cpus == 0 || self.cpus > MAX_CPUS {
            return Err(Error::CpuCount { count: self.cpus, max: MAX_CPUS });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_edits() {
        let mut f = Facilities::default();
        assert!(f.has(7) && f.has(148) && !f.has(158) && !f.has(8));
        f.apply("+158, -7,8").unwrap();
        assert!(f.has(158) && !f.has(7) && f.has(8));
        f.apply("none,2").unwrap();
        assert_eq!(f.0, [1 << 61, 0, 0, 0]);
        f.apply("qemu").unwrap();
        assert_eq!(f, Facilities::default());
        for bad in ["256", "x", "+-1", "-"] {
            assert!(matches!(f.clone().apply(bad), Err(Error::Facility { .. })), "{bad}");
        }
    }

    #[test]
    fn increments_follow_qemu() {
        let mut c = MachineConfig::default();
        assert_eq!((c.increment_shift(), c.usable_memory()), (20, 128 << 20));
        c.memory = 4 << 30;
        // 4096 MiB: 1 MiB gives 4096 increments, 8 MiB gives 512.
        assert_eq!((c.increment_shift(), c.usable_memory()), (23, 4 << 30));
        c.memory = 1021 << 20;
        assert_eq!((c.increment_shift(), c.usable_memory()), (21, 1020 << 20));
        c.cpus = 0;
        assert!(c.validate().is_err());
        c.cpus = MAX_CPUS;
        assert!(c.validate().is_ok());
    }
}
