"""The parse tree of a Go template, and the parser that builds it from the lexer's tokens.

The node kinds and the grammar are Go's (text/template/parse): a list of text and actions;
actions hold a pipeline (optional variable declaration, then commands joined by ``|``);
``if``/``with``/``range`` take a pipeline, a list and an optional else list (``else if`` and
``else with`` chain); ``define``/``block`` add named templates to the set being parsed;
``template`` calls one. Every node keeps its position so that errors can name the line, the
column and the text of the failing action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from navarch.engines.gotemplate.lexer import Lexer, LexError, T, Token, unquote


class ParseError(Exception):
    def __init__(self, message: str, line: int, pos: int = -1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.pos = pos


@dataclass
class Node:
    pos: int
    line: int


@dataclass
class TextNode(Node):
    text: str


@dataclass
class FieldNode(Node):
    idents: list[str]  # .A.B -> ["A", "B"]


@dataclass
class VariableNode(Node):
    idents: list[str]  # $x.A -> ["$x", "A"]


@dataclass
class DotNode(Node):
    pass


@dataclass
class NilNode(Node):
    pass


@dataclass
class IdentifierNode(Node):
    name: str


@dataclass
class StringNode(Node):
    quoted: str
    text: str


@dataclass
class BoolNode(Node):
    value: bool


@dataclass
class NumberNode(Node):
    text: str
    is_int: bool = False
    is_float: bool = False
    int_value: int = 0
    float_value: float = 0.0
    is_char: bool = False


@dataclass
class ChainNode(Node):
    node: Node
    fields: list[str]


@dataclass
class CommandNode(Node):
    args: list[Node]


@dataclass
class PipeNode(Node):
    decl: list[VariableNode]
    is_assign: bool
    cmds: list[CommandNode]


@dataclass
class ActionNode(Node):
    pipe: PipeNode


@dataclass
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)


@dataclass
class BranchNode(Node):
    pipe: PipeNode
    list: ListNode
    else_list: ListNode | None


@dataclass
class IfNode(BranchNode):
    pass


@dataclass
class WithNode(BranchNode):
    pass


@dataclass
class RangeNode(BranchNode):
    pass


@dataclass
class BreakNode(Node):
    pass


@dataclass
class ContinueNode(Node):
    pass


@dataclass
class TemplateNode(Node):
    name: str
    pipe: PipeNode | None


def number_node(token: Token) -> NumberNode:
    """Go's parse.newNumber: an integer, a float, or both when a float is integral."""
    text = token.text
    node = NumberNode(token.pos, token.line, text)
    if text.endswith("i"):
        raise ParseError(f"complex numbers are not supported: {text}", token.line, token.pos)
    clean = text.replace("_", "")
    if token.type is T.CHAR:
        value = unquote(text)
        if len(value) != 1:
            raise ParseError(f"malformed character constant: {text}", token.line, token.pos)
        node.is_char = True
        node.is_int = node.is_float = True
        node.int_value = ord(value)
        node.float_value = float(ord(value))
        return node
    try:
        body = clean.lstrip("+-")
        if len(body) > 1 and body[0] == "0" and body[1].isdigit():  # 017 is octal in Go
            node.int_value = int(clean.replace("0", "0o", 1), 0)
        else:
            node.int_value = int(clean, 0)
        node.is_int = True
    except ValueError:
        pass
    if node.is_int:
        node.is_float = True
        node.float_value = float(node.int_value)
    else:
        try:
            if clean.lower().lstrip("+-").startswith("0x"):
                node.float_value = float.fromhex(clean)
            else:
                node.float_value = float(clean)
            node.is_float = True
        except ValueError:
            raise ParseError(f"illegal number syntax: {text!r}", token.line, token.pos) from None
        if node.float_value == int(node.float_value) and abs(node.float_value) < 2**63:
            node.is_int = True
            node.int_value = int(node.float_value)
    if node.is_int and not -(2**63) <= node.int_value < 2**63:
        node.is_int = False  # does not fit in an int64 (Go keeps only the float)
        if not node.is_float:
            raise ParseError(f"illegal number syntax: {text!r}", token.line, token.pos)
    return node


