/*
 * uv-host: this program is the host operating system of a machine with the ultravisor
 * (`pvsim run --ultravisor --memory 4G`) and drives it with UVC the way a hypervisor
 * does (uv-spec.md §1-§3): facility 158, Query Ultravisor Information, the generic
 * checks (problem state, I3, UVCB on an invalid page, unknown command, length, state),
 * Initialize with the UV storage above 2 GiB, the host's view of donated storage
 * (secure-storage-access exception 0x3d), a secure configuration and CPU from creation
 * to destruction, and the host load-normal reset (DIAG 308 subcode 1) that wipes the
 * ultravisor.
 *
 * Expected values come from uv-spec.md and from the z16 row of the table in
 * pv-ultravisor/src/machine.rs (pvsim's documented choices); the machine must have
 * exactly 4 GiB.
 */
#include "guest.h"

const char program_name[] = "uv-host/uv-host.elf";

#define MIB (1UL << 20)
#define GIB (1UL << 30)
#define MEMORY (4 * GIB)

/* Command codes (uv-spec.md §1.4). */
#define UVC_QUI 0x0001
#define UVC_INIT 0x000f
#define UVC_CGC 0x0100
#define UVC_DSC 0x0101
#define UVC_CSC 0x0120
#define UVC_DCPU 0x0121
#define UVC_SET_SHARED 0x1000

/* Response codes (uv-spec.md §1.3, §1.6). */
#define RC_OK 0x0001
#define RC_INV_CMD 0x0002
#define RC_INV_STATE 0x0003
#define RC_INV_LEN 0x0005
#define RC_INV_GHANDLE 0x0020
#define RC_INV_CHANDLE 0x0021
#define RC_MORE_DATA 0x0100

/* Program-interruption codes. */
#define PGM_PRIV 0x02
#define PGM_SPEC 0x06
#define PGM_PAGE 0x11
#define PGM_SECURE 0x3d

/* The storage this program donates (all above 2 GiB, inside the 4 GiB). */
#define UV_BASE (2 * GIB)
#define CFG_BASE 0x90000000UL
#define CFG_VAR 0x90100000UL
#define CPU_STOR 0x90200000UL
#define CPU_STATE 0x90300000UL
#define CFG2_BASE 0x90400000UL
#define CFG2_VAR 0x90500000UL
#define CPU2_STOR 0x90600000UL
#define SCA 0x98000000UL
#define ASCE 0x99000100UL
#define ASCE2 0x99100100UL
#define GUEST_MSO 0xa0000000UL
#define GUEST_MSL (16 * MIB)

/* ---- UVCBs (big-endian, as s390x stores them) ----------------------------------- */

static u8 uvcb[0x200] __attribute__((aligned(4096)));

static inline u16 get16(const u8 *b, int off)
{
	return *(const u16 *)(b + off);
}
static inline u64 get64(const u8 *b, int off)
{
	return *(const u64 *)(b + off);
}
static inline void put16(u8 *b, int off, u16 v)
{
	*(u16 *)(b + off) = v;
}
static inline void put64(u8 *b, int off, u64 v)
{
	*(u64 *)(b + off) = v;
}

/* A fresh UVCB: len, cmd, everything else zero. */
static u8 *uvcb_new(u16 len, u16 cmd)
{
	memset(uvcb, 0, sizeof(uvcb));
	put16(uvcb, 0, len);
	put16(uvcb, 2, cmd);
	return uvcb;
}

static u16 rc(void)
{
	return get16(uvcb, 4);
}

static int uvc(void)
{
	return uv_call(uvcb);
}

/* ---- probing accesses that take program interruptions ---------------------------- */

/*
 * While a probe runs, the program new PSW points to probe_entry: the interruption code
 * and TEID are recorded, a nullified instruction is skipped (the lib's handler would
 * return to it), and execution continues after the instruction.
 */
volatile u16 probe_code;
volatile u64 probe_teid;
static u64 saved_pgm_new[2];

