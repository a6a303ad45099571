//! pv-ipl
