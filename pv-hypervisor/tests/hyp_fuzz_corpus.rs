//! Replays the seed corpora of the pv-hypervisor fuzz targets (`fuzz/corpus/{kernel_loader,
//! sclp,sccb}`) on stable Rust: every seed, its prefixes and fixed-seed mutations through the
//! very checks the targets run (`fuzz/replay/hypervisor.rs`).

#[path = "../../fuzz/replay/hypervisor.rs"]
mod check;
#[path = "../../fuzz/replay/mutate.rs"]
mod mutate;

const DIR: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn kernel_loader_corpus_replays() {
    let seeds = mutate::corpus(DIR, "kernel_loader");
    let mut elf = 0;
    for (name, data) in &seeds {
        let r = check::check_kernel(data);
        assert!(r.loaded, "{name} loads");
        elf += usize::from(r.elf);
    }
    assert!(elf >= 3, "ELF seeds: {elf}");
    mutate::replay(&seeds, 256, 97, 4000, |d| {
        check::check_kernel(d);
    });
}

#[test]
fn sclp_corpus_replays() {
    let seeds = mutate::corpus(DIR, "sclp");
    for (name, data) in &seeds {
        assert!(check::check_sclp(data) >= 1, "{name}: a call completes normally");
    }
    mutate::replay(&seeds, 64, 37, 3500, |d| {
        check::check_sclp(d);
    });
}

#[test]
fn sccb_corpus_replays() {
    let seeds = mutate::corpus(DIR, "sccb");
    for (name, data) in &seeds {
        assert!(check::check_sccb(data) >= 1, "{name}: a call completes normally");
    }
    mutate::replay(&seeds, 64, 41, 3500, |d| {
        check::check_sccb(d);
    });
}
