/*
 * Entry, lowcore and interruption entry points of the pvsim machine test programs.
 * Boot protocol (machine.md): the loader enters at 0x10000 in 64-bit mode, DAT off,
 * everything masked; the command line is at 0x10480.
 */
	.section .lowcore, "a"
	/* Short IPL PSW: 31-bit, entry 0x10000 (for a raw-image boot). */
	.quad	0x0008000080010000
	.fill	0x1a0 - 8, 1, 0
	/* Restart new PSW: 64-bit, 0x10000. */
	.quad	0x0000000180000000, 0x10000

	.section .note.GNU-stack, "", @progbits

	.section .init, "ax"
	.globl	start
start:
	/* SIGP SET ARCHITECTURE z/Architecture; the condition code is ignored. */
	lghi	%r1, 2
	sigp	%r1, %r0, 18
	sam64
	larl	%r15, stacktop
	aghi	%r15, -160
	xc	0(8, %r15), 0(%r15)
	/* Clear .bss. */
	larl	%r2, bss_start
	larl	%r3, bss_end
0:	cgr	%r2, %r3
	jhe	1f
	mvi	0(%r2), 0
	la	%r2, 1(%r2)
	j	0b
1:	/* New PSWs: external, SVC, program, machine check, I/O (0x1b0-0x1ff). */
	larl	%r1, new_psws
	mvc	0x1b0(80, %r0), 0(%r1)
	lctlg	%c0, %c0, cr0_init
	brasl	%r14, cstart
	/* cstart does not return. */
	.long	0

	.text
	.align	8
cr0_init:
	/* AFP registers and the service-signal subclass (bit 54). */
	.quad	0x0000000000040200
new_psws:
	.quad	0x0000000180000000, ext_entry
	.quad	0x0000000180000000, svc_entry
	.quad	0x0000000180000000, pgm_entry
	.quad	0x0000000180000000, mcck_entry
	.quad	0x0000000180000000, io_entry

/*
 * Each interruption class saves the general registers in its own lowcore area (the
 * lowcore is per CPU), runs the C handler on the interrupted stack below a fresh
 * frame, restores the registers and resumes the old PSW.
 */
	.macro	INT_ENTRY name, save, handler, oldpsw
	.globl	\name
\name:
	stmg	%r0, %r15, \save
	aghi	%r15, -160
	brasl	%r14, \handler
	lmg	%r0, %r15, \save
	lpswe	\oldpsw
	.endm

	INT_ENTRY pgm_entry, 0x200, handle_pgm, 0x150
	INT_ENTRY ext_entry, 0x280, handle_ext, 0x130
	INT_ENTRY svc_entry, 0x300, handle_svc, 0x140

mcck_entry:
io_entry:
	lpswe	disabled_wait_psw

	.align	8
disabled_wait_psw:
	.quad	0x0002000180000000, 0x0000000000000bad

/* Loads an enabled (I/O and external) wait PSW; returns after the interruption. */
	.globl	enabled_wait
enabled_wait:
	aghi	%r15, -16
	larl	%r1, wait_mask
	mvc	0(8, %r15), 0(%r1)
	larl	%r1, 0f
	stg	%r1, 8(%r15)
	lpswe	0(%r15)
0:	stnsm	0(%r15), 0xfc
	aghi	%r15, 16
	br	%r14
	.align	8
wait_mask:
	.quad	0x0302000180000000

/* Enters the problem state: continues at the return address with the PSTATE bit. */
	.globl	enter_pstate
enter_pstate:
	aghi	%r15, -16
	epsw	%r0, %r1
	sllg	%r0, %r0, 32
	or	%r0, %r1
	oihh	%r0, 0x0001
	stg	%r0, 0(%r15)
	stg	%r14, 8(%r15)
	lgr	%r1, %r15
	aghi	%r15, 16
	lpswe	0(%r1)

/* Stops this CPU for good: SIGP STOP to its own address, forever. */
	.globl	stop_self
stop_self:
	stap	0(%r15)
	lh	%r3, 0(%r15)
0:	sigp	%r0, %r3, 5
	j	0b