void probe_entry(void);
asm(".text\n"
    ".globl probe_entry\n"
    "probe_entry:\n"
    "	stmg	%r0,%r15,0x380\n"
    "	aghi	%r15,-160\n"
    "	brasl	%r14,probe_handler\n"
    "	lmg	%r0,%r15,0x380\n"
    "	lpswe	0x150\n");

void probe_handler(void)
{
	u16 code = LC_U16(LC_PGM_CODE) & 0x7fff;
	u16 ilc = LC_U16(LC_PGM_ILC);

	probe_code = code;
	probe_teid = LC_U64(LC_TEID);
	if (code == 0x10 || code == 0x11 || (code >= 0x38 && code <= 0x3b) || code == 0x3d ||
	    code == 0x3e)
		LC_U64(LC_PGM_OLD + 8) += ilc;
}

static void probe_begin(void)
{
	saved_pgm_new[0] = LC_U64(0x1d0);
	saved_pgm_new[1] = LC_U64(0x1d8);
	probe_code = 0;
	probe_teid = 0;
	LC_U64(0x1d0) = 0x0000000180000000UL;
	LC_U64(0x1d8) = (u64)probe_entry;
	asm volatile("" : : : "memory");
}

static u16 probe_end(void)
{
	asm volatile("" : : : "memory");
	LC_U64(0x1d0) = saved_pgm_new[0];
	LC_U64(0x1d8) = saved_pgm_new[1];
	return probe_code;
}

/* Reads 8 bytes at absolute `addr`; returns the program-interruption code (0 = none). */
static u16 probe_read(u64 addr, u64 *val)
{
	u64 v = 0;
	probe_begin();
	asm volatile("lg %0,0(%1)" : "+d"(v) : "a"(addr) : "memory");
	*val = v;
	return probe_end();
}

static u16 probe_write(u64 addr, u64 v)
{
	probe_begin();
	asm volatile("stg %0,0(%1)" : : "d"(v), "a"(addr) : "memory");
	return probe_end();
}

/* UVC with the UVCB at `at`, probed. */
static u16 probe_uvc(u64 at)
{
	probe_begin();
	uv_call((void *)at);
	return probe_end();
}

/*
 * Whether the pages of `len` bytes at `addr` are readable and zero: every doubleword of
 * ranges up to 64 KiB, the first and last doubleword of each page of larger ones (the
 * ultravisor zeroes whole pages).
 */
static int zero_and_readable(u64 addr, u64 len)
{
	u64 v;
	for (u64 page = addr; page < addr + len; page += PAGE_SIZE) {
		if (probe_read(page, &v) || v || probe_read(page + PAGE_SIZE - 8, &v) || v)
			return 0;
		if (len > 0x10000)
			continue;
		for (u64 a = page; a < page + PAGE_SIZE; a += 8)
			if (*(volatile u64 *)a)
				return 0;
	}
	return 1;
}

/* Fills `len` bytes at `addr` with 0xaa (storage the host still owns). */
static void fill(u64 addr, u64 len)
{
	memset((void *)addr, 0xaa, len);
}

/* ---- Query Ultravisor Information ------------------------------------------------ */

static u64 base_len, cfg_base_len, cfg_virt_len, cfg_var_per_mib, cpu_len;

static int bit(const u8 *calls, int n)
{
	return (calls[n / 8] >> (7 - n % 8)) & 1;
}

static int bits_all(const u8 *calls, const int *list, int n, int want)
{
	for (int i = 0; i < n; i++)
		if (bit(calls, list[i]) != want)
			return 0;
	return 1;
}

