// Simulation model of the Lattice ECP5 DP16KD block RAM: the subset eie_gen instantiates
// (hw/ptr_mem.py with --target ecp5), written by the project because Yosys' cells_sim
// declares DP16KD a blackbox. Both ports of one width (DATA_WIDTH_A == DATA_WIDTH_B: 1, 2,
// 4, 9 or 18), chip selects unused (CSDECODE "0b000", CS = 0), no reset. The word address is
// AD[13:k] with k = 0, 1, 2, 3, 4 for widths 1, 2, 4, 9, 18, as Yosys' own DP16KD mapping
// (techlibs/lattice/brams_map_16kd.v) drives it; at width 18, AD1/AD0 enable the upper/lower
// 9-bit byte of a write. REGMODE "NOREG" only: read data one cycle after the address (CE
// high). WRITEMODE "NORMAL" only: a port's output holds during its own write. Other modes
// stop the simulation: nothing instantiates them yet, so nothing would test them. Memory
// contents start at zero (INITVAL_* are accepted and ignored).
`timescale 1ns / 1ps
module DP16KD (
    DIA0, DIA1, DIA2, DIA3, DIA4, DIA5, DIA6, DIA7, DIA8, DIA9, DIA10, DIA11, DIA12, DIA13, DIA14, DIA15, DIA16, DIA17, ADA0, ADA1, ADA2, ADA3, ADA4, ADA5, ADA6, ADA7, ADA8, ADA9, ADA10, ADA11, ADA12, ADA13, CEA, OCEA, CLKA, WEA, CSA0, CSA1, CSA2, RSTA, DOA0, DOA1, DOA2, DOA3, DOA4, DOA5, DOA6, DOA7, DOA8, DOA9, DOA10, DOA11, DOA12, DOA13, DOA14, DOA15, DOA16, DOA17, DIB0, DIB1, DIB2, DIB3, DIB4, DIB5, DIB6, DIB7, DIB8, DIB9, DIB10, DIB11, DIB12, DIB13, DIB14, DIB15, DIB16, DIB17, ADB0, ADB1, ADB2, ADB3, ADB4, ADB5, ADB6, ADB7, ADB8, ADB9, ADB10, ADB11, ADB12, ADB13, CEB, OCEB, CLKB, WEB, CSB0, CSB1, CSB2, RSTB, DOB0, DOB1, DOB2, DOB3, DOB4, DOB5, DOB6, DOB7, DOB8, DOB9, DOB10, DOB11, DOB12, DOB13, DOB14, DOB15, DOB16, DOB17
);
    input DIA0, DIA1, DIA2, DIA3, DIA4, DIA5, DIA6, DIA7, DIA8, DIA9, DIA10, DIA11, DIA12, DIA13, DIA14, DIA15, DIA16, DIA17;
    input ADA0, ADA1, ADA2, ADA3, ADA4, ADA5, ADA6, ADA7, ADA8, ADA9, ADA10, ADA11, ADA12, ADA13;
    input CEA, OCEA, CLKA, WEA, CSA0, CSA1, CSA2, RSTA;
    output DOA0, DOA1, DOA2, DOA3, DOA4, DOA5, DOA6, DOA7, DOA8, DOA9, DOA10, DOA11, DOA12, DOA13, DOA14, DOA15, DOA16, DOA17;
    input DIB0, DIB1, DIB2, DIB3, DIB4, DIB5, DIB6, DIB7, DIB8, DIB9, DIB10, DIB11, DIB12, DIB13, DIB14, DIB15, DIB16, DIB17;
    input ADB0, ADB1, ADB2, ADB3, ADB4, ADB5, ADB6, ADB7, ADB8, ADB9, ADB10, ADB11, ADB12, ADB13;
    input CEB, OCEB, CLKB, WEB, CSB0, CSB1, CSB2, RSTB;
    output DOB0, DOB1, DOB2, DOB3, DOB4, DOB5, DOB6, DOB7, DOB8, DOB9, DOB10, DOB11, DOB12, DOB13, DOB14, DOB15, DOB16, DOB17;
    parameter DATA_WIDTH_A = 18;
    parameter DATA_WIDTH_B = 18;
    parameter REGMODE_A = "NOREG";
    parameter REGMODE_B = "NOREG";
    parameter WRITEMODE_A = "NORMAL";
    parameter WRITEMODE_B = "NORMAL";
    parameter RESETMODE = "SYNC";
    parameter ASYNC_RESET_RELEASE = "SYNC";
    parameter CSDECODE_A = "0b000";
    parameter CSDECODE_B = "0b000";
    parameter CLKAMUX = "CLKA";
    parameter CLKBMUX = "CLKB";
    parameter GSR = "AUTO";
    localparam W = DATA_WIDTH_A;
    localparam K = W == 18 ? 4 : W == 9 ? 3 : W == 4 ? 2 : W == 2 ? 1 : 0;
    localparam DEPTH = 16384 >> K;

    wire [17:0] DIA = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
    wire [13:0] ADA = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
    reg [17:0] DOA = 0;
    assign DOA0 = DOA[0];
    assign DOA1 = DOA[1];
    assign DOA2 = DOA[2];
    assign DOA3 = DOA[3];
    assign DOA4 = DOA[4];
    assign DOA5 = DOA[5];
    assign DOA6 = DOA[6];
    assign DOA7 = DOA[7];
    assign DOA8 = DOA[8];
    assign DOA9 = DOA[9];
    assign DOA10 = DOA[10];
    assign DOA11 = DOA[11];
    assign DOA12 = DOA[12];
    assign DOA13 = DOA[13];
    assign DOA14 = DOA[14];
    assign DOA15 = DOA[15];
    assign DOA16 = DOA[16];
    assign DOA17 = DOA[17];
    wire [17:0] DIB = {DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
    wire [13:0] ADB = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};
    reg [17:0] DOB = 0;
    assign DOB0 = DOB[0];
    assign DOB1 = DOB[1];
    assign DOB2 = DOB[2];
    assign DOB3 = DOB[3];
    assign DOB4 = DOB[4];
    assign DOB5 = DOB[5];
    assign DOB6 = DOB[6];
    assign DOB7 = DOB[7];
    assign DOB8 = DOB[8];
    assign DOB9 = DOB[9];
    assign DOB10 = DOB[10];
    assign DOB11 = DOB[11];
    assign DOB12 = DOB[12];
    assign DOB13 = DOB[13];
    assign DOB14 = DOB[14];
    assign DOB15 = DOB[15];
    assign DOB16 = DOB[16];
    assign DOB17 = DOB[17];
    reg [W-1:0] mem [0:DEPTH-1];
    integer n;
    initial begin
        if (DATA_WIDTH_A != DATA_WIDTH_B || (W != 1 && W != 2 && W != 4 && W != 9 && W != 18))
            $fatal(1, "DP16KD model: DATA_WIDTH_A = DATA_WIDTH_B in 1, 2, 4, 9, 18 only");
        if (REGMODE_A != "NOREG" || REGMODE_B != "NOREG" || WRITEMODE_A != "NORMAL"
                || WRITEMODE_B != "NORMAL")
            $fatal(1, "DP16KD model: REGMODE NOREG and WRITEMODE NORMAL only");
        for (n = 0; n < DEPTH; n = n + 1) mem[n] = 0;
    end

    wire [13-K:0] addrA = ADA[13:K];
    wire [W-1:0] lanesA = W == 18 ? {{9{ADA[1]}}, {9{ADA[0]}}} : {W{1'b1}};
    always @(posedge CLKA) begin
        if (CEA) begin
            if (WEA)
                mem[addrA] <= (mem[addrA] & ~lanesA) | (DIA[W-1:0] & lanesA);
            else
                DOA <= mem[addrA];
        end
    end
    wire [13-K:0] addrB = ADB[13:K];
    wire [W-1:0] lanesB = W == 18 ? {{9{ADB[1]}}, {9{ADB[0]}}} : {W{1'b1}};
    always @(posedge CLKB) begin
        if (CEB) begin
            if (WEB)
                mem[addrB] <= (mem[addrB] & ~lanesB) | (DIB[W-1:0] & lanesB);
            else
                DOB <= mem[addrB];
        end
    end
endmodule
