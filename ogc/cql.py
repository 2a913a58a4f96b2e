"""CQL2 filters (OGC API - Features Part 3) on a layer's queryables, through pygeofilter.

pygeofilter parses ``cql2-text`` and ``cql2-json`` into its AST; its evaluator framework turns
that tree into a Django filter here, on the published values: each queryable maps to its ORM
path through ``Layer.with_paths`` (an indexed column when it holds exactly the published value).
Only the layer's queryables and ``geometry`` can be named: any other name is a 400, so a filter
can never reach a column or a relation the layer does not publish.

Supported (and declared in ``/conformance``): comparisons (=, <>, <, <=, >, >=, IS NULL),
AND/OR/NOT with SQL's three-valued logic (a comparison with a null value is not true, nor is
its negation), LIKE (``%`` and ``_``, ``\\`` escapes), BETWEEN, IN, CASEI, ACCENTI, the array
operators on list fields (A_EQUALS, A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS) and the spatial
operators (S_INTERSECTS, S_DISJOINT, S_CONTAINS, S_WITHIN, S_TOUCHES, S_CROSSES, S_OVERLAPS,
S_EQUALS) with any geometry literal or BBOX, in CRS84. pygeofilter 0.4's text grammar has no
array predicates: they are added to its grammar here (``%extend``), nothing else is changed but
doubled quotes inside strings (``'l''école'``), as CQL2 writes them.
``cql-text`` is the dialect GDAL's OAPIF driver writes from an OGR SQL ``-where`` (the draft's
name): read as ``cql2-text``, except that its LIKE is case-insensitive, as OGR SQL's LIKE is (and
GeoPackage's), so that a ``-where`` pushed to the server finds what it finds on a downloaded
copy; ILIKE (case-insensitive) is read in both.
"""

from __future__ import annotations

import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import shapely
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db.models import BooleanField, ExpressionWrapper, F, Func, Q, TextField, Value
from django.db.models.expressions import NegatedExpression
from django.db.models.functions import Lower
from lark import Lark, v_args
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import Evaluator, handle
from pygeofilter.cql2 import ARRAY_PREDICATES_MAP
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parser as text_parser
from shapely.geometry import shape

from geo_directory.layers import ParameterError

from .crs import parse_bbox

LANGUAGES = ("cql2-text", "cql2-json")
ALIASES = {"cql-text": "cql2-text"}
GEOMETRY = "geometry"
GEOMETRY_ALIAS = "_ogc_geometry"
MAX_LENGTH = 20_000
MAX_DEPTH = 64  # nesting of conditions (a chain of 1,000 ORs would exhaust Python's stack)

TEXT_EXTENSIONS = r"""
%extend predicate: _array_predicate_func "(" expression "," array ")" -> binary_array_predicate
                 | expression "ILIKE"i expression -> ilike
                 | expression "NOT"i "ILIKE"i expression -> not_ilike
!_array_predicate_func: "A_EQUALS"i | "A_CONTAINS"i | "A_CONTAINEDBY"i | "A_OVERLAPS"i
array: "(" [expression ("," expression)*] ")"
%override SINGLE_QUOTED: /'(?:[^']|'')*'/
"""


@v_args(meta=False, inline=True)
class TextTransformer(text_parser.CQLTransformer):
    def binary_array_predicate(self, op, lhs, items):
        return ARRAY_PREDICATES_MAP[str(op).lower()](lhs, items)

    def array(self, *items):
        return list(items)

    def SINGLE_QUOTED(self, token):
        return token[1:-1].replace("''", "'")


@lru_cache(maxsize=1)
def _text_parser() -> Lark:
    path = os.path.join(os.path.dirname(text_parser.__file__), "grammar.lark")
    with open(path, encoding="utf-8") as grammar:
        source = io.StringIO(grammar.read() + TEXT_EXTENSIONS)
    source.name = path  # its relative %import (WKT, ISO 8601) resolve from there
    return Lark(
        source,
        parser="lalr",
        maybe_placeholders=False,
        transformer=TextTransformer(),
        import_paths=[os.path.dirname(os.path.dirname(text_parser.__file__))],
    )


