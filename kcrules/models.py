"""The typed input (an application) and output (a decision) of kcrules.

Codes (kinds, districts, sectors, activities...) are plain strings here; which
codes exist is rulebook data, so a rulebook checks them (and accepts names typed
without accents) in :meth:`kcrules.Rulebook.parse_application`. The JSON Schema
with the allowed codes filled in is :meth:`kcrules.Rulebook.application_schema`.

Money is whole đồng (``int``), never float. Every field is strict: a string "5"
is not silently taken for the number 5, bytes are not taken for text, and a date
is a date or text YYYY-MM-DD (not a timestamp or a date-time).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    SerializerFunctionWrapHandler,
    StrictStr,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "Applicant",
    "Application",
    "Citation",
    "ComputationLine",
    "Decision",
    "DecisionWarning",
    "Establishment",
    "Outcome",
    "Priority",
    "Project",
    "Reason",
    "RulebookInfo",
    "Support",
]

#: The largest amount of money kcrules accepts: 10,000 billion đồng.
MAX_VND = 10_000_000_000_000

Money = Annotated[StrictInt, Field(ge=0, le=MAX_VND, description="Whole đồng (VND).")]
Count = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
Percent = Annotated[StrictInt, Field(ge=0, le=100)]
Code = Annotated[StrictStr, Field(min_length=1, max_length=120)]


def _day_or_iso_text(value: object) -> object:
    """A date is a date or text YYYY-MM-DD: no bytes, timestamps, date-times or other spellings."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value
    raise PydanticCustomError("date_text", "a date is text YYYY-MM-DD")


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A calendar day this library can reason about; anything else is taken for a typing mistake.
Day = Annotated[dt.date, BeforeValidator(_day_or_iso_text), Field(ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31))]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Establishment(_Input):
    """The establishment that benefits (cơ sở công nghiệp nông thôn)."""

    name: StrictStr | None = Field(None, max_length=300, description="Name, for reports.")
    tax_code: StrictStr | None = Field(
        None, pattern=r"^[0-9]{10}(-[0-9]{3})?$",
        description="Tax code (mã số thuế, 10 digits, or 10-3 for a branch): identifies the establishment "
        "across applications, e.g. for per-year limits in an annual plan.",
    )
    kind: Code = Field(description="Legal form: enterprise, cooperative, cooperative_group, household_business.")
    district: Code = Field(description="District-level unit where it produces (code, or name without accents).")
    registered_district: Code | None = Field(
        None, description="Where its head office is registered, if elsewhere (TT 46/2012 Điều 3.1.d)."
    )
    sector: Code = Field(description="Sector of production (NĐ 45/2012 Điều 5 khoản 1).")
    sme_group: Code = Field(
        "agriculture_industry_construction",
        description="SME sector group: agriculture_industry_construction or trade_services.",
    )
    employees: Count = Field(
        description="All workers, the yearly average (NĐ 56/2009; TT 46/2012 Điều 6.2.c counts all workers). "
        "From 2018-03-11 the SME test of NĐ 39/2018 counts insured workers only; this rulebook compares this "
        "count with its limit, a stricter reading that every such decision warns of."
    )
    capital_vnd: Money | None = Field(None, description="Total capital (tổng nguồn vốn), whole đồng.")
    revenue_vnd: Money | None = Field(None, description="Revenue of the previous year, whole đồng.")
    product_line: Code | None = Field(None, description="Product line, for Hanoi's priorities (QĐ 4892 §II.2.1).")
    fired_clay_brick_kiln: StrictBool = Field(
        False, description="Makes fired-clay bricks in improved manual or ring kilns (TT 46/2012 Điều 5.1)."
    )
    applies_cleaner_production: StrictBool = Field(False, description="The project applies cleaner production.")
    causes_pollution: StrictBool | None = Field(
        None, description="Production pollutes the environment. It decides Hanoi's non-polluting priority "
        "(QĐ 4892 §II.2.1): when it is not stated that priority is reported unknown and not counted."
    )
    in_highland_border_ethnic_area: StrictBool = False
    in_poor_district: StrictBool = False
    in_new_rural_commune: StrictBool = False
    in_disadvantaged_area: StrictBool = False
    has_export_contract: StrictBool = False
    local_material_share_percent: Percent | None = Field(
        None, description="Share of main materials bought in the same province, % of value."
    )
    typical_product_certified: StrictBool = False
    produces_for_export: StrictBool = Field(False, description="Makes products for export (TT 46/2012 Điều 6.2.a).")
    key_industry_product: StrictBool = False
    supporting_industry_product: StrictBool = False
    mechanical_for_agriculture: StrictBool = Field(
        False, description="Mechanical products serving agriculture and rural areas (NĐ 45/2012 Điều 6.2.a)."
    )


