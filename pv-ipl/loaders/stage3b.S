# stage3b: pvsim's own secure-mode boot loader, the first code an IBM Secure Execution
# guest runs after the ultravisor has unpacked and verified the image.
# Facts: se-format.md §3.1 (layout), §3.5 (argument block and run-time behaviour).
# Written for pvsim from those facts; GNU as syntax for s390x (`as -m64`).
#
# Entry: the SE header PSW, mask 0x0000000180000000 (64-bit addressing, DAT off, all
# interruptions disabled) at this code's image address, which is page aligned.
#
# The image writer (pv-ipl's create_image, like pvimg) replaces the LAST 64 BYTES of this
# binary, before it is encrypted, with the argument block (big-endian u64 values):
#
#   +0  kernel.src   +8  kernel.size     image address and original size of each
#   +16 cmdline.src  +24 cmdline.size    component; {0, 0} if absent; the cmdline size
#   +32 initrd.src   +40 initrd.size     includes its NUL
#   +48 psw.mask     +56 psw.addr        the kernel PSW (64-bit mode at 0x10000)
#
# What it does:
#   1. kernel.size < 0x10000 is an error; otherwise copy the kernel image's bytes
#      [0x10000, size) from kernel.src + 0x10000 to absolute 0x10000 (the first 64 KiB of
#      the image are dropped).
#   2. If cmdline.size is 0 (no cmdline), leave 0x10480 alone. Otherwise the size must be
#      at most the kernel's maximum (u64 at 0x10430, read after the kernel copy; 0 means
#      896) and the last byte must be NUL; then copy the cmdline (with the NUL) to 0x10480.
#   3. Store initrd.src and initrd.size at 0x10408 and 0x10410 (zeros without an initrd;
#      the initrd stays where it is).
#   4. LPSWE the PSW of the argument block (8-byte aligned: this binary is page aligned
#      in the image and its size is a multiple of 8).
#
# Errors end in a disabled wait, mask 0x0002000180000000, whose address names the reason
# (pv-ipl's loaders.rs has the same values as Rust constants):
#   0x5b0001  the kernel is smaller than 0x10000 bytes
#   0x5b0002  the cmdline is longer than the kernel's maximum
#   0x5b0003  the cmdline does not end in NUL
#   0x5b0004  layout: the kernel destination [0x10000, kernel.size) would reach the
#             cmdline, the initrd or this loader, or the cmdline source lies below its
#             destination 0x10480
# The error PSW is built in the argument block's PSW slot (the kernel PSW is not needed
# any more), so it needs no storage outside this binary.
#
# Why there is no relocation (IBM's loader first moves itself to 0xa000): the only
# destinations are [0x10000, kernel.size), the kernel's parameter area at 0x10408-0x10417
# and 0x10480 + cmdline.size. The image layout (se-format.md §3.1, pv-ipl's layout.rs)
# puts every secured component after the SE header, so kernel.src >= 0x15000, and each
# component starts after the previous one's pages:
#   kernel.src + kernel.size <= initrd.src <= cmdline.src < stage3b (this code).
# Hence kernel.size < kernel.src + kernel.size <= every other source and this code:
# the kernel destination ends below all of them and can clobber none. Step 1 checks
# exactly this (error 0x5b0004), so an argument block from another writer fails cleanly
# instead of overwriting the loader. The cmdline destination ends at
# 0x10480 + cmdline.size < cmdline.src + cmdline.size <= stage3b, so it cannot reach
# this code either (step 2 checks cmdline.src >= 0x10480). It is not checked against the
# initrd: with a real kernel it lies inside the kernel's image (its maximum reserves the
# space), i.e. below kernel.size and so below the initrd.
# Overlap: both copies move to a LOWER address (0x10000 < kernel.src + 0x10000 and
# 0x10480 < 0x15000 <= cmdline.src), and the source of a large kernel does overlap its
# destination. MVC moves one byte at a time from left to right, so a front-to-back copy
# with the destination below the source reads every source byte before it is
# overwritten; copy_down below relies on that and must never be used with dst > src.
# Program interruptions (for instance an argument block naming storage the guest does not
# have) use whatever new PSWs the guest's lowcore holds: this loader does not touch
# page 0.

	.set	KERNEL_BASE, 0x10000	# kernel load address and entry point
	.set	KERNEL_SKIP, 0x10000	# bytes of the kernel image that are not loaded
	# Offsets from KERNEL_BASE of the kernel's parameter area (se-format.md §3.5).
	.set	PARM_INITRD_START, 0x408
	.set	PARM_INITRD_SIZE, 0x410
	.set	PARM_MAX_CMDLINE, 0x430
	.set	PARM_CMDLINE, 0x480
	.set	DEFAULT_MAX_CMDLINE, 896	# the maximum when the kernel stores 0

	# Offsets inside the argument block.
	.set	ARG_KERNEL_SRC, 0
	.set	ARG_KERNEL_SIZE, 8
	.set	ARG_CMDLINE_SRC, 16
	.set	ARG_CMDLINE_SIZE, 24
	.set	ARG_INITRD_SRC, 32
	.set	ARG_PSW, 48
	.set	ARGS_LEN, 64

	# Error waits: mask halves and the addresses that name the reasons.
	.set	WAIT_MASK_HI, 0x00020001	# wait bit, extended addressing
	.set	WAIT_MASK_LO, 0x80000000	# basic addressing
	.set	ERR_KERNEL_SIZE, 0x5b0001
	.set	ERR_CMDLINE_SIZE, 0x5b0002
	.set	ERR_CMDLINE_NUL, 0x5b0003
	.set	ERR_LAYOUT, 0x5b0004

	.text
	.globl	_start
