/* Register-only loop (machine.md, "Speed of the peer": ALU loop): seven instructions
 * per iteration, param0 iterations. */
#include "common.h"
        ENTRY_HEADER
        .text
main:
        lg      %r9,param0
        lghi    %r2,1
        lghi    %r3,3
        lghi    %r8,0
0:      agr     %r2,%r3
        xgr     %r4,%r2
        sllg    %r5,%r4,3
        ahi     %r6,1
        lgr     %r7,%r5
        aghi    %r8,-1
        brctg   %r9,0b
        stg     %r8,result
        FINISH