class Parser:
    """Parses one template text into a root ListNode plus the templates it defines."""

    def __init__(self, name: str, text: str, funcs: set[str]) -> None:
        self.name = name
        self.text = text
        self.funcs = funcs
        try:
            self.tokens = Lexer(text).run()
        except LexError as exc:
            raise ParseError(exc.message, exc.line, exc.pos) from None
        self.i = 0
        self.defined: dict[str, ListNode] = {}
        self.vars: list[str] = ["$"]
        self.range_depth = 0

    # -- token helpers -----------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def backup(self) -> None:
        self.i -= 1

    def next_non_space(self) -> Token:
        token = self.next()
        while token.type is T.SPACE:
            token = self.next()
        return token

    def peek_non_space(self) -> Token:
        token = self.next_non_space()
        self.backup()
        return token

    def error(self, message: str, token: Token | None = None) -> ParseError:
        token = token or self.tokens[max(self.i - 1, 0)]
        return ParseError(message, token.line, token.pos)

    def expect(self, type_: T, context: str) -> Token:
        token = self.next_non_space()
        if token.type is not type_:
            raise self.error(f"unexpected {_describe(token)} in {context}", token)
        return token

    # -- grammar -----------------------------------------------------------------------

    def parse(self) -> tuple[ListNode, dict[str, ListNode]]:
        root = ListNode(0, 1)
        while self.peek().type is not T.EOF:
            if self.peek().type is T.LEFT:
                start = self.i
                left = self.next()
                keyword = self.next_non_space()
                if keyword.type is T.KEYWORD and keyword.text == "define":
                    self.parse_definition(left)
                    continue
                self.i = start
            node = self.text_or_action()
            if isinstance(node, _End | _Else):
                raise self.error(f"unexpected {node.word}", None)
            root.nodes.append(node)
        return root, self.defined

    def parse_definition(self, left: Token) -> None:
        name_token = self.next_non_space()
        if name_token.type not in (T.STRING, T.RAW_STRING):
            raise self.error(f"unexpected {_describe(name_token)} in define clause", name_token)
        self.expect(T.RIGHT, "define clause")
        saved = self.vars
        self.vars = ["$"]
        body, end = self.item_list()
        self.vars = saved
        if not isinstance(end, _End):
            raise self.error("unexpected {{else}} in define", None)
        self.add_template(name_token.text, body)

    def add_template(self, name: str, body: ListNode) -> None:
        existing = self.defined.get(name)
        if existing is not None and not _is_empty(existing) and not _is_empty(body):
            raise ParseError(
                f"template: multiple definition of template {name!r}", body.line, body.pos
            )
        if existing is None or not _is_empty(body):
            self.defined[name] = body

    def item_list(self) -> tuple[ListNode, _End | _Else]:
        first = self.peek()
        items = ListNode(first.pos, first.line)
        while True:
            if self.peek().type is T.EOF:
                raise self.error("unexpected EOF", self.peek())
            node = self.text_or_action()
            if isinstance(node, _End | _Else):
                return items, node
            items.nodes.append(node)

    def text_or_action(self) -> Node:
        token = self.next_non_space()
        if token.type is T.TEXT:
            return TextNode(token.pos, token.line, token.text)
        if token.type is T.LEFT:
            return self.action()
        raise self.error(f"unexpected {_describe(token)} in input", token)

    def action(self) -> Node:
        token = self.next_non_space()
        if token.type is T.KEYWORD:
            word = token.text
            if word == "block":
                return self.block_control(token)
            if word == "break":
                return self.break_continue(token, BreakNode)
            if word == "continue":
                return self.break_continue(token, ContinueNode)
            if word == "else":
                return self.else_control(token)
            if word == "end":
                self.expect(T.RIGHT, "end")
                return _End(token.pos, token.line, "{{end}}")
            if word == "if":
                return self.branch(token, IfNode, "if")
            if word == "range":
                return self.branch(token, RangeNode, "range")
            if word == "template":
                return self.template_control(token)
            if word == "with":
                return self.branch(token, WithNode, "with")
            if word == "define":
                raise self.error("unexpected define: define may only appear at the top level")
        self.backup()
        pipe = self.pipeline("command", T.RIGHT)
        return ActionNode(token.pos, token.line, pipe)

    def break_continue(self, token: Token, kind: type[BreakNode] | type[ContinueNode]) -> Node:
        word = token.text
        close = self.next_non_space()
        if close.type is not T.RIGHT:
            raise self.error(f"unexpected {_describe(close)} in {{{{{word}}}}}", close)
        if self.range_depth == 0:
            raise self.error(f"{{{{{word}}}}} outside {{{{range}}}}", token)
        return kind(token.pos, token.line)

    def else_control(self, token: Token) -> Node:
        following = self.peek_non_space()
        if following.type is T.KEYWORD and following.text in ("if", "with"):
            return _Else(token.pos, token.line, "{{else}}", chained=following.text)
        self.expect(T.RIGHT, "else")
        return _Else(token.pos, token.line, "{{else}}")

    def branch(self, token: Token, kind: type[BranchNode], context: str) -> BranchNode:
        saved = len(self.vars)
        pipe = self.pipeline(context, T.RIGHT)
        if context == "range":
            self.range_depth += 1
        body, end = self.item_list()
        if context == "range":
            self.range_depth -= 1
        else_list: ListNode | None = None
        if isinstance(end, _Else):
            if end.chained:
                if context == "range":
                    raise self.error("unexpected {{else if}} in range", None)
                # "{{else if ...}}" is "{{else}}{{if ...}}...{{end}}{{end}}" with one end
                nested_token = self.next_non_space()
                nested_kind = IfNode if end.chained == "if" else WithNode
                nested = self.branch(nested_token, nested_kind, end.chained)
                else_list = ListNode(end.pos, end.line, [nested])
                del self.vars[saved:]
                return kind(token.pos, token.line, pipe, body, else_list)
            else_list, end2 = self.item_list()
            if not isinstance(end2, _End):
                raise self.error("expected end; found {{else}}", None)
        del self.vars[saved:]
        return kind(token.pos, token.line, pipe, body, else_list)

    def block_control(self, token: Token) -> Node:
        name_token = self.next_non_space()
        if name_token.type not in (T.STRING, T.RAW_STRING):
            raise self.error(f"unexpected {_describe(name_token)} in block clause", name_token)
        pipe = self.pipeline("block clause", T.RIGHT)
        saved = self.vars
        self.vars = ["$"]
        body, end = self.item_list()
        self.vars = saved
        if not isinstance(end, _End):
            raise self.error("unexpected {{else}} in block clause", None)
        self.add_template(name_token.text, body)
        return TemplateNode(token.pos, token.line, name_token.text, pipe)

    def template_control(self, token: Token) -> Node:
        name_token = self.next_non_space()
        if name_token.type not in (T.STRING, T.RAW_STRING):
            raise self.error(f"unexpected {_describe(name_token)} in template clause", name_token)
        pipe: PipeNode | None = None
        if self.peek_non_space().type is not T.RIGHT:
            pipe = self.pipeline("template clause", T.RIGHT)
        else:
            self.next_non_space()
        return TemplateNode(token.pos, token.line, name_token.text, pipe)

    def pipeline(self, context: str, end: T) -> PipeNode:
        token = self.peek_non_space()
        pipe = PipeNode(token.pos, token.line, [], False, [])
        # declarations: $x := / $x = / $i, $e :=
        decl_start = self.i
        first = self.next_non_space()
        if first.type is T.VARIABLE:
            after = self.next_non_space()
            if after.type in (T.DECLARE, T.ASSIGN):
                pipe.is_assign = after.type is T.ASSIGN
                pipe.decl.append(VariableNode(first.pos, first.line, [first.text]))
                if not pipe.is_assign:
                    self.vars.append(first.text)
            elif after.type is T.COMMA and context == "range":
                second = self.next_non_space()
                op = self.next_non_space()
                if second.type is not T.VARIABLE or op.type not in (T.DECLARE, T.ASSIGN):
                    raise self.error("range can only initialize variables", second)
                pipe.is_assign = op.type is T.ASSIGN
                for v in (first, second):
                    pipe.decl.append(VariableNode(v.pos, v.line, [v.text]))
                    if not pipe.is_assign:
                        self.vars.append(v.text)
            elif after.type is T.COMMA:
                raise self.error(f"too many declarations in {context}", after)
            else:
                self.i = decl_start
        else:
            self.i = decl_start
        if pipe.is_assign:
            for declared in pipe.decl:
                self.check_variable(declared.idents[0], declared.line, declared.pos)
        while True:
            token = self.next_non_space()
            if token.type is end:
                self.check_pipeline(pipe, context, token)
                return pipe
            if token.type in (
                T.BOOL,
                T.CHAR,
                T.DOT,
                T.FIELD,
                T.IDENTIFIER,
                T.NUMBER,
                T.NIL,
                T.RAW_STRING,
                T.STRING,
                T.VARIABLE,
                T.LPAREN,
            ):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.error(f"unexpected {_describe(token)} in {context}", token)

    def check_pipeline(self, pipe: PipeNode, context: str, token: Token) -> None:
        if not pipe.cmds:
            raise self.error(f"missing value for {context}", token)
        for cmd in pipe.cmds[1:]:
            first = cmd.args[0]
            if isinstance(first, BoolNode | DotNode | NilNode | NumberNode | StringNode):
                raise ParseError(
                    f"non executable command in pipeline stage {pipe.cmds.index(cmd) + 1}",
                    first.line,
                    first.pos,
                )

    def command(self) -> CommandNode:
        token = self.peek_non_space()
        cmd = CommandNode(token.pos, token.line, [])
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.type is T.SPACE:
                continue
            if token.type in (T.RIGHT, T.RPAREN):
                self.backup()
            elif token.type is T.PIPE:
                pass
            else:
                raise self.error(f"unexpected {_describe(token)} in operand", token)
            break
        if not cmd.args:
            raise self.error("empty command", token)
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().type is T.FIELD:
            fields: list[str] = []
            while self.peek().type is T.FIELD:
                fields.append(self.next().text[1:])
            if isinstance(node, FieldNode):
                return FieldNode(node.pos, node.line, node.idents + fields)
            if isinstance(node, VariableNode):
                return VariableNode(node.pos, node.line, node.idents + fields)
            if isinstance(node, BoolNode | StringNode | NumberNode | NilNode | DotNode):
                raise self.error(f"unexpected . after term {node_text(node)!r}")
            return ChainNode(node.pos, node.line, node, fields)
        return node

    def term(self) -> Node | None:
        token = self.next_non_space()
        t = token.type
        if t is T.IDENTIFIER:
            if token.text not in self.funcs:
                raise self.error(f'function "{token.text}" not defined', token)
            return IdentifierNode(token.pos, token.line, token.text)
        if t is T.DOT:
            return DotNode(token.pos, token.line)
        if t is T.NIL:
            return NilNode(token.pos, token.line)
        if t is T.VARIABLE:
            self.check_variable(token.text, token.line, token.pos)
            return VariableNode(token.pos, token.line, [token.text])
        if t is T.FIELD:
            return FieldNode(token.pos, token.line, [token.text[1:]])
        if t is T.BOOL:
            return BoolNode(token.pos, token.line, token.text == "true")
        if t in (T.CHAR, T.NUMBER):
            return number_node(token)
        if t is T.LPAREN:
            pipe = self.pipeline("parenthesized pipeline", T.RPAREN)
            return pipe
        if t is T.STRING:
            return StringNode(token.pos, token.line, token.text, token.text)
        if t is T.RAW_STRING:
            return StringNode(token.pos, token.line, token.text, token.text)
        self.backup()
        return None

    def check_variable(self, name: str, line: int, pos: int) -> None:
        if name not in self.vars:
            raise ParseError(f"undefined variable {name!r}", line, pos)


