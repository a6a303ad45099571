//! `pvsim image create` end to end: option rules, exit codes, atomic output, and the
//! created image read back by `info` and `test` (provenance: tests/assets/PROVENANCE.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

fn asset(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/assets")
        .join(p)
        .to_string_lossy()
        .into_owned()
}

fn pvsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvsim")).args(args).output().expect("run pvsim")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn create(out: &Path, extra: &[&str]) -> Output {
    let (k, r, p, h) = (
        asset("inputs/kernel.bin"),
        asset("inputs/ramdisk.bin"),
        asset("inputs/parmline.txt"),
        asset("keys/host.crt"),
    );
    let o = s(out);
    let mut args = vec![
        "image",
        "create",
        "-i",
        &k,
        "-r",
        &r,
        "-p",
        &p,
        "-k",
        &h,
        "--no-verify",
        "--no-component-check",
        "-o",
        &o,
    ];
    args.extend_from_slice(extra);
    pvsim(&args)
}

fn info_json(img: &Path, extra: &[&str]) -> serde_json::Value {
    let i = s(img);
    let mut args = vec!["image", "info", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(&i);
    let out = pvsim(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["data"].clone()
}

#[test]
fn created_image_carries_the_given_keys_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("b1.se");
    let (hk, cck, ik) =
        (asset("inputs/hdr.key"), asset("inputs/cck.bin"), asset("inputs/image.key"));
    // Without our loaders: the layout of IBM's set A, so the ALD can be compared.
    let out =
        create(&img, &["--hdr-key", &hk, "--cck", &cck, "--image-key", &ik, "--x-no-loaders"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir.path().join("b1.se.part").exists());

    let d = info_json(&img, &["--hdr-key", &hk, "--show-secrets"]);
    assert_eq!(d["verified"], true);
    assert_eq!(d["pcf_hex"], "00000000000000e0");
    assert_eq!(d["scf_hex"], "0000000000000000");
    assert_eq!(d["cck_hex"], hex::encode(std::fs::read(asset("inputs/cck.bin")).unwrap()));
    assert_eq!(d["xts_hex"], hex::encode(std::fs::read(asset("inputs/image.key")).unwrap()));
    assert_eq!(d["nep"], 9);
    // Without loaders the entry is the page after the last component (as in set A).
    assert_eq!(d["psw"]["addr_hex"], "000000000001e000");
    assert_eq!(d["psw"]["mask_hex"], "0000000180000000");
    // Same components at the same addresses as set A: the same ALD.
    let a1: serde_json::Value =
        serde_json::from_slice(&std::fs::read(asset("A1/info/info.json")).unwrap()).unwrap();
    assert_eq!(d["ald_hex"], a1["data"]["ald_hex"]);
    assert_eq!(d["keyslots"][0]["phkh_hex"], a1["data"]["keyslots"][0]["phkh_hex"]);
    let stderr =
        String::from_utf8_lossy(&pvsim(&["image", "info", "--format", "json", &s(&img)]).stderr)
            .into_owned();
    assert!(stderr.contains("no boot loader"), "{stderr}");

    // The image is for host.crt, not host2.crt.
    assert_eq!(
        pvsim(&["image", "test", "-k", &asset("keys/host.crt"), &s(&img)]).status.code(),
        Some(0)
    );
    assert_eq!(
        pvsim(&["image", "test", "-k", &asset("keys/host2.crt"), &s(&img)]).status.code(),
        Some(1)
    );
}

#[test]
fn flag_options_reach_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let cck = asset("inputs/cck.bin");
    // B2's options (without --image-key, which conflicts with disabled encryption).
    let img = dir.path().join("b2.se");
    let out = create(
        &img,
        &[
            "--cck",
            &cck,
            "--enable-dump",
            "--enable-cck-update",
            "--enable-pckmo-hmac",
            "--enable-backup-keys",
            "--disable-image-encryption",
            "-k",
            &asset("keys/host2.crt"),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let d = info_json(&img, &[]);
    assert_eq!(d["pcf_hex"], "00000000300000f2");
    assert_eq!(d["nks"], 2);
    // B3's options.
    let img = dir.path().join("b3.se");
    let hk = asset("inputs/hdr.key");
    let out = create(
        &img,
        &["--cck", &cck, "--enable-cck-extension-secret", "--disable-pckmo", "--hdr-key", &hk],
    );
    assert!(out.status.success());
    let d = info_json(&img, &["--hdr-key", &hk, "--show-secrets"]);
    assert_eq!(d["pcf_hex"], "0000000000000000");
    assert_eq!(d["scf_hex"], "4000000000000000");
}

#[test]
fn bad_input_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("x.se");
    // Usage errors: exit 2.
    assert_eq!(create(&img, &["--enable-dump"]).status.code(), Some(2));
    assert_eq!(
        create(&img, &["--image-key", &asset("inputs/image.key"), "--disable-image-encryption"])
            .status
            .code(),
        Some(2)
    );
    // Wrong key sizes: exit 1, message like pvimg's, no output and no partial file.
    let out = create(&img, &["--hdr-key", &asset("inputs/image.key")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Expected size 32, actual 64"));
    let dup = dir.path().join("dup.key");
    std::fs::write(&dup, [0x11u8; 64]).unwrap();
    let out = create(&img, &["--image-key", &s(&dup)]);
    assert_eq!(out.status.code(), Some(1), "equal XTS halves are refused");
    assert!(!img.exists() && !dir.path().join("x.se.part").exists());
    // A kernel that is not a raw s390x kernel (component check on).
    let out = pvsim(&[
        "image",
        "create",
        "-i",
        &asset("inputs/kernel.bin"),
        "-k",
        &asset("keys/host.crt"),
        "--no-verify",
        "-o",
        &s(&img),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No s390x Linux kernel"));
    // A missing input names the file.
    let out = create(&img, &["--cck", "/nonexistent/cck"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/cck"));
    assert!(!img.exists());
    // Not a certificate.
    let out = pvsim(&[
        "image",
        "create",
        "-i",
        &asset("inputs/kernel.bin"),
        "-k",
        &asset("inputs/cck.bin"),
        "--no-verify",
        "--no-component-check",
        "-o",
        &s(&img),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!img.exists());
}

#[test]
fn refuses_to_overwrite_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("o.se");
    std::fs::write(&img, b"precious").unwrap();
    let out = create(&img, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&img).unwrap(), b"precious");
    assert!(create(&img, &["--overwrite"]).status.success());
    assert_ne!(std::fs::read(&img).unwrap(), b"precious");
}

#[test]
fn command_line_size_follows_the_kernel() {
    let dir = tempfile::tempdir().unwrap();
    // A fake raw kernel: S390EP at 0x10008, default maximum (896).
    let mut k = vec![0u8; 0x10438];
    k[0x10008..0x1000e].copy_from_slice(b"S390EP");
    let kp = dir.path().join("kernel");
    std::fs::write(&kp, &k).unwrap();
    let run = |len: usize| {
        let pp = dir.path().join("parm");
        std::fs::write(&pp, vec![b'x'; len]).unwrap();
        let img = dir.path().join(format!("c{len}.se"));
        pvsim(&[
            "image",
            "create",
            "-i",
            &s(&kp),
            "-p",
            &s(&pp),
            "-k",
            &asset("keys/host.crt"),
            "--no-verify",
            "-o",
            &s(&img),
        ])
    };
    assert!(run(895).status.success());
    let out = run(896);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("897 > 896"));
}

#[test]
fn demo_runs_and_detects_tampering() {
    let out = pvsim(&["demo"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PLD, ALD, TLD and page count match"), "{text}");
    assert!(text.contains("root=/dev/vda1 console=ttysclp0 panic=0 pvimg-vector"));
    assert!(text.contains("guest sees its kernel start: 9650a2e042f7ba50b74b2c422d820f3d"));
    assert!(text.contains("host reading the same page: secure-storage access exception"));
    assert!(text.contains("rejected by the ultravisor: Verify failed with rc 0x0102 rrc 0x001b"));
    assert!(text.contains("Hello from a pvsim guest"), "{text}");
    assert!(!text.contains("FAIL:"), "{text}");
    // Step 5: pvsim image create (with our loaders) of secure.c, then pvsim run
    // --host-key: the program runs as a secure guest and prints through the host.
    assert!(text.contains(&support::secure_console("expect=secure from the pvsim demo")), "{text}");
}

#[test]
fn demo_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pvsim"))
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the first line, then go away as `head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("error"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
}

#[test]
fn host_key_documents_are_verified_against_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("v.se");
    let run = |hkd: &str, extra: &[&str]| {
        let (k, h, o) = (asset("inputs/kernel.bin"), asset(hkd), s(&img));
        let (c1, c2) = (asset("cert/ibm.crt"), asset("cert/inter_ca.crt"));
        let (l1, l2, l3) =
            (asset("cert/ibm.crl"), asset("cert/inter_ca.crl"), asset("cert/root_ca.crl"));
        let root = asset("cert/root_ca.crt");
        let mut args = vec![
            "image",
            "create",
            "-i",
            &k,
            "-k",
            &h,
            "--no-component-check",
            "-o",
            &o,
            "--overwrite",
            "-C",
            &c1,
            "-C",
            &c2,
            "--crl",
            &l1,
            "--crl",
            &l2,
            "--crl",
            &l3,
            "--root-ca",
            &root,
            "--offline",
        ];
        args.extend_from_slice(extra);
        pvsim(&args)
    };
    let ok = run("cert/host.crt", &[]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let out = run("cert/host_rev.crt", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(err.contains("revoked"), "{err}");
    // Without the root CA there is no trust anchor.
    let k = asset("inputs/kernel.bin");
    let h = asset("cert/host.crt");
    let c = asset("cert/ibm.crt");
    let o = s(&img);
    let out = pvsim(&[
        "image",
        "create",
        "-i",
        &k,
        "-k",
        &h,
        "--no-component-check",
        "-o",
        &o,
        "--overwrite",
        "-C",
        &c,
        "--offline",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn at_most_95_host_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (k, h) = (asset("inputs/kernel.bin"), asset("keys/host.crt"));
    let run = |n: usize| {
        let img = s(&dir.path().join(format!("k{n}.se")));
        let mut args = vec!["image", "create", "-i", &k, "--no-verify", "--no-component-check"];
        for _ in 0..n {
            args.extend_from_slice(&["-k", &h]);
        }
        args.extend_from_slice(&["-o", &img]);
        (pvsim(&args), img)
    };
    let (ok, img) = run(95);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(std::path::Path::new(&img).exists());
    // pvimg: the 96th key fails with "Invalid Secure Execution header".
    let (bad, img) = run(96);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Invalid Secure Execution header"));
    assert!(!std::path::Path::new(&img).exists());
}

/// `image info` with the image on a pipe (`/dev/stdin` fed by a writer thread), not a
/// seekable file: the same text, and the same note about the missing loader.
#[test]
fn info_reads_an_image_from_a_pipe() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("se.img");
    assert!(create(&img, &["--x-no-loaders"]).status.success());
    let from_file = pvsim(&["image", "info", "--format", "text", &s(&img)]);
    assert!(from_file.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_pvsim"))
        .args(["image", "info", "--format", "text", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&img).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let from_pipe = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(from_pipe.status.success(), "{}", String::from_utf8_lossy(&from_pipe.stderr));
    assert_eq!(from_pipe.stdout, from_file.stdout);
    assert_eq!(from_pipe.stderr, from_file.stderr, "warning and loader note alike");
    assert!(String::from_utf8_lossy(&from_pipe.stderr).contains("no boot loader"));
}
