"""Go ``text/template`` in Python, for the templates Sveltos users write.

A manifest that renders differently here than in Sveltos is a broken manifest, so this package
follows Go's parser and executor rule by rule (``lexer``, ``parse``, ``execute``), prints values
with Go's fmt rules (``values``, ``gofmt``) and checks arguments against Go signatures
(``funcs``). It is tested against a Go program running the real text/template (the oracle in
``tests/templates``). Errors are better than Go's: template, line, column, the action's text,
and for a missing key the path and the keys that exist there.

Usage::

    t = Template("policy", funcs=FUNCS).parse(text)
    out = t.execute(data)            # TemplateError on a parse or execution error

A profile's template is rendered once per matching cluster, always from the same text, so parse
trees are kept by (text, function names) for the most recent ``PARSE_CACHE`` texts: parsing
cost as much as executing. A tree does not depend on the template's name and nothing changes
it after parsing, so one tree serves every cluster. Texts that fail to parse are not kept.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from navarch.engines.gotemplate.execute import Executor, Options, TemplateError
from navarch.engines.gotemplate.funcs import BUILTINS, FuncError, GoFunc, func
from navarch.engines.gotemplate.parse import ListNode, ParseError, Parser
from navarch.engines.gotemplate.values import I64

__all__ = [
    "BUILTINS",
    "I64",
    "FuncError",
    "GoFunc",
    "Template",
    "TemplateError",
    "func",
    "render",
]


PARSE_CACHE = 256
_parsed: OrderedDict[tuple[str, frozenset[str]], tuple[ListNode, dict[str, ListNode]]] = (
    OrderedDict()
)


def _parse(name: str, text: str, funcs: frozenset[str]) -> tuple[ListNode, dict[str, ListNode]]:
    key = (text, funcs)
    found = _parsed.get(key)
    if found is not None:
        _parsed.move_to_end(key)
        return found
    found = Parser(name, text, set(funcs)).parse()
    _parsed[key] = found
    if len(_parsed) > PARSE_CACHE:
        _parsed.popitem(last=False)
    return found


class Template:
    """A named set of templates sharing one function map and options."""

    def __init__(
        self,
        name: str,
        *,
        funcs: dict[str, GoFunc] | None = None,
        missing_key: str = "error",
    ) -> None:
        self.name = name
        self.funcs = {**BUILTINS, **(funcs or {})}
        self.options = Options(missing_key=missing_key)
        self.templates: dict[str, tuple[ListNode, str]] = {}

    def parse(self, text: str) -> Template:
        try:
            root, defined = _parse(self.name, text, frozenset(self.funcs))
        except ParseError as exc:
            column = None
            if exc.pos >= 0:
                column = exc.pos - (text.rfind("\n", 0, exc.pos) + 1) + 1
            raise TemplateError(
                exc.message, template=self.name, line=exc.line, column=column
            ) from None
        for name, body in defined.items():
            self._add(name, body, text)
        self._add(self.name, root, text)
        return self

    def _add(self, name: str, body: ListNode, text: str) -> None:
        existing = self.templates.get(name)
        if existing is not None and _empty(body):
            return  # an empty body never replaces a definition (Go's rule)
        self.templates[name] = (body, text)

    def execute(self, data: Any, name: str | None = None) -> str:
        executor = Executor(self.templates, self.funcs, self.options)
        return executor.execute(name or self.name, data)


def _empty(body: ListNode) -> bool:
    from navarch.engines.gotemplate.parse import TextNode

    return all(isinstance(n, TextNode) and not n.text.strip() for n in body.nodes)


def render(
    text: str,
    data: Any,
    *,
    name: str = "template",
    funcs: dict[str, GoFunc] | None = None,
    missing_key: str = "error",
) -> str:
    return Template(name, funcs=funcs, missing_key=missing_key).parse(text).execute(data)