@dataclass
class _End(Node):
    word: str


@dataclass
class _Else(Node):
    word: str
    chained: str = ""


def _is_empty(node: Node) -> bool:
    if isinstance(node, ListNode):
        return all(_is_empty(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return not node.text.strip()
    return False


def _describe(token: Token) -> str:
    if token.type is T.EOF:
        return "EOF"
    if token.type is T.RIGHT:
        return '"}}"'
    if token.type is T.SPACE:
        return "space"
    return f"<{token.text}>"


def node_text(node: Node) -> str:
    """The node as Go's String() writes it (used in error messages)."""
    if isinstance(node, TextNode):
        return node.text
    if isinstance(node, FieldNode):
        return "." + ".".join(node.idents)
    if isinstance(node, VariableNode):
        return ".".join(node.idents)
    if isinstance(node, DotNode):
        return "."
    if isinstance(node, NilNode):
        return "nil"
    if isinstance(node, IdentifierNode):
        return node.name
    if isinstance(node, StringNode):
        return '"' + node.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(node, BoolNode):
        return "true" if node.value else "false"
    if isinstance(node, NumberNode):
        return node.text
    if isinstance(node, ChainNode):
        inner = node_text(node.node)
        if isinstance(node.node, PipeNode):
            inner = f"({inner})"
        return inner + "".join("." + f for f in node.fields)
    if isinstance(node, CommandNode):
        parts = []
        for arg in node.args:
            text = node_text(arg)
            parts.append(f"({text})" if isinstance(arg, PipeNode) else text)
        return " ".join(parts)
    if isinstance(node, PipeNode):
        decl = ""
        if node.decl:
            decl = ", ".join(v.idents[0] for v in node.decl) + (" = " if node.is_assign else " := ")
        return decl + " | ".join(node_text(c) for c in node.cmds)
    if isinstance(node, ActionNode):
        return "{{" + node_text(node.pipe) + "}}"
    if isinstance(node, TemplateNode):
        tail = f" {node_text(node.pipe)}" if node.pipe else ""
        return f'{{{{template "{node.name}"{tail}}}}}'
    if isinstance(node, IfNode | WithNode | RangeNode):
        word = {IfNode: "if", WithNode: "with", RangeNode: "range"}[type(node)]
        return f"{{{{{word} {node_text(node.pipe)}}}}}"
    return type(node).__name__
