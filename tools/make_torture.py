"""Write the hand-made torture streams into ``tests/captured/``.

Run ``.venv/bin/python tools/make_torture.py`` after editing. Each
stream ends with a screen full of the results of the sequences it exercises,
so the differential test (tmux as the oracle) checks every one of them.
"""

from __future__ import annotations

from pathlib import Path

CAPTURED = Path(__file__).resolve().parent.parent / "tests" / "captured"
E = "\x1b"
CSI = E + "["


def cup(y: int, x: int) -> str:
    return f"{CSI}{y};{x}H"


def basic() -> str:
    """Cursor movement, erase with background colours, SGR in all its forms."""
    out = [CSI + "2J" + cup(1, 1)]
    for i in range(1, 23):
        out.append(f"{i:02d} " + "abcdefghij" * 7 + "\r\n")
    out.append(cup(2, 30) + CSI + "45m" + CSI + "1J" + CSI + "m")  # ED 1: row 1, row 2 to col 30
    out.append(cup(2, 10) + CSI + "41m" + CSI + "K")  # EL 0 with a red background
    out.append(cup(3, 10) + CSI + "42m" + CSI + "1K")  # EL 1
    out.append(cup(4, 10) + CSI + "44m" + CSI + "2K" + CSI + "0m")
    out.append(cup(5, 20) + CSI + "7m" + CSI + "5X" + CSI + "27m")  # ECH under reverse: bg only
    out.append(cup(5, 40) + CSI + "48;5;202m" + CSI + "4X" + CSI + "m")
    out.append(cup(6, 5) + CSI + "999C" + "R" + CSI + "999D" + "L" + CSI + "3B" + CSI + "2A" + "U")
    out.append(cup(8, 1) + CSI + "20G" + "G" + CSI + "10`" + "H" + CSI + "12d" + "V")
    out.append(cup(9, 30) + E + "7" + cup(1, 1) + "s" + E + "8" + "r")
    out.append(cup(10, 30) + CSI + "s" + cup(1, 2) + "S" + CSI + "u" + "u")
    out.append(cup(11, 5) + CSI + "2E" + "n" + CSI + "F" + "p")
    # SGR: 16 colours, bright, 256, truecolour, colon forms, attributes on and off.
    out.append(cup(14, 1) + CSI + "2K")
    for c in range(30, 38):
        out.append(f"{CSI}{c}m{c}{CSI}{c + 60}m{c + 60}")
    out.append(CSI + "0m" + cup(15, 1) + CSI + "2K")
    for c in range(40, 48):
        out.append(f"{CSI}{c}m{c}{CSI}{c + 60}m{c + 60}")
    out.append(CSI + "0m" + cup(16, 1) + CSI + "2K")
    for n in (0, 7, 9, 15, 16, 88, 196, 231, 232, 255):
        out.append(f"{CSI}38;5;{n}m{n:03d}{CSI}48;5;{n}m#{CSI}49m")
    out.append(CSI + "0m" + cup(17, 1) + CSI + "2K")
    out.append(CSI + "38;2;255;128;0mTC" + CSI + "48;2;0;64;128mBG" + CSI + "m")
    out.append(CSI + "38:2::10:20:30mCOLON" + CSI + "38:5:33mC5" + CSI + "m")
    out.append(CSI + "1mB" + CSI + "3mI" + CSI + "4mU" + CSI + "5mK" + CSI + "7mR" + CSI + "9mS")
    out.append(
        CSI + "22mb" + CSI + "23mi" + CSI + "24mu" + CSI + "25mk" + CSI + "27mr" + CSI + "29ms"
    )
    out.append(CSI + "1;4;31;42mmix" + CSI + "0;1mre" + CSI + ";3mset" + CSI + "m")
    out.append(CSI + ">4;2m" + "priv" + CSI + ">4m" + CSI + "?1;2m" + "ok")  # private SGR: ignored
    out.append(cup(18, 1) + CSI + "2K" + CSI + "44m" + "blue bg then erase" + CSI + "K" + CSI + "m")
    out.append(cup(19, 1) + CSI + "43m" + CSI + "J" + CSI + "m")  # ED 0 with yellow bg
    out.append(cup(20, 3) + "after ED")
    out.append(cup(22, 1) + "end")
    return "".join(out)


