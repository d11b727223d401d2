// Simulation model of the Lattice ECP5 TRELLIS_FF flip-flop: the subset eie_gen instantiates
// (hw/keep.py with --target ecp5: a D flip-flop with no clock enable, CEMUX "1", and LSR as
// a synchronous reset to 0, SRMODE "LSR_OVER_CE" with REGSET "RESET", as Yosys' cells_sim
// defines them; LSR tied low where no reset is wanted). Q starts at zero.
`timescale 1ns / 1ps
module TRELLIS_FF (CLK, LSR, CE, DI, M, Q);
    input CLK, LSR, CE, DI, M;
    output reg Q = 1'b0;
    parameter GSR = "ENABLED";
    parameter CEMUX = "1";
    parameter CLKMUX = "CLK";
    parameter LSRMUX = "LSR";
    parameter LSRMODE = "LSR";
    parameter REGSET = "RESET";
    parameter SRMODE = "LSR_OVER_CE";
    initial
        if (CEMUX != "1" || CLKMUX != "CLK" || LSRMUX != "LSR" || REGSET != "RESET"
            || SRMODE != "LSR_OVER_CE")
            $fatal(1, "TRELLIS_FF model: CEMUX \"1\", CLKMUX \"CLK\", LSRMUX \"LSR\", REGSET \"RESET\" and SRMODE \"LSR_OVER_CE\" only");
    always @(posedge CLK)
        Q <= LSR ? 1'b0 : DI;
endmodule