class Applicant(_Input):
    """Who submits the project (đơn vị thực hiện), when it is not the establishment itself."""

    kind: Code = Field(description="establishment, industry_trade_department, district_committee, association, service_organisation.")
    name: StrictStr | None = Field(None, max_length=300)
    district: Code | None = Field(None, description="For a district People's Committee: its district.")


class Project(_Input):
    """The project (đề án) and the quantities its activity needs."""

    approved: StrictBool = Field(description="Approved by the competent authority (TTLT 26/2014 Điều 7.2).")
    counterpart_funding_committed: StrictBool = Field(
        description="The applicant invested or committed the rest of the cost (TTLT 26/2014 Điều 7.3)."
    )
    other_state_funding: StrictBool = Field(
        description="The same item already receives other state funding (TTLT 26/2014 Điều 7.4)."
    )
    eligible_cost_vnd: Money = Field(description="Eligible cost of the item supported, whole đồng.")
    amount_requested_vnd: Money | None = Field(None, description="Support asked for, whole đồng.")
    start_date: Day | None = None
    end_date: Day | None = None
    learners: Count | None = Field(None, description="Learners per class.")
    classes: Count | None = None
    employment_committed: StrictBool | None = Field(
        None, description="A named establishment commits to employ the trained workers."
    )
    employer_name: StrictStr | None = Field(None, max_length=300)
    province: Code | None = Field(
        None, description="Partner province of a 3.7 class (name or statistics office code); the rulebook "
        "derives its region."
    )
    craft_small_industry: StrictBool | None = Field(
        None, description="The class transfers a small-industry or handicraft craft (nghề tiểu thủ công nghiệp, "
        "QĐ 4892 §II.3.7)."
    )
    learners_rural_workers: StrictBool | None = Field(
        None, description="The learners are rural workers (lao động nông thôn, QĐ 4892 §II.3.1)."
    )
    trainees_managers: StrictBool | None = Field(
        None, description="The trainees are leaders and managers of establishments (QĐ 4892 §II.3.2)."
    )
    machinery: StrictBool | None = Field(
        None, description="The project applies machinery or equipment (ứng dụng máy móc thiết bị; TT 46/2012 "
        "Điều 4.4; NĐ 45/2012 Điều 4.3; TTLT 26/2014 Điều 6.2.c), with or without a technology transfer "
        "(technology_transfer). Not given: the project is held to the machinery conditions, as before this "
        "field existed."
    )
    machinery_new: StrictBool | None = None
    machinery_one_kind: StrictBool | None = Field(
        None, description="Single machines, a cluster, or a group of machines of one kind, used in production or "
        "pollution treatment (TT 46/2012 Điều 4.4.a)."
    )
    technology_transfer: StrictBool | None = Field(
        None, description="The project transfers a technology or applies a technical advance (chuyển giao công "
        "nghệ, ứng dụng tiến bộ khoa học kỹ thuật; TT 46/2012 Điều 4.3), with or without machinery (machinery)."
    )
    technology_on_encouraged_list: StrictBool | None = Field(
        None, description="The technology is on the list of technologies encouraged for transfer (TT 46/2012 "
        "Điều 4.3.a)."
    )
    technology_transfer_lawful: StrictBool | None = Field(
        None, description="The transfer follows the procedure of the law on technology transfer (TT 46/2012 "
        "Điều 4.3.b)."
    )
    machinery_improves: StrictBool | None = Field(
        None,
        description="Raises productivity, quality or efficiency of materials and fuel, cuts pollution, or makes "
        "a new product, compared with the machinery in use (TT 46/2012 Điều 4.4.b).",
    )
    overseas_fairs_supported_this_year: Count | None = Field(
        None, description="Overseas fairs already supported for the establishment this year."
    )
    within_craft_village_festival: StrictBool | None = None
    village_without_craft: StrictBool | None = Field(None, description="The class brings a craft to a village with none.")
    fair_international_handicraft: StrictBool | None = Field(
        None, description="The fair is an international fair specialised in handicrafts (QĐ 4892 §II.3.4; "
        "TT 46/2012 Điều 4.8)."
    )
    consultancy_new_designs: StrictBool | None = Field(
        None, description="The consultancy designs new product samples (QĐ 4892 §II.3.6)."
    )
    approved_level_percent: Annotated[StrictInt, Field(ge=100, le=1000)] | None = Field(
        None, description="A priority level approved for this project, in percent of the normal ceilings "
        "(150 is 1.5 times). Give it with approved_by and approved_decision (TTLT 26/2014 Điều 6.2.t): without "
        "it the normal ceilings apply.",
    )
    approved_by: StrictStr | None = Field(None, max_length=300, description="Who approved the priority level.")
    approved_decision: StrictStr | None = Field(
        None, max_length=300, description="The decision that approved the priority level (number and date)."
    )
    designs: Count | None = Field(None, description="New designs to be produced.")

    @model_validator(mode="after")
    def _approved_level_complete(self) -> Project:
        given = [self.approved_level_percent is not None, bool(self.approved_by), bool(self.approved_decision)]
        if any(given) and not all(given):
            raise PydanticCustomError("approved_level_incomplete", "an approved priority level needs "
                                      "approved_level_percent, approved_by and approved_decision together")
        return self

    @model_validator(mode="after")
    def _dates_in_order(self) -> Project:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise PydanticCustomError("dates_out_of_order", "end_date {end} is before start_date {start}",
                                      {"end": self.end_date.isoformat(), "start": self.start_date.isoformat()})
        return self