def regions() -> str:
    """Scroll regions, index/reverse index, IL/DL/ICH/DCH, CSI S/T, origin mode."""
    out = [CSI + "2J" + cup(1, 1)]
    for i in range(1, 25):
        out.append(f"line {i:02d} " + "-" * (i * 2) + ("\r\n" if i < 24 else ""))
    out.append(CSI + "5;15r")  # region rows 5..15
    out.append(cup(15, 1) + "\n\n" + "after two LF at bottom")
    out.append(cup(5, 1) + E + "M" + E + "M" + "after two RI at top")
    out.append(cup(8, 1) + CSI + "2L" + "inserted" + cup(10, 1) + CSI + "3M" + "deleted")
    out.append(CSI + "46m" + CSI + "2S" + CSI + "m" + cup(7, 5) + "S")  # SU in region, cyan bg
    out.append(CSI + "T" + cup(6, 5) + "T")  # SD in region
    out.append(CSI + "?6h" + cup(1, 1) + "origin home" + CSI + "?6l")
    out.append(CSI + "r")  # full screen again
    out.append(
        cup(20, 5) + "ABCDEFGHIJ" + cup(20, 7) + CSI + "3@" + CSI + "41m" + CSI + "2@" + CSI + "m"
    )
    out.append(cup(21, 5) + "ABCDEFGHIJ" + cup(21, 7) + CSI + "3P")
    out.append(cup(22, 75) + CSI + "42m" + CSI + "10P" + CSI + "m")
    out.append(cup(23, 1) + CSI + "2S")  # full-screen SU feeds the scrollback
    out.append(cup(1, 1) + CSI + "T" + "top after SD")
    out.append(CSI + "3;3r" + cup(13, 1) + "one-row region ignored")
    out.append(cup(24, 1) + CSI + "S" + "one SU")
    out.append(CSI + "17;19r" + CSI + "999999999S" + cup(17, 1) + "huge SU" + CSI + "999999T")
    out.append(cup(18, 2) + "after huge T" + CSI + "20;22r" + cup(22, 1) + "\n\n\nregion scroll")
    out.append(CSI + "r" + cup(24, 1))
    return "".join(out)


