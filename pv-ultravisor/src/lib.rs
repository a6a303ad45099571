//! pv-ultravisor