static void test_query(void)
{
	static const int host_bits[] = { 0,  1,  2,  3,  4,  5,  6,  7,  11, 13, 14, 15, 16,
					 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 34 };
	static const int guest_bits[] = { 8, 9, 28, 29, 30, 31, 33 };
	u8 *u;
	int cc;

	report_prefix("query");
	u = uvcb_new(0x120, UVC_QUI);
	cc = uvc();
	report(cc == 0 && rc() == RC_OK, "len 0x120: cc 0, rc 0x0001 (cc %d rc %#x)", cc, rc());
	report(bits_all(u + 0x10, host_bits, 25, 1), "host calls 0-7, 11, 13-27, 34 installed");
	report(bits_all(u + 0x10, guest_bits, 7, 0), "guest calls 8, 9, 28-31, 33 not offered");
	base_len = get64(u, 0x40);
	cfg_base_len = get64(u, 0x50);
	cfg_virt_len = get64(u, 0x58);
	cfg_var_per_mib = get64(u, 0x60);
	cpu_len = get64(u, 0x68);
	report(base_len == 16 * MIB, "uv_base_stor_len 16 MiB (%#lx)", base_len);
	report(cfg_base_len == 0x8000 && cfg_virt_len == 0x4000 && cfg_var_per_mib == 0x100,
	       "configuration storage: base 0x8000, virtual 0x4000, 0x100 per MiB");
	report(cpu_len == 0x2000, "cpu_stor_len 0x2000 (%#lx)", cpu_len);
	report(*(u32 *)(u + 0x7c) == 1024 && get64(u, 0x80) == 1UL << 46 &&
		       get16(u, 0x9e) == 247,
	       "1024 configurations, guest storage up to 64 TiB, CPU ids up to 247");
	u = uvcb_new(0xa8, UVC_QUI);
	cc = uvc();
	report(cc == 1 && rc() == RC_MORE_DATA && bit(u + 0x10, 1),
	       "len 0xa8: cc 1, rc 0x0100, data up to the length stored");
	uvcb_new(0xa0, UVC_QUI);
	cc = uvc();
	report(cc == 1 && rc() == RC_INV_LEN, "len 0xa0: rc 0x0005");
}

/* ---- the generic checks ---------------------------------------------------------- */

static void test_generic(void)
{
	u16 code;

	report_prefix("generic");
	/* Problem state: privileged operation, the UVCB untouched. */
	uvcb_new(0x120, UVC_QUI);
	put16(uvcb, 4, 0xdead);
	probe_begin();
	enter_pstate();
	uvc();
	asm volatile("svc 1" : : : "memory");
	code = probe_end();
	report(code == PGM_PRIV && rc() == 0xdead,
	       "problem state: privileged-operation exception, UVCB unchanged (%#x)", code);
	/* I3 = 4, M4 = 2: specification exception. */
	uvcb_new(0x120, UVC_QUI);
	probe_begin();
	asm volatile(".insn rrf,0xb9a40000,%%r0,%[r2],4,2" : : [r2] "a"(uvcb) : "cc", "memory");
	code = probe_end();
	report(code == PGM_SPEC, "I3 4, M4 2: specification exception (%#x)", code);
	/* A UVCB on an invalid page (beyond storage): page-translation exception. */
	code = probe_uvc(MEMORY + 0x1000);
	report(code == PGM_PAGE && (probe_teid & ~0xfffUL) == MEMORY + 0x1000,
	       "UVCB beyond storage: page-translation exception, TEID %#lx", probe_teid);
	/* Only the part after the header is on the invalid page. */
	put16((u8 *)(MEMORY - 8), 0, 0x120);
	put16((u8 *)(MEMORY - 8), 2, UVC_QUI);
	code = probe_uvc(MEMORY - 8);
	report(code == PGM_PAGE && (probe_teid & ~0xfffUL) == MEMORY,
	       "header on the last 8 bytes of storage: page-translation exception for the next page");
	/* Commands the host may not issue. */
	uvcb_new(0x40, 0x7777);
	report(uvc() == 1 && rc() == RC_INV_CMD, "unknown command 0x7777: rc 0x0002");
	uvcb_new(0x30, UVC_SET_SHARED);
	report(uvc() == 1 && rc() == RC_INV_CMD, "guest command Set Shared Access: rc 0x0002");
}

