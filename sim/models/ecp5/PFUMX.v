// Simulation model of the Lattice ECP5 PFUMX, the multiplexer between a slice's two LUT4
// (hw/lutmux.py with --target ecp5): Z is ALUT when C0 is high, else BLUT, as Yosys'
// cells_sim defines it.
`timescale 1ns / 1ps
module PFUMX (ALUT, BLUT, C0, Z);
    input ALUT, BLUT, C0;
    output Z;
    assign Z = C0 ? ALUT : BLUT;
endmodule
