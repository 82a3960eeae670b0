"""What ``validate --strict`` adds to the loader's problems: evidence that is allowed but thin.

A citation without a ``locator`` sends the reader through the whole document to find the
passage; the bundled data gives one for every citation, and the add-feature form asks for it.
"""

from __future__ import annotations

from influencemap.model.catalog import Catalog
from influencemap.model.quote_check import CitationPlaces
from influencemap.model.types import Problem, Severity


def strict_problems(catalog: Catalog) -> list[Problem]:
    """A warning per citation without a locator, at the citation. A bulk row's own documents
    (``fields: {source_urls: …}``: sources made from the row, where the feature was read) are
    the dataset's list for that record, which names no place in them: they are not counted."""
    problems = []
    places = CitationPlaces()
    for feature in catalog.features():
        for index, citation in enumerate(feature.citations, start=1):
            source = catalog.sources.get(citation.ref)
            if source is not None and feature.origin is not None and source.origin == feature.origin:
                continue
            if not citation.locator:
                problems.append(Problem(
                    places.origin(feature, index - 1, key=None), Severity.WARNING,
                    f"citation {index} of feature '{feature.id}' (source '{citation.ref}') has no locator: "
                    "say where in the document the evidence is (section, paragraph, page)",
                ))
    return problems