/* ---- before and at Initialize ---------------------------------------------------- */

static void cgc(u64 base, u64 var, u64 asce, u64 sca)
{
	u8 *u = uvcb_new(0x80, UVC_CGC);
	put64(u, 0x20, base);
	put64(u, 0x28, var);
	put64(u, 0x38, GUEST_MSO);
	put64(u, 0x40, GUEST_MSL);
	put64(u, 0x48, sca);
	put64(u, 0x50, asce);
}

static void csc(u64 config, u64 stor, u16 num)
{
	u8 *u = uvcb_new(0x60, UVC_CSC);
	put64(u, 0x20, config);
	put64(u, 0x28, stor);
	put16(u, 0x36, num);
	put64(u, 0x38, CPU_STATE);
}

static void nodata(u16 cmd, u64 handle)
{
	put64(uvcb_new(0x40, cmd), 0x18, handle);
}

static void init(u64 origin, u64 len)
{
	u8 *u = uvcb_new(0x48, UVC_INIT);
	put64(u, 0x18, origin);
	put64(u, 0x20, len);
}

static void test_uninitialized(void)
{
	report_prefix("uninitialized");
	cgc(CFG_BASE, CFG_VAR, ASCE, SCA);
	put16(uvcb, 0, 0x78);
	report(uvc() == 1 && rc() == RC_INV_LEN, "CGC len 0x78: rc 0x0005 (length before state)");
	init(UV_BASE, base_len);
	put16(uvcb, 0, 0x50);
	report(uvc() == 1 && rc() == RC_INV_LEN, "Initialize len 0x50: rc 0x0005");
	cgc(CFG_BASE, CFG_VAR, ASCE, SCA);
	report(uvc() == 1 && rc() == RC_INV_STATE, "Create Secure Configuration: rc 0x0003");
	csc(1, CPU_STOR, 0);
	report(uvc() == 1 && rc() == RC_INV_STATE, "Create Secure CPU: rc 0x0003");
	nodata(UVC_DCPU, 1);
	report(uvc() == 1 && rc() == RC_INV_STATE, "Destroy Secure CPU: rc 0x0003");
	nodata(UVC_DSC, 1);
	report(uvc() == 1 && rc() == RC_INV_STATE, "Destroy Secure Configuration: rc 0x0003");
}

static void test_init(void)
{
	u64 v;
	u16 code;

	report_prefix("init");
	init(1 * GIB, base_len);
	report(uvc() == 1 && rc() == 0x0108, "storage at 1 GiB (below 2 GiB): rc 0x0108");
	init(UV_BASE, base_len - 0x1000);
	report(uvc() == 1 && rc() == 0x0103, "storage 4 KiB too short: rc 0x0103");
	init(MEMORY, base_len);
	report(uvc() == 1 && rc() == 0x0104, "origin at the end of memory: rc 0x0104");
	init(MEMORY - 8 * MIB, base_len);
	report(uvc() == 1 && rc() == 0x0105, "storage past the end of memory: rc 0x0105");
	fill(UV_BASE, 0x1000);
	init(UV_BASE, base_len);
	report(uvc() == 0 && rc() == RC_OK, "16 MiB at 2 GiB: cc 0, rc 0x0001");
	init(UV_BASE + 64 * MIB, base_len);
	report(uvc() == 1 && rc() == 0x0101, "second Initialize: rc 0x0101");

	report_prefix("donated");
	code = probe_read(UV_BASE, &v);
	report(code == PGM_SECURE && (probe_teid & ~0xfffUL) == UV_BASE,
	       "host read of the UV storage at 2 GiB: exception 0x3d (%#x), TEID %#lx", code,
	       probe_teid);
	code = probe_write(UV_BASE + base_len - 8, 0x1234);
	report(code == PGM_SECURE, "host write of its last page: exception 0x3d (%#x)", code);
	report(probe_read(UV_BASE + base_len, &v) == 0, "the page after it is host storage");
	code = probe_uvc(UV_BASE + 0x800);
	report(code == PGM_SECURE, "a UVCB in the UV storage: exception 0x3d (%#x)", code);
}