def chars() -> str:
    """Wide and combining characters, wrapping, REP, tabs, insert mode, charsets."""
    out = [CSI + "2J" + cup(1, 1)]
    out.append(
        E
        + "#8"
        + CSI
        + "10;70r"
        + CSI
        + "?6h"
        + cup(1, 1)
        + CSI
        + "2K"
        + "DECALN origin"
        + CSI
        + "?6l"
        + CSI
        + "r"
    )
    # Each following row is cleared first, so untouched rows keep DECALN's E.
    out.append(
        cup(1, 1) + CSI + "2K" + CSI + "2K" + "\n" + CSI + "2K" + "\n" + CSI + "2K" + cup(1, 1)
    )
    out.append("日本語テキスト wide ✓ done\r\n")
    out.append("x" * 79 + "日" + "after wide wrap\r\n")  # wide char does not fit: wraps
    out.append(
        cup(4, 1) + CSI + "2K" + "日本語"
    )  # (overwriting a right half: tmux 3.3a bug, see test_screen)
    out.append(cup(4, 10) + "日本語" + cup(4, 12) + "Y")  # overwrite the left half
    out.append(cup(5, 1) + CSI + "2K" + "cafe\u0301 nai\u0308ve e\u0301\u0301")  # combining marks
    out.append(
        cup(6, 1) + CSI + "2K" + "ab" + CSI + "5b" + "-" + CSI + "b" + "|" + CSI + "3b" + CSI + "2b"
    )
    out.append(
        cup(7, 1) + CSI + "2K" + CSI + "31m" + "=" + CSI + "99999999b" + CSI + "m"
    )  # huge REP, wraps
    out.append(
        cup(9, 1) + CSI + "2K" + "a\tb\tc\t\td" + cup(10, 1) + CSI + "2K" + CSI + "3g" + "x\ty"
    )  # TBC all
    out.append(
        cup(11, 1)
        + CSI
        + "2K"
        + E
        + "H"
        + cup(11, 5)
        + E
        + "H"
        + cup(11, 1)
        + CSI
        + "2K"
        + "\t1\t2"
        + CSI
        + "2Z"
        + "Z"
    )
    out.append(
        cup(13, 1) + CSI + "2K" + "0123456789" + cup(13, 3) + CSI + "4h" + "INS" + CSI + "4l"
    )
    out.append(cup(14, 1) + CSI + "2K" + E + "(0" + "lqqqwqqqk xax mqqqvqqqj" + E + "(B" + " back")
    out.append(cup(15, 1) + CSI + "2K" + E + ")0" + "\x0e" + "lqk" + "\x0f" + "lqk")
    out.append(cup(16, 70) + CSI + "?7l" + "no wrap here: 0123456789" + CSI + "?7h")
    out.append(cup(17, 75) + "wraps to next line")
    out.append(
        cup(19, 1)
        + CSI
        + "2K"
        + "unknown:"
        + CSI
        + "?9999h"
        + E
        + "]52;c;aGVsbG8=\x07"
        + E
        + "P+q544e"
        + E
        + "\\"
    )
    out.append(E + "_apc" + E + "\\" + CSI + ">1u" + CSI + "?u" + CSI + "=5u" + CSI + "5 q" + "ok")
    out.append(
        cup(20, 1) + CSI + "2K" + E + "]0;a title\x07" + E + "]2;other" + E + "\\" + "titled"
    )
    out.append(cup(21, 1) + CSI + "2K" + "DEL\x7fNUL\x00BEL\x07 ok " + "\u00e9\u4e2d\U0001f600!")
    out.append(cup(22, 80) + "Z" + CSI + "K" + cup(23, 80) + "W" + "\r\n" + "after pending wrap")
    out.append(cup(24, 1))
    return "".join(out)