_start:
	# Registers kept for the whole run:
	#   r9  KERNEL_BASE (base of the kernel's parameter area)
	#   r10 the argument block
	#   r11 this loader's own address
	larl	%r10,args
	larl	%r11,_start
	llilf	%r9,KERNEL_BASE

	# --- 1. the kernel ---------------------------------------------------------------
	lg	%r3,ARG_KERNEL_SIZE(%r10)
	clgfi	%r3,KERNEL_SKIP
	jl	.Lerr_kernel_size
	# The destination ends at kernel.size; it must stay below this loader and below the
	# cmdline and initrd sources when they are present (see "no relocation" above).
	clgr	%r3,%r11
	jh	.Lerr_layout
	lg	%r0,ARG_CMDLINE_SIZE(%r10)
	ltgr	%r0,%r0
	jz	1f
	clg	%r3,ARG_CMDLINE_SRC(%r10)
	jh	.Lerr_layout
1:	lg	%r0,ARG_INITRD_SRC+8(%r10)	# initrd.size
	ltgr	%r0,%r0
	jz	2f
	clg	%r3,ARG_INITRD_SRC(%r10)
	jh	.Lerr_layout
2:	lgr	%r2,%r9				# dst: 0x10000
	lg	%r4,ARG_KERNEL_SRC(%r10)
	agr	%r4,%r9				# src: kernel.src + 0x10000
	slgr	%r3,%r9				# len: kernel.size - 0x10000
	bras	%r14,copy_down

	# --- 2. the cmdline ----------------------------------------------------------------
	lg	%r3,ARG_CMDLINE_SIZE(%r10)
	ltgr	%r3,%r3
	jz	.Linitrd			# no cmdline: 0x10480 is left alone
	lg	%r5,PARM_MAX_CMDLINE(%r9)	# the kernel's maximum, now in place
	ltgr	%r5,%r5
	jnz	3f
	lghi	%r5,DEFAULT_MAX_CMDLINE
3:	clgr	%r3,%r5
	jh	.Lerr_cmdline_size
	lg	%r4,ARG_CMDLINE_SRC(%r10)
	clgfi	%r4,KERNEL_BASE+PARM_CMDLINE	# copy_down needs dst <= src
	jl	.Lerr_layout
	llgc	%r0,-1(%r3,%r4)			# the last byte
	ltgr	%r0,%r0
	jnz	.Lerr_cmdline_nul
	la	%r2,PARM_CMDLINE(%r9)		# dst: 0x10480 (src and len are set)
	bras	%r14,copy_down

	# --- 3. the initrd: {src, size} are adjacent in the block and in the parm area ----
.Linitrd:
	mvc	PARM_INITRD_START(16,%r9),ARG_INITRD_SRC(%r10)

	# --- 4. enter the kernel -----------------------------------------------------------
	lpswe	ARG_PSW(%r10)

# Error exits: r3 = the wait address naming the reason.
.Lerr_kernel_size:
	llilf	%r3,ERR_KERNEL_SIZE
	j	.Lfail
.Lerr_cmdline_size:
	llilf	%r3,ERR_CMDLINE_SIZE
	j	.Lfail
.Lerr_cmdline_nul:
	llilf	%r3,ERR_CMDLINE_NUL
	j	.Lfail
.Lerr_layout:
	llilf	%r3,ERR_LAYOUT
.Lfail:
	llihf	%r2,WAIT_MASK_HI
	oilf	%r2,WAIT_MASK_LO
	stmg	%r2,%r3,ARG_PSW(%r10)		# the disabled-wait PSW replaces the kernel PSW
	lpswe	ARG_PSW(%r10)

# copy_down: moves r3 bytes from r4 to r2, front to back, in 256-byte MVCs and one
# executed MVC for the rest. Only for dst <= src (or no overlap): see "Overlap" above.
# Returns with BR r14; changes r1-r4 and the condition code.
copy_down:
	srlg	%r1,%r3,8			# whole 256-byte blocks
	ltgr	%r1,%r1
	jz	5f
4:	mvc	0(256,%r2),0(%r4)
	la	%r2,256(%r2)
	la	%r4,256(%r4)
	brctg	%r1,4b
5:	llgcr	%r3,%r3				# the rest: len mod 256
	ltgr	%r3,%r3
	jz	6f
	aghi	%r3,-1				# EXRL ORs the length code into the MVC
	exrl	%r3,.Lmvc_rest
6:	br	%r14
.Lmvc_rest:
	mvc	0(1,%r2),0(%r4)			# executed only by the EXRL above

	# The argument block: 64 zero bytes that the image writer overwrites. The padding in
	# front of it is 0x0707 (nopr %r7) so that everything before it disassembles.
	.balign	8,0x07
args:
	.fill	ARGS_LEN,1,0
