//! pv-hypervisor
