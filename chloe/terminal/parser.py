"""The tokenizer and dispatch: decoded pty text -> screen method calls.

Stock pyte's generator parser costs several microseconds per byte, so
:meth:`Parser.feed` tokenises the decoded text with one regular expression and
calls the screen methods directly. Well-formed CSI sequences and runs of
printable text take the fast path; anything else (an unfinished sequence, a
control in the middle of one, OSC/DCS strings) goes through :meth:`_escape`.

:class:`Parser` is to :class:`~chloe.terminal.screen.Terminal` what pyte's
``Stream`` is to its ``Screen``: it owns the state between feeds (the UTF-8
decoder, an unfinished sequence, the last printed text for REP) and acts on
the screen only through the screen's methods.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from chloe.terminal import modes
from chloe.terminal.fastpath import coloured_lines, resume
from chloe.terminal.params import PRIVATE_LEADS, number, params
from chloe.terminal.sgr import SGR

if TYPE_CHECKING:
    from chloe.terminal.screen import Terminal

__all__ = ["Parser"]

# CSI final bytes, by their ECMA-48 / DEC names.
ICH: Final = "@"  # insert characters
CUU: Final = "A"  # cursor up
CUD: Final = "B"  # cursor down
CUF: Final = "C"  # cursor forward
CUB: Final = "D"  # cursor back
CNL: Final = "E"  # cursor next line
CPL: Final = "F"  # cursor previous line
CHA: Final = "G"  # cursor to column
CUP: Final = "H"  # cursor position
CHT: Final = "I"  # forward tabulation
ED: Final = "J"  # erase in display (DECSED with ``?``)
EL: Final = "K"  # erase in line (DECSEL with ``?``)
IL: Final = "L"  # insert lines
DL: Final = "M"  # delete lines
DCH: Final = "P"  # delete characters
SU: Final = "S"  # scroll up
SD: Final = "T"  # scroll down
ECH: Final = "X"  # erase characters
CBT: Final = "Z"  # backward tabulation
HPA: Final = "`"  # character position absolute
HPR: Final = "a"  # character position forward
REP: Final = "b"  # repeat the last printed character
DA: Final = "c"  # device attributes (DA1; DA2 with ``>``)
VPA: Final = "d"  # line position absolute
VPR: Final = "e"  # line position forward
HVP: Final = "f"  # horizontal and vertical position
TBC: Final = "g"  # tabulation clear
SM: Final = "h"  # set mode (DECSET with ``?``)
RM: Final = "l"  # reset mode (DECRST with ``?``)
SGR_FINAL: Final = "m"  # select graphic rendition
DSR: Final = "n"  # device status report
DECRQM: Final = "p"  # request mode, with ``$``; DECSTR (soft reset) with ``!``
DECSCA: Final = "q"  # select character protection, with ``"``
DECSTBM: Final = "r"  # set top and bottom margins
SCOSC: Final = "s"  # save cursor
XTWINOPS: Final = "t"  # window operations
SCORC: Final = "u"  # restore cursor

# Bounds that keep hostile input from costing unbounded time or memory.
MAX_PENDING: Final = 256  # an unfinished CSI/ESC sequence longer than this is junk
MAX_STRING: Final = 65536  # OSC/DCS payloads beyond this are skipped, not buffered
MAX_TITLE: Final = 1024


_TOKEN: Final = re.compile(
    r"([^\x00-\x1f\x7f-\x9f]+)"  # 1: printable text
    r"|\x1b\[([0-?]*)([ -/]*)([@-~])"  # 2-4: a complete, well-formed CSI
    r"|([\x00-\x1a\x1c-\x1f\x7f-\x9f])"  # 5: a single C0/C1 control (not ESC)
    r"|\x1b"  # anything else starting with ESC: the slow path
)
# Lines of plain printable ASCII, each ended by CR LF: the shape of a flood.
_PLAIN_LINES: Final = re.compile(r"(?:[ -~]*\r\n){8,}")
_CSI_BODY: Final = re.compile(r"([0-?]*)([ -/]*)")


def _first(args: list[int]) -> int:
    return args[0] if args else 0


def desktop_notification(code: str, arg: str) -> tuple[str, str] | None:
    """(source, text) if an OSC asks for a desktop notification, else None.

    ``OSC 9 ; text`` (iTerm2; not ConEmu's ``9;<number>;…`` subcommands such as
    progress), ``OSC 777 ; notify ; title ; body`` (rxvt, foot, Ghostty) and
    ``OSC 99 ; metadata ; payload`` (kitty).
    """
    if code == "9":
        head = arg.partition(";")[0]
        if head.isdigit():
            return None
        return "osc9", arg[:MAX_TITLE]
    if code == "777":
        kind, _, rest = arg.partition(";")
        if kind != "notify":
            return None
        title, _, body = rest.partition(";")
        return "osc777", (f"{title}: {body}" if title and body else title or body)[:MAX_TITLE]
    if code == "99":
        _meta, _, payload = arg.partition(";")
        return "osc99", payload[:MAX_TITLE]
    return None


class Parser:
    """Decodes and tokenises pty bytes and dispatches them to ``screen``.

    Args:
        screen: the terminal the sequences act on.
    """

    def __init__(self, screen: Terminal) -> None:
        self.screen = screen
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""  # the start of a sequence that has not ended yet
        self._in_string = ""  # the introducer of a control string being skipped
        self._scanned = 0
        self._last = ""  # the last printed text, for REP; any other token clears it
        self._csi_handlers = self._csi_table()

    def _csi_table(self) -> dict[str, Callable[[list[int]], None]]:
        """Handlers of plain CSI sequences (no private lead, no intermediates) by final."""
        screen = self.screen
        return {
            ICH: lambda a: screen.insert_characters(_first(a)),
            CUU: lambda a: screen.cursor_up(_first(a)),
            CUD: lambda a: screen.cursor_down(_first(a)),
            CUF: lambda a: screen.cursor_forward(_first(a)),
            CUB: lambda a: screen.cursor_back(_first(a)),
            CNL: lambda a: screen.cursor_down1(_first(a)),
            CPL: lambda a: screen.cursor_up1(_first(a)),
            CHA: lambda a: screen.cursor_to_column(_first(a)),
            CUP: lambda a: screen.cursor_position(*a[:2]),
            CHT: lambda a: screen.tab_forward(_first(a)),
            ED: lambda a: screen.erase_in_display(_first(a)),
            EL: lambda a: screen.erase_in_line(_first(a)),
            IL: lambda a: screen.insert_lines(_first(a)),
            DL: lambda a: screen.delete_lines(_first(a)),
            DCH: lambda a: screen.delete_characters(_first(a)),
            SU: lambda a: screen.scroll_up(_first(a)),
            SD: lambda a: screen.scroll_down(_first(a)),
            ECH: lambda a: screen.erase_characters(_first(a)),
            CBT: lambda a: screen.tab_back(_first(a)),
            HPA: lambda a: screen.cursor_to_column(_first(a)),
            HPR: lambda a: screen.cursor_forward(_first(a)),
            DA: lambda a: screen.report_device_attributes(_first(a)),
            VPA: lambda a: screen.cursor_to_line(_first(a)),
            VPR: lambda a: screen.cursor_down(_first(a)),
            HVP: lambda a: screen.cursor_position(*a[:2]),
            TBC: lambda a: screen.clear_tab_stop(_first(a)),
            SM: lambda a: screen.set_mode(*a),
            RM: lambda a: screen.reset_mode(*a),
            DSR: lambda a: screen.report_device_status(_first(a)),
            DECSTBM: lambda a: screen.set_margins(*a[:2]),
            SCOSC: lambda a: screen.save_cursor(),
            XTWINOPS: screen.report_window,
            SCORC: lambda a: screen.restore_cursor(),
        }

    # ------------------------------------------------------------------ feeding

    def feed(self, data: bytes) -> None:
        """Feed raw pty bytes, in any chunking.

        A UTF-8 character split across two calls comes out whole; invalid
        UTF-8 becomes U+FFFD. Never raises on any input.

        Args:
            data: bytes read from the pty.
        """
        screen = self.screen
        text = self.decoder.decode(data)
        if self.pending:
            text = self.pending + text
            self.pending = ""
        if not text:
            return
        before = screen.dirty
        screen.dirty = set()
        cursor = screen.cursor
        where = (cursor.x, cursor.y, cursor.hidden, screen.title)
        try:
            self._parse(text)
        except Exception:  # pragma: no cover - a bug must not kill the pane
            # Losing one chunk's rendering beats taking the whole app down;
            # the robustness tests exist so that this never runs.
            self.pending = ""
            self._last = ""
            screen.dirty.update(range(screen.lines))
        cursor = screen.cursor
        if screen.dirty or where != (cursor.x, cursor.y, cursor.hidden, screen.title):
            screen.generation += 1
        before |= screen.dirty
        screen.dirty = before

    def _parse(self, text: str) -> None:
        screen = self.screen
        start = 0
        if screen._tail is not None:
            # The unfinished line of the last feed, kept as text, is fed
            # again with its rest, so the whole line can take the bulk path.
            line = resume(screen)
            if line:
                text = line + text
                if len(text) >= 64 and "\r\n" in text:
                    start, self._last = self._coloured(text, 0, self._last)
        if self._in_string:
            self._last = ""
            end = self._string_end(text, 0, bel=self._in_string != "P")
            if end is None:
                if text.endswith("\x1b"):
                    self.pending = "\x1b"  # maybe the first half of the ST
                return
            self._in_string = ""
            text = text[end:]
        match = _TOKEN.match
        plain = _PLAIN_LINES.match
        csi = self._csi
        control = self._control
        draw = screen.draw
        sgr = SGR
        index = screen.index
        pos = start
        n = len(text)
        last = self._last  # kept across feeds: REP must not depend on chunking
        refused = 0  # the end of a run of plain lines _plain_lines turned down
        while pos < n:
            m = match(text, pos)
            if m is None:  # unreachable: every character starts some token
                pos += 1
                continue
            kind = m.lastindex
            if kind == 1:
                last = m.group(1)
                draw(last)
                pos = m.end()
            elif kind == 5:
                ch = m.group(5)
                if ch == "\r" and text.startswith("\r\n", pos):
                    screen.cursor.x = 0  # CR; then LF, whose LNM carriage return is moot
                    index()
                    pos += 2
                    # A flood of plain or coloured lines at the bottom of the
                    # screen: take them all at once (unless this run was
                    # already refused). A few bytes left are not worth a look.
                    if screen.cursor.y == screen.lines - 1 and pos >= refused and n - pos >= 64:
                        pm = plain(text, pos)
                        if pm is not None:
                            done = screen._plain_lines(text, pos, pm.end())
                            if done == pos:
                                refused = pm.end()
                            pos = done
                        else:
                            done, last = self._coloured(text, pos, "")
                            if done == pos:
                                refused = pos + 1  # try again at the next line
                            pos = done
                            continue
                else:
                    control(ch)
                    pos = m.end()
                last = ""
            elif kind is None:  # ESC not starting a well-formed CSI
                end = self._escape(text, pos)
                if end is None:
                    # Unfinished: _escape has bounded how much may wait.
                    self.pending = text[pos:]
                    self._last = last
                    return
                pos = end
                last = ""
            else:
                params_, inter, final = m.group(2, 3, 4)
                pos = m.end()
                if final == SGR_FINAL and not inter:
                    # SGR, the most frequent sequence by far: cached inline.
                    cursor = screen.cursor
                    cursor.attrs = sgr[(params_, cursor.attrs)]
                    last = ""
                    continue
                if final == REP and not inter and params_[:1] not in PRIVATE_LEADS:
                    if last and last[-1] < "\x80":  # tmux repeats ASCII only
                        screen._repeat(last[-1], number(params_) or 1)
                    last = ""  # as tmux: a second REP in a row repeats nothing
                    continue
                csi(params_, inter, final)
                last = ""
        self._last = last

    def _coloured(self, text: str, pos: int, last: str) -> tuple[int, str]:
        """The coloured flood path from ``pos``, at the start of the bottom row.

        Returns where it stopped and what REP repeats then (``last`` if it
        took nothing).
        """
        screen = self.screen
        done = coloured_lines(screen, text, pos, text.rfind("\r\n") + 2)
        if done == pos:
            return pos, last
        tail = screen._tail
        # It may have kept the unfinished last line too, and what REP repeats.
        return done, "" if tail is None else tail[3]

    # --------------------------------------------------------------- sequences

    def _control(self, ch: str) -> None:
        screen = self.screen
        if ch in "\n\x0b\x0c":
            screen.linefeed()
        elif ch == "\r":
            screen.cursor.x = 0
        elif ch == "\x08":
            screen.backspace()
        elif ch == "\t":
            screen.tab()
        elif ch == "\x07":
            screen.bell()
        elif ch == "\x0e":
            screen.shift_out()
        elif ch == "\x0f":
            screen.shift_in()
        # Everything else (NUL, DEL, C1 code points, ...) is ignored, as tmux does.

    @staticmethod
    def _string_end(text: str, start: int, bel: bool = True) -> int | None:
        """Index just past the ST (or BEL) ending a control string, if present."""
        st = text.find("\x1b\\", start)
        if bel:
            b = text.find("\x07", start, st if st >= 0 else len(text))
            if b >= 0:
                return b + 1
        return st + 2 if st >= 0 else None

    def _escape(self, text: str, pos: int) -> int | None:
        """Handle the escape sequence at ``pos``; None if it is unfinished."""
        n = len(text)
        if pos + 1 >= n:
            return None
        c = text[pos + 1]
        if c == "[":
            return self._odd_csi(text, pos)
        if c == "]" or c in "PX^_":
            # Resume the search where the previous feed stopped, so a string
            # arriving in many small pieces costs linear time.
            scan = max(pos + 2, self._scanned - 1) if pos == 0 else pos + 2
            self._scanned = 0
            end = self._string_end(text, scan, bel=c != "P")
            if end is None:
                if n - pos > MAX_STRING:
                    self._in_string = c  # skip the rest up to its ST
                    # A final ESC may be the first half of that ST: keep it.
                    return n - 1 if text.endswith("\x1b") else n
                self._scanned = n - pos
                return None
            if c == "]":
                body = text[pos + 2 : end - (1 if text[end - 1] == "\x07" else 2)]
                self._osc(body)
            return end
        # As the VT500 parser (and tmux, xterm): a C0 control inside the
        # sequence is executed and the sequence goes on; ESC starts a new
        # sequence and CAN/SUB cancel it, dropping this one.
        i = pos + 1
        inter: list[str] = []
        controls: list[str] = []
        while i < n:
            ch = text[i]
            if " " <= ch <= "/":
                inter.append(ch)
            elif "0" <= ch <= "~":
                break
            elif ch == "\x1b" or ch in "\x18\x1a":
                self._run_controls(controls)
                return i if ch == "\x1b" else i + 1
            elif ch < " ":
                controls.append(ch)  # run once the sequence's fate is known
            elif ch != "\x7f":  # DEL is ignored inside a sequence
                # A C1 or non-ASCII character: drop the sequence and let the
                # character be handled on its own.
                self._run_controls(controls)
                return i
            i += 1
        if i >= n:
            return None if n - pos <= MAX_PENDING else n
        self._run_controls(controls)
        self._esc("".join(inter), text[i])
        return i + 1

    def _run_controls(self, controls: list[str]) -> None:
        for ch in controls:
            self._control(ch)

    def _odd_csi(self, text: str, pos: int) -> int | None:
        """A CSI the fast pattern rejected: unfinished, or with stray bytes."""
        n = len(text)
        i = pos + 2
        controls: list[str] = []
        body: list[str] = []
        junk = False
        while i < n:
            ch = text[i]
            if "@" <= ch <= "~":
                self._run_controls(controls)
                if not junk:
                    m = _CSI_BODY.fullmatch("".join(body))
                    if m is not None:
                        self._csi(m.group(1), m.group(2), ch)
                return i + 1
            if ch == "\x1b" or ch in "\x18\x1a":
                # A new sequence aborts this one, CAN/SUB cancel it; the
                # controls met on the way act all the same.
                self._run_controls(controls)
                return i if ch == "\x1b" else i + 1
            if ch < " ":
                controls.append(ch)  # C0 inside a CSI is executed, as xterm does
            elif " " <= ch <= "?":
                body.append(ch)
            else:
                junk = True  # tmux ignores the whole sequence up to its final
            i += 1
        if n - pos > MAX_PENDING:
            return n
        return None

    def _esc(self, inter: str, final: str) -> None:
        screen = self.screen
        if not inter:
            if final == "7":
                screen.save_cursor()
            elif final == "8":
                screen.restore_cursor()
            elif final == "D":
                screen.index()
            elif final == "E":
                screen.carriage_return()
                screen.index()
            elif final == "M":
                screen.reverse_index()
            elif final == "H":
                screen.set_tab_stop()
            elif final == "c":
                screen.reset()
            # ESC = / ESC > (keypad modes), ESC \ (a stray ST), others: ignored.
        elif inter == "#" and final == "8":
            screen.alignment_display()
        elif inter in "()" and len(inter) == 1:
            screen.define_charset(final, inter)

    def _csi(self, params_: str, inter: str, final: str) -> None:
        screen = self.screen
        lead = params_[:1]
        if lead in PRIVATE_LEADS:
            self._private_csi(lead, params_[1:], inter, final)
            return
        if inter:
            if inter == "$" and final == DECRQM:  # for an ANSI mode
                mode = number(params_)
                known = mode in modes.ANSI_MODES
                screen.report_mode(mode, mode in screen.mode, known, "")
            elif inter == "!" and final == DECRQM:  # DECSTR
                screen.soft_reset()
            elif inter == '"' and final == DECSCA:
                screen.select_protection(number(params_))
            return  # DECSCUSR (" q") and the rest change nothing we show
        if final == SGR_FINAL:
            screen.select_graphic_rendition_text(params_)
            return
        handler = self._csi_handlers.get(final)
        if handler is not None:
            handler(params(params_))

    def _private_csi(self, lead: str, params_: str, inter: str, final: str) -> None:
        screen = self.screen
        if lead == "?":
            if inter == "$" and final == DECRQM:  # for a DEC private mode
                mode = number(params_)
                known = mode in modes.KNOWN_PRIVATE_MODES
                screen.report_mode(mode, screen._private_mode_on(mode), known, "?")
            elif inter:
                return
            elif final == SM:
                screen.set_mode(*params(params_), private=True)
            elif final == RM:
                screen.reset_mode(*params(params_), private=True)
            elif final == ED:  # DECSED
                screen.erase_in_display(number(params_), private=True)
            elif final == EL:  # DECSEL
                screen.erase_in_line(number(params_), private=True)
            elif final == DSR and number(params_) == 6:  # DECXCPR
                screen.report_cursor("?")
        elif lead == ">" and final == DA and not inter and number(params_) == 0:
            screen.report_terminal_version()
        # Everything else (``CSI > 4;2 m`` modifyOtherKeys, kitty keyboard
        # ``CSI > 1 u`` / ``CSI ? u``, XTVERSION ``CSI > q``...) is ignored.

    def _osc(self, body: str) -> None:
        screen = self.screen
        code, _, arg = body.partition(";")
        if code in ("0", "2"):
            screen.set_title(arg[:MAX_TITLE])
        if code in ("0", "1"):
            screen.set_icon_name(arg[:MAX_TITLE])
        notification = desktop_notification(code, arg)
        if notification is not None:
            screen.desktop_notification(*notification)
