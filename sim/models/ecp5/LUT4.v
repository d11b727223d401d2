// Simulation model of the Lattice ECP5 LUT4 (hw/lutmux.py with --target ecp5): Z is
// INIT[{D, C, B, A}], as Yosys' cells_sim defines it.
`timescale 1ns / 1ps
module LUT4 (A, B, C, D, Z);
    input A, B, C, D;
    output Z;
    parameter [15:0] INIT = 16'h0000;
    assign Z = INIT[{D, C, B, A}];
endmodule
