/*
 * interrupts: program interruptions (codes, ILC, old PSW), SVC, and external
 * interruptions (clock comparator, CPU timer, emergency signal and external call to
 * the own CPU), delivered only when the PSW and CR0 masks allow.
 */
#include "guest.h"

const char program_name[] = "machine/interrupts.elf";

static void test_program(void)
{
	u64 before, after;

	report_prefix("program");
	expect_pgm_int();
	asm volatile("larl %0,0f\n"
		     "0: .insn rr,0x0000,0,0\n"
		     : "=a"(before));
	report(clear_pgm_int() == 1 && pgm.ilc == 2 && pgm.addr == before + 2,
	       "operation exception, ILC 2, old PSW after the instruction");

	expect_pgm_int();
	asm volatile("larl %0,0f\n"
		     "0: lpswe 1(%0)\n"
		     : "=a"(before));
	report(clear_pgm_int() == 6 && pgm.ilc == 4 && pgm.addr == before + 4,
	       "misaligned LPSWE: specification exception, ILC 4");

	enter_pstate();
	expect_pgm_int();
	asm volatile("larl %0,0f\n"
		     "0: stctg %%c0,%%c0,0(%%r15)\n"
		     : "=a"(before));
	after = pgm.addr;
	asm volatile("svc 1" : : : "memory");
	report(clear_pgm_int() == 2 && after == before + 6,
	       "privileged operation in the problem state, ILC 6");
	report(svc_code == 1 && svc_ilc == 2, "SVC 1 left the problem state");
	{
		u64 mask;
		asm volatile("epsw %0,%%r0\nsllg %0,%0,32" : "=d"(mask) : : "r0");
		report(!(mask & PSW_MASK_PSTATE), "PSW is supervisor again");
	}
}

static void test_svc(void)
{
	report_prefix("svc");
	svc_code = 0;
	asm volatile("svc 42" : : : "memory");
	report(svc_code == 42 && svc_ilc == 2, "SVC 42: code and ILC");
	asm volatile("svc 255" : : : "memory");
	report(svc_code == 255, "SVC 255");
}

static void set_ckc(u64 v)
{
	asm volatile("sckc %0" : : "Q"(v));
}

static void set_cpu_timer(u64 v)
{
	asm volatile("spt %0" : : "Q"(v));
}

static void test_external(void)
{
	u16 me = stap();
	int n;
	u64 t0;

	report_prefix("external");
	/* Clock comparator: masked in CR0 first, then enabled and waited for. */
	n = ext_count[me];
	t0 = stck();
	set_ckc(t0 + 4096 * 100);
	{
		u8 old;
		asm volatile("stosm %0,0x01" : "=Q"(old) : : "memory");
		for (int i = 0; i < 20000; i++)
			asm volatile("" : : : "memory");
		asm volatile("ssm %0" : : "Q"(old) : "memory");
	}
	report(ext_count[me] == n, "clock comparator masked by CR0 bit 52");
	ctl0_set(CR0_CLOCK_COMPARATOR);
	while (ext_count[me] == n)
		enabled_wait();
	report(ext_code[me] == 0x1004 && stck() > t0 + 4096 * 100,
	       "clock comparator interruption 0x1004 after the comparator value");

	/* CPU timer. */
	n = ext_count[me];
	set_cpu_timer(4096 * 50);
	ctl0_set(CR0_CPU_TIMER);
	while (ext_count[me] == n)
		enabled_wait();
	report(ext_code[me] == 0x1005, "CPU timer interruption 0x1005");

	/* Emergency signal and external call to the own CPU. */
	n = ext_count[me];
	report(sigp(me, SIGP_EMERGENCY_SIGNAL, 0, NULL) == 0, "SIGP emergency signal to self");
	report(ext_count[me] == n, "pending while disabled");
	ctl0_set(CR0_EMERGENCY);
	while (ext_count[me] == n)
		enabled_wait();
	report(ext_code[me] == 0x1201 && ext_cpu[me] == me, "emergency signal 0x1201 from CPU %u",
	       ext_cpu[me]);
	n = ext_count[me];
	report(sigp(me, SIGP_EXTERNAL_CALL, 0, NULL) == 0, "SIGP external call to self");
	{
		u32 status = 0;
		report(sigp(me, SIGP_EXTERNAL_CALL, 0, &status) == 1 && status == 0x80,
		       "second external call: cc 1, status 0x80 (pending)");
	}
	ctl0_set(CR0_EXTERNAL_CALL);
	while (ext_count[me] == n)
		enabled_wait();
	report(ext_code[me] == 0x1202, "external call 0x1202");
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_program();
	test_svc();
	test_external();
	report_prefix(NULL);
	return report_summary();
}
