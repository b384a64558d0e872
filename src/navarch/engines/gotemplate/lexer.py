"""Tokens of Go's text/template language, with Go's rules for delimiters, trim markers,
comments and literals.

Go's lexer is a state machine over runes; this one is a loop over the same states: text until a
left delimiter, then action tokens until the right one. Trim markers are ``{{-`` and ``-}}``
with white space between the dash and the action (``{{-3}}`` is the number -3); they remove
all white space (space, tab, CR, LF) on that side of the action. ``{{/* ... */}}`` is a comment
only when the comment markers touch the delimiters (trim markers aside).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

LEFT, RIGHT = "{{", "}}"
_SPACE = " \t\r\n"
_KEYWORDS = {
    "block",
    "break",
    "continue",
    "define",
    "else",
    "end",
    "if",
    "range",
    "nil",
    "template",
    "with",
}


class T(Enum):
    TEXT = auto()
    LEFT = auto()
    RIGHT = auto()
    SPACE = auto()
    FIELD = auto()  # .Name
    VARIABLE = auto()  # $ or $name
    IDENTIFIER = auto()  # a function name
    STRING = auto()  # "quoted", value already unquoted
    RAW_STRING = auto()  # `raw`
    CHAR = auto()  # 'c'
    NUMBER = auto()
    BOOL = auto()
    NIL = auto()
    DOT = auto()
    PIPE = auto()
    LPAREN = auto()
    RPAREN = auto()
    DECLARE = auto()  # :=
    ASSIGN = auto()  # =
    COMMA = auto()
    KEYWORD = auto()
    EOF = auto()


@dataclass(frozen=True)
class Token:
    type: T
    text: str  # as written (for STRING: the unquoted value)
    pos: int  # byte offset in the template text
    line: int  # 1-based line of pos


class LexError(Exception):
    def __init__(self, message: str, line: int, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.pos = pos


def _trim_right(text: str) -> str:
    return text.rstrip(_SPACE)


def _is_alnum(c: str) -> bool:
    return c == "_" or c.isalnum()


class Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []
        self.paren_depth = 0

    def line_at(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def emit(self, type_: T, text: str, pos: int) -> None:
        self.tokens.append(Token(type_, text, pos, self.line_at(pos)))

    def error(self, message: str, pos: int | None = None) -> LexError:
        at = self.pos if pos is None else pos
        return LexError(message, self.line_at(at), at)

    def run(self) -> list[Token]:
        text = self.text
        trim_next = False
        while True:
            start = self.pos
            found = text.find(LEFT, start)
            end = len(text) if found < 0 else found
            chunk = text[start:end]
            if trim_next:
                chunk = chunk.lstrip(_SPACE)
                trim_next = False
            if found >= 0:
                after = found + len(LEFT)
                trim_left = (
                    text.startswith("-", after)
                    and after + 1 < len(text)
                    and text[after + 1] in _SPACE
                )
                if trim_left:
                    chunk = _trim_right(chunk)
            if chunk:
                self.emit(T.TEXT, chunk, start)
            if found < 0:
                self.pos = len(text)
                self.emit(T.EOF, "", self.pos)
                return self.tokens
            self.pos = found + len(LEFT) + (2 if trim_left else 0)
            trim_next = self._action(found)

    def _at_right(self) -> tuple[bool, bool]:
        """(at a right delimiter, with a trim marker before it)."""
        text, pos = self.text, self.pos
        if text.startswith(RIGHT, pos):
            return True, False
        if pos + 1 < len(text) and text[pos] in _SPACE and text.startswith("-" + RIGHT, pos + 1):
            return True, True
        return False, False

    def _action(self, left_pos: int) -> bool:
        """Lex one action after its left delimiter; returns whether it ends with ``-}}``."""
        text = self.text
        # a comment: /* right after the delimiter (and its trim marker)
        if text.startswith("/*", self.pos):
            close = text.find("*/", self.pos + 2)
            if close < 0:
                raise self.error("unclosed comment", left_pos)
            self.pos = close + 2
            at_right, trim = self._at_right()
            if not at_right:
                raise self.error("comment ends before closing delimiter", left_pos)
            self.pos += (len(RIGHT) + 2) if trim else len(RIGHT)
            return trim
        self.emit(T.LEFT, LEFT, left_pos)
        self.paren_depth = 0
        while True:
            at_right, trim = self._at_right()
            if at_right and self.paren_depth == 0:
                self.emit(T.RIGHT, RIGHT, self.pos)
                self.pos += (len(RIGHT) + 2) if trim else len(RIGHT)
                return trim
            if at_right and not trim:
                raise self.error("unclosed left paren")
            if self.pos >= len(text):
                raise self.error("unclosed action", left_pos)
            self._token()

    def _token(self) -> None:  # noqa: PLR0915 (one branch per token kind, as Go lexes)
        text, start = self.text, self.pos
        c = text[start]
        if c in _SPACE:
            end = start
            # stop before a space that starts " -}}" (the caller takes it as the delimiter)
            while (
                end < len(text)
                and text[end] in _SPACE
                and not text.startswith("-" + RIGHT, end + 1)
            ):
                end += 1
            end = max(end, start + 1)
            self.pos = end
            self.emit(T.SPACE, text[start:end], start)
            return
        if c == "=":
            self.pos += 1
            self.emit(T.ASSIGN, "=", start)
            return
        if c == ":":
            if not text.startswith(":=", start):
                raise self.error("expected :=")
            self.pos += 2
            self.emit(T.DECLARE, ":=", start)
            return
        if c == "|":
            self.pos += 1
            self.emit(T.PIPE, "|", start)
            return
        if c == '"':
            self._quote(start)
            return
        if c == "`":
            close = text.find("`", start + 1)
            if close < 0:
                raise self.error("unterminated raw quoted string")
            self.pos = close + 1
            self.emit(T.RAW_STRING, text[start + 1 : close], start)
            return
        if c == "'":
            self._char(start)
            return
        if c == "$":
            end = start + 1
            while end < len(text) and _is_alnum(text[end]):
                end += 1
            self.pos = end
            self.emit(T.VARIABLE, text[start:end], start)
            return
        if c == "." and (start + 1 >= len(text) or not text[start + 1].isdigit()):
            end = start + 1
            if end < len(text) and _is_alnum(text[end]):
                while end < len(text) and _is_alnum(text[end]):
                    end += 1
                self.pos = end
                self.emit(T.FIELD, text[start:end], start)
            else:
                self.pos = end
                self.emit(T.DOT, ".", start)
            self._check_term_end()
            return
        if c in "+-" or c.isdigit() or c == ".":
            self._number(start)
            return
        if _is_alnum(c):
            end = start
            while end < len(text) and _is_alnum(text[end]):
                end += 1
            word = text[start:end]
            self.pos = end
            if word in ("true", "false"):
                self.emit(T.BOOL, word, start)
            elif word == "nil":
                self.emit(T.NIL, word, start)
            elif word in _KEYWORDS:
                self.emit(T.KEYWORD, word, start)
            else:
                self.emit(T.IDENTIFIER, word, start)
            self._check_term_end()
            return
        if c == "(":
            self.paren_depth += 1
            self.pos += 1
            self.emit(T.LPAREN, "(", start)
            return
        if c == ")":
            self.paren_depth -= 1
            if self.paren_depth < 0:
                raise self.error("unexpected right paren")
            self.pos += 1
            self.emit(T.RPAREN, ")", start)
            return
        if c == ",":
            self.pos += 1
            self.emit(T.COMMA, ",", start)
            return
        raise self.error(f"unrecognized character in action: {c!r}")

    def _check_term_end(self) -> None:
        """After an identifier or field: only a space, a delimiter, '.', ',', '|', ':', ')',
        '(' or '=' may follow (Go: "bad character")."""
        text, pos = self.text, self.pos
        if pos >= len(text):
            return
        c = text[pos]
        if c in _SPACE + ".,|:)(=" or text.startswith(RIGHT, pos):
            return
        raise self.error(f"bad character {c!r}")

    def _quote(self, start: int) -> None:
        text = self.text
        pos = start + 1
        while True:
            if pos >= len(text) or text[pos] == "\n":
                raise self.error("unterminated quoted string", start)
            if text[pos] == "\\":
                pos += 2
                continue
            if text[pos] == '"':
                break
            pos += 1
        raw = text[start : pos + 1]
        self.pos = pos + 1
        self.emit(T.STRING, unquote(raw, lambda m: self.error(m, start)), start)

    def _char(self, start: int) -> None:
        text = self.text
        pos = start + 1
        while True:
            if pos >= len(text) or text[pos] == "\n":
                raise self.error("unterminated character constant", start)
            if text[pos] == "\\":
                pos += 2
                continue
            if text[pos] == "'":
                break
            pos += 1
        self.pos = pos + 1
        self.emit(T.CHAR, text[start : pos + 1], start)

    def _number(self, start: int) -> None:
        text = self.text
        pos = start
        if pos < len(text) and text[pos] in "+-":
            pos += 1
        digits = "0123456789_"
        if text.startswith(("0x", "0X"), pos):
            pos += 2
            digits = "0123456789abcdefABCDEF_"
        elif text.startswith(("0o", "0O"), pos):
            pos += 2
            digits = "01234567_"
        elif text.startswith(("0b", "0B"), pos):
            pos += 2
            digits = "01_"
        while pos < len(text) and text[pos] in digits:
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            while pos < len(text) and text[pos] in digits:
                pos += 1
        if len(digits) == 11 and pos < len(text) and text[pos] in "eE":
            pos += 1
            if pos < len(text) and text[pos] in "+-":
                pos += 1
            while pos < len(text) and text[pos] in "0123456789_":
                pos += 1
        if len(digits) == 23 and pos < len(text) and text[pos] in "pP":
            pos += 1
            if pos < len(text) and text[pos] in "+-":
                pos += 1
            while pos < len(text) and text[pos] in "0123456789_":
                pos += 1
        if pos < len(text) and text[pos] == "i":
            pos += 1
        if pos < len(text) and _is_alnum(text[pos]):
            raise self.error(f"bad number syntax: {text[start : pos + 1]!r}", start)
        self.pos = pos
        self.emit(T.NUMBER, text[start:pos], start)


_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


def unquote(raw: str, error: object = None) -> str:
    """Go's strconv.Unquote for a double-quoted or single-quoted literal."""
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise _bad(error, "invalid syntax")
        e = body[i]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 1
        elif e in "01234567":
            digits = body[i : i + 3]
            if len(digits) < 3 or any(d not in "01234567" for d in digits):
                raise _bad(error, "invalid syntax")
            value = int(digits, 8)
            if value > 255:
                raise _bad(error, "invalid syntax")
            out.append(chr(value))  # a byte; kept as a code point below 256
            i += 3
        elif e in "xuU":
            size = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 1 : i + 1 + size]
            if len(digits) < size or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise _bad(error, "invalid syntax")
            out.append(chr(int(digits, 16)))
            i += 1 + size
        else:
            raise _bad(error, "invalid syntax")
    return "".join(out)


def _bad(error: object, message: str) -> Exception:
    if callable(error):
        made = error(message)
        if isinstance(made, Exception):
            return made
    return ValueError(message)