/* ---- a configuration and a CPU --------------------------------------------------- */

static u64 var_len(void)
{
	u64 per = cfg_var_per_mib * (GUEST_MSL / MIB);
	return cfg_virt_len + ((per + 0xfff) & ~0xfffUL);
}

static void test_lifecycle(void)
{
	u64 config, cpu, v;

	report_prefix("lifecycle");
	fill(CFG_BASE, cfg_base_len);
	fill(CFG_VAR, var_len());
	fill(CPU_STOR, cpu_len);
	cgc(CFG_BASE, CFG_VAR, ASCE, 0);
	report(uvc() == 1 && rc() == 0x010c && get64(uvcb, 0x18) == 0,
	       "CGC with SCA 0: rc 0x010c, no handle");
	cgc(CFG_BASE, CFG_VAR, ASCE & ~0x100UL, SCA);
	report(uvc() == 1 && rc() == 0x0105, "CGC with a non-private ASCE: rc 0x0105");
	cgc(CFG_BASE, CFG_VAR, ASCE, SCA);
	report(uvc() == 0 && rc() == RC_OK && get64(uvcb, 0x18),
	       "Create Secure Configuration: cc 0, handle %#lx", get64(uvcb, 0x18));
	config = get64(uvcb, 0x18);
	cgc(CFG_BASE, CFG_VAR, ASCE, SCA);
	report(uvc() == 1 && rc() == 0x0104 && get64(uvcb, 0x18) == 0,
	       "the same UVCB again: rc 0x0104 (ASCE in use), no handle");
	report(probe_read(CFG_BASE, &v) == PGM_SECURE &&
		       probe_read(CFG_BASE + cfg_base_len - 8, &v) == PGM_SECURE,
	       "base storage: exception 0x3d");
	report(probe_read(CFG_VAR + var_len() - 8, &v) == PGM_SECURE &&
		       probe_read(CFG_VAR + var_len(), &v) == 0,
	       "variable storage (%#lx bytes): exception 0x3d, not beyond", var_len());

	csc(config + 0x100, CPU_STOR, 0);
	report(uvc() == 1 && rc() == RC_INV_GHANDLE, "CSC with a wrong configuration: rc 0x0020");
	csc(config, CPU_STOR, 0);
	report(uvc() == 0 && rc() == RC_OK && get64(uvcb, 0x18) &&
		       get64(uvcb, 0x18) != config,
	       "Create Secure CPU: cc 0, handle %#lx", get64(uvcb, 0x18));
	cpu = get64(uvcb, 0x18);
	csc(config, CPU_STOR + 0x10000, 0);
	report(uvc() == 1 && rc() == 0x0104 && get64(uvcb, 0x18) == 0,
	       "CSC with the same number: rc 0x0104, no handle");
	report(probe_read(CPU_STOR + cpu_len - 8, &v) == PGM_SECURE, "CPU storage: exception 0x3d");

	nodata(UVC_DCPU, config);
	report(uvc() == 1 && rc() == RC_INV_CHANDLE, "Destroy CPU with a configuration handle: rc 0x0021");
	nodata(UVC_DSC, cpu);
	report(uvc() == 1 && rc() == RC_INV_GHANDLE, "DSC with a CPU handle: rc 0x0020");
	nodata(UVC_DSC, config);
	report(uvc() == 1 && rc() == RC_INV_STATE, "DSC while a CPU exists: rc 0x0003");
	nodata(UVC_DCPU, cpu);
	report(uvc() == 0 && rc() == RC_OK, "Destroy Secure CPU: cc 0");
	report(zero_and_readable(CPU_STOR, cpu_len), "CPU storage given back, zeroed");
	nodata(UVC_DCPU, cpu);
	report(uvc() == 1 && rc() == RC_INV_CHANDLE, "destroyed CPU handle: rc 0x0021");
	nodata(UVC_DSC, config);
	report(uvc() == 0 && rc() == RC_OK, "Destroy Secure Configuration: cc 0");
	report(zero_and_readable(CFG_BASE, cfg_base_len) &&
		       zero_and_readable(CFG_VAR, var_len()),
	       "base and variable storage given back, zeroed");
	nodata(UVC_DSC, config);
	report(uvc() == 1 && rc() == RC_INV_GHANDLE, "destroyed configuration handle: rc 0x0020");
}

