"""Executing a parsed Go template: Go's text/template evaluation rules over Python values.

The walk mirrors Go's exec.go: actions print the value of their pipeline (nil prints
``<no value>``); each command of a pipeline gets the previous command's value as its last
argument; ``if``/``with`` test Go truthiness; ``range`` walks lists in order, maps in sorted key
order and integers from 0; variables are scoped to the control structure that declares them;
``missingkey`` decides what a missing map key is (``error``, or the zero value).

Go distinguishes an *invalid* value (nothing: a missing key read by a pipeline, the dot of a
``template`` call without argument) from a nil interface (a JSON ``null``); ``.a.b`` on the
first is "nil data" and on the second "nil pointer evaluating". ``INVALID`` is the first,
``None`` the second.

Errors are ``TemplateError``: template name, line, column, the action's text, and for a missing
key the path that was missing and the keys that exist there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.goobject import NAMED_KINDS, GoValue, can_be_nil, int_constant
from navarch.engines.gotemplate.gostruct import GoStruct
from navarch.engines.gotemplate.parse import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
    node_text,
)
from navarch.engines.gotemplate.values import I64, go_type, sort_key, sprint_value, truth

MAX_DEPTH = 100_000  # Go's maxExecDepth


class _Invalid:
    """Go's invalid reflect.Value: no value at all."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
_MISSING: Any = object()  # no final argument (the first command of a pipeline)


