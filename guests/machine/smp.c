/*
 * smp: SIGP between two CPUs (run with --smp 2; machine.md "SMP and SIGP"): bring-up
 * through SET PREFIX and RESTART, emergency signal and external call across CPUs,
 * SENSE, SENSE RUNNING STATUS, STOP, START, STORE STATUS (at address, and with stop),
 * SET ARCHITECTURE, INITIAL CPU RESET, CONDITIONAL EMERGENCY SIGNAL, invalid orders
 * and addresses.
 */
#include "guest.h"

const char program_name[] = "machine/smp.elf";

#define MAGIC 0x1234abcd00005678UL

u8 lowcore1[8192] __attribute__((aligned(8192)));
u8 stack1[16384] __attribute__((aligned(4096)));
static u8 status_area[512] __attribute__((aligned(512)));
/* CPU 0's lowcore (absolute 0), through a variable so the compiler sees no null pointer. */
static volatile u64 lowcore0;
volatile int cpu1_mode, cpu1_alive, cpu1_done, cpu1_restarted;
volatile u16 cpu1_addr, cpu1_ext;
volatile u32 cpu1_prefix;

void cpu1_entry(void);
void stop_with_magic(void) __attribute__((noreturn));

asm(".text\n"
    ".globl cpu1_entry\n"
    "cpu1_entry:\n"
    "	larl	%r15,stack1+16384-160\n"
    "	brasl	%r14,cpu1_main\n"
    ".globl stop_with_magic\n"
    "stop_with_magic:\n"
    "	llihf	%r7,0x1234abcd\n"
    "	oilf	%r7,0x5678\n"
    "	j	stop_self\n");

void cpu1_main(void)
{
	lctlg0(0x40000 | CR0_EMERGENCY | CR0_EXTERNAL_CALL);
	if (cpu1_mode == 1) {
		cpu1_restarted = 1;
		stop_with_magic();
	}
	cpu1_addr = stap();
	cpu1_prefix = stpx();
	cpu1_alive = 1;
	sigp(0, SIGP_EMERGENCY_SIGNAL, 0, NULL);
	while (ext_count[1] == 0)
		enabled_wait();
	cpu1_ext = ext_code[1];
	cpu1_done = 1;
	stop_with_magic();
}

static int sense(u16 addr, u32 *status)
{
	return sigp(addr, SIGP_SENSE, 0, status);
}

static int wait_stopped(u16 addr)
{
	u32 st;
	for (int i = 0; i < 100000; i++)
		if (sense(addr, &st) == 1 && (st & 0x40))
			return 1;
	return 0;
}

static void bring_up(void)
{
	u32 st = 0;
	u64 restart[2] = { PSW_MASK_64, (u64)cpu1_entry };

	report_prefix("bring-up");
	report(sense(1, &st) == 1 && st == 0x40, "SENSE: CPU 1 stopped (status %#x)", st);
	report(sense(2, NULL) == 3, "SENSE: no CPU 2 (cc 3)");
	memcpy(lowcore1, (const void *)lowcore0, 512);
	memcpy(lowcore1 + LC_RESTART_NEW, restart, 16);
	report(sigp(1, SIGP_SET_PREFIX, (u64)lowcore1, NULL) == 0, "SET PREFIX");
	ctl0_set(CR0_EMERGENCY);
	report(sigp(1, SIGP_RESTART, 0, NULL) == 0, "RESTART");
	while (!ext_count[0])
		enabled_wait();
	report(ext_code[0] == 0x1201 && ext_cpu[0] == 1, "emergency signal from CPU %u",
	       ext_cpu[0]);
	report(cpu1_alive && cpu1_addr == 1 && cpu1_prefix == (u32)(u64)lowcore1,
	       "CPU 1 runs with address 1 and its own prefix");
}