def unicode() -> str:
    """Text in several scripts and emoji of every kind, with colours, wrapping and editing.

    Widths are tmux 3.3a's (glibc's ``wcwidth``): see ``tests/terminal/test_glyphs.py``.
    """
    zwj = "\u200d"
    family = f"\U0001f468{zwj}\U0001f469{zwj}\U0001f467"
    lines = [
        "Thai: สวัสดีครับ ภาษาไทย น้ำ",
        "Devanagari: नमस्ते हिन्दी क्षत्रिय",
        "Bengali: বাংলা  Tamil: தமிழ்  Gurmukhi: ਪੰਜਾਬੀ",
        "Arabic: مرحبا بالعالم  Hebrew: שָׁלוֹם",
        "CJK: 漢字かなカナ한국어 ＡＢＣ（全角）。、",
        "Hangul jamo: \u1100\u1161\u11a8 \u1112\u1161\u11ab",
        "Greek & Cyrillic: Ελληνικά Русский, e\u0301 a\u0308 o\u0302\u0323",
        "VS16: \u2764\ufe0f \u26a0\ufe0f \u2614\ufe0f \u263a\ufe0f "
        "VS15: \U0001f600\ufe0e \u2764\ufe0e",
        f"ZWJ: {family} \U0001f469{zwj}\U0001f4bb \U0001f3f3\ufe0f{zwj}\U0001f308 "
        f"\U0001f441\ufe0f{zwj}\U0001f5e8\ufe0f "
        f"\U0001f468{zwj}\U0001f469{zwj}\U0001f467{zwj}\U0001f466 (cut at 21 bytes)",
        "Flags: \U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea\U0001f1ef\U0001f1f5 "
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f end",
        "Skin: \U0001f44d\U0001f3fd \U0001f44b\U0001f3fb \U0001f9d1\U0001f3ff"
        f"{zwj}\U0001f4bb \U0001f3fd alone",
        "Keycaps: 1\ufe0f\u20e3 #\ufe0f\u20e3 *\u20e3  circled: a\u20dd 5\u20de",
        "Invisible: a\u200bb a\u00adb a\u2060b a\u200eb \ufeffz",
        "Symbols: ☰☱ ⚡⛄ ★☆ ♠♣ ∑∫√ ─│┌┐ ▀▄█ ⏰ ⌚ 〰 ㊗",
    ]
    out = [CSI + "2J" + cup(1, 1)]
    colours = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96, 37, 97]
    for line, colour in zip(lines, colours, strict=True):
        out.append(f"{CSI}{colour}m{line}{CSI}m\r\n")
    # A wide character and a ZWJ sequence that do not fit wrap; a mark at a
    # pending wrap joins the last cell.
    out.append(cup(16, 79) + "\u6f22" + cup(17, 79) + family + "<")
    out.append(cup(19, 80) + "e\u0301" + "\r\n")
    # Editing around combined and wide cells: overwrite, erase, insert, delete.
    out.append(cup(20, 1) + "สวัสดี \U0001f44d\U0001f3fd 漢字 " + CSI + "44m" + "ก\u0e31")
    # (Never on the right half of a wide character: tmux 3.3a's grid breaks there.)
    out.append(CSI + "m" + cup(20, 3) + "X" + cup(20, 10) + CSI + "2@" + cup(20, 17) + CSI + "P")
    out.append(cup(21, 1) + "\U0001f1eb\U0001f1f7 flag" + cup(21, 2) + CSI + "X")
    out.append(cup(22, 1) + CSI + "43m" + "\u2764\ufe0f bg" + CSI + "K" + CSI + "m")
    out.append(cup(23, 1) + "REP after wide: \u6f22" + CSI + "3b" + " after ascii: x" + CSI + "3b")
    out.append(cup(24, 1) + "done")
    return "".join(out)


def vt_cursor() -> str:
    """As vttest's first menu: cursor movement inside a frame, autowrap, controls in sequences."""
    out = [CSI + "?7h" + CSI + "2J" + E + "#8"]  # DECALN: a screen of E
    out.append(cup(9, 10) + CSI + "1J" + cup(18, 60) + CSI + "0J")  # erase above and below
    out.append(cup(9, 71) + CSI + "0K" + cup(10, 10) + CSI + "1K")  # erase right, left
    for row in range(10, 18):
        out.append(cup(row, 10) + CSI + "1K" + cup(row, 71) + CSI + "0K")
    # A frame of * with every way of moving: CUF, CUB, CUU, CUD, IND, RI, NEL.
    out.append(cup(9, 10) + "*" * 62)
    out.append(cup(10, 10) + "*" + E + "D" + CSI + "D" + "*" + E + "D" + CSI + "D" + "*")
    out.append(cup(13, 10) + "*" + E + "E" + CSI + "9C" + "*" + CSI + "2A" + CSI + "D" + "+")
    out.append(cup(17, 71) + "*" + E + "M" + CSI + "D" + "*" + E + "M" + CSI + "D" + "*")
    out.append(cup(18, 10) + "+" + CSI + "60C" + "+" + CSI + "999C" + CSI + "D" + "#")
    out.append(cup(16, 71) + CSI + "2B" + "v" + CSI + "999B" + "_" + CSI + "999A" + "^")
    # Autowrap with controls mixed into the text (vttest: "Test of autowrap").
    out.append(cup(12, 20) + "wrap test:" + CSI + "3;21r" + cup(21, 75) + "ABCDEFGH\bI\rJ\tK")
    out.append(CSI + "r")
    # Controls inside sequences act; the sequence goes on.
    out.append(cup(14, 20) + "A" + CSI + "2\bCB" + CSI + "\r2CC" + E + "[1\x0bA" + "D")
    out.append(cup(15, 20) + CSI + "0000000015;0000000040H" + "zeros" + CSI + "00002D" + "Z")
    out.append(cup(16, 20) + "BS at 0:" + "\r\b\b" + "x" + CSI + "0C" + CSI + "0D" + "y")
    out.append(cup(24, 1))
    return "".join(out)


