// Replay a byte stream into xterm.js headless and print its screen as JSON.
//
//   node tools/xterm-oracle/screen.js STREAM COLUMNS LINES [CHUNK]
//
// Output: {"cursor": [x, y], "rows": [[cell, ...], ...]} where a cell is
// [chars, width, fg, bg, flags]: fg/bg are null (default), a palette index
// (0-255) or "rrggbb"; flags is a string of b(old) i(talic) u(nderline)
// s(trike) r(everse) k (blink) d(im) h(idden) o(verline).
// tests/terminal/oracles.py turns this into the differential test's cells.
"use strict";
const fs = require("fs");
const { Terminal } = require("@xterm/headless");

const [file, columns, lines, chunk] = process.argv.slice(2);
const data = fs.readFileSync(file);
const step = Number(chunk || 4096);
const term = new Terminal({
  cols: Number(columns),
  rows: Number(lines),
  scrollback: 0,
  allowProposedApi: true,
});

function colour(isDefault, isPalette, value) {
  if (isDefault) return null;
  if (isPalette) return value;
  return value.toString(16).padStart(6, "0");
}

function dump() {
  const buffer = term.buffer.active;
  const cell = buffer.getNullCell();
  const rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    const row = [];
    for (let x = 0; x < term.cols; x++) {
      line.getCell(x, cell);
      let flags = "";
      if (cell.isBold()) flags += "b";
      if (cell.isItalic()) flags += "i";
      if (cell.isUnderline()) flags += "u";
      if (cell.isStrikethrough()) flags += "s";
      if (cell.isInverse()) flags += "r";
      if (cell.isBlink()) flags += "k";
      if (cell.isDim()) flags += "d";
      if (cell.isInvisible()) flags += "h";
      if (cell.isOverline()) flags += "o";
      row.push([
        cell.getChars(),
        cell.getWidth(),
        colour(cell.isFgDefault(), cell.isFgPalette(), cell.getFgColor()),
        colour(cell.isBgDefault(), cell.isBgPalette(), cell.getBgColor()),
        flags,
      ]);
    }
    rows.push(row);
  }
  process.stdout.write(JSON.stringify({ cursor: [buffer.cursorX, buffer.cursorY], rows }));
}

if (data.length === 0) {
  term.write("", dump);
} else {
  for (let i = 0; i < data.length; i += step) {
    const last = i + step >= data.length;
    term.write(data.subarray(i, i + step), last ? dump : undefined);
  }
}