def _message(error: Exception) -> str:
    """The parser's own message, its first line (lark lists every expected token after it)."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def parse(raw: str, language: str | None):
    """The AST of ``raw`` in ``language`` (``filter-lang``; default cql2-text)."""
    requested = language
    language = ALIASES.get(language, language) if language else "cql2-text"
    if language not in LANGUAGES:
        raise ParameterError(
            "filter-lang", f"filter-lang doit valoir {' ou '.join(LANGUAGES)} (reçu {language!r})."
        )
    if len(raw) > MAX_LENGTH:
        raise ParameterError("filter", f"filter : au plus {MAX_LENGTH} caractères.")
    try:
        if language == "cql2-json":
            tree = parse_json(json.loads(raw))
        else:
            tree = _text_parser().parse(raw)
    except RecursionError:
        raise ParameterError("filter", "filter : expression trop imbriquée.") from None
    except Exception as error:  # lark's and pygeofilter's errors (it raises bare Exception)
        raise ParameterError(
            "filter", f"filter : expression {language} illisible ({_message(error)})."
        ) from None
    _check_depth(tree)
    if requested == "cql-text":
        _like_ignores_case(tree)
    return tree


def _children(node) -> list:
    if isinstance(node, list):
        return node
    subnodes = node.get_sub_nodes() if hasattr(node, "get_sub_nodes") else None
    if isinstance(subnodes, list):
        return subnodes
    return [] if subnodes is None else [subnodes]


def _check_depth(tree):
    """A FilterError when the tree nests deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FilterError(
                f"expression trop imbriquée (plus de {MAX_DEPTH} niveaux) : utilisez IN (...) "
                "plutôt qu'une longue suite de OR."
            )
        stack.extend((child, depth + 1) for child in _children(node))


def _like_ignores_case(node):
    """OGR SQL's LIKE ignores case: so does the LIKE of GDAL's cql-text."""
    if isinstance(node, ast.Like):
        node.nocase = True
    subnodes = node.get_sub_nodes() if hasattr(node, "get_sub_nodes") else None
    for sub in subnodes if isinstance(subnodes, list) else [subnodes] if subnodes else []:
        _like_ignores_case(sub)


def attributes(node) -> set[str]:
    """Every property name the tree reads."""
    if isinstance(node, ast.Attribute):
        return {node.name}
    names = set()
    if isinstance(node, ast.Like):
        names |= attributes(node.pattern)
    subnodes = node.get_sub_nodes() if hasattr(node, "get_sub_nodes") else None
    if isinstance(subnodes, list):
        for sub in subnodes:
            names |= attributes(sub)
    elif subnodes is not None:
        names |= attributes(subnodes)
    if isinstance(node, list):
        for sub in node:
            names |= attributes(sub)
    return names


@dataclass(frozen=True)
class Property:
    """A queryable as the evaluator sees it: its definition and ORM path (or expression)."""

    field: object  # geo_directory.layers.Field, None for the geometry
    path: str
    transforms: tuple[str, ...] = ()  # "lower", "unaccent"

    def expression(self):
        expression = F(self.path)
        for name in self.transforms:
            expression = Lower(expression) if name == "lower" else Unaccent(expression)
        return expression


class Unaccent(Func):
    function = "unaccent"
    output_field = TextField()


class FilterError(ParameterError):
    def __init__(self, message: str):
        super().__init__("filter", f"filter : {message}")