def vt_screen() -> str:
    """As vttest's second menu: wrap on and off, tab stops, scroll regions, origin mode, SGR."""
    out = [CSI + "?7h" + CSI + "2J" + CSI + "H"]
    out.append(cup(1, 75) + "wraps-on" + CSI + "?7l" + cup(3, 75) + "no-wrap-here" + CSI + "?7h")
    out.append(cup(4, 1) + CSI + "3g" + cup(4, 4) + E + "H" + cup(4, 13) + E + "H")
    out.append(cup(4, 30) + E + "H" + cup(4, 1) + "\ta\tb\tc\td" + cup(5, 1) + "\t1")
    out.append(cup(4, 13) + CSI + "g" + cup(5, 1) + CSI + "2K" + "\tA\tB\tC")
    out.append(cup(6, 1) + CSI + "3g" + "\tno stops" + CSI + "3Z" + "<")
    # Soft scroll in a region: LF at its bottom and RI at its top.
    for i in range(7, 14):
        out.append(cup(i, 1) + f"region line {i}")
    out.append(CSI + "8;12r" + cup(12, 1) + "\n\nscrolled up 2" + cup(8, 1) + E + "M" + "rev")
    # Origin mode: positions count from the region's top; DECSTBM in origin mode
    # homes to the region's top (xterm and the DEC manuals; tmux 3.3a: the screen's).
    out.append(CSI + "?6h" + cup(1, 1) + "origin 1;1" + cup(99, 1) + "origin bottom")
    out.append(CSI + "9;11r" + "homed")
    out.append(CSI + "?6l" + CSI + "r")
    # SGR renditions, as vttest's grid.
    names = ("plain", "bold", "under", "blink", "rev")
    codes = ("0", "1", "4", "5", "7")
    for row, first in enumerate(codes):
        out.append(cup(15 + row, 1))
        for second, name in zip(codes, names, strict=True):
            out.append(f"{CSI}0;{first};{second}m{name:>6}{CSI}0m ")
    # Save and restore the cursor with its attributes.
    out.append(cup(21, 1) + CSI + "1;31m" + E + "7" + CSI + "0m" + cup(1, 1) + E + "8" + "saved")
    out.append(CSI + "0m" + cup(22, 1) + CSI + "s" + cup(2, 2) + CSI + "u" + "csi-saved")
    out.append(cup(24, 1))
    return "".join(out)


def vt_edit() -> str:
    """As vttest's VT102 menu: insert and delete lines and characters, in and out of regions."""
    out = [CSI + "2J" + CSI + "H"]
    for i in range(1, 24):
        out.append(cup(i, 1) + f"{i:02d} " + chr(64 + i) * 40)
    out.append(CSI + "5;15r" + cup(7, 1) + CSI + "3L" + cup(12, 1) + CSI + "2M")
    out.append(cup(15, 1) + CSI + "20L" + cup(5, 1) + CSI + "M")
    out.append(CSI + "r" + cup(20, 1) + CSI + "L" + cup(23, 1) + CSI + "5M")
    out.append(
        cup(2, 5) + CSI + "4@" + CSI + "44m" + CSI + "2@" + CSI + "m" + cup(3, 5) + CSI + "6P"
    )
    out.append(cup(4, 5) + CSI + "10X" + cup(16, 40) + CSI + "999P" + cup(17, 40) + CSI + "999@")
    out.append(cup(18, 1) + CSI + "4h" + "inserted " + cup(18, 70) + "pushes past the margin")
    out.append(CSI + "4l" + cup(19, 78) + CSI + "4h" + "wrap" + CSI + "4l")
    out.append(cup(24, 1))
    return "".join(out)


