/* Shared header of the pvsim bench guests: entry at 0x10000 (64-bit mode, DAT off),
 * parameters at fixed addresses 0x10008.. that the bench patches, result at 0x10020,
 * end by loading a disabled-wait PSW (QEMU then shuts the machine down). */
        .macro  ENTRY_HEADER
        .section .text.entry, "ax"
        .globl  _start
_start:
        j       main                    /* 0x10000 */
        .org    8
param0: .quad   0                       /* 0x10008 */
param1: .quad   0                       /* 0x10010 */
param2: .quad   0                       /* 0x10018 */
result: .quad   0                       /* 0x10020 */
        .align  8
waitpsw:
        .quad   0x0002000180000000      /* wait, EA+BA (64-bit) */
        .quad   0
        .endm

        .macro  FINISH
        larl    %r1,waitpsw
        lpswe   0(%r1)
        .endm
