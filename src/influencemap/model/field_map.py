"""How a bulk layer's ``fields:`` turns the columns of a real table into feature keys.

Published tables are not written for us: a key column holds ``42183`` or ``IDN`` (not an id),
countries are spelled ``Kyrgyz Republic``, agencies are ``|``-separated, dates are
``2007-06-28 00:00:00`` or ``2007.0``, precision is a code such as ``ADM1``. Each entry of
``fields:`` says how to read one key, so such a table maps without preprocessing:

    fields:
      id: "aiddata-{AidData TUFF Project ID}"          # a template over the row
      countries: Recipient                              # ISO-2, ISO-3 or an English name
      actors: {columns: [Funding Agencies, Receiving Agencies], separator: "|"}
      start: {column: Actual Start, format: "%m/%d/%Y"}
      precision: {column: Precision, map: {PRECISE: site, ADM1: region}, default: country}
      figures:
        - {label: Amount, value: Amount (USD), unit: USD}
      locator: "project {AidData TUFF Project ID}"

This module reads those entries (:func:`read_spec`) and the cells they name (:class:`Spec`);
:mod:`.bulk_data` checks the results by the feature rules. Qt-free and pandas-free.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from influencemap.model.feature_rules import RowProblem
from influencemap.model.yaml_nodes import Node

if TYPE_CHECKING:
    from influencemap.model.fields import FieldReader

TEMPLATE = re.compile(r"\{([^{}]+)\}")
"""``{Column name}`` in a template; no format specs or attribute access (a template is data)."""
SPEC_KEYS = ("column", "columns", "template", "separator", "map", "default", "format", "slug")
FIGURE_KEYS = ("label", "value", "unit")
DATE_KEYS = ("date", "start", "end")


@dataclass
class Spec:
    """How one feature key is read: from columns or a template, then split, mapped, slugged."""

    columns: tuple[str, ...] = ()
    template: str | None = None
    separator: str | None = None
    values: dict[str, str] | None = None
    default: str | None = None
    format: str | None = None
    slug: bool = False
    node: Node | None = None

    @property
    def label(self) -> str:
        """How messages name the source of the key: ``'Recipient'`` or the template."""
        if self.template is not None:
            return self.template
        return " + ".join(self.columns)

    def needed_columns(self) -> list[str]:
        if self.template is not None:
            return TEMPLATE.findall(self.template)
        return list(self.columns)


@dataclass
class FigureSpec:
    label: str
    value: str
    unit: str | None = None
    unit_column: str | None = None
    node: Node | None = None


@dataclass
class FieldMap:
    specs: dict[str, Spec] = field(default_factory=dict)
    figures: list[FigureSpec] = field(default_factory=list)
    figures_node: Node | None = None


def read_spec(reader: FieldReader, key: str, node: Node, templates: bool) -> Spec | None:
    """One entry of ``fields:``: a column name, a template (``"…{Column}…"``, for keys that
    are text) or a mapping of :data:`SPEC_KEYS`."""
    if node.is_scalar:
        text = reader.text(node, f"the column for '{key}'")
        if text is None:
            return None
        if templates and TEMPLATE.search(text):
            return Spec(template=text, node=node)
        return Spec(columns=(text,), node=node)
    keys = reader.mapping(node, f"the field '{key}'", SPEC_KEYS)
    if keys is None:
        return None
    before = reader.error_count
    spec = Spec(node=node)
    given = [k for k in ("column", "columns", "template") if k in keys]
    if len(given) != 1:
        reader.error(node, f"the field '{key}' needs one of 'column', 'columns' or 'template'")
        return None
    if "column" in keys:
        column = reader.text(keys["column"], f"the column for '{key}'")
        spec.columns = (column,) if column else ()
    elif "columns" in keys:
        columns = reader.text_list(keys["columns"], f"the columns for '{key}'")
        if columns is not None and not columns:
            reader.error(keys["columns"], f"the columns for '{key}' must not be empty")
        spec.columns = tuple(columns or ())
    else:
        spec.template = reader.text(keys["template"], f"the template for '{key}'")
        if spec.template is not None and not TEMPLATE.search(spec.template):
            reader.error(keys["template"], f"the template for '{key}' names no column: write '{{COLUMN}}'")
    if "separator" in keys:
        node_sep = keys["separator"]
        if reader.expect(node_sep, "scalar", f"the separator for '{key}'"):
            separator = "" if node_sep.is_null else str(node_sep.value)
            if not separator:
                reader.error(node_sep, f"the separator for '{key}' must not be empty")
            spec.separator = separator
    if "map" in keys:
        mapping = keys["map"]
        if reader.expect(mapping, "map", f"the value map of '{key}'"):
            spec.values = {}
            for k, v in mapping.items():
                target = reader.text(v, f"the value '{k.value}' maps to")
                if target is not None:
                    spec.values[str(k.value).strip()] = target
    if "default" in keys:
        spec.default = reader.text(keys["default"], f"the default of '{key}'")
    if "format" in keys:
        spec.format = reader.text(keys["format"], f"the date format of '{key}'")
        if spec.format is not None and key not in DATE_KEYS:
            reader.error(keys["format"], f"'format' is for dates ({', '.join(DATE_KEYS)}), not '{key}'")
    if "slug" in keys:
        slug = keys["slug"]
        flag = str(slug.value).strip().lower() if slug.is_scalar and not slug.is_null else None
        if flag in ("true", "false"):
            spec.slug = flag == "true"
        else:
            reader.error(slug, f"'slug' of '{key}' must be true or false")
    return spec if reader.error_count == before else None


def read_figures(reader: FieldReader, node: Node) -> list[FigureSpec] | None:
    """``figures: [{label: Amount, value: COLUMN, unit: USD | {column: COLUMN}}, …]``."""

    def one(item: Node) -> FigureSpec | None:
        keys = reader.mapping(item, "a figure of 'fields'", FIGURE_KEYS, ("label", "value"))
        if keys is None or "label" not in keys or "value" not in keys:
            return None
        label = reader.text(keys["label"], "the figure's label")
        value = reader.text(keys["value"], "the figure's value column")
        unit = unit_column = None
        if "unit" in keys:
            unit_node = keys["unit"]
            if unit_node.is_map:
                unit_keys = reader.mapping(unit_node, "the figure's unit", ("column",), ("column",))
                if unit_keys and "column" in unit_keys:
                    unit_column = reader.text(unit_keys["column"], "the figure's unit column")
            else:
                unit = reader.text(unit_node, "the figure's unit")
        if label is None or value is None:
            return None
        return FigureSpec(label, value, unit, unit_column, item)

    return reader.items(node, "figures of 'fields'", one)


# -- cells ---------------------------------------------------------------------------------


def missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return type(value).__name__ == "NaTType"


def fill_template(template: str, row: dict[str, object], text) -> tuple[str | None, str | None]:
    """The template with each ``{Column}`` replaced by the row's cell as text; (None, column)
    when a cell it needs is empty."""
    empty: list[str] = []

    def cell(match: re.Match) -> str:
        value = row[match.group(1)]
        if missing(value):
            empty.append(match.group(1))
            return ""
        return text(value)

    result = TEMPLATE.sub(cell, template)
    return (None, empty[0]) if empty else (result, None)


def slug(text: str) -> str:
    """The slug rule for ids: ASCII letters folded, lower case, every run of other characters
    one hyphen, none at the ends: ``IDN`` → ``idn``, ``Côte d'Ivoire 42`` → ``cote-d-ivoire-42``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def name_slug(text: str, limit: int = 60) -> str:
    """A name made an id or a file name: accents dropped (``ô`` → ``o``, ``ł`` → ``l``), lower
    case, every run of other characters one hyphen, at most ``limit`` characters, no hyphen at
    the ends: ``Port of Gwadar`` → ``port-of-gwadar``, ``Loans 2009–2020`` → ``loans-2009-2020``
    (unlike :func:`slug`, a character it cannot fold still separates words). Empty when the name
    has no letter or digit it can keep (``北京``)."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    unaccented = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", unaccented).strip("-")[:limit].rstrip("-")


_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_YEAR_FLOAT = re.compile(r"^(\d{4})\.0+$")


def normal_date(text: str, pattern: str | None) -> str:
    """A date cell as ``YYYY[-MM[-DD]]``: ``2007.0`` → ``2007``, ``2007-06-28 00:00:00`` or
    ``2007-06-28T10:00:00Z`` → ``2007-06-28`` (the day: the map's dates are days), and with a
    stated pattern (``%m/%d/%Y``) parsed by it. Raises ValueError for a text the pattern does
    not fit; other texts are returned as they are, for the date check to judge."""
    text = text.strip()
    if pattern is not None:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            raise ValueError(f"'{text}' does not match the format '{pattern}'") from None
        has_day, has_month = "%d" in pattern or "%j" in pattern, "%m" in pattern or "%b" in pattern or "%B" in pattern
        if has_day:
            return parsed.date().isoformat()
        return f"{parsed.year:04d}-{parsed.month:02d}" if has_month else f"{parsed.year:04d}"
    match = _YEAR_FLOAT.match(text) or _DATE_TIME.match(text)
    return match.group(1) if match else text


# -- countries -----------------------------------------------------------------------------

COUNTRY_ALIASES = {
    # Spellings of international datasets (UN, World Bank, AidData) that GeoNames' short names
    # and Natural Earth's do not include. Each is the name of one ISO 3166-1 country.
    "kyrgyz republic": "KG",
    "turkiye": "TR",
    "russian federation": "RU",
    "viet nam": "VN",
    "cote d'ivoire": "CI",
    "lao people's democratic republic": "LA",
    "lao pdr": "LA",
    "brunei darussalam": "BN",
    "timor-leste": "TL",
    "congo": "CG",
    "republic of congo": "CG",
    "congo, rep.": "CG",
    "congo, dem. rep.": "CD",
    "democratic republic of congo": "CD",
    "iran, islamic republic of": "IR",
    "islamic republic of iran": "IR",
    "korea, democratic people's republic of": "KP",
    "democratic people's republic of korea": "KP",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "syrian arab republic": "SY",
    "republic of moldova": "MD",
    "moldova, republic of": "MD",
    "united republic of tanzania": "TZ",
    "tanzania, united republic of": "TZ",
    "venezuela, bolivarian republic of": "VE",
    "bolivia, plurinational state of": "BO",
    "micronesia, federated states of": "FM",
    "west bank and gaza": "PS",
    "palestine": "PS",
    "state of palestine": "PS",
    "slovak republic": "SK",
    "czech republic": "CZ",
    "macedonia": "MK",
    "swaziland": "SZ",
    "cape verde": "CV",
    "gambia, the": "GM",
    "the gambia": "GM",
    "bahamas, the": "BS",
    "the bahamas": "BS",
    "egypt, arab rep.": "EG",
    "yemen, rep.": "YE",
    "people's republic of china": "CN",
    "china (people's republic of)": "CN",
    "united states of america": "US",
    "united kingdom of great britain and northern ireland": "GB",
    "burma": "MM",
    "kosovo": "XK",
}


def _name_key(name: str) -> str:
    """Names compared without accents, case or punctuation other than letters and digits."""
    name = re.sub("['’`ʼ]", "", name)
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", " ", folded.lower()).strip()


@lru_cache(maxsize=1)
def country_table() -> dict[str, str]:
    """Every way this module reads a country → its ISO alpha-2 code: the codes, ISO alpha-3
    codes and names of GeoNames' list (the table :mod:`influencemap.geo.basemap` uses), the
    basemap's own names, and :data:`COUNTRY_ALIASES`."""
    from influencemap.geo import basemap

    known = basemap.known_country_codes()
    table: dict[str, str] = {}
    for code, entry in basemap.country_entries().items():
        if code not in known:
            continue
        if entry.get("iso3"):
            table[str(entry["iso3"]).upper()] = code
        if entry.get("name"):
            table[_name_key(entry["name"])] = code
    for code, name in basemap.basemap_country_names().items():
        if code in known and name:
            table.setdefault(_name_key(name), code)
    for name, code in COUNTRY_ALIASES.items():
        table[_name_key(name)] = code
    for code in known:
        table[code] = code
    return table


def country_code(text: str) -> str | None:
    """The ISO alpha-2 code of an ISO-2 or ISO-3 code or English name; None if unknown."""
    table = country_table()
    stripped = text.strip()
    if len(stripped) in (2, 3) and stripped.isalpha():
        code = table.get(stripped.upper())
        if code is not None:
            return code
    return table.get(_name_key(stripped))


def country_codes(column: Sequence[str], key: str = "countries") -> tuple[list[str | None], list[RowProblem]]:
    """:func:`country_code` of every text of ``column`` (bulk cells: codes or English names),
    each distinct text once: (the alpha-2 codes, None where a text names no country; a
    ``country`` :class:`~.feature_rules.RowProblem` for each of those rows), as
    :func:`.feature_rules.country_codes` answers for the codes a layer file may write."""
    decided = {text: country_code(text) for text in set(column)}
    codes = [decided[text] for text in column]
    if None not in decided.values():
        return codes, []
    return codes, [RowProblem(row, key, "country") for row, code in enumerate(codes) if code is None]