def vt_charsets() -> str:
    """As vttest's character set menu: DEC special graphics, UK, SO/SI, G0-G1."""
    out = [CSI + "2J" + CSI + "H" + "DEC special graphics:"]
    glyphs = "".join(chr(c) for c in range(0x5F, 0x7F))
    out.append(cup(2, 1) + E + "(0" + glyphs + E + "(B" + " back to ASCII")
    out.append(cup(3, 1) + E + ")0" + "a\x0e" + glyphs + "\x0f" + "b")
    out.append(cup(4, 1) + E + "(A" + "UK: #1" + E + "(B" + " US: #1")
    out.append(cup(6, 1) + E + "(0" + "lqqqqqqqqwqqqqqqqqk")
    out.append(cup(7, 1) + "x  box   x  drawn x")
    out.append(cup(8, 1) + "tqqqqqqqqnqqqqqqqqu")
    out.append(cup(9, 1) + "mqqqqqqqqvqqqqqqqqj" + E + "(B")
    out.append(cup(10, 1) + E + ")B" + "\x0e" + "G1 is ASCII again" + "\x0f")
    out.append(cup(11, 1) + E + "(0" + E + "c" + "after RIS: ASCII")
    out.append(cup(24, 1))
    return "".join(out)


def vt220() -> str:
    """VT220 and later: DECSCA with selective erase, DECSTR, ECH, REP (tmux ignores DECSED)."""
    out = [CSI + "2J" + CSI + "H"]
    protect, unprotect = CSI + '1"q', CSI + '0"q'
    for row in range(1, 6):
        out.append(cup(row, 1) + "open " + protect + "KEPT" + unprotect + " open")
    out.append(cup(1, 1) + CSI + "?2K" + cup(2, 8) + CSI + "?1K" + cup(3, 8) + CSI + "?0K")
    out.append(cup(4, 1) + CSI + "?0J")
    out.append(cup(7, 1) + CSI + "1;4m" + "styled" + CSI + "!p" + "after DECSTR")
    out.append(cup(8, 1) + "0123456789" + cup(8, 3) + CSI + "4X" + cup(8, 9) + CSI + "X")
    out.append(cup(9, 1) + "rep:" + "x" + CSI + "5b" + "|" + CSI + "b")
    out.append(cup(24, 1))
    return "".join(out)


def ecma48() -> str:
    """ECMA-48 cursor and editing functions: CHA, HPA, VPA, HPR, VPR, CNL, CPL, CBT, ED, EL."""
    out = [CSI + "2J" + CSI + "H"]
    out.append(cup(2, 1) + CSI + "30G" + "cha30" + CSI + "10`" + "hpa10" + CSI + "5a" + "hpr5")
    out.append(CSI + "4d" + "vpa4" + CSI + "2e" + "vpr2" + CSI + "E" + "cnl" + CSI + "2F" + "cpl")
    out.append(cup(8, 40) + CSI + "2Z" + "cbt2" + CSI + "Z" + "cbt1")
    for row in range(10, 16):
        out.append(cup(row, 1) + "x" * 60)
    out.append(cup(10, 30) + CSI + "K" + cup(11, 30) + CSI + "1K" + cup(12, 30) + CSI + "2K")
    out.append(cup(14, 30) + CSI + "43m" + CSI + "J" + CSI + "m" + cup(13, 50) + CSI + "1J")
    out.append(cup(18, 1) + "end of test")
    out.append(cup(24, 1))
    return "".join(out)


