"""TOML as BurntSushi/toml v1.6.0 reads and writes it: Sveltos's ``toToml`` and ``fromToml``.

libsveltos defines ``toToml`` as ``toml.NewEncoder(buf).Encode(v)`` (an encoding error is
returned as the text) and ``fromToml`` as ``toml.Unmarshal`` into a
``map[string]interface{}`` (a parse error is put under the key ``Error``). Both are
reproduced here rule by rule, because a template's output must be byte-identical:

Encoder: a map's keys are written sorted, plain values first and then tables; tables get a
``[a.b]`` header (an empty line before each top-level one) and their keys are indented two
spaces per level; a list of maps is an array of tables (``[[a]]`` before each element); a list
holding a map among other values is written inline (``[{a = 1}, 2]``); strings are always
double-quoted with Go's escapes (``\\u001b`` for control characters); floats are
strconv's shortest ``%g`` plus ``.0`` when it has no dot or exponent (``2.0``, ``1e+06``,
``nan``, ``-inf``); nil values are left out, a list holding nil is an error. A top-level value
that is not a map is written alone (``"x"``, ``[1, 2]``), a top-level list of maps is the error
``toml: top-level values must be Go maps or structs``.

Decoder: the lexer's and parser's states are BurntSushi's, so a bad document gives the same
``toml: line N (last key "k"): message`` text; TOML 1.1 additions that v1.6.0 accepts are
accepted (``\\e``, ``\\xHH``, newlines and a trailing comma in inline tables, times without
seconds). Integers are int64, floats float64; datetimes are ``time.Time`` values (local
dates, times and datetimes in the process's time zone offset, named ``date-local``,
``time-local`` and ``datetime-local`` as BurntSushi does); an array of tables is a
``[]map[string]interface {}``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from navarch.engines.gotemplate import gotime
from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.gofmt import quote
from navarch.engines.gotemplate.goobject import GoValue
from navarch.engines.gotemplate.gostruct import GoStruct
from navarch.engines.gotemplate.values import I64, format_float

# -- time.Time values (gotime.Time) in BurntSushi's locations ------------------------------

# BurntSushi's internal.LocalDatetime/LocalDate/LocalTime: fixed zones at the offset the
# process had when the package was loaded; the encoder recognises them by identity.
_LOCAL_OFFSET = gotime.Time.now().zone()[1]
LOCAL_DATETIME = gotime.fixed_zone("datetime-local", _LOCAL_OFFSET)
LOCAL_DATE = gotime.fixed_zone("date-local", _LOCAL_OFFSET)
LOCAL_TIME = gotime.fixed_zone("time-local", _LOCAL_OFFSET)


# -- lexer (BurntSushi's state machine) -----------------------------------------------------

_EOF = "\0"
_RUNE_ERROR = "\ufffd"


class _Kind:
    ERROR = "Error"
    EOF = "EOF"
    TEXT = "Text"
    STRING = "String"
    STRING_ESC = "StringEsc"
    RAW_STRING = "RawString"
    MULTILINE_STRING = "MultilineString"
    RAW_MULTILINE_STRING = "RawMultilineString"
    BOOL = "Bool"
    INTEGER = "Integer"
    FLOAT = "Float"
    DATETIME = "DateTime"
    ARRAY = "Array"
    ARRAY_END = "ArrayEnd"
    TABLE_START = "TableStart"
    TABLE_END = "TableEnd"
    ARRAY_TABLE_START = "ArrayTableStart"
    ARRAY_TABLE_END = "ArrayTableEnd"
    KEY_START = "KeyStart"
    KEY_END = "KeyEnd"
    COMMENT_START = "CommentStart"
    INLINE_TABLE_START = "InlineTableStart"
    INLINE_TABLE_END = "InlineTableEnd"


_STRINGS = (
    _Kind.STRING,
    _Kind.STRING_ESC,
    _Kind.RAW_STRING,
    _Kind.MULTILINE_STRING,
    _Kind.RAW_MULTILINE_STRING,
)


@dataclass
class _Item:
    kind: str
    val: str
    line: int
    error: str = ""


State = Callable[[], "State | None"]


def _is_whitespace(r: str) -> bool:
    return r in "\t "


def _is_nl(r: str) -> bool:
    return r in "\n\r" and r != ""


def _is_control(r: str) -> bool:
    if r in "\t\r\n":
        return False
    return r <= "\x1f" or r == "\x7f"


def _is_digit(r: str) -> bool:
    return "0" <= r <= "9"


def _is_hex(r: str) -> bool:
    return _is_digit(r) or "a" <= r.lower() <= "f"


def _is_bare_key_char(r: str) -> bool:
    return r.isascii() and (r.isalnum() or r in "_-")


def _is_letter(r: str) -> bool:
    return r.isalpha()


def quote_rune(r: str) -> str:
    """strconv.QuoteRune (fmt's %q of a rune)."""
    if r == "'":
        return "'\\''"
    if r == '"':
        return "'\"'"
    return "'" + quote(r)[1:-1] + "'"


class _Lexer:
    def __init__(self, text: str) -> None:
        self.input = text
        self.start = 0
        self.pos = 0
        self.line = 1
        self.items: list[_Item] = []
        self.stack: list[State] = []
        self.esc = False
        self.at_eof = False
        self.state: State | None = self.lex_top

    def next_item(self) -> _Item:
        while not self.items:
            if self.state is None:  # only after an error or EOF was delivered
                return _Item(_Kind.EOF, "", self.line)
            self.state = self.state()
        return self.items.pop(0)

    # -- primitives ---------------------------------------------------------------------

    def push(self, state: State) -> None:
        self.stack.append(state)

    def pop(self) -> State:
        return self.stack.pop()

    def current(self) -> str:
        return self.input[self.start : self.pos]

    def emit(self, kind: str) -> None:
        self.items.append(_Item(kind, self.current(), self.line))
        self.start = self.pos

    def emit_trim(self, kind: str) -> None:
        self.items.append(_Item(kind, self.current().strip(), self.line))
        self.start = self.pos

    def next(self) -> str:
        if self.pos >= len(self.input):
            self.at_eof = True
            return _EOF
        r = self.input[self.pos]
        if r == "\n":
            self.line += 1
        if _is_control(r) or (
            r == "\r" and (self.pos == len(self.input) - 1 or self.input[self.pos + 1] != "\n")
        ):
            self.error_control_char(r)
            return _RUNE_ERROR
        self.pos += 1
        return r

    def ignore(self) -> None:
        self.start = self.pos

    def backup(self) -> None:
        if self.at_eof:
            self.at_eof = False
            return
        self.pos -= 1
        if self.pos < len(self.input) and self.input[self.pos] == "\n":
            self.line -= 1

    def accept(self, valid: str) -> bool:
        if self.next() == valid:
            return True
        self.backup()
        return False

    def peek(self) -> str:
        r = self.next()
        self.backup()
        return r

    def skip(self, pred: Callable[[str], bool]) -> None:
        while True:
            r = self.next()
            if pred(r):
                continue
            self.backup()
            self.ignore()
            return

    # -- errors ---------------------------------------------------------------------------

    def error(self, message: str) -> None:
        if self.at_eof:
            return self.error_prev_line(message)
        self.items.append(_Item(_Kind.ERROR, "", self.line, message))
        return None

    def error_prev_line(self, message: str) -> None:
        self.items.append(_Item(_Kind.ERROR, "", self.line - 1, message))

    def errorf(self, message: str) -> None:
        line = self.line
        if self.at_eof and self.pos >= 1 and self.input[self.pos - 1] == "\n":
            line -= 1
        self.items.append(_Item(_Kind.ERROR, "", line, message))

    def error_control_char(self, r: str) -> None:
        self.items.append(
            _Item(
                _Kind.ERROR,
                "",
                self.line,
                f"TOML files cannot contain control characters: '0x{ord(r):02x}'",
            )
        )

    # -- states ---------------------------------------------------------------------------

    def lex_top(self) -> State | None:
        r = self.next()
        if _is_whitespace(r) or _is_nl(r):
            self.ignore()
            return self.lex_top
        if r == "#":
            self.push(self.lex_top)
            return self.lex_comment_start
        if r == "[":
            return self.lex_table_start
        if r == _EOF:
            if self.pos > self.start:
                self.errorf("unexpected EOF")
                return None
            self.emit(_Kind.EOF)
            return None
        self.backup()
        self.push(self.lex_top_end)
        return self.lex_key_start

    def lex_top_end(self) -> State | None:
        r = self.next()
        if r == "#":
            self.push(self.lex_top)
            return self.lex_comment_start
        if _is_whitespace(r):
            return self.lex_top_end
        if _is_nl(r):
            self.ignore()
            return self.lex_top
        if r == _EOF:
            self.emit(_Kind.EOF)
            return None
        self.errorf(
            "expected a top-level item to end with a newline, comment, or EOF, "
            f"but got {quote_rune(r)} instead"
        )
        return None

    def lex_table_start(self) -> State | None:
        if self.peek() == "[":
            self.next()
            self.emit(_Kind.ARRAY_TABLE_START)
            self.push(self.lex_array_table_end)
        else:
            self.emit(_Kind.TABLE_START)
            self.push(self.lex_table_end)
        return self.lex_table_name_start

    def lex_table_end(self) -> State | None:
        self.emit(_Kind.TABLE_END)
        return self.lex_top_end

    def lex_array_table_end(self) -> State | None:
        r = self.next()
        if r != "]":
            self.errorf(
                f"expected end of table array name delimiter ']', but got {quote_rune(r)} instead"
            )
            return None
        self.emit(_Kind.ARRAY_TABLE_END)
        return self.lex_top_end

    def lex_table_name_start(self) -> State | None:
        self.skip(_is_whitespace)
        r = self.peek()
        if r in ("]", _EOF):
            self.errorf("unexpected end of table name (table names cannot be empty)")
            return None
        if r == ".":
            self.errorf("unexpected table separator (table names cannot be empty)")
            return None
        if r in "\"'":
            self.ignore()
            self.push(self.lex_table_name_end)
            return self.lex_quoted_name
        self.push(self.lex_table_name_end)
        return self.lex_bare_name

    def lex_table_name_end(self) -> State | None:
        self.skip(_is_whitespace)
        r = self.next()
        if r == ".":
            self.ignore()
            return self.lex_table_name_start
        if r == "]":
            return self.pop()
        self.errorf(f"expected '.' or ']' to end table name, but got {quote_rune(r)} instead")
        return None

    def lex_bare_name(self) -> State | None:
        r = self.next()
        if _is_bare_key_char(r):
            return self.lex_bare_name
        self.backup()
        self.emit(_Kind.TEXT)
        return self.pop()

    def lex_quoted_name(self) -> State | None:
        r = self.next()
        if r == '"':
            self.ignore()
            return self.lex_string
        if r == "'":
            self.ignore()
            return self.lex_raw_string
        if _is_whitespace(r):
            self.ignore()
            return self.lex_value
        if r == _EOF:
            self.errorf("unexpected EOF; expected value")
            return None
        self.errorf(f"expected value but found {quote_rune(r)} instead")
        return None

    def lex_key_start(self) -> State | None:
        self.skip(_is_whitespace)
        r = self.peek()
        if r in ("=", _EOF):
            self.errorf("unexpected '=': key name appears blank")
            return None
        if r == ".":
            self.errorf("unexpected '.': keys cannot start with a '.'")
            return None
        if r in "\"'":
            self.ignore()
        self.emit(_Kind.KEY_START)
        return self.lex_key_name_start

    def lex_key_name_start(self) -> State | None:
        self.skip(_is_whitespace)
        r = self.peek()
        if r in "\"'" and r != _EOF:
            self.ignore()
            self.push(self.lex_key_end)
            return self.lex_quoted_name
        if r in ("=", _EOF) or r == ".":
            # unreachable in practice (BurntSushi's "TODO: never reached"), kept for parity
            self.errorf("unexpected '='" if r != "." else "unexpected '.'")
            return None
        self.push(self.lex_key_end)
        return self.lex_bare_name

    def lex_key_end(self) -> State | None:
        self.skip(_is_whitespace)
        r = self.next()
        if _is_whitespace(r):
            self.ignore()
            return self.lex_key_end
        if r == _EOF:
            self.errorf("unexpected EOF; expected key separator '='")
            return None
        if r == ".":
            self.ignore()
            return self.lex_key_name_start
        if r == "=":
            self.emit(_Kind.KEY_END)
            self.ignore()
            return self.lex_value
        message = f"expected '.' or '=', but got {quote_rune(r)} instead"
        if r == "\n":
            self.error_prev_line(message)
        else:
            self.errorf(message)
        return None

    def lex_value(self) -> State | None:
        r = self.next()
        if _is_whitespace(r):
            self.ignore()
            return self.lex_value
        if _is_digit(r):
            self.backup()
            return self.lex_number_or_date_start
        if r == "[":
            self.ignore()
            self.emit(_Kind.ARRAY)
            return self.lex_array_value
        if r == "{":
            self.ignore()
            self.emit(_Kind.INLINE_TABLE_START)
            return self.lex_inline_table_value
        if r == '"':
            if self.accept('"'):
                if self.accept('"'):
                    self.ignore()
                    return self.lex_multiline_string
                self.backup()
            self.ignore()
            return self.lex_string
        if r == "'":
            if self.accept("'"):
                if self.accept("'"):
                    self.ignore()
                    return self.lex_multiline_raw_string
                self.backup()
            self.ignore()
            return self.lex_raw_string
        if r == ".":
            self.errorf("floats must start with a digit, not '.'")
            return None
        if r in ("i", "n") and (
            (self.accept("n") and self.accept("f")) or (self.accept("a") and self.accept("n"))
        ):
            self.emit(_Kind.FLOAT)
            return self.pop()
        if r in ("-", "+"):
            return self.lex_decimal_number_start
        if r != _EOF and _is_letter(r):
            self.backup()
            return self.lex_bool
        if r == _EOF:
            self.errorf("unexpected EOF; expected value")
            return None
        if r == "\n":
            self.error_prev_line(f"expected value but found {quote_rune(r)} instead")
            return None
        self.errorf(f"expected value but found {quote_rune(r)} instead")
        return None

    def lex_array_value(self) -> State | None:
        r = self.next()
        if _is_whitespace(r) or _is_nl(r):
            self.ignore()
            return self.lex_array_value
        if r == "#":
            self.push(self.lex_array_value)
            return self.lex_comment_start
        if r == ",":
            self.errorf("unexpected comma")
            return None
        if r == "]":
            return self.lex_array_end
        self.backup()
        self.push(self.lex_array_value_end)
        return self.lex_value

    def lex_array_value_end(self) -> State | None:
        r = self.next()
        if _is_whitespace(r) or _is_nl(r):
            self.ignore()
            return self.lex_array_value_end
        if r == "#":
            self.push(self.lex_array_value_end)
            return self.lex_comment_start
        if r == ",":
            self.ignore()
            return self.lex_array_value
        if r == "]":
            return self.lex_array_end
        self.errorf(f"expected a comma (',') or array terminator (']'), but got {_rune_or_eof(r)}")
        return None

    def lex_array_end(self) -> State | None:
        self.ignore()
        self.emit(_Kind.ARRAY_END)
        return self.pop()

    def lex_inline_table_value(self) -> State | None:
        r = self.next()
        if _is_whitespace(r) or _is_nl(r):
            self.ignore()
            return self.lex_inline_table_value
        if r == "#":
            self.push(self.lex_inline_table_value)
            return self.lex_comment_start
        if r == ",":
            self.errorf("unexpected comma")
            return None
        if r == "}":
            return self.lex_inline_table_end
        self.backup()
        self.push(self.lex_inline_table_value_end)
        return self.lex_key_start

    def lex_inline_table_value_end(self) -> State | None:
        r = self.next()
        if _is_whitespace(r) or _is_nl(r):
            self.ignore()
            return self.lex_inline_table_value_end
        if r == "#":
            self.push(self.lex_inline_table_value_end)
            return self.lex_comment_start
        if r == ",":
            self.ignore()
            self.skip(_is_whitespace)
            if self.peek() == "}":
                return self.lex_inline_table_value_end
            return self.lex_inline_table_value
        if r == "}":
            return self.lex_inline_table_end
        self.errorf(
            "expected a comma or an inline table terminator '}', "
            f"but got {_rune_or_eof(r)} instead"
        )
        return None

    def lex_inline_table_end(self) -> State | None:
        self.ignore()
        self.emit(_Kind.INLINE_TABLE_END)
        return self.pop()

    def lex_string(self) -> State | None:
        r = self.next()
        if r == _EOF:
            self.errorf("unexpected EOF; expected '\"'")
            return None
        if _is_nl(r):
            self.error_prev_line("strings cannot contain newlines")
            return None
        if r == "\\":
            self.push(self.lex_string)
            return self.lex_string_escape
        if r == '"':
            self.backup()
            if self.esc:
                self.esc = False
                self.emit(_Kind.STRING_ESC)
            else:
                self.emit(_Kind.STRING)
            self.next()
            self.ignore()
            return self.pop()
        return self.lex_string

    def lex_multiline_string(self) -> State | None:
        r = self.next()
        if r == _EOF:
            self.errorf('unexpected EOF; expected \'"""\'')
            return None
        if r == "\\":
            return self.lex_multiline_string_escape
        if r == '"' and self.accept('"'):
            if self.accept('"'):
                if self.peek() == '"':
                    current = self.current()
                    if current.endswith('"""""') and not current.endswith('\\"""""'):
                        self.errorf('unexpected \'""""""\'')
                        return None
                    self.backup()
                    self.backup()
                    return self.lex_multiline_string
                self.backup()
                self.backup()
                self.backup()
                self.esc = False
                self.emit(_Kind.MULTILINE_STRING)
                self.next()
                self.next()
                self.next()
                self.ignore()
                return self.pop()
            self.backup()
        return self.lex_multiline_string

    def lex_raw_string(self) -> State | None:
        r = self.next()
        if r == _EOF:
            self.errorf('unexpected EOF; expected "\'"')
            return None
        if _is_nl(r):
            self.error_prev_line("strings cannot contain newlines")
            return None
        if r == "'":
            self.backup()
            self.emit(_Kind.RAW_STRING)
            self.next()
            self.ignore()
            return self.pop()
        return self.lex_raw_string

    def lex_multiline_raw_string(self) -> State | None:
        r = self.next()
        if r == _EOF:
            self.errorf("unexpected EOF; expected \"'''\"")
            return None
        if r == "'" and self.accept("'"):
            if self.accept("'"):
                if self.peek() == "'":
                    if self.current().endswith("'''''"):
                        self.errorf("unexpected \"''''''\"")
                        return None
                    self.backup()
                    self.backup()
                    return self.lex_multiline_raw_string
                self.backup()
                self.backup()
                self.backup()
                self.emit(_Kind.RAW_MULTILINE_STRING)
                self.next()
                self.next()
                self.next()
                self.ignore()
                return self.pop()
            self.backup()
        return self.lex_multiline_raw_string

    def lex_multiline_string_escape(self) -> State | None:
        if _is_nl(self.next()):
            return self.lex_multiline_string
        self.backup()
        self.push(self.lex_multiline_string)
        return self.lex_string_escape()

    def lex_string_escape(self) -> State | None:
        self.esc = True
        r = self.next()
        if r in ("e", "b", "t", "n", "f", "r", '"', " ", "\t", "\\"):
            return self.pop()
        if r == "x":
            return self.lex_hex_escape(2, "two", "\\x")
        if r == "u":
            return self.lex_hex_escape(4, "four", "\\u")
        if r == "U":
            return self.lex_hex_escape(8, "eight", "\\U")
        self.error(f"invalid escape in string '\\{r if r != _EOF else chr(0)}'")
        return None

    def lex_hex_escape(self, count: int, word: str, prefix: str) -> State | None:
        for _ in range(count):
            if not _is_hex(self.next()):
                self.errorf(
                    f"expected {word} hexadecimal digits after '{prefix}', "
                    f"but got {quote(self.current())} instead"
                )
                return None
        return self.pop()

    def lex_number_or_date_start(self) -> State | None:
        if self.next() == "0":
            return self.lex_base_number_or_date
        return self.lex_number_or_date

    def lex_number_or_date(self) -> State | None:
        r = self.next()
        if _is_digit(r):
            return self.lex_number_or_date
        if r in ("-", ":"):
            return self.lex_datetime
        if r == "_":
            return self.lex_decimal_number
        if r in (".", "e", "E"):
            return self.lex_float
        self.backup()
        self.emit(_Kind.INTEGER)
        return self.pop()

    def lex_datetime(self) -> State | None:
        r = self.next()
        if _is_digit(r) or (r != _EOF and r in "-:Tt .Zz+"):
            return self.lex_datetime
        self.backup()
        self.emit_trim(_Kind.DATETIME)
        return self.pop()

    def _lex_based(self, valid: Callable[[str], bool]) -> State | None:
        r = self.next()
        if valid(r) or r == "_":
            return lambda: self._lex_based(valid)
        self.backup()
        self.emit(_Kind.INTEGER)
        return self.pop()

    def lex_decimal_number(self) -> State | None:
        r = self.next()
        if _is_digit(r) or r == "_":
            return self.lex_decimal_number
        if r in (".", "e", "E"):
            return self.lex_float
        self.backup()
        self.emit(_Kind.INTEGER)
        return self.pop()

    def lex_decimal_number_start(self) -> State | None:
        r = self.next()
        if r == "i":
            if not self.accept("n") or not self.accept("f"):
                self.errorf(f"invalid float: '{self.current()}'")
                return None
            self.emit(_Kind.FLOAT)
            return self.pop()
        if r == "n":
            if not self.accept("a") or not self.accept("n"):
                self.errorf(f"invalid float: '{self.current()}'")
                return None
            self.emit(_Kind.FLOAT)
            return self.pop()
        if r == "0":
            following = self.peek()
            if following in ("b", "o", "x"):
                self.errorf(
                    f"cannot use sign with non-decimal numbers: '{self.current()}{following}'"
                )
                return None
        elif r == ".":
            self.errorf("floats must start with a digit, not '.'")
            return None
        if _is_digit(r):
            return self.lex_decimal_number
        self.errorf(f"expected a digit but got {quote_rune(r)}")
        return None

    def lex_base_number_or_date(self) -> State | None:
        r = self.next()
        if _is_digit(r):
            return self.lex_number_or_date
        if r == "_":
            return self.lex_decimal_number
        if r in (".", "e", "E"):
            return self.lex_float
        bases: dict[str, tuple[Callable[[str], bool], str]] = {
            "b": (lambda c: c in ("0", "1"), "binary"),
            "o": (lambda c: "0" <= c <= "7", "octal"),
            "x": (_is_hex, "hexadecimal"),
        }
        if r in bases:
            valid, name = bases[r]
            following = self.peek()
            if not valid(following):
                # Go emits the error and goes on lexing; the parser stops at the error
                self.errorf(f"not a {name} number: '{self.current()}{following}'")
            return lambda: self._lex_based(valid)
        self.backup()
        self.emit(_Kind.INTEGER)
        return self.pop()

    def lex_float(self) -> State | None:
        r = self.next()
        if _is_digit(r) or (r != _EOF and r in "_.-+eE"):
            return self.lex_float
        self.backup()
        self.emit(_Kind.FLOAT)
        return self.pop()

    def lex_bool(self) -> State | None:
        chars = []
        while True:
            r = self.next()
            if r == _EOF or not _is_letter(r):
                self.backup()
                break
            chars.append(r)
        word = "".join(chars)
        if word in ("true", "false"):
            self.emit(_Kind.BOOL)
            return self.pop()
        self.errorf(f"expected value but found {quote(word)} instead")
        return None

    def lex_comment_start(self) -> State | None:
        self.ignore()
        self.emit(_Kind.COMMENT_START)
        return self.lex_comment

    def lex_comment(self) -> State | None:
        r = self.next()
        if _is_nl(r) or r == _EOF:
            self.backup()
            self.emit(_Kind.TEXT)
            return self.pop()
        return self.lex_comment


def _rune_or_eof(r: str) -> str:
    return "end of file" if r == _EOF else f"'{r}'"


# -- parser ---------------------------------------------------------------------------------


class TableArray(list[Any]):
    """An array of tables: Go's []map[string]interface {}."""

    GO_TYPE: ClassVar[str] = "[]map[string]interface {}"


class TomlError(Exception):
    """A ParseError; ``str()`` is its Error() text."""

    def __init__(self, line: int, last_key: str, message: str) -> None:
        if last_key:
            text = f"toml: line {line} (last key {quote(last_key)}): {message}"
        else:
            text = f"toml: line {line}: {message}"
        super().__init__(text)


class _Bug(Exception):
    """BurntSushi's parser.bug: a panic that is not a ParseError."""


_INTEGER, _FLOAT, _DATETIME, _STRING_T, _BOOL_T = "Integer", "Float", "Datetime", "String", "Bool"
_ARRAY_T, _HASH_T, _ARRAY_HASH_T = "Array", "Hash", "ArrayHash"


def key_string(key: list[str]) -> str:
    """toml.Key.String: dotted, parts quoted when not bare."""
    parts = []
    for part in key:
        if part == "":
            parts.append('""')
        elif all(_is_bare_key_char(c) for c in part):
            parts.append(part)
        else:
            parts.append('"' + _escape(part) + '"')
    return ".".join(parts)


class _Parser:
    def __init__(self, text: str) -> None:
        self.lx = _Lexer(text)
        self.context: list[str] = []
        self.current_key = ""
        self.pos_line = 0
        self.types: dict[str, str] = {}
        self.mapping: dict[str, Any] = {}
        self.implicits: set[str] = set()

    # -- errors and items ---------------------------------------------------------------------

    def current(self) -> str:
        if not self.current_key:
            return key_string(self.context)
        if not self.context:
            return self.current_key
        return f"{key_string(self.context)}.{self.current_key}"

    def fail_at(self, line: int, message: str) -> TomlError:
        return TomlError(line, self.current(), message)

    def next(self) -> _Item:
        item = self.lx.next_item()
        if item.kind == _Kind.ERROR:
            raise self.fail_at(item.line, item.error)
        return item

    def next_pos(self) -> _Item:
        item = self.next()
        self.pos_line = item.line
        return item

    def expect(self, kind: str) -> _Item:
        item = self.next()
        if item.kind != kind:
            raise _Bug(f"Expected '{kind}' but got '{item.kind}'.")
        return item

    # -- structure ----------------------------------------------------------------------------

    def parse(self) -> dict[str, Any]:
        while True:
            item = self.next()
            if item.kind == _Kind.EOF:
                return self.mapping
            self.top_level(item)

    def read_key(self, first: _Item, end: str) -> list[str]:
        key = []
        item = first
        while item.kind not in (end, _Kind.EOF):
            key.append(self.key_part(item))
            item = self.next()
        if item.kind != end:
            raise _Bug(f"Expected '{end}' but got '{item.kind}'.")
        return key

    def top_level(self, item: _Item) -> None:
        if item.kind == _Kind.COMMENT_START:
            self.expect(_Kind.TEXT)
        elif item.kind in (_Kind.TABLE_START, _Kind.ARRAY_TABLE_START):
            array = item.kind == _Kind.ARRAY_TABLE_START
            key = self.read_key(
                self.next_pos(), _Kind.ARRAY_TABLE_END if array else _Kind.TABLE_END
            )
            self.add_context(key, array)
            self.set_type("", _ARRAY_HASH_T if array else _HASH_T)
        elif item.kind == _Kind.KEY_START:
            outer = list(self.context)
            key = self.read_key(self.next_pos(), _Kind.KEY_END)
            self.current_key = key[-1]
            for part in key[:-1]:
                self.add_implicit_context([*self.context, part])
            value_item = self.next()
            value, typ = self.value(value_item, False)
            self.set_value(self.current_key, value)
            self.set_type(self.current_key, typ)
            self.context = outer
            self.current_key = ""
        else:
            raise _Bug(f"Unexpected type at top level: {item.kind}")

    def key_part(self, item: _Item) -> str:
        if item.kind == _Kind.TEXT:
            return item.val
        if item.kind in _STRINGS:
            value, _ = self.value(item, False)
            return str(value)
        raise _Bug(f"Unexpected key type: {item.kind}")

    def add_context(self, key: list[str], array: bool) -> None:
        hash_context = self.mapping
        key_context: list[str] = []
        for part in key[:-1]:
            key_context.append(part)
            if part not in hash_context:
                self.implicits.add(key_string(key_context))
                hash_context[part] = {}
            found = hash_context[part]
            if isinstance(found, TableArray):
                hash_context = found[-1]
            elif isinstance(found, dict):
                hash_context = found
            else:
                raise self.fail_at(
                    self.pos_line, f"Key '{key_string(key_context)}' was already created as a hash."
                )
        self.context = key_context
        if array:
            last = key[-1]
            if last not in hash_context:
                hash_context[last] = TableArray()
            found = hash_context[last]
            if isinstance(found, TableArray):
                found.append({})
            else:
                raise self.fail_at(
                    self.pos_line,
                    f"Key '{key_string(key)}' was already created and cannot be used as an array.",
                )
        else:
            self.set_value(key[-1], {})
        self.context = [*self.context, key[-1]]

    def add_implicit_context(self, key: list[str]) -> None:
        self.implicits.add(key_string(key))
        self.add_context(key, False)

    def set_value(self, key: str, value: Any) -> None:
        hash_: dict[str, Any] = self.mapping
        key_context: list[str] = []
        for part in self.context:
            key_context.append(part)
            if part not in hash_:
                raise _Bug(f"Context for key '{key_string(key_context)}' has not been established.")
            found = hash_[part]
            if isinstance(found, TableArray):
                hash_ = found[-1]
            elif isinstance(found, dict):
                hash_ = found
            else:
                raise self.fail_at(
                    self.pos_line, f"Key '{key_string(key_context)}' has already been defined."
                )
        key_context.append(key)
        name = key_string(key_context)
        if key in hash_:
            if self.types.get(name) == _ARRAY_T:
                if name not in self.implicits:
                    raise self.fail_at(self.pos_line, f"Key '{name}' has already been defined.")
                self.implicits.discard(name)
                hash_[key] = value
                return
            if name in self.implicits:
                self.implicits.discard(name)
                return
            raise self.fail_at(self.pos_line, f"Key '{name}' has already been defined.")
        hash_[key] = value

    def set_type(self, key: str, typ: str) -> None:
        key_context = [*self.context, key] if key else list(self.context)
        if not key_context:
            key_context = [""]
        self.types[key_string(key_context)] = typ

    # -- values -----------------------------------------------------------------------------

    def value(self, item: _Item, parent_is_array: bool) -> tuple[Any, str]:
        kind = item.kind
        if kind in (_Kind.STRING, _Kind.RAW_STRING):
            return item.val, _STRING_T
        if kind == _Kind.STRING_ESC:
            return self.replace_escapes(item, item.val), _STRING_T
        if kind == _Kind.MULTILINE_STRING:
            text = _strip_escaped_newlines(_strip_first_newline(item.val))
            return self.replace_escapes(item, text), _STRING_T
        if kind == _Kind.RAW_MULTILINE_STRING:
            return _strip_first_newline(item.val), _STRING_T
        if kind == _Kind.INTEGER:
            return self.value_integer(item), _INTEGER
        if kind == _Kind.FLOAT:
            return self.value_float(item), _FLOAT
        if kind == _Kind.BOOL:
            return item.val == "true", _BOOL_T
        if kind == _Kind.DATETIME:
            return self.value_datetime(item), _DATETIME
        if kind == _Kind.ARRAY:
            return self.value_array(), _ARRAY_T
        if kind == _Kind.INLINE_TABLE_START:
            return self.value_inline_table(parent_is_array), _HASH_T
        raise _Bug(f"Unexpected value type: {kind}")

    def value_integer(self, item: _Item) -> int:
        text = item.val
        if not _underscores_ok(text):
            raise self.fail_at(
                item.line,
                f"Invalid integer {quote(text)}: underscores must be surrounded by digits",
            )
        if _has_leading_zero(text):
            raise self.fail_at(
                item.line, f"Invalid integer {quote(text)}: cannot have leading zeroes"
            )
        try:
            value = _parse_int(text)
        except ValueError:
            raise _Bug(f"Expected integer value, but got '{text}'.") from None
        if not -(2**63) <= value < 2**63:
            raise self.fail_at(item.line, f"{text} is out of range for int64")
        return I64(value)

    def value_float(self, item: _Item) -> float:
        text = item.val
        parts = [p for p in _split_any(text, ".eE") if p]
        for part in parts:
            if not _underscores_ok(part):
                raise self.fail_at(
                    item.line,
                    f"Invalid float {quote(text)}: underscores must be surrounded by digits",
                )
        if parts and _has_leading_zero(parts[0]):
            raise self.fail_at(
                item.line, f"Invalid float {quote(text)}: cannot have leading zeroes"
            )
        if not _periods_ok(text):
            raise self.fail_at(
                item.line,
                f"Invalid float {quote(text)}: '.' must be followed by one or more digits",
            )
        plain = text.replace("_", "")
        negative_nan = plain == "-nan"
        if plain in ("+nan", "-nan"):
            plain = "nan"
        value = _parse_go_float(plain)
        if value is None:
            raise self.fail_at(item.line, f"Invalid float value: {quote(text)}")
        if value == "range":
            raise self.fail_at(item.line, f"{text} is out of range for float64")
        assert isinstance(value, float)
        return -value if negative_nan else value

    def value_datetime(self, item: _Item) -> gotime.Time:
        text = item.val.replace("z", "Z").replace("t", "T").replace(" ", "T")
        for layout, location in _DATETIME_LAYOUTS:
            parsed = _parse_time(layout, text, location)
            if parsed is not None:
                if _missing_leading_zero(text, layout):
                    break
                return parsed
        raise self.fail_at(item.line, f"invalid datetime: {quote(text)}")

    def value_array(self) -> list[Any]:
        self.set_type(self.current_key, _ARRAY_T)
        array: list[Any] = []
        item = self.next()
        while item.kind != _Kind.ARRAY_END:
            if item.kind == _Kind.COMMENT_START:
                self.expect(_Kind.TEXT)
            else:
                value, _ = self.value(item, True)
                array.append(value)
            item = self.next()
        return array

    def value_inline_table(self, parent_is_array: bool) -> dict[str, Any]:
        top: dict[str, Any] = {}
        outer_context = list(self.context)
        outer_key = self.current_key
        self.context = [*self.context, self.current_key]
        previous_context = list(self.context)
        self.current_key = ""
        self.implicits.add(key_string(self.context))
        self.add_context(list(self.context), parent_is_array)
        item = self.next()
        while item.kind != _Kind.INLINE_TABLE_END:
            if item.kind == _Kind.COMMENT_START:
                self.expect(_Kind.TEXT)
                item = self.next()
                continue
            key = self.read_key(self.next_pos(), _Kind.KEY_END)
            self.current_key = key[-1]
            context = key[:-1]
            for part in context:
                self.add_implicit_context([*self.context, part])
            value, typ = self.value(self.next(), False)
            self.set_value(self.current_key, value)
            self.set_type(self.current_key, typ)
            hash_ = top
            for part in context:
                if part not in hash_:
                    hash_[part] = {}
                found = hash_[part]
                if not isinstance(found, dict):
                    raise self.fail_at(self.pos_line, f"{_quote_key(self.context)} is not a table")
                hash_ = found
            hash_[self.current_key] = value
            self.context = list(previous_context)
            item = self.next()
        self.context = outer_context
        self.current_key = outer_key
        return top

    def replace_escapes(self, item: _Item, text: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            code = text[i + 1]
            if code in " \t":
                raise self.fail_at(item.line, f"invalid escape: '\\{code}'")
            simple = _SIMPLE_ESCAPES.get(code)
            if simple is not None:
                out.append(simple)
                i += 2
                continue
            digits = {"x": 2, "u": 4, "U": 8}.get(code)
            if digits is None:
                raise _Bug(f"Expected valid escape code after \\, but got {quote_rune(code)}.")
            hex_text = text[i + 2 : i + 2 + digits]
            value = int(hex_text, 16)
            if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise self.fail_at(
                    item.line, f"Escaped character '\\u{hex_text}' is not valid UTF-8."
                )
            out.append(chr(value))
            i += 2 + digits
        return "".join(out)


_SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    '"': '"',
    "\\": "\\",
}


def _quote_key(key: list[str]) -> str:
    """fmt's %q of a toml.Key (a []string): ["a" "b"]."""
    return "[" + " ".join(quote(k) for k in key) + "]"


def _strip_first_newline(text: str) -> str:
    if text.startswith("\n"):
        return text[1:]
    if text.startswith("\r\n"):
        return text[2:]
    return text


def _strip_escaped_newlines(text: str) -> str:
    """Drop a line-ending backslash and the white space after it (BurntSushi's rule)."""
    out: list[str] = []
    i = 0
    while True:
        found = text.find("\\", i)
        if found < 0:
            out.append(text)
            return "".join(out)
        i = found
        if i + 1 < len(text) and text[i + 1] == "\\":
            i += 2
            continue
        j = i + 1
        while j < len(text) and text[j] in " \t\r\n":
            j += 1
        if j == i + 1 or "\n" not in text[i:j]:
            i += 1
            continue
        out.append(text[:i])
        text = text[j:]
        i = 0


def _split_any(text: str, separators: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _has_leading_zero(text: str) -> bool:
    if len(text) > 1 and text[0] == "0" and text[1] not in "box":
        return True
    return len(text) > 2 and text[0] in "+-" and text[1] == "0"


def _underscores_ok(text: str) -> bool:
    if text in ("nan", "+nan", "-nan", "inf", "-inf", "+inf"):
        return True
    accept = False
    for ch in text:
        if ch == "_" and not accept:
            return False
        accept = _is_hex(ch)
    return accept


def _periods_ok(text: str) -> bool:
    period = False
    for ch in text:
        if period and not _is_digit(ch):
            return False
        period = ch == "."
    return not period


def _parse_int(text: str) -> int:
    """strconv.ParseInt(s, 0, 64) without the range check (ValueError when malformed)."""
    sign = 1
    body = text
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    base = 10
    prefix = body[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        base = {"0x": 16, "0o": 8, "0b": 2}[prefix]
        body = body[2:]
        if body.startswith("_"):
            body = body[1:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    if not body or body.startswith("_") or body.endswith("_") or "__" in body:
        raise ValueError(text)
    return sign * int(body.replace("_", ""), base)


_FLOAT_SYNTAX = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _parse_go_float(text: str) -> float | str | None:
    """strconv.ParseFloat(s, 64): the value, "range" when out of range, None when bad."""
    lowered = text.lower()
    if lowered.lstrip("+-") in ("inf", "infinity", "nan"):
        return float(lowered)
    if not _FLOAT_SYNTAX.fullmatch(text):
        return None
    value = float(text)
    if math.isinf(value):
        return "range"
    return value


# -- datetimes ------------------------------------------------------------------------------

_DATETIME_LAYOUTS: tuple[tuple[str, Any], ...] = (
    ("2006-01-02T15:04:05.999999999Z07:00", None),  # time.Local
    ("2006-01-02T15:04:05.999999999", LOCAL_DATETIME),
    ("2006-01-02", LOCAL_DATE),
    ("15:04:05.999999999", LOCAL_TIME),
    ("2006-01-02T15:04Z07:00", None),
    ("2006-01-02T15:04", LOCAL_DATETIME),
    ("15:04", LOCAL_TIME),
)


def _parse_time(layout: str, value: str, location: Any) -> gotime.Time | None:
    """time.ParseInLocation(layout, value, location or time.Local); None when it fails."""
    where = gotime.local() if location is None else location
    try:
        return gotime.parse_time(layout, value, where, where)
    except gotime.TimeError:
        return None


def _missing_leading_zero(value: str, layout: str) -> bool:
    for i, ch in enumerate(layout):
        if ch in ".Z":
            return False
        if not _is_digit(ch) and value[i] != ch:
            return True
    return False


# -- decoding entry point -------------------------------------------------------------------


def loads(text: str) -> dict[str, Any]:
    """toml.Unmarshal into a map[string]interface{}; TomlError on a bad document."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if b"\0" in text.encode()[:6]:
        raise TomlError(
            1,
            "",
            "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8",
        )
    return _Parser(text).parse()


# -- encoder --------------------------------------------------------------------------------


class TomlEncodeError(Exception):
    """BurntSushi's tomlEncodeError: toToml returns its text."""


class GoPanic(Exception):
    """A reflect panic inside the encoder: the template call fails with it."""


_ERR_NIL_ELEMENT = "toml: cannot encode array with nil element"
_ERR_NO_KEY = "toml: top-level values must be Go maps or structs"


def _escape(text: str) -> str:
    """BurntSushi's dblQuotedReplacer."""
    out = []
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _maybe_quoted(part: str) -> str:
    if part == "":
        return '""'
    if all(_is_bare_key_char(c) for c in part):
        return part
    return '"' + _escape(part) + '"'


# Go values of named types whose MarshalText the encoder uses (written as a quoted string)
_TEXT_MARSHALERS = ("*semver.Version", "semver.Version")


def _is_text_marshaler(value: Any) -> bool:
    return isinstance(value, GoValue) and value.go_type_name() in _TEXT_MARSHALERS


def _is_struct(value: Any) -> bool:
    """A Go struct (or pointer to one) the encoder writes as a table: exported fields only."""
    if isinstance(value, GoStruct):
        return True
    return (
        isinstance(value, GoValue)
        and not isinstance(value, gotime.Time)
        and value.go_kind() in ("struct", "ptr")
        and not _is_text_marshaler(value)
    )


def _struct_fields(value: Any) -> list[tuple[str, Any]]:
    return list(value.go_fields()) if isinstance(value, GoStruct) else []


def _toml_type(value: Any) -> str | None:
    """tomlTypeOfGo (None for nil)."""
    if value is None:
        return None
    if isinstance(value, gotime.Time):
        return _DATETIME
    if _is_text_marshaler(value):
        return _STRING_T
    if isinstance(value, dict) or _is_struct(value):
        return _HASH_T
    if isinstance(value, bool):
        return _BOOL_T
    if isinstance(value, int):
        return _INTEGER
    if isinstance(value, float):
        return _FLOAT
    if isinstance(value, str):
        return _STRING_T
    if isinstance(value, list | tuple):
        return _ARRAY_HASH_T if _is_table_array(value) else _ARRAY_T
    raise TomlEncodeError(f"unsupported type: {type(value).__name__}")


def _is_table_array(items: list[Any] | tuple[Any, ...]) -> bool:
    if not items:
        return False
    tables = True
    for item in items:
        kind = _toml_type(item)
        if kind is None:
            raise TomlEncodeError(_ERR_NIL_ELEMENT)
        if kind != _HASH_T:
            tables = False
    return tables


def _is_table(value: Any) -> bool:
    return _toml_type(value) in (_HASH_T, _ARRAY_HASH_T)


def _go_key_order(key: str) -> bytes:
    return key.encode()


class _Encoder:
    indent = "  "

    def __init__(self) -> None:
        self.out: list[str] = []
        self.has_written = False

    def write(self, text: str) -> None:
        self.out.append(text)
        self.has_written = True

    def newline(self) -> None:
        if self.has_written:
            self.write("\n")

    def indent_of(self, key: list[str]) -> str:
        return self.indent * (len(key) - 1)

    def encode(self, key: list[str], value: Any) -> None:
        if value is None:
            raise GoPanic("reflect: call of reflect.Value.Type on zero Value")
        if isinstance(value, gotime.Time | bool | int | float | str) or _is_text_marshaler(value):
            self.write_key_value(key, value, inline=False)
        elif isinstance(value, list | tuple):
            if _toml_type(value) == _ARRAY_HASH_T:
                self.array_of_tables(key, value)
            else:
                self.write_key_value(key, value, inline=False)
        elif isinstance(value, dict) or _is_struct(value):
            self.table(key, value)
        else:
            raise TomlEncodeError(
                f"unsupported type for key '{key_string(key)}': {type(value).__name__}"
            )

    def element(self, value: Any) -> None:
        if isinstance(value, gotime.Time):
            self.write(_toml_time(value))
        elif isinstance(value, gotime.Duration) or _is_text_marshaler(value):
            self.write('"' + _escape(str(value.go_string())) + '"')
        elif isinstance(value, str):
            self.write('"' + _escape(value) + '"')
        elif isinstance(value, bool):
            self.write("true" if value else "false")
        elif isinstance(value, int):
            self.write(str(int(value)))
        elif isinstance(value, float):
            self.write(_toml_float(value))
        elif isinstance(value, list | tuple):
            self.write("[")
            for i, item in enumerate(value):
                self.element(item)
                if i != len(value) - 1:
                    self.write(", ")
            self.write("]")
        elif _is_struct(value):
            self.struct([], value, inline=True)
        elif isinstance(value, dict):
            self.map([], value, inline=True)
        elif value is None:
            raise GoPanic("reflect: call of reflect.Value.Interface on zero Value")
        else:
            raise TomlEncodeError(f"unexpected type: {type(value).__name__}")

    def array_of_tables(self, key: list[str], items: list[Any] | tuple[Any, ...]) -> None:
        if not key:
            raise TomlEncodeError(_ERR_NO_KEY)
        for item in items:
            if item is None:
                continue
            self.newline()
            self.write(f"{self.indent_of(key)}[[{key_string(key)}]]")
            self.newline()
            self.map_or_struct(key, item, inline=False)

    def table(self, key: list[str], value: Any) -> None:
        if len(key) == 1:
            self.newline()  # an empty line between top-level tables
        if key:
            self.write(f"{self.indent_of(key)}[{key_string(key)}]")
            self.newline()
        self.map_or_struct(key, value, inline=False)

    def map_or_struct(self, key: list[str], value: Any, inline: bool) -> None:
        if _is_struct(value):
            self.struct(key, value, inline)
        else:
            self.map(key, value, inline)

    def map(self, key: list[str], value: dict[str, Any], inline: bool) -> None:
        direct = [k for k, v in value.items() if not _is_table(v)]
        sub = [k for k, v in value.items() if _is_table(v)]

        def write_keys(keys: list[str], trailing_comma: bool) -> None:
            keys = sorted(keys, key=_go_key_order)
            for i, name in enumerate(keys):
                item = value[name]
                if item is None:
                    continue
                if inline:
                    self.write_key_value([name], item, inline=True)
                    if trailing_comma or i != len(keys) - 1:
                        self.write(", ")
                else:
                    self.encode([*key, name], item)

        if inline:
            self.write("{")
        write_keys(direct, bool(sub))
        write_keys(sub, False)
        if inline:
            self.write("}")

    def struct(self, key: list[str], value: Any, inline: bool) -> None:
        fields = _struct_fields(value)
        direct = [(i, n, v) for i, (n, v) in enumerate(fields) if not _is_table(v)]
        sub = [(i, n, v) for i, (n, v) in enumerate(fields) if _is_table(v)]
        if inline:
            self.write("{")
        for index, name, item in [*direct, *sub]:
            if item is None:
                continue
            if inline:
                self.write_key_value([name], item, inline=True)
                if index != len(fields) - 1:
                    self.write(", ")
            else:
                self.encode([*key, name], item)
        if inline:
            self.write("}")

    def write_key_value(self, key: list[str], value: Any, inline: bool) -> None:
        if not key:
            self.element(value)
            return
        self.write(f"{self.indent_of(key)}{_maybe_quoted(key[-1])} = ")
        self.element(value)
        if not inline:
            self.newline()


def _toml_time(value: gotime.Time) -> str:
    """A time.Time as BurntSushi writes it: RFC 3339, or a local layout (in UTC)."""
    layouts = {
        id(LOCAL_DATETIME): "2006-01-02T15:04:05.999999999",
        id(LOCAL_DATE): "2006-01-02",
        id(LOCAL_TIME): "15:04:05.999999999",
    }
    layout = layouts.get(id(value.loc))
    if layout is None:
        return value.format("2006-01-02T15:04:05.999999999Z07:00")
    return value.with_loc(gotime.UTC).format(layout)


def _toml_float(value: float) -> str:
    if math.isnan(value):
        return ("-" if math.copysign(1.0, value) < 0 else "") + "nan"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    text = format_float(value, "g", -1)
    if "e" in text or "." in text:
        return text
    return text + ".0"


def dumps(value: Any) -> str:
    """toml.NewEncoder(buf).Encode(value): TomlEncodeError or GoPanic when Go fails."""
    encoder = _Encoder()
    encoder.encode([], value)
    return "".join(encoder.out)


def to_toml(value: Any) -> str:
    """Sveltos's toToml: the document, or the encoder's error text."""
    try:
        return dumps(value)
    except TomlEncodeError as exc:
        return str(exc)


def _to_toml_func(value: Any) -> str:
    try:
        return to_toml(value)
    except GoPanic as exc:
        raise FuncError(str(exc)) from None


def _from_toml_func(text: str) -> dict[str, Any]:
    try:
        return loads(text)
    except TomlError as exc:
        return {"Error": str(exc)}
    except _Bug as exc:  # a panic in BurntSushi's parser fails the call
        raise FuncError(f"BUG: {exc}") from None


FUNCS: dict[str, GoFunc] = {
    "toToml": GoFunc("toToml", _to_toml_func, ("any",)),
    "fromToml": GoFunc("fromToml", _from_toml_func, ("string",)),
}
