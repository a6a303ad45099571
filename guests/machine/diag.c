/*
 * diag: DIAGNOSE 0x308 (store/set IPIB, program exceptions, load-normal and
 * modified-clear resets that come back through the short PSW at 0), 0x288 (watchdog
 * rules), 0x44 and 0x9c (yield), unknown codes, and the problem state.
 */
#include "guest.h"

const char program_name[] = "machine/diag.elf";

static u8 ipib[4096] __attribute__((aligned(4096)));
static u8 back[4096] __attribute__((aligned(4096)));
u64 saved_regs[10], after_cr0, after_r5;

/* DIAG R1=2 (address), R1+1=3 (response), R3=4 (subcode). */
static u64 diag308(u64 subcode, void *addr)
{
	register u64 r2 asm("2") = (u64)addr;
	register u64 r3 asm("3") = 0xdead;
	register u64 r4 asm("4") = subcode;
	asm volatile("diag %%r2,%%r4,0x308" : "+d"(r2), "+d"(r3) : "d"(r4) : "cc", "memory");
	return r3;
}

static void diag308_odd_r1(void *addr)
{
	register u64 r3 asm("3") = (u64)addr;
	register u64 r4 asm("4") = 5;
	asm volatile("diag %%r3,%%r4,0x308" : "+d"(r3) : "d"(r4) : "cc", "memory");
}

static int diag288(u64 func, u64 timeout)
{
	register u64 r2 asm("2") = func;
	register u64 r3 asm("3") = timeout;
	register u64 r4 asm("4") = 0;
	expect_pgm_int();
	asm volatile("diag %%r2,%%r4,0x288" : : "d"(r2), "d"(r3), "d"(r4) : "cc", "memory");
	return clear_pgm_int();
}

/*
 * Issues DIAG 308 with `subcode` (0 or 1) after pointing the short PSW at 0 to a resume
 * point; GR 5 holds 0x5555 across it. Returns normally after the reset.
 */
void diag308_reset(u64 subcode);
asm(".text\n"
    ".globl diag308_reset\n"
    "diag308_reset:\n"
    "	larl	%r1,saved_regs\n"
    "	stmg	%r6,%r15,0(%r1)\n"
    "	larl	%r1,0f\n"
    "	llihf	%r0,0x00080000\n"
    "	oilf	%r0,0x80000000\n"
    "	ogr	%r0,%r1\n"
    "	stg	%r0,0\n"
    "	lgr	%r4,%r2\n"
    "	lghi	%r5,0x5555\n"
    "	diag	%r2,%r4,0x308\n"
    "	j	.\n"
    "0:	sam64\n"
    "	larl	%r1,after_r5\n"
    "	stg	%r5,0(%r1)\n"
    "	larl	%r1,after_cr0\n"
    "	stctg	%c0,%c0,0(%r1)\n"
    "	larl	%r1,saved_regs\n"
    "	lmg	%r6,%r15,0(%r1)\n"
    "	br	%r14\n");

static void test_diag308(void)
{
	u16 code;

	report_prefix("diag308");
	report(diag308(6, back) == 0x0102, "store IPIB without one: 0x0102");
	memset(ipib, 0, sizeof(ipib));
	*(u32 *)ipib = 200;
	*(u32 *)(ipib + 8) = 192;
	ipib[0x0c] = 2;
	ipib[0x20] = 0xc1;
	report(diag308(5, ipib) == 0x0001, "set a CCW IPIB: 0x0001");
	memset(back, 0xff, sizeof(back));
	report(diag308(6, back) == 0x0001 && !memcmp(back, ipib, 200) && back[200] == 0xff,
	       "store IPIB gives the same 200 bytes");
	*(u32 *)ipib = 4097;
	report(diag308(5, ipib) == 0x0402, "IPIB longer than 4 KiB: 0x0402");
	expect_pgm_int();
	diag308(5, ipib + 8);
	report(clear_pgm_int() == 6, "unaligned IPIB: specification exception");
	expect_pgm_int();
	diag308_odd_r1(ipib);
	report(clear_pgm_int() == 6, "odd R1: specification exception");
	for (u64 sc = 2; sc <= 10; sc += 2) {
		expect_pgm_int();
		diag308(sc == 6 ? 7 : sc, ipib);
		code = clear_pgm_int();
		report(code == 6, "subcode %lu: specification exception", sc == 6 ? 7 : sc);
	}
	diag308_reset(1);
	lctlg0(0x40200);
	sclp_setup();
	report(after_r5 == 0x5555 && after_cr0 == 0xe0,
	       "subcode 1: initial reset (CR0 %#lx), registers kept, resumed at the short PSW",
	       after_cr0);
	lctlg0(0x40200);
	diag308_reset(0);
	lctlg0(0x40200);
	sclp_setup();
	report(after_r5 == 0 && after_cr0 == 0xe0, "subcode 0: clear reset zeroed GR 5");
}

static void test_other(void)
{
	report_prefix("diag");
	expect_pgm_int();
	asm volatile("diag 0,0,0x44\ndiag 0,0,0x9c" : : : "memory");
	report(clear_pgm_int() == 0, "0x44 and 0x9c: no exception");
	expect_pgm_int();
	asm volatile("diag 0,0,0x123" : : : "memory");
	report(clear_pgm_int() == 6, "unknown code 0x123: specification exception");
	report(diag288(0, 10) == 6, "watchdog: timeout below 15 s rejected");
	report(diag288(1, 30) == 6, "watchdog: change while disarmed rejected");
	report(diag288(0, 30) == 0, "watchdog armed for 30 s");
	report(diag288(1, 60) == 0, "watchdog changed to 60 s");
	report(diag288(2, 0) == 0, "watchdog cancelled");
	report(diag288(2, 0) == 6, "cancel while disarmed rejected");
	enter_pstate();
	expect_pgm_int();
	asm volatile("diag 0,0,0x44" : : : "memory");
	asm volatile("svc 1" : : : "memory");
	report(clear_pgm_int() == 2, "problem state: privileged-operation exception");
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_other();
	test_diag308();
	report_prefix(NULL);
	return report_summary();
}
