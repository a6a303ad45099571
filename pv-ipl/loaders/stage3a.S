# stage3a: pvsim's own non-secure boot loader, the first code an IBM Secure Execution
# image runs after an ordinary IPL. It hands the image to the hypervisor and the
# ultravisor with DIAG 308 and never runs again if that works.
# Facts: se-format.md §3.1 (layout), §3.2 (short PSW), §3.4 (stage3a and its argument
# block), §3.6 (IPIB); uv-spec.md §6 (DIAG 308 subcodes 8 and 10, response codes, the
# subcode-10 failure word). Written for pvsim from those facts; GNU as syntax for s390x.
#
# Placement: the image writer (pv-ipl's create_image, like pvimg) copies this binary to
# absolute 0x10000 and replaces its LAST 24 BYTES with three big-endian u64 values:
#
#   +0  hdr_offs    SE header address  - address of this 24-byte block
#   +8  hdr_size    SE header size in bytes
#   +16 ipib_offs   IPIB address       - address of this 24-byte block
#
# Entry: the short PSW at absolute 0 (default: 64-bit addressing, DAT off, all
# interruptions disabled, address 0x11000 = this binary's offset 0x1000). Offset 0
# (0x10000, the "init" entry of se-format.md §3.1) only jumps to offset 0x1000, so a PSW
# naming either works. The first instruction is SAM64, so a short PSW that selects 31-bit
# (or 24-bit) addressing works too; everything after it runs in 64-bit mode.
#
# What it does:
#   1. Computes the IPIB and header addresses from the block (LARL to the block plus the
#      offsets); the IPIB must be page aligned (DIAG 308 requires it). Stores the header
#      address and size into the IPIB's PV fields (+0x78 pv_hdr_addr, +0x80 pv_hdr_size).
#   2. Checks facility 161 (secure unpack) with STFLE.
#   3. DIAG 308 subcode 8 (set the PV IPIB): R1 = r2 holds the IPIB address, the response
#      comes back in R1+1 = r3 and must be 0x0001.
#   4. DIAG 308 subcode 10 (unpack and IPL in secure mode). On success the instruction
#      never completes: the CPU continues in secure mode at the SE header's PSW (stage3b).
#      If it returns, r3 holds the failure word (uv-spec.md §6.3):
#      cmd << 48 | rrc << 32 | rc << 16 | 0x0a02 (or just a response code, e.g. 0x0902).
#
# Errors end in a disabled wait, mask 0x0002000180000000, whose address names the reason
# (pv-ipl's loaders.rs has the same values as Rust constants):
#   0x5a0001  the IPIB address is not page aligned
#   0x5a0002  facility 161 is not installed
#   0x5a0003  DIAG 308 subcode 8 answered something other than 0x0001
#   0x5a0004  DIAG 308 subcode 10 returned (the unpack failed)
# At the wait, general register 2 holds the IPIB address and general register 3 the DIAG
# response (0x5a0003) or the failure word (0x5a0004), 0 for the other two; the same
# doubleword is stored in the result slot, the doubleword right before the 24-byte block
# (binary offset len - 32, image address 0x10000 + len - 32). The wait PSW is built in
# this binary's data area too: the loader writes nothing outside its own bytes but the
# two IPIB fields.
#
# No interruption is expected (all are disabled and nothing here can cause a program
# check with a valid argument block), so the loader neither sets up nor relies on the
# lowcore, which an image leaves zero. STFLE (facility 7) is assumed, as on every machine
# that has facility 161.

	.set	MAIN_OFFSET, 0x1000	# main entry: image address 0x11000

	# DIAG 308 (uv-spec.md §6).
	.set	DIAG308_PV_SET, 8	# subcode: set PV IPIB
	.set	DIAG308_PV_START, 10	# subcode: unpack and IPL in secure mode
	.set	DIAG308_RC_OK, 0x0001

	# Offsets inside the argument block.
	.set	ARG_HDR_OFFS, 0
	.set	ARG_HDR_SIZE, 8
	.set	ARG_IPIB_OFFS, 16
	.set	ARGS_LEN, 24

	# Offsets inside a type-5 IPIB (se-format.md §3.6).
	.set	IPIB_PV_HDR_ADDR, 0x78
	.set	IPIB_PV_HDR_SIZE, 0x80

	# Facility 161: byte 161 / 8 = 20 of the STFLE list, bit 161 % 8 = 1 of that byte.
	.set	FAC_UNPACK_BYTE, 20
	.set	FAC_UNPACK_BIT, 0x40
	.set	FAC_DOUBLEWORDS, 3	# facilities 0-191

	# Offsets inside the data area (see its definition at the end).
	.set	DATA_PSW, 0
	.set	DATA_FAC, 16
	.set	DATA_RESULT, 40
	.set	DATA_LEN, 48

	# Error waits: mask halves and the addresses that name the reasons.
	.set	WAIT_MASK_HI, 0x00020001	# wait bit, extended addressing
	.set	WAIT_MASK_LO, 0x80000000	# basic addressing
	.set	ERR_IPIB_ALIGN, 0x5a0001
	.set	ERR_FACILITY, 0x5a0002
	.set	ERR_PV_SET, 0x5a0003
	.set	ERR_PV_START, 0x5a0004

	.text
	.globl	_start
