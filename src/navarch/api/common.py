"""Types several Sveltos kinds share: resource selectors, label filters, CEL rules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from navarch.api.base import APIModel
from navarch.api.meta import LabelSelector
from navarch.api.schema import Desc, MinLength


class LabelFilter(APIModel):
    key: Annotated[str, Desc("Label key.")]
    operation: Annotated[
        Literal["Equal", "Different", "Has", "DoesNotHave"],
        Desc("How the label is compared."),
    ]
    value: Annotated[str | None, Desc("Label value, for Equal and Different.")] = None


class CELRule(APIModel):
    name: Annotated[str, Desc("A name for the rule, used in messages.")]
    rule: Annotated[str, Desc("A CEL expression over `resource` that returns a bool.")]


class ResourceSelector(APIModel):
    """Which resources of a cluster a check or event looks at."""

    group: Annotated[str, Desc("API group of the resources.")]
    version: Annotated[str, Desc("API version of the resources.")]
    kind: Annotated[str, Desc("Kind of the resources."), MinLength(1)]
    label_filters: Annotated[
        list[LabelFilter] | None, Desc("Filters on the resources' labels, all of which must hold.")
    ] = None
    selector: Annotated[
        LabelSelector | None, Desc("A label selector, ANDed with labelFilters.")
    ] = None
    namespace: Annotated[
        str | None, Desc("Namespace of the resources; empty means every namespace.")
    ] = None
    name: Annotated[str | None, Desc("Name of one resource.")] = None
    evaluate: Annotated[
        str | None, Desc("A Lua `evaluate` function deciding whether an object matches.")
    ] = None
    evaluate_cel: Annotated[
        list[CELRule] | None,
        Field(alias="evaluateCEL"),
        Desc("CEL rules; an object matches when the first rule that holds is found."),
    ] = None