def _boolean(q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _not(q):
    """SQL's NOT: unknown stays unknown (Django's ``~Q`` would let null values in)."""
    return Q(NegatedExpression(_boolean(q)))


class LayerFilterEvaluator(Evaluator):
    """A pygeofilter AST -> a Django ``Q`` over the layer's published values."""

    def __init__(self, properties: dict[str, Property]):
        self.properties = properties

    def adopt(self, node, *sub_args):
        kind = type(node).__name__
        raise FilterError(f"opération non prise en charge ({kind}).")

    # Logic
    @handle(ast.And)
    def and_(self, node, lhs, rhs):
        return lhs & rhs

    @handle(ast.Or)
    def or_(self, node, lhs, rhs):
        return lhs | rhs

    @handle(ast.Not)
    def not_(self, node, sub):
        return _not(sub)

    @handle(ast.Include)
    def include(self, node):
        return Q(pk__in=[]) if node.not_ else Q()

    # Operands
    @handle(ast.Attribute)
    def attribute(self, node):
        prop = self.properties.get(node.name)
        if prop is None:
            names = ", ".join(sorted(self.properties))
            raise FilterError(f"propriété inconnue ou non interrogeable : {node.name!r} ({names}).")
        return prop

    @handle(*values.LITERALS)
    def literal(self, node):
        return node

    @handle(values.Geometry)
    def geometry(self, node):
        try:  # through shapely (GEOS), not GDAL: user input never reaches GDAL
            geometry = GEOSGeometry(memoryview(shapely.to_wkb(shape(node.__geo_interface__))))
        except (GEOSException, shapely.errors.ShapelyError, ValueError, TypeError) as error:
            raise FilterError(f"géométrie illisible ({_message(error)}).") from None
        geometry.srid = 4326
        return geometry

    @handle(values.Envelope)
    def envelope(self, node):
        return self._bbox([node.x1, node.x2, node.y1, node.y2])

    @handle(ast.Function)
    def function(self, node, *args):
        name = node.name.lower()
        if name == "bbox":
            return self._bbox(args)
        if name in ("lower", "accenti") and len(args) == 1:
            transform = "lower" if name == "lower" else "unaccent"
            (arg,) = args
            if isinstance(arg, Property) and arg.field is not None and not arg.field.many:
                return Property(arg.field, arg.path, (*arg.transforms, transform))
            if isinstance(arg, str):
                return _Text(arg, (transform,))
            if isinstance(arg, _Text):
                return _Text(arg.value, (*arg.transforms, transform))
        raise FilterError(f"fonction non prise en charge : {node.name}.")

    def _bbox(self, numbers):
        if len(numbers) not in (4, 6) or not all(isinstance(n, int | float) for n in numbers):
            raise FilterError("BBOX attend 4 ou 6 nombres.")
        try:
            from .crs import DEFAULT

            return parse_bbox(",".join(str(n) for n in numbers), DEFAULT)
        except ParameterError as error:
            raise FilterError(error.message) from None

    # Comparisons
    @handle(ast.Comparison, subclasses=True)
    def comparison(self, node, lhs, rhs):
        op = node.op.value
        if not isinstance(lhs, Property):
            lhs, rhs = rhs, lhs
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        prop = self._scalar(lhs)
        value = self._value(prop, rhs)
        if op == "<>":
            return _not(Q(_boolean_cmp(prop, "exact", value)))
        lookup = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[op]
        return Q(_boolean_cmp(prop, lookup, value))

    @handle(ast.Between)
    def between(self, node, lhs, low, high):
        prop = self._scalar(lhs)
        q = Q(_boolean_cmp(prop, "gte", self._value(prop, low))) & Q(
            _boolean_cmp(prop, "lte", self._value(prop, high))
        )
        return _not(q) if node.not_ else q

    @handle(ast.In)
    def in_(self, node, lhs, *options):
        prop = self._scalar(lhs)
        q = Q(_boolean_cmp(prop, "in", [self._value(prop, o) for o in options]))
        return _not(q) if node.not_ else q

    @handle(ast.IsNull)
    def null(self, node, lhs):
        if not isinstance(lhs, Property):
            raise FilterError("IS NULL s'applique à une propriété.")
        q = Q(**{f"{lhs.path}__isnull": True})
        return _not(q) if node.not_ else q

    @handle(ast.Like)
    def like(self, node, lhs):
        prop = self._scalar(lhs)
        if prop.field.type != "string":
            raise FilterError(f"LIKE s'applique au texte, pas à {prop.field.name}.")
        pattern = node.pattern
        transforms = ()
        if isinstance(pattern, ast.Function):
            pattern = self.function(pattern, *[self.evaluate(a, False) for a in pattern.arguments])
        if isinstance(pattern, _Text):
            pattern, transforms = pattern.value, pattern.transforms
        if not isinstance(pattern, str):
            raise FilterError("le motif de LIKE doit être un texte.")
        if node.nocase:  # ILIKE
            prop = Property(prop.field, prop.path, (*prop.transforms, "lower"))
            transforms = (*transforms, "lower")
        pattern = _apply(pattern, transforms)
        if "unaccent" in prop.transforms:
            pattern = _strip_accents(pattern)
        q = Q(_boolean_cmp(prop, "regex", _like_regex(pattern)))
        return _not(q) if node.not_ else q

    # Arrays
    @handle(ast.ArrayPredicate, subclasses=True)
    def array(self, node, lhs, rhs):
        if not isinstance(lhs, Property) or lhs.field is None or not lhs.field.many:
            raise FilterError(
                f"{node.op.value} compare une propriété liste à une liste de valeurs."
            )
        if not isinstance(rhs, list) or not all(isinstance(v, str) for v in rhs):
            raise FilterError(f"{node.op.value} attend une liste de textes, ex. ('a', 'b').")
        lookup = {
            "AEQUALS": "exact",
            "ACONTAINS": "contains",
            "ACONTAINEDBY": "contained_by",
            "AOVERLAPS": "overlap",
        }[node.op.value]
        return Q(**{f"{lhs.path}__{lookup}": list(rhs)})

    # Space
    @handle(ast.SpatialComparisonPredicate, subclasses=True)
    def spatial(self, node, lhs, rhs):
        op = node.op.name.lower()
        if not isinstance(lhs, Property):
            lhs, rhs = rhs, lhs
            op = {"within": "contains", "contains": "within"}.get(op, op)
        if not isinstance(lhs, Property) or lhs.field is not None:
            raise FilterError(f"{node.op.name} compare la géométrie (geometry) à une géométrie.")
        if not isinstance(rhs, GEOSGeometry):
            raise FilterError(f"{node.op.name} attend une géométrie WKT ou BBOX(...).")
        return Q(**{f"{lhs.path}__{op}": rhs})

    @handle(ast.BBox)
    def bbox(self, node, lhs):
        if not isinstance(lhs, Property) or lhs.field is not None:
            raise FilterError("BBOX s'applique à la géométrie (geometry).")
        area = self._bbox([node.minx, node.miny, node.maxx, node.maxy])
        return Q(**{f"{lhs.path}__intersects": area})

    # Helpers
    def _scalar(self, lhs) -> Property:
        if not isinstance(lhs, Property):
            raise FilterError("une comparaison porte sur une propriété et une valeur.")
        if lhs.field is None:
            raise FilterError("la géométrie se compare par S_INTERSECTS, S_WITHIN...")
        if lhs.field.many:
            raise FilterError(
                f"{lhs.field.name} est une liste : utilisez A_CONTAINS({lhs.field.name}, "
                "('valeur')), A_OVERLAPS, A_EQUALS ou A_CONTAINEDBY."
            )
        return lhs

    def _value(self, prop: Property, value):
        if isinstance(value, Property):
            raise FilterError("comparer deux propriétés entre elles n'est pas pris en charge.")
        if isinstance(value, _Text):
            value = _apply(value.value, value.transforms)
        return coerce(prop.field, value)


@dataclass(frozen=True)
class _Text:
    """A text literal wrapped in CASEI/ACCENTI."""

    value: str
    transforms: tuple[str, ...]


def _apply(text: str, transforms) -> str:
    """CASEI of a literal in Python; its ACCENTI is done by the database (``_boolean_cmp``)."""
    return text.lower() if "lower" in transforms else text


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _boolean_cmp(prop: Property, lookup: str, value):
    """``prop <lookup> value`` as a boolean expression (transforms applied on both sides)."""
    from django.db.models import lookups

    expression = prop.expression()
    if "unaccent" in prop.transforms:
        if isinstance(value, str):
            value = Unaccent(Value(value))
        elif isinstance(value, list):
            value = [Unaccent(Value(v)) if isinstance(v, str) else v for v in value]
    classes = {
        "exact": lookups.Exact,
        "lt": lookups.LessThan,
        "lte": lookups.LessThanOrEqual,
        "gt": lookups.GreaterThan,
        "gte": lookups.GreaterThanOrEqual,
        "in": lookups.In,
        "regex": lookups.Regex,
    }
    return classes[lookup](expression, value)


def _like_regex(pattern: str) -> str:
    """A CQL2 LIKE pattern (``%`` any text, ``_`` one character, ``\\`` escapes) as an
    anchored regular expression (PostgreSQL's ``~``: case-sensitive, ``.`` matches newlines)."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return "^" + "".join(out) + "$"


def coerce(field, value):
    """``value`` as the type of ``field``, or a FilterError naming both."""
    kind = field.type
    if kind == "string":
        if isinstance(value, str):
            return value
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in (0, 1) and isinstance(value, int):  # GDAL's booleans are integers
            return bool(value)
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    elif kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:  # GDAL writes dates as '2024-01-31T'
                return date.fromisoformat(value[:10])
            except ValueError:
                pass
    expected = {
        "string": "un texte entre apostrophes",
        "boolean": "true ou false",
        "integer": "un entier",
        "number": "un nombre",
        "date": "une date (DATE('2024-01-31') ou '2024-01-31')",
    }[kind]
    raise FilterError(f"{field.name} attend {expected} (reçu {value!r}).")


def apply(layer, queryset, tree):
    """``queryset`` filtered by the CQL2 ``tree`` (a ParameterError naming ``filter`` when it
    names an unknown property or compares values of the wrong type)."""
    names = attributes(tree)
    queryable = {f.name for f in layer.filterable()}
    unknown = sorted(names - queryable - {GEOMETRY})
    if unknown:
        raise FilterError(
            f"propriété inconnue ou non interrogeable : {unknown[0]}. "
            f"Interrogeables : {', '.join(sorted(queryable | {GEOMETRY}))}."
        )
    queryset, paths = layer.with_paths(queryset, sorted(names & queryable))
    properties = {name: Property(layer.field(name), path) for name, path in paths.items()}
    if GEOMETRY in names:
        queryset = queryset.alias(**{GEOMETRY_ALIAS: layer.plain_geometry()})
        properties[GEOMETRY] = Property(None, GEOMETRY_ALIAS)
    q = LayerFilterEvaluator(properties).evaluate(tree)
    if not isinstance(q, Q):
        raise FilterError("l'expression n'est pas une condition (vrai ou faux).")
    return queryset.filter(q)