/* ---- the host reset (DIAG 308 subcode 1) ----------------------------------------- */

u64 reset_regs[10];

/*
 * DIAG 308 subcode 1 (load normal) after pointing the short PSW at 0 to the resume
 * point; returns after the reset with r6-r15 restored.
 */
void load_normal_reset(void);
asm(".text\n"
    ".globl load_normal_reset\n"
    "load_normal_reset:\n"
    "	larl	%r1,reset_regs\n"
    "	stmg	%r6,%r15,0(%r1)\n"
    "	larl	%r1,0f\n"
    "	llihf	%r0,0x00080000\n"
    "	oilf	%r0,0x80000000\n"
    "	ogr	%r0,%r1\n"
    "	stg	%r0,0\n"
    "	lghi	%r4,1\n"
    "	diag	%r2,%r4,0x308\n"
    "	j	.\n"
    "0:	sam64\n"
    "	larl	%r1,reset_regs\n"
    "	lmg	%r6,%r15,0(%r1)\n"
    "	br	%r14\n");

static void test_reset(void)
{
	u64 config, cpu, v;
	int ok;

	report_prefix("reset");
	cgc(CFG2_BASE, CFG2_VAR, ASCE2, SCA);
	ok = uvc() == 0;
	config = get64(uvcb, 0x18);
	csc(config, CPU2_STOR, 1);
	ok &= uvc() == 0;
	cpu = get64(uvcb, 0x18);
	report(ok && probe_read(CPU2_STOR, &v) == PGM_SECURE,
	       "a second configuration and CPU before the reset");
	load_normal_reset();
	lctlg0(0x40200);
	sclp_setup();
	report(zero_and_readable(UV_BASE, base_len), "DIAG 308 subcode 1: UV storage readable, zero");
	report(zero_and_readable(CFG2_BASE, cfg_base_len) &&
		       zero_and_readable(CFG2_VAR, var_len()) &&
		       zero_and_readable(CPU2_STOR, cpu_len),
	       "configuration and CPU storage readable, zero");
	cgc(CFG2_BASE, CFG2_VAR, ASCE2, SCA);
	report(uvc() == 1 && rc() == RC_INV_STATE, "CGC after the reset: rc 0x0003 (uninitialized)");
	nodata(UVC_DCPU, cpu);
	report(uvc() == 1 && rc() == RC_INV_STATE, "the old CPU handle: rc 0x0003");
	uvcb_new(0x120, UVC_QUI);
	report(uvc() == 0 && rc() == RC_OK && get64(uvcb, 0x40) == base_len,
	       "Query still answers");
	init(UV_BASE, base_len);
	report(uvc() == 0 && rc() == RC_OK && probe_read(UV_BASE, &v) == PGM_SECURE,
	       "Initialize again: cc 0, storage donated");
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	report_prefix("machine");
	report(has_facility(158), "facility 158 (ultravisor call) installed");
	report(sclp_memory_size() == MEMORY, "READ SCP INFO reports %lu MiB",
	       sclp_memory_size() >> 20);
	if (sclp_memory_size() != MEMORY) {
		report_prefix(NULL);
		return report_summary();
	}
	test_query();
	test_generic();
	test_uninitialized();
	test_init();
	test_lifecycle();
	test_reset();
	report_prefix(NULL);
	return report_summary();
}