def colour_table() -> str:
    """16 colours on 16 backgrounds, the 256-colour palette, 24-bit ramps, default colours."""
    out = [CSI + "2J" + CSI + "H"]
    for fg in range(16):
        code = 30 + fg if fg < 8 else 82 + fg
        out.append(cup(1 + fg // 8, 1 + (fg % 8) * 10) + f"{CSI}{code}m{code:>3}" + CSI + "m")
        bg = 40 + fg if fg < 8 else 92 + fg
        out.append(cup(1 + fg // 8, 5 + (fg % 8) * 10) + f"{CSI}{bg}m{bg:>3}" + CSI + "m")
    for n in range(256):
        out.append(cup(3 + n // 16, 1 + (n % 16) * 5))
        out.append(f"{CSI}48;5;{n}m{CSI}38;5;{255 - n}m{n:>4}{CSI}m")
    for i in range(20):
        v = i * 13
        out.append(cup(19, 1 + i * 2) + f"{CSI}48;2;{v};0;{255 - v}m  ")
        out.append(cup(20, 1 + i * 2) + f"{CSI}38;2;{v};{v};{v}m##")
    out.append(CSI + "m" + cup(21, 1) + CSI + "38;2;135;135;135m#878787" + CSI + "39m default")
    out.append(CSI + "48;5;233m bg 233 " + CSI + "49m" + CSI + "38:5:102mcolon" + CSI + "m")
    out.append(cup(22, 1) + CSI + "7;38;5;196;48;5;21mreversed" + CSI + "m" + CSI + "2;95mdim")
    out.append(CSI + "m" + cup(24, 1))
    return "".join(out)


def modes() -> str:
    """Input modes left on at the end (tmux's pane flags are compared too)."""
    out = [
        "main screen text\r\n",
        CSI + "?1049h",
        CSI + "44m",
        CSI + "2J",
        "on the alternate screen",
    ]
    out.append(CSI + "?1h" + CSI + "?1000h" + CSI + "?1003h" + CSI + "?1002h")  # last one wins
    out.append(CSI + "?1006h" + CSI + "?2004h" + CSI + "?1004h" + CSI + "?25l")
    out.append(CSI + "3;20r" + CSI + "5;1H" + CSI + "0m" + "inside the region")
    return "".join(out)


def dim() -> str:
    """Dim (SGR 2): with bold, colours and SGR 22; across scrolling, erase and DECSC."""
    out = [CSI + "2J" + cup(24, 1)]
    # Plain CR LF lines at the bottom: the flood fast path, dim, then bold dim.
    out.append(CSI + "2m")
    out.extend(f"dim flood {i:02d} " + "." * i + "\r\n" for i in range(12))
    out.append(CSI + "1;2;33m")
    out.extend(f"bold dim yellow {i:02d}\r\n" for i in range(9))
    out.append(CSI + "m")
    # A line feed at the bottom with dim and a background: the new row gets the
    # background only.
    out.append(CSI + "2;44m" + "bottom\n" + CSI + "m")
    # SGR 22 is normal intensity: it clears bold and dim together.
    out.append(
        cup(1, 1) + CSI + "2K" + "n" + CSI + "2md" + CSI + "22mn" + CSI + "1mb" + CSI + "2mD"
    )
    out.append(CSI + "22mn" + CSI + "1;2mD" + CSI + "22mn" + CSI + "2;1mD" + CSI + "0mn")
    out.append(CSI + "2;22mn" + CSI + "22;2md" + CSI + ";2md" + CSI + "2;0mn" + CSI + "2m")
    out.append(CSI + "1mD" + CSI + "21mU" + CSI + "24mD" + CSI + "m" + " end")
    # Dim with colours and the other attributes.
    out.append(cup(2, 1) + CSI + "2K" + CSI + "2;31mred" + CSI + "91mbright" + CSI + "38;5;208m256")
    out.append(CSI + "38;2;10;200;30mtc" + CSI + "39;44mbg" + CSI + "49;7mrev" + CSI + "27;4mul")
    out.append(CSI + "24;3mit" + CSI + "23;9mst" + CSI + "29;5mbl" + CSI + "0m" + " plain")
    # Erasing with dim on: erased cells take the background only.
    for y in range(3, 7):
        out.append(cup(y, 1) + CSI + "2K" + f"row {y} " + "abcdefghij" * 5)
    out.append(cup(3, 10) + CSI + "2;41m" + CSI + "K" + CSI + "m")
    out.append(cup(4, 10) + CSI + "2m" + CSI + "1K" + CSI + "m")
    out.append(cup(5, 10) + CSI + "2;42m" + CSI + "2K" + CSI + "m" + cup(5, 30) + "after EL 2")
    out.append(cup(6, 5) + CSI + "2;43m" + CSI + "4X" + cup(6, 20) + CSI + "2@")
    out.append(cup(6, 40) + CSI + "3P" + CSI + "m")
    # REP repeats with the current attributes.
    out.append(cup(7, 1) + CSI + "2K" + CSI + "2;35m=" + CSI + "10b" + CSI + "0m|")
    out.append(CSI + "2m-" + CSI + "5b" + CSI + "22m+" + CSI + "3b")
    # DECSC/DECRC and CSI s/u save and restore dim with the other attributes.
    out.append(cup(8, 1) + CSI + "2K" + CSI + "2;36m" + E + "7" + CSI + "0m" + cup(1, 70))
    out.append("x" + E + "8" + "restored dim" + CSI + "0m ")
    out.append(CSI + "1;2m" + CSI + "s" + CSI + "0m" + cup(2, 75) + CSI + "u" + "su" + CSI + "0m")
    # Wide characters and combining marks, dim.
    out.append(cup(9, 1) + CSI + "2K" + CSI + "2m" + "日本 cafe\u0301 " + CSI + "22m" + "日本")
    # Insert and delete lines with dim and a background on.
    out.append(cup(10, 1) + CSI + "2;45m" + CSI + "L" + cup(12, 1) + CSI + "M" + CSI + "m")
    # The alternate screen and back, dim set on the way in.
    out.append(cup(11, 1) + CSI + "2;32m" + CSI + "?1049h" + CSI + "0malt" + CSI + "?1049l")
    out.append("after alt" + CSI + "0m")
    # Dim lines scrolling inside a region, then SU with a dim background.
    out.append(CSI + "14;18r" + cup(18, 1) + CSI + "2;34m" + "region dim\r\nnext\r\nthird")
    out.append(CSI + "2;46m" + CSI + "S" + CSI + "m" + CSI + "r")
    # Autowrap with dim on (the wrap's new row has the default background).
    out.append(cup(20, 70) + CSI + "2m" + "wrapping dim text across" + CSI + "m")
    # ED below with dim and a background on.
    out.append(cup(23, 40) + CSI + "2;41m" + CSI + "J" + CSI + "m" + cup(24, 1))
    return "".join(out)


def main() -> None:
    """Write the streams."""
    for name, make in (
        ("torture_basic", basic),
        ("torture_regions", regions),
        ("torture_chars", chars),
        ("torture_modes", modes),
        ("torture_dim", dim),
        ("torture_unicode", unicode),
        ("vt_cursor", vt_cursor),
        ("vt_screen", vt_screen),
        ("vt_edit", vt_edit),
        ("vt_charsets", vt_charsets),
        ("vt220", vt220),
        ("ecma48", ecma48),
        ("colour_table", colour_table),
    ):
        (CAPTURED / f"{name}.bin").write_bytes(make().encode("utf-8"))


if __name__ == "__main__":
    main()