_start:
	j	main			# the init entry at 0x10000
	# Padding up to the main entry: 0x0707 (nopr %r7), so everything disassembles.
	.org	MAIN_OFFSET,0x07

main:
	sam64				# the short PSW may select 31-bit addressing
	# Registers kept until the DIAGs: r2 the IPIB (R1 of the DIAGs, R1+1 = r3 gets the
	# response), r10 the argument block, r11 the data area.
	larl	%r10,args
	larl	%r11,data
	lghi	%r3,0			# no response yet

	# --- 1. the IPIB and the header --------------------------------------------------
	lg	%r2,ARG_IPIB_OFFS(%r10)
	agr	%r2,%r10		# IPIB address
	tmll	%r2,0xfff
	jnz	.Lerr_ipib_align
	lg	%r5,ARG_HDR_OFFS(%r10)
	agr	%r5,%r10		# header address
	stg	%r5,IPIB_PV_HDR_ADDR(%r2)
	mvc	IPIB_PV_HDR_SIZE(8,%r2),ARG_HDR_SIZE(%r10)

	# --- 2. facility 161 ---------------------------------------------------------------
	# The list is cleared first: a machine that stores fewer doublewords leaves zeros.
	xc	DATA_FAC(8*FAC_DOUBLEWORDS,%r11),DATA_FAC(%r11)
	lghi	%r0,FAC_DOUBLEWORDS-1
	stfle	DATA_FAC(%r11)
	tm	DATA_FAC+FAC_UNPACK_BYTE(%r11),FAC_UNPACK_BIT
	jz	.Lerr_facility

	# --- 3. DIAG 308 subcode 8: set the PV IPIB ---------------------------------------
	lghi	%r4,DIAG308_PV_SET
	diag	%r2,%r4,0x308
	cghi	%r3,DIAG308_RC_OK
	jne	.Lerr_pv_set

	# --- 4. DIAG 308 subcode 10: unpack and IPL in secure mode -------------------------
	lghi	%r3,0
	lghi	%r4,DIAG308_PV_START
	diag	%r2,%r4,0x308
	# Only a failure comes back here, with the failure word in r3.
	llilf	%r1,ERR_PV_START
	j	.Lfail

# Error exits: r1 = the wait address naming the reason, r3 = the result doubleword.
.Lerr_ipib_align:
	llilf	%r1,ERR_IPIB_ALIGN
	j	.Lfail
.Lerr_facility:
	llilf	%r1,ERR_FACILITY
	j	.Lfail
.Lerr_pv_set:
	llilf	%r1,ERR_PV_SET
.Lfail:
	larl	%r11,data		# again: subcode 10 may come back after a CPU reset
	stg	%r3,DATA_RESULT(%r11)
	llihf	%r0,WAIT_MASK_HI
	oilf	%r0,WAIT_MASK_LO
	stmg	%r0,%r1,DATA_PSW(%r11)	# the disabled-wait PSW
	lpswe	DATA_PSW(%r11)

	# The data area (zero in the binary) and the argument block, doubleword aligned (the
	# binary is loaded at 0x10000): 16 bytes for the wait PSW, 24 for the facility list,
	# 8 for the result slot, then the 24-byte block the image writer fills in.
	.balign	8,0x07
data:
	.fill	DATA_LEN,1,0
args:
	.fill	ARGS_LEN,1,0
