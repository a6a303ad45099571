/* Entry stub of program.c: call run(out = %r2) and branch to the end of the image,
 * where the harness appends its branch back (the test patches the offset). */
        .section .text.start,"ax",@progbits
        .globl  _start
_start:
        brasl   %r14,run
        brcl    15,_start
