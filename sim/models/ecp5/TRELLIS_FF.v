// Simulation model of the Lattice ECP5 TRELLIS_FF flip-flop: the subset eie_gen instantiates
// (hw/pe.py with --target ecp5: a D flip-flop, clock enable and set/reset unused, i.e.
// CEMUX "1", LSR tied low). Q starts at zero.
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
        if (CEMUX != "1" || CLKMUX != "CLK")
            $fatal(1, "TRELLIS_FF model: CEMUX \"1\" and CLKMUX \"CLK\" only");
    always @(posedge CLK)
        Q <= DI;
endmodule
