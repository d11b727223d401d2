// Simulation model of the Lattice iCE40 UP5K SB_SPRAM256KA single-port RAM (16384 x 16): the
// subset eie_gen instantiates (hw/matrix_mem.py with --target ice40): all four nibbles of a
// write enabled (MASKWREN 4'b1111), STANDBY and SLEEP low, POWEROFF high. With CHIPSELECT
// high at a clock edge, a write (WREN high) stores DATAIN and leaves DATAOUT undefined, a
// read loads DATAOUT with the addressed word; with CHIPSELECT low DATAOUT holds. As Yosys'
// cells_sim (techlibs/ice40/cells_sim.v) defines it. The contents start undefined: the
// hardware's power-up contents are, and no reader may depend on a word it did not write.
`timescale 1ns / 1ps
module SB_SPRAM256KA (ADDRESS, DATAIN, MASKWREN, WREN, CHIPSELECT, CLOCK, STANDBY, SLEEP,
                      POWEROFF, DATAOUT);
    input [13:0] ADDRESS;
    input [15:0] DATAIN;
    input [3:0] MASKWREN;
    input WREN, CHIPSELECT, CLOCK, STANDBY, SLEEP, POWEROFF;
    output reg [15:0] DATAOUT = 16'bx;
    reg [15:0] mem [0:16383];
    always @(posedge CLOCK)
        if (CHIPSELECT) begin
            if (MASKWREN !== 4'b1111 || STANDBY !== 1'b0 || SLEEP !== 1'b0 || POWEROFF !== 1'b1)
                $fatal(1, "SB_SPRAM256KA model: MASKWREN 4'b1111, STANDBY 0, SLEEP 0, POWEROFF 1 only");
            if (WREN) begin
                mem[ADDRESS] <= DATAIN;
                DATAOUT <= 16'bx;
            end else
                DATAOUT <= mem[ADDRESS];
        end
endmodule