static void signals(void)
{
	u32 st = 0;
	int cc = 0;

	report_prefix("signals");
	for (int i = 0; i < 100000; i++) {
		cc = sigp(1, SIGP_SENSE_RUNNING, 0, &st);
		if (cc == 1)
			break;
	}
	report(cc == 1 && st == 0x400, "SENSE RUNNING: waiting CPU 1 is not running");
	report(sigp(1, SIGP_EXTERNAL_CALL, 0, NULL) == 0, "EXTERNAL CALL to CPU 1");
	report(wait_stopped(1), "CPU 1 stopped itself");
	report(cpu1_done && cpu1_ext == 0x1202, "CPU 1 got the external call");
}

static void status(void)
{
	u32 st = 0;

	report_prefix("status");
	report(sigp(1, SIGP_STORE_STATUS_AT_ADDRESS, (u64)status_area, NULL) == 0,
	       "STORE STATUS AT ADDRESS");
	report(*(u64 *)(status_area + 0x80 + 7 * 8) == MAGIC, "GR 7 saved");
	report(*(u32 *)(status_area + 0x118) == (u32)(u64)lowcore1, "prefix saved");
	memset(lowcore1 + 0x1200, 0, 0x200);
	report(sigp(1, SIGP_STOP_AND_STORE_STATUS, 0, NULL) == 0, "STOP AND STORE STATUS");
	report(*(u64 *)(lowcore1 + 0x1280 + 7 * 8) == MAGIC && lowcore1[0xa3] == 1,
	       "status in the prefix area, mode byte 1");
	report(sigp(1, SIGP_SET_ARCHITECTURE, 2, &st) == 1 && st == 0x100,
	       "SET ARCHITECTURE rejected: invalid parameter (others stopped)");
	report(sigp(1, 0x42, 0, &st) == 1 && st == 0x2, "invalid order: status 0x2");
}

static void start_restart(void)
{
	u32 st = 0;

	report_prefix("start");
	report(sigp(1, SIGP_START, 0, NULL) == 0 && sense(1, &st) == 0,
	       "START: CPU 1 operating");
	report(wait_stopped(1), "CPU 1 stops itself again");
	cpu1_mode = 1;
	report(sigp(1, SIGP_RESTART, 0, NULL) == 0, "RESTART of a stopped CPU");
	report(wait_stopped(1) && cpu1_restarted, "CPU 1 ran its restart PSW");
}

static void resets(void)
{
	u32 st = 0;

	report_prefix("reset");
	report(sigp(1, SIGP_EXTERNAL_CALL, 0, NULL) == 0, "external call to stopped CPU 1");
	report(sigp(1, SIGP_EXTERNAL_CALL, 0, &st) == 1 && st == 0x80,
	       "second one: external call pending");
	report(sense(1, &st) == 1 && st == 0xc0, "SENSE: stopped, external call pending");
	report(sigp(1, SIGP_SET_PREFIX, 0x7fffe000, &st) == 1 && st == 0x100,
	       "SET PREFIX outside storage: invalid parameter");
	report(sigp(1, SIGP_INITIAL_CPU_RESET, 0, NULL) == 0, "INITIAL CPU RESET");
	report(sense(1, &st) == 1 && st == 0x40, "reset cleared the pending call");
	sigp(1, SIGP_STORE_STATUS_AT_ADDRESS, (u64)status_area, NULL);
	report(*(u32 *)(status_area + 0x118) == 0 && *(u64 *)(status_area + 0x180) == 0xe0,
	       "prefix 0, CR0 0xe0 after the reset");
	report(*(u64 *)(status_area + 0x80 + 7 * 8) == MAGIC, "GR 7 kept by the reset");
	report(sigp(1, SIGP_COND_EMERGENCY_SIGNAL, 0, NULL) == 0,
	       "CONDITIONAL EMERGENCY SIGNAL to a disabled CPU");
	report(sigp(3, SIGP_EMERGENCY_SIGNAL, 0, NULL) == 3, "no CPU 3 (cc 3)");
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	bring_up();
	signals();
	status();
	start_restart();
	resets();
	report_prefix(NULL);
	return report_summary();
}