class TemplateError(Exception):
    """A template that cannot be parsed or executed; the message says where and why."""

    def __init__(
        self,
        message: str,
        *,
        template: str,
        line: int | None = None,
        column: int | None = None,
        action: str | None = None,
    ) -> None:
        where = f'template "{template}"'
        if line is not None:
            where += f" line {line}"
            if column is not None:
                where += f" column {column}"
        if action:
            where += f", in {action}"
        super().__init__(f"{where}: {message}")
        self.reason = message
        self.template = template
        self.line = line
        self.column = column
        self.action = action


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _ExecFailure(Exception):
    def __init__(self, message: str, node: Node | None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class Options:
    missing_key: str = "error"  # error | default | invalid | zero


class Executor:
    def __init__(
        self,
        templates: dict[str, tuple[ListNode, str]],
        funcs: dict[str, GoFunc],
        options: Options,
    ) -> None:
        self.templates = templates  # name -> (tree, source text)
        self.funcs = funcs
        self.options = options
        self.out: list[str] = []
        self.vars: list[tuple[str, Any]] = []
        self.depth = 0
        self.current = ""  # the template being executed
        self.node: Node | None = None
        self.action: Node | None = None  # the action (or control) being executed

    # -- entry ----------------------------------------------------------------------------

    def execute(self, name: str, data: Any) -> str:
        if name not in self.templates:
            raise TemplateError(f'no such template "{name}"', template=name)
        tree, _ = self.templates[name]
        self.current = name
        self.vars = [("$", data)]
        try:
            self.walk(data, tree)
        except _ExecFailure as exc:
            raise self._error(exc) from None
        except RecursionError:
            raise TemplateError(
                "template calls nest too deeply (recursive template?)", template=self.current
            ) from None
        return "".join(self.out)

    def _error(self, exc: _ExecFailure) -> TemplateError:
        node = exc.node or self.node
        text = self.templates.get(self.current, (None, ""))[1]
        line = column = None
        action = None
        if node is not None:
            line = node.line
            column = node.pos - (text.rfind("\n", 0, node.pos) + 1) + 1
            action = _action_text(self.action or node)
        return TemplateError(
            exc.message, template=self.current, line=line, column=column, action=action
        )

    def fail(self, message: str, node: Node | None = None) -> _ExecFailure:
        return _ExecFailure(message, node or self.node)

    # -- walking --------------------------------------------------------------------------

    def walk(self, dot: Any, node: Node) -> None:
        self.node = node
        if not isinstance(node, TextNode | ListNode):
            self.action = node
        if isinstance(node, TextNode):
            self.out.append(node.text)
        elif isinstance(node, ActionNode):
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, value)
        elif isinstance(node, ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, IfNode | WithNode):
            self.walk_if_or_with(dot, node)
        elif isinstance(node, RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, BreakNode):
            raise _Break
        elif isinstance(node, ContinueNode):
            raise _Continue
        else:
            raise self.fail(f"unknown node: {node_text(node)}", node)

    def print_value(self, node: Node, value: Any) -> None:
        if value is INVALID or value is None:
            self.out.append("<no value>")
            return
        self.out.append(sprint_value(value))

    def walk_if_or_with(self, dot: Any, node: BranchNode) -> None:
        mark = len(self.vars)
        value = self.eval_pipeline(dot, node.pipe)
        if truth(_plain(value)):
            self.walk(value if isinstance(node, WithNode) else dot, node.list)
        elif node.else_list is not None:
            self.walk(dot, node.else_list)
        del self.vars[mark:]

    def walk_range(self, dot: Any, node: RangeNode) -> None:
        mark = len(self.vars)
        value = _plain(self.eval_pipeline(dot, node.pipe))
        decl = node.pipe.decl

        def one(index: Any, elem: Any) -> bool:
            if decl:
                if node.pipe.is_assign:
                    if len(decl) > 1:
                        self.set_var(decl[0].idents[0], index)
                        self.set_var(decl[1].idents[0], elem)
                    else:
                        self.set_var(decl[0].idents[0], elem)
                else:
                    self.vars[-1] = (self.vars[-1][0], elem)
                    if len(decl) > 1:
                        self.vars[-2] = (self.vars[-2][0], index)
            inner = len(self.vars)
            try:
                self.walk(elem, node.list)
            except _Continue:
                pass
            except _Break:
                return False
            finally:
                del self.vars[inner:]
            return True

        if value is None or value is INVALID:
            items: list[tuple[Any, Any]] = []
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        elif isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value, key=sort_key)]
        elif isinstance(value, int) and not isinstance(value, bool):
            if len(decl) > 1:
                raise self.fail(
                    f"can't use {sprint_value(value)} to iterate over more than one variable",
                    node,
                )
            items = [(i, type(value)(i)) for i in range(int(value))]
        else:
            raise self.fail(f"range can't iterate over {sprint_value(value)}", node)
        if not items:
            if node.else_list is not None:
                self.walk(dot, node.else_list)
            del self.vars[mark:]
            return
        for index, elem in items:
            if not one(index, elem):
                break
        del self.vars[mark:]

    def walk_template(self, dot: Any, node: TemplateNode) -> None:
        found = self.templates.get(node.name)
        if found is None:
            raise self.fail(f'no such template "{node.name}"', node)
        value = self.eval_pipeline(dot, node.pipe) if node.pipe is not None else INVALID
        self.depth += 1
        if self.depth >= MAX_DEPTH or self.depth > sys.getrecursionlimit() // 8:
            raise self.fail(f"exceeded maximum template depth ({MAX_DEPTH})", node)
        saved_vars, saved_name, saved_action = self.vars, self.current, self.action
        self.vars = [("$", value)]
        self.current = node.name
        try:
            self.walk(value, found[0])
        except _ExecFailure:
            raise  # reported in the called template, where it happened
        else:
            self.vars, self.current, self.action = saved_vars, saved_name, saved_action
        finally:
            self.depth -= 1

    # -- variables ------------------------------------------------------------------------

    def push_var(self, name: str, value: Any) -> None:
        self.vars.append((name, value))

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise self.fail(f"undefined variable: {name}")

    def var_value(self, name: str) -> Any:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                return self.vars[i][1]
        raise self.fail(f"undefined variable: {name}")

    # -- pipelines and commands -----------------------------------------------------------

    def eval_pipeline(self, dot: Any, pipe: PipeNode) -> Any:
        self.node = pipe
        value: Any = _MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:
                value = INVALID  # Go unwraps the interface: a nil is no value
        if value is _MISSING:
            value = INVALID
        for variable in pipe.decl:
            if pipe.is_assign:
                self.set_var(variable.idents[0], value)
            else:
                self.push_var(variable.idents[0], value)
        return value

    def eval_command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            return self.eval_field_node(dot, first, cmd.args, final)
        if isinstance(first, ChainNode):
            return self.eval_chain(dot, first, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if isinstance(first, BoolNode):
            return first.value
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            raise self.fail("nil is not a command", first)
        if isinstance(first, NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, StringNode):
            return first.text
        raise self.fail(f"can't evaluate command {node_text(first)!r}", first)

    def not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            raise self.fail(f"can't give argument to non-function {node_text(args[0])}", args[0])

    def ideal_constant(self, node: NumberNode) -> Any:
        text = node.text
        if (
            node.is_float
            and not text.lower().lstrip("+-").startswith("0x")
            and not text.startswith("'")
            and any(c in text for c in ".eEpP")
        ):
            return node.float_value
        if node.is_int:
            return node.int_value
        raise self.fail(f"{text} overflows int", node)

    # -- fields -----------------------------------------------------------------------------

    def eval_field_node(self, dot: Any, node: FieldNode, args: list[Node], final: Any) -> Any:
        self.node = node
        return self.eval_field_chain(dot, dot, node, node.idents, args, final, ".")

    def eval_chain(self, dot: Any, node: ChainNode, args: list[Node], final: Any) -> Any:
        self.node = node
        if isinstance(node.node, NilNode):
            raise self.fail(f"indirection through explicit nil in {node_text(node)}", node)
        pipe = self.eval_arg(dot, "any", node.node, raw=True)
        return self.eval_field_chain(
            dot, pipe, node, node.fields, args, final, "(" + node_text(node.node) + ")."
        )

    def eval_variable_node(self, dot: Any, node: VariableNode, args: list[Node], final: Any) -> Any:
        self.node = node
        value = self.var_value(node.idents[0])
        if len(node.idents) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_field_chain(
            dot, value, node, node.idents[1:], args, final, node.idents[0] + "."
        )

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: Node,
        idents: list[str],
        args: list[Node],
        final: Any,
        prefix: str,
    ) -> Any:
        path = prefix.rstrip(".") if prefix not in (".",) else ""
        for ident in idents[:-1]:
            receiver = self.eval_field(dot, ident, node, [], _MISSING, receiver, path)
            path = f"{path}.{ident}"
        return self.eval_field(dot, idents[-1], node, args, final, receiver, path)

    def eval_field(
        self,
        dot: Any,
        name: str,
        node: Node,
        args: list[Node],
        final: Any,
        receiver: Any,
        path: str,
    ) -> Any:
        full = f"{path}.{name}"
        if receiver is INVALID:
            if self.options.missing_key == "error":
                raise self.fail(f'nil data; no entry for key "{name}" (at {full})', node)
            return INVALID
        if isinstance(receiver, GoValue):
            return self.eval_go_method(dot, name, node, args, final, receiver, full)
        if isinstance(receiver, dict):
            if len(args) > 1 or final is not _MISSING:
                raise self.fail(f"{name} is not a method but has arguments", node)
            if name in receiver:
                return receiver[name]
            if self.options.missing_key == "error":
                keys = ", ".join(sorted(str(k) for k in receiver)) or "none"
                raise self.fail(
                    f'map has no entry for key "{name}" (at {full}; keys at {path or "."}: {keys})',
                    node,
                )
            # "zero": the map's zero value, a nil interface; "default"/"invalid": no value
            return None if self.options.missing_key == "zero" else INVALID
        if isinstance(receiver, GoStruct):
            try:
                value = receiver.go_field(name)
            except KeyError:
                pass
            else:
                if len(args) > 1 or final is not _MISSING:
                    raise self.fail(f"{name} has arguments but cannot be invoked as function", node)
                return value
        if receiver is None:
            raise self.fail(f"nil pointer evaluating interface {{}}.{name} (at {full})", node)
        raise self.fail(
            f"can't evaluate field {name} in type {go_type(receiver)} (at {full})", node
        )

    def eval_go_method(
        self,
        dot: Any,
        name: str,
        node: Node,
        args: list[Node],
        final: Any,
        receiver: GoValue,
        full: str,
    ) -> Any:
        """``.Name`` on a Go value of a named type: a method of its method set, called."""
        typ = receiver.go_type_name()
        method = receiver.go_method(name)
        if method is None:
            if name in receiver.FIELDS:
                raise self.fail(f"{name} is an unexported field of struct type {typ}", node)
            raise self.fail(f"can't evaluate field {name} in type {typ} (at {full})", node)
        count = len(args[1:]) + (0 if final is _MISSING else 1)
        bad_signature = method.signature_error(name)
        if bad_signature is not None and count == len(method.params):
            raise self.fail(bad_signature, node)
        call = method.fn
        bound = GoFunc(name, lambda *values: call(receiver, *values), method.params)
        return self.eval_call(dot, bound, node, args, final)

    # -- functions --------------------------------------------------------------------------

    def eval_function(
        self, dot: Any, node: IdentifierNode, cmd: Node, args: list[Node], final: Any
    ) -> Any:
        self.node = node
        fn = self.funcs.get(node.name)
        if fn is None:
            raise self.fail(f'"{node.name}" is not a defined function', node)
        return self.eval_call(dot, fn, node, args, final)

    def eval_call(self, dot: Any, fn: GoFunc, node: Node, args: list[Node], final: Any) -> Any:
        operands = args[1:]
        count = len(operands) + (0 if final is _MISSING else 1)
        fixed = len(fn.params)
        if fn.variadic is not None:
            if count < fixed:
                raise self.fail(
                    f"wrong number of args for {fn.name}: want at least {fixed} got {count}", node
                )
        elif count != fixed:
            raise self.fail(f"wrong number of args for {fn.name}: want {fixed} got {count}", node)
        if fn.raw:
            return self.eval_and_or(dot, fn.name, operands, final)

        def param(i: int) -> str:
            return fn.params[i] if i < fixed else str(fn.variadic)

        values = [self.eval_arg(dot, param(i), arg) for i, arg in enumerate(operands)]
        if final is not _MISSING:
            values.append(self.validate(param(len(operands)), final, node))
        self.node = node
        try:
            result = fn.fn(*values)
        except FuncError as exc:
            raise self.fail(f"error calling {fn.name}: {exc}", node) from None
        except (_ExecFailure, TemplateError):
            raise
        except Exception as exc:  # a Go function that panics
            raise self.fail(f"error calling {fn.name}: {exc}", node) from None
        return result

    def eval_and_or(self, dot: Any, name: str, operands: list[Node], final: Any) -> Any:
        value: Any = INVALID
        thunks: list[Any] = list(operands)
        if final is not _MISSING:
            thunks.append(_Value(final))
        for thunk in thunks:
            value = thunk.value if isinstance(thunk, _Value) else self.eval_arg(dot, "any", thunk)
            value = INVALID if value is None else value
            if truth(_plain(value)) == (name == "or"):
                return value
        return value

    def eval_arg(self, dot: Any, typ: str, node: Node, raw: bool = False) -> Any:
        self.node = node
        if isinstance(node, DotNode):
            return dot if raw else self.validate(typ, dot, node)
        if isinstance(node, NilNode):
            if typ in ("any", "list", "map") or can_be_nil(typ):
                return None
            raise self.fail(f"cannot assign nil to {_go_param(typ)}", node)
        if isinstance(node, FieldNode):
            value = self.eval_field_node(dot, node, [node], _MISSING)
        elif isinstance(node, VariableNode):
            value = self.eval_variable_node(dot, node, [], _MISSING)
        elif isinstance(node, PipeNode):
            value = self.eval_pipeline(dot, node)
        elif isinstance(node, IdentifierNode):
            value = self.eval_function(dot, node, node, [node], _MISSING)
        elif isinstance(node, ChainNode):
            value = self.eval_chain(dot, node, [], _MISSING)
        elif isinstance(node, BoolNode):
            if typ in ("any", "bool"):
                return node.value
            raise self.literal_mismatch(typ, node)
        elif isinstance(node, StringNode):
            if typ in ("any", "string"):
                return node.text
            raise self.literal_mismatch(typ, node)
        elif isinstance(node, NumberNode):
            return self.number_arg(typ, node)
        else:
            raise self.fail(f"can't handle {node_text(node)} for arg of type {typ}", node)
        return value if raw else self.validate(typ, value, node)

    def number_arg(self, typ: str, node: NumberNode) -> Any:
        if typ == "any":
            return self.ideal_constant(node)
        if typ in ("int", "int64"):
            if node.is_int:
                return I64(node.int_value) if typ == "int64" else node.int_value
            raise self.fail(f"expected integer; found {node.text}", node)
        if typ == "float64":
            if node.is_float:
                return node.float_value
            raise self.fail(f"expected float; found {node.text}", node)
        if NAMED_KINDS.get(typ, "").startswith("int"):  # time.Duration, time.Month
            if node.is_int:
                return int_constant(typ, node.int_value)
            raise self.fail(f"expected integer; found {node.text}", node)
        if typ == "uint32":  # reflect's SetUint keeps the low 32 bits
            if node.is_int and node.int_value >= 0:
                return node.int_value & 0xFFFFFFFF
            raise self.fail(f"expected unsigned integer; found {node.text}", node)
        raise self.literal_mismatch(typ, node)

    def literal_mismatch(self, typ: str, node: Node) -> _ExecFailure:
        """A constant of the wrong kind for a parameter, worded as Go's evalArg words it."""
        kind = NAMED_KINDS.get(typ, "")
        if kind in ("struct", "ptr"):
            return self.fail(f"can't handle {node_text(node)} for arg of type {typ}", node)
        if kind.startswith("int"):
            return self.fail(f"expected integer; found {node_text(node)}", node)
        return self.fail(f"expected {_go_param(typ)}; found {node_text(node)}", node)

    def validate(self, typ: str, value: Any, node: Node | None = None) -> Any:
        if value is INVALID:
            if typ in ("any", "list", "map") or can_be_nil(typ):
                return None
            raise self.fail(f"invalid value; expected {_go_param(typ)}", node)
        if typ == "any":
            return value
        ok = {
            "string": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool | I64 | GoValue),
            "int64": isinstance(value, I64),
            "float64": isinstance(value, float),
            "bool": isinstance(value, bool),
            "list": value is None
            or (isinstance(value, list | tuple) and go_type(value) == "[]interface {}"),
            "map": value is None or isinstance(value, dict),
            "uint32": False,  # no template value is a uint32 (only constants convert)
            "sprig.certificate": go_type(value) == typ,
        }.get(typ, True)
        if typ in NAMED_KINDS:  # time.Time, *semver.Version...: that type exactly
            ok = go_type(value) == typ
        if not ok:
            raise self.fail(
                f"wrong type for value; expected {_go_param(typ)}; got {go_type(value)}", node
            )
        return value


@dataclass
class _Value:
    value: Any


def _plain(value: Any) -> Any:
    return None if value is INVALID else value


def _go_param(typ: str) -> str:
    return {"any": "interface {}", "list": "[]interface {}", "map": "map[string]interface {}"}.get(
        typ, typ
    )


def _action_text(node: Node) -> str:
    if isinstance(node, ActionNode | IfNode | WithNode | RangeNode | TemplateNode):
        return node_text(node)
    return "{{" + node_text(node) + "}}" if isinstance(node, PipeNode) else f"<{node_text(node)}>"
