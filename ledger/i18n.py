"""The language of what kerang says: English (the default) or Bahasa Indonesia.

Two functions, one catalog (``ledger/i18n_id.py``, English template -> Indonesian template):

* ``tr(template, **values)`` formats the template in the chosen language *now*. Renderers and
  the CLI use it for table titles, headers, row labels and sentences.
* ``msg(template, **values)`` is for domain code (refusals, outcomes, audit details): it
  returns a ``Message``, a ``str`` whose text is the English sentence, so JSON documents,
  comparisons and logs see English; it keeps its template and values, and ``localise()``
  renders it in the chosen language at the boundary (stderr, the rich reports).

The language is chosen once, by ``kerang --lang id`` or ``KERANG_LANG=id``
(``set_language``); domain code takes no language parameter. A template missing from the
catalog falls back to English (tests/test_i18n.py makes sure none is missing).
"""

from __future__ import annotations

import os
import string
from decimal import Decimal
from typing import Any

LANGUAGES = ("en", "id")
_state = {"lang": ""}


class Message(str):
    """An English sentence that remembers how to say itself in another language."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Message:
        self = super().__new__(cls, template.format(**values))
        self.template = template
        self.values = values
        return self

    def __reduce__(self) -> tuple:  # crosses process boundaries intact
        return (Message, (self.template, self.values))

    def localised(self, lang: str | None = None) -> str:
        return _format(self.template, self.values, lang or language())


def set_language(lang: str | None) -> str:
    """Choose the language ('en' or 'id'; None means $KERANG_LANG, else English)."""
    chosen = (lang or os.environ.get("KERANG_LANG") or "en").strip().lower()
    _state["lang"] = chosen.split("_")[0].split("-")[0] if chosen else "en"
    if _state["lang"] not in LANGUAGES:
        _state["lang"] = "en"
    return _state["lang"]


def language() -> str:
    if not _state["lang"]:
        set_language(None)
    return _state["lang"]


def catalog(lang: str) -> dict[str, str]:
    if lang == "id":
        from ledger.i18n_id import ID

        return ID
    return {}


class _Figures(string.Formatter):
    """Numbers in a template ({runs:,}, {bagan:.1f}) written the chosen language's way."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        if self.lang == "id" and numeric and format_spec:
            return indonesian_digits(text)
        return text


def indonesian_digits(text: str) -> str:
    """English digits (1,234.5) written the Indonesian way (1.234,5)."""
    return text.translate(_ID_MARKS)


_ID_MARKS = str.maketrans({",": ".", ".": ","})


def _format(template: str, values: dict[str, Any], lang: str) -> str:
    text = catalog(lang).get(template, template)
    return _Figures(lang).format(text, **{k: localise(v, lang) for k, v in values.items()})


def tr(template: str, **values: Any) -> str:
    """The template in the chosen language, formatted with ``values`` (Messages localised)."""
    return _format(template, values, language())


def msg(template: str, **values: Any) -> Message:
    """A sentence for domain code: English as a ``str``, localised by ``localise()``."""
    return Message(template, values)


def localise(text: Any, lang: str | None = None) -> Any:
    """A ``Message`` in the chosen language; anything else unchanged."""
    if isinstance(text, Message):
        return text.localised(lang)
    return text


ID_CATALOG_MODULE = "ledger/i18n_id.py"


def help_text(text: str) -> str:
    """A --help text in the chosen language (looked up as is: argparse formats it later)."""
    if language() == "en":
        return text
    return catalog(language()).get(text, text)