class Application(_Input):
    """One application for khuyến công support."""

    id: StrictStr | None = Field(None, max_length=120, description="Your reference; echoed in the decision.")
    application_date: Day = Field(description="Date of the application; picks the law in force.")
    activity: Code = Field(description="Activity code of the rulebook (e.g. 3.3-machinery).")
    applicant: Applicant | None = Field(None, description="Defaults to the establishment applying for itself.")
    establishment: Establishment | None = Field(None, description="The beneficiary, for activities that have one.")
    project: Project


# ---------------------------------------------------------------- the decision

Outcome = Literal["met", "not_met", "not_applicable"]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _WrittenLater(_Output):
    """A frozen model some of whose fields may be written when first read.

    kcrules may return a decision whose reasons and summary are not written yet, and a support
    whose computation lines are not (kcrules.decide): sentences and lines are most of a
    decision's cost, and a screening caller reads only eligibility, amount and rank. Such a
    model keeps the one object that writes them in the __pydantic_private__ slot (these
    models have no private attributes of their own) and has them written, once, into its
    fields the first time any of them is read, or when the model is compared, copied,
    pickled, printed or serialised (also inside another model: the serializer below). To
    its reader it is the same frozen model with the same values and the same JSON.
    """

    if not TYPE_CHECKING:  # as pydantic's own: a type checker must not take every name for an attribute

        def __getattr__(self, name: str) -> Any:
            later = object.__getattribute__(self, "__pydantic_private__")
            if later is not None and name in later.names:
                return self._whole().__dict__[name]
            return super().__getattr__(name)

    def _whole(self) -> Any:
        """This model with every part written (parts written when first read are written now)."""
        # These models have no private attributes: the slot holds the writer of their later parts.
        later: Later | None = self.__pydantic_private__  # type: ignore[assignment]
        if later is not None:
            built, now = later.build(), self.__dict__
            # One new dict in the fields' order, swapped in whole: the JSON's key order is the
            # fields' order, and a reader in another thread sees the old dict or the new one.
            object.__setattr__(self, "__dict__", {k: now[k] if k in now else built[k] for k in _fields(type(self))})
            object.__setattr__(self, "__pydantic_private__", None)
        return self

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> Any:
        return handler(self._whole())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _WrittenLater):
            other._whole()
        return super(_WrittenLater, self._whole()).__eq__(other)

    def __hash__(self) -> int:  # as a frozen model's: its field values (a reason's dict makes it unhashable)
        return hash(tuple(self._whole().__dict__.values()))

    def __iter__(self) -> Any:
        return super(_WrittenLater, self._whole()).__iter__()

    def __repr_args__(self) -> Any:
        return super(_WrittenLater, self._whole()).__repr_args__()

    def __copy__(self) -> Any:
        return super(_WrittenLater, self._whole()).__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        return super(_WrittenLater, self._whole()).__deepcopy__(memo)

    def __getstate__(self) -> dict[Any, Any]:
        return super(_WrittenLater, self._whole()).__getstate__()


class ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes.

    Decisions are immutable and share their reasons (a rulebook memoises them),
    so a reason's values must not be changeable through one decision.
    """

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a decision is immutable")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[str, object]]]:
        return type(self), (dict(self),)


class Citation(_Output):
    """Where a rule or a number comes from."""

    document: str
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    text: str = Field(description="The citation as one line, e.g. 'TT 46/2012/TT-BCT Điều 4 khoản 1 điểm b'.")


class Reason(_Output):
    """The outcome of one criterion, with what was found and what the law asks."""

    criterion: str
    kind: Literal["eligibility", "priority"]
    outcome: Outcome
    actual: Annotated[dict[str, object], AfterValidator(ReadOnlyDict)] = Field(
        description="The facts read, by field path, as raw values (dates ISO): the machine form of `found`.")
    required: str = Field(description="What the law asks, in words (field labels, code names, levels in force).")
    citation: Citation
    text: str
    assumptions: tuple[str, ...] = ()
    found: str = Field(default="", description="The facts read, in words: each field's label and value.")


class ComputationLine(_Output):
    """One step of the support computation."""

    step: str
    amount_vnd: int
    text: str
    parameter: str | None = None


class Support(_WrittenLater):
    amount_vnd: int = Field(ge=0)
    lines: tuple[ComputationLine, ...]
    bound: str = Field(description="What decided the amount: share, a cap's id, eligible_cost, requested, ineligible.")
    rounding: str
    bound_label: str = Field(default="", description="`bound` in words: the ceiling's label, or the share, the "
                                                     "cost, the amount asked (empty when not explained).")


class Priority(_Output):
    rank_key: tuple[int, ...] = Field(description="Lower sorts first: compare tuples to rank applications.")
    score: int = Field(description="Higher is more priority; a display form of rank_key.")
    criteria_met: tuple[str, ...]
    text: str


class DecisionWarning(_Output):
    """A value used that is not Hanoi law: national guidance or an assumption."""

    parameter: str
    provenance: Literal["guidance", "assumption"]
    value: str = Field(description="The value as written for a reader (empty for an assumed rule).")
    note: str
    text: str
    value_raw: int | str | None = Field(
        default=None, description="The value's machine form: money and counts as int, dates ISO, "
                                  "percents and ratios as decimal text ('0.5', '1.5'); null for an assumed rule.")


class RulebookInfo(_Output):
    id: str
    version: str = Field(description="Content hash of every rule file in the chain.")
    title: str
    chain: tuple[str, ...]


class Decision(_WrittenLater):
    """The explained result of evaluating one application."""

    application_id: str | None
    activity: str
    eligible: bool
    support: Support
    priority: Priority
    reasons: tuple[Reason, ...]
    warnings: tuple[DecisionWarning, ...]
    rulebook: RulebookInfo
    law_date: dt.date
    lang: Literal["vi", "en"]
    summary: str

    @property
    def support_vnd(self) -> int:
        return self.support.amount_vnd

    @property
    def failed(self) -> tuple[Reason, ...]:
        """The eligibility criteria that were not met."""
        return tuple(r for r in self.reasons if r.kind == "eligibility" and r.outcome == "not_met")


class Later(Protocol):
    """What writes a model's parts when they are first read (see ``_WrittenLater``)."""

    names: frozenset[str]

    def build(self) -> dict[str, Any]:
        """The parts named in ``names``, by field name."""
        ...


M = TypeVar("M", bound=BaseModel)


# BaseModel's own slots, set through their descriptors (a third faster than object.__setattr__
# by name, which matters for the few models every decision assembles).
_SET_DICT = object.__setattr__
_SET_FIELDS_SET = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE = BaseModel.__dict__["__pydantic_private__"].__set__


def assemble(cls: type[M], **values: Any) -> M:
    """A model from values kcrules itself built and checked, without validating them again.

    For the decision parts only (every field given, of its declared type):
    validating them again would give an equal object, at a cost comparable to
    the whole decision. The result is the same frozen model as a validated
    one; ``tests/test_engines_equal.py`` compares both.
    """
    given = _all_set(cls)
    return _made(cls, values, given if len(values) == len(given) else set(values), None)


W = TypeVar("W", bound=_WrittenLater)


def assemble_later(cls: type[W], later: Later, **values: Any) -> W:
    """A decision or a support from the values kcrules built (see :func:`assemble`), ``later``
    writing the others when read."""
    return _made(cls, values, _all_set(cls), later)


def _fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """A model's field names in order (pydantic's ``model_fields`` is a property of the class: read once)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(cls.model_fields)
    return found


def _all_set(cls: type[BaseModel]) -> set[str]:
    """A model's field names as its set of fields given, one set shared by every model of the class
    assembled with all its fields.

    A set of its own for each would be an object more for each reason, line and decision: more
    memory, and more objects for the cycle collector to walk (explained decisions keep reasons
    in memos). Sharing it is safe because these models are frozen: pydantic changes the set only
    when a field is set, which they refuse, and gives a copy (``model_copy``) a set of its own.
    """
    found = _ALL_SET.get(cls)
    if found is None:
        found = _ALL_SET[cls] = set(_fields(cls))
    return found


_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}
_ALL_SET: dict[type[BaseModel], set[str]] = {}


def _made(cls: type[M], values: dict[str, Any], fields_set: set[str], private: Any) -> M:
    obj = object.__new__(cls)
    _SET_DICT(obj, "__dict__", values)
    _SET_FIELDS_SET(obj, fields_set)
    _SET_EXTRA(obj, None)
    _SET_PRIVATE(obj, private)
    return obj
